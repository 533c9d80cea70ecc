package org.pinsim.core.mm;

import static org.pinsim.core.mem.FrameTable.HPAGE_PMD_NR;
import static org.pinsim.core.mem.FrameTable.HPAGE_PMD_ORDER;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_partially_mapped;
import static org.pinsim.core.mem.FrameTable.PG_zero;
import static org.pinsim.core.mm.VmFlags.VM_HUGEPAGE;
import static org.pinsim.core.mm.VmFlags.VM_HUGETLB;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_NOHUGEPAGE;
import static org.pinsim.core.mm.VmFlags.VM_SPECIAL;
import static org.pinsim.core.mm.VmFlags.VM_WRITE;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * mm/huge_memory.c for anonymous PMD-size transparent huge pages: eligibility
 * (thp_vma_allowable_order), the huge fault (do_huge_pmd_anonymous_page, the huge zero
 * page), the write fault on a huge PMD (do_huge_pmd_wp_page), zapping a whole huge PMD
 * (zap_huge_pmd), splitting a PMD into PTEs (__split_huge_pmd_locked), copying one at fork
 * (copy_huge_pmd), changing its protection (change_huge_pmd), moving it (move_huge_pmd), and
 * the rmap of a PMD mapping (folio_add_new_anon_rmap, folio_remove_rmap_pmd).
 *
 * <p>A huge page is a compound folio of {@link FrameTable#HPAGE_PMD_NR} frames (see
 * {@link FrameTable}); a PMD that maps it is {@link PageTable.Leaf#pmd}.
 *
 * <p>Not modelled: khugepaged's background scan (collapse happens only by MADV_COLLAPSE,
 * {@link Khugepaged}); mTHP sizes (hugepages-*kB other than 2048kB); shmem and file THP; swap
 * of THP (migration and the folio split are in migrate/Migrate.java); reclaim's calls of the
 * deferred split shrinker (a partially unmapped huge page is queued, PG_partially_mapped and
 * thp_deferred_split_page, and split only by drop_caches, {@link DeferredSplit}); prctl(PR_SET_THP_DISABLE); the defrag setting (allocations never compact,
 * so it would change nothing). PageAnonExclusive is not kept: a PMD-mapped folio is reused on
 * a write fault when its reference count is 1, which is what the kernel decides except for a
 * pinned exclusive folio whose PMD was write-protected by mprotect.
 */
public final class HugeMemory {
    /** include/linux/huge_mm.h HPAGE_PMD_SIZE. */
    public static final long HPAGE_PMD_SIZE = 1L << 21;
    public static final long HPAGE_PMD_MASK = ~(HPAGE_PMD_SIZE - 1);

    /** enum tva_type: who asks thp_vma_allowable_orders. */
    public static final int TVA_SMAPS = 0;
    public static final int TVA_PAGEFAULT = 1;
    public static final int TVA_FORCED_COLLAPSE = 2;

    /** include/linux/mm.h VM_NO_KHUGEPAGED. */
    private static final long VM_NO_KHUGEPAGED = VM_SPECIAL | VM_HUGETLB;

    private final Memory memory;
    private final FrameTable ft;
    private final PhysMem mem;
    private final VmStat stat;
    private final ThpEnabled enabled;
    private final boolean forbidsZeropage;
    /** /sys/kernel/mm/transparent_hugepage/defrag. */
    private ThpDefrag defrag = ThpDefrag.MADVISE;
    /** The huge zero folio (get_huge_zero_folio), allocated on first use; NO_FRAME before. */
    private int hugeZeroPfn = NO_FRAME;

    HugeMemory(Memory memory, PhysMem mem, VmStat stat, ThpEnabled enabled, boolean forbidsZeropage) {
        this.memory = memory;
        this.ft = mem.frames();
        this.mem = mem;
        this.stat = stat;
        this.enabled = enabled;
        this.forbidsZeropage = forbidsZeropage;
    }

    public ThpEnabled enabled() {
        return enabled;
    }

    public ThpDefrag defrag() {
        return defrag;
    }

    void setDefrag(ThpDefrag d) {
        defrag = d;
    }

    // ---- eligibility ----

    /**
     * include/linux/huge_mm.h thp_vma_allowable_order(vma, vm_flags, type, PMD_ORDER) ->
     * __thp_vma_allowable_orders, for the anonymous VMAs the model gives huge pages: the
     * global mode (ignored by a forced collapse), VM_NOHUGEPAGE (vma_thp_disabled),
     * VM_NO_KHUGEPAGED outside faults and smaps, an aligned 2 MiB inside the VMA outside
     * faults (the fault checks its own address), and an anon_vma for a collapse.
     */
    public boolean allowable(Vma vma, long vmFlags, int type) {
        if (!vma.isAnonymous()) {
            return false; // file and shmem THP are not modelled
        }
        if (type != TVA_FORCED_COLLAPSE) {
            boolean advised = (vmFlags & VM_HUGEPAGE) != 0;
            if (!(enabled == ThpEnabled.ALWAYS || (advised && enabled == ThpEnabled.MADVISE))) {
                return false;
            }
        }
        if ((vmFlags & VM_NOHUGEPAGE) != 0) {
            return false; // vma_thp_disabled; MMF_DISABLE_THP_* (prctl) are not modelled
        }
        if (type == TVA_FORCED_COLLAPSE && (vmFlags & VM_NO_KHUGEPAGED) != 0) {
            return false;
        }
        if (type != TVA_PAGEFAULT && !suitable(vma, vma.end - HPAGE_PMD_SIZE)) {
            return false;
        }
        // "if (!vma->anon_vma) return (smaps || in_pf) ? orders : 0;"
        return vma.anonVma != Vma.NO_ANON_VMA || type != TVA_FORCED_COLLAPSE;
    }

    /** include/linux/huge_mm.h thp_vma_suitable_order for an anonymous VMA. */
    static boolean suitable(Vma vma, long addr) {
        long haddr = addr & HPAGE_PMD_MASK;
        return Long.compareUnsigned(haddr, vma.start) >= 0
                && Long.compareUnsigned(haddr + HPAGE_PMD_SIZE, vma.end) <= 0;
    }

    // ---- faults ----

    /**
     * mm/huge_memory.c do_huge_pmd_anonymous_page on a pmd_none slot.
     *
     * @return a Memory.VM_FAULT_* value; VM_FAULT_FALLBACK to fault a small page instead
     */
    int doHugePmdAnonymousPage(Mm mm, Vma vma, long addr, boolean write) {
        long haddr = addr & HPAGE_PMD_MASK;
        if (!suitable(vma, haddr)) {
            return Memory.VM_FAULT_FALLBACK;
        }
        memory.anonVmaPrepare(mm, vma); // vmf_anon_prepare
        // "if (!(vmf->flags & FAULT_FLAG_WRITE) && !mm_forbids_zeropage(vma->vm_mm) &&
        //  transparent_hugepage_use_zero_page())" (use_zero_page is 1 by default)
        if (!write && !forbidsZeropage) {
            int zero = hugeZeroFolio();
            if (zero == NO_FRAME) {
                stat.count(VmEvent.THP_FAULT_FALLBACK);
                return Memory.VM_FAULT_FALLBACK;
            }
            // set_huge_zero_folio: pmd_mkspecial, read-only; the table is deposited
            return mm.pt.setHugePmd(haddr, Pte.makeHuge(zero, false, true)) ? Memory.VM_FAULT_OK
                    : Memory.VM_FAULT_OOM;
        }
        int head = allocAnonFolioPmd(vma);
        if (head == NO_FRAME) {
            return Memory.VM_FAULT_FALLBACK;
        }
        if (!mm.pt.setHugePmd(haddr, Pte.makeHuge(head, vma.has(VM_WRITE), false))) { // pte_alloc_one
            memory.putPage(head);
            return Memory.VM_FAULT_OOM;
        }
        mapAnonFolioPmd(mm, vma, head, haddr);
        mm.addRss(Mm.MM_ANONPAGES, HPAGE_PMD_NR);
        stat.count(VmEvent.THP_FAULT_ALLOC);
        return Memory.VM_FAULT_OK;
    }

    /**
     * mm/huge_memory.c vma_alloc_anon_folio_pmd: a PMD-order compound folio allocated with
     * vma_thp_gfp_mask(vma) ({@link ThpDefrag#gfpMask}), or NO_FRAME with thp_fault_fallback
     * counted. vma_alloc_folio -> mm/mempolicy.c alloc_pages_mpol: for a PMD-order folio under
     * a non-interleave policy that allows the local node, first "try to allocate THP only on
     * local node, but don't reclaim unnecessarily, just compact" (__GFP_THISNODE |
     * __GFP_NORETRY), then, only if the gfp may direct-reclaim, the full request.
     */
    private int allocAnonFolioPmd(Vma vma) {
        final int gfp = defrag.gfpMask((vma.flags & VM_HUGEPAGE) != 0);
        int head = allocHugeFolio(gfp | Gfp.__GFP_THISNODE | Gfp.__GFP_NORETRY);
        if (head == NO_FRAME && Gfp.allowBlocking(gfp)) {
            head = allocHugeFolio(gfp);
        }
        if (head == NO_FRAME) {
            stat.count(VmEvent.THP_FAULT_FALLBACK);
            return head;
        }
        for (int p = head; p < head + HPAGE_PMD_NR; p++) {
            ft.setContentZeroed(p, memory.newContent()); // folio_zero_user: each page's first content
        }
        return head;
    }

    /** alloc_pages(gfp, HPAGE_PMD_ORDER) on node 0 (gfp has __GFP_COMP): a compound folio, or NO_FRAME. */
    int allocHugeFolio(int gfp) {
        int head = memory.allocPages(HPAGE_PMD_ORDER, gfp);
        if (head != NO_FRAME) {
            ft.prepCompoundPage(head, HPAGE_PMD_ORDER);
        }
        return head;
    }

    /**
     * mm/huge_memory.c map_anon_folio_pmd after the PMD is set: folio_add_new_anon_rmap
     * (entire_mapcount 1, NR_ANON_MAPPED and NR_ANON_THPS + 512) and folio_add_lru_vma.
     * The caller adds MM_ANONPAGES (a fault: 512; a collapse: the pages that were not
     * mapped) and counts its event.
     */
    void mapAnonFolioPmd(Mm mm, Vma vma, int head, long haddr) {
        memory.addNewAnonRmapFlags(head, vma, haddr);
        ft.addEntireMapcount(head, 1);
        ft.addLargeMapcount(head, 1);
        stat.mod(NodeStat.NR_ANON_MAPPED, HPAGE_PMD_NR);
        stat.mod(NodeStat.NR_ANON_THPS, HPAGE_PMD_NR);
        memory.folioAddLruVma(head, vma);
    }

    /**
     * mm/huge_memory.c get_huge_zero_folio: the huge zero folio, allocated once
     * (thp_zero_page_alloc) and kept (the shrinker that frees an unused one is not modelled).
     * Its frames carry PG_zero, so that everything that skips the zero page skips them.
     */
    private int hugeZeroFolio() {
        if (hugeZeroPfn == NO_FRAME) {
            int pfn = memory.allocKernelPages(HPAGE_PMD_ORDER);
            if (pfn == NO_FRAME) {
                return NO_FRAME;
            }
            for (int p = pfn; p < pfn + HPAGE_PMD_NR; p++) {
                ft.setFlag(p, PG_zero);
            }
            stat.count(VmEvent.THP_ZERO_PAGE_ALLOC);
            hugeZeroPfn = pfn;
        }
        return hugeZeroPfn;
    }

    /** is_huge_zero_pmd. */
    static boolean isHugeZeroPmd(long pmd) {
        return Pte.special(pmd);
    }

    /**
     * mm/huge_memory.c do_huge_pmd_wp_page (via wp_huge_pmd): a write to a read-only huge PMD.
     * The huge zero page is replaced by a new huge page (do_huge_zero_wp_pmd); an exclusive
     * folio is reused; otherwise, and when no huge page can be had, the PMD is split and the
     * fault falls back to the PTE (which copies one small page).
     */
    int wpHugePmd(Mm mm, Vma vma, PageTable.Leaf leaf, long addr) {
        long haddr = addr & HPAGE_PMD_MASK;
        long pmd = leaf.pmd;
        if (isHugeZeroPmd(pmd)) {
            int head = allocAnonFolioPmd(vma);
            if (head != NO_FRAME) {
                leaf.pmd = Pte.makeHuge(head, vma.has(VM_WRITE), false); // pmdp_huge_clear_flush + set
                mapAnonFolioPmd(mm, vma, head, haddr);
                mm.addRss(Mm.MM_ANONPAGES, HPAGE_PMD_NR);
                stat.count(VmEvent.THP_FAULT_ALLOC);
                return Memory.VM_FAULT_OK;
            }
        } else if (ft.refcount(Pte.pfn(pmd)) == 1) {
            // reuse: pmd_mkyoung, maybe_pmd_mkwrite(pmd_mkdirty(entry), vma)
            leaf.pmd = vma.has(VM_WRITE) ? Pte.mkwrite(pmd) | Pte.ACCESSED : pmd | Pte.ACCESSED | Pte.DIRTY;
            return Memory.VM_FAULT_OK;
        }
        splitHugePmd(mm, vma, leaf, haddr);
        return Memory.VM_FAULT_FALLBACK;
    }

    // ---- rmap of a PMD mapping ----

    /**
     * mm/rmap.c folio_remove_rmap_pmd -> __folio_remove_rmap(PGTABLE_LEVEL_PMD): the last PMD
     * mapping takes the pages no PTE maps out of NR_ANON_MAPPED and the folio out of
     * NR_ANON_THPS; a folio left partly mapped is queued for deferred split; then
     * munlock_vma_folio for a VM_LOCKED VMA.
     */
    void removeRmapPmd(int head, Vma vma) {
        ft.addLargeMapcount(head, -1);
        ft.addEntireMapcount(head, -1);
        if (ft.entireMapcount(head) == 0) {
            int nr = HPAGE_PMD_NR - ft.nrPagesMapped(head);
            stat.mod(NodeStat.NR_ANON_MAPPED, -nr);
            stat.mod(NodeStat.NR_ANON_THPS, -HPAGE_PMD_NR);
            if (nr != 0 && nr < HPAGE_PMD_NR) { // partially_mapped = nr && nr < nr_pmdmapped
                deferredSplitFolio(head, true);
            }
        }
        if (vma.has(VM_LOCKED)) {
            memory.mlockFolio().munlockFolio(head); // munlock_vma_folio
        }
    }

    /**
     * mm/huge_memory.c deferred_split_folio(folio, partially_mapped): the first time an
     * anonymous folio is found partly mapped it is flagged and counted (thp_deferred_split_page).
     * The queue's shrinker is {@link DeferredSplit}.
     */
    void deferredSplitFolio(int head, boolean partiallyMapped) {
        if (partiallyMapped && ft.testFlag(head, PG_anon) && !ft.testSetFlag(head, PG_partially_mapped)) {
            stat.count(VmEvent.THP_DEFERRED_SPLIT_PAGE);
        }
    }

    // ---- zap and split ----

    /**
     * mm/huge_memory.c zap_huge_pmd for a PMD the zap covers whole: the PMD and its
     * deposited table go; an anonymous folio loses the mapping, MM_ANONPAGES - 512, and its
     * reference (tlb_remove_page_size).
     */
    void zapHugePmd(Mm mm, Vma vma, PageTable.Leaf leaf, long haddr) {
        long pmd = leaf.pmd;
        mm.pt.clearHugePmd(haddr);
        if (isHugeZeroPmd(pmd)) {
            return;
        }
        int head = Pte.pfn(pmd);
        removeRmapPmd(head, vma);
        mm.addRss(Mm.MM_ANONPAGES, -HPAGE_PMD_NR);
        memory.putPage(head);
    }

    /**
     * mm/huge_memory.c __split_huge_pmd_locked (freeze false) for an anonymous VMA: the
     * deposited table gets 512 PTEs with the PMD's write, young and dirty bits; each page
     * gains a PTE mapping (folio_add_anon_rmap_ptes, one reference each: folio_ref_add 511
     * plus the PMD's), then the PMD mapping goes (folio_remove_rmap_pmd, which munlocks a
     * folio of a VM_LOCKED VMA). The folio stays large. thp_split_pmd counts it. The huge
     * zero page becomes 512 zero-page PTEs (__split_huge_zero_page_pmd).
     */
    public void splitHugePmd(Mm mm, Vma vma, PageTable.Leaf leaf, long haddr) {
        stat.count(VmEvent.THP_SPLIT_PMD);
        long pmd = leaf.pmd;
        final long[] e = leaf.e;
        if (isHugeZeroPmd(pmd)) {
            int zero = mem.zeroPfn();
            for (int i = 0; i < HPAGE_PMD_NR; i++) {
                e[i] = Pte.make(zero, false, true);
            }
            leaf.pmd = Pte.NONE;
            return;
        }
        int head = Pte.pfn(pmd);
        if (ft.testFlag(head, org.pinsim.core.mem.FrameTable.PG_dirty) || Pte.dirty(pmd)) {
            ft.setFlag(head, org.pinsim.core.mem.FrameTable.PG_dirty); // folio_set_dirty
        }
        ft.refAdd(head, HPAGE_PMD_NR - 1);
        long bits = pmd & (Pte.WRITE | Pte.ACCESSED | Pte.DIRTY);
        int first = 0;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            e[i] = ((long) (head + i) << 12) | Pte.PRESENT | bits;
            if (ft.mapcountInc(head + i) == 1) {
                first++;
            }
        }
        // __folio_add_rmap(PTE): the pages no PTE mapped before join _nr_pages_mapped; the PMD
        // still maps the folio entirely, so NR_ANON_MAPPED does not move here
        ft.addNrPagesMapped(head, first);
        ft.addLargeMapcount(head, HPAGE_PMD_NR);
        leaf.pmd = Pte.NONE;
        removeRmapPmd(head, vma);
    }

    /**
     * mm/huge_memory.c split_huge_pmd_address / split_huge_pmd_if_needed: a VMA boundary moves
     * to {@code addr}; a huge PMD that straddles it is split first (vma_adjust_trans_huge in
     * __split_vma and in the merges that move a boundary).
     */
    public void splitHugePmdIfNeeded(Mm mm, Vma vma, long addr) {
        if ((addr & ~HPAGE_PMD_MASK) == 0) {
            return;
        }
        long haddr = addr & HPAGE_PMD_MASK;
        if (Long.compareUnsigned(haddr, vma.start) < 0 || Long.compareUnsigned(haddr + HPAGE_PMD_SIZE, vma.end) > 0) {
            return; // range_in_vma: no huge PMD could be here
        }
        PageTable.Leaf leaf = mm.pt.leaf(haddr, false);
        if (leaf != null && leaf.pmd != Pte.NONE) {
            splitHugePmd(mm, vma, leaf, haddr);
        }
    }

    /**
     * Splits the huge PMD covering [haddr, haddr + 2 MiB) if a page walk over [start, end)
     * touches only part of it (split_huge_pmd in the walkers of mprotect, mlock, madvise),
     * or if {@code always}. Returns true if the slot is (still) a huge PMD.
     */
    boolean splitIfPartial(Mm mm, Vma vma, PageTable.Leaf leaf, long haddr, long start, long end) {
        if (leaf.pmd == Pte.NONE) {
            return false;
        }
        if (Long.compareUnsigned(start, haddr) <= 0 && Long.compareUnsigned(end, haddr + HPAGE_PMD_SIZE) >= 0) {
            return true;
        }
        splitHugePmd(mm, vma, leaf, haddr);
        return false;
    }

    // ---- fork, mprotect, mremap, mlock ----

    /**
     * mm/huge_memory.c copy_huge_pmd: the child shares the huge page read-only (both PMDs
     * write-protected for a COW mapping), entire and large mapcount + 1, a reference, its own
     * deposited table, MM_ANONPAGES + 512; the huge zero page is shared as is. A folio that
     * may be pinned in an mm with MMF_HAS_PINNED is split in the parent instead ("split and
     * retry the fault with smaller page size") and copied by PTEs.
     *
     * @return false when the caller must copy the PTEs of the now split PMD
     */
    boolean copyHugePmd(Mm dst, Vma dstVma, Mm src, Vma srcVma, PageTable.Leaf sl, long haddr) {
        long pmd = sl.pmd;
        if (!isHugeZeroPmd(pmd)) {
            int head = Pte.pfn(pmd);
            if (src.hasPinned() && ft.pincount(head) > 0) { // folio_try_dup_anon_rmap_pmd: -EBUSY
                splitHugePmd(src, srcVma, sl, haddr);
                return false;
            }
        }
        if (VmFlags.isCowMapping(srcVma.flags)) {
            pmd = Pte.wrprotect(pmd);
            sl.pmd = pmd;
        }
        if (!dst.pt.setHugePmd(haddr, pmd)) {
            throw new IllegalStateException("out of memory copying page tables at fork");
        }
        if (!isHugeZeroPmd(pmd)) {
            int head = Pte.pfn(pmd);
            ft.refInc(head);
            ft.addEntireMapcount(head, 1);
            ft.addLargeMapcount(head, 1);
            dst.addRss(Mm.MM_ANONPAGES, HPAGE_PMD_NR);
        }
        return true;
    }

    /**
     * mm/huge_memory.c change_huge_pmd for a whole huge PMD: write-protect it, or make it
     * writable when {@code writable} says the PTE rule would (can_change_pmd_writable).
     */
    static void changeHugePmd(PageTable.Leaf leaf, boolean wrprotect, boolean mkwrite) {
        if (wrprotect) {
            leaf.pmd = Pte.wrprotect(leaf.pmd);
        } else if (mkwrite && !isHugeZeroPmd(leaf.pmd)) {
            leaf.pmd = Pte.mkwrite(leaf.pmd);
        }
    }

    /**
     * mm/mlock.c mlock_pte_range, the pmd_trans_huge part: a PMD-mapped folio is mlocked whole
     * in a VM_LOCKED VMA and munlocked otherwise; the huge zero page is skipped.
     */
    public void mlockPmd(Vma vma, PageTable.Leaf leaf) {
        if (isHugeZeroPmd(leaf.pmd)) {
            return;
        }
        int head = Pte.pfn(leaf.pmd);
        if (vma.has(VM_LOCKED)) {
            memory.mlockFolio().mlockFolio(head);
        } else {
            memory.mlockFolio().munlockFolio(head);
        }
    }

    /** The huge zero folio's first frame, or NO_FRAME if none was allocated yet. */
    public int hugeZeroPfn() {
        return hugeZeroPfn;
    }

    /** Is {@code pfn} a frame of the shared zero page or the huge zero folio. */
    boolean isZero(int pfn) {
        return ft.testFlag(pfn, PG_zero);
    }
}
