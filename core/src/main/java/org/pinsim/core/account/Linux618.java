package org.pinsim.core.account;

import org.pinsim.core.Profile;

/**
 * Linux 6.18: mlock and vfio on locked_vm, RDMA on pinned_vm (checked alone), io_uring on the
 * uid's user->locked_vm with an unchecked mirror in pinned_vm, perf on user->locked_vm up to
 * its allowance and pinned_vm beyond: three counters, each checked against RLIMIT_MEMLOCK.
 */
public final class Linux618 extends Profile {
    public Linux618() {
        super("linux-6.18", kernelVersion(6, 18));
    }

    @Override
    public String summary() {
        return "Linux 6.18: locked_vm (mlock, vfio), pinned_vm (RDMA, perf), user->locked_vm (io_uring, perf)";
    }

    @Override
    public MlockAccounting mlock() {
        return MlockAccounting.LOCKED_VM;
    }

    @Override
    public RdmaAccounting rdma() {
        return RdmaAccounting.PINNED_VM_ATOMIC;
    }

    @Override
    public VfioAccounting vfio() {
        return VfioAccounting.LOCKED_VM_6_18;
    }

    @Override
    public PerfAccounting perf() {
        return PerfAccounting.USER_THEN_PINNED_VM;
    }
}
