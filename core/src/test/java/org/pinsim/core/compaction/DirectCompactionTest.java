package org.pinsim.core.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MADV_DONTNEED;
import static org.pinsim.core.uapi.Mman.MADV_HUGEPAGE;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.Profile;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Sysctl;
import org.pinsim.core.Task;
import org.pinsim.core.mem.AllocFlags;
import org.pinsim.core.mem.Compactor;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.mm.ThpDefrag;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.vmstat.VmEvent;

/**
 * Direct compaction from the allocation slow path (mm/page_alloc.c __alloc_pages_slowpath,
 * __alloc_pages_direct_compact, should_compact_retry; mm/compaction.c try_to_compact_pages)
 * and the THP fault's gfp (mm/huge_memory.c vma_thp_gfp_mask). Each expectation cites the
 * kernel function it follows.
 */
class DirectCompactionTest {
    static final long PAGE = 4096;
    static final long HPAGE = 2L << 20;
    private static final int RW = PROT_READ | PROT_WRITE;

    static Kernel boot(ThpEnabled thp, ThpDefrag defrag) {
        return Kernel.boot(new MachineConfig(64L << 20, 1, 2, 0, 1, Profile.LINUX_6_18, true, thp, 0, 0, 0, 0, defrag, true));
    }

    static Task spawn(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(64L << 20, 64L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    static long freeBlocks(Kernel k, int minOrder) {
        long n = 0;
        for (Zone z : k.mem().zones()) {
            for (int o = minOrder; o < Zone.NR_PAGE_ORDERS; o++) {
                n += z.nrFree(o);
            }
        }
        return n;
    }

    /**
     * Fills nearly all free memory with anonymous pages, then drops every other one: about
     * half of memory free, all of it in order-0 blocks between movable pages, in both zones.
     */
    static long fragmentAll(Kernel k, Task t) {
        int pages = (int) (k.mem().freePagesCount() - 256);
        long a = t.mmap(0, pages * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        assertThat(t.madvise(a, pages * PAGE, org.pinsim.core.uapi.Mman.MADV_NOHUGEPAGE).ret()).isZero();
        assertThat(t.touch(a, pages * PAGE, true).ret()).isZero();
        for (int i = 0; i < pages; i += 2) {
            assertThat(t.madvise(a + i * PAGE, PAGE, MADV_DONTNEED).ret()).isZero();
        }
        k.mem().drainAllPages(null);
        return a;
    }

    /** An aligned 2 MiB inside a new 4 MiB mapping, MADV_HUGEPAGE'd when asked. */
    static long hugeRegion(Task t, boolean madvise) {
        long a = t.mmap(0, 2 * HPAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        if (madvise) {
            assertThat(t.madvise(a, 2 * HPAGE, MADV_HUGEPAGE).ret()).isZero();
        }
        return (a + HPAGE - 1) & -HPAGE;
    }

    @Test
    void vmaThpGfpMask_followsTheDefragSetting() {
        // mm/huge_memory.c vma_thp_gfp_mask, one line per defrag flag
        assertThat(ThpDefrag.ALWAYS.gfpMask(true)).isEqualTo(Gfp.GFP_TRANSHUGE);
        assertThat(ThpDefrag.ALWAYS.gfpMask(false)).isEqualTo(Gfp.GFP_TRANSHUGE | Gfp.__GFP_NORETRY);
        assertThat(ThpDefrag.DEFER.gfpMask(true)).isEqualTo(Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_KSWAPD_RECLAIM);
        assertThat(ThpDefrag.DEFER_MADVISE.gfpMask(true)).isEqualTo(Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_DIRECT_RECLAIM);
        assertThat(ThpDefrag.DEFER_MADVISE.gfpMask(false)).isEqualTo(Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_KSWAPD_RECLAIM);
        assertThat(ThpDefrag.MADVISE.gfpMask(true)).isEqualTo(Gfp.GFP_TRANSHUGE);
        assertThat(ThpDefrag.MADVISE.gfpMask(false)).isEqualTo(Gfp.GFP_TRANSHUGE_LIGHT);
        assertThat(ThpDefrag.NEVER.gfpMask(true)).isEqualTo(Gfp.GFP_TRANSHUGE_LIGHT);
        // only __GFP_DIRECT_RECLAIM lets the slow path compact (can_direct_reclaim)
        assertThat(Gfp.allowBlocking(ThpDefrag.MADVISE.gfpMask(false))).isFalse();
        assertThat(ThpDefrag.parse("defer+madvise")).isEqualTo(ThpDefrag.DEFER_MADVISE);
        assertThat(ThpDefrag.parse("Madvise")).isNull();
    }

    @Test
    void madvisedThpFault_defragMadvise_compactsDirectly_andGetsAHugePage() {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        Task app = spawn(k);
        fragmentAll(k, app);
        assertThat(freeBlocks(k, FrameTable.PAGEBLOCK_ORDER)).isZero();
        long h = hugeRegion(app, true);

        assertThat(app.touch(h, PAGE, true).ret()).isZero();

        // vma_thp_gfp_mask: madvise + VM_HUGEPAGE = GFP_TRANSHUGE; alloc_pages_mpol's first,
        // node-local try adds __GFP_THISNODE | __GFP_NORETRY. __alloc_pages_slowpath: a costly
        // order with __GFP_DIRECT_RECLAIM compacts at INIT_COMPACT_PRIORITY (async) first; the
        // pass frees a pageblock (__compact_finished: COMPACT_SUCCESS), get_page_from_freelist
        // takes it: one compact_stall, one compact_success (__alloc_pages_direct_compact)
        assertThat(k.vmstat().get(VmEvent.COMPACTSTALL)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.COMPACTSUCCESS)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.COMPACTFAIL)).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_FAULT_ALLOC)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_FAULT_FALLBACK)).isZero();
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isGreaterThan(0);
        // the huge page is movable now (gfp_migratetype of GFP_TRANSHUGE), not GFP_KERNEL's unmovable
        int head = org.pinsim.core.mm.Pte.pfn(app.mm().pageTable().leaf(h, false).pmd);
        assertThat(k.mem().frames().pageblockMigratetype(head)).isEqualTo(FrameTable.MIGRATE_MOVABLE);
        k.checkInvariantsFull();
    }

    @Test
    void unadvisedThpFault_defragMadvise_neverCompacts_fallsBack() {
        Kernel k = boot(ThpEnabled.ALWAYS, ThpDefrag.MADVISE);
        Task app = spawn(k);
        fragmentAll(k, app);
        long stallsBefore = k.vmstat().get(VmEvent.COMPACTSTALL);
        long h = hugeRegion(app, false);

        assertThat(app.touch(h, PAGE, true).ret()).isZero();

        // vma_thp_gfp_mask: madvise without VM_HUGEPAGE = GFP_TRANSHUGE_LIGHT: no
        // __GFP_DIRECT_RECLAIM, so __alloc_pages_slowpath neither compacts nor retries, and no
        // __GFP_KSWAPD_RECLAIM, so nothing is woken: thp_fault_fallback and a 4 KiB page
        assertThat(k.vmstat().get(VmEvent.COMPACTSTALL)).isEqualTo(stallsBefore);
        assertThat(k.vmstat().get(VmEvent.THP_FAULT_FALLBACK)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_FAULT_ALLOC)).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void unadvisedThpFault_defragAlways_compactsDirectly() {
        Kernel k = boot(ThpEnabled.ALWAYS, ThpDefrag.ALWAYS);
        Task app = spawn(k);
        fragmentAll(k, app);
        long stallsBefore = k.vmstat().get(VmEvent.COMPACTSTALL);
        long h = hugeRegion(app, false);

        assertThat(app.touch(h, PAGE, true).ret()).isZero();

        // vma_thp_gfp_mask: always = GFP_TRANSHUGE | __GFP_NORETRY for an unadvised VMA: still
        // __GFP_DIRECT_RECLAIM, so the costly-order compaction of __alloc_pages_slowpath runs
        assertThat(k.vmstat().get(VmEvent.COMPACTSTALL)).isEqualTo(stallsBefore + 1);
        assertThat(k.vmstat().get(VmEvent.THP_FAULT_ALLOC)).isEqualTo(1);
        k.checkInvariantsFull();
    }

    @Test
    void madvisedThpFault_defragNever_orDefer_neverCompacts() {
        for (ThpDefrag d : new ThpDefrag[] {ThpDefrag.NEVER, ThpDefrag.DEFER}) {
            Kernel k = boot(ThpEnabled.MADVISE, d);
            Task app = spawn(k);
            fragmentAll(k, app);
            long h = hugeRegion(app, true);
            assertThat(app.touch(h, PAGE, true).ret()).isZero();
            // never: GFP_TRANSHUGE_LIGHT; defer: | __GFP_KSWAPD_RECLAIM; neither may direct-reclaim
            assertThat(k.vmstat().get(VmEvent.COMPACTSTALL)).as(d.sysfsName()).isZero();
            assertThat(k.vmstat().get(VmEvent.THP_FAULT_FALLBACK)).as(d.sysfsName()).isEqualTo(1);
        }
    }

    @Test
    void tryToCompactPages_syncFailureDefers_asyncDoesNot() {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        Task app = spawn(k);
        // mlocked pages are not isolated with vm.compact_unevictable_allowed = 0
        // (isolate_migratepages_block without ISOLATE_UNEVICTABLE): nothing can move
        k.setSysctl(Sysctl.COMPACT_UNEVICTABLE_ALLOWED, 0);
        long a = fragmentAll(k, app);
        // MLOCK_ONFAULT: the present pages are mlocked (unevictable), the dropped ones stay free
        assertThat(app.mlock2(a, app.mm().vmas().get(0).end() - a, org.pinsim.core.uapi.Mman.MLOCK_ONFAULT).ret()).isZero();
        assertThat(k.vmstat().get(VmEvent.UNEVICTABLE_PGMLOCKED)).isGreaterThan(1000);
        Zone dma32 = k.mem().zone(0, Zone.ZONE_DMA32);
        Zone[] zonelist = {dma32};
        Compaction c = k.compaction();
        int gfp = Gfp.GFP_TRANSHUGE;

        // try_to_compact_pages: an async pass that ends COMPLETE does not defer
        Compaction.Result r = c.tryToCompactPages(gfp, 9, AllocFlags.ALLOC_WMARK_MIN, zonelist, Zone.ZONE_MOVABLE,
                Compactor.COMPACT_PRIO_ASYNC);
        assertThat(r).isIn(Compaction.Result.COMPLETE, Compaction.Result.PARTIAL_SKIPPED);
        assertThat(c.deferState(dma32)[1]).isZero();
        // "prio != COMPACT_PRIO_ASYNC && (COMPLETE || PARTIAL_SKIPPED)": defer_compaction, shift 1
        r = c.tryToCompactPages(gfp, 9, AllocFlags.ALLOC_WMARK_MIN, zonelist, Zone.ZONE_MOVABLE,
                Compactor.COMPACT_PRIO_SYNC_LIGHT);
        assertThat(r).isIn(Compaction.Result.COMPLETE, Compaction.Result.PARTIAL_SKIPPED);
        assertThat(c.deferState(dma32)[1]).isEqualTo(1);
        // compaction_deferred: the next attempt (considered 1 < 1 << 1) is skipped: COMPACT_DEFERRED
        long scanned = k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED);
        r = c.tryToCompactPages(gfp, 9, AllocFlags.ALLOC_WMARK_MIN, zonelist, Zone.ZONE_MOVABLE,
                Compactor.COMPACT_PRIO_SYNC_LIGHT);
        assertThat(r).isEqualTo(Compaction.Result.DEFERRED);
        assertThat(k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED)).isEqualTo(scanned);
        // MIN_COMPACT_PRIORITY ignores deferral ("prio > MIN_COMPACT_PRIORITY && compaction_deferred")
        r = c.tryToCompactPages(gfp, 9, AllocFlags.ALLOC_WMARK_MIN, zonelist, Zone.ZONE_MOVABLE,
                Compactor.MIN_COMPACT_PRIORITY);
        assertThat(r).isNotEqualTo(Compaction.Result.DEFERRED);
        // gfp_compaction_allowed: no __GFP_IO, no compaction
        assertThat(c.tryToCompactPages(Gfp.GFP_NOWAIT, 9, 0, zonelist, Zone.ZONE_NORMAL, Compactor.COMPACT_PRIO_ASYNC))
                .isEqualTo(Compaction.Result.SKIPPED);
        k.checkInvariantsFull();
    }

    @Test
    void tryToCompactPages_watermarkAlreadyMet_isSuccess_withoutScanning() {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        Zone dma32 = k.mem().zone(0, Zone.ZONE_DMA32);
        // compaction_suit_allocation_order: a free order-9 block above the mark is COMPACT_SUCCESS
        Compaction.Result r = k.compaction().tryToCompactPages(Gfp.GFP_TRANSHUGE, 9, AllocFlags.ALLOC_WMARK_MIN,
                new Zone[] {dma32}, Zone.ZONE_MOVABLE, Compactor.COMPACT_PRIO_ASYNC);
        assertThat(r).isEqualTo(Compaction.Result.SUCCESS);
        assertThat(k.vmstat().get(VmEvent.COMPACTMIGRATE_SCANNED)).isZero();
    }

    @Test
    void shouldCompactRetry_raisesThePriority_downToTheCostlyLimit() {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        PhysMem mem = k.mem();
        Zone[] zl = {mem.zone(0, Zone.ZONE_DMA32)};
        // should_compact_retry: a failed compaction raises the priority (lower value) while it is
        // above MIN_COMPACT_COSTLY_PRIORITY for costly orders, MIN_COMPACT_PRIORITY otherwise
        int[] s = {Compactor.DEF_COMPACT_PRIORITY, 0};
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_MOVABLE, 9, Compactor.COMPACT_COMPLETE, s)).isFalse();
        assertThat(s[0]).isEqualTo(Compactor.DEF_COMPACT_PRIORITY);
        s = new int[] {Compactor.COMPACT_PRIO_ASYNC, 0};
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_MOVABLE, 9, Compactor.COMPACT_COMPLETE, s)).isTrue();
        assertThat(s[0]).isEqualTo(Compactor.COMPACT_PRIO_SYNC_LIGHT);
        s = new int[] {Compactor.DEF_COMPACT_PRIORITY, 0};
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_NORMAL, 2, Compactor.COMPACT_COMPLETE, s)).isTrue();
        assertThat(s[0]).isEqualTo(Compactor.COMPACT_PRIO_SYNC_FULL);
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_NORMAL, 2, Compactor.COMPACT_COMPLETE, s)).isFalse();
        // COMPACT_SUCCESS retries MAX_COMPACT_RETRIES / 4 = 4 times for a costly order, then
        // falls through to the priority rule
        s = new int[] {Compactor.DEF_COMPACT_PRIORITY, 0};
        for (int i = 0; i < 4; i++) {
            assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_MOVABLE, 9, Compactor.COMPACT_SUCCESS, s)).isTrue();
        }
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_MOVABLE, 9, Compactor.COMPACT_SUCCESS, s)).isFalse();
        // COMPACT_SKIPPED: compaction_zonelist_suitable (a fresh zone passes __compaction_suitable)
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_MOVABLE, 9, Compactor.COMPACT_SKIPPED, s)).isTrue();
        assertThat(mem.shouldCompactRetry(zl, Zone.ZONE_MOVABLE, 0, Compactor.COMPACT_SKIPPED, s)).isFalse();
    }
}
