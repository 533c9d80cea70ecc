package org.pinsim.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A kernel profile: which calls and flags exist, and the policy switches where the kernels
 * differ. A profile is data, not a fork of the model: the mechanisms consult these switches.
 *
 * <p>Pin-path accounting: io_uring exists only in linux-6.18 ({@link #hasIoUring}); perf's
 * ring buffer charges locked_vm in linux-3.1 and pinned_vm from linux-3.2, with the 6.18
 * allowance split and double-mmap leak only in linux-6.18 ({@code gup.PerfOps}). RDMA and
 * vfio, and the rest of {@code mpin-2013} (Peter Zijlstra's VM_PINNED proposal, which was
 * never merged), are not modelled yet.
 */
public enum Profile {
    /** Before the locked/pinned split: pins charged to locked_vm; mlock counts the whole range. */
    LINUX_3_1("linux-3.1", false, false, false, 64 * 1024L),
    /** Christoph Lameter's split (commit bc3e53f682d9): a separate pinned_vm. */
    LINUX_3_2("linux-3.2", false, false, false, 64 * 1024L),
    /** Peter Zijlstra's VM_PINNED / mpin proposal (2013/2014), never merged; built on 3.10-era mm. */
    MPIN_2013("mpin-2013", false, false, false, 64 * 1024L),
    /** Today's kernel. */
    LINUX_6_18("linux-6.18", true, true, true, 8 * 1024 * 1024L);

    private final String id;
    private final boolean hasOnfault;
    private final boolean mlockSubtractsOverlap;
    private final boolean hasFixedNoreplace;
    private final long defaultMemlock;

    Profile(String id, boolean hasOnfault, boolean mlockSubtractsOverlap, boolean hasFixedNoreplace,
            long defaultMemlock) {
        this.id = id;
        this.hasOnfault = hasOnfault;
        this.mlockSubtractsOverlap = mlockSubtractsOverlap;
        this.hasFixedNoreplace = hasFixedNoreplace;
        this.defaultMemlock = defaultMemlock;
    }

    public String id() {
        return id;
    }

    /** mlock2(2), MLOCK_ONFAULT, MCL_ONFAULT and VM_LOCKONFAULT: Linux 4.4. */
    public boolean hasOnfault() {
        return hasOnfault;
    }

    /** mm/mlock.c: count_mm_mlocked_page_nr, commit 0cf2f6f6dc60 in Linux 4.9. */
    public boolean mlockSubtractsOverlap() {
        return mlockSubtractsOverlap;
    }

    /** MAP_FIXED_NOREPLACE: Linux 4.17; before it the bit is unknown and ignored (a hint). */
    public boolean hasFixedNoreplace() {
        return hasFixedNoreplace;
    }

    /** MAP_DROPPABLE / VM_DROPPABLE: Linux 6.11. */
    public boolean hasMapDroppable() {
        return this == LINUX_6_18;
    }

    /** io_uring_setup(2) and io_uring_register(2): Linux 5.1. */
    public boolean hasIoUring() {
        return this == LINUX_6_18;
    }

    /** MLOCK_LIMIT: 8 MiB since Linux 5.16, 64 KiB before (include/uapi/linux/resource.h). */
    public long defaultMemlock() {
        return defaultMemlock;
    }

    /** The profile named {@code id}; an unknown name fails at once with the list of known ones. */
    public static Profile byId(String id) {
        for (Profile p : values()) {
            if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown kernel profile '" + id + "' (known: " + known() + ")");
    }

    public static String known() {
        return Arrays.stream(values()).map(Profile::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
