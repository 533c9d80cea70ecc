package org.pinsim.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pinsim.scenario.InvalidInputException;
import org.pinsim.scenario.ModelBugException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code pinsim} command. Exit codes everywhere: 0 every expectation and check held, 1 at
 * least one mismatch, 2 the input or the command line is invalid (one line on stderr, nothing
 * run), 3 the model failed (a pinsim bug, not the input's fault).
 */
@Command(name = "pinsim", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "A deterministic simulator of Linux memory locking and pinning.",
        subcommands = {RunCommand.class, ExplainCommand.class, NeedsCommand.class, CompareCommand.class, BenchCommand.class, VerifyCommand.class,
                ExperimentCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    /** What {@code --version} prints, for the top command and every subcommand. */
    public static final String VERSION = org.pinsim.scenario.Manifest.VERSION;

    public static final int EXIT_OK = 0;
    public static final int EXIT_MISMATCH = 1;
    public static final int EXIT_INVALID = 2;
    public static final int EXIT_MODEL_BUG = 3;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line with stdout and stderr; returns the exit code. */
    public static int execute(String... args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        return execute(out, err, args);
    }

    /** Runs a command line writing to {@code out} and {@code err}; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("pinsim: " + firstLine(ex.getMessage()) + " (see pinsim --help)");
            err.flush();
            return EXIT_INVALID;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("pinsim: internal error: " + firstLine(String.valueOf(ex)));
            if (Boolean.getBoolean("pinsim.debug")) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_MODEL_BUG;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** What a command does with its scenario file: an exit code, or an exception below. */
    @FunctionalInterface
    interface FileJob {
        int run() throws IOException;
    }

    /**
     * {@code options} with the profile of {@code --kernel} when given; null (after one line on
     * {@code err}) for an unknown profile, which the caller answers with exit 2.
     */
    static org.pinsim.scenario.RunOptions withKernel(org.pinsim.scenario.RunOptions options, String kernel,
                                                     PrintWriter err) {
        if (kernel == null) {
            return options;
        }
        try {
            return options.withKernel(org.pinsim.core.Profile.byId(kernel));
        } catch (IllegalArgumentException e) {
            err.println("pinsim: --kernel: " + e.getMessage());
            return null;
        }
    }

    /**
     * Runs a command on one scenario file and turns what can go wrong into one line on
     * {@code err}: invalid input, a missing or unreadable file (exit 2), a model bug (exit 3).
     */
    static int onFile(Path file, PrintWriter err, FileJob job) {
        try {
            return job.run();
        } catch (InvalidInputException e) {
            err.println(e.getMessage());
            return EXIT_INVALID;
        } catch (NoSuchFileException e) {
            err.println("pinsim: " + e.getFile() + ": no such file");
            return EXIT_INVALID;
        } catch (IOException e) {
            Path p = e instanceof java.nio.file.FileSystemException fe && fe.getFile() != null ? Path.of(fe.getFile()) : file;
            err.println("pinsim: " + p + ": cannot read: " + (Files.isDirectory(p) ? "is a directory" : e.getMessage()));
            return EXIT_INVALID;
        } catch (ModelBugException e) {
            err.println("pinsim: internal error (a bug in the model, not in the input): " + firstLine(e.getMessage()));
            if (Boolean.getBoolean("pinsim.debug")) {
                e.printStackTrace(err);
            }
            return EXIT_MODEL_BUG;
        }
    }

    /** Reads and parses a file, or standard input for {@code -} (named {@code <stdin>} in messages). */
    static org.pinsim.scenario.Scenario read(String name) throws IOException {
        if (name.equals("-")) {
            return org.pinsim.scenario.ScenarioRunner.parse("<stdin>", System.in.readAllBytes());
        }
        return org.pinsim.scenario.ScenarioRunner.parse(Path.of(name));
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** No command: one line, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("pinsim: expected a command (run, explain, needs, compare, experiment, bench, verify), found none (see pinsim --help)");
        return EXIT_INVALID;
    }
}
