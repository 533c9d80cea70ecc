package org.pinsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pinsim.scenario.JsonReport;
import org.pinsim.scenario.Needs;
import org.pinsim.scenario.RunOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pinsim needs TRACE [--as ...] [--kernel PROFILE] [--json]}: the smallest soft
 * RLIMIT_MEMLOCK under which every modelled call of the log answers as in the log, without
 * CAP_IPC_LOCK, found by replaying ({@link Needs}). Exit 0 when a limit reproduces the log, 1
 * when none does.
 */
@Command(name = "needs", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Finds, by replaying the log, the smallest soft RLIMIT_MEMLOCK under which every call pinsim "
                + "models answers as it did in the log, without CAP_IPC_LOCK; prints it as ulimit -l and LimitMEMLOCK=.")
final class NeedsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "TRACE", description = "the strace log (or scenario)")
    String file;

    @Option(names = "--as", paramLabel = "'[PID:] KEY=VALUE ...'",
            description = "the keys of a process directive for the log's first process; its rlimit.memlock is replaced "
                    + "by each limit tried, and CAP_IPC_LOCK is removed")
    String as;

    @Option(names = "--kernel", paramLabel = "PROFILE", description = "the kernel profile, overriding the file's")
    String kernel;

    @Option(names = "--json", description = "print one JSON document")
    boolean json;

    @Option(names = "--seed", paramLabel = "N", description = "the machine seed, overriding the file's")
    Long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RunOptions options = RunOptions.defaults().withSeed(seed).withAs(as);
        RunOptions chosen = Main.withKernel(options, kernel, err);
        if (chosen == null) {
            return Main.EXIT_INVALID;
        }
        return Main.onFile(Path.of(file.equals("-") ? "." : file), err, () -> {
            Needs.Result r = Needs.find(Main.read(file), chosen);
            if (json) {
                json(out, r);
            } else {
                text(out, r);
            }
            out.flush();
            return r.found() ? Main.EXIT_OK : Main.EXIT_MISMATCH;
        });
    }

    private static void text(PrintWriter out, Needs.Result r) {
        if (r.minPages() < 0) {
            out.println(r.file() + ": no RLIMIT_MEMLOCK suffices without CAP_IPC_LOCK; these calls are refused even"
                    + " with an unlimited limit (grant CAP_IPC_LOCK: `setcap cap_ipc_lock+ep PROGRAM`):");
            r.blockers().forEach(b -> out.println("  " + b));
        } else if (r.unlimited()) {
            out.println(r.file() + ": needs an unlimited RLIMIT_MEMLOCK without CAP_IPC_LOCK (no limit up to "
                    + Needs.TOP * 4 + " KiB suffices)");
            out.println("  ulimit -l unlimited");
            out.println("  LimitMEMLOCK=infinity");
        } else {
            long kib = r.minPages() * 4;
            out.println(r.file() + ": needs a soft RLIMIT_MEMLOCK of at least " + r.minPages() + " pages (" + kib
                    + " KiB) without CAP_IPC_LOCK; " + (r.minPages() == 0 ? "any limit does"
                    : "at " + (kib - 4) + " KiB a call answers otherwise than in the log"));
            out.println("  ulimit -l " + kib);
            out.println("  LimitMEMLOCK=" + kib + "K");
            out.println("  /etc/security/limits.conf: USER - memlock " + kib);
            out.println("  docker run --ulimit memlock=" + kib * 1024 + ":" + kib * 1024);
            if (r.maxPages() >= 0 && r.maxPages() >= r.minPages()) {
                out.println("  the log's refusals need the limit below " + (r.maxPages() + 1) * 4 + " KiB: "
                        + (r.maxPages() == r.minPages() ? "only " + kib + " KiB reproduces the log"
                        : "any limit from " + kib + " to " + r.maxPages() * 4 + " KiB reproduces the log"));
            } else if (r.maxPages() >= 0) {
                out.println("  no one limit reproduces the log: at " + kib + " KiB these refusals of the log do not happen:");
                r.blockers().forEach(b -> out.println("    " + b));
            }
        }
        if (!r.others().isEmpty()) {
            out.println("  these calls disagree with the log at every limit (not a memlock check):");
            r.others().forEach(o -> out.println("    " + o));
        }
        out.println("  (" + r.replays() + " replays)");
    }

    private static void json(PrintWriter out, Needs.Result r) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.set("manifest", r.atMinimum() == null ? null : JsonReport.tree(r.atMinimum()).get("manifest"));
        root.put("file", r.file());
        root.put("found", r.found());
        root.put("minPages", r.minPages());
        root.put("minKiB", r.minPages() < 0 ? -1 : r.minPages() * 4);
        root.put("unlimited", r.unlimited());
        root.put("maxPages", r.maxPages());
        root.put("ulimit", r.minPages() < 0 ? null : r.unlimited() ? "ulimit -l unlimited" : "ulimit -l " + r.minPages() * 4);
        root.put("limitMemlock", r.minPages() < 0 ? null
                : r.unlimited() ? "LimitMEMLOCK=infinity" : "LimitMEMLOCK=" + r.minPages() * 4 + "K");
        root.put("needsCapIpcLock", r.minPages() < 0);
        ArrayNode b = root.putArray("blockers");
        r.blockers().forEach(b::add);
        ArrayNode o = root.putArray("others");
        r.others().forEach(o::add);
        root.put("replays", r.replays());
        try {
            out.println(m.writeValueAsString(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
