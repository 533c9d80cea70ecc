package org.pinsim.core.account;

/**
 * drivers/infiniband/core/umem.c ib_umem_get / ib_umem_release: which counter an RDMA
 * memory registration charges, how it is checked against RLIMIT_MEMLOCK, and which mm the
 * release uncharges.
 */
public enum RdmaAccounting {
    /**
     * Linux 3.1: {@code locked = npages + current->mm->locked_vm}; over the limit without
     * CAP_IPC_LOCK is ENOMEM; otherwise {@code locked_vm = locked}, stored even with the
     * capability. ib_umem_release subtracts from {@code current->mm}, which an exiting task
     * no longer has.
     */
    LOCKED_VM,
    /** Linux 3.2 to 3.10 (commit bc3e53f682d9): as {@link #LOCKED_VM} with pinned_vm. */
    PINNED_VM,
    /**
     * [PROPOSAL] the IB umem conversion of the VM_PINNED series: the registration is an
     * mm_mpin of the range (VM_PINNED VMAs, counted in pinned_vm once), admitted on
     * {@code npages + mm_locked_pages}; release is an mm_munpin of the range.
     */
    MM_MPIN,
    /**
     * Linux 5.1 and later: {@code new_pinned = atomic64_add_return(npages, &mm->pinned_vm)};
     * over the limit without CAP_IPC_LOCK the add is undone and the call fails with ENOMEM;
     * the umem keeps {@code owning_mm} (mmgrab), which release uncharges.
     */
    PINNED_VM_ATOMIC
}
