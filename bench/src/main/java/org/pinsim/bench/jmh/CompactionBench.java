package org.pinsim.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.uapi.Mman;
import org.pinsim.core.vmstat.VmEvent;

/**
 * One full compaction pass ({@code compact()}: mm/compaction.c compact_nodes) over a 16 GiB
 * machine (one node, ZONE_NORMAL of 12 GiB) whose process has faulted in 4 GiB of
 * anonymous memory and dropped every other page (MADV_DONTNEED): 524288 pages to move,
 * half-used pageblocks over 4 GiB. Single shot: each measured pass gets a freshly
 * fragmented machine (the setup is not timed). Invariant checks are off in the model's
 * core calls here (none run inside compactMemory).
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar CompactionBench -f 1
 * </pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class CompactionBench {

    static final long MACHINE = 16L << 30;
    static final long USED = 4L << 30;
    static final long PAGE = 4096;

    /** A 16 GiB machine with 4 GiB touched and every other page of it dropped. */
    @State(Scope.Thread)
    public static class Fragmented {
        Kernel k;

        @Setup(Level.Iteration)
        public void boot() {
            k = Kernel.boot(MachineConfig.defaults().withMemory(MACHINE));
            Task t = k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
            long a = t.mmap(0, USED, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0).ret();
            t.touch(a, USED, true);
            for (long off = 0; off < USED; off += 2 * PAGE) {
                t.madvise(a + off, PAGE, Mman.MADV_DONTNEED);
            }
            k.mem().drainAllPages(null);
        }
    }

    @Benchmark
    public long compactMemory_16GiB(Fragmented s) {
        s.k.compactMemory();
        return s.k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS);
    }
}
