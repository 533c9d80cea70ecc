package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MADV_COLLAPSE;
import static org.pinsim.core.uapi.Mman.MADV_HUGEPAGE;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;

/**
 * Anonymous transparent huge pages; expected values from Linux 6.18's mm/huge_memory.c,
 * mm/khugepaged.c and io_uring/rsrc.c as cited per test (the live measurements are the
 * host_thp_* corpus files).
 */
class HugeMemoryTest {
    private static final long MIB = 1L << 20;
    private static final long BASE = 0x200000000000L;

    private static Kernel boot(ThpEnabled mode) {
        return Kernel.boot(MachineConfig.defaults().withMemory(256 * MIB).withThp(mode));
    }

    private static Task spawn(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static long map(Task t, long addr, long len) {
        return t.mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).ret();
    }

    @Test
    void writeFault_madviseModeWithHugepage_mapsWholePmdInOneFault() {
        // do_huge_pmd_anonymous_page -> map_anon_folio_pmd: MM_ANONPAGES += HPAGE_PMD_NR, THP_FAULT_ALLOC
        Kernel k = boot(ThpEnabled.MADVISE);
        Task app = spawn(k);
        long buf = map(app, BASE, 4 * MIB);
        app.madvise(buf, 4 * MIB, MADV_HUGEPAGE);
        long faults = k.vmstat().get(VmEvent.PGFAULT);
        app.touch(buf, 2 * MIB, true);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(512);
        assertThat(k.vmstat().get(VmEvent.PGFAULT) - faults).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_FAULT_ALLOC)).isEqualTo(1);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isEqualTo(512);
        k.checkInvariants();
    }

    @Test
    void writeFault_withoutAdvice_isSmallInMadviseMode_hugeInAlwaysMode_smallInNever() {
        // thp_vma_allowable_orders: huge_anon_orders_inherit with hugepage_global_always()
        for (ThpEnabled mode : ThpEnabled.values()) {
            Kernel k = boot(mode);
            Task app = spawn(k);
            long buf = map(app, BASE, 2 * MIB);
            app.touch(buf, 4096, true);
            assertThat(app.mm().rss(Mm.MM_ANONPAGES)).as(mode.sysfsName()).isEqualTo(mode == ThpEnabled.ALWAYS ? 512 : 1);
            k.checkInvariants();
        }
    }

    @Test
    void partialMunmap_splitsThePmd_andQueuesTheFolioForDeferredSplit() {
        // __split_vma -> vma_adjust_trans_huge -> split_huge_pmd_address; __folio_remove_rmap:
        // partially_mapped -> deferred_split_folio(folio, true)
        Kernel k = boot(ThpEnabled.ALWAYS);
        Task app = spawn(k);
        long buf = map(app, BASE, 2 * MIB);
        app.touch(buf, 4096, true);
        long free = k.mem().freePagesCount();
        app.munmap(buf + 64 * 1024, 4096);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PMD)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_DEFERRED_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isZero();
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(511);
        long pcp = k.mem().pcpPagesCount();
        assertThat(k.mem().freePagesCount()).as("the folio is not split: no frame is freed").isEqualTo(free);
        app.munmap(buf, 2 * MIB);
        // free_frozen_pages: an order-9 folio may go to a per-CPU list (pcp_allowed_order),
        // which NR_FREE_PAGES does not count; free in the buddy or on a pcp list, 512 more
        assertThat(k.mem().freePagesCount() + k.mem().pcpPagesCount()).isGreaterThanOrEqualTo(free + pcp + 512);
        k.checkInvariants();
    }

    @Test
    void collapse_ofPinnedPage_failsEagain_thenSucceedsOnceUnpinned() {
        // hpage_collapse_scan_pmd: folio_expected_ref_count != folio_ref_count -> SCAN_PAGE_COUNT;
        // madvise_collapse_errno(SCAN_PAGE_COUNT) == -EAGAIN
        Kernel k = boot(ThpEnabled.MADVISE);
        Task app = spawn(k);
        long buf = map(app, BASE, 2 * MIB);
        app.touch(buf, 2 * MIB, true);
        int ring = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, new long[] {buf + MIB, 4096}, 1).ret())
                .isZero();
        assertThat(app.madvise(buf, 2 * MIB, MADV_COLLAPSE).ret()).isEqualTo(-Errno.EAGAIN);
        assertThat(k.vmstat().get(VmEvent.THP_COLLAPSE_ALLOC)).isZero();
        app.ioUringRegister(ring, IoUring.IORING_UNREGISTER_BUFFERS, null, 0);
        assertThat(app.madvise(buf, 2 * MIB, MADV_COLLAPSE).ret()).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_COLLAPSE_ALLOC)).isEqualTo(1);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isEqualTo(512);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(512);
        k.checkInvariants();
    }

    @Test
    void collapse_ofNeverFaultedVma_isEinval() {
        // __thp_vma_allowable_orders: "if (!vma->anon_vma) return (smaps || in_pf) ? orders : 0"
        Kernel k = boot(ThpEnabled.MADVISE);
        Task app = spawn(k);
        long buf = map(app, BASE, 2 * MIB);
        assertThat(app.madvise(buf, 2 * MIB, MADV_COLLAPSE).ret()).isEqualTo(-Errno.EINVAL);
    }

    @Test
    void ioUringBuffer_inHugePage_chargesTheWholeCompoundPageOnce() {
        // io_buffer_account_pin: page_size(hpage) >> PAGE_SHIFT, skipped for last_hpage
        Kernel k = boot(ThpEnabled.MADVISE);
        Task app = spawn(k);
        long buf = map(app, BASE, 4 * MIB);
        app.madvise(buf, 4 * MIB, MADV_HUGEPAGE);
        int ring = (int) app.ioUringSetup(4).ret();
        long[] iov = {buf, 4096, buf + 8192, 4096, buf + 2 * MIB, 4096};
        assertThat(app.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, iov, 3).ret()).isZero();
        assertThat(app.mm().pinnedVm()).isEqualTo(1024);
        k.checkInvariants();
    }

    @Test
    void fork_ofPinnedHugePage_splitsItAndCopiesEveryPageForTheChild() {
        // copy_huge_pmd: folio_try_dup_anon_rmap_pmd fails for a maybe-pinned folio in an mm
        // with MMF_HAS_PINNED: __split_huge_pmd, -EAGAIN; copy_pte_range then copies by PTEs, and
        // copy_present_ptes' batch fails the same way, so each page goes to copy_present_page:
        // the child gets its own copy, the parent keeps the pinned page mapped and writable
        Kernel k = boot(ThpEnabled.MADVISE);
        Task app = spawn(k);
        long buf = map(app, BASE, 2 * MIB);
        app.madvise(buf, 2 * MIB, MADV_HUGEPAGE);
        app.touch(buf, 2 * MIB, true);
        assertThat(Pte.huge(app.mm().pageTable().leaf(buf, false).pmd)).isTrue();
        int ring = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, new long[] {buf, 4096}, 1).ret()).isZero();
        final int parentPfn = Pte.pfn(app.mm().pageTable().get(buf + 5 * 4096));
        final int content = k.mem().frames().content(parentPfn);
        long split = k.vmstat().get(VmEvent.THP_SPLIT_PMD);

        Task child = k.task((int) app.fork().ret());

        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PMD)).isEqualTo(split + 1);
        for (long off = 0; off < 2 * MIB; off += 4096) {
            long pp = app.mm().pageTable().get(buf + off);
            long cp = child.mm().pageTable().get(buf + off);
            assertThat(Pte.pfn(cp)).as("offset %d", off).isNotEqualTo(Pte.pfn(pp));
            assertThat(k.mem().frames().content(Pte.pfn(cp))).isEqualTo(k.mem().frames().content(Pte.pfn(pp)));
            assertThat(Pte.write(pp)).as("parent writable at %d", off).isTrue();
        }
        assertThat(Pte.pfn(app.mm().pageTable().get(buf + 5 * 4096))).isEqualTo(parentPfn);
        assertThat(k.mem().frames().content(parentPfn)).isEqualTo(content);
        assertThat(child.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(512);
        k.checkInvariants();
    }
}
