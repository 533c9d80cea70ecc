package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MREMAP_MAYMOVE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;

/**
 * VmPeak across an mremap move. Measured on Linux 6.18.44 (static binary under setarch -R):
 * after mmap 64 KiB + 4 KiB, VmSize and VmPeak +68 kB; after mremap(64 KiB -> 128 KiB,
 * MREMAP_MAYMOVE) moved it, both +132 kB (move_vma restores the high watermark its
 * temporary double accounting raised); after munmap of it, VmSize +4 kB, VmPeak +132 kB.
 */
class HiwaterVmTest {

    @Test
    void mremapMove_doesNotRaiseVmPeakBeyondTheResult() {
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));
        long size0 = k.proc().statusField(t, "VmSize");
        long peak0 = k.proc().statusField(t, "VmPeak");
        long a = t.mmap(0, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        t.mmap(0, 4 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assertThat(k.proc().statusField(t, "VmPeak") - peak0).isEqualTo(68);

        long r = t.mremap(a, 64 << 10, 128 << 10, MREMAP_MAYMOVE, 0).ret();

        assertThat(r).isNotEqualTo(a);
        assertThat(k.proc().statusField(t, "VmSize") - size0).isEqualTo(132);
        assertThat(k.proc().statusField(t, "VmPeak") - peak0).isEqualTo(132);
        t.munmap(r, 128 << 10);
        assertThat(k.proc().statusField(t, "VmSize") - size0).isEqualTo(4);
        assertThat(k.proc().statusField(t, "VmPeak") - peak0).isEqualTo(132);
        k.checkInvariantsFull();
    }
}
