package org.pinsim.conformance.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pinsim.cli.Main;
import org.pinsim.cli.verify.LiveMachine;
import org.pinsim.cli.verify.ProcSys;
import org.pinsim.cli.verify.ScenarioResult;
import org.pinsim.cli.verify.Verifier;
import org.pinsim.scenario.Report;

/**
 * {@code pinsim verify} can fail: a wrong expectation, and a pinsim with one rule changed,
 * are each reported as differing; what cannot be run here is listed as not verifiable.
 * Skipped where the live kernel is not available (not root, no gcc).
 */
class VerifierTest {

    @TempDir
    Path dir;

    /** 64 KiB limit; 40 KiB locked twice (the relock needs no new charge on Linux since 4.9). */
    private static final String RELOCK = String.join("\n",
            "process app uid=1000 caps=none rlimit.memlock=64KiB",
            "a = mmap(NULL, 40KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
            "mlock(a, 40KiB) = 0",
            "mlock(a, 40KiB) = 0",
            "check app VmLck == 40 kB",
            "check app lck(a) == 40 kB",
            "check app rss(a) == 40 kB",
            "");

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private ScenarioResult verify(Path f, Verifier.Options o) throws IOException {
        Path bin = Live.executor();
        return new Verifier(o.withExecutor(bin), bin).verify(Verifier.prepare(f), 90);
    }

    @Test
    void agreementIsCountedAsCompared() throws IOException {
        ScenarioResult r = verify(write("relock.pin", RELOCK), Verifier.Options.defaults());
        assertThat(r.differences()).isEmpty();
        assertThat(r.notVerifiable()).isEmpty();
        assertThat(r.compared()).isEqualTo(6);
        assertThat(r.kernelRelease()).isNotBlank();
    }

    /** Read faults on a PROT_READ mapping, locked: what is resident depends on the zero page. */
    private static final String READ_LOCKED = String.join("\n",
            "process app uid=1000 caps=none rlimit.memlock=64KiB",
            "buf = mmap(NULL, 32KiB, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
            "mlock(buf, 32KiB) = 0",
            "check app rss(buf) == 0 kB",
            "check app lck(buf) == 32 kB",
            "");

    /**
     * The live machine is probed; pinsim runs on a machine like it. An expectation written
     * for the other kind of machine is not verifiable when pinsim on the file's machine gives
     * it, and a difference when it does not.
     */
    @Test
    void theZeroPageOfTheLiveMachineIsProbedAndFollowed() throws IOException {
        LiveMachine live = LiveMachine.probe(Live.executor(), 20);
        Verifier.Options o = Verifier.Options.defaults().withLive(live);
        String nozero = READ_LOCKED.replace("== 0 kB", "== 32 kB");
        Path withZero = write("zero.pin", READ_LOCKED);
        Path without = write("nozero.pin", "machine zero_page=off\n" + nozero);
        Path mismatched = live.zeroPage() ? without : withZero;
        Path matched = live.zeroPage() ? withZero : without;

        ScenarioResult same = verify(matched, o);
        assertThat(same.differences()).isEmpty();
        assertThat(same.notVerifiable()).isEmpty();

        ScenarioResult other = verify(mismatched, o);
        assertThat(other.differences()).isEmpty();
        assertThat(other.notVerifiable()).extracting(ScenarioResult.NotVerifiable::line).containsExactly(
                live.zeroPage() ? 5 : 4);
        assertThat(other.notVerifiable().get(0).reason()).contains("the written value is for a machine "
                + (live.zeroPage() ? "without" : "with") + " the shared zero page");
        assertThat(other.compared()).isEqualTo(4);

        // a value pinsim does not give on either machine stays a difference
        ScenarioResult wrong = verify(write("wrong-zero.pin", Files.readString(mismatched).replace("lck(buf) == 32 kB",
                "lck(buf) == 28 kB")), o);
        assertThat(wrong.differences()).extracting(ScenarioResult.Difference::kind).containsExactly("expectation");
    }

    @Test
    void aWrongExpectationIsADifference() throws IOException {
        String wrong = RELOCK.replace("mlock(a, 40KiB) = 0\ncheck", "mlock(a, 40KiB) = -1 ENOMEM\ncheck")
                .replace("check app rss(a) == 40 kB", "check app rss(a) == 36 kB");
        ScenarioResult r = verify(write("wrong.pin", wrong), Verifier.Options.defaults());
        assertThat(r.differences()).extracting(ScenarioResult.Difference::line, ScenarioResult.Difference::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(4, "expectation"),
                        org.assertj.core.groups.Tuple.tuple(7, "expectation"));
        assertThat(r.differences().get(0).kernel()).isEqualTo("0");
        assertThat(r.differences().get(1).kernel()).isEqualTo("40 kB");
    }

    /**
     * "A pinsim built with one rule changed": mlock counting the already-locked pages against
     * the limit (Linux before 4.9) refuses the relock with ENOMEM. The hook swaps pinsim's
     * result for that statement; verify must report it.
     */
    @Test
    void aPinsimWithOneRuleChangedIsADifference() throws IOException {
        UnaryOperator<Report> countAlreadyLocked = report -> {
            List<Report.Entry> out = new ArrayList<>();
            for (Report.Entry e : report.entries()) {
                if (e instanceof Report.CallEntry c && c.line() == 4) {
                    e = new Report.CallEntry(c.line(), c.proc(), c.text(), c.call(), c.args(),
                            "-1 ENOMEM (Cannot allocate memory)", -1L, "ENOMEM", "mlock: 20 pages > 16", c.expected(),
                            false, "expected 0");
                }
                out.add(e);
            }
            return new Report(report.file(), report.profile(), report.seed(), out, report.processes(), report.skipped(),
                    report.summary());
        };
        ScenarioResult r = verify(write("rule.pin", RELOCK),
                Verifier.Options.defaults().withPinsimTransform(countAlreadyLocked));
        assertThat(r.differences()).hasSize(1);
        ScenarioResult.Difference d = r.differences().get(0);
        assertThat(d.line()).isEqualTo(4);
        assertThat(d.kind()).isEqualTo("pinsim");
        assertThat(d.kernel()).isEqualTo("0");
        assertThat(d.other()).isEqualTo("-1 ENOMEM");
    }

    @Test
    void whatCannotRunHereIsNotVerifiableNeverAgreement() throws IOException {
        String text = String.join("\n",
                "process app uid=1000 caps=none rlimit.memlock=64KiB",
                "a = mmap(NULL, 16KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
                "[linux-3.1] mlock(a, 16KiB) = -1 ENOMEM",
                "mr = rdma_reg_mr(a, 16KiB)",
                "mlock(a, 16KiB) = 0",
                "check meminfo.MemTotal > 0",
                "");
        ScenarioResult r = verify(write("nv.pin", text), Verifier.Options.defaults());
        assertThat(r.differences()).isEmpty();
        // line 4 changes pinsim's state (an RDMA registration this machine cannot make): what follows diverged
        assertThat(r.notVerifiable()).extracting(ScenarioResult.NotVerifiable::line).containsExactlyInAnyOrder(3, 4, 5, 6);
        assertThat(r.compared()).isEqualTo(1);
        assertThat(r.notVerifiableCount()).isEqualTo(4);
    }

    @Test
    void aScenarioThatCouldExceedMaxMemIsRefusedBeforeItRuns() throws IOException {
        String text = String.join("\n",
                "a = mmap(NULL, 1GiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
                "touch(a, 1GiB, write)",
                "");
        ScenarioResult r = verify(write("big.pin", text), Verifier.Options.defaults());
        assertThat(r.wholeScenario()).contains("--max-mem");
        assertThat(r.compared()).isZero();
        assertThat(r.notVerifiableCount()).isEqualTo(2);
    }

    @Test
    void aHardLimitAboveTheMachinesIsNotVerifiable() throws IOException {
        String text = "process app uid=1000 caps=none rlimit.memlock=64KiB:unlimited\nmlock(0, 0) = 0\n";
        ScenarioResult r = verify(write("hard.pin", text), Verifier.Options.defaults());
        assertThat(r.wholeScenario()).contains("hard limit");
        assertThat(r.differences()).isEmpty();
    }

    @Test
    void theCommandExitsOneOnADifferenceAndPrintsTheSummary() throws IOException {
        Live.executor();
        Path good = write("good.pin", RELOCK);
        Path bad = write("bad.pin", RELOCK.replace("check app VmLck == 40 kB", "check app VmLck == 44 kB"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), "verify", "--uid-base", "20950",
                good.toString(), bad.toString());
        assertThat(code).as(err.toString()).isEqualTo(1);
        assertThat(out.toString()).contains(bad + ":5: DIFFERENCE (expectation) check VmLck: kernel 40 kB, written == 44 kB")
                .contains("2 scenarios, 12 statements compared, 1 differences, 0 not verifiable");
        out.getBuffer().setLength(0);
        code = Main.execute(new PrintWriter(out), new PrintWriter(err), "verify", "--json", good.toString());
        assertThat(code).isZero();
        assertThat(out.toString()).contains("\"differences\" : 0").contains("\"compared\" : 6");
    }

    /** The live value of a sysctl as cat(1) prints it (not through verify's own reader). */
    private static long catSysctl(String path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cat", path).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return Long.parseLong(text);
    }

    /** A /proc/sys value is read whole (one read): kernel.perf_event_mlock_kb is 516 by default. */
    @Test
    void aMultiDigitSysctlIsReadWhole() throws IOException, InterruptedException {
        Live.executor();
        long v = catSysctl("/proc/sys/kernel/perf_event_mlock_kb");
        org.junit.jupiter.api.Assumptions.assumeTrue(v >= 10, "a multi-digit value is needed, found " + v);
        assertThat(ProcSys.sysctl("kernel.perf_event_mlock_kb")).isEqualTo(v);
        String body = "process app uid=1000 caps=none\n"
                + "a = mmap(NULL, 16KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                + "mlock(a, 16KiB) = 0\n";
        ScenarioResult same = verify(write("sysctl.pin", "sysctl kernel.perf_event_mlock_kb=" + v + "\n" + body),
                Verifier.Options.defaults());
        assertThat(same.wholeScenario()).isNull();
        assertThat(same.compared()).isEqualTo(2);
        ScenarioResult other = verify(write("sysctl2.pin", "sysctl kernel.perf_event_mlock_kb=" + (v + 1) + "\n" + body),
                Verifier.Options.defaults());
        assertThat(other.wholeScenario()).isEqualTo("sysctl kernel.perf_event_mlock_kb=" + (v + 1)
                + " but the live kernel has " + v + " (verify does not change system settings)");
    }

    /** A vmstat name Linux has but pinsim does not model: one line, exit 2, as `run` gives. */
    @Test
    void anUnmodelledVmstatNameIsInvalidInputForVerifyAsForRun() throws IOException {
        Live.executor();
        Path f = write("thp.pin", "a = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                + "check vmstat.thp_file_alloc == 0\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int verifyCode = Main.execute(new PrintWriter(out), new PrintWriter(err), "verify", "--uid-base", "20960",
                f.toString());
        String verifyErr = err.toString();
        err.getBuffer().setLength(0);
        int runCode = Main.execute(new PrintWriter(out), new PrintWriter(err), "run", f.toString());
        assertThat(verifyCode).isEqualTo(2);
        assertThat(runCode).isEqualTo(2);
        assertThat(verifyErr).isEqualTo(err.toString()).isEqualTo(f + ":2:7: expected a field of /proc/vmstat that pinsim"
                + " models, found 'thp_file_alloc' (Linux prints it; pinsim does not model that counter yet)"
                + System.lineSeparator());
    }

    /** mmap hints both sides decline (taken, or above TASK_SIZE): the layouts place them, nothing to compare. */
    @Test
    void hintsBothSidesDeclineAreTheLayoutsChoice() throws IOException {
        ScenarioResult r = verify(write("hints.pin", String.join("\n",
                "process app uid=1000 caps=none",
                "c = mmap(0x800000000000, 16KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
                "a = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
                "b = mmap(a + 4KiB, 16KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
                "check app vmas(a) == 1",
                "")), Verifier.Options.defaults());
        assertThat(r.differences()).isEmpty();
        assertThat(r.compared()).isEqualTo(4);
    }
}
