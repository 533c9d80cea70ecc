package org.pinsim.core.mm;

import static org.pinsim.core.mm.MmContext.PAGE_SHIFT;
import static org.pinsim.core.mm.MmContext.TASK_SIZE;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED_MASK;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Mman.MAP_FIXED;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.MREMAP_DONTUNMAP;
import static org.pinsim.core.uapi.Mman.MREMAP_FIXED;
import static org.pinsim.core.uapi.Mman.MREMAP_MAYMOVE;

import org.pinsim.core.uapi.Resource;

/**
 * mm/mremap.c: shrink, grow in place, or move (MREMAP_MAYMOVE, MREMAP_FIXED,
 * MREMAP_DONTUNMAP). Moving carries the PTEs over (move_page_tables): pages keep their
 * mlock state, and VM_LOCKED moves with the VMA.
 */
public final class Mremap {
    private final MmContext ctx;
    private final Vmas vmas;
    private final Mmap mmap;
    private final Gup gup;

    public Mremap(MmContext ctx, Vmas vmas, Mmap mmap, Gup gup) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.mmap = mmap;
        this.gup = gup;
    }

    /** SYSCALL_DEFINE5(mremap). Returns the new address or -errno. */
    public long mremap(Caller c, long addr, long oldLen, long newLen, long flags, long newAddr) {
        long known = MREMAP_FIXED | MREMAP_MAYMOVE | (ctx.profile().hasMremapDontunmap() ? MREMAP_DONTUNMAP : 0);
        if ((flags & ~known) != 0) {
            c.refuse("mremap: unknown flags" + ((flags & MREMAP_DONTUNMAP) != 0 && !ctx.profile().hasMremapDontunmap()
                    ? " (MREMAP_DONTUNMAP arrived in Linux 5.7; profile " + ctx.profile().id() + ")" : ""));
            return -EINVAL;
        }
        if ((flags & MREMAP_FIXED) != 0 && (flags & MREMAP_MAYMOVE) == 0) {
            c.refuse("mremap: MREMAP_FIXED without MREMAP_MAYMOVE");
            return -EINVAL;
        }
        if ((flags & MREMAP_DONTUNMAP) != 0 && ((flags & MREMAP_MAYMOVE) == 0 || oldLen != newLen)) {
            c.refuse("mremap: MREMAP_DONTUNMAP needs MREMAP_MAYMOVE and old_len == new_len");
            return -EINVAL;
        }
        if (MmContext.offsetInPage(addr)) {
            c.refuse("mremap: old address not page aligned");
            return -EINVAL;
        }
        oldLen = MmContext.pageAlign(oldLen);
        newLen = MmContext.pageAlign(newLen);
        if (newLen == 0) {
            c.refuse("mremap: new length 0");
            return -EINVAL;
        }
        Mm mm = c.mm();
        Vma vma = mm.vmas.lookup(addr);
        if (vma == null) {
            c.refuse("mremap: no mapping at the old address");
            return -EFAULT;
        }
        long hpage = vma.hugePageSize();
        if (hpage != 0) {
            // mm/mremap.c align_hugetlb: lengths rounded up to huge pages, both addresses on a
            // huge page boundary, and no expansion
            oldLen = (oldLen + hpage - 1) & -hpage;
            newLen = (newLen + hpage - 1) & -hpage;
            if (((addr | newAddr) & (hpage - 1)) != 0 || newLen > oldLen) { // new_addr as passed, FIXED or not
                c.refuse("mremap: a hugetlb mapping moves on huge page boundaries and cannot grow (align_hugetlb)");
                return -EINVAL;
            }
        }
        boolean[] locked = {false};
        long ret;
        if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0) {
            ret = mremapTo(c, addr, oldLen, newAddr, newLen, flags, locked);
        } else {
            ret = resizeOrMove(c, vma, addr, oldLen, newLen, flags, locked);
        }
        if (ret >= 0 && locked[0] && newLen > oldLen) {
            gup.mmPopulate(mm, ret + oldLen, newLen - oldLen, true);
        }
        return ret;
    }

    private long resizeOrMove(Caller c, Vma vma, long addr, long oldLen, long newLen, long flags, boolean[] locked) {
        Mm mm = c.mm();
        if (oldLen >= newLen) { // "Always allow a shrinking remap"
            if (oldLen == newLen) {
                return addr;
            }
            int err = vmas.unmapRange(mm, addr + newLen, addr + oldLen, c);
            return err != 0 ? err : addr;
        }
        int err = resizeIsValid(c, vma, addr, oldLen, newLen, flags);
        if (err != 0) {
            return err;
        }
        long delta = newLen - oldLen;
        if (oldLen == vma.end - addr && expandable(mm, vma, delta)) {
            long pages = delta >>> PAGE_SHIFT;
            if (vma.has(VmFlags.VM_ACCOUNT) && !ctx.enoughMemory(pages)) {
                return -ENOMEM;
            }
            vma.end += delta; // vma_merge_extend
            mm.vmStatAccount(vma.flags, pages);
            if (ctx.countsLocked(vma.flags)) {
                ctx.accountLock(mm, vma.flags, pages);
                locked[0] = vma.has(VM_LOCKED);
            }
            return addr;
        }
        if ((flags & MREMAP_MAYMOVE) == 0) {
            c.refuse("mremap: cannot grow in place and MREMAP_MAYMOVE not given");
            return -ENOMEM;
        }
        long mapFlags = vma.has(VmFlags.VM_MAYSHARE) ? MAP_SHARED : 0;
        long target = mmap.getUnmappedArea(c, vma.file, 0, newLen, vma.pgoffOf(addr), mapFlags);
        if (target < 0) {
            return target;
        }
        return moveVma(c, vma, addr, oldLen, newLen, target, flags, locked);
    }

    /** mm/mremap.c mremap_to: MREMAP_FIXED and/or MREMAP_DONTUNMAP. */
    private long mremapTo(Caller c, long addr, long oldLen, long newAddr, long newLen, long flags, boolean[] locked) {
        Mm mm = c.mm();
        if ((flags & MREMAP_FIXED) != 0) {
            if (MmContext.offsetInPage(newAddr)) {
                return -EINVAL;
            }
            if (Long.compareUnsigned(newLen, TASK_SIZE) > 0 || Long.compareUnsigned(newAddr, TASK_SIZE - newLen) > 0) {
                return -EINVAL;
            }
            if (Long.compareUnsigned(addr + oldLen, newAddr) > 0 && Long.compareUnsigned(newAddr + newLen, addr) > 0) {
                c.refuse("mremap: old and new ranges overlap");
                return -EINVAL;
            }
        }
        if (mm.mapCount() + 2 >= ctx.maxMapCount() - 3) {
            return -ENOMEM;
        }
        if ((flags & MREMAP_FIXED) != 0) {
            int err = vmas.unmapRange(mm, newAddr, newAddr + newLen, c);
            if (err != 0) {
                return err;
            }
        }
        if (oldLen > newLen) {
            int err = vmas.unmapRange(mm, addr + newLen, addr + oldLen, c);
            if (err != 0) {
                return err;
            }
            oldLen = newLen;
        }
        Vma vma = mm.vmas.lookup(addr);
        if (vma == null) {
            return -EFAULT;
        }
        int err = resizeIsValid(c, vma, addr, oldLen, newLen, flags);
        if (err != 0) {
            return err;
        }
        if ((flags & MREMAP_DONTUNMAP) != 0 && !mmap.mayExpandVm(c, vma.flags, oldLen >>> PAGE_SHIFT)) {
            return -ENOMEM;
        }
        long mapFlags = ((flags & MREMAP_FIXED) != 0 ? MAP_FIXED : 0) | (vma.has(VmFlags.VM_MAYSHARE) ? MAP_SHARED : 0);
        long target = mmap.getUnmappedArea(c, vma.file, newAddr, newLen, vma.pgoffOf(addr), mapFlags);
        if (target < 0) {
            return target;
        }
        return moveVma(c, vma, addr, oldLen, newLen, target, flags, locked);
    }

    /** mm/mremap.c vma_to_resize / resize_is_valid. */
    private int resizeIsValid(Caller c, Vma vma, long addr, long oldLen, long newLen, long flags) {
        if ((flags & MREMAP_DONTUNMAP) != 0 && vma.has(VmFlags.VM_DONTEXPAND | VmFlags.VM_PFNMAP)) {
            c.refuse("mremap: MREMAP_DONTUNMAP of a VM_DONTEXPAND or VM_PFNMAP mapping");
            return -EINVAL;
        }
        if (oldLen > vma.end - addr) {
            c.refuse("mremap: the old range crosses the end of its mapping");
            return -EFAULT;
        }
        if (oldLen == 0 && !vma.has(VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE)) {
            return -EINVAL;
        }
        if (newLen == oldLen) {
            return 0;
        }
        if (vma.has(VmFlags.VM_DONTEXPAND | VmFlags.VM_PFNMAP)) {
            return -EFAULT;
        }
        // mm/mremap.c vma_to_resize -> mlock_future_ok; the VM_PINNED series left this check
        // on locked_vm alone ("locked = mm->locked_vm << PAGE_SHIFT" in 3.x's vma_to_resize)
        if (!lockedVmFutureOk(c, vma.flags, newLen - oldLen)) {
            c.refuse("mremap: growing a VM_LOCKED mapping by " + ((newLen - oldLen) >>> PAGE_SHIFT)
                    + " pages + locked_vm " + c.mm().lockedVm() + " > RLIMIT_MEMLOCK "
                    + (c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT) + " pages");
            return -EAGAIN;
        }
        if (!mmap.mayExpandVm(c, vma.flags, (newLen - oldLen) >>> PAGE_SHIFT)) {
            return -ENOMEM;
        }
        return 0;
    }

    /** mm/mremap.c vma_expandable. */
    private static boolean expandable(Mm mm, Vma vma, long delta) {
        long end = vma.end + delta;
        if (Long.compareUnsigned(end, vma.end) < 0 || Long.compareUnsigned(end, TASK_SIZE) > 0) {
            return false;
        }
        Vma next = mm.vmas.intersection(vma.end, end);
        if (next != null) {
            return false;
        }
        Vma after = mm.vmas.find(end);
        return after == null || Long.compareUnsigned(end, after.startGap(MmContext.STACK_GUARD_GAP)) <= 0;
    }

    /** mm/mremap.c move_vma: copy_vma, move_page_tables, account, then unmap (or not) the old range. */
    private long moveVma(Caller c, Vma vma, long oldAddr, long oldLen, long newLen, long newAddr, long flags,
            boolean[] locked) {
        Mm mm = c.mm();
        if (mm.mapCount() >= ctx.maxMapCount() - 3) {
            return -ENOMEM;
        }
        // move_vma: "We'd prefer to avoid failure later on in do_munmap: which may split
        // the vma" -- vm_ops->may_split at both ends of a partial move
        if (vma.ops() != null) {
            int err = vma.start != oldAddr ? vma.maySplit(oldAddr) : 0;
            if (err == 0 && vma.end != oldAddr + oldLen) {
                err = vma.maySplit(oldAddr + oldLen);
            }
            if (err != 0) {
                c.refuse("mremap: " + vma.ops().name() + " cannot be split");
                return err;
            }
        }
        boolean dontunmap = (flags & MREMAP_DONTUNMAP) != 0;
        if (dontunmap && vma.has(VmFlags.VM_ACCOUNT) && !ctx.enoughMemory(newLen >>> PAGE_SHIFT)) {
            return -ENOMEM;
        }
        long pgoff = vma.pgoffOf(oldAddr);
        if (vma.isAnonymous() && vma.anonVma == Vma.NO_ANON_VMA) {
            // mm/vma.c copy_vma: "If anonymous vma has not yet been faulted, update new pgoff
            // to match new location, to increase its chance of merging."
            pgoff = newAddr >>> PAGE_SHIFT;
        }
        Vma nv = vmas.mergeNewRange(mm, newAddr, newAddr + newLen, vma.flags, vma.file, pgoff, vma.anonVma, vma);
        if (nv == null) {
            nv = vma.copy();
            nv.start = newAddr;
            nv.end = newAddr + newLen;
            nv.pgoff = pgoff;
            Vmas.insert(mm, nv);
            if (nv.ops != null) {
                nv.ops.open(nv); // copy_vma -> vm_area_dup: vm_ops->open
            }
        }
        movePageTables(mm, oldAddr, newAddr, Math.min(oldLen, newLen));
        long vmFlags = vma.flags;
        // "total_vm is about to be raised artificially high for a moment, we need to restore
        // high watermark afterwards"
        long hiwaterVm = mm.hiwaterVmRaw();
        mm.vmStatAccount(vmFlags, newLen >>> PAGE_SHIFT);
        if (ctx.countsLocked(vmFlags)) {
            ctx.accountLock(mm, vmFlags, newLen >>> PAGE_SHIFT);
            locked[0] = (vmFlags & VM_LOCKED) != 0;
        }
        if (dontunmap) {
            clearOldLock(mm, oldAddr, oldLen);
            return newAddr;
        }
        int err = vmas.unmapRange(mm, oldAddr, oldAddr + oldLen, c);
        mm.restoreHiwaterVm(hiwaterVm);
        return err != 0 ? err : newAddr;
    }

    /**
     * MREMAP_DONTUNMAP: "We always clear VM_LOCKED[ONFAULT] on the old vma", without
     * uncharging it from locked_vm; measured on Linux 6.18, VmLck keeps both charges.
     */
    private void clearOldLock(Mm mm, long oldAddr, long oldLen) {
        Vma old = mm.vmas.lookup(oldAddr);
        if (old == null) {
            return;
        }
        if (old.start == oldAddr && old.end == oldAddr + oldLen) {
            old.anonVma = Vma.NO_ANON_VMA; // unlink_anon_vmas: the pages went with the move
            old.anonChainSingular = true;
        }
        if (old.has(VM_LOCKED)) {
            mm.addLockedVmDrift(old.pages());
        }
        old.flags &= ~VM_LOCKED_MASK;
    }

    /** mlock_future_ok on locked_vm: VM_LOCKED growth must keep locked_vm within RLIMIT_MEMLOCK. */
    private static boolean lockedVmFutureOk(Caller c, long flags, long bytes) {
        if ((flags & VM_LOCKED) == 0 || c.capable(org.pinsim.core.task.Caps.CAP_IPC_LOCK)) {
            return true;
        }
        long locked = (bytes >>> PAGE_SHIFT) + c.mm().lockedVm();
        return Long.compareUnsigned(locked, c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT) <= 0;
    }

    /** mm/mremap.c move_page_tables: the PTEs move; pages, counts and mlock state stay. */
    private void movePageTables(Mm mm, long oldAddr, long newAddr, long len) {
        for (long off = 0; off < len; off += MmContext.PAGE_SIZE) {
            PageTable.Leaf src = mm.pt.leaf(oldAddr + off, false);
            if (src == null) {
                off = ((oldAddr + off) | ((1L << 21) - 1)) + 1 - oldAddr - MmContext.PAGE_SIZE;
                continue;
            }
            int si = PageTable.pteIndex(oldAddr + off);
            long e = src.e[si];
            if (e == Pte.NONE) {
                continue;
            }
            PageTable.Leaf dst = mm.pt.leaf(newAddr + off, true);
            if (dst == null) {
                throw new IllegalStateException("out of memory for page tables in mremap");
            }
            src.e[si] = Pte.NONE;
            dst.e[PageTable.pteIndex(newAddr + off)] = e;
        }
    }
}
