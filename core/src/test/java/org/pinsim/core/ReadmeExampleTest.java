package org.pinsim.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MLOCK_ONFAULT;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.proc.RegionStats;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;

/** The Java API example of README.md, line for line. */
class ReadmeExampleTest {

    @Test
    void readmeExample_runsAsDocumented() {
        Kernel k = Kernel.boot(MachineConfig.defaults());
        Task app = k.spawn(ProcessSpec.defaults("app", k.profile())
                .withUid(1000).withCaps(Caps.NONE).withMemlock(64 << 10, 64 << 10));

        long buf = app.mmap(0, 128 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        SysResult r = app.mlock(buf, 128 << 10);
        assertThat(r.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(r.reason()).isEqualTo("mlock: 32 pages - 0 already locked + locked_vm 0 > RLIMIT_MEMLOCK 16 pages");

        assertThat(app.mlock2(buf, 64 << 10, MLOCK_ONFAULT).ret()).isZero();
        assertThat(k.proc().statusField(app, "VmLck")).isEqualTo(64);
        RegionStats region = k.proc().region(app, buf, 128 << 10);
        assertThat(region.vmas()).isEqualTo(2);
        assertThat(region.lockedVmas()).isEqualTo(1);
        assertThat(region.lckBytes()).isEqualTo(64 << 10);
        assertThat(region.rssBytes()).isZero();
        assertThat(k.proc().smaps(app)).contains("VmFlags: rd wr mr mw me lo lf ac");
        k.checkInvariants();
    }
}
