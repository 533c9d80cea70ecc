package org.pinsim.core.check;

import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_buddy;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_mlocked;
import static org.pinsim.core.mem.FrameTable.PG_pgtable;
import static org.pinsim.core.mem.FrameTable.PG_reserved;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmStat;

/**
 * The invariants that tie page tables to frames, recomputed from first principles: one walk
 * of every present PTE of every distinct mm, one pass over the page caches of the inodes the
 * VMAs map, then one pass over the frame table.
 *
 * <p>Memory: one int per present non-special PTE (sorted to count the mappings of each
 * frame) and two bitmaps of one bit per frame; no per-frame int array.
 *
 * <p>Page-cache membership is known exactly for the machine's regular files
 * ({@code Kernel.files()}) and for every inode a VMA maps. A shmem object that only a file
 * descriptor holds (a memfd nobody maps) cannot be found from here: a PG_swapbacked frame
 * whose owner is a file, that no PTE maps and that holds one reference more than its other
 * holders account for is taken to be in such a page cache.
 */
final class FrameInvariants {
    private final FrameTable ft;
    private final int zeroPfn;
    private final Invariants.ExtraRefs extra;
    private final PfnSet tables;
    private final BitSet cached = new BitSet();
    private final Set<Inode> inodesSeen = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The pfn of every present non-special PTE, one entry per PTE; sorted before the sweep. */
    private int[] mapped = new int[4096];
    private int nMapped;
    /** The head pfn of every huge PMD (a PMD-mapped large folio), one entry per PMD. */
    private int[] pmdMapped = new int[64];
    private int nPmdMapped;
    // what the sweep counts, for the vmstat comparisons
    private long mlocked;
    private long unevictable;
    private long pgtables;
    private long anonMapped;
    private long fileMapped;
    private long filePages;
    private long shmemPages;

    FrameInvariants(PhysMem mem, Invariants.ExtraRefs extra, PfnSet tables) {
        this.ft = mem.frames();
        this.zeroPfn = mem.zeroPfn();
        this.extra = extra;
        this.tables = tables;
    }

    // ---- the walk ----

    /**
     * Walks every VMA of {@code mm}: each present PTE maps an in-use frame that is not a
     * page table; the rss counters equal the pages the PTEs map (anon = PG_anon, shmem =
     * PG_swapbacked non-anon, file = the rest), as zap_pte_range will subtract them.
     *
     * <p>A normal page in a VM_LOCKED VMA is PG_mlocked (mm/internal.h mlock_vma_folio), or
     * waits on the mlock batch, or is on an LRU list: the kernel lets mlock_count err low
     * (mm/mlock.c __munlock_folio: "assume that was the last mlock: reclaim will fix it if
     * not"), so a batch that holds mlock_new, munlock from another mm and mlock of the same
     * page, in that order, leaves it evictable and not PG_mlocked although a VM_LOCKED VMA
     * maps it. Such a page must then be evictable, never stranded: see {@link #sweep}.
     */
    void walkMm(Object who, Mm mm) {
        long[] rss = new long[4];
        VmaTree vmas = mm.vmas();
        for (int i = 0; i < vmas.size(); i++) {
            Vma v = vmas.get(i);
            if (v.file() != null) {
                collectCache(who, v.file());
            }
            boolean mlocks = (v.flags() & (VmFlags.VM_LOCKED | VmFlags.VM_SPECIAL)) == VmFlags.VM_LOCKED;
            mm.pageTable().walk(v.start(), v.end(), (addr, e) -> pteEntry(who, v, addr, e, mlocks, rss));
        }
        MmInvariants.expect(who, "MM_ANONPAGES", mm.rss(Mm.MM_ANONPAGES), rss[Mm.MM_ANONPAGES],
                "PG_anon pages its PTEs map");
        MmInvariants.expect(who, "MM_FILEPAGES", mm.rss(Mm.MM_FILEPAGES), rss[Mm.MM_FILEPAGES],
                "non-anonymous, non-swapbacked pages its PTEs map");
        MmInvariants.expect(who, "MM_SHMEMPAGES", mm.rss(Mm.MM_SHMEMPAGES), rss[Mm.MM_SHMEMPAGES],
                "shmem (PG_swapbacked, not PG_anon) pages its PTEs map");
    }

    /**
     * A non-present entry is a guard marker (mm/madvise.c madvise_guard_install), in a VMA
     * whose page tables the core manages alone (is_valid_guard_vma: no VM_SPECIAL, no hugetlb)
     * and that carries VM_MAYBE_GUARD (so that fork copies the marker), an anonymous one with
     * an anon_vma (anon_vma_prepare).
     */
    private void guardMarker(Object who, Vma v, long addr, long e) {
        if (!Pte.isGuardMarker(e)) {
            failPte(who, v, addr, "is neither present nor a guard marker: 0x" + Long.toHexString(e));
        }
        if ((v.flags() & (VmFlags.VM_SPECIAL | VmFlags.VM_HUGETLB)) != 0) {
            failPte(who, v, addr, "is a guard marker in a VM_SPECIAL or hugetlb VMA");
        }
        if ((v.flags() & VmFlags.VM_MAYBE_GUARD) == 0) {
            failPte(who, v, addr, "is a guard marker in a VMA without VM_MAYBE_GUARD");
        }
        if (v.isAnonymous() && v.anonVma() == Vma.NO_ANON_VMA) {
            failPte(who, v, addr, "is a guard marker in an anonymous VMA without an anon_vma");
        }
    }

    private void pteEntry(Object who, Vma v, long addr, long e, boolean mlocks, long[] rss) {
        if (Pte.isMigrationEntry(e)) {
            migrationEntry(who, v, addr, e, rss);
            return;
        }
        if (!Pte.present(e)) {
            guardMarker(who, v, addr, e);
            return;
        }
        int pfn = Pte.pfn(e);
        if (pfn >= ft.nrFrames()) {
            failPte(who, v, addr, "maps pfn " + pfn + ", beyond the machine's " + ft.nrFrames() + " frames");
        }
        int head = ft.compoundHead(pfn);
        int f = ft.flags(head);
        if (ft.refcount(head) <= 0 || (f & (1 << PG_buddy)) != 0) {
            failPte(who, v, addr, "maps a free frame: " + ft.view(pfn));
        }
        if ((f & (1 << PG_pgtable)) != 0) {
            failPte(who, v, addr, "maps a page-table frame: " + ft.view(pfn));
        }
        if (Pte.special(e)) {
            // a driver's remap_pfn_range maps its own frames into a VM_PFNMAP VMA with vm_ops
            boolean driver = v.ops() != null && v.has(org.pinsim.core.mm.VmFlags.VM_PFNMAP) && extra.extraRefs(pfn) > 0;
            if (pfn != zeroPfn && (f & (1 << FrameTable.PG_zero)) == 0 && !driver) {
                failPte(who, v, addr, "is special but maps neither the zero page nor a frame its driver holds: "
                        + ft.view(pfn));
            }
            return; // vm_normal_page() == NULL: no rmap, no rss
        }
        if (Pte.huge(e)) {
            if ((pfn & (FrameTable.HPAGE_PMD_NR - 1)) == 0) { // one entry per huge PMD
                if (nPmdMapped == pmdMapped.length) {
                    pmdMapped = Arrays.copyOf(pmdMapped, nPmdMapped * 2);
                }
                pmdMapped[nPmdMapped++] = pfn;
            }
        } else {
            if (nMapped == mapped.length) {
                mapped = Arrays.copyOf(mapped, nMapped * 2);
            }
            mapped[nMapped++] = pfn;
        }
        rss[(f & (1 << PG_anon)) != 0 ? Mm.MM_ANONPAGES
                : (f & (1 << PG_swapbacked)) != 0 ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES]++;
        if (mlocks && (f & (1 << PG_mlocked | 1 << PG_lru)) == 0 && extra.extraRefs(pfn) == 0) {
            failPte(who, v, addr, "(VM_LOCKED) maps a page that is not PG_mlocked, not on an LRU list (where "
                    + "reclaim would mlock it) and not queued on the mlock batch: " + ft.view(pfn));
        }
    }

    /**
     * A migration entry names a folio whose migration is in progress (the engine holds it
     * isolated: no entry outlives its migration) and counts in the mapping's rss, as
     * try_to_migrate_one leaves the rss counters alone.
     */
    private void migrationEntry(Object who, Vma v, long addr, long e, long[] rss) {
        int pfn = Pte.pfn(e);
        if (pfn >= ft.nrFrames() || ft.refcount(pfn) <= 0 || ft.isBuddy(pfn)) {
            failPte(who, v, addr, "is a migration entry for a free or invalid frame: 0x" + Long.toHexString(e));
        }
        if (extra.extraRefs(pfn) == 0) {
            failPte(who, v, addr, "is a migration entry left after its migration ended: " + ft.view(pfn));
        }
        int f = ft.flags(pfn);
        rss[(f & (1 << PG_anon)) != 0 ? Mm.MM_ANONPAGES
                : (f & (1 << PG_swapbacked)) != 0 ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES]++;
    }

    private static void failPte(Object who, Vma v, long addr, String what) {
        Invariants.fail(who + ": PTE at 0x" + Long.toHexString(addr) + " in VMA " + v + " " + what);
    }

    /** Marks the page caches of the machine's regular files. */
    void collectFiles(List<Inode> files) {
        for (Inode f : files) {
            collectCache("file", f);
        }
    }

    /** Marks the page cache of {@code f}: each page in use, in no other cache, counted by nrCached. */
    private void collectCache(Object who, Inode f) {
        if (!inodesSeen.add(f)) {
            return;
        }
        long count = 0;
        for (int i = 0; i < f.cacheSpan(); i++) {
            int pfn = f.page(i);
            if (pfn == Inode.NO_PAGE) {
                continue;
            }
            count++;
            String what = who + ": page cache of inode " + f.ino() + " (" + f.path() + ") index " + i;
            if (pfn < 0 || pfn >= ft.nrFrames() || ft.refcount(pfn) <= 0 || ft.isBuddy(pfn)) {
                Invariants.fail(what + " holds a free or invalid frame "
                        + (pfn >= 0 && pfn < ft.nrFrames() ? ft.view(pfn) : Integer.toString(pfn)));
            }
            if (cached.get(pfn)) {
                Invariants.fail(what + " holds a frame already in a page cache: " + ft.view(pfn));
            }
            cached.set(pfn);
        }
        MmInvariants.expect(who, "nrpages of inode " + f.ino() + " (" + f.path() + ")", f.nrCached(), count,
                "pages in its page cache");
    }

    // ---- the frame sweep ----

    /**
     * One pass over the frame table: mapcount equals the PTEs found; refcount equals
     * mapcount + page cache + the other holders' references ({@link Invariants.ExtraRefs}:
     * the mlock batch, pins); then the vmstat counters equal what the frames say.
     */
    void sweep(VmStat stat, Lru lru) {
        Arrays.sort(mapped, 0, nMapped);
        Arrays.sort(pmdMapped, 0, nPmdMapped);
        int next = 0;
        int nextPmd = 0;
        int n = ft.nrFrames();
        for (int pfn = 0; pfn < n;) {
            if (ft.isBuddy(pfn)) {
                // a free block: the mem package checks its frames, and the walk has already
                // failed on any PTE that maps one of them (refcount 0)
                pfn += 1 << ft.buddyOrder(pfn);
                continue;
            }
            if (ft.isHead(pfn)) {
                int pmds = 0;
                while (nextPmd < nPmdMapped && pmdMapped[nextPmd] == pfn) {
                    pmds++;
                    nextPmd++;
                }
                next = checkFolio(pfn, pmds, next);
                pfn += ft.folioNrPages(pfn);
                continue;
            }
            int ptes = 0;
            while (next < nMapped && mapped[next] == pfn) {
                ptes++;
                next++;
            }
            checkFrame(pfn, ptes);
            pfn++;
        }
        MmInvariants.expect("vmstat", "nr_mlock", stat.get(NodeStat.NR_MLOCK), mlocked, "PG_mlocked frames");
        MmInvariants.expect("vmstat", "nr_unevictable", lru.nrPages(Lru.LRU_UNEVICTABLE), unevictable,
                "PG_unevictable frames on the LRU (PG_lru)");
        MmInvariants.expect("vmstat", "nr_page_table_pages", stat.get(NodeStat.NR_PAGETABLE), pgtables,
                "PG_pgtable frames");
        MmInvariants.expect("vmstat", "nr_anon_pages", stat.get(NodeStat.NR_ANON_MAPPED), anonMapped,
                "mapped PG_anon frames");
        MmInvariants.expect("vmstat", "nr_mapped", stat.get(NodeStat.NR_FILE_MAPPED), fileMapped,
                "mapped non-anonymous frames");
        MmInvariants.expect("vmstat", "nr_file_pages", stat.get(NodeStat.NR_FILE_PAGES), filePages,
                "page-cache frames");
        MmInvariants.expect("vmstat", "nr_shmem", stat.get(NodeStat.NR_SHMEM), shmemPages,
                "shmem (PG_swapbacked) page-cache frames");
    }

    /**
     * A large folio (a transparent huge page) as a whole: each page's mapcount equals the
     * PTEs mapping it; entire_mapcount the PMDs; large_mapcount both; nr_pages_mapped the
     * pages some PTE maps; the head's refcount every mapping plus the other holders (a pin
     * of a page of it counts 1 on the head); its LRU and mlock state counts folio_nr_pages.
     *
     * @return the index in the sorted PTE list after the folio's pages
     */
    private int checkFolio(int head, int pmds, int next) {
        final int nr = ft.folioNrPages(head);
        int ptes = 0;
        int pagesMapped = 0;
        for (int p = head; p < head + nr; p++) {
            int c = 0;
            while (next < nMapped && mapped[next] == p) {
                c++;
                next++;
            }
            if (ft.mapcount(p) != c) {
                Invariants.fail("mapcount " + ft.mapcount(p) + " but " + c + " present PTEs map this page of a"
                        + " large folio: " + ft.view(p));
            }
            if (p != head && (!ft.isTail(p) || ft.refcount(p) != 0)) {
                Invariants.fail("tail page of a large folio without PG_tail or with a refcount: " + ft.view(p));
            }
            ptes += c;
            pagesMapped += c > 0 ? 1 : 0;
        }
        MmInvariants.expect("folio " + head, "entire_mapcount", ft.entireMapcount(head), pmds, "huge PMDs mapping it");
        MmInvariants.expect("folio " + head, "large_mapcount", ft.largeMapcount(head), pmds + ptes,
                "PMDs plus PTEs mapping it");
        MmInvariants.expect("folio " + head, "nr_pages_mapped", ft.nrPagesMapped(head), pagesMapped,
                "pages a PTE maps");
        int want = pmds + ptes + extra.extraRefs(head);
        if (ft.refcount(head) != want) {
            Invariants.fail("large folio refcount " + ft.refcount(head) + " but mappings " + (pmds + ptes)
                    + " + other holders " + (want - pmds - ptes) + ": " + ft.view(head));
        }
        int f = ft.flags(head);
        if ((f & (1 << PG_mlocked)) != 0) {
            mlocked += nr;
        }
        if ((f & (1 << PG_lru | 1 << PG_unevictable)) == (1 << PG_lru | 1 << PG_unevictable)) {
            unevictable += nr;
        }
        if ((f & (1 << PG_anon)) != 0) {
            anonMapped += pmds > 0 ? nr : pagesMapped;
        }
        return next;
    }

    private void checkFrame(int pfn, int ptes) {
        int f = ft.flags(pfn);
        if ((f & (1 << PG_mlocked)) != 0) {
            mlocked++;
            // a frame queued in the per-CPU mlock batch (an extra holder) moves at the next drain
            if ((f & (1 << PG_lru | 1 << PG_unevictable)) == 1 << PG_lru && extra.extraRefs(pfn) == 0) {
                Invariants.fail("PG_mlocked frame on an evictable LRU list: " + ft.view(pfn));
            }
        }
        if ((f & (1 << PG_lru | 1 << PG_unevictable)) == (1 << PG_lru | 1 << PG_unevictable)) {
            unevictable++;
            // mlock is the model's only cause of unevictability (no ramfs, no SHM_LOCK)
            if ((f & (1 << PG_mlocked)) == 0) {
                Invariants.fail("frame stranded on the unevictable list without PG_mlocked: " + ft.view(pfn));
            }
        }
        int ref = ft.refcount(pfn);
        if (ref == 0 || (f & (1 << PG_reserved | 1 << FrameTable.PG_zero)) != 0) {
            return; // free (mem's checker owns free blocks), reserved (pfn 0, the zero page), the huge zero folio
        }
        if ((f & (1 << PG_pgtable)) != 0) {
            pgtables++;
            if (!tables.contains(pfn)) {
                Invariants.fail("PG_pgtable frame that no mm's page table uses (leaked): " + ft.view(pfn));
            }
            return;
        }
        checkUserPage(pfn, f, ref, ptes);
    }

    private void checkUserPage(int pfn, int f, int ref, int ptes) {
        if (ft.mapcount(pfn) != ptes) {
            Invariants.fail("mapcount " + ft.mapcount(pfn) + " but " + ptes
                    + " present PTEs of live mms map the frame: " + ft.view(pfn));
        }
        boolean inCache = cached.get(pfn);
        int extraRefs = -1; // asked for only when needed: the common case costs no lookup
        if (!inCache && ptes == 0 && (f & (1 << PG_swapbacked)) != 0 && Memory.ownerIsFile(ft.owner(pfn))) {
            // a shmem page of no known inode: in the cache of an fd-only memfd, or already
            // deleted from its cache and held by someone else (the mlock batch) until put
            extraRefs = extra.extraRefs(pfn);
            inCache = ref - extraRefs == 1;
        }
        int base = ptes + (inCache ? 1 : 0);
        if (ref != base) {
            if (extraRefs < 0) {
                extraRefs = extra.extraRefs(pfn);
            }
            if (ref != base + extraRefs) {
                Invariants.fail("refcount " + ref + " but mapcount " + ptes + " + page cache " + (inCache ? 1 : 0)
                        + " + other holders " + extraRefs + " = " + (base + extraRefs)
                        + (base + extraRefs == 0 ? " (in use, held by nothing the checker knows: leaked)" : "")
                        + ": " + ft.view(pfn));
            }
        }
        if (ptes > 0) {
            if ((f & (1 << PG_anon)) != 0) {
                anonMapped++;
            } else {
                fileMapped++;
            }
        }
        if (inCache) {
            filePages++;
            if ((f & (1 << PG_swapbacked)) != 0) {
                shmemPages++;
            }
        }
    }
}
