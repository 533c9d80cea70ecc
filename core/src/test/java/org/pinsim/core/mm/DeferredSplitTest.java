package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;

/**
 * The deferred split queue (mm/huge_memory.c deferred_split_folio) and its shrinker
 * (deferred_split_scan -> split_folio), run by drop_caches (fs/drop_caches.c
 * drop_caches_sysctl_handler -> mm/vmscan.c drop_slab). Each expectation cites the function it
 * follows; the live figures are in host_thp_deferred_split*.pin.
 */
class DeferredSplitTest {
    private static final long MIB = 1L << 20;
    private static final long PAGE = 4096;
    private static final long BASE = 0x200000000000L;

    private final Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(256 * MIB).withThp(ThpEnabled.MADVISE));

    private Task spawn() {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withMemlock(8 * MIB, 8 * MIB)
                .withLayout(ProcessSpec.Layout.EMPTY));
    }

    /** A written, PMD-mapped THP at BASE whose page 10 is then unmapped: queued, partially mapped. */
    private int partlyUnmapped(Task app) {
        long a = app.mmap(BASE, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).ret();
        assertThat(app.madvise(a, 2 * MIB, MADV_HUGEPAGE).ret()).isZero();
        app.touch(a, 2 * MIB, true);
        int head = org.pinsim.core.mm.Pte.pfn(app.mm().pageTable().leaf(a, false).pmd);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isEqualTo(512);
        assertThat(app.munmap(a + 10 * PAGE, PAGE).ret()).isZero();
        return head;
    }

    @Test
    void partialMunmap_queuesTheFolio_andDropCaches2_splitsIt_freeingTheUnmappedPage() {
        Task app = spawn();
        FrameTable ft = k.mem().frames();
        int head = partlyUnmapped(app);
        // __split_vma -> vma_adjust_trans_huge: the PMD is split (thp_split_pmd); the zap of
        // page 10 leaves the folio partly mapped: __folio_remove_rmap -> deferred_split_folio(
        // folio, true): PG_partially_mapped, thp_deferred_split_page. AnonHugePages is 0 (no
        // PMD maps it: NR_ANON_THPS), the folio still holds 512 frames.
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PMD)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_DEFERRED_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isZero();
        assertThat(k.vmstat().get(NodeStat.NR_ANON_MAPPED)).isEqualTo(511);
        assertThat(ft.isHead(head)).isTrue();
        assertThat(ft.testFlag(head, FrameTable.PG_partially_mapped)).isTrue();
        assertThat(k.deferredSplit().count()).isEqualTo(1);

        assertThat(k.dropCaches(2)).isZero();

        // drop_slab -> shrink_slab -> deferred_split_scan: folio_try_get, split_folio ->
        // __folio_split: can_split_folio (511 mappings + the shrinker's reference), order 0;
        // thp_split_page. The unmapped page 10 gets no mapping back: free_folio_and_swap_cache
        // frees it; the 511 mapped pages stay mapped, each its own folio.
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE_FAILED)).isZero();
        assertThat(k.vmstat().get(VmEvent.DROP_SLAB)).isEqualTo(1);
        assertThat(ft.isLarge(head)).isFalse();
        assertThat(ft.isLarge(head + 11)).isFalse();
        assertThat(ft.refcount(head + 11)).isEqualTo(1); // its PTE's
        assertThat(ft.refcount(head + 10)).isZero();
        // freed to this CPU's pcp list (free_frozen_pages), not yet counted in NR_FREE_PAGES
        assertThat(ft.testFlag(head + 10, FrameTable.PG_pcp) || ft.testFlag(head + 10, FrameTable.PG_buddy)).isTrue();
        assertThat(k.vmstat().get(NodeStat.NR_ANON_MAPPED)).isEqualTo(511);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(511);
        assertThat(k.deferredSplit().count()).isZero();

        // a second write: the queue is empty, nothing more
        assertThat(k.dropCaches(2)).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.DROP_SLAB)).isEqualTo(2);
        k.checkInvariantsFull();
    }

    @Test
    void dropCaches_ofAPinnedPartlyMappedFolio_failsToSplitIt_andKeepsItQueued() {
        Task app = spawn();
        FrameTable ft = k.mem().frames();
        int head = partlyUnmapped(app);
        int fd = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {BASE, PAGE}, 1).ret()).isZero();

        assertThat(k.dropCaches(2)).isZero();

        // __folio_split: can_split_folio(folio, 1) sees the pin's reference: -EAGAIN,
        // thp_split_page_failed; deferred_split_scan puts the still partially mapped folio
        // back on the queue. drop_slab's round freed nothing, so it stops.
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE_FAILED)).isEqualTo(1);
        assertThat(ft.isHead(head)).isTrue();
        assertThat(k.deferredSplit().count()).isEqualTo(1);
        k.checkInvariantsFull();
    }

    @Test
    void dropCaches_ofAWholeThp_leavesIt() {
        Task app = spawn();
        long a = app.mmap(BASE, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).ret();
        app.madvise(a, 2 * MIB, MADV_HUGEPAGE);
        app.touch(a, 2 * MIB, true);

        assertThat(k.dropCaches(2)).isZero();

        // on the queue only for the underused check (deferred_split_folio(folio, false)), which
        // with max_ptes_none 511 returns false at once (thp_underused): not split
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isZero();
        assertThat(k.vmstat().get(NodeStat.NR_ANON_THPS)).isEqualTo(512);
        k.checkInvariantsFull();
    }

    @Test
    void dropCaches_outsideOneToFour_isEinval() {
        // drop_caches_table: proc_dointvec_minmax, extra1 SYSCTL_ONE, extra2 SYSCTL_FOUR
        assertThat(k.dropCaches(0)).isEqualTo(-Errno.EINVAL);
        assertThat(k.dropCaches(5)).isEqualTo(-Errno.EINVAL);
        assertThat(k.dropCaches(4)).isZero();
        assertThat(k.vmstat().get(VmEvent.DROP_SLAB)).isZero();
    }

    @Test
    void dropCaches_ofASparselyWrittenFolio_mapsItsZeroPagesToTheZeroPage() {
        Task app = spawn();
        FrameTable ft = k.mem().frames();
        long a = app.mmap(BASE, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).ret();
        app.madvise(a, 2 * MIB, MADV_HUGEPAGE);
        app.touch(a, PAGE, true); // do_huge_pmd_anonymous_page: folio_zero_user, then one page written
        app.touch(a + 5 * PAGE, PAGE, true);
        int head = org.pinsim.core.mm.Pte.pfn(app.mm().pageTable().leaf(a, false).pmd);
        assertThat(app.munmap(a + MIB, PAGE).ret()).isZero();
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(511);

        assertThat(k.dropCaches(2)).isZero();

        // __folio_split -> remap_page(RMP_USE_SHARED_ZEROPAGE) -> try_to_map_unused_to_zeropage:
        // the 509 mapped pages that are still all zeroes (pages_identical) get the zero page's
        // PTE, dec_mm_counter, and are freed by free_folio_and_swap_cache with the unmapped one;
        // pages 0 and 5, written, stay
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(2);
        assertThat(k.vmstat().get(NodeStat.NR_ANON_MAPPED)).isEqualTo(2);
        assertThat(org.pinsim.core.mm.Pte.pfn(app.mm().pageTable().get(a + 5 * PAGE))).isEqualTo(head + 5);
        assertThat(org.pinsim.core.mm.Pte.pfn(app.mm().pageTable().get(a + PAGE))).isEqualTo(k.mem().zeroPfn());
        assertThat(ft.refcount(head + 1)).isZero();
        assertThat(ft.refcount(head)).isEqualTo(1);
        // the zero page is read-only: a write faults a new page in (do_wp_page on the zero page)
        app.touch(a + PAGE, PAGE, true);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(3);
        k.checkInvariantsFull();
    }

    @Test
    void dropCaches_ofASparselyWrittenMlockedFolio_keepsItsZeroPages() {
        Task app = spawn();
        long a = app.mmap(BASE, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).ret();
        app.madvise(a, 2 * MIB, MADV_HUGEPAGE);
        app.touch(a, PAGE, true);
        assertThat(app.munmap(a + MIB, PAGE).ret()).isZero();
        // page 2, never written, in a VM_LOCKED VMA of its own (the folio is PTE-mapped and not
        // wholly inside it: mlock_pte_range does not mlock it, allow_mlock_munlock)
        assertThat(app.mlock(a + 2 * PAGE, PAGE).ret()).isZero();
        long mlocked = k.vmstat().get(NodeStat.NR_MLOCK);

        assertThat(k.dropCaches(2)).isZero();

        // remove_migration_pte: try_to_map_unused_to_zeropage "if (folio_test_mlocked(folio) ||
        // (pvmw->vma->vm_flags & VM_LOCKED) ...) return false" for page 2, which
        // folio_add_anon_rmap_pte -> mlock_vma_folio then mlocks; the other zero pages, in VMAs
        // without VM_LOCKED, go to the zero page; page 0 was written
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(2);
        assertThat(k.vmstat().get(NodeStat.NR_MLOCK) - mlocked).isEqualTo(1);
        k.checkInvariantsFull();
    }
}
