package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A named experiment: a family of runs of the model whose figures make one table
 * ({@code ./pinsim experiment NAME}). A new experiment is a class and a line in
 * {@link Experiments}.
 */
public interface Experiment {
    /** The options every experiment takes; each reads the ones it uses. {@code seeds}: how many seeds (1..N). */
    record Options(List<Long> limits, int seeds) {
        /** The default number of seeds. */
        public static final int DEFAULT_SEEDS = 10;

        public Options(List<Long> limits) {
            this(limits, DEFAULT_SEEDS);
        }
    }

    /** What an experiment printed: the table as text, and the same as JSON. */
    record Result(String text, ObjectNode json) {
    }

    String name();

    /** One line for the command's help. */
    String summary();

    Result run(Options options);

    /** The machine the experiment boots, for the JSON manifest (seed 1), or null when it boots several kinds. */
    default org.pinsim.core.MachineConfig machine() {
        return null;
    }
}
