package org.pinsim.core.mm;

import static org.pinsim.core.mm.MmContext.PAGE_SHIFT;
import static org.pinsim.core.mm.MmContext.PAGE_SIZE;
import static org.pinsim.core.mm.MmContext.PMD_SIZE;
import static org.pinsim.core.mm.MmContext.STACK_GUARD_GAP;
import static org.pinsim.core.mm.MmContext.TASK_SIZE;
import static org.pinsim.core.mm.VmFlags.VM_ACCOUNT;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED_MASK;
import static org.pinsim.core.mm.VmFlags.VM_SPECIAL;
import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EEXIST;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENODEV;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EOPNOTSUPP;
import static org.pinsim.core.uapi.Errno.EOVERFLOW;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_FIXED;
import static org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE;
import static org.pinsim.core.uapi.Mman.MAP_GROWSDOWN;
import static org.pinsim.core.uapi.Mman.MAP_LOCKED;
import static org.pinsim.core.uapi.Mman.MAP_NONBLOCK;
import static org.pinsim.core.uapi.Mman.MAP_NORESERVE;
import static org.pinsim.core.uapi.Mman.MAP_POPULATE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.MAP_SHARED_VALIDATE;
import static org.pinsim.core.uapi.Mman.MAP_STACK;
import static org.pinsim.core.uapi.Mman.MAP_SYNC;
import static org.pinsim.core.uapi.Mman.MAP_TYPE;

import org.pinsim.core.Sysctl;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Mman;
import org.pinsim.core.uapi.Resource;

/**
 * mm/mmap.c (with the x86-64 placement of arch/x86/kernel/sys_x86_64.c): do_mmap,
 * get_unmapped_area, mmap_region, brk and stack growth, and the RLIMIT_MEMLOCK check all
 * of them share, mlock_future_ok.
 */
public final class Mmap {
    /** File access mode bits of the fd being mapped (FMODE_READ, FMODE_WRITE). */
    public static final int FMODE_READ = 1;
    public static final int FMODE_WRITE = 2;
    /** An O_PATH file: fget (so mmap, ftruncate) does not see it. */
    public static final int FMODE_PATH = 1 << 14;

    private final MmContext ctx;
    private final Vmas vmas;
    private final Gup gup;

    public Mmap(MmContext ctx, Vmas vmas, Gup gup) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.gup = gup;
    }

    /** mm/mlock.c can_do_mlock: a non-zero RLIMIT_MEMLOCK or CAP_IPC_LOCK. */
    public static boolean canDoMlock(Caller c) {
        return c.rlimit(Resource.RLIMIT_MEMLOCK) != 0 || c.capable(Caps.CAP_IPC_LOCK);
    }

    /**
     * mm/mmap.c mlock_future_ok: would locking {@code bytes} more stay within RLIMIT_MEMLOCK?
     * Under mpin-2013 the proposal's mlock_future_check adds mm_locked_pages, and a
     * VM_PINNED VMA growing (a stack) is checked as a locked one.
     */
    public boolean mlockFutureOk(Caller c, long flags, long bytes) {
        if (!ctx.countsLocked(flags) || c.capable(Caps.CAP_IPC_LOCK)) {
            return true;
        }
        long locked = (bytes >>> PAGE_SHIFT) + ctx.lockedForLimit(c.mm());
        long limit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT;
        return Long.compareUnsigned(locked, limit) <= 0;
    }

    /**
     * The mmap syscall: arch/x86/kernel/sys_x86_64.c sys_mmap -> ksys_mmap_pgoff ->
     * vm_mmap_pgoff -> do_mmap, then mm_populate with errors ignored.
     *
     * @param file the inode behind {@code fd} (null for MAP_ANONYMOUS; the caller returns
     *     EBADF for a bad fd)
     */
    public long sysMmap(Caller c, long addr, long len, long prot, long flags, Inode file, int fmode, long off) {
        return sysMmap(c, addr, len, prot, flags, file, null, fmode, off);
    }

    /**
     * As {@link #sysMmap(Caller, long, long, long, long, Inode, int, long)}, for a driver file
     * ({@code driver}: its f_op->mmap; {@code file} null), such as a perf event.
     */
    public long sysMmap(Caller c, long addr, long len, long prot, long flags, Inode file, FileOps driver, int fmode,
            long off) {
        if ((off & (PAGE_SIZE - 1)) != 0) {
            c.refuse("mmap: offset not page aligned");
            return -EINVAL;
        }
        if ((flags & MAP_ANONYMOUS) != 0) {
            file = null;
            driver = null;
        }
        long hpage = driver != null ? driver.hugePageSize() : 0;
        if ((flags & Mman.MAP_HUGETLB) != 0 && file == null && driver == null) {
            c.refuse("mmap: MAP_HUGETLB needs huge pages; hugetlb is not modelled (nr_hugepages = 0)");
            return -ENOMEM;
        }
        if ((flags & Mman.MAP_HUGETLB) != 0 && hpage == 0) {
            // mm/mmap.c ksys_mmap_pgoff: MAP_HUGETLB of a file that is not hugetlbfs
            c.refuse("mmap: MAP_HUGETLB of a file that is not on hugetlbfs");
            return -EINVAL;
        }
        if (hpage != 0) {
            len = (len + hpage - 1) & -hpage; // ksys_mmap_pgoff: ALIGN(len, huge_page_size)
        }
        long[] populate = new long[1];
        long ret = doMmap(c, file, driver, fmode, addr, len, prot, flags, off >>> PAGE_SHIFT, populate);
        if (ret >= 0 && populate[0] != 0) {
            gup.mmPopulate(c.mm(), ret, populate[0], true);
        }
        return ret;
    }

    /** mm/mmap.c do_mmap, in Linux 6.18's check order. */
    long doMmap(Caller c, Inode file, FileOps driver, int fmode, long addr, long len, long prot, long flags, long pgoff,
            long[] populate) {
        Mm mm = c.mm();
        if (len == 0) {
            c.refuse("mmap: length 0");
            return -EINVAL;
        }
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && !ctx.profile.hasFixedNoreplace()) {
            flags &= ~MAP_FIXED_NOREPLACE; // an unknown bit before 4.17: ignored, so a hint
        }
        if ((flags & MAP_FIXED_NOREPLACE) != 0) {
            flags |= MAP_FIXED;
        }
        if ((flags & MAP_FIXED) == 0) {
            addr = roundHintToMin(addr);
        }
        len = MmContext.pageAlign(len);
        if (len == 0) {
            c.refuse("mmap: length overflows when page aligned");
            return -ENOMEM;
        }
        if (pgoff + (len >>> PAGE_SHIFT) < pgoff) {
            return -EOVERFLOW;
        }
        if (mm.mapCount() > ctx.maxMapCount()) {
            c.refuse("mmap: map_count " + mm.mapCount() + " > vm.max_map_count");
            return -ENOMEM;
        }
        long vmFlags = calcVmProtBits(prot) | calcVmFlagBits(flags) | mm.defFlags
                | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
        if (driver != null) {
            addr = driver.getUnmappedArea(c, addr, len, pgoff, flags);
            if (addr < 0) {
                return addr;
            }
        }
        // a driver file is a file: no THP alignment (__get_unmapped_area aligns only !file)
        addr = driver != null && driver.hugePageSize() != 0
                ? hugetlbUnmappedArea(c, addr, len, flags, driver.hugePageSize())
                : getUnmappedArea(c, file, addr, len, pgoff, driver != null ? flags | MAP_SHARED : flags);
        if (addr < 0) {
            return addr;
        }
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && mm.vmas.intersection(addr, addr + len) != null) {
            c.refuse("mmap: MAP_FIXED_NOREPLACE range overlaps an existing mapping");
            return -EEXIST;
        }
        if ((flags & MAP_LOCKED) != 0 && !canDoMlock(c)) {
            c.refuse("mmap: MAP_LOCKED with RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK (can_do_mlock)");
            c.refuseLimit(org.pinsim.core.LimitCheck.zero("mm/mmap.c: do_mmap (can_do_mlock)", "the MAP_LOCKED mapping",
                    len >>> PAGE_SHIFT));
            return -EPERM;
        }
        if (!mlockFutureOk(c, vmFlags, len)) {
            c.refuse("mmap: " + (len >>> PAGE_SHIFT) + " pages + " + ctx.lockedForLimitName() + " "
                    + ctx.lockedForLimit(mm)
                    + " > RLIMIT_MEMLOCK " + (c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT)
                    + " pages (mlock_future_ok)");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("mm/mmap.c: mlock_future_ok (from do_mmap)",
                    (flags & MAP_LOCKED) != 0 ? "the MAP_LOCKED mapping" : "the new mapping, locked by mlockall(MCL_FUTURE)",
                    ctx.lockedForLimitName(), ctx.lockedForLimit(mm), len >>> PAGE_SHIFT, 0,
                    c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT));
            return -EAGAIN;
        }
        long[] vf = {vmFlags};
        long[] po = {pgoff};
        int err = file != null || driver != null ? fileMapType(c, file, fmode, prot, flags, vf)
                : anonMapType(c, addr, flags, vf, po);
        if (err != 0) {
            return err;
        }
        vmFlags = vf[0];
        pgoff = po[0];
        // "hugetlb applies strict overcommit unless MAP_NORESERVE is specified"
        if ((flags & MAP_NORESERVE) != 0
                && (ctx.sysctl.get(Sysctl.OVERCOMMIT_MEMORY) != 2 || (driver != null && driver.hugePageSize() != 0))) {
            vmFlags |= VmFlags.VM_NORESERVE;
        }
        long ret = driver != null ? mmapDriverRegion(c, driver, addr, len, vmFlags, pgoff)
                : mmapRegion(c, file, addr, len, vmFlags, pgoff);
        if (ret >= 0 && ((vmFlags & VM_LOCKED) != 0 || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE)) {
            populate[0] = len;
        }
        return ret;
    }

    private long roundHintToMin(long addr) {
        long min = ctx.sysctl.get(Sysctl.MMAP_MIN_ADDR);
        addr &= ~(PAGE_SIZE - 1);
        if (addr != 0 && Long.compareUnsigned(addr, min) < 0) {
            return MmContext.pageAlign(min);
        }
        return addr;
    }

    /** include/linux/mman.h calc_vm_prot_bits. */
    static long calcVmProtBits(long prot) {
        return (prot & Mman.PROT_READ) | (prot & Mman.PROT_WRITE) | (prot & Mman.PROT_EXEC);
    }

    /** include/linux/mman.h calc_vm_flag_bits (MAP_STACK means VM_NOHUGEPAGE since 6.7). */
    static long calcVmFlagBits(long flags) {
        long f = 0;
        if ((flags & MAP_GROWSDOWN) != 0) {
            f |= VmFlags.VM_GROWSDOWN;
        }
        if ((flags & MAP_LOCKED) != 0) {
            f |= VM_LOCKED;
        }
        if ((flags & MAP_SYNC) != 0) {
            f |= VmFlags.VM_SYNC;
        }
        if ((flags & MAP_STACK) != 0) {
            f |= VmFlags.VM_NOHUGEPAGE;
        }
        return f;
    }

    /** do_mmap's switch on MAP_TYPE for a file mapping. */
    private int fileMapType(Caller c, Inode file, int fmode, long prot, long flags, long[] vf) {
        long type = flags & MAP_TYPE;
        if (type == MAP_SHARED_VALIDATE && !ctx.profile.hasMapSharedValidate()) {
            c.refuse("mmap: mapping type 3 (MAP_SHARED_VALIDATE) is unknown before Linux 4.15 (profile "
                    + ctx.profile.id() + ")");
            return -EINVAL;
        }
        // FOP_MMAP_SYNC: ext4's regular files take MAP_SYNC (and refuse it later when not DAX)
        long flagsMask = Mman.LEGACY_MAP_MASK | (ext4Regular(file) && ctx.profile.hasMapSharedValidate() ? MAP_SYNC : 0);
        if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) {
            if (type == MAP_SHARED) {
                flags &= Mman.LEGACY_MAP_MASK;
            }
            if ((flags & ~flagsMask) != 0) {
                c.refuse("mmap: MAP_SHARED_VALIDATE with flags the file does not support");
                return -EOPNOTSUPP;
            }
            if ((prot & Mman.PROT_WRITE) != 0 && (fmode & FMODE_WRITE) == 0) {
                c.refuse("mmap: PROT_WRITE shared mapping of a file not opened for writing");
                return -EACCES;
            }
            vf[0] |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
            if ((fmode & FMODE_WRITE) == 0) {
                vf[0] &= ~(VmFlags.VM_MAYWRITE | VmFlags.VM_SHARED);
            }
        } else if (type != MAP_PRIVATE) {
            c.refuse("mmap: flags name neither MAP_SHARED nor MAP_PRIVATE");
            return -EINVAL;
        }
        if ((fmode & FMODE_READ) == 0) {
            c.refuse("mmap: file not opened for reading");
            return -EACCES;
        }
        if (file != null && !file.isReg()) {
            c.refuse("mmap: a directory has no mmap file operation");
            return -ENODEV; // !file_has_valid_mmap_hooks
        }
        if ((vf[0] & VmFlags.VM_GROWSDOWN) != 0) {
            return -EINVAL;
        }
        return 0;
    }

    /** A regular file of the stand-in ext4 file system (not tmpfs, not a driver's). */
    private static boolean ext4Regular(Inode file) {
        return file != null && !file.shmem() && file.isReg();
    }

    /** do_mmap's switch on MAP_TYPE for an anonymous mapping. */
    private int anonMapType(Caller c, long addr, long flags, long[] vf, long[] po) {
        long type = flags & MAP_TYPE;
        if (type == MAP_SHARED) {
            if ((vf[0] & VmFlags.VM_GROWSDOWN) != 0) {
                return -EINVAL;
            }
            po[0] = 0;
            vf[0] |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
            return 0;
        }
        if (type == Mman.MAP_DROPPABLE && ctx.profile.hasMapDroppable()) {
            if ((flags & MAP_LOCKED) != 0 || (vf[0] & VmFlags.VM_GROWSDOWN) != 0) {
                c.refuse("mmap: MAP_DROPPABLE memory cannot be locked or a stack");
                return -EINVAL; // "A locked or stack area makes no sense to be droppable"
            }
            // droppable pages are not reserved, do not survive fork and are not dumped
            vf[0] |= VmFlags.VM_DROPPABLE | VmFlags.VM_NORESERVE | VmFlags.VM_WIPEONFORK | VmFlags.VM_DONTDUMP;
            type = MAP_PRIVATE;
        }
        if (type == MAP_PRIVATE) {
            po[0] = addr >>> PAGE_SHIFT; // "Set pgoff according to addr for anon_vma"
            return 0;
        }
        c.refuse("mmap: flags name neither MAP_SHARED nor MAP_PRIVATE");
        return -EINVAL;
    }

    // ---- placement ----

    /** mm/mmap.c __get_unmapped_area with x86-64's arch_get_unmapped_area_topdown. */
    long getUnmappedArea(Caller c, Inode file, long addr, long len, long pgoff, long flags) {
        if (Long.compareUnsigned(len, TASK_SIZE) > 0) {
            c.refuse("mmap: length larger than the address space");
            return -ENOMEM;
        }
        long ret;
        if ((flags & MAP_FIXED) != 0) {
            ret = addr;
        } else if (file == null && (flags & MAP_SHARED) == 0 && addr == 0 && (len & (PMD_SIZE - 1)) == 0) {
            ret = thpGetUnmappedArea(c.mm(), len); // "larger anonymous mappings are THP aligned"
        } else {
            ret = topdown(c.mm(), addr, len);
        }
        if (ret < 0) {
            c.refuse("mmap: no free range of " + len + " bytes below mmap_base");
            return ret;
        }
        if (Long.compareUnsigned(ret, TASK_SIZE - len) > 0) {
            c.refuse("mmap: range ends beyond TASK_SIZE");
            return -ENOMEM;
        }
        if (MmContext.offsetInPage(ret)) {
            c.refuse("mmap: MAP_FIXED address not page aligned");
            return -EINVAL;
        }
        // security/commoncap.c cap_mmap_addr: below mmap_min_addr needs CAP_SYS_RAWIO
        if (Long.compareUnsigned(ret, ctx.sysctl.get(Sysctl.MMAP_MIN_ADDR)) < 0 && !c.capable(Caps.CAP_SYS_RAWIO)) {
            c.refuse("mmap: address below vm.mmap_min_addr");
            return -EPERM;
        }
        return ret;
    }

    /**
     * A hugetlbfs file's placement: hugetlb_get_unmapped_area checked and rounded the hint
     * (the driver's hook, asked first), then arch_get_unmapped_area_topdown with
     * info.align_mask = huge_page_mask_align: the hint if it is free, else the highest
     * boundary-aligned gap.
     */
    private long hugetlbUnmappedArea(Caller c, long addr, long len, long flags, long hpage) {
        if ((flags & MAP_FIXED) != 0) {
            return getUnmappedArea(c, null, addr, len, 0, flags);
        }
        Mm mm = c.mm();
        if (addr != 0 && Long.compareUnsigned(TASK_SIZE - len, addr) >= 0) {
            Vma v = mm.vmas.find(addr);
            if (v == null || Long.compareUnsigned(addr + len, v.startGap(STACK_GUARD_GAP)) <= 0) {
                return getUnmappedArea(c, null, addr, len, 0, flags | MAP_FIXED);
            }
        }
        // mm/vma.c unmapped_area_topdown: a gap of len + align_mask, its top aligned down
        long gap = vmUnmappedAreaTopdown(mm, len + hpage - PAGE_SIZE, PAGE_SIZE, mm.mmapBase);
        if (gap < 0) {
            c.refuse("mmap: no free range of " + len + " bytes on a huge page boundary below mmap_base");
            return gap;
        }
        long top = gap + len + hpage - PAGE_SIZE;
        return getUnmappedArea(c, null, (top - len) & -hpage, len, 0, flags | MAP_FIXED);
    }

    /** mm/huge_memory.c __thp_get_unmapped_area for anonymous memory (offset 0). */
    private long thpGetUnmappedArea(Mm mm, long len) {
        long padded = len + PMD_SIZE;
        long ret = vmUnmappedAreaTopdown(mm, padded, PAGE_SIZE, mm.mmapBase);
        if (ret < 0) {
            return topdown(mm, 0, len);
        }
        long offSub = (0 - ret) & (PMD_SIZE - 1);
        if (offSub == 0) {
            return ret + PMD_SIZE; // MMF_TOPDOWN
        }
        return ret + offSub;
    }

    /** arch/x86/kernel/sys_x86_64.c arch_get_unmapped_area_topdown: the hint, then a search. */
    private long topdown(Mm mm, long addr, long len) {
        if (addr != 0) {
            addr &= ~(PAGE_SIZE - 1);
            if (Long.compareUnsigned(TASK_SIZE - len, addr) >= 0) { // mmap_address_hint_valid
                Vma v = mm.vmas.find(addr);
                if (v == null || Long.compareUnsigned(addr + len, v.startGap(STACK_GUARD_GAP)) <= 0) {
                    return addr;
                }
            }
        }
        return vmUnmappedAreaTopdown(mm, len, PAGE_SIZE, mm.mmapBase);
    }

    /**
     * mm/vma.c unmapped_area_topdown: the highest gap in [lowLimit, highLimit) holding len
     * bytes, honouring a stack's guard gap above it.
     */
    long vmUnmappedAreaTopdown(Mm mm, long len, long lowLimit, long highLimit) {
        VmaTree t = mm.vmas;
        int i = t.findIndex(highLimit - 1);
        for (; i >= 0; i--) {
            Vma next = i < t.size() ? t.get(i) : null;
            Vma prev = i > 0 ? t.get(i - 1) : null;
            long gapEnd = next == null ? highLimit : Math.min(highLimit, next.startGap(STACK_GUARD_GAP));
            long gapStart = Math.max(prev == null ? 0 : prev.end, lowLimit);
            if (Long.compareUnsigned(gapEnd, gapStart) > 0 && gapEnd - gapStart >= len) {
                return gapEnd - len;
            }
            if (prev != null && Long.compareUnsigned(prev.end, lowLimit) <= 0) {
                break;
            }
        }
        return -ENOMEM;
    }

    // ---- mmap_region ----

    /** mm/mmap.c accountable_mapping: private writable memory is charged to overcommit. */
    private static boolean accountable(long vmFlags) {
        return (vmFlags & (VmFlags.VM_NORESERVE | VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == VmFlags.VM_WRITE;
    }

    /** mm/vma.c __mmap_region: replace what MAP_FIXED covers, merge or insert, account. */
    long mmapRegion(Caller c, Inode file, long addr, long len, long vmFlags, long pgoff) {
        Mm mm = c.mm();
        long end = addr + len;
        long pglen = len >>> PAGE_SHIFT;
        if (!mayExpandVmOverlap(c, mm, addr, end, vmFlags)) {
            return -ENOMEM;
        }
        if (accountable(vmFlags)) {
            long charged = pglen - accountedPages(mm, addr, end);
            if (!ctx.enoughMemory(charged)) {
                c.refuse("mmap: " + pglen + " pages exceed the overcommit limit (__vm_enough_memory)");
                return -ENOMEM;
            }
            vmFlags |= VM_ACCOUNT;
        }
        int unmapped = unmapReplaced(c, mm, addr, end);
        if (unmapped != 0) {
            return unmapped;
        }
        if (ext4Regular(file) && (vmFlags & VmFlags.VM_SYNC) != 0 && ctx.profile.hasMapSharedValidate()) {
            // fs/ext4/file.c ext4_file_mmap_prepare: daxdev_mapping_supported is false for a
            // VM_SYNC mapping of a file that is not DAX. calc_vm_flag_bits set VM_SYNC from
            // MAP_SYNC whatever the mapping type (a legacy MAP_SHARED or MAP_PRIVATE too); the
            // PTEs of what MAP_FIXED replaced are gone, so the range stays unmapped
            // (vms_abort_munmap_vmas).
            c.refuse("mmap: MAP_SYNC on an ext4 file that is not DAX (ext4_file_mmap_prepare)");
            return -EOPNOTSUPP;
        }
        Vma vma = null;
        if (file != null) {
            file.coverMapping((pgoff << PAGE_SHIFT) + len);
        }
        if (file == null && (vmFlags & VmFlags.VM_SHARED) != 0) {
            file = shmemZeroSetup(c, len); // mm/shmem.c shmem_zero_setup
        } else {
            vma = vmas.mergeNewRange(mm, addr, end, vmFlags, file, pgoff, Vma.NO_ANON_VMA, null);
        }
        if (vma == null) {
            vma = new Vma(addr, end, vmFlags, pgoff, file, null);
            Vmas.insert(mm, vma);
        }
        mm.vmStatAccount(vmFlags, pglen);
        completeLocked(mm, vma, vmFlags, pglen);
        return addr;
    }

    /** __mmap_region: what MAP_FIXED covers is unmapped first (vms_gather_munmap_vmas and friends). */
    private int unmapReplaced(Caller c, Mm mm, long addr, long end) {
        return mm.vmas.intersection(addr, end) != null ? vmas.unmapRange(mm, addr, end, c) : 0;
    }

    /**
     * mm/vma.c __mmap_complete: a VM_LOCKED mapping is charged to locked_vm, unless the VMA
     * cannot be mlocked (!vma_supports_mlock: VM_SPECIAL, hugetlb, droppable), which loses
     * VM_LOCKED_MASK instead. [PROPOSAL] mpin-2013's mmap_region charges a VM_PINNED VMA (a
     * perf ring buffer's) to pinned_vm first, special or not.
     */
    private void completeLocked(Mm mm, Vma vma, long vmFlags, long pglen) {
        if ((vmFlags & VmFlags.VM_PINNED) != 0 && ctx.profile.mlock().hasVmPinned()) {
            ctx.accountLock(mm, vmFlags, pglen);
            return;
        }
        if ((vmFlags & VM_LOCKED) == 0) {
            return;
        }
        if ((vmFlags & (VM_SPECIAL | VmFlags.VM_HUGETLB | VmFlags.VM_DROPPABLE)) != 0) {
            vma.flags &= ~VM_LOCKED_MASK;
        } else {
            mm.addLockedVm(pglen);
        }
    }

    /**
     * mm/vma.c __mmap_region for a driver file: as {@link #mmapRegion}, with the driver's
     * f_op->mmap called on the new VMA before it joins the tree (__mmap_new_file_vma); a
     * refusal leaves the range unmapped (what MAP_FIXED replaced stays gone). A driver VMA
     * never merges; VM_LOCKED is dropped from a VM_SPECIAL result (__mmap_complete).
     */
    long mmapDriverRegion(Caller c, FileOps driver, long addr, long len, long vmFlags, long pgoff) {
        Mm mm = c.mm();
        long end = addr + len;
        long pglen = len >>> PAGE_SHIFT;
        if (!mayExpandVmOverlap(c, mm, addr, end, vmFlags)) {
            return -ENOMEM;
        }
        int unmapped = unmapReplaced(c, mm, addr, end);
        if (unmapped != 0) {
            return unmapped;
        }
        Vma vma = new Vma(addr, end, vmFlags, pgoff, null, null);
        int err = driver.mmap(c, mm, vma);
        if (err != 0) {
            return err;
        }
        Vmas.insert(mm, vma);
        completeLocked(mm, vma, vma.flags, pglen); // with the flags the driver set
        mm.vmStatAccount(vma.flags, pglen);
        return addr;
    }

    private Inode shmemZeroSetup(Caller c, long len) {
        // dev 00:01, as the reference machine shows "/dev/zero (deleted)"; shmem_get_inode
        // makes it S_IRWXUGO and the caller's (inode_init_owner)
        return new Inode(ctx.nextIno() + 1000, "/dev/zero (deleted)", true, 0x0001, len, false)
                .own(org.pinsim.core.uapi.Stat.S_IFREG | 0777, c.uid());
    }

    private static long accountedPages(Mm mm, long start, long end) {
        long n = 0;
        for (int i = mm.vmas.findIndex(start); i < mm.vmas.size() && mm.vmas.get(i).start < end; i++) {
            Vma v = mm.vmas.get(i);
            if (v.has(VM_ACCOUNT)) {
                n += (Math.min(v.end, end) - Math.max(v.start, start)) >>> PAGE_SHIFT;
            }
        }
        return n;
    }

    /**
     * __mmap_region's may_expand_vm check: the new pages, or else those not replacing an
     * existing mapping (count_vma_pages_range), must fit RLIMIT_AS / RLIMIT_DATA.
     */
    private boolean mayExpandVmOverlap(Caller c, Mm mm, long addr, long end, long vmFlags) {
        long pglen = (end - addr) >>> PAGE_SHIFT;
        if (mayExpandVm(c, vmFlags, pglen) || mayExpandVm(c, vmFlags, pglen - Vmas.countVmaPages(mm, addr, end))) {
            return true;
        }
        c.refuse("mmap: RLIMIT_AS or RLIMIT_DATA exceeded (may_expand_vm)");
        return false;
    }

    /** mm/mmap.c may_expand_vm: RLIMIT_AS, and RLIMIT_DATA for data mappings. */
    boolean mayExpandVm(Caller c, long flags, long npages) {
        Mm mm = c.mm();
        long as = c.rlimit(Resource.RLIMIT_AS);
        if (as != Resource.RLIM_INFINITY && Long.compareUnsigned(mm.totalVm() + npages, as >>> PAGE_SHIFT) > 0) {
            return false;
        }
        long data = c.rlimit(Resource.RLIMIT_DATA);
        if (!VmFlags.isDataMapping(flags) || data == Resource.RLIM_INFINITY
                || Long.compareUnsigned(mm.dataVm() + npages, data >>> PAGE_SHIFT) <= 0) {
            return true;
        }
        // "Workaround for Valgrind": a soft limit of 0 admits data mappings up to the hard
        // limit; otherwise refused (ignore_rlimit_data is false by default)
        long max = c.rlimitMax(Resource.RLIMIT_DATA);
        return data == 0 && (max == Resource.RLIM_INFINITY
                || Long.compareUnsigned(mm.dataVm() + npages, max >>> PAGE_SHIFT) <= 0);
    }

    // ---- brk ----

    /** mm/mmap.c SYSCALL_DEFINE1(brk): returns the new break, or the old one on failure. */
    public long brk(Caller c, long brk) {
        Mm mm = c.mm();
        long origbrk = mm.brk;
        if (Long.compareUnsigned(brk, mm.startBrk) < 0) {
            return origbrk;
        }
        long newbrk = MmContext.pageAlign(brk);
        long oldbrk = MmContext.pageAlign(mm.brk);
        if (oldbrk == newbrk) {
            mm.brk = brk;
            return brk;
        }
        if (Long.compareUnsigned(brk, mm.brk) <= 0) { // "Always allow shrinking brk"
            Vma v = mm.vmas.find(newbrk);
            if (v == null || Long.compareUnsigned(v.start, oldbrk) >= 0) {
                return origbrk;
            }
            mm.brk = brk;
            vmas.unmapRange(mm, newbrk, oldbrk, c);
            return brk;
        }
        long delta = newbrk - oldbrk;
        // mm/mmap.c check_brk_limits
        if (getUnmappedArea(c, null, oldbrk, delta, 0, MAP_FIXED) < 0) {
            return origbrk;
        }
        if (!mlockFutureOk(c, mm.defFlags, delta)) {
            c.refuse("brk: growth of " + (delta >>> PAGE_SHIFT) + " pages + " + ctx.lockedForLimitName() + " "
                    + ctx.lockedForLimit(mm)
                    + " > RLIMIT_MEMLOCK under MCL_FUTURE (check_brk_limits)");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("mm/mmap.c: mlock_future_ok (from check_brk_limits)",
                    "the heap's growth, locked by mlockall(MCL_FUTURE)", ctx.lockedForLimitName(),
                    ctx.lockedForLimit(mm), delta >>> PAGE_SHIFT, 0, c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT));
            return origbrk;
        }
        Vma next = mm.vmas.find(oldbrk);
        if (next != null && Long.compareUnsigned(newbrk + PAGE_SIZE, next.startGap(STACK_GUARD_GAP)) > 0) {
            c.refuse("brk: the heap would run into the next mapping");
            return origbrk;
        }
        if (doBrkFlags(c, oldbrk, delta) < 0) {
            return origbrk;
        }
        mm.brk = brk;
        if ((mm.defFlags & VM_LOCKED) != 0) {
            gup.mmPopulate(mm, oldbrk, delta, true);
        }
        return brk;
    }

    /** mm/vma.c do_brk_flags: extend the heap VMA just below addr or create one. */
    int doBrkFlags(Caller c, long addr, long len) {
        Mm mm = c.mm();
        long flags = VmFlags.VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm.defFlags;
        long pages = len >>> PAGE_SHIFT;
        if (!mayExpandVm(c, flags, pages)) {
            c.refuse("brk: RLIMIT_DATA exceeded");
            return -ENOMEM;
        }
        if (mm.mapCount() > ctx.maxMapCount() || !ctx.enoughMemory(pages)) {
            c.refuse("brk: out of memory or mappings");
            return -ENOMEM;
        }
        int i = mm.vmas.findIndex(addr);
        Vma prev = mm.vmas.prev(i);
        boolean heapPrev = prev != null && Long.compareUnsigned(prev.end, mm.startBrk) > 0 && prev.end == addr;
        Vma vma = heapPrev
                ? vmas.mergeNewRange(mm, addr, addr + len, flags, null, addr >>> PAGE_SHIFT, Vma.NO_ANON_VMA, null)
                : null;
        if (vma == null) {
            vma = new Vma(addr, addr + len, flags, addr >>> PAGE_SHIFT, null, null);
            Vmas.insert(mm, vma);
        }
        mm.vmStatAccount(flags, pages);
        ctx.accountLock(mm, flags, pages);
        return 0;
    }

    // ---- stack growth ----

    /**
     * mm/mmap.c expand_downwards + acct_stack_growth: grow a VM_GROWSDOWN VMA down to addr.
     *
     * @return 0, or -ENOMEM when a limit refuses (the fault then raises SIGSEGV)
     */
    public int expandStack(Caller c, Vma vma, long addr) {
        Mm mm = c.mm();
        addr &= ~(PAGE_SIZE - 1);
        if (Long.compareUnsigned(addr, ctx.sysctl.get(Sysctl.MMAP_MIN_ADDR)) < 0) {
            return -EPERM;
        }
        int i = mm.vmas.indexOf(vma);
        Vma prev = mm.vmas.prev(i);
        if (prev != null && !prev.has(VmFlags.VM_GROWSDOWN) && (prev.flags & VmFlags.VM_ACCESS_FLAGS) != 0
                && addr - prev.end < STACK_GUARD_GAP) {
            c.refuse("stack growth into the guard gap of the mapping below");
            return -ENOMEM;
        }
        long grow = (vma.start - addr) >>> PAGE_SHIFT;
        long size = vma.end - addr;
        if (!mayExpandVm(c, vma.flags, grow)) {
            c.refuse("stack growth: RLIMIT_AS");
            return -ENOMEM;
        }
        if (Long.compareUnsigned(size, c.rlimit(Resource.RLIMIT_STACK)) > 0) {
            c.refuse("stack growth: RLIMIT_STACK");
            return -ENOMEM;
        }
        if (!mlockFutureOk(c, vma.flags, grow << PAGE_SHIFT)) {
            c.refuse("stack growth: " + grow + " pages + " + ctx.lockedForLimitName() + " " + ctx.lockedForLimit(mm)
                    + " > RLIMIT_MEMLOCK for a VM_LOCKED stack (acct_stack_growth)");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("mm/mmap.c: mlock_future_ok (from acct_stack_growth)",
                    "the locked stack's growth", ctx.lockedForLimitName(), ctx.lockedForLimit(mm), grow, 0,
                    c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT));
            return -ENOMEM;
        }
        ctx.accountLock(mm, vma.flags, grow);
        mm.vmStatAccount(vma.flags, grow);
        vma.start = addr;
        vma.pgoff -= grow;
        return 0;
    }
}
