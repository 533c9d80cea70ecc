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
import org.pinsim.core.Task;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.NodeStat;

/**
 * The frame side of FOLL_LONGTERM pins (values from the kernel source: mm/gup.c
 * try_grab_folio adds GUP_PIN_COUNTING_BIAS = 1024 to a small folio's refcount;
 * mm/memory.c copy_present_page copies a maybe-pinned anonymous page for a fork child).
 */
class PinsTest {
    private static final long KIB = 1024;

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    private static int pfnAt(Task t, long addr) {
        long pte = t.mm().pageTable().get(addr);
        assertThat(Pte.present(pte)).as("PTE present at %x", addr).isTrue();
        return Pte.pfn(pte);
    }

    private static Task root(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withUid(0).withCaps(Caps.ALL)
                .withLayout(ProcessSpec.Layout.EMPTY));
    }

    @Test
    void registeredBuffer_holdsTheBiasPerPage_andCountsInNrFollPin() {
        Kernel k = boot();
        Task app = root(k);
        long buf = app.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        int ring = (int) app.ioUringSetup(4).ret();
        long acquired = k.vmstat().get(NodeStat.NR_FOLL_PIN_ACQUIRED);

        assertThat(app.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, new long[] {buf, 16 * KIB}, 1).ret())
                .isZero();

        int pfn = pfnAt(app, buf); // GUP faulted the range in, for writing
        assertThat(k.mem().frames().refcount(pfn)).isEqualTo(1 + 1024);
        assertThat(Pte.write(app.mm().pageTable().get(buf))).isTrue();
        assertThat(k.vmstat().get(NodeStat.NR_FOLL_PIN_ACQUIRED) - acquired).isEqualTo(4);
        assertThat(app.mm().pinnedVm()).isEqualTo(4);
        assertThat(app.mm().hasPinned()).isTrue();
        k.checkInvariantsFull();
    }

    @Test
    void fork_copiesMaybePinnedAnonymousPagesForTheChild_andSharesTheOthers() {
        Kernel k = boot();
        Task app = root(k);
        long pinned = app.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        long plain = app.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        app.touch(plain, 16 * KIB, true);
        int ring = (int) app.ioUringSetup(4).ret();
        app.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, new long[] {pinned, 16 * KIB}, 1);
        int parentPinned = pfnAt(app, pinned);

        Task kid = k.task((int) app.fork().ret());

        assertThat(pfnAt(kid, pinned)).isNotEqualTo(parentPinned);
        assertThat(pfnAt(app, pinned)).isEqualTo(parentPinned);
        assertThat(Pte.write(app.mm().pageTable().get(pinned))).as("the parent's pinned page stays writable").isTrue();
        assertThat(Pte.write(kid.mm().pageTable().get(pinned))).isTrue();
        assertThat(k.mem().frames().mapcount(parentPinned)).isEqualTo(1);
        assertThat(pfnAt(kid, plain)).isEqualTo(pfnAt(app, plain)); // not pinned: shared copy-on-write
        assertThat(Pte.write(app.mm().pageTable().get(plain))).isFalse();
        assertThat(kid.mm().pinnedVm()).isZero();
        assertThat(kid.mm().hasPinned()).as("MMF_HAS_PINNED is not inherited").isFalse();
        k.checkInvariantsFull();
    }

    @Test
    void munmapOfAPinnedBuffer_keepsTheFramesUntilTheUnregistration() {
        Kernel k = boot();
        Task app = root(k);
        long buf = app.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        int ring = (int) app.ioUringSetup(4).ret();
        app.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, new long[] {buf, 16 * KIB}, 1);
        int pfn = pfnAt(app, buf);

        app.munmap(buf, 16 * KIB);

        assertThat(k.mem().frames().refcount(pfn)).isEqualTo(1024); // only the pin holds it
        assertThat(k.mem().frames().mapcount(pfn)).isZero();
        long freeUnmapped = k.mem().freePagesCount() + k.mem().pcpPagesCount(); // the page tables went, the buffer did not
        k.checkInvariantsFull();

        app.ioUringRegister(ring, IoUring.IORING_UNREGISTER_BUFFERS, null, 0);

        assertThat(k.mem().frames().refcount(pfn)).isZero();
        assertThat(k.mem().freePagesCount() + k.mem().pcpPagesCount()).isEqualTo(freeUnmapped + 4);
        assertThat(app.mm().pinnedVm()).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void ringWithoutCapIpcLock_chargesTheUid_sharedByItsProcesses() {
        Kernel k = boot();
        Task a = k.spawn(ProcessSpec.defaults("a", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(16 * KIB, 64 * KIB).withLayout(ProcessSpec.Layout.EMPTY));
        Task b = k.spawn(ProcessSpec.defaults("b", k.profile()).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(16 * KIB, 64 * KIB).withLayout(ProcessSpec.Layout.EMPTY));

        assertThat(a.ioUringSetup(4).ret()).isEqualTo(3); // 2 pages of 4
        assertThat(b.ioUringSetup(64).ret()).isEqualTo(3); // 2 more: 4 of 4
        assertThat(k.user(1000).lockedVm()).isEqualTo(4);
        assertThat(b.ioUringSetup(1).errno()).isEqualTo(Errno.ENOMEM);
        assertThat(b.ioUringSetup(1).reason()).contains("user->locked_vm");
        a.exit(0);
        // io_uring_release -> io_ring_ctx_wait_and_kill queues io_ring_exit_work: the charge stays until it runs
        assertThat(k.user(1000).lockedVm()).isEqualTo(4);
        k.checkInvariantsFull();
        k.advance(org.pinsim.core.time.CostModel.IO_RING_EXIT_WORK_NS - 1);
        assertThat(k.user(1000).lockedVm()).isEqualTo(4);
        k.advance(1);
        assertThat(k.user(1000).lockedVm()).isEqualTo(2);
        k.checkInvariantsFull();
    }
}
