package org.pinsim.core.mm;

import java.util.Arrays;

/**
 * A stand-in file: an inode with a size and a page cache (mm/filemap.c), shared by every
 * process that maps it. Regular files, shmem objects (MAP_SHARED|MAP_ANONYMOUS, memfd) alike;
 * {@code shmem} selects RssShmem accounting and swap-backed LRU placement.
 *
 * <p>The page cache is an int array of pfns indexed by page offset ({@link #NO_PAGE} = absent).
 */
public final class Inode {
    public static final int NO_PAGE = -1;

    private final int ino;
    private final String path;
    private final boolean shmem;
    private final int dev;
    private long size;
    /** True for a file opened without O_CREAT that the model never saw: its size follows its mappings. */
    private final boolean sizeFollowsMappings;
    /** i_mode: the type (S_IFREG, S_IFDIR) and the permission bits; i_uid (i_gid is the same). */
    private int mode = org.pinsim.core.uapi.Stat.S_IFREG | 0644;
    private int uid;
    /** An O_TMPFILE inode, never linked: like shmem, it goes with its last reference. */
    private boolean unlinked;
    private int[] pages = new int[0];
    /** VMAs mapping this inode and open file descriptors: a shmem object with neither is freed. */
    int mapRefs;
    int fdRefs;
    private int nrPages;

    public Inode(int ino, String path, boolean shmem, int dev, long size, boolean sizeFollowsMappings) {
        this.ino = ino;
        this.path = path;
        this.shmem = shmem;
        this.dev = dev;
        this.size = size;
        this.sizeFollowsMappings = sizeFollowsMappings;
    }

    public void fdGet() {
        fdRefs++;
    }

    public int fdPut() {
        return --fdRefs;
    }

    public int mapRefs() {
        return mapRefs;
    }

    public int fdRefs() {
        return fdRefs;
    }

    public int ino() {
        return ino;
    }

    public String path() {
        return path;
    }

    public boolean shmem() {
        return shmem;
    }

    public int mode() {
        return mode;
    }

    public int uid() {
        return uid;
    }

    /** Sets i_mode and the owner (i_uid, and i_gid = uid: the model's processes have gid = uid). */
    public Inode own(int newMode, int newUid) {
        mode = newMode;
        uid = newUid;
        return this;
    }

    public boolean isDir() {
        return (mode & org.pinsim.core.uapi.Stat.S_IFMT) == org.pinsim.core.uapi.Stat.S_IFDIR;
    }

    public boolean isReg() {
        return (mode & org.pinsim.core.uapi.Stat.S_IFMT) == org.pinsim.core.uapi.Stat.S_IFREG;
    }

    public boolean unlinked() {
        return unlinked;
    }

    public void setUnlinked() {
        unlinked = true;
    }

    /** Device number as maps prints it: major in the high byte, minor in the low byte. */
    public int dev() {
        return dev;
    }

    public long size() {
        return size;
    }

    public void setSize(long s) {
        size = s;
    }

    public boolean sizeFollowsMappings() {
        return sizeFollowsMappings;
    }

    /** Grows the size of a never-seen file to cover a mapping of it (see class comment). */
    public void coverMapping(long endOffset) {
        if (sizeFollowsMappings && endOffset > size) {
            size = endOffset;
        }
    }

    public long nrPagesInFile() {
        return (size + 4095) >>> 12;
    }

    /** The cached page at {@code index}, or NO_PAGE. */
    public int page(long index) {
        return index < pages.length ? pages[(int) index] : NO_PAGE;
    }

    public void setPage(long index, int pfn) {
        if (index >= pages.length) {
            int n = Math.max((int) index + 1, pages.length * 2);
            int old = pages.length;
            pages = Arrays.copyOf(pages, n);
            Arrays.fill(pages, old, n, NO_PAGE);
        }
        if (pages[(int) index] == NO_PAGE && pfn != NO_PAGE) {
            nrPages++;
        } else if (pages[(int) index] != NO_PAGE && pfn == NO_PAGE) {
            nrPages--;
        }
        pages[(int) index] = pfn;
    }

    /** Number of pages in the page cache. */
    public int nrCached() {
        return nrPages;
    }

    /** Highest index + 1 that may hold a cached page. */
    public int cacheSpan() {
        return pages.length;
    }
}
