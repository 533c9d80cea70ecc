package org.pinsim.conformance.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.cli.verify.Executor;

/**
 * The live-kernel executor itself: credentials and limits are really applied, and a timeout
 * leaves no process behind. Skipped where the live kernel is not available (not root, no gcc).
 */
class ExecutorTest {

    private static final long CAP_IPC_LOCK = 1L << 14;
    private static final long ALL_BUT_SYS_RESOURCE = 0x1fffeffffffL;
    private static final String MMAP_64K = "mmap 0 65536 3 34 -1 0";

    @Test
    void credentialsAndLimitsAreApplied_mlockAtRlimitZeroNeedsCapIpcLock() throws Exception {
        Path bin = Live.executor();
        try (Executor ex = new Executor(bin, 20)) {
            ex.hello();
            ex.init(3, 3);
            long[] plain = ex.spawn(0, 20990, 0, 0, 0);
            long[] locker = ex.spawn(1, 20991, CAP_IPC_LOCK, 0, 0);
            long[] rootNoLock = ex.spawn(2, 0, ALL_BUT_SYS_RESOURCE & ~CAP_IPC_LOCK, 0, 0);
            ex.go();
            // the kernel's own view of each process
            assertThat(Live.status(plain[0], "Uid")).startsWith("20990\t20990\t20990");
            assertThat(Long.parseLong(Live.status(plain[0], "CapEff"), 16)).isZero();
            assertThat(Live.status(locker[0], "Uid")).startsWith("20991");
            assertThat(Long.parseLong(Live.status(locker[0], "CapEff"), 16)).isEqualTo(CAP_IPC_LOCK);
            assertThat(Live.status(rootNoLock[0], "Uid")).startsWith("0\t");
            assertThat(Long.parseLong(Live.status(rootNoLock[0], "CapEff"), 16) & CAP_IPC_LOCK).isZero();
            for (long[] p : List.of(plain, locker, rootNoLock)) {
                assertThat(Live.status(p[0], "Pid")).isEqualTo(Long.toString(p[0]));
            }
            // RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK: EPERM; with it: locked
            for (int slot : new int[] {0, 1, 2}) {
                Executor.Answer m = ex.call(slot, MMAP_64K);
                assertThat(m.failed()).isFalse();
                Executor.Answer l = ex.call(slot, "mlock " + m.ret() + " 16384");
                if (slot == 1) {
                    assertThat(l.ret()).isZero();
                } else {
                    assertThat(l.ret()).isEqualTo(-1);
                    assertThat(l.errno()).isEqualTo(1); // EPERM
                }
            }
            Executor.Answer lim = ex.call(0, "getrlimit 8");
            assertThat(lim.out()).containsExactly(0, 0);
            // raising the hard limit again is refused (no CAP_SYS_RESOURCE anywhere)
            Executor.Answer raise = ex.call(0, "setrlimit 8 1 65536 65536");
            assertThat(raise.errno()).isEqualTo(1);
        }
    }

    @Test
    void aTimeoutKillsEveryProcessOfTheExecutor() throws Exception {
        Path bin = Live.executor();
        List<Long> pids = new ArrayList<>();
        long master;
        try (Executor ex = new Executor(bin, 1)) {
            master = ex.pid();
            ex.hello();
            ex.init(1, 2);
            long[] p = ex.spawn(0, 20992, 0, 65536, 65536);
            ex.go();
            pids.add(p[0]);
            Executor.Answer kid = ex.call(0, "fork 1");
            pids.add(kid.ret());
            long started = System.nanoTime();
            // blocks far beyond the timeout: the executor's alarm kills its process groups
            assertThatThrownBy(() -> ex.call(1, "sleep 600000")).isInstanceOf(Executor.Gone.class)
                    .hasMessageContaining("timed out");
            assertThat((System.nanoTime() - started) / 1_000_000_000L).isLessThan(10);
        }
        pids.add(master);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pids.stream().anyMatch(Live::alive) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        for (long pid : pids) {
            assertThat(Live.alive(pid)).as("process %d survived the timeout", pid).isFalse();
        }
    }

    @Test
    void quitKillsAndReapsEveryScenarioProcess() throws Exception {
        Path bin = Live.executor();
        List<Long> pids = new ArrayList<>();
        try (Executor ex = new Executor(bin, 20)) {
            ex.hello();
            ex.init(1, 3);
            pids.add(ex.spawn(0, 20993, 0, 65536, 65536)[0]);
            ex.go();
            pids.add(ex.call(0, "fork 1").ret());
            pids.add(ex.call(1, "fork 2").ret());
            ex.call(1, "exit 0"); // an orphan now: its parent is gone, the subreaper adopts it
        }
        for (long pid : pids) {
            assertThat(Live.alive(pid)).as("process %d survived", pid).isFalse();
        }
    }

    @Test
    void ioUringAndPerfRunUnderTheScenarioCredentials() throws Exception {
        Path bin = Live.executor();
        try (Executor ex = new Executor(bin, 20)) {
            ex.hello();
            ex.init(2, 2);
            long[] plain = ex.spawn(0, 20994, 0, 0, 65536); // memlock 0, no CAP_IPC_LOCK
            long[] locker = ex.spawn(1, 20995, CAP_IPC_LOCK, 0, 0);
            ex.go();
            // a ring costs 2 pages of user->locked_vm without CAP_IPC_LOCK: ENOMEM at rlimit 0
            Executor.Answer refused = ex.call(0, "io_uring_setup 4");
            assertThat(refused.ret()).isEqualTo(-1);
            assertThat(refused.errno()).isEqualTo(12); // ENOMEM
            Executor.Answer ring = ex.call(1, "io_uring_setup 4");
            assertThat(ring.failed()).isFalse();
            assertThat(ring.out()).containsExactly(4, 8); // sq_entries, cq_entries written back
            Executor.Answer m = ex.call(1, MMAP_64K);
            Executor.Answer reg = ex.call(1, "io_uring_register " + ring.ret() + " 0 1 1 " + m.ret() + " 65536");
            assertThat(reg.ret()).isZero();
            assertThat(Live.status(locker[0], "VmPin")).isEqualTo("64 kB");
            assertThat(ex.call(1, "io_uring_register " + ring.ret() + " 1 0 -1").ret()).isZero();
            assertThat(Live.status(locker[0], "VmPin")).isEqualTo("0 kB");
            // perf: a software event that excludes the kernel, and its 1 + 8 page ring buffer
            byte[] attr = new byte[136];
            attr[0] = 1; // type PERF_TYPE_SOFTWARE
            attr[4] = (byte) 136; // size
            attr[8] = 9; // config PERF_COUNT_SW_DUMMY
            attr[40] = 1 << 5; // exclude_kernel
            StringBuilder hex = new StringBuilder();
            for (byte b : attr) {
                hex.append(String.format("%02x", b & 0xff));
            }
            Executor.Answer pfd = ex.call(0, "perf_event_open " + hex + " 0 -1 -1 0");
            assertThat(pfd.failed()).isFalse();
            Executor.Answer rb = ex.call(0, "mmap 0 36864 3 1 " + pfd.ret() + " 0"); // MAP_SHARED
            assertThat(rb.failed()).isFalse();
            assertThat(Live.status(plain[0], "VmPin")).isEqualTo("0 kB"); // within the per-user allowance
            assertThat(ex.call(0, "munmap " + rb.ret() + " 36864").ret()).isZero();
        }
    }
}
