package org.pinsim.core.compaction;

import static org.pinsim.core.mem.FrameTable.MIGRATE_CMA;
import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_ORDER;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import java.util.function.IntFunction;
import org.pinsim.core.Sysctl;
import org.pinsim.core.mem.AllocFlags;
import org.pinsim.core.mem.Compactor;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.migrate.FolioList;
import org.pinsim.core.migrate.Migrate;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.time.Clock;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * mm/compaction.c (Linux 6.18): compact_zone with its two scanners. The migrate scanner walks
 * a zone upward a pageblock at a time, isolating up to COMPACT_CLUSTER_MAX movable folios per
 * batch (isolate_migratepages, isolate_migratepages_block); the free scanner walks downward
 * from the zone's end through MOVABLE and CMA pageblocks, isolating free buddy blocks as
 * migration targets (isolate_freepages, isolate_freepages_block), lazily, from the
 * migrate_pages allocation callback (compaction_alloc). A pass ends when the scanners meet
 * or, for an allocation, when a suitable free block exists (__compact_finished). Pageblock
 * skip hints (PB_compact_skip), the cached scanner positions and deferral
 * (compaction_deferred, defer_compaction, compaction_defer_reset) follow the kernel.
 *
 * <p>Migration goes through the engine ({@link Migrate}); each batch takes its time on the
 * {@link Clock}, and the compacting context waits for it (migrate_pages is synchronous), so the
 * source frames are free before the scanners go on.
 *
 * <h2>Entry points</h2>
 * {@link #compactNodes()} is what a write to /proc/sys/vm/compact_memory does
 * (sysctl_compaction_handler -> compact_nodes -> compact_node: every populated zone, order
 * -1, MIGRATE_SYNC, skip hints ignored but still set, the whole zone).
 * {@link #tryToCompactPages} is the direct compaction of the allocation slow path
 * (try_to_compact_pages -> compact_zone_order), which {@link PhysMem} calls through
 * {@link Compactor}; {@link Kcompactd} is the per-node daemon.
 *
 * <h2>Not modelled</h2>
 * <ul>
 * <li>THP migration: a compound folio is never isolated (the engine refuses large folios).
 *     For compact_memory this is what the kernel does anyway for PMD-sized folios
 *     (skip_isolation_on_order: order >= pageblock_order); mTHP does not exist in the
 *     model.</li>
 * <li>The fast searches (fast_find_migrateblock, fast_isolate_freepages): a full pass
 *     (order -1) does not use them; direct compaction here scans linearly from the cached
 *     positions, so it may scan more than the kernel would.</li>
 * <li>Lock contention, need_resched and fatal signals (COMPACT_CONTENDED never happens but
 *     on -ENOMEM), too_many_isolated, movable_ops (non-LRU movable) pages, writeback,
 *     GFP_NOFS callers, page capture (capture_control), hugetlb.</li>
 * <li>__reset_isolation_pfn's per-block probing: {@link #resetIsolationSuitable} clears every
 *     skip bit of the zone and restarts both scanners at the zone's ends.</li>
 * <li>kswapd's reclaim pass, and so the wakeup_kcompactd and compact_blockskip_flush reset it
 *     does when going to sleep (the flag is kept); the wakeup after a boosted pass is
 *     modelled ({@link PhysMem}).</li>
 * </ul>
 */
public final class Compaction {

    /** mm/internal.h COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX. */
    public static final int COMPACT_CLUSTER_MAX = 32;
    /** include/linux/compaction.h COMPACT_MAX_DEFER_SHIFT. */
    public static final int COMPACT_MAX_DEFER_SHIFT = 6;
    /** include/linux/mmzone.h PAGE_ALLOC_COSTLY_ORDER. */
    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;

    /** include/linux/compaction.h enum compact_result. */
    public enum Result { NOT_SUITABLE_ZONE, SKIPPED, DEFERRED, NO_SUITABLE_PAGE, CONTINUE, COMPLETE,
        PARTIAL_SKIPPED, CONTENDED, SUCCESS }

    /** include/linux/migrate_mode.h: compaction distinguishes SYNC_LIGHT, the engine does not. */
    public enum Mode { ASYNC, SYNC_LIGHT, SYNC }

    private enum Isolate { ABORT, NONE, SUCCESS }

    private final PhysMem mem;
    private final FrameTable ft;
    private final Migrate migrate;
    private final VmStat stat;
    private final Clock clock;
    private final Sysctl sysctl;
    private final IntFunction<Inode> inodeByIno;

    // per-zone compaction state (struct zone's compact_* fields), indexed by zoneId()
    private final int[] cachedMigratePfnAsync;
    private final int[] cachedMigratePfnSync;
    private final int[] cachedFreePfn;
    private final int[] initMigratePfn;
    private final int[] initFreePfn;
    private final int[] considered;
    private final int[] deferShift;
    private final int[] orderFailed;
    private final boolean[] blockskipFlush;

    // struct compact_control of the pass in progress (one at a time: the model is single-threaded)
    private Zone zone;
    private int zid;
    private int order;
    private Mode mode;
    private int migratetype;
    private int allocFlags;
    private int highestZoneidx;
    private boolean ignoreSkipHint;
    private boolean ignoreBlockSuitable;
    private boolean wholeZone;
    private boolean direct;
    private boolean proactive;
    private boolean finishPageblock;
    private int migratePfn;
    private int freePfn;
    private int nrMigratepages;
    private int nrFreepages;
    private long totalMigrateScanned;
    private long totalFreeScanned;
    private final FolioList migratepages = new FolioList();
    private final FreePages freepages = new FreePages();
    private int isolateStartPfn; // isolate_freepages_block's *start_pfn out-parameter

    /** migrate_pages' callbacks: compaction_alloc and compaction_free. */
    private final Migrate.Target target = new Migrate.Target() {
        @Override
        public int alloc(int src) {
            return compactionAlloc();
        }

        @Override
        public boolean free(int dst) {
            compactionFree(dst);
            return true;
        }
    };

    public Compaction(PhysMem mem, Migrate migrate, VmStat stat, Clock clock, Sysctl sysctl, IntFunction<Inode> inodeByIno) {
        this.mem = mem;
        this.ft = mem.frames();
        this.migrate = migrate;
        this.stat = stat;
        this.clock = clock;
        this.sysctl = sysctl;
        this.inodeByIno = inodeByIno;
        final int n = mem.nrNodes() * Zone.MAX_NR_ZONES;
        cachedMigratePfnAsync = new int[n];
        cachedMigratePfnSync = new int[n];
        cachedFreePfn = new int[n];
        initMigratePfn = new int[n];
        initFreePfn = new int[n];
        considered = new int[n];
        deferShift = new int[n];
        orderFailed = new int[n];
        blockskipFlush = new boolean[n];
        for (Zone z : mem.zones()) {
            final int i = zoneId(z);
            resetCachedPositions(z, i); // mm/mm_init.c: zone_init_internals leaves them to the first pass
            initMigratePfn[i] = z.zoneStartPfn();
            initFreePfn[i] = pageblockStartPfn(z.zoneEndPfn() - 1);
        }
    }

    private static int zoneId(Zone z) {
        return z.nid() * Zone.MAX_NR_ZONES + z.zoneIdx();
    }

    // ---- entry points ----

    /**
     * mm/compaction.c: compact_nodes (the write to /proc/sys/vm/compact_memory):
     * lru_add_drain_all, then compact_node of every node.
     */
    public void compactNodes() {
        for (int nid = 0; nid < mem.nrNodes(); nid++) {
            compactNode(nid, false);
        }
    }

    /**
     * mm/compaction.c: compact_node: every populated zone of the node, order -1, the whole
     * zone, skip hints ignored; MIGRATE_SYNC, or MIGRATE_SYNC_LIGHT when proactive (kcompactd).
     */
    public void compactNode(int nid, boolean proactiveCompaction) {
        for (int zi = 0; zi < Zone.MAX_NR_ZONES; zi++) {
            final Zone z = mem.zone(nid, zi);
            if (z == null || !z.populated()) {
                continue;
            }
            setup(z, -1, proactiveCompaction ? Mode.SYNC_LIGHT : Mode.SYNC, Gfp.GFP_KERNEL);
            ignoreSkipHint = true;
            wholeZone = true;
            proactive = proactiveCompaction;
            compactZone();
            if (proactiveCompaction) {
                stat.count(VmEvent.KCOMPACTD_MIGRATE_SCANNED, totalMigrateScanned);
                stat.count(VmEvent.KCOMPACTD_FREE_SCANNED, totalFreeScanned);
            }
        }
    }

    /**
     * mm/compaction.c: compact_zone_order: one zone, for an allocation of {@code 2^order}
     * pages with this gfp, as direct compaction runs it: MIGRATE_ASYNC at COMPACT_PRIO_ASYNC,
     * else MIGRATE_SYNC_LIGHT; the whole zone, skip hints and block suitability ignored at
     * MIN_COMPACT_PRIORITY. No capture_control: the page is taken by the allocator afterwards.
     */
    public Result compactZoneOrder(Zone z, int order, int gfp, int prio, int allocFlags, int highestZoneidx) {
        setup(z, order, prio == Compactor.COMPACT_PRIO_ASYNC ? Mode.ASYNC : Mode.SYNC_LIGHT, gfp);
        this.allocFlags = allocFlags;
        this.highestZoneidx = highestZoneidx;
        direct = true;
        wholeZone = prio == Compactor.MIN_COMPACT_PRIORITY;
        ignoreSkipHint = prio == Compactor.MIN_COMPACT_PRIORITY;
        ignoreBlockSuitable = prio == Compactor.MIN_COMPACT_PRIORITY;
        return compactZone();
    }

    /**
     * mm/compaction.c: try_to_compact_pages: each zone of the zonelist up to
     * {@code highestZoneidx}: skipped when deferred (above MIN_COMPACT_PRIORITY), else
     * compact_zone_order; the first SUCCESS ends the walk (compaction_defer_reset(false)), a
     * sync pass that ended COMPLETE or PARTIAL_SKIPPED defers the zone. The result is the
     * highest (enum order) of the zones' results.
     */
    public Result tryToCompactPages(int gfp, int ord, int allocFlags, Zone[] zonelist, int highestZoneidx, int prio) {
        Result rc = Result.SKIPPED;
        if (!PhysMem.gfpCompactionAllowed(gfp)) {
            return rc;
        }
        for (Zone z : zonelist) {
            if (z.zoneIdx() > highestZoneidx) {
                continue; // for_each_zone_zonelist_nodemask; cpusets are not modelled
            }
            if (prio > Compactor.MIN_COMPACT_PRIORITY && compactionDeferred(z, ord)) {
                rc = max(Result.DEFERRED, rc);
                continue;
            }
            final Result status = compactZoneOrder(z, ord, gfp, prio, allocFlags, highestZoneidx);
            rc = max(status, rc);
            if (status == Result.SUCCESS) { // "The allocation should succeed, stop compacting"
                compactionDeferReset(z, ord, false);
                break;
            }
            if (prio != Compactor.COMPACT_PRIO_ASYNC && (status == Result.COMPLETE || status == Result.PARTIAL_SKIPPED)) {
                deferCompaction(z, ord); // "We think that allocation won't succeed in this zone"
            }
            // need_resched and fatal signals: not modelled
        }
        return rc;
    }

    private static Result max(Result a, Result b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /**
     * mm/compaction.c: compaction_zonelist_suitable: some zone would pass __compaction_suitable
     * at its min mark with its free pages (plus zone_reclaimable_pages / order, 0 here: the
     * model reclaims nothing).
     */
    public boolean compactionZonelistSuitable(Zone[] zonelist, int highestZoneidx, int ord) {
        for (Zone z : zonelist) {
            if (z.zoneIdx() <= highestZoneidx && compactionSuitable(z, ord, z.minWmarkPages(), highestZoneidx)) {
                return true;
            }
        }
        return false;
    }

    /** total_migrate_scanned and total_free_scanned of the last pass (kcompactd counts them). */
    long lastMigrateScanned() {
        return totalMigrateScanned;
    }

    long lastFreeScanned() {
        return totalFreeScanned;
    }

    /**
     * kcompactd_do_work's compact_zone: order {@code ord} (the highest a waker asked for),
     * MIGRATE_SYNC_LIGHT, skip hints honoured, GFP_KERNEL, ALLOC_WMARK_MIN, not direct.
     */
    Result compactZoneKcompactd(Zone z, int ord, int highestZoneidx) {
        setup(z, ord, Mode.SYNC_LIGHT, Gfp.GFP_KERNEL);
        allocFlags = AllocFlags.ALLOC_WMARK_MIN;
        this.highestZoneidx = highestZoneidx;
        return compactZone();
    }

    /**
     * mm/compaction.c: compaction_suit_allocation_order for kcompactd (not async; defrag_mode
     * is 0, so the free pages are NR_FREE_PAGES either way).
     */
    Result suitAllocationOrder(Zone z, int ord, int highestZoneidx, int flags) {
        final int savedFlags = allocFlags;
        final int savedHighest = this.highestZoneidx;
        allocFlags = flags;
        this.highestZoneidx = highestZoneidx;
        try {
            return compactionSuitAllocationOrder(z, ord, false);
        } finally {
            allocFlags = savedFlags;
            this.highestZoneidx = savedHighest;
        }
    }

    private void setup(Zone z, int ord, Mode m, int gfp) {
        zone = z;
        zid = zoneId(z);
        order = ord;
        mode = m;
        migratetype = Gfp.gfpMigratetype(gfp);
        allocFlags = 0;
        highestZoneidx = z.zoneIdx();
        ignoreSkipHint = false;
        wholeZone = false;
        direct = false;
        proactive = false;
        finishPageblock = false;
        ignoreBlockSuitable = false;
    }

    // ---- compact_zone ----

    /** mm/compaction.c: compact_zone, for the compact_control set up by the caller. */
    private Result compactZone() {
        final int startPfn = zone.zoneStartPfn();
        final int endPfn = zone.zoneEndPfn();
        totalMigrateScanned = 0;
        totalFreeScanned = 0;
        nrMigratepages = 0;
        nrFreepages = 0;
        freepages.clear();
        migratepages.clear();
        if (order != -1) {
            final Result r = compactionSuitAllocationOrder(zone, order, mode == Mode.ASYNC);
            if (r != Result.CONTINUE) {
                return r;
            }
        }
        if (compactionRestarting(zid, order)) {
            resetIsolationSuitable(zone);
        }
        if (wholeZone) {
            migratePfn = startPfn;
            freePfn = pageblockStartPfn(endPfn - 1);
        } else {
            migratePfn = mode != Mode.ASYNC ? cachedMigratePfnSync[zid] : cachedMigratePfnAsync[zid];
            freePfn = cachedFreePfn[zid];
            if (freePfn < startPfn || freePfn >= endPfn) {
                freePfn = pageblockStartPfn(endPfn - 1);
                cachedFreePfn[zid] = freePfn;
            }
            if (migratePfn < startPfn || migratePfn >= endPfn) {
                migratePfn = startPfn;
                cachedMigratePfnAsync[zid] = migratePfn;
                cachedMigratePfnSync[zid] = migratePfn;
            }
            if (migratePfn <= initMigratePfn[zid]) {
                wholeZone = true;
            }
        }
        final Result ret = scanAndMigrate(mode != Mode.ASYNC);
        if (nrFreepages > 0) { // out: release the free pages, remember where the free scanner stopped
            int fp = pageblockStartPfn(releaseFreeList());
            nrFreepages = 0;
            if (fp > cachedFreePfn[zid]) {
                cachedFreePfn[zid] = fp;
            }
        }
        stat.count(VmEvent.COMPACTMIGRATE_SCANNED, totalMigrateScanned);
        stat.count(VmEvent.COMPACTFREE_SCANNED, totalFreeScanned);
        return ret;
    }

    /** compact_zone's main loop: isolate a batch, migrate it, until compact_finished says stop. */
    private Result scanAndMigrate(boolean sync) {
        int lastMigratedPfn = 0;
        boolean updateCached = !sync && cachedMigratePfnAsync[zid] == cachedMigratePfnSync[zid];
        Result ret;
        while ((ret = compactFinished()) == Result.CONTINUE) {
            finishPageblock = pageblockStartPfn(lastMigratedPfn) == pageblockStartPfn(migratePfn);
            boolean rescan = true;
            while (rescan) {
                rescan = false;
                final Isolate iso = isolateMigratepages();
                if (iso == Isolate.NONE) {
                    if (updateCached) {
                        cachedMigratePfnSync[zid] = cachedMigratePfnAsync[zid];
                    }
                    break;
                }
                updateCached = false;
                lastMigratedPfn = Math.max(zone.zoneStartPfn(), pageblockStartPfn(migratePfn - 1));
                final int err = migrateBatch();
                if (err == 0) {
                    break;
                }
                migrate.putbackMovablePages(migratepages);
                if (err == -ENOMEM && !compactScannersMet()) {
                    return Result.CONTENDED;
                }
                if (!pageblockAligned(migratePfn) && !ignoreSkipHint && !finishPageblock && mode != Mode.SYNC) {
                    finishPageblock = true; // scan the rest of the pageblock, so it gets marked skip
                    if (order == FragViews.COMPACTION_HPAGE_ORDER) {
                        lastMigratedPfn = 0;
                    }
                    rescan = true;
                }
            }
            // check_drain: flush the pages freed in the previous order-aligned block so they merge
            if (order > 0 && lastMigratedPfn != 0 && lastMigratedPfn < blockStartPfn(migratePfn, order)) {
                mem.drainLocalPages(zone); // lru_add_drain_cpu_zone
                lastMigratedPfn = 0;
            }
        }
        return ret;
    }

    /**
     * migrate_pages(&cc->migratepages, compaction_alloc, compaction_free, cc->mode,
     * MR_COMPACTION): the compacting context waits until the batch's remaps are done.
     */
    private int migrateBatch() {
        migrate.beginCall();
        final int err = migrate.migratePages(migratepages,
                target, mode == Mode.ASYNC ? Migrate.Mode.ASYNC : Migrate.Mode.SYNC);
        nrMigratepages = 0;
        clock.runUntil(clock.now() + migrate.callNs());
        return err;
    }

    // ---- the migrate scanner ----

    /** mm/compaction.c: isolate_migratepages: the next suitable pageblock below the free scanner. */
    private Isolate isolateMigratepages() {
        int lowPfn = migratePfn; // fast_find_migrateblock: not modelled (linear scan)
        int blockStartPfn = Math.max(pageblockStartPfn(lowPfn), zone.zoneStartPfn());
        int blockEndPfn = pageblockEndPfn(lowPfn);
        for (; blockEndPfn <= freePfn; migratePfn = lowPfn = blockEndPfn, blockStartPfn = blockEndPfn,
                blockEndPfn += PAGEBLOCK_NR_PAGES) {
            if ((pageblockAligned(lowPfn) || lowPfn == zone.zoneStartPfn()) && !isolationSuitable(blockStartPfn)) {
                continue;
            }
            if (!suitableMigrationSource(blockStartPfn)) {
                updateCachedMigrate(blockEndPfn);
                continue;
            }
            isolateMigratepagesBlock(lowPfn, blockEndPfn);
            break;
        }
        return nrMigratepages > 0 ? Isolate.SUCCESS : Isolate.NONE;
    }

    /**
     * mm/compaction.c: isolate_migratepages_block: isolates the migratable folios of
     * [lowPfn, endPfn), at most COMPACT_CLUSTER_MAX at a time, and sets the pageblock's skip
     * hint when it was scanned to its end with nothing isolated.
     */
    private void isolateMigratepagesBlock(int lowPfn, int endPfn) {
        migratePfn = lowPfn;
        final boolean skipOnFailure = direct && mode == Mode.ASYNC;
        int nextSkipPfn = skipOnFailure ? blockEndPfn(lowPfn, order) : 0;
        final boolean isolateUnevictable = sysctl.get(Sysctl.COMPACT_UNEVICTABLE_ALLOWED) != 0; // ISOLATE_UNEVICTABLE
        final int zoneStart = zone.zoneStartPfn();
        long nrScanned = 0;
        int nrIsolated = 0;
        int validPfn = NO_FRAME;
        boolean skipUpdated = false;
        boolean abort = false;
        for (; lowPfn < endPfn; lowPfn++) {
            if (skipOnFailure && lowPfn >= nextSkipPfn) {
                if (nrIsolated > 0) {
                    break;
                }
                nextSkipPfn = blockEndPfn(lowPfn, order);
            }
            nrScanned++;
            if (validPfn == NO_FRAME && (pageblockAligned(lowPfn) || lowPfn == zoneStart)) {
                if (!isolationSuitable(lowPfn)) {
                    lowPfn = endPfn;
                    abort = true;
                    break;
                }
                validPfn = lowPfn;
            }
            final boolean buddy = ft.isBuddy(lowPfn);
            final int skip = migrateSkip(lowPfn, isolateUnevictable);
            if (skip > 0) { // a free block, or a compound folio: skipped whole
                lowPfn += skip - 1;
                nrScanned += skip - 1;
            }
            if (buddy) {
                continue; // a free page is not a failure
            }
            if (skip != 0) { // isolate_fail
                if (!skipOnFailure) {
                    continue;
                }
                // async direct compaction gives up the whole order-aligned block
                if (nrIsolated > 0) {
                    migrate.putbackMovablePages(migratepages);
                    nrMigratepages = 0;
                    nrIsolated = 0;
                }
                if (lowPfn < nextSkipPfn) {
                    lowPfn = nextSkipPfn - 1;
                    nextSkipPfn += 1 << order;
                }
                continue;
            }
            // the first isolation in the block marks it skipped for other compactors
            if (!skipUpdated && validPfn != NO_FRAME) {
                skipUpdated = true;
                if (testAndSetSkip(validPfn) && !finishPageblock) {
                    lowPfn = endPfn;
                    abort = true;
                    break;
                }
            }
            migrate.isolateLru(lowPfn);
            migratepages.add(lowPfn, fileOf(lowPfn), NO_FRAME);
            nrMigratepages++;
            nrIsolated++;
            if (nrMigratepages >= COMPACT_CLUSTER_MAX && !finishPageblock) {
                lowPfn++;
                break;
            }
        }
        if (!abort && lowPfn > endPfn) {
            lowPfn = endPfn;
        }
        if (lowPfn == endPfn && (nrIsolated == 0 || finishPageblock)) {
            if (validPfn != NO_FRAME && !skipUpdated) {
                ft.setPageblockSkip(validPfn, true); // set_pageblock_skip
            }
            updateCachedMigrate(lowPfn);
        }
        totalMigrateScanned += nrScanned;
        if (nrIsolated > 0) {
            stat.count(VmEvent.COMPACTISOLATED, nrIsolated);
        }
        migratePfn = lowPfn;
    }

    /**
     * isolate_migratepages_block's per-page rules, before the isolation itself.
     *
     * @return 0 to isolate the page; n > 0 to skip n frames (a free buddy block, not a
     *     failure; a compound folio, a failure); -1 for a page that fails isolation
     */
    private int migrateSkip(int pfn, boolean isolateUnevictable) {
        if (ft.isBuddy(pfn)) { // PageBuddy: skip the free block at once
            final int freepageOrder = ft.buddyOrder(pfn);
            return freepageOrder > 0 ? 1 << freepageOrder : 1;
        }
        if (ft.isHead(pfn)) {
            // PageCompound: skip_isolation_on_order; THP migration is not modelled at all, so a
            // folio the kernel would isolate (order < target order) fails here instead
            return ft.folioNrPages(pfn);
        }
        if (ft.isTail(pfn) || !ft.testFlag(pfn, PG_lru)) {
            return -1; // not on an LRU: no movable_ops pages in the model
        }
        // "Migration will fail if an anonymous page is pinned in memory": the racy check
        // folio_ref_count - 1 > folio_mapcount, made before folio_get (hence no -1 here)
        if (ft.testFlag(pfn, PG_anon) && ft.refcount(pfn) > ft.folioMapcount(pfn)) {
            return -1;
        }
        if (!isolateUnevictable && ft.testFlag(pfn, PG_unevictable)) {
            return -1; // "Compaction might skip unevictable pages but CMA takes them"
        }
        return 0;
    }

    private Inode fileOf(int pfn) {
        return ft.testFlag(pfn, PG_anon) ? null : inodeByIno.apply(Memory.ownerIno(ft.owner(pfn)));
    }

    /**
     * mm/compaction.c: suitable_migration_source: a pageblock headed by a pageblock-sized
     * compound folio is skipped persistently; async direct compaction takes only blocks of
     * the request's migratetype (MOVABLE or CMA for a movable request).
     */
    private boolean suitableMigrationSource(int pfn) {
        if (ft.isHead(pfn) && ft.folioNrPages(pfn) >= PAGEBLOCK_NR_PAGES) { // pageblock_skip_persistent
            return false;
        }
        if (mode != Mode.ASYNC || !direct) {
            return true;
        }
        final int blockMt = ft.pageblockMigratetype(pfn);
        if (migratetype == MIGRATE_MOVABLE) {
            return blockMt == MIGRATE_MOVABLE || blockMt == MIGRATE_CMA;
        }
        return blockMt == migratetype;
    }

    // ---- the free scanner ----

    /**
     * mm/compaction.c: isolate_freepages: from the cached free pfn down, pageblock by
     * pageblock, until enough free pages are isolated for the batch or the scanners meet.
     * fast_isolate_freepages is not modelled (a full pass does not use it).
     */
    private void isolateFreepages() {
        isolateStartPfn = freePfn;
        int blockStartPfn = pageblockStartPfn(isolateStartPfn);
        int blockEndPfn = Math.min(blockStartPfn + PAGEBLOCK_NR_PAGES, zone.zoneEndPfn());
        final int lowPfn = pageblockEndPfn(migratePfn);
        int stride = mode == Mode.ASYNC ? COMPACT_CLUSTER_MAX : 1;
        for (; blockStartPfn >= lowPfn; blockEndPfn = blockStartPfn, blockStartPfn -= PAGEBLOCK_NR_PAGES,
                isolateStartPfn = blockStartPfn) {
            if (!suitableMigrationTarget(blockStartPfn) || !isolationSuitable(blockStartPfn)) {
                continue;
            }
            final int nrIsolated = isolateFreepagesBlock(isolateStartPfn, blockEndPfn, stride);
            if (isolateStartPfn == blockEndPfn) {
                updatePageblockSkip(blockStartPfn, blockStartPfn - PAGEBLOCK_NR_PAGES);
            }
            if (nrFreepages >= nrMigratepages) {
                if (isolateStartPfn >= blockEndPfn) {
                    isolateStartPfn = blockStartPfn - PAGEBLOCK_NR_PAGES; // restart at the previous block
                }
                break;
            } else if (isolateStartPfn < blockEndPfn) {
                break; // isolation failed early (the watermark)
            }
            stride = nrIsolated > 0 ? 1 : Math.min(COMPACT_CLUSTER_MAX, stride << 1);
        }
        freePfn = isolateStartPfn;
    }

    /**
     * mm/compaction.c: isolate_freepages_block (not strict): the free buddy blocks of
     * [blockPfn, endPfn), each taken whole (__isolate_free_page) onto cc->freepages[order].
     * Leaves where it stopped in {@link #isolateStartPfn}.
     */
    private int isolateFreepagesBlock(int blockPfn, int endPfn, int stride) {
        long nrScanned = 0;
        int totalIsolated = 0;
        for (; blockPfn < endPfn; blockPfn += stride) {
            nrScanned++;
            if (ft.isHead(blockPfn)) { // PageCompound: skip the folio at once
                final int nr = ft.folioNrPages(blockPfn);
                if (blockPfn + nr <= endPfn) {
                    blockPfn += nr - 1;
                    nrScanned += nr - 1;
                }
                continue;
            }
            if (!ft.isBuddy(blockPfn)) {
                continue;
            }
            final int o = ft.buddyOrder(blockPfn);
            final int isolated = zone.buddy().isolateFreePage(blockPfn, o);
            if (isolated == 0) {
                break;
            }
            nrScanned += isolated - 1;
            totalIsolated += isolated;
            nrFreepages += isolated;
            freepages.addTail(o, blockPfn);
            if (nrMigratepages <= nrFreepages) {
                blockPfn += isolated;
                break;
            }
            blockPfn += isolated - 1;
        }
        if (blockPfn > endPfn) {
            blockPfn = endPfn;
        }
        isolateStartPfn = blockPfn;
        totalFreeScanned += nrScanned;
        if (totalIsolated > 0) {
            stat.count(VmEvent.COMPACTISOLATED, totalIsolated);
        }
        return totalIsolated;
    }

    /**
     * mm/compaction.c: suitable_migration_target: not a block that is already free at the
     * target order (pageblock_order for a full pass); only MOVABLE and CMA pageblocks.
     */
    private boolean suitableMigrationTarget(int pfn) {
        if (ft.isBuddy(pfn) && ft.buddyOrder(pfn) >= (order > 0 ? order : PAGEBLOCK_ORDER)) {
            return false;
        }
        if (ignoreBlockSuitable) {
            return true;
        }
        final int mt = ft.pageblockMigratetype(pfn);
        return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
    }

    /**
     * mm/compaction.c: compaction_alloc: a target frame from the smallest non-empty order of
     * cc->freepages, split down to order 0 (the upper halves back at the lists' heads); the
     * free scanner runs once if they are empty.
     */
    private int compactionAlloc() {
        boolean hasIsolatedPages = false;
        while (true) {
            int startOrder = 0;
            while (startOrder < Zone.NR_PAGE_ORDERS && freepages.isEmpty(startOrder)) {
                startOrder++;
            }
            if (startOrder == Zone.NR_PAGE_ORDERS) {
                if (hasIsolatedPages) {
                    return NO_FRAME;
                }
                isolateFreepages();
                hasIsolatedPages = true;
                continue;
            }
            final int pfn = freepages.pollHead(startOrder);
            int size = 1 << startOrder;
            while (startOrder > 0) {
                startOrder--;
                size >>>= 1;
                freepages.addHead(startOrder, pfn + size);
            }
            nrFreepages--;
            ft.setRefcount(pfn, 1); // post_alloc_hook, set_page_refcounted
            return pfn;
        }
    }

    /** mm/compaction.c: compaction_free: an unused target goes back onto cc->freepages[0]. */
    private void compactionFree(int dst) {
        if (ft.refDec(dst) == 0) {
            freepages.addHead(0, dst);
            nrFreepages++;
        }
        nrMigratepages++;
    }

    /**
     * mm/compaction.c: release_free_list: every block left on cc->freepages back to the page
     * allocator (post_alloc_hook, __free_pages).
     *
     * @return the highest pfn released
     */
    private int releaseFreeList() {
        int highPfn = 0;
        for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) {
            for (int pfn = freepages.pollHead(o); pfn != NO_FRAME; pfn = freepages.pollHead(o)) {
                for (int p = pfn; p < pfn + (1 << o); p++) {
                    ft.setRefcount(p, 1);
                }
                mem.freePages(pfn, o);
                stat.count(VmEvent.PGFREE, 1L << o);
                highPfn = Math.max(highPfn, pfn);
            }
        }
        return highPfn;
    }

    // ---- termination ----

    /** mm/compaction.c: compact_finished: __compact_finished, NO_SUITABLE_PAGE read as CONTINUE. */
    private Result compactFinished() {
        final Result r = compactFinishedRaw();
        return r == Result.NO_SUITABLE_PAGE ? Result.CONTINUE : r;
    }

    /** mm/compaction.c: __compact_finished. */
    private Result compactFinishedRaw() {
        if (compactScannersMet()) {
            resetCachedPositions(zone, zid); // let the next compaction start anew
            if (direct) {
                blockskipFlush[zid] = true;
            }
            return wholeZone ? Result.COMPLETE : Result.PARTIAL_SKIPPED;
        }
        if (proactive) { // kswapd is never running in the model
            return Proactive.fragmentationScoreZone(zone)
                    > Proactive.fragmentationScoreWmark(sysctl, true) ? Result.CONTINUE : Result.SUCCESS;
        }
        if (order == -1) {
            return Result.CONTINUE;
        }
        if (!pageblockAligned(migratePfn)) {
            return Result.CONTINUE; // always finish scanning a pageblock
        }
        for (int o = order; o < Zone.NR_PAGE_ORDERS; o++) {
            if (!zone.buddy().freeAreaEmpty(o, migratetype)) {
                return Result.SUCCESS;
            }
            if (migratetype == MIGRATE_MOVABLE && !zone.buddy().freeAreaEmpty(o, MIGRATE_CMA)) {
                return Result.SUCCESS;
            }
            if (zone.buddy().findSuitableFallback(o, migratetype, true) >= 0) {
                return Result.SUCCESS;
            }
        }
        return Result.NO_SUITABLE_PAGE;
    }

    /** mm/compaction.c: compact_scanners_met: the free scanner reached the migrate scanner's pageblock. */
    private boolean compactScannersMet() {
        return freePfn >> PAGEBLOCK_ORDER <= migratePfn >> PAGEBLOCK_ORDER;
    }

    // ---- suitability ----

    /**
     * mm/compaction.c: compaction_suit_allocation_order: SUCCESS if the allocation would
     * already pass its watermark; async costly requests without ALLOC_CMA skipped when the
     * non-CMA free pages are short; else compaction_suitable.
     */
    private Result compactionSuitAllocationOrder(Zone z, int ord, boolean async) {
        final long watermark = z.wmarkPages(allocFlags & AllocFlags.ALLOC_WMARK_MASK);
        if (z.watermarkOk(ord, watermark, highestZoneidx, allocFlags)) {
            return Result.SUCCESS;
        }
        if (ord > PAGE_ALLOC_COSTLY_ORDER && async && (allocFlags & AllocFlags.ALLOC_CMA) == 0
                && !z.watermarkOk(0, watermark + (2L << ord), highestZoneidx, 0)) {
            return Result.SKIPPED;
        }
        return compactionSuitable(z, ord, watermark, highestZoneidx) ? Result.CONTINUE : Result.SKIPPED;
    }

    /**
     * mm/compaction.c: compaction_suitable / __compaction_suitable: order-0 free pages above
     * the watermark plus compact_gap (2 << order; plus low - min for costly orders), and for
     * costly orders a fragmentation index above vm.extfrag_threshold (a failure due to
     * fragmentation, not to a lack of memory).
     */
    public boolean compactionSuitable(Zone z, int ord, long watermark, int highestZoneidx) {
        long mark = watermark + (2L << ord); // compact_gap
        if (ord > PAGE_ALLOC_COSTLY_ORDER) {
            mark += z.lowWmarkPages() - z.minWmarkPages();
        }
        if (!z.watermarkOk(0, mark, highestZoneidx, AllocFlags.ALLOC_CMA)) {
            return false;
        }
        if (ord > PAGE_ALLOC_COSTLY_ORDER) {
            final int fragindex = FragViews.fragmentationIndex(z, ord);
            if (fragindex >= 0 && fragindex <= sysctl.get(Sysctl.EXTFRAG_THRESHOLD)) {
                return false;
            }
        }
        return true;
    }

    // ---- deferral ----

    /**
     * mm/compaction.c: compaction_deferred: after a failure at this order or above, the next
     * 2^compact_defer_shift attempts are skipped (counted in compact_considered).
     */
    public boolean compactionDeferred(Zone z, int ord) {
        final int i = zoneId(z);
        final int deferLimit = 1 << deferShift[i];
        if (ord < orderFailed[i]) {
            return false;
        }
        if (++considered[i] >= deferLimit) {
            considered[i] = deferLimit;
            return false;
        }
        return true;
    }

    /** mm/compaction.c: defer_compaction: a failure doubles the skipped attempts, up to 64. */
    public void deferCompaction(Zone z, int ord) {
        final int i = zoneId(z);
        considered[i] = 0;
        deferShift[i] = Math.min(deferShift[i] + 1, COMPACT_MAX_DEFER_SHIFT);
        if (ord < orderFailed[i]) {
            orderFailed[i] = ord;
        }
    }

    /** mm/compaction.c: compaction_defer_reset: a success at this order. */
    public void compactionDeferReset(Zone z, int ord, boolean allocSuccess) {
        final int i = zoneId(z);
        if (allocSuccess) {
            considered[i] = 0;
            deferShift[i] = 0;
        }
        if (ord >= orderFailed[i]) {
            orderFailed[i] = ord + 1;
        }
    }

    /** mm/compaction.c: compaction_restarting: deferred to the limit and the limit reached. */
    private boolean compactionRestarting(int i, int ord) {
        if (ord < orderFailed[i]) {
            return false;
        }
        return deferShift[i] == COMPACT_MAX_DEFER_SHIFT && considered[i] >= 1 << deferShift[i];
    }

    /** zone->compact_considered, compact_defer_shift, compact_order_failed (for views and tests). */
    public int[] deferState(Zone z) {
        final int i = zoneId(z);
        return new int[] {considered[i], deferShift[i], orderFailed[i]};
    }

    // ---- skip hints and cached positions ----

    /** mm/compaction.c: isolation_suitable: a pass that honours skip hints passes a skipped block by. */
    private boolean isolationSuitable(int pfn) {
        return ignoreSkipHint || !ft.pageblockSkip(pfn);
    }

    /** mm/compaction.c: test_and_set_skip. */
    private boolean testAndSetSkip(int pfn) {
        if (ignoreSkipHint) {
            return false;
        }
        final boolean skip = ft.pageblockSkip(pfn);
        if (!skip) {
            ft.setPageblockSkip(pfn, true);
        }
        return skip;
    }

    /** mm/compaction.c: update_pageblock_skip (the free scanner's). */
    private void updatePageblockSkip(int pfn, int cachedPfn) {
        ft.setPageblockSkip(pfn, true);
        if (cachedPfn < cachedFreePfn[zid]) {
            cachedFreePfn[zid] = cachedPfn;
        }
    }

    /** mm/compaction.c: update_cached_migrate. */
    private void updateCachedMigrate(int pfn) {
        pfn = pageblockEndPfn(pfn);
        if (pfn > cachedMigratePfnAsync[zid]) {
            cachedMigratePfnAsync[zid] = pfn;
        }
        if (mode != Mode.ASYNC && pfn > cachedMigratePfnSync[zid]) {
            cachedMigratePfnSync[zid] = pfn;
        }
    }

    /** mm/compaction.c: reset_cached_positions. */
    private void resetCachedPositions(Zone z, int i) {
        cachedMigratePfnAsync[i] = z.zoneStartPfn();
        cachedMigratePfnSync[i] = z.zoneStartPfn();
        cachedFreePfn[i] = pageblockStartPfn(z.zoneEndPfn() - 1);
    }

    /**
     * mm/compaction.c: __reset_isolation_suitable, simplified (see the class comment): every
     * skip bit of the zone cleared, both scanners back at the zone's ends.
     */
    public void resetIsolationSuitable(Zone z) {
        final int i = zoneId(z);
        blockskipFlush[i] = false;
        for (int pfn = z.zoneStartPfn(); pfn < z.zoneEndPfn(); pfn += PAGEBLOCK_NR_PAGES) {
            ft.setPageblockSkip(pfn, false);
        }
        resetCachedPositions(z, i);
    }

    /**
     * mm/page_alloc.c: __alloc_pages_direct_compact's accounting after a compaction that was
     * not skipped: compact_stall; a page got in {@code z}: compact_blockskip_flush cleared,
     * compaction_defer_reset(z, order, true), compact_success; none ({@code z} null):
     * compact_fail.
     */
    public void directCompactDone(Zone z, int ord) {
        stat.count(VmEvent.COMPACTSTALL);
        if (z != null) {
            blockskipFlush[zoneId(z)] = false;
            compactionDeferReset(z, ord, true);
            stat.count(VmEvent.COMPACTSUCCESS);
        } else {
            stat.count(VmEvent.COMPACTFAIL);
        }
    }

    /** The page allocator's view of this compaction and of kcompactd ({@link PhysMem#setCompactor}). */
    public Compactor compactor(Kcompactd kcompactd) {
        return new Compactor() {
            @Override
            public int tryToCompactPages(int gfp, int ord, int flags, Zone[] zonelist, int highest, int prio) {
                return Compaction.this.tryToCompactPages(gfp, ord, flags, zonelist, highest, prio).ordinal();
            }

            @Override
            public void directCompactDone(Zone z, int ord) {
                Compaction.this.directCompactDone(z, ord);
            }

            @Override
            public boolean compactionZonelistSuitable(Zone[] zonelist, int highest, int ord) {
                return Compaction.this.compactionZonelistSuitable(zonelist, highest, ord);
            }

            @Override
            public void wakeupKcompactd(int nid, int ord, int highest) {
                kcompactd.wakeupKcompactd(nid, ord, highest);
            }
        };
    }

    /** zone->compact_blockskip_flush: a direct compaction's scanners met since the last reset. */
    public boolean blockskipFlush(Zone z) {
        return blockskipFlush[zoneId(z)];
    }

    // ---- pfn arithmetic (include/linux/pageblock-flags.h, mm/compaction.c) ----

    static int pageblockStartPfn(int pfn) {
        return pfn & ~(PAGEBLOCK_NR_PAGES - 1);
    }

    static int pageblockEndPfn(int pfn) {
        return pageblockStartPfn(pfn) + PAGEBLOCK_NR_PAGES;
    }

    static boolean pageblockAligned(int pfn) {
        return (pfn & (PAGEBLOCK_NR_PAGES - 1)) == 0;
    }

    // mm/compaction.c: block_start_pfn / block_end_pfn (order -1 reads as order 0)
    private static int blockStartPfn(int pfn, int ord) {
        return pfn & ~((1 << Math.max(ord, 0)) - 1);
    }

    private static int blockEndPfn(int pfn, int ord) {
        return blockStartPfn(pfn, ord) + (1 << Math.max(ord, 0));
    }
}
