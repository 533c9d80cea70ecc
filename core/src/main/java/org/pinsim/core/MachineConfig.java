package org.pinsim.core;

/**
 * The simulated box: the {@code machine} directive. The embedded default is 16 GiB, one
 * node, 2 CPUs, no swap, seed 1, profile linux-6.18, the shared zero page in use.
 *
 * <p>{@code zeroPage} false is {@code mm_forbids_zeropage()} answering true
 * (include/linux/pgtable.h: false unless the architecture says otherwise; s390 forbids it
 * for KVM hosts' guests, and some hypervisor guests' kernels are booted with a switch that
 * forbids it): a read fault on anonymous memory then allocates a zeroed page instead of
 * mapping the zero page (mm/memory.c: do_anonymous_page).
 */
public record MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile,
                            boolean zeroPage) {

    public static final long DEFAULT_MEMORY = 16L << 30;

    public MachineConfig {
        if (memoryBytes < (16L << 20)) {
            throw new IllegalArgumentException("machine memory must be at least 16MiB, got " + memoryBytes);
        }
        if (nodes < 1 || nodes > 64) {
            throw new IllegalArgumentException("machine nodes must be 1..64, got " + nodes);
        }
        if (memoryBytes / nodes < (2L << 20)) {
            throw new IllegalArgumentException("machine needs at least 2MiB per node, got " + memoryBytes
                    + " bytes on " + nodes + " nodes");
        }
        if (memoryBytes > (8L << 40)) {
            throw new IllegalArgumentException("machine memory above 8TiB is not supported (int page frame numbers)");
        }
        if (cpus < 1 || cpus > 4096) {
            throw new IllegalArgumentException("machine cpus must be 1..4096, got " + cpus);
        }
        if (swapBytes != 0) {
            throw new IllegalArgumentException("swap is not modelled yet (reclaim arrives with the physical-memory issue); use swap=0");
        }
    }

    /** A machine that uses the shared zero page, as mainline x86 does. */
    public MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile) {
        this(memoryBytes, nodes, cpus, swapBytes, seed, profile, true);
    }

    public static MachineConfig defaults() {
        return new MachineConfig(DEFAULT_MEMORY, 1, 2, 0, 1, Profile.LINUX_6_18, true);
    }

    public MachineConfig withMemory(long bytes) {
        return new MachineConfig(bytes, nodes, cpus, swapBytes, seed, profile, zeroPage);
    }

    public MachineConfig withProfile(Profile p) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, p, zeroPage);
    }

    public MachineConfig withNodes(int n) {
        return new MachineConfig(memoryBytes, n, cpus, swapBytes, seed, profile, zeroPage);
    }

    public MachineConfig withZeroPage(boolean on) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, profile, on);
    }
}
