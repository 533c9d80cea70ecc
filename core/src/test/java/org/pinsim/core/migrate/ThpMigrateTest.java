package org.pinsim.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.Mempolicy;
import org.pinsim.core.vmstat.VmEvent;

/**
 * THP migration on two nodes, where a huge page really changes node (the corpus runs on one):
 * move_pages queues the folio once (mm/migrate.c add_folio_for_migration: a further page of
 * the folio cannot be isolated again, -EBUSY) and migrate_pages moves it whole; mbind of a
 * partly unmapped folio splits it first (migrate_pages_batch, try_split_folio).
 */
class ThpMigrateTest {
    private static final long PAGE = 4096;
    private static final long HPAGE = 2L << 20;

    private final Kernel k = Kernel.boot(new MachineConfig(64L << 20, 2, 2, 0, 1,
            org.pinsim.core.Profile.LINUX_6_18, true, ThpEnabled.ALWAYS));

    private Task spawn() {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(8L << 20, 8L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private long hugeRegion(Task t) {
        long a = t.mmap(0, HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        t.touch(a, HPAGE, true);
        PageTable.Leaf leaf = t.mm().pageTable().leaf(a, false);
        assertThat(leaf.pmd).as("a huge PMD after the write fault").isNotEqualTo(Pte.NONE);
        return a;
    }

    private int pfn(Task t, long addr) {
        return Pte.pfn(t.mm().pageTable().get(addr));
    }

    @Test
    void movePages_ofTwoPagesOfAHugePage_movesTheFolioWholeOnce_secondIsBusy() {
        Task app = spawn();
        long a = hugeRegion(app);
        FrameTable ft = k.mem().frames();
        int head = pfn(app, a);
        int c1 = ft.content(head + 1);
        int[] status = new int[2];

        long r = app.movePages(0, new long[] {a, a + PAGE}, new int[] {1, 1}, status, Mempolicy.MPOL_MF_MOVE).ret();
        k.settle();

        assertThat(r).isZero();
        assertThat(status).containsExactly(1, -Errno.EBUSY);
        PageTable.Leaf leaf = app.mm().pageTable().leaf(a, false);
        assertThat(leaf.pmd).as("the PMD stays huge").isNotEqualTo(Pte.NONE);
        int now = pfn(app, a);
        assertThat(now).isNotEqualTo(head);
        assertThat(k.mem().nidOf(now)).isEqualTo(1);
        assertThat(ft.isHead(now)).isTrue();
        assertThat(ft.content(now + 1)).isEqualTo(c1);
        assertThat(ft.isHead(head)).as("the old compound page is freed").isFalse();
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(512);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SUCCESS)).isEqualTo(1);
        k.checkInvariantsFull();
    }

    @Test
    void mbind_ofAPartlyUnmappedHugePage_splitsItAndMovesTheMappedPages() {
        Task app = spawn();
        long a = hugeRegion(app);
        FrameTable ft = k.mem().frames();
        int head = pfn(app, a);
        int c5 = ft.content(head + 5);
        assertThat(app.munmap(a + 3 * PAGE, PAGE).ret()).isZero();
        assertThat(ft.testFlag(head, FrameTable.PG_partially_mapped)).isTrue();

        long r = app.mbind(a, PAGE, Mempolicy.MPOL_BIND, new long[] {2}, 3, Mempolicy.MPOL_MF_MOVE).ret();
        k.settle();

        assertThat(r).isZero();
        // split first: one failed THP, split, its 511 mapped pages migrated as small folios
        // and the unmapped one freed (counted as success: "freed from under us")
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SPLIT)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_FAIL)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SUCCESS)).isZero();
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(512);
        int p5 = pfn(app, a + 5 * PAGE);
        assertThat(k.mem().nidOf(p5)).isEqualTo(1);
        assertThat(ft.isLarge(p5)).isFalse();
        assertThat(ft.content(p5)).isEqualTo(c5);
        assertThat(Pte.present(app.mm().pageTable().get(a + 3 * PAGE))).isFalse();
        k.checkInvariantsFull();
    }

    /**
     * Takes every free frame of node {@code nid} with unmovable kernel allocations (compaction
     * cannot undo them), then frees all but the first of each aligned 512: no order-9 block
     * can be had on the node, most of its memory is free in smaller blocks.
     */
    private void fragmentNode(int nid) {
        java.util.List<Integer> taken = new java.util.ArrayList<>();
        int p;
        while ((p = k.mem().allocPages(0, nid, org.pinsim.core.mem.Gfp.GFP_NOWAIT | org.pinsim.core.mem.Gfp.__GFP_THISNODE))
                != FrameTable.NO_FRAME) {
            taken.add(p);
        }
        for (int pfn : taken) {
            if (pfn % 512 != 0) {
                k.mem().freePage(pfn);
            } else {
                kept.add(pfn);
            }
        }
        k.mem().drainAllPages(null);
    }

    private final java.util.List<Integer> kept = new java.util.ArrayList<>();

    /** Frees what {@link #fragmentNode} kept (frames the invariant checker knows no holder of). */
    private void unfragment() {
        for (int pfn : kept) {
            k.mem().freePage(pfn);
        }
        kept.clear();
    }

    @Test
    void mbind_ofAPmdMappedHugePage_withNoOrder9TargetOnTheNode_splitsItAndMovesItsPages() {
        Task app = spawn();
        long a = hugeRegion(app);
        FrameTable ft = k.mem().frames();
        int head = pfn(app, a);
        int c7 = ft.content(head + 7);
        fragmentNode(1);
        long pmdSplits = k.vmstat().get(VmEvent.THP_SPLIT_PMD);

        long r = app.mbind(a, HPAGE, Mempolicy.MPOL_BIND, new long[] {2}, 3, Mempolicy.MPOL_MF_MOVE).ret();
        k.settle();

        // mm/migrate.c migrate_pages -> migrate_pages_sync -> migrate_pages_batch(MIGRATE_ASYNC):
        // migrate_folio_unmap gets no order-9 folio (-ENOMEM); "is_large && !nosplit":
        // try_split_folio -> __folio_split -> unmap_folio(TTU_SPLIT_HUGE_PMD) splits the PMD
        // (thp_split_pmd) and the folio (thp_split_page); nr_failed 1, nr_thp_failed 1,
        // nr_thp_split 1. migrate_pages then moves split_folios (one MIGRATE_ASYNC pass): 512
        // pgmigrate_success; "Return 0 in case all split folios of fail-to-migrate large
        // folios are migrated successfully", so do_mbind returns 0.
        assertThat(r).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SUCCESS)).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_FAIL)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SPLIT)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PMD) - pmdSplits).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(512);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_FAIL)).isZero();
        PageTable.Leaf leaf = app.mm().pageTable().leaf(a, false);
        assertThat(leaf.pmd).as("the PMD was split into PTEs").isEqualTo(Pte.NONE);
        int p7 = pfn(app, a + 7 * PAGE);
        assertThat(k.mem().nidOf(p7)).isEqualTo(1);
        assertThat(ft.isLarge(p7)).isFalse();
        assertThat(ft.content(p7)).isEqualTo(c7);
        assertThat(k.mem().nidOf(pfn(app, a + HPAGE - PAGE))).isEqualTo(1);
        assertThat(app.mm().rss(org.pinsim.core.mm.Mm.MM_ANONPAGES)).isEqualTo(512);
        unfragment();
        k.checkInvariantsFull();
    }

    @Test
    void mbind_ofAPinnedPmdMappedHugePage_withNoOrder9Target_cannotSplit_andStrictGivesEio() {
        Task app = spawn();
        long a = hugeRegion(app);
        int head = pfn(app, a);
        int fd = (int) app.ioUringSetup(4).ret();
        assertThat(app.ioUringRegister(fd, org.pinsim.core.uapi.IoUring.IORING_REGISTER_BUFFERS, new long[] {a, PAGE}, 1)
                .ret()).isZero();
        fragmentNode(1);

        long r = app.mbind(a, HPAGE, Mempolicy.MPOL_BIND, new long[] {2}, 3,
                Mempolicy.MPOL_MF_MOVE | Mempolicy.MPOL_MF_STRICT).ret();
        k.settle();

        // migrate_pages_batch: -ENOMEM, then try_split_folio -> can_split_folio(folio, 1) sees
        // the pin's reference: -EAGAIN (thp_split_page_failed; the PMD is not split); not
        // MR_LONGTERM_PIN, so "nr_failed_pages += nr_pages", rc_saved = -ENOMEM and the batch
        // ends: migrate_pages returns -ENOMEM; do_mbind: "nr_failed |= migrate_pages(...)",
        // and with MPOL_MF_STRICT a non-zero nr_failed is -EIO
        assertThat(r).isEqualTo(-Errno.EIO);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE_FAILED)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isZero();
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_FAIL)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_FAIL)).isEqualTo(512);
        assertThat(app.mm().pageTable().leaf(a, false).pmd).isNotEqualTo(Pte.NONE);
        assertThat(pfn(app, a)).isEqualTo(head);
        unfragment();
        k.checkInvariantsFull();
    }
}
