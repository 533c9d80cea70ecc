package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;

/**
 * Direct compaction and kcompactd at the scenario level: a 64 MiB machine whose free memory is
 * all single pages between movable ones (every other page of a big mapping dropped), then
 * {@code advance} (kcompactd, mm/compaction.c kcompactd / should_proactive_compact_node) and a
 * THP fault in a MADV_HUGEPAGE region (mm/huge_memory.c vma_thp_gfp_mask, mm/page_alloc.c
 * __alloc_pages_direct_compact).
 */
class CompactionScenarioTest {
    private static final long PAGE = 4096;

    private static Report run(String text) {
        return ScenarioRunner.run(ScenarioRunner.parse("t.pin", text), RunOptions.defaults());
    }

    /** The machine, a process, and the fragmentation, as scenario text. */
    private static String fragmented(String machineKeys, String sysctl) {
        Kernel probe = Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
        long pages = probe.mem().freePagesCount() - 256;
        StringBuilder sb = new StringBuilder();
        sb.append("machine memory=64MiB ").append(machineKeys).append('\n');
        if (!sysctl.isEmpty()) {
            sb.append("sysctl ").append(sysctl).append('\n');
        }
        sb.append("process app uid=0 caps=all layout=empty\n");
        sb.append("buf = mmap(NULL, ").append(pages * PAGE)
                .append(", PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n");
        sb.append("madvise(buf, ").append(pages * PAGE).append(", MADV_NOHUGEPAGE) = 0\n");
        sb.append("touch(buf, ").append(pages * PAGE).append(", write)\n");
        for (long i = 0; i < pages; i += 2) {
            sb.append("madvise(buf + ").append(i * PAGE).append(", 4096, MADV_DONTNEED) = 0\n");
        }
        // fragmentation_score_node: no free pageblock left anywhere
        sb.append("check buddyinfo.0.DMA32.9 == 0\ncheck buddyinfo.0.DMA32.10 == 0\n");
        sb.append("check buddyinfo.0.DMA.9 == 0\ncheck buddyinfo.0.DMA.10 == 0\n");
        sb.append("check fragscore.0 > 90\n");
        return sb.toString();
    }

    @Test
    void kcompactd_advance2s_bringsTheScoreUnderTheHighMark() {
        Report r = run(fragmented("", "") + """
                advance(400ms)
                check fragscore.0 > 90
                check vmstat.compact_daemon_migrate_scanned == 0
                advance(1600ms)
                check fragscore.0 <= 90
                check vmstat.compact_daemon_migrate_scanned > 0
                check vmstat.compact_stall == 0
                """);
        assertThat(r.summary().failed()).isZero();
        assertThat(r.summary().mismatched()).isZero();
        assertThat(r.summary().checks()).isEqualTo(10);
    }

    @Test
    void kcompactd_proactivenessZero_leavesTheScore() {
        Report r = run(fragmented("", "vm.compaction_proactiveness=0") + """
                advance(2s)
                check fragscore.0 > 90
                check vmstat.compact_daemon_migrate_scanned == 0
                check vmstat.pgmigrate_success == 0
                """);
        assertThat(r.summary().failed()).isZero();
        assertThat(r.summary().checks()).isEqualTo(8);
    }

    @Test
    void thpFault_madvised_defragMadvise_compactsDirectly() {
        Report r = run(fragmented("thp_defrag=madvise", "vm.compaction_proactiveness=0") + """
                h = mmap(NULL, 4MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
                madvise(h, 4MiB, MADV_HUGEPAGE) = 0
                touch(h, 4KiB, write)
                check vmstat.compact_stall == 1
                check vmstat.compact_success == 1
                check vmstat.thp_fault_alloc == 1
                check app thp(h) == 2048 kB
                """);
        assertThat(r.summary().failed()).isZero();
        assertThat(r.summary().checks()).isEqualTo(9);
    }

    @Test
    void thpFault_madvised_defragNever_fallsBack() {
        Report r = run(fragmented("thp_defrag=never", "vm.compaction_proactiveness=0") + """
                h = mmap(NULL, 4MiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
                madvise(h, 4MiB, MADV_HUGEPAGE) = 0
                touch(h, 4KiB, write)
                check vmstat.compact_stall == 0
                check vmstat.thp_fault_fallback == 1
                check app thp(h) == 0 kB
                """);
        assertThat(r.summary().failed()).isZero();
        assertThat(r.summary().checks()).isEqualTo(8);
    }
}
