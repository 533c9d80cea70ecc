package org.pinsim.core.mm;

import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_PFNMAP;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Mman.*;

import org.pinsim.core.Profile;
import org.pinsim.core.task.Caps;

/**
 * mm/madvise.c: do_madvise, madvise_walk_vmas and the per-VMA behaviours the model acts on.
 * Hints without an effect on what /proc shows (MADV_COLD, MADV_PAGEOUT without swap,
 * MADV_FREE without memory pressure, WILLNEED on anonymous memory) are accepted after the
 * kernel's checks and change nothing.
 */
public final class Madvise {
    private final MmContext ctx;
    private final Vmas vmas;
    private final Gup gup;

    public Madvise(MmContext ctx, Vmas vmas, Gup gup) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.gup = gup;
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

    /** mm/madvise.c do_madvise. */
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
        Mm mm = c.mm();
        switch (behavior) {
            case MADV_DONTNEED:
            case MADV_DONTNEED_LOCKED:
            case MADV_FREE:
                return dontneedFree(c, vma, start, end, behavior);
            case MADV_REMOVE:
                return remove(c, vma, start, end);
            case MADV_WILLNEED:
            case MADV_COLD:
                if (behavior == MADV_COLD && !canMadvLru(vma)) {
                    c.refuse("madvise: MADV_COLD on a VM_LOCKED, VM_PFNMAP or hugetlb VMA");
                    return -EINVAL;
                }
                return 0;
            case MADV_PAGEOUT:
                if (!canMadvLru(vma)) {
                    c.refuse("madvise: MADV_PAGEOUT on a VM_LOCKED, VM_PFNMAP or hugetlb VMA");
                    return -EINVAL;
                }
                return 0;
            case MADV_POPULATE_READ:
            case MADV_POPULATE_WRITE:
                return populate(c, vma, start, end, behavior == MADV_POPULATE_WRITE);
            case MADV_GUARD_INSTALL:
            case MADV_GUARD_REMOVE:
            case MADV_COLLAPSE:
            case MADV_SOFT_OFFLINE:
            case MADV_HWPOISON:
            case MADV_MERGEABLE:
            case MADV_UNMERGEABLE:
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
            if (!vma.isAnonymous() || vma.has(VmFlags.VM_SHARED)) {
                return -EINVAL;
            }
            return 0; // lazily freed: the pages stay until reclaim needs them
        }
        ctx.memory.zapRange(c.mm(), vma, start, end);
        return 0;
    }

    /** mm/madvise.c madvise_remove: punch a hole in a shared mapping's backing object. */
    private int remove(Caller c, Vma vma, long start, long end) {
        if (vma.has(VM_LOCKED)) {
            c.refuse("madvise: MADV_REMOVE on a VM_LOCKED VMA");
            return -EINVAL;
        }
        if (vma.hugePageSize() != 0) {
            // a hugetlbfs file: vma_is_shared_maywrite, then hugetlbfs_fallocate punches the
            // whole huge pages inside the range (there are none)
            return vma.has(VmFlags.VM_SHARED) && vma.has(VmFlags.VM_MAYWRITE) ? 0 : -org.pinsim.core.uapi.Errno.EACCES;
        }
        if (vma.file == null || !vma.has(VmFlags.VM_SHARED)) {
            c.refuse("madvise: MADV_REMOVE needs a shared mapping");
            return -EINVAL;
        }
        ctx.memory.zapRange(c.mm(), vma, start, end);
        for (long a = start; a < end; a += MmContext.PAGE_SIZE) {
            ctx.memory.deleteFromPageCache(vma.file, vma.pgoffOf(a)); // other mappers keep theirs mapped
        }
        return 0;
    }

    /** mm/madvise.c madvise_populate: fault in, EFAULT or ENOMEM from the faults. */
    private int populate(Caller c, Vma vma, long start, long end, boolean write) {
        if (vma.has(VmFlags.VM_IO | VM_PFNMAP)) {
            return -EINVAL;
        }
        long r = gup.getUserPages(c.mm(), vma, start, (end - start) >>> 12, write, false);
        if (r < 0) {
            return (int) r == -org.pinsim.core.uapi.Errno.EFAULT ? -org.pinsim.core.uapi.Errno.EFAULT : (int) r;
        }
        return 0;
    }

    /** mm/madvise.c madvise_update_vma for the advice that only changes vm_flags. */
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
                f &= ~VmFlags.VM_WIPEONFORK;
                break;
            case MADV_DONTDUMP:
                f |= VmFlags.VM_DONTDUMP;
                break;
            case MADV_DODUMP:
                if ((f & VmFlags.VM_SPECIAL) != 0) {
                    return -EINVAL;
                }
                f &= ~VmFlags.VM_DONTDUMP;
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
            return vmas.lastError();
        }
        doneEnd[0] = v.end;
        return 0;
    }
}
