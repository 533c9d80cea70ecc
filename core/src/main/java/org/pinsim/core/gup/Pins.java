package org.pinsim.core.gup;

import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EOVERFLOW;

import org.pinsim.core.mm.Gup;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;

/**
 * mm/gup.c pin_user_pages_fast(FOLL_PIN | FOLL_LONGTERM [| FOLL_WRITE]) and unpin_user_pages:
 * the long-term pins drivers take (io_uring fixed buffers here; RDMA, vfio and mpin later).
 *
 * <p>A pinned small page holds GUP_PIN_COUNTING_BIAS references ({@link Memory#pinPage}) and
 * is counted in nr_foll_pin_acquired. Pinning never charges locked_vm or pinned_vm: each
 * caller does its own accounting.
 *
 * <p>From Linux 5.13 (profile permitting) a FOLL_LONGTERM pin first moves what may not be
 * pinned for long: __gup_longterm_locked pins, then check_and_migrate_movable_folios finds the
 * folios that are not folio_is_longterm_pinnable (in ZONE_MOVABLE, or in a MIGRATE_CMA or
 * isolated pageblock), unpins everything, migrates those folios (MIGRATE_SYNC,
 * MR_LONGTERM_PIN) to GFP_USER frames of their node, and pins again (-EAGAIN); a migration
 * that fails makes the pin -ENOMEM. The moves count in pgmigrate_success / pgmigrate_fail
 * (the kernel has no counter of its own for them) and take their time on the clock.
 *
 * The faults taken during the pin allocate in memalloc_pin_save's scope: without
 * __GFP_MOVABLE (current_gfp_context), so outside ZONE_MOVABLE and CMA from the start.
 *
 * <p>A large folio (a THP) that is not long-term pinnable is isolated and migrated whole to
 * an order-9 folio of its node; when none can be had, migrate_pages_batch splits it
 * (MR_LONGTERM_PIN also retries a split that meets an extra reference) and its pages migrate
 * one by one, but migrate_pages still counts the split folio as one failure unless every
 * page of it moved, and any failure makes the pin -ENOMEM.
 *
 * <p>Simplified against the kernel: no fsdax, secretmem or device-coherent memory exists;
 * CMA-only migration before 5.13 (check_and_migrate_cma_pages) is not modelled.
 */
public final class Pins {
    /** include/linux/mm_types.h enum fault_flag... gup flags: FOLL_WRITE, FOLL_FORCE, FOLL_LONGTERM. */
    public static final int FOLL_WRITE = 1;
    public static final int FOLL_FORCE = 1 << 3;
    public static final int FOLL_LONGTERM = 1 << 8;

    private final Memory memory;
    private final Gup gup;
    private final org.pinsim.core.Profile profile;
    private final org.pinsim.core.migrate.Migrate migrate;
    private final org.pinsim.core.time.Clock clock;
    private final java.util.function.IntFunction<org.pinsim.core.mm.Inode> inodeByIno;

    public Pins(Memory memory, Gup gup, org.pinsim.core.Profile profile) {
        this(memory, gup, profile, null, null, null);
    }

    /** With the migration engine, so FOLL_LONGTERM pins migrate unpinnable folios first. */
    public Pins(Memory memory, Gup gup, org.pinsim.core.Profile profile, org.pinsim.core.migrate.Migrate migrate,
            org.pinsim.core.time.Clock clock, java.util.function.IntFunction<org.pinsim.core.mm.Inode> inodeByIno) {
        this.memory = memory;
        this.inodeByIno = inodeByIno;
        this.gup = gup;
        this.profile = profile;
        this.migrate = migrate;
        this.clock = clock;
    }

    /**
     * Running counts of the FOLL_LONGTERM path, read by callers that report them (the kernel
     * has no counter of its own): passes of __gup_longterm_locked's loop that ended in -EAGAIN
     * (everything unpinned and pinned again after a migration), folios
     * check_and_migrate_movable_folios migrated, and the calls it ended with -ENOMEM (a folio
     * it could not isolate or migrate).
     */
    private long longtermRepins;
    private long longtermMigrated;
    private long longtermFailed;

    /** __gup_longterm_locked passes that ended in -EAGAIN and pinned again. */
    public long longtermRepins() {
        return longtermRepins;
    }

    /** Folios migrated out of ZONE_MOVABLE or CMA before a long-term pin. */
    public long longtermMigrated() {
        return longtermMigrated;
    }

    /** check_and_migrate_movable_folios calls that gave up (-ENOMEM): the pin failed. */
    public long longtermFailed() {
        return longtermFailed;
    }

    /**
     * A short-term FOLL_PIN held for {@code holdNs} on the virtual clock: what a direct I/O in
     * flight holds on the user pages it reads into or writes from. block/bio.c
     * bio_iov_iter_get_pages -> lib/iov_iter.c iov_iter_extract_pages ->
     * pin_user_pages_fast(FOLL_PIN, FOLL_WRITE for a read into memory, never FOLL_LONGTERM), so
     * the pages stay where they are and each holds GUP_PIN_COUNTING_BIAS references; the pins
     * drop when the I/O completes (bio_release_pages -> unpin_user_page), here {@code holdNs}
     * from now. While they are held, a migration of the page fails (try_to_migrate_one refuses
     * an anonymous page that folio_maybe_dma_pinned; __folio_migrate_mapping's reference count
     * check refuses any other): -EAGAIN, retried by migrate_pages, then given up.
     *
     * @param pfns receives the pinned frames from index 0
     * @return pages pinned, or -errno when none
     */
    public long pinShortTerm(Mm mm, long start, int nrPages, boolean write, long holdNs, int[] pfns) {
        if (holdNs < 0 || clock == null) {
            throw new IllegalArgumentException(clock == null ? "no clock to release the pins on" : "negative hold time " + holdNs);
        }
        final long got = getUserPagesLocked(mm, start, nrPages, write ? FOLL_WRITE : 0, pfns, 0);
        if (got > 0) {
            final int[] held = java.util.Arrays.copyOf(pfns, (int) got);
            clock.schedule(holdNs, "bio_release_pages", now -> memory.unpinPages(held, held.length));
        }
        return got;
    }

    /** pin_user_pages_fast(FOLL_LONGTERM [| FOLL_WRITE]): see {@link #pinUserPages(Mm, long, int, int, int[])}. */
    public long pinUserPages(Mm mm, long start, int nrPages, boolean write, int[] pfns) {
        return pinUserPages(mm, start, nrPages, FOLL_LONGTERM | (write ? FOLL_WRITE : 0), pfns, 0);
    }

    /**
     * mm/gup.c pin_user_pages_fast -> __gup_longterm_locked over {@code nrPages} pages from
     * {@code start}: faults each page in (a write fault for FOLL_WRITE, which breaks COW of
     * private file and shared anonymous pages) and pins it.
     *
     * <p>{@code gupFlags}: FOLL_WRITE, FOLL_FORCE (Linux 3.x RDMA pinned read-only
     * registrations with write + force), FOLL_LONGTERM (the checks of check_vma_flags for
     * long-term pins; 3.x had no such flag). Every profile takes the pin as FOLL_PIN does,
     * GUP_PIN_COUNTING_BIAS references a page (3.x callers took one reference with
     * get_user_pages, a difference no counter pinsim models shows but nr_foll_pin_*); fork's
     * early copy of maybe-pinned pages (MMF_HAS_PINNED) exists from Linux 5.9.
     *
     * @param pfns receives the pinned frames, in address order, from {@code at}
     * @return pages pinned (possibly fewer than asked: the caller decides), or -errno when none
     */
    public long pinUserPages(Mm mm, long start, int nrPages, int gupFlags, int[] pfns, int at) {
        if ((gupFlags & FOLL_LONGTERM) == 0 || migrate == null || !profile.since(5, 13)) {
            return getUserPagesLocked(mm, start, nrPages, gupFlags, pfns, at);
        }
        // mm/gup.c __gup_longterm_locked: pin, then check_and_migrate_movable_folios; -EAGAIN
        // (something was migrated, everything unpinned) pins again. memalloc_pin_save: the
        // pages faulted in meanwhile avoid ZONE_MOVABLE and CMA from the start
        final boolean flags = memory.phys().memallocPinSave();
        try {
            while (true) {
                long nr = getUserPagesLocked(mm, start, nrPages, gupFlags, pfns, at);
                if (nr <= 0) {
                    return nr;
                }
                int rc = checkAndMigrateMovableFolios(pfns, at, (int) nr);
                if (rc != -EAGAIN) {
                    if (rc != 0) {
                        longtermFailed++;
                    }
                    return rc != 0 ? rc : nr;
                }
                longtermRepins++;
            }
        } finally {
            memory.phys().memallocPinRestore(flags);
        }
    }

    /**
     * mm/gup.c check_and_migrate_movable_folios: 0 when every pinned folio is
     * long-term pinnable; else collect_longterm_unpinnable_folios and
     * migrate_longterm_unpinnable_folios: -EAGAIN after migrating (the pins are dropped), or
     * -ENOMEM if migration failed (the pins are dropped too).
     */
    private int checkAndMigrateMovableFolios(int[] pfns, int at, int nr) {
        final org.pinsim.core.mem.FrameTable ft = memory.frames();
        final org.pinsim.core.migrate.FolioList movable = new org.pinsim.core.migrate.FolioList();
        int collected = 0;
        for (int i = at; i < at + nr; i++) {
            // pofs_next_folio: the pages of one folio are one entry (a large folio's head)
            final int pfn = ft.isLarge(pfns[i]) ? ft.compoundHead(pfns[i]) : pfns[i];
            if (i > at && (ft.isLarge(pfns[i - 1]) ? ft.compoundHead(pfns[i - 1]) : pfns[i - 1]) == pfn) {
                continue;
            }
            if (folioIsLongtermPinnable(pfn)) {
                continue;
            }
            collected++;
            if (movable.contains(pfn) || !migrate.isolateLru(pfn)) {
                continue; // already collected, or not on an LRU: folio_isolate_lru fails
            }
            movable.add(pfn, ft.testFlag(pfn, org.pinsim.core.mem.FrameTable.PG_anon) ? null
                    : inodeByIno.apply(Memory.ownerIno(ft.owner(pfn))), org.pinsim.core.mem.FrameTable.NO_FRAME);
        }
        if (collected == 0) {
            return 0;
        }
        // migrate_longterm_unpinnable_folios: "We can't migrate pages with unexpected
        // references, so drop the reference obtained by __get_user_pages_locked()"
        memory.unpinPages(java.util.Arrays.copyOfRange(pfns, at, at + nr), nr);
        int rc = -EAGAIN;
        if (!movable.isEmpty()) {
            migrate.beginCall();
            // alloc_migration_target with GFP_USER | __GFP_NOWARN, nid = folio_nid(src): no
            // __GFP_MOVABLE, so neither ZONE_MOVABLE nor CMA
            // (a large folio: alloc_migration_target adds GFP_TRANSHUGE without __GFP_RECLAIM,
            // and memalloc_pin_save's scope takes __GFP_MOVABLE away again)
            final int queued = movable.size();
            int left = migrate.migratePages(movable, src -> allocPinnableTarget(src, 0), src -> allocPinnableTarget(src, 9),
                    org.pinsim.core.migrate.Migrate.Mode.SYNC, org.pinsim.core.migrate.Migrate.Reason.LONGTERM_PIN);
            longtermMigrated += queued - movable.size(); // the folios not migrated stay on the list
            clock.runUntil(clock.now() + migrate.callNs()); // migrate_pages returns when the moves are done
            if (left != 0) {
                rc = -ENOMEM;
            }
        }
        migrate.putbackMovablePages(movable);
        return rc;
    }

    /** include/linux/mm.h folio_is_longterm_pinnable: not CMA or isolated, not in ZONE_MOVABLE; the zero page is fine. */
    private boolean folioIsLongtermPinnable(int pfn) {
        final org.pinsim.core.mem.FrameTable ft = memory.frames();
        final int mt = ft.pageblockMigratetype(pfn);
        if (mt == org.pinsim.core.mem.FrameTable.MIGRATE_CMA || mt == org.pinsim.core.mem.FrameTable.MIGRATE_ISOLATE) {
            return false;
        }
        if (ft.testFlag(pfn, org.pinsim.core.mem.FrameTable.PG_zero)) {
            return true;
        }
        return memory.phys().zoneOf(pfn).zoneIdx() != org.pinsim.core.mem.Zone.ZONE_MOVABLE;
    }

    /**
     * mm/migrate.c alloc_migration_target for MR_LONGTERM_PIN: GFP_USER | __GFP_NOWARN on the
     * source's node; for a large folio (order 9) "gfp_mask &= ~__GFP_RECLAIM; gfp_mask |=
     * GFP_TRANSHUGE", a compound folio.
     */
    private int allocPinnableTarget(int src, int order) {
        final org.pinsim.core.mem.PhysMem mem = memory.phys();
        int gfp = org.pinsim.core.mem.Gfp.GFP_USER | org.pinsim.core.mem.Gfp.__GFP_NOWARN;
        if (order > 0) {
            gfp = (gfp & ~org.pinsim.core.mem.Gfp.__GFP_RECLAIM) | org.pinsim.core.mem.Gfp.GFP_TRANSHUGE;
        }
        final int pfn = mem.allocPages(order, mem.nidOf(src), gfp);
        if (pfn != org.pinsim.core.mem.FrameTable.NO_FRAME) {
            if (order > 0) {
                memory.frames().prepCompoundPage(pfn, order);
                memory.countAllocPages(pfn, 1 << order);
            } else {
                memory.countAlloc(pfn);
            }
        }
        return pfn;
    }

    /** mm/gup.c __get_user_pages_locked with FOLL_PIN: fault in and pin. */
    private long getUserPagesLocked(Mm mm, long start, int nrPages, int gupFlags, int[] pfns, int at) {
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        boolean force = (gupFlags & FOLL_FORCE) != 0;
        boolean longterm = (gupFlags & FOLL_LONGTERM) != 0;
        // gup_fast_fallback: "if (gup_flags & FOLL_PIN) mm_set_has_pinned_flag(mm)", before any check
        // (mm->has_pinned arrived with the early COW at fork, Linux 5.9)
        if (profile.since(5, 9)) {
            mm.setHasPinned();
        }
        long len = (long) nrPages << MmContext.PAGE_SHIFT;
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) {
            return -EOVERFLOW;
        }
        if (Long.compareUnsigned(end, MmContext.TASK_SIZE) > 0) {
            return -EFAULT;
        }
        int done = 0;
        while (done < nrPages) {
            long a = start + ((long) done << MmContext.PAGE_SHIFT);
            // __get_user_pages: gup_vma_lookup never expands the stack
            Vma vma = mm.vmas().find(a);
            if (vma == null || Long.compareUnsigned(a, vma.start()) < 0) {
                return done > 0 ? done : -EFAULT;
            }
            int err = longterm ? checkLongtermFlags(vma, write) : 0;
            if (err != 0) {
                return done > 0 ? done : err;
            }
            int n = (int) Math.min(nrPages - done, (vma.end() - a) >>> MmContext.PAGE_SHIFT);
            long got = gup.getUserPages(mm, vma, a, n, write, force);
            if (got < 0) {
                return done > 0 ? done : got;
            }
            // follow_page_mask: one table walk per 2 MiB, then the PTEs of that table
            PageTable.Leaf leaf = null;
            long leafBase = -1;
            for (int k = 0; k < got; k++) {
                long x = a + ((long) k << MmContext.PAGE_SHIFT);
                long base = x & ~(MmContext.PMD_SIZE - 1);
                if (base != leafBase) {
                    leaf = mm.pageTable().leaf(x, false);
                    leafBase = base;
                }
                pfns[at + done + k] = Pte.pfn(leaf.pte(PageTable.pteIndex(x)));
            }
            memory.pinPages(pfns, at + done, at + done + (int) got);
            done += (int) got;
            if (got < n) {
                break;
            }
        }
        return done;
    }

    /** mm/gup.c unpin_user_pages: drop the pins of {@code pfns[0..n)}. */
    public void unpinUserPages(int[] pfns, int n) {
        memory.unpinPages(pfns, n);
    }

    /**
     * mm/gup.c check_vma_flags, the FOLL_LONGTERM part before the generic checks of
     * {@link Gup#getUserPages}: a writable pin of a shared file mapping that needs dirty
     * tracking (writable_file_mapping_allowed -> vma_needs_dirty_tracking: a filesystem with
     * page_mkwrite or writeback, every regular file here; not shmem or memfd) is refused.
     */
    static int checkLongtermFlags(Vma vma, boolean write) {
        if (vma.has(VmFlags.VM_IO | VmFlags.VM_PFNMAP)) {
            return -EFAULT;
        }
        if (write && vma.file() != null && !vma.file().shmem()
                && (vma.flags() & (VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == (VmFlags.VM_SHARED | VmFlags.VM_WRITE)) {
            return -EFAULT;
        }
        return 0;
    }
}
