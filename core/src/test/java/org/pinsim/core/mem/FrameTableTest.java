package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_dirty;
import static org.pinsim.core.mem.FrameTable.PG_mlocked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;

import org.junit.jupiter.api.Test;

class FrameTableTest {

    @Test
    void newTable_framesAreBlankWithSentinels() {
        FrameTable t = new FrameTable(1024);

        assertThat(t.flags(7)).isZero();
        assertThat(t.refcount(7)).isZero();
        assertThat(t.mapcount(7)).isZero();
        assertThat(t.owner(7)).isEqualTo(NO_OWNER);
        assertThat(t.lruPrev(7)).isEqualTo(NO_FRAME);
        assertThat(t.lruNext(7)).isEqualTo(NO_FRAME);
        assertThat(t.pageblockMigratetype(7)).isEqualTo(MIGRATE_MOVABLE);
    }

    @Test
    void setFlag_thenClear_onlyThatBitChanges() {
        FrameTable t = new FrameTable(16);

        t.setFlag(3, PG_anon);
        t.setFlag(3, PG_dirty);
        t.clearFlag(3, PG_dirty);

        assertThat(t.testFlag(3, PG_anon)).isTrue();
        assertThat(t.testFlag(3, PG_dirty)).isFalse();
        assertThat(t.flags(3)).isEqualTo(1 << PG_anon);
        assertThat(t.testSetFlag(3, PG_anon)).isTrue();
        assertThat(t.testClearFlag(3, PG_anon)).isTrue();
        assertThat(t.testClearFlag(3, PG_anon)).isFalse();
    }

    @Test
    void flagBits_areDistinctAndBelowTheOrderField() {
        int seen = 0;
        for (int bit : new int[] {FrameTable.PG_referenced, PG_dirty, FrameTable.PG_lru, FrameTable.PG_head,
                FrameTable.PG_active, FrameTable.PG_reserved, FrameTable.PG_swapbacked, PG_unevictable,
                PG_mlocked, PG_anon, FrameTable.PG_buddy, FrameTable.PG_pgtable, FrameTable.PG_zero}) {
            assertThat(seen & (1 << bit)).isZero();
            seen |= 1 << bit;
        }
        assertThat(seen & FrameTable.ORDER_MASK).isZero();
    }

    @Test
    void refDec_belowZero_throws() {
        FrameTable t = new FrameTable(16);
        t.refInc(2);

        assertThat(t.refDec(2)).isZero();
        assertThatThrownBy(() -> t.refDec(2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refcount underflow");
    }

    @Test
    void refAdd_pinBias_countsLikeTheKernel() {
        FrameTable t = new FrameTable(16);
        t.refInc(5);

        assertThat(t.refAdd(5, 1024)).isEqualTo(1025);
        assertThat(t.refSub(5, 1024)).isEqualTo(1);
    }

    @Test
    void mlockCount_overlaysLruPrevOfUnevictableFrames() {
        FrameTable t = new FrameTable(16);
        t.setFlag(4, PG_unevictable);

        t.setMlockCount(4, 3);

        assertThat(t.mlockCount(4)).isEqualTo(3);
        assertThat(t.lruPrev(4)).isEqualTo(3);
    }

    @Test
    void mlockCount_onEvictableFrame_throws() {
        FrameTable t = new FrameTable(16);

        assertThatThrownBy(() -> t.mlockCount(4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> t.setMlockCount(4, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pageblockMigratetype_isPerBlockOf512Frames() {
        FrameTable t = new FrameTable(2048);

        t.setPageblockMigratetype(600, MIGRATE_UNMOVABLE);

        assertThat(t.pageblockMigratetype(512)).isEqualTo(MIGRATE_UNMOVABLE);
        assertThat(t.pageblockMigratetype(1023)).isEqualTo(MIGRATE_UNMOVABLE);
        assertThat(t.pageblockMigratetype(511)).isEqualTo(MIGRATE_MOVABLE);
        assertThat(t.pageblockMigratetype(1024)).isEqualTo(MIGRATE_MOVABLE);
    }

    @Test
    void flagNames_namesBitsAndOrder() {
        int flags = 1 << FrameTable.PG_buddy | 3 << FrameTable.ORDER_SHIFT;

        assertThat(FrameTable.flagNames(flags)).isEqualTo("buddy|order=3");
        assertThat(FrameTable.flagNames(0)).isEqualTo("none");
        assertThat(new FrameTable(4).view(1).toString()).contains("pfn 1").contains("refcount=0");
    }

    @Test
    void heapBytes_perFrame_atMost32_pageblockBitsInFlags() {
        int frames = 4 << 20; // a 16 GiB machine
        FrameTable t = new FrameTable(frames);

        long perFrameArrays = (long) Integer.BYTES * (t.flags.length + t.refcount.length + t.mapcount.length
                + t.lruPrev.length + t.lruNext.length + t.content.length)
                + (long) Long.BYTES * t.owner.length;

        // the per-frame arrays are the 32-byte budget exactly, and nothing is added per pageblock
        assertThat((double) perFrameArrays / frames).isEqualTo(32.0);
        assertThat(t.heapBytes()).isEqualTo(perFrameArrays + 7 * 16);
        assertThat((double) t.heapBytes() / frames).isLessThanOrEqualTo(32.0 + 7 * 16.0 / frames);
    }

    @Test
    void pageblockBits_useOnlyTheSpareFlagBits17to23() {
        int pageFlags = FrameTable.ORDER_MASK;
        for (int bit = FrameTable.PG_referenced; bit <= FrameTable.PG_pcp; bit++) {
            pageFlags |= 1 << bit;
        }
        assertThat(FrameTable.PB_BITS).isEqualTo(0x7F << 17);
        assertThat(pageFlags & FrameTable.PB_BITS).isZero();
    }

    @Test
    void pageblockBits_liveInTheBlocksFirstFrame_andAreNotPageFlags() {
        FrameTable t = new FrameTable(2048);

        t.setPageblockMigratetype(600, FrameTable.MIGRATE_CMA);
        t.setPageblockSkip(700, true);
        t.setPageblockIsolate(1000, true);

        assertThat(t.flags[512] & FrameTable.PB_BITS).isNotZero();
        assertThat(t.flags[600]).isZero();
        assertThat(t.flags(512)).isZero(); // not a page flag
        assertThat(t.view(512).flags()).isZero();
        assertThat(t.pageblockMigratetype(513)).isEqualTo(FrameTable.MIGRATE_ISOLATE);
        assertThat(t.pageblockMigratetypeNoIsolate(1023)).isEqualTo(FrameTable.MIGRATE_CMA);
        assertThat(t.pageblockSkip(1023)).isTrue();
        assertThat(t.pageblockSkip(1024)).isFalse();

        // page flags of that frame come and go without touching the block's bits
        t.setFlag(512, PG_dirty);
        t.clearFlag(512, PG_dirty);
        t.setPageblockIsolate(512, false);
        t.setPageblockSkip(512, false);
        assertThat(t.pageblockMigratetype(512)).isEqualTo(FrameTable.MIGRATE_CMA);
        t.setPageblockMigratetype(512, MIGRATE_MOVABLE);
        assertThat(t.flags[512]).isEqualTo(MIGRATE_MOVABLE << 17);
        assertThat(t.pageblockMigratetype(0)).isEqualTo(MIGRATE_MOVABLE);
    }

    @Test
    void content_newTable_zeroAndSettable() {
        FrameTable t = new FrameTable(8);
        assertThat(t.content(3)).isZero();
        t.setContent(3, 42);
        assertThat(t.content(3)).isEqualTo(42);
        assertThat(t.content(2)).isZero();
    }
}
