package org.pinsim.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/**
 * {@code pinsim compare --json}: one JSON document with the file, the profiles, the rows of the
 * table (per profile: the outcome and whether it met the expectation), the final counters of
 * each process under each profile, each profile's summary, and the exit code
 * (docs/SCENARIO-REFERENCE.md section 14). Per-profile values are objects keyed by profile id,
 * in the order of {@code profiles}; fields come in a fixed order.
 */
public final class ComparisonJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ComparisonJson() {
    }

    public static void write(Comparison c, PrintWriter out) {
        try {
            out.println(MAPPER.writeValueAsString(tree(c)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON comparison", e);
        }
        out.flush();
    }

    /**
     * The comparison's manifest: the first report's, with {@code profile} null and
     * {@code profiles} listing the columns (the machine is the same under each but its
     * {@code profile}, which is null here).
     */
    static com.fasterxml.jackson.databind.JsonNode manifest(Comparison c) {
        Report first = c.reports().isEmpty() ? null : c.reports().get(0);
        if (first == null || first.manifest() == null) {
            return MAPPER.nullNode();
        }
        ObjectNode m = first.manifest().json();
        m.putNull("profile");
        ArrayNode ps = MAPPER.createArrayNode();
        c.profiles().forEach(p -> ps.add(p.id()));
        m.set("profiles", ps);
        if (m.get("machine") instanceof ObjectNode machine) {
            machine.putNull("profile");
        }
        return m;
    }

    public static ObjectNode tree(Comparison c) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("manifest", manifest(c));
        root.put("file", c.file());
        ArrayNode profiles = root.putArray("profiles");
        c.profiles().forEach(p -> profiles.add(p.id()));
        ArrayNode rows = root.putArray("rows");
        for (Comparison.Row r : c.rows()) {
            ObjectNode n = rows.addObject();
            n.put("line", r.line());
            n.put("kind", r.kind().id());
            n.put("text", r.text());
            n.put("expected", r.expected());
            n.put("differs", r.differs());
            n.put("guarded", r.guarded());
            ObjectNode cells = n.putObject("outcomes");
            for (int i = 0; i < c.profiles().size(); i++) {
                Comparison.Cell cell = r.cells().get(i);
                String id = c.profiles().get(i).id();
                if (cell == null) {
                    cells.putNull(id);
                } else {
                    ObjectNode o = cells.putObject(id);
                    o.put("outcome", cell.outcome());
                    o.put("match", cell.match());
                }
            }
        }
        ArrayNode processes = root.putArray("processes");
        for (Comparison.ProcessRow p : c.processes()) {
            ObjectNode n = processes.addObject();
            n.put("name", p.name());
            ObjectNode figures = n.putObject("final");
            for (int i = 0; i < c.profiles().size(); i++) {
                Report.ProcessFigures f = p.figures().get(i);
                String id = c.profiles().get(i).id();
                if (f == null) {
                    figures.putNull(id);
                } else {
                    ObjectNode o = figures.putObject(id);
                    o.put("pid", f.pid());
                    o.put("uid", f.uid());
                    o.put("VmLck_kB", new java.math.BigInteger(Long.toUnsignedString(f.vmLckKb())));
                    o.put("VmPin_kB", new java.math.BigInteger(Long.toUnsignedString(f.vmPinKb())));
                    o.put("user_locked_vm_kB", f.userLockedKb());
                    o.put("exempt_kB", f.exemptKb());
                }
            }
        }
        ObjectNode summaries = root.putObject("summaries");
        for (int i = 0; i < c.profiles().size(); i++) {
            Report r = c.reports().get(i);
            Report.Summary s = r.summary();
            ObjectNode o = summaries.putObject(c.profiles().get(i).id());
            o.put("calls", s.calls());
            o.put("matched", s.matched());
            o.put("mismatched", s.mismatched());
            o.put("skipped", s.skipped());
            o.put("checks", s.checks());
            o.put("failed", s.failed());
            o.put("exitCode", r.exitCode());
        }
        root.put("differences", c.differences());
        root.put("exitCode", c.exitCode());
        return root;
    }
}
