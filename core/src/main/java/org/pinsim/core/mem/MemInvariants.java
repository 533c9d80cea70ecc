package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.MIGRATE_CMA;
import static org.pinsim.core.mem.FrameTable.MIGRATE_TYPES;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.ORDER_MASK;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;
import static org.pinsim.core.mem.FrameTable.PG_buddy;
import static org.pinsim.core.mem.FrameTable.PG_pcp;
import static org.pinsim.core.mem.FrameTable.PG_reserved;

/**
 * The physical-memory invariants, recomputed from first principles (the spirit of
 * CONFIG_DEBUG_VM's bad_page checks, over the whole machine):
 * <ol>
 * <li>Every frame is exactly one of: in a free buddy block (PG_buddy on the block's head,
 *     the head aligned to its order and the block inside one zone; every frame of the block
 *     with refcount 0, not mapped, no owner, no other flag), in a free block on a pcp list
 *     (PG_pcp and the list's order on its head, the same cleanliness), in use
 *     (refcount &gt; 0), or reserved (PG_reserved).</li>
 * <li>Each zone's free lists, one per order and migratetype, are well linked (prev/next
 *     agree, head and tail right, no cycle), hold only PG_buddy heads of the list's order in
 *     that zone whose pageblock has the list's migratetype, and hold each head found in the
 *     frame table exactly once: nr_free[order] = the lists' total = heads found.</li>
 * <li>NR_FREE_PAGES = sum of nr_free[order] &lt;&lt; order over non-isolated lists, per zone;
 *     NR_FREE_CMA_PAGES the same over the CMA lists; NR_FREE_PAGES_BLOCKS over orders from
 *     pageblock_order up.</li>
 * <li>Each CPU's pcp lists of each zone are well linked, hold PG_pcp heads of the list's
 *     order in that zone, and pcp->count = the pages on them = the PG_pcp pages found.</li>
 * <li>Merging is complete: no free buddy block has a free buddy of the same order whose
 *     merge the kernel would allow (across a pageblock boundary from pageblock order up,
 *     only between mergeable types).</li>
 * <li>managed_pages = spanned pages minus reserved pages, per zone; the zone's CMA
 *     pageblocks (as /proc/pagetypeinfo counts them) hold cma_pages.</li>
 * </ol>
 * Cost: one pass over the frame table plus the free lists; meant for tests and for the
 * checks-on-by-default mode, not for benchmarks.
 */
final class MemInvariants {

    private final PhysMem mem;
    private final FrameTable frames;
    /** Free heads found by the frame scan: [nid][zoneIdx][order]. */
    private final long[][][] headsFound;
    private final long[][] pcpPagesFound;
    private final long[][] reservedFound;

    private MemInvariants(PhysMem mem) {
        this.mem = mem;
        this.frames = mem.frames();
        this.headsFound = new long[mem.nrNodes()][Zone.MAX_NR_ZONES][Zone.NR_PAGE_ORDERS];
        this.pcpPagesFound = new long[mem.nrNodes()][Zone.MAX_NR_ZONES];
        this.reservedFound = new long[mem.nrNodes()][Zone.MAX_NR_ZONES];
    }

    static void check(PhysMem mem) {
        final MemInvariants inv = new MemInvariants(mem);
        inv.checkPageblockBits();
        inv.scanFrames();
        for (Zone zone : mem.zones()) {
            inv.checkZone(zone);
            inv.checkPcp(zone);
        }
    }

    /**
     * The pageblock bits (FrameTable flag bits 17-23) exist only in the flags of a
     * pageblock's first frame, hold a migratetype the bitmap can hold (never MIGRATE_ISOLATE,
     * which is a bit of its own), and leave the reserved bits clear.
     */
    private void checkPageblockBits() {
        final int[] flags = frames.flags;
        final int n = frames.nrFrames;
        for (int pfn = 0; pfn < n; pfn++) {
            final int pb = flags[pfn] & FrameTable.PB_BITS;
            if ((pfn & (FrameTable.PAGEBLOCK_NR_PAGES - 1)) != 0) {
                if (pb != 0) {
                    fail("pageblock bits in the flags of a frame that does not start a pageblock", pfn);
                }
                continue;
            }
            final int mt = pb >>> FrameTable.PB_SHIFT & FrameTable.MIGRATETYPE_MASK;
            if (mt >= FrameTable.MIGRATE_ISOLATE) {
                fail("pageblock migratetype field holds " + mt + ", not a pageblock type", pfn);
            }
            if ((pb & ~(FrameTable.MIGRATETYPE_MASK << FrameTable.PB_SHIFT | FrameTable.PB_MIGRATE_ISOLATE
                    | FrameTable.PB_MIGRATE_SKIP)) != 0) {
                fail("reserved pageblock bits set", pfn);
            }
        }
    }

    private void scanFrames() {
        final int n = frames.nrFrames;
        int pfn = 0;
        while (pfn < n) {
            final int f = frames.flags[pfn];
            if ((f & (1 << PG_buddy)) != 0) {
                pfn += checkFreeBlock(pfn, true);
            } else if ((f & (1 << PG_pcp)) != 0) {
                pfn += checkFreeBlock(pfn, false);
            } else if ((f & (1 << PG_reserved)) != 0) {
                final Zone zone = mem.zoneOf(pfn);
                reservedFound[zone.nid()][zone.zoneIdx()]++;
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
            fail("frame is neither free in a buddy block or on a pcp list, in use (refcount > 0), nor reserved", pfn);
        }
        if ((f & ORDER_MASK) != 0 && (f & (1 << FrameTable.PG_head)) == 0) {
            fail("order field set on a frame that is not a free block head", pfn);
        }
    }

    /** Checks the free block headed by {@code pfn}; returns its size in frames. */
    private int checkFreeBlock(int pfn, boolean buddy) {
        final int order = frames.buddyOrder(pfn);
        final int size = 1 << order;
        final Zone zone = mem.zoneOf(pfn);
        if (order > Zone.MAX_PAGE_ORDER || !buddy && !PerCpuPages.pcpAllowedOrder(order)) {
            fail("free block order " + order + " not allowed on its list", pfn);
        }
        if ((pfn & (size - 1)) != 0) {
            fail("free block head not aligned to its order " + order, pfn);
        }
        if ((long) pfn + size > zone.zoneEndPfn()) {
            fail("free block of order " + order + " runs past the end of " + zone, pfn);
        }
        final int expect = (buddy ? 1 << PG_buddy : 1 << PG_pcp) | order << FrameTable.ORDER_SHIFT;
        if ((frames.flags[pfn] & ~FrameTable.PB_BITS) != expect) {
            fail("free block head carries flags other than " + (buddy ? "PG_buddy" : "PG_pcp"), pfn);
        }
        for (int p = pfn; p < pfn + size; p++) {
            checkFreeFrame(p, p != pfn);
        }
        if (buddy) {
            headsFound[zone.nid()][zone.zoneIdx()][order]++;
        } else {
            pcpPagesFound[zone.nid()][zone.zoneIdx()] += size;
        }
        return size;
    }

    private void checkFreeFrame(int p, boolean tail) {
        if (tail && (frames.flags[p] & ~FrameTable.PB_BITS) != 0) {
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
        long cmaPages = 0;
        long blocks = 0;
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            long listed = 0;
            for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
                final long n = walkFreeList(zone, order, mt);
                listed += n;
                if (mt != FrameTable.MIGRATE_ISOLATE) {
                    freePages += n << order;
                    blocks += order >= FrameTable.PAGEBLOCK_ORDER ? n << order : 0;
                }
                cmaPages += mt == MIGRATE_CMA ? n << order : 0;
            }
            final long found = headsFound[zone.nid()][zone.zoneIdx()][order];
            if (listed != buddy.nrFree[order] || listed != found) {
                failZone(zone, "order " + order + ": nr_free " + buddy.nrFree[order] + ", on lists "
                        + listed + ", PG_buddy heads in the frame table " + found);
            }
        }
        if (freePages != buddy.nrFreePages || cmaPages != buddy.nrFreeCmaPages || blocks != buddy.nrFreePagesBlocks) {
            failZone(zone, "NR_FREE_PAGES " + buddy.nrFreePages + " / NR_FREE_CMA_PAGES " + buddy.nrFreeCmaPages
                    + " / NR_FREE_PAGES_BLOCKS " + buddy.nrFreePagesBlocks + " but the free lists hold "
                    + freePages + " / " + cmaPages + " / " + blocks);
        }
        final long reserved = reservedFound[zone.nid()][zone.zoneIdx()];
        if (zone.managedPages() != zone.spannedPages() - reserved) {
            failZone(zone, "managed " + zone.managedPages() + " != spanned " + zone.spannedPages()
                    + " - reserved " + reserved);
        }
        long cmaBlocks = 0;
        for (int pfn = zone.zoneStartPfn(); pfn < zone.zoneEndPfn(); pfn += PAGEBLOCK_NR_PAGES) {
            cmaBlocks += frames.pageblockMigratetypeNoIsolate(pfn) == MIGRATE_CMA ? 1 : 0;
        }
        if (cmaBlocks * PAGEBLOCK_NR_PAGES != zone.cmaPages()) {
            failZone(zone, "cma_pages " + zone.cmaPages() + " but " + cmaBlocks + " MIGRATE_CMA pageblocks");
        }
    }

    /** Walks one free list, checking links and members; returns its length. */
    private long walkFreeList(Zone zone, int order, int mt) {
        final BuddyAllocator buddy = zone.buddy();
        final int list = order * MIGRATE_TYPES + mt;
        final long limit = (zone.spannedPages() >> order) + 1;
        long count = 0;
        int prev = NO_FRAME;
        for (int pfn = buddy.freeHead[list]; pfn != NO_FRAME; pfn = frames.lruNext[pfn]) {
            if (++count > limit) {
                failZone(zone, "free list of order " + order + " type " + mt + " is longer than the zone: a cycle");
            }
            checkListMember(zone, order, mt, pfn, prev);
            prev = pfn;
        }
        if (buddy.freeTail[list] != prev) {
            failZone(zone, "free list of order " + order + " type " + mt + " tail is " + buddy.freeTail[list]
                    + " but the last block is " + prev);
        }
        return count;
    }

    private void checkListMember(Zone zone, int order, int mt, int pfn, int prev) {
        if (!zone.spans(pfn)) {
            fail("on the order-" + order + " free list of " + zone + " but outside it", pfn);
        }
        if (!frames.isBuddy(pfn) || frames.buddyOrder(pfn) != order) {
            fail("on the order-" + order + " free list without PG_buddy of that order", pfn);
        }
        if (frames.pageblockMigratetype(pfn) != mt) {
            fail("on the " + FrameTable.migratetypeName(mt) + " free list but its pageblock is "
                    + FrameTable.migratetypeName(frames.pageblockMigratetype(pfn)), pfn);
        }
        if (frames.lruPrev[pfn] != prev) {
            fail("free list link broken: prev is " + frames.lruPrev[pfn] + ", expected " + prev, pfn);
        }
        final int buddyPfn = pfn ^ (1 << order);
        if (order < Zone.MAX_PAGE_ORDER && zone.spans(buddyPfn) && frames.isBuddy(buddyPfn)
                && frames.buddyOrder(buddyPfn) == order && mergeAllowed(order, mt, frames.pageblockMigratetype(buddyPfn))) {
            fail("free block and its buddy " + buddyPfn + " are both free at order " + order + " (missed merge)", pfn);
        }
    }

    // __free_one_page's rule: below pageblock order any buddy merges; above, only mergeable types
    private static boolean mergeAllowed(int order, int mt, int buddyMt) {
        return order < FrameTable.PAGEBLOCK_ORDER || mt == buddyMt
                || FrameTable.migratetypeIsMergeable(mt) && FrameTable.migratetypeIsMergeable(buddyMt);
    }

    private void checkPcp(Zone zone) {
        long total = 0;
        for (int c = 0; c < zone.nrCpus(); c++) {
            final PerCpuPages pcp = zone.pcp(c);
            long pages = 0;
            for (int pindex = 0; pindex < PerCpuPages.NR_PCP_LISTS; pindex++) {
                pages += walkPcpList(zone, pcp, pindex);
            }
            if (pages != pcp.count) {
                failZone(zone, "cpu " + c + ": pcp->count " + pcp.count + " but its lists hold " + pages + " pages");
            }
            total += pages;
        }
        final long found = pcpPagesFound[zone.nid()][zone.zoneIdx()];
        if (total != found) {
            failZone(zone, "pcp lists hold " + total + " pages but the frame table has " + found + " PG_pcp pages");
        }
    }

    private long walkPcpList(Zone zone, PerCpuPages pcp, int pindex) {
        final int order = PerCpuPages.pindexToOrder(pindex);
        final long limit = (zone.spannedPages() >> order) + 1;
        long count = 0;
        int prev = NO_FRAME;
        for (int pfn = pcp.head[pindex]; pfn != NO_FRAME; pfn = frames.lruNext[pfn]) {
            if (++count > limit) {
                failZone(zone, "pcp list " + pindex + " of cpu " + pcp.cpu() + " is longer than the zone: a cycle");
            }
            if (!zone.spans(pfn) || !frames.testFlag(pfn, PG_pcp) || frames.buddyOrder(pfn) != order) {
                fail("on pcp list " + pindex + " of cpu " + pcp.cpu() + " of " + zone + " without PG_pcp of order " + order, pfn);
            }
            if (frames.lruPrev[pfn] != prev) {
                fail("pcp list link broken: prev is " + frames.lruPrev[pfn] + ", expected " + prev, pfn);
            }
            prev = pfn;
        }
        if (pcp.tail[pindex] != prev) {
            failZone(zone, "pcp list " + pindex + " of cpu " + pcp.cpu() + " tail is " + pcp.tail[pindex]
                    + " but the last block is " + prev);
        }
        return count << order;
    }

    private void fail(String rule, int pfn) {
        throw new AssertionError("physmem invariant: " + rule + ": " + frames.view(pfn));
    }

    private static void failZone(Zone zone, String rule) {
        throw new AssertionError("physmem invariant: " + zone + ": " + rule);
    }
}
