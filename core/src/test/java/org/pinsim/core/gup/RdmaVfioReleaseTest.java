package org.pinsim.core.gup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.Profile;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.Verbs;
import org.pinsim.core.vmstat.NodeStat;

/**
 * Which mm a release uncharges, and what a failed or read-only pin leaves behind, from the
 * source of each profile: 3.x ib_umem_release uncharges {@code get_task_mm(current)}; 6.18
 * uncharges {@code umem->owning_mm}; 6.18 vfio_pin_map_dma undoes a refused mapping with
 * vfio_remove_dma; try_grab_folio takes no reference on the zero page.
 */
class RdmaVfioReleaseTest {
    private static final long KIB = 1024;

    private static Task app(Profile p, long caps, long memlock) {
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20).withProfile(p));
        return k.spawn(ProcessSpec.defaults("app", p).withUid(1000).withCaps(caps).withMemlock(memlock, memlock)
                .withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static long anon(Task t, long len) {
        return t.mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
    }

    @Test
    void deregAfterExecve_linux32_unchargesTheNewMm_whichWrapsAsTheKernelsUnsignedCounter() {
        Task app = app(Profile.LINUX_3_2, Caps.NONE, 64 * KIB);
        long a = anon(app, 16 * KIB);
        long mr = app.rdmaRegMr(a, 16 * KIB, Verbs.IB_ACCESS_LOCAL_WRITE).ret();
        assertThat(app.mm().pinnedVm()).isEqualTo(4);
        app.execve("/usr/local/bin/next");
        assertThat(app.mm().pinnedVm()).isZero();

        assertThat(app.rdmaDeregMr(mr).ret()).isZero();

        // "current->mm->pinned_vm -= diff" on an mm that never had the charge
        assertThat(app.kernel().proc().status(app)).contains("VmPin:\t18446744073709551600 kB");
        app.kernel().checkInvariantsFull();
    }

    @Test
    void deregAfterExecve_linux618_unchargesTheOwningMm_andTheNewOneKeepsNothing() {
        Task app = app(Profile.LINUX_6_18, Caps.NONE, 64 * KIB);
        long a = anon(app, 16 * KIB);
        long mr = app.rdmaRegMr(a, 16 * KIB, Verbs.IB_ACCESS_LOCAL_WRITE).ret();
        org.pinsim.core.mm.Mm old = app.mm();
        app.execve("/usr/local/bin/next");

        assertThat(app.rdmaDeregMr(mr).ret()).isZero();

        assertThat(app.mm().pinnedVm()).isZero();
        assertThat(old.pinnedVm()).isZero(); // "atomic64_sub(..., &umem->owning_mm->pinned_vm)"
        app.kernel().checkInvariantsFull();
    }

    @Test
    void exitWithMrsHeld_releasesEveryPin_inEveryProfile() {
        for (Profile p : Profile.values()) {
            Task app = app(p, Caps.NONE, 64 * KIB);
            Kernel k = app.kernel();
            long a = anon(app, 16 * KIB);
            assertThat(app.rdmaRegMr(a, 16 * KIB, Verbs.IB_ACCESS_LOCAL_WRITE).isError()).as(p.id()).isFalse();
            long free = k.mem().freePagesCount() + k.mem().pcpPagesCount(); // buddy and pcp lists
            long released = k.vmstat().get(NodeStat.NR_FOLL_PIN_RELEASED);

            app.exitGroup(0);

            assertThat(k.vmstat().get(NodeStat.NR_FOLL_PIN_RELEASED) - released).as(p.id()).isEqualTo(4);
            assertThat(k.mem().freePagesCount() + k.mem().pcpPagesCount()).as(p.id()).isGreaterThan(free + 4);
            assertThat(k.uverbsDevices()).as(p.id()).isEmpty();
            k.checkInvariantsFull();
        }
    }

    @Test
    void refusedVfioMap_linux618_undoesEveryChargeAndPin_butThePinnedBatchStaysFaultedIn() {
        Task app = app(Profile.LINUX_6_18, Caps.NONE, 16 * KIB);
        Kernel k = app.kernel();
        long a = anon(app, 64 * KIB);

        assertThat(app.vfioMapDma(a, 64 * KIB).errno()).isEqualTo(Errno.ENOMEM);

        assertThat(app.mm().lockedVm()).isZero();
        assertThat(app.dmas()).isEmpty();
        int pfn = Pte.pfn(app.mm().pageTable().get(a));
        assertThat(k.mem().frames().refcount(pfn)).isEqualTo(1); // mapped once, no pin left
        assertThat(k.proc().statusField(app, "VmRSS")).isEqualTo(64); // one batch of 512 covers all 16 pages
        k.checkInvariantsFull();
    }

    @Test
    void readOnlyMrOfUntouchedMemory_linux618_pinsTheZeroPage_withoutAReferenceOrACount() {
        Task app = app(Profile.LINUX_6_18, Caps.NONE, 64 * KIB);
        Kernel k = app.kernel();
        long r = app.mmap(0, 8 * KIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        long acquired = k.vmstat().get(NodeStat.NR_FOLL_PIN_ACQUIRED);

        long mr = app.rdmaRegMr(r, 8 * KIB, Verbs.IB_ACCESS_REMOTE_READ).ret();

        assertThat(mr).isNotNegative();
        assertThat(Pte.pfn(app.mm().pageTable().get(r))).isEqualTo(k.mem().zeroPfn());
        assertThat(k.vmstat().get(NodeStat.NR_FOLL_PIN_ACQUIRED)).isEqualTo(acquired);
        assertThat(app.mm().pinnedVm()).isEqualTo(2); // charged all the same
        k.checkInvariantsFull();
        assertThat(app.rdmaDeregMr(mr).ret()).isZero();
        k.checkInvariantsFull();
    }

    @Test
    void vfioMapWithCapIpcLock_linux618_isChargedPastTheLimit() {
        Task app = app(Profile.LINUX_6_18, 1L << Caps.CAP_IPC_LOCK, 16 * KIB);
        long a = anon(app, 64 * KIB);

        assertThat(app.vfioMapDma(a, 64 * KIB).ret()).isZero();

        assertThat(app.mm().lockedVm()).isEqualTo(16); // __account_locked_vm(bypass_rlim = lock_cap) still adds
        assertThat(app.dmas().get(0).lockCap()).isTrue();
        app.kernel().checkInvariantsFull();
    }
}
