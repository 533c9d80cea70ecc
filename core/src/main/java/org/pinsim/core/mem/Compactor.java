package org.pinsim.core.mem;

/**
 * What the page allocator calls in mm/compaction.c: direct compaction from the allocation
 * slow path and the wakeup of kcompactd. Installed by the kernel once the migration engine
 * exists ({@link PhysMem#setCompactor}); without one (boot, machine aging, a PhysMem on its
 * own) the allocator compacts nothing and wakes no one.
 */
public interface Compactor {

    /** include/linux/compaction.h enum compact_priority, by value. */
    int COMPACT_PRIO_SYNC_FULL = 0;
    int MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL;
    int COMPACT_PRIO_SYNC_LIGHT = 1;
    int MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
    int DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
    int COMPACT_PRIO_ASYNC = 2;
    int INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC;

    /** include/linux/compaction.h enum compact_result, by value (ordered: max() picks the outcome). */
    int COMPACT_NOT_SUITABLE_ZONE = 0;
    int COMPACT_SKIPPED = 1;
    int COMPACT_DEFERRED = 2;
    int COMPACT_NO_SUITABLE_PAGE = 3;
    int COMPACT_CONTINUE = 4;
    int COMPACT_COMPLETE = 5;
    int COMPACT_PARTIAL_SKIPPED = 6;
    int COMPACT_CONTENDED = 7;
    int COMPACT_SUCCESS = 8;

    /**
     * mm/compaction.c try_to_compact_pages: compacts the zones of {@code zonelist} up to
     * {@code highestZoneidx} for an allocation of {@code 2^order} pages.
     *
     * @return a COMPACT_* result
     */
    int tryToCompactPages(int gfp, int order, int allocFlags, Zone[] zonelist, int highestZoneidx, int prio);

    /**
     * mm/page_alloc.c __alloc_pages_direct_compact after a compaction that was not skipped:
     * compact_stall, then, if the allocation got a page in {@code zone},
     * compact_blockskip_flush cleared, compaction_defer_reset(zone, order, true) and
     * compact_success; with {@code zone} null (no page), compact_fail.
     */
    void directCompactDone(Zone zone, int order);

    /**
     * mm/compaction.c compaction_zonelist_suitable: a zone would pass __compaction_suitable
     * with its free pages (and reclaimable / order, which the model has none of).
     */
    boolean compactionZonelistSuitable(Zone[] zonelist, int highestZoneidx, int order);

    /** mm/compaction.c wakeup_kcompactd. */
    void wakeupKcompactd(int nid, int order, int highestZoneidx);
}
