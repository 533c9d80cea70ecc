package org.pinsim.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.uapi.Mempolicy;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;

/**
 * The migration engine through move_pages(2) on a two-node machine. Multi-node migration
 * cannot be measured on the live machine (one node), so each expectation cites the kernel
 * function (Linux 6.18) it follows.
 */
class MigrateTest {
    private static final long PAGE = 4096;
    private static final int RW = PROT_READ | PROT_WRITE;

    private final Kernel k = Kernel.boot(new MachineConfig(64L << 20, 2, 2, 0, 1,
            org.pinsim.core.Profile.LINUX_6_18, true));

    private Task spawn(long caps) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(caps)
                .withMemlock(8L << 20, 8L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private long anon(Task t, int pages) {
        long a = t.mmap(0, pages * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        t.touch(a, pages * PAGE, true);
        return a;
    }

    private static long[] pages(long a, int n) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = a + i * PAGE;
        }
        return p;
    }

    private static int[] nodes(int n, int node) {
        int[] x = new int[n];
        java.util.Arrays.fill(x, node);
        return x;
    }

    private int pfn(Task t, long addr) {
        return Pte.pfn(t.mm().pageTable().get(addr));
    }

    private int[] contents(Task t, long a, int n) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = k.mem().frames().content(pfn(t, a + i * PAGE));
        }
        return c;
    }

    @Test
    void movePages_plainAnonToOtherNode_movesEveryPageKeepsContent() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 4);
        int[] before = contents(app, a, 4);
        assertThat(k.mem().nidOf(pfn(app, a))).isZero(); // a task on CPU 0 allocates on node 0
        int[] status = new int[4];

        long r = app.movePages(0, pages(a, 4), nodes(4, 1), status, Mempolicy.MPOL_MF_MOVE).ret();

        // do_pages_move -> move_pages_and_store_status: store_status(node) for the batch
        assertThat(r).isZero();
        assertThat(status).containsExactly(1, 1, 1, 1);
        k.settle();
        for (int i = 0; i < 4; i++) {
            assertThat(k.mem().nidOf(pfn(app, a + i * PAGE))).isEqualTo(1);
        }
        assertThat(contents(app, a, 4)).containsExactly(before);
        assertThat(before).doesNotContain(0);
        // migrate_pages: count_vm_events(PGMIGRATE_SUCCESS, stats.nr_succeeded)
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(4);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_FAIL)).isZero();
        assertThat(app.mm().rss(org.pinsim.core.mm.Mm.MM_ANONPAGES)).isEqualTo(4);
        k.checkInvariantsFull();
        // do_pages_stat: folio_nid
        int[] st = new int[4];
        app.movePages(0, pages(a, 4), null, st, 0);
        assertThat(st).containsExactly(1, 1, 1, 1);
    }

    @Test
    void movePages_oldFramesFreedAfterTheWindow_notBefore() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 1);
        int old = pfn(app, a);
        app.movePages(0, pages(a, 1), nodes(1, 1), new int[1], Mempolicy.MPOL_MF_MOVE);

        // try_to_migrate: the PTE is a migration entry until remove_migration_ptes
        long e = app.mm().pageTable().get(a);
        assertThat(Pte.isMigrationEntry(e)).isTrue();
        assertThat(Pte.pfn(e)).isEqualTo(old);
        assertThat(Pte.isWritableMigrationEntry(e)).isTrue(); // make_writable_migration_entry
        k.checkInvariantsFull();
        k.settle();
        assertThat(Pte.present(app.mm().pageTable().get(a))).isTrue();
        assertThat(Pte.write(app.mm().pageTable().get(a))).isTrue();
        assertThat(k.mem().frames().refcount(old)).isZero(); // migrate_folio_done: folio_put frees it
        assertThat(k.mem().frames().content(old)).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void touchDuringTheWindow_isAMigrationWaitOfTheToucher() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 2);
        Task thread = k.task((int) app.clone(org.pinsim.core.uapi.Sched.CLONE_VM | org.pinsim.core.uapi.Sched.CLONE_THREAD
                | org.pinsim.core.uapi.Sched.CLONE_SIGHAND).ret());
        long faults = k.vmstat().get(VmEvent.PGFAULT);
        app.movePages(0, pages(a, 2), nodes(2, 1), new int[2], Mempolicy.MPOL_MF_MOVE);
        long t0 = k.clock().now();

        assertThat(thread.touch(a + PAGE, 1, false).ret()).isZero();

        // do_swap_page -> migration_entry_wait: one fault, the thread sleeps to the end of the window
        assertThat(thread.migrationWaits()).isEqualTo(1);
        assertThat(app.migrationWaits()).isZero();
        assertThat(k.vmstat().get(VmEvent.PGFAULT)).isEqualTo(faults + 1);
        assertThat(k.clock().now()).isGreaterThan(t0);
        assertThat(k.mem().nidOf(pfn(app, a + PAGE))).isEqualTo(1);
        k.checkInvariantsFull();
    }

    @Test
    void movePages_ioUringPinnedPage_notMigratedCountedAsFailed() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 2);
        int pinned = pfn(app, a);
        int fd = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, PAGE}, 1).ret()).isZero();
        int[] status = new int[2];

        long r = app.movePages(0, pages(a, 2), nodes(2, 1), status, Mempolicy.MPOL_MF_MOVE).ret();

        // try_to_migrate_one: folio_try_share_anon_rmap_pte fails on a maybe-pinned folio: -EAGAIN
        // for 3 async and 7 sync passes, then migrate_pages returns 1 not migrated; do_pages_move
        // returns it (+ nr_pages - i = 0) and store_status is not reached for the batch
        assertThat(r).isEqualTo(1);
        assertThat(status).containsExactly(0, 0);
        k.settle();
        assertThat(pfn(app, a)).isEqualTo(pinned);
        assertThat(k.mem().nidOf(pfn(app, a + PAGE))).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_FAIL)).isEqualTo(1);
        assertThat(k.mem().frames().testFlag(pinned, FrameTable.PG_lru)).isTrue(); // putback_movable_pages
        k.checkInvariantsFull();
    }

    @Test
    void movePages_mlockedPage_migratesAndStaysMlocked() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 2);
        assertThat(app.mlock(a, 2 * PAGE).ret()).isZero();
        long mlocked = k.vmstat().get(VmEvent.UNEVICTABLE_PGMLOCKED);

        assertThat(app.movePages(0, pages(a, 2), nodes(2, 1), new int[2], Mempolicy.MPOL_MF_MOVE).ret()).isZero();
        k.settle();

        // remove_migration_pte -> folio_add_anon_rmap_pte -> mlock_vma_folio: mlocked on the new frame
        for (int i = 0; i < 2; i++) {
            int p = pfn(app, a + i * PAGE);
            assertThat(k.mem().nidOf(p)).isEqualTo(1);
            assertThat(k.mem().frames().testFlag(p, FrameTable.PG_mlocked)).isTrue();
            assertThat(k.mem().frames().testFlag(p, FrameTable.PG_unevictable)).isTrue();
        }
        assertThat(k.vmstat().get(NodeStat.NR_MLOCK)).isEqualTo(2);
        assertThat(k.vmstat().get(VmEvent.UNEVICTABLE_PGMLOCKED)).isEqualTo(mlocked + 2);
        // the old folio, isolated, is munlocked by try_to_migrate_one: __munlock_folio counts it stranded
        assertThat(k.vmstat().get(VmEvent.UNEVICTABLE_PGSTRANDED)).isEqualTo(2);
        k.checkInvariantsFull();
    }

    @Test
    void movePages_sharedAfterFork_eaccesUnlessMoveAllWithCapSysNice() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 1);
        Task kid = k.task((int) app.fork().ret());
        int[] status = new int[1];

        // __add_folio_for_migration: folio_maybe_mapped_shared && !migrate_all -> -EACCES
        assertThat(app.movePages(0, pages(a, 1), nodes(1, 1), status, Mempolicy.MPOL_MF_MOVE).ret()).isZero();
        assertThat(status[0]).isEqualTo(-Errno.EACCES);
        // kernel_move_pages: MPOL_MF_MOVE_ALL without CAP_SYS_NICE -> -EPERM
        assertThat(app.movePages(0, pages(a, 1), nodes(1, 1), status, Mempolicy.MPOL_MF_MOVE_ALL).ret())
                .isEqualTo(-Errno.EPERM);
        k.checkInvariantsFull();
    }

    @Test
    void movePages_moveAll_sharedPageFollowedByEveryMapping() {
        Task app = spawn(Caps.ALL);
        long a = anon(app, 1);
        Task kid = k.task((int) app.fork().ret());
        int content = k.mem().frames().content(pfn(app, a));
        int[] status = new int[1];

        assertThat(app.movePages(0, pages(a, 1), nodes(1, 1), status, Mempolicy.MPOL_MF_MOVE_ALL).ret()).isZero();
        k.settle();

        assertThat(status[0]).isEqualTo(1);
        int np = pfn(app, a);
        assertThat(pfn(kid, a)).isEqualTo(np); // remove_migration_ptes: every mapping follows
        assertThat(k.mem().nidOf(np)).isEqualTo(1);
        assertThat(k.mem().frames().mapcount(np)).isEqualTo(2);
        assertThat(k.mem().frames().content(np)).isEqualTo(content);
        assertThat(Pte.write(app.mm().pageTable().get(a))).isFalse(); // still COW-shared
        k.checkInvariantsFull();
    }

    @Test
    void movePages_sharedFilePage_pageCacheSlotFollows() {
        Task app = spawn(Caps.ALL);
        int fd = (int) app.memfdCreate("m", 0).ret();
        app.ftruncate(fd, 2 * PAGE);
        long a = app.mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0).ret();
        app.touch(a, 2 * PAGE, true);
        int content = k.mem().frames().content(pfn(app, a));
        int[] status = new int[1];

        assertThat(app.movePages(0, pages(a, 1), nodes(1, 1), status, Mempolicy.MPOL_MF_MOVE).ret()).isZero();
        k.settle();

        assertThat(status[0]).isEqualTo(1);
        assertThat(k.mem().nidOf(pfn(app, a))).isEqualTo(1);
        assertThat(k.mem().frames().content(pfn(app, a))).isEqualTo(content);
        k.checkInvariantsFull(); // the page cache holds the new frame (collectCache)
    }

    @Test
    void movePages_unmappedAndNoVma_enoentAndEfault() {
        Task app = spawn(Caps.NONE);
        long a = app.mmap(0, 2 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        int[] status = new int[2];
        // add_folio_for_migration: folio_walk_start finds nothing -> -ENOENT; vma_lookup fails -> -EFAULT
        assertThat(app.movePages(0, new long[] {a, a + 64 * PAGE}, nodes(2, 1), status, 0).ret()).isZero();
        assertThat(status).containsExactly(-Errno.ENOENT, -Errno.EFAULT);
        // do_pages_move: a node without memory -> -ENODEV for the call
        assertThat(app.movePages(0, new long[] {a}, nodes(1, 2), new int[1], 0).ret()).isEqualTo(-Errno.ENODEV);
    }

    @Test
    void movePages_targetNodeFull_enomem() {
        Task app = spawn(Caps.NONE);
        long a = anon(app, 1);
        // fill node 1 with another task's pages: alloc_migration_target has __GFP_THISNODE
        Task hog = k.spawn(ProcessSpec.defaults("hog", k.profile()).withUid(1001).withCaps(Caps.NONE)
                .withLayout(ProcessSpec.Layout.EMPTY));
        // until an allocation fails: pages on node 1's per-CPU lists count too
        int taken = 0;
        while (k.mem().allocPagesThisNode(0, 1) != FrameTable.NO_FRAME) {
            taken++;
        }
        assertThat(taken).isPositive();
        // migrate_pages_batch: -ENOMEM from migrate_folio_unmap is returned by migrate_pages and the call
        assertThat(app.movePages(0, pages(a, 1), nodes(1, 1), new int[1], 0).ret()).isEqualTo(-Errno.ENOMEM);
        assertThat(k.mem().nidOf(pfn(app, a))).isZero();
        assertThat(k.mem().frames().testFlag(pfn(app, a), FrameTable.PG_lru)).isTrue();
    }
}
