package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.mem.FrameTable.PG_reserved;
import static org.pinsim.core.mem.FrameTable.PG_zero;
import static org.pinsim.core.mem.Zone.ZONE_DMA;
import static org.pinsim.core.mem.Zone.ZONE_DMA32;
import static org.pinsim.core.mem.Zone.ZONE_MOVABLE;
import static org.pinsim.core.mem.Zone.ZONE_NORMAL;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhysMemBootTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void boot_64MiB_zonesMemTotalAndBuddyinfo() {
        PhysMem mem = new PhysMem(64 * MIB, 1);

        assertThat(mem.nrFrames()).isEqualTo(16384);
        assertThat(mem.zone(0, ZONE_DMA).spannedPages()).isEqualTo(4096);
        assertThat(mem.zone(0, ZONE_DMA).managedPages()).isEqualTo(4095);
        assertThat(mem.zone(0, ZONE_DMA32).zoneStartPfn()).isEqualTo(4096);
        assertThat(mem.zone(0, ZONE_DMA32).managedPages()).isEqualTo(12287);
        assertThat(mem.zone(0, ZONE_NORMAL).populated()).isFalse();
        assertThat(mem.totalPages()).isEqualTo(16382); // MemTotal: 65528 kB
        assertThat(mem.freePagesCount()).isEqualTo(16382);
        assertThat(mem.buddyinfo()).isEqualTo(
                "Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 \n"
              + "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1     11 \n");
        mem.checkInvariants();
    }

    @Test
    void boot_16GiB_zoneSizesAndMemTotal() {
        PhysMem mem = new PhysMem(16 * GIB, 1);

        assertThat(mem.nrFrames()).isEqualTo(4 << 20);
        assertThat(mem.zone(0, ZONE_DMA32).spannedPages()).isEqualTo((1 << 20) - 4096);
        assertThat(mem.zone(0, ZONE_NORMAL).zoneStartPfn()).isEqualTo(1 << 20);
        assertThat(mem.zone(0, ZONE_NORMAL).managedPages()).isEqualTo(3L << 20);
        assertThat(mem.totalPages()).isEqualTo((4L << 20) - 2); // MemTotal: 16777208 kB
        assertThat(mem.zones()).extracting(Zone::name).containsExactly("DMA", "DMA32", "Normal");
        assertThat(mem.buddyinfo()).isEqualTo(
                "Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 \n"
              + "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1   1019 \n"
              + "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0   3072 \n");
        mem.checkInvariants();
    }

    @Test
    void boot_16GiBOnTwoNodes_secondNodeHoldsOnlyNormal() {
        PhysMem mem = new PhysMem(16 * GIB, 2);

        assertThat(mem.nodeStartPfn(1)).isEqualTo(2 << 20);
        assertThat(mem.zone(0, ZONE_NORMAL).spannedPages()).isEqualTo(1 << 20);
        assertThat(mem.zone(1, ZONE_NORMAL).zoneStartPfn()).isEqualTo(2 << 20);
        assertThat(mem.zone(1, ZONE_NORMAL).managedPages()).isEqualTo(2L << 20);
        assertThat(mem.zone(1, ZONE_DMA).populated()).isFalse();
        assertThat(mem.zone(1, ZONE_DMA32).populated()).isFalse();
        assertThat(mem.zones()).extracting(Zone::toString).containsExactly(
                "Node 0 zone DMA [0, 4096)", "Node 0 zone DMA32 [4096, 1048576)",
                "Node 0 zone Normal [1048576, 2097152)", "Node 1 zone Normal [2097152, 4194304)");
        assertThat(mem.nidOf((2 << 20) - 1)).isZero();
        assertThat(mem.nidOf(2 << 20)).isEqualTo(1);
        mem.checkInvariants();
    }

    @Test
    void boot_smallNodesBelow4GiB_eachNodeHasItsDma32Part() {
        PhysMem mem = new PhysMem(64 * MIB, 2);

        assertThat(mem.zone(1, ZONE_DMA32).zoneStartPfn()).isEqualTo(8192);
        assertThat(mem.zone(1, ZONE_DMA32).managedPages()).isEqualTo(8192);
        assertThat(mem.buddyinfo()).endsWith(
                "Node 1, zone    DMA32      0      0      0      0      0      0      0      0      0      0      8 \n");
    }

    @Test
    void boot_reservesPfn0AndTheZeroPage() {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        FrameTable f = mem.frames();

        assertThat(mem.zeroPfn()).isEqualTo(4096);
        assertThat(f.testFlag(0, PG_reserved)).isTrue();
        assertThat(f.testFlag(mem.zeroPfn(), PG_zero)).isTrue();
        assertThat(f.testFlag(mem.zeroPfn(), PG_reserved)).isTrue();
        assertThat(f.refcount(mem.zeroPfn())).isEqualTo(1);
        assertThat(new PhysMem(8 * MIB, 1).zeroPfn()).isEqualTo(1);
    }

    @Test
    void boot_roundsEachNodeDownTo2MiB() {
        PhysMem mem = new PhysMem(10 * MIB + 123, 3);

        assertThat(mem.nodeSpannedPages(0)).isEqualTo(512);
        assertThat(mem.nrFrames()).isEqualTo(3 * 512);
        mem.checkInvariants();
    }

    @Test
    void boot_lessThan2MiBPerNode_isRejected() {
        assertThatThrownBy(() -> new PhysMem(3 * MIB, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PhysMem(64 * MIB, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PhysMem(64 * MIB, 65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void boot_freeListsAscendInPfnOrder_becauseBootFreesToTail() {
        PhysMem mem = new PhysMem(64 * MIB, 1);
        BuddyAllocator dma32 = mem.zone(0, ZONE_DMA32).buddy();

        int first = dma32.firstFree(Zone.MAX_PAGE_ORDER);

        assertThat(first).isEqualTo(5120);
        assertThat(dma32.nextFree(first)).isEqualTo(6144);
    }

    @Test
    void zonelist_fourNodes_nextNodeFirstThenWrap() {
        PhysMem mem = new PhysMem(64 * MIB, 4);

        assertThat(mem.zonelist(1)).extracting(Zone::toString).containsExactly(
                "Node 1 zone DMA32 [4096, 8192)", "Node 2 zone DMA32 [8192, 12288)",
                "Node 3 zone DMA32 [12288, 16384)", "Node 0 zone DMA [0, 4096)");
        assertThat(mem.zonelist(3)).extracting(Zone::nid).containsExactly(3, 0, 1, 2);
        assertThat(mem.zonelist(0)).extracting(Zone::nid).containsExactly(0, 1, 2, 3);
    }

    @Test
    void zonelist_oneNode_normalThenDma32ThenDma() {
        PhysMem mem = new PhysMem(16 * GIB, 1);

        assertThat(mem.zonelist(0)).extracting(Zone::zoneIdx).containsExactly(ZONE_NORMAL, ZONE_DMA32, ZONE_DMA);
    }

    @Test
    void nodeOrder_equalDistances_matchesFindNextBestNode() {
        int[] load = new int[8];
        List<int[]> orders = new java.util.ArrayList<>();
        for (int nid = 0; nid < 8; nid++) {
            orders.add(Zonelists.nodeOrder(nid, 8, load));
        }

        assertThat(orders.get(5)).containsExactly(5, 6, 7, 0, 1, 2, 3, 4);
        assertThat(orders.get(7)).containsExactly(7, 0, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void zoneMovable_existsButIsNeverPopulated() {
        PhysMem mem = new PhysMem(64 * MIB, 1);

        assertThat(mem.zone(0, ZONE_MOVABLE).name()).isEqualTo("Movable");
        assertThat(mem.zone(0, ZONE_MOVABLE).populated()).isFalse();
    }
}
