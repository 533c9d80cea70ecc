package org.pinsim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.Scenario;
import org.pinsim.scenario.ScenarioRunner;

/**
 * A progress bar on stderr while a long input runs: only for a file of more than
 * {@link #THRESHOLD} lines and only when stderr is a terminal ({@link #stderrIsATerminal});
 * nothing otherwise, so a redirected stderr, tests and CI see none. Drawn by me.tongfei:progressbar, advanced to the line of
 * each step as it ends.
 */
final class Progress {

    static final int THRESHOLD = 50_000;

    private Progress() {
    }

    static Report run(String name, Scenario scenario, RunOptions options) throws IOException {
        long lines = name.equals("-") || !stderrIsATerminal() ? 0 : count(Path.of(name));
        if (lines <= THRESHOLD) {
            return ScenarioRunner.run(scenario, options);
        }
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(Path.of(name).getFileName().toString())
                .setInitialMax(lines).setUnit(" lines", 1).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(200).build()) {
            Report r = ScenarioRunner.run(scenario, options, (line, after, kernel, pids) -> {
                if (after) {
                    bar.stepTo(line);
                }
            });
            bar.stepTo(lines);
            return r;
        }
    }

    /**
     * Whether stderr is a terminal: System.console() (stdin and stdout are one), or on Linux
     * /proc/self/fd/2 naming a terminal device (so that {@code run LOG > out.txt} still shows it).
     */
    static boolean stderrIsATerminal() {
        if (System.console() != null) {
            return true;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long count(Path file) throws IOException {
        try (Stream<String> s = Files.lines(file)) {
            return s.count();
        }
    }
}
