package org.pinsim.core.proc;

/**
 * What the region checks of a scenario read about one address range of a process
 * ({@code vmas(buf)}, {@code locked_vmas(buf)}, {@code lck(buf)}, {@code rss(buf)},
 * {@code smaps_locked(buf)}, {@code smaps_shared(buf)}); see {@link ProcFs#region}.
 *
 * @param vmas VMAs intersecting the range
 * @param lockedVmas of those, the ones with VM_LOCKED
 * @param lckBytes bytes of the range that lie inside VM_LOCKED VMAs
 * @param rssBytes bytes of the range mapped by present PTEs to normal pages (smaps Rss: the
 *     shared zero page does not count)
 * @param smapsLockedBytes the smaps {@code Locked:} values of the intersecting VMAs (whole
 *     VMAs, not clipped to the range), summed as printed (kB) and given in bytes
 * @param smapsSharedBytes the smaps {@code Shared_Clean:} plus {@code Shared_Dirty:} values of
 *     the intersecting VMAs (pages mapped more than once: a COW page shared with a fork
 *     child, page cache mapped by two processes), likewise
 * @param smapsAnonHugeBytes the smaps {@code AnonHugePages:} values of the intersecting VMAs
 *     (PMD-mapped anonymous huge pages), likewise ({@code thp(buf)})
 * @param smapsLazyFreeBytes the smaps {@code LazyFree:} values of the intersecting VMAs
 *     (anonymous pages MADV_FREE made lazyfree and nothing wrote since), likewise
 *     ({@code lazyfree(buf)})
 */
public record RegionStats(int vmas, int lockedVmas, long lckBytes, long rssBytes, long smapsLockedBytes,
                          long smapsSharedBytes, long smapsAnonHugeBytes, long smapsLazyFreeBytes) {

    /** Without LazyFree (0). */
    public RegionStats(int vmas, int lockedVmas, long lckBytes, long rssBytes, long smapsLockedBytes,
                       long smapsSharedBytes, long smapsAnonHugeBytes) {
        this(vmas, lockedVmas, lckBytes, rssBytes, smapsLockedBytes, smapsSharedBytes, smapsAnonHugeBytes, 0);
    }

    /** Without AnonHugePages (0). */
    public RegionStats(int vmas, int lockedVmas, long lckBytes, long rssBytes, long smapsLockedBytes,
                       long smapsSharedBytes) {
        this(vmas, lockedVmas, lckBytes, rssBytes, smapsLockedBytes, smapsSharedBytes, 0);
    }
}
