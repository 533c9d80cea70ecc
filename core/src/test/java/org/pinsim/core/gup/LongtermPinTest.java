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
}
