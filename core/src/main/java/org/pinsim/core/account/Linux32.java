package org.pinsim.core.account;

import org.pinsim.core.Profile;

/**
 * Linux 3.2 (tag v3.2): Christoph Lameter's "mm: distinguish between mlocked and pinned
 * pages" (commit bc3e53f682d9) gives RDMA and perf their own counter, mm->pinned_vm (VmPin),
 * checked against RLIMIT_MEMLOCK separately from locked_vm.
 */
public final class Linux32 extends Profile {
    public Linux32() {
        super("linux-3.2", kernelVersion(3, 2));
    }

    @Override
    public String summary() {
        return "Linux 3.2: RDMA and perf pins in a separate pinned_vm (bc3e53f682d9)";
    }

    /** 3.2 to 3.10: dup_mm's memcpy keeps the parent's pinned_vm in the child (only locked_vm is reset). */
    @Override
    public boolean forkCopiesPinnedVm() {
        return true;
    }

    @Override
    public MlockAccounting mlock() {
        return MlockAccounting.LOCKED_VM;
    }

    @Override
    public RdmaAccounting rdma() {
        return RdmaAccounting.PINNED_VM;
    }

    @Override
    public VfioAccounting vfio() {
        return VfioAccounting.NONE;
    }

    @Override
    public PerfAccounting perf() {
        return PerfAccounting.PINNED_VM;
    }
}
