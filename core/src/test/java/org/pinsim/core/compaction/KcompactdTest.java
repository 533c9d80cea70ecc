package org.pinsim.core.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.compaction.DirectCompactionTest.boot;
import static org.pinsim.core.compaction.DirectCompactionTest.fragmentAll;
import static org.pinsim.core.compaction.DirectCompactionTest.freeBlocks;
import static org.pinsim.core.compaction.DirectCompactionTest.spawn;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.Sysctl;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.mm.ThpDefrag;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.vmstat.VmEvent;

/**
 * kcompactd on the virtual clock (mm/compaction.c kcompactd, kcompactd_do_work,
 * wakeup_kcompactd, should_proactive_compact_node, fragmentation_score_wmark). Each
 * expectation cites the kernel function it follows.
 */
class KcompactdTest {
    private static final long MS = 1_000_000L;

    private static int score(Kernel k) {
        return new FragViews(k.mem()).fragmentationScoreNode(0);
    }

    private static Kernel fragmented(long proactiveness) {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        k.setSysctl(Sysctl.COMPACTION_PROACTIVENESS, proactiveness);
        Task app = spawn(k);
        fragmentAll(k, app);
        // the page tables' fallbacks boosted a watermark while memory still had free pageblocks:
        // balance_pgdat's "wakeup_kcompactd(pgdat, pageblock_order, ...)" recorded order 9, but
        // kcompactd_node_suitable was false then (COMPACT_SUCCESS), so the thread was not woken
        assertThat(k.kcompactd().woken(0)).isFalse();
        assertThat(k.kcompactd().maxOrder(0)).isEqualTo(FrameTable.PAGEBLOCK_ORDER);
        return k;
    }

    @Test
    void proactive_everyHalfSecond_lowersTheScoreUnderTheHighMark() {
        Kernel k = fragmented(20);
        int before = score(k);
        // fragmentation_score_wmark(false): 100 - 20 + min(10, 80 / 2) = 90
        assertThat(before).isGreaterThan(Proactive.fragmentationScoreWmark(k.sysctl(), false));

        // kcompactd sleeps HPAGE_FRAG_CHECK_INTERVAL_MSEC (500 ms) from boot: nothing before
        k.advance(499 * MS);
        assertThat(k.kcompactd().runs()).isZero();
        assertThat(score(k)).isEqualTo(before);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();

        k.advance(1501 * MS);
        // 500 ms: the recorded order makes kcompactd_work_requested true: kcompactd_do_work
        // (one compact_daemon_wake) until a free pageblock exists; 1000 ms on:
        // should_proactive_compact_node: score above 90 -> compact_node(pgdat, true): the
        // zones are compacted until their score is at most the low mark (80, __compact_finished)
        assertThat(k.kcompactd().runs()).isGreaterThanOrEqualTo(1);
        assertThat(score(k)).isLessThan(before);
        assertThat(score(k)).isLessThanOrEqualTo(Proactive.fragmentationScoreWmark(k.sysctl(), false));
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isGreaterThan(0);
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_MIGRATE_SCANNED)).isGreaterThan(0);
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_FREE_SCANNED)).isGreaterThan(0);
        // a proactive pass is not a wakeup (compact_daemon_wake counts kcompactd_do_work only)
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_WAKE)).isEqualTo(1);
        assertThat(k.kcompactd().runs()).isGreaterThanOrEqualTo(2);
        assertThat(k.vmstat().get(VmEvent.COMPACTSTALL)).isZero();
        // the ticks run at 500 ms, 1000 ms, ...: the clock reached at least the 2 s asked
        assertThat(k.clock().now()).isGreaterThanOrEqualTo(2000 * MS);
        k.checkInvariantsFull();
    }

    @Test
    void proactivenessZero_leavesTheMachineAlone() {
        Kernel k = fragmented(0);
        int before = score(k);

        k.advance(2000 * MS);

        // kcompactd(): "if (!sysctl_compaction_proactiveness) timeout = MAX_SCHEDULE_TIMEOUT":
        // no proactive check, and the recorded order waits for a wakeup that never came
        assertThat(k.kcompactd().runs()).isZero();
        assertThat(k.kcompactd().maxOrder(0)).isEqualTo(FrameTable.PAGEBLOCK_ORDER);
        assertThat(score(k)).isEqualTo(before);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_MIGRATE_SCANNED)).isZero();
    }

    @Test
    void nothingRunsBetweenStatements_andRunAllEnds() {
        Kernel k = fragmented(20);
        int before = score(k);
        // time passed by other means (the clock itself) does not run kcompactd
        k.clock().runUntil(5000 * MS);
        k.clock().runAll(); // the periodic timer is not on the event queue: this returns
        assertThat(k.kcompactd().runs()).isZero();
        assertThat(score(k)).isEqualTo(before);
        // the timeout that fell due meanwhile runs once, at the start of the next advance
        // (kcompactd_do_work for the recorded order 9), and the next is 500 ms after it ends
        k.advance(1);
        assertThat(k.kcompactd().runs()).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_WAKE)).isEqualTo(1);
        assertThat(score(k)).isLessThan(before);
    }

    @Test
    void wakeup_runsKcompactdDoWork_atTheNextAdvance() {
        Kernel k = fragmented(0);
        assertThat(freeBlocks(k, FrameTable.PAGEBLOCK_ORDER)).isZero();

        // wakeup_kcompactd: order recorded; kcompactd_node_suitable (order-0 free pages above
        // min + compact_gap, fragmentation index above 500): the thread is woken
        k.kcompactd().wakeupKcompactd(0, FrameTable.PAGEBLOCK_ORDER, Zone.ZONE_DMA32);
        assertThat(k.kcompactd().woken(0)).isTrue();
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_WAKE)).isZero(); // not before time is advanced

        k.advance(1);

        // kcompactd_do_work: compact_daemon_wake, a MIGRATE_SYNC_LIGHT pass per zone at order 9
        // until a free pageblock exists (__compact_finished: COMPACT_SUCCESS), request cleared
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_WAKE)).isEqualTo(1);
        assertThat(freeBlocks(k, FrameTable.PAGEBLOCK_ORDER)).isGreaterThan(0);
        assertThat(k.kcompactd().maxOrder(0)).isZero();
        assertThat(k.kcompactd().woken(0)).isFalse();
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_MIGRATE_SCANNED)).isGreaterThan(0);
        k.checkInvariantsFull();
    }

    @Test
    void wakeup_ofOrderZero_orWithoutSuitableZone_doesNothing() {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        // wakeup_kcompactd: "if (!order) return"
        k.kcompactd().wakeupKcompactd(0, 0, Zone.ZONE_DMA32);
        assertThat(k.kcompactd().maxOrder(0)).isZero();
        // a fresh machine has free order-9 blocks: compaction_suit_allocation_order is
        // COMPACT_SUCCESS, so kcompactd_node_suitable is false; the order stays recorded
        k.kcompactd().wakeupKcompactd(0, FrameTable.PAGEBLOCK_ORDER, Zone.ZONE_DMA32);
        assertThat(k.kcompactd().woken(0)).isFalse();
        assertThat(k.kcompactd().maxOrder(0)).isEqualTo(FrameTable.PAGEBLOCK_ORDER);
        // kcompactd_work_requested at the next timeout: kcompactd_do_work runs (and finds every
        // zone unsuitable), counted as a wake, and the request is cleared
        k.advance(500 * MS);
        assertThat(k.vmstat().get(VmEvent.KCOMPACTD_WAKE)).isEqualTo(1);
        assertThat(k.kcompactd().maxOrder(0)).isZero();
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
    }

    @Test
    void proactive_noProgress_defersTheNextCheckBy32s() {
        Kernel k = boot(ThpEnabled.MADVISE, ThpDefrag.MADVISE);
        k.setSysctl(Sysctl.COMPACT_UNEVICTABLE_ALLOWED, 0); // mlocked pages do not move
        Task app = spawn(k);
        long a = fragmentAll(k, app);
        assertThat(app.mlock2(a, app.mm().vmas().get(0).end() - a, org.pinsim.core.uapi.Mman.MLOCK_ONFAULT).ret())
                .isZero();
        int before = score(k);
        assertThat(before).isGreaterThan(90);

        k.advance(2000 * MS);
        // 500 ms: kcompactd_do_work for the recorded order (nothing can move); 1000 ms: the
        // proactive pass moves nothing either: kcompactd(): "if (unlikely(score >= prev_score))
        // timeout = default_timeout << COMPACT_MAX_DEFER_SHIFT": the next check is 32 s later
        assertThat(k.kcompactd().runs()).isEqualTo(2);
        assertThat(score(k)).isEqualTo(before);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
        k.advance(30_900 * MS); // 32.9 s
        assertThat(k.kcompactd().runs()).isEqualTo(2);
        k.advance(200 * MS); // past 33 s
        assertThat(k.kcompactd().runs()).isEqualTo(3);
    }
}
