package org.pinsim.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The operations of the real-kernel baseline ({@code bench/kernel/kbench.c}), under
 * kbench's own names so that the two outputs join on {@code op}. A closed set: an enum, in
 * kbench's emission order, each op tagged with the region whose state sequence it belongs to.
 *
 * <p>An op that the model cannot run yet carries the reason it is skipped; the runner prints
 * that reason instead of a timing.
 */
public enum Op {
    // Process-wide fixed costs: no test region (kbench sc_baselines).
    FORK_NOREGION("fork_noregion", Region.NONE),
    MLOCKALL_CURRENT_NOREGION("mlockall_current_noregion", Region.NONE),
    MUNLOCKALL_NOREGION("munlockall_noregion", Region.NONE),
    // R1: populated, unlocked, never forked.
    FAULT_IN_MMAP_TOUCH("fault_in_mmap_touch", Region.R1),
    MLOCK_POPULATED("mlock_populated", Region.R1),
    MUNLOCK_POPULATED("munlock_populated", Region.R1),
    MOVE_PAGES_TO_NODE0("move_pages_to_node0", Region.R1),
    IOURING_REGISTER_POPULATED("iouring_register_populated", Region.R1),
    IOURING_UNREGISTER("iouring_unregister", Region.R1),
    MADVISE_DONTNEED("madvise_dontneed", Region.R1),
    // R2: mlock populates, then the walks over populated memory.
    MLOCK_UNTOUCHED("mlock_untouched", Region.R2),
    MUNLOCK_AFTER_UNTOUCHED("munlock_after_untouched", Region.R2),
    MLOCKALL_CURRENT_POPULATED("mlockall_current_populated", Region.R2),
    MUNLOCKALL_POPULATED("munlockall_populated", Region.R2),
    MUNMAP_POPULATED("munmap_populated", Region.R2),
    // R3: lock on fault, touch, fork while locked, unmap while locked.
    MLOCK2_ONFAULT_CALL("mlock2_onfault_call", Region.R3),
    MLOCK2_ONFAULT_TOUCH("mlock2_onfault_touch", Region.R3),
    MLOCK2_ONFAULT_CALL_PLUS_TOUCH("mlock2_onfault_call_plus_touch", Region.R3),
    FORK_LOCKED("fork_locked", Region.R3),
    MUNMAP_LOCKED("munmap_locked", Region.R3),
    // R4: mlockall populates, munlockall, fork of the populated unlocked region.
    MLOCKALL_CURRENT_UNTOUCHED("mlockall_current_untouched", Region.R4),
    MUNLOCKALL_AFTER_UNTOUCHED("munlockall_after_untouched", Region.R4),
    FORK_POPULATED("fork_populated", Region.R4),
    // R5: long-term pin by io_uring, then fork copies every pinned page.
    IOURING_REGISTER_UNTOUCHED("iouring_register_untouched", Region.R5),
    FORK_IOURING_PINNED("fork_iouring_pinned", Region.R5);

    /** The kbench region (state sequence) an op is measured in; NONE for the fixed costs. */
    public enum Region { NONE, R1, R2, R3, R4, R5 }

    private final String kbenchName;
    private final Region region;
    private final String skipReason;

    Op(String kbenchName, Region region) {
        this(kbenchName, region, null);
    }

    Op(String kbenchName, Region region, String skipReason) {
        this.kbenchName = kbenchName;
        this.region = region;
        this.skipReason = skipReason;
    }

    /** The name kbench prints in {@code "op"}. */
    public String kbenchName() {
        return kbenchName;
    }

    public Region region() {
        return region;
    }

    /** True when the model can run this op. */
    public boolean modelled() {
        return skipReason == null;
    }

    /** Why the op is skipped, or null when it is modelled. */
    public String skipReason() {
        return skipReason;
    }

    /** True for the ops timed per region size (not the no-region fixed costs). */
    public boolean perSize() {
        return region != Region.NONE;
    }

    /**
     * The op of a kbench name (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Op byName(String name) {
        for (Op op : values()) {
            if (op.kbenchName.equalsIgnoreCase(name.strip())) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown op '" + name + "'; known ops: " + String.join(", ", names()));
    }

    /** Every kbench name, in emission order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (Op op : values()) {
            out.add(op.kbenchName);
        }
        return out;
    }

    @Override
    public String toString() {
        return kbenchName;
    }
}
