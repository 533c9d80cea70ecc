package org.pinsim.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_LOCKED;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;

/** /proc/PID/status: the memory lines of task_mem, in Linux 6.18's order and format. */
class ProcFsStatusTest {
    /** The reference box's /proc/self/status memory lines, verbatim (a grep process). */
    private static final String[] LINUX = {
        "VmPeak:\t    3900 kB", "VmSize:\t    3900 kB", "VmLck:\t       0 kB", "VmPin:\t       0 kB",
        "VmHWM:\t    2068 kB", "VmRSS:\t    2068 kB", "RssAnon:\t     160 kB", "RssFile:\t    1908 kB",
        "RssShmem:\t       0 kB", "VmData:\t     432 kB", "VmStk:\t     132 kB", "VmExe:\t     144 kB",
        "VmLib:\t    1956 kB", "VmPTE:\t      48 kB", "VmSwap:\t       0 kB", "HugetlbPages:\t       0 kB",
    };

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    @Test
    void status_memoryLines_haveLinuxLabelsOrderAndWidths() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));

        String[] lines = k.proc().status(t).split("\n");

        assertThat(lines[0]).isEqualTo("Name:\tapp");
        assertThat(lines[1]).isEqualTo("Pid:\t" + t.pid());
        List<String> labels = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            String label = lines[i].substring(0, lines[i].indexOf('\t') + 1);
            labels.add(label);
            assertThat(lines[i]).as("line %s", lines[i]).matches(label + " *\\d+ kB")
                    .hasSize(LINUX[i - 2].length());
        }
        List<String> linuxLabels = new ArrayList<>();
        for (String l : LINUX) {
            linuxLabels.add(l.substring(0, l.indexOf('\t') + 1));
        }
        assertThat(labels).isEqualTo(linuxLabels);
    }

    @Test
    void status_defaultLayout_splitsTextAndLibAsTaskMem() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));
        long execKb = t.mm().execVm() * 4;
        long text = ((t.mm().endCode() + 4095) & ~4095L) - (t.mm().startCode() & ~4095L);

        assertThat(k.proc().statusField(t, "VmExe")).isEqualTo(Math.min(text, execKb * 1024) >> 10);
        assertThat(k.proc().statusField(t, "VmExe") + k.proc().statusField(t, "VmLib")).isEqualTo(execKb);
        assertThat(k.proc().statusField(t, "VmPTE")).isEqualTo(t.mm().pageTable().tablePages() * 4);
        assertThat(k.proc().statusField(t, "VmSize")).isEqualTo(t.mm().totalVm() * 4);
    }

    @Test
    void statusField_followsLockedAndResidentMemory() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
        t.mmap(0, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);

        assertThat(k.proc().statusField(t, "VmLck")).isEqualTo(64);
        assertThat(k.proc().statusField(t, "VmRSS")).isEqualTo(64);
        assertThat(k.proc().statusField(t, "RssAnon")).isEqualTo(64);
        assertThat(k.proc().statusField(t, "VmData")).isEqualTo(64);
        assertThat(k.proc().statusField(t, "VmExe")).isZero();
        assertThat(k.proc().status(t)).contains("VmLck:\t      64 kB\n");
        k.checkInvariants();
    }

    @Test
    void statusField_unknownName_failsListingTheKnownOnes() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));

        assertThatThrownBy(() -> k.proc().statusField(t, "VmLocked"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("VmLocked")
                .hasMessageContaining("VmPeak, VmSize, VmLck, VmPin");
    }
}
