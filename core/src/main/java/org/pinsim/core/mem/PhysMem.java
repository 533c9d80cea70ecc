package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.PAGE_FLAGS_CHECK_AT_FREE;
import static org.pinsim.core.mem.FrameTable.PG_reserved;
import static org.pinsim.core.mem.FrameTable.PG_zero;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The machine's physical memory: nodes, zones, the frame table and the page allocator
 * (mm/page_alloc.c, mm/mm_init.c, mm/memblock.c).
 *
 * <h2>Layout (chosen here)</h2>
 * <ul>
 * <li>4 KiB pages. Memory is split evenly between nodes; each node gets
 *     {@code memoryBytes / nodes} rounded down to a multiple of 2 MiB (a pageblock, so no
 *     pageblock straddles two nodes), at least 2 MiB. What the rounding drops does not
 *     exist. Node n spans pfns [n * P, (n + 1) * P) with P pages per node.</li>
 * <li>Zones by physical address as on x86-64: ZONE_DMA [0, 16 MiB), ZONE_DMA32
 *     [16 MiB, 4 GiB), ZONE_NORMAL above. A node holds the part of each range it covers, so
 *     node 0 holds DMA and DMA32 and usually only Normal lies on other nodes (as on a real
 *     box, a node that lies below 4 GiB has a DMA32 zone). There is no PCI hole below 4 GiB
 *     and no other hole: present pages = spanned pages.</li>
 * <li>Reserved at boot (PG_reserved, refcount 1, never freed): pfn 0, as x86 reserves the
 *     first page, and the shared zero page. The zero page lives in the kernel image's .bss,
 *     which x86-64 loads at CONFIG_PHYSICAL_START = 16 MiB; it is put at that image's first
 *     frame, pfn 4096, or at pfn 1 on a machine of 16 MiB or less. Nothing else is reserved
 *     (no kernel image, no memmap): MemTotal = all pages minus these two.</li>
 * <li>Boot frees the rest zone by zone in pfn order in maximal aligned blocks, to the tail
 *     of the free lists ({@code memblock_free_all}, {@code __free_pages_memory},
 *     {@code __free_pages_core}).</li>
 * </ul>
 *
 * <h2>Allocation</h2>
 * {@link #allocPages(int, int)} walks the preferred node's zonelist ({@link Zonelists}:
 * preferred node's Normal, DMA32, DMA, then the other nodes) and takes the first zone that
 * has a block ({@code get_page_from_freelist} without watermarks). Not modelled yet: GFP
 * flags (every request may use every zone up to Normal), watermarks and lowmem_reserve (an
 * allocation may take the last free page), reclaim and compaction on failure, pcp lists.
 * An allocated block has refcount 1 on every frame (as after {@code split_page}), no flags,
 * no owner; it is not a compound page.
 */
public final class PhysMem {

    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Node sizes are rounded down to this: one pageblock (2 MiB). */
    public static final long NODE_ALIGN_BYTES = (long) FrameTable.PAGEBLOCK_NR_PAGES << PAGE_SHIFT;

    /** arch/x86/include/asm/dma.h: MAX_DMA_PFN (16 MiB). */
    public static final int MAX_DMA_PFN = (16 << 20) >>> PAGE_SHIFT;
    /** arch/x86/include/asm/dma.h: MAX_DMA32_PFN (4 GiB). */
    public static final int MAX_DMA32_PFN = (int) ((4L << 30) >>> PAGE_SHIFT);
    /** CONFIG_PHYSICAL_START (16 MiB): where the kernel image, and its zero page, are loaded. */
    static final int KERNEL_START_PFN = MAX_DMA_PFN;

    private final FrameTable frames;
    private final int nrNodes;
    private final int pagesPerNode;
    private final int zeroPfn;
    private final int[] reservedPfns;
    private final Zone[][] zones;
    private final Zone[][] zonelists;
    private final List<Zone> populatedZones;

    /**
     * Boots a machine of {@code memoryBytes} bytes of RAM on {@code nodes} NUMA nodes.
     *
     * @throws IllegalArgumentException if a node would get less than 2 MiB, there are more
     *     than 64 nodes, or there would be more than 2^31 - 1 frames (8 TiB)
     */
    public PhysMem(long memoryBytes, int nodes) {
        if (nodes < 1 || nodes > Zonelists.MAX_NUMNODES) {
            throw new IllegalArgumentException("nodes must be 1.." + Zonelists.MAX_NUMNODES + ", got " + nodes);
        }
        final long nodeBytes = memoryBytes / nodes / NODE_ALIGN_BYTES * NODE_ALIGN_BYTES;
        if (memoryBytes <= 0 || nodeBytes == 0) {
            throw new IllegalArgumentException("need at least 2 MiB per node, got " + memoryBytes
                    + " bytes on " + nodes + " node(s)");
        }
        final long totalFrames = (nodeBytes >>> PAGE_SHIFT) * nodes;
        if (totalFrames > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("at most 2^31-1 frames (8 TiB), got " + totalFrames);
        }
        this.nrNodes = nodes;
        this.pagesPerNode = (int) (nodeBytes >>> PAGE_SHIFT);
        this.frames = new FrameTable((int) totalFrames);
        this.zones = freeAreaInit();
        this.zeroPfn = totalFrames > KERNEL_START_PFN ? KERNEL_START_PFN : 1;
        this.reservedPfns = new int[] {0, zeroPfn};
        reserveBootPages();
        memblockFreeAll();
        this.zonelists = Zonelists.build(zones);
        this.populatedZones = listPopulatedZones();
    }

    // ---- boot ----

    // mm/mm_init.c: free_area_init: every node gets all zones; zone ranges by address
    private Zone[][] freeAreaInit() {
        final Zone[][] z = new Zone[nrNodes][Zone.MAX_NR_ZONES];
        final long[] zoneLimit = {MAX_DMA_PFN, MAX_DMA32_PFN, Long.MAX_VALUE, Long.MAX_VALUE};
        for (int nid = 0; nid < nrNodes; nid++) {
            final long nodeStart = (long) nid * pagesPerNode;
            final long nodeEnd = nodeStart + pagesPerNode;
            long zoneLow = 0;
            for (int zoneIdx = 0; zoneIdx < Zone.MAX_NR_ZONES; zoneIdx++) {
                final long start = Math.min(Math.max(zoneLow, nodeStart), nodeEnd);
                final long end = zoneIdx == Zone.ZONE_MOVABLE ? start
                        : Math.max(start, Math.min(zoneLimit[zoneIdx], nodeEnd));
                z[nid][zoneIdx] = new Zone(frames, nid, zoneIdx, (int) start, (int) (end - start));
                zoneLow = zoneLimit[zoneIdx];
            }
        }
        return z;
    }

    // mm/mm_init.c: __init_single_page leaves every page refcount 1 and reserved until
    // memblock_free_all frees it; these two are never freed (memblock_reserve).
    private void reserveBootPages() {
        for (int pfn : reservedPfns) {
            frames.setFlag(pfn, PG_reserved);
            frames.setRefcount(pfn, 1);
        }
        frames.setFlag(zeroPfn, PG_zero);
    }

    // mm/memblock.c: memblock_free_all -> free_low_memory_core_early: free every range
    // between reserved pages, zone by zone in pfn order
    private void memblockFreeAll() {
        for (Zone[] nodeZones : zones) {
            for (Zone zone : nodeZones) {
                int start = zone.zoneStartPfn();
                for (int r : reservedPfns) {
                    if (zone.spans(r)) {
                        freePagesMemory(zone, start, r);
                        start = r + 1;
                    }
                }
                freePagesMemory(zone, start, zone.zoneEndPfn());
            }
        }
    }

    // mm/memblock.c: __free_pages_memory: the largest aligned block that fits, in pfn order
    private void freePagesMemory(Zone zone, int start, int end) {
        while (start < end) {
            int order = start == 0 ? Zone.MAX_PAGE_ORDER
                    : Math.min(Zone.MAX_PAGE_ORDER, Integer.numberOfTrailingZeros(start));
            while (start + (1 << order) > end) {
                order--;
            }
            freePagesCore(zone, start, order);
            start += 1 << order;
        }
    }

    // mm/page_alloc.c: __free_pages_core: count the pages as managed and free them to the
    // tail (FPI_TO_TAIL). The frames are already clean: refcount 0, no PG_reserved.
    private void freePagesCore(Zone zone, int pfn, int order) {
        zone.addManagedPages(1L << order);
        zone.buddy().freeOnePage(pfn, order, BuddyAllocator.FPI_TO_TAIL);
    }

    private List<Zone> listPopulatedZones() {
        final List<Zone> list = new ArrayList<>();
        for (Zone[] nodeZones : zones) {
            for (Zone zone : nodeZones) {
                if (zone.populated()) {
                    list.add(zone);
                }
            }
        }
        return Collections.unmodifiableList(list);
    }

    // ---- allocation ----

    /** alloc_pages_node(nid, gfp, 0): one frame, or NO_FRAME when memory is exhausted. */
    public int allocPage(int preferredNid) {
        return allocPages(0, preferredNid);
    }

    /**
     * alloc_pages_node(nid, gfp, order) -> get_page_from_freelist: the first zone of the
     * preferred node's zonelist that has a free block of {@code 2^order} frames gives it.
     *
     * @return the first pfn of the block (aligned to {@code 2^order}), each of its frames
     *     with refcount 1; or NO_FRAME if no zone of the zonelist has such a block
     */
    public int allocPages(int order, int preferredNid) {
        if (order < 0 || order > Zone.MAX_PAGE_ORDER) {
            throw new IllegalArgumentException("order must be 0.." + Zone.MAX_PAGE_ORDER + ", got " + order);
        }
        final Zone[] zonelist = zonelists[preferredNid];
        for (int i = 0; i < zonelist.length; i++) {
            final int pfn = zonelist[i].buddy().rmqueueSmallest(order);
            if (pfn != NO_FRAME) {
                prepNewPage(pfn, order);
                return pfn;
            }
        }
        return NO_FRAME;
    }

    /**
     * alloc_pages_node(nid, gfp | __GFP_THISNODE, order): as {@link #allocPages} but only
     * from the zones of node {@code nid} (node_zonelist: ZONELIST_NOFALLBACK), as migration
     * to a node allocates (mm/migrate.c alloc_migration_target).
     */
    public int allocPagesThisNode(int order, int nid) {
        final Zone[] zonelist = zonelists[nid];
        for (int i = 0; i < zonelist.length; i++) {
            if (zonelist[i].nid() != nid) {
                continue;
            }
            final int pfn = zonelist[i].buddy().rmqueueSmallest(order);
            if (pfn != NO_FRAME) {
                prepNewPage(pfn, order);
                return pfn;
            }
        }
        return NO_FRAME;
    }

    /**
     * __alloc_pages(gfp, order, nid, nodemask) with a mempolicy's nodemask (mm/mempolicy.c
     * policy_nodemask for MPOL_BIND): the preferred node's zonelist, only the zones of the
     * nodes in {@code nodemask} (a bitmask of node ids; get_page_from_freelist's
     * for_next_zone_zonelist_nodemask).
     */
    public int allocPagesNodemask(int order, int preferredNid, long nodemask) {
        final Zone[] zonelist = zonelists[preferredNid];
        for (int i = 0; i < zonelist.length; i++) {
            if ((nodemask & (1L << zonelist[i].nid())) == 0) {
                continue;
            }
            final int pfn = zonelist[i].buddy().rmqueueSmallest(order);
            if (pfn != NO_FRAME) {
                prepNewPage(pfn, order);
                return pfn;
            }
        }
        return NO_FRAME;
    }

    // mm/page_alloc.c: prep_new_page -> set_page_refcounted; every frame, as split_page does
    private void prepNewPage(int pfn, int order) {
        final int[] refcount = frames.refcount;
        final int end = pfn + (1 << order);
        for (int p = pfn; p < end; p++) {
            refcount[p] = 1;
        }
    }

    // ---- freeing ----

    /** __free_page(page): {@link #freePages(int, int)} of order 0. */
    public void freePage(int pfn) {
        freePages(pfn, 0);
    }

    /**
     * __free_pages(page, order): the caller drops the only reference to each frame of a block
     * it got from {@link #allocPages}, and the block goes back to the buddy allocator.
     *
     * @throws IllegalStateException ("Bad page state") if a frame is still referenced by
     *     someone else, mapped, reserved, on an LRU list, mlocked or already free
     */
    public void freePages(int pfn, int order) {
        checkBlock(pfn, order);
        freePagesPrepare(pfn, order, 1);
        zoneOf(pfn).buddy().freeOnePage(pfn, order, BuddyAllocator.FPI_NONE);
    }

    /**
     * free_unref_page(page, 0): frees one frame whose refcount the caller has already dropped
     * to zero (the end of folio_put).
     */
    public void freeUnrefPage(int pfn) {
        checkBlock(pfn, 0);
        freePagesPrepare(pfn, 0, 0);
        zoneOf(pfn).buddy().freeOnePage(pfn, 0, BuddyAllocator.FPI_NONE);
    }

    private void checkBlock(int pfn, int order) {
        if (order < 0 || order > Zone.MAX_PAGE_ORDER || pfn < 0
                || (long) pfn + (1 << order) > frames.nrFrames || (pfn & ((1 << order) - 1)) != 0) {
            throw new IllegalArgumentException("no block of order " + order + " at pfn " + pfn);
        }
        if (!zoneOf(pfn).spans(pfn + (1 << order) - 1)) {
            throw new IllegalArgumentException("block of order " + order + " at pfn " + pfn + " crosses a zone");
        }
    }

    // mm/page_alloc.c: free_pages_prepare -> free_page_is_bad, then page->flags &=
    // ~PAGE_FLAGS_CHECK_AT_PREP; the reference the caller held (expectedRef) goes away
    private void freePagesPrepare(int pfn, int order, int expectedRef) {
        final int[] flags = frames.flags;
        final int[] refcount = frames.refcount;
        final int[] mapcount = frames.mapcount;
        final long[] owner = frames.owner;
        final int[] lruPrev = frames.lruPrev;
        final int[] lruNext = frames.lruNext;
        final int end = pfn + (1 << order);
        for (int p = pfn; p < end; p++) {
            if ((flags[p] & PAGE_FLAGS_CHECK_AT_FREE) != 0 || mapcount[p] != 0 || refcount[p] != expectedRef) {
                throw new IllegalStateException("Bad page state: " + badReason(p, expectedRef) + ": " + frames.view(p));
            }
            flags[p] = 0;
            refcount[p] = 0;
            owner[p] = NO_OWNER;
            lruPrev[p] = NO_FRAME;
            lruNext[p] = NO_FRAME;
        }
    }

    // mm/page_alloc.c: page_bad_reason
    private String badReason(int pfn, int expectedRef) {
        if (frames.mapcount[pfn] != 0) {
            return "nonzero mapcount";
        }
        if (frames.refcount[pfn] != expectedRef) {
            return expectedRef == 0 ? "nonzero _refcount" : "_refcount is not the caller's single reference";
        }
        return "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
    }

    // ---- queries ----

    public FrameTable frames() {
        return frames;
    }

    public int nrNodes() {
        return nrNodes;
    }

    /** Frames in the machine (all nodes, reserved ones included). */
    public int nrFrames() {
        return frames.nrFrames;
    }

    /** pfn_to_nid(pfn). */
    public int nidOf(int pfn) {
        return pfn / pagesPerNode;
    }

    /** page_zone(page). */
    public Zone zoneOf(int pfn) {
        return zones[pfn / pagesPerNode][zoneIdxOf(pfn)];
    }

    /** page_zonenum(page): which zone type holds this address. */
    public static int zoneIdxOf(int pfn) {
        return pfn < MAX_DMA_PFN ? Zone.ZONE_DMA : pfn < MAX_DMA32_PFN ? Zone.ZONE_DMA32 : Zone.ZONE_NORMAL;
    }

    /** NODE_DATA(nid)->node_zones[zoneIdx]; unpopulated zones span nothing. */
    public Zone zone(int nid, int zoneIdx) {
        return zones[nid][zoneIdx];
    }

    /** The populated zones, by node then zone type: the order of /proc/buddyinfo. */
    public List<Zone> zones() {
        return populatedZones;
    }

    /** The zones an allocation preferring {@code nid} tries, in order. */
    public List<Zone> zonelist(int nid) {
        return List.of(zonelists[nid]);
    }

    /** node_start_pfn(nid). */
    public int nodeStartPfn(int nid) {
        return nid * pagesPerNode;
    }

    /** node_spanned_pages(nid). */
    public int nodeSpannedPages(int nid) {
        return pagesPerNode;
    }

    /** my_zero_pfn(): the shared zero page, PG_zero|PG_reserved, refcount 1, never freed. */
    public int zeroPfn() {
        return zeroPfn;
    }

    /** totalram_pages(): MemTotal in pages, the managed pages of all zones. */
    public long totalPages() {
        long sum = 0;
        for (Zone zone : populatedZones) {
            sum += zone.managedPages();
        }
        return sum;
    }

    /** global_zone_page_state(NR_FREE_PAGES): MemFree in pages. */
    public long freePagesCount() {
        long sum = 0;
        for (Zone zone : populatedZones) {
            sum += zone.freePages();
        }
        return sum;
    }

    /** Free pages on one node (sum_zone_node_page_state(nid, NR_FREE_PAGES)). */
    public long nodeFreePages(int nid) {
        long sum = 0;
        for (Zone zone : zones[nid]) {
            sum += zone.freePages();
        }
        return sum;
    }

    /**
     * /proc/buddyinfo, as mm/vmstat.c: frag_show_print prints it: for each populated zone
     * {@code "Node %d, zone %8s "}, then {@code "%6lu "} per order, then a newline.
     */
    public String buddyinfo() {
        final StringBuilder sb = new StringBuilder(populatedZones.size() * 96);
        for (Zone zone : populatedZones) {
            sb.append("Node ").append(zone.nid()).append(", zone ");
            padLeft(sb, zone.name(), 8).append(' ');
            for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                padLeft(sb, Long.toString(zone.nrFree(order)), 6).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // printf "%Ns" / "%Nlu" without Formatter, so no locale can change the digits
    private static StringBuilder padLeft(StringBuilder sb, String s, int width) {
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return sb.append(s);
    }

    /**
     * Checks the frame table and every free list against each other; see
     * {@link MemInvariants}.
     *
     * @throws AssertionError naming the first broken rule and the frame it was found on
     */
    public void checkInvariants() {
        MemInvariants.check(this);
    }
}
