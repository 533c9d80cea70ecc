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
 * (mm/page_alloc.c, mm/mm_init.c, mm/memblock.c, mm/cma.c).
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
 * <li>ZONE_MOVABLE, if the machine asks for it ({@code movablecore=}), takes the top of each
 *     node's memory as mm/mm_init.c: find_zone_movable_pfns_for_nodes places it.</li>
 * <li>One CMA area, if the machine asks for it ({@code cma=}), placed as mm/cma.c:
 *     cma_alloc_mem places the default area (bottom-up from 4 GiB when memory reaches
 *     4 GiB + size, else at the top of memory), its pageblocks MIGRATE_CMA.</li>
 * <li>Reserved at boot (PG_reserved, refcount 1, never freed): pfn 0, as x86 reserves the
 *     first page, and the shared zero page. The zero page lives in the kernel image's .bss,
 *     which x86-64 loads at CONFIG_PHYSICAL_START = 16 MiB; it is put at that image's first
 *     frame, pfn 4096, or at pfn 1 on a machine of 16 MiB or less. Nothing else is reserved
 *     (no kernel image, no memmap): MemTotal = all pages minus these two.</li>
 * <li>CPUs: {@code cpus} CPUs, CPU c on node {@code c * nodes / cpus}. The running task is on
 *     {@link #cpu()} (0 unless something sets it: the model has no scheduler), whose pcp
 *     lists allocations and frees use (smp_processor_id()).</li>
 * </ul>
 *
 * <h2>Boot, in the kernel's order</h2>
 * free_area_init (zones, every pageblock MOVABLE), build_all_zonelists (mobility grouping
 * off below {@code pageblock_nr_pages * MIGRATE_TYPES} pages), memblock_free_all
 * (FPI_TO_TAIL, bypassing the pcp lists), setup_per_cpu_pageset (batch and high from the
 * zone sizes, watermarks still zero), cma_init_reserved_areas (each CMA pageblock freed
 * through the pcp lists of CPU 0, as __free_pages does), init_per_zone_wmark_min
 * (min_free_kbytes, watermarks, lowmem_reserve) and, when THP is enabled (always or
 * madvise, as on the reference kernel; the constructor's {@code hugepagePmdEnabled}),
 * khugepaged's set_recommended_min_free_kbytes.
 *
 * <h2>Allocation</h2>
 * {@link #allocPages(int, int, int)} is __alloc_pages: a fast path at the low watermark with
 * ALLOC_NOFRAGMENT where the kernel sets it (alloc_flags_nofragment), then the slow path's
 * attempt at the min watermark (gfp_to_alloc_flags), direct compaction where the kernel's
 * slow path runs it (through {@link Compactor}, installed by the kernel after boot). The
 * model has no reclaim outside machine aging (whose page cache the slow path reclaims
 * through {@link DirectReclaim}, oldest first, while it makes progress) and no OOM killer;
 * where the kernel would reclaim and retry, a request that may enter direct reclaim
 * (__GFP_DIRECT_RECLAIM), unless it is __GFP_NORETRY or of a costly order without
 * __GFP_RETRY_MAYFAIL (those fail, as in the kernel), makes one last attempt with
 * ALLOC_NO_WATERMARKS, taking from the min reserve as an OOM victim would after the killer
 * ran. With vm.defrag_mode=1 the ALLOC_NOFRAGMENT retry comes first ("Reclaim/compaction
 * failed to prevent the fallback"). That keeps every page allocatable by the model's user allocations (as before the
 * watermarks existed: nothing else would ever give memory back), while zone choice, pageblock
 * stealing and the order-aware checks follow the kernel until memory is nearly exhausted.
 * Requests that may not reclaim (GFP_TRANSHUGE_LIGHT, GFP_NOWAIT, GFP_ATOMIC) fail where
 * the kernel's slow path gives up. An allocated block has refcount 1 on every frame (as
 * after {@code split_page}), no flags, no owner; it is not a compound page.
 *
 * <p>vm.defrag_mode ({@link #setDefragMode}, Johannes Weiner, Linux 6.15) sets
 * ALLOC_NOFRAGMENT in every zone on the fast path (alloc_flags_nofragment) and in the slow
 * path (gfp_to_alloc_flags), never drops it in get_page_from_freelist, and drops it only when
 * reclaim failed to prevent the fallback. Its kswapd and kcompactd parts (reclaim and
 * compaction to watermarks met in whole free pageblocks) have no counterpart here: neither
 * daemon is modelled.
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
    /** MAX_ORDER_NR_PAGES: ZONE_MOVABLE starts on such a boundary. */
    static final int MAX_ORDER_NR_PAGES = 1 << Zone.MAX_PAGE_ORDER;
    /** mm/page_alloc.c: sysctl_lowmem_reserve_ratio defaults (DMA, DMA32, Normal, Movable). */
    static final int[] LOWMEM_RESERVE_RATIO = {256, 256, 32, 0};
    /** mm/page_alloc.c: watermark_scale_factor default (0.1% of the zone). */
    static final int WATERMARK_SCALE_FACTOR = 10;
    /** mm/page_alloc.c: MIN_PERCPU_PAGELIST_HIGH_FRACTION. */
    static final int MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;
    /** include/linux/swap.h: SWAP_CLUSTER_MAX. */
    static final int SWAP_CLUSTER_MAX = 32;

    private final FrameTable frames;
    private final int nrNodes;
    private final int nrCpus;
    private final int pagesPerNode;
    /** log2(pagesPerNode) when it is a power of two (pfn_to_nid by a shift), else -1. */
    private final int nodeShift;
    private final int zeroPfn;
    private final int[] reservedPfns;
    private final int[] zoneMovablePfn;
    private final int cmaBasePfn;
    private final int cmaPages;
    private final Zone[][] zones;
    private final Zone[][] zonelists;
    /** node_zonelist(nid, __GFP_THISNODE): ZONELIST_NOFALLBACK, the node's own zones. */
    private final Zone[][] thisNodeZonelists;
    private final List<Zone> populatedZones;
    /** page_group_by_mobility_disabled. */
    private final boolean mobilityDisabled;
    /** min_free_kbytes as boot left it. */
    private long minFreeKbytes;
    /** smp_processor_id() of the running task. */
    private int cpu;
    /** vm.defrag_mode (mm/page_alloc.c defrag_mode, Linux 6.15): 0 by default. */
    private boolean defragMode;
    /**
     * Whether alloc_flags_nofragment may set ALLOC_NOFRAGMENT at all: true from Linux 5.0
     * (commit 6bb154504f8b, "mm, page_alloc: spread allocations across zones before
     * introducing fragmentation"); false models the allocator before it (the machine key
     * {@code nofragment=off}).
     */
    private boolean noFragment = true;
    /** The direct reclaim the slow path calls, or null when nothing can be reclaimed. */
    private DirectReclaim directReclaim;

    /**
     * mm/vmscan.c try_to_free_pages, as the slow path's __alloc_pages_direct_reclaim calls
     * it: frees some reclaimable memory and says how many pages it freed (0: no progress).
     * The model's page cache lives only while a machine ages ({@link Ager}), which installs
     * one for that time.
     */
    @FunctionalInterface
    public interface DirectReclaim {
        long reclaim();
    }

    /** A machine of one CPU, without ZONE_MOVABLE or CMA. */
    public PhysMem(long memoryBytes, int nodes) {
        this(memoryBytes, nodes, 1, 0, 0, 0);
    }

    /**
     * Boots a machine of {@code memoryBytes} bytes of RAM on {@code nodes} NUMA nodes with
     * {@code cpus} CPUs.
     *
     * @param movableBytes {@code movablecore=} as a size (0: none)
     * @param movablePercent {@code movablecore=N%} (0: none; used only if movableBytes is 0)
     * @param cmaBytes {@code cma=} (0: no CMA area)
     * @throws IllegalArgumentException if a node would get less than 2 MiB, there are more
     *     than 64 nodes, there would be more than 2^31 - 1 frames (8 TiB), or the CMA area
     *     does not fit in one zone
     */
    public PhysMem(long memoryBytes, int nodes, int cpus, long movableBytes, int movablePercent, long cmaBytes) {
        this(memoryBytes, nodes, cpus, movableBytes, movablePercent, cmaBytes, true);
    }

    /**
     * As above, with {@code hugepagePmdEnabled} false for a machine whose
     * transparent_hugepage/enabled is {@code never}: khugepaged does not start, so
     * set_recommended_min_free_kbytes does not raise min_free_kbytes.
     */
    public PhysMem(long memoryBytes, int nodes, int cpus, long movableBytes, int movablePercent, long cmaBytes,
            boolean hugepagePmdEnabled) {
        if (nodes < 1 || nodes > Zonelists.MAX_NUMNODES) {
            throw new IllegalArgumentException("nodes must be 1.." + Zonelists.MAX_NUMNODES + ", got " + nodes);
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1, got " + cpus);
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
        this.nrCpus = cpus;
        this.pagesPerNode = (int) (nodeBytes >>> PAGE_SHIFT);
        this.nodeShift = Integer.bitCount(pagesPerNode) == 1 ? Integer.numberOfTrailingZeros(pagesPerNode) : -1;
        this.frames = new FrameTable((int) totalFrames);
        this.zoneMovablePfn = findZoneMovablePfnsForNodes(movableBytes >>> PAGE_SHIFT, movablePercent);
        this.zones = freeAreaInit();
        this.zeroPfn = totalFrames > KERNEL_START_PFN ? KERNEL_START_PFN : 1;
        this.reservedPfns = new int[] {0, zeroPfn};
        this.cmaPages = (int) (roundUp(cmaBytes, NODE_ALIGN_BYTES) >>> PAGE_SHIFT);
        this.cmaBasePfn = cmaPages == 0 ? -1 : cmaAllocMem(cmaPages);
        this.populatedZones = listPopulatedZones();
        this.mobilityDisabled = buildAllZonelistsMobilityCheck();
        reserveBootPages();
        memblockFreeAll();
        this.zonelists = Zonelists.build(zones);
        this.thisNodeZonelists = buildThisnodeZonelists();
        setupPerCpuPageset();
        cmaInitReservedAreas();
        initPerZoneWmarkMin();
        if (hugepagePmdEnabled) {
            setRecommendedMinFreeKbytes();
        }
    }

    private static long roundUp(long v, long align) {
        return (v + align - 1) / align * align;
    }

    // ---- boot ----

    /**
     * mm/mm_init.c: find_zone_movable_pfns_for_nodes with movablecore= (the only source here):
     * the kernel keeps {@code totalpages - movablecore} pages (rounded to MAX_ORDER_NR_PAGES)
     * as kernelcore, spread evenly over the nodes from the bottom of the highest zone up;
     * what lies above on each node is ZONE_MOVABLE. Returns zone_movable_pfn[] (0: none).
     */
    private int[] findZoneMovablePfnsForNodes(long movablePages, int movablePercent) {
        final int[] zmp = new int[nrNodes];
        final long totalpages = (long) pagesPerNode * nrNodes; // early_calculate_totalpages
        long requiredMovablecore = movablePages;
        if (movablePercent != 0) {
            requiredMovablecore = totalpages * 100 * movablePercent / 10000;
        }
        if (requiredMovablecore == 0) {
            return zmp;
        }
        requiredMovablecore = Math.min(totalpages, roundUp(requiredMovablecore, MAX_ORDER_NR_PAGES));
        long requiredKernelcore = totalpages - requiredMovablecore;
        if (requiredKernelcore == 0 || requiredKernelcore >= totalpages) {
            return zmp;
        }
        // find_usable_zone_for_movable: the highest zone with memory; usable_startpfn its start
        final long maxPfn = totalpages;
        final long usableStartpfn = maxPfn > MAX_DMA32_PFN ? MAX_DMA32_PFN : MAX_DMA_PFN;
        int usableNodes = nrNodes;
        do {
            long kernelcoreNode = requiredKernelcore / usableNodes;
            for (int nid = 0; nid < nrNodes; nid++) {
                if (requiredKernelcore < kernelcoreNode) {
                    kernelcoreNode = requiredKernelcore / usableNodes;
                }
                long kernelcoreRemaining = kernelcoreNode;
                long startPfn = Math.max((long) nid * pagesPerNode, zmp[nid]);
                final long endPfn = (long) (nid + 1) * pagesPerNode;
                if (startPfn >= endPfn) {
                    continue;
                }
                if (startPfn < usableStartpfn) { // what is only usable for kernelcore
                    final long kernelPages = Math.min(endPfn, usableStartpfn) - startPfn;
                    kernelcoreRemaining -= Math.min(kernelPages, kernelcoreRemaining);
                    requiredKernelcore -= Math.min(kernelPages, requiredKernelcore);
                    if (endPfn <= usableStartpfn) {
                        zmp[nid] = (int) endPfn;
                        continue;
                    }
                    startPfn = usableStartpfn;
                }
                final long sizePages = Math.min(endPfn - startPfn, kernelcoreRemaining);
                zmp[nid] = (int) (startPfn + sizePages);
                requiredKernelcore -= Math.min(requiredKernelcore, sizePages);
            }
            usableNodes--;
        } while (usableNodes != 0 && requiredKernelcore > usableNodes);
        for (int nid = 0; nid < nrNodes; nid++) { // out2: align to MAX_ORDER_NR_PAGES
            final long aligned = roundUp(zmp[nid], MAX_ORDER_NR_PAGES);
            zmp[nid] = aligned >= (long) (nid + 1) * pagesPerNode ? 0 : (int) aligned;
        }
        return zmp;
    }

    // mm/mm_init.c: free_area_init: every node gets all zones; zone ranges by address,
    // then adjust_zone_range_for_zone_movable
    private Zone[][] freeAreaInit() {
        final Zone[][] z = new Zone[nrNodes][Zone.MAX_NR_ZONES];
        final long[] zoneLimit = {MAX_DMA_PFN, MAX_DMA32_PFN, Long.MAX_VALUE, Long.MAX_VALUE};
        for (int nid = 0; nid < nrNodes; nid++) {
            final long nodeStart = (long) nid * pagesPerNode;
            final long nodeEnd = nodeStart + pagesPerNode;
            final long movableStart = zoneMovablePfn[nid];
            long zoneLow = 0;
            for (int zoneIdx = 0; zoneIdx < Zone.MAX_NR_ZONES; zoneIdx++) {
                long start = Math.min(Math.max(zoneLow, nodeStart), nodeEnd);
                long end = zoneIdx == Zone.ZONE_MOVABLE ? start
                        : Math.max(start, Math.min(zoneLimit[zoneIdx], nodeEnd));
                if (movableStart != 0) {
                    if (zoneIdx == Zone.ZONE_MOVABLE) {
                        start = movableStart;
                        end = nodeEnd;
                    } else if (start < movableStart && end > movableStart) {
                        end = movableStart;
                    } else if (start >= movableStart) {
                        start = end;
                    }
                }
                z[nid][zoneIdx] = new Zone(frames, nid, zoneIdx, (int) start, (int) (end - start), nrCpus);
                zoneLow = zoneLimit[zoneIdx];
            }
        }
        return z;
    }

    /**
     * mm/cma.c: cma_alloc_mem for the default area (dma_contiguous_reserve, limit = end of
     * memory): bottom-up from 4 GiB if memory reaches 4 GiB + size, else top-down. The area
     * must lie in one zone, or cma_activate_area refuses it.
     */
    private int cmaAllocMem(int pages) {
        final long total = frames.nrFrames;
        final long base = total >= MAX_DMA32_PFN + (long) pages ? MAX_DMA32_PFN : total - pages;
        if (base < KERNEL_START_PFN + 1 || pages > total) {
            throw new IllegalArgumentException("cma area of " + ((long) pages << PAGE_SHIFT >> 20)
                    + " MiB does not fit in memory");
        }
        final Zone z = zoneOf((int) base);
        if (!z.spans((int) (base + pages - 1))) {
            throw new IllegalArgumentException("cma area [" + base + ", " + (base + pages)
                    + ") straddles zones; cma_activate_area would refuse it");
        }
        return (int) base;
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

    /**
     * mm/page_alloc.c: build_all_zonelists: mobility grouping is off when the pages beyond the
     * high watermark (all present pages: watermarks are zero this early) are fewer than
     * {@code pageblock_nr_pages * MIGRATE_TYPES}.
     */
    private boolean buildAllZonelistsMobilityCheck() {
        long vmTotalPages = 0;
        for (Zone zone : populatedZones) {
            vmTotalPages += zone.presentPages();
        }
        return vmTotalPages < (long) FrameTable.PAGEBLOCK_NR_PAGES * FrameTable.MIGRATE_TYPES;
    }

    // mm/memblock.c: memblock_free_all -> free_low_memory_core_early: free every range
    // between reserved pages (and outside the CMA area, reserved until cma_activate_area)
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
                if (cmaPages != 0 && zone.spans(cmaBasePfn)) {
                    freePagesMemory(zone, start, cmaBasePfn);
                    start = cmaBasePfn + cmaPages;
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
    // tail (FPI_TO_TAIL), bypassing the pcp lists (__free_pages_ok). The frames are clean.
    private void freePagesCore(Zone zone, int pfn, int order) {
        zone.addManagedPages(1L << order);
        freeOnePage(zone, pfn, order, BuddyAllocator.FPI_TO_TAIL);
    }

    // mm/page_alloc.c: setup_per_cpu_pageset -> setup_zone_pageset for populated zones
    private void setupPerCpuPageset() {
        for (Zone zone : populatedZones) {
            zoneSetPagesetHighAndBatch(zone, 0);
        }
    }

    /**
     * mm/mm_init.c: init_cma_reserved_pageblock for each pageblock of the area: type
     * MIGRATE_CMA, freed with __free_pages(page, pageblock_order) (through the pcp lists of
     * the boot CPU), added to managed_pages and zone->cma_pages.
     */
    private void cmaInitReservedAreas() {
        for (int pfn = cmaBasePfn; cmaPages != 0 && pfn < cmaBasePfn + cmaPages; pfn += FrameTable.PAGEBLOCK_NR_PAGES) {
            frames.setPageblockMigratetype(pfn, FrameTable.MIGRATE_CMA);
            for (int p = pfn; p < pfn + FrameTable.PAGEBLOCK_NR_PAGES; p++) {
                frames.refcount[p] = 1;
            }
            freePages(pfn, FrameTable.PAGEBLOCK_ORDER);
            final Zone zone = zoneOf(pfn);
            zone.addManagedPages(FrameTable.PAGEBLOCK_NR_PAGES);
            zone.addCmaPages(FrameTable.PAGEBLOCK_NR_PAGES);
        }
    }

    /** mm/page_alloc.c: init_per_zone_wmark_min. */
    private void initPerZoneWmarkMin() {
        calculateMinFreeKbytes();
        setupPerZoneWmarks();
        setupPerZoneLowmemReserve();
    }

    /**
     * mm/page_alloc.c: calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16) clamped to
     * [128, 262144], where lowmem_kbytes is nr_free_buffer_pages() in KiB.
     */
    private void calculateMinFreeKbytes() {
        final long lowmemKbytes = nrFreeBufferPages() * (PAGE_SIZE >> 10);
        final long v = (long) Math.floor(Math.sqrt((double) (lowmemKbytes * 16)));
        long s = v;
        while (s * s > lowmemKbytes * 16) { // int_sqrt: exact floor even where double rounds
            s--;
        }
        while ((s + 1) * (s + 1) <= lowmemKbytes * 16) {
            s++;
        }
        minFreeKbytes = Math.max(128, Math.min(s, 262144));
    }

    /**
     * mm/page_alloc.c: nr_free_buffer_pages -> nr_free_zone_pages(gfp_zone(GFP_USER)): over
     * the zonelist of the boot CPU's node, each zone up to Normal, managed minus high.
     */
    long nrFreeBufferPages() {
        long sum = 0;
        for (Zone zone : populatedZones) {
            if (zone.zoneIdx() > Zone.ZONE_NORMAL) {
                continue;
            }
            final long size = zone.managedPages();
            final long high = zone.highWmarkPages();
            if (size > high) {
                sum += size - high;
            }
        }
        return sum;
    }

    /**
     * mm/khugepaged.c: set_recommended_min_free_kbytes, run by hugepage_init when THP is
     * enabled (always or madvise; madvise on the reference box): two pageblocks per zone up to Normal, plus
     * MIGRATE_PCPTYPES^2 pageblocks per such zone, at most 5% of lowmem; raises
     * min_free_kbytes and recomputes the watermarks.
     */
    private void setRecommendedMinFreeKbytes() {
        int nrZones = 0;
        for (Zone zone : populatedZones) {
            if (zone.zoneIdx() <= Gfp.gfpZone(Gfp.GFP_USER)) {
                nrZones++;
            }
        }
        long recommendedMin = (long) FrameTable.PAGEBLOCK_NR_PAGES * nrZones * 2;
        recommendedMin += (long) FrameTable.PAGEBLOCK_NR_PAGES * nrZones * FrameTable.MIGRATE_PCPTYPES
                * FrameTable.MIGRATE_PCPTYPES;
        recommendedMin = Math.min(recommendedMin, nrFreeBufferPages() / 20);
        recommendedMin <<= PAGE_SHIFT - 10;
        if (recommendedMin > minFreeKbytes) {
            minFreeKbytes = recommendedMin;
        }
        setupPerZoneWmarks();
    }

    /**
     * mm/page_alloc.c: __setup_per_zone_wmarks: min_free_kbytes split over the lowmem zones
     * by managed pages (ZONE_MOVABLE gets managed/1024 clamped to [32, 128]); low and high
     * are each max(min/4, managed * watermark_scale_factor / 10000) above the previous mark.
     * Then setup_per_zone_wmarks updates every zone's pcp batch and high (zone_pcp_update).
     */
    private void setupPerZoneWmarks() {
        final long pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10);
        long lowmemPages = 0;
        for (Zone zone : allZones()) {
            if (zone.zoneIdx() != Zone.ZONE_MOVABLE) {
                lowmemPages += zone.managedPages();
            }
        }
        for (Zone zone : allZones()) {
            final long managed = zone.managedPages();
            long tmp = lowmemPages == 0 ? 0 : pagesMin * managed / lowmemPages;
            if (zone.zoneIdx() == Zone.ZONE_MOVABLE) {
                zone.watermark[Zone.WMARK_MIN] = Math.min(Math.max(managed / 1024, SWAP_CLUSTER_MAX), 128);
            } else {
                zone.watermark[Zone.WMARK_MIN] = tmp;
            }
            tmp = Math.max(tmp >> 2, Zone.multFrac(managed, WATERMARK_SCALE_FACTOR, 10000));
            zone.watermarkBoost = 0;
            zone.watermark[Zone.WMARK_LOW] = zone.minWmarkPages() + tmp;
            zone.watermark[Zone.WMARK_HIGH] = zone.lowWmarkPages() + tmp;
            zone.watermark[Zone.WMARK_PROMO] = zone.highWmarkPages() + tmp;
        }
        for (Zone zone : allZones()) {
            zoneSetPagesetHighAndBatch(zone, 0); // zone_pcp_update(zone, 0)
        }
    }

    /**
     * mm/page_alloc.c: setup_per_zone_lowmem_reserve: zone i keeps back, from a request that
     * could use zone j &gt; i, the managed pages of zones i+1..j divided by zone i's ratio.
     */
    private void setupPerZoneLowmemReserve() {
        for (int nid = 0; nid < nrNodes; nid++) {
            for (int i = 0; i < Zone.MAX_NR_ZONES - 1; i++) {
                final Zone zone = zones[nid][i];
                final int ratio = LOWMEM_RESERVE_RATIO[i];
                final boolean clear = ratio == 0 || zone.managedPages() == 0;
                long managedPages = 0;
                for (int j = i + 1; j < Zone.MAX_NR_ZONES; j++) {
                    managedPages += zones[nid][j].managedPages();
                    zone.lowmemReserve[j] = clear ? 0 : managedPages / ratio;
                }
            }
        }
    }

    /** mm/page_alloc.c: zone_set_pageset_high_and_batch (percpu_pagelist_high_fraction 0). */
    private void zoneSetPagesetHighAndBatch(Zone zone, int cpuOnline) {
        final int batch = Math.max(1, zoneBatchsize(zone));
        final int highMin = zoneHighsize(zone, batch, cpuOnline, 0);
        final int highMax = zoneHighsize(zone, batch, cpuOnline, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
        zone.pagesetBatch = batch;
        zone.pagesetHighMin = highMin;
        zone.pagesetHighMax = highMax;
        for (int c = 0; c < nrCpus; c++) {
            zone.pcp(c).update(highMin, highMax, batch);
        }
    }

    /**
     * mm/page_alloc.c: zone_batchsize: about 0.1% of the zone or 1 MiB, whichever is smaller,
     * divided by 4, rounded to a 2^n - 1 value.
     */
    static int zoneBatchsize(Zone zone) {
        int batch = (int) Math.min(zone.managedPages() >> 10, (1 << 20) / PAGE_SIZE);
        batch /= 4;
        if (batch < 1) {
            batch = 1;
        }
        return Integer.highestOneBit(batch + batch / 2) - 1; // rounddown_pow_of_two(...) - 1
    }

    /**
     * mm/page_alloc.c: zone_highsize: the low watermark (or managed / fraction) split over the
     * CPUs of the zone's node (all CPUs for a node without any), at least 4 * batch.
     */
    private int zoneHighsize(Zone zone, int batch, int cpuOnline, int highFraction) {
        final long totalPages = highFraction == 0 ? zone.lowWmarkPages() : zone.managedPages() / highFraction;
        int nrSplitCpus = cpusOfNode(zone.nid()) + cpuOnline;
        if (nrSplitCpus == 0) {
            nrSplitCpus = nrCpus;
        }
        final long high = totalPages / nrSplitCpus;
        return (int) Math.max(high, (long) batch << 2);
    }

    /** cpumask_weight(cpumask_of_node(nid)): CPU c is on node c * nodes / cpus. */
    int cpusOfNode(int nid) {
        int n = 0;
        for (int c = 0; c < nrCpus; c++) {
            n += cpuToNode(c) == nid ? 1 : 0;
        }
        return n;
    }

    /** cpu_to_node(cpu). */
    public int cpuToNode(int c) {
        return (int) ((long) c * nrNodes / nrCpus);
    }

    // mm/page_alloc.c: build_thisnode_zonelists: the node's managed zones, highest first
    private Zone[][] buildThisnodeZonelists() {
        final Zone[][] lists = new Zone[nrNodes][];
        for (int nid = 0; nid < nrNodes; nid++) {
            final List<Zone> l = new ArrayList<>();
            for (Zone z : zonelists[nid]) {
                if (z.nid() == nid) {
                    l.add(z);
                }
            }
            lists[nid] = l.toArray(new Zone[0]);
        }
        return lists;
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

    /** for_each_zone: every zone of every node, populated or not. */
    private List<Zone> allZones() {
        final List<Zone> list = new ArrayList<>();
        for (Zone[] nodeZones : zones) {
            Collections.addAll(list, nodeZones);
        }
        return list;
    }

    // ---- allocation ----

    /** PF_MEMALLOC_PIN of the running task (the model runs one task at a time). */
    private boolean memallocPin;

    /**
     * include/linux/sched/mm.h memalloc_pin_save: until the matching restore, allocations
     * avoid ZONE_MOVABLE and CMA (a long-term pin's faults, mm/gup.c __gup_longterm_locked).
     *
     * @return the previous state, for {@link #memallocPinRestore}
     */
    public boolean memallocPinSave() {
        final boolean old = memallocPin;
        memallocPin = true;
        return old;
    }

    /** include/linux/sched/mm.h memalloc_pin_restore. */
    public void memallocPinRestore(boolean old) {
        memallocPin = old;
    }

    // include/linux/sched/mm.h current_gfp_context: PF_MEMALLOC_PIN drops __GFP_MOVABLE
    private int currentGfpContext(int gfp) {
        return memallocPin ? gfp & ~Gfp.__GFP_MOVABLE : gfp;
    }

    /** alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE, 0): one frame, or NO_FRAME when memory is exhausted. */
    public int allocPage(int preferredNid) {
        return allocPages(0, preferredNid, Gfp.GFP_HIGHUSER_MOVABLE);
    }

    /** alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE, order). */
    public int allocPages(int order, int preferredNid) {
        return allocPages(order, preferredNid, Gfp.GFP_HIGHUSER_MOVABLE);
    }

    /**
     * mm/page_alloc.c: __alloc_pages(gfp, order, nid): the fast path at the low watermark,
     * then the slow path's attempt at the min watermark, then (for requests that may reclaim)
     * the model's stand-in for reclaim and the OOM killer; see the class comment.
     *
     * @return the first pfn of the block (aligned to {@code 2^order}), each of its frames
     *     with refcount 1; or NO_FRAME
     */
    public int allocPages(int order, int preferredNid, int gfp) {
        if (order < 0 || order > Zone.MAX_PAGE_ORDER) {
            throw new IllegalArgumentException("order must be 0.." + Zone.MAX_PAGE_ORDER + ", got " + order);
        }
        gfp = currentGfpContext(gfp);
        // prepare_alloc_pages: the zonelist here; zone and migratetype in allocFromZonelist
        // gfp_zonelist: __GFP_THISNODE uses ZONELIST_NOFALLBACK
        final Zone[] zonelist = (gfp & Gfp.__GFP_THISNODE) != 0 ? thisNodeZonelists[preferredNid] : zonelists[preferredNid];
        return allocFromZonelist(order, gfp, zonelist);
    }

    private int allocFromZonelist(int order, int gfp, Zone[] zonelist) {
        final int highestZoneidx = Gfp.gfpZone(gfp);
        final int migratetype = mobilityDisabled ? FrameTable.MIGRATE_UNMOVABLE : Gfp.gfpMigratetype(gfp);
        final Zone preferred = firstZone(zonelist, highestZoneidx);
        if (preferred == null) {
            return NO_FRAME;
        }
        int allocFlags = AllocFlags.ALLOC_WMARK_LOW | allocFlagsCma(gfp);
        allocFlags |= allocFlagsNofragment(preferred, gfp);
        int pfn = getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, migratetype);
        if (pfn == NO_FRAME) {
            pfn = allocPagesSlowpath(gfp, order, zonelist, preferred, highestZoneidx, migratetype);
        }
        if (pfn != NO_FRAME) {
            prepNewPage(pfn, order);
        }
        return pfn;
    }

    /**
     * alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, order): only from the
     * zones of node {@code nid} (ZONELIST_NOFALLBACK), as migration to a node allocates
     * (mm/migrate.c alloc_migration_target).
     */
    public int allocPagesThisNode(int order, int nid) {
        return allocPages(order, nid, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_THISNODE);
    }

    private static Zone firstZone(Zone[] zonelist, int highestZoneidx) {
        for (Zone z : zonelist) {
            if (z.zoneIdx() <= highestZoneidx) {
                return z;
            }
        }
        return null;
    }

    // mm/page_alloc.c: gfp_to_alloc_flags_cma
    private static int allocFlagsCma(int gfp) {
        return Gfp.gfpMigratetype(gfp) == FrameTable.MIGRATE_MOVABLE ? AllocFlags.ALLOC_CMA : 0;
    }

    /**
     * mm/page_alloc.c: alloc_flags_nofragment: ALLOC_KSWAPD from the gfp; ALLOC_NOFRAGMENT
     * when the preferred zone is Normal and (on a NUMA machine) its node has DMA32 populated,
     * so the first pass prefers DMA32 to splitting a pageblock of another type in Normal.
     */
    private int allocFlagsNofragment(Zone zone, int gfp) {
        int allocFlags = gfp & Gfp.__GFP_KSWAPD_RECLAIM; // == ALLOC_KSWAPD
        if (defragMode) {
            return allocFlags | AllocFlags.ALLOC_NOFRAGMENT; // whatever the zone
        }
        if (!noFragment) {
            return allocFlags; // before 5.0: no ALLOC_NOFRAGMENT
        }
        if (zone.zoneIdx() != Zone.ZONE_NORMAL) {
            return allocFlags;
        }
        if (nrNodes > 1 && !zones[zone.nid()][Zone.ZONE_DMA32].populated()) {
            return allocFlags;
        }
        return allocFlags | AllocFlags.ALLOC_NOFRAGMENT;
    }

    /** mm/page_alloc.c: gfp_to_alloc_flags (no cpusets, no realtime tasks); defrag_mode adds ALLOC_NOFRAGMENT. */
    private int gfpToAllocFlags(int gfp, int order) {
        int allocFlags = AllocFlags.ALLOC_WMARK_MIN | AllocFlags.ALLOC_CPUSET;
        allocFlags |= gfp & (Gfp.__GFP_HIGH | Gfp.__GFP_KSWAPD_RECLAIM);
        if ((gfp & Gfp.__GFP_DIRECT_RECLAIM) == 0) {
            if ((gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
                allocFlags |= AllocFlags.ALLOC_NON_BLOCK;
                if (order > 0 && (allocFlags & AllocFlags.ALLOC_MIN_RESERVE) != 0) {
                    allocFlags |= AllocFlags.ALLOC_HIGHATOMIC;
                }
            }
            if ((allocFlags & AllocFlags.ALLOC_MIN_RESERVE) != 0) {
                allocFlags &= ~AllocFlags.ALLOC_CPUSET;
            }
        }
        allocFlags |= allocFlagsCma(gfp);
        if (defragMode) {
            allocFlags |= AllocFlags.ALLOC_NOFRAGMENT;
        }
        return allocFlags;
    }

    /** include/linux/mmzone.h PAGE_ALLOC_COSTLY_ORDER. */
    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;
    /** mm/page_alloc.c MAX_COMPACT_RETRIES. */
    public static final int MAX_COMPACT_RETRIES = 16;

    /** mm/compaction.c, installed by the kernel; null: nothing compacts (boot, aging). */
    private Compactor compactor;
    /** PF_MEMALLOC of a direct compaction in progress (memalloc_noreclaim_save). */
    private boolean inDirectCompaction;

    /** Installs direct compaction and kcompactd (mm/compaction.c). */
    public void setCompactor(Compactor c) {
        compactor = c;
    }

    /** include/linux/gfp.h gfp_compaction_allowed: CONFIG_COMPACTION and __GFP_IO. */
    public static boolean gfpCompactionAllowed(int gfp) {
        return (gfp & Gfp.__GFP_IO) != 0;
    }

    /**
     * mm/page_alloc.c: __alloc_pages_slowpath. The attempt at the min watermark; for costly
     * orders (> PAGE_ALLOC_COSTLY_ORDER) and non-movable orders above 0, a first asynchronous
     * direct compaction (INIT_COMPACT_PRIORITY), after which a costly __GFP_NORETRY request
     * (a THP fault's first, node-local try) gives up when compaction was skipped or deferred;
     * then the retry: another attempt, the reclaim step, direct compaction at the current
     * priority (DEF_COMPACT_PRIORITY, MIGRATE_SYNC_LIGHT), and the exits for __GFP_NORETRY and
     * for costly orders without __GFP_RETRY_MAYFAIL (every THP and MADV_COLLAPSE allocation).
     *
     * <p>The model reclaims only an aging machine's page cache ({@link DirectReclaim}); its
     * stand-in for __alloc_pages_direct_reclaim reclaims that, tries, drains the pcp lists and
     * tries again. Without progress neither should_reclaim_retry (whose watermark check, with
     * nothing reclaimable, is the one get_page_from_freelist just failed) nor
     * should_compact_retry (which needs progress) loops. Then vm.defrag_mode's retry without
     * ALLOC_NOFRAGMENT; where the kernel would then call the OOM killer, a request makes one
     * last attempt with ALLOC_NO_WATERMARKS (see the class comment).
     */
    private int allocPagesSlowpath(int gfp, int order, Zone[] zonelist, Zone preferred, int highestZoneidx, int mt) {
        final boolean canDirectReclaim = Gfp.allowBlocking(gfp);
        final boolean canCompact = gfpCompactionAllowed(gfp);
        final boolean costlyOrder = order > PAGE_ALLOC_COSTLY_ORDER;
        final int[] retry = {Compactor.DEF_COMPACT_PRIORITY, 0}; // compact_priority, compaction_retries
        int compactResult = Compactor.COMPACT_SKIPPED;
        int allocFlags = gfpToAllocFlags(gfp, order);
        if ((allocFlags & AllocFlags.ALLOC_KSWAPD) != 0) {
            wakeAllKswapds(order, gfp, zonelist, highestZoneidx);
        }
        int pfn = getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, mt);
        if (pfn != NO_FRAME) {
            return pfn;
        }
        // "For costly allocations, try direct compaction first ... For non-movable high-order
        // allocations, do that as well"; not for those that may ignore watermarks
        // (gfp_pfmemalloc_allowed: no __GFP_MEMALLOC caller or PF_MEMALLOC task in the model)
        if (canDirectReclaim && canCompact && (costlyOrder || (order > 0 && mt != FrameTable.MIGRATE_MOVABLE))
                && !inDirectCompaction) {
            pfn = allocPagesDirectCompact(gfp, order, allocFlags, zonelist, preferred, highestZoneidx, mt,
                    Compactor.INIT_COMPACT_PRIORITY);
            compactResult = lastCompactResult;
            if (pfn != NO_FRAME) {
                return pfn;
            }
            if (costlyOrder && (gfp & Gfp.__GFP_NORETRY) != 0) {
                if (compactResult == Compactor.COMPACT_SKIPPED || compactResult == Compactor.COMPACT_DEFERRED) {
                    return NO_FRAME;
                }
                retry[0] = Compactor.INIT_COMPACT_PRIORITY; // "keep using async compaction"
            }
        }
        while (true) { // retry:
            if ((allocFlags & AllocFlags.ALLOC_KSWAPD) != 0) {
                wakeAllKswapds(order, gfp, zonelist, highestZoneidx);
            }
            pfn = getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, mt);
            if (pfn != NO_FRAME) {
                return pfn;
            }
            if (!canDirectReclaim || inDirectCompaction) { // PF_MEMALLOC: "Avoid recursion of direct reclaim"
                return NO_FRAME;
            }
            // __alloc_pages_direct_reclaim: __perform_reclaim (the aging machine's page cache,
            // oldest first; nothing elsewhere) and an attempt, repeated while reclaim makes
            // progress (should_reclaim_retry's loop, for any order: the model's stand-in), then
            // drain_all_pages(NULL) and one more attempt. The kernel drains after each failed
            // attempt that follows reclaim and skips the drain when reclaim freed nothing; the
            // model, with no kswapd to keep free memory above the low watermark, enters direct
            // reclaim every 32 pages while a machine ages, so it drains once, when reclaim
            // stops giving pages (and always: standing in for the reclaim it does not have).
            boolean didSomeProgress = false;
            while (directReclaim != null && directReclaim.reclaim() > 0) {
                didSomeProgress = true;
                pfn = getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, mt);
                if (pfn != NO_FRAME) {
                    return pfn;
                }
            }
            drainAllPages(null);
            pfn = getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, mt);
            if (pfn != NO_FRAME) {
                return pfn;
            }
            pfn = allocPagesDirectCompact(gfp, order, allocFlags, zonelist, preferred, highestZoneidx, mt, retry[0]);
            if (order > 0) {
                compactResult = lastCompactResult;
            }
            if (pfn != NO_FRAME) {
                return pfn;
            }
            if ((gfp & Gfp.__GFP_NORETRY) != 0) { // "Do not loop if specifically requested"
                return NO_FRAME;
            }
            // "Do not retry costly high order allocations unless they are __GFP_RETRY_MAYFAIL and we can compact"
            if (costlyOrder && (!canCompact || (gfp & Gfp.__GFP_RETRY_MAYFAIL) == 0)) {
                return NO_FRAME;
            }
            // should_reclaim_retry: the reclaim loop above already retried while reclaim made
            // progress; with the page cache exhausted it has nothing more to give
            if (didSomeProgress && canCompact && shouldCompactRetry(zonelist, highestZoneidx, order, compactResult, retry)) {
                continue;
            }
            // "Reclaim/compaction failed to prevent the fallback"
            if (defragMode && (allocFlags & AllocFlags.ALLOC_NOFRAGMENT) != 0) {
                allocFlags &= ~AllocFlags.ALLOC_NOFRAGMENT;
                continue;
            }
            break;
        }
        allocFlags = AllocFlags.ALLOC_NO_WATERMARKS | allocFlagsCma(gfp) | (allocFlags & AllocFlags.ALLOC_KSWAPD);
        return getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, mt);
    }

    /** The compact_result of the last {@link #allocPagesDirectCompact} (its out-parameter). */
    private int lastCompactResult;

    /**
     * mm/page_alloc.c: __alloc_pages_direct_compact: try_to_compact_pages under PF_MEMALLOC;
     * unless every zone skipped, a compact_stall, then get_page_from_freelist (no page
     * capture in the model) and compact_success or compact_fail.
     */
    private int allocPagesDirectCompact(int gfp, int order, int allocFlags, Zone[] zonelist, Zone preferred,
            int highestZoneidx, int mt, int prio) {
        if (order == 0) {
            return NO_FRAME;
        }
        if (compactor == null) {
            lastCompactResult = Compactor.COMPACT_SKIPPED;
            return NO_FRAME;
        }
        inDirectCompaction = true;
        try {
            lastCompactResult = compactor.tryToCompactPages(gfp, order, allocFlags, zonelist, highestZoneidx, prio);
        } finally {
            inDirectCompaction = false;
        }
        if (lastCompactResult == Compactor.COMPACT_SKIPPED) {
            return NO_FRAME;
        }
        final int pfn = getPageFromFreelist(order, allocFlags, zonelist, preferred, highestZoneidx, mt);
        compactor.directCompactDone(pfn != NO_FRAME ? zoneOf(pfn) : null, order);
        return pfn;
    }

    /**
     * mm/page_alloc.c: should_compact_retry. {@code state} is {compact_priority,
     * compaction_retries}, updated as the kernel updates them. (The slow path reaches it only
     * after reclaim made progress, which the model's reclaim never does.)
     */
    public boolean shouldCompactRetry(Zone[] zonelist, int highestZoneidx, int order, int compactResult, int[] state) {
        if (order == 0) {
            return false;
        }
        if (compactResult == Compactor.COMPACT_SKIPPED) {
            // "Compaction was skipped due to a lack of free order-0 migration targets"
            return compactor != null && compactor.compactionZonelistSuitable(zonelist, highestZoneidx, order);
        }
        if (compactResult == Compactor.COMPACT_SUCCESS) {
            final int maxRetries = order > PAGE_ALLOC_COSTLY_ORDER ? MAX_COMPACT_RETRIES / 4 : MAX_COMPACT_RETRIES;
            if (++state[1] <= maxRetries) {
                return true;
            }
        }
        // "Compaction failed. Retry with increasing priority."
        final int minPriority = order > PAGE_ALLOC_COSTLY_ORDER ? Compactor.MIN_COMPACT_COSTLY_PRIORITY
                : Compactor.MIN_COMPACT_PRIORITY;
        if (state[0] > minPriority) {
            state[0]--;
            state[1] = 0;
            return true;
        }
        return false;
    }

    /**
     * mm/page_alloc.c: wake_all_kswapds: wakeup_kswapd for the first zone of each node.
     * mm/vmscan.c wakeup_kswapd: a node balanced at the request's order (pgdat_balanced: a
     * zone above its high mark with a free block of the order) and not boosted does not need
     * kswapd; the memory may still be too fragmented, so a request that cannot compact itself
     * (no __GFP_DIRECT_RECLAIM) wakes kcompactd. An unbalanced node's kswapd pass is not
     * modelled here (it would reclaim, then wake kcompactd as it goes to sleep); a boosted
     * zone's pass is ({@link #rmqueue}). kswapd_failures (the hopeless node) is not kept.
     */
    private void wakeAllKswapds(int order, int gfp, Zone[] zonelist, int highestZoneidx) {
        if (compactor == null) {
            return;
        }
        int lastNid = -1;
        for (Zone zone : zonelist) {
            if (zone.zoneIdx() > highestZoneidx || zone.managedPages() == 0 || zone.nid() == lastNid) {
                continue;
            }
            final int nid = zone.nid();
            if (pgdatBalanced(nid, order, highestZoneidx) && !pgdatWatermarkBoosted(nid, highestZoneidx)
                    && (gfp & Gfp.__GFP_DIRECT_RECLAIM) == 0) {
                compactor.wakeupKcompactd(nid, order, highestZoneidx);
            }
            lastNid = nid;
        }
    }

    /** mm/vmscan.c: pgdat_balanced (no memory tiering, no defrag_mode). */
    public boolean pgdatBalanced(int nid, int order, int highestZoneidx) {
        boolean anyManaged = false;
        for (int i = 0; i <= highestZoneidx; i++) {
            final Zone zone = zones[nid][i];
            if (zone == null || zone.managedPages() == 0) {
                continue;
            }
            anyManaged = true;
            if (zone.watermarkOk(order, zone.highWmarkPages(), highestZoneidx, 0)) {
                return true;
            }
        }
        return !anyManaged;
    }

    /** mm/vmscan.c: pgdat_watermark_boosted. */
    private boolean pgdatWatermarkBoosted(int nid, int highestZoneidx) {
        for (int i = highestZoneidx; i >= 0; i--) {
            final Zone zone = zones[nid][i];
            if (zone != null && zone.managedPages() != 0 && zone.watermarkBoost() != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * mm/page_alloc.c: get_page_from_freelist: the first zone of the zonelist (up to
     * {@code highestZoneidx}) whose watermark allows the request takes it. Checks the high
     * mark first to keep ZONE_BELOW_HIGH, then the request's mark; a remote node under
     * ALLOC_NOFRAGMENT, or a pass that found nothing, retries without ALLOC_NOFRAGMENT.
     */
    private int getPageFromFreelist(int order, int allocFlags, Zone[] zonelist, Zone preferred,
            int highestZoneidx, int mt) {
        while (true) {
            final boolean noFallback = (allocFlags & AllocFlags.ALLOC_NOFRAGMENT) != 0;
            boolean retry = false;
            for (Zone zone : zonelist) {
                if (zone.zoneIdx() > highestZoneidx) {
                    continue;
                }
                if (noFallback && !defragMode && nrNodes > 1 && zone != preferred && zone.nid() != preferred.nid()) {
                    // moving to a remote node: locality matters more than fragmentation
                    allocFlags &= ~AllocFlags.ALLOC_NOFRAGMENT;
                    retry = true;
                    break;
                }
                if (!zoneAllows(zone, order, allocFlags, highestZoneidx)) {
                    continue;
                }
                final int pfn = rmqueue(zone, order, allocFlags, mt);
                if (pfn != NO_FRAME) {
                    return pfn;
                }
            }
            if (retry) {
                continue;
            }
            if (noFallback && !defragMode) { // a UMA machine may get through all zones fragmented
                allocFlags &= ~AllocFlags.ALLOC_NOFRAGMENT;
                continue;
            }
            return NO_FRAME;
        }
    }

    // get_page_from_freelist's watermark part: ZONE_BELOW_HIGH, then wmark_pages(alloc_flags)
    private boolean zoneAllows(Zone zone, int order, int allocFlags, int highestZoneidx) {
        if (!zone.belowHigh()) {
            if (zone.watermarkFast(order, zone.highWmarkPages(), highestZoneidx, allocFlags)) {
                return true;
            }
            zone.setBelowHigh();
        }
        if ((allocFlags & AllocFlags.ALLOC_NO_WATERMARKS) != 0) {
            return true;
        }
        final long mark = zone.wmarkPages(allocFlags & AllocFlags.ALLOC_WMARK_MASK);
        return zone.watermarkFast(order, mark, highestZoneidx, allocFlags);
    }

    /**
     * mm/page_alloc.c: rmqueue: pcp-allowed orders from this CPU's pcp list, else (or if that
     * fails) from the buddy (rmqueue_buddy, with the HIGHATOMIC lists for ALLOC_HIGHATOMIC and,
     * when all else fails, for ALLOC_OOM / ALLOC_NON_BLOCK).
     */
    private int rmqueue(Zone zone, int order, int allocFlags, int mt) {
        final int pfn = rmqueueZone(zone, order, allocFlags, mt);
        if ((allocFlags & AllocFlags.ALLOC_KSWAPD) != 0 && zone.boostedWatermark()) {
            zone.kswapdBoostPass(); // wakeup_kswapd for the boosted zone
            if (compactor != null) {
                // mm/vmscan.c balance_pgdat, after a boosted pass: "As there is now likely space,
                // wakeup kcompact to defragment pageblocks"
                compactor.wakeupKcompactd(zone.nid(), FrameTable.PAGEBLOCK_ORDER, zone.zoneIdx());
            }
        }
        return pfn;
    }

    private int rmqueueZone(Zone zone, int order, int allocFlags, int mt) {
        if (PerCpuPages.pcpAllowedOrder(order)) {
            final int pfn = zone.pcp(cpu).rmqueue(order, mt, allocFlags);
            if (pfn != NO_FRAME) {
                return pfn;
            }
        }
        final BuddyAllocator buddy = zone.buddy();
        int pfn = NO_FRAME;
        if ((allocFlags & AllocFlags.ALLOC_HIGHATOMIC) != 0) {
            pfn = buddy.rmqueueSmallest(order, FrameTable.MIGRATE_HIGHATOMIC);
        }
        if (pfn == NO_FRAME) {
            pfn = buddy.rmqueue(order, mt, allocFlags);
            if (pfn == NO_FRAME && (allocFlags & (AllocFlags.ALLOC_OOM | AllocFlags.ALLOC_NON_BLOCK)) != 0) {
                pfn = buddy.rmqueueSmallest(order, FrameTable.MIGRATE_HIGHATOMIC);
            }
        }
        return pfn;
    }

    /**
     * __alloc_pages(gfp, order, nid, nodemask) with a mempolicy's nodemask (mm/mempolicy.c
     * policy_nodemask for MPOL_BIND): the preferred node's zonelist, only the zones of the
     * nodes in {@code nodemask} (a bitmask of node ids; get_page_from_freelist's
     * for_next_zone_zonelist_nodemask), with the watermarks and fallbacks of
     * {@link #allocPages(int, int, int)}.
     */
    public int allocPagesNodemask(int order, int preferredNid, int gfp, long nodemask) {
        gfp = currentGfpContext(gfp);
        final Zone[] all = (gfp & Gfp.__GFP_THISNODE) != 0 ? thisNodeZonelists[preferredNid] : zonelists[preferredNid];
        int n = 0;
        for (Zone z : all) {
            if ((nodemask & (1L << z.nid())) != 0) {
                n++;
            }
        }
        final Zone[] zonelist = new Zone[n];
        n = 0;
        for (Zone z : all) {
            if ((nodemask & (1L << z.nid())) != 0) {
                zonelist[n++] = z;
            }
        }
        return allocFromZonelist(order, gfp, zonelist);
    }

    /**
     * Takes the free frame {@code pfn} out of its zone's buddy allocator
     * ({@link BuddyAllocator#takePageOffBuddy}, mm/page_alloc.c take_page_off_buddy) and
     * prepares it as an allocation does (prep_new_page: refcount 1). A frame on a pcp list is
     * not in the buddy: drain first. No watermark is checked.
     *
     * @return true if the frame was free in the buddy and is now allocated
     */
    public boolean takeFreePage(int pfn) {
        if (!zoneOf(pfn).buddy().takePageOffBuddy(pfn)) {
            return false;
        }
        prepNewPage(pfn, 0);
        return true;
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
     * it got from {@link #allocPages}, and the block goes to this CPU's pcp list (orders 0-3
     * and 9) or back to the buddy allocator.
     *
     * @throws IllegalStateException ("Bad page state") if a frame is still referenced by
     *     someone else, mapped, reserved, on an LRU list, mlocked or already free
     */
    public void freePages(int pfn, int order) {
        final Zone zone = checkBlock(pfn, order);
        freePagesPrepare(pfn, order, 1);
        freeFrozenPages(zone, pfn, order);
    }

    /**
     * free_unref_page(page, 0): frees one frame whose refcount the caller has already dropped
     * to zero (the end of folio_put).
     */
    public void freeUnrefPage(int pfn) {
        final Zone zone = checkBlock(pfn, 0);
        freePagesPrepare(pfn, 0, 0);
        freeFrozenPages(zone, pfn, 0);
    }

    /**
     * free_frozen_pages(&folio->page, folio_order(folio)) at the end of folio_put of a large
     * folio: every frame's count is already zero, and the block goes to the running CPU's
     * pcp list (order 9 is pcp_allowed_order) or the buddy.
     */
    public void freeUnrefFolio(int head, int order) {
        final Zone zone = checkBlock(head, order);
        freePagesPrepare(head, order, 0);
        freeFrozenPages(zone, head, order);
    }

    /**
     * mm/page_alloc.c: __free_frozen_pages: pcp-allowed orders go to the running CPU's pcp
     * list for the pageblock's type (CMA and HIGHATOMIC as MOVABLE); isolated pageblocks and
     * other orders go straight to the buddy (free_one_page).
     */
    private void freeFrozenPages(Zone zone, int pfn, int order) {
        if (!PerCpuPages.pcpAllowedOrder(order)) {
            freeOnePage(zone, pfn, order, BuddyAllocator.FPI_NONE);
            return;
        }
        int mt = frames.pageblockMigratetype(pfn);
        if (mt >= FrameTable.MIGRATE_PCPTYPES) {
            if (mt == FrameTable.MIGRATE_ISOLATE) {
                freeOnePage(zone, pfn, order, BuddyAllocator.FPI_NONE);
                return;
            }
            mt = FrameTable.MIGRATE_MOVABLE;
        }
        zone.pcp(cpu).freeCommit(pfn, mt, order);
    }

    /**
     * mm/page_alloc.c: free_one_page -> split_large_buddy: a block larger than a pageblock is
     * freed pageblock by pageblock, each with its own migratetype, and merges back if the
     * types allow.
     */
    private void freeOnePage(Zone zone, int pfn, int order, int fpi) {
        final int end = pfn + (1 << order);
        final int step = Math.min(order, FrameTable.PAGEBLOCK_ORDER);
        for (int p = pfn; p < end; p += 1 << step) {
            zone.buddy().freeOnePage(p, step, frames.pageblockMigratetype(p), fpi);
        }
    }

    /** Checks that [pfn, pfn + 2^order) is a block inside one zone; returns that zone (page_zone). */
    private Zone checkBlock(int pfn, int order) {
        if (order < 0 || order > Zone.MAX_PAGE_ORDER || pfn < 0
                || (long) pfn + (1 << order) > frames.nrFrames || (pfn & ((1 << order) - 1)) != 0) {
            throw new IllegalArgumentException("no block of order " + order + " at pfn " + pfn);
        }
        final Zone zone = zoneOf(pfn);
        if (!zone.spans(pfn + (1 << order) - 1)) {
            throw new IllegalArgumentException("block of order " + order + " at pfn " + pfn + " crosses a zone");
        }
        return zone;
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
            flags[p] &= FrameTable.PB_BITS; // a pageblock's bits stay with its first frame
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

    // ---- per-CPU lists ----

    /** smp_processor_id(): the CPU the running task is on. */
    public int cpu() {
        return cpu;
    }

    /** Moves the running task to {@code c} (what a scheduler would do). */
    public void setCpu(int c) {
        if (c < 0 || c >= nrCpus) {
            throw new IllegalArgumentException("cpu must be 0.." + (nrCpus - 1) + ", got " + c);
        }
        cpu = c;
    }

    public int nrCpus() {
        return nrCpus;
    }

    /** mm/page_alloc.c: drain_local_pages(NULL): this CPU's pcp lists of every zone to the buddy. */
    public void drainLocalPages() {
        for (Zone zone : populatedZones) {
            zone.pcp(cpu).drain();
        }
    }

    /** mm/page_alloc.c: drain_local_pages(zone): this CPU's pcp lists of {@code zone} only. */
    public void drainLocalPages(Zone zone) {
        zone.pcp(cpu).drain();
    }

    /**
     * mm/page_alloc.c: drain_all_pages(zone): every CPU's pcp lists of {@code zone} (every
     * zone if null) back to the buddy.
     */
    public void drainAllPages(Zone zone) {
        for (int c = 0; c < nrCpus; c++) {
            if (zone != null) {
                zone.pcp(c).drain();
                continue;
            }
            for (Zone z : populatedZones) {
                z.pcp(c).drain();
            }
        }
    }

    /** Pages on all pcp lists: free, but neither in NR_FREE_PAGES nor mergeable. */
    public long pcpPagesCount() {
        long n = 0;
        for (Zone zone : populatedZones) {
            n += zone.pcpPages();
        }
        return n;
    }

    /**
     * mm/page_alloc.c: calculate_totalreserve_pages: per zone the largest lowmem_reserve
     * it keeps plus its high watermark, at most its managed pages, summed.
     */
    public long totalreservePages() {
        long reserve = 0;
        for (Zone zone : allZones()) {
            long max = 0;
            for (int j = zone.zoneIdx(); j < Zone.MAX_NR_ZONES; j++) {
                max = Math.max(max, zone.lowmemReserve(j));
            }
            max += zone.highWmarkPages();
            reserve += Math.min(max, zone.managedPages());
        }
        return reserve;
    }

    /** The sum of every zone's low watermark (si_mem_available's wmark_low). */
    public long lowWmarkPagesTotal() {
        long sum = 0;
        for (Zone zone : allZones()) {
            sum += zone.lowWmarkPages();
        }
        return sum;
    }

    /** min_free_kbytes (vm.min_free_kbytes) as boot computed it. */
    public long minFreeKbytes() {
        return minFreeKbytes;
    }

    /** page_group_by_mobility_disabled. */
    public boolean mobilityDisabled() {
        return mobilityDisabled;
    }

    /** Sets vm.defrag_mode (mm/page_alloc.c defrag_mode). */
    public void setDefragMode(boolean on) {
        defragMode = on;
    }

    public boolean defragMode() {
        return defragMode;
    }

    /** false: the allocator before Linux 5.0, which had no ALLOC_NOFRAGMENT (see the field). */
    public void setNoFragment(boolean on) {
        noFragment = on;
    }

    public boolean noFragment() {
        return noFragment;
    }

    /** Installs the slow path's direct reclaim (null: none). */
    public void setDirectReclaim(DirectReclaim r) {
        directReclaim = r;
    }

    /** mm_page_alloc_extfrag events of every zone (see {@link BuddyAllocator#extfragEvents}). */
    public long extfragEvents(int allocMt, int fallbackMt, boolean claimed) {
        long n = 0;
        for (Zone z : populatedZones) {
            n += z.buddy().extfragEvents(allocMt, fallbackMt, claimed);
        }
        return n;
    }

    /** mm_page_alloc_extfrag events with fragmenting=1, every zone. */
    public long extfragFragmenting() {
        long n = 0;
        for (Zone z : populatedZones) {
            n += z.buddy().extfragFragmenting();
        }
        return n;
    }

    /** The CMA area's first pfn, or -1 without one. */
    public int cmaBasePfn() {
        return cmaBasePfn;
    }

    /** The CMA area's size in pages (0 without one). */
    public int cmaPages() {
        return cmaPages;
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
        final int s = nodeShift; // a shift where it can be: this is on every LRU and free path
        return s >= 0 ? pfn >>> s : pfn / pagesPerNode;
    }

    /** page_zone(page). */
    public Zone zoneOf(int pfn) {
        final int nid = nidOf(pfn);
        final int movable = zoneMovablePfn[nid];
        if (movable != 0 && pfn >= movable) {
            return zones[nid][Zone.ZONE_MOVABLE];
        }
        return zones[nid][zoneIdxOf(pfn)];
    }

    /** The zone type an address has without ZONE_MOVABLE (DMA, DMA32, Normal by address). */
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
