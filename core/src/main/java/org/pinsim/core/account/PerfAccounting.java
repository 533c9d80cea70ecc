package org.pinsim.core.account;

/** kernel/events/core.c perf_mmap: which counters a ring buffer charges beyond nothing. */
public enum PerfAccounting {
    /** Linux 3.1: the whole buffer to user->locked_vm; the part beyond the allowance also to mm->locked_vm. */
    LOCKED_VM,
    /** Linux 3.2 to 3.10: as {@link #LOCKED_VM} with mm->pinned_vm. */
    PINNED_VM,
    /**
     * [PROPOSAL] "mm,perf: Make use of VM_PINNED" (May 2014): the whole buffer to
     * user->locked_vm, and the VMA is VM_PINNED, so mmap_region charges all its pages to
     * pinned_vm and munmap uncharges them; EPERM only when both the per-user allowance and
     * RLIMIT_MEMLOCK (on mm_locked_pages + the buffer) would be exceeded.
     */
    VM_PINNED,
    /**
     * Linux 6.18: up to the per-user allowance to user->locked_vm, the rest ("extra") to
     * mm->pinned_vm; a second mmap of the same event charges the user again, for good.
     */
    USER_THEN_PINNED_VM
}
