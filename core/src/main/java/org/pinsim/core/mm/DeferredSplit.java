package org.pinsim.core.mm;

import static org.pinsim.core.mem.FrameTable.PG_partially_mapped;

import java.util.function.IntUnaryOperator;
import org.pinsim.core.mem.FrameTable;

/**
 * The deferred split queue's shrinker (mm/huge_memory.c deferred_split_count,
 * deferred_split_scan), run by a write of 2 to /proc/sys/vm/drop_caches (fs/drop_caches.c
 * drop_caches_sysctl_handler -> mm/vmscan.c drop_slab -> drop_slab_node -> shrink_slab at
 * priority 0 for every memcg of every node, until a round frees next to nothing).
 *
 * <p>The queue: deferred_split_folio(folio, true) sets PG_partially_mapped exactly when it
 * puts the folio on the queue (or finds it there), and the flag goes when the folio leaves
 * it (split, or freed: __folio_unqueue_deferred_split), so the queue's partially mapped
 * folios are the heads with PG_partially_mapped. Order-9 folios are naturally aligned, so the
 * scan looks at one frame in 512. The kernel also queues every new THP for the "underused"
 * check (deferred_split_folio(folio, false) from the huge fault); deferred_split_scan splits
 * such a folio only when thp_underused finds more than khugepaged/max_ptes_none zero-filled
 * pages, and with the default max_ptes_none of 511 "if (khugepaged_max_ptes_none ==
 * HPAGE_PMD_NR - 1) return false": it is dropped from the queue unsplit. The model keeps no
 * max_ptes_none setting (it is always 511), so those entries change nothing and are not kept.
 *
 * <p>Not modelled: the queue's order (the kernel scans in the order folios were queued, the
 * model in pfn order: one drop_caches write splits every splittable folio either way), memcg
 * queues (one per node here; drop_slab walks every memcg anyway), the other shrinkers
 * (dentries, inodes, the huge zero folio's shrink_huge_zero_folio_scan), and reclaim, the
 * other caller of shrink_slab (the model has no reclaim).
 */
public final class DeferredSplit {
    private final FrameTable ft;
    private final Memory memory;
    /** split_folio(folio): 0, or -errno; the caller holds a reference. */
    private final IntUnaryOperator splitFolio;

    public DeferredSplit(Memory memory, IntUnaryOperator splitFolio) {
        this.ft = memory.frames();
        this.memory = memory;
        this.splitFolio = splitFolio;
    }

    /** deferred_split_count: the folios on the queue. */
    public int count() {
        int n = 0;
        for (int pfn = 0; pfn < ft.nrFrames(); pfn += FrameTable.HPAGE_PMD_NR) {
            if (ft.isHead(pfn) && ft.testFlag(pfn, PG_partially_mapped)) {
                n++;
            }
        }
        return n;
    }

    /**
     * deferred_split_scan over the whole queue: each folio is taken with a reference
     * (folio_try_get), locked (no folio locks in the model: folio_trylock succeeds) and split
     * (split_folio: a pinned folio fails, can_split_folio, and stays queued); then
     * folio_put. Returns the number split.
     */
    public int scan() {
        int split = 0;
        for (int pfn = 0; pfn < ft.nrFrames(); pfn += FrameTable.HPAGE_PMD_NR) {
            if (!ft.isHead(pfn) || !ft.testFlag(pfn, PG_partially_mapped) || ft.refcount(pfn) == 0) {
                continue;
            }
            ft.refInc(pfn); // folio_try_get
            if (splitFolio.applyAsInt(pfn) == 0) {
                split++;
            }
            memory.putPage(pfn); // folio_put: after a split, the reference is the first page's
        }
        return split;
    }

    /**
     * mm/vmscan.c drop_slab: "do { freed = drop_slab_node(...) } while ((freed >> shift++) > 1)".
     * A second round finds only the folios that could not be split (nothing queues new ones
     * meanwhile), so it splits none and the loop ends.
     */
    public void dropSlab() {
        int shift = 0;
        int freed;
        do {
            freed = scan();
        } while ((freed >> shift++) > 1);
    }
}
