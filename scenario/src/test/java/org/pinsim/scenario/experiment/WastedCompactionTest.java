package org.pinsim.scenario.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** E6 ({@link WastedCompaction}): what its figures must satisfy whatever the machine does. */
class WastedCompactionTest {

    @Test
    void run_isDeterministic_andItsFiguresAgree() {
        WastedCompaction.Run a = WastedCompaction.run(WastedCompaction.Variant.LINUX, 100, 1);
        WastedCompaction.Run b = WastedCompaction.run(WastedCompaction.Variant.LINUX, 100, 1);
        assertThat(b).isEqualTo(a); // same seed, same run
        // 1 % of a 256 MiB machine's 65536 pages
        assertThat(a.pinned()).isEqualTo(655);
        // mm/page_alloc.c __alloc_pages_direct_compact: every compact_stall ends in
        // compact_success or compact_fail
        assertThat(a.stalls()).isEqualTo(a.successes() + a.fails()).isGreaterThan(0);
        assertThat(a.thp()).isBetween(0L, (long) a.thpRequested());
        assertThat(a.wasted()).isBetween(0L, a.migrated());

    }

    @Test
    void oracle_neverScansABlockHoldingAnImmovablePage() {
        WastedCompaction.Run linux = WastedCompaction.run(WastedCompaction.Variant.LINUX, 100, 2);
        WastedCompaction.Run oracle = WastedCompaction.run(WastedCompaction.Variant.ORACLE, 100, 2);
        // E6's prediction: passing by every block that holds an immovable page removes most of
        // the migrate scanner's work (the kernel scans such a block up to its first failure)
        assertThat(oracle.scanned()).isLessThan(linux.scanned());
        assertThat(oracle.stalls()).isEqualTo(oracle.successes() + oracle.fails());
        assertThat(oracle.wasted()).isBetween(0L, oracle.migrated());
    }
}
