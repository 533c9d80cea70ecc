package org.pinsim.core.vmscan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PG_active;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;
import static org.pinsim.core.vmscan.Lru.LRU_ACTIVE_ANON;
import static org.pinsim.core.vmscan.Lru.LRU_ACTIVE_FILE;
import static org.pinsim.core.vmscan.Lru.LRU_INACTIVE_ANON;
import static org.pinsim.core.vmscan.Lru.LRU_INACTIVE_FILE;
import static org.pinsim.core.vmscan.Lru.LRU_UNEVICTABLE;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;

class LruTest {

    private PhysMem mem;
    private FrameTable frames;
    private Lru lru;

    @BeforeEach
    void boot() {
        mem = new PhysMem(64L << 20, 2);
        frames = mem.frames();
        lru = new Lru(mem);
    }

    private int anonPage(int nid) {
        int pfn = mem.allocPage(nid);
        frames.setFlag(pfn, FrameTable.PG_anon);
        frames.setFlag(pfn, PG_swapbacked);
        return pfn;
    }

    @Test
    void add_inactiveAnon_countsAndLinksAtHead() {
        int a = anonPage(0);
        int b = anonPage(0);

        lru.add(a, LRU_INACTIVE_ANON);
        lru.add(b, LRU_INACTIVE_ANON);

        assertThat(lru.nrPages(0, LRU_INACTIVE_ANON)).isEqualTo(2);
        assertThat(lru.first(0, LRU_INACTIVE_ANON)).isEqualTo(b);
        assertThat(lru.last(0, LRU_INACTIVE_ANON)).isEqualTo(a);
        assertThat(lru.next(b)).isEqualTo(a);
        assertThat(frames.testFlag(a, PG_lru)).isTrue();
        lru.checkInvariants();
    }

    @Test
    void addTail_goesWhereReclaimLooksFirst() {
        int a = anonPage(0);
        int b = anonPage(0);
        lru.add(a, LRU_INACTIVE_ANON);

        lru.addTail(b, LRU_INACTIVE_ANON);

        assertThat(lru.last(0, LRU_INACTIVE_ANON)).isEqualTo(b);
        lru.checkInvariants();
    }

    @Test
    void add_activeList_setsPgActive_andCountsPerNode() {
        int a = anonPage(1);
        int f = mem.allocPage(0);

        lru.add(a, LRU_ACTIVE_ANON);
        lru.add(f, LRU_ACTIVE_FILE);

        assertThat(frames.testFlag(a, PG_active)).isTrue();
        assertThat(lru.nrPages(1, LRU_ACTIVE_ANON)).isEqualTo(1);
        assertThat(lru.nrPages(0, LRU_ACTIVE_ANON)).isZero();
        assertThat(lru.nrPages(LRU_ACTIVE_FILE)).isEqualTo(1);
        assertThat(lru.folioLruList(f)).isEqualTo(LRU_ACTIVE_FILE);
        lru.checkInvariants();
    }

    @Test
    void add_anonFrameToFileList_throws() {
        int a = anonPage(0);
        int f = mem.allocPage(0);

        assertThatThrownBy(() -> lru.add(a, LRU_INACTIVE_FILE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lru.add(f, LRU_INACTIVE_ANON)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void add_twice_throws() {
        int a = anonPage(0);
        lru.add(a, LRU_INACTIVE_ANON);

        assertThatThrownBy(() -> lru.add(a, LRU_ACTIVE_ANON)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void del_middleOfList_relinksNeighbours() {
        int a = anonPage(0);
        int b = anonPage(0);
        int c = anonPage(0);
        lru.add(a, LRU_INACTIVE_ANON);
        lru.add(b, LRU_INACTIVE_ANON);
        lru.add(c, LRU_INACTIVE_ANON);

        assertThat(lru.del(b)).isTrue();

        assertThat(lru.next(c)).isEqualTo(a);
        assertThat(lru.prev(a)).isEqualTo(c);
        assertThat(lru.nrPages(0, LRU_INACTIVE_ANON)).isEqualTo(2);
        assertThat(frames.testFlag(b, PG_lru)).isFalse();
        assertThat(lru.del(b)).isFalse();
        lru.checkInvariants();
    }

    @Test
    void moveToUnevictable_leavesListCountsOnlyAndMlockCountZero() {
        int a = anonPage(0);
        lru.add(a, LRU_ACTIVE_ANON);

        lru.moveToUnevictable(a);

        assertThat(lru.nrPages(0, LRU_ACTIVE_ANON)).isZero();
        assertThat(lru.nrPages(0, LRU_UNEVICTABLE)).isEqualTo(1);
        assertThat(lru.first(0, LRU_ACTIVE_ANON)).isEqualTo(NO_FRAME);
        assertThat(frames.testFlag(a, PG_unevictable)).isTrue();
        assertThat(frames.testFlag(a, PG_active)).isFalse();
        assertThat(frames.mlockCount(a)).isZero();
        frames.setMlockCount(a, 2);
        assertThat(frames.lruPrev(a)).isEqualTo(2);
        lru.checkInvariants();
    }

    @Test
    void putbackEvictable_returnsToInactiveList() {
        int a = anonPage(0);
        lru.add(a, LRU_ACTIVE_ANON);
        lru.moveToUnevictable(a);
        frames.setMlockCount(a, 1);

        lru.putbackEvictable(a);

        assertThat(lru.nrPages(0, LRU_UNEVICTABLE)).isZero();
        assertThat(lru.nrPages(0, LRU_INACTIVE_ANON)).isEqualTo(1);
        assertThat(lru.first(0, LRU_INACTIVE_ANON)).isEqualTo(a);
        assertThat(frames.testFlag(a, PG_unevictable)).isFalse();
        lru.checkInvariants();
    }

    @Test
    void moveToUnevictable_frameNotOnEvictableList_throws() {
        int a = anonPage(0);

        assertThatThrownBy(() -> lru.moveToUnevictable(a)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lru.putbackEvictable(a)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void del_unevictable_keepsMlockCount_putbackResetsItToZero() {
        int a = anonPage(0);
        lru.add(a, LRU_UNEVICTABLE);
        frames.setMlockCount(a, 3);

        lru.del(a);
        assertThat(frames.mlockCount(a)).isEqualTo(3);
        assertThat(lru.nrPages(0, LRU_UNEVICTABLE)).isZero();
        lru.putback(a);

        assertThat(frames.mlockCount(a)).isZero();
        assertThat(lru.nrPages(0, LRU_UNEVICTABLE)).isEqualTo(1);
        lru.checkInvariants();
    }

    @Test
    void release_thenFree_pageGoesBackToBuddy() {
        int a = anonPage(0);
        lru.add(a, LRU_UNEVICTABLE);
        frames.setFlag(a, FrameTable.PG_mlocked);
        frames.clearFlag(a, FrameTable.PG_mlocked); // munlock's job, not ours

        lru.release(a);
        mem.freePage(a);

        assertThat(lru.nrPages(0, LRU_UNEVICTABLE)).isZero();
        lru.checkInvariants();
        mem.checkInvariants();
    }

    @Test
    void freePage_stillOnLru_isBadPageState() {
        int a = anonPage(0);
        lru.add(a, LRU_INACTIVE_ANON);

        assertThatThrownBy(() -> mem.freePage(a)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Bad page state");
    }

    @Test
    void checkInvariants_countOff_fails() {
        int a = anonPage(0);
        lru.add(a, LRU_INACTIVE_ANON);
        frames.clearFlag(a, PG_lru); // lost PG_lru while still linked

        assertThatThrownBy(lru::checkInvariants).isInstanceOf(AssertionError.class)
                .hasMessageContaining("lru invariant");
    }

    @Test
    void vmstatNames_matchProcVmstat() {
        assertThat(Lru.vmstatName(LRU_INACTIVE_ANON)).isEqualTo("nr_inactive_anon");
        assertThat(Lru.vmstatName(LRU_UNEVICTABLE)).isEqualTo("nr_unevictable");
    }
}
