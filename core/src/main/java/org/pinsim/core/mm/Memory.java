package org.pinsim.core.mm;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.NO_OWNER;
import static org.pinsim.core.mem.FrameTable.PG_active;
import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_dirty;
import static org.pinsim.core.mem.FrameTable.PG_head;
import static org.pinsim.core.mem.FrameTable.PG_tail;
import static org.pinsim.core.mem.FrameTable.PG_zero;
import static org.pinsim.core.mem.FrameTable.PG_lru;
import static org.pinsim.core.mem.FrameTable.PG_mlocked;
import static org.pinsim.core.mem.FrameTable.PG_pgtable;
import static org.pinsim.core.mem.FrameTable.PG_reclaim;
import static org.pinsim.core.mem.FrameTable.PG_referenced;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;
import static org.pinsim.core.mem.FrameTable.PG_unevictable;
import static org.pinsim.core.mm.VmFlags.VM_DROPPABLE;
import static org.pinsim.core.mm.VmFlags.VM_LOCKED;
import static org.pinsim.core.mm.VmFlags.VM_SHARED;
import static org.pinsim.core.mm.VmFlags.VM_SPECIAL;
import static org.pinsim.core.mm.VmFlags.VM_WRITE;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mlock.MlockFolio;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * mm/memory.c and the rmap side of mm/rmap.c: page faults (anonymous first touch, the zero
 * page, file and shmem faults through the page cache, copy-on-write), zapping a range,
 * copying page tables at fork, and the per-page reference and mapcount bookkeeping.
 *
 * <p>Fault results follow the kernel's VM_FAULT_* meaning, reduced to what callers act on.
 */
public final class Memory implements PageTable.TablePages {
    public static final int VM_FAULT_OK = 0;
    public static final int VM_FAULT_OOM = 1;
    public static final int VM_FAULT_SIGBUS = 2;
    public static final int VM_FAULT_SIGSEGV = 3;
    /** The huge-page fault cannot be had: fault a small page instead. */
    public static final int VM_FAULT_FALLBACK = 4;

    /** Reverse-map owner encoding: bit 62 set = file page; then (object id << 36) | page index. */
    private static final long OWNER_FILE = 1L << 62;
    private static final long INDEX_MASK = (1L << 36) - 1;

    private final PhysMem mem;
    private final FrameTable ft;
    private final Lru lru;
    private final VmStat stat;
    private final MlockFolio mlock;
    private int nextAnonVma = 1;
    /** The next content stand-in (FrameTable content): a counter, so runs are reproducible. */
    private int nextContent = 1;
    /** mm/migrate.c migration_entry_wait: what a fault on a migration entry waits for. */
    private MigrationWaiter migrationWaiter = pfn -> {
        throw new IllegalStateException("a migration entry for pfn " + pfn + " but no migration engine to wait on");
    };
    /** mm_forbids_zeropage(): read faults on anonymous memory allocate instead of mapping the zero page. */
    private final boolean forbidsZeropage;
    private final HugeMemory huge;

    /** The physical memory this mm layer allocates from. */
    public PhysMem phys() {
        return mem;
    }

    public Memory(PhysMem mem, Lru lru, VmStat stat) {
        this(mem, lru, stat, false);
    }

    public Memory(PhysMem mem, Lru lru, VmStat stat, boolean forbidsZeropage) {
        this(mem, lru, stat, forbidsZeropage, ThpEnabled.MADVISE);
    }

    public Memory(PhysMem mem, Lru lru, VmStat stat, boolean forbidsZeropage, ThpEnabled thp) {
        this.forbidsZeropage = forbidsZeropage;
        this.mem = mem;
        this.ft = mem.frames();
        this.lru = lru;
        this.stat = stat;
        this.mlock = new MlockFolio(ft, lru, stat, this::putPage);
        this.huge = new HugeMemory(this, mem, stat, thp, forbidsZeropage);
    }

    VmStat vmstat() {
        return stat;
    }

    /** The transparent huge page side (mm/huge_memory.c). */
    public HugeMemory huge() {
        return huge;
    }

    public MlockFolio mlockFolio() {
        return mlock;
    }

    public FrameTable frames() {
        return ft;
    }

    // ---- page-table pages ----

    @Override
    public int allocTablePage() {
        int pfn = allocPage(Gfp.GFP_PGTABLE_USER); // include/asm-generic/pgalloc.h: unmovable
        if (pfn != NO_FRAME) {
            ft.setFlag(pfn, PG_pgtable);
            stat.mod(NodeStat.NR_PAGETABLE, 1);
        }
        return pfn;
    }

    @Override
    public void freeTablePage(int pfn) {
        ft.clearFlag(pfn, PG_pgtable);
        stat.mod(NodeStat.NR_PAGETABLE, -1);
        mem.freePage(pfn);
        stat.count(VmEvent.PGFREE);
    }

    /** alloc_pages(GFP_HIGHUSER_MOVABLE, 0): the page cache; see {@link #allocPage(int)}. */
    int allocPage() {
        return allocPage(Gfp.GFP_HIGHUSER_MOVABLE);
    }

    /**
     * alloc_pages(gfp, 0) (the page cache, page tables): the current task's memory policy
     * chooses the node ({@link PolicyAlloc#allocTaskPage}); counts pgalloc_ZONE.
     */
    int allocPage(int gfp) {
        return countedAlloc(policyAlloc.allocTaskPage(gfp));
    }

    /**
     * mm/mempolicy.c vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, addr) (anonymous faults,
     * COW copies): the VMA's policy, else the task's ({@link PolicyAlloc#allocVmaPage}).
     */
    int allocVmaPage(Vma vma, long addr) {
        return countedAlloc(policyAlloc.allocVmaPage(vma, addr));
    }

    private int countedAlloc(int pfn) {
        if (pfn != NO_FRAME) {
            stat.count(PGALLOC[mem.zoneOf(pfn).zoneIdx()]);
        }
        return pfn;
    }

    /**
     * Where a user page comes from: mm/mempolicy.c's allocation by policy, installed by the
     * kernel ({@link #setPolicyAlloc}). Without it (a Memory on its own) every page comes
     * from node 0's zonelist, as for a task without a policy on CPU 0.
     */
    public interface PolicyAlloc {
        /** vma_alloc_folio for order 0: the VMA's policy, else the current task's; NO_FRAME if none is free. */
        int allocVmaPage(Vma vma, long addr);

        /** alloc_pages(gfp, 0): the current task's policy; NO_FRAME if none is free. */
        int allocTaskPage(int gfp);
    }

    private PolicyAlloc policyAlloc = new PolicyAlloc() {
        @Override
        public int allocVmaPage(Vma vma, long addr) {
            return mem.allocPage(0);
        }

        @Override
        public int allocTaskPage(int gfp) {
            return mem.allocPages(0, 0, gfp);
        }
    };

    /** Installs the memory-policy allocator (mm/mempolicy.c). */
    public void setPolicyAlloc(PolicyAlloc a) {
        policyAlloc = a;
    }

    /** Counts pgalloc_ZONE for a user page allocated elsewhere (a migration target). */
    public void countAlloc(int pfn) {
        stat.count(PGALLOC[mem.zoneOf(pfn).zoneIdx()]);
    }

    /** pgalloc_ZONE for an allocation of {@code nr} pages at {@code pfn} (a large folio). */
    public void countAllocPages(int pfn, int nr) {
        stat.count(PGALLOC[mem.zoneOf(pfn).zoneIdx()], nr);
    }

    /**
     * A kernel allocation of {@code 2^order} frames (GFP_KERNEL on node 0, as io_uring's ring
     * regions and perf's ring buffers allocate), counted in pgalloc_ZONE; NO_FRAME if none.
     * The caller holds the one reference of each frame and frees them with {@link #freeKernelPage}.
     */
    public int allocKernelPages(int order) {
        int pfn = mem.allocPages(order, 0, Gfp.GFP_KERNEL);
        if (pfn != NO_FRAME) {
            stat.count(PGALLOC[mem.zoneOf(pfn).zoneIdx()], 1L << order);
        }
        return pfn;
    }

    /** alloc_pages(gfp, order) on node 0 (a huge page), counted in pgalloc_ZONE; NO_FRAME if none. */
    int allocPages(int order, int gfp) {
        int pfn = mem.allocPages(order, 0, gfp);
        if (pfn != NO_FRAME) {
            stat.count(PGALLOC[mem.zoneOf(pfn).zoneIdx()], 1L << order);
        }
        return pfn;
    }

    /** Sets /sys/kernel/mm/transparent_hugepage/defrag (the machine's thp_defrag). */
    public void setThpDefrag(ThpDefrag d) {
        huge.setDefrag(d);
    }

    /** put_page of a kernel page the caller got from {@link #allocKernelPages} (split: one frame at a time). */
    public void freeKernelPage(int pfn) {
        putPage(pfn);
    }

    /**
     * mm/gup.c try_grab_folio(FOLL_PIN) for small folios {@code pfns[from..to)}: each gets
     * GUP_PIN_COUNTING_BIAS references; nr_foll_pin_acquired counts the pages, updated once.
     * The shared zero page (a read-only pin of untouched anonymous memory) takes no reference
     * and is not counted.
     */
    public void pinPages(int[] pfns, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            final int pfn = pfns[i];
            final int f = ft.flags(pfn);
            if ((f & (1 << PG_zero)) != 0) {
                continue; // try_grab_folio: "if (is_zero_folio(folio)) return 0"
            }
            if ((f & (1 << PG_head | 1 << PG_tail)) != 0) {
                // try_grab_folio(FOLL_PIN) of a large folio: folio_ref_add(refs), _pincount += refs
                int head = ft.compoundHead(pfn);
                ft.refInc(head);
                ft.addPincount(head, 1);
            } else {
                ft.refAdd(pfn, GUP_PIN_COUNTING_BIAS);
            }
            n++;
        }
        stat.mod(NodeStat.NR_FOLL_PIN_ACQUIRED, n);
    }

    /**
     * mm/gup.c unpin_user_pages -> gup_put_folio(FOLL_PIN) for small folios {@code pfns[0..n)}:
     * the bias comes off each, and a page already unmapped (zapped while pinned) is freed
     * with it; nr_foll_pin_released counts the pages, updated once.
     */
    public void unpinPages(int[] pfns, int n) {
        int released = 0;
        for (int i = 0; i < n; i++) {
            int pfn = pfns[i];
            final int f = ft.flags(pfn);
            if ((f & (1 << PG_zero)) != 0) {
                continue; // gup_put_folio: the zero page was never counted
            }
            released++;
            if ((f & (1 << PG_head | 1 << PG_tail)) != 0) {
                int head = ft.compoundHead(pfn); // gup_put_folio: _pincount -= refs, folio_put_refs
                ft.addPincount(head, -1);
                putPage(head);
                continue;
            }
            if (ft.refSub(pfn, GUP_PIN_COUNTING_BIAS) == 0) {
                ft.refInc(pfn); // the last reference goes through folio_put
                putPage(pfn);
            }
        }
        stat.mod(NodeStat.NR_FOLL_PIN_RELEASED, released);
    }

    /**
     * include/linux/mm.h folio_maybe_dma_pinned: a small folio's refcount at or above the bias,
     * a large folio's _pincount above zero.
     */
    public boolean maybeDmaPinned(int pfn) {
        if (ft.isLarge(pfn)) {
            return ft.pincount(ft.compoundHead(pfn)) > 0;
        }
        return ft.refcount(pfn) >= GUP_PIN_COUNTING_BIAS;
    }

    /** folio_test_anon. */
    public boolean isAnonFolio(int pfn) {
        return ft.testFlag(ft.compoundHead(pfn), PG_anon);
    }

    /** include/linux/mm.h GUP_PIN_COUNTING_BIAS. */
    public static final int GUP_PIN_COUNTING_BIAS = 1024;

    private static final VmEvent[] PGALLOC = {
        VmEvent.PGALLOC_DMA, VmEvent.PGALLOC_DMA32, VmEvent.PGALLOC_NORMAL, VmEvent.PGALLOC_MOVABLE,
    };

    // ---- faults ----

    /**
     * mm/memory.c handle_mm_fault for one page of {@code vma}. The caller has checked the
     * access against the VMA's permissions (or FOLL_FORCE).
     */
    public int handleFault(Mm mm, Vma vma, long addr, boolean write) {
        stat.count(VmEvent.PGFAULT);
        PageTable.Leaf leaf = mm.pt.leaf(addr, false);
        if ((leaf == null || leaf.pmd != Pte.NONE) && vma.isAnonymous()) {
            int r = hugePmdFault(mm, vma, leaf, addr, write);
            if (r != VM_FAULT_FALLBACK) {
                return r;
            }
            leaf = null; // a split or a fallback: walk again
        }
        if (leaf == null) {
            leaf = mm.pt.leaf(addr, true);
        }
        if (leaf == null) {
            return VM_FAULT_OOM;
        }
        int i = PageTable.pteIndex(addr);
        long e = leaf.e[i];
        if (Pte.isGuardMarker(e)) {
            return VM_FAULT_SIGSEGV; // mm/memory.c do_swap_page -> handle_pte_marker: a guard region
        }
        if (Pte.isMigrationEntry(e)) {
            return migrationEntryFault(mm, vma, leaf, i, addr, write);
        }
        if (vma.ops != null) {
            return driverFault(mm, vma, leaf, i, addr, write, e);
        }
        if (e == Pte.NONE) {
            if (vma.file == null) {
                return doAnonymousPage(mm, vma, leaf, i, addr, write);
            }
            return doFault(mm, vma, leaf, i, addr, write);
        }
        if (write && !Pte.write(e)) {
            return doWpPage(mm, vma, leaf, i, addr, e);
        }
        return VM_FAULT_OK; // spurious: present and sufficient
    }

    /**
     * mm/memory.c __handle_mm_fault at the PMD level: a pmd_none slot in a VMA that may have
     * a huge page gets one (create_huge_pmd); a huge PMD is written through (wp_huge_pmd) or
     * was there already (huge_pmd_set_accessed). VM_FAULT_FALLBACK sends the fault on to the
     * PTE level, a huge PMD having been split if it was in the way.
     */
    private int hugePmdFault(Mm mm, Vma vma, PageTable.Leaf leaf, long addr, boolean write) {
        if (leaf == null) {
            if (huge.allowable(vma, vma.flags, HugeMemory.TVA_PAGEFAULT)) {
                return huge.doHugePmdAnonymousPage(mm, vma, addr, write);
            }
            return VM_FAULT_FALLBACK;
        }
        if (leaf.pmd == Pte.NONE) {
            return VM_FAULT_FALLBACK;
        }
        if (write && !Pte.write(leaf.pmd)) {
            return huge.wpHugePmd(mm, vma, leaf, addr);
        }
        leaf.pmd |= Pte.ACCESSED;
        return VM_FAULT_OK;
    }

    /**
     * A fault in a driver mapping whose pages the driver mapped up front (VM_PFNMAP): no
     * ->fault, so a missing PTE is SIGBUS; a write to a read-only special PTE goes to
     * wp_pfn_shared -> vm_ops->pfn_mkwrite, which may allow it.
     */
    private int driverFault(Mm mm, Vma vma, PageTable.Leaf leaf, int i, long addr, boolean write, long e) {
        if (e == Pte.NONE) {
            return VM_FAULT_SIGBUS;
        }
        if (write && !Pte.write(e)) {
            if (!Pte.special(e)) {
                return doWpPage(mm, vma, leaf, i, addr, e); // vm_normal_page: a COW of the inserted page
            }
            if (!vma.ops.pfnMkwrite(vma, addr)) {
                return VM_FAULT_SIGBUS;
            }
            leaf.e[i] = Pte.mkwrite(e);
        }
        return VM_FAULT_OK;
    }

    /**
     * mm/memory.c vm_insert_page(s) -> insert_page_into_pte_locked for one page: a normal PTE
     * (not special) with the VMA's protection (writable for a shared writable mapping, read-only
     * for a private one, whose writes copy), a file rmap and a reference, counted in
     * MM_FILEPAGES (mm_counter_file: a kernel page is not swap-backed).
     *
     * @return false when the page table cannot be allocated (-ENOMEM)
     */
    public boolean insertPage(Mm mm, Vma vma, long addr, int pfn) {
        PageTable.Leaf leaf = mm.pt.leaf(addr, true);
        if (leaf == null) {
            return false;
        }
        addFileRmap(pfn, vma);
        mm.addRss(Mm.MM_FILEPAGES, 1);
        leaf.e[PageTable.pteIndex(addr)] = Pte.make(pfn, (vma.flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE),
                false);
        return true;
    }

    /**
     * mm/memory.c remap_pfn_range for one page: a special PTE (pte_mkspecial) mapping a
     * driver's frame read-only; it takes no reference and counts in no RSS counter.
     *
     * @return false when the page table cannot be allocated (-ENOMEM)
     */
    public boolean remapPfn(Mm mm, long addr, int pfn) {
        PageTable.Leaf leaf = mm.pt.leaf(addr, true);
        if (leaf == null) {
            return false;
        }
        leaf.e[PageTable.pteIndex(addr)] = Pte.make(pfn, false, true);
        return true;
    }

    /** mm/memory.c do_anonymous_page. */
    private int doAnonymousPage(Mm mm, Vma vma, PageTable.Leaf leaf, int i, long addr, boolean write) {
        // "Use the zero-page for reads": if (!(vmf->flags & FAULT_FLAG_WRITE) && !mm_forbids_zeropage(mm))
        if (!write && !forbidsZeropage) {
            // Use the zero-page for reads: not counted in RSS, vm_normal_page() is NULL.
            leaf.e[i] = Pte.make(mem.zeroPfn(), false, true);
            return VM_FAULT_OK;
        }
        if (!anonVmaPrepare(mm, vma)) {
            return VM_FAULT_OOM;
        }
        int pfn = allocVmaPage(vma, addr);
        if (pfn == NO_FRAME) {
            return VM_FAULT_OOM;
        }
        addNewAnonRmap(pfn, vma, addr);
        ft.setContentZeroed(pfn, newContent()); // the zeroed page: its first content (a write fault's write clears it)
        mm.addRss(Mm.MM_ANONPAGES, 1);
        folioAddLruVma(pfn, vma);
        leaf.e[i] = Pte.make(pfn, vma.has(VM_WRITE), false);
        return VM_FAULT_OK;
    }

    /** mm/memory.c fault_around_bytes default: 64 KiB. */
    public static final int FAULT_AROUND_PAGES = 16;
    /** mm/readahead.c: read_ahead_kb 128 = 32 pages (ra_pages) for the stand-in files. */
    public static final int RA_PAGES = 32;

    /**
     * mm/memory.c do_fault: do_read_fault (fault-around first, then ->fault), do_cow_fault,
     * do_shared_fault, with the page cache of the inode.
     */
    private int doFault(Mm mm, Vma vma, PageTable.Leaf leaf, int i, long addr, boolean write) {
        Inode f = vma.file;
        long index = vma.pgoffOf(addr);
        if (!write && faultAround(mm, vma, leaf, i, addr)) {
            return VM_FAULT_OK; // VM_FAULT_NOPAGE: filemap_map_pages mapped it
        }
        if (index >= f.nrPagesInFile()) {
            return VM_FAULT_SIGBUS; // mm/filemap.c filemap_fault: beyond EOF
        }
        int page = f.page(index);
        if (page == Inode.NO_PAGE) {
            page = addToPageCache(f, index);
            if (page == NO_FRAME) {
                return VM_FAULT_OOM;
            }
            if (!f.shmem()) {
                stat.count(VmEvent.PGMAJFAULT); // read from the backing store
                if (!readAround(vma, f, index)) {
                    return VM_FAULT_OOM;
                }
                // mm/filemap.c filemap_fault: the read dropped the mmap lock
                // (maybe_unlock_mmap_for_io), so the fault returns VM_FAULT_RETRY and is taken
                // again (mm_account_fault counts only the completed attempt: one pgfault); a
                // read fault then maps, by fault-around, the page and what read-around put in
                // the cache next to it.
                if (!write && faultAround(mm, vma, leaf, i, addr)) {
                    return VM_FAULT_OK;
                }
            }
        } else if (!vma.has(VmFlags.VM_RAND_READ)) {
            // mm/filemap.c do_async_mmap_readahead -> page_cache_async_ra: folio_clear_readahead
            // (the asynchronous readahead it then starts is not modelled)
            ft.clearFlag(page, PG_reclaim);
        }
        if (write && !vma.has(VM_SHARED)) {
            return doCowPage(mm, vma, leaf, i, addr, Inode.NO_PAGE);
        }
        mapFilePage(mm, vma, leaf, i, page, write);
        return VM_FAULT_OK;
    }

    private void mapFilePage(Mm mm, Vma vma, PageTable.Leaf leaf, int i, int page, boolean write) {
        addFileRmap(page, vma);
        mm.addRss(vma.file.shmem() ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES, 1);
        if (write) {
            ft.setFlag(page, PG_dirty); // mm/memory.c fault_dirty_shared_page
        }
        leaf.e[i] = Pte.make(page, write && vma.has(VM_WRITE), false);
    }

    /**
     * mm/memory.c do_fault_around -> mm/filemap.c filemap_map_pages: map, read-only, the pages
     * already in the page cache within the fault_around_bytes-aligned window around addr
     * (inside the VMA, the PTE table and the file).
     *
     * @return true if the faulting page itself is now mapped
     */
    private boolean faultAround(Mm mm, Vma vma, PageTable.Leaf leaf, int ptOff, long addr) {
        Inode f = vma.file;
        long vmaOff = (addr - vma.start) >>> 12;
        int from = (int) Math.max(ptOff & ~(FAULT_AROUND_PAGES - 1), ptOff - Math.min(ptOff, vmaOff));
        int to = (int) Math.min(Math.min(from + FAULT_AROUND_PAGES, 512), ptOff + vma.pages() - vmaOff);
        long base = addr - ((long) ptOff << 12);
        long eof = f.nrPagesInFile();
        for (int p = from; p < to; p++) {
            if (leaf.e[p] != Pte.NONE) {
                continue;
            }
            long index = vma.pgoffOf(base + ((long) p << 12));
            int page = index < eof ? f.page(index) : Inode.NO_PAGE;
            // next_uptodate_folio: "if (!folio_test_uptodate(folio) || folio_test_readahead(folio)) goto skip"
            if (page != Inode.NO_PAGE && !ft.testFlag(page, PG_reclaim)) {
                mapFilePage(mm, vma, leaf, p, page, false);
            }
        }
        return leaf.e[ptOff] != Pte.NONE;
    }

    /**
     * mm/filemap.c do_sync_mmap_readahead, "mmap read-around": a major fault reads ra_pages
     * centred on the fault into the page cache (VM_RAND_READ: none; VM_SEQ_READ: ahead only).
     * The asynchronous-readahead marker (PG_readahead) is not modelled.
     */
    private boolean readAround(Vma vma, Inode f, long index) {
        if (vma.has(VmFlags.VM_RAND_READ)) {
            return true;
        }
        long start = vma.has(VmFlags.VM_SEQ_READ) ? index : Math.max(0, index - RA_PAGES / 2);
        long end = Math.min(start + RA_PAGES, f.nrPagesInFile());
        for (long x = start; x < end; x++) {
            if (f.page(x) == Inode.NO_PAGE && addToPageCache(f, x) == NO_FRAME) {
                return false;
            }
        }
        return true;
    }

    /**
     * mm/readahead.c force_page_cache_ra (POSIX_FADV_WILLNEED, MADV_WILLNEED): the pages of
     * [from, to) below the end of the file that are not cached are read in. The kernel reads at
     * most max(io_pages, ra_pages) pages a call, more than a scenario maps (8 MiB here).
     */
    public void readahead(Inode f, long from, long to) {
        long end = Math.min(to, f.nrPagesInFile());
        for (long x = from; x < end; x++) {
            if (f.page(x) == Inode.NO_PAGE && addToPageCache(f, x) == NO_FRAME) {
                return;
            }
        }
    }

    /** mm/filemap.c filemap_add_folio / mm/shmem.c shmem_get_folio: a new page-cache page. */
    private int addToPageCache(Inode f, long index) {
        int pfn = allocPage();
        if (pfn == NO_FRAME) {
            return NO_FRAME;
        }
        ft.setOwner(pfn, OWNER_FILE | ((long) f.ino() << 36) | index);
        ft.setContent(pfn, newContent()); // read from the backing store (or zeroed for shmem)
        f.setPage(index, pfn);
        stat.mod(NodeStat.NR_FILE_PAGES, 1);
        if (f.shmem()) {
            ft.setFlag(pfn, PG_swapbacked);
            stat.mod(NodeStat.NR_SHMEM, 1);
            lru.add(pfn, Lru.LRU_INACTIVE_ANON);
        } else {
            lru.add(pfn, Lru.LRU_INACTIVE_FILE);
        }
        return pfn;
    }

    /** mm/memory.c do_wp_page: write to a present, write-protected PTE. */
    private int doWpPage(Mm mm, Vma vma, PageTable.Leaf leaf, int i, long addr, long e) {
        int pfn = Pte.pfn(e);
        if (Pte.special(e)) {
            return doCowPage(mm, vma, leaf, i, addr, Inode.NO_PAGE); // the zero page
        }
        if (vma.has(VM_SHARED)) {
            leaf.e[i] = Pte.mkwrite(e); // wp_page_shared
            ft.setFlag(pfn, PG_dirty);
            return VM_FAULT_OK;
        }
        // wp_can_reuse_anon_folio: an exclusive anonymous page is reused, not copied
        if (ft.testFlag(ft.compoundHead(pfn), PG_anon) && canReuseAnonFolio(pfn)) {
            leaf.e[i] = Pte.mkwrite(e);
            return VM_FAULT_OK;
        }
        return doCowPage(mm, vma, leaf, i, addr, pfn);
    }

    /**
     * mm/memory.c wp_page_copy / do_cow_fault: a new private anonymous page replaces the
     * zero page, a page-cache page or a shared anonymous page ({@code old}, or NO_PAGE).
     */
    private int doCowPage(Mm mm, Vma vma, PageTable.Leaf leaf, int i, long addr, int old) {
        if (!anonVmaPrepare(mm, vma)) {
            return VM_FAULT_OOM;
        }
        int pfn = allocVmaPage(vma, addr);
        if (pfn == NO_FRAME) {
            return VM_FAULT_OOM;
        }
        addNewAnonRmap(pfn, vma, addr);
        folioAddLruVma(pfn, vma);
        if (old == Inode.NO_PAGE) {
            ft.setContentZeroed(pfn, newContent()); // a copy of the zero page, or a private page of a file hole
            mm.addRss(Mm.MM_ANONPAGES, 1);
        } else {
            ft.copyContent(pfn, old); // wp_page_copy: __wp_page_copy_user
            if (!ft.testFlag(ft.compoundHead(old), PG_anon)) {
                mm.addRss(mmCounterFile(old), -1);
                mm.addRss(Mm.MM_ANONPAGES, 1);
            }
            removeRmap(old, vma);
            putPage(old);
        }
        leaf.e[i] = Pte.make(pfn, true, false);
        return VM_FAULT_OK;
    }

    /**
     * mm/memory.c wp_can_reuse_anon_folio: a small folio mapped once with no other reference;
     * a large one (__wp_can_reuse_large_anon_folio) when every reference is a mapping and no
     * page of it is mapped twice (the kernel asks whether only this mm maps it; the model has
     * no per-folio mm id and asks whether any page is shared, which fork makes true).
     */
    boolean canReuseAnonFolio(int pfn) {
        if (!ft.isLarge(pfn)) {
            return ft.mapcount(pfn) == 1 && ft.refcount(pfn) == 1;
        }
        int head = ft.compoundHead(pfn);
        if (ft.largeMapcount(head) != ft.refcount(head)) {
            return false;
        }
        for (int p = head; p < head + FrameTable.HPAGE_PMD_NR; p++) {
            if (ft.preciseMapcount(p) > 1) {
                return false;
            }
        }
        return true;
    }

    private int mmCounterFile(int pfn) {
        return ft.testFlag(pfn, PG_swapbacked) ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES;
    }

    // ---- anon_vma ----

    /**
     * mm/rmap.c __anon_vma_prepare: reuse a neighbour's anon_vma when find_mergeable_anon_vma
     * allows it (so that the two VMAs can merge later), else a new one.
     */
    boolean anonVmaPrepare(Mm mm, Vma vma) {
        if (vma.anonVma != Vma.NO_ANON_VMA) {
            return true;
        }
        int idx = mm.vmas.indexOf(vma);
        Vma next = idx + 1 < mm.vmas.size() ? mm.vmas.get(idx + 1) : null;
        Vma prev = mm.vmas.prev(idx);
        int reuse = Vma.NO_ANON_VMA;
        if (next != null && reusable(next, vma, next)) {
            reuse = next.anonVma;
        } else if (prev != null && reusable(prev, prev, vma)) {
            reuse = prev.anonVma;
        }
        vma.anonVma = reuse != Vma.NO_ANON_VMA ? reuse : nextAnonVma++;
        return true;
    }

    /** mm/rmap.c reusable_anon_vma + anon_vma_compatible(a, b) with a below b. */
    private static boolean reusable(Vma old, Vma a, Vma b) {
        return old.anonVma != Vma.NO_ANON_VMA && old.anonChainSingular
                && a.end == b.start && a.file == b.file
                && ((a.flags ^ b.flags) & ~(VmFlags.VM_ACCESS_FLAGS | VmFlags.VM_STICKY)) == 0
                && b.pgoff == a.pgoff + ((b.start - a.start) >>> 12);
    }

    int newAnonVmaId() {
        return nextAnonVma++;
    }

    // ---- rmap and references ----

    /**
     * mm/rmap.c folio_add_new_anon_rmap: a fresh exclusive anonymous page, swap-backed unless
     * the VMA is VM_DROPPABLE ("VM_DROPPABLE mappings don't swap; instead they're just dropped
     * when under memory pressure"), which puts it on the file LRU like a lazyfree page.
     */
    private void addNewAnonRmap(int pfn, Vma vma, long addr) {
        addNewAnonRmapFlags(pfn, vma, addr);
        ft.setMapcount(pfn, 1);
        stat.mod(NodeStat.NR_ANON_MAPPED, 1);
    }

    /** The flags and owner part of folio_add_new_anon_rmap (__folio_set_anon), for any folio size. */
    void addNewAnonRmapFlags(int pfn, Vma vma, long addr) {
        ft.setFlag(pfn, PG_anon);
        if (!vma.has(VM_DROPPABLE)) {
            ft.setFlag(pfn, PG_swapbacked);
        }
        ft.setOwner(pfn, ((long) vma.anonVma << 36) | (vma.pgoffOf(addr) & INDEX_MASK));
    }

    /** mm/rmap.c folio_add_file_rmap_pte: map a page-cache page once more. */
    private void addFileRmap(int pfn, Vma vma) {
        ft.refInc(pfn);
        if (ft.mapcountInc(pfn) == 1) {
            stat.mod(NodeStat.NR_FILE_MAPPED, 1);
        }
        mlockVmaFolio(pfn, vma);
    }

    /** mm/rmap.c folio_dup_anon_rmap_pte / folio_dup_file_rmap_pte at fork. */
    private void dupRmap(int pfn) {
        if (ft.isLarge(pfn)) {
            int head = ft.compoundHead(pfn);
            ft.refInc(head);
            ft.addLargeMapcount(head, 1);
        } else {
            ft.refInc(pfn);
        }
        ft.mapcountInc(pfn);
    }

    /** mm/rmap.c folio_remove_rmap_pte, ending in munlock_vma_folio. */
    void removeRmap(int pfn, Vma vma) {
        if (ft.isLarge(pfn)) {
            removeRmapLargePte(pfn, vma);
            return;
        }
        if (ft.mapcountDec(pfn) == 0) {
            stat.mod(ft.testFlag(pfn, PG_anon) ? NodeStat.NR_ANON_MAPPED : NodeStat.NR_FILE_MAPPED, -1);
        }
        // mm/internal.h munlock_vma_folio
        if (vma.has(VM_LOCKED)) {
            mlock.munlockFolio(pfn);
        }
    }

    /**
     * mm/rmap.c __folio_remove_rmap(PGTABLE_LEVEL_PTE) for a page of a large folio: the
     * page's mapcount, the folio's large mapcount, and when the page is no longer mapped by
     * any PTE and no PMD maps the folio, NR_ANON_MAPPED; a folio left partly mapped goes to
     * the deferred split queue; munlock_vma_folio for a VM_LOCKED VMA.
     */
    private void removeRmapLargePte(int pfn, Vma vma) {
        int head = ft.compoundHead(pfn);
        ft.addLargeMapcount(head, -1);
        if (ft.mapcountDec(pfn) == 0) {
            ft.addNrPagesMapped(head, -1);
            if (ft.entireMapcount(head) == 0) {
                stat.mod(NodeStat.NR_ANON_MAPPED, -1);
                if (ft.nrPagesMapped(head) > 0) { // partially_mapped = nr && atomic_read(mapped)
                    huge.deferredSplitFolio(head, true);
                }
            }
        }
        if (vma.has(VM_LOCKED)) {
            mlock.munlockFolio(head);
        }
    }

    /** mm/internal.h mlock_vma_folio: an existing page mapped into a VM_LOCKED VMA. */
    private void mlockVmaFolio(int pfn, Vma vma) {
        if ((vma.flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED) {
            mlock.mlockFolio(pfn);
        }
    }

    /** mm/swap.c folio_add_lru_vma: a new page goes to the LRU, or is mlocked at once. */
    void folioAddLruVma(int pfn, Vma vma) {
        if ((vma.flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED) {
            mlock.mlockNewFolio(pfn);
        } else {
            lru.add(pfn, lru.folioLruList(pfn)); // folio_lru_list: PG_swapbacked picks anon over file
        }
    }

    /**
     * include/linux/mm.h folio_put -> __folio_put -> __page_cache_release: drop a reference
     * and free the page with the last one.
     */
    public void putPage(int pfn) {
        if (ft.isLarge(pfn)) {
            putLargeFolio(ft.compoundHead(pfn));
            return;
        }
        if (ft.refDec(pfn) > 0) {
            return;
        }
        freeSmallFolio(pfn);
    }

    /** The end of {@link #putPage} for a small folio whose last reference just went. */
    private void freeSmallFolio(int pfn) {
        if (ft.testFlag(pfn, PG_lru)) {
            lru.release(pfn);
        }
        if (ft.testClearFlag(pfn, PG_mlocked)) {
            // mm/swap.c __page_cache_release: "Mlocked may still be found set here"
            stat.mod(NodeStat.NR_MLOCK, -1);
            stat.count(VmEvent.UNEVICTABLE_PGCLEARED);
        }
        clearFolioState(pfn);
        ft.setMapcount(pfn, 0);
        ft.setContent(pfn, 0);
        mem.freeUnrefPage(pfn);
        stat.count(VmEvent.PGFREE);
    }

    /**
     * What the last folio_put drops before the free: the anon mapping (folio->mapping), and
     * the flags free_pages_prepare clears (PAGE_FLAGS_CHECK_AT_PREP: swapbacked, dirty,
     * referenced, reclaim) that the model keeps; the reverse-map owner with them.
     */
    private void clearFolioState(int pfn) {
        ft.clearFlags(pfn, 1 << PG_anon | 1 << PG_swapbacked | 1 << PG_dirty | 1 << PG_referenced | 1 << PG_reclaim);
        ft.setOwner(pfn, NO_OWNER);
    }

    /**
     * folio_put of a large folio (by its head): with the last reference the folio leaves its
     * LRU list (and NR_MLOCK if still PG_mlocked, "Mlocked may still be found set here") and
     * the whole block is freed at once (free_frozen_pages of order 9: pgfree counts 512).
     */
    private void putLargeFolio(int head) {
        if (ft.refDec(head) > 0) {
            return;
        }
        if (ft.testFlag(head, PG_lru)) {
            lru.release(head);
        }
        final int nr = ft.folioNrPages(head);
        if (ft.testClearFlag(head, PG_mlocked)) {
            stat.mod(NodeStat.NR_MLOCK, -nr);
            stat.count(VmEvent.UNEVICTABLE_PGCLEARED, nr);
        }
        for (int p = head; p < head + nr; p++) {
            if (ft.mapcount(p) != 0) {
                throw new IllegalStateException("freeing a large folio with a mapped page: " + ft.view(p));
            }
        }
        clearFolioState(head);
        for (int p = head; p < head + nr; p++) {
            ft.setContent(p, 0);
        }
        ft.clearCompound(head, FrameTable.HPAGE_PMD_ORDER);
        mem.freeUnrefFolio(head, FrameTable.HPAGE_PMD_ORDER);
        stat.count(VmEvent.PGFREE, nr);
    }

    /** Removes a page from its inode's page cache and drops the cache's reference. */
    public void deleteFromPageCache(Inode f, long index) {
        int pfn = f.page(index);
        if (pfn == Inode.NO_PAGE) {
            return;
        }
        f.setPage(index, Inode.NO_PAGE);
        stat.mod(NodeStat.NR_FILE_PAGES, -1);
        if (f.shmem()) {
            stat.mod(NodeStat.NR_SHMEM, -1);
        }
        putPage(pfn);
    }

    // ---- zap and copy ----

    /** What a zap removes: the zap_details its kernel caller passes to mm/memory.c zap_pte_range. */
    public enum Zap {
        /** MADV_DONTNEED, MADV_GUARD_INSTALL (zap_page_range_single): every page; guard markers stay. */
        PAGES,
        /** unmap_vmas (munmap, exit): every page and every marker (ZAP_FLAG_DROP_MARKER). */
        ALL,
        /**
         * unmap_mapping_range without even_cows (truncate, hole punch): page-cache pages only;
         * a private mapping's anonymous copies and the markers stay (should_zap_folio).
         */
        FILE_PAGES
    }

    /** {@link #zapRange(Mm, Vma, long, long, Zap)} with {@link Zap#PAGES}. */
    public void zapRange(Mm mm, Vma vma, long start, long end) {
        zapRange(mm, vma, start, end, Zap.PAGES);
    }

    /**
     * mm/memory.c zap_pte_range over [start, end) of one VMA: unmap the pages {@code what}
     * names, with munlock for a VM_LOCKED VMA, and drop the references.
     */
    public void zapRange(Mm mm, Vma vma, long start, long end, Zap what) {
        final int zero = mem.zeroPfn();
        final long[] rss = new long[4];
        for (long a = start; a < end;) {
            long tableEnd = (a | ((1L << 21) - 1)) + 1;
            long stop = Math.min(tableEnd, end);
            PageTable.Leaf leaf = mm.pt.leaf(a, false);
            if (leaf != null && leaf.pmd != Pte.NONE) {
                // zap_pmd_range: "if (next - addr != HPAGE_PMD_SIZE) __split_huge_pmd(...)
                // else if (zap_huge_pmd(...))"; a truncation leaves anonymous pages alone
                if (what == Zap.FILE_PAGES) {
                    a = stop;
                    continue;
                }
                if (stop - a == HugeMemory.HPAGE_PMD_SIZE) {
                    huge.zapHugePmd(mm, vma, leaf, a);
                    a = stop;
                    continue;
                }
                huge.splitHugePmd(mm, vma, leaf, a & HugeMemory.HPAGE_PMD_MASK);
            }
            if (leaf != null) {
                zapPteRange(vma, leaf.e, PageTable.pteIndex(a), PageTable.pteIndex(a) + (int) ((stop - a) >>> 12),
                        what, zero, rss);
            }
            a = stop;
        }
        addRss(mm, rss); // zap_pte_range: add_mm_rss_vec once per batch
    }

    /**
     * mm/memory.c zap_pte_range over entries [first, last) of the PTE table {@code e}:
     * zap_nonpresent_ptes for migration entries and markers, zap_present_ptes for the rest.
     * An int counted loop over the table; a small folio's flags are read once for the rss
     * counter and the rmap; large folios and non-present entries go to calls of their own.
     */
    private void zapPteRange(Vma vma, long[] e, int first, int last, Zap what, int zero, long[] rss) {
        final FrameTable ft = this.ft;
        long anon = 0;
        for (int i = first; i < last; i++) {
            final long pte = e[i];
            if (pte == Pte.NONE) {
                continue;
            }
            if (!Pte.present(pte)) {
                zapNonPresent(e, i, pte, what, rss);
                continue;
            }
            final int pfn = Pte.pfn(pte);
            if (what == Zap.FILE_PAGES && (Pte.special(pte) || ft.testFlag(ft.compoundHead(pfn), PG_anon))) {
                continue;
            }
            e[i] = Pte.NONE;
            if (Pte.special(pte) || pfn == zero) {
                continue;
            }
            final int f = ft.flags(pfn);
            if ((f & (1 << PG_head | 1 << PG_tail)) != 0) {
                rss[ft.testFlag(ft.compoundHead(pfn), PG_anon) ? Mm.MM_ANONPAGES : mmCounterFile(pfn)]--;
                removeRmap(pfn, vma);
                putPage(pfn);
                continue;
            }
            if ((f & 1 << PG_anon) != 0) {
                anon++;
            } else {
                rss[(f & 1 << PG_swapbacked) != 0 ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES]--;
            }
            // removeRmap and putPage of a small folio whose flags are f
            if (ft.mapcountDec(pfn) == 0) {
                stat.mod((f & 1 << PG_anon) != 0 ? NodeStat.NR_ANON_MAPPED : NodeStat.NR_FILE_MAPPED, -1);
            }
            if (vma.has(VM_LOCKED)) {
                mlock.munlockFolio(pfn); // mm/internal.h munlock_vma_folio
            }
            if (ft.refDec(pfn) == 0) {
                freeSmallFolio(pfn);
            }
        }
        rss[Mm.MM_ANONPAGES] -= anon;
    }

    /** zap_nonpresent_ptes: a migration entry, or a guard marker (dropped only by an unmap). */
    private void zapNonPresent(long[] e, int i, long pte, Zap what, long[] rss) {
        if (Pte.isMigrationEntry(pte)) {
            zapMigrationEntry(e, i, pte, what, rss);
        } else if (what == Zap.ALL) {
            e[i] = Pte.NONE;
        }
    }

    /**
     * mm/memory.c unmap_mapping_range(mapping, first, last - first, even_cows = 0) over every
     * address space: the page-cache pages of {@code f} at indexes [first, last) leave every
     * VMA that maps them (VM_LOCKED ones included, which munlocks them); private anonymous
     * copies and guard markers stay. The caller then drops the pages from the cache.
     */
    public void unmapMappingRange(Iterable<Mm> mms, Inode f, long first, long last) {
        for (Mm mm : mms) {
            for (int i = 0; i < mm.vmas.size(); i++) {
                Vma v = mm.vmas.get(i);
                if (v.file != f || v.pgoff >= last || v.pgoff + v.pages() <= first) {
                    continue;
                }
                long from = v.start + (Math.max(first, v.pgoff) - v.pgoff) * 4096;
                long to = v.start + (Math.min(last, v.pgoff + v.pages()) - v.pgoff) * 4096;
                zapRange(mm, v, from, to, Zap.FILE_PAGES);
            }
        }
    }

    // ---- madvise: MADV_FREE, MADV_COLD, MADV_PAGEOUT ----

    /** split_folio and folio_maybe_mapped_shared, from the migration engine (mm/huge_memory.c, include/linux/mm.h). */
    private java.util.function.IntUnaryOperator folioSplitter = head -> -org.pinsim.core.uapi.Errno.EBUSY;
    private java.util.function.IntPredicate mappedShared = pfn -> false;

    /** Wires the THP split and the sharing test of the migration engine in (the kernel's boot order). */
    public void setFolioOps(java.util.function.IntUnaryOperator splitFolio, java.util.function.IntPredicate maybeMappedShared) {
        this.folioSplitter = splitFolio;
        this.mappedShared = maybeMappedShared;
    }

    /**
     * folio_get, split_folio (mm/huge_memory.c split_huge_page_to_list_to_order(page, NULL, 0)),
     * folio_put: the caller's reference of an anonymous large folio, split in place.
     *
     * @return 0, or -EAGAIN (pinned) / -EBUSY
     */
    public int splitFolio(int head) {
        ft.refInc(head);
        int rc = folioSplitter.applyAsInt(head);
        putPage(head);
        return rc;
    }

    /** include/linux/mm.h folio_maybe_mapped_shared. */
    public boolean folioMaybeMappedShared(int pfn) {
        return mappedShared.test(pfn);
    }

    /**
     * mm/huge_memory.c madvise_free_huge_pmd for a huge PMD the range covers whole, of a folio
     * no other mm maps: the folio's dirty flag goes (folio_clear_dirty), the PMD is made old
     * and clean, and the folio becomes lazyfree, all 512 pages at once.
     */
    public void madvFreeHugePmd(PageTable.Leaf leaf) {
        int head = Pte.pfn(leaf.pmd);
        ft.clearFlag(head, PG_dirty);
        leaf.pmd &= ~(Pte.ACCESSED | Pte.DIRTY);
        folioMarkLazyfree(head);
    }

    /**
     * madvise_free_pte_range for a large folio whose {@code nr} PTEs from {@code i} map all of
     * it: a dirty folio is left alone unless every page is mapped once
     * ("folio_mapcount(folio) != folio_nr_pages(folio)"); else it is cleaned, the PTEs lose
     * young and dirty (clear_young_dirty_ptes), and the folio becomes lazyfree.
     */
    public void madvFreeLargePtes(long[] e, int i, int nr) {
        int head = ft.compoundHead(Pte.pfn(e[i]));
        if (ft.testFlag(head, PG_dirty)) {
            if (ft.largeMapcount(head) != ft.folioNrPages(head)) {
                return;
            }
            ft.clearFlag(head, PG_dirty);
        }
        for (int k = i; k < i + nr; k++) {
            e[k] &= ~(Pte.ACCESSED | Pte.DIRTY);
        }
        folioMarkLazyfree(head);
    }

    /**
     * mm/madvise.c madvise_free_pte_range for one PTE of a private anonymous VMA: a dirty
     * folio mapped more than once is left alone; otherwise the PTE loses its young and dirty
     * bits (clear_young_dirty_ptes) and the folio becomes lazyfree (folio_mark_lazyfree).
     */
    public void madvFreePte(long[] e, int i) {
        long pte = e[i];
        if (!Pte.present(pte) || Pte.special(pte)) {
            return; // pte_none, a marker, the zero page: vm_normal_folio is NULL
        }
        int pfn = Pte.pfn(pte);
        if (ft.isLarge(pfn)) {
            return; // a large folio: Madvise.free splits it or marks it whole (madvFreeLargePtes)
        }
        if (ft.testFlag(pfn, PG_dirty)) { // folio_test_swapcache || folio_test_dirty
            if (ft.mapcount(pfn) != 1) {
                return;
            }
            ft.clearFlag(pfn, PG_dirty);
        }
        e[i] = pte & ~(Pte.ACCESSED | Pte.DIRTY);
        folioMarkLazyfree(pfn);
    }

    /**
     * mm/swap.c folio_mark_lazyfree -> lru_lazyfree: an anonymous swap-backed evictable folio
     * loses PG_swapbacked, PG_active and PG_referenced and moves to the inactive file list,
     * at once (the kernel defers it to the next drain of the per-CPU lru_lazyfree batch).
     */
    private void folioMarkLazyfree(int pfn) {
        if (!ft.testFlag(pfn, PG_anon) || !ft.testFlag(pfn, PG_swapbacked) || ft.testFlag(pfn, PG_unevictable)
                || !lru.del(pfn)) {
            return;
        }
        ft.clearFlag(pfn, PG_active);
        ft.clearFlag(pfn, PG_referenced);
        ft.clearFlag(pfn, PG_swapbacked);
        lru.putback(pfn);
        stat.count(VmEvent.PGLAZYFREE, ft.folioNrPages(pfn)); // lru_lazyfree: __count_vm_events(PGLAZYFREE, nr_pages)
    }

    /**
     * The folio madvise_cold_or_pageout_pte_range acts on behind a PTE, or NO_FRAME: a normal
     * page on an LRU list, evictable, mapped exactly once ("Do not interfere with other
     * mappings of this folio and non-LRU folio").
     */
    public int lruFolioMappedOnce(long pte) {
        if (!Pte.present(pte) || Pte.special(pte)) {
            return NO_FRAME;
        }
        int pfn = Pte.pfn(pte);
        int f = ft.flags(pfn);
        if ((f & (1 << PG_head | 1 << PG_tail)) != 0) {
            return NO_FRAME; // a large folio: the kernel splits it first (split_folio); not modelled
        }
        if ((f & (1 << PG_lru)) == 0 || (f & (1 << PG_unevictable | 1 << PG_mlocked)) != 0
                || ft.mapcount(pfn) != 1) {
            return NO_FRAME;
        }
        return pfn;
    }

    /**
     * mm/madvise.c madvise_cold_or_pageout_pte_range for MADV_COLD: the PTE gets old, the
     * folio loses PG_referenced and an active one moves to its inactive list
     * (folio_deactivate; applied at once, where the kernel batches it per CPU).
     */
    public void coldFolio(long[] e, int i, int pfn) {
        e[i] &= ~Pte.ACCESSED;
        ft.clearFlag(pfn, PG_referenced);
        if (ft.testFlag(pfn, PG_active) && lru.del(pfn)) {
            ft.clearFlag(pfn, PG_active);
            lru.putback(pfn);
        }
    }

    /**
     * mm/vmscan.c reclaim_pages -> shrink_folio_list (references ignored, no swap) for a
     * folio {@link #lruFolioMappedOnce} picked, behind entry {@code i} of the PTE table
     * {@code e} in {@code vma}. Isolated and
     * made inactive (reclaim_pages: folio_clear_active), then:
     * <ul>
     * <li>anonymous and swap-backed: add_to_swap fails without swap; it stays mapped and is
     * activated (activate_locked);
     * <li>anonymous, not swap-backed (lazyfree, or VM_DROPPABLE): try_to_unmap_one discards it,
     * unless its PTE or folio is dirty in a VMA that is not VM_DROPPABLE (it is swap-backed
     * again) or something else holds a reference; then it stays mapped and is activated;
     * <li>page cache (file or shmem): unmapped (try_to_unmap, the PTE's dirty bit passed to the
     * folio); a dirty one stays cached and is activated (only kswapd writes file folios back,
     * and marks them PG_reclaim; shmem_writeout redirties without swap); a clean one leaves
     * the page cache unless another reference holds it (__remove_mapping).
     * </ul>
     */
    public void pageoutFolio(Mm mm, Vma vma, long[] e, int i, int pfn) {
        lru.del(pfn);
        ft.clearFlag(pfn, PG_active);
        long pte = e[i];
        boolean anon = ft.testFlag(pfn, PG_anon);
        if (anon && ft.testFlag(pfn, PG_swapbacked)) {
            activate(pfn);
            return;
        }
        if (anon) {
            boolean dirty = Pte.dirty(pte) || ft.testFlag(pfn, PG_dirty);
            if (dirty && !vma.has(VM_DROPPABLE)) {
                ft.setFlag(pfn, PG_dirty);
                ft.setFlag(pfn, PG_swapbacked);
                activate(pfn);
                return;
            }
            if (ft.refcount(pfn) != ft.mapcount(pfn)) { // "ref_count != 1 + map_count": 1 is the isolation's
                activate(pfn);
                return;
            }
            unmapOne(mm, vma, e, i, pfn, Mm.MM_ANONPAGES); // discard: the last reference goes
            return;
        }
        if (Pte.dirty(pte)) {
            ft.setFlag(pfn, PG_dirty);
        }
        unmapOne(mm, vma, e, i, pfn, mmCounterFile(pfn));
        if (ft.testFlag(pfn, PG_dirty)) {
            if (!ft.testFlag(pfn, PG_swapbacked)) {
                ft.setFlag(pfn, PG_reclaim); // "Only kswapd can writeback filesystem folios": folio_set_reclaim
            }
            activate(pfn);
        } else if (ft.refcount(pfn) != 1) {
            lru.putback(pfn);
        } else {
            deleteFromPageCache(vma.file, ft.owner(pfn) & INDEX_MASK); // the VMA's file caches it
        }
    }

    /** shrink_folio_list activate_locked + the putback: the folio returns to its active list. */
    private void activate(int pfn) {
        ft.setFlag(pfn, PG_active);
        lru.putback(pfn);
    }

    /** try_to_unmap_one for the one PTE mapping a folio: rss, rmap and the mapping's reference. */
    private void unmapOne(Mm mm, Vma vma, long[] e, int i, int pfn, int counter) {
        e[i] = Pte.NONE;
        mm.addRss(counter, -1);
        removeRmap(pfn, vma);
        putPage(pfn);
    }

    private static void addRss(Mm mm, long[] rss) {
        for (int m = 0; m < rss.length; m++) {
            if (rss[m] != 0) {
                mm.addRss(m, rss[m]);
            }
        }
    }

    /**
     * kernel/fork.c dup_mmap -> mm/memory.c copy_page_range for one VMA: share every page
     * with the child, write-protecting private writable PTEs in both (copy_present_pte).
     */
    public void copyPageRange(Mm dst, Vma dstVma, Mm src, Vma srcVma) {
        final boolean cow = VmFlags.isCowMapping(srcVma.flags);
        final boolean pinned = cow && src.hasPinned(); // folio_needs_cow_for_dma: MMF_HAS_PINNED first
        final long[] rss = new long[4];
        for (long a = srcVma.start; a < srcVma.end;) {
            long tableEnd = (a | ((1L << 21) - 1)) + 1;
            long stop = Math.min(tableEnd, srcVma.end);
            PageTable.Leaf sl = src.pt.leaf(a, false);
            if (sl != null && sl.pmd != Pte.NONE && huge.copyHugePmd(dst, dstVma, src, srcVma, sl, a)) {
                a = stop; // copy_pmd_range: copy_huge_pmd, or split and copy the PTEs
                continue;
            }
            if (sl != null) {
                copyPteRange(dst, dstVma, sl, a, stop, cow, pinned, rss);
            }
            a = stop;
        }
        addRss(dst, rss); // copy_pte_range: add_mm_rss_vec
    }

    /**
     * mm/memory.c copy_pte_range over [addr, end) of one PTE table {@code sl} (one 2 MiB): the
     * child's table is allocated at the first entry to copy; copy_nonpresent_pte for markers
     * and migration entries, copy_present_pte for the rest.
     *
     * <p>The loop runs on the table index (an int counted loop over the two tables' arrays),
     * and a small folio's flags are read once for both folio_dup_file/anon_rmap_pte and the
     * rss counter; the rare cases (large folios, maybe-pinned pages, non-present entries) are
     * calls of their own, so that the compiled loop stays small and stable.
     */
    private void copyPteRange(Mm dst, Vma dstVma, PageTable.Leaf sl, long addr, long end, boolean cow,
            boolean pinned, long[] rss) {
        final long[] se = sl.e;
        final int first = PageTable.pteIndex(addr);
        final int last = first + (int) ((end - addr) >>> 12);
        int i = first;
        while (i < last && se[i] == Pte.NONE) {
            i++;
        }
        if (i == last) {
            return; // nothing to copy: the child gets no table here
        }
        final PageTable.Leaf dl = dst.pt.leaf(addr, true);
        if (dl == null) {
            throw new IllegalStateException("out of memory copying page tables at fork");
        }
        final long[] de = dl.e;
        final long tableBase = addr - ((long) first << 12);
        final FrameTable ft = this.ft;
        long anon = 0;
        for (; i < last; i++) {
            long pte = se[i];
            if (pte == Pte.NONE) {
                continue;
            }
            if (!Pte.present(pte)) {
                // copy_nonpresent_pte: a migration entry, or a marker (copy_pte_marker: the child keeps the guard)
                de[i] = Pte.isMigrationEntry(pte) ? copyMigrationEntry(se, i, pte, cow, rss) : pte;
                continue;
            }
            if (Pte.special(pte)) { // vm_normal_page is NULL: the PTE is copied, no folio is touched
                if (cow && Pte.write(pte)) {
                    pte = Pte.wrprotect(pte);
                    se[i] = pte;
                }
                de[i] = pte;
                continue;
            }
            final int pfn = Pte.pfn(pte);
            // the refcount first: the one load folio_try_dup_anon_rmap needs anyway decides for most
            // small pages; a page of a large folio goes by the folio's _pincount
            if (pinned && (ft.refcount(pfn) >= GUP_PIN_COUNTING_BIAS || ft.isLarge(pfn) && maybeDmaPinned(pfn))
                    && copyMaybePinned(dl, i, tableBase + ((long) i << 12), pte, dstVma, rss)) {
                continue;
            }
            if (cow && Pte.write(pte)) {
                pte = Pte.wrprotect(pte);
                se[i] = pte;
            }
            de[i] = pte;
            final int f = ft.flags(pfn);
            if ((f & (1 << PG_head | 1 << PG_tail)) != 0) {
                dupRmapLargePte(pfn, rss);
                continue;
            }
            // mm/rmap.c folio_dup_anon_rmap_pte / folio_dup_file_rmap_pte of a small folio
            ft.refInc(pfn);
            ft.mapcountInc(pfn);
            if ((f & 1 << PG_anon) != 0) {
                anon++;
            } else {
                rss[(f & 1 << PG_swapbacked) != 0 ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES]++;
            }
        }
        rss[Mm.MM_ANONPAGES] += anon;
    }

    /** {@link #dupRmap} for a page of a large folio, and its rss counter (the folio's, by its head). */
    private void dupRmapLargePte(int pfn, long[] rss) {
        dupRmap(pfn);
        rss[ft.testFlag(ft.compoundHead(pfn), PG_anon) ? Mm.MM_ANONPAGES : mmCounterFile(pfn)]++;
    }

    /**
     * mm/memory.c copy_present_page, reached when __folio_try_dup_anon_rmap returns -EBUSY
     * ("Page may be pinned, we have to copy"): an anonymous page that folio_maybe_dma_pinned
     * in a COW mapping of an mm with MMF_HAS_PINNED is copied for the child at once; the parent
     * keeps its page, writable and exclusive. A page of a large folio gets there too:
     * copy_present_ptes' batch fails (folio_try_dup_anon_rmap_ptes, -EAGAIN), copy_pte_range
     * preallocates a small folio and retries one page at a time, and each page is copied
     * (a PMD-mapped one was split first, copy_huge_pmd). Like the small-page case, the model
     * does not track PageAnonExclusive, so a page already shared by an earlier fork is copied
     * too.
     *
     * @return whether the child got a copy (false: share it as usual)
     */
    private boolean copyMaybePinned(PageTable.Leaf dl, int i, long addr, long pte, Vma dstVma, long[] rss) {
        int pfn = Pte.pfn(pte);
        if (pfn == mem.zeroPfn() || !isAnonFolio(pfn) || !maybeDmaPinned(pfn)) {
            return false;
        }
        int np = allocVmaPage(dstVma, addr); // folio_prealloc -> vma_alloc_folio; failure fails the fork with -ENOMEM
        if (np == NO_FRAME) {
            throw new IllegalStateException("out of memory copying a maybe-pinned page at fork");
        }
        addNewAnonRmap(np, dstVma, addr);
        ft.copyContent(np, pfn); // copy_present_page: copy_user_highpage
        folioAddLruVma(np, dstVma);
        // maybe_mkwrite(pte_mkdirty(mk_pte(new_page, dst_vma->vm_page_prot)), dst_vma)
        dl.e[i] = Pte.make(np, dstVma.has(VmFlags.VM_WRITE), false);
        rss[Mm.MM_ANONPAGES]++;
        return true;
    }

    // ---- migration entries (mm/rmap.c try_to_migrate_one, mm/migrate.c remove_migration_pte) ----

    /** What a fault on a migration entry waits for: the end of that folio's migration. */
    @FunctionalInterface
    public interface MigrationWaiter {
        /**
         * mm/migrate.c migration_entry_wait -> migration_entry_wait_on_locked: sleep until the
         * migration of the folio at {@code pfn} ends (its PTEs are restored).
         */
        void migrationEntryWait(int pfn);
    }

    public void setMigrationWaiter(MigrationWaiter w) {
        migrationWaiter = w;
    }

    /** A fresh content stand-in for a page filled for the first time (FrameTable content). */
    int newContent() {
        int c = nextContent++;
        if (nextContent == 0) {
            nextContent = 1; // 0 means "no content"
        }
        return c;
    }

    /**
     * mm/memory.c do_swap_page on a migration entry: migration_entry_wait, then the fault is
     * retried. One fault is counted (handle_mm_fault counted it); the access that follows
     * the wait faults again only if the restored PTE does not allow it.
     */
    private int migrationEntryFault(Mm mm, Vma vma, PageTable.Leaf leaf, int i, long addr, boolean write) {
        migrationWaiter.migrationEntryWait(Pte.pfn(leaf.e[i]));
        long e = leaf.e[i];
        if (Pte.isMigrationEntry(e)) {
            throw new IllegalStateException("a migration entry is still there after its migration ended");
        }
        if (Pte.present(e) && (!write || Pte.write(e))) {
            return VM_FAULT_OK;
        }
        return handleFault(mm, vma, addr, write);
    }

    /**
     * mm/memory.c zap_nonpresent_ptes for a migration entry: the mapping's rss goes (the folio's
     * mapcount went when the entry was made), unless should_zap_folio keeps an anonymous folio
     * from a truncation of the file.
     */
    private void zapMigrationEntry(long[] e, int i, long pte, Zap what, long[] rss) {
        int pfn = Pte.pfn(pte);
        if (what == Zap.FILE_PAGES && ft.testFlag(pfn, PG_anon)) {
            return;
        }
        rss[ft.testFlag(pfn, PG_anon) ? Mm.MM_ANONPAGES : mmCounterFile(pfn)]--;
        e[i] = Pte.NONE;
    }

    /**
     * mm/memory.c copy_nonpresent_pte for a migration entry: a writable one in a COW mapping
     * becomes readable in both parent and child; the child's rss counts it.
     */
    private long copyMigrationEntry(long[] src, int i, long pte, boolean cow, long[] rss) {
        if (Pte.isWritableMigrationEntry(pte) && cow) {
            pte &= ~Pte.WRITE; // make_readable_migration_entry
            src[i] = pte;
        }
        int pfn = Pte.pfn(pte);
        rss[ft.testFlag(pfn, PG_anon) ? Mm.MM_ANONPAGES : mmCounterFile(pfn)]++;
        return pte;
    }

    /**
     * mm/rmap.c try_to_migrate_one for the present PTE {@code e[i]} of {@code vma} mapping the
     * small folio {@code pfn}: an anonymous folio that may be DMA-pinned cannot be shared
     * (folio_try_share_anon_rmap_pte fails) and keeps its PTE; otherwise the PTE becomes a
     * migration entry, the rmap and the mapping's reference go (folio_remove_rmap_pte,
     * munlock for a VM_LOCKED VMA, then mlock_drain_local), rss stays.
     *
     * @return false when the folio must stay mapped (the walk stops)
     */
    public boolean tryToMigrateOne(Vma vma, long[] e, int i, int pfn) {
        if (ft.testFlag(pfn, PG_anon) && maybeDmaPinned(pfn)) {
            return false; // folio_try_share_anon_rmap_pte: "if (unlikely(folio_maybe_dma_pinned(folio))) return -EBUSY"
        }
        if (!migrateVmPinned && vma.has(VmFlags.VM_PINNED)) {
            // [PROPOSAL] mpin-2013, pinsim's reading: a page mapped by a VM_PINNED VMA stays
            // mapped, so its migration fails, as 3.10's try_to_unmap_one refused a VM_LOCKED
            // VMA without TTU_IGNORE_MLOCK. Only mpin's own pre-compaction moves such pages.
            return false;
        }
        e[i] = Pte.makeMigrationEntry(e[i]);
        removeRmap(pfn, vma);
        if (vma.has(VM_LOCKED)) {
            mlock.drain(); // mlock_drain_local
        }
        putPage(pfn);
        return true;
    }

    /** [PROPOSAL] mpin-2013: true while mpin's pre-compaction runs (the only migration that may move a VM_PINNED page). */
    private boolean migrateVmPinned;

    /**
     * [PROPOSAL] mpin-2013: whether a mapping in {@code vma} may become a migration entry
     * (false for a VM_PINNED VMA outside mpin's own pre-compaction; see {@link #tryToMigrateOne}).
     */
    public boolean mayMigrateFrom(Vma vma) {
        return migrateVmPinned || !vma.has(VmFlags.VM_PINNED);
    }

    /**
     * [PROPOSAL] mpin-2013: lets the migrations that follow move pages of VM_PINNED VMAs (mpin's
     * pre-compaction, before the pin takes effect), or stops them again.
     *
     * @return the previous setting
     */
    public boolean setMigrateVmPinned(boolean on) {
        final boolean old = migrateVmPinned;
        migrateVmPinned = on;
        return old;
    }

    /**
     * mm/migrate.c remove_migration_pte for entry {@code e[i]} of {@code vma}: the folio
     * {@code pfn} (the new one, or the old one when migration is undone) is mapped again with
     * the entry's write, young and dirty bits, with its rmap and a reference
     * (folio_add_anon_rmap_pte / folio_add_file_rmap_pte, which mlock it in a VM_LOCKED VMA:
     * mlock_vma_folio, then mlock_drain_local).
     */
    public void removeMigrationPte(Vma vma, long[] e, int i, int pfn) {
        e[i] = Pte.fromMigrationEntry(e[i], pfn);
        if (ft.testFlag(pfn, PG_anon)) {
            ft.refInc(pfn);
            if (ft.mapcountInc(pfn) == 1) {
                stat.mod(NodeStat.NR_ANON_MAPPED, 1);
            }
            mlockVmaFolio(pfn, vma);
        } else {
            addFileRmap(pfn, vma);
        }
        if (vma.has(VM_LOCKED)) {
            mlock.drain();
        }
    }

    /**
     * mm/migrate.c __folio_migrate_mapping, folio_mc_copy and folio_migrate_flags for small
     * folios {@code src} -> {@code dst}: the mapping and index, the content, PG_swapbacked,
     * PG_dirty, PG_referenced, PG_readahead (our PG_reclaim), PG_active or PG_unevictable
     * (moved, not copied); a page-cache folio's slot in {@code cache} and the cache's
     * reference move to {@code dst}. PG_mlocked is not copied: remove_migration_pte mlocks
     * the new folio again in each VM_LOCKED VMA.
     */
    public void migrateFolioContents(int src, int dst, Inode cache) {
        ft.setOwner(dst, ft.owner(src));
        ft.copyContent(dst, src);
        final int copied = 1 << PG_anon | 1 << PG_swapbacked | 1 << PG_dirty | 1 << PG_referenced | 1 << PG_reclaim;
        for (int bit = 0; bit < 32; bit++) {
            if ((copied & (1 << bit)) != 0 && ft.testFlag(src, bit)) {
                ft.setFlag(dst, bit);
            }
        }
        if (ft.testClearFlag(src, PG_active)) {
            ft.setFlag(dst, PG_active);
        } else if (ft.testClearFlag(src, PG_unevictable)) {
            ft.setFlag(dst, PG_unevictable);
        }
        if (cache != null) {
            long index = ft.owner(src) & INDEX_MASK;
            cache.setPage(index, dst); // xas_store(&xas, newfolio)
            ft.refInc(dst); // folio_ref_add(newfolio, nr): the cache reference
            ft.refDec(src); // folio_ref_unfreeze(folio, expected_count - nr)
        }
    }

    /**
     * mm/swap.c folio_add_lru -> lru_add for a migrated folio: PG_unevictable (moved from the
     * old folio) is cleared, and as the new folio is not PG_mlocked it is evictable:
     * unevictable_pgs_rescued if it was unevictable. remove_migration_pte then mlocks it.
     */
    public void migrateAddLru(int dst) {
        if (ft.testClearFlag(dst, PG_unevictable)) {
            stat.count(VmEvent.UNEVICTABLE_PGRESCUED);
        }
        lru.add(dst, lru.folioLruList(dst));
    }

    /** The page-cache index or anonymous linear index of a folio (folio->index). */
    public static long folioIndex(long owner) {
        return owner & INDEX_MASK;
    }

    /** The inode number of a page-cache folio's owner. */
    public static int ownerIno(long owner) {
        return (int) ((owner & ~OWNER_FILE) >>> 36);
    }

    /** Owner encoding helpers for the invariant checker and future rmap walks. */
    public static boolean ownerIsFile(long owner) {
        return owner != NO_OWNER && (owner & OWNER_FILE) != 0;
    }
}
