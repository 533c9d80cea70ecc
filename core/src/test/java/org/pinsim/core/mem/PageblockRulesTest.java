package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.mem.FrameTable.MIGRATE_CMA;
import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_RECLAIMABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.Zone.ZONE_DMA;
import static org.pinsim.core.mem.Zone.ZONE_DMA32;
import static org.pinsim.core.mem.Zone.ZONE_MOVABLE;
import static org.pinsim.core.mem.Zone.ZONE_NORMAL;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The page allocator's rules, each against the value the Linux 6.18 source gives (the
 * function and the arithmetic are in each test's comment).
 */
class PageblockRulesTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    // ---- gfp ----

    @Test
    void gfp_migratetypeAndZone_asGfpHSays() {
        // include/linux/gfp.h: gfp_migratetype = (gfp & (RECLAIMABLE|MOVABLE)) >> GFP_MOVABLE_SHIFT
        assertThat(Gfp.gfpMigratetype(Gfp.GFP_KERNEL)).isEqualTo(MIGRATE_UNMOVABLE);
        assertThat(Gfp.gfpMigratetype(Gfp.GFP_USER)).isEqualTo(MIGRATE_UNMOVABLE);
        assertThat(Gfp.gfpMigratetype(Gfp.GFP_HIGHUSER_MOVABLE)).isEqualTo(MIGRATE_MOVABLE);
        assertThat(Gfp.gfpMigratetype(Gfp.GFP_TRANSHUGE_LIGHT)).isEqualTo(MIGRATE_MOVABLE);
        assertThat(Gfp.gfpMigratetype(Gfp.GFP_KERNEL_RECLAIMABLE)).isEqualTo(MIGRATE_RECLAIMABLE);
        // GFP_ZONE_TABLE: MOVABLE|HIGHMEM -> ZONE_MOVABLE; HIGHMEM alone -> NORMAL on 64-bit
        assertThat(Gfp.gfpZone(Gfp.GFP_HIGHUSER_MOVABLE)).isEqualTo(ZONE_MOVABLE);
        assertThat(Gfp.gfpZone(Gfp.GFP_USER)).isEqualTo(ZONE_NORMAL);
        assertThat(Gfp.gfpZone(Gfp.GFP_HIGHUSER)).isEqualTo(ZONE_NORMAL);
        assertThat(Gfp.gfpZone(Gfp.GFP_KERNEL | Gfp.__GFP_DMA32)).isEqualTo(ZONE_DMA32);
        // gfp_types.h bit values: GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS = 0xcc0
        assertThat(Gfp.GFP_KERNEL).isEqualTo(0xcc0);
        assertThat(Gfp.GFP_TRANSHUGE_LIGHT & Gfp.__GFP_RECLAIM).isZero();
    }

    // ---- watermarks, reserves, pcp sizes ----

    /**
     * mm/page_alloc.c on the default 16 GiB machine (DMA 4095, DMA32 1044479, Normal 3145728
     * managed pages): calculate_min_free_kbytes gives int_sqrt(16777208 * 16) = 16383, then
     * khugepaged's set_recommended_min_free_kbytes raises it to 512 * 3 * (2 + 9) pages =
     * 67584 kB (the reference box, also THP madvise and 3 zones, shows 67584 too).
     * __setup_per_zone_wmarks: min = 16896 * managed / 4194302; tmp = max(min / 4,
     * managed * 10 / 10000); low = min + tmp; high = low + tmp. zone_batchsize:
     * min(managed >> 10, 256) / 4 = 64 -> rounddown_pow_of_two(96) - 1 = 63 (the box's
     * batch too); zone_highsize: low / 2 CPUs, and managed / 8 / 2.
     * setup_per_zone_lowmem_reserve: DMA keeps DMA32 / 256 and (DMA32 + Normal) / 256.
     */
    @Test
    void boot_16GiB_watermarksReservesAndPcpSizes() {
        PhysMem mem = new PhysMem(16 * GIB, 1, 2, 0, 0, 0);
        Zone dma = mem.zone(0, ZONE_DMA);
        Zone dma32 = mem.zone(0, ZONE_DMA32);
        Zone normal = mem.zone(0, ZONE_NORMAL);

        assertThat(mem.minFreeKbytes()).isEqualTo(67584);
        assertThat(new long[] {dma.minWmarkPages(), dma.lowWmarkPages(), dma.highWmarkPages()}).containsExactly(16, 20, 24);
        assertThat(new long[] {dma32.minWmarkPages(), dma32.lowWmarkPages(), dma32.highWmarkPages()})
                .containsExactly(4207, 5258, 6309);
        assertThat(new long[] {normal.minWmarkPages(), normal.lowWmarkPages(), normal.highWmarkPages()})
                .containsExactly(12672, 15840, 19008);
        assertThat(dma.lowmemReserve(ZONE_DMA32)).isEqualTo(1044479 / 256);
        assertThat(dma.lowmemReserve(ZONE_NORMAL)).isEqualTo((1044479 + 3145728) / 256);
        assertThat(dma32.lowmemReserve(ZONE_NORMAL)).isEqualTo(3145728 / 256);
        assertThat(normal.lowmemReserve(ZONE_MOVABLE)).isZero();
        assertThat(dma.pcp(1).batch()).isEqualTo(1);
        assertThat(dma32.pcp(0).batch()).isEqualTo(63);
        assertThat(normal.pcp(1).highMin()).isEqualTo(15840 / 2);
        assertThat(normal.pcp(1).highMax()).isEqualTo(3145728 / 8 / 2);
        assertThat(dma.pcp(0).highMin()).isEqualTo(Math.max(20 / 2, 4)); // max(high, batch << 2)
        mem.checkInvariants();
    }

    /** THP never: khugepaged does not start, min_free_kbytes stays calculate_min_free_kbytes' 16383. */
    @Test
    void boot_16GiB_thpNever_keepsCalculatedMinFreeKbytes() {
        PhysMem mem = new PhysMem(16 * GIB, 1, 2, 0, 0, 0, false);

        assertThat(mem.minFreeKbytes()).isEqualTo(16383);
        // __setup_per_zone_wmarks with 4095 pages: Normal min = 4095 * 3145728 / 4194302
        assertThat(mem.zone(0, ZONE_NORMAL).minWmarkPages()).isEqualTo(4095L * 3145728 / 4194302);
    }

    @Test
    void zoneinfo_printsTheKernelsZoneLines() {
        PhysMem mem = new PhysMem(16 * GIB, 1, 2, 0, 0, 0);

        String zi = new FragViews(mem).zoneinfo();

        assertThat(zi).startsWith("Node 0, zone      DMA\n  pages free     4095\n        boost    0\n"
                + "        min      16\n        low      20\n        high     24\n        promo    28\n"
                + "        spanned  4096\n        present  4096\n        managed  4095\n        cma      0\n"
                + "        protection: (0, 4079, 16367, 16367, 16367)\n      nr_free_pages 4095\n");
        assertThat(zi).contains("\n  pagesets\n    cpu: 0\n              count:    0\n              high:     0\n"
                + "              batch:    1\n              high_min: 10\n              high_max: 255\n    cpu: 1\n");
        assertThat(zi).contains("Node 0, zone  Movable\n  pages free     0\n");
        assertThat(zi).endsWith("        protection: (0, 0, 0, 0, 0)\n");
    }

    // ---- claiming and stealing ----

    /**
     * mm/page_alloc.c: __rmqueue_claim scans from MAX_PAGE_ORDER down; on a fresh machine the
     * first fallback block is an order-10 MOVABLE one, and try_to_claim_block takes
     * ownership for current_order >= pageblock_order: change_pageblock_range retypes both of
     * its pageblocks UNMOVABLE. DMA32's first whole order-10 block is 5120 (4096 holds the
     * zero page), and boot freed the blocks to the list tail in pfn order.
     */
    @Test
    void unmovableAlloc_freshMachine_claimsAWholeOrder10Block() {
        PhysMem mem = new PhysMem(64 * MIB, 1);

        int pfn = mem.allocPages(0, 0, Gfp.GFP_KERNEL);

        assertThat(pfn).isEqualTo(5120);
        FragViews v = new FragViews(mem);
        Zone dma32 = mem.zone(0, ZONE_DMA32);
        assertThat(v.blockCount(dma32)[MIGRATE_UNMOVABLE]).isEqualTo(2);
        assertThat(mem.frames().pageblockMigratetype(5120 + 512)).isEqualTo(MIGRATE_UNMOVABLE);
        assertThat(dma32.buddy().extfragClaims()).isEqualTo(1);
        assertThat(dma32.buddy().extfragSteals()).isZero();
        mem.checkInvariants();
    }

    /**
     * try_to_claim_block for an UNMOVABLE request in a MOVABLE block: alike = 512 - free -
     * movable (PageLRU pages count as movable). 100 free + 0 alike < 256: no claim; the
     * request then steals (__rmqueue_steal) and the block stays MOVABLE. boost_watermark
     * raised the boost by a pageblock per failed claim attempt and set ZONE_BOOSTED_WATERMARK;
     * rmqueue then woke kswapd (GFP_KERNEL has __GFP_KSWAPD_RECLAIM), whose balance_pgdat
     * takes the boost back off.
     */
    @Test
    void unmovableFallback_lessThanHalfFreeOrAlike_stealsAndKeepsTheBlockMovable() {
        Filled f = fillThenFree(100, true);

        int pfn = f.mem.allocPages(0, 0, Gfp.GFP_KERNEL);

        assertThat(pfn).isBetween(f.block, f.block + PAGEBLOCK_NR_PAGES - 1);
        assertThat(f.mem.frames().pageblockMigratetype(f.block)).isEqualTo(MIGRATE_MOVABLE);
        assertThat(f.zone.buddy().extfragSteals()).isPositive();
        assertThat(f.zone.buddy().extfragClaims()).isZero();
        assertThat(f.zone.boostEvents()).isPositive();
        assertThat(f.zone.kswapdBoostWakeups()).isEqualTo(1);
        assertThat(f.zone.watermarkBoost()).isZero();
        assertThat(f.zone.boostedWatermark()).isFalse();
        f.mem.checkInvariants();
    }

    /** The same with 300 free pages: 300 >= 1 << (pageblock_order - 1) = 256, the block is claimed. */
    @Test
    void unmovableFallback_halfFree_claimsTheBlock() {
        Filled f = fillThenFree(300, true);

        int pfn = f.mem.allocPages(0, 0, Gfp.GFP_KERNEL);

        assertThat(pfn).isBetween(f.block, f.block + PAGEBLOCK_NR_PAGES - 1);
        assertThat(f.mem.frames().pageblockMigratetype(f.block)).isEqualTo(MIGRATE_UNMOVABLE);
        assertThat(f.zone.buddy().extfragClaims()).isEqualTo(1);
        f.mem.checkInvariants();
    }

    /** 100 free and 412 pages not on an LRU (alike for an unmovable request): 512 >= 256, claimed. */
    @Test
    void unmovableFallback_fewFreeButUnmovableNeighbours_claimsTheBlock() {
        Filled f = fillThenFree(100, false);

        f.mem.allocPages(0, 0, Gfp.GFP_KERNEL);

        assertThat(f.mem.frames().pageblockMigratetype(f.block)).isEqualTo(MIGRATE_UNMOVABLE);
    }

    /**
     * mm/page_alloc.c: should_try_claim_block: orders >= pageblock_order / 2 always try; below,
     * only unmovable and reclaimable requests do (small movable requests steal).
     */
    @Test
    void shouldTryClaimBlock_followsTheKernel() {
        assertThat(BuddyAllocator.shouldTryClaimBlock(0, MIGRATE_MOVABLE)).isFalse();
        assertThat(BuddyAllocator.shouldTryClaimBlock(3, MIGRATE_MOVABLE)).isFalse();
        assertThat(BuddyAllocator.shouldTryClaimBlock(4, MIGRATE_MOVABLE)).isTrue();
        assertThat(BuddyAllocator.shouldTryClaimBlock(0, MIGRATE_UNMOVABLE)).isTrue();
        assertThat(BuddyAllocator.shouldTryClaimBlock(0, MIGRATE_RECLAIMABLE)).isTrue();
    }

    /** A 64 MiB machine whose memory is all allocated movable, then {@code free} pages of one pageblock freed. */
    private record Filled(PhysMem mem, Zone zone, int block) {
    }

    private static Filled fillThenFree(int free, boolean othersOnLru) {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        List<Integer> all = new ArrayList<>();
        for (int pfn = mem.allocPage(0); pfn != NO_FRAME; pfn = mem.allocPage(0)) {
            all.add(pfn);
            if (othersOnLru) {
                mem.frames().setFlag(pfn, PG_lru);
            }
        }
        int block = 8192; // a MOVABLE pageblock of DMA32, wholly allocated now
        assertThat(mem.frames().pageblockMigratetype(block)).isEqualTo(MIGRATE_MOVABLE);
        for (int pfn = block; pfn < block + free; pfn++) {
            mem.frames().clearFlag(pfn, PG_lru);
            mem.freePage(pfn);
        }
        mem.drainAllPages(null);
        assertThat(mem.freePagesCount()).isEqualTo(free);
        return new Filled(mem, mem.zone(0, ZONE_DMA32), block);
    }

    // ---- merging, CMA, ZONE_MOVABLE ----

    /**
     * mm/page_alloc.c: __free_one_page: from pageblock_order up, a buddy in a pageblock of
     * another type merges only if both are migratetype_is_mergeable (< MIGRATE_PCPTYPES): a
     * free CMA pageblock and a free MOVABLE one next to it stay two order-9 blocks.
     */
    @Test
    void freeOnePage_cmaNextToMovable_doesNotMergeAtPageblockOrder() {
        PhysMem mem = new PhysMem(64 * MIB, 1, 1, 0, 0, 2 * MIB); // CMA: the top pageblock, 15872
        mem.drainAllPages(null);

        assertThat(mem.cmaBasePfn()).isEqualTo(15872);
        FrameTable f = mem.frames();
        assertThat(f.pageblockMigratetype(15872)).isEqualTo(MIGRATE_CMA);
        assertThat(f.isBuddy(15872) && f.buddyOrder(15872) == 9).isTrue();
        assertThat(f.isBuddy(15360) && f.buddyOrder(15360) == 9).isTrue();
        assertThat(mem.zone(0, ZONE_DMA32).cmaPages()).isEqualTo(512);
        mem.checkInvariants();
    }

    /**
     * GFP_USER (what FOLL_LONGTERM migrates pins to) has no __GFP_MOVABLE: gfp_zone stops at
     * Normal and gfp_to_alloc_flags_cma gives no ALLOC_CMA, so none of its pages comes from
     * ZONE_MOVABLE or a CMA pageblock; GFP_HIGHUSER_MOVABLE may use both.
     */
    @Test
    void gfpUser_neverTakesMovableZoneOrCma_movableDoes() {
        PhysMem mem = new PhysMem(64 * MIB, 1, 1, 0, 50, 4 * MIB);
        assertThat(mem.zone(0, ZONE_MOVABLE).populated()).isTrue();
        boolean movableZoneUsed = false;
        for (int pfn = mem.allocPages(0, 0, Gfp.GFP_USER); pfn != NO_FRAME; pfn = mem.allocPages(0, 0, Gfp.GFP_USER)) {
            assertThat(mem.zoneOf(pfn).zoneIdx()).isNotEqualTo(ZONE_MOVABLE);
            assertThat(mem.frames().pageblockMigratetype(pfn)).isNotEqualTo(MIGRATE_CMA);
        }
        for (int pfn = mem.allocPage(0); pfn != NO_FRAME; pfn = mem.allocPage(0)) {
            movableZoneUsed |= mem.zoneOf(pfn).zoneIdx() == ZONE_MOVABLE;
        }
        assertThat(movableZoneUsed).isTrue();
        assertThat(mem.freePagesCount() + mem.pcpPagesCount()).isZero();
        mem.checkInvariants();
    }

    /**
     * mm/mm_init.c: find_zone_movable_pfns_for_nodes with movablecore=25% of 64 MiB: required
     * movablecore 4096 pages, kernelcore 12288; usable_startpfn is DMA32's start (4096, the
     * highest zone below 4 GiB), so node 0's ZONE_MOVABLE starts at 4096 + 8192 = 12288.
     */
    @Test
    void movablecore_25percent_placesZoneMovableAtTheTop() {
        PhysMem mem = new PhysMem(64 * MIB, 1, 1, 0, 25, 0);

        assertThat(mem.zone(0, ZONE_MOVABLE).zoneStartPfn()).isEqualTo(12288);
        assertThat(mem.zone(0, ZONE_MOVABLE).spannedPages()).isEqualTo(4096);
        assertThat(mem.zone(0, ZONE_DMA32).zoneEndPfn()).isEqualTo(12288);
        assertThat(mem.zoneOf(12288).zoneIdx()).isEqualTo(ZONE_MOVABLE);
        mem.checkInvariants();
    }

    /** gfp_zonelist: __GFP_THISNODE walks ZONELIST_NOFALLBACK, the node's own zones only. */
    @Test
    void allocPagesThisNode_neverFallsBackToAnotherNode() {
        PhysMem mem = new PhysMem(64 * MIB, 2);
        int pfn;
        while ((pfn = mem.allocPagesThisNode(10, 1)) != NO_FRAME) {
            assertThat(mem.nidOf(pfn)).isEqualTo(1); // take node 1's blocks of order 10
        }
        // __alloc_pages_slowpath: a costly order without __GFP_RETRY_MAYFAIL fails once the
        // min watermark refuses it (no OOM-killer stand-in for it): at most the reserve is left
        Zone n1 = mem.zone(1, ZONE_DMA32);
        assertThat(n1.freePages()).isLessThanOrEqualTo(n1.minWmarkPages() + 1024);
        assertThat(mem.nidOf(mem.allocPages(10, 1))).isZero(); // without the flag: node 0
        mem.checkInvariants();
    }

    /**
     * mm/page_alloc.c: free_frozen_page_commit puts a freed page on the running CPU's list
     * (this_cpu_ptr(zone->per_cpu_pageset)); drain_local_pages empties only that CPU's
     * lists, drain_all_pages every CPU's.
     */
    @Test
    void pcp_freesGoToTheRunningCpusLists_drainLocalOnlyEmptiesThatCpu() {
        PhysMem mem = new PhysMem(64 * MIB, 1, 2, 0, 0, 0);
        Zone dma32 = mem.zone(0, ZONE_DMA32);
        mem.setCpu(1);
        int a = mem.allocPage(0);
        mem.setCpu(0);
        int b = mem.allocPage(0);
        mem.setCpu(1);
        mem.freePage(a);
        mem.setCpu(0);
        mem.freePage(b);
        assertThat(dma32.pcp(1).first(PerCpuPages.orderToPindex(MIGRATE_MOVABLE, 0))).isEqualTo(a);
        assertThat(dma32.pcp(0).first(PerCpuPages.orderToPindex(MIGRATE_MOVABLE, 0))).isEqualTo(b);

        mem.drainLocalPages(); // CPU 0
        assertThat(dma32.pcp(0).count()).isZero();
        assertThat(dma32.pcp(1).count()).isPositive();
        mem.drainAllPages(null);
        assertThat(mem.pcpPagesCount()).isZero();
        mem.checkInvariants();
    }

    /** free_frozen_pages of an order-9 folio: pcp_allowed_order(9), so it waits on the THP pcp list. */
    @Test
    void freeUnrefFolio_order9_goesToTheThpPcpList() {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        int head = mem.allocPages(9, 0);
        for (int p = head; p < head + 512; p++) {
            mem.frames().setRefcount(p, 0); // folio_put dropped every count
        }

        mem.freeUnrefFolio(head, 9);

        assertThat(mem.zone(0, ZONE_DMA32).pcp(0).first(PerCpuPages.orderToPindex(MIGRATE_MOVABLE, 9))).isEqualTo(head);
        assertThat(mem.pcpPagesCount()).isGreaterThanOrEqualTo(512);
        mem.checkInvariants();
    }

    // ---- fragmentation views ----

    /**
     * mm/vmstat.c: with every free page in one order-0 block per pageblock, an order-9 request
     * would fail: __fragmentation_index = 1000 - (1000 + free * 1000 / 512) / blocks;
     * unusable_free_index(9) = (free - 0) * 1000 / free = 1000.
     */
    @Test
    void fragmentationIndexes_scatteredSinglePages() {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        List<Integer> all = new ArrayList<>();
        for (int pfn = mem.allocPage(0); pfn != NO_FRAME; pfn = mem.allocPage(0)) {
            all.add(pfn);
        }
        int freed = 0;
        for (int pfn : all) {
            if (mem.zoneOf(pfn).zoneIdx() == ZONE_DMA32 && (pfn & 511) == 7) {
                mem.freePage(pfn);
                freed++;
            }
        }
        mem.drainAllPages(null);
        Zone dma32 = mem.zone(0, ZONE_DMA32);
        assertThat(dma32.freePages()).isEqualTo(freed);

        assertThat(FragViews.fragmentationIndex(dma32, 9)).isEqualTo(1000 - (1000 + freed * 1000 / 512) / freed);
        assertThat(FragViews.unusableFreeIndex(dma32, 9)).isEqualTo(1000);
        assertThat(FragViews.unusableFreeIndex(dma32, 0)).isZero();
        assertThat(FragViews.fragmentationIndex(dma32, 0)).isEqualTo(-1000);
        assertThat(FragViews.fragmentationScoreZone(dma32)).isEqualTo(100);
        assertThat(new FragViews(mem).extfragIndex()).contains("Node 0, zone    DMA32 -1.000 ");
    }

    /**
     * A perfect compaction: pageblocks whose pages are all free or on an LRU and unpinned;
     * no more than free memory fills. Pinning one page (GUP_PIN_COUNTING_BIAS) of a block
     * takes that block out.
     */
    @Test
    void order9AfterCompaction_countsCleanBlocksBoundedByFreeMemory() {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        FragViews v = new FragViews(mem);
        Zone dma32 = mem.zone(0, ZONE_DMA32);
        long cleanAtBoot = v.cleanPageblocks(dma32, true);
        assertThat(cleanAtBoot).isEqualTo(12288 / 512 - 1); // the zero page's block (4096) is not clean

        int pfn = mem.allocPages(9, 0); // a whole pageblock, not the zero page's
        assertThat(pfn & 511).isZero();
        assertThat(v.cleanPageblocks(dma32, true)).isEqualTo(cleanAtBoot - 1); // not on an LRU: unmovable
        for (int p = pfn; p < pfn + 512; p++) {
            mem.frames().setFlag(p, PG_lru);
        }
        assertThat(v.cleanPageblocks(dma32, true)).isEqualTo(cleanAtBoot);
        mem.frames().setFlag(pfn + 3, FrameTable.PG_unevictable);
        assertThat(v.cleanPageblocks(dma32, false)).isEqualTo(cleanAtBoot - 1); // compact_unevictable_allowed=0
        assertThat(v.cleanPageblocks(dma32, true)).isEqualTo(cleanAtBoot);
        mem.frames().refAdd(pfn, FragViews.GUP_PIN_COUNTING_BIAS);
        assertThat(v.cleanPageblocks(dma32, true)).isEqualTo(cleanAtBoot - 1);
        assertThat(v.order9AfterCompaction(dma32, true)).isEqualTo(Math.min(cleanAtBoot - 1,
                (dma32.freePages() + dma32.pcpPages()) / 512));
    }
}
