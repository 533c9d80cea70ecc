package org.pinsim.core.proc;

import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_dirty;
import static org.pinsim.core.mem.FrameTable.PG_referenced;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;

/**
 * fs/proc/task_mmu.c {@code struct mem_size_stats} and the page walk that fills it for one
 * VMA (smap_gather_stats -> smaps_pte_entry -> smaps_account -> smaps_page_accumulate).
 * Byte counts; the PSS sums keep PSS_SHIFT fractional bits as the kernel does.
 *
 * <p>Present PTEs and migration entries are seen (the model has no swap entries, so Swap and
 * SwapPss stay 0). No page is a KSM page. A PMD-mapped huge page is seen as the 512
 * entries {@link org.pinsim.core.mm.PageTable.Leaf#pte} derives, each accounted as
 * smaps_pmd_entry's smaps_account(compound) accounts that page (the folio's flags and
 * refcount, the page's precise mapcount), and adds to AnonHugePages.
 */
final class MemSizeStats {
    /** fs/proc/task_mmu.c PSS_SHIFT: fixed-point bits of the pss sums. */
    static final int PSS_SHIFT = 12;
    private static final long PAGE_SIZE = 4096;

    long resident;
    long sharedClean;
    long sharedDirty;
    long privateClean;
    long privateDirty;
    long referenced;
    long anonymous;
    long lazyfree;
    long swap;
    long pss;
    long pssDirty;
    long pssLocked;
    long swapPss;
    long anonymousThp;

    /** Walks the present PTEs of {@code vma} in {@code mm}. */
    static MemSizeStats gather(Mm mm, Vma vma, FrameTable ft) {
        MemSizeStats mss = new MemSizeStats();
        boolean locked = vma.has(VmFlags.VM_LOCKED);
        mm.pageTable().walk(vma.start(), vma.end(), (addr, e) -> mss.pteEntry(ft, e, locked));
        return mss;
    }

    /** smaps_pte_entry: vm_normal_page() is NULL for the zero page (a special PTE). */
    private void pteEntry(FrameTable ft, long e, boolean locked) {
        if (Pte.isMigrationEntry(e)) {
            // is_pfn_swap_entry: the page under migration counts, as not present (young, dirty false)
            accountNotPresent(ft, Pte.pfn(e), locked);
            return;
        }
        if (!Pte.present(e) || Pte.special(e)) {
            return;
        }
        int pfn = Pte.pfn(e);
        if (Pte.huge(e) && ft.testFlag(ft.compoundHead(pfn), PG_anon)) {
            anonymousThp += PAGE_SIZE; // smaps_pmd_entry: mss->anonymous_thp += HPAGE_PMD_SIZE
        }
        account(ft, pfn, (e & Pte.ACCESSED) != 0, Pte.dirty(e), locked);
    }

    /**
     * smaps_account with present false: "Treat all non-present entries ... as maybe shared,
     * but not sure how often": the whole page's PSS, counted shared.
     */
    private void accountNotPresent(FrameTable ft, int pfn, boolean locked) {
        int flags = ft.flags(pfn);
        if (test(flags, PG_anon)) {
            anonymous += PAGE_SIZE;
            if (!test(flags, PG_swapbacked) && !test(flags, PG_dirty)) {
                lazyfree += PAGE_SIZE;
            }
        }
        resident += PAGE_SIZE;
        if (test(flags, PG_referenced)) {
            referenced += PAGE_SIZE;
        }
        accumulate(flags, PAGE_SIZE << PSS_SHIFT, false, locked, false);
    }

    /** smaps_account for one order-0 page. */
    private void account(FrameTable ft, int pfn, boolean young, boolean dirty, boolean locked) {
        int head = ft.compoundHead(pfn);
        int flags = ft.flags(head);
        if (test(flags, PG_anon)) {
            anonymous += PAGE_SIZE;
            if (!test(flags, PG_swapbacked) && !dirty && !test(flags, PG_dirty)) {
                lazyfree += PAGE_SIZE;
            }
        }
        resident += PAGE_SIZE;
        if (young || test(flags, PG_referenced)) {
            referenced += PAGE_SIZE;
        }
        // refcount == 1 guarantees the page is mapped exactly once
        if (ft.refcount(head) == 1) {
            accumulate(flags, PAGE_SIZE << PSS_SHIFT, dirty, locked, true);
            return;
        }
        int mapcount = ft.preciseMapcount(pfn); // folio_precise_page_mapcount
        long share = PAGE_SIZE << PSS_SHIFT;
        if (mapcount >= 2) {
            share /= mapcount;
        }
        accumulate(flags, share, dirty, locked, mapcount < 2);
    }

    /** smaps_page_accumulate. */
    private void accumulate(int flags, long share, boolean dirty, boolean locked, boolean isPrivate) {
        pss += share;
        if (locked) {
            pssLocked += share;
        }
        if (dirty || test(flags, PG_dirty)) {
            pssDirty += share;
            if (isPrivate) {
                privateDirty += PAGE_SIZE;
            } else {
                sharedDirty += PAGE_SIZE;
            }
        } else if (isPrivate) {
            privateClean += PAGE_SIZE;
        } else {
            sharedClean += PAGE_SIZE;
        }
    }

    /** The smaps Locked line's value in kB: {@code (pss_locked >> PSS_SHIFT) >> 10}. */
    long lockedKb() {
        return (pssLocked >>> PSS_SHIFT) >>> 10;
    }

    /** __show_smap (rollup_mode false): Rss through Locked. */
    void format(StringBuilder sb) {
        dec(sb, "Rss:            ", resident);
        dec(sb, " kB\nPss:            ", pss >>> PSS_SHIFT);
        dec(sb, " kB\nPss_Dirty:      ", pssDirty >>> PSS_SHIFT);
        dec(sb, " kB\nShared_Clean:   ", sharedClean);
        dec(sb, " kB\nShared_Dirty:   ", sharedDirty);
        dec(sb, " kB\nPrivate_Clean:  ", privateClean);
        dec(sb, " kB\nPrivate_Dirty:  ", privateDirty);
        dec(sb, " kB\nReferenced:     ", referenced);
        dec(sb, " kB\nAnonymous:      ", anonymous);
        dec(sb, " kB\nKSM:            ", 0);
        dec(sb, " kB\nLazyFree:       ", lazyfree);
        dec(sb, " kB\nAnonHugePages:  ", anonymousThp);
        dec(sb, " kB\nShmemPmdMapped: ", 0);
        dec(sb, " kB\nFilePmdMapped:  ", 0);
        dec(sb, " kB\nShared_Hugetlb: ", 0);
        Seq.putDecimal(sb, " kB\nPrivate_Hugetlb: ", 0, 7);
        dec(sb, " kB\nSwap:           ", swap);
        dec(sb, " kB\nSwapPss:        ", swapPss >>> PSS_SHIFT);
        dec(sb, " kB\nLocked:         ", pssLocked >>> PSS_SHIFT);
        sb.append(" kB\n");
    }

    /** __show_smap's SEQ_PUT_DEC: bytes shown as kB, width 8. */
    private static void dec(StringBuilder sb, String label, long bytes) {
        Seq.putDecimal(sb, label, bytes >>> 10, 8);
    }

    private static boolean test(int flags, int bit) {
        return (flags & (1 << bit)) != 0;
    }
}
