package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.Zone.ZONE_DMA;
import static org.pinsim.core.mem.Zone.ZONE_DMA32;

import org.junit.jupiter.api.Test;

class PhysMemAllocTest {

    private static final long MIB = 1L << 20;

    private static final String NODE0_BOOT =
            "Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 \n"
          + "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1      3 \n";
    private static final String NODE1_BOOT =
            "Node 1, zone    DMA32      0      0      0      0      0      0      0      0      0      0      8 \n";
    private static final String NODE1_SPLIT =
            "Node 1, zone    DMA32      1      1      1      1      1      1      1      1      1      1      7 \n";

    /** 64 MiB on two nodes: node 1 is one DMA32 zone of eight order-10 blocks at pfn 8192. */
    private static PhysMem twoNodes() {
        return new PhysMem(64 * MIB, 2);
    }

    @Test
    void allocPage_fromWholeBlocks_splitsIntoEveryLowerOrder() {
        PhysMem mem = twoNodes();
        assertThat(mem.buddyinfo()).isEqualTo(NODE0_BOOT + NODE1_BOOT);

        int pfn = mem.allocPage(1);

        assertThat(pfn).isEqualTo(8192);
        assertThat(mem.buddyinfo()).isEqualTo(NODE0_BOOT + NODE1_SPLIT);
        assertThat(mem.frames().refcount(pfn)).isEqualTo(1);
        assertThat(mem.frames().isBuddy(8193)).isTrue();
        assertThat(mem.frames().buddyOrder(8192 + 512)).isEqualTo(9);
        mem.checkInvariants();
    }

    @Test
    void freePages_buddyFree_coalescesToHigherOrder() {
        PhysMem mem = twoNodes();
        int pfn = mem.allocPage(1);

        mem.freePage(pfn);
        // free_frozen_page_commit: the page waits on the pcp list and blocks the merge
        assertThat(mem.buddyinfo()).isEqualTo(NODE0_BOOT + NODE1_SPLIT);
        mem.drainAllPages(null);

        assertThat(mem.buddyinfo()).isEqualTo(NODE0_BOOT + NODE1_BOOT);
        assertThat(mem.frames().buddyOrder(8192)).isEqualTo(10);
        mem.checkInvariants();
    }

    @Test
    void allocPages_expandPutsUpperHalvesBack_lowerHalfIsReturned() {
        PhysMem mem = twoNodes();

        int a = mem.allocPages(3, 1);
        int b = mem.allocPages(3, 1);

        assertThat(a).isEqualTo(8192);
        assertThat(b).isEqualTo(8200); // the order-3 upper half expand() left
        assertThat(mem.zone(1, ZONE_DMA32).nrFree(3)).isZero();
        assertThat(mem.zone(1, ZONE_DMA32).nrFree(4)).isEqualTo(1);
        mem.freePages(a, 3);
        mem.freePages(b, 3);
        mem.drainAllPages(null); // order-3 frees wait on the pcp list too (pcp_allowed_order)
        assertThat(mem.buddyinfo()).isEqualTo(NODE0_BOOT + NODE1_BOOT);
    }

    @Test
    void freePages_buddyInUse_staysAtItsOrder() {
        PhysMem mem = twoNodes();
        int a = mem.allocPage(1);
        int b = mem.allocPage(1);
        assertThat(b).isEqualTo(a + 1);

        mem.freePage(a);
        assertThat(mem.frames().testFlag(a, FrameTable.PG_pcp)).isTrue();
        mem.drainAllPages(null); // a and the pages rmqueue_bulk took ahead go back to the buddy

        assertThat(mem.zone(1, ZONE_DMA32).nrFree(0)).isEqualTo(1);
        assertThat(mem.zone(1, ZONE_DMA32).buddy().firstFree(0)).isEqualTo(a);
        mem.checkInvariants();
    }

    @Test
    void freeOnePage_parentsBuddyFree_goesToListTail() {
        PhysMem mem = twoNodes();
        BuddyAllocator buddy = mem.zone(1, ZONE_DMA32).buddy();
        int mt = FrameTable.MIGRATE_MOVABLE;
        for (int i = 0; i < 8; i++) { // the buddy itself, below the pcp lists
            assertThat(buddy.rmqueueSmallest(0, mt)).isEqualTo(8192 + i);
        }
        buddy.freeOnePage(8199, 0, mt, BuddyAllocator.FPI_NONE); // buddy 8198 busy, parent's buddy 8196 busy: head
        buddy.freeOnePage(8194, 0, mt, BuddyAllocator.FPI_NONE);
        buddy.freeOnePage(8195, 0, mt, BuddyAllocator.FPI_NONE); // merges with 8194 into an order-1 block

        buddy.freeOnePage(8192, 0, mt, BuddyAllocator.FPI_NONE); // buddy 8193 busy, parent's buddy 8194 free: tail

        assertThat(buddy.firstFree(0)).isEqualTo(8199);
        assertThat(buddy.nextFree(8199)).isEqualTo(8192);
        // (no checkInvariants: the frames were taken from the buddy directly, without prep_new_page)

    }

    /**
     * get_page_from_freelist: the fast path takes a zone only while zone_watermark_fast holds at
     * the low mark (plus lowmem_reserve for the request's highest zone), so DMA32 keeps its
     * reserve and the allocation moves on to DMA while DMA32 still has free pages; DMA's own
     * protection against a movable request is lowmem_reserve[ZONE_MOVABLE] = 12287 / 256 = 47
     * pages (setup_per_zone_lowmem_reserve: DMA32's managed pages over DMA's ratio 256).
     */
    @Test
    void allocPage_preferredZoneBelowLowWatermark_fallsBackToDma() {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        Zone dma32 = mem.zone(0, ZONE_DMA32);
        Zone dma = mem.zone(0, ZONE_DMA);
        assertThat(dma.lowmemReserve(Zone.ZONE_MOVABLE)).isEqualTo(12287 / 256);
        long dma32FreeAtFallback = -1;
        for (int i = 0; i < 20000 && dma32FreeAtFallback < 0; i++) {
            long before = dma32.freePages();
            int pfn = mem.allocPage(0);
            if (mem.zoneOf(pfn).zoneIdx() == ZONE_DMA) {
                dma32FreeAtFallback = before;
            }
        }

        // the first DMA page came while DMA32 sat at or below its low watermark, not at zero
        assertThat(dma32FreeAtFallback).isPositive().isLessThanOrEqualTo(dma32.lowWmarkPages() + 1);
        mem.checkInvariants();
    }

    /**
     * A high-order request checks __zone_watermark_ok at the low mark: free pages minus
     * (2^order - 1) must stay above it. Node 1's DMA32 zone (8192 pages) has a low mark of a
     * few hundred pages, so its last order-10 block is not given away while the remote node
     * has memory: the eighth request goes to node 0.
     */
    @Test
    void allocPages_preferredNodeAtWatermark_fallsBackToOtherNode() {
        PhysMem mem = twoNodes();
        Zone node1 = mem.zone(1, ZONE_DMA32);
        assertThat(node1.lowWmarkPages()).isBetween(2L, 1024L);
        for (int i = 0; i < 7; i++) {
            assertThat(mem.nidOf(mem.allocPages(10, 1))).isEqualTo(1);
        }

        int pfn = mem.allocPages(10, 1);

        assertThat(mem.nidOf(pfn)).isZero();
        assertThat(mem.zoneOf(pfn).zoneIdx()).isEqualTo(ZONE_DMA32);
        assertThat(mem.nodeFreePages(1)).isEqualTo(1024);
    }

    @Test
    void allocPage_allMemoryTaken_returnsNoFrame() {
        PhysMem mem = new PhysMem(8 * MIB, 1);
        long total = mem.totalPages();
        for (long i = 0; i < total; i++) {
            assertThat(mem.allocPage(0)).isNotEqualTo(NO_FRAME);
        }

        assertThat(mem.allocPage(0)).isEqualTo(NO_FRAME);
        assertThat(mem.freePagesCount()).isZero();
        mem.checkInvariants();
    }

    @Test
    void allocPages_noBlockLargeEnough_returnsNoFrameThoughPagesAreFree() {
        PhysMem mem = new PhysMem(8 * MIB, 1); // one order-10 block at 1024

        assertThat(mem.allocPages(10, 0)).isEqualTo(1024);
        assertThat(mem.allocPages(10, 0)).isEqualTo(NO_FRAME);
        assertThat(mem.freePagesCount()).isEqualTo(2048 - 2 - 1024);
    }

    @Test
    void freePage_twice_isBadPageState() {
        PhysMem mem = twoNodes();
        int pfn = mem.allocPage(0);
        mem.allocPage(0); // keep the buddy busy so pfn stays a PG_buddy head
        mem.freePage(pfn);

        assertThatThrownBy(() -> mem.freePage(pfn)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Bad page state");
    }

    @Test
    void freePage_mappedOrStillReferenced_isBadPageState() {
        PhysMem mem = twoNodes();
        int mapped = mem.allocPage(0);
        int pinned = mem.allocPage(0);
        mem.frames().mapcountInc(mapped);
        mem.frames().refAdd(pinned, 1024);

        assertThatThrownBy(() -> mem.freePage(mapped)).hasMessageContaining("nonzero mapcount");
        assertThatThrownBy(() -> mem.freePage(pinned)).hasMessageContaining("_refcount");
    }

    @Test
    void freePage_zeroPage_isRefused() {
        PhysMem mem = new PhysMem(64 * MIB, 1);

        assertThatThrownBy(() -> mem.freePage(mem.zeroPfn())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PAGE_FLAGS_CHECK_AT_FREE");
    }

    @Test
    void freePages_misalignedOrOutOfRange_isRejected() {
        PhysMem mem = new PhysMem(64 * MIB, 1);

        assertThatThrownBy(() -> mem.freePages(8193, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mem.freePage(1 << 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mem.allocPages(11, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void freeUnrefPage_afterLastPut_returnsPageToBuddy() {
        PhysMem mem = twoNodes();
        int pfn = mem.allocPage(1);
        mem.frames().setFlag(pfn, FrameTable.PG_anon);

        assertThat(mem.frames().refDec(pfn)).isZero();
        mem.freeUnrefPage(pfn);
        mem.drainAllPages(null);

        assertThat(mem.buddyinfo()).isEqualTo(NODE0_BOOT + NODE1_BOOT);
        mem.checkInvariants();
    }

    @Test
    void freePage_clearsFlagsAndOwner() {
        PhysMem mem = twoNodes();
        int pfn = mem.allocPage(1);
        mem.allocPage(1);
        mem.frames().setFlag(pfn, FrameTable.PG_dirty);
        mem.frames().setOwner(pfn, 42);

        mem.freePage(pfn);

        assertThat(mem.frames().flags(pfn)).isEqualTo(1 << FrameTable.PG_pcp); // on the pcp list, order 0
        assertThat(mem.frames().owner(pfn)).isEqualTo(FrameTable.NO_OWNER);
    }
}
