package org.pinsim.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;

/** The region checks (vmas, locked_vmas, lck, rss, smaps_locked) and the whole-process sums. */
class ProcFsRegionTest {
    private static final long A = 0x7f0000000000L;
    private static final long K = 1024;

    /**
     * 64 KiB anonymous at A: pages 0-3 written, 4-5 read (the zero page), then
     * mlock(A + 32K, 16K), which splits the VMA in three and faults in its 4 pages.
     */
    private static Task state(Kernel k) {
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
        t.mmap(A, 64 * K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        t.touch(A, 16 * K, true);
        t.touch(A + 16 * K, 8 * K, false);
        assertThat(t.mlock(A + 32 * K, 16 * K).ret()).isZero();
        return t;
    }

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    @Test
    void region_wholeMapping_countsTheSplitVmasAndResidentPages() {
        Kernel k = boot();
        Task t = state(k);

        RegionStats r = k.proc().region(t, A, 64 * K);

        assertThat(r).isEqualTo(new RegionStats(3, 1, 16 * K, 32 * K, 16 * K, 0));
        k.checkInvariants();
    }

    @Test
    void region_insideTheLockedVma_clipsLckAndRss_butNotSmapsLocked() {
        Kernel k = boot();
        Task t = state(k);

        RegionStats r = k.proc().region(t, A + 40 * K, 4 * K);

        assertThat(r).isEqualTo(new RegionStats(1, 1, 4 * K, 4 * K, 16 * K, 0));
    }

    @Test
    void region_unalignedBounds_roundOutToPages() {
        Kernel k = boot();
        Task t = state(k);

        RegionStats r = k.proc().region(t, A + 40 * K + 1, 10);

        assertThat(r).isEqualTo(k.proc().region(t, A + 40 * K, 4 * K));
    }

    @Test
    void region_zeroPageReads_areNotResident() {
        Kernel k = boot();
        Task t = state(k);

        RegionStats r = k.proc().region(t, A + 16 * K, 8 * K);

        assertThat(r).isEqualTo(new RegionStats(1, 0, 0, 0, 0, 0));
    }

    @Test
    void region_beyondEveryVma_isEmpty() {
        Kernel k = boot();
        Task t = state(k);

        assertThat(k.proc().region(t, A + 1024 * K, 64 * K)).isEqualTo(new RegionStats(0, 0, 0, 0, 0, 0));
        assertThat(k.proc().region(t, A, 0)).isEqualTo(new RegionStats(0, 0, 0, 0, 0, 0));
    }

    @Test
    void smapsLockedTotal_andMapCount_sumTheProcess() {
        Kernel k = boot();
        Task t = state(k);

        assertThat(k.proc().smapsLockedTotal(t)).isEqualTo(16 * K);
        assertThat(k.proc().mapCount(t)).isEqualTo(3);
        assertThat(k.proc().statusField(t, "VmLck")).isEqualTo(16);
    }

    @Test
    void smapsLocked_ofPagesSharedWithAForkedChild_isProportional() {
        Kernel k = boot();
        Task t = state(k);
        Task kid = k.task((int) t.fork().ret());

        // the child's copy is not VM_LOCKED; the parent's 4 locked pages are now mapped twice
        assertThat(k.proc().smapsLockedTotal(t)).isEqualTo(8 * K);
        assertThat(k.proc().region(t, A, 64 * K).smapsLockedBytes()).isEqualTo(8 * K);
        assertThat(k.proc().smapsLockedTotal(kid)).isZero();
        assertThat(k.proc().statusField(t, "VmLck")).isEqualTo(16);
        k.checkInvariants();
    }
}
