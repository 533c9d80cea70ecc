package org.pinsim.core;

import org.pinsim.core.mm.ThpDefrag;
import org.pinsim.core.mm.ThpEnabled;

/**
 * The simulated box: the {@code machine} directive. The embedded default is 16 GiB, one
 * node, 2 CPUs, no swap, seed 1, profile linux-6.18, the shared zero page in use.
 *
 * <p>{@code zeroPage} false is {@code mm_forbids_zeropage()} answering true
 * (include/linux/pgtable.h: false unless the architecture says otherwise; s390 forbids it
 * for KVM hosts' guests, and some hypervisor guests' kernels are booted with a switch that
 * forbids it): a read fault on anonymous memory then allocates a zeroed page instead of
 * mapping the zero page (mm/memory.c: do_anonymous_page), and a read fault that may use a
 * huge page allocates one instead of mapping the huge zero page (do_huge_pmd_anonymous_page).
 *
 * <p>{@code thp} is transparent_hugepage/enabled ({@link ThpEnabled}); the default,
 * {@code madvise}, is the Kconfig default and the reference machine's setting. {@code thpDefrag}
 * is transparent_hugepage/defrag ({@link ThpDefrag}, default {@code madvise}): the gfp a THP
 * fault allocates with, and so whether it may compact directly.
 *
 * <p>Physical layout (docs/PHYSICAL-MEMORY.md): {@code movableBytes} or {@code movablePercent}
 * is the kernel's {@code movablecore=} (ZONE_MOVABLE, 0 for none), {@code cmaBytes} its
 * {@code cma=} (one CMA area, 0 for none), and {@code agePercent} the {@code age=} key: at
 * boot, kernel and page-cache allocations churn through that share of memory and leave
 * long-lived kernel pages scattered ({@link org.pinsim.core.mem.Ager}); 0 for a fresh machine.
 *
 * <p>{@code noFragment} false is the {@code nofragment=off} key: the page allocator as it was
 * before Linux 5.0, whose alloc_flags_nofragment did not exist (commit 6bb154504f8b added
 * ALLOC_NOFRAGMENT), so a fallback may split another type's pageblock before a lower zone's
 * free pageblocks are tried. Everything else of the allocator stays 6.18's.
 */
public record MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile,
                            boolean zeroPage, ThpEnabled thp, long movableBytes, int movablePercent, long cmaBytes,
                            int agePercent, ThpDefrag thpDefrag, boolean noFragment) {

    public static final long DEFAULT_MEMORY = 16L << 30;
    /** A node holds whole pageblocks (2 MiB). */
    private static final long NODE_UNIT = 2L << 20;
    /** ZONE_MOVABLE and CMA must leave the kernel this much (ZONE_DMA, 16 MiB, at least). */
    private static final long KERNEL_MIN = 16L << 20;

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
        if (thp == null) {
            throw new IllegalArgumentException("machine thp must be always, madvise or never");
        }
        if (thpDefrag == null) {
            throw new IllegalArgumentException("machine thp_defrag must be always, defer, defer+madvise, madvise or never");
        }
        if (swapBytes != 0) {
            throw new IllegalArgumentException("swap is not modelled yet (reclaim arrives with the physical-memory issue); use swap=0");
        }
        if (memoryBytes % nodes != 0 || memoryBytes / nodes % NODE_UNIT != 0) {
            throw new IllegalArgumentException("machine memory must split into " + nodes
                    + " nodes of whole 2MiB pageblocks, got " + memoryBytes + " bytes");
        }
        if (movableBytes < 0 || movablePercent < 0 || movablePercent > 100 || cmaBytes < 0) {
            throw new IllegalArgumentException("machine movable and cma must not be negative, movable at most 100%");
        }
        long movable = movablePercent != 0 ? memoryBytes / 100 * movablePercent : movableBytes;
        if (movable + cmaBytes > memoryBytes - KERNEL_MIN) {
            throw new IllegalArgumentException("machine movable (" + movable + " bytes) and cma (" + cmaBytes
                    + " bytes) leave the kernel less than 16MiB of the " + memoryBytes + " bytes of memory");
        }
        if (agePercent < 0 || agePercent > 1000) {
            throw new IllegalArgumentException("machine age must be 0..1000%, got " + agePercent + "%");
        }
    }

    /** A machine with the default THP defrag ({@code madvise}), whose allocator sets ALLOC_NOFRAGMENT as Linux 5.0 and later do. */
    public MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile,
                         boolean zeroPage, ThpEnabled thp, long movableBytes, int movablePercent, long cmaBytes,
                         int agePercent) {
        this(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, thp, movableBytes, movablePercent, cmaBytes,
                agePercent, ThpDefrag.MADVISE, true);
    }

    /** A machine without ZONE_MOVABLE, CMA or aging. */
    public MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile,
                         boolean zeroPage, ThpEnabled thp) {
        this(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, thp, 0, 0, 0, 0);
    }

    /** A machine with transparent huge pages in the default {@code madvise} mode. */
    public MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile,
                         boolean zeroPage) {
        this(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, ThpEnabled.MADVISE);
    }

    /** A machine that uses the shared zero page, as mainline x86 does. */
    public MachineConfig(long memoryBytes, int nodes, int cpus, long swapBytes, long seed, Profile profile) {
        this(memoryBytes, nodes, cpus, swapBytes, seed, profile, true);
    }

    public static MachineConfig defaults() {
        return new MachineConfig(DEFAULT_MEMORY, 1, 2, 0, 1, Profile.LINUX_6_18, true, ThpEnabled.MADVISE);
    }

    public MachineConfig withMemory(long bytes) {
        return new MachineConfig(bytes, nodes, cpus, swapBytes, seed, profile, zeroPage, thp, movableBytes, movablePercent,
                cmaBytes, agePercent, thpDefrag, noFragment);
    }

    public MachineConfig withProfile(Profile p) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, p, zeroPage, thp, movableBytes, movablePercent,
                cmaBytes, agePercent, thpDefrag, noFragment);
    }

    public MachineConfig withNodes(int n) {
        return new MachineConfig(memoryBytes, n, cpus, swapBytes, seed, profile, zeroPage, thp, movableBytes, movablePercent,
                cmaBytes, agePercent, thpDefrag, noFragment);
    }

    public MachineConfig withZeroPage(boolean on) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, profile, on, thp, movableBytes, movablePercent,
                cmaBytes, agePercent, thpDefrag, noFragment);
    }

    public MachineConfig withNoFragment(boolean on) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, thp, movableBytes,
                movablePercent, cmaBytes, agePercent, thpDefrag, on);
    }

    public MachineConfig withAge(int percent) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, thp, movableBytes,
                movablePercent, cmaBytes, percent, thpDefrag, noFragment);
    }

    public MachineConfig withSeed(long s) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, s, profile, zeroPage, thp, movableBytes,
                movablePercent, cmaBytes, agePercent, thpDefrag, noFragment);
    }

    public MachineConfig withThp(ThpEnabled mode) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, mode, movableBytes,
                movablePercent, cmaBytes, agePercent, thpDefrag, noFragment);
    }

    public MachineConfig withThpDefrag(ThpDefrag d) {
        return new MachineConfig(memoryBytes, nodes, cpus, swapBytes, seed, profile, zeroPage, thp, movableBytes,
                movablePercent, cmaBytes, agePercent, d, noFragment);
    }
}
