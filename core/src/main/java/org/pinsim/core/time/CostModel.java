package org.pinsim.core.time;

/**
 * How long the deferred kernel work takes on the virtual clock, in nanoseconds. Each value
 * says where it comes from: a measurement of this machine's kernel, or an estimate, stated as
 * one, where nothing measured it.
 */
public final class CostModel {
    private CostModel() {
    }

    /**
     * io_uring/io_uring.c io_ring_ctx_wait_and_kill -> queue_work(io_ring_exit_work): the
     * ring, its registered buffers and their charges (VmPin, user->locked_vm) go when the
     * work item runs, after percpu_ref_kill's RCU grace period lets ctx->ref_comp complete.
     * Measured on this machine (Linux 6.18, HZ=250): close(2) of a ring holding one 64 KiB
     * registered buffer, then polling /proc/self/status until VmPin is 0, 15 runs: 15.9 ms
     * in 11, 19.9 ms in 3, 27.9 ms in the first (bench/kernel/iouring_exit_delay.c). The
     * median, 16 ms, is the default.
     */
    public static final long IO_RING_EXIT_WORK_NS = 16_000_000L;

    /**
     * mm/migrate.c migrate_folio_unmap -> try_to_migrate for one order-0 folio: the rmap walk,
     * the PTE cleared and flushed, the migration entry written. An estimate (no kernel
     * measurement on this one-node machine can migrate a page): 1 us.
     */
    public static final long MIGRATE_UNMAP_NS = 1_000L;

    /**
     * mm/migrate.c __migrate_folio -> folio_mc_copy of 4 KiB: an estimate, 4 KiB at about
     * 8 GB/s plus the refcount freeze: 0.5 us.
     */
    public static final long MIGRATE_COPY_NS = 500L;

    /** mm/migrate.c remove_migration_ptes for one mapping: an estimate, 0.5 us. */
    public static final long MIGRATE_REMAP_NS = 500L;

    /**
     * One TLB shootdown (a flush IPI to the other CPUs and their acknowledgements): an
     * estimate, 2 us plus 0.5 us for each other CPU, within the 1-3 us base and 0.2-2 us per
     * target CPU that public measurements of x86 servers give. Charged once per migration
     * batch by mpin's pre-compaction ([PROPOSAL] mpin-2013), where try_to_unmap_flush flushes
     * a whole batch at once.
     */
    public static final long TLB_SHOOTDOWN_BASE_NS = 2_000L;
    public static final long TLB_SHOOTDOWN_PER_CPU_NS = 500L;

    /** {@link #TLB_SHOOTDOWN_BASE_NS} plus {@link #TLB_SHOOTDOWN_PER_CPU_NS} for each of the other {@code cpus - 1} CPUs. */
    public static long tlbShootdownNs(int cpus) {
        return TLB_SHOOTDOWN_BASE_NS + (long) Math.max(0, cpus - 1) * TLB_SHOOTDOWN_PER_CPU_NS;
    }

    /** The window of one order-0 folio's migration: from its unmap to its remap. */
    public static long migrateFolioNs(int mappings) {
        return MIGRATE_UNMAP_NS + MIGRATE_COPY_NS + (long) Math.max(1, mappings) * MIGRATE_REMAP_NS;
    }
}
