package org.pinsim.core.gup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pinsim.core.account.PerfAccounting;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Perf;

/**
 * perf_mmap's accounting under each profile, with the values the kernel source gives
 * (kernel/events/core.c of v3.1, v3.2 and v6.18): a 1 + 512 page buffer with an allowance of
 * 516 KiB x 2 CPUs = 258 pages leaves 255 pages of "extra".
 */
class PerfProfilesTest {
    private static final long PAGE = 4096;

    private static byte[] dummyEvent() {
        long[] v = new long[Perf.FIELDS.size()];
        boolean[] given = new boolean[v.length];
        String[] names = {"type", "size", "config", "exclude_kernel"};
        long[] values = {Perf.PERF_TYPE_SOFTWARE, Perf.PERF_ATTR_SIZE_VER8, 9, 1};
        for (int i = 0; i < names.length; i++) {
            int f = Perf.field(names[i]);
            v[f] = values[i];
            given[f] = true;
        }
        return Perf.encode(v, given);
    }

    @ParameterizedTest
    @MethodSource("org.pinsim.core.Profile#values")
    void bufferBeyondTheAllowance_chargesTheProfilesCounters(Profile p) {
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20).withProfile(p));
        Task app = k.spawn(ProcessSpec.defaults("app", p).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(2L << 20, 8L << 20).withLayout(ProcessSpec.Layout.EMPTY));
        int fd = (int) app.perfEventOpen(dummyEvent(), 0, -1, -1, 0).ret();
        long rb = app.mmap(0, 513 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0).ret();
        if (p.perf() == PerfAccounting.VM_PINNED) {
            // the 2014 check adds the whole buffer to mm_locked_pages: 0 + 513 > 512 pages, and 513 is
            // beyond the allowance of 129 pages x 2 CPUs: both exceeded, EPERM
            assertThat(rb).isEqualTo(-org.pinsim.core.uapi.Errno.EPERM);
            app.setrlimit(org.pinsim.core.uapi.Resource.RLIMIT_MEMLOCK, 4L << 20, 8L << 20);
            rb = app.mmap(0, 513 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0).ret();
        }
        assertThat(rb).isPositive();
        long lockedVm = app.mm().lockedVm();
        long pinnedVm = app.mm().pinnedVm();
        long userLocked = k.user(1000).lockedVm();
        switch (p.perf()) {
            case LOCKED_VM -> { // "vma->vm_mm->locked_vm += event->mmap_locked", user gets nr_pages + 1
                assertThat(lockedVm).isEqualTo(255);
                assertThat(pinnedVm).isZero();
                assertThat(userLocked).isEqualTo(513);
            }
            case VM_PINNED -> { // "mm,perf: Make use of VM_PINNED": mmap_region charges the whole VM_PINNED VMA
                assertThat(lockedVm).isZero();
                assertThat(pinnedVm).isEqualTo(513);
                assertThat(userLocked).isEqualTo(513);
            }
            case PINNED_VM -> { // bc3e53f682d9: pinned_vm instead
                assertThat(lockedVm).isZero();
                assertThat(pinnedVm).isEqualTo(255);
                assertThat(userLocked).isEqualTo(513);
            }
            default -> { // perf_mmap_account: user_extra - extra to the user, extra to pinned_vm
                assertThat(lockedVm).isZero();
                assertThat(pinnedVm).isEqualTo(255);
                assertThat(userLocked).isEqualTo(258);
            }
        }
        // a second mapping of the event: charged again to the user only in 6.18, and never returned
        long again = app.mmap(0, 513 * PAGE, PROT_READ, MAP_SHARED, fd, 0).ret();
        assertThat(again).isPositive();
        app.munmap(again, 513 * PAGE);
        app.munmap(rb, 513 * PAGE);
        assertThat(app.mm().lockedVm()).isZero();
        assertThat(app.mm().pinnedVm()).isZero();
        assertThat(k.user(1000).lockedVm()).isEqualTo(p.perf() == PerfAccounting.USER_THEN_PINNED_VM ? 513 : 0);
        k.checkInvariantsFull();
    }

    /**
     * "mm,perf: Make use of VM_PINNED" (2014): "if ((user_locked > user_lock_limit && locked >
     * lock_limit) && ...)" replaced the 3.x check, so a buffer within the uid's allowance is never
     * refused for the mm's pinned_vm, however full: 258-page allowance (516 KiB x 2 CPUs).
     */
    @org.junit.jupiter.api.Test
    void bufferWithinTheAllowance_mpin2013_isNotRefusedForAFullPinnedVm() {
        Profile p = Profile.MPIN_2013;
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20).withProfile(p));
        Task app = k.spawn(ProcessSpec.defaults("app", p).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(64L << 10, 64L << 10).withLayout(ProcessSpec.Layout.EMPTY));
        int fd1 = (int) app.perfEventOpen(dummyEvent(), 0, -1, -1, 0).ret();
        assertThat(app.mmap(0, 257 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd1, 0).isError()).isFalse();
        assertThat(app.mm().pinnedVm()).isEqualTo(257); // far above RLIMIT_MEMLOCK's 16 pages
        int fd2 = (int) app.perfEventOpen(dummyEvent(), 0, -1, -1, 0).ret();
        assertThat(app.mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0).isError()).isFalse(); // 258 <= 258
        int fd3 = (int) app.perfEventOpen(dummyEvent(), 0, -1, -1, 0).ret();
        assertThat(app.mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd3, 0).errno())
                .isEqualTo(org.pinsim.core.uapi.Errno.EPERM); // 259 > 258 and 16 + 258 + 1 > 16
        k.checkInvariantsFull();
    }
}
