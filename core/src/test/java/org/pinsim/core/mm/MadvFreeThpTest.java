package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MADV_FREE;
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
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;

/**
 * MADV_FREE of anonymous huge pages (mm/madvise.c madvise_free_pte_range, mm/huge_memory.c
 * madvise_free_huge_pmd, mm/swap.c folio_mark_lazyfree -> lru_lazyfree); the live figures are
 * host_thp_madv_free.pin.
 */
class MadvFreeThpTest {
    private static final long MIB = 1L << 20;
    private static final long PAGE = 4096;
    private static final long BASE = 0x200000000000L;

    private final Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(256 * MIB).withThp(ThpEnabled.MADVISE));

    private Task hugeApp() {
        Task app = k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
        long a = app.mmap(BASE, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).ret();
        app.madvise(a, 4 * MIB, MADV_HUGEPAGE);
        app.touch(a, 4 * MIB, true);
        return app;
    }

    private long lazyfree(Task app, long a, long len) {
        return k.proc().region(app, a, len).smapsLazyFreeBytes();
    }

    @Test
    void madvFree_ofAWholePmd_marksTheFolioLazyfreeWhole_andKeepsThePmd() {
        Task app = hugeApp();
        FrameTable ft = k.mem().frames();
        int head = Pte.pfn(app.mm().pageTable().leaf(BASE, false).pmd);

        assertThat(app.madvise(BASE, 2 * MIB, MADV_FREE).ret()).isZero();

        // madvise_free_huge_pmd, next - addr == HPAGE_PMD_SIZE: folio_clear_dirty, pmd_mkold,
        // pmd_mkclean, folio_mark_lazyfree -> lru_lazyfree: PG_swapbacked cleared, on the
        // inactive file list, PGLAZYFREE += 512; the PMD stays (AnonHugePages 2 MiB each)
        long pmd = app.mm().pageTable().leaf(BASE, false).pmd;
        assertThat(pmd).isNotEqualTo(Pte.NONE);
        assertThat(Pte.dirty(pmd)).isFalse();
        assertThat(ft.testFlag(head, FrameTable.PG_swapbacked)).isFalse();
        assertThat(k.lru().folioLruList(head)).isEqualTo(Lru.LRU_INACTIVE_FILE);
        assertThat(k.vmstat().get(VmEvent.PGLAZYFREE)).isEqualTo(512);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isEqualTo(1024);
        // smaps_pmd_entry -> smaps_account: anon, !swapbacked, !pmd_dirty, !folio_test_dirty
        assertThat(lazyfree(app, BASE, 4 * MIB)).isEqualTo(2 * MIB);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isZero();

        app.touch(BASE, PAGE, true); // the MMU dirties the PMD: smaps no longer counts it
        assertThat(lazyfree(app, BASE, 4 * MIB)).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void madvFree_ofPartOfAPmd_splitsTheFolio_andMarksOnlyTheRange() {
        Task app = hugeApp();
        FrameTable ft = k.mem().frames();
        int head = Pte.pfn(app.mm().pageTable().leaf(BASE + 2 * MIB, false).pmd);

        assertThat(app.madvise(BASE + 2 * MIB, MIB, MADV_FREE).ret()).isZero();

        // madvise_free_huge_pmd, a part: split_folio (__folio_split: the PMD, thp_split_pmd, and
        // the folio, thp_split_page), return false; madvise_free_pte_range's PTE loop then marks
        // the 256 small folios of the range lazyfree (their PTEs clean: the split left the
        // folio dirty, each is mapped once, folio_clear_dirty)
        assertThat(app.mm().pageTable().leaf(BASE + 2 * MIB, false).pmd).isEqualTo(Pte.NONE);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PMD)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(ft.isLarge(head)).isFalse();
        assertThat(ft.testFlag(head + 255, FrameTable.PG_swapbacked)).isFalse();
        assertThat(ft.testFlag(head + 256, FrameTable.PG_swapbacked)).isTrue();
        assertThat(k.vmstat().get(VmEvent.PGLAZYFREE)).isEqualTo(256);
        assertThat(lazyfree(app, BASE, 4 * MIB)).isEqualTo(MIB);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isEqualTo(512);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(1024); // every page was written: no zero page
        k.checkInvariantsFull();
    }

    @Test
    void madvFree_ofAPteMappedFolioAcrossTwoVmas_splitsItInTheFirst() {
        Task app = hugeApp();
        // mprotect of one page splits the VMA and the PMD (vma_adjust_trans_huge); the folio
        // stays whole, PTE-mapped. MADV_FREE walks VMA by VMA: in the first,
        // madvise_folio_pte_batch finds 1 PTE of the folio, short of 512: split_folio; the
        // pages are small from then on, each marked (PGLAZYFREE 512)
        app.mprotect(BASE, PAGE, PROT_READ);
        int head = Pte.pfn(app.mm().pageTable().get(BASE + PAGE));
        assertThat(k.mem().frames().isLarge(head)).isTrue();

        assertThat(app.madvise(BASE, 2 * MIB, MADV_FREE).ret()).isZero();

        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGLAZYFREE)).isEqualTo(512);
        assertThat(k.mem().frames().isLarge(head)).isFalse();
        k.checkInvariantsFull();
    }

    @Test
    void madvFree_ofAPteMappedFolioWholeInOneVma_marksItWhole_withoutSplitting() {
        Task app = hugeApp();
        // a pinned huge page at fork: copy_huge_pmd cannot share it (folio_try_dup_anon_rmap_pmd
        // -EBUSY with MMF_HAS_PINNED) and splits the parent's PMD; the child gets copies
        // (copy_present_page). The child exits: the parent's folio is whole, PTE-mapped, in one
        // VMA, mapped once
        int fd = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(fd, org.pinsim.core.uapi.IoUring.IORING_REGISTER_BUFFERS,
                new long[] {BASE, PAGE}, 1).ret()).isZero();
        long kid = app.fork().ret();
        assertThat(kid).isPositive();
        k.task((int) kid).exit(0);
        FrameTable ft = k.mem().frames();
        assertThat(app.mm().pageTable().leaf(BASE, false).pmd).isEqualTo(Pte.NONE);
        int head = Pte.pfn(app.mm().pageTable().get(BASE));
        assertThat(ft.isHead(head)).isTrue();
        assertThat(ft.largeMapcount(head)).isEqualTo(512);
        long lazy = k.vmstat().get(VmEvent.PGLAZYFREE);

        assertThat(app.madvise(BASE, 2 * MIB, MADV_FREE).ret()).isZero();

        // madvise_free_pte_range: madvise_folio_pte_batch covers all 512 pages: no split; the
        // folio is dirty (the PMD split set it) but "folio_mapcount(folio) ==
        // folio_nr_pages(folio)": cleaned, its PTEs made clean and old, lazyfree whole
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isZero();
        assertThat(ft.isHead(head)).isTrue();
        assertThat(ft.testFlag(head, FrameTable.PG_swapbacked)).isFalse();
        assertThat(ft.testFlag(head, FrameTable.PG_dirty)).isFalse();
        assertThat(k.vmstat().get(VmEvent.PGLAZYFREE) - lazy).isEqualTo(512);
        assertThat(lazyfree(app, BASE, 2 * MIB)).isEqualTo(2 * MIB);
        k.checkInvariantsFull();
    }
}
