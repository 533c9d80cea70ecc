package org.pinsim.core.account;

import org.pinsim.core.Profile;

/**
 * Linux 3.1 (tag v3.1): before the locked/pinned split. RDMA registrations and perf's pages
 * beyond the per-user allowance are charged to locked_vm, the counter mlock uses, so mlock
 * and a registration of the same pages count them twice. No vfio (3.6), mlock2 (4.4) or
 * io_uring (5.1).
 */
public final class Linux31 extends Profile {
    public Linux31() {
        super("linux-3.1", kernelVersion(3, 1));
    }

    @Override
    public String summary() {
        return "Linux 3.1: RDMA and perf pins charged to locked_vm, with mlock";
    }

    @Override
    public MlockAccounting mlock() {
        return MlockAccounting.LOCKED_VM;
    }

    @Override
    public RdmaAccounting rdma() {
        return RdmaAccounting.LOCKED_VM;
    }

    @Override
    public VfioAccounting vfio() {
        return VfioAccounting.NONE;
    }

    @Override
    public PerfAccounting perf() {
        return PerfAccounting.LOCKED_VM;
    }
}
