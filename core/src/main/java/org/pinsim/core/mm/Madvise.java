package org.pinsim.core.mm;

import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_PFNMAP;
import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENODEV;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Mman.*;

import org.pinsim.core.Profile;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.task.Caps;

/**
 * mm/madvise.c: do_madvise, madvise_walk_vmas and the per-VMA behaviours. Hints without an
 * effect on what the model shows (WILLNEED on anonymous or shmem memory without swap, the
 * memory-failure advice) are accepted after the kernel's checks and change nothing.
 * MADV_COLLAPSE is {@link Khugepaged}. MADV_FREE handles huge pages as the kernel does (a
 * whole PMD or a whole PTE-mapped folio becomes lazyfree at once, a partly covered one is
 * split first: madvise_free_huge_pmd, madvise_free_pte_range); MADV_COLD and MADV_PAGEOUT
 * leave huge pages alone (the kernel splits a partly covered folio or acts on a whole PMD,
 * madvise_cold_or_pageout_pte_range; not modelled).
 */
public final class Madvise {
    private final MmContext ctx;
    private final Vmas vmas;
    private final Gup gup;
    private final Khugepaged khugepaged;

    public Madvise(MmContext ctx, Vmas vmas, Gup gup) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.gup = gup;
        this.khugepaged = new Khugepaged(ctx.memory);
    }

    /** mm/madvise.c madvise_behavior_valid. */
    static boolean behaviorValid(long b) {
        switch ((int) b) {
            case MADV_DOFORK: case MADV_DONTFORK: case MADV_NORMAL: case MADV_SEQUENTIAL: case MADV_RANDOM:
            case MADV_REMOVE: case MADV_WILLNEED: case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE:
            case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
            case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
            case MADV_COLLAPSE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
            case MADV_SOFT_OFFLINE: case MADV_HWPOISON: case MADV_GUARD_INSTALL: case MADV_GUARD_REMOVE:
                return b == (int) b;
            default:
                return false;
        }
    }

    /**
     * The kernel release whose madvise_behavior_valid first accepted {@code advice}
     * (LINUX_VERSION_CODE; include/uapi/asm-generic/mman-common.h history): before it the
     * advice is unknown and madvise fails with EINVAL.
     */
    static int introducedIn(int advice) {
        switch (advice) {
            case MADV_DONTDUMP: case MADV_DODUMP:
                return Profile.kernelVersion(3, 4);
            case MADV_FREE:
                return Profile.kernelVersion(4, 5);
            case MADV_WIPEONFORK: case MADV_KEEPONFORK:
                return Profile.kernelVersion(4, 14);
            case MADV_COLD: case MADV_PAGEOUT:
                return Profile.kernelVersion(5, 4);
            case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
                return Profile.kernelVersion(5, 14);
            case MADV_DONTNEED_LOCKED:
                return Profile.kernelVersion(5, 18);
            case MADV_COLLAPSE:
                return Profile.kernelVersion(6, 1);
            case MADV_GUARD_INSTALL: case MADV_GUARD_REMOVE:
                return Profile.kernelVersion(6, 13);
            default:
                return 0; // 2.6 or older
        }
    }

    /** mm/madvise.c do_madvise: madvise_should_skip, then madvise_do_behavior. */
    public int madvise(Caller c, long start, long lenIn, long behavior) {
        if (!behaviorValid(behavior)) {
            c.refuse("madvise: unknown advice " + behavior);
            return -EINVAL;
        }
        if (introducedIn((int) behavior) > ctx.profile.version()) {
            c.refuse("madvise: advice " + behavior + " is unknown to Linux " + ctx.profile.versionName()
                    + " (madvise_behavior_valid; profile " + ctx.profile.id() + ")");
            return -EINVAL;
        }
        if (MmContext.offsetInPage(start)) {
            c.refuse("madvise: start not page aligned");
            return -EINVAL;
        }
        long len = MmContext.pageAlign(lenIn);
        if (lenIn != 0 && len == 0) {
            return -EINVAL;
        }
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) {
            return -EINVAL;
        }
        if (end == start) {
            return 0;
        }
        if ((behavior == MADV_HWPOISON || behavior == MADV_SOFT_OFFLINE) && !c.capable(Caps.CAP_SYS_ADMIN)) {
            return -EPERM;
        }
        // mm/madvise.c madvise_do_behavior: the populate advice walks the range itself
        if (behavior == MADV_POPULATE_READ || behavior == MADV_POPULATE_WRITE) {
            return populate(c, start, end, behavior == MADV_POPULATE_WRITE);
        }
        return walkVmas(c, start, end, (int) behavior);
    }

    /** mm/madvise.c madvise_walk_vmas: gaps give ENOMEM at the end; a VMA error stops the walk. */
    private int walkVmas(Caller c, long start, long end, int behavior) {
        Mm mm = c.mm();
        int unmappedError = 0;
        Vma vma = mm.vmas.find(start);
        while (true) {
            if (vma == null) {
                c.refuse("madvise: the range runs past the last mapping");
                return -ENOMEM;
            }
            if (Long.compareUnsigned(start, vma.start) < 0) {
                unmappedError = -ENOMEM;
                c.refuse("madvise: hole in the range (the rest was still advised)");
                start = vma.start;
                if (Long.compareUnsigned(start, end) >= 0) {
                    break;
                }
            }
            long tmp = Math.min(vma.end, end);
            long[] doneEnd = {tmp};
            int error = visit(c, vma, start, tmp, behavior, doneEnd);
            if (error != 0) {
                return error;
            }
            start = Math.max(tmp, doneEnd[0]);
            if (Long.compareUnsigned(start, end) >= 0) {
                break;
            }
            vma = mm.vmas.find(start);
        }
        return unmappedError;
    }

    /** mm/madvise.c madvise_vma_behavior for one VMA piece [start, end). */
    private int visit(Caller c, Vma vma, long start, long end, int behavior, long[] doneEnd) {
        switch (behavior) {
            case MADV_DONTNEED:
            case MADV_DONTNEED_LOCKED:
            case MADV_FREE:
                return dontneedFree(c, vma, start, end, behavior);
            case MADV_REMOVE:
                return remove(c, vma, start, end);
            case MADV_WILLNEED:
                return willneed(vma, start, end);
            case MADV_COLD:
            case MADV_PAGEOUT:
                return coldOrPageout(c, vma, start, end, behavior == MADV_PAGEOUT);
            case MADV_GUARD_INSTALL:
                return guardInstall(c, vma, start, end);
            case MADV_GUARD_REMOVE:
                return guardRemove(c, vma, start, end);
            case MADV_COLLAPSE:
                return khugepaged.madviseCollapse(c, c.mm(), vma, start, end);
            case MADV_SOFT_OFFLINE:
            case MADV_HWPOISON:
                return 0;
            default:
                return updateFlags(c, vma, start, end, behavior, doneEnd);
        }
    }

    /** mm/madvise.c can_madv_lru_vma. */
    private static boolean canMadvLru(Vma vma) {
        return (vma.flags & (VM_LOCKED | VM_PFNMAP | VmFlags.VM_HUGETLB)) == 0;
    }

    /** mm/madvise.c madvise_dontneed_free (+ madvise_dontneed_free_valid_vma). */
    private int dontneedFree(Caller c, Vma vma, long start, long end, int behavior) {
        long hpage = vma.hugePageSize();
        if (hpage != 0) {
            // hugetlb: MADV_DONTNEED(_LOCKED) only, from a huge page boundary; the end is
            // rounded down to one ("avoid unexpected data loss"); no page to zap here
            if (behavior == MADV_FREE || (start & (hpage - 1)) != 0) {
                c.refuse("madvise: MADV_FREE, or a start off a huge page boundary, on a hugetlb VMA"
                        + " (madvise_dontneed_free_valid_vma)");
                return -EINVAL;
            }
            return 0;
        }
        long forbidden = VM_PFNMAP | (behavior != MADV_DONTNEED_LOCKED ? VM_LOCKED : 0);
        if ((vma.flags & forbidden) != 0) {
            c.refuse("madvise: " + (behavior == MADV_FREE ? "MADV_FREE" : "MADV_DONTNEED")
                    + " on a VM_LOCKED or VM_PFNMAP VMA (madvise_dontneed_free_valid_vma)");
            return -EINVAL;
        }
        if (behavior == MADV_FREE) {
            return free(c, vma, start, end);
        }
        ctx.memory.zapRange(c.mm(), vma, start, end); // guard markers stay
        return 0;
    }

    /**
     * mm/madvise.c madvise_free_single_vma: private anonymous memory only; each page becomes
     * lazyfree (madvise_free_pte_range), to be dropped rather than swapped when reclaimed.
     */
    private int free(Caller c, Vma vma, long start, long end) {
        if (!vma.isAnonymous() || vma.has(VmFlags.VM_SHARED)) {
            c.refuse("madvise: MADV_FREE on memory that is not private anonymous (madvise_free_single_vma)");
            return -EINVAL;
        }
        ctx.memory.mlockFolio().drain(); // lru_add_drain
        final Memory memory = ctx.memory;
        final FrameTable ft = memory.frames();
        final Mm mm = c.mm();
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            final long next = Math.min((a | (MmContext.PMD_SIZE - 1)) + 1, end); // pmd_addr_end
            PageTable.Leaf leaf = mm.pt.leaf(a, false);
            if (leaf != null && leaf.pmd != Pte.NONE) {
                // madvise_free_huge_pmd: the huge zero page and a folio another mm maps are left
                if (!HugeMemory.isHugeZeroPmd(leaf.pmd) && !memory.folioMaybeMappedShared(Pte.pfn(leaf.pmd))) {
                    if (next - a == MmContext.PMD_SIZE) {
                        memory.madvFreeHugePmd(leaf);
                    } else {
                        // "If user want to discard part-pages of THP, split it so MADV_FREE will
                        // deactivate only them": split_folio splits the PMD and the folio
                        memory.splitFolio(Pte.pfn(leaf.pmd));
                    }
                }
                if (leaf.pmd != Pte.NONE) {
                    a = next; // still huge: pte_offset_map_lock finds no PTE table
                    continue;
                }
            }
            if (leaf != null) {
                freePteRange(memory, ft, leaf, a, next);
            }
            a = next;
        }
        return 0;
    }

    /**
     * mm/madvise.c madvise_free_pte_range, the PTE loop over [a, next): a large folio is
     * batched (madvise_folio_pte_batch: the PTEs that map its consecutive pages); a batch
     * short of the whole folio splits it (split_folio, unless another mm maps it) and the
     * loop goes over the same PTEs again, now small folios; a whole one is marked at once.
     */
    private static void freePteRange(Memory memory, FrameTable ft, PageTable.Leaf leaf, long a, long next) {
        final long[] e = leaf.e;
        for (long x = a; Long.compareUnsigned(x, next) < 0;) {
            final int i = PageTable.pteIndex(x);
            final long pte = e[i];
            if (Pte.present(pte) && !Pte.special(pte) && ft.isLarge(Pte.pfn(pte))) {
                final int pfn = Pte.pfn(pte);
                final int head = ft.compoundHead(pfn);
                int nr = 1;
                final int max = (int) ((next - x) >>> 12);
                while (nr < max && pfn + nr < head + ft.folioNrPages(head) && Pte.present(e[i + nr])
                        && !Pte.special(e[i + nr]) && Pte.pfn(e[i + nr]) == pfn + nr) {
                    nr++;
                }
                if (nr < ft.folioNrPages(head)) {
                    if (!memory.folioMaybeMappedShared(pfn) && memory.splitFolio(head) == 0) {
                        continue; // "if (!err) nr = 0": the same PTEs again
                    }
                    x += (long) nr << 12;
                    continue;
                }
                memory.madvFreeLargePtes(e, i, nr);
                x += (long) nr << 12;
                continue;
            }
            memory.madvFreePte(e, i);
            x += MmContext.PAGE_SIZE;
        }
    }

    /**
     * mm/madvise.c madvise_remove: punch a hole (vfs_fallocate(FALLOC_FL_PUNCH_HOLE |
     * FALLOC_FL_KEEP_SIZE), ext4_punch_hole or shmem_fallocate) in the file a shared writable
     * mapping maps: its pages leave the page cache and every mapping of the file, mlocked and
     * other processes' ones included (unmap_mapping_range); private copies stay.
     */
    private int remove(Caller c, Vma vma, long start, long end) {
        if (vma.has(VM_LOCKED)) {
            c.refuse("madvise: MADV_REMOVE on a VM_LOCKED VMA (madvise_remove)");
            return -EINVAL;
        }
        if (vma.file == null && vma.ops == null) {
            c.refuse("madvise: MADV_REMOVE needs a file mapping (madvise_remove: no vm_file)");
            return -EINVAL;
        }
        // vma_is_shared_maywrite: MAP_PRIVATE, or MAP_SHARED of a file not opened for writing
        if ((vma.flags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) != (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) {
            c.refuse("madvise: MADV_REMOVE on a mapping that is not shared and writable (vma_is_shared_maywrite)");
            return -EACCES;
        }
        if (vma.hugePageSize() != 0) {
            return 0; // hugetlbfs_fallocate punches the whole huge pages of the range: none here
        }
        if (vma.file == null) {
            // a driver's anonymous inode (io_uring, perf) is no regular file: vfs_fallocate
            c.refuse("madvise: MADV_REMOVE: vfs_fallocate on a file that is not regular (" + vma.ops.name() + ")");
            return -ENODEV;
        }
        Inode f = vma.file;
        long first = vma.pgoffOf(start);
        long last = vma.pgoffOf(end);
        ctx.memory.unmapMappingRange(ctx.liveMms(), f, first, last);
        for (long i = first; i < Math.min(last, f.cacheSpan()); i++) {
            ctx.memory.deleteFromPageCache(f, i); // truncate_inode_pages_range / shmem_undo_range
        }
        return 0;
    }

    /**
     * mm/madvise.c madvise_willneed: a regular file's range is read into the page cache
     * (vfs_fadvise(POSIX_FADV_WILLNEED) -> force_page_cache_readahead, up to the end of the
     * file); shmem and anonymous memory have nothing to read in without swap.
     */
    private int willneed(Vma vma, long start, long end) {
        if (vma.file != null && !vma.file.shmem()) {
            ctx.memory.readahead(vma.file, vma.pgoffOf(start), vma.pgoffOf(end));
        }
        return 0;
    }

    /**
     * mm/madvise.c madvise_cold and madvise_pageout (madvise_cold_or_pageout_pte_range): the
     * pages mapped only here and on an LRU list are deactivated (COLD) or reclaimed now
     * (PAGEOUT, {@link Memory#pageoutFolio}); EINVAL on VM_LOCKED, VM_PFNMAP and hugetlb VMAs.
     */
    private int coldOrPageout(Caller c, Vma vma, long start, long end, boolean pageout) {
        if (!canMadvLru(vma)) {
            c.refuse("madvise: " + (pageout ? "MADV_PAGEOUT" : "MADV_COLD")
                    + " on a VM_LOCKED, VM_PFNMAP or hugetlb VMA (can_madv_lru_vma)");
            return -EINVAL;
        }
        // madvise_pageout: page cache only of a file the caller owns or could open for writing
        // (can_do_file_pageout, "otherwise we'd be including shared non-exclusive mappings,
        // which opens a side channel"): else nothing for a shared mapping, and only the
        // anonymous (COW) pages of a private one (pageout_anon_only_filter)
        boolean anonOnly = pageout && !(vma.file != null && c.ownsOrMayWrite(vma.file));
        if (anonOnly && !vma.isAnonymous() && vma.has(VmFlags.VM_MAYSHARE)) {
            return 0;
        }
        Mm mm = c.mm();
        Memory memory = ctx.memory;
        memory.mlockFolio().drain(); // lru_add_drain
        forEachPte(mm, start, end, (a, e, i) -> {
            int pfn = memory.lruFolioMappedOnce(e[i]);
            if (pfn == FrameTable.NO_FRAME || (anonOnly && !memory.isAnonFolio(pfn))) {
                return;
            }
            if (pageout) {
                memory.pageoutFolio(mm, vma, e, i, pfn);
            } else {
                memory.coldFolio(e, i, pfn);
            }
        });
        return 0;
    }

    /**
     * mm/madvise.c is_valid_guard_vma: guard regions need page tables the core manages alone
     * (no VM_SPECIAL, no hugetlb); installing them on a VM_LOCKED VMA would zap locked pages.
     */
    private static boolean isValidGuardVma(Vma vma, boolean allowLocked) {
        long disallowed = VmFlags.VM_SPECIAL | VmFlags.VM_HUGETLB | (allowLocked ? 0 : VM_LOCKED);
        return (vma.flags & disallowed) == 0;
    }

    /**
     * mm/madvise.c madvise_guard_install: the whole VMA gets VM_MAYBE_GUARD (set atomically,
     * no split; fork then copies its page tables), an anonymous one an anon_vma
     * (anon_vma_prepare), the pages of the range are zapped (zap_page_range_single, which
     * leaves existing markers) and every PTE becomes a guard marker.
     */
    private int guardInstall(Caller c, Vma vma, long start, long end) {
        if (!isValidGuardVma(vma, false)) {
            c.refuse("madvise: MADV_GUARD_INSTALL on a VM_LOCKED, VM_SPECIAL or hugetlb VMA (is_valid_guard_vma)");
            return -EINVAL;
        }
        Mm mm = c.mm();
        vma.flags |= VmFlags.VM_MAYBE_GUARD; // vma_set_atomic_flag(vma, VMA_MAYBE_GUARD_BIT)
        if (vma.isAnonymous()) {
            ctx.memory.anonVmaPrepare(mm, vma);
        }
        ctx.memory.zapRange(mm, vma, start, end);
        for (long a = start; a < end; a += MmContext.PAGE_SIZE) {
            PageTable.Leaf leaf = mm.pt.leaf(a, true);
            if (leaf == null) {
                return -ENOMEM;
            }
            leaf.e[PageTable.pteIndex(a)] = Pte.GUARD_MARKER;
        }
        return 0;
    }

    /** mm/madvise.c madvise_guard_remove: clears the guard markers, VM_LOCKED VMAs included. */
    private int guardRemove(Caller c, Vma vma, long start, long end) {
        if (!isValidGuardVma(vma, true)) {
            c.refuse("madvise: MADV_GUARD_REMOVE on a VM_SPECIAL or hugetlb VMA (is_valid_guard_vma)");
            return -EINVAL;
        }
        forEachPte(c.mm(), start, end, (a, e, i) -> {
            if (Pte.isGuardMarker(e[i])) {
                e[i] = Pte.NONE;
            }
        });
        return 0;
    }

    /**
     * mm/madvise.c madvise_populate: fault the range in step by step (faultin_page_range) until
     * done or an error: EINVAL for a VMA the access is not allowed on (PROT_NONE, read-only for
     * POPULATE_WRITE, VM_IO/VM_PFNMAP), ENOMEM at a hole (nothing after it is populated),
     * EFAULT when a fault fails (beyond the end of a file, a guard region), even after some
     * pages were populated.
     */
    private int populate(Caller c, long start, long end, boolean write) {
        while (Long.compareUnsigned(start, end) < 0) {
            long pages = gup.faultinPageRange(c.mm(), start, end, write);
            if (pages == -EINVAL) {
                c.refuse("madvise: populate: the access is not allowed on the mapping at 0x"
                        + Long.toHexString(start) + " (check_vma_flags)");
                return -EINVAL;
            }
            if (pages == -EFAULT) {
                c.refuse("madvise: populate: the fault at 0x" + Long.toHexString(start)
                        + " failed (SIGBUS beyond the end of the file, or SIGSEGV in a guard region)");
                return -EFAULT;
            }
            if (pages < 0) {
                c.refuse(pages == -ENOMEM && c.mm().vmas.lookup(start) == null
                        ? "madvise: populate: no mapping at 0x" + Long.toHexString(start) + " (vma_lookup)"
                        : "madvise: populate: out of memory");
                return -ENOMEM;
            }
            start += pages << MmContext.PAGE_SHIFT;
        }
        return 0;
    }

    /**
     * mm/ksm.c ksm_madvise: MADV_MERGEABLE sets VM_MERGEABLE on a VMA KSM can scan
     * (vma_ksm_compatible: not shared, not VM_PFNMAP, VM_IO, VM_DONTEXPAND, VM_MIXEDMAP,
     * hugetlb or VM_DROPPABLE; otherwise the advice is ignored); MADV_UNMERGEABLE clears it
     * (no page was ever merged: ksmd does not run here).
     */
    private static long ksmMadvise(Vma vma, int behavior, long f) {
        if (behavior == MADV_UNMERGEABLE) {
            return f & ~VmFlags.VM_MERGEABLE;
        }
        long incompatible = VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE | VM_PFNMAP | VmFlags.VM_IO
                | VmFlags.VM_DONTEXPAND | VmFlags.VM_HUGETLB | VmFlags.VM_MIXEDMAP | VmFlags.VM_DROPPABLE;
        return (vma.flags & incompatible) != 0 ? f : f | VmFlags.VM_MERGEABLE;
    }

    /** mm/madvise.c madvise_vma_behavior for the advice that only changes vm_flags (madvise_update_vma). */
    private int updateFlags(Caller c, Vma vma, long start, long end, int behavior, long[] doneEnd) {
        long f = vma.flags;
        switch (behavior) {
            case MADV_NORMAL:
                f &= ~(VmFlags.VM_RAND_READ | VmFlags.VM_SEQ_READ);
                break;
            case MADV_SEQUENTIAL:
                f = (f & ~VmFlags.VM_RAND_READ) | VmFlags.VM_SEQ_READ;
                break;
            case MADV_RANDOM:
                f = (f & ~VmFlags.VM_SEQ_READ) | VmFlags.VM_RAND_READ;
                break;
            case MADV_DONTFORK:
                f |= VmFlags.VM_DONTCOPY;
                break;
            case MADV_DOFORK:
                if (vma.has(VmFlags.VM_IO)) {
                    return -EINVAL;
                }
                f &= ~VmFlags.VM_DONTCOPY;
                break;
            case MADV_WIPEONFORK:
                if (vma.file != null || vma.has(VmFlags.VM_SHARED)) {
                    return -EINVAL;
                }
                f |= VmFlags.VM_WIPEONFORK;
                break;
            case MADV_KEEPONFORK:
                if ((f & VmFlags.VM_DROPPABLE) != 0) {
                    c.refuse("madvise: MADV_KEEPONFORK on MAP_DROPPABLE memory (madvise_vma_behavior)");
                    return -EINVAL; // MAP_DROPPABLE memory is always wiped on fork
                }
                f &= ~VmFlags.VM_WIPEONFORK;
                break;
            case MADV_DONTDUMP:
                f |= VmFlags.VM_DONTDUMP;
                break;
            case MADV_DODUMP:
                if ((!vma.has(VmFlags.VM_HUGETLB) && (f & VmFlags.VM_SPECIAL) != 0)
                        || (f & VmFlags.VM_DROPPABLE) != 0) {
                    c.refuse("madvise: MADV_DODUMP on a VM_SPECIAL or MAP_DROPPABLE mapping (madvise_vma_behavior)");
                    return -EINVAL;
                }
                f &= ~VmFlags.VM_DONTDUMP;
                break;
            case MADV_MERGEABLE:
            case MADV_UNMERGEABLE:
                f = ksmMadvise(vma, behavior, f);
                break;
            case MADV_HUGEPAGE:
                f = (f & ~VmFlags.VM_NOHUGEPAGE) | VmFlags.VM_HUGEPAGE;
                break;
            case MADV_NOHUGEPAGE:
                f = (f & ~VmFlags.VM_HUGEPAGE) | VmFlags.VM_NOHUGEPAGE;
                break;
            default:
                return -EINVAL;
        }
        if (f == vma.flags) {
            return 0;
        }
        Vma v = vmas.modifyFlags(c.mm(), vma, start, end, f);
        if (v == null) {
            c.refuse("madvise: the VMA cannot be split");
            int err = vmas.lastError();
            return err == -ENOMEM ? -EAGAIN : err; // madvise_vma_behavior: "if (error == -ENOMEM) error = -EAGAIN"
        }
        doneEnd[0] = v.end;
        return 0;
    }

    /** A step of {@link #forEachPte}: the address, its PTE table and the entry's index. */
    @FunctionalInterface
    private interface PteStep {
        void at(long addr, long[] table, int index);
    }

    /** walk_page_range_vma over [start, end): every entry of every PTE table that exists. */
    private static void forEachPte(Mm mm, long start, long end, PteStep step) {
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            long stop = Math.min((a | (MmContext.PMD_SIZE - 1)) + 1, end);
            PageTable.Leaf leaf = mm.pt.leaf(a, false);
            if (leaf != null) {
                for (long x = a; x < stop; x += MmContext.PAGE_SIZE) {
                    step.at(x, leaf.e, PageTable.pteIndex(x));
                }
            }
            a = stop;
        }
    }
}
