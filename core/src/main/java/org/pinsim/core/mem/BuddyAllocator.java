package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.ORDER_SHIFT;
import static org.pinsim.core.mem.FrameTable.PG_buddy;

import java.util.Arrays;

/**
 * The buddy allocator of one zone: {@code zone->free_area[]} and the functions of
 * mm/page_alloc.c that work on it ({@code __rmqueue_smallest}, {@code expand},
 * {@code __free_one_page}, {@code buddy_merge_likely}).
 *
 * <p>Free lists are doubly linked lists threaded through the frame table's
 * {@code lruPrev}/{@code lruNext}, as the kernel threads {@code page->buddy_list} through
 * the same words as {@code page->lru}. The head frame of a free block carries
 * {@code PG_buddy} and its order; the other frames of the block carry nothing.
 *
 * <p>What is not modelled, and where the seams are:
 * <ul>
 * <li>Migratetypes: there is one free list per order, not one per migratetype and order.
 *     The issue that adds them splits {@link #freeHead}/{@link #freeTail} by migratetype
 *     (reading {@link FrameTable#pageblockMigratetype}), adds the fallback and claim paths
 *     of {@code __rmqueue}, and the no-merge rule across isolated pageblocks in
 *     {@code __free_one_page}.</li>
 * <li>Per-CPU page lists (pcp): not modelled. Order-0 pages come from and go to the buddy
 *     lists directly, so nothing is ever stranded on a pcp list.</li>
 * <li>Free page shuffling ({@code page_alloc.shuffle}, off by default) and debug guard
 *     pages: not modelled.</li>
 * </ul>
 * List order follows the kernel: {@code expand} and ordinary frees add at the head, a free
 * whose merged block's buddy at the next order is free goes to the tail
 * ({@code buddy_merge_likely}), and boot frees ({@code FPI_TO_TAIL}) go to the tail.
 */
public final class BuddyAllocator {

    /** mm/page_alloc.c: fpi_t FPI_NONE. */
    public static final int FPI_NONE = 0;
    /** mm/page_alloc.c: FPI_TO_TAIL, used by __free_pages_core at boot and onlining. */
    public static final int FPI_TO_TAIL = 1 << 1;

    private final int[] flags;
    private final int[] lruPrev;
    private final int[] lruNext;
    private final int startPfn;
    private final int endPfn;

    /** First free block per order (list head), NO_FRAME if empty. */
    final int[] freeHead = new int[Zone.NR_PAGE_ORDERS];
    /** Last free block per order (the kernel's head->prev), NO_FRAME if empty. */
    final int[] freeTail = new int[Zone.NR_PAGE_ORDERS];
    /** free_area[order].nr_free: number of free blocks of each order. */
    final long[] nrFree = new long[Zone.NR_PAGE_ORDERS];
    /** NR_FREE_PAGES of the zone. */
    long nrFreePages;

    BuddyAllocator(FrameTable frames, int startPfn, int endPfn) {
        this.flags = frames.flags;
        this.lruPrev = frames.lruPrev;
        this.lruNext = frames.lruNext;
        this.startPfn = startPfn;
        this.endPfn = endPfn;
        Arrays.fill(freeHead, NO_FRAME);
        Arrays.fill(freeTail, NO_FRAME);
    }

    /** zone->free_area[order].nr_free. */
    public long nrFree(int order) {
        return nrFree[order];
    }

    /** zone_page_state(zone, NR_FREE_PAGES). */
    public long freePages() {
        return nrFreePages;
    }

    /** The first free block of this order (the one the next allocation takes), or NO_FRAME. */
    public int firstFree(int order) {
        return freeHead[order];
    }

    /** The free block after {@code pfn} on its free list, or NO_FRAME. */
    public int nextFree(int pfn) {
        return lruNext[pfn];
    }

    // ---- allocation ----

    /**
     * mm/page_alloc.c: __rmqueue_smallest: take the first block of the smallest order
     * {@code >= order} that has one, and split it down to {@code order}.
     *
     * @return the first pfn of a free block of {@code 2^order} frames, now off the free
     *     lists and without PG_buddy; or NO_FRAME if no order has a block
     */
    public int rmqueueSmallest(int order) {
        final int[] heads = freeHead;
        for (int currentOrder = order; currentOrder < Zone.NR_PAGE_ORDERS; currentOrder++) {
            final int pfn = heads[currentOrder];
            if (pfn == NO_FRAME) {
                continue;
            }
            pageDelAndExpand(pfn, order, currentOrder);
            return pfn;
        }
        return NO_FRAME;
    }

    // mm/page_alloc.c: page_del_and_expand
    private void pageDelAndExpand(int pfn, int low, int high) {
        delFromFreeList(pfn, high);
        expand(pfn, low, high);
        accountFreepages(-(1L << low));
    }

    // mm/page_alloc.c: expand: the upper half of each split goes back, at the list head
    private void expand(int pfn, int low, int high) {
        int size = 1 << high;
        while (high > low) {
            high--;
            size >>>= 1;
            addToFreeList(pfn + size, high, false);
            setBuddyOrder(pfn + size, high);
        }
    }

    // ---- freeing ----

    /**
     * mm/page_alloc.c: __free_one_page: put a block of {@code 2^order} frames back, merging it
     * with its buddy while the buddy is a free block of the same order in this zone, up to
     * MAX_PAGE_ORDER. The frames must be clean (free_pages_prepare done by the caller).
     */
    public void freeOnePage(int pfn, int order, int fpiFlags) {
        accountFreepages(1L << order);
        int buddyPfn = NO_FRAME;
        while (order < Zone.MAX_PAGE_ORDER) {
            buddyPfn = pfn ^ (1 << order); // mm/internal.h: __find_buddy_pfn
            if (!pageIsBuddy(buddyPfn, order)) {
                break;
            }
            delFromFreeList(buddyPfn, order);
            pfn &= buddyPfn; // combined_pfn = buddy_pfn & pfn
            order++;
        }
        setBuddyOrder(pfn, order);
        final boolean toTail = (fpiFlags & FPI_TO_TAIL) != 0 || buddyMergeLikely(pfn, buddyPfn, order);
        addToFreeList(pfn, order, toTail);
    }

    /**
     * mm/page_alloc.c: buddy_merge_likely: if the buddy of the block one order up is free,
     * this block may soon merge, so it goes to the tail where it is less likely to be taken.
     */
    private boolean buddyMergeLikely(int pfn, int buddyPfn, int order) {
        if (order >= Zone.MAX_PAGE_ORDER - 1) {
            return false;
        }
        final int higherPagePfn = buddyPfn & pfn;
        return pageIsBuddy(higherPagePfn ^ (1 << (order + 1)), order + 1);
    }

    /**
     * mm/page_alloc.c: page_is_buddy (via find_buddy_page_pfn): the frame heads a free block
     * of exactly this order in the same zone (our zone check is the bounds check).
     */
    private boolean pageIsBuddy(int buddyPfn, int order) {
        if (buddyPfn < startPfn || buddyPfn >= endPfn) {
            return false;
        }
        final int f = flags[buddyPfn];
        return (f & (1 << PG_buddy)) != 0 && (f >>> ORDER_SHIFT & 0xF) == order;
    }

    // ---- free lists and counters: each changes only here ----

    // mm/internal.h: set_buddy_order: __SetPageBuddy and set_page_private(order)
    private void setBuddyOrder(int pfn, int order) {
        flags[pfn] = (flags[pfn] & ~FrameTable.ORDER_MASK) | 1 << PG_buddy | order << ORDER_SHIFT;
    }

    // mm/page_alloc.c: __add_to_free_list (list_add or list_add_tail), nr_free++
    private void addToFreeList(int pfn, int order, boolean tail) {
        final int[] prev = lruPrev;
        final int[] next = lruNext;
        if (tail) {
            final int last = freeTail[order];
            prev[pfn] = last;
            next[pfn] = NO_FRAME;
            if (last == NO_FRAME) {
                freeHead[order] = pfn;
            } else {
                next[last] = pfn;
            }
            freeTail[order] = pfn;
        } else {
            final int first = freeHead[order];
            prev[pfn] = NO_FRAME;
            next[pfn] = first;
            if (first == NO_FRAME) {
                freeTail[order] = pfn;
            } else {
                prev[first] = pfn;
            }
            freeHead[order] = pfn;
        }
        nrFree[order]++;
    }

    // mm/page_alloc.c: __del_page_from_free_list: list_del, __ClearPageBuddy,
    // set_page_private(0), nr_free--
    private void delFromFreeList(int pfn, int order) {
        final int[] prev = lruPrev;
        final int[] next = lruNext;
        final int p = prev[pfn];
        final int n = next[pfn];
        if (p == NO_FRAME) {
            freeHead[order] = n;
        } else {
            next[p] = n;
        }
        if (n == NO_FRAME) {
            freeTail[order] = p;
        } else {
            prev[n] = p;
        }
        prev[pfn] = NO_FRAME;
        next[pfn] = NO_FRAME;
        flags[pfn] &= ~(1 << PG_buddy | FrameTable.ORDER_MASK);
        nrFree[order]--;
    }

    // mm/page_alloc.c: account_freepages: NR_FREE_PAGES
    private void accountFreepages(long nrPages) {
        nrFreePages += nrPages;
    }
}
