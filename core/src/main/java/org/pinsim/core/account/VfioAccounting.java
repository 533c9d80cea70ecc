package org.pinsim.core.account;

/** drivers/vfio/vfio_iommu_type1.c: how a DMA mapping's pinned pages are charged. */
public enum VfioAccounting {
    /** No vfio: it arrived in Linux 3.6; the calls fail with ENOSYS. */
    NONE,
    /**
     * Linux 3.10: vfio_pin_pages checks {@code current->mm->locked_vm + npage > limit}
     * without CAP_IPC_LOCK per page run, and vfio_lock_acct adds to locked_vm (from a work
     * item when mmap_sem is busy); release subtracts from {@code current->mm}, skipped when
     * the task has no mm any more.
     */
    LOCKED_VM_3_10,
    /**
     * Linux 5.3 and later: vfio_pin_pages_remote checks
     * {@code locked_vm + lock_acct + 1 > limit} unless {@code dma->lock_cap}, and
     * vfio_lock_acct -> __account_locked_vm charges {@code dma->mm}'s locked_vm, the same
     * counter mlock uses.
     */
    LOCKED_VM_6_18
}
