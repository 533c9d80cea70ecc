package org.pinsim.core.migrate;

import java.util.Arrays;
import org.pinsim.core.mm.Inode;

/**
 * A list of isolated folios, as the kernel threads them on {@code folio->lru} for
 * migrate_pages (the pagelist of move_pages and mbind): parallel arrays of the folio's pfn,
 * the page cache it belongs to (null for an anonymous folio) and, on the unmap list, the new
 * frame (dst_folios). Order is kept: the kernel migrates a list front to back.
 */
public final class FolioList {
    private int[] pfn = new int[8];
    private int[] dst = new int[8];
    private Inode[] file = new Inode[8];
    private int n;

    public int size() {
        return n;
    }

    public boolean isEmpty() {
        return n == 0;
    }

    public int pfn(int j) {
        return pfn[j];
    }

    public int dst(int j) {
        return dst[j];
    }

    public Inode file(int j) {
        return file[j];
    }

    /** True if {@code p} is on the list. */
    public boolean contains(int p) {
        for (int j = 0; j < n; j++) {
            if (pfn[j] == p) {
                return true;
            }
        }
        return false;
    }

    /** list_add_tail. */
    public void add(int p, Inode f, int d) {
        if (n == pfn.length) {
            pfn = Arrays.copyOf(pfn, n * 2);
            dst = Arrays.copyOf(dst, n * 2);
            file = Arrays.copyOf(file, n * 2);
        }
        pfn[n] = p;
        file[n] = f;
        dst[n] = d;
        n++;
    }

    /** list_splice_tail: every entry of {@code other}, appended. */
    public void addAll(FolioList other) {
        for (int j = 0; j < other.n; j++) {
            add(other.pfn[j], other.file[j], other.dst[j]);
        }
    }

    /** list_del of entry {@code j}, keeping the order of the rest. */
    public void remove(int j) {
        System.arraycopy(pfn, j + 1, pfn, j, n - j - 1);
        System.arraycopy(dst, j + 1, dst, j, n - j - 1);
        System.arraycopy(file, j + 1, file, j, n - j - 1);
        n--;
        file[n] = null;
    }

    /** list_cut_before: the first {@code max} entries leave this list for a new one. */
    public FolioList cutFront(int max) {
        FolioList out = new FolioList();
        int k = Math.min(max, n);
        for (int j = 0; j < k; j++) {
            out.add(pfn[j], file[j], dst[j]);
        }
        System.arraycopy(pfn, k, pfn, 0, n - k);
        System.arraycopy(dst, k, dst, 0, n - k);
        System.arraycopy(file, k, file, 0, n - k);
        Arrays.fill(file, n - k, n, null);
        n -= k;
        return out;
    }

    public void clear() {
        Arrays.fill(file, 0, n, null);
        n = 0;
    }
}
