package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.PROT_NONE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.uapi.Errno;

/**
 * Special mappings refuse to be split (mm/mmap.c special_mapping_split). Expected values
 * measured on Linux 6.18.44 here: munmap and mprotect of one page of [vvar] give EINVAL,
 * munmap of the whole [vvar] gives 0.
 */
class SpecialMappingTest {
    private static final long VVAR = 0x7ffff7ff7000L;

    @Test
    void munmapOrMprotectOfPartOfVvar_failsEinval_wholeVvarUnmaps() {
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));
        int maps = t.mm().mapCount();

        assertThat(t.munmap(VVAR + 4096, 4096).errno()).isEqualTo(Errno.EINVAL);
        assertThat(t.mprotect(VVAR + 4096, 4096, PROT_NONE).errno()).isEqualTo(Errno.EINVAL);
        assertThat(t.mm().mapCount()).isEqualTo(maps);

        assertThat(t.munmap(VVAR, 16 << 10).ret()).isZero();
        assertThat(t.mm().mapCount()).isEqualTo(maps - 1);
        k.checkInvariantsFull();
    }

    /**
     * Measured on Linux 6.18.44 (static binary under setarch -R): m = mmap(NULL, 8KiB) lands at
     * 0x7ffff7ff5000, just below [vvar]; munmap(m + 4KiB, 8KiB) fails with EINVAL, and m is
     * left split in two VMAs (vms_gather_munmap_vmas splits the start before the end split
     * fails on [vvar]).
     */
    @Test
    void munmapRunningIntoVvar_failsEinval_butKeepsTheStartSplit() {
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));
        long m = t.mmap(0, 8192, org.pinsim.core.uapi.Mman.PROT_READ | org.pinsim.core.uapi.Mman.PROT_WRITE,
                org.pinsim.core.uapi.Mman.MAP_PRIVATE | org.pinsim.core.uapi.Mman.MAP_ANONYMOUS, -1, 0).ret();
        assertThat(m).isEqualTo(0x7ffff7ff5000L);
        int maps = t.mm().mapCount();

        assertThat(t.munmap(m + 4096, 8192).errno()).isEqualTo(Errno.EINVAL);

        assertThat(t.mm().mapCount()).isEqualTo(maps + 1);
        assertThat(t.mm().vmas().lookup(m).end()).isEqualTo(m + 4096);
        assertThat(t.mm().vmas().lookup(m + 4096).end()).isEqualTo(m + 8192);
        k.checkInvariantsFull();
    }
}
