package org.pinsim.scenario.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * E1 on a 512 MiB machine, one seed: pins in place cost huge pages, more pins cost more, and
 * compaction never moves a pinned page.
 */
class PinScatterExperimentTest {
    private final PinScatterExperiment e1 = new PinScatterExperiment(512L << 20);

    @Test
    void pinsInPlace_costHugePages_monotonically() {
        PinScatterExperiment.Run none = e1.runOne(0, 1);
        PinScatterExperiment.Run few = e1.runOne(10, 1);   // 0.1 %
        PinScatterExperiment.Run many = e1.runOne(200, 1); // 2 %
        assertThat(none.pinned()).isZero();
        assertThat(few.pinned()).isPositive();
        assertThat(many.pinned()).isGreaterThan(few.pinned());
        assertThat(few.maxHuge()).isLessThan(none.maxHuge());
        assertThat(many.maxHuge()).isLessThan(few.maxHuge());
        // every pageblock a scattered pin lands in is lost: with 2 % of memory pinned among the
        // region's pages, (1 - 0.02/0.6)^512 of the region's blocks stay clean, i.e. none; the
        // working set, which took blocks of its own at f = 0, now fits around the pins
        long regionBlocks = 131072L * FragRig.REGION_PERCENT / 100 / 512;
        long workingSetBlocks = 131072L * FragRig.WORKING_SET_PERMILLE / 1000 / 512 + 1;
        assertThat(many.maxHuge())
                .isLessThanOrEqualTo(none.maxHuge() - regionBlocks + regionBlocks / 20 + workingSetBlocks);
        // clean pageblocks bound what the allocations got
        assertThat(many.maxHuge()).isLessThanOrEqualTo(many.cleanBlocks());
        // with pins, the request that fails fails for fragmentation: free memory is left in
        // blocks below order 9 (index above vm.extfrag_threshold's 500)
        assertThat(many.extfragIndex9()).isGreaterThan(500);
    }

    @Test
    void oneSeed_givesTheSameFigures() {
        assertThat(e1.runOne(50, 2)).isEqualTo(e1.runOne(50, 2));
    }
}
