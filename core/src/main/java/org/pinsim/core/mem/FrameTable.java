package org.pinsim.core.mem;

import java.util.Arrays;

/**
 * The frame table: the model's {@code struct page} array (include/linux/mm_types.h), as
 * parallel primitive arrays indexed by page frame number. No object exists per frame.
 *
 * <h2>Per-frame state (32 bytes per frame; the pageblock bits live in spare flag bits)</h2>
 * <pre>
 *   array          type   kernel field                  meaning here
 *   flags          int    page-&gt;flags (+ page_type)    PG_* bits and the order field, below
 *   refcount       int    page-&gt;_refcount              0 = free; a FOLL_PIN adds 1024
 *   mapcount       int    page-&gt;_mapcount + 1           0 = mapped by no PTE
 *   owner          long   page-&gt;mapping/index (rmap)    opaque to this package; NO_OWNER = -1
 *   lruPrev        int    page-&gt;lru.prev               link, or mlock_count (see below)
 *   lruNext        int    page-&gt;lru.next               link; NO_FRAME = -1 ends a list
 *   content        int    (the page's data)             a stand-in for the bytes; 0 = none
 * </pre>
 *
 * <h2>Content identity</h2>
 * The model keeps no page data. {@code content} stands in for it: a user page gets a fresh
 * non-zero value from a machine-wide counter when it is first filled (an anonymous fault, a
 * page-cache read), copy-on-write and migration copy it to the new frame (the kernel's
 * copy_user_highpage / folio_mc_copy), and freeing clears it. A test can then prove that
 * migration lost nothing and that every mapping follows the page.
 *
 * <h2>Layout of {@code flags}</h2>
 * <pre>
 *   31    28 27  24 23 22  21  20  19 17  16  15  14  13  12  11  10   9   8   7   6   5   4   3   2   1   0
 *  +--------+------+-----+---+---+-----+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *  |  free  |order |free |skp|iso| mt  |pcp|pmp|tal|rcl|zer|pgt|bud|ano|mlk|une|swb|res|act|hd |lru|drt|ref|
 *  +--------+------+-----+---+---+-----+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *   order: 4 bits, the buddy order while PG_buddy is set (page_private(page) in the kernel),
 *          the order of the pcp list while PG_pcp is set, the folio order while PG_head is set
 *          (folio_order)
 *   bit 14 tail (PG_tail), bit 15 partially_mapped (PG_partially_mapped), bit 16 PG_pcp
 *   bits 17-23: the pageblock's bits, kept only in the flags of the pageblock's first frame
 *          (see Pageblocks); zero in every other frame
 * </pre>
 * The pageblock bits are not page state: {@link #flags}, {@link #view} and every test of a
 * frame's flags see them masked off ({@link #PB_BITS}), and whatever rewrites a frame's
 * flags whole (the free path, the buddy and pcp list heads) keeps them.
 *
 * <h2>Large folios (PMD-order transparent huge pages)</h2>
 * A compound page of {@link #HPAGE_PMD_NR} frames: the head has PG_head and the order,
 * every tail PG_tail. The folio's reference count lives on the head (tails keep 0, as
 * page_ref on a tail is never used); {@code mapcount} of every frame stays the page's own
 * PTE mapcount (the kernel's per-page {@code _mapcount} with CONFIG_PAGE_MAPCOUNT). The
 * folio-wide fields the kernel keeps in the first tail pages live, in the same spirit, in the
 * lru words of the tails (never on a list):
 * <pre>
 *   page[1].lruPrev  folio-&gt;_entire_mapcount + 1   PMD mappings
 *   page[1].lruNext  folio-&gt;_pincount             FOLL_PIN references
 *   page[2].lruPrev  folio-&gt;_large_mapcount + 1   PMD plus PTE mappings (folio_mapcount)
 *   page[2].lruNext  folio-&gt;_nr_pages_mapped      pages mapped by a PTE (ENTIRELY_MAPPED not kept)
 * </pre>
 * The {@code PG_*} constants are bit numbers, as in the kernel's {@code enum pageflags}; the
 * numbering is ours. Five of them are not page flags in the kernel: {@code PG_pcp} (see there),
 * {@code PG_buddy} and
 * {@code PG_pgtable} are page types (PageBuddy, PageTable) kept in {@code page->page_type},
 * {@code PG_anon} stands for {@code PAGE_MAPPING_ANON} in {@code page->mapping}, and
 * {@code PG_zero} marks the shared zero page (the kernel compares with {@code zero_pfn}).
 *
 * <h2>The lru field, three ways (include/linux/mm_types.h, 5.18+)</h2>
 * {@code page->lru} is a union: LRU list links for pages on an evictable LRU list (package
 * {@code vmscan}), {@code buddy_list} links for the head of a free block, and for a page on
 * the unevictable "list" (PG_unevictable) there is no list at all: {@code lru.next} is a
 * filler and {@code mlock_count} overlays {@code lru.prev}. {@link #mlockCount} reads and
 * writes that overlay in {@code lruPrev}.
 *
 * <h2>Pageblocks</h2>
 * The kernel's pageblock bitmap (include/linux/pageblock-flags.h) keeps
 * {@code NR_PAGEBLOCK_BITS} bits per pageblock ({@code pageblock_order} 9 = 512 frames =
 * 2 MiB) in the zone's (or section's) {@code pageblock_flags}. The model keeps them in flag
 * bits 17-23 of the pageblock's first frame, so they cost no array of their own: bits 17-19
 * the migratetype ({@code MIGRATETYPE_MASK}), bit 20 {@code PB_migrate_isolate} (in 6.18
 * isolation is a bit of its own, so the type underneath survives it;
 * {@code get_pfnblock_migratetype} answers MIGRATE_ISOLATE while it is set), bit 21
 * {@code PB_compact_skip}; bits 22-23 are reserved for more pageblock bits. Every pageblock is {@code MIGRATE_MOVABLE} at boot as in
 * {@code memmap_init_range}; the allocator changes it when it claims a block
 * ({@link BuddyAllocator}), CMA areas are MIGRATE_CMA.
 *
 * <p>Accessors on the hot path do no checking beyond what the JVM does for array bounds,
 * except where a counter would go negative (a model bug).
 */
public final class FrameTable {

    /** Sentinel for "no frame": ends a list, or an allocation that failed. */
    public static final int NO_FRAME = -1;
    /** Sentinel for "no reverse-map owner". */
    public static final long NO_OWNER = -1L;

    // Bit numbers in flags (include/linux/page-flags.h: enum pageflags; numbering ours).
    public static final int PG_referenced = 0;
    public static final int PG_dirty = 1;
    public static final int PG_lru = 2;
    /**
     * Head of a compound page (a large folio): its order is in the order field of flags, as
     * the kernel keeps folio_order in the first tail page (include/linux/page-flags.h PG_head).
     */
    public static final int PG_head = 3;
    public static final int PG_active = 4;
    public static final int PG_reserved = 5;
    public static final int PG_swapbacked = 6;
    public static final int PG_unevictable = 7;
    public static final int PG_mlocked = 8;
    /** Our marker for an anonymous page (the kernel's PAGE_MAPPING_ANON bit in ->mapping). */
    public static final int PG_anon = 9;
    /** Head of a free buddy block (the kernel's PageBuddy page type). */
    public static final int PG_buddy = 10;
    /** A page-table page (the kernel's PageTable page type). */
    public static final int PG_pgtable = 11;
    /** The shared zero page (the kernel tests is_zero_pfn()). */
    public static final int PG_zero = 12;
    /**
     * To be reclaimed when its writeback ends; the same bit is PG_readahead, so fault-around
     * (filemap_map_pages) skips the folio and the next fault on it clears the bit
     * (page_cache_async_ra). Set on dirty file folios MADV_PAGEOUT could not reclaim.
     */
    public static final int PG_reclaim = 13;
    /**
     * A tail page of a compound page (the kernel sets bit 0 of page->compound_head). Only
     * PMD-order folios exist in the model (transparent huge pages), so the head of a tail
     * page is {@code pfn & ~(HPAGE_PMD_NR - 1)}: no per-frame head pointer is needed.
     */
    public static final int PG_tail = 14;
    /**
     * include/linux/page-flags.h PG_partially_mapped (a flag of the folio's second page in
     * the kernel; on the head here): the anonymous large folio is on the deferred split queue
     * because part of it was unmapped (mm/huge_memory.c deferred_split_folio).
     */
    public static final int PG_partially_mapped = 15;

    /**
     * Our marker, not a kernel flag: the page's bytes are all zero (it was zeroed and nothing
     * has written it since), which the kernel finds by comparing it with the zero page
     * (pages_identical in mm/migrate.c try_to_map_unused_to_zeropage, after a THP split).
     * Set by {@link #setContentZeroed}, copied by {@link #copyContent}, cleared by a user
     * write ({@link #written}) and by {@link #setContent}.
     */
    public static final int PG_zerofill = 28;

    /** include/linux/huge_mm.h HPAGE_PMD_ORDER / HPAGE_PMD_NR on x86-64. */
    public static final int HPAGE_PMD_ORDER = 9;
    public static final int HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;
    /**
     * Free on a per-CPU page list (our marker; the kernel keeps no per-page bit for it, the
     * page is simply on {@code pcp->lists[]}). The order field holds the pcp list's order.
     * Like PG_buddy it is in PAGE_FLAGS_CHECK_AT_FREE, so a double free is a Bad page state.
     */
    public static final int PG_pcp = 16;

    static final int ORDER_SHIFT = 24;
    static final int ORDER_MASK = 0xF << ORDER_SHIFT;

    /**
     * include/linux/page-flags.h: PAGE_FLAGS_CHECK_AT_FREE, the flags a page being freed must
     * not have (PG_locked, PG_private, PG_writeback are not modelled). PG_buddy added: the
     * kernel's page_type check catches a double free the same way.
     */
    public static final int PAGE_FLAGS_CHECK_AT_FREE = 1 << PG_lru | 1 << PG_reserved
            | 1 << PG_active | 1 << PG_unevictable | 1 << PG_mlocked | 1 << PG_buddy | 1 << PG_pcp;

    // include/linux/mmzone.h: enum migratetype.
    public static final byte MIGRATE_UNMOVABLE = 0;
    public static final byte MIGRATE_MOVABLE = 1;
    public static final byte MIGRATE_RECLAIMABLE = 2;
    public static final byte MIGRATE_PCPTYPES = 3;
    public static final byte MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
    public static final byte MIGRATE_CMA = 4;
    public static final byte MIGRATE_ISOLATE = 5;
    public static final byte MIGRATE_TYPES = 6;
    /** Where the pageblock bits start in the flags of a pageblock's first frame. */
    static final int PB_SHIFT = 17;
    /** include/linux/pageblock-flags.h: MIGRATETYPE_MASK (3 bits) and PB_migrate_isolate. */
    static final int MIGRATETYPE_MASK = 0x7;
    static final int PB_MIGRATE_ISOLATE = 0x8 << PB_SHIFT;
    /** include/linux/pageblock-flags.h PB_compact_skip (PB_migrate_skip): compaction passes the block by. */
    static final int PB_MIGRATE_SKIP = 0x10 << PB_SHIFT;
    /** Flag bits 17-23: reserved for the pageblock bits, in a pageblock's first frame only. */
    public static final int PB_BITS = 0x7F << PB_SHIFT;

    /** mm/page_alloc.c: migratetype_names[] (with CONFIG_CMA and CONFIG_MEMORY_ISOLATION). */
    private static final String[] MIGRATETYPE_NAMES = {"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};

    /** migratetype_names[mt]. */
    public static String migratetypeName(int mt) {
        return MIGRATETYPE_NAMES[mt];
    }

    /** include/linux/mmzone.h: migratetype_is_mergeable: only the pcp types merge with each other. */
    public static boolean migratetypeIsMergeable(int mt) {
        return mt < MIGRATE_PCPTYPES;
    }

    /** include/linux/pageblock-flags.h: pageblock_order on x86-64 (HUGETLB_PAGE_ORDER). */
    public static final int PAGEBLOCK_ORDER = 9;
    public static final int PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;

    private static final String[] FLAG_NAMES = {
        "referenced", "dirty", "lru", "head", "active", "reserved", "swapbacked",
        "unevictable", "mlocked", "anon", "buddy", "pgtable", "zero", "reclaim", "tail", "partially_mapped", "pcp",
    };

    final int nrFrames;
    final int[] flags;
    final int[] refcount;
    final int[] mapcount;
    final long[] owner;
    final int[] lruPrev;
    final int[] lruNext;
    final int[] content;

    /** A table of {@code nrFrames} frames, all zero except owner and links (sentinels). */
    public FrameTable(int nrFrames) {
        if (nrFrames <= 0) {
            throw new IllegalArgumentException("nrFrames must be positive, got " + nrFrames);
        }
        this.nrFrames = nrFrames;
        flags = new int[nrFrames];
        refcount = new int[nrFrames];
        mapcount = new int[nrFrames];
        owner = new long[nrFrames];
        lruPrev = new int[nrFrames];
        lruNext = new int[nrFrames];
        content = new int[nrFrames];
        Arrays.fill(owner, NO_OWNER);
        Arrays.fill(lruPrev, NO_FRAME);
        Arrays.fill(lruNext, NO_FRAME);
        // mm/mm_init.c: memmap_init_range marks every pageblock MIGRATE_MOVABLE
        for (int pfn = 0; pfn < nrFrames; pfn += PAGEBLOCK_NR_PAGES) {
            flags[pfn] = MIGRATE_MOVABLE << PB_SHIFT;
        }
    }

    public int nrFrames() {
        return nrFrames;
    }

    // ---- flags ----

    /** The frame's page flags (the pageblock bits of a pageblock's first frame masked off). */
    public int flags(int pfn) {
        return flags[pfn] & ~PB_BITS;
    }

    public boolean testFlag(int pfn, int bit) {
        return (flags[pfn] & (1 << bit)) != 0;
    }

    /** Sets PG_* bit {@code bit} (0-16 or the order field's; never a pageblock bit). */
    public void setFlag(int pfn, int bit) {
        flags[pfn] |= 1 << bit;
    }

    public void clearFlag(int pfn, int bit) {
        flags[pfn] &= ~(1 << bit);
    }

    /**
     * Clears every PG_* bit of {@code mask} with one write (a pageblock bit in the mask is
     * ignored) and returns the page flags as they were before.
     */
    public int clearFlags(int pfn, int mask) {
        final int old = flags[pfn];
        flags[pfn] = old & ~(mask & ~PB_BITS);
        return old & ~PB_BITS;
    }

    /** Sets the flag and says whether it was already set (TestSetPage*, folio_test_set_*). */
    public boolean testSetFlag(int pfn, int bit) {
        final int old = flags[pfn];
        flags[pfn] = old | 1 << bit;
        return (old & (1 << bit)) != 0;
    }

    /** Clears the flag and says whether it was set before (TestClearPage*, folio_test_clear_*). */
    public boolean testClearFlag(int pfn, int bit) {
        final int old = flags[pfn];
        flags[pfn] = old & ~(1 << bit);
        return (old & (1 << bit)) != 0;
    }

    /** mm/internal.h: buddy_order: the order of a free block's head; valid only with PG_buddy. */
    public int buddyOrder(int pfn) {
        return (flags[pfn] & ORDER_MASK) >>> ORDER_SHIFT;
    }

    /** True if the frame is the head of a free buddy block (PageBuddy). */
    public boolean isBuddy(int pfn) {
        return (flags[pfn] & (1 << PG_buddy)) != 0;
    }

    // ---- refcount ----

    public int refcount(int pfn) {
        return refcount[pfn];
    }

    /** include/linux/page_ref.h: page_ref_inc. Returns the new count. */
    public int refInc(int pfn) {
        return ++refcount[pfn];
    }

    /** include/linux/page_ref.h: page_ref_dec_return. Returns the new count. */
    public int refDec(int pfn) {
        return refSub(pfn, 1);
    }

    /** include/linux/page_ref.h: page_ref_add (a FOLL_PIN adds GUP_PIN_COUNTING_BIAS). */
    public int refAdd(int pfn, int nr) {
        return refcount[pfn] += nr;
    }

    /** include/linux/page_ref.h: page_ref_sub_return; underflow is a model bug. */
    public int refSub(int pfn, int nr) {
        final int v = refcount[pfn] - nr;
        if (v < 0) {
            throw new IllegalStateException("refcount underflow: " + view(pfn) + " minus " + nr);
        }
        refcount[pfn] = v;
        return v;
    }

    /** include/linux/page_ref.h: set_page_count. */
    public void setRefcount(int pfn, int count) {
        refcount[pfn] = count;
    }

    // ---- mapcount (the kernel's _mapcount + 1) ----

    public int mapcount(int pfn) {
        return mapcount[pfn];
    }

    public int mapcountInc(int pfn) {
        return ++mapcount[pfn];
    }

    public int mapcountDec(int pfn) {
        final int v = mapcount[pfn] - 1;
        if (v < 0) {
            throw new IllegalStateException("mapcount underflow: " + view(pfn));
        }
        mapcount[pfn] = v;
        return v;
    }

    public void setMapcount(int pfn, int count) {
        mapcount[pfn] = count;
    }

    // ---- owner ----

    public long owner(int pfn) {
        return owner[pfn];
    }

    public void setOwner(int pfn, long value) {
        owner[pfn] = value;
    }

    // ---- lru links and the mlock_count overlay ----

    public int lruPrev(int pfn) {
        return lruPrev[pfn];
    }

    public int lruNext(int pfn) {
        return lruNext[pfn];
    }

    public void setLruPrev(int pfn, int prev) {
        lruPrev[pfn] = prev;
    }

    public void setLruNext(int pfn, int next) {
        lruNext[pfn] = next;
    }

    /**
     * include/linux/mm_types.h: folio->mlock_count, which overlays lru.prev while the folio is
     * on the unevictable "list" (5.18+). Only meaningful with PG_unevictable.
     */
    public int mlockCount(int pfn) {
        requireUnevictable(pfn);
        return lruPrev[pfn];
    }

    /** Sets the mlock_count overlay; the frame must be PG_unevictable. */
    public void setMlockCount(int pfn, int count) {
        requireUnevictable(pfn);
        if (count < 0) {
            throw new IllegalArgumentException("mlock_count is unsigned, got " + count);
        }
        lruPrev[pfn] = count;
    }

    private void requireUnevictable(int pfn) {
        if ((flags[pfn] & (1 << PG_unevictable)) == 0) {
            throw new IllegalStateException("mlock_count exists only on PG_unevictable: " + view(pfn));
        }
    }

    // ---- content (a stand-in for the page's bytes) ----

    /** The frame's content stand-in; 0 for a free frame or a kernel page. */
    public int content(int pfn) {
        return content[pfn];
    }

    /** New content that is not all zeroes (a read from a file, a write): clears {@link #PG_zerofill}. */
    public void setContent(int pfn, int value) {
        content[pfn] = value;
        flags[pfn] &= ~(1 << PG_zerofill);
    }

    /** A freshly zeroed page (clear_user_highpage, folio_zero_user): its content, all zeroes. */
    public void setContentZeroed(int pfn, int value) {
        content[pfn] = value;
        flags[pfn] |= 1 << PG_zerofill;
    }

    /** A copy of {@code src}'s bytes (copy_user_highpage, folio_mc_copy): content and zero-ness. */
    public void copyContent(int dst, int src) {
        content[dst] = content[src];
        flags[dst] = (flags[dst] & ~(1 << PG_zerofill)) | (flags[src] & (1 << PG_zerofill));
    }

    /** A user write to the page: its bytes are no longer all zero. */
    public void written(int pfn) {
        flags[pfn] &= ~(1 << PG_zerofill);
    }

    // ---- compound pages (large folios) ----

    /** PageHead. */
    public boolean isHead(int pfn) {
        return (flags[pfn] & (1 << PG_head)) != 0;
    }

    /** PageTail. */
    public boolean isTail(int pfn) {
        return (flags[pfn] & (1 << PG_tail)) != 0;
    }

    /** folio_test_large(page_folio(pfn)): the frame is part of a compound page. */
    public boolean isLarge(int pfn) {
        return (flags[pfn] & (1 << PG_head | 1 << PG_tail)) != 0;
    }

    /** compound_head: the folio's first frame (a small folio is its own head). */
    public int compoundHead(int pfn) {
        return (flags[pfn] & (1 << PG_tail)) != 0 ? pfn & ~(HPAGE_PMD_NR - 1) : pfn;
    }

    /** folio_nr_pages of the folio whose head is {@code head}. */
    public int folioNrPages(int head) {
        return (flags[head] & (1 << PG_head)) != 0 ? 1 << ((flags[head] & ORDER_MASK) >>> ORDER_SHIFT) : 1;
    }

    /**
     * mm/page_alloc.c prep_compound_page for a block whose frames each hold one reference (as
     * {@link PhysMem#allocPages} leaves them): the head keeps the reference, the tails drop
     * theirs, and the folio-wide counters start at zero.
     */
    public void prepCompoundPage(int head, int order) {
        final int nr = 1 << order;
        flags[head] = (flags[head] & ~ORDER_MASK) | 1 << PG_head | order << ORDER_SHIFT;
        for (int p = head + 1; p < head + nr; p++) {
            flags[p] |= 1 << PG_tail;
            refcount[p] = 0;
        }
        lruPrev[head + 1] = 0;
        lruNext[head + 1] = 0;
        lruPrev[head + 2] = 0;
        lruNext[head + 2] = 0;
    }

    /** Undoes {@link #prepCompoundPage} before the block is freed (free_tail_page_prepare). */
    public void clearCompound(int head, int order) {
        final int nr = 1 << order;
        flags[head] &= ~(1 << PG_head | ORDER_MASK | 1 << PG_partially_mapped);
        for (int p = head + 1; p < head + nr; p++) {
            flags[p] &= ~(1 << PG_tail);
        }
        lruPrev[head + 1] = NO_FRAME;
        lruNext[head + 1] = NO_FRAME;
        lruPrev[head + 2] = NO_FRAME;
        lruNext[head + 2] = NO_FRAME;
    }

    /** folio_entire_mapcount: how many PMDs map the folio. */
    public int entireMapcount(int head) {
        return lruPrev[head + 1];
    }

    public void addEntireMapcount(int head, int d) {
        lruPrev[head + 1] = checkNotNegative(head, lruPrev[head + 1] + d, "entire_mapcount");
    }

    /** folio_large_mapcount: PMD mappings plus PTE mappings of the folio (folio_mapcount). */
    public int largeMapcount(int head) {
        return lruPrev[head + 2];
    }

    public void addLargeMapcount(int head, int d) {
        lruPrev[head + 2] = checkNotNegative(head, lruPrev[head + 2] + d, "large_mapcount");
    }

    /** folio->_nr_pages_mapped without ENTIRELY_MAPPED: pages of the folio some PTE maps. */
    public int nrPagesMapped(int head) {
        return lruNext[head + 2];
    }

    public void addNrPagesMapped(int head, int d) {
        lruNext[head + 2] = checkNotNegative(head, lruNext[head + 2] + d, "nr_pages_mapped");
    }

    /** folio->_pincount of a large folio. */
    public int pincount(int head) {
        return lruNext[head + 1];
    }

    public void addPincount(int head, int d) {
        lruNext[head + 1] = checkNotNegative(head, lruNext[head + 1] + d, "pincount");
    }

    private int checkNotNegative(int head, int v, String what) {
        if (v < 0) {
            throw new IllegalStateException(what + " underflow: " + view(head));
        }
        return v;
    }

    /**
     * folio_precise_page_mapcount: the PTEs mapping this page plus the PMDs mapping its whole
     * folio.
     */
    public int preciseMapcount(int pfn) {
        final int m = mapcount[pfn];
        if ((flags[pfn] & (1 << PG_head | 1 << PG_tail)) == 0) {
            return m;
        }
        return m + lruPrev[compoundHead(pfn) + 1];
    }

    /** folio_mapcount of the folio {@code pfn} belongs to. */
    public int folioMapcount(int pfn) {
        if ((flags[pfn] & (1 << PG_head | 1 << PG_tail)) == 0) {
            return mapcount[pfn];
        }
        return lruPrev[compoundHead(pfn) + 2];
    }

    // ---- pageblocks ----

    /** mm/page_alloc.c: get_pfnblock_migratetype: MIGRATE_ISOLATE while PB_migrate_isolate is set. */
    public int pageblockMigratetype(int pfn) {
        final int b = flags[pfn & ~(PAGEBLOCK_NR_PAGES - 1)];
        return (b & PB_MIGRATE_ISOLATE) != 0 ? MIGRATE_ISOLATE : b >>> PB_SHIFT & MIGRATETYPE_MASK;
    }

    /**
     * mm/page_alloc.c: set_pageblock_migratetype: sets the type and clears
     * PB_migrate_isolate (MIGRATETYPE_AND_ISO_MASK). MIGRATE_ISOLATE is refused, as the
     * kernel's VM_WARN_ONCE refuses it: isolation is {@link #setPageblockIsolate}.
     */
    public void setPageblockMigratetype(int pfn, int migratetype) {
        if (migratetype < 0 || migratetype >= MIGRATE_ISOLATE) {
            throw new IllegalArgumentException("bad migratetype " + migratetype + " (isolate with setPageblockIsolate)");
        }
        final int i = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
        flags[i] = flags[i] & ~(MIGRATETYPE_MASK << PB_SHIFT | PB_MIGRATE_ISOLATE) | migratetype << PB_SHIFT;
    }

    /** mm/compaction.c get_pageblock_skip: the block's PB_compact_skip bit. */
    public boolean pageblockSkip(int pfn) {
        return (flags[pfn & ~(PAGEBLOCK_NR_PAGES - 1)] & PB_MIGRATE_SKIP) != 0;
    }

    /** mm/compaction.c set_pageblock_skip / clear_pageblock_skip. */
    public void setPageblockSkip(int pfn, boolean skip) {
        final int i = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
        flags[i] = skip ? flags[i] | PB_MIGRATE_SKIP : flags[i] & ~PB_MIGRATE_SKIP;
    }

    /** include/linux/page-isolation.h: set_pageblock_isolate / clear_pageblock_isolate. */
    public void setPageblockIsolate(int pfn, boolean isolate) {
        final int i = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
        flags[i] = isolate ? flags[i] | PB_MIGRATE_ISOLATE : flags[i] & ~PB_MIGRATE_ISOLATE;
    }

    /** get_pageblock_isolate: PB_migrate_isolate is set. */
    public boolean pageblockIsolate(int pfn) {
        return (flags[pfn & ~(PAGEBLOCK_NR_PAGES - 1)] & PB_MIGRATE_ISOLATE) != 0;
    }

    /** The migratetype underneath isolation (__get_pfnblock_flags_mask with MIGRATETYPE_MASK). */
    public int pageblockMigratetypeNoIsolate(int pfn) {
        return flags[pfn & ~(PAGEBLOCK_NR_PAGES - 1)] >>> PB_SHIFT & MIGRATETYPE_MASK;
    }

    // ---- cold path: views, names, footprint ----

    /** An immutable snapshot of one frame, for reports, messages and tests. */
    public FrameView view(int pfn) {
        return new FrameView(pfn, flags[pfn] & ~PB_BITS, refcount[pfn], mapcount[pfn], owner[pfn],
                lruPrev[pfn], lruNext[pfn]);
    }

    /** The names of the PG_* bits set in {@code flags}, joined by '|', plus the order field. */
    public static String flagNames(int flags) {
        final StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < FLAG_NAMES.length; bit++) {
            if ((flags & (1 << bit)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(FLAG_NAMES[bit]);
            }
        }
        final int order = (flags & ORDER_MASK) >>> ORDER_SHIFT;
        if (order != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append("order=").append(order);
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /**
     * Bytes of heap held by the per-frame arrays (the pageblock bits have none of their own),
     * computed from their lengths and element sizes (array headers of 16 bytes counted once
     * per array).
     */
    public long heapBytes() {
        final long header = 16;
        return 7 * header + 4L * flags.length + 4L * refcount.length + 4L * mapcount.length
                + 8L * owner.length + 4L * lruPrev.length + 4L * lruNext.length + 4L * content.length;
    }
}
