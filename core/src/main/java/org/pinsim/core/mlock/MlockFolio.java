package org.pinsim.core.mlock;

import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_mlocked;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;

import java.util.function.IntConsumer;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * The page side of mm/mlock.c (Linux 5.18+, Hugh Dickins' rework): PG_mlocked, the
 * unevictable "list" (a count; mlock_count overlays lru.prev), the unevictable_pgs_* events,
 * and the per-CPU batch (mlock_fbatch) through which the work is done.
 *
 * <p>mlock_folio, mlock_new_folio and munlock_folio take a reference and queue the folio;
 * the batch is processed when it is full (PAGEVEC_SIZE) or drained (lru_add_drain ->
 * mlock_drain_local, e.g. at the end of mlock_vma_pages_range). So, as on a real machine,
 * a munmap of mlocked pages leaves them queued: unevictable_pgs_munlocked, NR_MLOCK and the
 * freeing of the frames follow at the next drain (measured on Linux 6.18). The model has
 * one such batch (the task's CPU); other drain points of the kernel (reclaim, migration,
 * lru_add_drain_all from other CPUs) are not modelled.
 *
 * <p>mlock_count may undercount: it errs low so that a page is never stranded as
 * unevictable; reclaim would fix a page left evictable.
 */
public final class MlockFolio {
    /** include/linux/pagevec.h PAGEVEC_SIZE. */
    public static final int PAGEVEC_SIZE = 31;
    private static final byte MLOCK = 0;
    private static final byte MLOCK_NEW = 1;
    private static final byte MUNLOCK = 2;

    private final FrameTable ft;
    private final Lru lru;
    private final VmStat stat;
    private final IntConsumer folioPut;
    private final int[] batch = new int[PAGEVEC_SIZE];
    private final byte[] kind = new byte[PAGEVEC_SIZE];
    private int nr;

    /** @param folioPut drops one reference, freeing the page with the last (folio_put) */
    public MlockFolio(FrameTable ft, Lru lru, VmStat stat, IntConsumer folioPut) {
        this.ft = ft;
        this.lru = lru;
        this.stat = stat;
        this.folioPut = folioPut;
    }

    /** The frame table the folios live in. */
    public FrameTable frames() {
        return ft;
    }

    /**
     * mm/mlock.c mlock_folio: a mapped folio (by its head) in a VM_LOCKED VMA; a large folio
     * counts folio_nr_pages in NR_MLOCK and the events.
     */
    public void mlockFolio(int pfn) {
        if (!ft.testSetFlag(pfn, PG_mlocked)) {
            int nr = ft.folioNrPages(pfn);
            stat.mod(NodeStat.NR_MLOCK, nr);
            stat.count(VmEvent.UNEVICTABLE_PGMLOCKED, nr);
        }
        queue(pfn, MLOCK);
    }

    /** mm/mlock.c mlock_new_folio: a new folio faulted into a VM_LOCKED VMA, not yet on an LRU. */
    public void mlockNewFolio(int pfn) {
        ft.setFlag(pfn, PG_mlocked);
        int nr = ft.folioNrPages(pfn);
        stat.mod(NodeStat.NR_MLOCK, nr);
        stat.count(VmEvent.UNEVICTABLE_PGMLOCKED, nr);
        queue(pfn, MLOCK_NEW);
    }

    /** mm/mlock.c munlock_folio: one VM_LOCKED mapping of the page goes. */
    public void munlockFolio(int pfn) {
        queue(pfn, MUNLOCK);
    }

    private void queue(int pfn, byte k) {
        ft.refInc(pfn); // folio_get: the batch holds a reference
        batch[nr] = pfn;
        kind[nr] = k;
        nr++;
        // "if (!folio_batch_add(fbatch, ...) || !folio_may_be_lru_cached(folio) || ...)":
        // a large folio is never left in the batch
        if (nr == PAGEVEC_SIZE || ft.isHead(pfn)) {
            drain();
        }
    }

    /** mm/mlock.c mlock_drain_local -> mlock_folio_batch. */
    public void drain() {
        int n = nr;
        nr = 0;
        for (int i = 0; i < n; i++) {
            int pfn = batch[i];
            switch (kind[i]) {
                case MLOCK -> mlockBatched(pfn);
                case MLOCK_NEW -> mlockNewBatched(pfn);
                default -> munlockBatched(pfn);
            }
        }
        for (int i = 0; i < n; i++) {
            folioPut.accept(batch[i]); // folios_put
        }
    }

    /** References the batch holds on {@code pfn} (for the invariant checker). */
    public int pendingRefs(int pfn) {
        int c = 0;
        for (int i = 0; i < nr; i++) {
            if (batch[i] == pfn) {
                c++;
            }
        }
        return c;
    }

    /** True when a new page of this batch is waiting to be put on an LRU list. */
    public boolean pendingNew(int pfn) {
        for (int i = 0; i < nr; i++) {
            if (batch[i] == pfn && kind[i] == MLOCK_NEW) {
                return true;
            }
        }
        return false;
    }

    /** mm/mlock.c __mlock_folio. */
    private void mlockBatched(int pfn) {
        if (!ft.testFlag(pfn, PG_lru)) {
            return; // "There is nothing more we can do while it's off LRU"
        }
        if (!ft.testFlag(pfn, PG_mlocked)) { // folio_evictable: munlocked meanwhile
            if (ft.testFlag(pfn, PG_unevictable)) {
                lru.putbackEvictable(pfn);
                stat.count(VmEvent.UNEVICTABLE_PGRESCUED, ft.folioNrPages(pfn));
            }
            return;
        }
        if (ft.testFlag(pfn, PG_unevictable)) {
            ft.setMlockCount(pfn, ft.mlockCount(pfn) + 1);
            return;
        }
        lru.moveToUnevictable(pfn);
        ft.setMlockCount(pfn, 1);
        stat.count(VmEvent.UNEVICTABLE_PGCULLED, ft.folioNrPages(pfn));
    }

    /** mm/mlock.c __mlock_new_folio. */
    private void mlockNewBatched(int pfn) {
        if (!ft.testFlag(pfn, PG_mlocked)) { // "this is a little surprising, but possible"
            lru.add(pfn, ft.testFlag(pfn, PG_swapbacked) ? Lru.LRU_INACTIVE_ANON : Lru.LRU_INACTIVE_FILE);
            return;
        }
        lru.add(pfn, Lru.LRU_UNEVICTABLE);
        ft.setMlockCount(pfn, 1);
        stat.count(VmEvent.UNEVICTABLE_PGCULLED, ft.folioNrPages(pfn));
    }

    /** mm/mlock.c __munlock_folio. */
    private void munlockBatched(int pfn) {
        final int nrPages = ft.folioNrPages(pfn);
        boolean isolated = ft.testFlag(pfn, PG_lru);
        if (isolated && ft.testFlag(pfn, PG_unevictable)) {
            int count = ft.mlockCount(pfn);
            if (count > 0) {
                count--;
                ft.setMlockCount(pfn, count);
            }
            if (count > 0) {
                return;
            }
        }
        if (ft.testClearFlag(pfn, PG_mlocked)) {
            stat.mod(NodeStat.NR_MLOCK, -nrPages);
            if (isolated || !ft.testFlag(pfn, PG_unevictable)) {
                stat.count(VmEvent.UNEVICTABLE_PGMUNLOCKED, nrPages);
            } else {
                stat.count(VmEvent.UNEVICTABLE_PGSTRANDED, nrPages);
            }
        }
        // folio_evictable() has to be checked *after* clearing Mlocked
        if (isolated && ft.testFlag(pfn, PG_unevictable)) {
            lru.putbackEvictable(pfn);
            stat.count(VmEvent.UNEVICTABLE_PGRESCUED, nrPages);
        }
    }
}
