package org.pinsim.scenario.experiment;

import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.SplittableRandom;
import java.util.TreeSet;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.mlock.MpinPack;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Resource;
import org.pinsim.core.vmstat.PinsimEvent;
import org.pinsim.core.vmstat.VmEvent;

/**
 * The runs behind experiments E2 ({@code pin-placement}) and E12 ({@code precompact-cost}):
 * one machine under the [PROPOSAL] mpin-2013 profile, one process, pins taken with mpin(2),
 * the pre-compaction's target policy ({@link MpinPack.Placement}) the variable, then full
 * compaction (echo 1 > /proc/sys/vm/compact_memory) and the free 2 MiB blocks counted.
 * Every figure is read from the model after the run; nothing is computed by formula.
 */
final class PinPlacement {
    static final long PAGE = 4096;
    static final int CPUS = 2;

    private PinPlacement() {
    }

    /** What one run measured. */
    record Run(long pinnedPages, long hugepages, long unmovableBlocks, long pinnedBlocks, long migrated, long inPlace,
               long claimed, long shootdowns, long precompactNs, long compactFail) {
    }

    /** A machine of {@code memBytes}, 2 CPUs, no THP, mpin-2013, aged by {@code agePercent}, seed {@code seed}. */
    static Kernel boot(long memBytes, int agePercent, long seed) {
        return Kernel.boot(new MachineConfig(memBytes, 1, CPUS, 0, seed, Profile.MPIN_2013, true, ThpEnabled.NEVER, 0, 0, 0,
                agePercent));
    }

    static Task spawn(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withCaps(Caps.ALL)
                .withMemlock(Resource.RLIM_INFINITY, Resource.RLIM_INFINITY).withLayout(ProcessSpec.Layout.EMPTY));
    }

    /**
     * E2: on an aged machine of {@code memBytes} the process faults in a pool of 60% of memory
     * (writes); {@code pinPages} pages of it, chosen uniformly at random (seeded), are pinned
     * one mpin(2) each, in address order, under {@code placement} ({@code null}: no pins, the
     * baseline); then every unpinned page of the pool is unmapped except its first sixth (a
     * working set of 10% of memory that stays), and the machine is compacted in full.
     */
    static Run pinAndCompact(long memBytes, int agePercent, long seed, long pinPages, MpinPack.Placement placement) {
        Kernel k = boot(memBytes, agePercent, seed);
        Task app = spawn(k);
        long poolPages = memBytes / PAGE * 6 / 10;
        long pool = app.mmap(0, poolPages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(pool, poolPages * PAGE, true);
        TreeSet<Long> chosen = new TreeSet<>();
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ 0x65322dL); // "e2-"
        if (placement != null) {
            k.mpinPack().setPlacement(placement);
            while (chosen.size() < pinPages) {
                chosen.add(rnd.nextLong(poolPages));
            }
            for (long i : chosen) {
                long r = app.mpin(pool + i * PAGE, PAGE).ret();
                if (r != 0) {
                    throw new IllegalStateException("mpin of pool page " + i + " failed: " + r);
                }
            }
        }
        long keepEnd = pool + poolPages / 6 * PAGE;
        unmapUnpinned(app, keepEnd, pool + poolPages * PAGE);
        return measure(k, app, pool, poolPages, chosen.size());
    }

    /**
     * E12: on a machine of {@code memBytes}, aged or fresh, the process faults in a buffer of
     * {@code bufPages} pages interleaved with three times as many pages of a second mapping
     * (buffer page i, then three scratch pages: a buffer filled while the process did other
     * work), then mpin(2)s the whole buffer at once with migration batches of {@code batch}
     * under {@code placement}, unmaps the scratch mapping and compacts the machine in full.
     */
    static Run bufferPin(long memBytes, int agePercent, long seed, long bufPages, int batch, MpinPack.Placement placement) {
        Kernel k = boot(memBytes, agePercent, seed);
        Task app = spawn(k);
        long buf = app.mmap(0, bufPages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        long scratch = app.mmap(0, 3 * bufPages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        for (long i = 0; i < bufPages; i++) {
            app.touch(buf + i * PAGE, PAGE, true);
            app.touch(scratch + 3 * i * PAGE, 3 * PAGE, true);
        }
        k.mpinPack().setPlacement(placement);
        k.mpinPack().setBatch(batch);
        long r = app.mpin(buf, bufPages * PAGE).ret();
        if (r != 0) {
            throw new IllegalStateException("mpin of the buffer failed: " + r);
        }
        app.munmap(scratch, 3 * bufPages * PAGE);
        return measure(k, app, buf, bufPages, bufPages);
    }

    /** Unmaps every VMA of [start, end) that is not VM_PINNED. */
    private static void unmapUnpinned(Task app, long start, long end) {
        java.util.List<long[]> out = new java.util.ArrayList<>();
        for (int j = 0; j < app.mm().vmas().size(); j++) {
            Vma v = app.mm().vmas().get(j);
            if (v.has(VmFlags.VM_PINNED) || v.end() <= start || v.start() >= end) {
                continue;
            }
            out.add(new long[] {Math.max(start, v.start()), Math.min(end, v.end())});
        }
        for (long[] r : out) {
            app.munmap(r[0], r[1] - r[0]);
        }
    }

    /** Full compaction (after a drain of the pcp lists), then the figures. */
    private static Run measure(Kernel k, Task app, long start, long pages, long pinned) {
        long pinnedBlocks = pinnedBlocks(k, app, start, pages);
        long migrated = k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_MIGRATED);
        long inPlace = k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_IN_PLACE);
        long claimed = k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_BLOCKS_CLAIMED);
        long shootdowns = k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_SHOOTDOWNS);
        long ns = k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_NS);
        long fail0 = k.vmstat().get(VmEvent.PGMIGRATE_FAIL);
        // the pcp lists drain first (drain_all_pages): the frames the pins and munmaps freed are
        // in the buddy, as time passing would put them (pcp decay); the result then does not
        // hang on what the last calls left on CPU 0's lists
        k.mem().drainAllPages(null);
        k.compactMemory();
        k.settle();
        k.mem().drainAllPages(null);
        return new Run(pinned, hugepages(k), unmovableBlocks(k), pinnedBlocks, migrated, inPlace, claimed, shootdowns, ns,
                k.vmstat().get(VmEvent.PGMIGRATE_FAIL) - fail0);
    }

    /** Free 2 MiB blocks: the order-9 allocations the buddy can satisfy now, sum of nr_free[o] << (o - 9). */
    static long hugepages(Kernel k) {
        long n = 0;
        for (Zone z : k.mem().zones()) {
            for (int o = FrameTable.PAGEBLOCK_ORDER; o < Zone.NR_PAGE_ORDERS; o++) {
                n += z.buddy().nrFree(o) << (o - FrameTable.PAGEBLOCK_ORDER);
            }
        }
        return n;
    }

    /** Pageblocks of type UNMOVABLE (pagetypeinfo's "Number of blocks type"), all zones. */
    static long unmovableBlocks(Kernel k) {
        FragViews v = new FragViews(k.mem());
        long n = 0;
        for (Zone z : k.mem().zones()) {
            n += v.blockCount(z)[FrameTable.MIGRATE_UNMOVABLE];
        }
        return n;
    }

    /** Distinct pageblocks that hold a page of a VM_PINNED VMA in [start, start + pages). */
    static long pinnedBlocks(Kernel k, Task app, long start, long pages) {
        TreeSet<Integer> blocks = new TreeSet<>();
        for (int j = 0; j < app.mm().vmas().size(); j++) {
            Vma v = app.mm().vmas().get(j);
            if (!v.has(VmFlags.VM_PINNED) || v.end() <= start || v.start() >= start + pages * PAGE) {
                continue;
            }
            for (long a = v.start(); a < v.end(); a += PAGE) {
                long pte = app.mm().pageTable().get(a);
                if (Pte.present(pte)) {
                    blocks.add(Pte.pfn(pte) & ~(FrameTable.PAGEBLOCK_NR_PAGES - 1));
                }
            }
        }
        return blocks.size();
    }
}
