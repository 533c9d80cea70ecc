package org.pinsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pinsim.core.Profile;
import org.pinsim.scenario.JsonReport;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;
import org.pinsim.scenario.Transcript;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pinsim run FILE... [--kernel PROFILE] [--json] [--seed N] [--strict] [--explain] [--as 'KEY=VALUE ...']}.
 * Several files run one after the other, each on its own machine ({@code -} is standard
 * input); the exit code is the highest of theirs.
 */
@Command(name = "run", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Runs a scenario and prints a transcript: each statement with pinsim's result, "
                + "the final /proc figures of each process, and a summary line.")
final class RunCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE",
            description = "the scenarios (.pin) or strace logs to run, one after the other; - reads standard input")
    java.util.List<String> files;

    @Option(names = "--as", paramLabel = "'[PID:] KEY=VALUE ...'",
            description = "what a strace log does not say: the keys of a process directive (uid=0 "
                    + "caps=-sys_resource,-ipc_lock rlimit.memlock=64KiB) for the first process, which its children inherit, "
                    + "or for the child PID: names, from the fork that made it")
    String as;

    @Option(names = "--kernel", paramLabel = "PROFILE",
            description = "the kernel profile, overriding the file's kernel directive: ${COMPLETION-CANDIDATES}",
            completionCandidates = Profiles.class)
    String kernel;

    @Option(names = "--json", description = "print one JSON document instead of the transcript")
    boolean json;

    @Option(names = "--seed", paramLabel = "N", description = "the machine seed, overriding the file's")
    Long seed;

    @Option(names = "--explain", description = "explain every refused or mismatched call in full: the rule, its "
            + "numbers, the capability that bypasses it, and the limit that would let it pass")
    boolean explain;

    @Option(names = "--strict", description = "an unknown call is invalid input instead of a skipped call")
    boolean strict;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RunOptions options = RunOptions.defaults().withSeed(seed).withStrict(strict).withAs(as);
        RunOptions chosen = Main.withKernel(options, kernel, err);
        if (chosen == null) {
            return Main.EXIT_INVALID;
        }
        int worst = Main.EXIT_OK;
        boolean several = files.size() > 1;
        if (json && several) {
            out.println("[");
        }
        for (int i = 0; i < files.size(); i++) {
            String name = files.get(i);
            if (several && !json) {
                out.println((i == 0 ? "" : "\n") + "== " + name);
            }
            boolean last = i == files.size() - 1;
            int code = Main.onFile(Path.of(name.equals("-") ? "." : name), err, () -> {
                Report report = Progress.run(name, Main.read(name), chosen);
                if (json) {
                    java.io.StringWriter sw = new java.io.StringWriter();
                    JsonReport.write(report, new PrintWriter(sw));
                    out.print(sw.toString().stripTrailing() + (several && !last ? ",\n" : "\n"));
                } else {
                    Transcript.write(report, out, explain);
                }
                return report.exitCode();
            });
            worst = Math.max(worst, code);
        }
        if (json && several) {
            out.println("]");
        }
        out.flush();
        return worst;
    }

    /** The profile ids, for --help. */
    static final class Profiles implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Profile.values()).map(Profile::id).iterator();
        }
    }
}
