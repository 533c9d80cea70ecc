package org.pinsim.core.account;

import org.pinsim.core.Profile;

/**
 * [PROPOSAL, never merged] Peter Zijlstra's VM_PINNED design, as posted in "[RFC][PATCH] mm:
 * Fix RLIMIT_MEMLOCK" (May 2013) and "[RFC][PATCH 1/5] mm: Introduce VM_PINNED and
 * interfaces" (May 2014), on the Linux 3.10 it was written against: VM_PINNED VMAs counted
 * in pinned_vm, every RLIMIT_MEMLOCK check on locked_vm + pinned_vm, RDMA registrations
 * through mm_mpin. No mpin syscall was ever posted: mpin(2)/munpin(2) are pinsim's reading of
 * the proposal (docs/PROFILES.md).
 */
public class Mpin2013 extends Profile {
    public Mpin2013() {
        this("mpin-2013");
    }

    protected Mpin2013(String id) {
        super(id, kernelVersion(3, 10));
    }

    @Override
    public String summary() {
        return "[proposal] VM_PINNED, mpin/munpin, one limit on locked_vm + pinned_vm (Zijlstra 2013/2014)";
    }

    /** 3.2 to 3.10: dup_mm's memcpy keeps the parent's pinned_vm in the child (only locked_vm is reset). */
    @Override
    public boolean forkCopiesPinnedVm() {
        return true;
    }

    @Override
    public MlockAccounting mlock() {
        return MlockAccounting.MM_LOCKED_PAGES;
    }

    @Override
    public RdmaAccounting rdma() {
        return RdmaAccounting.MM_MPIN;
    }

    @Override
    public VfioAccounting vfio() {
        return VfioAccounting.LOCKED_VM_3_10;
    }

    @Override
    public PerfAccounting perf() {
        return PerfAccounting.VM_PINNED;
    }
}
