package org.pinsim.scenario.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.pinsim.core.mlock.MpinPack;

/**
 * E2's prediction (Zijlstra, 2013: pre-compacted pins cost about what their size is) on a
 * small aged machine: with the mpin-2013 packing, pinning P scattered pages loses at most
 * ceil(P / 512) free 2 MiB blocks after full compaction plus the one block left partly
 * filled; pinned in place the same pages lose many more. And E12's accounting: one shootdown
 * per batch.
 */
class PinPlacementTest {
    private static final long MEM = 128L << 20;

    @Test
    void packedPins_loseAtMostCeilPOver512PlusOneBlock_inPlaceLoseMore() {
        long pinPages = MEM / 4096 / 100; // 1% of memory: 327 pages
        long ceil = (pinPages + 511) / 512;
        for (long seed = 1; seed <= 3; seed++) {
            PinPlacement.Run base = PinPlacement.pinAndCompact(MEM, 150, seed, 0, null);
            PinPlacement.Run packed = PinPlacement.pinAndCompact(MEM, 150, seed, pinPages, MpinPack.Placement.PACK);
            PinPlacement.Run inPlace = PinPlacement.pinAndCompact(MEM, 150, seed, pinPages, MpinPack.Placement.IN_PLACE);

            assertThat(packed.migrated() + packed.inPlace()).isEqualTo(pinPages);
            assertThat(base.hugepages() - packed.hugepages()).as("seed %d: blocks lost, packed", seed)
                    .isLessThanOrEqualTo(ceil + 1);
            // the pinned pages sit in UNMOVABLE blocks: those there before and those claimed
            assertThat(packed.unmovableBlocks()).isLessThanOrEqualTo(base.unmovableBlocks() + packed.claimed());
            assertThat(packed.claimed()).isLessThanOrEqualTo(ceil);
            // scattered in place, 327 pins of 32768 pages fall in far more than ceil + 1 blocks
            assertThat(base.hugepages() - inPlace.hugepages()).as("seed %d: blocks lost, in place", seed)
                    .isGreaterThan(4 * (ceil + 1));
            assertThat(inPlace.migrated()).isZero();
        }
    }

    @Test
    void oneBufferPin_shootsDownOncePerBatch() {
        long pages = 1024;
        PinPlacement.Run b512 = PinPlacement.bufferPin(MEM, 0, 1, pages, 512, MpinPack.Placement.PACK);
        PinPlacement.Run b32 = PinPlacement.bufferPin(MEM, 0, 1, pages, 32, MpinPack.Placement.PACK);
        assertThat(b512.migrated()).isEqualTo(b32.migrated());
        assertThat(b512.shootdowns()).isEqualTo((b512.migrated() + 511) / 512);
        assertThat(b32.shootdowns()).isEqualTo((b32.migrated() + 31) / 32);
        assertThat(b32.precompactNs()).isGreaterThan(b512.precompactNs());
    }
}
