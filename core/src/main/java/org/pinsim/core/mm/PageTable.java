package org.pinsim.core.mm;

/**
 * A process's 4-level page table (x86-64: PGD, PUD, PMD, PTE; 512 entries each) as radix
 * arrays. Each table occupies a real frame of the simulated machine, as in the kernel, so
 * VmPTE and MemFree see page-table memory: mm->pgtables_bytes counts PTE, PMD and PUD
 * tables (mm_inc_nr_ptes / nr_pmds / nr_puds); the PGD is allocated with the mm.
 */
public final class PageTable {
    /** Where table pages come from: the buddy allocator. */
    public interface TablePages {
        /** A zeroed page for a page table, or a negative value when memory is exhausted. */
        int allocTablePage();

        void freeTablePage(int pfn);
    }

    /** An upper-level table (PGD, PUD or PMD). */
    static final class Dir {
        final Object[] slot = new Object[512];
        /** Which slots are non-null, one bit each: lets {@link #forEachTableFrame} skip the empty ones. */
        final long[] present = new long[8];
        final int pfn;
        int used;

        Dir(int pfn) {
            this.pfn = pfn;
        }

        /** Fills the empty slot {@code i}. */
        void put(int i, Object child) {
            slot[i] = child;
            present[i >>> 6] |= 1L << i;
            used++;
        }

        /** Empties the full slot {@code i}. */
        void remove(int i) {
            slot[i] = null;
            present[i >>> 6] &= ~(1L << i);
            used--;
        }
    }

    /**
     * A last-level table: 512 PTEs; or a huge PMD with the table deposited under it.
     *
     * <p>A PMD that maps a transparent huge page (pmd_trans_huge) keeps, in the kernel, a
     * preallocated PTE table deposited under it (pgtable_trans_huge_deposit, counted by
     * mm_inc_nr_ptes) for the day the PMD is split. The model keeps the two together in
     * the PMD slot: {@link #pmd} is the huge entry ({@link Pte#HUGE}; {@link Pte#NONE} for
     * an ordinary table), and {@link #e} is the deposited table, all pte_none until
     * {@code __split_huge_pmd_locked} fills it. One object per 2 MiB, none per page.
     */
    public static final class Leaf {
        public final long[] e = new long[512];
        final int pfn;
        /** The huge PMD entry, or NONE when this slot is an ordinary PTE table. */
        public long pmd;

        Leaf(int pfn) {
            this.pfn = pfn;
        }

        /**
         * The entry that maps page {@code i} of this 2 MiB: the PTE, or for a huge PMD the
         * entry it implies for that page (pfn + i, the PMD's bits, {@link Pte#HUGE} kept).
         */
        public long pte(int i) {
            final long p = pmd;
            return p == Pte.NONE ? e[i] : p + ((long) i << 12);
        }

        /** The MMU sets accessed and dirty bits: on the PTE, or on the huge PMD. */
        public void setBits(int i, long bits) {
            if (pmd == Pte.NONE) {
                e[i] |= bits;
            } else {
                pmd |= bits;
            }
        }
    }

    private final TablePages pages;
    private final Dir pgd;
    private long tablePages;
    /**
     * The last leaf found and the 2 MiB it covers (a one-entry lookup cache, as a TLB for the
     * radix walk: faults, GUP and zaps look up the same leaf page after page). Forgotten
     * whenever a leaf or a directory leaves its slot.
     */
    private Leaf cachedLeaf;
    private long cachedBase;

    public PageTable(TablePages pages) {
        this.pages = pages;
        int pfn = pages.allocTablePage();
        if (pfn < 0) {
            throw new IllegalStateException("out of memory allocating a PGD");
        }
        this.pgd = new Dir(pfn);
    }

    /** mm->pgtables_bytes / PAGE_SIZE: PUD, PMD and PTE tables. */
    public long tablePages() {
        return tablePages;
    }

    private static int idx(long addr, int shift) {
        return (int) ((addr >>> shift) & 511);
    }

    /** The leaf table covering addr, or null if none (and !alloc) or memory ran out (alloc). */
    public Leaf leaf(long addr, boolean alloc) {
        final long base = addr & ~((1L << 21) - 1);
        final Leaf cached = cachedLeaf;
        if (cached != null && base == cachedBase) {
            return cached;
        }
        Dir pud = child(pgd, idx(addr, 39), alloc);
        if (pud == null) {
            return null;
        }
        Dir pmd = child(pud, idx(addr, 30), alloc);
        if (pmd == null) {
            return null;
        }
        int i = idx(addr, 21);
        Leaf leaf = (Leaf) pmd.slot[i];
        if (leaf == null && alloc) {
            int pfn = pages.allocTablePage();
            if (pfn < 0) {
                return null;
            }
            leaf = new Leaf(pfn);
            pmd.put(i, leaf);
            tablePages++;
        }
        if (leaf != null) {
            cachedLeaf = leaf;
            cachedBase = base;
        }
        return leaf;
    }

    private Dir child(Dir d, int i, boolean alloc) {
        if (d == null) {
            return null;
        }
        Dir c = (Dir) d.slot[i];
        if (c == null && alloc) {
            int pfn = pages.allocTablePage();
            if (pfn < 0) {
                return null;
            }
            c = new Dir(pfn);
            d.put(i, c);
            tablePages++;
        }
        return c;
    }

    /**
     * Where a walk of [addr, end) next finds a PTE table (or a huge PMD): addr itself if its
     * 2 MiB has one, else the start of the first later 2 MiB that has, else {@code end}. Absent
     * PUD and PMD tables are skipped whole, as mm/pagewalk.c walk_pgd_range skips pgd_none and
     * pud_none entries, and empty PMD slots one by one (pmd_none).
     */
    public long nextLeaf(long addr, long end) {
        long a = addr;
        while (Long.compareUnsigned(a, end) < 0) {
            final Dir pud = (Dir) pgd.slot[idx(a, 39)];
            if (pud == null) {
                a = (a | ((1L << 39) - 1)) + 1;
            } else {
                final Dir pmd = (Dir) pud.slot[idx(a, 30)];
                if (pmd == null) {
                    a = (a | ((1L << 30) - 1)) + 1;
                } else if (pmd.slot[idx(a, 21)] != null) {
                    return a;
                } else {
                    a = (a | ((1L << 21) - 1)) + 1;
                }
            }
            if (a == 0) {
                break; // wrapped past the top of the address space
            }
        }
        return end;
    }

    /** The entry for addr (see {@link Leaf#pte}), or NONE. */
    public long get(long addr) {
        Leaf l = leaf(addr, false);
        return l == null ? Pte.NONE : l.pte(idx(addr, 12));
    }

    /**
     * mm/huge_memory.c pgtable_trans_huge_deposit + set_pmd_at on a pmd_none slot: a huge PMD
     * for the 2 MiB at {@code haddr}, with a table page deposited (mm_inc_nr_ptes).
     *
     * @return false when no page could be had for the deposited table (VM_FAULT_OOM), or the
     *     slot is not pmd_none
     */
    public boolean setHugePmd(long haddr, long pmdEntry) {
        Dir pud = child(pgd, idx(haddr, 39), true);
        if (pud == null) {
            return false;
        }
        Dir pmd = child(pud, idx(haddr, 30), true);
        if (pmd == null) {
            return false;
        }
        int i = idx(haddr, 21);
        if (pmd.slot[i] != null) {
            return false;
        }
        int pfn = pages.allocTablePage();
        if (pfn < 0) {
            return false;
        }
        Leaf leaf = new Leaf(pfn);
        leaf.pmd = pmdEntry;
        pmd.put(i, leaf);
        tablePages++;
        return true;
    }

    /**
     * mm/huge_memory.c zap_deposited_table after the huge PMD at {@code haddr} was cleared:
     * the deposited table is freed (pte_free, mm_dec_nr_ptes) and the slot is pmd_none.
     */
    public void clearHugePmd(long haddr) {
        Dir pud = child(pgd, idx(haddr, 39), false);
        Dir pmd = child(pud, idx(haddr, 30), false);
        int i = idx(haddr, 21);
        Leaf leaf = (Leaf) pmd.slot[i];
        if (leaf == null || leaf.pmd == Pte.NONE) {
            throw new IllegalStateException("no huge PMD at 0x" + Long.toHexString(haddr));
        }
        pmd.remove(i);
        cachedLeaf = null;
        tablePages--;
        pages.freeTablePage(leaf.pfn);
    }

    /**
     * Moves the huge PMD (and its deposited table) from {@code oldAddr} to the pmd_none slot
     * at {@code newAddr} (mm/huge_memory.c move_huge_pmd: pgtable_trans_huge_withdraw and
     * deposit again). The PUD and PMD tables of the target are allocated as needed.
     *
     * @return false when a table for the target could not be allocated
     */
    public boolean moveHugePmd(long oldAddr, long newAddr) {
        Dir dpud = child(pgd, idx(newAddr, 39), true);
        Dir dpmd = dpud == null ? null : child(dpud, idx(newAddr, 30), true);
        if (dpmd == null || dpmd.slot[idx(newAddr, 21)] != null) {
            return false;
        }
        Dir spmd = child(child(pgd, idx(oldAddr, 39), false), idx(oldAddr, 30), false);
        int si = idx(oldAddr, 21);
        Leaf leaf = (Leaf) spmd.slot[si];
        spmd.remove(si);
        cachedLeaf = null;
        dpmd.put(idx(newAddr, 21), leaf);
        return true;
    }

    /**
     * Whether the PMD table covering {@code addr} exists (mm/rmap.c mm_find_pmd finds a pmd
     * pointer), whatever its slot holds.
     */
    public boolean hasPmdTable(long addr) {
        return child(child(pgd, idx(addr, 39), false), idx(addr, 30), false) != null;
    }

    public static int pteIndex(long addr) {
        return idx(addr, 12);
    }

    /**
     * mm/memory.c free_pgd_range: frees the tables covering [start, end) that lie wholly inside
     * [floor, ceiling), i.e. tables no VMA uses any more. floor/ceiling are the neighbouring
     * VMAs' end and start (0 / 0 meaning the whole address space). Walks only the tables that
     * exist.
     */
    public void freeRange(long start, long end, long floor, long ceiling) {
        freeLevel(pgd, 39, 0, start, end, floor, ceiling);
    }

    /** Frees, below {@code d} (a table at level {@code shift} based at {@code base}), what the range allows. */
    private void freeLevel(Dir d, int shift, long base, long start, long end, long floor, long ceiling) {
        long span = 1L << shift;
        int first = Long.compareUnsigned(start, base) <= 0 ? 0 : (int) ((start - base) >>> shift);
        for (int i = first; i < 512; i++) {
            long a = base + i * span;
            if (Long.compareUnsigned(a, end) >= 0) {
                break;
            }
            Object child = d.slot[i];
            if (child == null) {
                continue;
            }
            boolean inside = Long.compareUnsigned(a, floor) >= 0
                    && (ceiling == 0 || Long.compareUnsigned(a + span, ceiling) <= 0);
            if (shift == 21) {
                if (inside) {
                    freeLeafTable(d, i, (Leaf) child, a);
                }
                continue;
            }
            Dir c = (Dir) child;
            freeLevel(c, shift - 9, a, start, end, floor, ceiling);
            if (inside && c.used == 0) {
                d.remove(i);
                cachedLeaf = null;
                tablePages--;
                pages.freeTablePage(c.pfn);
            }
        }
    }

    private void freeLeafTable(Dir pmd, int i, Leaf l, long a) {
        if (l.pmd != Pte.NONE) {
            throw new IllegalStateException("freeing the table under a huge PMD at 0x" + Long.toHexString(a));
        }
        for (long v : l.e) {
            if (v != Pte.NONE) {
                throw new IllegalStateException("freeing a PTE table that still maps pages at 0x" + Long.toHexString(a));
            }
        }
        pmd.remove(i);
        cachedLeaf = null;
        tablePages--;
        pages.freeTablePage(l.pfn);
    }

    /**
     * Visits every present-or-nonnone entry in [start, end): for reports, checks and teardown.
     * The pages under a huge PMD are visited one by one with the entries {@link Leaf#pte}
     * derives ({@link Pte#huge} true).
     */
    public void walk(long start, long end, EntryVisitor v) {
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            Leaf l = leaf(a, false);
            long tableEnd = (a | ((1L << 21) - 1)) + 1;
            long stop = Long.compareUnsigned(tableEnd, end) < 0 && tableEnd != 0 ? tableEnd : end;
            if (l != null) {
                for (long x = a; Long.compareUnsigned(x, stop) < 0; x += 4096) {
                    long e = l.pte(idx(x, 12));
                    if (e != Pte.NONE) {
                        v.visit(x, e);
                    }
                }
            }
            a = stop;
        }
    }

    /** Callback of {@link #walk}. */
    @FunctionalInterface
    public interface EntryVisitor {
        void visit(long addr, long entry);
    }

    /** Frees every table including the PGD (exit_mmap after all pages were zapped). */
    public void destroy() {
        freeRange(0, 1L << 47, 0, 0);
        pages.freeTablePage(pgd.pfn);
    }

    /** All table frames currently held (for the invariant checker): PGD + tablePages. */
    public void forEachTableFrame(java.util.function.IntConsumer c) {
        c.accept(pgd.pfn);
        forEachChild(pgd, pud -> {
            c.accept(((Dir) pud).pfn);
            forEachChild((Dir) pud, pmd -> {
                c.accept(((Dir) pmd).pfn);
                forEachChild((Dir) pmd, leaf -> c.accept(((Leaf) leaf).pfn));
            });
        });
    }

    /**
     * The frames of this page table, PGD first, in the order {@link #forEachTableFrame} visits
     * them, written to {@code out} from index 0 (grown when too small); the count is
     * {@code tablePages() + 1} when the counter is right. Loops instead of lambdas: the
     * invariant checker runs it after every call. Returns the array written.
     */
    public int[] tableFrames(int[] out, int[] count) {
        int n = 0;
        out = put(out, n++, pgd.pfn);
        for (int w = 0; w < pgd.present.length; w++) {
            for (long b1 = pgd.present[w]; b1 != 0; b1 &= b1 - 1) {
                Dir pud = (Dir) pgd.slot[w << 6 | Long.numberOfTrailingZeros(b1)];
                out = put(out, n++, pud.pfn);
                for (int x = 0; x < pud.present.length; x++) {
                    for (long b2 = pud.present[x]; b2 != 0; b2 &= b2 - 1) {
                        Dir pmd = (Dir) pud.slot[x << 6 | Long.numberOfTrailingZeros(b2)];
                        out = put(out, n++, pmd.pfn);
                        for (int y = 0; y < pmd.present.length; y++) {
                            for (long b3 = pmd.present[y]; b3 != 0; b3 &= b3 - 1) {
                                out = put(out, n++, ((Leaf) pmd.slot[y << 6 | Long.numberOfTrailingZeros(b3)]).pfn);
                            }
                        }
                    }
                }
            }
        }
        count[0] = n;
        return out;
    }

    private static int[] put(int[] a, int i, int v) {
        if (i >= a.length) {
            a = java.util.Arrays.copyOf(a, Math.max(16, a.length * 2));
        }
        a[i] = v;
        return a;
    }

    /** The non-null slots of {@code d}, in index order, found from its bitmap. */
    private static void forEachChild(Dir d, java.util.function.Consumer<Object> c) {
        for (int w = 0; w < d.present.length; w++) {
            for (long bits = d.present[w]; bits != 0; bits &= bits - 1) {
                c.accept(d.slot[w << 6 | Long.numberOfTrailingZeros(bits)]);
            }
        }
    }
}
