package org.pinsim.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BenchRunnerTest {

    private static final Pattern KBENCH_LINE = Pattern.compile(
            "\\{\"op\":\"[a-z0-9_]+\",\"bytes\":\\d+,\"pages\":\\d+,\"ns_total\":\\d+,"
                    + "\"ns_per_page\":(\\d+\\.\\d{3}|null),\"reps\":\\d+,\"min_ns\":\\d+,\"max_ns\":\\d+}");

    @Test
    void parseSize_binaryUnits_caseInsensitive() {
        assertThat(BenchRunner.parseSize("4MiB")).isEqualTo(4L << 20);
        assertThat(BenchRunner.parseSize("64m")).isEqualTo(64L << 20);
        assertThat(BenchRunner.parseSize("1GiB")).isEqualTo(1L << 30);
        assertThat(BenchRunner.parseSize("8KiB")).isEqualTo(8192);
        assertThat(BenchRunner.parseSize("4096")).isEqualTo(4096);
    }

    @Test
    void parseSize_badInput_failsWithReason() {
        assertThatThrownBy(() -> BenchRunner.parseSize("4MB")).hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> BenchRunner.parseSize("MiB")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> BenchRunner.parseSize("100")).hasMessageContaining("multiple of 4KiB");
        assertThatThrownBy(() -> BenchRunner.parseSize("16GiB")).hasMessageContaining("half the simulated machine");
        assertThatThrownBy(() -> BenchRunner.parseSize("99999999999999GiB")).hasMessageContaining("too large");
    }

    @Test
    void reps_asKbench() {
        assertThat(BenchRunner.reps(4L << 20)).isEqualTo(9);
        assertThat(BenchRunner.reps(64L << 20)).isEqualTo(7);
        assertThat(BenchRunner.reps(1L << 30)).isEqualTo(3);
        assertThat(BenchRunner.reps(4L << 30)).isEqualTo(1);
    }

    @Test
    void parseOps_commaListsAndRepeats_keepKbenchOrder() {
        assertThat(BenchRunner.parseOps(List.of("munmap_locked,fault_in_mmap_touch", "MLOCK_POPULATED")))
                .containsExactly(Op.FAULT_IN_MMAP_TOUCH, Op.MLOCK_POPULATED, Op.MUNMAP_LOCKED);
        assertThat(BenchRunner.parseOps(List.of())).hasSize(Op.values().length);
    }

    @Test
    void parseOps_unknown_listsKnownOps() {
        assertThatThrownBy(() -> BenchRunner.parseOps(List.of("mlock_everything")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown op 'mlock_everything'")
                .hasMessageContaining("fault_in_mmap_touch, mlock_populated");
    }

    @Test
    void run_printsKbenchFieldsAndMetaLines_everyOpModelled() {
        StringWriter sw = new StringWriter();
        BenchRunner.Options o = BenchRunner.Options.defaults()
                .withOps(EnumSet.of(Op.MUNLOCK_POPULATED, Op.MADVISE_DONTNEED, Op.IOURING_UNREGISTER))
                .withSizes(List.of(64L << 10)).withWarmup(false);
        new BenchRunner(o, new PrintWriter(sw), null).run();
        List<String> lines = sw.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("{\"op\":\"meta_bench\"");
        assertThat(lines).noneMatch(l -> l.startsWith("{\"op\":\"meta_skipped\""));
        assertThat(Op.values()).allMatch(Op::modelled);
        assertThat(lines).anyMatch(l -> l.startsWith("{\"op\":\"meta_heap_bytes_per_frame\"")
                && l.contains("\"frames\":4194304"));
        List<String> timed = lines.stream().filter(l -> !l.startsWith("{\"op\":\"meta_")).toList();
        assertThat(timed).hasSize(3);
        assertThat(timed.get(0)).startsWith("{\"op\":\"munlock_populated\",\"bytes\":65536,\"pages\":16,");
        assertThat(timed.get(1)).startsWith("{\"op\":\"iouring_unregister\",\"bytes\":65536,\"pages\":16,");
        assertThat(timed.get(2)).startsWith("{\"op\":\"madvise_dontneed\",\"bytes\":65536,\"pages\":16,");
        assertThat(timed).allMatch(l -> KBENCH_LINE.matcher(l).matches()).allMatch(l -> l.contains("\"reps\":9,"));
    }
}
