package org.pinsim.core.migrate;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.PG_active;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_mlocked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EBUSY;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import java.util.List;
import java.util.function.Supplier;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.time.Clock;
import org.pinsim.core.time.CostModel;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * mm/migrate.c, the migration engine, for order-0 folios (Linux 6.18): isolation from the LRU
 * (folio_isolate_lru), migrate_pages with its async-then-sync retries
 * (migrate_pages_sync, migrate_pages_batch), the unmap to migration entries
 * (migrate_folio_unmap -> mm/rmap.c try_to_migrate), the expected-reference check, the copy
 * and the remap (migrate_folio_move -> __migrate_folio, remove_migration_ptes), the undo of a
 * folio that could not be moved, and the pgmigrate_success / pgmigrate_fail events.
 *
 * <h2>Time</h2>
 * A migration spans a window on the {@link Clock}: a folio's PTEs become migration entries
 * when it is unmapped, and the new frame is mapped in their place when its
 * remove_migration_ptes falls due, {@link CostModel#migrateFolioNs} later for each folio in
 * turn. A task that touches the page meanwhile takes a fault that waits on the entry
 * ({@link #migrationEntryWait}). All decisions (which folio moves, which fails) are taken
 * when the call starts: nothing another task can do in the window changes them, since every
 * access to the page waits. Failed folios are restored at once (their retries take no time
 * on the clock).
 *
 * <h2>The rmap walk</h2>
 * The model keeps no anon_vma chains nor i_mmap trees: {@link #rmapWalk} visits every VMA of
 * every live mm that could map the folio (one with an anon_vma for an anonymous folio, one of
 * the folio's file for a page-cache folio) at the address its index gives
 * (vma_address), and keeps the PTEs that map it: the same set rmap_walk finds.
 *
 * <h2>Not modelled</h2>
 * Large folios (THP, hugetlb): the engine refuses them ({@link #isolateLru} returns false for
 * a PG_head folio, so callers report -EBUSY); the seam for THP migration is
 * {@link #unmapFolio}, where try_to_migrate would install PMD migration entries, and the
 * split-and-retry of migrate_pages_batch. Folio locks, writeback, swap cache and
 * movable_ops pages do not exist in the model, so MIGRATE_ASYNC and MIGRATE_SYNC behave
 * alike here. NR_ISOLATED_ANON / NR_ISOLATED_FILE are not kept.
 */
public final class Migrate {

    /** include/linux/migrate_mode.h. MIGRATE_SYNC_LIGHT is used by no modelled caller. */
    public enum Mode { ASYNC, SYNC }

    /** mm/migrate.c. */
    public static final int NR_MAX_MIGRATE_PAGES_RETRY = 10;
    public static final int NR_MAX_MIGRATE_ASYNC_RETRY = 3;
    public static final int NR_MAX_MIGRATE_SYNC_RETRY = NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY;
    /** mm/migrate.c NR_MAX_BATCHED_MIGRATION: HPAGE_PMD_NR. */
    public static final int NR_MAX_BATCHED_MIGRATION = 512;

    private final PhysMem mem;
    private final FrameTable ft;
    private final Memory memory;
    private final Lru lru;
    private final VmStat stat;
    private final Clock clock;
    private final Supplier<List<Mm>> mms;

    /** Folios between their unmap and their remap: old pfn, new pfn, time of the remap. */
    private int[] winSrc = new int[16];
    private int[] winDst = new int[16];
    private long[] winEnd = new long[16];
    private int nWin;

    /** The time cursor of the migrate_pages call in progress (ns after its start). */
    private long cursor;

    /**
     * Batches that unmapped at least one folio, so ended their unmap phase with one
     * try_to_unmap_flush (one TLB shootdown for the whole batch, Linux 6.3's batched
     * migration); a running count, read by callers that report it.
     */
    private long batchFlushes;

    /**
     * What each such flush adds to the call's time. 0 by default: {@link CostModel#MIGRATE_UNMAP_NS}
     * already counts the unmap of each folio. mpin's pre-compaction sets it
     * ({@link CostModel#tlbShootdownNs}) to charge the shootdown per batch.
     */
    private long batchFlushNs;

    public Migrate(PhysMem mem, Memory memory, Lru lru, VmStat stat, Clock clock, Supplier<List<Mm>> mms) {
        this.mem = mem;
        this.ft = mem.frames();
        this.memory = memory;
        this.lru = lru;
        this.stat = stat;
        this.clock = clock;
        this.mms = mms;
    }

    // ---- isolation ----

    /**
     * mm/vmscan.c folio_isolate_lru: a folio on an LRU list leaves it, and the isolation holds
     * a reference (folio_get). A large folio is refused here: its migration is not modelled.
     */
    public boolean isolateLru(int pfn) {
        if (ft.isLarge(pfn)) {
            return false; // large folios (head or tail): THP migration is not modelled yet (the seam)
        }
        if (!ft.testFlag(pfn, PG_lru)) {
            return false;
        }
        lru.del(pfn);
        ft.refInc(pfn);
        return true;
    }

    /** mm/migrate.c putback_movable_pages -> folio_putback_lru: back on its list, the isolation reference dropped. */
    public void putbackLru(int pfn) {
        lru.putback(pfn);
        memory.putPage(pfn);
    }

    /** putback_movable_pages for every folio left on {@code list}. */
    public void putbackMovablePages(FolioList list) {
        for (int j = 0; j < list.size(); j++) {
            putbackLru(list.pfn(j));
        }
        list.clear();
    }

    // ---- migrate_pages ----

    /** struct migrate_pages_stats, the part the model counts. */
    private static final class Stats {
        int nrSucceeded;
        int nrFailedPages;
    }

    /**
     * mm/migrate.c migrate_pages(from, alloc_migration_target to {@code nid} with
     * __GFP_THISNODE, mode, MR_SYSCALL): migrates the isolated folios of {@code from}.
     *
     * @return the number of folios not migrated (they stay on {@code from}, for the caller
     *     to put back), or -ENOMEM when the target node ran out (the rest stay on
     *     {@code from} too); migrated folios leave {@code from}. pgmigrate_success and
     *     pgmigrate_fail are counted when the last remap of the call falls due.
     */
    public int migratePages(FolioList from, int nid, Mode mode) {
        return migratePages(from, src -> allocMigrationTarget(nid), mode);
    }

    /**
     * Where a folio being migrated goes: new_folio_t, the allocation callback of migrate_pages
     * (alloc_migration_target, mm/mempolicy.c alloc_migration_target_by_mpol).
     */
    @FunctionalInterface
    public interface Target {
        /** A new frame for the folio at {@code src} (counted in pgalloc_ZONE), or NO_FRAME. */
        int alloc(int src);

        /**
         * free_folio_t, the release callback of migrate_pages: a frame {@link #alloc} gave that
         * the migration did not use. Returns false to let the engine drop it (folio_put), as
         * migrate_pages does when its caller passes no put_new_folio; compaction takes the
         * frame back to its own free list (mm/compaction.c compaction_free).
         */
        default boolean free(int dst) {
            return false;
        }
    }

    /** The unused target frame goes back to where it came from (put_new_folio, else folio_put). */
    private void putNewFolio(Target target, int dst) {
        if (!target.free(dst)) {
            memory.putPage(dst);
        }
    }

    /**
     * mm/migrate.c migrate_pages(from, get_new_folio, ...), the target of each folio chosen by
     * {@code target}; otherwise as {@link #migratePages(FolioList, int, Mode)}.
     */
    public int migratePages(FolioList from, Target target, Mode mode) {
        Stats stats = new Stats();
        FolioList ret = new FolioList();
        int rcGather = 0;
        while (!from.isEmpty()) {
            FolioList folios = from.cutFront(NR_MAX_BATCHED_MIGRATION);
            int rc = mode == Mode.ASYNC
                    ? migratePagesBatch(folios, target, mode, ret, stats, NR_MAX_MIGRATE_PAGES_RETRY)
                    : migratePagesSync(folios, target, ret, stats);
            ret.addAll(folios); // list_splice_tail_init(&folios, &ret_folios)
            if (rc < 0) {
                rcGather = rc;
                break;
            }
            rcGather += rc;
        }
        ret.addAll(from); // out: list_splice(&ret_folios, from)
        from.clear();
        from.addAll(ret);
        if (from.isEmpty()) {
            rcGather = 0;
        }
        final int succeeded = stats.nrSucceeded;
        final int failed = stats.nrFailedPages;
        clock.schedule(cursor, "migrate_pages", now -> {
            stat.count(VmEvent.PGMIGRATE_SUCCESS, succeeded);
            stat.count(VmEvent.PGMIGRATE_FAIL, failed);
        });
        return rcGather;
    }

    /**
     * Starts the time cursor of a syscall that migrates (move_pages, mbind): its
     * {@link #migratePages} calls lay their windows one after the other from now.
     */
    public void beginCall() {
        cursor = 0;
    }

    /** Batches so far that unmapped a folio and flushed the TLB once for it (try_to_unmap_flush). */
    public long batchFlushes() {
        return batchFlushes;
    }

    /**
     * Sets the time each batch's TLB flush adds to the call ({@link #batchFlushes}); returns
     * the previous value.
     */
    public long setBatchFlushNs(long ns) {
        final long old = batchFlushNs;
        batchFlushNs = ns;
        return old;
    }

    /** How long, in ns, the migrations of the current syscall keep its caller busy. */
    public long callNs() {
        return cursor;
    }

    /** mm/migrate.c migrate_pages_sync: one async batch of 3 passes, then each folio left alone, synchronously, 7 passes. */
    private int migratePagesSync(FolioList from, Target target, FolioList ret, Stats stats) {
        Stats astats = new Stats();
        FolioList folios = new FolioList();
        int rc = migratePagesBatch(from, target, Mode.ASYNC, folios, astats, NR_MAX_MIGRATE_ASYNC_RETRY);
        stats.nrSucceeded += astats.nrSucceeded;
        if (rc < 0) {
            stats.nrFailedPages += astats.nrFailedPages;
            ret.addAll(folios);
            return rc;
        }
        // "Fall back to migrate all failed folios one by one synchronously"
        from.addAll(folios);
        int nrFailed = 0;
        while (!from.isEmpty()) {
            FolioList one = from.cutFront(1);
            rc = migratePagesBatch(one, target, Mode.SYNC, ret, stats, NR_MAX_MIGRATE_SYNC_RETRY);
            ret.addAll(one);
            if (rc < 0) {
                return rc;
            }
            nrFailed += rc;
        }
        return nrFailed;
    }

    /**
     * mm/migrate.c migrate_pages_batch: unmap every folio (retrying -EAGAIN up to
     * {@code nrPass} passes), then move the unmapped ones (the same), then undo what is left.
     * Folios retried in vain stay on {@code from}; permanent failures go to {@code ret}.
     */
    private int migratePagesBatch(FolioList from, Target target, Mode mode, FolioList ret, Stats stats, int nrPass) {
        FolioList unmapped = new FolioList(); // unmap_folios, with dst_folios in its dst column
        int nrFailed = 0;
        int rcSaved = 0;
        int retry = 1;
        int nrRetryPages = 0;
        boolean oom = false;
        for (int pass = 0; pass < nrPass && retry > 0 && !oom; pass++) {
            retry = 0;
            nrRetryPages = 0;
            for (int j = 0; j < from.size();) {
                int src = from.pfn(j);
                // "If we are holding the last folio reference, the folio was freed from under us"
                if (ft.refcount(src) == 1) {
                    ft.clearFlag(src, PG_active);
                    ft.clearFlag(src, PG_unevictable);
                    from.remove(j);
                    memory.putPage(src); // migrate_folio_done
                    stats.nrSucceeded++;
                    continue;
                }
                int dst = unmapFolio(src, target);
                if (dst >= 0) {
                    unmapped.add(src, from.file(j), dst);
                    from.remove(j);
                    continue;
                }
                if (dst == -ENOMEM) {
                    // "When memory is low, don't bother to try to migrate other folios"
                    nrFailed++;
                    stats.nrFailedPages += 1 + nrRetryPages;
                    rcSaved = -ENOMEM;
                    oom = true;
                    break;
                }
                if (dst == -EAGAIN) {
                    retry++;
                    nrRetryPages++;
                    j++;
                    continue;
                }
                nrFailed++; // a permanent failure leaves the list
                stats.nrFailedPages++;
                ret.add(src, from.file(j), NO_FRAME);
                from.remove(j);
            }
        }
        if (!oom) {
            nrFailed += retry;
            stats.nrFailedPages += nrRetryPages;
        }
        // move: try_to_unmap_flush, then migrate_folios_move for up to nrPass passes
        if (!unmapped.isEmpty()) {
            batchFlushes++; // one TLB shootdown for every folio this batch unmapped
            cursor += batchFlushNs;
        }
        retry = 1;
        for (int pass = 0; pass < nrPass && retry > 0; pass++) {
            retry = 0;
            nrRetryPages = 0;
            for (int j = 0; j < unmapped.size();) {
                int rc = migrateFolioMove(unmapped.pfn(j), unmapped.dst(j), unmapped.file(j));
                if (rc == 0) {
                    stats.nrSucceeded++;
                    unmapped.remove(j);
                } else { // -EAGAIN: the only failure of the small-folio move modelled
                    retry++;
                    nrRetryPages++;
                    j++;
                }
            }
        }
        nrFailed += retry;
        stats.nrFailedPages += nrRetryPages;
        // out: migrate_folios_undo
        for (int j = 0; j < unmapped.size(); j++) {
            undoSrc(unmapped.pfn(j));
            ret.add(unmapped.pfn(j), unmapped.file(j), NO_FRAME);
            putNewFolio(target, unmapped.dst(j)); // migrate_folio_undo_dst
        }
        return rcSaved != 0 ? rcSaved : nrFailed;
    }

    /**
     * mm/migrate.c alloc_migration_target with GFP_HIGHUSER_MOVABLE | __GFP_THISNODE: a frame
     * of node {@code nid} only, its zones from the highest down.
     */
    private int allocMigrationTarget(int nid) {
        int pfn = mem.allocPagesThisNode(0, nid);
        if (pfn != NO_FRAME) {
            memory.countAlloc(pfn);
        }
        return pfn;
    }

    /**
     * mm/migrate.c migrate_folio_unmap: a target frame, then try_to_migrate when the folio is
     * mapped. A folio still mapped after it (an anonymous page that may be DMA-pinned) is
     * restored and the attempt is -EAGAIN.
     *
     * @return the new frame (>= 0), or -ENOMEM, or -EAGAIN
     */
    private int unmapFolio(int src, Target target) {
        int dst = target.alloc(src);
        if (dst == NO_FRAME) {
            return -ENOMEM;
        }
        if (ft.mapcount(src) > 0) {
            tryToMigrate(src);
        }
        if (ft.mapcount(src) == 0) {
            cursor += CostModel.MIGRATE_UNMAP_NS;
            return dst;
        }
        undoSrc(src); // migrate_folio_undo_src(..., page_was_mapped): remove_migration_ptes(src, src)
        putNewFolio(target, dst); // migrate_folio_undo_dst
        return -EAGAIN;
    }

    /** mm/rmap.c try_to_migrate: each PTE mapping the folio becomes a migration entry, until one cannot. */
    private void tryToMigrate(int src) {
        rmapWalk(src, false, (vma, e, i) -> memory.tryToMigrateOne(vma, e, i, src));
    }

    /**
     * mm/migrate.c migrate_folio_move -> move_to_new_folio -> migrate_folio -> __migrate_folio:
     * the folio must hold exactly the references folio_expected_ref_count allows (the page
     * cache's, the PTEs' (none left) and the isolation's): any other (a FOLL_PIN's 1024, a
     * transient one) is -EAGAIN. Then the copy, the new folio on the LRU, and the remap, which
     * falls due at the end of this folio's window.
     */
    private int migrateFolioMove(int src, int dst, Inode file) {
        int expected = (file != null ? 1 : 0) + ft.mapcount(src) + 1; // folio_expected_ref_count + 1
        if (ft.refcount(src) != expected) {
            return -EAGAIN;
        }
        boolean wasMlocked = ft.testFlag(src, PG_mlocked); // PAGE_WAS_MLOCKED (taken at unmap in the kernel)
        memory.migrateFolioContents(src, dst, file);
        memory.migrateAddLru(dst);
        if (wasMlocked) {
            memory.mlockFolio().drain(); // lru_add_drain
        }
        cursor += CostModel.MIGRATE_COPY_NS + CostModel.MIGRATE_REMAP_NS;
        addWindow(src, dst, clock.now() + cursor);
        clock.schedule(cursor, "remove_migration_ptes", now -> finishMove(src, dst));
        return 0;
    }

    /** The end of migrate_folio_move: remove_migration_ptes(src, dst), folio_put(dst), migrate_folio_done(src). */
    private void finishMove(int src, int dst) {
        removeWindow(src);
        rmapWalk(src, true, (vma, e, i) -> {
            memory.removeMigrationPte(vma, e, i, dst);
            return true;
        });
        memory.putPage(dst);
        memory.putPage(src); // frees the old frame: its last reference was the isolation's
    }

    /** migrate_folio_undo_src: remove_migration_ptes(src, src, 0): the folio is mapped again where it was. */
    private void undoSrc(int src) {
        rmapWalk(src, true, (vma, e, i) -> {
            memory.removeMigrationPte(vma, e, i, src);
            return true;
        });
    }

    // ---- the window ----

    private void addWindow(int src, int dst, long end) {
        if (nWin == winSrc.length) {
            winSrc = java.util.Arrays.copyOf(winSrc, nWin * 2);
            winDst = java.util.Arrays.copyOf(winDst, nWin * 2);
            winEnd = java.util.Arrays.copyOf(winEnd, nWin * 2);
        }
        winSrc[nWin] = src;
        winDst[nWin] = dst;
        winEnd[nWin] = end;
        nWin++;
    }

    private void removeWindow(int src) {
        for (int w = 0; w < nWin; w++) {
            if (winSrc[w] == src) {
                nWin--;
                winSrc[w] = winSrc[nWin];
                winDst[w] = winDst[nWin];
                winEnd[w] = winEnd[nWin];
                return;
            }
        }
        throw new IllegalStateException("no migration in progress for pfn " + src);
    }

    /** The time the migration of the folio at {@code src} ends, or -1 if it is not being migrated. */
    public long windowEnd(int src) {
        for (int w = 0; w < nWin; w++) {
            if (winSrc[w] == src) {
                return winEnd[w];
            }
        }
        return -1;
    }

    /**
     * mm/migrate.c migration_entry_wait_on_locked: sleeps until the migration of {@code src}
     * ends: the clock runs to the end of its window (what falls due on the way runs).
     */
    public void migrationEntryWait(int src) {
        long end = windowEnd(src);
        if (end < 0) {
            throw new IllegalStateException("a migration entry for pfn " + src + " with no migration in progress");
        }
        clock.runUntil(end);
    }

    /** True while some folio's migration has not ended (its PTEs are migration entries). */
    public boolean inProgress() {
        return nWin > 0;
    }

    /**
     * The references the engine holds on {@code pfn} (for the invariant checker): the
     * isolation's on an old folio in its window, the allocation's on the new one.
     */
    public int pendingRefs(int pfn) {
        int c = 0;
        for (int w = 0; w < nWin; w++) {
            c += (winSrc[w] == pfn ? 1 : 0) + (winDst[w] == pfn ? 1 : 0);
        }
        return c;
    }

    // ---- rmap ----

    /** What {@link #rmapWalk} does with each PTE it finds; false stops the walk. */
    @FunctionalInterface
    interface RmapOne {
        boolean apply(Vma vma, long[] ptes, int index);
    }

    /**
     * mm/rmap.c rmap_walk for a small folio: every PTE of a live mm that maps {@code pfn}
     * (present) or, with {@code migrationEntries}, holds a migration entry for it.
     */
    void rmapWalk(int pfn, boolean migrationEntries, RmapOne one) {
        long owner = ft.owner(pfn);
        if (owner == NO_OWNER) {
            return;
        }
        boolean anon = ft.testFlag(pfn, PG_anon);
        long index = Memory.folioIndex(owner);
        int ino = anon ? -1 : Memory.ownerIno(owner);
        for (Mm mm : mms.get()) {
            VmaTree vmas = mm.vmas();
            for (int j = 0; j < vmas.size(); j++) {
                Vma vma = vmas.get(j);
                if (anon ? vma.anonVma() == Vma.NO_ANON_VMA : vma.file() == null || vma.file().ino() != ino) {
                    continue;
                }
                if (index < vma.pgoff() || index >= vma.pgoff() + vma.pages()) {
                    continue;
                }
                long addr = vma.start() + ((index - vma.pgoff()) << PhysMem.PAGE_SHIFT); // vma_address
                PageTable.Leaf leaf = mm.pageTable().leaf(addr, false);
                if (leaf == null) {
                    continue;
                }
                int i = PageTable.pteIndex(addr);
                long e = leaf.e[i];
                boolean match = migrationEntries ? Pte.isMigrationEntry(e) && Pte.pfn(e) == pfn
                        : Pte.present(e) && !Pte.special(e) && Pte.pfn(e) == pfn;
                if (match && !one.apply(vma, leaf.e, i)) {
                    return;
                }
            }
        }
    }

    /** -EBUSY, for callers that report a folio that could not be isolated. */
    public static int isolateFailure() {
        return -EBUSY;
    }
}
