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

/** {@code pinsim run FILE [--kernel PROFILE] [--json] [--seed N] [--strict]}. */
@Command(name = "run", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Runs a scenario and prints a transcript: each statement with pinsim's result, "
                + "the final /proc figures of each process, and a summary line.")
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the scenario (.pin) to run")
    Path file;

    @Option(names = "--kernel", paramLabel = "PROFILE",
            description = "the kernel profile, overriding the file's kernel directive: ${COMPLETION-CANDIDATES}",
            completionCandidates = Profiles.class)
    String kernel;

    @Option(names = "--json", description = "print one JSON document instead of the transcript")
    boolean json;

    @Option(names = "--seed", paramLabel = "N", description = "the machine seed, overriding the file's")
    Long seed;

    @Option(names = "--strict", description = "an unknown call is invalid input instead of a skipped call")
    boolean strict;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RunOptions options = RunOptions.defaults().withSeed(seed).withStrict(strict);
        try {
            if (kernel != null) {
                options = options.withKernel(Profile.byId(kernel));
            }
        } catch (IllegalArgumentException e) {
            err.println("pinsim: --kernel: " + e.getMessage());
            return Main.EXIT_INVALID;
        }
        RunOptions chosen = options;
        return Main.onFile(file, err, () -> {
            Report report = ScenarioRunner.run(ScenarioRunner.parse(file), chosen);
            if (json) {
                JsonReport.write(report, out);
            } else {
                Transcript.write(report, out);
            }
            return report.exitCode();
        });
    }

    /** The profile ids, for --help. */
    static final class Profiles implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Profile.values()).map(Profile::id).iterator();
        }
    }
}
