package org.pinsim.core.vmstat;

/**
 * Event counters that Linux does not have: pinsim's own, for what only the
 * [PROPOSAL] mpin-2013 profiles do (Peter Zijlstra's 2013 VM_PINNED RFC, never merged).
 * /proc/vmstat prints them, after the kernel's counters and under these {@code pinsim_}
 * names, only under a profile with mpin(2); no real kernel prints them.
 */
public enum PinsimEvent {
    /** Present pages of an mpin (or mm_mpin-routed RDMA registration) that the pre-compaction looked at. */
    MPIN_PRECOMPACT_SCANNED("pinsim_mpin_precompact_scanned"),
    /** Of those, pages already in an UNMOVABLE pageblock: left where they are. */
    MPIN_PRECOMPACT_UNMOVABLE("pinsim_mpin_precompact_unmovable"),
    /** Pages migrated to a target frame. */
    MPIN_PRECOMPACT_MIGRATED("pinsim_mpin_precompact_migrated"),
    /** Pages pinned where they are: not isolable, pinned by someone else, failed to migrate, or no target. */
    MPIN_PRECOMPACT_IN_PLACE("pinsim_mpin_precompact_in_place"),
    /** Whole free pageblocks the packing started to fill (their type set UNMOVABLE if it was not). */
    MPIN_PRECOMPACT_BLOCKS_CLAIMED("pinsim_mpin_precompact_blocks_claimed"),
    /** TLB shootdowns: one per migration batch that unmapped a page. */
    MPIN_PRECOMPACT_SHOOTDOWNS("pinsim_mpin_precompact_shootdowns"),
    /** Virtual time the pre-compaction kept the caller, in nanoseconds. */
    MPIN_PRECOMPACT_NS("pinsim_mpin_precompact_ns");

    private final String procName;

    PinsimEvent(String procName) {
        this.procName = procName;
    }

    public String procName() {
        return procName;
    }
}
