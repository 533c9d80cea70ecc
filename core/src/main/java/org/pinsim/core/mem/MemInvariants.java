package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.ORDER_MASK;
import static org.pinsim.core.mem.FrameTable.PG_buddy;
import static org.pinsim.core.mem.FrameTable.PG_reserved;

/**
 * The physical-memory invariants, recomputed from first principles (the spirit of
 * CONFIG_DEBUG_VM's bad_page checks, over the whole machine):
 * <ol>
 * <li>Every frame is exactly one of: in a free buddy block (PG_buddy on the block's head,
 *     the head aligned to its order and the block inside one zone; every frame of the block
 *     with refcount 0, not mapped, no owner, no other flag), in use (refcount &gt; 0), or
 *     reserved (PG_reserved).</li>
 * <li>Each zone's free lists are well linked (prev/next agree, head and tail right, no
 *     cycle), hold only PG_buddy heads of the list's order in that zone, and hold each head
 *     found in the frame table exactly once: nr_free[order] = list length = heads found.</li>
 * <li>NR_FREE_PAGES = sum of nr_free[order] &lt;&lt; order, per zone.</li>
 * <li>Merging is complete: no free block has a free buddy of the same order.</li>
 * <li>managed_pages = spanned pages minus reserved pages, per zone.</li>
 * </ol>
 * Cost: one pass over the frame table plus the free lists; meant for tests and for the
 * checks-on-by-default mode, not for benchmarks.
 */
final class MemInvariants {

    private final PhysMem mem;
    private final FrameTable frames;
    /** Free heads found by the frame scan: [nid][zoneIdx][order]. */
    private final long[][][] headsFound;
    private final long[][] reservedFound;

    private MemInvariants(PhysMem mem) {
        this.mem = mem;
        this.frames = mem.frames();
        this.headsFound = new long[mem.nrNodes()][Zone.MAX_NR_ZONES][Zone.NR_PAGE_ORDERS];
        this.reservedFound = new long[mem.nrNodes()][Zone.MAX_NR_ZONES];
    }

    static void check(PhysMem mem) {
        final MemInvariants inv = new MemInvariants(mem);
        inv.scanFrames();
        for (Zone zone : mem.zones()) {
            inv.checkZone(zone);
        }
    }

    private void scanFrames() {
        final int n = frames.nrFrames;
        int pfn = 0;
        while (pfn < n) {
            final int f = frames.flags[pfn];
            if ((f & (1 << PG_buddy)) != 0) {
                pfn += checkFreeBlock(pfn);
            } else if ((f & (1 << PG_reserved)) != 0) {
                reservedFound[mem.nidOf(pfn)][PhysMem.zoneIdxOf(pfn)]++;
                pfn++;
            } else {
                checkInUse(pfn, f);
                pfn++;
            }
        }
    }

    private void checkInUse(int pfn, int f) {
        if ((f & (1 << FrameTable.PG_tail)) != 0) {
            return; // a tail page of a compound page: its count lives on the head
        }
        if (frames.refcount[pfn] <= 0) {
            fail("frame is neither free in a buddy block, in use (refcount > 0), nor reserved", pfn);
        }
        if ((f & ORDER_MASK) != 0 && (f & (1 << FrameTable.PG_head)) == 0) {
            fail("order field set on a frame that is not a free block head", pfn);
        }
    }

    /** Checks the free block headed by {@code pfn}; returns its size in frames. */
    private int checkFreeBlock(int pfn) {
        final int order = frames.buddyOrder(pfn);
        final int size = 1 << order;
        final Zone zone = mem.zoneOf(pfn);
        if (order > Zone.MAX_PAGE_ORDER) {
            fail("free block order " + order + " above MAX_PAGE_ORDER", pfn);
        }
        if ((pfn & (size - 1)) != 0) {
            fail("free block head not aligned to its order " + order, pfn);
        }
        if ((long) pfn + size > zone.zoneEndPfn()) {
            fail("free block of order " + order + " runs past the end of " + zone, pfn);
        }
        if (frames.flags[pfn] != (1 << PG_buddy | order << FrameTable.ORDER_SHIFT)) {
            fail("free block head carries flags other than PG_buddy", pfn);
        }
        for (int p = pfn; p < pfn + size; p++) {
            checkFreeFrame(p, p != pfn);
        }
        headsFound[zone.nid()][zone.zoneIdx()][order]++;
        return size;
    }

    private void checkFreeFrame(int p, boolean tail) {
        if (tail && frames.flags[p] != 0) {
            fail("frame inside a free block has flags", p);
        }
        if (frames.refcount[p] != 0) {
            fail("frame inside a free block has refcount != 0", p);
        }
        if (frames.mapcount[p] != 0) {
            fail("frame inside a free block is mapped", p);
        }
        if (frames.owner[p] != NO_OWNER) {
            fail("frame inside a free block has an owner", p);
        }
    }

    private void checkZone(Zone zone) {
        final BuddyAllocator buddy = zone.buddy();
        long freePages = 0;
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            final long listed = walkFreeList(zone, order);
            final long found = headsFound[zone.nid()][zone.zoneIdx()][order];
            if (listed != buddy.nrFree[order] || listed != found) {
                failZone(zone, "order " + order + ": nr_free " + buddy.nrFree[order] + ", on list "
                        + listed + ", PG_buddy heads in the frame table " + found);
            }
            freePages += buddy.nrFree[order] << order;
        }
        if (freePages != buddy.nrFreePages) {
            failZone(zone, "NR_FREE_PAGES " + buddy.nrFreePages + " but the free lists hold " + freePages);
        }
        final long reserved = reservedFound[zone.nid()][zone.zoneIdx()];
        if (zone.managedPages() != zone.spannedPages() - reserved) {
            failZone(zone, "managed " + zone.managedPages() + " != spanned " + zone.spannedPages()
                    + " - reserved " + reserved);
        }
    }

    /** Walks one free list, checking links and members; returns its length. */
    private long walkFreeList(Zone zone, int order) {
        final BuddyAllocator buddy = zone.buddy();
        final long limit = (zone.spannedPages() >> order) + 1;
        long count = 0;
        int prev = NO_FRAME;
        for (int pfn = buddy.freeHead[order]; pfn != NO_FRAME; pfn = frames.lruNext[pfn]) {
            if (++count > limit) {
                failZone(zone, "free list of order " + order + " is longer than the zone: a cycle");
            }
            checkListMember(zone, order, pfn, prev);
            prev = pfn;
        }
        if (buddy.freeTail[order] != prev) {
            failZone(zone, "free list of order " + order + " tail is " + buddy.freeTail[order]
                    + " but the last block is " + prev);
        }
        return count;
    }

    private void checkListMember(Zone zone, int order, int pfn, int prev) {
        if (!zone.spans(pfn)) {
            fail("on the order-" + order + " free list of " + zone + " but outside it", pfn);
        }
        if (!frames.isBuddy(pfn) || frames.buddyOrder(pfn) != order) {
            fail("on the order-" + order + " free list without PG_buddy of that order", pfn);
        }
        if (frames.lruPrev[pfn] != prev) {
            fail("free list link broken: prev is " + frames.lruPrev[pfn] + ", expected " + prev, pfn);
        }
        final int buddyPfn = pfn ^ (1 << order);
        if (order < Zone.MAX_PAGE_ORDER && zone.spans(buddyPfn) && frames.isBuddy(buddyPfn)
                && frames.buddyOrder(buddyPfn) == order) {
            fail("free block and its buddy " + buddyPfn + " are both free at order " + order + " (missed merge)", pfn);
        }
    }

    private void fail(String rule, int pfn) {
        throw new AssertionError("physmem invariant: " + rule + ": " + frames.view(pfn));
    }

    private static void failZone(Zone zone, String rule) {
        throw new AssertionError("physmem invariant: " + zone + ": " + rule);
    }
}
