package org.pinsim.core.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE;
import static org.pinsim.core.uapi.Mman.MAP_LOCKED;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.MCL_CURRENT;
import static org.pinsim.core.uapi.Mman.MLOCK_ONFAULT;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.uapi.Fcntl;
import org.pinsim.core.uapi.Sched;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;

/** The invariant checker: it passes on consistent states and names each corruption. */
class InvariantsTest {
    private static final long A = 0x7f0000000000L;
    private static final long K = 1024;

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    /** A default-layout process with 64 KiB anonymous written at A and 64 KiB MAP_LOCKED at A + 1 MiB. */
    private static Task busy(Kernel k) {
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));
        t.mmap(A, 64 * K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        t.touch(A, 64 * K, true);
        t.mmap(A + 1024 * K, 64 * K, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_FIXED_NOREPLACE, -1, 0);
        return t;
    }

    private static int pfnAt(Task t, long addr) {
        long pte = t.mm().pageTable().get(addr);
        assertThat(Pte.present(pte)).isTrue();
        return Pte.pfn(pte);
    }

    @Test
    void check_consistentStates_pass() {
        Kernel k = boot();
        Task t = busy(k);
        Task kid = k.task((int) t.fork().ret());
        kid.touch(A, 8 * K, true);
        int fd = (int) t.openat(Fcntl.AT_FDCWD, "/tmp/f", Fcntl.O_RDWR | Fcntl.O_CREAT, 0600).ret();
        t.ftruncate(fd, 32 * K);
        long f = t.mmap(0, 32 * K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0).ret();
        t.touch(f, 32 * K, false);
        long s = t.mmap(0, 16 * K, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0).ret();
        t.touch(s, 16 * K, true);
        t.munmap(f, 32 * K); // the file's pages stay in its page cache, unmapped
        t.mlockall(MCL_CURRENT);

        assertThatCode(() -> Invariants.check(k)).doesNotThrowAnyException();
        assertThatCode(() -> Invariants.checkQuick(k)).doesNotThrowAnyException();
    }

    @Test
    void check_threadsSharingOneMm_walkItOnce() {
        Kernel k = boot();
        Task t = busy(k);
        t.clone(Sched.CLONE_VM | Sched.CLONE_SIGHAND | Sched.CLONE_THREAD);
        assertThat(k.tasks()).hasSize(2);

        assertThatCode(() -> Invariants.check(k)).doesNotThrowAnyException();
    }

    @Test
    void check_pagesWaitingInTheMlockBatch_areCountedAsHeldByIt() {
        Kernel k = boot();
        Task t = busy(k);
        // MAP_LOCKED's populate ends with lru_add_drain(): nothing of it waits in the batch
        assertThat(k.memory().mlockFolio().pendingRefs(pfnAt(t, A + 1024 * K))).isZero();
        long o = t.mmap(A + 2048 * K, 64 * K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                -1, 0).ret();
        t.mlock2(o, 64 * K, MLOCK_ONFAULT);
        t.touch(o, 4 * K, true); // a fault in a lock-on-fault VMA: mlock_new_folio queues it, no drain
        int pfn = pfnAt(t, o);
        assertThat(k.memory().mlockFolio().pendingRefs(pfn)).isEqualTo(1);

        assertThatCode(() -> Invariants.check(k)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Invariants.check(k, Invariants.ExtraRefs.NONE)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("refcount 2 but mapcount 1 + page cache 0 + other holders 0 = 1");
    }

    @Test
    void check_bumpedMapcount_failsNamingTheFrame() {
        Kernel k = boot();
        Task t = busy(k);
        int pfn = pfnAt(t, A);
        k.mem().frames().mapcountInc(pfn);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("mapcount 2 but 1 present PTEs")
                .hasMessageContaining("pfn " + pfn);
        assertThatCode(() -> Invariants.checkQuick(k)).as("the quick check does not sweep frames")
                .doesNotThrowAnyException();
    }

    @Test
    void check_extraReference_failsUnlessAHolderClaimsIt() {
        Kernel k = boot();
        Task t = busy(k);
        int pfn = pfnAt(t, A + 4 * K);
        k.mem().frames().refAdd(pfn, 1024); // what a FOLL_PIN adds

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("refcount 1025 but mapcount 1 + page cache 0 + other holders 0 = 1")
                .hasMessageContaining("pfn " + pfn);
        Invariants.ExtraRefs pin = p -> p == pfn ? 1024 : 0;
        assertThatCode(() -> Invariants.check(k, Invariants.modelHolders(k).plus(pin))).doesNotThrowAnyException();
    }

    @Test
    void check_unevictablePageWithoutPgMlocked_failsAsStranded() {
        Kernel k = boot();
        Task t = busy(k);
        k.memory().mlockFolio().drain();
        int pfn = pfnAt(t, A + 1024 * K);
        k.mem().frames().clearFlag(pfn, FrameTable.PG_mlocked);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("stranded on the unevictable list without PG_mlocked")
                .hasMessageContaining("pfn " + pfn);
    }

    @Test
    void check_lockedPageNeitherMlockedNorWhereReclaimSeesIt_fails() {
        Kernel k = boot();
        Task t = busy(k);
        k.memory().mlockFolio().drain();
        int pfn = pfnAt(t, A + 1024 * K);
        k.lru().del(pfn); // isolated, as migration would
        k.mem().frames().clearFlag(pfn, FrameTable.PG_mlocked);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("(VM_LOCKED) maps a page that is not PG_mlocked, not on an LRU list")
                .hasMessageContaining("pfn " + pfn);
    }

    @Test
    void check_mlockCountErringLow_isAcceptedAsTheKernelAcceptsIt() {
        // mm/mlock.c: the batch holds mlock_new (the parent's fault), munlock (the parent's
        // exit) and mlock (the child's mlock) of one page; after the drain the page is
        // evictable and not PG_mlocked although the child's VM_LOCKED VMA maps it
        // (__munlock_folio: "assume that was the last mlock: reclaim will fix it if not")
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
        t.mmap(A, 16 * K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_FIXED_NOREPLACE, -1, 0);
        Task kid = k.task((int) t.fork().ret());
        t.exit(0);
        assertThat(kid.mlock(A, 16 * K).ret()).isZero();
        int pfn = pfnAt(kid, A);

        assertThat(k.mem().frames().testFlag(pfn, FrameTable.PG_mlocked)).isFalse();
        assertThat(k.mem().frames().testFlag(pfn, FrameTable.PG_unevictable)).isFalse();
        assertThatCode(() -> Invariants.check(k)).doesNotThrowAnyException();
    }

    @Test
    void check_nrMlockOff_fails() {
        Kernel k = boot();
        busy(k);
        long nr = k.vmstat().get(NodeStat.NR_MLOCK);
        k.vmstat().mod(NodeStat.NR_MLOCK, 1);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("nr_mlock = " + (nr + 1) + " but PG_mlocked frames = " + nr);
    }

    @Test
    void check_lockedVmOff_failsInBothChecks() {
        Kernel k = boot();
        Task t = busy(k);
        t.mm().addLockedVm(1);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("locked_vm = 17 but pages of its VM_LOCKED VMAs (16) + lockedVmDrift (0) + driver charges (0) = 16");
        assertThatThrownBy(() -> Invariants.checkQuick(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("locked_vm = 17");
    }

    @Test
    void check_totalVmOff_fails() {
        Kernel k = boot();
        Task t = busy(k);
        t.mm().vmStatAccount(VmFlags.VM_READ | VmFlags.VM_WRITE, 1);

        assertThatThrownBy(() -> Invariants.checkQuick(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("total_vm = " + t.mm().totalVm() + " but pages of its VMAs");
    }

    @Test
    void check_rssOff_fails() {
        Kernel k = boot();
        Task t = busy(k);
        t.mm().addRss(Mm.MM_ANONPAGES, 1);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("MM_ANONPAGES = " + t.mm().rss(Mm.MM_ANONPAGES) + " but PG_anon pages its PTEs map");
    }

    @Test
    void check_pteMappingAFreeFrame_fails() {
        Kernel k = boot();
        Task t = busy(k);
        long addr = A + 2048 * K; // no VMA yet: map one, leave it untouched, plant the PTE
        t.mmap(addr, 4 * K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        PageTable.Leaf leaf = t.mm().pageTable().leaf(addr, true);
        int free = k.mem().allocPage(0);
        k.mem().freePage(free);
        leaf.e[PageTable.pteIndex(addr)] = Pte.make(free, true, false);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("PTE at 0x" + Long.toHexString(addr))
                .hasMessageContaining("maps a free frame")
                .hasMessageContaining("pfn " + free);
    }

    @Test
    void check_frameHeldByNobody_failsAsLeaked() {
        Kernel k = boot();
        busy(k);
        int leaked = k.mem().allocPage(0);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("held by nothing the checker knows: leaked")
                .hasMessageContaining("pfn " + leaked);
    }

    @Test
    void check_pageCachePageWithAnExtraReference_fails() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
        int fd = (int) t.openat(Fcntl.AT_FDCWD, "/tmp/f", Fcntl.O_RDWR | Fcntl.O_CREAT, 0600).ret();
        t.ftruncate(fd, 8 * K);
        long f = t.mmap(0, 8 * K, PROT_READ, MAP_SHARED, fd, 0).ret();
        t.touch(f, 8 * K, false);
        int pfn = pfnAt(t, f);
        t.munmap(f, 8 * K);
        Invariants.check(k);
        k.mem().frames().refInc(pfn);

        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("refcount 2 but mapcount 0 + page cache 1 + other holders 0 = 1");
    }

    @Test
    void check_nrPageTableOff_failsInBothChecks() {
        Kernel k = boot();
        busy(k);
        k.vmstat().mod(NodeStat.NR_PAGETABLE, 1);

        assertThatThrownBy(() -> Invariants.checkQuick(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("nr_page_table_pages");
        assertThatThrownBy(() -> Invariants.check(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("nr_page_table_pages");
    }

    @Test
    void check_negativeEventCounter_fails() {
        Kernel k = boot();
        busy(k);
        k.vmstat().count(VmEvent.PGFAULT, -1_000_000);

        assertThatThrownBy(() -> Invariants.checkQuick(k)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("pgfault is negative");
    }

    @Test
    void checkDefault_followsTheSystemProperty() {
        Kernel k = boot();
        Task t = busy(k);
        k.mem().frames().mapcountInc(pfnAt(t, A));
        String old = System.getProperty(Invariants.CHECKS_PROPERTY);
        try {
            System.setProperty(Invariants.CHECKS_PROPERTY, "off");
            assertThatCode(() -> Invariants.checkDefault(k)).doesNotThrowAnyException();
            System.setProperty(Invariants.CHECKS_PROPERTY, "quick");
            assertThatCode(() -> Invariants.checkDefault(k)).doesNotThrowAnyException();
            System.setProperty(Invariants.CHECKS_PROPERTY, "full");
            assertThatThrownBy(() -> Invariants.checkDefault(k)).isInstanceOf(AssertionError.class);
            System.clearProperty(Invariants.CHECKS_PROPERTY);
            assertThatThrownBy(() -> Invariants.checkDefault(k)).as("a 64 MiB machine gets the full check")
                    .isInstanceOf(AssertionError.class);
            System.setProperty(Invariants.CHECKS_PROPERTY, "sometimes");
            assertThatThrownBy(() -> Invariants.checkDefault(k)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("full, quick, off");
        } finally {
            if (old == null) {
                System.clearProperty(Invariants.CHECKS_PROPERTY);
            } else {
                System.setProperty(Invariants.CHECKS_PROPERTY, old);
            }
        }
    }
}
