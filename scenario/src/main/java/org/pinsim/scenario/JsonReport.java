package org.pinsim.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/**
 * The {@code --json} report: one JSON document with the statements
 * ({@code {line, proc, call, args, result, errno, expected, match}} plus extras), the checks,
 * the final figures of each process, the skipped calls and the summary counts. Fields come in
 * a fixed order.
 */
public final class JsonReport {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static void write(Report report, PrintWriter out) {
        try {
            out.println(MAPPER.writeValueAsString(tree(report)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report", e);
        }
        out.flush();
    }

    public static ObjectNode tree(Report report) {
        ObjectNode root = MAPPER.createObjectNode();
        if (report.manifest() != null) {
            root.set("manifest", report.manifest().json());
        } else {
            root.putNull("manifest");
        }
        root.put("file", report.file());
        root.put("profile", report.profile().id());
        root.put("seed", report.seed());
        ArrayNode notes = root.putArray("notes");
        report.notes().forEach(notes::add);
        ArrayNode statements = root.putArray("statements");
        ArrayNode checks = root.putArray("checks");
        ArrayNode events = root.putArray("events");
        for (Report.Entry e : report.entries()) {
            if (e instanceof Report.CheckEntry c) {
                checks.add(check(c));
            } else if (e instanceof Report.EventEntry ev) {
                ObjectNode n = events.addObject();
                n.put("line", ev.line());
                n.put("proc", ev.proc());
                n.put("text", ev.text());
                n.put("outcome", ev.outcome());
            } else {
                statements.add(statement(e));
            }
        }
        ArrayNode processes = root.putArray("processes");
        report.processes().forEach(p -> processes.add(figures(p)));
        ArrayNode skipped = root.putArray("skipped");
        for (Report.SkippedCall s : report.skipped()) {
            ObjectNode n = skipped.addObject();
            n.put("call", s.call());
            n.put("count", s.lines().size());
            ArrayNode lines = n.putArray("lines");
            s.lines().forEach(lines::add);
            n.put("reason", s.reason());
        }
        root.set("summary", summary(report));
        return root;
    }

    /** The numbers of the memlock check that refused the call (null when the rule was not one). */
    static com.fasterxml.jackson.databind.JsonNode limit(Report.Refusal r) {
        org.pinsim.core.LimitCheck l = r.limit();
        if (l == null) {
            return MAPPER.nullNode();
        }
        ObjectNode n = MAPPER.createObjectNode();
        n.put("function", l.function());
        n.put("what", l.what());
        n.put("counter", l.counter());
        n.put("counterPages", l.counterPages());
        n.put("requestPages", l.requestPages());
        n.put("creditPages", l.creditPages());
        n.put("limitPages", l.limitPages());
        n.put("neededPages", l.neededPages());
        n.put("neededKiB", l.neededPages() < 0 ? -1 : l.neededPages() * 4);
        n.put("bypass", l.bypass());
        if (l.uid() >= 0) {
            n.put("uid", l.uid());
            n.put("userPages", l.userPages());
            ArrayNode sh = n.putArray("sharers");
            for (Report.Sharer s : r.sharers()) {
                ObjectNode o = sh.addObject();
                o.put("pid", s.pid());
                o.put("name", s.name());
            }
        }
        if (l.allowancePages() >= 0) {
            n.put("allowancePages", l.allowancePages());
        }
        return n;
    }

    private static ObjectNode statement(Report.Entry e) {
        ObjectNode n = MAPPER.createObjectNode();
        if (e instanceof Report.CallEntry c) {
            n.put("line", c.line());
            n.put("proc", c.proc());
            n.put("call", c.call());
            n.put("args", c.args());
            n.put("result", c.value());
            n.put("errno", c.errno());
            n.put("expected", c.expected());
            n.put("match", c.match());
            n.put("text", c.result());
            n.put("reason", c.reason());
            n.put("detail", c.detail());
            if (c.refusal() != null) {
                ObjectNode r = n.putObject("refusal");
                r.put("call", c.refusal().call());
                r.put("errno", c.refusal().errno());
                r.put("rule", c.refusal().reason());
                r.put("why", c.refusal().line());
                r.set("limit", limit(c.refusal()));
            }
            if (c.refusal() != null || Boolean.FALSE.equals(c.match())) {
                ArrayNode ex = n.putArray("explanation");
                Explain.lines(c).forEach(ex::add);
            }
            n.put("time", c.time());
            n.put("duration", c.duration());
            ArrayNode cn = n.putArray("notes");
            c.notes().forEach(cn::add);
        } else {
            Report.SkipEntry s = (Report.SkipEntry) e;
            n.put("line", s.line());
            n.put("proc", s.proc());
            n.put("call", s.call());
            n.put("args", s.args());
            n.putNull("result");
            n.putNull("errno");
            n.putNull("expected");
            n.putNull("match");
            n.put("skipped", s.reason());
            n.put("time", s.time());
            n.put("duration", s.duration());
        }
        return n;
    }

    private static ObjectNode check(Report.CheckEntry c) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("line", c.line());
        n.put("check", c.text());
        n.put("proc", c.proc());
        n.put("field", c.field());
        n.put("op", c.op());
        n.put("expected", c.expected());
        n.put("actual", c.actual());
        n.put("match", c.match());
        return n;
    }

    private static ObjectNode figures(Report.ProcessFigures p) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("name", p.name());
        n.put("pid", p.pid());
        n.put("VmSize_kB", p.vmSizeKb());
        n.put("VmLck_kB", new java.math.BigInteger(Long.toUnsignedString(p.vmLckKb())));
        n.put("VmPin_kB", new java.math.BigInteger(Long.toUnsignedString(p.vmPinKb())));
        n.put("VmRSS_kB", p.vmRssKb());
        n.put("maps", p.maps());
        n.put("uid", p.uid());
        n.put("user_locked_vm_kB", p.userLockedKb());
        n.put("exempt_kB", p.exemptKb());
        n.put("ended", p.exited());
        return n;
    }

    private static ObjectNode summary(Report r) {
        ObjectNode n = MAPPER.createObjectNode();
        Report.Summary s = r.summary();
        n.put("calls", s.calls());
        n.put("matched", s.matched());
        n.put("mismatched", s.mismatched());
        n.put("skipped", s.skipped());
        n.put("checks", s.checks());
        n.put("failed", s.failed());
        n.put("unjudged", s.unjudged());
        n.put("exitCode", r.exitCode());
        return n;
    }
}
