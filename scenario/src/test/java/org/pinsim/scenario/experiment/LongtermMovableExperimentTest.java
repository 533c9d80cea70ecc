package org.pinsim.scenario.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Profile;
import org.pinsim.core.time.CostModel;
import org.pinsim.core.uapi.Errno;

/**
 * E10's rules, from mm/gup.c and mm/migrate.c of 6.18: a long-term pin that succeeds leaves
 * nothing in ZONE_MOVABLE or CMA; without transient references every pin succeeds; a page
 * whose direct I/O is still in flight when its 512-page call migrates makes the registration
 * -ENOMEM; Linux 3.2 pins in place.
 */
class LongtermMovableExperimentTest {
    private static final LongtermMovableExperiment.Layout KERNEL = LongtermMovableExperiment.LAYOUTS.get(0);
    private static final LongtermMovableExperiment.Layout MOVABLE = LongtermMovableExperiment.LAYOUTS.get(2);
    private static final LongtermMovableExperiment.Layout CMA = LongtermMovableExperiment.LAYOUTS.get(3);
    /** A 4 MiB buffer: two calls of pin_user_pages_fast in ib_umem_get (PAGE_SIZE / sizeof(struct page *)). */
    private static final long SMALL = 4L << 20;
    /** One call's migration of 512 pages: each page's unmap, copy and remap (CostModel). */
    private static final long CALL_NS = 512 * (CostModel.MIGRATE_UNMAP_NS + CostModel.MIGRATE_COPY_NS
            + CostModel.MIGRATE_REMAP_NS);

    private static LongtermMovableExperiment.Case c(Profile p, LongtermMovableExperiment.Layout l, long holdNs) {
        return new LongtermMovableExperiment.Case(p, l, new LongtermMovableExperiment.Io(0, holdNs));
    }

    private static BitSet pages(int... i) {
        BitSet b = new BitSet();
        for (int x : i) {
            b.set(x);
        }
        return b;
    }

    @Test
    void linux618_withoutTransientReferences_everyPinSucceeds_andMovesEveryPageOut() {
        for (LongtermMovableExperiment.Layout l : LongtermMovableExperiment.LAYOUTS) {
            LongtermMovableExperiment.Run r = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, l, 0), SMALL, new BitSet(), 1);
            assertThat(r.pinned()).as(l.label()).isTrue();
            // check_and_migrate_movable_folios migrates exactly the folios not long-term pinnable
            assertThat(r.migrated()).as(l.label()).isEqualTo(r.inMovable() + r.inCma());
            assertThat(r.migrateFails()).as(l.label()).isZero();
            assertThat(r.pinnedInMovableCma()).as(l.label()).isZero();
            assertThat(r.evacStuck()).as(l.label()).isZero();
        }
        // all 1024 pages in ZONE_MOVABLE (resp. CMA): each of the two calls migrates, -EAGAIN, pins again
        for (LongtermMovableExperiment.Layout l : new LongtermMovableExperiment.Layout[] {MOVABLE, CMA}) {
            LongtermMovableExperiment.Run r = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, l, 0), SMALL, new BitSet(), 1);
            assertThat(r.inMovable() + r.inCma()).as(l.label()).isEqualTo(1024);
            assertThat(r.repins()).as(l.label()).isEqualTo(2);
            assertThat(r.pinNs()).as(l.label()).isEqualTo(2 * CALL_NS);
        }
        LongtermMovableExperiment.Run k = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, KERNEL, 0), SMALL, new BitSet(), 1);
        assertThat(k.repins()).isZero();
        assertThat(k.pinNs()).isZero();
    }

    @Test
    void linux618_ioInFlightWhenItsCallMigrates_failsTheRegistrationWithEnomem_andLeavesNoPin() {
        // page 700 is in the second call, which starts when the first call's 512 migrations end
        LongtermMovableExperiment.Run shortIo = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, MOVABLE, CALL_NS / 2),
                SMALL, pages(700), 1);
        assertThat(shortIo.pinned()).isTrue();
        assertThat(shortIo.migrated()).isEqualTo(1024);
        assertThat(shortIo.pinnedInMovableCma()).isZero();

        LongtermMovableExperiment.Run longIo = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, MOVABLE, 10 * CALL_NS),
                SMALL, pages(700), 1);
        assertThat(longIo.pinned()).isFalse();
        assertThat(longIo.errno()).isEqualTo(-Errno.ENOMEM); // migrate_longterm_unpinnable_folios
        assertThat(longIo.migrateFails()).isEqualTo(1); // migrate_pages gave the page up after its passes
        assertThat(longIo.migrated()).isEqualTo(1023); // the others moved and stay moved
        assertThat(longIo.repins()).isEqualTo(1); // only the first call ended in -EAGAIN
        assertThat(longIo.pinnedInMovableCma()).isZero();
        assertThat(longIo.evacStuck()).isZero(); // once the I/O is done nothing blocks offlining

        // in the first call the I/O is always in flight: the decision is taken at once
        LongtermMovableExperiment.Run first = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, CMA, CALL_NS / 2),
                SMALL, pages(3), 1);
        assertThat(first.pinned()).isFalse();
        assertThat(first.repins()).isZero();
        assertThat(first.migrated()).isEqualTo(511);

        // the same I/O on a page that needs no migration is harmless
        LongtermMovableExperiment.Run kernel = LongtermMovableExperiment.run(c(Profile.LINUX_6_18, KERNEL, 10 * CALL_NS),
                SMALL, pages(3, 700), 1);
        assertThat(kernel.pinned()).isTrue();
        assertThat(kernel.migrated()).isZero();
    }

    @Test
    void linux618_tableRows_succeedExactlyWhenNoIoPageIsReachedBeforeItsHoldEnds() {
        // movable=128MiB holds the whole 64 MiB buffer: call j starts at j * CALL_NS
        for (LongtermMovableExperiment.Io io : LongtermMovableExperiment.IO_618) {
            LongtermMovableExperiment.Case c = new LongtermMovableExperiment.Case(Profile.LINUX_6_18, MOVABLE, io);
            for (long seed = 1; seed <= 3; seed++) {
                int pages = (int) (LongtermMovableExperiment.REGION >>> 12);
                BitSet chosen = new BitSet(pages);
                FragRig.choose(FragRig.random(seed, 10), pages, (long) pages * io.basisPoints() / 10000, new BitSet(), chosen);
                boolean expected = true;
                for (int i = chosen.nextSetBit(0); i >= 0; i = chosen.nextSetBit(i + 1)) {
                    expected &= (long) (i / 512) * CALL_NS >= io.holdNs();
                }
                LongtermMovableExperiment.Run r = LongtermMovableExperiment.runOne(c, seed);
                assertThat(r.ioPages()).isEqualTo(chosen.cardinality());
                assertThat(r.pinned()).as(io.label() + " seed " + seed).isEqualTo(expected);
                if (r.pinned()) {
                    assertThat(r.pinnedInMovableCma()).isZero();
                    assertThat(r.migrated()).isEqualTo(pages);
                }
            }
        }
    }

    @Test
    void linux32_pinsInPlace_andEveryPinnedPageBlocksTheEvacuation() {
        for (LongtermMovableExperiment.Layout l : new LongtermMovableExperiment.Layout[] {MOVABLE, CMA}) {
            LongtermMovableExperiment.Run r = LongtermMovableExperiment.run(c(Profile.LINUX_3_2, l, 10 * CALL_NS), SMALL,
                    pages(3, 700), 1);
            assertThat(r.pinned()).as(l.label()).isTrue();
            assertThat(r.migrated()).isZero();
            assertThat(r.repins()).isZero();
            assertThat(r.pinNs()).isZero();
            assertThat(r.pinnedInMovableCma()).as(l.label()).isEqualTo(1024);
            assertThat(r.evacStuck()).as(l.label()).isEqualTo(1024);
        }
    }

    @Test
    void oneSeed_givesTheSameFigures() {
        LongtermMovableExperiment.Case c = LongtermMovableExperiment.cases().get(2 * 6 + 1);
        assertThat(LongtermMovableExperiment.runOne(c, 2)).isEqualTo(LongtermMovableExperiment.runOne(c, 2));
    }
}
