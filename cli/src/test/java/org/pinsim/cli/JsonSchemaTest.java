package org.pinsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/JSON.md is the schema: every command's JSON document has the manifest (version,
 * profile, machine with every MachineConfig component, sysctls, seed, SHA-256 of the input)
 * and exactly the top-level fields its section lists, in that order.
 */
class JsonSchemaTest {

    private static final Path DOC = Path.of("../docs/JSON.md");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String FILE = "../examples/mlock-basics.pin";

    private static JsonNode json(String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        assertThat(code).as("%s: %s", String.join(" ", args), err).isLessThan(2);
        return MAPPER.readTree(out.toString());
    }

    /** The documented top-level fields of a command's section ("Top-level fields: `a`, `b`"). */
    private static List<String> documented(String command) throws IOException {
        String doc = Files.readString(DOC);
        int at = doc.indexOf("\n## " + command + "\n");
        assertThat(at).as("docs/JSON.md has a section for %s", command).isPositive();
        int end = doc.indexOf("\n## ", at + 4);
        String section = doc.substring(at, end < 0 ? doc.length() : end);
        Matcher m = Pattern.compile("Top-level fields: (.*)").matcher(section);
        assertThat(m.find()).as("%s lists its top-level fields", command).isTrue();
        List<String> fields = new ArrayList<>();
        Matcher f = Pattern.compile("`([A-Za-z0-9_]+)`").matcher(m.group(1));
        while (f.find()) {
            fields.add(f.group(1));
        }
        return fields;
    }

    /** The backquoted names on the line of a command's section that starts with {@code prefix}. */
    private static List<String> documentedLine(String command, String prefix) throws IOException {
        String doc = Files.readString(DOC);
        int at = doc.indexOf("\n## " + command + "\n");
        int end = doc.indexOf("\n## ", at + 4);
        String section = doc.substring(at, end < 0 ? doc.length() : end);
        int line = section.indexOf("\n" + prefix);
        assertThat(line).as("%s documents '%s'", command, prefix).isPositive();
        int eol = section.indexOf('\n', line + 1);
        List<String> fields = new ArrayList<>();
        Matcher f = Pattern.compile("`([A-Za-z0-9_]+)`").matcher(section.substring(line + 1 + prefix.length(),
                eol < 0 ? section.length() : eol));
        while (f.find()) {
            fields.add(f.group(1));
        }
        return fields;
    }

    private static List<String> fields(JsonNode n) {
        List<String> l = new ArrayList<>();
        n.fieldNames().forEachRemaining(l::add);
        return l;
    }

    private static void manifest(JsonNode doc, boolean hasInput) throws Exception {
        JsonNode m = doc.get("manifest");
        assertThat(m).as("manifest").isNotNull();
        assertThat(fields(m)).startsWith("version", "profile", "machine", "sysctls", "seed", "sha256");
        assertThat(m.get("version").asText()).isEqualTo(Main.VERSION);
        if (!m.get("machine").isNull()) {
            List<String> components = new ArrayList<>();
            for (var c : org.pinsim.core.MachineConfig.class.getRecordComponents()) {
                components.add(c.getName());
            }
            assertThat(fields(m.get("machine"))).containsExactlyElementsOf(components);
        }
        if (hasInput) {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readString(Path.of(FILE)).getBytes(StandardCharsets.UTF_8)));
            assertThat(m.get("sha256").asText()).isEqualTo(sha);
        }
        if (!m.get("machine").isNull()) {
            assertThat(m.get("sysctls").has("vm.max_map_count")).isTrue();
        }
    }

    @Test
    void run_compare_explain_needs_followTheDoc() throws Exception {
        JsonNode run = json("run", FILE, "--json");
        manifest(run, true);
        assertThat(run.get("manifest").get("profile").asText()).isEqualTo("linux-6.18");
        assertThat(fields(run)).containsExactlyElementsOf(documented("run"));

        JsonNode compare = json("compare", FILE, "--json");
        manifest(compare, true);
        assertThat(compare.get("manifest").get("profiles").size()).isGreaterThan(1);
        assertThat(fields(compare)).containsExactlyElementsOf(documented("compare"));

        List<String> lines = Files.readAllLines(Path.of(FILE));
        int refused = lines.indexOf("mlock(b, 40KiB) = -1 ENOMEM (Cannot allocate memory)") + 1;
        assertThat(refused).isPositive();
        JsonNode explain = json("explain", FILE + ":" + refused, "--json");
        manifest(explain, true);
        assertThat(fields(explain)).containsExactlyElementsOf(documented("explain"));
        assertThat(explain.get("statement").get("refusal").get("limit").get("function").asText())
                .isEqualTo("mm/mlock.c: do_mlock");

        JsonNode needs = json("needs", FILE, "--json");
        manifest(needs, true);
        assertThat(fields(needs)).containsExactlyElementsOf(documented("needs"));
    }

    @Test
    void experiment_and_bench_followTheDoc() throws Exception {
        JsonNode exp = json("experiment", "exempt-limit", "--limit", "64KiB", "--json");
        manifest(exp, false);
        List<String> expected = new ArrayList<>(documented("experiment"));
        expected.addAll(documentedLine("experiment", "- `exempt-limit` fields: "));
        assertThat(fields(exp)).containsExactlyElementsOf(expected);

        StringWriter out = new StringWriter();
        Main.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "bench", "--op",
                "mlockall_current_noregion", "--size", "4MiB", "--no-warmup");
        JsonNode first = MAPPER.readTree(out.toString().lines().findFirst().orElseThrow());
        assertThat(fields(first)).containsExactlyElementsOf(documented("bench"));
        manifest(first, false);
    }

    @Test
    void verify_whenTheLiveKernelIsUnavailable_orAvailable_carriesTheManifest() throws Exception {
        JsonNode v = json("verify", FILE, "--json", "--uid-base", "90000");
        manifest(v, true);
        if (v.get("available").asBoolean()) {
            assertThat(fields(v)).containsExactlyElementsOf(documented("verify"));
        } else {
            assertThat(fields(v)).containsExactly("manifest", "available", "reason", "skipped");
        }
    }
}
