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

import org.pinsim.core.Sysctl;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Resource;

/**
 * mm/mremap.c: shrink, grow in place, or move (MREMAP_MAYMOVE, MREMAP_FIXED,
 * MREMAP_DONTUNMAP). Moving carries the PTEs over (move_page_tables): pages keep their
 * mlock state, and VM_LOCKED moves with the VMA.
 *
 * <p>The call chain is Linux 6.18's: {@code do_mremap} checks the arguments
 * ({@code check_mremap_params}), then either moves a range of VMAs without resizing
 * ({@code remap_move}) or checks the one VMA ({@code check_prep_vma}) and moves it
 * ({@code mremap_to}) or resizes it where it is ({@code mremap_at}). Both came with Linux
 * 6.17; an older profile validates the VMA only after mremap_to has unmapped the
 * destination, and moves one VMA at most ({@link org.pinsim.core.Profile#mremapChecksFirst},
 * {@link org.pinsim.core.Profile#mremapMovesVmaRange}).
 */
public final class Mremap {
    private final MmContext ctx;
    private final Vmas vmas;
    private final Mmap mmap;
    private final Gup gup;

    /** mm/mremap.c struct vma_remap_struct: one call's state, threaded through the layers. */
    private static final class Remap {
        long addr;
        long oldLen;
        long newLen;
        final long flags;
        long newAddr;
        /** abs_diff(old_len, new_len) (vrm_set_delta). */
        long delta;
        /** The VMA at addr (vrm->vma). */
        Vma vma;
        /** A VM_LOCKED VMA grows: populate the new part afterwards (vrm->populate_expand). */
        boolean populateExpand;

        Remap(long addr, long oldLen, long newLen, long flags, long newAddr) {
            this.addr = addr;
            this.oldLen = oldLen;
            this.newLen = newLen;
            this.flags = flags;
            this.newAddr = newAddr;
            this.delta = Long.compareUnsigned(oldLen, newLen) > 0 ? oldLen - newLen : newLen - oldLen;
        }

        boolean expands() {
            return Long.compareUnsigned(newLen, oldLen) > 0;
        }

        boolean shrinks() {
            return Long.compareUnsigned(newLen, oldLen) < 0;
        }

        boolean has(long flag) {
            return (flags & flag) != 0;
        }

        /** vrm_implies_new_addr: MREMAP_FIXED or MREMAP_DONTUNMAP always yields a new address. */
        boolean impliesNewAddr() {
            return has(MREMAP_FIXED | MREMAP_DONTUNMAP);
        }

        /** vrm_will_map_new: growing, or moving. */
        boolean willMapNew() {
            return expands() || impliesNewAddr();
        }

        /** vrm_move_only: MREMAP_FIXED without resize, which may span several VMAs. */
        boolean moveOnly() {
            return has(MREMAP_FIXED) && oldLen == newLen;
        }
    }

    public Mremap(MmContext ctx, Vmas vmas, Mmap mmap, Gup gup) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.mmap = mmap;
        this.gup = gup;
    }

    /** SYSCALL_DEFINE5(mremap) -> do_mremap. Returns the new address or -errno. */
    public long mremap(Caller c, long addr, long oldLen, long newLen, long flags, long newAddr) {
        Remap r = new Remap(addr, MmContext.pageAlign(oldLen), MmContext.pageAlign(newLen), flags, newAddr);
        long ret = checkMremapParams(c, r);
        if (ret != 0) {
            return ret;
        }
        if (r.moveOnly() && ctx.profile().mremapMovesVmaRange()) {
            ret = remapMove(c, r);
        } else if (r.impliesNewAddr() && !ctx.profile().mremapChecksFirst()) {
            ret = mremapTo(c, r, false); // before 6.17: the VMA is checked after the unmaps
        } else {
            ret = checkPrepVma(c, r, c.mm().vmas.lookup(r.addr));
            if (ret != 0) {
                return ret;
            }
            ret = r.impliesNewAddr() ? mremapTo(c, r, true) : mremapAt(c, r);
        }
        // do_mremap: "VMA mlock'd + was expanded, so populated expanded region"
        if (ret >= 0 && r.populateExpand) {
            gup.mmPopulate(c.mm(), r.newAddr + r.oldLen, r.delta, true);
        }
        return ret;
    }

    /**
     * mm/mremap.c check_mremap_params, on the page-aligned lengths: the checks that need no
     * VMA. The ones on the new address apply to every call that implies one
     * (vrm_implies_new_addr): MREMAP_DONTUNMAP's hint as much as MREMAP_FIXED's address.
     */
    private long checkMremapParams(Caller c, Remap r) {
        long known = MREMAP_FIXED | MREMAP_MAYMOVE | (ctx.profile().hasMremapDontunmap() ? MREMAP_DONTUNMAP : 0);
        if ((r.flags & ~known) != 0) {
            c.refuse("mremap: unknown flags" + (r.has(MREMAP_DONTUNMAP) && !ctx.profile().hasMremapDontunmap()
                    ? " (MREMAP_DONTUNMAP arrived in Linux 5.7; profile " + ctx.profile().id() + ")" : ""));
            return -EINVAL;
        }
        if (MmContext.offsetInPage(r.addr)) {
            c.refuse("mremap: old address not page aligned");
            return -EINVAL;
        }
        if (r.newLen == 0) {
            c.refuse("mremap: new length 0");
            return -EINVAL;
        }
        if (Long.compareUnsigned(r.newLen, TASK_SIZE) > 0
                && (r.impliesNewAddr() || ctx.profile().mremapChecksFirst())) {
            c.refuse("mremap: new length larger than the address space");
            return -EINVAL;
        }
        if (!r.impliesNewAddr()) {
            return 0;
        }
        return checkNewAddr(c, r);
    }

    /** check_mremap_params, "Remainder of checks are for cases with specific new_addr". */
    private long checkNewAddr(Caller c, Remap r) {
        if (Long.compareUnsigned(r.newAddr, TASK_SIZE - r.newLen) > 0) {
            c.refuse("mremap: the new range ends beyond TASK_SIZE");
            return -EINVAL;
        }
        if (MmContext.offsetInPage(r.newAddr)) {
            c.refuse("mremap: new address not page aligned");
            return -EINVAL;
        }
        if (!r.has(MREMAP_MAYMOVE)) {
            c.refuse("mremap: " + (r.has(MREMAP_FIXED) ? "MREMAP_FIXED" : "MREMAP_DONTUNMAP")
                    + " without MREMAP_MAYMOVE");
            return -EINVAL;
        }
        if (r.has(MREMAP_DONTUNMAP) && r.oldLen != r.newLen) {
            c.refuse("mremap: MREMAP_DONTUNMAP with old_len != new_len");
            return -EINVAL;
        }
        if (overlaps(r)) { // vrm_overlaps
            c.refuse("mremap: old and new ranges overlap");
            return -EINVAL;
        }
        // "Worst-scenario case is when both vma's (new_addr and old_addr) get split in 3"
        if (c.mm().mapCount() + 2 >= ctx.maxMapCount() - 3) {
            c.refuse("mremap: map_count + 2 would come within 3 of vm.max_map_count");
            return -ENOMEM;
        }
        return 0;
    }

    /** mm/mremap.c vrm_overlaps. */
    private static boolean overlaps(Remap r) {
        return Long.compareUnsigned(r.addr + r.oldLen, r.newAddr) > 0
                && Long.compareUnsigned(r.newAddr + r.newLen, r.addr) > 0;
    }

    /**
     * mm/mremap.c check_prep_vma: the VMA at the old address exists, and if the call grows
     * or moves it, it may be (remap_is_valid). Runs before anything is unmapped, so a refused
     * MREMAP_FIXED leaves the destination mapped.
     */
    private long checkPrepVma(Caller c, Remap r, Vma vma) {
        if (vma == null) {
            c.refuse("mremap: no mapping at the old address");
            return -EFAULT;
        }
        r.vma = vma;
        long hpage = vma.hugePageSize();
        if (hpage != 0 && !alignHugetlb(r, hpage)) {
            c.refuse("mremap: a hugetlb mapping moves on huge page boundaries and cannot grow (align_hugetlb)");
            return -EINVAL;
        }
        if (!r.impliesNewAddr()) {
            r.newAddr = r.addr; // "we set new_addr even if VMA won't move"
        }
        if (!r.willMapNew()) {
            return 0;
        }
        return remapIsValid(c, r, vma);
    }

    /**
     * mm/mremap.c align_hugetlb: both lengths rounded up to huge pages (then vrm_set_delta),
     * both addresses on a huge page boundary (new_addr as passed, MREMAP_FIXED or not), and no
     * expansion ("the underlying hugetlb reservation is not yet capable to handle split
     * reservation").
     */
    private static boolean alignHugetlb(Remap r, long hpage) {
        r.oldLen = (r.oldLen + hpage - 1) & -hpage;
        r.newLen = (r.newLen + hpage - 1) & -hpage;
        r.delta = Long.compareUnsigned(r.oldLen, r.newLen) > 0 ? r.oldLen - r.newLen : r.newLen - r.oldLen;
        return ((r.addr | r.newAddr) & (hpage - 1)) == 0 && Long.compareUnsigned(r.newLen, r.oldLen) <= 0;
    }

    /**
     * mm/mremap.c remap_is_valid (the second half of check_prep_vma in 6.18): may this VMA be
     * moved or grown by the call.
     */
    private long remapIsValid(Caller c, Remap r, Vma vma) {
        if (r.oldLen == 0 && !vma.has(VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE)) {
            c.refuse("mremap: old_len 0 duplicates only shared mappings");
            return -EINVAL;
        }
        if (r.has(MREMAP_DONTUNMAP) && vma.has(VmFlags.VM_DONTEXPAND | VmFlags.VM_PFNMAP)) {
            c.refuse("mremap: MREMAP_DONTUNMAP of a VM_DONTEXPAND or VM_PFNMAP mapping");
            return -EINVAL;
        }
        // "We permit crossing of boundaries for the range being unmapped due to a shrink"
        long oldLen = r.shrinks() ? r.newLen : r.oldLen;
        if (Long.compareUnsigned(oldLen, vma.end - r.addr) > 0) {
            c.refuse("mremap: the old range crosses the end of its mapping");
            return -EFAULT;
        }
        if (r.newLen == oldLen) {
            return 0;
        }
        if (vma.has(VM_LOCKED)) {
            r.populateExpand = true;
        }
        long pgoff = vma.pgoffOf(r.addr);
        if (Long.compareUnsigned(pgoff + (r.newLen >>> PAGE_SHIFT), pgoff) < 0) {
            return -EINVAL;
        }
        if (vma.has(VmFlags.VM_DONTEXPAND | VmFlags.VM_PFNMAP)) {
            c.refuse("mremap: growing a VM_DONTEXPAND or VM_PFNMAP mapping");
            return -EFAULT;
        }
        // mlock_future_ok; the VM_PINNED series left this check on locked_vm alone
        // ("locked = mm->locked_vm << PAGE_SHIFT" in 3.x's vma_to_resize)
        if (!lockedVmFutureOk(c, vma.flags, r.delta)) {
            c.refuse("mremap: growing a VM_LOCKED mapping by " + (r.delta >>> PAGE_SHIFT)
                    + " pages + locked_vm " + c.mm().lockedVm() + " > RLIMIT_MEMLOCK "
                    + (c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT) + " pages");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("mm/mremap.c: mlock_future_ok (from check_prep_vma)",
                    "the locked mapping's growth", "locked_vm", c.mm().lockedVm(), r.delta >>> PAGE_SHIFT, 0,
                    c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT));
            return -EAGAIN;
        }
        if (!mmap.mayExpandVm(c, vma.flags, r.delta >>> PAGE_SHIFT)) {
            c.refuse("mremap: RLIMIT_AS or RLIMIT_DATA exceeded (may_expand_vm)");
            return -ENOMEM;
        }
        return 0;
    }

    /**
     * mm/mremap.c remap_move (Linux 6.17+): MREMAP_FIXED without resize moves every VMA in
     * [addr, addr + old_len), split at the ends as needed, each by mremap_to, keeping the
     * gaps between them (what lies in the destination's gaps stays). A gap at the start is
     * EFAULT; a VMA whose file places mappings itself (vma_multi_allowed) moves only alone.
     * A failure stops the loop: the VMAs moved before it stay moved.
     *
     * @return the first VMA's new address, or -errno
     */
    private long remapMove(Caller c, Remap r) {
        Mm mm = c.mm();
        long start = r.addr;
        long end = r.addr + r.oldLen;
        long target = r.newAddr;
        long res = -EFAULT;
        long lastEnd = 0;
        boolean seen = false;
        for (Vma vma = mm.vmas.intersection(start, end); vma != null; vma = mm.vmas.intersection(lastEnd, end)) {
            if (!seen && Long.compareUnsigned(start, vma.start) < 0) {
                c.refuse("mremap: no mapping at the old address");
                return -EFAULT; // "No gap permitted at the start of the range"
            }
            long addr = Math.max(vma.start, start);
            long len = Math.min(end, vma.end) - addr;
            long offset = seen ? vma.start - lastEnd : 0;
            lastEnd = vma.end;
            if (!multiAllowed(vma) && (seen || vma.end < end)) {
                c.refuse("mremap: " + vma.ops().name() + " places its mappings itself and moves only alone");
                return -EFAULT;
            }
            r.addr = addr;
            r.newAddr = target + offset;
            r.oldLen = len;
            r.newLen = len;
            r.delta = 0;
            long resVma = checkPrepVma(c, r, vma);
            if (resVma == 0) {
                resVma = mremapTo(c, r, true);
            }
            if (resVma < 0) {
                return resVma;
            }
            if (!seen) {
                res = resVma;
            }
            seen = true;
            target = resVma + len;
        }
        return res;
    }

    /**
     * mm/mremap.c vma_multi_allowed: a file with its own f_op->get_unmapped_area (other than
     * shmem and hugetlb, and thp_get_unmapped_area, which ext4's is) "might result in
     * MREMAP_FIXED not being obeyed". Of the files modelled, only io_uring's has one.
     */
    private static boolean multiAllowed(Vma vma) {
        return !(vma.ops() instanceof FileOps driver) || !driver.hasGetUnmappedArea();
    }

    /**
     * mm/mremap.c mremap_to: unmap the destination (MREMAP_FIXED), shrink in place, then
     * move. {@code checked}: check_prep_vma has run (6.17+); before 6.17 the VMA was looked
     * up and validated only here, after the unmaps.
     */
    private long mremapTo(Caller c, Remap r, boolean checked) {
        Mm mm = c.mm();
        if (r.has(MREMAP_FIXED)) {
            int err = vmas.unmapRange(mm, r.newAddr, r.newAddr + r.newLen, c);
            if (err != 0) {
                return err;
            }
            // "If we remap a portion of a VMA elsewhere in the same VMA, this can invalidate
            // the old VMA. Reset."
            r.vma = mm.vmas.lookup(r.addr);
            if (r.vma == null && checked) {
                c.refuse("mremap: no mapping at the old address");
                return -EFAULT;
            }
        }
        if (r.shrinks()) { // shrink_vma(vrm, drop_lock=false)
            int err = vmas.doMunmap(c, r.addr + r.newLen, r.delta);
            if (err != 0) {
                return err;
            }
            r.vma = mm.vmas.lookup(r.addr);
            if (r.vma == null && checked) {
                return -EFAULT;
            }
            r.oldLen = r.newLen;
        }
        if (!checked) {
            long err = checkPrepVma(c, r, mm.vmas.lookup(r.addr));
            if (err != 0) {
                return err;
            }
        }
        // "MREMAP_DONTUNMAP expands by old_len since old_len == new_len"
        if (r.has(MREMAP_DONTUNMAP) && !mmap.mayExpandVm(c, r.vma.flags, r.oldLen >>> PAGE_SHIFT)) {
            c.refuse("mremap: RLIMIT_AS or RLIMIT_DATA exceeded (may_expand_vm)");
            return -ENOMEM;
        }
        long err = setNewAddr(c, r);
        return err != 0 ? err : moveVma(c, r);
    }

    /**
     * mm/mremap.c vrm_set_new_addr: get_unmapped_area for the new range, MAP_FIXED for
     * MREMAP_FIXED, the DONTUNMAP hint otherwise (none for a plain move), through the file's
     * own f_op->get_unmapped_area if it has one (io_uring refuses any address).
     */
    private long setNewAddr(Caller c, Remap r) {
        Vma vma = r.vma;
        long hint = r.impliesNewAddr() ? r.newAddr : 0;
        long mapFlags = (r.has(MREMAP_FIXED) ? MAP_FIXED : 0) | (vma.has(VmFlags.VM_MAYSHARE) ? MAP_SHARED : 0);
        if (vma.ops() instanceof FileOps driver) {
            hint = driver.getUnmappedArea(c, hint, r.newLen, vma.pgoffOf(r.addr), mapFlags);
            if (hint < 0) {
                return hint;
            }
            mapFlags |= MAP_SHARED; // a driver file is a file: no THP alignment
        }
        long res = mmap.getUnmappedArea(c, vma.file, hint, r.newLen, vma.pgoffOf(r.addr), mapFlags);
        if (res < 0) {
            return res;
        }
        r.newAddr = res;
        return 0;
    }

    /** mm/mremap.c mremap_at: no new address implied: resize in place, or move to grow. */
    private long mremapAt(Caller c, Remap r) {
        if (r.oldLen == r.newLen) {
            return r.addr;
        }
        if (r.shrinks()) { // "SHRINK CASE. Can always be done in-place." (shrink_vma)
            int err = vmas.doMunmap(c, r.addr + r.newLen, r.delta);
            return err != 0 ? err : r.addr;
        }
        return expandVma(c, r);
    }

    /** mm/mremap.c expand_vma: in place if the VMA can grow there, else move (MREMAP_MAYMOVE). */
    private long expandVma(Caller c, Remap r) {
        Vma vma = r.vma;
        if (r.oldLen == vma.end - r.addr && expandable(c, vma, r.delta)) { // vrm_can_expand_in_place
            return expandVmaInPlace(c, r);
        }
        if (!r.has(MREMAP_MAYMOVE)) {
            c.refuse("mremap: cannot grow in place and MREMAP_MAYMOVE not given");
            return -ENOMEM;
        }
        long err = setNewAddr(c, r);
        return err != 0 ? err : moveVma(c, r);
    }

    /** mm/mremap.c expand_vma_in_place: vrm_calc_charge, vma_merge_extend, vrm_stat_account. */
    private long expandVmaInPlace(Caller c, Remap r) {
        Mm mm = c.mm();
        Vma vma = r.vma;
        long pages = r.delta >>> PAGE_SHIFT;
        if (vma.has(VmFlags.VM_ACCOUNT) && !ctx.enoughMemory(pages)) {
            return -ENOMEM;
        }
        vma.end += r.delta; // vma_merge_extend
        mm.vmStatAccount(vma.flags, pages);
        if (ctx.countsLocked(vma.flags)) {
            ctx.accountLock(mm, vma.flags, pages);
        }
        return r.addr;
    }

    /**
     * mm/mremap.c vma_expandable: nothing mapped in the way, and get_unmapped_area(MAP_FIXED)
     * accepts [vm_start, vm_end + delta): below TASK_SIZE, and not below vm.mmap_min_addr
     * without CAP_SYS_RAWIO. No stack guard gap: a VMA may grow right up to a
     * MAP_GROWSDOWN mapping (only the stack's own growth keeps the gap).
     */
    private boolean expandable(Caller c, Vma vma, long delta) {
        long end = vma.end + delta;
        if (Long.compareUnsigned(end, vma.end) < 0) {
            return false; // overflow
        }
        if (c.mm().vmas.intersection(vma.end, end) != null) {
            return false;
        }
        if (Long.compareUnsigned(end, TASK_SIZE) > 0) {
            return false;
        }
        return Long.compareUnsigned(vma.start, ctx.sysctl.get(Sysctl.MMAP_MIN_ADDR)) >= 0
                || c.capable(Caps.CAP_SYS_RAWIO);
    }

    /**
     * mm/mremap.c move_vma: prep_move_vma, vrm_calc_charge, copy_vma and move_page_tables,
     * vrm_stat_account, then unmap the old range (unmap_source_vma) or, for
     * MREMAP_DONTUNMAP, keep it (dontunmap_complete).
     */
    private long moveVma(Caller c, Remap r) {
        Mm mm = c.mm();
        Vma vma = r.vma;
        long oldAddr = r.addr;
        long oldLen = r.oldLen;
        long newLen = r.newLen;
        long newAddr = r.newAddr;
        long err = prepMoveVma(c, vma, oldAddr, oldLen);
        if (err != 0) {
            return err;
        }
        boolean dontunmap = r.has(MREMAP_DONTUNMAP);
        long charged = (dontunmap ? newLen : r.delta) >>> PAGE_SHIFT;
        if (vma.has(VmFlags.VM_ACCOUNT) && !ctx.enoughMemory(charged)) { // vrm_calc_charge
            return -ENOMEM;
        }
        copyVma(mm, vma, oldAddr, newAddr, newLen);
        movePageTables(mm, vma, oldAddr, newAddr, Math.min(oldLen, newLen));
        long vmFlags = vma.flags;
        // "total_vm is about to be raised artificially high for a moment, we need to restore
        // high watermark afterwards"
        long hiwaterVm = mm.hiwaterVmRaw();
        mm.vmStatAccount(vmFlags, newLen >>> PAGE_SHIFT);
        if (ctx.countsLocked(vmFlags)) {
            ctx.accountLock(mm, vmFlags, newLen >>> PAGE_SHIFT);
        }
        if (dontunmap) {
            dontunmapComplete(mm, oldAddr, oldLen);
            return newAddr;
        }
        int unmapErr = vmas.unmapRange(mm, oldAddr, oldAddr + oldLen, c);
        mm.restoreHiwaterVm(hiwaterVm);
        return unmapErr != 0 ? unmapErr : newAddr;
    }

    /**
     * mm/mremap.c prep_move_vma: map_count headroom, and vm_ops->may_split at both ends of a
     * partial move ("We'd prefer to avoid failure later on in do_munmap").
     */
    private long prepMoveVma(Caller c, Vma vma, long oldAddr, long oldLen) {
        if (c.mm().mapCount() >= ctx.maxMapCount() - 3) {
            c.refuse("mremap: map_count within 3 of vm.max_map_count");
            return -ENOMEM;
        }
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
        return 0;
    }

    /** mm/vma.c copy_vma: the new VMA, merged with a neighbour where vma_merge_new_range allows. */
    private void copyVma(Mm mm, Vma vma, long oldAddr, long newAddr, long newLen) {
        long pgoff = vma.pgoffOf(oldAddr);
        if (vma.isAnonymous() && vma.anonVma == Vma.NO_ANON_VMA) {
            // "If anonymous vma has not yet been faulted, update new pgoff to match new
            // location, to increase its chance of merging."
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
    }

    /**
     * mm/mremap.c dontunmap_complete: "We always clear VM_LOCKED[ONFAULT] on the old vma",
     * without uncharging it from locked_vm ("Because we won't unmap we don't need to touch
     * locked_vm"); measured on Linux 6.18, VmLck keeps both charges.
     */
    private void dontunmapComplete(Mm mm, long oldAddr, long oldLen) {
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
        if ((flags & VM_LOCKED) == 0 || c.capable(Caps.CAP_IPC_LOCK)) {
            return true;
        }
        long locked = (bytes >>> PAGE_SHIFT) + c.mm().lockedVm();
        return Long.compareUnsigned(locked, c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT) <= 0;
    }

    /**
     * mm/mremap.c move_page_tables: the PTEs move; pages, counts and mlock state stay. A huge
     * PMD moves whole when the extent is a whole PMD at both ends and the target slot is
     * pmd_none (move_pgt_entry(HPAGE_PMD) -> move_huge_pmd); otherwise it is split first.
     */
    private void movePageTables(Mm mm, Vma vma, long oldAddr, long newAddr, long len) {
        for (long off = 0; off < len; off += MmContext.PAGE_SIZE) {
            PageTable.Leaf src = mm.pt.leaf(oldAddr + off, false);
            if (src == null) {
                off = ((oldAddr + off) | ((1L << 21) - 1)) + 1 - oldAddr - MmContext.PAGE_SIZE;
                continue;
            }
            if (src.pmd != Pte.NONE) {
                long o = oldAddr + off;
                long n = newAddr + off;
                boolean whole = (o & ~HugeMemory.HPAGE_PMD_MASK) == 0 && (n & ~HugeMemory.HPAGE_PMD_MASK) == 0
                        && len - off >= HugeMemory.HPAGE_PMD_SIZE;
                if (whole && mm.pt.moveHugePmd(o, n)) {
                    off += HugeMemory.HPAGE_PMD_SIZE - MmContext.PAGE_SIZE;
                    continue;
                }
                ctx.memory.huge().splitHugePmd(mm, vma, src, o & HugeMemory.HPAGE_PMD_MASK);
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
