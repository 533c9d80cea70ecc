package org.pinsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {

    private static final String KNOWN = "(known: linux-3.1, linux-3.2, mpin-2013, mpin-2013-dedup, linux-6.18)";
    private static final String SCENARIO = String.join("\n",
            "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
            "a = mmap(NULL, 48KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
            "mlock(a, 48KiB) = 0",
            "mr = rdma_reg_mr(a, 48KiB)",
            "mlock2(a, 4096, MLOCK_ONFAULT)",
            "");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    }

    private String file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    private String errLines() {
        return err.toString().strip();
    }

    @Test
    void compare_outcomesDiffer_exitsZero() throws IOException {
        String f = file("rdma.pin", SCENARIO);
        assertThat(run("compare", f)).isZero();
        assertThat(out.toString()).startsWith(String.join("\n",
                "line  statement                       linux-3.1  linux-3.2  mpin-2013  mpin-2013-dedup  linux-6.18",
                "   4  mr = rdma_reg_mr(a, 48KiB)      -1 ENOMEM  0          -1 ENOMEM  0                0",
                "   5  mlock2(a, 4096, MLOCK_ONFAULT)  -1 ENOSYS  -1 ENOSYS  -1 ENOSYS  -1 ENOSYS        0",
                "      final app VmLck                 48 kB      48 kB      48 kB      0 kB             48 kB",
                ""))
                .endsWith("2 statements differ between the profiles; every expectation and check held (exit 0)\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void compare_mismatchUnderSomeProfile_exitsOne() throws IOException {
        String f = file("m.pin", SCENARIO.replace("MLOCK_ONFAULT)", "MLOCK_ONFAULT) = 0"));
        assertThat(run("compare", f)).isEqualTo(1);
        assertThat(out.toString()).contains("-1 ENOSYS !")
                .endsWith("mismatches under linux-3.1, linux-3.2, mpin-2013, mpin-2013-dedup (exit 1)\n");
    }

    @Test
    void compare_kernels_picksAndOrdersTheColumns_andKernelIsASynonym() throws IOException {
        String f = file("k.pin", "kernel linux-3.1\n" + SCENARIO);
        assertThat(run("compare", "--kernels", "linux-6.18,linux-3.1", f)).isZero();
        String first = out.toString();
        assertThat(first.lines().findFirst().orElseThrow()).endsWith("linux-6.18  linux-3.1");
        out.getBuffer().setLength(0);
        assertThat(run("compare", f, "--kernel", "linux-6.18, linux-3.1")).isZero();
        assertThat(out.toString()).isEqualTo(first);
        assertThat(run("compare", f, "--kernel", "linux-6.18", "--kernels", "linux-3.1")).isEqualTo(2);
        assertThat(errLines()).isEqualTo("pinsim: --kernels: given twice (--kernel is its synonym)");
    }

    @Test
    void compare_unknownKernel_exitsTwoWithRunsLine() throws IOException {
        String f = file("u.pin", SCENARIO);
        assertThat(run("compare", f, "--kernels", "linux-3.1,linux-2.4")).isEqualTo(2);
        assertThat(errLines()).isEqualTo("pinsim: --kernels: unknown kernel profile 'linux-2.4' " + KNOWN);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void compare_emptyOrRepeatedKernels_exitTwo() throws IOException {
        String f = file("e.pin", SCENARIO);
        assertThat(run("compare", f, "--kernels", "")).isEqualTo(2);
        assertThat(errLines()).isEqualTo(
                "pinsim: --kernels: expected a comma-separated list of kernel profiles " + KNOWN + ", found none");
        err.getBuffer().setLength(0);
        assertThat(run("compare", f, "--kernels", "linux-3.1,,linux-6.18")).isEqualTo(2);
        assertThat(errLines()).isEqualTo(
                "pinsim: --kernels: expected a kernel profile between commas in 'linux-3.1,,linux-6.18', found none");
        err.getBuffer().setLength(0);
        assertThat(run("compare", f, "--kernels", "linux-3.1,linux-3.1")).isEqualTo(2);
        assertThat(errLines()).isEqualTo("pinsim: --kernels: kernel profile 'linux-3.1' is named twice");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void compare_invalidInput_exitsTwoWithTheParsersLine() throws IOException {
        String f = file("syntax.pin", "munlockall() = 0\nmlock(buf 4096)\n");
        assertThat(run("compare", f)).isEqualTo(2);
        assertThat(errLines()).isEqualTo(f + ":2:11: expected ',' or ')', found '4096'");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void compare_missingFile_exitsTwo() {
        String f = dir.resolve("nope.pin").toString();
        assertThat(run("compare", f)).isEqualTo(2);
        assertThat(errLines()).isEqualTo("pinsim: " + f + ": no such file");
    }

    @Test
    void compare_json_isOneDocument() throws IOException {
        String f = file("j.pin", SCENARIO);
        assertThat(run("compare", "--json", "--kernels", "linux-3.1,linux-6.18", f)).isZero();
        JsonNode doc = new ObjectMapper().readTree(out.toString());
        assertThat(doc.get("file").asText()).isEqualTo(f);
        assertThat(doc.get("profiles")).hasSize(2);
        JsonNode row = doc.get("rows").get(0);
        assertThat(row.get("line").asInt()).isEqualTo(4);
        assertThat(row.get("outcomes").get("linux-3.1").get("outcome").asText()).isEqualTo("-1 ENOMEM");
        assertThat(row.get("outcomes").get("linux-6.18").get("outcome").asText()).isEqualTo("0");
        assertThat(row.get("outcomes").get("linux-6.18").get("match").isNull()).isTrue();
        assertThat(doc.get("processes").get(0).get("final").get("linux-6.18").get("VmPin_kB").asLong()).isEqualTo(48);
        assertThat(doc.get("summaries").get("linux-3.1").get("calls").asInt()).isEqualTo(4);
        assertThat(doc.get("exitCode").asInt()).isZero();
    }

    @Test
    void compare_sameInput_sameOutput() throws IOException {
        String f = file("d.pin", SCENARIO + "kid = fork()\nkid: munlockall()\n");
        run("compare", f);
        String first = out.toString();
        out.getBuffer().setLength(0);
        run("compare", f);
        assertThat(out.toString()).isEqualTo(first);
        out.getBuffer().setLength(0);
        run("compare", "--json", f);
        String json = out.toString();
        out.getBuffer().setLength(0);
        run("compare", "--json", f);
        assertThat(out.toString()).isEqualTo(json);
    }

    @Test
    void help_listsCompare() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("compare");
        assertThat(run("compare", "--help")).isZero();
        assertThat(out.toString()).contains("--kernels");
    }
}
