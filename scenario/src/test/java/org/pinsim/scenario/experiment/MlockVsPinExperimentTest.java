package org.pinsim.scenario.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.pinsim.scenario.experiment.MlockVsPinExperiment.Driver;
import org.pinsim.scenario.experiment.MlockVsPinExperiment.Policy;
import org.pinsim.scenario.experiment.MlockVsPinExperiment.Run;

/**
 * E3 on a 256 MiB aged machine, a working set of 5 % of memory, seed 1: what the kernel's rules
 * say must follow, for each way of keeping the working set.
 */
class MlockVsPinExperimentTest {
    private static final int WS = 50;
    private final MlockVsPinExperiment e3 = new MlockVsPinExperiment(256L << 20, new int[] {WS});

    @Test
    void compactMemory_movesMlockedPages_onlyWhenUnevictableAllowed_andNeverPinnedOnes() {
        Run mlock = e3.runOne(Driver.COMPACT_MEMORY, Policy.MLOCK, WS, 1);
        Run noCompact = e3.runOne(Driver.COMPACT_MEMORY, Policy.MLOCK_NO_COMPACT, WS, 1);
        Run pin = e3.runOne(Driver.COMPACT_MEMORY, Policy.PIN, WS, 1);
        Run mpin = e3.runOne(Driver.COMPACT_MEMORY, Policy.MPIN, WS, 1);
        for (Run r : new Run[] {mlock, noCompact, pin, mpin}) {
            assertThat(r.wsPages()).isEqualTo(65536L * WS / 1000);
            assertThat(r.touches()).isPositive(); // the loop ran in every case
            assertThat(r.waitNs() > 0).isEqualTo(r.waits() > 0);
        }
        // vm.compact_unevictable_allowed=1 (ISOLATE_UNEVICTABLE): compaction isolates mlocked
        // pages, and try_to_migrate ignores mlock: pages of the working set move, and the loop,
        // reading them at random while batches are in flight, waits on some migration entries
        assertThat(mlock.wsMigrated()).isPositive();
        assertThat(mlock.pgmigrateSuccess()).isGreaterThanOrEqualTo(mlock.wsMigrated());
        assertThat(mlock.waits()).isPositive();
        // each wait ends at its folio's remap, within its batch: at most 512 folios of 2 us
        // (unmap 1 us, copy 0.5 us, one remap 0.5 us: CostModel) after the batch began
        assertThat(mlock.waitNs()).isLessThanOrEqualTo(mlock.waits() * 512L * 2_000L);
        // =0: isolate_migratepages_block skips an unevictable folio ("Compaction might skip
        // unevictable pages"): no page of the working set moves, no wait
        assertThat(noCompact.wsMigrated()).isZero();
        assertThat(noCompact.waits()).isZero();
        // FOLL_LONGTERM pin: the pre-check (refcount above mapcount) passes the page by, never isolated
        assertThat(pin.wsMigrated()).isZero();
        assertThat(pin.waits()).isZero();
        // [PROPOSAL] VM_PINNED: no migration but mpin's own moves a page of it; the moves were
        // made inside mpin(), before the loop
        assertThat(mpin.wsMigrated()).isZero();
        assertThat(mpin.waits()).isZero();
        assertThat(mpin.precompactMigrated()).isPositive();
        // moving the mlocked pages frees pageblocks that the immovable working set keeps
        assertThat(mlock.gotHuge()).isGreaterThan(noCompact.gotHuge());
        assertThat(mlock.gotHuge()).isGreaterThan(pin.gotHuge());
        // packed by mpin into few pageblocks, the working set spoils fewer of them than pinned in place
        assertThat(mpin.gotHuge()).isGreaterThan(pin.gotHuge());
    }

    @Test
    void hugePageDemand_compactsDirectly_andMovesOnlyTheMlockedWorkingSet() {
        Run mlock = e3.runOne(Driver.HUGE_DEMAND, Policy.MLOCK, WS, 1);
        Run pin = e3.runOne(Driver.HUGE_DEMAND, Policy.PIN, WS, 1);
        assertThat(mlock.wsMigrated()).isPositive();
        assertThat(mlock.gotHuge()).isGreaterThan(pin.gotHuge());
        assertThat(pin.wsMigrated()).isZero();
        assertThat(pin.waits()).isZero();
    }

    @Test
    void oneSeed_givesTheSameFigures() {
        assertThat(e3.runOne(Driver.COMPACT_MEMORY, Policy.MLOCK, WS, 2))
                .isEqualTo(e3.runOne(Driver.COMPACT_MEMORY, Policy.MLOCK, WS, 2));
    }

    @Test
    void registered() {
        assertThat(Experiments.byName("mlock-vs-pin")).isInstanceOf(MlockVsPinExperiment.class);
    }
}
