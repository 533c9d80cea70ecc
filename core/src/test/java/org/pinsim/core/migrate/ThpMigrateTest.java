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
}
