package org.pinsim.core.mm;

/**
 * One address space, {@code struct mm_struct}: the VMA tree, the page table and the counters
 * /proc shows. Tasks created with CLONE_VM share one Mm.
 *
 * <p>Each counter changes in exactly one method here ({@link #vmStatAccount},
 * {@link #addLockedVm}, {@link #addRss}, ...), which the mechanisms call where the kernel
 * changes the same counter; the invariant checker recomputes them from VMAs and page tables.
 */
public final class Mm {
    /** include/linux/mm_types.h rss_stat indices. */
    public static final int MM_FILEPAGES = 0;
    public static final int MM_ANONPAGES = 1;
    public static final int MM_SWAPENTS = 2;
    public static final int MM_SHMEMPAGES = 3;

    private final int id;
    final VmaTree vmas = new VmaTree();
    final PageTable pt;

    private long totalVm;
    private long lockedVm;
    /**
     * Charges in locked_vm that no VM_LOCKED VMA accounts for, which the real kernel leaves:
     * mremap(MREMAP_DONTUNMAP) of a VM_LOCKED VMA charges the new VMA and clears VM_LOCKED
     * from the old one without uncharging it (measured on Linux 6.18: VmLck doubles).
     */
    private long lockedVmDrift;
    /** Charges drivers made to locked_vm (perf beyond its allowance, in linux-3.1). */
    private long driverLockedVm;
    private long pinnedVm;
    private long driverPinnedVm;
    private long unownedLockedVm;
    private long unownedPinnedVm;
    private long dataVm;
    private long execVm;
    private long stackVm;
    private final long[] rss = new long[4];
    private long hiwaterRss;
    private long hiwaterVm;
    long defFlags;
    int users = 1;
    /** MMF_HAS_PINNED: set by the first FOLL_PIN on this mm (even a failed one), never cleared, not inherited. */
    private boolean hasPinned;

    long startCode;
    long endCode;
    long startData;
    long endData;
    long startBrk;
    long brk;
    long startStack;
    long mmapBase;

    public Mm(int id, PageTable.TablePages pages) {
        this.id = id;
        this.pt = new PageTable(pages);
    }

    public int id() {
        return id;
    }

    public VmaTree vmas() {
        return vmas;
    }

    public PageTable pageTable() {
        return pt;
    }

    /** mm/mmap.c vm_stat_account. */
    public void vmStatAccount(long flags, long npages) {
        totalVm += npages;
        if (VmFlags.isExecMapping(flags)) {
            execVm += npages;
        } else if (VmFlags.isStackMapping(flags)) {
            stackVm += npages;
        } else if (VmFlags.isDataMapping(flags)) {
            dataVm += npages;
        }
    }

    /** include/linux/mm.h update_hiwater_vm: before an unmap lowers total_vm. */
    public void updateHiwaterVm() {
        if (totalVm > hiwaterVm) {
            hiwaterVm = totalVm;
        }
    }

    /** mm/mremap.c move_vma: "we need to restore high watermark afterwards". */
    public long hiwaterVmRaw() {
        return hiwaterVm;
    }

    public void restoreHiwaterVm(long v) {
        hiwaterVm = v;
    }

    /** mm->locked_vm += pages (mm/mlock.c mlock_fixup, mm/vma.c __mmap_complete, ...). */
    public void addLockedVm(long pages) {
        lockedVm += pages;
    }

    /** A driver's charge to locked_vm (linux-3.1 perf_mmap: "vma->vm_mm->locked_vm += extra"). */
    public void addDriverLockedVm(long pages) {
        driverLockedVm += pages;
        lockedVm += pages;
    }

    /** The part of locked_vm that drivers charged. */
    public long driverLockedVm() {
        return driverLockedVm;
    }

    /** Records a kernel accounting leak in locked_vm (see {@link #lockedVmDrift()}). */
    public void addLockedVmDrift(long pages) {
        lockedVmDrift += pages;
    }

    /** locked_vm minus the pages of VM_LOCKED VMAs, as the real kernel leaves it. */
    public long lockedVmDrift() {
        return lockedVmDrift;
    }

    /** A driver's charge to pinned_vm (RDMA, perf beyond its allowance, io_uring's mirror). */
    public void addPinnedVm(long pages) {
        driverPinnedVm += pages;
        pinnedVm += pages;
    }

    /** The part of pinned_vm that drivers charged. */
    public long driverPinnedVm() {
        return driverPinnedVm;
    }

    /** [PROPOSAL] mpin-2013: pinned_vm += pages of VM_PINNED VMAs (mlock_fixup, mmap_region, do_munmap). */
    public void addVmaPinnedVm(long pages) {
        pinnedVm += pages;
    }

    /**
     * A driver charge this mm holds that no live owner accounts for, or (negative) an
     * uncharge it took for a charge made to another mm: Linux 3.x's ib_umem_release and
     * vfio_lock_acct uncharge {@code current->mm}, whichever mm that is, and 3.2 to 3.15 copied
     * pinned_vm into a forked child (dup_mm's memcpy; only locked_vm was reset). Recorded so
     * that the invariants can still recompute every counter.
     */
    public void addUnownedDriverCharge(boolean lockedVmCounter, long pages) {
        if (lockedVmCounter) {
            unownedLockedVm += pages;
        } else {
            unownedPinnedVm += pages;
        }
    }

    public long unownedLockedVm() {
        return unownedLockedVm;
    }

    public long unownedPinnedVm() {
        return unownedPinnedVm;
    }

    /** include/linux/mm.h add_mm_counter. */
    public void addRss(int member, long n) {
        rss[member] += n;
    }

    /** include/linux/mm.h update_hiwater_rss: before RSS shrinks. */
    public void updateHiwaterRss() {
        long r = rssTotal();
        if (r > hiwaterRss) {
            hiwaterRss = r;
        }
    }

    public long totalVm() {
        return totalVm;
    }

    public long lockedVm() {
        return lockedVm;
    }

    public long pinnedVm() {
        return pinnedVm;
    }

    public long dataVm() {
        return dataVm;
    }

    public long execVm() {
        return execVm;
    }

    public long stackVm() {
        return stackVm;
    }

    public long rss(int member) {
        return rss[member];
    }

    public long rssTotal() {
        return rss[MM_FILEPAGES] + rss[MM_ANONPAGES] + rss[MM_SHMEMPAGES];
    }

    /** VmHWM: include/linux/mm.h get_mm_hiwater_rss. */
    public long hiwaterRss() {
        return Math.max(hiwaterRss, rssTotal());
    }

    /** VmPeak: get_mm_hiwater_vm. */
    public long hiwaterVm() {
        return Math.max(hiwaterVm, totalVm);
    }

    public long defFlags() {
        return defFlags;
    }

    public void setDefFlags(long f) {
        defFlags = f;
    }

    public long startCode() {
        return startCode;
    }

    public long endCode() {
        return endCode;
    }

    public long startBrk() {
        return startBrk;
    }

    public long brk() {
        return brk;
    }

    public long startStack() {
        return startStack;
    }

    public long mmapBase() {
        return mmapBase;
    }

    public int mapCount() {
        return vmas.size();
    }

    public int users() {
        return users;
    }

    /** mm/gup.c mm_set_has_pinned_flag. */
    public void setHasPinned() {
        hasPinned = true;
    }

    /** MMF_HAS_PINNED: whether any FOLL_PIN was ever attempted on this mm. */
    public boolean hasPinned() {
        return hasPinned;
    }

    /** kernel/fork.c mmget: one more task shares this mm (CLONE_VM). */
    public void mmget() {
        users++;
    }

    /** kernel/fork.c mmput: one task fewer; returns how many remain (0: tear it down). */
    public int mmput() {
        return --users;
    }

    /** Copies what dup_mmap copies from the parent (kernel/fork.c dup_mmap, mm_init). */
    void copyLayoutFrom(Mm old) {
        totalVm = old.totalVm;
        dataVm = old.dataVm;
        execVm = old.execVm;
        stackVm = old.stackVm;
        hiwaterVm = old.hiwaterVm;
        startCode = old.startCode;
        endCode = old.endCode;
        startData = old.startData;
        endData = old.endData;
        startBrk = old.startBrk;
        brk = old.brk;
        startStack = old.startStack;
        mmapBase = old.mmapBase;
        defFlags = old.defFlags & VmFlags.VM_INIT_DEF_MASK;
    }
}
