package org.pinsim.core.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Sysctl;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.IoUring;

import org.pinsim.core.vmstat.VmEvent;

/**
 * mm/compaction.c (Linux 6.18) through compact_memory ({@link Kernel#compactMemory}) and
 * compact_zone_order. Each expectation cites the kernel function it follows.
 */
class CompactionTest {
    private static final long PAGE = 4096;
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final int PB = FrameTable.PAGEBLOCK_NR_PAGES;

    private final Kernel k = Kernel.boot(new MachineConfig(64L << 20, 1, 2, 0, 1,
            org.pinsim.core.Profile.LINUX_6_18, true));

    private Task spawn() {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(64L << 20, 64L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private int pfn(Task t, long addr) {
        return Pte.pfn(t.mm().pageTable().get(addr));
    }

    /** Touches {@code pages} pages, then drops every other one: half-used pageblocks everywhere. */
    private long fragment(Task t, int pages) {
        long a = t.mmap(0, pages * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        t.touch(a, pages * PAGE, true);
        for (int i = 0; i < pages; i += 2) {
            assertThat(t.madvise(a + i * PAGE, PAGE, org.pinsim.core.uapi.Mman.MADV_DONTNEED).ret()).isZero();
        }
        k.mem().drainLocalPages();
        return a;
    }

    private long freeBlocks(int minOrder) {
        long n = 0;
        for (Zone z : k.mem().zones()) {
            for (int o = minOrder; o < Zone.NR_PAGE_ORDERS; o++) {
                n += z.nrFree(o) << (o - minOrder);
            }
        }
        return n;
    }

    private int[] contents(Task t, long a, int pages) {
        int[] c = new int[pages];
        for (int i = 1; i < pages; i += 2) {
            c[i] = k.mem().frames().content(pfn(t, a + i * PAGE));
        }
        return c;
    }

    @Test
    void compactMemory_fragmentedZone_regainsPageblockOrderBlocks_keepsContents() {
        Task app = spawn();
        long a = fragment(app, 6 * PB);
        int[] before = contents(app, a, 6 * PB);
        long order9Before = freeBlocks(FrameTable.PAGEBLOCK_ORDER);

        k.compactMemory();
        // the freed source frames went to the pcp lists (free_unref_folios); drain_all_pages
        // lets them merge, as the vmstat worker's decay_pcp_high does in time on a live box
        k.mem().drainAllPages(null);

        // compact_zone: the migrate scanner empties the low blocks (pfn 4608 and 6144, half
        // used) into the holes the free scanner finds from the top down; the freed frames merge
        // back (__free_one_page) into pageblock-order blocks. Block 4096 keeps the reserved
        // zero page and the scanners meet inside 6656, which stays partly used: 2 blocks, not
        // the 3 a perfect packing of 1536 pages would free
        assertThat(freeBlocks(FrameTable.PAGEBLOCK_ORDER)).isGreaterThanOrEqualTo(order9Before + 2);
        assertThat(contents(app, a, 6 * PB)).containsExactly(before);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isGreaterThan(0);
        assertThat(k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED)).isGreaterThan(0);
        assertThat(k.vmstat().get(VmEvent.COMPACTFREE_SCANNED)).isGreaterThan(0);
        // compact_isolated counts both sides: isolate_migratepages_block and isolate_freepages_block
        assertThat(k.vmstat().get(VmEvent.COMPACTISOLATED)).isGreaterThanOrEqualTo(2 * k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS));
        // compact_memory is not direct compaction: no compact_stall / success / fail
        assertThat(k.vmstat().get(VmEvent.COMPACTSTALL)).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void compactMemory_ioUringPinnedPage_neverMoved() {
        Task app = spawn();
        long a = fragment(app, 4 * PB);
        long pinned = a + 3 * PAGE;
        int fd = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {pinned, PAGE}, 1).ret()).isZero();
        int m = k.frameMarks().mark();

        k.compactMemory();

        // isolate_migratepages_block: "Migration will fail if an anonymous page is pinned in
        // memory": folio_ref_count - 1 > folio_mapcount, so it is never isolated
        assertThat(k.frameMarks().moved(app, m, pinned, PAGE)).isZero();
        assertThat(k.frameMarks().moved(app, m, a, 4 * PB * PAGE)).isGreaterThan(0);
        k.checkInvariantsFull();
    }

    @Test
    void compactMemory_mlockedPages_movedOnlyWithCompactUnevictableAllowed() {
        assertThat(mlockedMoved(1)).isGreaterThan(0);
        CompactionTest other = new CompactionTest();
        // isolate_migratepages: ISOLATE_UNEVICTABLE only if sysctl_compact_unevictable_allowed
        assertThat(other.mlockedMoved(0)).isZero();
    }

    private long mlockedMoved(long allowed) {
        k.setSysctl(Sysctl.COMPACT_UNEVICTABLE_ALLOWED, allowed);
        Task app = spawn();
        long a = fragment(app, 4 * PB);
        assertThat(app.mlock(a, 4 * PB * PAGE).ret()).isZero();
        int m = k.frameMarks().mark();
        k.compactMemory();
        k.checkInvariantsFull();
        return k.frameMarks().moved(app, m, a, 4 * PB * PAGE);
    }

    @Test
    void compactMemory_secondPass_findsNothingMoreToMove() {
        Task app = spawn();
        fragment(app, 4 * PB);
        k.compactMemory();
        k.mem().drainAllPages(null);
        long moved = k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS);
        long order9 = freeBlocks(FrameTable.PAGEBLOCK_ORDER);
        k.compactMemory();
        k.mem().drainAllPages(null);
        // the scanners meet where they met: the used frames already sit at the top
        assertThat(freeBlocks(FrameTable.PAGEBLOCK_ORDER)).isGreaterThanOrEqualTo(order9);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS) - moved).isLessThan(moved);
        k.checkInvariantsFull();
    }

    @Test
    void deferral_followsDeferCompactionAndReset() {
        Compaction c = k.compaction();
        Zone z = k.mem().zones().get(k.mem().zones().size() - 1);
        // defer_compaction: considered = 0, defer_shift++, order_failed = min(order_failed, order)
        c.deferCompaction(z, 4);
        assertThat(c.deferState(z)).containsExactly(0, 1, 0);
        // compaction_deferred: order < compact_order_failed (0)? no; ++considered (1) >= 1 << 1? no: deferred
        assertThat(c.compactionDeferred(z, 4)).isTrue();
        // second: ++considered (2) >= 2: not deferred, considered capped at the limit
        assertThat(c.compactionDeferred(z, 4)).isFalse();
        assertThat(c.deferState(z)).containsExactly(2, 1, 0);
        for (int i = 0; i < 10; i++) {
            c.deferCompaction(z, 4);
        }
        assertThat(c.deferState(z)[1]).isEqualTo(Compaction.COMPACT_MAX_DEFER_SHIFT);
        // compaction_defer_reset(zone, order, true): shift and considered to 0, order_failed = order + 1
        c.compactionDeferReset(z, 4, true);
        assertThat(c.deferState(z)).containsExactly(0, 0, 5);
        // below compact_order_failed nothing is deferred
        c.deferCompaction(z, 6);
        assertThat(c.compactionDeferred(z, 4)).isFalse();
    }

    @Test
    void compactMemory_setsSkipBits_butIgnoresThem_andResetClearsThem() {
        Task app = spawn();
        fragment(app, 4 * PB);
        k.compactMemory();
        FrameTable ft = k.mem().frames();
        long skipped = 0;
        for (int pfn = 0; pfn < ft.nrFrames(); pfn += PB) {
            skipped += ft.pageblockSkip(pfn) ? 1 : 0;
        }
        // compact_node: ignore_skip_hint but not no_set_skip_hint: update_pageblock_skip and
        // isolate_migratepages_block's set_pageblock_skip still mark fully scanned blocks
        assertThat(skipped).isGreaterThan(0);
        long moved = k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED);
        k.compactMemory();
        // isolation_suitable: ignore_skip_hint, so the second pass scans the same blocks again
        assertThat(k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED) - moved).isGreaterThan(0);
        for (Zone z : k.mem().zones()) {
            k.compaction().resetIsolationSuitable(z);
        }
        for (int pfn = 0; pfn < ft.nrFrames(); pfn += PB) {
            assertThat(ft.pageblockSkip(pfn)).isFalse();
        }
    }

    @Test
    void proactiveWatermarks_followFragmentationScoreWmark() {
        // fragmentation_score_wmark: low = 100 - proactiveness (20 -> 80), leeway min(10, low / 2)
        assertThat(Proactive.fragmentationScoreWmark(k.sysctl(), true)).isEqualTo(80);
        assertThat(Proactive.fragmentationScoreWmark(k.sysctl(), false)).isEqualTo(90);
        k.setSysctl(Sysctl.COMPACTION_PROACTIVENESS, 100);
        assertThat(Proactive.fragmentationScoreWmark(k.sysctl(), true)).isZero();
        assertThat(Proactive.fragmentationScoreWmark(k.sysctl(), false)).isZero();
        k.setSysctl(Sysctl.COMPACTION_PROACTIVENESS, 0);
        // should_proactive_compact_node: "if (!sysctl_compaction_proactiveness ...) return false"
        assertThat(Proactive.shouldProactiveCompactNode(k.sysctl(), new org.pinsim.core.mem.FragViews(k.mem()), 0)).isFalse();
    }

    @Test
    void proactiveCompactNode_stopsOnceTheZoneScoreIsUnderTheLowMark() {
        Task app = spawn();
        fragment(app, 6 * PB);
        k.setSysctl(Sysctl.COMPACTION_PROACTIVENESS, 100); // low mark 0: run until the scanners meet
        k.compaction().compactNode(0, true);
        long full = k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS);
        assertThat(full).isGreaterThan(0);
        // compact_node(pgdat, true) counts compact_daemon_*_scanned besides compact_*_scanned
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_MIGRATE_SCANNED)).isEqualTo(k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED));
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_FREE_SCANNED)).isEqualTo(k.vmstat().get(VmEvent.COMPACTFREE_SCANNED));

        CompactionTest other = new CompactionTest();
        Task app2 = other.spawn();
        other.fragment(app2, 6 * PB);
        // __compact_finished: a proactive pass is COMPACT_SUCCESS as soon as the zone's score is
        // at most the low mark: with proactiveness 1 (low mark 99) it stops at once, as both
        // zones still hold free order-9 blocks (extfrag_for_order(zone, 9) < 100)
        other.k.setSysctl(Sysctl.COMPACTION_PROACTIVENESS, 1);
        other.k.compaction().compactNode(0, true);
        assertThat(other.k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
        other.k.checkInvariantsFull();
    }
}
