package org.pinsim.scenario.experiment;

import java.util.List;
import java.util.stream.Collectors;

/** The experiments by name: the registry a new one joins with one line. */
public final class Experiments {
    private static final List<Experiment> REGISTRY = List.of(new ExemptLimitExperiment(),
            new FallbackRulesExperiment(),
            new PinScatterExperiment(),
            new PinPlacementExperiment(),
            new WastedCompactionExperiment(),
            new PrecompactCostExperiment(),
            new MlockVsPinExperiment(),
            new LongtermMovableExperiment());

    private Experiments() {
    }

    /** The experiment named {@code name}; an unknown name fails at once with the known ones. */
    public static Experiment byName(String name) {
        for (Experiment e : REGISTRY) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "' (known: " + known() + ")");
    }

    public static String known() {
        return REGISTRY.stream().map(Experiment::name).collect(Collectors.joining(", "));
    }

    public static List<Experiment> all() {
        return REGISTRY;
    }
}
