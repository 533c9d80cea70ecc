package org.pinsim.core.gup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.mem.Zone;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.VmEvent;

/**
 * mm/gup.c (Linux 6.18) __gup_longterm_locked -> check_and_migrate_movable_folios: a
 * FOLL_LONGTERM pin (io_uring fixed buffers here) of pages in ZONE_MOVABLE migrates them out
 * before the pin holds (folio_is_longterm_pinnable).
 */
class LongtermPinTest {
    private static final long PAGE = 4096;

    private static Kernel boot(Profile p) {
        // 256 MiB, half of it ZONE_MOVABLE (movablecore=50%)
        return Kernel.boot(new MachineConfig(256L << 20, 1, 2, 0, 1, p, true, ThpEnabled.MADVISE, 0, 50, 0, 0));
    }

    private static Task spawn(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(8L << 20, 8L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static int zoneOf(Kernel k, Task t, long addr) {
        return k.mem().zoneOf(Pte.pfn(t.mm().pageTable().get(addr))).zoneIdx();
    }

    @Test
    void ioUringPin_ofZoneMovablePages_migratesThemOutFirst() {
        Kernel k = boot(Profile.LINUX_6_18);
        Task app = spawn(k);
        long a = app.mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(a, 4 * PAGE, true);
        // GFP_HIGHUSER_MOVABLE: user pages come from ZONE_MOVABLE first
        assertThat(zoneOf(k, app, a)).isEqualTo(Zone.ZONE_MOVABLE);
        int content = k.mem().frames().content(Pte.pfn(app.mm().pageTable().get(a)));
        int m = k.frameMarks().mark();
        int fd = (int) app.ioUringSetup(4).ret();

        long r = app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, 2 * PAGE}, 1).ret();

        assertThat(r).isZero();
        k.settle();
        // folio_is_longterm_pinnable: !folio_is_zone_movable -> migrated (MR_LONGTERM_PIN) with
        // alloc_migration_target(GFP_USER): no __GFP_MOVABLE, so into Normal / DMA32
        assertThat(zoneOf(k, app, a)).isNotEqualTo(Zone.ZONE_MOVABLE);
        assertThat(zoneOf(k, app, a + PAGE)).isNotEqualTo(Zone.ZONE_MOVABLE);
        assertThat(zoneOf(k, app, a + 2 * PAGE)).isEqualTo(Zone.ZONE_MOVABLE); // not pinned: stays
        assertThat(k.frameMarks().moved(app, m, a, 4 * PAGE)).isEqualTo(2);
        assertThat(k.mem().frames().content(Pte.pfn(app.mm().pageTable().get(a)))).isEqualTo(content);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(2);
        // the pin is on the new frame: GUP_PIN_COUNTING_BIAS + the mapping's reference
        assertThat(k.mem().frames().refcount(Pte.pfn(app.mm().pageTable().get(a)))).isEqualTo(1025);
        k.checkInvariantsFull();
    }

    @Test
    void ioUringPin_onLinux3_1_pinsInPlace() {
        // before Linux 5.13 nothing migrated a long-term pin out of ZONE_MOVABLE
        Kernel k = boot(Profile.LINUX_3_1);
        Task app = spawn(k);
        long a = app.mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(a, 2 * PAGE, true);
        int m = k.frameMarks().mark();
        int fd = (int) app.ioUringSetup(4).ret();
        long r = app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, 2 * PAGE}, 1).ret();
        if (r == 0) { // io_uring itself may not exist in the profile
            assertThat(k.frameMarks().moved(app, m, a, 2 * PAGE)).isZero();
        }
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
    }

    @Test
    void ioUringPin_ofUntouchedMemory_faultsOutsideZoneMovable_withoutMigrating() {
        Kernel k = boot(Profile.LINUX_6_18);
        Task app = spawn(k);
        long a = app.mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        int fd = (int) app.ioUringSetup(4).ret();

        assertThat(app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, 2 * PAGE}, 1).ret()).isZero();

        // __gup_longterm_locked: memalloc_pin_save, so current_gfp_context drops __GFP_MOVABLE
        // from the faults: the pages are born outside ZONE_MOVABLE and nothing migrates
        assertThat(zoneOf(k, app, a)).isNotEqualTo(Zone.ZONE_MOVABLE);
        assertThat(zoneOf(k, app, a + PAGE)).isNotEqualTo(Zone.ZONE_MOVABLE);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isZero();
        // and in an UNMOVABLE pageblock (gfp_migratetype without __GFP_MOVABLE)
        assertThat(k.mem().frames().pageblockMigratetype(Pte.pfn(app.mm().pageTable().get(a))))
                .isEqualTo(org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE);
        // a later fault of the same VMA, outside the pin, is movable again (memalloc_pin_restore)
        long b = app.mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(b, PAGE, true);
        assertThat(zoneOf(k, app, b)).isEqualTo(Zone.ZONE_MOVABLE);
        k.checkInvariantsFull();
    }

    private static final long HPAGE = 2L << 20;

    /** An aligned, MADV_HUGEPAGE'd 2 MiB, written whole: one PMD-mapped THP. */
    private static long hugePage(Task app) {
        long m = app.mmap(0, 2 * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        long a = (m + HPAGE - 1) & ~(HPAGE - 1);
        assertThat(app.madvise(a, HPAGE, org.pinsim.core.uapi.Mman.MADV_HUGEPAGE).ret()).isZero();
        app.touch(a, HPAGE, true);
        assertThat(app.mm().pageTable().leaf(a, false).pmd).isNotEqualTo(Pte.NONE);
        return a;
    }

    @Test
    void ioUringPin_ofAHugePageInZoneMovable_migratesTheFolioWholeOutOfIt() {
        Kernel k = boot(Profile.LINUX_6_18);
        Task app = spawn(k);
        long a = hugePage(app);
        assertThat(zoneOf(k, app, a)).isEqualTo(Zone.ZONE_MOVABLE); // GFP_TRANSHUGE has __GFP_MOVABLE
        org.pinsim.core.mem.FrameTable ft = k.mem().frames();
        int c9 = ft.content(Pte.pfn(app.mm().pageTable().get(a)) + 9);
        int m = k.frameMarks().mark();
        int fd = (int) app.ioUringSetup(4).ret();

        long r = app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, 2 * PAGE}, 1).ret();
        k.settle();

        // mm/gup.c collect_longterm_unpinnable_folios: the folio (one entry for both pages,
        // pofs_next_folio) is isolated whole; migrate_longterm_unpinnable_folios unpins and
        // migrate_pages(alloc_migration_target: GFP_USER without __GFP_RECLAIM | GFP_TRANSHUGE,
        // __GFP_MOVABLE taken away by memalloc_pin_save) moves it to an order-9 folio outside
        // ZONE_MOVABLE (remove_migration_pmd: still PMD-mapped); -EAGAIN, the pin is taken again
        assertThat(r).isZero();
        int head = Pte.pfn(app.mm().pageTable().leaf(a, false).pmd);
        assertThat(app.mm().pageTable().leaf(a, false).pmd).isNotEqualTo(Pte.NONE);
        assertThat(k.mem().zoneOf(head).zoneIdx()).isNotEqualTo(Zone.ZONE_MOVABLE);
        assertThat(ft.isHead(head)).isTrue();
        assertThat(ft.content(head + 9)).isEqualTo(c9);
        assertThat(k.frameMarks().moved(app, m, a, HPAGE)).isEqualTo(512);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SUCCESS)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(512);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isZero();
        // try_grab_folio(FOLL_PIN) of a large folio: 1 reference and 1 _pincount per page pinned
        assertThat(ft.pincount(head)).isEqualTo(2);
        k.checkInvariantsFull();
    }

    @Test
    void ioUringPin_ofAHugePageInZoneMovable_withNoOrder9FrameOutside_splitsItAndPinsTheSmallPages() {
        Kernel k = boot(Profile.LINUX_6_18);
        Task app = spawn(k);
        long a = hugePage(app);
        assertThat(zoneOf(k, app, a)).isEqualTo(Zone.ZONE_MOVABLE);
        int fd = (int) app.ioUringSetup(4).ret(); // its rings before memory is fragmented
        assertThat(fd).isNotNegative();
        // every free frame outside ZONE_MOVABLE taken by unmovable kernel pages, then all but
        // one of each aligned 512 freed: no order-9 block outside ZONE_MOVABLE
        java.util.List<Integer> taken = new java.util.ArrayList<>();
        int p;
        while ((p = k.mem().allocPages(0, 0, org.pinsim.core.mem.Gfp.GFP_KERNEL)) != org.pinsim.core.mem.FrameTable.NO_FRAME) {
            taken.add(p);
        }
        java.util.List<Integer> kept = new java.util.ArrayList<>();
        for (int pfn : taken) {
            assertThat(k.mem().zoneOf(pfn).zoneIdx()).isNotEqualTo(Zone.ZONE_MOVABLE);
            if (pfn % 512 != 0) {
                k.mem().freePage(pfn);
            } else {
                kept.add(pfn);
            }
        }
        k.mem().drainAllPages(null);

        long r = app.ioUringRegister(fd, IoUring.IORING_REGISTER_BUFFERS, new long[] {a, 2 * PAGE}, 1).ret();
        k.settle();

        // mm/migrate.c migrate_pages_batch: no order-9 target (-ENOMEM), "is_large && !nosplit":
        // try_split_folio splits the PMD and the folio; the 512 small folios migrate (GFP_USER,
        // outside ZONE_MOVABLE). migrate_pages: "Return 0 in case all split folios of
        // fail-to-migrate large folios are migrated successfully", so
        // migrate_longterm_unpinnable_folios returns -EAGAIN and the pin is taken again, of
        // two small pages now
        assertThat(r).isZero();
        assertThat(app.mm().pageTable().leaf(a, false).pmd).isEqualTo(Pte.NONE);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_FAIL)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_MIGRATION_SPLIT)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.THP_SPLIT_PAGE)).isEqualTo(1);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(512);
        assertThat(zoneOf(k, app, a)).isNotEqualTo(Zone.ZONE_MOVABLE);
        assertThat(zoneOf(k, app, a + HPAGE - PAGE)).isNotEqualTo(Zone.ZONE_MOVABLE);
        int p0 = Pte.pfn(app.mm().pageTable().get(a));
        assertThat(k.mem().frames().isLarge(p0)).isFalse();
        assertThat(k.mem().frames().refcount(p0)).isEqualTo(1025); // GUP_PIN_COUNTING_BIAS + the PTE
        for (int pfn : kept) {
            k.mem().freePage(pfn);
        }
        k.checkInvariantsFull();
    }
}
