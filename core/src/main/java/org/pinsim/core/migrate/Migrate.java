package org.pinsim.core.migrate;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.PG_active;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_mlocked;
import static org.pinsim.core.mem.FrameTable.PG_partially_mapped;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EBUSY;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import java.util.List;
import java.util.function.Supplier;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.HugeMemory;
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
 * mm/migrate.c, the migration engine (Linux 6.18), for order-0 folios and anonymous THP: isolation from the LRU
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
 * Anonymous THP migrate ({@link #migrateLargeFolio}, {@link #trySplitFolio}) but take no
 * window on the clock (no PMD migration entry is ever seen); a split ({@link #splitFolio})
 * splits the PMDs to present PTEs and the folio at once; hugetlb and file THP do not exist. Folio locks, writeback, swap cache and
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

    /** include/linux/migrate_mode.h enum migrate_reason, the values whose rules the model follows. */
    public enum Reason { SYSCALL, MEMPOLICY_MBIND, COMPACTION, LONGTERM_PIN }

    /** The reason of the migrate_pages call in progress (migrate_pages_batch tests MR_LONGTERM_PIN). */
    private Reason reason = Reason.SYSCALL;

    /** The allocation callback of the migrate_pages call in progress for large folios. */
    private Target largeTarget = src -> NO_FRAME;

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
     * a reference (folio_get). For a page of a large folio the whole folio is isolated (by its
     * head, which the caller queues).
     */
    public boolean isolateLru(int pfn) {
        if (ft.isLarge(pfn)) {
            return isolateLargeLru(ft.compoundHead(pfn)); // the caller queues the head
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
        int nrThpSucceeded;
        int nrThpFailed;
        int nrThpSplit;
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
        return migratePages(from, src -> allocMigrationTarget(nid), src -> allocHugeMigrationTarget(nid), mode);
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
        return migratePages(from, target, src -> NO_FRAME, mode);
    }

    /**
     * mm/migrate.c migrate_pages with {@code target} for small folios and {@code largeTarget}
     * for large ones (the same get_new_folio in the kernel, which looks at the folio's order).
     */
    public int migratePages(FolioList from, Target target, Target largeTarget, Mode mode) {
        return migratePages(from, target, largeTarget, mode, Reason.SYSCALL);
    }

    /** As {@link #migratePages(FolioList, Target, Target, Mode)} for {@code reason}. */
    public int migratePages(FolioList from, Target target, Target largeTarget, Mode mode, Reason reason) {
        this.largeTarget = largeTarget;
        this.reason = reason;
        Stats stats = new Stats();
        FolioList ret = new FolioList();
        int rcGather = 0;
        while (!from.isEmpty()) {
            FolioList folios = from.cutFront(NR_MAX_BATCHED_MIGRATION);
            FolioList split = new FolioList(); // split_folios
            int rc = mode == Mode.ASYNC
                    ? migratePagesBatch(folios, target, mode, ret, split, stats, NR_MAX_MIGRATE_PAGES_RETRY)
                    : migratePagesSync(folios, target, ret, split, stats);
            ret.addAll(folios); // list_splice_tail_init(&folios, &ret_folios)
            if (rc < 0) {
                rcGather = rc;
                ret.addAll(split);
                break;
            }
            if (!split.isEmpty()) {
                // "Failure isn't counted since all split folios of a large folio is counted as 1
                // failure already. And, we only try to migrate with minimal effort, force
                // MIGRATE_ASYNC mode and retry once."
                migratePagesBatch(split, target, Mode.ASYNC, ret, null, stats, 1);
                ret.addAll(split);
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
        final int thpSucceeded = stats.nrThpSucceeded;
        final int thpFailed = stats.nrThpFailed;
        final int thpSplit = stats.nrThpSplit;
        clock.schedule(cursor, "migrate_pages", now -> {
            stat.count(VmEvent.PGMIGRATE_SUCCESS, succeeded);
            stat.count(VmEvent.PGMIGRATE_FAIL, failed);
            stat.count(VmEvent.THP_MIGRATION_SUCCESS, thpSucceeded);
            stat.count(VmEvent.THP_MIGRATION_FAIL, thpFailed);
            stat.count(VmEvent.THP_MIGRATION_SPLIT, thpSplit);
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
    private int migratePagesSync(FolioList from, Target target, FolioList ret, FolioList split, Stats stats) {
        Stats astats = new Stats();
        FolioList folios = new FolioList();
        int rc = migratePagesBatch(from, target, Mode.ASYNC, folios, split, astats, NR_MAX_MIGRATE_ASYNC_RETRY);
        stats.nrSucceeded += astats.nrSucceeded;
        stats.nrThpSucceeded += astats.nrThpSucceeded;
        stats.nrThpSplit += astats.nrThpSplit;
        if (rc < 0) {
            stats.nrFailedPages += astats.nrFailedPages;
            stats.nrThpFailed += astats.nrThpFailed;
            ret.addAll(folios);
            return rc;
        }
        stats.nrThpFailed += astats.nrThpSplit;
        // "Count nr_split only, since it includes nr_thp_split" (every large folio is a THP here)
        int nrFailed = astats.nrThpSplit;
        // "Fall back to migrate all failed folios one by one synchronously"
        from.addAll(folios);
        while (!from.isEmpty()) {
            FolioList one = from.cutFront(1);
            rc = migratePagesBatch(one, target, Mode.SYNC, ret, split, stats, NR_MAX_MIGRATE_SYNC_RETRY);
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
    private int migratePagesBatch(FolioList from, Target target, Mode mode, FolioList ret, FolioList split,
            Stats stats, int nrPass) {
        FolioList unmapped = new FolioList(); // unmap_folios, with dst_folios in its dst column
        int nrFailed = 0;
        int rcSaved = 0;
        int retry = 1;
        int nrRetryPages = 0;
        int thpRetry = 0;
        boolean oom = false;
        for (int pass = 0; pass < nrPass && retry > 0 && !oom; pass++) {
            retry = 0;
            nrRetryPages = 0;
            thpRetry = 0;
            for (int j = 0; j < from.size();) {
                int src = from.pfn(j);
                if (ft.isHead(src)) {
                    int nr = ft.folioNrPages(src);
                    // "The rare folio on the deferred split list should be split now"
                    if (nr > 2 && ft.testFlag(src, PG_partially_mapped) && split != null && trySplitFolio(src, split) == 0) {
                        nrFailed++;
                        stats.nrThpFailed++;
                        stats.nrThpSplit++;
                        from.remove(j);
                        continue;
                    }
                    if (ft.refcount(src) == 1) { // freed from under us
                        ft.clearFlag(src, PG_active);
                        ft.clearFlag(src, PG_unevictable);
                        from.remove(j);
                        memory.putPage(src);
                        stats.nrSucceeded += nr;
                        stats.nrThpSucceeded++;
                        continue;
                    }
                    int rc = migrateLargeFolio(src);
                    if (rc == 0) {
                        stats.nrSucceeded += nr;
                        stats.nrThpSucceeded++;
                        from.remove(j);
                        continue;
                    }
                    if (rc == -EAGAIN) {
                        retry++;
                        thpRetry++;
                        nrRetryPages += nr;
                        j++;
                        continue;
                    }
                    // -ENOMEM: "Large folio NUMA faulting doesn't split to retry" (no modelled
                    // caller passes MR_NUMA_MISPLACED, so the folio is split when it can be)
                    nrFailed++;
                    stats.nrThpFailed++;
                    if (split != null) {
                        int sret = trySplitFolio(src, split);
                        if (sret == 0) {
                            stats.nrThpSplit++;
                            from.remove(j);
                            continue;
                        }
                        if (reason == Reason.LONGTERM_PIN && sret == -EAGAIN) {
                            // "Try again to split large folio to mitigate the failure of
                            // longterm pinning": the folio stays for the next pass
                            retry++;
                            thpRetry++;
                            nrRetryPages += nr;
                            nrFailed--; // "Undo duplicated failure counting"
                            stats.nrThpFailed--;
                            j++;
                            continue;
                        }
                    }
                    stats.nrFailedPages += nr + nrRetryPages;
                    stats.nrThpFailed += thpRetry;
                    rcSaved = -ENOMEM;
                    oom = true;
                    break;
                }
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
                    stats.nrThpFailed += thpRetry;
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
            stats.nrThpFailed += thpRetry;
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

    // ---- large folios (THP) ----

    /** mm/vmscan.c folio_isolate_lru for a large folio, by its head: once, holding one reference. */
    private boolean isolateLargeLru(int head) {
        if (!ft.testFlag(head, PG_lru)) {
            return false; // already isolated (by this caller or another), or not on an LRU
        }
        lru.del(head);
        ft.refInc(head);
        return true;
    }

    /**
     * mm/migrate.c alloc_migration_target for a large folio: GFP_TRANSHUGE with __GFP_THISNODE,
     * an order-9 compound folio of node {@code nid} (pgalloc counts its 512 pages).
     */
    private int allocHugeMigrationTarget(int nid) {
        int head = mem.allocPagesThisNode(FrameTable.HPAGE_PMD_ORDER, nid);
        if (head != NO_FRAME) {
            ft.prepCompoundPage(head, FrameTable.HPAGE_PMD_ORDER);
            memory.countAllocPages(head, FrameTable.HPAGE_PMD_NR);
        }
        return head;
    }

    /**
     * include/linux/mm.h folio_maybe_mapped_shared: a small folio mapped more than once; a
     * large folio mapped by more than one mm (CONFIG_MM_ID, which x86-64 THP kernels have:
     * the per-folio mm ids tell exactly whether a second mm maps it).
     */
    public boolean folioMaybeMappedShared(int pfn) {
        if (!ft.isLarge(pfn)) {
            return ft.mapcount(pfn) > 1;
        }
        int head = ft.compoundHead(pfn);
        if (ft.largeMapcount(head) <= 1) {
            return false;
        }
        Mm first = null;
        for (LargeMap m : rmapWalkLarge(head)) {
            if (first == null) {
                first = m.mm();
            } else if (m.mm() != first) {
                return true;
            }
        }
        return false;
    }

    /** One mapping of a large folio found by {@link #rmapWalkLarge}: a huge PMD (index -1) or a PTE. */
    private record LargeMap(Mm mm, Vma vma, PageTable.Leaf leaf, int index) {
    }

    /**
     * mm/rmap.c rmap_walk for an anonymous large folio: every huge PMD and every PTE of a live
     * mm that maps one of its pages.
     */
    private List<LargeMap> rmapWalkLarge(int head) {
        List<LargeMap> out = new java.util.ArrayList<>();
        long owner = ft.owner(head);
        if (owner == NO_OWNER || !ft.testFlag(head, PG_anon)) {
            return out;
        }
        int nr = ft.folioNrPages(head);
        long index = Memory.folioIndex(owner);
        for (Mm mm : mms.get()) {
            VmaTree vmas = mm.vmas();
            for (int j = 0; j < vmas.size(); j++) {
                Vma vma = vmas.get(j);
                if (vma.anonVma() == Vma.NO_ANON_VMA || index + nr <= vma.pgoff() || index >= vma.pgoff() + vma.pages()) {
                    continue;
                }
                for (int k = 0; k < nr; k++) {
                    long idx = index + k;
                    if (idx < vma.pgoff() || idx >= vma.pgoff() + vma.pages()) {
                        continue;
                    }
                    long addr = vma.start() + ((idx - vma.pgoff()) << PhysMem.PAGE_SHIFT); // vma_address
                    PageTable.Leaf leaf = mm.pageTable().leaf(addr, false);
                    if (leaf == null) {
                        continue;
                    }
                    if (leaf.pmd != Pte.NONE) {
                        if (k == 0 && !Pte.special(leaf.pmd) && Pte.pfn(leaf.pmd) == head) {
                            out.add(new LargeMap(mm, vma, leaf, -1));
                        }
                        continue;
                    }
                    int i = PageTable.pteIndex(addr);
                    long e = leaf.e[i];
                    if (Pte.present(e) && !Pte.special(e) && Pte.pfn(e) == head + k) {
                        out.add(new LargeMap(mm, vma, leaf, i));
                    }
                }
            }
        }
        return out;
    }

    /**
     * mm/migrate.c migrate_folio_unmap + migrate_folio_move for an anonymous large folio
     * (x86-64 has CONFIG_ARCH_ENABLE_THP_MIGRATION): an order-9 target, the unmap
     * (mm/rmap.c try_to_migrate_one: a huge PMD becomes a PMD migration entry,
     * mm/huge_memory.c set_pmd_migration_entry; a PTE a PTE migration entry; a folio that may
     * be DMA-pinned cannot be shared, folio_try_share_anon_rmap_pmd/pte, and stays mapped:
     * -EAGAIN), the reference check of __folio_migrate_mapping (folio_expected_ref_count: one
     * per mapping, none left, plus the isolation's), the copy of the 512 pages
     * (folio_mc_copy, folio_migrate_flags), folio_add_lru, and the remap as it was mapped
     * (remove_migration_pmd: the PMD stays a PMD and mlocks the folio in a VM_LOCKED VMA;
     * remove_migration_pte: each PTE again, one page at a time, which does not mlock a large
     * folio: __folio_add_anon_rmap mlocks only when all its pages are added at once). The old
     * folio is munlocked as each mapping goes (munlock_vma_folio) and freed.
     *
     * <p>Unlike a small folio this takes no window on the clock: the unmap, copy and remap
     * happen at once, so no task can meet the PMD migration entry (the time is still charged
     * to the caller). See docs/MIGRATION.md.
     *
     * @return 0, -EAGAIN (pinned or an extra reference: retried), -ENOMEM (no target)
     */
    private int migrateLargeFolio(int src) {
        final int nr = ft.folioNrPages(src);
        int dst = largeTarget.alloc(src);
        if (dst == NO_FRAME) {
            return -ENOMEM;
        }
        boolean mapped = ft.largeMapcount(src) > 0;
        if (mapped && ft.testFlag(src, PG_anon) && memory.maybeDmaPinned(src)) {
            putNewFolio(largeTarget, dst); // the unmap fails: migrate_folio_undo_src / _dst
            return -EAGAIN;
        }
        // folio_expected_ref_count + the isolation's: the mappings' references (they move to the
        // migration entries and are dropped) and ours; anything else is a transient or a pin
        if (ft.refcount(src) != ft.largeMapcount(src) + 1 || !ft.testFlag(src, PG_anon)) {
            putNewFolio(largeTarget, dst);
            return -EAGAIN;
        }
        List<LargeMap> maps = rmapWalkLarge(src);
        for (LargeMap m : maps) {
            if (!memory.mayMigrateFrom(m.vma())) {
                // [PROPOSAL] mpin-2013: a VM_PINNED mapping stays (Memory.tryToMigrateOne), so
                // the unmap of the whole folio fails, as for a pinned folio
                putNewFolio(largeTarget, dst);
                return -EAGAIN;
            }
        }
        boolean locked = false;
        // try_to_migrate: every mapping becomes a migration entry; its rmap and reference go
        // (folio_remove_rmap_pmd / _pte, munlock_vma_folio in a VM_LOCKED VMA)
        for (LargeMap m : maps) {
            if (m.index() < 0) {
                ft.addEntireMapcount(src, -1);
            } else if (ft.mapcountDec(Pte.pfn(m.leaf().e[m.index()])) == 0) {
                ft.addNrPagesMapped(src, -1);
            }
            ft.addLargeMapcount(src, -1);
            ft.refDec(src);
            if (m.vma().has(org.pinsim.core.mm.VmFlags.VM_LOCKED)) {
                memory.mlockFolio().munlockFolio(src);
                locked = true;
            }
        }
        if (ft.largeMapcount(src) != 0 || ft.refcount(src) != 1) {
            throw new IllegalStateException("large folio still mapped after try_to_migrate: " + ft.view(src));
        }
        // move_to_new_folio: folio_mc_copy of every page, folio_migrate_flags, then folio_add_lru
        memory.migrateFolioContents(src, dst, null);
        for (int k = 1; k < nr; k++) {
            ft.copyContent(dst + k, src + k);
            ft.setOwner(dst + k, ft.owner(src + k));
        }
        if (ft.testClearFlag(dst, PG_unevictable)) { // lru_add: "unevictable_pgs_rescued", nr pages
            stat.count(VmEvent.UNEVICTABLE_PGRESCUED, nr);
        }
        memory.migrateAddLru(dst);
        // remove_migration_ptes(src, dst): each entry maps the new folio as the old one was mapped
        final long shift = ((long) dst - src) << PhysMem.PAGE_SHIFT;
        for (LargeMap m : maps) {
            Vma vma = m.vma();
            if (m.index() < 0) { // remove_migration_pmd -> folio_add_anon_rmap_pmd
                m.leaf().pmd += shift;
                ft.addEntireMapcount(dst, 1);
                if ((vma.flags() & (org.pinsim.core.mm.VmFlags.VM_LOCKED | org.pinsim.core.mm.VmFlags.VM_SPECIAL))
                        == org.pinsim.core.mm.VmFlags.VM_LOCKED) {
                    memory.mlockFolio().mlockFolio(dst); // mlock_vma_folio: all its pages at once
                }
            } else { // remove_migration_pte -> folio_add_anon_rmap_pte: one page, no mlock of a large folio
                m.leaf().e[m.index()] += shift;
                if (ft.mapcountInc(Pte.pfn(m.leaf().e[m.index()])) == 1) {
                    ft.addNrPagesMapped(dst, 1);
                }
            }
            ft.addLargeMapcount(dst, 1);
            ft.refInc(dst);
        }
        if (locked) {
            memory.mlockFolio().drain(); // mlock_drain_local
        }
        cursor += CostModel.MIGRATE_UNMAP_NS + (long) nr * CostModel.MIGRATE_COPY_NS + CostModel.MIGRATE_REMAP_NS;
        memory.putPage(dst); // folio_put(dst): the allocation's reference
        memory.putPage(src); // migrate_folio_done: the isolation's, the last one: the old folio is freed
        return 0;
    }

    /**
     * mm/migrate.c try_split_folio -> mm/huge_memory.c split_folio_to_list -> __folio_split for
     * an isolated anonymous folio: folio_get_anon_vma (a folio no longer mapped: -EBUSY),
     * can_split_folio(folio, 1) (no reference beyond the mappings' and the caller's: a pinned
     * folio cannot be split, -EAGAIN), unmap_folio (try_to_migrate with TTU_SPLIT_HUGE_PMD:
     * every huge PMD that maps it is split first, {@link HugeMemory#splitHugePmd},
     * thp_split_pmd each), then {@link #splitUnmappedFolio} to order 0 with the new folios
     * joining {@code split} (the split_folios list), and remap_page: the PTEs keep mapping the
     * same pages. thp_split_page counts the split, thp_split_page_failed a refusal.
     *
     * <p>Not modelled: remap_page's RMP_USE_SHARED_ZEROPAGE (a zero-filled page of the folio
     * is mapped to the shared zero page and freed: the model does not know which pages hold
     * only zeroes); see docs/THP.md.
     *
     * @return 0 if the folio was split, else -EAGAIN or -EBUSY
     */
    private int trySplitFolio(int head, FolioList split) {
        return splitFolio(head, split); // folio_lock / folio_trylock: no folio locks in the model
    }

    /**
     * mm/huge_memory.c split_huge_page_to_list_to_order(page, list, 0) for an anonymous large
     * folio the caller holds one reference on ({@code list}: the isolated folios join it, each
     * with a reference for the list; null: they go on the LRU as
     * lru_add_split_folio does and the caller's reference stays on the first page).
     *
     * @return 0, -EAGAIN (an extra reference: a pin) or -EBUSY (not anonymous, not mapped)
     */
    public int splitFolio(int head, FolioList list) {
        int rc = splitFolioLocked(head, list);
        stat.count(rc == 0 ? VmEvent.THP_SPLIT_PAGE : VmEvent.THP_SPLIT_PAGE_FAILED); // order == HPAGE_PMD_ORDER
        return rc;
    }

    private int splitFolioLocked(int head, FolioList list) {
        if (!ft.testFlag(head, PG_anon) || ft.largeMapcount(head) == 0) {
            return -EBUSY; // folio_get_anon_vma: no anon_vma once the folio is unmapped
        }
        if (ft.refcount(head) != ft.largeMapcount(head) + 1) { // can_split_folio(folio, 1, ...)
            return -EAGAIN;
        }
        if (ft.entireMapcount(head) != 0) {
            // unmap_folio: try_to_migrate(TTU_SPLIT_HUGE_PMD) -> split_huge_pmd_address(freeze)
            // for every PMD mapping; the model splits the PMD to present PTEs (the same rmap
            // and counts the freeze and the remap leave), then the PTEs stay as they are
            boolean wasMlocked = ft.testFlag(head, PG_mlocked);
            boolean lockedVma = false;
            for (LargeMap m : rmapWalkLarge(head)) {
                if (m.index() < 0) {
                    long haddr = m.vma().start() + ((Memory.folioIndex(ft.owner(head)) - m.vma().pgoff()) << PhysMem.PAGE_SHIFT);
                    lockedVma |= m.vma().has(org.pinsim.core.mm.VmFlags.VM_LOCKED);
                    memory.huge().splitHugePmd(m.mm(), m.vma(), m.leaf(), haddr);
                }
            }
            memory.mlockFolio().drain();
            if (wasMlocked && lockedVma && !ft.testFlag(head, PG_mlocked)) {
                // remap_page -> remove_migration_pte -> folio_add_anon_rmap_pte in a VM_LOCKED
                // VMA: mlock_vma_folio mlocks each page again (done here on the folio at once)
                memory.mlockFolio().mlockFolio(head);
                memory.mlockFolio().drain();
            }
        }
        splitUnmappedFolio(head, list);
        return 0;
    }

    /**
     * mm/huge_memory.c __split_unmapped_folio to order 0 and the unfreeze loop of
     * __folio_split: each page becomes a small folio with the flags the head had
     * (__split_folio_to_order), its own index, its mapcount, one reference per PTE plus one
     * (folio_expected_ref_count + 1); with a list they join it (lru_add_split_folio: isolated,
     * folio_get for the list), else they go on the head's LRU list right before the head
     * (list_add_tail(&new_folio->lru, &folio->lru); an unevictable folio's pages get
     * mlock_count 0 instead) and free_folio_and_swap_cache drops that reference of every page
     * but the first (the caller's), freeing the pages nothing maps. A folio on the deferred
     * split queue leaves it (PG_partially_mapped cleared).
     */
    private void splitUnmappedFolio(int head, FolioList list) {
        final int nr = ft.folioNrPages(head);
        final long owner = ft.owner(head);
        final boolean onLru = ft.testFlag(head, PG_lru);
        final int inherit = ft.flags(head) & (1 << PG_anon | 1 << FrameTable.PG_swapbacked | 1 << FrameTable.PG_dirty
                | 1 << FrameTable.PG_referenced | 1 << PG_active | 1 << PG_unevictable | 1 << PG_mlocked);
        ft.clearCompound(head, FrameTable.HPAGE_PMD_ORDER); // also drops PG_partially_mapped
        ft.clearFlag(head, PG_partially_mapped);
        for (int k = 0; k < nr; k++) {
            int p = head + k;
            for (int bit = 0; bit < 32; bit++) {
                if ((inherit & (1 << bit)) != 0) {
                    ft.setFlag(p, bit);
                }
            }
            ft.setOwner(p, owner + k); // new_folio->index = folio->index + i
            if (k > 0 && (inherit & (1 << PG_unevictable)) != 0) {
                ft.setMlockCount(p, 0); // the list overlays lru; lru_add restarts it at putback
            }
            ft.setRefcount(p, 1 + ft.mapcount(p)); // folio_ref_unfreeze(folio_expected_ref_count + 1)
            if (list != null) {
                list.add(p, null, NO_FRAME);
            }
        }
        if (list == null && onLru) {
            lru.addSplitFolios(head, nr);
        }
        // remap_page(folio, nr, RMP_USE_SHARED_ZEROPAGE) after a successful anonymous split
        boolean locked = false;
        for (int k = 0; k < nr; k++) {
            int p = head + k;
            if (ft.mapcount(p) > 0) {
                locked |= remapSplitPage(p, list == null);
            }
        }
        if (locked) {
            memory.mlockFolio().drain();
        }
        if (list == null) {
            for (int k = 1; k < nr; k++) {
                memory.putPage(head + k); // free_folio_and_swap_cache
            }
        }
    }

    /**
     * mm/huge_memory.c remap_page -> mm/migrate.c remove_migration_pte for each PTE that maps
     * the small folio {@code pfn} just split off a THP. In a VM_LOCKED VMA it is mlocked
     * (mlock_vma_folio); otherwise try_to_map_unused_to_zeropage: a page whose bytes are all zero (pages_identical with
     * ZERO_PAGE(0)), not mlocked, in a VMA without VM_LOCKED, is mapped by the shared zero page
     * instead (pte_mkspecial, read-only: vm_page_prot of a private mapping) and its MM counter
     * drops (dec_mm_counter); the page gets no rmap and no reference back, so the split's
     * folio_put frees it. mm_forbids_zeropage is false on x86-64 (the reference machine's
     * zero_page=off changes only read faults: measured, host_thp_deferred_split_pinned.pin).
     */
    private boolean remapSplitPage(int pfn, boolean onLru) {
        boolean locked = false;
        final long index = Memory.folioIndex(ft.owner(pfn));
        final int zero = mem.zeroPfn();
        for (Mm mm : mms.get()) {
            VmaTree vmas = mm.vmas();
            for (int j = 0; j < vmas.size(); j++) {
                Vma vma = vmas.get(j);
                if (vma.anonVma() == Vma.NO_ANON_VMA || index < vma.pgoff() || index >= vma.pgoff() + vma.pages()) {
                    continue;
                }
                long addr = vma.start() + ((index - vma.pgoff()) << PhysMem.PAGE_SHIFT); // vma_address
                PageTable.Leaf leaf = mm.pageTable().leaf(addr, false);
                if (leaf == null || leaf.pmd != Pte.NONE) {
                    continue;
                }
                int i = PageTable.pteIndex(addr);
                long e = leaf.e[i];
                if (!Pte.present(e) || Pte.special(e) || Pte.pfn(e) != pfn) {
                    continue;
                }
                if ((vma.flags() & (org.pinsim.core.mm.VmFlags.VM_LOCKED | org.pinsim.core.mm.VmFlags.VM_SPECIAL))
                        == org.pinsim.core.mm.VmFlags.VM_LOCKED) {
                    // folio_add_anon_rmap_pte -> mlock_vma_folio: each page mapped in a VM_LOCKED
                    // VMA is mlocked again (the model does it for pages back on the LRU only)
                    if (onLru && !ft.testFlag(pfn, PG_mlocked)) {
                        memory.mlockFolio().mlockFolio(pfn);
                        locked = true;
                    }
                    continue;
                }
                if (!ft.testFlag(pfn, FrameTable.PG_zerofill) || ft.testFlag(pfn, PG_mlocked)) {
                    continue;
                }
                leaf.e[i] = Pte.make(zero, false, true);
                mm.addRss(Mm.MM_ANONPAGES, -1);
                if (ft.mapcountDec(pfn) == 0) {
                    stat.mod(org.pinsim.core.vmstat.NodeStat.NR_ANON_MAPPED, -1);
                }
                ft.refDec(pfn);
            }
        }
        return locked;
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
