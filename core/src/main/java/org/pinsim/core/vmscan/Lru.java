package org.pinsim.core.vmscan;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PG_active;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;

import java.util.Arrays;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;

/**
 * The per-node LRU lists (include/linux/mmzone.h {@code struct lruvec}, without memcg, so
 * one lruvec per node; include/linux/mm_inline.h {@code lruvec_add_folio},
 * {@code lruvec_del_folio}, {@code folio_lru_list}).
 *
 * <p>A mechanism only: it keeps lists and counts and never decides. Which list a frame is
 * on follows from its flags, as in the kernel: PG_unevictable means the unevictable "list";
 * otherwise PG_swapbacked means anon, else file, and PG_active picks active over inactive.
 * The mlock rules that move frames (mm/mlock.c: mlock_folio, munlock_folio) live elsewhere.
 *
 * <p>The four evictable lists are doubly linked through the frame table's
 * {@code lruPrev}/{@code lruNext} (the kernel's {@code folio->lru}); new frames go to the
 * head, reclaim takes from the tail. The unevictable list is not a list (5.18+): it is a
 * count, and its frames' {@code lru.prev} holds {@code mlock_count}
 * ({@link FrameTable#mlockCount}), which starts at 0 when a frame arrives there; the caller
 * sets it (mm/mlock.c: {@code folio->mlock_count = !!folio_test_mlocked(folio)}).
 *
 * <p>Counts are in pages per node and feed /proc/meminfo and /proc/vmstat
 * ({@code nr_inactive_anon} ... {@code nr_unevictable}). An entry is a folio: a large folio
 * (a transparent huge page, by its head frame) counts folio_nr_pages pages. Not modelled: memcg lruvecs, per-zone LRU sizes
 * ({@code NR_ZONE_LRU_BASE}), the per-CPU lru_add batches (every add is immediate), MGLRU.
 */
public final class Lru {

    // include/linux/mmzone.h: enum lru_list
    public static final int LRU_INACTIVE_ANON = 0;
    public static final int LRU_ACTIVE_ANON = 1;
    public static final int LRU_INACTIVE_FILE = 2;
    public static final int LRU_ACTIVE_FILE = 3;
    public static final int LRU_UNEVICTABLE = 4;
    public static final int NR_LRU_LISTS = 5;
    /** The lists that are real lists: all but LRU_UNEVICTABLE. */
    public static final int NR_EVICTABLE_LRU_LISTS = 4;

    /** mm/vmstat.c: vmstat_text, the /proc/vmstat names of the node LRU counters. */
    private static final String[] VMSTAT_NAMES = {
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
    };

    private final PhysMem mem;
    private final FrameTable frames;
    /** [nid * NR_EVICTABLE_LRU_LISTS + lru]. */
    private final int[] head;
    private final int[] tail;
    /** [nid * NR_LRU_LISTS + lru]: pages on each list of each node. */
    private final long[] nrPages;

    public Lru(PhysMem mem) {
        this.mem = mem;
        this.frames = mem.frames();
        this.head = new int[mem.nrNodes() * NR_EVICTABLE_LRU_LISTS];
        this.tail = new int[mem.nrNodes() * NR_EVICTABLE_LRU_LISTS];
        this.nrPages = new long[mem.nrNodes() * NR_LRU_LISTS];
        Arrays.fill(head, NO_FRAME);
        Arrays.fill(tail, NO_FRAME);
    }

    public static String vmstatName(int lru) {
        return VMSTAT_NAMES[lru];
    }

    public static boolean isActiveLru(int lru) {
        return lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE;
    }

    public static boolean isFileLru(int lru) {
        return lru == LRU_INACTIVE_FILE || lru == LRU_ACTIVE_FILE;
    }

    // ---- the mechanism ----

    /**
     * Puts a frame that is on no LRU list onto {@code lru}: sets PG_active and PG_unevictable
     * as that list requires, then lruvec_add_folio and PG_lru (mm/swap.c: lru_add).
     *
     * @throws IllegalStateException if the frame is already on a list (PG_lru), or anon-ness
     *     (PG_swapbacked) does not match an anon/file list
     */
    public void add(int pfn, int lru) {
        addTo(pfn, lru, false);
    }

    /**
     * As {@link #add}, but at the tail, where reclaim looks first
     * (include/linux/mm_inline.h: lruvec_add_folio_tail). On the unevictable list, the same
     * as {@link #add}.
     */
    public void addTail(int pfn, int lru) {
        addTo(pfn, lru, true);
    }

    private void addTo(int pfn, int lru, boolean toTail) {
        if (lru < 0 || lru >= NR_LRU_LISTS) {
            throw new IllegalArgumentException("no LRU list " + lru);
        }
        requireOff(pfn);
        if (lru != LRU_UNEVICTABLE && isFileLru(lru) == frames.testFlag(pfn, PG_swapbacked)) {
            throw new IllegalStateException((isFileLru(lru) ? "swapbacked frame on a file list: "
                    : "file frame on an anon list: ") + frames.view(pfn));
        }
        setOrClear(pfn, PG_active, isActiveLru(lru));
        setOrClear(pfn, PG_unevictable, lru == LRU_UNEVICTABLE);
        addFolio(pfn, lru, toTail);
        frames.setFlag(pfn, PG_lru);
    }

    /**
     * Puts a frame back on the list its flags name (mm/vmscan.c: folio_putback_lru after
     * {@link #del}). Back on the unevictable list its mlock_count restarts at 0, as lru_add
     * sets it: it errs low, so the page is never stranded as unevictable.
     */
    public void putback(int pfn) {
        requireOff(pfn);
        addFolio(pfn, folioLruList(pfn), false);
        frames.setFlag(pfn, PG_lru);
    }

    /**
     * Takes a frame off its list, clearing PG_lru and keeping PG_active / PG_unevictable so
     * that {@link #putback} returns it to the same list (mm/vmscan.c: folio_isolate_lru).
     * An unevictable frame keeps its mlock_count in lru.prev while isolated.
     *
     * @return false if the frame was on no list (PG_lru clear)
     */
    public boolean del(int pfn) {
        if (!frames.testClearFlag(pfn, PG_lru)) {
            return false;
        }
        delFolio(pfn, folioLruList(pfn));
        return true;
    }

    /**
     * Takes a frame off its list for good, before it is freed: del plus
     * __folio_clear_lru_flags (PG_lru, PG_active, PG_unevictable) (mm/swap.c:
     * __page_cache_release).
     */
    public void release(int pfn) {
        // one read and one write of the flags: del's test-and-clear of PG_lru and the two
        // clears after it; the list is the one the flags named before (folio_lru_list)
        final int f = frames.clearFlags(pfn, 1 << PG_lru | 1 << PG_active | 1 << PG_unevictable);
        if ((f & (1 << PG_lru)) != 0) {
            delFolio(pfn, lruListOf(f));
        }
    }

    /**
     * Moves an evictable frame on an LRU list to the unevictable "list" with mlock_count 0:
     * lruvec_del_folio, folio_clear_active, folio_set_unevictable, lruvec_add_folio (the
     * list move of mm/mlock.c: __mlock_folio). The caller sets mlock_count.
     *
     * @throws IllegalStateException if the frame is not on an evictable list
     */
    public void moveToUnevictable(int pfn) {
        requireOn(pfn, false);
        delFolio(pfn, folioLruList(pfn));
        frames.clearFlag(pfn, PG_active);
        frames.setFlag(pfn, PG_unevictable);
        addFolio(pfn, LRU_UNEVICTABLE, false);
    }

    /**
     * Moves a frame from the unevictable "list" to its inactive list: lruvec_del_folio,
     * folio_clear_unevictable, lruvec_add_folio (the list move of mm/mlock.c:
     * __munlock_folio, counted as unevictable_pgs_rescued by the caller).
     *
     * @throws IllegalStateException if the frame is not on the unevictable list
     */
    public void putbackEvictable(int pfn) {
        requireOn(pfn, true);
        delFolio(pfn, LRU_UNEVICTABLE);
        frames.clearFlag(pfn, PG_unevictable);
        addFolio(pfn, folioLruList(pfn), false);
    }

    /**
     * mm/huge_memory.c lru_add_split_folio with no list, for a large folio on an LRU list just
     * split to order 0 ({@code head} is now a small folio, its list still counting
     * {@code nr} pages): each other page gets PG_lru and goes on the same list right before
     * the head (list_add_tail(&new_folio->lru, &folio->lru)), in order; on the unevictable
     * "list" it gets mlock_count 0 instead. The list's page count does not change.
     */
    public void addSplitFolios(int head, int nr) {
        final int lru = folioLruList(head);
        final int nid = mem.nidOf(head);
        requireOn(head, lru == LRU_UNEVICTABLE);
        for (int k = 1; k < nr; k++) {
            final int p = head + k;
            frames.setFlag(p, PG_lru);
            if (lru == LRU_UNEVICTABLE) {
                frames.setLruNext(p, NO_FRAME);
                frames.setMlockCount(p, 0);
                continue;
            }
            final int i = nid * NR_EVICTABLE_LRU_LISTS + lru;
            final int before = frames.lruPrev(head);
            frames.setLruPrev(p, before);
            frames.setLruNext(p, head);
            if (before == NO_FRAME) {
                this.head[i] = p;
            } else {
                frames.setLruNext(before, p);
            }
            frames.setLruPrev(head, p);
        }
    }

    /** include/linux/mm_inline.h: folio_lru_list: the list the frame's flags name. */
    public int folioLruList(int pfn) {
        return lruListOf(frames.flags(pfn));
    }

    /** folio_lru_list of a frame whose page flags are {@code f}. */
    private static int lruListOf(int f) {
        if ((f & (1 << PG_unevictable)) != 0) {
            return LRU_UNEVICTABLE;
        }
        final int lru = (f & (1 << PG_swapbacked)) != 0 ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
        return (f & (1 << PG_active)) != 0 ? lru + 1 : lru;
    }

    // ---- counts and walking ----

    /** node_page_state(NODE_DATA(nid), NR_LRU_BASE + lru): pages on that list of that node. */
    public long nrPages(int nid, int lru) {
        return nrPages[nid * NR_LRU_LISTS + lru];
    }

    /** global_node_page_state(NR_LRU_BASE + lru): pages on that list, all nodes. */
    public long nrPages(int lru) {
        long sum = 0;
        for (int nid = 0; nid < mem.nrNodes(); nid++) {
            sum += nrPages[nid * NR_LRU_LISTS + lru];
        }
        return sum;
    }

    /** The most recently added frame of an evictable list, or NO_FRAME. */
    public int first(int nid, int lru) {
        return head[evictableIndex(nid, lru)];
    }

    /** The oldest frame of an evictable list (where reclaim scans, lru_to_folio), or NO_FRAME. */
    public int last(int nid, int lru) {
        return tail[evictableIndex(nid, lru)];
    }

    /** The next older frame on the same list, or NO_FRAME. */
    public int next(int pfn) {
        return frames.lruNext(pfn);
    }

    /** The next newer frame on the same list, or NO_FRAME. */
    public int prev(int pfn) {
        return frames.lruPrev(pfn);
    }

    /** Checks links and counts of every list against the frame table; see {@link LruInvariants}. */
    public void checkInvariants() {
        LruInvariants.check(this, mem);
    }

    int headIndexed(int nid, int lru) {
        return head[nid * NR_EVICTABLE_LRU_LISTS + lru];
    }

    int tailIndexed(int nid, int lru) {
        return tail[nid * NR_EVICTABLE_LRU_LISTS + lru];
    }

    // ---- lists and counters: each changes only here ----

    // include/linux/mm_inline.h: lruvec_add_folio / lruvec_add_folio_tail
    private void addFolio(int pfn, int lru, boolean toTail) {
        final int nid = mem.nidOf(pfn);
        updateLruSize(nid, lru, frames.folioNrPages(pfn));
        if (lru == LRU_UNEVICTABLE) {
            frames.setLruNext(pfn, NO_FRAME); // the __filler word
            frames.setMlockCount(pfn, 0);
            return;
        }
        final int i = nid * NR_EVICTABLE_LRU_LISTS + lru;
        if (toTail) {
            linkAfter(pfn, i);
        } else {
            linkBefore(pfn, i);
        }
    }

    private void linkBefore(int pfn, int i) {
        final int first = head[i];
        frames.setLruPrev(pfn, NO_FRAME);
        frames.setLruNext(pfn, first);
        if (first == NO_FRAME) {
            tail[i] = pfn;
        } else {
            frames.setLruPrev(first, pfn);
        }
        head[i] = pfn;
    }

    private void linkAfter(int pfn, int i) {
        final int last = tail[i];
        frames.setLruNext(pfn, NO_FRAME);
        frames.setLruPrev(pfn, last);
        if (last == NO_FRAME) {
            head[i] = pfn;
        } else {
            frames.setLruNext(last, pfn);
        }
        tail[i] = pfn;
    }

    // include/linux/mm_inline.h: lruvec_del_folio: no list_del for the unevictable "list",
    // so mlock_count survives isolation (lru_add resets it to 0 on putback)
    private void delFolio(int pfn, int lru) {
        final int nid = mem.nidOf(pfn);
        updateLruSize(nid, lru, -frames.folioNrPages(pfn));
        if (lru == LRU_UNEVICTABLE) {
            return;
        }
        unlink(pfn, nid * NR_EVICTABLE_LRU_LISTS + lru);
        frames.setLruPrev(pfn, NO_FRAME);
        frames.setLruNext(pfn, NO_FRAME);
    }

    private void unlink(int pfn, int i) {
        final int p = frames.lruPrev(pfn);
        final int n = frames.lruNext(pfn);
        if (p == NO_FRAME) {
            head[i] = n;
        } else {
            frames.setLruNext(p, n);
        }
        if (n == NO_FRAME) {
            tail[i] = p;
        } else {
            frames.setLruPrev(n, p);
        }
    }

    // include/linux/mm_inline.h: update_lru_size
    private void updateLruSize(int nid, int lru, long nr) {
        nrPages[nid * NR_LRU_LISTS + lru] += nr;
    }

    // ---- checks ----

    private int evictableIndex(int nid, int lru) {
        if (lru < 0 || lru >= NR_EVICTABLE_LRU_LISTS) {
            throw new IllegalArgumentException("not an evictable LRU list: " + lru);
        }
        return nid * NR_EVICTABLE_LRU_LISTS + lru;
    }

    private void requireOff(int pfn) {
        if (frames.testFlag(pfn, PG_lru)) {
            throw new IllegalStateException("frame already on an LRU list: " + frames.view(pfn));
        }
    }

    private void requireOn(int pfn, boolean unevictable) {
        if (!frames.testFlag(pfn, PG_lru) || frames.testFlag(pfn, PG_unevictable) != unevictable) {
            throw new IllegalStateException("frame not on " + (unevictable ? "the unevictable" : "an evictable")
                    + " LRU list: " + frames.view(pfn));
        }
    }

    private void setOrClear(int pfn, int bit, boolean set) {
        if (set) {
            frames.setFlag(pfn, bit);
        } else {
            frames.clearFlag(pfn, bit);
        }
    }
}
