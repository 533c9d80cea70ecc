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
        final int pfn;
        int used;

        Dir(int pfn) {
            this.pfn = pfn;
        }
    }

    /** A last-level table: 512 PTEs. */
    public static final class Leaf {
        public final long[] e = new long[512];
        final int pfn;

        Leaf(int pfn) {
            this.pfn = pfn;
        }
    }

    private final TablePages pages;
    private final Dir pgd;
    private long tablePages;

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
            pmd.slot[i] = leaf;
            pmd.used++;
            tablePages++;
        }
        return leaf;
    }

    private Dir child(Dir d, int i, boolean alloc) {
        Dir c = (Dir) d.slot[i];
        if (c == null && alloc) {
            int pfn = pages.allocTablePage();
            if (pfn < 0) {
                return null;
            }
            c = new Dir(pfn);
            d.slot[i] = c;
            d.used++;
            tablePages++;
        }
        return c;
    }

    /** The entry for addr, or NONE. */
    public long get(long addr) {
        Leaf l = leaf(addr, false);
        return l == null ? Pte.NONE : l.e[idx(addr, 12)];
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
                d.slot[i] = null;
                d.used--;
                tablePages--;
                pages.freeTablePage(c.pfn);
            }
        }
    }

    private void freeLeafTable(Dir pmd, int i, Leaf l, long a) {
        for (long v : l.e) {
            if (v != Pte.NONE) {
                throw new IllegalStateException("freeing a PTE table that still maps pages at 0x" + Long.toHexString(a));
            }
        }
        pmd.slot[i] = null;
        pmd.used--;
        tablePages--;
        pages.freeTablePage(l.pfn);
    }

    /** Visits every present-or-nonnone entry in [start, end): for reports, checks and teardown. */
    public void walk(long start, long end, EntryVisitor v) {
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            Leaf l = leaf(a, false);
            long tableEnd = (a | ((1L << 21) - 1)) + 1;
            long stop = Long.compareUnsigned(tableEnd, end) < 0 && tableEnd != 0 ? tableEnd : end;
            if (l != null) {
                for (long x = a; Long.compareUnsigned(x, stop) < 0; x += 4096) {
                    long e = l.e[idx(x, 12)];
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
        for (Object o : pgd.slot) {
            if (o == null) {
                continue;
            }
            Dir pud = (Dir) o;
            c.accept(pud.pfn);
            for (Object p : pud.slot) {
                if (p == null) {
                    continue;
                }
                Dir pmd = (Dir) p;
                c.accept(pmd.pfn);
                for (Object q : pmd.slot) {
                    if (q != null) {
                        c.accept(((Leaf) q).pfn);
                    }
                }
            }
        }
    }
}
