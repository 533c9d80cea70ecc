package org.pinsim.core.mlock;

import static org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_ORDER;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntFunction;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.migrate.FolioList;
import org.pinsim.core.migrate.Migrate;
import org.pinsim.core.mm.Gup;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.time.Clock;
import org.pinsim.core.time.CostModel;
import org.pinsim.core.vmstat.PinsimEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * [PROPOSAL, never merged] mpin's pre-compaction: Peter Zijlstra, June 2013 ("[PATCH] mm:
 * Revert pinned_vm braindamage"): "mpin() could simply migrate the pages into as few unmovable
 * page blocks as possible to minimise the impact on the rest of the vm". No code for it was
 * ever posted; this is pinsim's reading, built from the pieces Linux 6.18 has: the pattern of
 * mm/gup.c check_and_migrate_movable_folios (collect, isolate, migrate_pages MIGRATE_SYNC to
 * a target chosen by a callback, put back what did not move), the migration engine
 * ({@link Migrate}), and mm/page_alloc.c take_page_off_buddy to take a chosen free frame.
 *
 * <p>When: mpin(2) after mm_mpin and the populate, and an RDMA registration (which the
 * profile routes through mm_mpin) after mm_mpin and before its pages are pinned. Which pages:
 * every present page of the range, except pages of a VMA that was VM_PINNED already before
 * the call (never moved once pinned), the zero page, and pages already in an UNMOVABLE
 * pageblock. A page that cannot move (a large folio, not on an LRU, pinned by someone else
 * (folio_maybe_dma_pinned), a migration that fails, no target frame) is pinned where it is.
 *
 * <p>Where to ({@link Placement#PACK}): a target frame on the page's node, in ZONE_NORMAL or
 * ZONE_DMA32 (what GFP_USER may use, ZONE_DMA left to its reserve), at the min watermark:
 * <ol>
 * <li>free frames of partly used UNMOVABLE pageblocks, the fullest block first (fewest free
 * frames, then lowest pfn). Such a block is already lost to huge pages, so filling it costs
 * no block; fullest-first (best fit) leaves the emptiest UNMOVABLE blocks the most likely to
 * drain back to free when their kernel pages go;</li>
 * <li>then whole free pageblocks (a free buddy block of pageblock order or more, of a
 * mergeable type): one already UNMOVABLE first, then order 9 before a half of an order-10
 * block (keeps order-10 blocks whole), then lowest pfn; the block is claimed: its type
 * becomes UNMOVABLE (move_freepages_block), and it is filled before the next is taken.</li>
 * </ol>
 * So a pin of P pages costs at most ceil(P / 512) new blocks plus the one left partly filled.
 * {@link Placement#GFP_USER} takes the target from the normal allocator instead
 * (alloc_migration_target with GFP_USER, what 6.18 does for pages in ZONE_MOVABLE or CMA), and
 * {@link Placement#IN_PLACE} moves nothing (what 6.18 does in ZONE_NORMAL); experiment E2
 * compares the three.
 *
 * <p>Cost: the folios migrate in batches of {@link #batch} (default
 * {@link Migrate#NR_MAX_BATCHED_MIGRATION}, 512, Linux 6.3's batched migrate_pages; 32 is
 * COMPACT_CLUSTER_MAX, compaction's batch); each batch that unmapped a folio flushes the TLB
 * once (try_to_unmap_flush), one shootdown of {@link CostModel#tlbShootdownNs} on the clock,
 * besides each folio's unmap, copy and remap. The caller sleeps until the last remap.
 * Counted in pgmigrate_success / pgmigrate_fail and in the pinsim-only {@link PinsimEvent}
 * counters.
 */
public final class MpinPack {

    /** Where the pre-compaction puts a page (E2's policies (a), (b), (c)). */
    public enum Placement {
        /** (a) no pre-compaction: the page is pinned where it is (Linux 6.18 in ZONE_NORMAL). */
        IN_PLACE,
        /** (b) a GFP_USER frame from the normal allocator (Linux 6.18 for ZONE_MOVABLE and CMA). */
        GFP_USER,
        /** (c) the packing target: partly used UNMOVABLE pageblocks first, then whole free ones. */
        PACK
    }

    /** What one pre-compaction did. */
    public record Result(long scanned, long unmovable, long migrated, long inPlace, long blocksClaimed,
                         long shootdowns, long ns) {
    }

    private final PhysMem mem;
    private final FrameTable ft;
    private final Memory memory;
    private final Migrate migrate;
    private final Clock clock;
    private final VmStat stat;
    private final Gup gup;
    private final IntFunction<Inode> inodeByIno;
    private final int cpus;

    private Placement placement = Placement.PACK;
    private int batch = Migrate.NR_MAX_BATCHED_MIGRATION;
    private Result last = new Result(0, 0, 0, 0, 0, 0, 0);

    public MpinPack(PhysMem mem, Memory memory, Migrate migrate, Clock clock, VmStat stat, Gup gup,
            IntFunction<Inode> inodeByIno) {
        this.mem = mem;
        this.ft = mem.frames();
        this.memory = memory;
        this.migrate = migrate;
        this.clock = clock;
        this.stat = stat;
        this.gup = gup;
        this.inodeByIno = inodeByIno;
        this.cpus = mem.nrCpus();
    }

    public Placement placement() {
        return placement;
    }

    /** Chooses the target policy (pinsim's knob for experiment E2; PACK by default). */
    public void setPlacement(Placement p) {
        this.placement = p;
    }

    public int batch() {
        return batch;
    }

    /** Folios per migrate_pages call: 1 to 512 (NR_MAX_BATCHED_MIGRATION). */
    public void setBatch(int b) {
        if (b < 1 || b > Migrate.NR_MAX_BATCHED_MIGRATION) {
            throw new IllegalArgumentException("batch must be 1.." + Migrate.NR_MAX_BATCHED_MIGRATION + ", got " + b);
        }
        this.batch = b;
    }

    /** What the last pre-compaction did. */
    public Result last() {
        return last;
    }

    /**
     * The parts of [start, end) whose VMA is VM_PINNED now, as {start, end} pairs: what a
     * pre-compaction of the range, after it is pinned, must not move.
     */
    public static long[] vmPinnedRanges(Mm mm, long start, long end) {
        long[] out = new long[8];
        int n = 0;
        for (int j = 0; j < mm.vmas().size(); j++) {
            Vma v = mm.vmas().get(j);
            if (!v.has(VmFlags.VM_PINNED) || Long.compareUnsigned(v.end(), start) <= 0
                    || Long.compareUnsigned(v.start(), end) >= 0) {
                continue;
            }
            if (n + 2 > out.length) {
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = Math.max(v.start(), start);
            out[n++] = Math.min(v.end(), end);
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Faults in [start, end) as the pins of an RDMA registration will (mm/gup.c
     * __get_user_pages with the same write and force), so the pre-compaction can move the
     * pages before they are pinned; a failure is left for the pin to report.
     */
    public void prefault(Mm mm, long start, long end, boolean write, boolean force) {
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            Vma vma = mm.vmas().find(a);
            if (vma == null || Long.compareUnsigned(a, vma.start()) < 0) {
                return;
            }
            long n = (Math.min(end, vma.end()) - a) >>> PhysMem.PAGE_SHIFT;
            if (gup.getUserPages(mm, vma, a, n, write, force) != n) {
                return;
            }
            a = Math.min(end, vma.end());
        }
    }

    /**
     * The pre-compaction of the present pages of [start, end) in {@code mm}, those in
     * {@code keep} ({@link #vmPinnedRanges} taken before the pin) left alone.
     */
    public Result precompact(Mm mm, long start, long end, long[] keep) {
        memory.mlockFolio().drain(); // lru_add_drain_all: every page on its LRU list
        final int zero = mem.zeroPfn();
        final FolioList list = new FolioList();
        final BitSet collected = new BitSet();
        long scanned = 0;
        long unmovable = 0;
        long inPlace = 0;
        PageTable.Leaf leaf = null;
        long leafBase = -1;
        int k = 0;
        for (long a = start; Long.compareUnsigned(a, end) < 0; a += PhysMem.PAGE_SIZE) {
            while (k < keep.length && Long.compareUnsigned(keep[k + 1], a) <= 0) {
                k += 2;
            }
            if (k < keep.length && Long.compareUnsigned(keep[k], a) <= 0) {
                continue; // pinned before this call: never moved again
            }
            final long base = a & ~((1L << 21) - 1);
            if (base != leafBase) {
                leaf = mm.pageTable().leaf(a, false);
                leafBase = base;
            }
            final long pte = leaf == null ? Pte.NONE : leaf.pte(PageTable.pteIndex(a));
            if (!Pte.present(pte) || Pte.special(pte)) {
                continue;
            }
            final int pfn = Pte.pfn(pte);
            if (pfn == zero || collected.get(pfn)) {
                continue;
            }
            scanned++;
            if (ft.pageblockMigratetype(pfn) == MIGRATE_UNMOVABLE) {
                unmovable++;
                continue;
            }
            if (placement == Placement.IN_PLACE || ft.isLarge(pfn) || memory.maybeDmaPinned(pfn)
                    || !migrate.isolateLru(pfn)) {
                inPlace++; // a large folio: THP migration is not modelled; a page pinned by someone else
                continue;
            }
            collected.set(pfn);
            list.add(pfn, ft.testFlag(pfn, FrameTable.PG_anon) ? null : inodeByIno.apply(Memory.ownerIno(ft.owner(pfn))),
                    NO_FRAME);
        }
        long migrated = 0;
        long claimed = 0;
        long flushes0 = migrate.batchFlushes();
        long ns = 0;
        if (!list.isEmpty()) {
            final Target target = new Target();
            final long oldFlushNs = migrate.setBatchFlushNs(CostModel.tlbShootdownNs(cpus));
            final boolean oldPinned = memory.setMigrateVmPinned(true);
            migrate.beginCall();
            try {
                boolean oom = false;
                while (!list.isEmpty()) {
                    final FolioList chunk = list.cutFront(batch);
                    final int n = chunk.size();
                    if (!oom) {
                        final int rc = migrate.migratePages(chunk, target, Migrate.Mode.SYNC);
                        oom = rc < 0; // no target left: the rest stay where they are
                    }
                    migrated += n - chunk.size();
                    inPlace += chunk.size();
                    migrate.putbackMovablePages(chunk);
                }
            } finally {
                memory.setMigrateVmPinned(oldPinned);
                migrate.setBatchFlushNs(oldFlushNs);
            }
            ns = migrate.callNs();
            clock.runUntil(clock.now() + ns); // migrate_pages returns when the moves are done
            claimed = target.claimed;
        }
        final long shootdowns = migrate.batchFlushes() - flushes0;
        last = new Result(scanned, unmovable, migrated, inPlace, claimed, shootdowns, ns);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_SCANNED, scanned);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_UNMOVABLE, unmovable);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_MIGRATED, migrated);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_IN_PLACE, inPlace);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_BLOCKS_CLAIMED, claimed);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_SHOOTDOWNS, shootdowns);
        stat.count(PinsimEvent.MPIN_PRECOMPACT_NS, ns);
        return last;
    }

    /** The migration target of one pre-compaction call (the new_folio_t callback). */
    private final class Target implements Migrate.Target {
        /** Partly used UNMOVABLE pageblocks, per node, in fill order; built at the first target of a node. */
        private final List<int[]> partial = new ArrayList<>();
        private int node = -1;
        private int blockIdx;
        /** The block being filled and the next frame to look at in it; -1 when none. */
        private int cur = -1;
        private int curPfn;
        long claimed;

        @Override
        public int alloc(int src) {
            final int nid = mem.nidOf(src);
            if (placement == Placement.GFP_USER) {
                // mm/migrate.c alloc_migration_target(GFP_USER) on the folio's node
                final int pfn = mem.allocPages(0, nid, Gfp.GFP_USER);
                if (pfn != NO_FRAME) {
                    memory.countAlloc(pfn);
                }
                return pfn;
            }
            if (nid != node) {
                startNode(nid);
            }
            while (true) {
                if (cur >= 0) {
                    final int pfn = nextFreeIn(cur);
                    if (pfn != NO_FRAME) {
                        return pfn;
                    }
                    if (pfn == NO_FRAME && curPfn < cur + PAGEBLOCK_NR_PAGES) {
                        return NO_FRAME; // the watermark refused
                    }
                    cur = -1;
                }
                if (blockIdx < partial.size()) {
                    cur = partial.get(blockIdx++)[0];
                    curPfn = cur;
                    continue;
                }
                final int b = claimFreeBlock(nid);
                if (b < 0) {
                    return NO_FRAME;
                }
                claimed++;
                cur = b;
                curPfn = b + 1;
                return b;
            }
        }

        /** The partly used UNMOVABLE pageblocks of the node's eligible zones, fullest first. */
        private void startNode(int nid) {
            node = nid;
            partial.clear();
            blockIdx = 0;
            cur = -1;
            for (Zone z : eligibleZones(nid)) {
                mem.drainAllPages(z); // drain_all_pages: free frames back in the buddy
                for (int b = alignUp(z.zoneStartPfn()); b + PAGEBLOCK_NR_PAGES <= z.zoneEndPfn(); b += PAGEBLOCK_NR_PAGES) {
                    if (ft.pageblockMigratetype(b) != MIGRATE_UNMOVABLE) {
                        continue;
                    }
                    final int free = freeFrames(b);
                    if (free > 0 && free < PAGEBLOCK_NR_PAGES) {
                        partial.add(new int[] {b, free});
                    }
                }
            }
            partial.sort((x, y) -> x[1] != y[1] ? Integer.compare(x[1], y[1]) : Integer.compare(x[0], y[0]));
        }

        /** The next free frame of the block from curPfn, taken off the buddy; NO_FRAME if none or the watermark refuses. */
        private int nextFreeIn(int block) {
            final Zone z = mem.zoneOf(block);
            final int end = block + PAGEBLOCK_NR_PAGES;
            while (curPfn < end) {
                final int p = curPfn;
                if (!ft.isBuddy(p)) {
                    curPfn++;
                    continue;
                }
                // __isolate_free_page's check: the min watermark, as an order-0 allocation
                if (!z.watermarkOk(0, z.minWmarkPages() + 1, 0, 0)) {
                    return NO_FRAME;
                }
                if (!mem.takeFreePage(p)) {
                    throw new IllegalStateException("pfn " + p + " is PG_buddy but not on a free list");
                }
                memory.countAlloc(p);
                curPfn = p + 1;
                return p;
            }
            return NO_FRAME;
        }

        /**
         * A whole free pageblock of the node, claimed for UNMOVABLE: its first frame's free
         * block is broken down, then the block's free pages move to the UNMOVABLE lists
         * (move_freepages_block). -1 if there is none.
         */
        private int claimFreeBlock(int nid) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (Zone z : eligibleZones(nid)) {
                for (int b = alignUp(z.zoneStartPfn()); b + PAGEBLOCK_NR_PAGES <= z.zoneEndPfn(); b += PAGEBLOCK_NR_PAGES) {
                    final int order = wholeFreeOrder(b);
                    if (order < 0) {
                        continue;
                    }
                    final int mt = ft.pageblockMigratetype(b);
                    if (!FrameTable.migratetypeIsMergeable(mt) || mt == FrameTable.MIGRATE_HIGHATOMIC) {
                        continue;
                    }
                    final int rank = (mt == MIGRATE_UNMOVABLE ? 0 : 2) + (order == PAGEBLOCK_ORDER ? 0 : 1);
                    if (rank < bestRank) {
                        best = b;
                        bestRank = rank;
                    }
                }
            }
            if (best < 0) {
                return -1;
            }
            final Zone z = mem.zoneOf(best);
            if (!z.watermarkOk(0, z.minWmarkPages() + 1, 0, 0)) {
                return -1;
            }
            final int mt = ft.pageblockMigratetype(best);
            // the first frame is the first target; taking it breaks the free block down, so the
            // block's other frames are free pieces inside it, which move_freepages_block moves
            if (!mem.takeFreePage(best)) {
                throw new IllegalStateException("free pageblock at pfn " + best + " is not in the buddy");
            }
            memory.countAlloc(best);
            if (mt != MIGRATE_UNMOVABLE) {
                z.buddy().moveFreepagesBlock(best, mt, MIGRATE_UNMOVABLE);
            }
            return best;
        }

        /** The order of the free buddy block that covers all of pageblock {@code b}, or -1. */
        private int wholeFreeOrder(int b) {
            for (int order = PAGEBLOCK_ORDER; order < Zone.NR_PAGE_ORDERS; order++) {
                final int head = b & ~((1 << order) - 1);
                if (ft.isBuddy(head) && ft.buddyOrder(head) >= order) {
                    return ft.buddyOrder(head);
                }
            }
            return -1;
        }

        private int freeFrames(int b) {
            int free = 0;
            for (int p = b; p < b + PAGEBLOCK_NR_PAGES;) {
                if (ft.isBuddy(p)) {
                    free += 1 << ft.buddyOrder(p);
                    p += 1 << ft.buddyOrder(p);
                } else {
                    p++;
                }
            }
            return free;
        }
    }

    /** The zones of the node a GFP_USER target may use: ZONE_NORMAL, then ZONE_DMA32. */
    private List<Zone> eligibleZones(int nid) {
        final List<Zone> out = new ArrayList<>(2);
        for (int idx : new int[] {Zone.ZONE_NORMAL, Zone.ZONE_DMA32}) {
            for (Zone z : mem.zones()) {
                if (z.nid() == nid && z.zoneIdx() == idx && z.zoneEndPfn() > z.zoneStartPfn()) {
                    out.add(z);
                }
            }
        }
        return out;
    }

    private static int alignUp(int pfn) {
        return (pfn + PAGEBLOCK_NR_PAGES - 1) & ~(PAGEBLOCK_NR_PAGES - 1);
    }
}
