package org.pinsim.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pinsim.bench.BenchRunner;
import org.pinsim.bench.Op;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pinsim bench [--op OP[,OP...]]... [--size SIZE] [--no-warmup]}: times the real-kernel
 * baseline's operations (bench/kernel/kbench.c) on the model and prints kbench's JSON
 * lines, so that the two outputs join on {@code (op, bytes)}. See docs/PERFORMANCE.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = {"Times kbench's operations on the model (invariant checks off) and prints one JSON line "
                + "per op and size with kbench's fields: op, bytes, pages, ns_total (the median), ns_per_page, "
                + "reps, min_ns, max_ns; meta_* lines give the manifest, the skipped ops and the heap bytes "
                + "per simulated frame."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--op", paramLabel = "OP", split = ",", completionCandidates = OpNames.class,
            description = "an op to run, by kbench's name (repeatable, or a comma list); default: all. "
                    + "Each selected op's whole kbench region still runs; only the selected ops are printed. Known ops: "
                    + "${COMPLETION-CANDIDATES}")
    List<String> ops = new ArrayList<>();

    @Option(names = "--size", paramLabel = "SIZE",
            description = "one region size, e.g. 4MiB, 64MiB, 1GiB; default: 4MiB, 64MiB and 1GiB")
    String size;

    @Option(names = "--no-warmup", description = "skip the untimed JIT warm-up pass")
    boolean noWarmup;

    @Spec
    CommandSpec spec;

    /** kbench's op names, for the help text. */
    static final class OpNames extends ArrayList<String> {
        OpNames() {
            super(Op.names());
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchRunner.Options options;
        try {
            Set<Op> selected = BenchRunner.parseOps(ops);
            List<Long> sizes = size == null ? BenchRunner.DEFAULT_SIZES : List.of(BenchRunner.parseSize(size));
            options = BenchRunner.Options.defaults().withOps(selected).withSizes(sizes).withWarmup(!noWarmup);
        } catch (IllegalArgumentException e) {
            err.println("pinsim: bench: " + e.getMessage());
            return Main.EXIT_INVALID;
        }
        // the manifest every --json document carries (docs/JSON.md), as bench's first JSON line
        org.pinsim.core.MachineConfig m = org.pinsim.core.MachineConfig.defaults();
        com.fasterxml.jackson.databind.node.ObjectNode line = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode();
        line.put("op", "meta_manifest");
        line.set("manifest", org.pinsim.scenario.Manifest.of(m.profile().id(), m, new org.pinsim.core.Sysctl().all(),
                m.seed()).json());
        out.println(line.toString());
        new BenchRunner(options, out, err).run();
        return Main.EXIT_OK;
    }
}
