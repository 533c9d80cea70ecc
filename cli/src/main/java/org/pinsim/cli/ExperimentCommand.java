package org.pinsim.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pinsim.bench.BenchRunner;
import org.pinsim.scenario.experiment.Experiment;
import org.pinsim.scenario.experiment.Experiments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pinsim experiment NAME [--seeds N] [--limit SIZE[,SIZE...]] [--json]}: runs a named experiment and prints its table. */
@Command(name = "experiment", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Runs a named experiment (a search over runs of the model) and prints its table.")
final class ExperimentCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "the experiment: ${COMPLETION-CANDIDATES}",
            completionCandidates = Names.class)
    String name;

    @Option(names = "--limit", paramLabel = "SIZE", split = ",",
            description = "RLIMIT_MEMLOCK values to try (exempt-limit), e.g. 64KiB,8MiB; default 64KiB and 8MiB")
    List<String> limits = new ArrayList<>();

    @Option(names = "--seeds", paramLabel = "N",
            description = "seeds 1..N for the experiments that run seeded machines (default ${DEFAULT-VALUE})")
    int seeds = Experiment.Options.DEFAULT_SEEDS;

    @Option(names = "--json", description = "print one JSON document instead of the table")
    boolean json;

    @Spec
    CommandSpec spec;

    static final class Names extends ArrayList<String> {
        Names() {
            Experiments.all().forEach(e -> add(e.name()));
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Experiment e;
        List<Long> sizes = new ArrayList<>();
        try {
            e = Experiments.byName(name);
            if (seeds < 1 || seeds > 1000) {
                throw new IllegalArgumentException("--seeds " + seeds + ": expected 1 to 1000");
            }
            for (String l : limits) {
                long v = BenchRunner.parseSize(l);
                if (v < 4096 || v % 4096 != 0 || v > (64L << 20)) {
                    throw new IllegalArgumentException("size '" + l + "': expected a multiple of 4 KiB from 4KiB to 64MiB");
                }
                sizes.add(v);
            }
        } catch (IllegalArgumentException ex) {
            err.println("pinsim: experiment: " + ex.getMessage());
            return Main.EXIT_INVALID;
        }
        Experiment.Result r = e.run(new Experiment.Options(sizes, seeds));
        if (json) {
            org.pinsim.core.MachineConfig m = e.machine();
            com.fasterxml.jackson.databind.node.ObjectNode manifest = org.pinsim.scenario.Manifest.of(null, m,
                    new org.pinsim.core.Sysctl().all(), 1).json();
            if (m != null && e.name().equals("exempt-limit")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("machine")).putNull("profile");
            }
            com.fasterxml.jackson.databind.node.ObjectNode root = new com.fasterxml.jackson.databind.ObjectMapper()
                    .createObjectNode();
            root.set("manifest", manifest);
            root.setAll(r.json());
            out.println(root.toPrettyString());
        } else {
            out.print(r.text());
        }
        return Main.EXIT_OK;
    }
}
