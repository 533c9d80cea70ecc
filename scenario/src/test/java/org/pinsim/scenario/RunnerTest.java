package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Profile;

class RunnerTest {

    private static final String MAP = "mmap(NULL, %s, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)";

    private static Report run(String text) {
        return run(text, RunOptions.defaults());
    }

    private static Report run(String text, RunOptions options) {
        return ScenarioRunner.run(ScenarioRunner.parse("t.pin", text), options);
    }

    private static String transcript(String text) {
        StringWriter sw = new StringWriter();
        Transcript.write(run(text), new PrintWriter(sw));
        return sw.toString();
    }

    private static String json(String text) {
        StringWriter sw = new StringWriter();
        JsonReport.write(run(text), new PrintWriter(sw));
        return sw.toString();
    }

    private static String map(String size) {
        return String.format(MAP, size);
    }

    private static Report.CallEntry callAt(Report r, int line) {
        return r.entries().stream().filter(e -> e.line() == line && e instanceof Report.CallEntry)
                .map(e -> (Report.CallEntry) e).findFirst().orElseThrow();
    }

    @Test
    void transcript_format_isExact() {
        String text = String.join("\n",
                "process app rlimit.memlock=64KiB layout=empty",
                "a = " + map("40KiB"),
                "mlock(a, 40KiB) = 0",
                "mlock(a, 80KiB) = 0        # over the limit",
                "check app VmLck == 40 kB",
                "check app VmLck == 64 kB",
                "read(0, \"\", 1)",
                "");
        String out = transcript(text);
        assertThat(out).matches("(?s)2  a = mmap\\(NULL, 40KiB, PROT_READ\\|PROT_WRITE, MAP_PRIVATE\\|MAP_ANONYMOUS, -1, 0\\) = 0x[0-9a-f]+\n.*");
        assertThat(out.substring(out.indexOf("\n") + 1)).isEqualTo(String.join("\n",
                "3  mlock(a, 40KiB) = 0",
                "4  mlock(a, 80KiB) = -1 ENOMEM (Cannot allocate memory)",
                "   MISMATCH expected 0",
                "   why: " + callAt(run(text), 4).reason(),
                "5  check app VmLck == 40 kB -> ok",
                "6  check app VmLck == 64 kB -> MISMATCH (got 40 kB)",
                "7  read(0, \"\", 1) skipped: unknown call",
                "final app (pid 1000): VmSize 40 kB, VmLck 40 kB, VmPin 0 kB, VmRSS 40 kB, maps 1; uid 1000 user->locked_vm 0 kB; exempt from paging 40 kB",
                "skipped read x1 (line 7): unknown call",
                "3 calls, 1 matched, 1 mismatched, 1 skipped, 2 checks, 1 failed; 1 without an expectation (neither matched nor mismatched)",
                ""));
    }

    @Test
    void run_sameInput_sameTranscriptAndJson() {
        String text = "a = " + map("64KiB") + "\nmlock(a, 64KiB) = 0\nkid = fork()\nkid: munlockall() = 0\ncheck kid VmLck == 0\n";
        assertThat(transcript(text)).isEqualTo(transcript(text));
        assertThat(json(text)).isEqualTo(json(text));
    }

    @Test
    void expectations_matchAndMismatch_areCounted() {
        Report r = run("a = " + map("8KiB") + "\nmunlock(a, 8KiB) = 0\nmunlock(a, 8KiB) = -1 EINVAL\nmunlock(a, 8KiB) = ?\n"
                + "munlock(a, 8KiB)\nmunlock(0, 0) = 0\n");
        assertThat(r.summary()).isEqualTo(new Report.Summary(6, 2, 1, 0, 0, 0));
        assertThat(callAt(r, 3).match()).isFalse();
        assertThat(callAt(r, 3).detail()).isEqualTo("expected -1 EINVAL");
        assertThat(callAt(r, 4).match()).isNull();
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void expected_expressionOfBoundNames_isEvaluated() {
        Report r = run("process app layout=empty\ncur = brk(NULL)\nbrk(cur + 8KiB) = cur + 8KiB\nbrk(cur) = cur + 4KiB\n");
        assertThat(callAt(r, 3).match()).isTrue();
        assertThat(callAt(r, 4).match()).isFalse();
        assertThat(callAt(r, 4).detail()).matches("expected cur \\+ 4KiB \\(= 0x[0-9a-f]+\\)");
    }

    @Test
    void anyError_minusOne_matchesEveryErrno() {
        assertThat(callAt(run("mlock(0, 4096) = -1"), 1).match()).isTrue();
    }

    @Test
    void getrlimit_outputStruct_isCompared() {
        Report r = run("process app rlimit.memlock=64KiB:1MiB\n"
                + "getrlimit(RLIMIT_MEMLOCK, {rlim_cur=64*1024, rlim_max=1024*1024}) = 0\n"
                + "getrlimit(RLIMIT_MEMLOCK, {rlim_cur=64*1024, rlim_max=64*1024}) = 0\n"
                + "prlimit64(0, RLIMIT_MEMLOCK, {rlim_cur=0, rlim_max=1MiB}, {rlim_cur=64KiB, rlim_max=1MiB}) = 0\n"
                + "prlimit64(0, RLIMIT_MEMLOCK, NULL, {rlim_cur=0, rlim_max=1MiB}) = 0\n");
        assertThat(callAt(r, 2).match()).isTrue();
        assertThat(callAt(r, 3).match()).isFalse();
        assertThat(callAt(r, 3).detail()).isEqualTo(
                "expected {rlim_cur=65536, rlim_max=65536}, got {rlim_cur=65536, rlim_max=1048576}");
        assertThat(callAt(r, 4).match()).isTrue();
        assertThat(callAt(r, 5).match()).isTrue();
    }

    @Test
    void setrlimit_null_failsEfault() {
        assertThat(callAt(run("setrlimit(RLIMIT_MEMLOCK, NULL) = -1 EFAULT"), 1).match()).isTrue();
    }

    @Test
    void fork_childIsAProcess_andSharesNothingLocked() {
        Report r = run("process app rlimit.memlock=64KiB layout=empty\na = " + map("16KiB") + "\nmlock(a, 16KiB) = 0\n"
                + "kid = fork()\nkid: mlock(a, 4KiB) = 0\ncheck kid VmLck == 4 kB\ncheck app VmLck == 16 kB\n");
        assertThat(r.exitCode()).isZero();
        assertThat(r.processes()).extracting(Report.ProcessFigures::name).containsExactly("app", "kid");
        assertThat(callAt(r, 5).proc()).isEqualTo("kid");
    }

    @Test
    void exitedProcess_callIsNotRunAndMismatches() {
        Report r = run("kid = fork()\nkid: exit(0)\nkid: x = brk(NULL)\ncheck kid VmLck == 0\nbrk(x)\n");
        Report.CallEntry notRun = callAt(r, 3);
        assertThat(notRun.result()).isEqualTo("not run: process kid has exited");
        assertThat(notRun.match()).isFalse();
        assertThat(r.summary().mismatched()).isEqualTo(1);
        assertThat(r.summary().failed()).isEqualTo(1);
        assertThat(r.processes()).extracting(Report.ProcessFigures::name).containsExactly("app");
    }

    @Test
    void stracePids_mapToProcesses() {
        Report r = run("300 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
                + "child_tidptr=0x7f0000001000) = 301\n[pid 301] munlockall() = 0\n300 munlockall() = 0\n");
        assertThat(callAt(r, 1).match()).isTrue();
        assertThat(callAt(r, 2).proc()).isEqualTo("301");
        assertThat(callAt(r, 3).proc()).isEqualTo("app");
        assertThat(r.processes()).extracting(Report.ProcessFigures::name).containsExactly("app", "301");
    }

    @Test
    void realStraceLog_addressesTheTracePlacedAreTranslated() throws Exception {
        // a real strace -f -o log (scenario/src/test/resources/strace/uring_demo.c): its mmaps return the
        // real machine's addresses, and later calls name addresses inside those mappings literally
        String text;
        try (var in = RunnerTest.class.getResourceAsStream("/strace/uring_demo.strace")) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Report r = ScenarioRunner.run(ScenarioRunner.parse("uring_demo.strace", text), RunOptions.defaults());
        List<String> lines = List.of(text.split("\n"));
        int register = lines.indexOf(lines.stream().filter(l -> l.contains("IORING_REGISTER_BUFFERS")).findFirst().get()) + 1;
        // the iov_base values are the real addresses of the 1 MiB mmap before: translated, the pins succeed
        assertThat(callAt(r, register).match()).isTrue();
        assertThat(callAt(r, register + 1).match()).isTrue(); // IORING_UNREGISTER_BUFFERS
        assertThat(callAt(r, register + 2).match()).as("munmap of the SQE ring at its real address").isTrue();
        // every mmap the layout placed matches by meaning, and the two mprotects of the images execve
        // mapped (the program and ld.so), which no call of the log placed, find the pages pinsim maps there
        assertThat(r.entries()).filteredOn(e -> e instanceof Report.CallEntry c && Boolean.FALSE.equals(c.match()))
                .isEmpty();
        assertThat(r.entries()).filteredOn(e -> e instanceof Report.CallEntry c && c.call().equals("mprotect"))
                .allSatisfy(e -> assertThat(((Report.CallEntry) e).match()).isTrue());
    }

    @Test
    void literalAddressOfAPlacedMapping_isItsSimulatedAddress_butAFixedOneMustMatch() {
        Report r = run("process app layout=empty\n"
                + "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
                + "mlock(0x7f0000001000, 4096) = 0\n"
                + "check app lck(0x7f0000000000, 8192) == 4 kB\n"
                + "munmap(0x7f0000000000, 8192) = 0\n"
                + "mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x7f0000000000\n");
        assertThat(callAt(r, 2).match()).isTrue();
        assertThat(callAt(r, 3).match()).isTrue();
        assertThat(callAt(r, 5).match()).isTrue();
        // the hole munmap left keeps its name: MAP_FIXED there lands where pinsim's mapping was
        assertThat(callAt(r, 6).match()).as("MAP_FIXED at the real address of the unmapped mapping").isTrue();
        assertThat(callAt(r, 6).value()).isEqualTo(callAt(r, 2).value());
    }

    @Test
    void vmstatEventCounters_countFromTheStart() {
        Report r = run("process app rlimit.memlock=64KiB layout=empty\na = " + map("16KiB") + "\n"
                + "check vmstat.nr_mlock == 0\nmlock(a, 16KiB) = 0\ncheck vmstat.nr_mlock == 4\ncheck meminfo.Mlocked == 16 kB\n"
                + "check vmstat.pgfault >= 4\n");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void guard_selectsStatementsPerProfile() {
        String text = "process app rlimit.memlock=64KiB layout=empty\na = " + map("40KiB") + "\nmlock(a, 40KiB) = 0\n"
                + "[linux-3.1] mlock(a, 40KiB) = -1 ENOMEM\n[linux-6.18] mlock(a, 40KiB) = 0\n";
        Report now = run(text);
        assertThat(now.exitCode()).isZero();
        assertThat(now.entries()).extracting(Report.Entry::line).containsExactly(2, 3, 5);
        Report old = run(text, RunOptions.defaults().withKernel(Profile.LINUX_3_1));
        assertThat(old.profile()).isEqualTo(Profile.LINUX_3_1);
        assertThat(old.entries()).extracting(Report.Entry::line).containsExactly(2, 3, 4);
    }

    @Test
    void regionChecks_readTheBoundRegion() {
        Report r = run("process app rlimit.memlock=1MiB layout=empty\nb = " + map("40KiB") + "\n"
                + "mlock2(b, 24KiB, MLOCK_ONFAULT) = 0\ncheck app vmas(b) == 2\ncheck app locked_vmas(b) == 1\n"
                + "check app lck(b) == 24 kB\ncheck app lck(b + 24KiB, 16KiB) == 0\ncheck app rss(b) == 0\n"
                + "touch(b, 8KiB, write)\ncheck app rss(b) == 8 kB\ncheck app smaps_locked(b) == 8 kB\n"
                + "check app smaps.Locked == 8 kB\n");
        assertThat(r.entries()).filteredOn(e -> e instanceof Report.CheckEntry c && !c.match()).isEmpty();
    }

    @Test
    void unknownSysctl_isInvalidInputBeforeRunning() {
        assertThatThrownBy(() -> run("sysctl vm.max_map_cout=10\nmunlockall()"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("t.pin:1:8: expected a sysctl the model knows (")
                .hasMessageEndingWith("found 'vm.max_map_cout' (did you mean vm.max_map_count?)");
    }

    @Test
    void defragModeOutOfRange_andNofragmentNotOnOff_areInvalidInput() {
        // mm/page_alloc.c: vm.defrag_mode is proc_dointvec_minmax over SYSCTL_ZERO..SYSCTL_ONE
        assertThatThrownBy(() -> run("sysctl vm.defrag_mode=2\nmunlockall()"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("t.pin:1:8: expected 0 or 1 for vm.defrag_mode, found 2");
        assertThatThrownBy(() -> run("machine nofragment=yes\nmunlockall()"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("t.pin:1:20: expected on or off for machine nofragment, found");
    }

    @Test
    void unknownVmstatField_isInvalidInput() {
        assertThatThrownBy(() -> run("check vmstat.nr_mlocked == 0"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("t.pin:1:7: expected a field of /proc/vmstat, found 'nr_mlocked' (did you mean nr_mlock?)");
        assertThatThrownBy(() -> run("check meminfo.Mlock == 0"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("t.pin:1:7: expected a field of /proc/meminfo, found 'Mlock'");
    }

    @Test
    void sysctl_isApplied() {
        Report r = run("sysctl vm.max_map_count=1\nprocess app layout=empty\na = " + map("12KiB") + "\n"
                + "b = " + map("12KiB") + "\n");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void file_notUtf8_isInvalidInput(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("bad.pin");
        java.nio.file.Files.write(f, new byte[] {'m', 'u', 'n', 'l', 'o', 'c', 'k', 'a', 'l', 'l', '(', ')', '\n',
            (byte) 0xff, '\n'});
        assertThatThrownBy(() -> ScenarioRunner.parse(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(f + ":2:1: expected UTF-8 text, found bytes that are not UTF-8");
    }

    @Test
    void json_hasTheContractFields() {
        String j = json("munlockall() = 0\n");
        assertThat(j).contains("\"line\" : 1", "\"proc\" : \"app\"", "\"call\" : \"munlockall\"", "\"args\" : \"\"",
                "\"result\" : 0", "\"errno\" : null", "\"expected\" : \"0\"", "\"match\" : true",
                "\"summary\"", "\"processes\"");
    }
}
