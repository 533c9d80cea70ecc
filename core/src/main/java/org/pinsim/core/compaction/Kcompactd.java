package org.pinsim.core.compaction;

import java.util.Arrays;
import org.pinsim.core.Sysctl;
import org.pinsim.core.mem.AllocFlags;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.time.Clock;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * mm/compaction.c: kcompactd, one per node, on the virtual clock.
 *
 * <p>The kernel thread sleeps in wait_event_freezable_timeout for HPAGE_FRAG_CHECK_INTERVAL_MSEC
 * (500 ms; no timeout when vm.compaction_proactiveness is 0). A waker
 * ({@link #wakeupKcompactd}: the allocator's wakeup_kswapd on a balanced node, kswapd after a
 * boosted pass) records the order and, if compaction is suitable, wakes it: kcompactd_do_work
 * compacts for that order. When the timeout expires with an order still recorded, the same
 * work runs; otherwise the proactive check: should_proactive_compact_node (proactiveness on,
 * the node's fragmentation score above the high mark) runs compact_node(pgdat, true), and a
 * pass that did not lower the score makes the next timeout 500 ms << COMPACT_MAX_DEFER_SHIFT
 * (32 s). Each sleep starts when the previous work ends.
 *
 * <p>The model is single-threaded and nothing runs between a scenario's statements: kcompactd
 * is a timer evaluated lazily, only while time is advanced on purpose ({@link #runUntil}, from
 * the scenario's {@code advance(D)}): every wakeup and every timeout that falls within the
 * advanced interval runs, in time order, at its time; a wakeup made by a statement runs at
 * the start of the next advance; a timeout that fell due while time moved for other reasons
 * (a syscall's work, a migration wait) runs once, at the start of the next advance. Its
 * migrations take their time on the clock, so an advance can end later than asked when a pass
 * is still running at its end. The daemon never sits on the {@link Clock}'s event queue, so
 * {@link Clock#runAll} ends.
 *
 * <p>Not modelled: proactive_compact_trigger (a write to vm.compaction_proactiveness while the
 * machine runs; the model's sysctls are set before the first statement), kswapd_is_running
 * (kswapd never runs as a thread), freezing, kthread_should_stop, node hotplug, and the
 * timer's jiffy granularity (500 ms is 125 jiffies at HZ=250, exact).
 */
public final class Kcompactd {
    /** mm/compaction.c HPAGE_FRAG_CHECK_INTERVAL_MSEC, in ns. */
    public static final long HPAGE_FRAG_CHECK_INTERVAL_NS = 500_000_000L;
    private static final long NEVER = Long.MAX_VALUE;

    private final PhysMem mem;
    private final Compaction compaction;
    private final Sysctl sysctl;
    private final VmStat stat;
    private final Clock clock;
    private final FragViews views;
    // per node (struct pglist_data's kcompactd_* fields and the thread's locals)
    private final int[] maxOrder;
    private final int[] highestZoneidx;
    private final boolean[] woken;
    private final long[] wakeNs;
    private final long[] sleepStartNs;
    private final long[] timeoutNs;
    private boolean running;
    private long runs;

    public Kcompactd(PhysMem mem, Compaction compaction, Sysctl sysctl, VmStat stat, Clock clock) {
        this.mem = mem;
        this.compaction = compaction;
        this.sysctl = sysctl;
        this.stat = stat;
        this.clock = clock;
        this.views = new FragViews(mem);
        final int n = mem.nrNodes();
        maxOrder = new int[n];
        highestZoneidx = new int[n];
        woken = new boolean[n];
        wakeNs = new long[n];
        sleepStartNs = new long[n];
        timeoutNs = new long[n];
        for (int nid = 0; nid < n; nid++) { // kcompactd(): the thread starts at boot
            highestZoneidx[nid] = nrZones(nid) - 1;
            timeoutNs[nid] = HPAGE_FRAG_CHECK_INTERVAL_NS;
        }
        Arrays.fill(sleepStartNs, clock.now());
    }

    /** pgdat->nr_zones: the highest populated zone's index + 1. */
    private int nrZones(int nid) {
        for (int zi = Zone.MAX_NR_ZONES - 1; zi >= 0; zi--) {
            final Zone z = mem.zone(nid, zi);
            if (z != null && z.populated()) {
                return zi + 1;
            }
        }
        return 1;
    }

    /**
     * mm/compaction.c: wakeup_kcompactd: raises the node's requested order (and lowers its
     * highest zone), and wakes the thread if it sleeps and kcompactd_node_suitable says
     * compaction could help.
     */
    public void wakeupKcompactd(int nid, int order, int highestZone) {
        if (order == 0) {
            return;
        }
        if (maxOrder[nid] < order) {
            maxOrder[nid] = order;
        }
        if (highestZoneidx[nid] > highestZone) {
            highestZoneidx[nid] = highestZone;
        }
        if (running) {
            return; // !wq_has_sleeper: kcompactd is at work
        }
        if (!kcompactdNodeSuitable(nid)) {
            return;
        }
        if (!woken[nid]) {
            woken[nid] = true;
            wakeNs[nid] = clock.now();
        }
    }

    /**
     * mm/compaction.c: kcompactd_node_suitable: a populated zone up to the requested one for
     * which compaction_suit_allocation_order(ALLOC_WMARK_MIN) answers COMPACT_CONTINUE.
     */
    public boolean kcompactdNodeSuitable(int nid) {
        for (int zi = 0; zi <= highestZoneidx[nid]; zi++) {
            final Zone z = mem.zone(nid, zi);
            if (z == null || !z.populated()) {
                continue;
            }
            if (compaction.suitAllocationOrder(z, maxOrder[nid], highestZoneidx[nid], AllocFlags.ALLOC_WMARK_MIN)
                    == Compaction.Result.CONTINUE) {
                return true;
            }
        }
        return false;
    }

    /** When the node's kcompactd next runs: its wakeup, else its timeout (NEVER without one). */
    public long dueNs(int nid) {
        if (woken[nid]) {
            return wakeNs[nid];
        }
        if (sysctl.get(Sysctl.COMPACTION_PROACTIVENESS) == 0) {
            // "timeout = MAX_SCHEDULE_TIMEOUT": an order recorded without a wakeup waits for one
            return NEVER;
        }
        return sleepStartNs[nid] + timeoutNs[nid];
    }

    /**
     * Runs every kcompactd wakeup and timeout due at or before {@code target}, each at its
     * time (events on the clock's queue due earlier run first), in time order, then node
     * order. Leaves the clock at the end of the last work (which may be past {@code target}).
     */
    public void runUntil(long target) {
        while (true) {
            int nid = -1;
            long due = NEVER;
            for (int n = 0; n < maxOrder.length; n++) {
                final long d = dueNs(n);
                if (d < due) {
                    due = d;
                    nid = n;
                }
            }
            if (nid < 0 || due > target) {
                return;
            }
            clock.runUntil(due);
            step(nid);
        }
    }

    /** One turn of kcompactd()'s loop, after wait_event_freezable_timeout returned. */
    private void step(int nid) {
        running = true;
        runs++;
        try {
            // "if (wait_event_freezable_timeout(..., kcompactd_work_requested(pgdat), timeout))"
            if (woken[nid] || maxOrder[nid] > 0) {
                woken[nid] = false;
                kcompactdDoWork(nid);
                timeoutNs[nid] = HPAGE_FRAG_CHECK_INTERVAL_NS;
            } else {
                timeoutNs[nid] = HPAGE_FRAG_CHECK_INTERVAL_NS;
                if (Proactive.shouldProactiveCompactNode(sysctl, views, nid)) {
                    final int prevScore = views.fragmentationScoreNode(nid);
                    compaction.compactNode(nid, true);
                    final int score = views.fragmentationScoreNode(nid);
                    if (score >= prevScore) { // "Defer proactive compaction if ... no progress made"
                        timeoutNs[nid] = HPAGE_FRAG_CHECK_INTERVAL_NS << Compaction.COMPACT_MAX_DEFER_SHIFT;
                    }
                }
            }
        } finally {
            running = false;
        }
        sleepStartNs[nid] = clock.now();
    }

    /**
     * mm/compaction.c: kcompactd_do_work: compact_daemon_wake; each populated zone up to the
     * requested one that is not deferred and for which compaction is suitable gets a
     * MIGRATE_SYNC_LIGHT compact_zone at the requested order; SUCCESS resets the deferral
     * (compaction_defer_reset(false)), COMPLETE or PARTIAL_SKIPPED drains the zone's pcp
     * lists and defers; then the request is cleared.
     */
    private void kcompactdDoWork(int nid) {
        final int order = maxOrder[nid];
        final int highest = highestZoneidx[nid];
        stat.count(VmEvent.KCOMPACTD_WAKE);
        for (int zi = 0; zi <= highest; zi++) {
            final Zone z = mem.zone(nid, zi);
            if (z == null || !z.populated()) {
                continue;
            }
            if (compaction.compactionDeferred(z, order)) {
                continue;
            }
            if (compaction.suitAllocationOrder(z, order, zi, AllocFlags.ALLOC_WMARK_MIN) != Compaction.Result.CONTINUE) {
                continue;
            }
            final Compaction.Result status = compaction.compactZoneKcompactd(z, order, highest);
            if (status == Compaction.Result.SUCCESS) {
                compaction.compactionDeferReset(z, order, false);
            } else if (status == Compaction.Result.PARTIAL_SKIPPED || status == Compaction.Result.COMPLETE) {
                mem.drainAllPages(z); // "Buddy pages may become stranded on pcps"
                compaction.deferCompaction(z, order);
            }
            stat.count(VmEvent.KCOMPACTD_MIGRATE_SCANNED, compaction.lastMigrateScanned());
            stat.count(VmEvent.KCOMPACTD_FREE_SCANNED, compaction.lastFreeScanned());
        }
        // single-threaded: no waker raised the request meanwhile, so both reset
        maxOrder[nid] = 0;
        highestZoneidx[nid] = nrZones(nid) - 1;
    }

    /** pgdat->kcompactd_max_order (views, tests). */
    public int maxOrder(int nid) {
        return maxOrder[nid];
    }

    /** A wakeup is pending for the node. */
    public boolean woken(int nid) {
        return woken[nid];
    }

    /** How many turns of the loop ran (tests). */
    public long runs() {
        return runs;
    }
}
