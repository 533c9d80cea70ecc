package org.pinsim.core.mem;

import static org.pinsim.core.mem.AllocFlags.ALLOC_CMA;
import static org.pinsim.core.mem.AllocFlags.ALLOC_KSWAPD;
import static org.pinsim.core.mem.AllocFlags.ALLOC_NOFRAGMENT;
import static org.pinsim.core.mem.FrameTable.MIGRATE_CMA;
import static org.pinsim.core.mem.FrameTable.MIGRATE_HIGHATOMIC;
import static org.pinsim.core.mem.FrameTable.MIGRATE_ISOLATE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_PCPTYPES;
import static org.pinsim.core.mem.FrameTable.MIGRATE_RECLAIMABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_TYPES;
import static org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.ORDER_SHIFT;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_ORDER;
import static org.pinsim.core.mem.FrameTable.PG_buddy;
import static org.pinsim.core.mem.FrameTable.PG_lru;

import java.util.Arrays;

/**
 * The buddy allocator of one zone: {@code zone->free_area[]} and the functions of
 * mm/page_alloc.c that work on it under {@code zone->lock}.
 *
 * <p>One free list per order and migratetype ({@code free_area[order].free_list[mt]}), one
 * {@code nr_free} per order. Free lists are doubly linked lists threaded through the frame
 * table's {@code lruPrev}/{@code lruNext}, as the kernel threads {@code page->buddy_list}
 * through the same words as {@code page->lru}. The head frame of a free block carries
 * {@code PG_buddy} and its order; the other frames of the block carry nothing. A free block
 * lies on the list of its pageblock's migratetype (the kernel's VM_WARN_ONCE in
 * {@code __add_to_free_list}); {@link MemInvariants} holds that.
 *
 * <p>Allocation ({@link #rmqueue}, {@code __rmqueue} in 6.18): the CMA balancing rule for
 * movable requests, then the requested type's own lists ({@code __rmqueue_smallest}), CMA
 * ({@code __rmqueue_cma_fallback}), claiming a pageblock of a fallback type
 * ({@code __rmqueue_claim}, {@code try_to_claim_block}), and last, unless
 * ALLOC_NOFRAGMENT, stealing one block of a fallback type without claiming its pageblock
 * ({@code __rmqueue_steal}). Freeing: {@code __free_one_page} with the 6.x rule that blocks
 * of pageblock order and above do not merge across a CMA/ISOLATE/HIGHATOMIC boundary.
 *
 * <p>What is not modelled, and where the seams are:
 * <ul>
 * <li>MIGRATE_HIGHATOMIC reserves: the lists exist and are counted, but nothing reserves a
 *     pageblock ({@code reserve_highatomic_pageblock}): the model makes no high-order
 *     GFP_ATOMIC allocations.</li>
 * <li>Pageblock isolation ({@code __move_freepages_block_isolate}, alloc_contig_range):
 *     the PB_migrate_isolate bit exists in the frame table and isolated blocks follow the
 *     kernel's rules here (not counted in NR_FREE_PAGES, no merging across them), but no
 *     caller isolates yet.</li>
 * <li>Free page shuffling ({@code page_alloc.shuffle}, off by default), debug guard pages,
 *     page reporting and compaction capture: not modelled.</li>
 * <li>{@code page_has_movable_ops} (zsmalloc, balloon pages): no such pages exist, so
 *     {@code prep_move_freepages_block} counts only PG_lru pages as movable.</li>
 * </ul>
 */
public final class BuddyAllocator {

    /** mm/page_alloc.c: fpi_t FPI_NONE. */
    public static final int FPI_NONE = 0;
    /** mm/page_alloc.c: FPI_TO_TAIL, used by __free_pages_core at boot and onlining. */
    public static final int FPI_TO_TAIL = 1 << 1;

    /** enum rmqueue_mode: where {@code __rmqueue} found pages last time (rmqueue_bulk remembers). */
    static final int RMQUEUE_NORMAL = 0;
    static final int RMQUEUE_CMA = 1;
    static final int RMQUEUE_CLAIM = 2;
    static final int RMQUEUE_STEAL = 3;

    /** mm/page_alloc.c: fallbacks[]: the order in which the other pcp types are tried. */
    private static final int[][] FALLBACKS = {
        {MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE},   // MIGRATE_UNMOVABLE
        {MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE}, // MIGRATE_MOVABLE
        {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE},     // MIGRATE_RECLAIMABLE
    };

    private final Zone zone;
    private final FrameTable frames;
    private final int[] flags;
    private final int[] lruPrev;
    private final int[] lruNext;
    private final int startPfn;
    private final int endPfn;

    /** First free block per (order, migratetype), at [order * MIGRATE_TYPES + mt]; NO_FRAME if empty. */
    final int[] freeHead = new int[Zone.NR_PAGE_ORDERS * MIGRATE_TYPES];
    /** Last free block per (order, migratetype) (the kernel's head->prev). */
    final int[] freeTail = new int[Zone.NR_PAGE_ORDERS * MIGRATE_TYPES];
    /** free_area[order].nr_free: free blocks of each order, all migratetypes. */
    final long[] nrFree = new long[Zone.NR_PAGE_ORDERS];
    /** NR_FREE_PAGES of the zone (isolated blocks excluded, as account_freepages does). */
    long nrFreePages;
    /** NR_FREE_CMA_PAGES. */
    long nrFreeCmaPages;
    /** zone->nr_free_highatomic. */
    long nrFreeHighatomic;
    /** NR_FREE_PAGES_BLOCKS: free pages in blocks of pageblock order or more, not isolated. */
    long nrFreePagesBlocks;
    /** mm_page_alloc_extfrag events by outcome: blocks claimed, single buddies stolen. */
    long extfragClaims;
    long extfragSteals;
    /**
     * mm_page_alloc_extfrag events by (alloc_migratetype, fallback_migratetype,
     * change_ownership), at [(alloc * MIGRATE_PCPTYPES + fallback) * 2 + (claimed ? 1 : 0)].
     */
    final long[] extfragByType = new long[MIGRATE_PCPTYPES * MIGRATE_PCPTYPES * 2];
    /** mm_page_alloc_extfrag events with fragmenting=1: the fallback block was below pageblock order. */
    long extfragFragmenting;

    BuddyAllocator(Zone zone, FrameTable frames, int startPfn, int endPfn) {
        this.zone = zone;
        this.frames = frames;
        this.flags = frames.flags;
        this.lruPrev = frames.lruPrev;
        this.lruNext = frames.lruNext;
        this.startPfn = startPfn;
        this.endPfn = endPfn;
        Arrays.fill(freeHead, NO_FRAME);
        Arrays.fill(freeTail, NO_FRAME);
    }

    private static int idx(int order, int mt) {
        return order * MIGRATE_TYPES + mt;
    }

    /** zone->free_area[order].nr_free. */
    public long nrFree(int order) {
        return nrFree[order];
    }

    /** zone_page_state(zone, NR_FREE_PAGES). */
    public long freePages() {
        return nrFreePages;
    }

    /** zone_page_state(zone, NR_FREE_CMA_PAGES). */
    public long freeCmaPages() {
        return nrFreeCmaPages;
    }

    /** The first free block of this order and migratetype (the one the next allocation takes), or NO_FRAME. */
    public int firstFree(int order, int mt) {
        return freeHead[idx(order, mt)];
    }

    /** The first MIGRATE_MOVABLE free block of this order (what a fresh machine holds), or NO_FRAME. */
    public int firstFree(int order) {
        return firstFree(order, MIGRATE_MOVABLE);
    }

    /** The free block after {@code pfn} on its free list, or NO_FRAME. */
    public int nextFree(int pfn) {
        return lruNext[pfn];
    }

    /** free_area_empty(area, mt). */
    public boolean freeAreaEmpty(int order, int mt) {
        return freeHead[idx(order, mt)] == NO_FRAME;
    }

    /** Fallback allocations that claimed a whole pageblock (trace_mm_page_alloc_extfrag). */
    public long extfragClaims() {
        return extfragClaims;
    }

    /** Fallback allocations that stole a block and left the pageblock's type alone. */
    public long extfragSteals() {
        return extfragSteals;
    }

    /**
     * mm_page_alloc_extfrag events of requests of type {@code allocMt} served from a block of
     * type {@code fallbackMt}, with change_ownership as {@code claimed} (the pageblock now has
     * the requester's type) or not (a steal: the page lands in a block of another type).
     */
    public long extfragEvents(int allocMt, int fallbackMt, boolean claimed) {
        return extfragByType[(allocMt * MIGRATE_PCPTYPES + fallbackMt) * 2 + (claimed ? 1 : 0)];
    }

    /** mm_page_alloc_extfrag events with fragmenting=1 (fallback_order < pageblock_order). */
    public long extfragFragmenting() {
        return extfragFragmenting;
    }

    // include/trace/events/kmem.h: trace_mm_page_alloc_extfrag's fields, counted
    private void traceExtfrag(int page, int fallbackOrder, int allocMt, int fallbackMt) {
        final boolean changeOwnership = allocMt == frames.pageblockMigratetype(page);
        extfragByType[(allocMt * MIGRATE_PCPTYPES + fallbackMt) * 2 + (changeOwnership ? 1 : 0)]++;
        if (fallbackOrder < PAGEBLOCK_ORDER) {
            extfragFragmenting++;
        }
    }

    // ---- allocation ----

    /**
     * mm/page_alloc.c: __rmqueue_smallest: take the first block of the smallest order
     * {@code >= order} on {@code mt}'s lists and split it down to {@code order}.
     *
     * @return the first pfn of a block of {@code 2^order} frames, off the free lists and
     *     without PG_buddy; or NO_FRAME
     */
    public int rmqueueSmallest(int order, int mt) {
        final int[] heads = freeHead;
        for (int currentOrder = order; currentOrder < Zone.NR_PAGE_ORDERS; currentOrder++) {
            final int pfn = heads[idx(currentOrder, mt)];
            if (pfn != NO_FRAME) {
                pageDelAndExpand(pfn, order, currentOrder, mt);
                return pfn;
            }
        }
        return NO_FRAME;
    }

    /**
     * mm/page_alloc.c: __rmqueue: one block of {@code 2^order} frames for a request of
     * migratetype {@code mt}. {@code mode[0]} is rmqueue_bulk's {@code enum rmqueue_mode}:
     * the mode that found pages last time, so a bulk refill skips what already failed.
     */
    int rmqueue(int order, int mt, int allocFlags, int[] mode) {
        // Balance movable allocations between regular and CMA areas by allocating from CMA
        // when over half of the zone's free memory is in the CMA area.
        if ((allocFlags & ALLOC_CMA) != 0 && nrFreeCmaPages > nrFreePages / 2) {
            final int pfn = rmqueueSmallest(order, MIGRATE_CMA);
            if (pfn != NO_FRAME) {
                return pfn;
            }
        }
        int pfn;
        switch (mode[0]) {
            case RMQUEUE_NORMAL:
                pfn = rmqueueSmallest(order, mt);
                if (pfn != NO_FRAME) {
                    return pfn;
                }
                // fall through
            case RMQUEUE_CMA:
                if ((allocFlags & ALLOC_CMA) != 0) {
                    pfn = rmqueueSmallest(order, MIGRATE_CMA); // __rmqueue_cma_fallback
                    if (pfn != NO_FRAME) {
                        mode[0] = RMQUEUE_CMA;
                        return pfn;
                    }
                }
                // fall through
            case RMQUEUE_CLAIM:
                pfn = rmqueueClaim(order, mt, allocFlags);
                if (pfn != NO_FRAME) {
                    mode[0] = RMQUEUE_NORMAL; // replenished the preferred free list
                    return pfn;
                }
                // fall through
            default: // RMQUEUE_STEAL
                if ((allocFlags & ALLOC_NOFRAGMENT) == 0) {
                    pfn = rmqueueSteal(order, mt);
                    if (pfn != NO_FRAME) {
                        mode[0] = RMQUEUE_STEAL;
                        return pfn;
                    }
                }
                return NO_FRAME;
        }
    }

    /** __rmqueue with a fresh mode, as rmqueue_buddy calls it for one block. */
    public int rmqueue(int order, int mt, int allocFlags) {
        return rmqueue(order, mt, allocFlags, new int[] {RMQUEUE_NORMAL});
    }

    /**
     * mm/page_alloc.c: __rmqueue_claim: look for the largest free block of a fallback type,
     * from MAX_PAGE_ORDER down to the request's order (down to pageblock_order only under
     * ALLOC_NOFRAGMENT), and try to claim its pageblock for {@code startMt}.
     */
    private int rmqueueClaim(int order, int startMt, int allocFlags) {
        int minOrder = order;
        if (order < PAGEBLOCK_ORDER && (allocFlags & ALLOC_NOFRAGMENT) != 0) {
            minOrder = PAGEBLOCK_ORDER; // do not steal from other pageblocks' free lists
        }
        for (int currentOrder = Zone.MAX_PAGE_ORDER; currentOrder >= minOrder; currentOrder--) {
            final int fallbackMt = findSuitableFallback(currentOrder, startMt, true);
            if (fallbackMt == -1) {
                continue; // no block in that order
            }
            if (fallbackMt == -2) {
                break; // advanced into orders too low to claim
            }
            final int page = freeHead[idx(currentOrder, fallbackMt)];
            final int pfn = tryToClaimBlock(page, currentOrder, order, startMt, fallbackMt, allocFlags);
            if (pfn != NO_FRAME) {
                extfragClaims++;
                traceExtfrag(pfn, currentOrder, startMt, fallbackMt); // __rmqueue_claim
                return pfn;
            }
        }
        return NO_FRAME;
    }

    /**
     * mm/page_alloc.c: __rmqueue_steal: take the smallest sufficient block of a fallback type
     * and leave its pageblock's type alone (an unmovable page lands in a movable block).
     */
    private int rmqueueSteal(int order, int startMt) {
        for (int currentOrder = order; currentOrder < Zone.NR_PAGE_ORDERS; currentOrder++) {
            final int fallbackMt = findSuitableFallback(currentOrder, startMt, false);
            if (fallbackMt == -1) {
                continue;
            }
            final int pfn = freeHead[idx(currentOrder, fallbackMt)];
            pageDelAndExpand(pfn, order, currentOrder, fallbackMt);
            extfragSteals++;
            traceExtfrag(pfn, currentOrder, startMt, fallbackMt); // __rmqueue_steal
            return pfn;
        }
        return NO_FRAME;
    }

    /**
     * mm/page_alloc.c: find_suitable_fallback: the first type of {@code fallbacks[mt]} with a
     * free block of this order; -1 if none; -2 if {@code claimable} and the request would not
     * claim a block at this order (should_try_claim_block).
     */
    public int findSuitableFallback(int order, int mt, boolean claimable) {
        if (claimable && !shouldTryClaimBlock(order, mt)) {
            return -2;
        }
        if (nrFree[order] == 0) {
            return -1;
        }
        for (int fallbackMt : FALLBACKS[mt]) {
            if (!freeAreaEmpty(order, fallbackMt)) {
                return fallbackMt;
            }
        }
        return -1;
    }

    /**
     * mm/page_alloc.c: should_try_claim_block: claim when the free block is at least half a
     * pageblock (4 MiB blocks and 2 MiB ones always), or the request is unmovable or
     * reclaimable; small movable requests only steal. page_group_by_mobility_disabled needs
     * no test here: on such a machine (PhysMem#mobilityDisabled, build_all_zonelists) every
     * request is already MIGRATE_UNMOVABLE, which returns true.
     */
    static boolean shouldTryClaimBlock(int order, int startMt) {
        if (order >= PAGEBLOCK_ORDER) {
            return true;
        }
        if (order >= PAGEBLOCK_ORDER / 2) {
            return true;
        }
        return startMt == MIGRATE_RECLAIMABLE || startMt == MIGRATE_UNMOVABLE;
    }

    /**
     * mm/page_alloc.c: try_to_claim_block: a free block of pageblock order or more changes
     * type wholesale; a smaller one claims its pageblock if the block's free pages plus the
     * pages "alike" the request make at least half a pageblock, after which the request is
     * served from the requester's own lists. Boosts the watermark on the way (boost_watermark).
     *
     * @return the allocated block, or NO_FRAME if the block was not claimed
     */
    private int tryToClaimBlock(int page, int currentOrder, int order, int startType, int blockType, int allocFlags) {
        if (currentOrder >= PAGEBLOCK_ORDER) { // take ownership for orders >= pageblock_order
            delFromFreeList(page, currentOrder, blockType); // del_page_from_free_list:
            accountFreepages(-(1 << currentOrder), blockType); // ... with account_freepages
            changePageblockRange(page, currentOrder, startType);
            final int nrAdded = expand(page, order, currentOrder, startType);
            accountFreepages(nrAdded, startType);
            return page;
        }
        if (zone.boostWatermark() && (allocFlags & ALLOC_KSWAPD) != 0) {
            zone.setBoostedWatermark(); // ZONE_BOOSTED_WATERMARK: kswapd would be woken
        }
        final int start = page & ~(PAGEBLOCK_NR_PAGES - 1);
        if (!zone.spans(start) || !zone.spans(start + PAGEBLOCK_NR_PAGES - 1)) {
            return NO_FRAME; // prep_move_freepages_block: the block straddles the zone
        }
        final long counts = countFreeAndMovable(start);
        final int freePages = (int) (counts >>> 32);
        final int movablePages = (int) counts;
        final int alikePages;
        if (startType == MIGRATE_MOVABLE) {
            alikePages = movablePages;
        } else if (blockType == MIGRATE_MOVABLE) {
            // unmovable/reclaimable into a movable block: every non-movable page is alike
            alikePages = PAGEBLOCK_NR_PAGES - (freePages + movablePages);
        } else {
            alikePages = 0; // unmovable <-> reclaimable: cannot tell the pages apart
        }
        if (freePages + alikePages >= (1 << (PAGEBLOCK_ORDER - 1))) {
            moveFreepages(start, blockType, startType);
            frames.setPageblockMigratetype(start, startType);
            return rmqueueSmallest(order, startType);
        }
        return NO_FRAME;
    }

    /**
     * mm/page_alloc.c: prep_move_freepages_block's counting: free pages (PageBuddy blocks) in
     * the pageblock, and pages assumed movable (PageLRU). Returns free in the high 32 bits.
     */
    private long countFreeAndMovable(int start) {
        final int end = start + PAGEBLOCK_NR_PAGES;
        final int[] f = flags;
        long free = 0;
        long movable = 0;
        for (int pfn = start; pfn < end;) {
            final int fl = f[pfn];
            if ((fl & (1 << PG_buddy)) != 0) {
                final int nr = 1 << ((fl & FrameTable.ORDER_MASK) >>> ORDER_SHIFT);
                free += nr;
                pfn += nr;
                continue;
            }
            if ((fl & (1 << PG_lru)) != 0) {
                movable++;
            }
            pfn++;
        }
        return free << 32 | movable;
    }

    /**
     * mm/page_alloc.c: move_freepages_block: move every free block of the pageblock holding
     * {@code pfn} from {@code oldMt}'s lists to {@code newMt}'s and set the block's type.
     *
     * @return the pages moved, or -1 if the pageblock straddles the zone's end
     */
    public int moveFreepagesBlock(int pfn, int oldMt, int newMt) {
        final int start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
        if (!zone.spans(start) || !zone.spans(start + PAGEBLOCK_NR_PAGES - 1)) {
            return -1;
        }
        final int moved = moveFreepages(start, oldMt, newMt);
        frames.setPageblockMigratetype(start, newMt);
        return moved;
    }

    // mm/page_alloc.c: __move_freepages_block
    private int moveFreepages(int start, int oldMt, int newMt) {
        final int end = start + PAGEBLOCK_NR_PAGES;
        int moved = 0;
        for (int pfn = start; pfn < end;) {
            if ((flags[pfn] & (1 << PG_buddy)) == 0) {
                pfn++;
                continue;
            }
            final int order = frames.buddyOrder(pfn);
            moveToFreeList(pfn, order, oldMt, newMt);
            pfn += 1 << order;
            moved += 1 << order;
        }
        return moved;
    }

    // mm/page_alloc.c: change_pageblock_range
    private void changePageblockRange(int pfn, int startOrder, int mt) {
        final int nrPageblocks = 1 << (startOrder - PAGEBLOCK_ORDER);
        for (int i = 0; i < nrPageblocks; i++) {
            frames.setPageblockMigratetype(pfn + i * PAGEBLOCK_NR_PAGES, mt);
        }
    }

    // mm/page_alloc.c: page_del_and_expand
    private void pageDelAndExpand(int pfn, int low, int high, int mt) {
        delFromFreeList(pfn, high, mt);
        final int nrPages = (1 << high) - expand(pfn, low, high, mt);
        accountFreepages(-nrPages, mt);
    }

    // mm/page_alloc.c: expand: the upper half of each split goes back, at the list head
    private int expand(int pfn, int low, int high, int mt) {
        int size = 1 << high;
        int nrAdded = 0;
        while (high > low) {
            high--;
            size >>>= 1;
            addToFreeList(pfn + size, high, mt, false);
            setBuddyOrder(pfn + size, high);
            nrAdded += size;
        }
        return nrAdded;
    }

    /**
     * mm/page_alloc.c: __isolate_free_page: takes the free block at {@code pfn} (of
     * {@code order}) off its list for compaction's free scanner, obeying the min watermark as
     * an allocation would (the order-0 check with the mark raised by the block's size); a
     * block of at least half a pageblock turns its mergeable pageblocks MIGRATE_MOVABLE.
     *
     * @return the pages isolated ({@code 2^order}), or 0 when the watermark refuses; the
     *     frames are off the free lists, without PG_buddy, refcount 0
     */
    public int isolateFreePage(int pfn, int order) {
        final int mt = frames.pageblockMigratetype(pfn);
        if (mt != MIGRATE_ISOLATE) {
            final long watermark = zone.minWmarkPages() + (1L << order);
            if (!zone.watermarkOk(0, watermark, 0, ALLOC_CMA)) {
                return 0;
            }
        }
        delFromFreeList(pfn, order, mt);
        accountFreepages(-(1L << order), mt);
        if (order >= PAGEBLOCK_ORDER - 1) {
            final int end = pfn + (1 << order) - 1;
            for (int p = pfn; p < end; p += PAGEBLOCK_NR_PAGES) {
                final int pmt = frames.pageblockMigratetype(p);
                if (FrameTable.migratetypeIsMergeable(pmt) && pmt != MIGRATE_MOVABLE) {
                    moveFreepagesBlock(p, pmt, MIGRATE_MOVABLE); // only normal pageblocks
                }
            }
        }
        return 1 << order;
    }

    /**
     * mm/page_alloc.c: take_page_off_buddy (memory-failure's way to take one given frame):
     * find the free block that holds {@code pfn} (from order 0 up, stopping at a frame that
     * is in use), take it off its list and break it down (break_down_buddy_pages), putting
     * back every half that does not hold {@code pfn}, with the free block's migratetype.
     * Used by mpin's pre-compaction ([PROPOSAL] mpin-2013), which picks its target frames
     * itself. No watermark is checked: the caller does.
     *
     * @return true if {@code pfn} was free and is now off the lists (refcount 0, no PG_buddy)
     */
    public boolean takePageOffBuddy(int pfn) {
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            final int head = pfn - (pfn & ((1 << order) - 1));
            if (head < startPfn) {
                break;
            }
            final int f = flags[head];
            final int pageOrder = f >>> ORDER_SHIFT & 0xF;
            if ((f & (1 << PG_buddy)) != 0 && pageOrder >= order) {
                final int mt = frames.pageblockMigratetype(head);
                delFromFreeList(head, pageOrder, mt); // del_page_from_free_list
                accountFreepages(-(1L << pageOrder), mt);
                breakDownBuddyPages(head, pfn, pageOrder, mt);
                return true;
            }
            if (frames.refcount[head] > 0) {
                break;
            }
        }
        return false;
    }

    // mm/page_alloc.c: break_down_buddy_pages(zone, page, target, 0, high, migratetype)
    private void breakDownBuddyPages(int page, int target, int high, int mt) {
        int size = 1 << high;
        while (high > 0) {
            high--;
            size >>>= 1;
            final int currentBuddy;
            if (target >= page + size) {
                currentBuddy = page;
                page = page + size;
            } else {
                currentBuddy = page + size;
            }
            addToFreeList(currentBuddy, high, mt, false);
            accountFreepages(1L << high, mt);
            setBuddyOrder(currentBuddy, high);
        }
    }

    // ---- freeing ----

    /**
     * mm/page_alloc.c: __free_one_page: put a block of {@code 2^order} frames of migratetype
     * {@code mt} (its pageblock's, read by the caller at free time) back, merging it with
     * its buddy while the buddy is a free block of the same order in this zone, up to
     * MAX_PAGE_ORDER. From pageblock order up, a buddy in a pageblock of another type merges
     * only if both types are mergeable (no merge across CMA, ISOLATE or HIGHATOMIC); the
     * merged buddy's pageblock takes this block's type. The frames must be clean.
     */
    public void freeOnePage(int pfn, int order, int mt, int fpiFlags) {
        accountFreepages(1 << order, mt);
        int buddyPfn = NO_FRAME;
        while (order < Zone.MAX_PAGE_ORDER) {
            buddyPfn = pfn ^ (1 << order); // mm/internal.h: __find_buddy_pfn
            if (!pageIsBuddy(buddyPfn, order)) {
                break;
            }
            int buddyMt = mt;
            if (order >= PAGEBLOCK_ORDER) {
                buddyMt = frames.pageblockMigratetype(buddyPfn);
                if (mt != buddyMt && (!FrameTable.migratetypeIsMergeable(mt)
                        || !FrameTable.migratetypeIsMergeable(buddyMt))) {
                    break;
                }
            }
            delFromFreeList(buddyPfn, order, buddyMt);
            if (buddyMt != mt) {
                frames.setPageblockMigratetype(buddyPfn, mt); // match buddy type for expand()
            }
            pfn &= buddyPfn; // combined_pfn = buddy_pfn & pfn
            order++;
        }
        setBuddyOrder(pfn, order);
        final boolean toTail = (fpiFlags & FPI_TO_TAIL) != 0 || buddyMergeLikely(pfn, buddyPfn, order);
        addToFreeList(pfn, order, mt, toTail);
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
     * mm/internal.h: page_is_buddy (via find_buddy_page_pfn): the frame heads a free block
     * of exactly this order in the same zone (our zone check is the bounds check). A page on
     * a pcp list is not PageBuddy, so it blocks merging as in the kernel.
     */
    private boolean pageIsBuddy(int buddyPfn, int order) {
        if (buddyPfn < startPfn || buddyPfn >= endPfn) {
            return false;
        }
        final int f = flags[buddyPfn];
        return (f & (1 << PG_buddy)) != 0 && (f >>> ORDER_SHIFT & 0xF) == order;
    }

    // ---- free lists and counters: each changes only here ----

    // mm/page_alloc.c: set_buddy_order: __SetPageBuddy and set_page_private(order)
    private void setBuddyOrder(int pfn, int order) {
        flags[pfn] = (flags[pfn] & ~FrameTable.ORDER_MASK) | 1 << PG_buddy | order << ORDER_SHIFT;
    }

    // mm/page_alloc.c: __add_to_free_list (list_add or list_add_tail), nr_free++
    private void addToFreeList(int pfn, int order, int mt, boolean tail) {
        listAdd(idx(order, mt), pfn, tail);
        nrFree[order]++;
        if (order >= PAGEBLOCK_ORDER && mt != MIGRATE_ISOLATE) {
            nrFreePagesBlocks += 1 << order;
        }
    }

    // mm/page_alloc.c: __del_page_from_free_list: list_del, __ClearPageBuddy,
    // set_page_private(0), nr_free--
    private void delFromFreeList(int pfn, int order, int mt) {
        listDel(idx(order, mt), pfn);
        flags[pfn] &= ~(1 << PG_buddy | FrameTable.ORDER_MASK);
        nrFree[order]--;
        if (order >= PAGEBLOCK_ORDER && mt != MIGRATE_ISOLATE) {
            nrFreePagesBlocks -= 1 << order;
        }
    }

    // mm/page_alloc.c: move_to_free_list: list_move_tail to the new type's list
    private void moveToFreeList(int pfn, int order, int oldMt, int newMt) {
        listDel(idx(order, oldMt), pfn);
        listAdd(idx(order, newMt), pfn, true);
        accountFreepages(-(1 << order), oldMt);
        accountFreepages(1 << order, newMt);
        if (order >= PAGEBLOCK_ORDER && (oldMt == MIGRATE_ISOLATE) != (newMt == MIGRATE_ISOLATE)) {
            nrFreePagesBlocks += oldMt == MIGRATE_ISOLATE ? 1 << order : -(1 << order);
        }
    }

    // mm/page_alloc.c: account_freepages: NR_FREE_PAGES, NR_FREE_CMA_PAGES, nr_free_highatomic
    private void accountFreepages(long nrPages, int mt) {
        if (mt == MIGRATE_ISOLATE) {
            return;
        }
        nrFreePages += nrPages;
        if (mt == MIGRATE_CMA) {
            nrFreeCmaPages += nrPages;
        } else if (mt == MIGRATE_HIGHATOMIC) {
            nrFreeHighatomic += nrPages;
        }
    }

    private void listAdd(int list, int pfn, boolean tail) {
        final int[] prev = lruPrev;
        final int[] next = lruNext;
        if (tail) {
            final int last = freeTail[list];
            prev[pfn] = last;
            next[pfn] = NO_FRAME;
            if (last == NO_FRAME) {
                freeHead[list] = pfn;
            } else {
                next[last] = pfn;
            }
            freeTail[list] = pfn;
        } else {
            final int first = freeHead[list];
            prev[pfn] = NO_FRAME;
            next[pfn] = first;
            if (first == NO_FRAME) {
                freeTail[list] = pfn;
            } else {
                prev[first] = pfn;
            }
            freeHead[list] = pfn;
        }
    }

    private void listDel(int list, int pfn) {
        final int[] prev = lruPrev;
        final int[] next = lruNext;
        final int p = prev[pfn];
        final int n = next[pfn];
        if (p == NO_FRAME) {
            freeHead[list] = n;
        } else {
            next[p] = n;
        }
        if (n == NO_FRAME) {
            freeTail[list] = p;
        } else {
            prev[n] = p;
        }
        prev[pfn] = NO_FRAME;
        next[pfn] = NO_FRAME;
    }

    /** The number of blocks on one free list (pagetypeinfo_showfree's walk, capped as it caps). */
    long countFreeList(int order, int mt, long cap) {
        long n = 0;
        for (int pfn = freeHead[idx(order, mt)]; pfn != NO_FRAME && n < cap; pfn = lruNext[pfn]) {
            n++;
        }
        return n;
    }

    static boolean isPcpType(int mt) {
        return mt < MIGRATE_PCPTYPES;
    }
}
