package org.pinsim.core.mlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE;
import static org.pinsim.core.mem.FrameTable.PAGEBLOCK_NR_PAGES;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.time.CostModel;
import org.pinsim.core.vmstat.PinsimEvent;
import org.pinsim.core.vmstat.VmEvent;

/**
 * [PROPOSAL] mpin's pre-compaction under mpin-2013 ({@link MpinPack}): pages move into
 * partly used UNMOVABLE pageblocks first (the fullest first), then into whole free pageblocks
 * claimed for UNMOVABLE; a page pinned before, or pinned by someone else, stays; a VM_PINNED
 * page is not moved by compaction afterwards.
 */
class MpinPackTest {
    private static final long PAGE = 4096;

    private static Kernel boot(Profile p) {
        return Kernel.boot(new MachineConfig(256L << 20, 1, 2, 0, 1, p, true, ThpEnabled.NEVER));
    }

    private static Task spawn(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(64L << 20, 64L << 20).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static long map(Task t, long len) {
        long a = t.mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        t.touch(a, len, true);
        return a;
    }

    private static int pfn(Task t, long addr) {
        return Pte.pfn(t.mm().pageTable().get(addr));
    }

    private static int content(Kernel k, Task t, long addr) {
        return k.mem().frames().content(pfn(t, addr));
    }

    private static long blocks(Kernel k, int mt) {
        long n = 0;
        for (org.pinsim.core.mem.Zone z : k.mem().zones()) {
            n += new org.pinsim.core.mem.FragViews(k.mem()).blockCount(z)[mt];
        }
        return n;
    }

    /** Free frames of the pageblock that holds {@code pfn}, after draining the pcp lists. */
    private static int freeIn(Kernel k, int pfn) {
        FrameTable ft = k.mem().frames();
        int b = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
        int free = 0;
        for (int p = b; p < b + PAGEBLOCK_NR_PAGES;) {
            if (ft.isBuddy(p)) {
                free += 1 << ft.buddyOrder(p);
                p += 1 << ft.buddyOrder(p);
            } else {
                p++;
            }
        }
        return free;
    }

    /** The distinct pageblocks (first pfns) holding the pages of [a, a + len). */
    private static TreeSet<Integer> blocksOf(Task t, long a, long len) {
        TreeSet<Integer> out = new TreeSet<>();
        for (long x = a; x < a + len; x += PAGE) {
            out.add(pfn(t, x) & ~(PAGEBLOCK_NR_PAGES - 1));
        }
        return out;
    }

    @Test
    void mpin_movesMovablePagesIntoUnmovableBlocks_keepingTheirContent() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 64 * PAGE);
        assertThat(k.mem().frames().pageblockMigratetype(pfn(app, a))).isEqualTo(MIGRATE_MOVABLE);
        int[] before = new int[64];
        for (int i = 0; i < 64; i++) {
            before[i] = content(k, app, a + i * PAGE);
        }
        int m = k.frameMarks().mark();

        assertThat(app.mpin(a, 64 * PAGE).ret()).isZero();
        k.settle();

        assertThat(k.frameMarks().moved(app, m, a, 64 * PAGE)).isEqualTo(64);
        for (int i = 0; i < 64; i++) {
            assertThat(k.mem().frames().pageblockMigratetype(pfn(app, a + i * PAGE))).isEqualTo(MIGRATE_UNMOVABLE);
            assertThat(content(k, app, a + i * PAGE)).isEqualTo(before[i]);
        }
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS)).isEqualTo(64);
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_MIGRATED)).isEqualTo(64);
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_SCANNED)).isEqualTo(64);
        // one batch of 64 folios: one shootdown; the time is the 64 windows plus that shootdown
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_SHOOTDOWNS)).isEqualTo(1);
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_NS))
                .isEqualTo(64 * CostModel.migrateFolioNs(1) + CostModel.tlbShootdownNs(2));
        assertThat(k.proc().vmstat()).contains("pinsim_mpin_precompact_migrated 64\n");
        k.checkInvariantsFull();
    }

    @Test
    void packing_fillsPartlyUsedUnmovableBlocks_fullestFirst_beforeClaimingFreeOnes() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 8 * PAGE);
        k.mem().drainAllPages(null);
        // two partly used UNMOVABLE blocks of our own: kernel pages (GFP_KERNEL) in two claimed
        // blocks, one fuller than the other, besides those the boot and the page tables use
        List<Integer> kernelPages = new ArrayList<>();
        int fuller = claimBlockWithKernelPages(k, 500, kernelPages);
        int emptier = claimBlockWithKernelPages(k, 300, kernelPages);
        k.mem().drainAllPages(null);
        assertThat(freeIn(k, fuller)).isEqualTo(12);
        assertThat(freeIn(k, emptier)).isEqualTo(212);
        // the fullest partly used UNMOVABLE block of the machine, whichever it is
        int fullest = fullestPartialUnmovable(k);
        int freeBefore = freeIn(k, fullest);
        long unmovableBefore = blocks(k, MIGRATE_UNMOVABLE);

        assertThat(app.mpin(a, 8 * PAGE).ret()).isZero();
        k.settle();

        // at most 12 free: every page went into blocks already UNMOVABLE, none claimed, and the
        // first into the fullest one
        assertThat(blocks(k, MIGRATE_UNMOVABLE)).isEqualTo(unmovableBefore);
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_BLOCKS_CLAIMED)).isZero();
        assertThat(pfn(app, a) & ~(PAGEBLOCK_NR_PAGES - 1)).isEqualTo(fullest);
        assertThat(freeIn(k, fullest)).isEqualTo(Math.max(0, freeBefore - 8));
        assertThat(freeBefore).isLessThanOrEqualTo(12);
        for (int p : kernelPages) {
            k.mem().freePage(p);
        }
        k.checkInvariantsFull();
    }

    /** Allocates GFP_KERNEL pages until a fresh UNMOVABLE block holds {@code used} of them; returns the block. */
    private static int claimBlockWithKernelPages(Kernel k, int used, List<Integer> keep) {
        // take a whole free MOVABLE block and turn it UNMOVABLE, then fill it with kernel pages
        // taken frame by frame (the test's own stand-in for slab growth)
        FrameTable ft = k.mem().frames();
        for (int b = ft.nrFrames() - PAGEBLOCK_NR_PAGES; b >= 0; b -= PAGEBLOCK_NR_PAGES) {
            if (ft.pageblockMigratetype(b) != MIGRATE_MOVABLE || freeIn(k, b) != PAGEBLOCK_NR_PAGES) {
                continue;
            }
            for (int p = b; p < b + used; p++) {
                assertThat(k.mem().takeFreePage(p)).isTrue();
                keep.add(p);
            }
            k.mem().zoneOf(b).buddy().moveFreepagesBlock(b, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE);
            return b;
        }
        throw new AssertionError("no free block");
    }

    private static int fullestPartialUnmovable(Kernel k) {
        FrameTable ft = k.mem().frames();
        int best = -1;
        int bestFree = Integer.MAX_VALUE;
        for (int b = 0; b + PAGEBLOCK_NR_PAGES <= ft.nrFrames(); b += PAGEBLOCK_NR_PAGES) {
            if (k.mem().zoneOf(b).zoneIdx() == org.pinsim.core.mem.Zone.ZONE_DMA
                    || ft.pageblockMigratetype(b) != MIGRATE_UNMOVABLE) {
                continue;
            }
            int free = freeIn(k, b);
            if (free > 0 && free < PAGEBLOCK_NR_PAGES && free < bestFree) {
                best = b;
                bestFree = free;
            }
        }
        return best;
    }

    @Test
    void packing_whenPartialBlocksAreFull_claimsWholeFreeBlocks_oneAtATime() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long len = 1200 * PAGE;
        long a = map(app, len);
        k.mem().drainAllPages(null);
        int partialFree = 0;
        int freeUnmovableBlocks = 0; // whole free blocks already UNMOVABLE: taken first, without a type change
        FrameTable ft = k.mem().frames();
        for (int b = 0; b + PAGEBLOCK_NR_PAGES <= ft.nrFrames(); b += PAGEBLOCK_NR_PAGES) {
            int z = k.mem().zoneOf(b).zoneIdx();
            int free = freeIn(k, b);
            if (z != org.pinsim.core.mem.Zone.ZONE_DMA && ft.pageblockMigratetype(b) == MIGRATE_UNMOVABLE) {
                if (free > 0 && free < PAGEBLOCK_NR_PAGES) {
                    partialFree += free;
                } else if (free == PAGEBLOCK_NR_PAGES) {
                    freeUnmovableBlocks++;
                }
            }
        }
        long unmovableBefore = blocks(k, MIGRATE_UNMOVABLE);

        assertThat(app.mpin(a, len).ret()).isZero();
        k.settle();

        long expectClaims = (1200 - partialFree + PAGEBLOCK_NR_PAGES - 1) / PAGEBLOCK_NR_PAGES;
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_MIGRATED)).isEqualTo(1200);
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_BLOCKS_CLAIMED)).isEqualTo(expectClaims);
        // the claimed blocks that were not UNMOVABLE already, no more, turned UNMOVABLE (the
        // sources stay MOVABLE)
        assertThat(blocks(k, MIGRATE_UNMOVABLE))
                .isEqualTo(unmovableBefore + Math.max(0, expectClaims - freeUnmovableBlocks));
        // 1200 pages in at most the partial blocks plus the claimed ones
        assertThat(blocksOf(app, a, len).stream().filter(b -> ft.pageblockMigratetype(b) == MIGRATE_UNMOVABLE).count())
                .isEqualTo(blocksOf(app, a, len).size());
        // three batches of at most 512 (512, 512, 176): three shootdowns
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_SHOOTDOWNS)).isEqualTo(3);
        k.checkInvariantsFull();
    }

    @Test
    void batchOf32_takesOneShootdownPerBatch() {
        Kernel k = boot(Profile.MPIN_2013);
        k.mpinPack().setBatch(32);
        Task app = spawn(k);
        long a = map(app, 100 * PAGE);

        assertThat(app.mpin(a, 100 * PAGE).ret()).isZero();
        k.settle();

        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_MIGRATED)).isEqualTo(100);
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_SHOOTDOWNS)).isEqualTo(4); // 32 + 32 + 32 + 4
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_NS))
                .isEqualTo(100 * CostModel.migrateFolioNs(1) + 4 * CostModel.tlbShootdownNs(2));
    }

    @Test
    void aPageAlreadyPinned_isNeverMovedByALaterMpin() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 16 * PAGE);
        k.mpinPack().setPlacement(MpinPack.Placement.IN_PLACE);
        assertThat(app.mpin(a, 4 * PAGE).ret()).isZero(); // pinned where they are, in a MOVABLE block
        int[] pinned = {pfn(app, a), pfn(app, a + PAGE), pfn(app, a + 2 * PAGE), pfn(app, a + 3 * PAGE)};
        assertThat(k.mem().frames().pageblockMigratetype(pinned[0])).isEqualTo(MIGRATE_MOVABLE);
        k.mpinPack().setPlacement(MpinPack.Placement.PACK);
        int m = k.frameMarks().mark();

        assertThat(app.mpin(a, 16 * PAGE).ret()).isZero();
        k.settle();

        for (int i = 0; i < 4; i++) {
            assertThat(pfn(app, a + i * PAGE)).isEqualTo(pinned[i]);
        }
        assertThat(k.frameMarks().moved(app, m, a, 4 * PAGE)).isZero();
        assertThat(k.frameMarks().moved(app, m, a + 4 * PAGE, 12 * PAGE)).isEqualTo(12);
        assertThat(k.mpinPack().last().scanned()).isEqualTo(12);
    }

    @Test
    void aPagePinnedBySomeoneElse_isPinnedInPlace() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 8 * PAGE);
        int pinnedPfn = pfn(app, a + 2 * PAGE);
        // a vfio DMA mapping (3.10 vfio type1: pinned with get_user_pages) holds page 2
        long dev = app.vfioMapDma(a + 2 * PAGE, PAGE).ret();
        assertThat(dev).isGreaterThanOrEqualTo(0);
        int m = k.frameMarks().mark();

        assertThat(app.mpin(a, 8 * PAGE).ret()).isZero();
        k.settle();

        assertThat(pfn(app, a + 2 * PAGE)).isEqualTo(pinnedPfn);
        assertThat(k.frameMarks().moved(app, m, a, 8 * PAGE)).isEqualTo(7);
        assertThat(k.mpinPack().last().inPlace()).isEqualTo(1);
        assertThat(k.mpinPack().last().migrated()).isEqualTo(7);
        k.checkInvariantsFull();
    }

    @Test
    void compaction_afterMpin_doesNotMoveVmPinnedPages() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 32 * PAGE);
        k.mpinPack().setPlacement(MpinPack.Placement.IN_PLACE); // leave them in MOVABLE blocks, where compaction scans
        assertThat(app.mpin(a, 32 * PAGE).ret()).isZero();
        long b = map(app, 32 * PAGE); // not pinned
        int m = k.frameMarks().mark();
        long fail0 = k.vmstat().get(VmEvent.PGMIGRATE_FAIL);

        k.compactMemory();

        assertThat(k.frameMarks().moved(app, m, a, 32 * PAGE)).isZero();
        assertThat(b).isNotZero();
        k.checkInvariantsFull();
    }

    @Test
    void mbindMove_afterMpin_movesTheUnpinnedPagesOnly() {
        // on one node MPOL_MF_MOVE with an empty nodemask migrates every page of the range
        // (docs/MIGRATION.md); the VM_PINNED ones stay mapped, so their migration fails
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 8 * PAGE);
        assertThat(app.mpin(a, 4 * PAGE).ret()).isZero();
        int m = k.frameMarks().mark();
        long fail0 = k.vmstat().get(VmEvent.PGMIGRATE_FAIL);

        assertThat(app.mbind(a, 8 * PAGE, org.pinsim.core.uapi.Mempolicy.MPOL_LOCAL, null, 0,
                org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE).ret()).isZero();
        k.settle();

        assertThat(k.frameMarks().moved(app, m, a, 4 * PAGE)).isZero();
        assertThat(k.frameMarks().moved(app, m, a + 4 * PAGE, 4 * PAGE)).isEqualTo(4);
        assertThat(k.vmstat().get(VmEvent.PGMIGRATE_FAIL) - fail0).isEqualTo(4);
        k.checkInvariantsFull();
    }

    @Test
    void rdmaRegistration_underMpin2013_isPrecompactedBeforeItsPins() {
        Kernel k = boot(Profile.MPIN_2013);
        Task app = spawn(k);
        long a = map(app, 16 * PAGE);
        long h = app.rdmaRegMr(a, 16 * PAGE, org.pinsim.core.uapi.Verbs.IB_ACCESS_LOCAL_WRITE).ret();
        assertThat(h).isGreaterThanOrEqualTo(0);
        k.settle();
        for (int i = 0; i < 16; i++) {
            int p = pfn(app, a + i * PAGE);
            assertThat(k.mem().frames().pageblockMigratetype(p)).isEqualTo(MIGRATE_UNMOVABLE);
            assertThat(k.mem().frames().refcount(p)).isGreaterThanOrEqualTo(1024); // pinned on the new frame
        }
        assertThat(k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_MIGRATED)).isEqualTo(16);
        k.checkInvariantsFull();
    }

    @Test
    void linux618_hasNoPrecompaction_andPrintsNoPinsimCounters() {
        Kernel k = boot(Profile.LINUX_6_18);
        assertThat(k.mpinPack()).isNull();
        assertThat(k.proc().vmstat()).doesNotContain("pinsim_");
        Kernel m = boot(Profile.MPIN_2013);
        assertThat(m.proc().vmstat()).contains("pinsim_mpin_precompact_ns 0\n");
        assertThat(Gfp.GFP_USER).isNotZero();
    }

    /**
     * Found by NumaSyscallsPropertyTest: a huge page one of whose pages was mpin()ned, then
     * mbind(MPOL_MF_MOVE) over that page. The migration of the whole large folio must fail
     * like a small folio's (Memory.tryToMigrateOne: a VM_PINNED mapping stays), not move it.
     */
    @Test
    void mbindMove_ofAHugePageWithAnMpinnedPage_leavesThePinnedPageWhereItIs() {
        Kernel k = Kernel.boot(new MachineConfig(64L << 20, 2, 2, 0, 1, Profile.MPIN_2013, true, ThpEnabled.ALWAYS));
        Task t = spawn(k);
        long a = t.mmap(0, 2L << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        assertThat(a % (2L << 20)).isZero();
        t.touch(a, PAGE, true);
        assertThat(t.mpin(a, PAGE).ret()).isZero();
        final int before = pfn(t, a);
        final int contentBefore = content(k, t, a);
        assertThat(t.mbind(a, PAGE, org.pinsim.core.uapi.Mempolicy.MPOL_LOCAL, null, 0,
                org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE).ret()).isZero();
        k.settle();
        assertThat(pfn(t, a)).isEqualTo(before);
        assertThat(content(k, t, a)).isEqualTo(contentBefore);
    }
}
