package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.mem.Zone.ZONE_DMA32;

import org.junit.jupiter.api.Test;

class MemInvariantsTest {

    private static final long MIB = 1L << 20;

    /** 64 MiB on two nodes, with one page allocated on node 1 (pfn 8192). */
    private static PhysMem withOnePage() {
        PhysMem mem = new PhysMem(64 * MIB, 2);
        mem.allocPage(1);
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
                .hasMessageContaining("neither free in a buddy block, in use (refcount > 0), nor reserved")
                .hasMessageContaining("pfn 8192");
    }

    @Test
    void checkInvariants_nrFreeOff_fails() {
        PhysMem mem = withOnePage();
        mem.zone(1, ZONE_DMA32).buddy().nrFree[4]++;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("order 4: nr_free 2, on list 1");
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
        mem.frames().setLruNext(buddy.freeTail[10], first);

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("free list");
    }

    @Test
    void checkInvariants_mappedFrameInsideFreeBlock_fails() {
        PhysMem mem = withOnePage();
        mem.frames().setMapcount(8192 + 512 + 7, 1); // inside the order-9 free block at 8704

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("inside a free block is mapped");
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
        mem.freePage(a);
        // Put b on the free list behind the allocator's back, as a buggy free without merging would.
        FrameTable f = mem.frames();
        f.setRefcount(b, 0);
        f.flags[b] = 1 << FrameTable.PG_buddy;
        BuddyAllocator buddy = mem.zone(1, ZONE_DMA32).buddy();
        f.setLruNext(b, buddy.freeHead[0]);
        f.setLruPrev(buddy.freeHead[0], b);
        buddy.freeHead[0] = b;
        buddy.nrFree[0]++;
        buddy.nrFreePages++;

        assertThatThrownBy(mem::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("missed merge");
    }
}
