package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.MIGRATE_TYPES;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;

import java.util.List;

/**
 * The read-only views of the page allocator's state, printed as mm/vmstat.c prints them:
 * /proc/pagetypeinfo ({@code pagetypeinfo_showfree}, {@code pagetypeinfo_showblockcount}),
 * /proc/zoneinfo ({@code zoneinfo_show_print}, the zone's own lines), debugfs
 * extfrag/unusable_index and extfrag/extfrag_index ({@code unusable_free_index},
 * {@code __fragmentation_index}), the proactive-compaction score (mm/compaction.c:
 * {@code fragmentation_score_zone}, {@code fragmentation_score_node}), and one figure the
 * kernel does not print: how many order-9 blocks a perfect compaction could make.
 *
 * <p>The model's kernel has CONFIG_CMA and CONFIG_MEMORY_ISOLATION, so pagetypeinfo lists
 * six migratetypes (the reference box's kernel lacks CONFIG_CMA and prints five: no "CMA").
 * /proc/zoneinfo prints the zone's watermark, size, protection and pageset lines; of the
 * "per-node stats" block and the per-zone vm statistics it prints only nr_free_pages,
 * nr_free_pages_blocks and nr_free_cma (the others live in other packages' counters), and
 * no NUMA event lines.
 */
public final class FragViews {

    /** include/linux/compaction.h: COMPACTION_HPAGE_ORDER (HPAGE_PMD_ORDER on x86-64). */
    public static final int COMPACTION_HPAGE_ORDER = 9;
    /** include/linux/mm.h: GUP_PIN_COUNTING_BIAS: a refcount this high may be a FOLL_PIN. */
    static final int GUP_PIN_COUNTING_BIAS = 1024;

    private final PhysMem mem;

    public FragViews(PhysMem mem) {
        this.mem = mem;
    }

    // ---- /proc/pagetypeinfo ----

    /** mm/vmstat.c: pagetypeinfo_show for every node with memory. */
    public String pagetypeinfo() {
        final StringBuilder sb = new StringBuilder(4096);
        for (int nid = 0; nid < mem.nrNodes(); nid++) {
            sb.append("Page block order: ").append(FrameTable.PAGEBLOCK_ORDER).append('\n');
            sb.append("Pages per block:  ").append(PAGEBLOCK_NR_PAGES).append('\n');
            sb.append('\n');
            showfree(sb, nid);
            showblockcount(sb, nid);
        }
        return sb.toString();
    }

    // mm/vmstat.c: pagetypeinfo_showfree / _print (the walk is capped at 100000 per list)
    private void showfree(StringBuilder sb, int nid) {
        padRight(sb, "Free pages count per migrate type at order", 43).append(' ');
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            padLeft(sb, Integer.toString(order), 6).append(' ');
        }
        sb.append('\n');
        for (Zone zone : nodeZones(nid)) {
            for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
                sb.append("Node ");
                padLeft(sb, Integer.toString(nid), 4).append(", zone ");
                padLeft(sb, zone.name(), 8).append(", type ");
                padLeft(sb, FrameTable.migratetypeName(mt), 12).append(' ');
                for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                    final long n = zone.buddy().countFreeList(order, mt, 100000);
                    if (n >= 100000) {
                        sb.append('>');
                    }
                    padLeft(sb, Long.toString(n), 6).append(' ');
                }
                sb.append('\n');
            }
        }
    }

    // mm/vmstat.c: pagetypeinfo_showblockcount / _print
    private void showblockcount(StringBuilder sb, int nid) {
        sb.append('\n');
        padRight(sb, "Number of blocks type ", 23);
        for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
            padLeft(sb, FrameTable.migratetypeName(mt), 12).append(' ');
        }
        sb.append('\n');
        for (Zone zone : nodeZones(nid)) {
            final long[] count = blockCount(zone);
            sb.append("Node ").append(nid).append(", zone ");
            padLeft(sb, zone.name(), 8).append(' ');
            for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
                padLeft(sb, Long.toString(count[mt]), 12).append(' ');
            }
            sb.append('\n');
        }
    }

    /**
     * pagetypeinfo_showblockcount_print: pageblocks whose first page lies in the zone, by
     * get_pageblock_migratetype (isolated blocks count as Isolate).
     */
    public long[] blockCount(Zone zone) {
        final long[] count = new long[MIGRATE_TYPES];
        final FrameTable frames = mem.frames();
        final int start = zone.zoneStartPfn();
        for (int pfn = start; pfn < zone.zoneEndPfn(); pfn += PAGEBLOCK_NR_PAGES) {
            count[frames.pageblockMigratetype(pfn)]++;
        }
        return count;
    }

    /** The number of free blocks of {@code order} on the {@code mt} list (pagetypeinfo's cell). */
    public long freeCount(Zone zone, int mt, int order) {
        return zone.buddy().countFreeList(order, mt, Long.MAX_VALUE);
    }

    // ---- /proc/zoneinfo ----

    /** mm/vmstat.c: zoneinfo_show_print for every zone of every node (populated or not). */
    public String zoneinfo() {
        final StringBuilder sb = new StringBuilder(4096);
        for (int nid = 0; nid < mem.nrNodes(); nid++) {
            for (int zi = 0; zi < Zone.MAX_NR_ZONES; zi++) {
                zoneinfoPrint(sb, mem.zone(nid, zi));
            }
        }
        return sb.toString();
    }

    private void zoneinfoPrint(StringBuilder sb, Zone z) {
        sb.append("Node ").append(z.nid()).append(", zone ");
        padLeft(sb, z.name(), 8);
        line(sb, "\n  pages free     ", z.freePages());
        line(sb, "\n        boost    ", z.watermarkBoost());
        line(sb, "\n        min      ", z.minWmarkPages());
        line(sb, "\n        low      ", z.lowWmarkPages());
        line(sb, "\n        high     ", z.highWmarkPages());
        line(sb, "\n        promo    ", z.promoWmarkPages());
        line(sb, "\n        spanned  ", z.spannedPages());
        line(sb, "\n        present  ", z.presentPages());
        line(sb, "\n        managed  ", z.managedPages());
        line(sb, "\n        cma      ", z.cmaPages());
        sb.append("\n        protection: (").append(z.lowmemReserve(0));
        for (int i = 1; i < Zone.MAX_NR_ZONES; i++) {
            sb.append(", ").append(z.lowmemReserve(i));
        }
        // ZONE_DEVICE's column: it has no managed pages, so it repeats ZONE_MOVABLE's reserve
        sb.append(", ").append(z.lowmemReserve(Zone.MAX_NR_ZONES - 1)).append(')');
        if (!z.populated()) {
            sb.append('\n');
            return;
        }
        stat(sb, "nr_free_pages", z.freePages());
        stat(sb, "nr_free_pages_blocks", z.buddy().nrFreePagesBlocks);
        stat(sb, "nr_free_cma", z.buddy().freeCmaPages());
        sb.append("\n  pagesets");
        for (int c = 0; c < z.nrCpus(); c++) {
            final PerCpuPages p = z.pcp(c);
            sb.append("\n    cpu: ").append(c);
            line(sb, "\n              count:    ", p.count());
            line(sb, "\n              high:     ", p.high());
            line(sb, "\n              batch:    ", p.batch());
            line(sb, "\n              high_min: ", p.highMin());
            line(sb, "\n              high_max: ", p.highMax());
        }
        sb.append("\n  node_unreclaimable:  0");
        line(sb, "\n  start_pfn:           ", z.zoneStartPfn());
        sb.append('\n');
    }

    private static void line(StringBuilder sb, String label, long v) {
        sb.append(label).append(v);
    }

    // "\n      %-12s %lu"
    private static void stat(StringBuilder sb, String name, long v) {
        sb.append("\n      ");
        padRight(sb, name, 12).append(' ').append(v);
    }

    // ---- extfrag ----

    /**
     * mm/vmstat.c: fill_contig_page_info: {free_pages, free_blocks_total,
     * free_blocks_suitable} for a target order, from nr_free (the buddy only).
     */
    static long[] contigPageInfo(Zone zone, int suitableOrder) {
        long freePages = 0;
        long blocksTotal = 0;
        long blocksSuitable = 0;
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            final long blocks = zone.nrFree(order);
            blocksTotal += blocks;
            freePages += blocks << order;
            if (order >= suitableOrder) {
                blocksSuitable += blocks << (order - suitableOrder);
            }
        }
        return new long[] {freePages, blocksTotal, blocksSuitable};
    }

    /**
     * mm/vmstat.c: __fragmentation_index, in thousandths: -1000 if a block of this order is
     * free (the index only makes sense when a request would fail), 0 if nothing is free,
     * towards 0 for lack of memory, towards 1000 for fragmentation.
     */
    public static int fragmentationIndex(Zone zone, int order) {
        final long[] info = contigPageInfo(zone, order);
        final long requested = 1L << order;
        if (info[1] == 0) {
            return 0;
        }
        if (info[2] != 0) {
            return -1000;
        }
        return (int) (1000 - (1000 + info[0] * 1000 / requested) / info[1]);
    }

    /** mm/vmstat.c: unusable_free_index, in thousandths (1000 when nothing is free). */
    public static int unusableFreeIndex(Zone zone, int order) {
        final long[] info = contigPageInfo(zone, order);
        if (info[0] == 0) {
            return 1000;
        }
        return (int) ((info[0] - (info[2] << order)) * 1000 / info[0]);
    }

    /** mm/vmstat.c: extfrag_for_order: the same in percent, 0 when nothing is free. */
    public static int extfragForOrder(Zone zone, int order) {
        final long[] info = contigPageInfo(zone, order);
        if (info[0] == 0) {
            return 0;
        }
        return (int) ((info[0] - (info[2] << order)) * 100 / info[0]);
    }

    /** debugfs extfrag/unusable_index: "Node %d, zone %8s " then "%d.%03d " per order. */
    public String unusableIndex() {
        final StringBuilder sb = new StringBuilder();
        for (Zone zone : mem.zones()) {
            zonePrefix(sb, zone);
            for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                final int index = unusableFreeIndex(zone, order);
                sb.append(index / 1000).append('.');
                pad3(sb, index % 1000).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** debugfs extfrag/extfrag_index: "Node %d, zone %8s " then "%2d.%03d " per order. */
    public String extfragIndex() {
        final StringBuilder sb = new StringBuilder();
        for (Zone zone : mem.zones()) {
            zonePrefix(sb, zone);
            for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                final int index = fragmentationIndex(zone, order);
                padLeft(sb, Integer.toString(index / 1000), 2).append('.');
                pad3(sb, Math.abs(index % 1000)).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // ---- proactive compaction score ----

    /** mm/compaction.c: fragmentation_score_zone: extfrag_for_order(zone, COMPACTION_HPAGE_ORDER). */
    public static int fragmentationScoreZone(Zone zone) {
        return extfragForOrder(zone, COMPACTION_HPAGE_ORDER);
    }

    /**
     * mm/compaction.c: fragmentation_score_node: the zones' scores weighted by present pages
     * over the node's present pages + 1.
     */
    public int fragmentationScoreNode(int nid) {
        long nodePresent = 0;
        for (Zone z : nodeZones(nid)) {
            nodePresent += z.presentPages();
        }
        int score = 0;
        for (Zone z : nodeZones(nid)) {
            score += (int) ((long) z.presentPages() * fragmentationScoreZone(z) / (nodePresent + 1));
        }
        return score;
    }

    // ---- what a perfect compaction could do ----

    /**
     * Pageblocks of the zone that a perfect compaction could empty: every frame is free (in
     * the buddy or on a pcp list) or a page compaction could migrate. A page counts as
     * migratable when it is on an LRU list (isolate_migratepages_block isolates nothing else;
     * page tables, kernel allocations and reserved pages are unmovable), is not unevictable
     * unless {@code unevictableAllowed} (vm.compact_unevictable_allowed), and holds no
     * reference beyond its mappings ({@code refcount - 1 > mapcount} is the kernel's anon
     * pre-check for pins; a GUP pin adds GUP_PIN_COUNTING_BIAS, so the same test catches
     * pinned file pages, which the kernel finds only when migration fails). Pageblocks that
     * stick out of the zone do not count.
     */
    public long cleanPageblocks(Zone zone, boolean unevictableAllowed) {
        final FrameTable f = mem.frames();
        final int zoneStart = zone.zoneStartPfn();
        final int end = zone.zoneEndPfn();
        long clean = 0;
        int blockStart = -1; // the pageblock being judged, -1 while it sticks out of the zone
        boolean blockOk = false;
        // one walk from the zone's start, so every free block's head comes before its tails
        for (int pfn = zoneStart; pfn < end;) {
            if ((pfn & (PAGEBLOCK_NR_PAGES - 1)) == 0) {
                clean += blockStart >= 0 && blockOk ? 1 : 0;
                blockStart = pfn + PAGEBLOCK_NR_PAGES <= end ? pfn : -1;
                blockOk = true;
            }
            final int fl = f.flags[pfn];
            if ((fl & (1 << FrameTable.PG_buddy | 1 << FrameTable.PG_pcp)) != 0) {
                final int size = 1 << f.buddyOrder(pfn);
                if (size > PAGEBLOCK_NR_PAGES) { // a free block spanning several pageblocks
                    final int whole = size / PAGEBLOCK_NR_PAGES - 1;
                    clean += blockStart >= 0 && blockOk ? 1 : 0;
                    clean += whole;
                    blockStart = -1;
                    pfn += size;
                    continue;
                }
                pfn += size;
                continue;
            }
            blockOk &= movable(f, pfn, fl, unevictableAllowed);
            pfn++;
        }
        return clean + (blockStart >= 0 && blockOk ? 1 : 0);
    }

    /**
     * pinsim's figure, polluted_movable_blocks: MIGRATE_MOVABLE pageblocks of the zone that
     * hold at least one page compaction cannot move (by the test of
     * {@link #cleanPageblocks}): the "mixed" blocks page_owner reports, which
     * /proc/pagetypeinfo does not show.
     */
    public long pollutedMovableBlocks(Zone zone, boolean unevictableAllowed) {
        final FrameTable f = mem.frames();
        final int end = zone.zoneEndPfn();
        long polluted = 0;
        // one walk from the zone's start, so every free block's head comes before its tails
        int skipUntil = -1; // the block being walked already counted, or not MOVABLE
        for (int pfn = zone.zoneStartPfn(); pfn < end;) {
            final int blockStart = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
            if (pfn == blockStart && (blockStart + PAGEBLOCK_NR_PAGES > end
                    || f.pageblockMigratetype(blockStart) != FrameTable.MIGRATE_MOVABLE)) {
                skipUntil = blockStart + PAGEBLOCK_NR_PAGES;
            }
            final int fl = f.flags[pfn];
            if ((fl & (1 << FrameTable.PG_buddy | 1 << FrameTable.PG_pcp)) != 0) {
                pfn += 1 << f.buddyOrder(pfn);
                continue;
            }
            if (pfn >= skipUntil && !movable(f, pfn, fl, unevictableAllowed)) {
                polluted++;
                skipUntil = blockStart + PAGEBLOCK_NR_PAGES;
            }
            pfn++;
        }
        return polluted;
    }

    private static boolean movable(FrameTable f, int pfn, int fl, boolean unevictableAllowed) {
        if ((fl & (1 << FrameTable.PG_lru)) == 0) {
            return false;
        }
        if (!unevictableAllowed && (fl & (1 << FrameTable.PG_unevictable)) != 0) {
            return false;
        }
        return f.refcount[pfn] - 1 <= f.mapcount[pfn];
    }

    /**
     * How many order-9 blocks a perfect compaction could produce in the zone: the clean
     * pageblocks, but no more than the zone's free pages (buddy and pcp) fill, since the
     * movable pages of the blocks it empties need somewhere to go and compaction does not
     * cross zones: {@code min(clean, free / 512)}.
     *
     * <p>An upper bound: a real pass (compaction.Compaction, {@code compact()}) stops where its
     * scanners meet, fills only MOVABLE and CMA pageblocks, and leaves the frames it freed on
     * the pcp lists until they drain, so it frees fewer (docs/COMPACTION.md).
     */
    public long order9AfterCompaction(Zone zone, boolean unevictableAllowed) {
        final long free = zone.freePages() + zone.pcpPages();
        return Math.min(cleanPageblocks(zone, unevictableAllowed), free / PAGEBLOCK_NR_PAGES);
    }

    // ---- helpers ----

    private List<Zone> nodeZones(int nid) {
        final List<Zone> list = new java.util.ArrayList<>();
        for (Zone z : mem.zones()) {
            if (z.nid() == nid) {
                list.add(z);
            }
        }
        return list;
    }

    private static void zonePrefix(StringBuilder sb, Zone zone) {
        sb.append("Node ").append(zone.nid()).append(", zone ");
        padLeft(sb, zone.name(), 8).append(' ');
    }

    private static StringBuilder pad3(StringBuilder sb, int v) {
        if (v < 100) {
            sb.append('0');
        }
        if (v < 10) {
            sb.append('0');
        }
        return sb.append(v);
    }

    static StringBuilder padLeft(StringBuilder sb, String s, int width) {
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return sb.append(s);
    }

    static StringBuilder padRight(StringBuilder sb, String s, int width) {
        sb.append(s);
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return sb;
    }
}
