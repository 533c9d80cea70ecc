package org.pinsim.core.account;

/**
 * How the VMA flags charge an mm and what the RLIMIT_MEMLOCK checks of mlock, mlockall,
 * mmap, brk, stack growth and mremap compare.
 */
public enum MlockAccounting {
    /**
     * Merged kernels: VM_LOCKED VMAs are counted in locked_vm (mm/mlock.c mlock_fixup) and
     * every check compares {@code npages + locked_vm} (less the pages already locked, for
     * mlock(2) since 4.9).
     */
    LOCKED_VM,
    /**
     * [PROPOSAL] Peter Zijlstra, "mm: Fix RLIMIT_MEMLOCK" (May 2013) and "mm: Introduce
     * VM_PINNED and interfaces" (May 2014), never merged: VM_PINNED exists; a VMA that is
     * pinned is counted in pinned_vm, one that is only locked in locked_vm, so a page both
     * locked and pinned is charged once; every check compares
     * {@code npages + mm_locked_pages(mm)}, where mm_locked_pages = locked_vm + pinned_vm,
     * without subtracting what the range already has: an already locked range counts twice
     * at admission.
     */
    MM_LOCKED_PAGES,
    /**
     * [VARIANT] As {@link #MM_LOCKED_PAGES}, but the admission check subtracts the pages of
     * the range already counted in mm_locked_pages (locked or pinned), so a page that is
     * both is counted once at admission as in the charge: what the thread intended.
     */
    MM_LOCKED_PAGES_DEDUP;

    /** Whether VM_PINNED exists and counts in pinned_vm. */
    public boolean hasVmPinned() {
        return this != LOCKED_VM;
    }

    /** Whether the RLIMIT_MEMLOCK checks compare locked_vm + pinned_vm (mm_locked_pages). */
    public boolean checksLockedPlusPinned() {
        return this != LOCKED_VM;
    }
}
