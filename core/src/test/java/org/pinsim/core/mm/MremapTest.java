package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MREMAP_DONTUNMAP;
import static org.pinsim.core.uapi.Mman.MREMAP_FIXED;
import static org.pinsim.core.uapi.Mman.MREMAP_MAYMOVE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.uapi.Errno;

/**
 * mm/mremap.c rules that changed with Linux 6.17's rework, per profile. The linux-6.18
 * figures are measured (conformance corpus host_mremap_*); the older profiles keep the
 * pre-6.17 order: the VMA is validated after MREMAP_FIXED has unmapped the destination,
 * and a move covers one VMA.
 */
class MremapTest {
    private static final long A = 0x200000000000L;
    private static final long D = 0x200000100000L;
    private static final long RW = PROT_READ | PROT_WRITE;
    private static final long ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;

    private static Task task(Profile p) {
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20).withProfile(p));
        return k.spawn(ProcessSpec.defaults("app", p).withMemlock(64 << 10, 64 << 10)
                .withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static int vmas(Task t, long start, long len) {
        int n = 0;
        for (Vma v : t.mm().vmas().toArray()) {
            if (v.start() < start + len && v.end() > start) {
                n++;
            }
        }
        return n;
    }

    /** A locked mapping growing past RLIMIT_MEMLOCK with MREMAP_FIXED onto a mapped destination. */
    private static long growLockedOntoDestination(Task t) {
        t.mmap(A, 32 << 10, RW, ANON, -1, 0);
        assertThat(t.mlock(A, 32 << 10).ret()).isZero();
        t.mmap(D, 128 << 10, RW, ANON, -1, 0);
        return t.mremap(A, 32 << 10, 128 << 10, MREMAP_MAYMOVE | MREMAP_FIXED, D).ret();
    }

    @Test
    void mremapFixed_refusedOnLinux618_keepsTheDestination() {
        Task t = task(Profile.LINUX_6_18);
        assertThat(growLockedOntoDestination(t)).isEqualTo(-Errno.EAGAIN);
        assertThat(vmas(t, D, 128 << 10)).isEqualTo(1);
    }

    @Test
    void mremapFixed_refusedBefore617_hasUnmappedTheDestination() {
        Task t = task(Profile.LINUX_3_1);
        assertThat(growLockedOntoDestination(t)).isEqualTo(-Errno.EAGAIN);
        assertThat(vmas(t, D, 128 << 10)).isZero();
    }

    /** Two VMAs (read-only, then read-write) and a gap, moved with MREMAP_FIXED without resize. */
    private static long moveTwoVmasAndAGap(Task t) {
        t.mmap(A, 16 << 10, PROT_READ, ANON, -1, 0);
        t.mmap(A + (32 << 10), 16 << 10, RW, ANON, -1, 0);
        return t.mremap(A, 48 << 10, 48 << 10, MREMAP_MAYMOVE | MREMAP_FIXED, D).ret();
    }

    @Test
    void mremapFixedWithoutResize_onLinux618_movesEveryVmaKeepingTheGap() {
        Task t = task(Profile.LINUX_6_18);
        assertThat(moveTwoVmasAndAGap(t)).isEqualTo(D);
        assertThat(vmas(t, A, 48 << 10)).isZero();
        assertThat(t.mm().vmas().lookup(D).end()).isEqualTo(D + (16 << 10));
        assertThat(t.mm().vmas().lookup(D + (32 << 10)).start()).isEqualTo(D + (32 << 10));
        assertThat(vmas(t, D + (16 << 10), 16 << 10)).isZero();
    }

    @Test
    void mremapFixedWithoutResize_before617_movesOneVmaOnly() {
        Task t = task(Profile.LINUX_3_1);
        assertThat(moveTwoVmasAndAGap(t)).isEqualTo(-Errno.EFAULT);
        assertThat(vmas(t, A, 48 << 10)).isEqualTo(2);
    }

    @Test
    void mremapDontunmap_hintOverlappingTheOldRange_failsEinval() {
        Task t = task(Profile.LINUX_6_18);
        t.mmap(A, 64 << 10, RW, ANON, -1, 0);
        long r = t.mremap(A, 64 << 10, 64 << 10, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, A + (32 << 10)).ret();
        assertThat(r).isEqualTo(-Errno.EINVAL);
        assertThat(vmas(t, A, 64 << 10)).isEqualTo(1);
    }

    @Test
    void mremap_newLengthBeyondTaskSize_failsEinvalWithoutMremapFixed() {
        Task t = task(Profile.LINUX_6_18);
        t.mmap(A, 64 << 10, RW, ANON, -1, 0);
        assertThat(t.mremap(A, 64 << 10, 0x800000000000L, MREMAP_MAYMOVE, 0).ret()).isEqualTo(-Errno.EINVAL);
        assertThat(t.mremap(A, 64 << 10, 0xfffffffffffff000L, 0, 0).ret()).isEqualTo(-Errno.EINVAL);
        assertThat(vmas(t, A, 64 << 10)).isEqualTo(1);
    }
}
