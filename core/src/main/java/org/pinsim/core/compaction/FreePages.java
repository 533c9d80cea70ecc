package org.pinsim.core.compaction;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;

import java.util.Arrays;
import org.pinsim.core.mem.Zone;

/**
 * cc->freepages[NR_PAGE_ORDERS]: the free blocks compaction's free scanner isolated, one
 * list per order, as first pfns. Each list is a growable ring of ints (no boxing): blocks are
 * added at the tail (isolate_freepages_block's list_add_tail) or the head (the split halves of
 * compaction_alloc and compaction_free's list_add) and taken from the head.
 */
final class FreePages {
    private final int[][] ring = new int[Zone.NR_PAGE_ORDERS][];
    private final int[] head = new int[Zone.NR_PAGE_ORDERS];
    private final int[] size = new int[Zone.NR_PAGE_ORDERS];

    FreePages() {
        for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) {
            ring[o] = new int[16];
        }
    }

    boolean isEmpty(int order) {
        return size[order] == 0;
    }

    void addTail(int order, int pfn) {
        grow(order);
        final int[] r = ring[order];
        r[(head[order] + size[order]) & (r.length - 1)] = pfn;
        size[order]++;
    }

    void addHead(int order, int pfn) {
        grow(order);
        final int[] r = ring[order];
        head[order] = (head[order] - 1) & (r.length - 1);
        r[head[order]] = pfn;
        size[order]++;
    }

    /** Takes the first block of this order, or NO_FRAME. */
    int pollHead(int order) {
        if (size[order] == 0) {
            return NO_FRAME;
        }
        final int[] r = ring[order];
        final int pfn = r[head[order]];
        head[order] = (head[order] + 1) & (r.length - 1);
        size[order]--;
        return pfn;
    }

    private void grow(int order) {
        final int[] r = ring[order];
        if (size[order] < r.length) {
            return;
        }
        final int[] n = new int[r.length * 2];
        for (int i = 0; i < size[order]; i++) {
            n[i] = r[(head[order] + i) & (r.length - 1)];
        }
        ring[order] = n;
        head[order] = 0;
    }

    void clear() {
        Arrays.fill(size, 0);
        Arrays.fill(head, 0);
    }
}
