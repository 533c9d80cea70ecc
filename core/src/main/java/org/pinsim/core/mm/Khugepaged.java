package org.pinsim.core.mm;

import static org.pinsim.core.mem.FrameTable.HPAGE_PMD_NR;
import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_zero;
import static org.pinsim.core.mm.VmFlags.VM_WRITE;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * mm/khugepaged.c as MADV_COLLAPSE uses it (madvise_collapse, cc->is_khugepaged false):
 * each aligned 2 MiB of the range is scanned (hpage_collapse_scan_pmd) and, if every mapped
 * page may be moved, a new huge page is allocated, the small pages are copied into it and
 * freed, and one PMD maps it (collapse_huge_page). MADV_COLLAPSE ignores the khugepaged
 * limits (max_ptes_none, max_ptes_shared, max_ptes_swap) and the THP mode.
 *
 * <p>Not modelled: khugepaged itself (no background scan); file and shmem collapse
 * (hpage_collapse_scan_file: a non-anonymous VMA is refused as not allowable, EINVAL);
 * swap-in of swapped PTEs (there is no swap). A guard marker in the range stands for a
 * non-present entry whose swap-in fails: SCAN_FAIL (EINVAL).
 */
public final class Khugepaged {
    // mm/khugepaged.c enum scan_result (the ones reached here)
    static final int SCAN_FAIL = 0;
    static final int SCAN_SUCCEED = 1;
    static final int SCAN_PMD_NULL = 2;
    static final int SCAN_PMD_NONE = 3;
    static final int SCAN_PMD_MAPPED = 4;
    static final int SCAN_PAGE_NULL = 5;
    static final int SCAN_PAGE_ANON = 6;
    static final int SCAN_PAGE_LRU = 7;
    static final int SCAN_PAGE_COUNT = 8;
    static final int SCAN_ALLOC_HUGE_PAGE_FAIL = 9;

    private static final String[] SCAN_NAMES = {
        "SCAN_FAIL", "SCAN_SUCCEED", "SCAN_PMD_NULL", "SCAN_PMD_NONE", "SCAN_PMD_MAPPED", "SCAN_PAGE_NULL",
        "SCAN_PAGE_ANON", "SCAN_PAGE_LRU", "SCAN_PAGE_COUNT", "SCAN_ALLOC_HUGE_PAGE_FAIL",
    };

    private final Memory memory;
    private final HugeMemory huge;
    private final FrameTable ft;
    private final VmStat stat;

    Khugepaged(Memory memory) {
        this.memory = memory;
        this.huge = memory.huge();
        this.ft = memory.frames();
        this.stat = memory.vmstat();
    }

    /**
     * mm/khugepaged.c madvise_collapse for [start, end) inside {@code vma}.
     *
     * @return 0 when every aligned 2 MiB of the range is PMD-mapped at the end, else
     *     madvise_collapse_errno of the last failure
     */
    int madviseCollapse(Caller c, Mm mm, Vma vma, long start, long end) {
        if (!huge.allowable(vma, vma.flags, HugeMemory.TVA_FORCED_COLLAPSE)) {
            c.refuse("madvise: MADV_COLLAPSE on a VMA that cannot hold a huge page (thp_vma_allowable_order:"
                    + " not anonymous, VM_NOHUGEPAGE, no aligned 2 MiB inside it, or never faulted)");
            return -EINVAL;
        }
        memory.mlockFolio().drain(); // lru_add_drain_all
        long hstart = (start + ~HugeMemory.HPAGE_PMD_MASK) & HugeMemory.HPAGE_PMD_MASK;
        long hend = end & HugeMemory.HPAGE_PMD_MASK;
        int thps = 0;
        int lastFail = SCAN_FAIL;
        for (long addr = hstart; Long.compareUnsigned(addr, hend) < 0; addr += HugeMemory.HPAGE_PMD_SIZE) {
            int result = scanPmd(mm, vma, addr);
            if (result == SCAN_SUCCEED || result == SCAN_PMD_MAPPED) {
                thps++;
                continue;
            }
            lastFail = result;
            c.refuse("madvise: MADV_COLLAPSE at 0x" + Long.toHexString(addr) + ": " + SCAN_NAMES[result]);
            // the whitelisted results go on to the next PMD; the others end the walk
            if (result != SCAN_PMD_NULL && result != SCAN_PAGE_NULL && result != SCAN_PAGE_COUNT
                    && result != SCAN_PAGE_LRU) {
                break;
            }
        }
        if (Long.compareUnsigned(hend, hstart) >= 0 && thps == (hend - hstart) >>> 21) {
            return 0;
        }
        return collapseErrno(lastFail);
    }

    /** mm/khugepaged.c madvise_collapse_errno. */
    static int collapseErrno(int r) {
        switch (r) {
            case SCAN_ALLOC_HUGE_PAGE_FAIL:
                return -ENOMEM;
            case SCAN_PAGE_COUNT:
            case SCAN_PAGE_LRU:
                return -EAGAIN;
            default:
                return -EINVAL; // SCAN_EXCEED_NONE_PTE (-EBUSY) cannot happen for MADV_COLLAPSE
        }
    }

    /**
     * mm/khugepaged.c hpage_collapse_scan_pmd: find_pmd_or_thp_or_none, then every PTE: none
     * or the zero page is fine; a page must be a normal anonymous page on an LRU list whose
     * references are all its mappings (folio_expected_ref_count == folio_ref_count: a pin
     * or any other extra reference is SCAN_PAGE_COUNT). Mlocked and COW-shared pages pass.
     */
    private int scanPmd(Mm mm, Vma vma, long haddr) {
        PageTable.Leaf leaf = mm.pt.leaf(haddr, false);
        if (leaf == null) {
            return mm.pt.hasPmdTable(haddr) ? SCAN_PMD_NONE : SCAN_PMD_NULL;
        }
        if (leaf.pmd != Pte.NONE) {
            return SCAN_PMD_MAPPED;
        }
        final long[] e = leaf.e;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            long pte = e[i];
            if (pte == Pte.NONE) {
                continue;
            }
            if (!Pte.present(pte)) {
                return SCAN_FAIL; // a guard marker: see the class comment
            }
            int pfn = Pte.pfn(pte);
            if (ft.testFlag(pfn, PG_zero)) {
                continue; // is_zero_pfn
            }
            if (Pte.special(pte)) {
                return SCAN_PAGE_NULL;
            }
            int head = ft.compoundHead(pfn);
            if (!ft.testFlag(head, PG_anon)) {
                return SCAN_PAGE_ANON;
            }
            if (!ft.testFlag(head, PG_lru)) {
                return SCAN_PAGE_LRU;
            }
            if (ft.folioMapcount(pfn) != ft.refcount(head)) { // folio_expected_ref_count
                return SCAN_PAGE_COUNT;
            }
        }
        return collapseHugePage(mm, vma, leaf, haddr);
    }

    /**
     * mm/khugepaged.c collapse_huge_page after a successful scan: alloc_charge_folio
     * (thp_collapse_alloc, or thp_collapse_alloc_failed and SCAN_ALLOC_HUGE_PAGE_FAIL), then
     * __collapse_huge_page_copy_succeeded: each old page loses its PTE, rmap and reference (an
     * mlocked one is munlocked by its VMA), each empty or zero-page PTE adds one page to
     * MM_ANONPAGES, and the PTE table becomes the table deposited under the new huge PMD.
     */
    private int collapseHugePage(Mm mm, Vma vma, PageTable.Leaf leaf, long haddr) {
        // alloc_charge_folio: "cc->is_khugepaged ? alloc_hugepage_khugepaged_gfpmask() : GFP_TRANSHUGE"
        int head = huge.allocHugeFolio(org.pinsim.core.mem.Gfp.GFP_TRANSHUGE);
        if (head == NO_FRAME) {
            stat.count(VmEvent.THP_COLLAPSE_ALLOC_FAILED);
            return SCAN_ALLOC_HUGE_PAGE_FAIL;
        }
        stat.count(VmEvent.THP_COLLAPSE_ALLOC);
        final long[] e = leaf.e;
        long added = 0;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            long pte = e[i];
            e[i] = Pte.NONE;
            if (pte == Pte.NONE || ft.testFlag(Pte.pfn(pte), PG_zero)) {
                ft.setContentZeroed(head + i, memory.newContent()); // __collapse_huge_page_copy: clear_user_highpage
                added++;
                continue;
            }
            int pfn = Pte.pfn(pte);
            ft.copyContent(head + i, pfn); // __collapse_huge_page_copy: copy_mc_user_highpage
            memory.removeRmap(pfn, vma);
            memory.putPage(pfn);
        }
        mm.addRss(Mm.MM_ANONPAGES, added);
        leaf.pmd = Pte.makeHuge(head, vma.has(VM_WRITE), false); // maybe_pmd_mkwrite(pmd_mkdirty(_pmd))
        huge.mapAnonFolioPmd(mm, vma, head, haddr);
        return SCAN_SUCCEED;
    }
}
