package org.pinsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pinsim.cli.verify.ExecutorBinary;
import org.pinsim.cli.verify.LiveMachine;
import org.pinsim.cli.verify.ScenarioResult;
import org.pinsim.cli.verify.Verifier;
import org.pinsim.scenario.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pinsim verify FILE... [--json] [--max-mem SIZE] [--timeout S] [--uid-base N]}: runs
 * each scenario on the live kernel and on pinsim (linux-6.18) and prints every difference.
 * Exit 0 when nothing differs, 1 when something does, 2 for invalid input.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Runs each scenario on the live Linux kernel and on pinsim (profile linux-6.18) and prints "
                + "every difference: return values (addresses by meaning), errnos, check values, the file's "
                + "expectations, and VmSize/VmLck/VmRSS/VmPin/maps as changes since the first statement.")
final class VerifyCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "scenarios (.pin) to verify")
    List<Path> files;

    @Option(names = "--json", description = "print one JSON document instead of the text report")
    boolean json;

    @Option(names = "--max-mem", paramLabel = "SIZE", defaultValue = "512MiB",
            description = "refuse scenarios whose mappings could exceed this (default ${DEFAULT-VALUE})")
    String maxMem;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "per-scenario timeout; the executor's process group is killed after it (default ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--uid-base", paramLabel = "N", defaultValue = "20000",
            description = "scenario i runs its uid-1000 processes as uid N+i (default ${DEFAULT-VALUE})")
    int uidBase;

    @Option(names = "--executor", paramLabel = "PATH", description = "the pinsim-exec binary (default: built from "
            + "conformance/executor/pinsim-exec.c)")
    Path executor;

    @Spec
    CommandSpec spec;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Long mem = parseSize(maxMem);
        if (mem == null || mem <= 0) {
            err.println("pinsim: --max-mem: expected a size such as 512MiB, found '" + maxMem + "'");
            return Main.EXIT_INVALID;
        }
        if (timeout <= 0) {
            err.println("pinsim: --timeout: expected a positive number of seconds, found " + timeout);
            return Main.EXIT_INVALID;
        }
        List<Verifier.Prepared> prepared = new ArrayList<>();
        for (Path f : files) {
            try {
                prepared.add(Verifier.prepare(f));
            } catch (InvalidInputException e) {
                err.println(e.getMessage());
                return Main.EXIT_INVALID;
            } catch (NoSuchFileException e) {
                err.println("pinsim: " + f + ": no such file");
                return Main.EXIT_INVALID;
            } catch (IOException e) {
                err.println("pinsim: " + f + ": cannot read: " + (Files.isDirectory(f) ? "is a directory" : e.getMessage()));
                return Main.EXIT_INVALID;
            }
        }
        String unavailable = ExecutorBinary.unavailable();
        Path bin = executor;
        if (unavailable == null && bin == null) {
            try {
                bin = ExecutorBinary.locate();
            } catch (IOException e) {
                unavailable = e.getMessage();
            }
        }
        if (unavailable != null) {
            String line = "live kernel not available: " + unavailable + "; skipped " + prepared.size()
                    + " scenarios (nothing compared with the kernel)";
            if (json) {
                ObjectNode root = MAPPER.createObjectNode();
                root.set("manifest", manifest(files));
                root.put("available", false);
                root.put("reason", "live kernel not available: " + unavailable);
                root.put("skipped", prepared.size());
                print(out, root);
            } else {
                out.println(line);
            }
            return Main.EXIT_OK;
        }
        LiveMachine live;
        try {
            live = LiveMachine.probe(bin, timeout);
        } catch (IOException e) {
            err.println("pinsim: verify: cannot probe the live machine: " + e.getMessage());
            return Main.EXIT_INVALID;
        }
        Verifier.Options options = Verifier.Options.defaults().withExecutor(bin).withMaxMem(mem).withTimeout(timeout)
                .withUidBase(uidBase).withLive(live);
        Verifier v = new Verifier(options, bin);
        List<ScenarioResult> results = new ArrayList<>();
        int i = 0;
        for (Verifier.Prepared p : prepared) {
            ScenarioResult r = v.verify(p, i++);
            results.add(r);
            if (!json) {
                printText(out, r);
            }
        }
        int diffs = 0;
        int compared = 0;
        int nv = 0;
        String release = null;
        for (ScenarioResult r : results) {
            diffs += r.differences().size();
            compared += r.compared();
            nv += r.notVerifiableCount();
            release = release == null ? r.kernelRelease() : release;
        }
        String summary = results.size() + " scenarios, " + compared + " statements compared, " + diffs + " differences, "
                + nv + " not verifiable";
        int code = diffs == 0 ? Main.EXIT_OK : Main.EXIT_MISMATCH;
        if (json) {
            ObjectNode root = json(results, bin, release, live, compared, diffs, nv, code);
            ObjectNode ordered = MAPPER.createObjectNode();
            ordered.set("manifest", manifest(files));
            ordered.setAll(root);
            print(out, ordered);
        } else {
            out.println("live kernel " + (release == null ? "?" : release) + " " + live.describe() + ", pinsim profile "
                    + Verifier.PROFILE.id() + ", executor " + bin);
            out.println(summary);
        }
        out.flush();
        return code;
    }

    /**
     * verify's manifest: the profile pinsim runs (Verifier.PROFILE), no one machine (each
     * scenario has its own), and the SHA-256 of the inputs: of the one file, or for several
     * of the lines {@code SHA256  FILE} of each in order.
     */
    static ObjectNode manifest(List<Path> files) {
        StringBuilder b = new StringBuilder();
        String one = null;
        for (Path f : files) {
            try {
                one = org.pinsim.scenario.Manifest.sha256(Files.readString(f));
            } catch (IOException e) {
                one = null;
            }
            b.append(one).append("  ").append(f).append('\n');
        }
        String sha = files.size() == 1 ? one : org.pinsim.scenario.Manifest.sha256(b.toString());
        return new org.pinsim.scenario.Manifest(Verifier.PROFILE.id(), null, null, 0, sha).json();
    }

    private static void printText(PrintWriter out, ScenarioResult r) {
        for (ScenarioResult.Difference d : r.differences()) {
            out.println(r.file() + ":" + d.line() + ": DIFFERENCE (" + d.kind() + ") " + d.what() + ": kernel " + d.kernel()
                    + ", " + (d.kind().equals("pinsim") ? "pinsim " : "") + d.other()
                    + (d.statement().isEmpty() ? "" : "   [" + d.statement() + "]"));
        }
        for (ScenarioResult.NotVerifiable n : r.notVerifiable()) {
            out.println(r.file() + (n.line() == 0 ? "" : ":" + n.line()) + ": not verifiable: " + n.reason()
                    + (n.statement().isEmpty() ? "" : "   [" + n.statement() + "]"));
        }
        out.println(r.file() + ": " + r.compared() + " of " + r.statements() + " statements compared, "
                + r.differences().size() + " differences, " + r.notVerifiableCount() + " not verifiable");
        out.flush();
    }

    private static ObjectNode json(List<ScenarioResult> results, Path bin, String release, LiveMachine live, int compared,
                                   int diffs, int nv, int code) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("available", true);
        root.put("kernel", release);
        root.put("zeroPage", live.zeroPage());
        root.put("profile", Verifier.PROFILE.id());
        root.put("executor", bin.toString());
        ArrayNode arr = root.putArray("scenarios");
        for (ScenarioResult r : results) {
            ObjectNode s = arr.addObject();
            s.put("file", r.file());
            s.put("statements", r.statements());
            s.put("compared", r.compared());
            s.put("notVerifiable", r.notVerifiableCount());
            s.put("wholeScenarioNotVerifiable", r.wholeScenario());
            ArrayNode ds = s.putArray("differences");
            for (ScenarioResult.Difference d : r.differences()) {
                ObjectNode o = ds.addObject();
                o.put("line", d.line());
                o.put("statement", d.statement());
                o.put("kind", d.kind());
                o.put("what", d.what());
                o.put("kernel", d.kernel());
                o.put(d.kind().equals("pinsim") ? "pinsim" : "expected", d.other());
            }
            ArrayNode ns = s.putArray("notVerifiableStatements");
            for (ScenarioResult.NotVerifiable n : r.notVerifiable()) {
                ObjectNode o = ns.addObject();
                o.put("line", n.line());
                o.put("statement", n.statement());
                o.put("reason", n.reason());
            }
        }
        ObjectNode sum = root.putObject("summary");
        sum.put("scenarios", results.size());
        sum.put("compared", compared);
        sum.put("differences", diffs);
        sum.put("notVerifiable", nv);
        sum.put("exitCode", code);
        return root;
    }

    private static void print(PrintWriter out, ObjectNode root) {
        try {
            out.println(MAPPER.writeValueAsString(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    static Long parseSize(String s) {
        Matcher m = Pattern.compile("(\\d+)\\s*(KiB|MiB|GiB|K|M|G)?").matcher(s.trim());
        if (!m.matches()) {
            return null;
        }
        long v = Long.parseLong(m.group(1));
        String u = m.group(2) == null ? "" : m.group(2);
        return switch (u) {
            case "K", "KiB" -> v << 10;
            case "M", "MiB" -> v << 20;
            case "G", "GiB" -> v << 30;
            default -> v;
        };
    }
}
