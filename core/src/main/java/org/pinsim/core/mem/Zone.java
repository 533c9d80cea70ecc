package org.pinsim.core.mem;

import static org.pinsim.core.mem.AllocFlags.ALLOC_CMA;
import static org.pinsim.core.mem.AllocFlags.ALLOC_HIGHATOMIC;
import static org.pinsim.core.mem.AllocFlags.ALLOC_MIN_RESERVE;
import static org.pinsim.core.mem.AllocFlags.ALLOC_NON_BLOCK;
import static org.pinsim.core.mem.AllocFlags.ALLOC_OOM;
import static org.pinsim.core.mem.AllocFlags.ALLOC_RESERVES;
import static org.pinsim.core.mem.AllocFlags.ALLOC_WMARK_MASK;
import static org.pinsim.core.mem.FrameTable.MIGRATE_CMA;
import static org.pinsim.core.mem.FrameTable.MIGRATE_HIGHATOMIC;
import static org.pinsim.core.mem.FrameTable.MIGRATE_PCPTYPES;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;

/**
 * One zone of one node: include/linux/mmzone.h {@code struct zone}: its span and page counts,
 * its buddy allocator ({@code free_area}), watermarks with their boost, {@code lowmem_reserve},
 * and its per-CPU page lists ({@code per_cpu_pageset}).
 *
 * <p>Zones are by physical address as on x86-64: ZONE_DMA below 16 MiB, ZONE_DMA32 below
 * 4 GiB, ZONE_NORMAL above; ZONE_MOVABLE holds the top of each node's memory when the machine
 * asks for it ({@code movablecore=}, see {@link PhysMem}). Every node has all
 * {@link #MAX_NR_ZONES} zones; an unpopulated one spans nothing. ZONE_DEVICE is not modelled
 * (it never has managed pages); /proc/zoneinfo's protection array prints its column.
 *
 * <p>Not modelled: compaction state (the compaction issue adds it), per-zone vm statistics
 * other than NR_FREE_PAGES / NR_FREE_CMA_PAGES / NR_FREE_PAGES_BLOCKS, the PROMO watermark's
 * users (memory tiering), kswapd's reclaim (only its boost reset is done:
 * {@link #kswapdBoostPass}).
 */
public final class Zone {

    // include/linux/mmzone.h: enum zone_type (x86-64: no HIGHMEM; ZONE_DEVICE not modelled)
    public static final int ZONE_DMA = 0;
    public static final int ZONE_DMA32 = 1;
    public static final int ZONE_NORMAL = 2;
    public static final int ZONE_MOVABLE = 3;
    public static final int MAX_NR_ZONES = 4;

    /** include/linux/mmzone.h: MAX_PAGE_ORDER, inclusive: blocks of up to 1024 pages (4 MiB). */
    public static final int MAX_PAGE_ORDER = 10;
    /** include/linux/mmzone.h: NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1. */
    public static final int NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;

    // include/linux/mmzone.h: enum zone_watermarks
    public static final int WMARK_MIN = 0;
    public static final int WMARK_LOW = 1;
    public static final int WMARK_HIGH = 2;
    public static final int WMARK_PROMO = 3;
    public static final int NR_WMARK = 4;

    /** mm/page_alloc.c: watermark_boost_factor default. */
    public static final int WATERMARK_BOOST_FACTOR = 15000;

    /** mm/page_alloc.c: zone_names[]. */
    private static final String[] ZONE_NAMES = {"DMA", "DMA32", "Normal", "Movable"};

    private final FrameTable frames;
    private final int nid;
    private final int zoneIdx;
    private final int zoneStartPfn;
    private final int spannedPages;
    private long managedPages;
    private long cmaPages;
    private final BuddyAllocator buddy;
    private final PerCpuPages[] pcp;

    /** zone->_watermark[], without the boost. */
    final long[] watermark = new long[NR_WMARK];
    /** zone->watermark_boost. */
    long watermarkBoost;
    /** zone->lowmem_reserve[] by the highest zone index of a request. */
    final long[] lowmemReserve = new long[MAX_NR_ZONES];
    /** zone->pageset_batch / pageset_high_min / pageset_high_max. */
    int pagesetBatch;
    int pagesetHighMin;
    int pagesetHighMax;
    /** ZONE_BELOW_HIGH and ZONE_BOOSTED_WATERMARK of zone->flags. */
    private boolean belowHigh;
    private boolean boostedWatermark;
    /** How many times boost_watermark raised the boost. */
    long boostEvents;
    /** How many times a boosted zone woke kswapd. */
    private long kswapdBoostWakeups;

    Zone(FrameTable frames, int nid, int zoneIdx, int zoneStartPfn, int spannedPages, int nrCpus) {
        this.frames = frames;
        this.nid = nid;
        this.zoneIdx = zoneIdx;
        this.zoneStartPfn = zoneStartPfn;
        this.spannedPages = spannedPages;
        this.buddy = new BuddyAllocator(this, frames, zoneStartPfn, zoneStartPfn + spannedPages);
        this.pcp = new PerCpuPages[nrCpus];
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            pcp[cpu] = new PerCpuPages(this, cpu, frames);
        }
    }

    public static String zoneName(int zoneIdx) {
        return ZONE_NAMES[zoneIdx];
    }

    public int nid() {
        return nid;
    }

    /** zone_idx(zone): ZONE_DMA .. ZONE_MOVABLE. */
    public int zoneIdx() {
        return zoneIdx;
    }

    public String name() {
        return ZONE_NAMES[zoneIdx];
    }

    public int zoneStartPfn() {
        return zoneStartPfn;
    }

    /** zone_end_pfn(zone): one past the last frame. */
    public int zoneEndPfn() {
        return zoneStartPfn + spannedPages;
    }

    public int spannedPages() {
        return spannedPages;
    }

    /** present_pages: the model has no holes, so this equals spanned_pages. */
    public int presentPages() {
        return spannedPages;
    }

    /** managed_pages: the pages handed to the buddy allocator at boot (present minus reserved). */
    public long managedPages() {
        return managedPages;
    }

    /** zone_cma_pages(zone): pages of this zone in a CMA area. */
    public long cmaPages() {
        return cmaPages;
    }

    /** populated_zone(zone). */
    public boolean populated() {
        return spannedPages > 0;
    }

    /** zone_spans_pfn(zone, pfn). */
    public boolean spans(int pfn) {
        return pfn >= zoneStartPfn && pfn < zoneStartPfn + spannedPages;
    }

    /** zone_page_state(zone, NR_FREE_PAGES): the buddy's free pages; pages on pcp lists are not in it. */
    public long freePages() {
        return buddy.nrFreePages;
    }

    /** zone->free_area[order].nr_free, as /proc/buddyinfo shows it. */
    public long nrFree(int order) {
        return buddy.nrFree[order];
    }

    public BuddyAllocator buddy() {
        return buddy;
    }

    FrameTable frames() {
        return frames;
    }

    /** This zone's page cache of {@code cpu}. */
    public PerCpuPages pcp(int cpu) {
        return pcp[cpu];
    }

    public int nrCpus() {
        return pcp.length;
    }

    /** Pages on all CPUs' pcp lists of this zone (free, but not in NR_FREE_PAGES). */
    public long pcpPages() {
        long n = 0;
        for (PerCpuPages p : pcp) {
            n += p.count;
        }
        return n;
    }

    // ---- watermarks ----

    /** wmark_pages(z, i): the watermark plus the boost. */
    public long wmarkPages(int i) {
        return watermark[i] + watermarkBoost;
    }

    public long minWmarkPages() {
        return wmarkPages(WMARK_MIN);
    }

    public long lowWmarkPages() {
        return wmarkPages(WMARK_LOW);
    }

    public long highWmarkPages() {
        return wmarkPages(WMARK_HIGH);
    }

    public long promoWmarkPages() {
        return wmarkPages(WMARK_PROMO);
    }

    public long watermarkBoost() {
        return watermarkBoost;
    }

    /** zone->lowmem_reserve[highestZoneidx]. */
    public long lowmemReserve(int highestZoneidx) {
        return lowmemReserve[highestZoneidx];
    }

    /** How many pageblocks of boost boost_watermark has added since boot. */
    public long boostEvents() {
        return boostEvents;
    }

    boolean belowHigh() {
        return belowHigh;
    }

    void setBelowHigh() {
        belowHigh = true;
    }

    void clearBelowHigh() {
        belowHigh = false;
    }

    void setBoostedWatermark() {
        boostedWatermark = true;
    }

    /** ZONE_BOOSTED_WATERMARK: a fragmenting fallback asked for kswapd. */
    public boolean boostedWatermark() {
        return boostedWatermark;
    }

    /**
     * mm/page_alloc.c rmqueue clears ZONE_BOOSTED_WATERMARK and wakes kswapd; kswapd's
     * balance_pgdat reclaims for the boost and then, whether or not it reclaimed anything,
     * subtracts the boost it started with ({@code zone->watermark_boost -= zone_boosts[i]}).
     * The model has nothing to reclaim and no kswapd thread, so that pass happens at once and
     * leaves the boost at zero; {@link #boostEvents} keeps the count.
     */
    void kswapdBoostPass() {
        boostedWatermark = false;
        kswapdBoostWakeups++;
        watermarkBoost = 0;
    }

    /** How many times a boosted zone woke kswapd (and its boost was reset). */
    public long kswapdBoostWakeups() {
        return kswapdBoostWakeups;
    }

    /**
     * mm/page_alloc.c: boost_watermark: a fallback that did not take a whole pageblock raises
     * the watermark by a pageblock, up to watermark_boost_factor (150%) of the high mark, so
     * that kswapd would reclaim more; zones smaller than four pageblocks are not boosted.
     */
    boolean boostWatermark() {
        if (WATERMARK_BOOST_FACTOR == 0) {
            return false;
        }
        if (PAGEBLOCK_NR_PAGES * 4L > managedPages) {
            return false;
        }
        long maxBoost = multFrac(watermark[WMARK_HIGH], WATERMARK_BOOST_FACTOR, 10000);
        if (maxBoost == 0) {
            return false; // high watermark not initialised yet: do not boost
        }
        maxBoost = Math.max(PAGEBLOCK_NR_PAGES, maxBoost);
        watermarkBoost = Math.min(watermarkBoost + PAGEBLOCK_NR_PAGES, maxBoost);
        boostEvents++;
        return true;
    }

    // include/linux/math.h: mult_frac(x, n, d) without overflow
    static long multFrac(long x, long n, long d) {
        final long q = x / d;
        final long r = x % d;
        return q * n + r * n / d;
    }

    /** mm/page_alloc.c: __zone_watermark_unusable_free. */
    long watermarkUnusableFree(int order, int allocFlags) {
        long unusable = (1L << order) - 1;
        if ((allocFlags & ALLOC_RESERVES) == 0) {
            unusable += buddy.nrFreeHighatomic;
        }
        if ((allocFlags & ALLOC_CMA) == 0) {
            unusable += buddy.nrFreeCmaPages; // cannot use CMA: do not count free CMA pages
        }
        return unusable;
    }

    /**
     * mm/page_alloc.c: __zone_watermark_ok: free pages (minus what this request cannot use)
     * above {@code mark} plus lowmem_reserve[highestZoneidx], and for order &gt; 0 a free block
     * of at least that order on a list this request may take from.
     */
    boolean watermarkOk(int order, long mark, int highestZoneidx, int allocFlags, long freePages) {
        long min = mark;
        freePages -= watermarkUnusableFree(order, allocFlags);
        if ((allocFlags & ALLOC_RESERVES) != 0) {
            if ((allocFlags & ALLOC_MIN_RESERVE) != 0) {
                min -= min / 2; // __GFP_HIGH: half the min reserve
                if ((allocFlags & ALLOC_NON_BLOCK) != 0) {
                    min -= min / 4;
                }
            }
            if ((allocFlags & ALLOC_OOM) != 0) {
                min -= min / 2;
            }
        }
        if (freePages <= min + lowmemReserve[highestZoneidx]) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o < NR_PAGE_ORDERS; o++) {
            if (buddy.nrFree[o] == 0) {
                continue;
            }
            for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
                if (!buddy.freeAreaEmpty(o, mt)) {
                    return true;
                }
            }
            if ((allocFlags & ALLOC_CMA) != 0 && !buddy.freeAreaEmpty(o, MIGRATE_CMA)) {
                return true;
            }
            if ((allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) != 0 && !buddy.freeAreaEmpty(o, MIGRATE_HIGHATOMIC)) {
                return true;
            }
        }
        return false;
    }

    /** mm/page_alloc.c: zone_watermark_ok, against NR_FREE_PAGES. */
    public boolean watermarkOk(int order, long mark, int highestZoneidx, int allocFlags) {
        return watermarkOk(order, mark, highestZoneidx, allocFlags, buddy.nrFreePages);
    }

    /**
     * mm/page_alloc.c: zone_watermark_fast: the order-0 shortcut, then __zone_watermark_ok,
     * then for order-0 __GFP_HIGH requests at the min mark the check without the boost.
     */
    boolean watermarkFast(int order, long mark, int highestZoneidx, int allocFlags) {
        final long freePages = buddy.nrFreePages;
        if (order == 0) {
            long usableFree = freePages;
            final long reserved = watermarkUnusableFree(0, allocFlags);
            usableFree -= Math.min(usableFree, reserved);
            if (usableFree > mark + lowmemReserve[highestZoneidx]) {
                return true;
            }
        }
        if (watermarkOk(order, mark, highestZoneidx, allocFlags, freePages)) {
            return true;
        }
        if (order == 0 && (allocFlags & ALLOC_MIN_RESERVE) != 0 && watermarkBoost != 0
                && (allocFlags & ALLOC_WMARK_MASK) == WMARK_MIN) {
            return watermarkOk(order, watermark[WMARK_MIN], highestZoneidx, allocFlags, freePages);
        }
        return false;
    }

    // ---- boot ----

    // mm/page_alloc.c: __free_pages_core: atomic_long_add(nr_pages, &zone->managed_pages)
    void addManagedPages(long nrPages) {
        managedPages += nrPages;
    }

    // mm/cma.c: cma_activate_area -> init_cma_reserved_pageblock: adjust_managed_page_count
    // and zone->cma_pages
    void addCmaPages(long nrPages) {
        cmaPages += nrPages;
    }

    @Override
    public String toString() {
        return "Node " + nid + " zone " + name() + " [" + zoneStartPfn + ", " + zoneEndPfn() + ")";
    }
}
