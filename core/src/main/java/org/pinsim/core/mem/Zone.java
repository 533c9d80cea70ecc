package org.pinsim.core.mem;

/**
 * One zone of one node: include/linux/mmzone.h {@code struct zone}, reduced to its span,
 * its page counts and its buddy allocator ({@code free_area}).
 *
 * <p>Zones are by physical address as on x86-64: ZONE_DMA below 16 MiB, ZONE_DMA32 below
 * 4 GiB, ZONE_NORMAL above; ZONE_MOVABLE exists (as in the kernel's {@code zone_names}) but
 * stays empty until something configures {@code movablecore=}. Every node has all
 * {@link #MAX_NR_ZONES} zones; an unpopulated one spans nothing.
 *
 * <p>Not modelled yet: watermarks, {@code lowmem_reserve}, compaction state, per-zone vm
 * statistics other than NR_FREE_PAGES.
 */
public final class Zone {

    // include/linux/mmzone.h: enum zone_type (x86-64: no HIGHMEM; ZONE_DEVICE not modelled)
    public static final int ZONE_DMA = 0;
    public static final int ZONE_DMA32 = 1;
    public static final int ZONE_NORMAL = 2;
    public static final int ZONE_MOVABLE = 3;
    public static final int MAX_NR_ZONES = 4;

    /** include/linux/mmzone.h: MAX_PAGE_ORDER, inclusive: blocks of up to 1024 pages (4 MiB). */
    public static final int MAX_PAGE_ORDER = 10;
    /** include/linux/mmzone.h: NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1. */
    public static final int NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;

    /** mm/page_alloc.c: zone_names[]. */
    private static final String[] ZONE_NAMES = {"DMA", "DMA32", "Normal", "Movable"};

    private final int nid;
    private final int zoneIdx;
    private final int zoneStartPfn;
    private final int spannedPages;
    private long managedPages;
    private final BuddyAllocator buddy;

    Zone(FrameTable frames, int nid, int zoneIdx, int zoneStartPfn, int spannedPages) {
        this.nid = nid;
        this.zoneIdx = zoneIdx;
        this.zoneStartPfn = zoneStartPfn;
        this.spannedPages = spannedPages;
        this.buddy = new BuddyAllocator(frames, zoneStartPfn, zoneStartPfn + spannedPages);
    }

    public static String zoneName(int zoneIdx) {
        return ZONE_NAMES[zoneIdx];
    }

    public int nid() {
        return nid;
    }

    /** zone_idx(zone): ZONE_DMA .. ZONE_MOVABLE. */
    public int zoneIdx() {
        return zoneIdx;
    }

    public String name() {
        return ZONE_NAMES[zoneIdx];
    }

    public int zoneStartPfn() {
        return zoneStartPfn;
    }

    /** zone_end_pfn(zone): one past the last frame. */
    public int zoneEndPfn() {
        return zoneStartPfn + spannedPages;
    }

    public int spannedPages() {
        return spannedPages;
    }

    /** present_pages: the model has no holes, so this equals spanned_pages. */
    public int presentPages() {
        return spannedPages;
    }

    /** managed_pages: the pages handed to the buddy allocator at boot (present minus reserved). */
    public long managedPages() {
        return managedPages;
    }

    /** populated_zone(zone). */
    public boolean populated() {
        return spannedPages > 0;
    }

    /** zone_spans_pfn(zone, pfn). */
    public boolean spans(int pfn) {
        return pfn >= zoneStartPfn && pfn < zoneStartPfn + spannedPages;
    }

    /** zone_page_state(zone, NR_FREE_PAGES). */
    public long freePages() {
        return buddy.nrFreePages;
    }

    /** zone->free_area[order].nr_free, as /proc/buddyinfo shows it. */
    public long nrFree(int order) {
        return buddy.nrFree[order];
    }

    public BuddyAllocator buddy() {
        return buddy;
    }

    // mm/page_alloc.c: __free_pages_core: atomic_long_add(nr_pages, &zone->managed_pages)
    void addManagedPages(long nrPages) {
        managedPages += nrPages;
    }

    @Override
    public String toString() {
        return "Node " + nid + " zone " + name() + " [" + zoneStartPfn + ", " + zoneEndPfn() + ")";
    }
}
