package org.pinsim.scenario.experiment;

import static org.pinsim.core.uapi.Mman.MADV_DONTNEED;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_POPULATE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.BitSet;
import java.util.Map;
import java.util.SplittableRandom;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.SysResult;
import org.pinsim.core.Sysctl;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.mm.ThpDefrag;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.VmEvent;

/**
 * The fragmentation rig the physical-memory experiments share (E1, E3, E8): an aged machine
 * (the {@code age=} key, Gorman's recipe, {@link org.pinsim.core.mem.Ager}); one process that
 * faults in an anonymous region over a share of memory; a set of its pages chosen by a seeded
 * random generator among the region's pages (never by frame number) that is pinned, mlocked
 * or kept as the working set; everything else of the region zapped (MADV_DONTNEED); a full
 * compaction ({@code echo 1 > /proc/sys/vm/compact_memory}); then the figures, and order-9
 * allocations (GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL, as hugetlb's pool grows) until a
 * target is reached or one fails.
 */
final class FragRig {
    /** The region the process faults in, as a share of memory. */
    static final int REGION_PERCENT = 60;
    /** The working set kept after the region is zapped, in thousandths of memory. */
    static final int WORKING_SET_PERMILLE = 50;
    /** The random stream of the rig's choices, apart from the aging stream of the same seed. */
    private static final long STREAM = 0x7269672d7631L; // "rig-v1"

    private FragRig() {
    }

    /** How the allocator's fallbacks are ruled. */
    enum Rules {
        /** Before Linux 5.0: no ALLOC_NOFRAGMENT (machine key nofragment=off). */
        VANILLA("vanilla (pre-5.0)", false, false),
        /** Linux 6.18's defaults: ALLOC_NOFRAGMENT in Normal while DMA32 has room. */
        DEFAULT("6.18 default", true, false),
        /** vm.defrag_mode=1 (Linux 6.15). */
        DEFRAG_MODE("defrag_mode=1", true, true);

        final String label;
        final boolean noFragment;
        final boolean defragMode;

        Rules(String label, boolean noFragment, boolean defragMode) {
            this.label = label;
            this.noFragment = noFragment;
            this.defragMode = defragMode;
        }
    }

    /**
     * Boots and ages a machine of {@code memoryBytes} under {@code rules}, seed {@code seed}:
     * the {@code age=} recipe with page cache allowed to grow to {@code cachePercent}% of the
     * free memory (85 is the key's; 100 fills memory until the slow path reclaims).
     */
    static Kernel boot(long memoryBytes, long seed, int agePercent, int cachePercent, Rules rules) {
        MachineConfig m = new MachineConfig(memoryBytes, 1, 2, 0, seed, Profile.LINUX_6_18, true, ThpEnabled.MADVISE,
                0, 0, 0, 0, ThpDefrag.MADVISE, rules.noFragment);
        Kernel k = Kernel.boot(m, Map.of(Sysctl.DEFRAG_MODE, rules.defragMode ? 1L : 0L));
        k.ager().age(agePercent, cachePercent, true); // the kernel's own Ager, as age= runs it at boot
        return k;
    }

    /** A process with CAP_IPC_LOCK and no RLIMIT_MEMLOCK: mlock and pins are never refused for the limit. */
    static Task process(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", Profile.LINUX_6_18).withUid(0).withCaps(Caps.ALL)
                .withMemlock(-1, -1).withLayout(ProcessSpec.Layout.EMPTY));
    }

    /** The populated region: its address and pages. */
    record Region(long addr, int pages) {
    }

    /** Faults in {@code REGION_PERCENT} of memory as one private anonymous region (MAP_POPULATE). */
    static Region populate(Kernel k, Task t) {
        final int pages = (int) (k.mem().totalPages() * REGION_PERCENT / 100);
        SysResult r = t.mmap(0, (long) pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (r.isError()) {
            throw new IllegalStateException("populating the region failed: " + r);
        }
        return new Region(r.ret(), pages);
    }

    /** The rig's random stream for {@code seed} and a purpose (so that one choice does not shift another). */
    static SplittableRandom random(long seed, long purpose) {
        return new SplittableRandom(seed ^ STREAM ^ purpose * 0x9E3779B97F4A7C15L);
    }

    /**
     * {@code n} distinct page indices of {@code 0..pages-1} outside {@code taken}, uniformly
     * (selection sampling, Knuth's algorithm S), added to {@code out}.
     */
    static void choose(SplittableRandom rnd, int pages, long n, BitSet taken, BitSet out) {
        long free = pages - taken.cardinality();
        long need = Math.min(n, free);
        for (int i = 0; i < pages && need > 0; i++) {
            if (taken.get(i)) {
                continue;
            }
            if (rnd.nextLong(free) < need) {
                out.set(i);
                need--;
            }
            free--;
        }
    }

    /** Zaps (MADV_DONTNEED) every page of the region not in {@code keep}, run by run. */
    static void zapAllBut(Task t, Region r, BitSet keep) {
        int i = 0;
        while (i < r.pages()) {
            final int start = keep.nextClearBit(i);
            if (start >= r.pages()) {
                break;
            }
            int end = keep.nextSetBit(start);
            if (end < 0 || end > r.pages()) {
                end = r.pages();
            }
            SysResult res = t.madvise(r.addr() + ((long) start << 12), (long) (end - start) << 12, MADV_DONTNEED);
            if (res.isError()) {
                throw new IllegalStateException("MADV_DONTNEED failed: " + res);
            }
            i = end;
        }
    }

    /**
     * Pins the chosen pages in place with io_uring fixed buffers (io_uring/rsrc.c
     * io_sqe_buffers_register: FOLL_LONGTERM; in ZONE_NORMAL and DMA32 the page stays where it
     * is), one page per buffer, IORING_MAX_REG_BUFFERS per ring.
     */
    static void pinIoUring(Task t, Region r, BitSet pins) {
        final int max = IoUring.IORING_MAX_REG_BUFFERS;
        long[] iov = new long[2 * max];
        int n = 0;
        for (int i = pins.nextSetBit(0); i >= 0; i = pins.nextSetBit(i + 1)) {
            iov[2 * n] = r.addr() + ((long) i << 12);
            iov[2 * n + 1] = 4096;
            if (++n == max) {
                register(t, iov, n);
                n = 0;
            }
        }
        if (n > 0) {
            register(t, java.util.Arrays.copyOf(iov, 2 * n), n);
        }
    }

    private static void register(Task t, long[] iov, int n) {
        SysResult ring = t.ioUringSetup(4);
        if (ring.isError()) {
            throw new IllegalStateException("io_uring_setup failed: " + ring);
        }
        SysResult r = t.ioUringRegister((int) ring.ret(), IoUring.IORING_REGISTER_BUFFERS,
                iov.length == 2 * n ? iov : java.util.Arrays.copyOf(iov, 2 * n), n);
        if (r.isError()) {
            throw new IllegalStateException("IORING_REGISTER_BUFFERS failed: " + r);
        }
    }

    /** mlock of each chosen page (runs of adjacent chosen pages in one call). */
    static void mlockPages(Task t, Region r, BitSet pages) {
        int i = pages.nextSetBit(0);
        while (i >= 0) {
            int end = pages.nextClearBit(i);
            SysResult res = t.mlock(r.addr() + ((long) i << 12), (long) (end - i) << 12);
            if (res.isError()) {
                throw new IllegalStateException("mlock failed: " + res);
            }
            i = pages.nextSetBit(end);
        }
    }

    /** The figures after compaction, before any huge page is taken. */
    record After(long cleanBlocks, long pollutedMovable, int extfragIndex9, long pgmigrateFail, long pgmigrateSuccess,
                 long pageblocks, long freePages) {
    }

    /** Full compaction, then the figures. */
    static After compactAndMeasure(Kernel k, boolean unevictableAllowed) {
        k.compactMemory();
        k.mem().drainAllPages(null);
        final PhysMem mem = k.mem();
        final FragViews v = new FragViews(mem);
        long clean = 0;
        long polluted = 0;
        long blocks = 0;
        for (Zone z : mem.zones()) {
            if (!z.populated()) {
                continue;
            }
            clean += v.cleanPageblocks(z, unevictableAllowed);
            polluted += v.pollutedMovableBlocks(z, unevictableAllowed);
            blocks += z.spannedPages() / FrameTable.PAGEBLOCK_NR_PAGES;
        }
        return new After(clean, polluted, FragViews.fragmentationIndex(largestZone(mem), 9),
                k.vmstat().get(VmEvent.PGMIGRATE_FAIL), k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS), blocks,
                mem.freePagesCount());
    }

    /** The zone with the most managed pages (Normal on the machines the experiments use). */
    static Zone largestZone(PhysMem mem) {
        Zone best = null;
        for (Zone z : mem.zones()) {
            if (z.populated() && (best == null || z.managedPages() > best.managedPages())) {
                best = z;
            }
        }
        return best;
    }

    /**
     * Order-9 allocations (hugetlb's pool: htlb_alloc_mask GFP_HIGHUSER_MOVABLE with
     * __GFP_RETRY_MAYFAIL | __GFP_NOWARN) until {@code target} are held or one fails.
     */
    static long allocHuge(Kernel k, long target) {
        final int gfp = Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_NOWARN;
        long got = 0;
        while (got < target && k.mem().allocPages(9, 0, gfp) != FrameTable.NO_FRAME) {
            got++;
        }
        return got;
    }
}
