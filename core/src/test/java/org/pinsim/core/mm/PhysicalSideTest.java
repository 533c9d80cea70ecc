package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.uapi.Fcntl;

/** The physical side of the model: frames, not only counters. */
class PhysicalSideTest {
    private static final long KIB = 1024;

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    private static Task spawn(Kernel k, String name) {
        return k.spawn(ProcessSpec.defaults(name, k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static int pfnAt(Task t, long addr) {
        long pte = t.mm().pageTable().get(addr);
        assertThat(Pte.present(pte)).as("PTE present at %x", addr).isTrue();
        return Pte.pfn(pte);
    }

    @Test
    void writeAfterFork_childGetsNewFrame_parentKeepsItsFrame() {
        Kernel k = boot();
        Task app = spawn(k, "app");
        long buf = app.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(buf, 16 * KIB, true);
        int parentFrame = pfnAt(app, buf);
        Task kid = k.task((int) app.fork().ret());
        assertThat(pfnAt(kid, buf)).isEqualTo(parentFrame);
        assertThat(k.mem().frames().mapcount(parentFrame)).isEqualTo(2);

        kid.touch(buf, 1, true);

        assertThat(pfnAt(kid, buf)).isNotEqualTo(parentFrame);
        assertThat(pfnAt(app, buf)).isEqualTo(parentFrame);
        assertThat(k.mem().frames().mapcount(parentFrame)).isEqualTo(1);
        assertThat(pfnAt(kid, buf + 4 * KIB)).isEqualTo(pfnAt(app, buf + 4 * KIB));
        k.checkInvariants();
    }

    @Test
    void fork_ofAMixedTableAcrossTwoPteTables_followsCopyPteRange() {
        // mm/memory.c copy_pte_range over a private region that crosses a 2 MiB table boundary:
        // pte_none entries stay none (the child faults later); copy_present_pte write-protects a
        // writable private PTE in parent and child and dups the folio (refcount and mapcount
        // 2, the child's MM_ANONPAGES); the zero page's PTE is copied with no folio behind it
        // (vm_normal_page is NULL: no rss, no reference); copy_nonpresent_pte keeps a guard
        // marker (copy_pte_marker), so the child's access to it faults with SIGSEGV.
        Kernel k = boot();
        Task app = spawn(k, "app");
        long mb = 1024 * KIB;
        long raw = app.mmap(0, 8 * mb, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        assertThat(app.madvise(raw, 8 * mb, org.pinsim.core.uapi.Mman.MADV_NOHUGEPAGE).ret()).isZero(); // small folios only
        long buf = ((raw + 2 * mb - 1) & ~(2 * mb - 1)) + 2 * mb - 8 * 4 * KIB; // 8 pages below a 2 MiB boundary
        long written = 12, zero = 2, gap = 2;
        app.touch(buf, written * 4 * KIB, true); // pages 0..11, across the boundary
        app.touch(buf + (written + gap) * 4 * KIB, zero * 4 * KIB, false); // pages 14, 15: the zero page
        long guard = buf + (written + gap + zero) * 4 * KIB; // page 16
        assertThat(app.madvise(guard, 4 * KIB, org.pinsim.core.uapi.Mman.MADV_GUARD_INSTALL).ret()).isZero();
        FrameTable ft = k.mem().frames();
        long parentRss = app.mm().rss(Mm.MM_ANONPAGES);

        Task kid = k.task((int) app.fork().ret());

        assertThat(kid.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(written);
        assertThat(kid.mm().rssTotal()).isEqualTo(written);
        for (long p = 0; p < written; p++) {
            long a = buf + p * 4 * KIB;
            int pfn = pfnAt(app, a);
            assertThat(pfnAt(kid, a)).isEqualTo(pfn);
            assertThat(Pte.write(app.mm().pageTable().get(a))).as("parent PTE %d write-protected", p).isFalse();
            assertThat(Pte.write(kid.mm().pageTable().get(a))).as("child PTE %d write-protected", p).isFalse();
            assertThat(ft.refcount(pfn)).isEqualTo(2);
            assertThat(ft.mapcount(pfn)).isEqualTo(2);
        }
        for (long p = written; p < written + gap; p++) {
            assertThat(kid.mm().pageTable().get(buf + p * 4 * KIB)).isEqualTo(Pte.NONE);
        }
        for (long p = written + gap; p < written + gap + zero; p++) {
            assertThat(pfnAt(kid, buf + p * 4 * KIB)).isEqualTo(k.mem().zeroPfn());
        }
        assertThat(kid.mm().pageTable().get(guard)).isEqualTo(Pte.GUARD_MARKER);
        assertThat(kid.touch(guard, 1, false).ret()).isNegative();
        k.checkInvariantsFull();

        assertThat(kid.exit(0).ret()).isZero();
        for (long p = 0; p < written; p++) {
            int pfn = pfnAt(app, buf + p * 4 * KIB);
            assertThat(ft.refcount(pfn)).isEqualTo(1);
            assertThat(ft.mapcount(pfn)).isEqualTo(1);
        }
        assertThat(app.mm().rss(Mm.MM_ANONPAGES)).isEqualTo(parentRss);
        k.checkInvariantsFull();
    }

    @Test
    void readFault_mapsTheZeroPage_unlessTheMachineForbidsIt() {
        // mm/memory.c do_anonymous_page: the zero page for reads unless mm_forbids_zeropage()
        Kernel k = boot();
        Task app = spawn(k, "app");
        long buf = app.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(buf, 16 * KIB, false);
        assertThat(pfnAt(app, buf)).isEqualTo(k.mem().zeroPfn());
        assertThat(pfnAt(app, buf + 12 * KIB)).isEqualTo(k.mem().zeroPfn());
        assertThat(app.mm().rssTotal()).isZero();

        Kernel nz = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20).withZeroPage(false));
        Task t = spawn(nz, "app");
        long b = t.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        t.touch(b, 16 * KIB, false);
        int first = pfnAt(t, b);
        assertThat(first).isNotEqualTo(nz.mem().zeroPfn());
        assertThat(pfnAt(t, b + 4 * KIB)).isNotEqualTo(first).isNotEqualTo(nz.mem().zeroPfn());
        assertThat(t.mm().rssTotal()).isEqualTo(4);
        // the PTE was made writable (VM_WRITE): a later write keeps the same frame
        t.touch(b, 1, true);
        assertThat(pfnAt(t, b)).isEqualTo(first);
        nz.checkInvariants();
    }

    @Test
    void sharedFileMapping_twoProcesses_mapTheSameFrames() {
        Kernel k = boot();
        Task a = spawn(k, "a");
        Task b = spawn(k, "b");
        int fa = (int) a.openat(Fcntl.AT_FDCWD, "/tmp/shared", Fcntl.O_RDWR | Fcntl.O_CREAT, 0600).ret();
        a.ftruncate(fa, 32 * KIB);
        int fb = (int) b.openat(Fcntl.AT_FDCWD, "/tmp/shared", Fcntl.O_RDWR, 0).ret();
        long pa = a.mmap(0, 32 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0).ret();
        long pb = b.mmap(0, 32 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0).ret();

        a.touch(pa, 32 * KIB, true);
        b.touch(pb, 32 * KIB, false);

        for (long off = 0; off < 32 * KIB; off += 4 * KIB) {
            int frame = pfnAt(a, pa + off);
            assertThat(pfnAt(b, pb + off)).isEqualTo(frame);
            assertThat(k.mem().frames().mapcount(frame)).isEqualTo(2);
        }
        k.checkInvariants();
    }

    @Test
    void munmap_freedFramesReturnToBuddy_andCoalesce() {
        Kernel k = boot();
        Task app = spawn(k, "app");
        k.mem().drainAllPages(null); // drain_all_pages: compare the buddy alone
        long freeBefore = k.mem().freePagesCount();
        String buddyBefore = k.mem().buddyinfo();
        long buf = app.mmap(0, 4L << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(buf, 4L << 20, true);
        assertThat(k.mem().freePagesCount()).isLessThanOrEqualTo(freeBefore - 1024);
        assertThat(k.mem().buddyinfo()).isNotEqualTo(buddyBefore);

        app.munmap(buf, 4L << 20);
        k.mem().drainAllPages(null); // the frees wait on the pcp lists until drained

        // every data page and every page table freed, and merged back into the same blocks
        assertThat(k.mem().freePagesCount()).isEqualTo(freeBefore);
        assertThat(k.mem().buddyinfo()).isEqualTo(buddyBefore);
        k.checkInvariants();
    }

    @Test
    void munmapOfLockedRange_releasesFramesAtTheNextMlockDrain() {
        Kernel k = boot();
        Task app = spawn(k, "app");
        long other = app.mmap(0, 4 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(other, 4 * KIB, true);
        long freeBefore = k.mem().freePagesCount() + k.mem().pcpPagesCount(); // free, in the buddy or on pcp lists
        long buf = app.mmap(0, 64 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(buf, 64 * KIB, true);
        assertThat(app.mlock(buf, 64 * KIB).ret()).isZero(); // the page walk mlocks, then drains
        int frame = pfnAt(app, buf);
        assertThat(k.mem().frames().testFlag(frame, FrameTable.PG_mlocked)).isTrue();
        assertThat(k.lru().nrPages(org.pinsim.core.vmscan.Lru.LRU_UNEVICTABLE)).isEqualTo(16);

        app.munmap(buf, 64 * KIB);

        // gone from the address space at once; the munlock waits in the per-CPU mlock batch,
        // which holds the last reference (mm/mlock.c munlock_folio), as on Linux 6.18
        assertThat(app.mm().pageTable().get(buf)).isEqualTo(Pte.NONE);
        assertThat(app.mm().lockedVm()).isZero();
        assertThat(k.memory().mlockFolio().pendingRefs(frame)).isEqualTo(1);
        k.checkInvariants();

        app.mlock(other, 4 * KIB); // mlock_vma_pages_range ends in lru_add_drain()
        app.munlock(other, 4 * KIB);

        assertThat(k.mem().freePagesCount() + k.mem().pcpPagesCount()).isEqualTo(freeBefore);
        assertThat(k.mem().frames().testFlag(frame, FrameTable.PG_mlocked)).isFalse();
        assertThat(k.lru().nrPages(org.pinsim.core.vmscan.Lru.LRU_UNEVICTABLE)).isZero();
        k.checkInvariants();
    }
}
