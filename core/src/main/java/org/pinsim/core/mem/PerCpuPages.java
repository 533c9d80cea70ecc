package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_PCPTYPES;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.ORDER_MASK;
import static org.pinsim.core.mem.FrameTable.ORDER_SHIFT;
import static org.pinsim.core.mem.FrameTable.PG_pcp;

/**
 * One CPU's page cache for one zone: include/linux/mmzone.h {@code struct per_cpu_pages} and
 * the mm/page_alloc.c functions on it ({@code rmqueue_pcplist}, {@code nr_pcp_alloc},
 * {@code rmqueue_bulk}, {@code free_frozen_page_commit}, {@code nr_pcp_high},
 * {@code nr_pcp_free}, {@code free_pcppages_bulk}, {@code drain_pages_zone}).
 *
 * <p>Lists as in 6.18 with CONFIG_TRANSPARENT_HUGEPAGE: {@code NR_PCP_LISTS} = 15, one per
 * pcp migratetype for each order 0..PAGE_ALLOC_COSTLY_ORDER (pindex = 3 * order + mt), and
 * two for order 9 (HPAGE_PMD_ORDER: non-movable, movable). Lists are threaded through the
 * frame table's lruPrev/lruNext like the buddy lists ({@code page->pcp_list} shares
 * {@code page->lru}); a page on a pcp list has refcount 0, {@link FrameTable#PG_pcp} and its
 * list's order in the order field, and is not PageBuddy, so it blocks merging. Its pages are
 * not in NR_FREE_PAGES (rmqueue_bulk took them out), exactly as MemFree does not count them.
 *
 * <p>Not modelled: {@code decay_pcp_high} and {@code drain_zone_pages} (run by the vmstat
 * worker every second: there is no such timer yet), ZONE_RECLAIM_ACTIVE (no reclaim),
 * PCPF_FREE_HIGH_BATCH (set only from CPU cache sizes, {@code zone_pcp_update_cacheinfo};
 * our CPUs report no cache, so it stays clear), the trylock paths.
 */
public final class PerCpuPages {

    /** include/linux/mmzone.h: PAGE_ALLOC_COSTLY_ORDER. */
    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;
    /** include/linux/huge_mm.h: HPAGE_PMD_ORDER on x86-64. */
    public static final int HPAGE_PMD_ORDER = 9;
    /** NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1). */
    static final int NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
    /** NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + NR_PCP_THP (2). */
    public static final int NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + 2;
    /** mm/Kconfig: CONFIG_PCP_BATCH_SCALE_MAX default 5. */
    static final int PCP_BATCH_SCALE_MAX = 5;
    /** PCPF_PREV_FREE_HIGH_ORDER: the previous free was of a high order. */
    private static final int PCPF_PREV_FREE_HIGH_ORDER = 1;

    private final Zone zone;
    private final int cpu;
    private final int[] flagsArr;
    private final int[] lruPrev;
    private final int[] lruNext;
    final int[] head = new int[NR_PCP_LISTS];
    final int[] tail = new int[NR_PCP_LISTS];

    /** pcp->count: pages (not blocks) on all lists. */
    int count;
    int high;
    int highMin;
    int highMax;
    int batch;
    private int pcpFlags;
    private int allocFactor;
    private int freeCount;

    PerCpuPages(Zone zone, int cpu, FrameTable frames) {
        this.zone = zone;
        this.cpu = cpu;
        this.flagsArr = frames.flags;
        this.lruPrev = frames.lruPrev;
        this.lruNext = frames.lruNext;
        java.util.Arrays.fill(head, NO_FRAME);
        java.util.Arrays.fill(tail, NO_FRAME);
    }

    public int cpu() {
        return cpu;
    }

    /** pcp->count: pages on this CPU's lists of the zone. */
    public int count() {
        return count;
    }

    /** pcp->high (0 until the first use clamps it, as in the kernel). */
    public int high() {
        return high;
    }

    public int highMin() {
        return highMin;
    }

    public int highMax() {
        return highMax;
    }

    public int batch() {
        return batch;
    }

    /** The first page of list {@code pindex} or NO_FRAME. */
    public int first(int pindex) {
        return head[pindex];
    }

    /** mm/page_alloc.c: pageset_update. */
    void update(int newHighMin, int newHighMax, int newBatch) {
        batch = newBatch;
        highMin = newHighMin;
        highMax = newHighMax;
    }

    // ---- pindex ----

    /** mm/page_alloc.c: pcp_allowed_order: orders 0..3 and HPAGE_PMD_ORDER. */
    public static boolean pcpAllowedOrder(int order) {
        return order <= PAGE_ALLOC_COSTLY_ORDER || order == HPAGE_PMD_ORDER;
    }

    /** mm/page_alloc.c: order_to_pindex. */
    public static int orderToPindex(int mt, int order) {
        if (order > PAGE_ALLOC_COSTLY_ORDER) {
            return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE ? 1 : 0);
        }
        return MIGRATE_PCPTYPES * order + mt;
    }

    /** mm/page_alloc.c: pindex_to_order. */
    public static int pindexToOrder(int pindex) {
        return pindex >= NR_LOWORDER_PCP_LISTS ? HPAGE_PMD_ORDER : pindex / MIGRATE_PCPTYPES;
    }

    // ---- allocation ----

    /**
     * mm/page_alloc.c: rmqueue_pcplist -> __rmqueue_pcplist: the first page of the list for
     * (migratetype, order), refilling an empty list with {@code nr_pcp_alloc} blocks from the
     * buddy ({@code rmqueue_bulk}).
     *
     * @return the block's first pfn, off the list and clean; or NO_FRAME
     */
    int rmqueue(int order, int mt, int allocFlags) {
        freeCount >>= 1; // on allocation, reduce the number of pages batch freed
        final int pindex = orderToPindex(mt, order);
        if (head[pindex] == NO_FRAME) {
            final int n = nrPcpAlloc(order);
            final int alloced = rmqueueBulk(order, n, pindex, mt, allocFlags);
            count += alloced << order;
            if (head[pindex] == NO_FRAME) {
                return NO_FRAME;
            }
        }
        final int pfn = head[pindex];
        listDel(pindex, pfn);
        count -= 1 << order;
        return pfn;
    }

    // mm/page_alloc.c: nr_pcp_alloc
    private int nrPcpAlloc(int order) {
        final int baseBatch = batch;
        int h = high = clamp(high, highMin, highMax);
        if (h < baseBatch) {
            return 1; // PCP disabled or boot pageset
        }
        int b = order != 0 ? baseBatch : baseBatch << allocFactor;
        // If we had larger pcp->high, we could avoid to allocate from zone.
        if (highMin != highMax && !zone.belowHigh()) {
            h = high = Math.min(h + b, highMax);
        }
        if (order == 0) {
            final int maxNrAlloc = Math.max(h - count - baseBatch, baseBatch);
            // double the pages allocated each time order-0 pages are allocated without a free
            if (b <= maxNrAlloc && allocFactor < PCP_BATCH_SCALE_MAX) {
                allocFactor++;
            }
            b = Math.min(b, maxNrAlloc);
        }
        if (b > 1) {
            b = Math.max(b >> order, 2);
        }
        return b;
    }

    /**
     * mm/page_alloc.c: rmqueue_bulk: up to {@code n} blocks from the buddy, one
     * {@code __rmqueue} each with a shared rmqueue_mode, added at the list's tail (so the
     * list is in the order expand() split them).
     */
    private int rmqueueBulk(int order, int n, int pindex, int mt, int allocFlags) {
        final BuddyAllocator buddy = zone.buddy();
        final int[] mode = {BuddyAllocator.RMQUEUE_NORMAL};
        int i = 0;
        for (; i < n; i++) {
            final int pfn = buddy.rmqueue(order, mt, allocFlags, mode);
            if (pfn == NO_FRAME) {
                break;
            }
            listAddTail(pindex, pfn, order);
        }
        return i;
    }

    // ---- freeing ----

    /**
     * mm/page_alloc.c: free_frozen_page_commit: a clean block goes to the head of its list;
     * when the lists hold {@code nr_pcp_high} pages or more, {@code nr_pcp_free} of them go
     * back to the buddy. {@code mt} is the pageblock's type (CMA and HIGHATOMIC as MOVABLE).
     */
    void freeCommit(int pfn, int mt, int order) {
        allocFactor >>= 1; // on freeing, reduce the number of pages batch allocated
        final int pindex = orderToPindex(mt, order);
        listAddHead(pindex, pfn, order);
        count += 1 << order;
        final int b = batch;
        boolean freeHigh = false;
        if (order != 0 && order <= PAGE_ALLOC_COSTLY_ORDER) {
            // high-order pages other than THPs are drained when freed heavily without allocation
            // (the third term, !(flags & PCPF_FREE_HIGH_BATCH) || count >= batch, is true:
            // PCPF_FREE_HIGH_BATCH is never set here)
            freeHigh = freeCount >= b + highMin / 2 && (pcpFlags & PCPF_PREV_FREE_HIGH_ORDER) != 0;
            pcpFlags |= PCPF_PREV_FREE_HIGH_ORDER;
        } else if ((pcpFlags & PCPF_PREV_FREE_HIGH_ORDER) != 0) {
            pcpFlags &= ~PCPF_PREV_FREE_HIGH_ORDER;
        }
        if (freeCount < b << PCP_BATCH_SCALE_MAX) {
            freeCount += 1 << order;
        }
        final int h = nrPcpHigh(b, freeHigh);
        if (count < h) {
            return;
        }
        freePcppagesBulk(nrPcpFree(b, h, freeHigh), pindex);
        if (zone.belowHigh() && zone.watermarkOk(0, zone.highWmarkPages(), Zone.ZONE_MOVABLE, 0)) {
            zone.clearBelowHigh();
        }
    }

    // mm/page_alloc.c: nr_pcp_high (ZONE_RECLAIM_ACTIVE is never set: no reclaim)
    private int nrPcpHigh(int b, boolean freeHigh) {
        int h = high = clamp(high, highMin, highMax);
        if (h == 0) {
            return 0;
        }
        if (freeHigh) {
            high = Math.max(h - (b << PCP_BATCH_SCALE_MAX), highMin);
            return 0;
        }
        if (highMin == highMax) {
            return h;
        }
        if (zone.belowHigh()) {
            final int fc = Math.max(freeCount, b);
            high = Math.max(h - fc, highMin);
            h = Math.max(count, highMin);
        } else if (count >= h) {
            final int needHigh = freeCount + b;
            if (high < needHigh) { // pcp->high should be large enough to hold batch freed pages
                high = clamp(needHigh, highMin, highMax);
            }
        }
        return h;
    }

    // mm/page_alloc.c: nr_pcp_free
    private int nrPcpFree(int b, int h, boolean freeHigh) {
        if (freeHigh) {
            return Math.min(count, b << PCP_BATCH_SCALE_MAX);
        }
        if (h < b) {
            return 1; // PCP disabled or boot pageset
        }
        // leave at least pcp->batch pages; free as many as were freed in a row
        return clamp(freeCount, b, h - b);
    }

    /**
     * mm/page_alloc.c: free_pcppages_bulk: return {@code n} pages to the buddy, taking lists
     * round-robin starting with {@code pindex}, from each list's tail (the coldest pages),
     * each with its pageblock's migratetype read now.
     */
    void freePcppagesBulk(int n, int pindex) {
        n = Math.min(count, n);
        pindex = pindex - 1;
        final BuddyAllocator buddy = zone.buddy();
        final FrameTable frames = zone.frames();
        while (n > 0) {
            do { // remove pages from lists in a round-robin fashion
                if (++pindex > NR_PCP_LISTS - 1) {
                    pindex = 0;
                }
            } while (head[pindex] == NO_FRAME);
            final int order = pindexToOrder(pindex);
            final int nrPages = 1 << order;
            do {
                final int pfn = tail[pindex];
                final int mt = frames.pageblockMigratetype(pfn);
                listDel(pindex, pfn);
                n -= nrPages;
                count -= nrPages;
                buddy.freeOnePage(pfn, order, mt, BuddyAllocator.FPI_NONE);
            } while (n > 0 && head[pindex] != NO_FRAME);
        }
    }

    /**
     * mm/page_alloc.c: drain_pages_zone: free everything, {@code batch << PCP_BATCH_SCALE_MAX}
     * pages at a time.
     */
    void drain() {
        while (count > 0) {
            freePcppagesBulk(Math.min(count, batch << PCP_BATCH_SCALE_MAX), 0);
        }
    }

    // ---- the lists (page->pcp_list) ----

    private void listAddHead(int pindex, int pfn, int order) {
        final int first = head[pindex];
        lruPrev[pfn] = NO_FRAME;
        lruNext[pfn] = first;
        if (first == NO_FRAME) {
            tail[pindex] = pfn;
        } else {
            lruPrev[first] = pfn;
        }
        head[pindex] = pfn;
        flagsArr[pfn] = flagsArr[pfn] & FrameTable.PB_BITS | 1 << PG_pcp | order << ORDER_SHIFT;
    }

    private void listAddTail(int pindex, int pfn, int order) {
        final int last = tail[pindex];
        lruPrev[pfn] = last;
        lruNext[pfn] = NO_FRAME;
        if (last == NO_FRAME) {
            head[pindex] = pfn;
        } else {
            lruNext[last] = pfn;
        }
        tail[pindex] = pfn;
        flagsArr[pfn] = flagsArr[pfn] & FrameTable.PB_BITS | 1 << PG_pcp | order << ORDER_SHIFT;
    }

    private void listDel(int pindex, int pfn) {
        final int p = lruPrev[pfn];
        final int n = lruNext[pfn];
        if (p == NO_FRAME) {
            head[pindex] = n;
        } else {
            lruNext[p] = n;
        }
        if (n == NO_FRAME) {
            tail[pindex] = p;
        } else {
            lruPrev[n] = p;
        }
        lruPrev[pfn] = NO_FRAME;
        lruNext[pfn] = NO_FRAME;
        flagsArr[pfn] &= ~(1 << PG_pcp | ORDER_MASK);
    }

    // include/linux/minmax.h: clamp(val, lo, hi) = min(max(val, lo), hi)
    private static int clamp(int v, int lo, int hi) {
        return Math.min(Math.max(v, lo), hi);
    }
}
