package org.pinsim.scenario.experiment;

import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_POPULATE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.migrate.FolioList;
import org.pinsim.core.migrate.Migrate;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Verbs;
import org.pinsim.core.vmstat.VmEvent;

/**
 * E10, long-term pins against ZONE_MOVABLE and CMA with transient references: a process
 * faults in a 64 MiB buffer (MAP_POPULATE), some of whose pages have a direct I/O in flight
 * (a short-term FOLL_PIN held for a time on the virtual clock, {@link
 * org.pinsim.core.gup.Pins#pinShortTerm}), then registers the buffer as an RDMA memory region
 * (ib_umem_get: pin_user_pages_fast(FOLL_LONGTERM) in calls of 512 pages). Linux 6.18
 * migrates what lies in ZONE_MOVABLE or a CMA pageblock before it pins
 * (mm/gup.c __gup_longterm_locked -> check_and_migrate_movable_folios); a page whose I/O is
 * still in flight cannot be migrated and the registration fails. Linux 3.x pinned in place.
 * Afterwards, with the I/O done, every used page of ZONE_MOVABLE and the CMA area is migrated
 * out, as memory offlining (mm/memory_hotplug.c do_migrate_range) and cma_alloc
 * (mm/page_alloc.c __alloc_contig_migrate_range) would: the pages that stay are what blocks
 * them.
 */
final class LongtermMovableExperiment implements Experiment {
    static final long MEMORY = 512L << 20;
    static final long REGION = 64L << 20;

    /** Where the machine puts ZONE_MOVABLE and CMA (machine keys movable= and cma=). */
    record Layout(String label, long movableBytes, long cmaBytes) {
    }

    /** Direct I/O in flight at the registration: a share of the buffer's pages (basis points), held for holdNs. */
    record Io(int basisPoints, long holdNs) {
        String label() {
            if (basisPoints == 0) {
                return "none";
            }
            return String.format(Locale.ROOT, "%.1f%% %s", basisPoints / 100.0,
                    holdNs >= 1_000_000 ? holdNs / 1_000_000 + "ms" : holdNs / 1_000 + "us");
        }
    }

    /** One row: a profile, a layout, the I/O in flight. */
    record Case(Profile profile, Layout layout, Io io) {
    }

    static final List<Layout> LAYOUTS = List.of(new Layout("kernel zones only", 0, 0),
            new Layout("movable=32MiB", 32L << 20, 0),
            new Layout("movable=128MiB", 128L << 20, 0),
            new Layout("cma=384MiB", 0, 384L << 20));
    static final Io NONE = new Io(0, 0);
    static final List<Io> IO_618 = List.of(NONE, new Io(10, 100_000), new Io(10, 10_000_000), new Io(100, 10_000_000));
    static final List<Io> IO_3X = List.of(NONE, new Io(100, 10_000_000));

    static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        for (Layout lay : LAYOUTS) {
            for (Io io : IO_618) {
                l.add(new Case(Profile.LINUX_6_18, lay, io));
            }
            for (Io io : IO_3X) {
                l.add(new Case(Profile.LINUX_3_2, lay, io));
            }
        }
        return l;
    }

    @Override
    public String name() {
        return "longterm-movable";
    }

    @Override
    public String summary() {
        return "E10: long-term pins (RDMA) of pages in ZONE_MOVABLE or CMA with direct I/O in flight, 6.18 against 3.2";
    }

    static MachineConfig machine(Case c, long seed) {
        return new MachineConfig(MEMORY, 1, 2, 0, seed, c.profile(), true, ThpEnabled.NEVER, c.layout().movableBytes(), 0,
                c.layout().cmaBytes(), 0);
    }

    /** One run's figures. */
    record Run(int pages, int inKernel, int inMovable, int inCma, int ioPages, boolean pinned, long errno,
               long migrated, long repins, long migrateFails, long pinNs, long pinnedInMovableCma, long evacStuck) {
    }

    static Run runOne(Case c, long seed) {
        final int pages = (int) (REGION >>> 12);
        final BitSet io = new BitSet(pages);
        FragRig.choose(FragRig.random(seed, 10), pages, (long) pages * c.io().basisPoints() / 10000, new BitSet(), io);
        return run(c, REGION, io, seed);
    }

    /**
     * One machine: a buffer of {@code regionBytes}, direct I/O in flight on the pages of
     * {@code io} (indices into the buffer), held for the case's hold time, then the
     * registration and the evacuation.
     */
    static Run run(Case c, long regionBytes, BitSet io, long seed) {
        final Kernel k = Kernel.boot(machine(c, seed));
        final PhysMem mem = k.mem();
        final FrameTable ft = mem.frames();
        final Task t = k.spawn(ProcessSpec.defaults("app", c.profile()).withUid(0).withCaps(Caps.ALL)
                .withMemlock(-1, -1).withLayout(ProcessSpec.Layout.EMPTY));
        final int pages = (int) (regionBytes >>> 12);
        final SysResult m = t.mmap(0, regionBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (m.isError()) {
            throw new IllegalStateException("populating the buffer failed: " + m);
        }
        final long addr = m.ret();
        int inKernel = 0;
        int inMovable = 0;
        int inCma = 0;
        for (int i = 0; i < pages; i++) {
            long a = addr + ((long) i << 12);
            int pfn = Pte.pfn(t.mm().pageTable().leaf(a, false).pte(PageTable.pteIndex(a)));
            if (ft.pageblockMigratetype(pfn) == FrameTable.MIGRATE_CMA) {
                inCma++;
            } else if (mem.zoneOf(pfn).zoneIdx() == Zone.ZONE_MOVABLE) {
                inMovable++;
            } else {
                inKernel++;
            }
        }
        // direct I/O in flight on the chosen pages, one request a page, all issued now
        final int[] one = new int[1];
        for (int i = io.nextSetBit(0); i >= 0; i = io.nextSetBit(i + 1)) {
            if (k.pins().pinShortTerm(t.mm(), addr + ((long) i << 12), 1, true, c.io().holdNs(), one) != 1) {
                throw new IllegalStateException("short-term pin failed at page " + i);
            }
        }
        final long repins0 = k.pins().longtermRepins();
        final long migrated0 = k.pins().longtermMigrated();
        final long fail0 = k.vmstat().get(VmEvent.PGMIGRATE_FAIL);
        final long t0 = k.clock().now();
        final SysResult r = t.rdmaRegMr(addr, regionBytes, Verbs.IB_ACCESS_LOCAL_WRITE | Verbs.IB_ACCESS_REMOTE_WRITE);
        final long pinNs = k.clock().now() - t0;
        // the I/O completes, and everything the call left on the clock runs
        k.clock().runAll();
        final long repins = k.pins().longtermRepins() - repins0;
        final long migrated = k.pins().longtermMigrated() - migrated0;
        final long migrateFails = k.vmstat().get(VmEvent.PGMIGRATE_FAIL) - fail0;
        final long left = pinnedInMovableCma(k);
        final long stuck = evacuate(k);
        return new Run(pages, inKernel, inMovable, inCma, io.cardinality(), !r.isError(), r.isError() ? r.ret() : 0,
                migrated, repins, migrateFails, pinNs, left, stuck);
    }

    /** True for a frame of ZONE_MOVABLE or of a MIGRATE_CMA pageblock: what folio_is_longterm_pinnable refuses. */
    private static boolean movableOrCma(PhysMem mem, int pfn) {
        return mem.frames().pageblockMigratetypeNoIsolate(pfn) == FrameTable.MIGRATE_CMA
                || mem.zoneOf(pfn).zoneIdx() == Zone.ZONE_MOVABLE;
    }

    /** Frames of ZONE_MOVABLE and CMA that hold a pin (folio_maybe_dma_pinned). */
    static long pinnedInMovableCma(Kernel k) {
        final PhysMem mem = k.mem();
        long n = 0;
        for (Zone z : mem.zones()) {
            if (!z.populated()) {
                continue;
            }
            final int end = (int) (z.zoneStartPfn() + z.spannedPages());
            for (int pfn = z.zoneStartPfn(); pfn < end; pfn++) {
                if (mem.frames().refcount(pfn) > 0 && movableOrCma(mem, pfn) && k.memory().maybeDmaPinned(pfn)) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Migrates every used page of ZONE_MOVABLE and the CMA area out, as mm/memory_hotplug.c
     * do_migrate_range (offline_pages) and mm/page_alloc.c __alloc_contig_migrate_range
     * (cma_alloc -> alloc_contig_range) do: folio_isolate_lru, then migrate_pages
     * MIGRATE_SYNC to frames outside both (the kernel isolates the range's pageblocks first, so
     * no target lands in it; GFP_USER has the same effect here). Returns the frames still in use
     * in ZONE_MOVABLE or CMA: each one makes offline_pages retry until a signal and
     * alloc_contig_range fail with -EBUSY.
     */
    static long evacuate(Kernel k) {
        final PhysMem mem = k.mem();
        final FrameTable ft = mem.frames();
        final Migrate migrate = k.migrate();
        final FolioList list = new FolioList();
        for (Zone z : mem.zones()) {
            if (!z.populated()) {
                continue;
            }
            final int end = (int) (z.zoneStartPfn() + z.spannedPages());
            for (int pfn = z.zoneStartPfn(); pfn < end; pfn++) {
                if (ft.refcount(pfn) > 0 && movableOrCma(mem, pfn) && migrate.isolateLru(pfn)) {
                    list.add(pfn, null, FrameTable.NO_FRAME); // the buffer's anonymous pages only
                }
            }
        }
        migrate.beginCall();
        migrate.migratePages(list, src -> {
            int pfn = mem.allocPages(0, mem.nidOf(src), Gfp.GFP_USER);
            if (pfn != FrameTable.NO_FRAME) {
                k.memory().countAlloc(pfn);
            }
            return pfn;
        }, Migrate.Mode.SYNC);
        migrate.putbackMovablePages(list);
        k.clock().runUntil(k.clock().now() + migrate.callNs());
        k.clock().runAll();
        mem.drainAllPages(null);
        long stuck = 0;
        for (Zone z : mem.zones()) {
            if (!z.populated()) {
                continue;
            }
            final int end = (int) (z.zoneStartPfn() + z.spannedPages());
            for (int pfn = z.zoneStartPfn(); pfn < end; pfn++) {
                if (ft.refcount(pfn) > 0 && movableOrCma(mem, pfn)) {
                    stuck++;
                }
            }
        }
        return stuck;
    }

    @Override
    public MachineConfig machine() {
        return null; // several layouts and profiles
    }

    @Override
    public Result run(Options options) {
        final int seeds = options.seeds();
        StringBuilder text = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("memory_bytes", MEMORY);
        json.put("region_bytes", REGION);
        json.put("seeds", seeds);
        text.append(String.format(Locale.ROOT,
                "E10: %d MiB machine, one RDMA registration of a %d MiB buffer (ib_umem_get, FOLL_LONGTERM in calls of 512 pages);"
                        + " %d seeds; mean ±95%% CI%n", MEMORY >> 20, REGION >> 20, seeds));
        text.append("Direct I/O in flight: that share of the buffer's pages short-term pinned (FOLL_PIN) at the registration, "
                + "released after the hold time.\n");
        text.append(String.format(Locale.ROOT, "  %-10s %-17s %-11s %-13s %9s %15s %11s %11s %13s %12s %9s%n", "profile",
                "layout", "I/O", "kern/mov/cma%", "pin ok%", "migrated", "re-pins", "mig fails", "pin ms",
                "pinned M/C", "evac%"));
        ArrayNode rows = json.putArray("results");
        String lastLayout = null;
        for (Case c : cases()) {
            Run[] runs = new Run[seeds];
            for (int s = 0; s < seeds; s++) {
                runs[s] = runOne(c, s + 1);
            }
            if (lastLayout != null && !lastLayout.equals(c.layout().label())) {
                text.append('\n');
            }
            lastLayout = c.layout().label();
            Stats ok = Stats.of(Stats.column(runs, x -> x.pinned() ? 100 : 0));
            Stats migrated = Stats.of(Stats.column(runs, x -> x.migrated()));
            Stats repins = Stats.of(Stats.column(runs, x -> x.repins()));
            Stats fails = Stats.of(Stats.column(runs, x -> x.migrateFails()));
            Stats ms = Stats.of(Stats.column(runs, x -> x.pinNs() / 1e6));
            Stats left = Stats.of(Stats.column(runs, x -> x.pinnedInMovableCma()));
            Stats evac = Stats.of(Stats.column(runs, x -> x.evacStuck() == 0 ? 100 : 0));
            double pages = runs[0].pages();
            String share = String.format(Locale.ROOT, "%.0f/%.0f/%.0f", 100 * Stats.of(Stats.column(runs, x -> x.inKernel())).mean() / pages,
                    100 * Stats.of(Stats.column(runs, x -> x.inMovable())).mean() / pages,
                    100 * Stats.of(Stats.column(runs, x -> x.inCma())).mean() / pages);
            text.append(String.format(Locale.ROOT, "  %-10s %-17s %-11s %-13s %9s %15s %11s %11s %13s %12s %9s%n",
                    c.profile().id(), c.layout().label(), c.io().label(), share, ok.text(0), migrated.text(0),
                    repins.text(1), fails.text(1), ms.text(2), left.text(0), evac.text(0)));
            ObjectNode row = rows.addObject();
            row.put("profile", c.profile().id());
            row.put("layout", c.layout().label());
            row.put("movable_bytes", c.layout().movableBytes());
            row.put("cma_bytes", c.layout().cmaBytes());
            row.put("io_basis_points", c.io().basisPoints());
            row.put("io_hold_ns", c.io().holdNs());
            Stats.of(Stats.column(runs, x -> x.inKernel())).put(row, "pages_in_kernel_zones");
            Stats.of(Stats.column(runs, x -> x.inMovable())).put(row, "pages_in_zone_movable");
            Stats.of(Stats.column(runs, x -> x.inCma())).put(row, "pages_in_cma");
            Stats.of(Stats.column(runs, x -> x.ioPages())).put(row, "pages_with_io_in_flight");
            ok.put(row, "pin_success_percent");
            migrated.put(row, "pages_migrated");
            repins.put(row, "gup_repins");
            fails.put(row, "pgmigrate_fail");
            ms.put(row, "pin_virtual_ms");
            left.put(row, "pinned_in_movable_or_cma");
            evac.put(row, "evacuation_success_percent");
            Stats.of(Stats.column(runs, x -> x.evacStuck())).put(row, "evacuation_stuck_pages");
            Stats.of(Stats.column(runs, x -> -x.errno())).put(row, "errno");
        }
        text.append("kern/mov/cma%: where the buffer's pages were before the registration; migrated: pages moved by\n"
                + "check_and_migrate_movable_folios; re-pins: __gup_longterm_locked passes ended in -EAGAIN; mig fails: pgmigrate_fail;\n"
                + "pin ms: the registration's virtual time; pinned M/C: pinned frames left in ZONE_MOVABLE or CMA afterwards;\n"
                + "evac%: runs in which every used page of ZONE_MOVABLE and CMA could then be migrated out (offline_pages, cma_alloc).\n");
        return new Result(text.toString(), json);
    }
}
