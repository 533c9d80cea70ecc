package org.pinsim.core.mm;

import java.util.Arrays;

/**
 * The VMAs of one mm in address order (the kernel's maple tree): a sorted array searched by
 * binary search. Only the VMA mechanisms in this package change it.
 */
public final class VmaTree {
    private Vma[] vmas = new Vma[16];
    private int count;

    public int size() {
        return count;
    }

    public Vma get(int i) {
        return vmas[i];
    }

    /** Index of the first VMA with end > addr (mm/mmap.c find_vma), or size() when none. */
    public int findIndex(long addr) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(vmas[mid].end, addr) > 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** find_vma: the first VMA ending above addr, or null. */
    public Vma find(long addr) {
        int i = findIndex(addr);
        return i < count ? vmas[i] : null;
    }

    /** vma_lookup: the VMA containing addr, or null. */
    public Vma lookup(long addr) {
        Vma v = find(addr);
        return v != null && Long.compareUnsigned(v.start, addr) <= 0 ? v : null;
    }

    /** find_vma_intersection: the first VMA intersecting [start, end), or null. */
    public Vma intersection(long start, long end) {
        Vma v = find(start);
        return v != null && Long.compareUnsigned(v.start, end) < 0 ? v : null;
    }

    /** The VMA before index i, or null. */
    public Vma prev(int i) {
        return i > 0 ? vmas[i - 1] : null;
    }

    public int indexOf(Vma v) {
        int i = findIndex(v.start);
        while (i < count && vmas[i] != v) {
            i++;
        }
        if (i == count) {
            throw new IllegalStateException("VMA not in tree: " + v);
        }
        return i;
    }

    void insert(Vma v) {
        int i = findIndex(v.start);
        if (i < count && Long.compareUnsigned(vmas[i].start, v.end) < 0) {
            throw new IllegalStateException("overlapping VMA insert " + v + " over " + vmas[i]);
        }
        if (count == vmas.length) {
            vmas = Arrays.copyOf(vmas, count * 2);
        }
        System.arraycopy(vmas, i, vmas, i + 1, count - i);
        vmas[i] = v;
        count++;
    }

    void remove(Vma v) {
        int i = indexOf(v);
        System.arraycopy(vmas, i + 1, vmas, i, count - i - 1);
        vmas[--count] = null;
    }

    /** Snapshot of the VMAs, in order (cold paths and reports only). */
    public Vma[] toArray() {
        return Arrays.copyOf(vmas, count);
    }
}
