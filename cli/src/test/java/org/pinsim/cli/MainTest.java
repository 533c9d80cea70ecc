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

class MainTest {

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
    void everyCommand_printsTheVersion() {
        for (String cmd : new String[] {"run", "compare", "experiment", "bench", "verify"}) {
            out.getBuffer().setLength(0);
            assertThat(run(cmd, "--version")).as(cmd).isZero();
            assertThat(out.toString().strip()).as(cmd).isEqualTo(Main.VERSION);
        }
        out.getBuffer().setLength(0);
        assertThat(run("--version")).isZero();
        assertThat(out.toString().strip()).isEqualTo("pinsim 0.1.0");
    }

    @Test
    void run_exitGroup_printsAQuestionMarkAsStraceDoes() throws IOException {
        String f = file("exit.pin", "a = mmap(NULL, 4KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                + "exit_group(0) = ?\n");
        assertThat(run("run", f)).isZero();
        assertThat(out.toString()).contains("2  exit_group(0) = ?\n").doesNotContain("exit_group(0) = 0");
    }

    @Test
    void run_allExpectationsHold_exitsZero() throws IOException {
        String f = file("ok.pin", "munlockall() = 0\nmunlockall()\ncheck app VmPin == 0\n");
        assertThat(run("run", f)).isZero();
        assertThat(out.toString()).contains("1  munlockall() = 0").contains("3  check app VmPin == 0 -> ok");
        assertThat(out.toString().strip().lines().reduce((a, b) -> b).orElseThrow())
                .startsWith("2 calls, 1 matched, 0 mismatched, 0 skipped");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void run_mismatch_exitsOne() throws IOException {
        String f = file("bad.pin", "munlockall() = -1 EPERM\n");
        assertThat(run("run", f)).isEqualTo(1);
        assertThat(out.toString()).contains("1  munlockall() = 0\n   MISMATCH expected -1 EPERM\n");
    }

    @Test
    void run_failedCheck_exitsOne() throws IOException {
        String f = file("check.pin", "check app VmPin == 4 kB\n");
        assertThat(run("run", f)).isEqualTo(1);
        assertThat(out.toString()).contains("1  check app VmPin == 4 kB -> MISMATCH (got 0 kB)");
    }

    @Test
    void run_invalidInput_exitsTwoWithOneLine() throws IOException {
        String f = file("syntax.pin", "munlockall() = 0\nmlock(buf 4096)\n");
        assertThat(run("run", f)).isEqualTo(2);
        assertThat(errLines()).isEqualTo(f + ":2:11: expected ',' or ')', found '4096'");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void run_unboundName_exitsTwoBeforeRunning() throws IOException {
        String f = file("unbound.pin", "munlockall() = 0\nmlock(buf, 4096)\n");
        assertThat(run("run", f)).isEqualTo(2);
        assertThat(errLines()).startsWith(f + ":2:7: expected a number or a name bound earlier");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void run_unknownCall_inALog_isSkipped_andStrictMakesItInvalid() throws IOException {
        String f = file("skip.strace", "4728  mlokc(0, 4096) = 0\n");
        assertThat(run("run", f)).isZero();
        assertThat(out.toString()).contains("skipped mlokc x1 (line 1): unknown call (did you mean mlock?)")
                .contains("0 calls, 0 matched, 0 mismatched, 1 skipped");
        assertThat(run("run", "--strict", f)).isEqualTo(2);
        assertThat(errLines()).isEqualTo(f + ":1:7: expected a known call (--strict), found 'mlokc' (did you mean mlock?)");
    }

    @Test
    void run_badAs_exitsTwo_withOneLine() throws IOException {
        String f = file("log.strace", "5  mlock(0x1000, 4096) = -1 ENOMEM\n");
        assertThat(run("run", f, "--as", "uid=0 caps=-bogus")).isEqualTo(2);
        assertThat(errLines()).isEqualTo("--as:1:12: expected a capability name (ipc_lock, sys_resource, ...), found 'bogus'");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void run_logWithAs_appliesIt_andSeveralFilesRunInTurn() throws IOException {
        String log = file("log.strace", "5  mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
                + "5  mlock(0x7f0000000000, 65536) = -1 ENOMEM (Cannot allocate memory)\n5  exit_group(0) = ?\n5  +++ exited with 0 +++\n");
        String pin = file("ok.pin", "munlockall() = 0\n");
        assertThat(run("run", log, pin, "--as", "uid=1000 rlimit.memlock=32KiB")).isZero();
        assertThat(out.toString()).contains("== " + log).contains("== " + pin)
                .contains("note: process app (pid 1000) is the log's first process: uid 1000, caps none, rlimit.memlock 32KiB:8MiB")
                .contains("2  5 mlock(0x7f0000000000, 65536) = -1 ENOMEM (Cannot allocate memory)\n   why: mlock:")
                .contains("final app (pid 1000) as it ended (exit_group at line 3): VmSize");
    }

    @Test
    void run_misspelledCall_inAScenario_isInvalidInput() throws IOException {
        String f = file("typo.pin", "a = mmap(NULL, 40KiB, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nmlok(a, 40KiB)\n");
        assertThat(run("run", f)).isEqualTo(2);
        assertThat(errLines()).isEqualTo(f + ":2:1: expected a call pinsim knows, found 'mlok' (did you mean mlock?)");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void run_unknownKernel_exitsTwo() throws IOException {
        String f = file("k.pin", "munlockall()\n");
        assertThat(run("run", f, "--kernel", "linux-2.4")).isEqualTo(2);
        assertThat(errLines()).isEqualTo(
                "pinsim: --kernel: unknown kernel profile 'linux-2.4' (known: linux-3.1, linux-3.2, mpin-2013, "
                        + "mpin-2013-dedup, linux-6.18)");
    }

    @Test
    void run_kernelOption_overridesTheFile() throws IOException {
        String f = file("k.pin", "kernel linux-3.1\nmunlockall() = 0\n");
        assertThat(run("run", "--json", "--kernel", "linux-6.18", f)).isZero();
        assertThat(out.toString()).contains("\"profile\" : \"linux-6.18\"");
    }

    @Test
    void run_missingFile_exitsTwo() {
        String f = dir.resolve("nope.pin").toString();
        assertThat(run("run", f)).isEqualTo(2);
        assertThat(errLines()).isEqualTo("pinsim: " + f + ": no such file");
    }

    @Test
    void run_badOption_exitsTwoWithOneLine() throws IOException {
        String f = file("o.pin", "munlockall()\n");
        assertThat(run("run", f, "--frobnicate")).isEqualTo(2);
        assertThat(errLines()).doesNotContain("\n").startsWith("pinsim: Unknown option: '--frobnicate'");
        assertThat(run("run", f, "--seed", "x")).isEqualTo(2);
    }

    @Test
    void noCommand_exitsTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(errLines()).isEqualTo("pinsim: expected a command (run, explain, needs, compare, experiment, bench, verify), found none (see pinsim --help)");
    }

    @Test
    void unknownCommand_exitsTwo() {
        assertThat(run("walk")).isEqualTo(2);
        assertThat(errLines()).doesNotContain("\n");
    }

    @Test
    void help_exitsZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("run");
        assertThat(run("run", "--help")).isZero();
    }

    @Test
    void run_json_isOneDocument() throws IOException {
        String f = file("j.pin", "munlockall() = 0\nmunlockall() = -1 EPERM\ncheck app VmLck == 0\nread(0, \"\", 0)\n");
        assertThat(run("run", "--json", "--seed", "5", f)).isEqualTo(1);
        JsonNode doc = new ObjectMapper().readTree(out.toString());
        assertThat(doc.get("seed").asLong()).isEqualTo(5);
        JsonNode st = doc.get("statements").get(1);
        assertThat(st.get("line").asInt()).isEqualTo(2);
        assertThat(st.get("proc").asText()).isEqualTo("app");
        assertThat(st.get("call").asText()).isEqualTo("munlockall");
        assertThat(st.get("args").asText()).isEmpty();
        assertThat(st.get("result").asLong()).isZero();
        assertThat(st.get("errno").isNull()).isTrue();
        assertThat(st.get("expected").asText()).isEqualTo("-1 EPERM");
        assertThat(st.get("match").asBoolean()).isFalse();
        assertThat(doc.get("statements").get(2).get("skipped").asText()).isEqualTo("unknown call");
        assertThat(doc.get("checks").get(0).get("match").asBoolean()).isTrue();
        assertThat(doc.get("processes").get(0).get("name").asText()).isEqualTo("app");
        JsonNode sum = doc.get("summary");
        assertThat(sum.get("calls").asInt()).isEqualTo(2);
        assertThat(sum.get("matched").asInt()).isEqualTo(1);
        assertThat(sum.get("mismatched").asInt()).isEqualTo(1);
        assertThat(sum.get("skipped").asInt()).isEqualTo(1);
    }

    @Test
    void run_sameInput_sameOutput() throws IOException {
        String f = file("d.pin", "b = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                + "mlock(b, 64KiB)\nkid = fork()\nkid: munlockall()\n");
        run("run", f);
        String first = out.toString();
        out.getBuffer().setLength(0);
        run("run", f);
        assertThat(out.toString()).isEqualTo(first);
    }

    @Test
    void explain_ofALineGuardedForAnotherProfile_saysWhichProfilesRunIt() throws IOException {
        String f = file("g.pin", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty\n"
                + "a = mmap(NULL, 40KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                + "[linux-3.1] mlock(a, 40KiB) = 0\n");
        assertThat(run("explain", f + ":3")).isEqualTo(2);
        assertThat(errLines()).isEqualTo(f + ":3:1: expected a call that runs under linux-6.18, found one guarded for"
                + " [linux-3.1] (try --kernel linux-3.1)");
        assertThat(run("explain", f + ":3", "--kernel", "linux-3.1")).isZero();
    }
}
