package org.pinsim.scenario.experiment;

import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;

import java.util.Random;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Sysctl;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.ThpDefrag;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.uapi.Mman;
import org.pinsim.core.vmstat.VmEvent;

/**
 * E6: compaction work wasted on scattered unmovable pages. One run: an aged machine
 * ({@code age=150%}: long-lived kernel pages scattered), a process whose anonymous memory
 * fills most of what is free, a fraction of its pages pinned by io_uring fixed buffers at
 * random places, every other unpinned page dropped, then THP faults in a MADV_HUGEPAGE region
 * (defrag {@code madvise}: each fault compacts directly). Measured over the faults: huge pages
 * got, compact_stall / success / fail, compact_migrate_scanned, pages migrated, and the
 * migrations wasted: those out of a pageblock that did not end up free or holding a huge page.
 *
 * <p>Two variants of the migrate scanner: {@link Variant#LINUX}, the kernel's rules (the anon
 * refcount pre-check skips a pinned page, skip bits, deferral); {@link Variant#ORACLE}, not a
 * kernel rule: an Illuminator-like oracle that passes by every pageblock holding a page
 * compaction cannot move (a kernel page, a pinned page, a huge page), decided at the moment the
 * scanner reaches the block.
 */
public final class WastedCompaction {
    public enum Variant { LINUX, ORACLE }

    /** The figures of one run. */
    public record Run(int thpRequested, long thp, long stalls, long successes, long fails, long scanned, long migrated,
            long wasted, long failedMigrations, long virtualNs, long pinned) {
    }

    static final long MEMORY = 256L << 20;
    static final int AGE_PERCENT = 150;
    static final int THP_REQUESTS = 32;
    private static final long PAGE = 4096;
    private static final long HPAGE = 2L << 20;

    private WastedCompaction() {
    }

    /** One run with {@code pinPermille} per mille of the machine's pages pinned. */
    public static Run run(Variant variant, int pinPerTenThousand, long seed) {
        Kernel k = Kernel.boot(new MachineConfig(MEMORY, 1, 2, 0, seed, Profile.LINUX_6_18, true, ThpEnabled.MADVISE,
                0, 0, 0, AGE_PERCENT, ThpDefrag.MADVISE, true));
        k.setSysctl(Sysctl.COMPACTION_PROACTIVENESS, 0); // nothing but the faults compacts
        Task app = k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(0).withCaps(Caps.ALL)
                .withMemlock(1L << 40, 1L << 40).withLayout(ProcessSpec.Layout.EMPTY));
        final int pages = (int) (k.mem().freePagesCount() * 9 / 10);
        final long a = app.mmap(0, pages * PAGE, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS,
                -1, 0).ret();
        check(app.madvise(a, pages * PAGE, Mman.MADV_NOHUGEPAGE).ret(), "madvise(MADV_NOHUGEPAGE)");
        check(app.touch(a, pages * PAGE, true).ret(), "touch");
        // pins at random pages (io_uring fixed buffers of one page each: FOLL_LONGTERM, pinned in place)
        final long totalPages = MEMORY / PAGE;
        final int nPins = (int) (totalPages * pinPerTenThousand / 10_000);
        final boolean[] pinned = new boolean[pages];
        final Random rnd = new Random(seed);
        int chosen = 0;
        while (chosen < nPins) {
            int i = rnd.nextInt(pages);
            if (!pinned[i]) {
                pinned[i] = true;
                chosen++;
            }
        }
        if (nPins > 0) {
            long[] iov = new long[2 * nPins];
            int j = 0;
            for (int i = 0; i < pages; i++) {
                if (pinned[i]) {
                    iov[j++] = a + i * PAGE;
                    iov[j++] = PAGE;
                }
            }
            int fd = (int) app.ioUringSetup(4).ret();
            check(app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, iov, nPins).ret(), "io_uring_register");
        }
        for (int i = 0; i < pages; i += 2) {
            if (!pinned[i]) {
                check(app.madvise(a + i * PAGE, PAGE, Mman.MADV_DONTNEED).ret(), "madvise(MADV_DONTNEED)");
            }
        }
        k.mem().drainAllPages(null);

        final FrameTable ft = k.mem().frames();
        final int[] migratedFrom = new int[k.mem().nrFrames() / PAGEBLOCK_NR_PAGES + 1];
        k.compaction().setMigratedObserver(pfn -> migratedFrom[pfn / PAGEBLOCK_NR_PAGES]++);
        if (variant == Variant.ORACLE) {
            k.compaction().setMigrateBlockFilter(b -> movableBlock(ft, b));
        }
        final long h = app.mmap(0, THP_REQUESTS * HPAGE + HPAGE, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0).ret();
        check(app.madvise(h, THP_REQUESTS * HPAGE + HPAGE, Mman.MADV_HUGEPAGE).ret(), "madvise(MADV_HUGEPAGE)");
        final long h0 = (h + HPAGE - 1) & -HPAGE;
        final long[] before = counters(k);
        final long t0 = k.clock().now();
        for (int i = 0; i < THP_REQUESTS; i++) {
            check(app.touch(h0 + i * HPAGE, PAGE, true).ret(), "touch");
        }
        k.settle();
        final long[] after = counters(k);
        long wasted = 0;
        for (int b = 0; b < migratedFrom.length; b++) {
            if (migratedFrom[b] > 0 && !won(ft, b * PAGEBLOCK_NR_PAGES, k.mem().nrFrames())) {
                wasted += migratedFrom[b];
            }
        }
        return new Run(THP_REQUESTS, after[0] - before[0], after[1] - before[1], after[2] - before[2],
                after[3] - before[3], after[4] - before[4], after[5] - before[5], wasted, after[6] - before[6],
                k.clock().now() - t0, nPins);
    }

    private static long[] counters(Kernel k) {
        var s = k.vmstat();
        return new long[] {s.get(VmEvent.THP_FAULT_ALLOC), s.get(VmEvent.COMPACTSTALL), s.get(VmEvent.COMPACTSUCCESS),
            s.get(VmEvent.COMPACTFAIL), s.get(VmEvent.COMPACTMIGRATE_SCANNED), s.get(VmEvent.PGMIGRATE_SUCCESS),
            s.get(VmEvent.PGMIGRATE_FAIL)};
    }

    /**
     * The oracle: every frame of the pageblock is free or a page compaction can move (on an
     * LRU list, no reference beyond its mappings, not a compound page).
     */
    static boolean movableBlock(FrameTable ft, int block) {
        final int end = Math.min(block + PAGEBLOCK_NR_PAGES, ft.nrFrames());
        for (int pfn = block; pfn < end;) {
            if (ft.isBuddy(pfn) || ft.testFlag(pfn, FrameTable.PG_pcp)) {
                pfn += 1 << ft.buddyOrder(pfn);
                continue;
            }
            if (ft.isHead(pfn) || ft.isTail(pfn) || !ft.testFlag(pfn, FrameTable.PG_lru)
                    || ft.refcount(pfn) - 1 > ft.folioMapcount(pfn)) {
                return false;
            }
            pfn++;
        }
        return true;
    }

    /** A pageblock won by compaction: wholly free, or holding a huge page. */
    static boolean won(FrameTable ft, int block, int nrFrames) {
        if (block + PAGEBLOCK_NR_PAGES > nrFrames) {
            return false;
        }
        if (ft.isHead(block) && ft.folioNrPages(block) >= PAGEBLOCK_NR_PAGES) {
            return true;
        }
        final int h = block & ~((1 << org.pinsim.core.mem.Zone.MAX_PAGE_ORDER) - 1);
        if (h != block && ft.isBuddy(h) && ft.buddyOrder(h) == org.pinsim.core.mem.Zone.MAX_PAGE_ORDER) {
            return true; // the upper half of a free order-10 block
        }
        for (int pfn = block; pfn < block + PAGEBLOCK_NR_PAGES;) {
            if (!(ft.isBuddy(pfn) || ft.testFlag(pfn, FrameTable.PG_pcp))) {
                return false;
            }
            pfn += 1 << ft.buddyOrder(pfn);
        }
        return true;
    }

    private static void check(long ret, String what) {
        if (ret < 0) {
            throw new IllegalStateException("E6: " + what + " failed with " + ret);
        }
    }
}
