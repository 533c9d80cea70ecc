package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** strace's output options, from real captures of /bin/true on the development machine (strace 6.1). */
class StraceFormsTest {

    /** strace -f -tt -T -yy: timestamps, durations, decorated descriptors (AT_FDCWD's too). */
    private static final String TT_T_YY = String.join("\n",
            "11316 22:09:57.169823 execve(\"/bin/true\", [\"/bin/true\"], 0x7fff159a1cd0 /* 39 vars */) = 0 <0.001586>",
            "11316 22:09:57.172067 brk(NULL)         = 0x556637d54000 <0.000061>",
            "11316 22:09:57.172473 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f791e19e000 <0.000050>",
            "11316 22:09:57.172743 openat(AT_FDCWD</tmp/strace-helper>, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache> <0.000043>",
            "11316 22:09:57.172900 mmap(NULL, 34727, PROT_READ, MAP_PRIVATE, 3</etc/ld.so.cache>, 0) = 0x7f791e195000 <0.000040>",
            "11316 22:09:57.173000 close(3</etc/ld.so.cache>) = 0 <0.000020>",
            "11316 22:09:57.174000 exit_group(0)                     = ?",
            "11316 22:09:57.174100 +++ exited with 0 +++", "");

    @Test
    void ttTyy_areRead_keptAndEveryCallAgrees() {
        Scenario s = ScenarioRunner.parse("t.strace", TT_T_YY);
        assertThat(s.log()).isTrue();
        Statement.Call open = (Statement.Call) s.statements().get(3);
        assertThat(open.strace().time()).isEqualTo("22:09:57.172743");
        assertThat(open.strace().duration()).isEqualTo("0.000043");
        assertThat(open.expected()).isInstanceOf(Expected.Value.class);
        assertThat(((Expr.Fd) ((Expected.Value) open.expected()).value()).path()).isEqualTo("/etc/ld.so.cache");
        Statement.Call map = (Statement.Call) s.statements().get(4);
        assertThat(((Expr.Fd) map.positional().get(4)).path()).isEqualTo("/etc/ld.so.cache");
        Report r = ScenarioRunner.run(s, RunOptions.defaults().withAs("uid=0"));
        assertThat(r.summary().mismatched()).isZero();
        assertThat(r.summary().matched()).isEqualTo(6);
        Report.CallEntry e = (Report.CallEntry) r.entries().get(3);
        assertThat(e.time()).isEqualTo("22:09:57.172743");
        assertThat(e.duration()).isEqualTo("0.000043");
        assertThat(e.text()).startsWith("11316 22:09:57.172743 openat(");
    }

    @Test
    void tttAndRelative_areRead() {
        Scenario s = ScenarioRunner.parse("t.strace", "11320 1796508597.208602 (+     0.001447) brk(NULL) = 0x563405b95000\n"
                + "     0.000123 mlock(0x1000, 4096) = -1 ENOMEM (Cannot allocate memory)\n");
        assertThat(((Statement.Call) s.statements().get(0)).strace().time()).isEqualTo("1796508597.208602 (+     0.001447)");
        assertThat(((Statement.Call) s.statements().get(1)).strace().time()).isEqualTo("0.000123");
    }

    @Test
    void splitCalls_runWhereTheyResumed_andAKillEndsTheThreadGroup() {
        Scenario s = ScenarioRunner.parse("t.strace", String.join("\n",
                "100   mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000",
                "100   clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} <unfinished ...>",
                "101   mlock(0x7f0000000000, 4096 <unfinished ...>",
                "100   <... clone3 resumed> => {parent_tid=[101]}, 88) = 101",
                "101   <... mlock resumed>)              = 0",
                "101   +++ killed by SIGKILL +++",
                "100   +++ killed by SIGKILL +++", ""));
        Report r = ScenarioRunner.run(s, RunOptions.defaults());
        assertThat(r.summary().mismatched()).isZero();
        // the kill of thread 101 ends the thread group (do_group_exit): 100's own kill line finds it gone
        assertThat(r.entries()).extracting(Report.Entry::line).containsExactly(1, 4, 5, 6);
        Report.CallEntry clone = (Report.CallEntry) r.entries().get(1);
        assertThat(clone.notes()).contains("issued at line 2, resumed at line 4");
        assertThat(((Report.CallEntry) r.entries().get(2)).notes()).contains("issued at line 3, resumed at line 5");
        assertThat(r.entries().get(3)).isInstanceOf(Report.EventEntry.class);
        assertThat(r.processes()).extracting(Report.ProcessFigures::exited).containsOnly("killed by SIGKILL at line 6");
    }

    /**
     * {@code --as 'PID: ...'} naming a child: the child takes the keys when its fork returns and
     * its own child inherits them (kernel/fork.c copy_process: copy_creds, copy_signal); the
     * parent keeps its own. mm/mlock.c do_mlock: 16 pages > RLIMIT_MEMLOCK 8 pages without
     * CAP_IPC_LOCK is ENOMEM; the parent, uid 0 with every capability, is not checked.
     */
    @Test
    void asNamingAChild_appliesFromItsForkAndIsInherited() {
        String log = String.join("\n",
                "5  mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000",
                "5  fork() = 6",
                "6  mlock(0x7f0000000000, 65536) = -1 ENOMEM (Cannot allocate memory)",
                "6  mlock(0x7f0000000000, 32768) = 0",
                "6  fork() = 7",
                "7  mlock(0x7f0000000000, 65536) = -1 ENOMEM (Cannot allocate memory)",
                "5  mlock(0x7f0000000000, 65536) = 0", "");
        Report r = ScenarioRunner.run(ScenarioRunner.parse("t.strace", log),
                RunOptions.defaults().withAs("6: uid=1000 caps=none rlimit.memlock=32KiB:32KiB"));
        assertThat(r.summary().mismatched()).isZero();
        assertThat(r.summary().matched()).isEqualTo(7);
        Report.CallEntry refused = (Report.CallEntry) r.entries().get(2);
        assertThat(refused.refusal().limit().limitPages()).isEqualTo(8);
        Report plain = ScenarioRunner.run(ScenarioRunner.parse("t.strace", log), RunOptions.defaults().withAs("uid=0"));
        assertThat(plain.summary().mismatched()).as("without the child's --as its mlock passes").isEqualTo(2);
    }
}
