package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A named experiment: a family of runs of the model whose figures make one table
 * ({@code ./pinsim experiment NAME}). A new experiment is a class and a line in
 * {@link Experiments}.
 */
public interface Experiment {
    /** The options every experiment takes; each reads the ones it uses. */
    record Options(List<Long> limits, int seeds) {
        /** Without {@code --seeds} (0: the experiment's default). */
        public Options(List<Long> limits) {
            this(limits, 0);
        }
    }

    /** What an experiment printed: the table as text, and the same as JSON. */
    record Result(String text, ObjectNode json) {
    }

    String name();

    /** One line for the command's help. */
    String summary();

    Result run(Options options);
}
