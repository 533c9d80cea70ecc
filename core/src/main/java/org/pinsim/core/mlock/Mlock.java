package org.pinsim.core.mlock;

import static org.pinsim.core.mm.MmContext.PAGE_SHIFT;
import static org.pinsim.core.mm.MmContext.PAGE_SIZE;
import static org.pinsim.core.mm.MmContext.TASK_SIZE;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED_MASK;
import static org.pinsim.core.mm.VmFlags.VM_LOCKONFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.ENOSYS;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Mman.MCL_CURRENT;
import static org.pinsim.core.uapi.Mman.MCL_FUTURE;
import static org.pinsim.core.uapi.Mman.MCL_ONFAULT;
import static org.pinsim.core.uapi.Mman.MLOCK_ONFAULT;

import org.pinsim.core.LimitCheck;
import org.pinsim.core.Profile;
import org.pinsim.core.account.MlockAccounting;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Gup;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.Mmap;
import org.pinsim.core.mm.HugeMemory;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.mm.Vmas;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Resource;

/**
 * mm/mlock.c, the syscalls: mlock, mlock2, munlock, mlockall, munlockall, layered as the
 * kernel layers them: syscall -> limits (do_mlock) -> VMA range (apply_vma_lock_flags) ->
 * VMA fixup (mlock_fixup) -> page-table walk (mlock_vma_pages_range) -> per-page work
 * ({@link MlockFolio}) -> population (mm/gup.c __mm_populate).
 *
 * <p>locked_vm changes only in {@link #mlockFixup} (and in mmap/brk/mremap/munmap for the
 * VMAs they create or remove).
 */
public final class Mlock {
    private final MmContext ctx;
    private final Vmas vmas;
    private final Gup gup;
    private final MlockFolio folios;
    private final HugeMemory hugeMemory;
    private final Profile profile;

    public Mlock(MmContext ctx, Vmas vmas, Gup gup, MlockFolio folios) {
        this.ctx = ctx;
        this.vmas = vmas;
        this.gup = gup;
        this.folios = folios;
        this.hugeMemory = ctx.memory().huge();
        this.profile = ctx.profile();
    }

    /** SYSCALL_DEFINE2(mlock). */
    public int mlock(Caller c, long start, long len) {
        return doMlock(c, start, len, VM_LOCKED);
    }

    /** SYSCALL_DEFINE3(mlock2): unknown flags are refused before anything else. */
    public int mlock2(Caller c, long start, long len, long flags) {
        if (!profile.hasOnfault()) {
            c.refuse("mlock2: no such syscall before Linux 4.4 (profile " + profile + ")");
            return -ENOSYS;
        }
        if ((flags & ~(long) MLOCK_ONFAULT) != 0) {
            c.refuse("mlock2: unknown flags 0x" + Long.toHexString(flags & ~(long) MLOCK_ONFAULT));
            return -EINVAL;
        }
        long vmFlags = VM_LOCKED;
        if ((flags & MLOCK_ONFAULT) != 0) {
            vmFlags |= VM_LOCKONFAULT;
        }
        return doMlock(c, start, len, vmFlags);
    }

    /** mm/mlock.c do_mlock: can_do_mlock, rounding, the RLIMIT_MEMLOCK test, then apply and populate. */
    int doMlock(Caller c, long start, long len, long flags) {
        if (!Mmap.canDoMlock(c)) {
            c.refuse("mlock: RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK (can_do_mlock)");
            c.refuseLimit(LimitCheck.zero("mm/mlock.c: can_do_mlock", "the range",
                    pageAlign(len + (start & (PAGE_SIZE - 1))) >>> PAGE_SHIFT));
            return -EPERM;
        }
        len = pageAlign(len + (start & (PAGE_SIZE - 1)));
        start &= ~(PAGE_SIZE - 1);
        if (!withinLimit(c, "mlock", start, len)) {
            return -ENOMEM;
        }
        int error = applyVmaLockFlags(c, start, len, VM_LOCKED_MASK, flags);
        if (error != 0) {
            return error;
        }
        error = gup.mmPopulate(c.mm(), start, len, false);
        if (error != 0) {
            c.refuse("mlock: the range is locked but could not be populated (PROT_NONE, beyond EOF or out of memory)");
        }
        return error;
    }

    /**
     * The RLIMIT_MEMLOCK test of mlock(2) and of the proposal's mm_mpin: the request plus what
     * the limit counts ({@link MmContext#lockedForLimit}: locked_vm, or mm_locked_pages under
     * mpin-2013), less the pages of the range already counted where the profile subtracts them
     * (count_mm_mlocked_page_nr since 4.9; locked or pinned ones in mpin-2013-dedup).
     */
    boolean withinLimit(Caller c, String who, long start, long len) {
        Mm mm = c.mm();
        long lockLimit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT;
        long want = len >>> PAGE_SHIFT;
        long counted = ctx.lockedForLimit(mm);
        long locked = want + counted;
        if (Long.compareUnsigned(locked, lockLimit) <= 0 || c.capable(Caps.CAP_IPC_LOCK)) {
            return true;
        }
        long overlap = 0;
        if (profile.mlock() == MlockAccounting.MM_LOCKED_PAGES_DEDUP) {
            overlap = countMmLockedPageNr(mm, start, len, VM_LOCKED | VmFlags.VM_PINNED);
        } else if (profile.mlockSubtractsOverlap()) {
            // "the regions requested intersect with previously mlocked areas"
            overlap = countMmLockedPageNr(mm, start, len, VM_LOCKED);
        }
        locked -= overlap;
        if (Long.compareUnsigned(locked, lockLimit) <= 0) {
            return true;
        }
        String already = profile.mlock() == MlockAccounting.MM_LOCKED_PAGES_DEDUP ? " already locked or pinned + "
                : " already locked + ";
        c.refuse(who + ": " + want + " pages - " + overlap + already + ctx.lockedForLimitName() + " "
                + counted + " > RLIMIT_MEMLOCK " + lockLimit + " pages");
        c.refuseLimit(LimitCheck.mm(who.equals("mm_mpin") ? "mm_mpin ([PROPOSAL] VM_PINNED, 2014)" : "mm/mlock.c: do_mlock",
                "the range", ctx.lockedForLimitName(), counted, want, overlap, lockLimit));
        return false;
    }

    private static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }

    /**
     * mm/mlock.c count_mm_mlocked_page_nr: pages of [start, start+len) already in VMAs with
     * any of {@code mask} (VM_LOCKED; for mpin-2013-dedup also VM_PINNED).
     */
    static long countMmLockedPageNr(Mm mm, long start, long len, long mask) {
        long end = Long.compareUnsigned(-1L - len, start) < 0 ? -1L : start + len;
        long count = 0;
        VmaTree t = mm.vmas();
        for (int i = t.findIndex(start); i < t.size() && Long.compareUnsigned(t.get(i).start(), end) < 0; i++) {
            Vma v = t.get(i);
            if ((v.flags() & mask) != 0) {
                if (Long.compareUnsigned(start, v.start()) > 0) {
                    count -= start - v.start();
                }
                if (Long.compareUnsigned(end, v.end()) < 0) {
                    count += end - v.start();
                    break;
                }
                count += v.end() - v.start();
            }
        }
        return count >>> PAGE_SHIFT;
    }

    /** SYSCALL_DEFINE2(munlock): no permission or limit check. */
    public int munlock(Caller c, long start, long len) {
        len = pageAlign(len + (start & (PAGE_SIZE - 1)));
        start &= ~(PAGE_SIZE - 1);
        return applyVmaLockFlags(c, start, len, VM_LOCKED_MASK, 0);
    }

    /**
     * mm/mlock.c apply_vma_lock_flags: set the {@code mask} bits of every VMA of
     * [start, start+len) to {@code flags}, in order (VM_LOCKED_MASK for mlock and munlock;
     * VM_PINNED for the proposal's mm_mpin and mm_munpin, its do_mlock with MLOCK_F_PIN). A
     * hole gives ENOMEM after the VMAs before it were changed: not atomic, as in the kernel.
     */
    int applyVmaLockFlags(Caller c, long start, long len, long mask, long flags) {
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) {
            c.refuse("mlock: start + len wraps around");
            return -EINVAL;
        }
        if (end == start) {
            return 0;
        }
        Mm mm = c.mm();
        VmaTree t = mm.vmas();
        Vma vma = t.lookup(start);
        if (vma == null) {
            c.refuse("mlock: no mapping at 0x" + Long.toHexString(start));
            return -ENOMEM;
        }
        long nstart = start;
        long tmp = vma.start();
        while (vma != null && Long.compareUnsigned(vma.start(), end) < 0) {
            if (vma.start() != tmp) {
                c.refuse("mlock: hole at 0x" + Long.toHexString(tmp) + " (the range before it stays changed)");
                return -ENOMEM;
            }
            long newflags = (vma.flags() & ~mask) | flags;
            tmp = Math.min(vma.end(), end);
            Vma done = mlockFixup(c, vma, nstart, tmp, newflags);
            if (done == null) {
                return -ENOMEM;
            }
            tmp = done.end();
            nstart = tmp;
            vma = t.find(tmp);
        }
        if (Long.compareUnsigned(tmp, end) < 0) {
            c.refuse("mlock: range runs past the last mapping at 0x" + Long.toHexString(tmp));
            return -ENOMEM;
        }
        return 0;
    }

    /**
     * mm/mlock.c mlock_fixup: special VMAs are never locked; otherwise merge or split, charge
     * locked_vm, and (un)mlock the pages present.
     *
     * @return the VMA now covering the range (or the untouched VMA), or null on split failure
     */
    Vma mlockFixup(Caller c, Vma vma, long start, long end, long newflags) {
        long oldflags = vma.flags();
        if (newflags == oldflags || !supportsMlock(vma)) {
            return vma;
        }
        Mm mm = c.mm();
        Vma v = vmas.modifyFlags(mm, vma, start, end, newflags);
        if (v == null) {
            c.refuse("mlock: splitting the VMA would exceed vm.max_map_count");
            return null;
        }
        long nrPages = (end - start) >>> PAGE_SHIFT;
        if (profile.mlock().hasVmPinned()) {
            chargePinnedTransition(mm, oldflags, newflags, nrPages);
        } else if ((newflags & VM_LOCKED) == 0) {
            mm.addLockedVm(-nrPages);
        } else if ((oldflags & VM_LOCKED) == 0) {
            mm.addLockedVm(nrPages);
        }
        if (((newflags ^ oldflags) & VM_LOCKED) != 0) {
            mlockVmaPagesRange(mm, v, start, end, (newflags & VM_LOCKED) != 0);
        }
        return v;
    }

    /**
     * [PROPOSAL] mlock_fixup of "mm: Introduce VM_PINNED and interfaces": a range counts in
     * pinned_vm when VM_PINNED, else in locked_vm when VM_LOCKED, never in both. Its table
     * (P = VM_PINNED, L = VM_LOCKED; old, new, delta pinned/locked): 00 01 0+, 00 10 +0,
     * 01 11 +-, 01 00 0-, 10 00 -0, 10 11 00, 11 01 -+, 11 10 00.
     */
    private static void chargePinnedTransition(Mm mm, long oldflags, long newflags, long nrPages) {
        long oldPinned = (oldflags & VmFlags.VM_PINNED) != 0 ? 1 : 0;
        long newPinned = (newflags & VmFlags.VM_PINNED) != 0 ? 1 : 0;
        long oldLocked = oldPinned == 0 && (oldflags & VM_LOCKED) != 0 ? 1 : 0;
        long newLocked = newPinned == 0 && (newflags & VM_LOCKED) != 0 ? 1 : 0;
        if (newPinned != oldPinned) {
            mm.addVmaPinnedVm((newPinned - oldPinned) * nrPages);
        }
        if (newLocked != oldLocked) {
            mm.addLockedVm((newLocked - oldLocked) * nrPages);
        }
    }

    /** mm/internal.h vma_supports_mlock: not VM_SPECIAL, VM_DROPPABLE, hugetlb, DAX or the gate VMA. */
    static boolean supportsMlock(Vma vma) {
        return (vma.flags() & (VmFlags.VM_SPECIAL | VmFlags.VM_DROPPABLE | VmFlags.VM_HUGETLB)) == 0;
    }

    /**
     * mm/mlock.c mlock_vma_pages_range -> mlock_pte_range: (un)mlock each present normal
     * folio. A PMD-mapped huge page is (un)mlocked whole; a PTE-mapped large folio is visited
     * once per run of PTEs mapping it (folio_mlock_step) and is mlocked only when the run maps
     * all of it inside [start, end) (allow_mlock_munlock), while munlock takes any run.
     */
    void mlockVmaPagesRange(Mm mm, Vma vma, long start, long end, boolean lock) {
        org.pinsim.core.mem.FrameTable ft = folios.frames();
        final PageTable pt = mm.pageTable();
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            a = pt.nextLeaf(a, end); // walk_page_range: no work where no table exists
            if (Long.compareUnsigned(a, end) >= 0) {
                break;
            }
            long stop = Math.min((a | (MmContext.PMD_SIZE - 1)) + 1, end);
            PageTable.Leaf leaf = pt.leaf(a, false);
            if (leaf != null && leaf.pmd != Pte.NONE) {
                hugeMemory.mlockPmd(vma, leaf);
            } else if (leaf != null) {
                for (long x = a; x < stop; x += MmContext.PAGE_SIZE) {
                    long pte = leaf.e[PageTable.pteIndex(x)];
                    if (!Pte.present(pte) || Pte.special(pte)) {
                        continue;
                    }
                    int pfn = Pte.pfn(pte);
                    if (!ft.isLarge(pfn)) {
                        if (lock) {
                            folios.mlockFolio(pfn);
                        } else {
                            folios.munlockFolio(pfn);
                        }
                        continue;
                    }
                    int step = folioPteBatch(leaf.e, x, stop, pfn);
                    int head = ft.compoundHead(pfn);
                    long folioStart = x - ((long) (pfn - head) << MmContext.PAGE_SHIFT);
                    boolean whole = step == ft.folioNrPages(head) && Long.compareUnsigned(folioStart, start) >= 0
                            && Long.compareUnsigned(folioStart + MmContext.PMD_SIZE, end) <= 0;
                    if (!lock) {
                        folios.munlockFolio(head);
                    } else if (whole) {
                        folios.mlockFolio(head);
                    }
                    x += (long) (step - 1) << MmContext.PAGE_SHIFT;
                }
            }
            a = stop;
        }
        folios.drain(); // "lru_add_drain()" at the end of mlock_vma_pages_range
    }

    /** mm/internal.h folio_pte_batch: consecutive PTEs from {@code x} mapping consecutive pages of one folio. */
    private int folioPteBatch(long[] e, long x, long stop, int pfn) {
        org.pinsim.core.mem.FrameTable ft = folios.frames();
        int head = ft.compoundHead(pfn);
        int last = head + ft.folioNrPages(head);
        int n = 1;
        for (long y = x + MmContext.PAGE_SIZE; y < stop && pfn + n < last; y += MmContext.PAGE_SIZE, n++) {
            long pte = e[PageTable.pteIndex(y)];
            if (!Pte.present(pte) || Pte.pfn(pte) != pfn + n) {
                break;
            }
        }
        return n;
    }

    /** SYSCALL_DEFINE1(mlockall). */
    public int mlockall(Caller c, long flagsArg) {
        int flags = (int) flagsArg;
        int valid = MCL_CURRENT | MCL_FUTURE | (profile.hasOnfault() ? MCL_ONFAULT : 0);
        if (flags == 0 || (flags & ~valid) != 0 || flags == MCL_ONFAULT) {
            c.refuse("mlockall: flags must be MCL_CURRENT and/or MCL_FUTURE, optionally with MCL_ONFAULT");
            return -EINVAL;
        }
        if (!Mmap.canDoMlock(c)) {
            c.refuse("mlockall: RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK (can_do_mlock)");
            c.refuseLimit(LimitCheck.zero("mm/mlock.c: can_do_mlock", "the whole address space",
                    (flags & MCL_CURRENT) != 0 ? c.mm().totalVm() : 1));
            return -EPERM;
        }
        Mm mm = c.mm();
        long lockLimit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> PAGE_SHIFT;
        if ((flags & MCL_CURRENT) != 0 && Long.compareUnsigned(mm.totalVm(), lockLimit) > 0
                && !c.capable(Caps.CAP_IPC_LOCK)) {
            c.refuse("mlockall: total_vm " + mm.totalVm() + " pages > RLIMIT_MEMLOCK " + lockLimit + " pages");
            // "current->mm->total_vm <= lock_limit": the whole address space, not what is locked
            c.refuseLimit(LimitCheck.mm("mm/mlock.c: mlockall", "the whole address space", "total_vm", 0,
                    mm.totalVm(), 0, lockLimit));
            return -ENOMEM;
        }
        applyMlockallFlags(c, flags);
        if ((flags & MCL_CURRENT) != 0) {
            gup.mmPopulate(mm, 0, TASK_SIZE, true);
        }
        return 0;
    }

    /** SYSCALL_DEFINE0(munlockall). */
    public int munlockall(Caller c) {
        applyMlockallFlags(c, 0);
        return 0;
    }

    /** mm/mlock.c apply_mlockall_flags. */
    void applyMlockallFlags(Caller c, int flags) {
        Mm mm = c.mm();
        long def = mm.defFlags() & ~VM_LOCKED_MASK;
        if ((flags & MCL_FUTURE) != 0) {
            def |= VM_LOCKED;
            if ((flags & MCL_ONFAULT) != 0) {
                def |= VM_LOCKONFAULT;
            }
        }
        mm.setDefFlags(def);
        if ((flags & MCL_FUTURE) != 0 && (flags & MCL_CURRENT) == 0) {
            return;
        }
        long toAdd = 0;
        if ((flags & MCL_CURRENT) != 0) {
            toAdd = VM_LOCKED | ((flags & MCL_ONFAULT) != 0 ? VM_LOCKONFAULT : 0);
        }
        VmaTree t = mm.vmas();
        for (long addr = 0; ;) {
            Vma vma = t.find(addr);
            if (vma == null) {
                break;
            }
            long newflags = (vma.flags() & ~VM_LOCKED_MASK) | toAdd;
            Vma done = mlockFixup(c, vma, vma.start(), vma.end(), newflags); // errors ignored
            addr = done == null ? vma.end() : done.end();
        }
    }
}
