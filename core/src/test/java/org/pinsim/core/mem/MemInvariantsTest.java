package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.mem.Zone.ZONE_DMA32;

import org.junit.jupiter.api.Test;

class MemInvariantsTest {

    private static final long MIB = 1L << 20;

    private static final int MOVABLE = FrameTable.MIGRATE_MOVABLE;

    /** 64 MiB on two nodes, with one page allocated on node 1 (pfn 8192; its batch-mates wait on the pcp list). */
    private static PhysMem withOnePage() {
        PhysMem mem = new PhysMem(64 * MIB, 2);
        assertThat(mem.allocPage(1)).isEqualTo(8192);
        return mem;
    }

    @Test
    void checkInvariants_consistentState_passes() {
        assertThatCode(() -> withOnePage().checkInvariants()).doesNotThrowAnyException();
    }

    @Test
    void checkInvariants_inUseFrameWithZeroRefcount_fails() {
        PhysMem mem = withOnePage();
        mem.frames().setRefcount(8192, 0);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("neither free in a buddy block or on a pcp list, in use (refcount > 0), nor reserved")
                .hasMessageContaining("pfn 8192");
    }

    @Test
    void checkInvariants_nrFreeOff_fails() {
        PhysMem mem = withOnePage();
        long nrFree = mem.zone(1, ZONE_DMA32).buddy().nrFree[4]++;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("order 4: nr_free " + (nrFree + 1) + ", on lists " + nrFree);
    }

    @Test
    void checkInvariants_nrFreePagesOff_fails() {
        PhysMem mem = withOnePage();
        mem.zone(1, ZONE_DMA32).buddy().nrFreePages--;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("NR_FREE_PAGES");
    }

    @Test
    void checkInvariants_brokenPrevLink_fails() {
        PhysMem mem = withOnePage();
        int second = mem.zone(1, ZONE_DMA32).buddy().nextFree(mem.zone(1, ZONE_DMA32).buddy().firstFree(10));
        mem.frames().setLruPrev(second, 12345);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("free list link broken");
    }

    @Test
    void checkInvariants_freeListCycle_fails() {
        PhysMem mem = withOnePage();
        BuddyAllocator buddy = mem.zone(1, ZONE_DMA32).buddy();
        int first = buddy.firstFree(10);
        mem.frames().setLruNext(buddy.freeTail[10 * FrameTable.MIGRATE_TYPES + MOVABLE], first);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("free list");
    }

    @Test
    void checkInvariants_mappedFrameInsideFreeBlock_fails() {
        PhysMem mem = withOnePage();
        int block = mem.zone(1, ZONE_DMA32).buddy().firstFree(9);
        mem.frames().setMapcount(block + 7, 1); // inside an order-9 free block

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("inside a free block is mapped");
    }

    @Test
    void checkInvariants_pageblockBitsOutsideABlocksFirstFrame_fail() {
        PhysMem mem = withOnePage();
        mem.frames().flags[8192 + 5] |= FrameTable.MIGRATE_UNMOVABLE + 1 << FrameTable.PB_SHIFT;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("pageblock bits in the flags of a frame that does not start a pageblock");
    }

    @Test
    void checkInvariants_pageblockTypeIsolateInTheTypeField_fails() {
        PhysMem mem = withOnePage();
        FrameTable f = mem.frames();
        f.flags[8192] = f.flags[8192] & ~FrameTable.PB_BITS | FrameTable.MIGRATE_ISOLATE << FrameTable.PB_SHIFT;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("pageblock migratetype field holds 5");
    }

    @Test
    void checkInvariants_buddyHeadMisaligned_fails() {
        PhysMem mem = withOnePage();
        mem.frames().flags[8192] = 1 << FrameTable.PG_buddy | 3 << FrameTable.ORDER_SHIFT;
        mem.frames().setRefcount(8192, 0);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("free block");
    }

    @Test
    void checkInvariants_freeBlockTailWithFlags_fails() {
        PhysMem mem = withOnePage();
        mem.frames().setFlag(8192 + 1024 + 3, FrameTable.PG_dirty); // inside an order-10 free block

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("inside a free block has flags");
    }

    @Test
    void checkInvariants_unmergedBuddies_fails() {
        PhysMem mem = new PhysMem(64 * MIB, 2);
        int a = mem.allocPage(1);
        int b = mem.allocPage(1);
        assertThat(b).isEqualTo(a + 1);
        mem.freePage(a);
        mem.drainAllPages(null); // a and the batch's other pages go back to the buddy
        // Put b on the free list behind the allocator's back, as a buggy free without merging would.
        FrameTable f = mem.frames();
        f.setRefcount(b, 0);
        f.flags[b] = 1 << FrameTable.PG_buddy;
        BuddyAllocator buddy = mem.zone(1, ZONE_DMA32).buddy();
        int list = f.pageblockMigratetype(b);
        f.setLruNext(b, buddy.freeHead[list]);
        f.setLruPrev(buddy.freeHead[list], b);
        buddy.freeHead[list] = b;
        buddy.nrFree[0]++;
        buddy.nrFreePages++;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("missed merge");
    }

    @Test
    void checkInvariants_pcpCountOff_fails() {
        PhysMem mem = withOnePage();
        mem.zone(1, ZONE_DMA32).pcp(0).count++;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("pcp->count");
    }

    @Test
    void checkInvariants_pcpPageReferenced_fails() {
        PhysMem mem = withOnePage();
        mem.freePage(8192); // free_frozen_page_commit: to the head of CPU 0's movable order-0 list
        int onPcp = mem.zone(1, ZONE_DMA32).pcp(0).first(PerCpuPages.orderToPindex(MOVABLE, 0));
        assertThat(onPcp).isEqualTo(8192);
        mem.frames().setRefcount(onPcp, 1);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("inside a free block has refcount");
    }

    @Test
    void checkInvariants_freeBlockOnWrongMigratetypeList_fails() {
        PhysMem mem = withOnePage();
        int block = mem.zone(1, ZONE_DMA32).buddy().firstFree(10);
        mem.frames().setPageblockMigratetype(block, FrameTable.MIGRATE_RECLAIMABLE);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("on the Movable free list but its pageblock is Reclaimable");
    }
}
