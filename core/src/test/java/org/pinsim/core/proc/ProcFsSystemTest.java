package org.pinsim.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_LOCKED;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;

/** /proc/meminfo, /proc/vmstat and /proc/buddyinfo against the reference box's formats. */
class ProcFsSystemTest {
    /** The reference box's /proc/meminfo labels, in order. */
    private static final List<String> LINUX_MEMINFO = Arrays.asList(("MemTotal MemFree MemAvailable Buffers Cached "
            + "SwapCached Active Inactive Active(anon) Inactive(anon) Active(file) Inactive(file) Unevictable Mlocked "
            + "SwapTotal SwapFree Zswap Zswapped Dirty Writeback AnonPages Mapped Shmem KReclaimable Slab "
            + "SReclaimable SUnreclaim KernelStack PageTables SecPageTables NFS_Unstable Bounce WritebackTmp "
            + "CommitLimit Committed_AS VmallocTotal VmallocUsed VmallocChunk Percpu AnonHugePages ShmemHugePages "
            + "ShmemPmdMapped FileHugePages FilePmdMapped Balloon HugePages_Total HugePages_Free HugePages_Rsvd "
            + "HugePages_Surp Hugepagesize Hugetlb DirectMap4k DirectMap2M DirectMap1G").split(" "));

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    private static Kernel withLockedProcess() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));
        t.mmap(0, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
        return k;
    }

    @Test
    void meminfo_linesAreInLinuxOrderWithLinuxWidths() {
        Kernel k = withLockedProcess();

        List<String> labels = new ArrayList<>();
        for (String line : k.proc().meminfo().split("\n")) {
            String label = line.substring(0, line.indexOf(':'));
            labels.add(label);
            if (label.startsWith("HugePages_")) {
                // "HugePages_Total:       0" as the reference box prints it
                assertThat(line).matches(Pattern.quote(label) + ": +\\d+").hasSize(24);
            } else {
                // show_val_kb: "MemTotal:       24683656 kB"
                assertThat(line).matches(Pattern.quote(label) + ": +\\d+ kB").hasSize(27);
            }
        }
        assertThat(LINUX_MEMINFO).containsSubsequence(labels);
        assertThat(labels).contains("MemTotal", "MemFree", "MemAvailable", "Cached", "Active(anon)", "Unevictable",
                "Mlocked", "AnonPages", "Mapped", "Shmem", "PageTables", "Dirty");
    }

    @Test
    void meminfo_fieldsFollowTheModel() {
        Kernel k = withLockedProcess();

        assertThat(k.proc().meminfoField("MemTotal")).isEqualTo(k.mem().totalPages() * 4);
        assertThat(k.proc().meminfoField("MemFree")).isEqualTo(k.mem().freePagesCount() * 4);
        assertThat(k.proc().meminfoField("Mlocked")).isEqualTo(k.vmstat().get(NodeStat.NR_MLOCK) * 4)
                .isGreaterThanOrEqualTo(64);
        // pages a fault has just mlocked may still wait in the mlock batch, off the LRU
        assertThat(k.proc().meminfoField("Unevictable")).isEqualTo(k.lru().nrPages(Lru.LRU_UNEVICTABLE) * 4);
        assertThat(k.proc().meminfoField("PageTables")).isEqualTo(k.vmstat().get(NodeStat.NR_PAGETABLE) * 4);
        // mm/show_mem.c si_mem_available: free - totalreserve_pages + pagecache - min(pagecache / 2, wmark_low)
        long pagecache = (k.proc().meminfoField("Active(file)") + k.proc().meminfoField("Inactive(file)")) / 4;
        // The 64 MiB machine (DMA 4095, DMA32 12287 managed pages): min_free_kbytes = int_sqrt(16382 * 4 * 16)
        // = 1023, raised by set_recommended_min_free_kbytes to min(512 * 2 * 11, 16004 / 20) = 800 pages.
        // __setup_per_zone_wmarks: DMA min 800 * 4095 / 16382 = 199, gap max(49, 4) = 49: low 248, high 297;
        // DMA32 min 600, gap 150: low 750, high 900; empty Normal 0; empty Movable min = low = high = 32.
        // calculate_totalreserve_pages: DMA min(12287 / 256 + 297, 4095) = 344, DMA32 0 + 900, empty zones 0.
        long reserve = 344 + 900;
        assertThat(k.mem().totalreservePages()).isEqualTo(reserve);
        assertThat(k.mem().lowWmarkPagesTotal()).isEqualTo(248 + 750 + 0 + 32);
        assertThat(k.proc().meminfoField("MemAvailable")).isEqualTo(4 * Math.max(0, k.mem().freePagesCount() - reserve
                + pagecache - Math.min(pagecache / 2, 1030)));
        assertThat(k.proc().meminfoField("Hugepagesize")).isEqualTo(2048);
        assertThat(k.proc().meminfo()).contains("Mlocked:        " + String.format("%8d", k.vmstat().get(NodeStat.NR_MLOCK) * 4) + " kB\n");
    }

    @Test
    void meminfoField_unknownOrUnmodelledLine_failsListingTheKnownOnes() {
        Kernel k = boot();

        assertThatThrownBy(() -> k.proc().meminfoField("Slab")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Slab'").hasMessageContaining("MemTotal, MemFree, MemAvailable");
    }

    @Test
    void vmstat_namesAreInLinuxOrder_andEveryModelCounterIsPrinted() {
        Kernel k = withLockedProcess();

        List<String> names = new ArrayList<>();
        for (String line : k.proc().vmstat().split("\n")) {
            assertThat(line).matches("[a-z0-9_]+ -?\\d+");
            names.add(line.substring(0, line.indexOf(' ')));
        }

        assertThat(Arrays.asList(Vmstat.KERNEL_ORDER)).containsSubsequence(names);
        for (NodeStat s : NodeStat.values()) {
            assertThat(names).contains(s.procName());
        }
        for (VmEvent e : VmEvent.values()) {
            assertThat(names).contains(e.procName());
        }
        assertThat(names).startsWith("nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
                "nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable", "nr_mlock");
    }

    @Test
    void vmstatField_readsTheModelsCounters() {
        Kernel k = withLockedProcess();

        assertThat(k.proc().vmstatField("nr_free_pages")).isEqualTo(k.mem().freePagesCount());
        assertThat(k.proc().vmstatField("nr_mlock")).isEqualTo(k.vmstat().get(NodeStat.NR_MLOCK));
        assertThat(k.proc().vmstatField("nr_unevictable")).isEqualTo(k.proc().vmstatField("nr_zone_unevictable"))
                .isEqualTo(k.lru().nrPages(Lru.LRU_UNEVICTABLE));
        assertThat(k.proc().vmstatField("unevictable_pgs_mlocked"))
                .isEqualTo(k.vmstat().get(VmEvent.UNEVICTABLE_PGMLOCKED)).isGreaterThanOrEqualTo(16);
        assertThat(k.proc().vmstatField("pgfault")).isEqualTo(k.vmstat().get(VmEvent.PGFAULT));
    }

    @Test
    void vmstatField_unknownName_failsListingTheKnownOnes() {
        Kernel k = boot();

        assertThatThrownBy(() -> k.proc().vmstatField("nr_slab_reclaimable"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nr_slab_reclaimable'").hasMessageContaining("nr_free_pages, nr_zone_inactive_anon");
    }

    @Test
    void buddyinfo_isTheAllocatorsView_inLinuxFormat() {
        Kernel k = boot();

        String b = k.proc().buddyinfo();

        assertThat(b).isEqualTo(k.mem().buddyinfo());
        // "Node 0, zone      DMA      0      0 ... " as the reference box prints it
        for (String line : b.split("\n")) {
            assertThat(line).matches("Node \\d+, zone +[A-Za-z0-9]+( +\\d+){11} ").hasSize(99);
        }
    }
}
