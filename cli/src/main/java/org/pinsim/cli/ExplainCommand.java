package org.pinsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pinsim.scenario.Explain;
import org.pinsim.scenario.JsonReport;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pinsim explain FILE:LINE [--as ...] [--kernel PROFILE] [--json]}: runs the file up to
 * the end and explains the call on LINE from what the model recorded when it answered it
 * ({@link Explain}). Exit 0 when the line holds a call, 2 when it does not.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Explains why the call on FILE:LINE was refused (the kernel rule, the counter, the request, "
                + "the limit, who shares the counter, the capability that bypasses it, the limit that lets it pass) "
                + "or why it does not match the log.")
final class ExplainCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE:LINE", description = "the scenario or strace log and the line of the call")
    String where;

    @Option(names = "--as", paramLabel = "'[PID:] KEY=VALUE ...'",
            description = "the keys of a process directive for the log's first process, or a child's (see run --help)")
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
        int colon = where.lastIndexOf(':');
        int line;
        try {
            line = colon <= 0 ? -1 : Integer.parseInt(where.substring(colon + 1));
        } catch (NumberFormatException e) {
            line = -1;
        }
        if (line <= 0) {
            err.println("pinsim: explain: expected FILE:LINE (a line number from 1), found '" + where + "'");
            return Main.EXIT_INVALID;
        }
        String file = where.substring(0, colon);
        RunOptions options = RunOptions.defaults().withSeed(seed).withAs(as);
        RunOptions chosen = Main.withKernel(options, kernel, err);
        if (chosen == null) {
            return Main.EXIT_INVALID;
        }
        int target = line;
        return Main.onFile(Path.of(file.equals("-") ? "." : file), err, () -> {
            org.pinsim.scenario.Scenario scenario = Main.read(file);
            Report report = ScenarioRunner.run(scenario, chosen);
            for (Report.Entry e : report.entries()) {
                if (e.line() == target && e instanceof Report.CallEntry c) {
                    List<String> lines = Explain.lines(c);
                    if (json) {
                        print(out, report, c, lines);
                    } else {
                        out.println(file + ":" + target + "  " + c.text() + " = " + c.result());
                        if (lines.isEmpty()) {
                            out.println("   " + (c.value() == null ? "not run" : "the call succeeded and agrees with the log:"
                                    + " nothing to explain"));
                        }
                        lines.forEach(l -> out.println("   " + l));
                    }
                    out.flush();
                    return Main.EXIT_OK;
                }
                if (e.line() == target && e instanceof Report.SkipEntry s) {
                    err.println(file + ":" + target + ":1: expected a call pinsim runs, found " + s.call()
                            + " (skipped: " + s.reason() + ")");
                    return Main.EXIT_INVALID;
                }
            }
            for (org.pinsim.scenario.Statement st : scenario.statements()) {
                if (st.line() == target && st.guard() != null && !st.guard().admits(report.profile())) {
                    // a guarded line of another profile: say which, rather than "no call"
                    err.println(file + ":" + target + ":1: expected a call that runs under " + report.profile().id()
                            + ", found one guarded for " + st.guard().text() + " (try --kernel "
                            + st.guard().profiles().get(0).id() + ")");
                    return Main.EXIT_INVALID;
                }
            }
            err.println(file + ":" + target + ":1: expected a line with a call, found none");
            return Main.EXIT_INVALID;
        });
    }

    private static void print(PrintWriter out, Report report, Report.CallEntry c, List<String> lines) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode full = JsonReport.tree(report);
        ObjectNode root = m.createObjectNode();
        root.set("manifest", full.get("manifest"));
        root.put("file", report.file());
        root.put("line", c.line());
        for (com.fasterxml.jackson.databind.JsonNode s : full.get("statements")) {
            if (s.get("line").asInt() == c.line()) {
                root.set("statement", s);
            }
        }
        ArrayNode ex = root.putArray("explanation");
        lines.forEach(ex::add);
        try {
            out.println(m.writeValueAsString(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
