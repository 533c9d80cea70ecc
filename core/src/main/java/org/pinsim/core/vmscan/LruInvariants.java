package org.pinsim.core.vmscan;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;

/**
 * The LRU invariants, recomputed from the frame table:
 * <ol>
 * <li>Each evictable list is well linked (prev/next agree, head and tail right, no cycle)
 *     and holds only PG_lru frames of its node whose flags name that list.</li>
 * <li>Every PG_lru frame is on exactly one list: the frames with PG_lru and not
 *     PG_unevictable number as many as the evictable lists hold, per node.</li>
 * <li>Each count equals what the lists hold; nr_unevictable equals the PG_lru|PG_unevictable
 *     frames of the node.</li>
 * <li>A frame on an LRU list is in use: refcount &gt; 0.</li>
 * </ol>
 */
final class LruInvariants {

    private LruInvariants() {
    }

    static void check(Lru lru, PhysMem mem) {
        final FrameTable frames = mem.frames();
        final long[] evictableFlagged = new long[mem.nrNodes()];
        final long[] unevictableFlagged = new long[mem.nrNodes()];
        scanFrames(frames, mem, evictableFlagged, unevictableFlagged);
        for (int nid = 0; nid < mem.nrNodes(); nid++) {
            long listed = 0;
            for (int list = 0; list < Lru.NR_EVICTABLE_LRU_LISTS; list++) {
                listed += walk(lru, mem, nid, list);
            }
            if (listed != evictableFlagged[nid]) {
                fail("node " + nid + ": " + evictableFlagged[nid] + " evictable PG_lru frames but "
                        + listed + " on the lists");
            }
            if (lru.nrPages(nid, Lru.LRU_UNEVICTABLE) != unevictableFlagged[nid]) {
                fail("node " + nid + ": nr_unevictable " + lru.nrPages(nid, Lru.LRU_UNEVICTABLE)
                        + " but " + unevictableFlagged[nid] + " PG_lru|PG_unevictable frames");
            }
        }
    }

    private static void scanFrames(FrameTable frames, PhysMem mem, long[] evictable, long[] unevictable) {
        for (int pfn = 0; pfn < frames.nrFrames(); pfn++) {
            if (!frames.testFlag(pfn, PG_lru)) {
                continue;
            }
            if (frames.refcount(pfn) <= 0) {
                fail("frame on an LRU list has refcount " + frames.refcount(pfn) + ": " + frames.view(pfn));
            }
            if (frames.testFlag(pfn, PG_unevictable)) {
                unevictable[mem.nidOf(pfn)] += frames.folioNrPages(pfn);
            } else {
                evictable[mem.nidOf(pfn)] += frames.folioNrPages(pfn);
            }
        }
    }

    /** Walks one list, checking links and members; returns its length. */
    private static long walk(Lru lru, PhysMem mem, int nid, int list) {
        final FrameTable frames = mem.frames();
        long count = 0;
        long links = 0;
        int prev = NO_FRAME;
        for (int pfn = lru.headIndexed(nid, list); pfn != NO_FRAME; pfn = frames.lruNext(pfn)) {
            count += frames.folioNrPages(pfn);
            if (++links > frames.nrFrames()) {
                fail("node " + nid + " " + Lru.vmstatName(list) + ": the list has a cycle");
            }
            if (!frames.testFlag(pfn, PG_lru) || lru.folioLruList(pfn) != list || mem.nidOf(pfn) != nid) {
                fail("node " + nid + " " + Lru.vmstatName(list) + " holds a frame whose flags or node say otherwise: "
                        + frames.view(pfn));
            }
            if (frames.lruPrev(pfn) != prev) {
                fail("node " + nid + " " + Lru.vmstatName(list) + ": prev link " + frames.lruPrev(pfn)
                        + " != " + prev + ": " + frames.view(pfn));
            }
            prev = pfn;
        }
        if (lru.tailIndexed(nid, list) != prev) {
            fail("node " + nid + " " + Lru.vmstatName(list) + ": tail is " + lru.tailIndexed(nid, list)
                    + " but the last frame is " + prev);
        }
        if (count != lru.nrPages(nid, list)) {
            fail("node " + nid + " " + Lru.vmstatName(list) + " = " + lru.nrPages(nid, list)
                    + " but the list holds " + count);
        }
        return count;
    }

    private static void fail(String rule) {
        throw new AssertionError("lru invariant: " + rule);
    }
}
