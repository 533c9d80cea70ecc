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
import org.pinsim.core.mem.Ager;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;

/**
 * The page allocator alone (mm/page_alloc.c paths of {@link PhysMem}), ns per call, on a
 * 1 GiB machine of 2 CPUs:
 * <ul>
 * <li>{@code order0_pcp}: alloc_pages(GFP_HIGHUSER_MOVABLE, 0) and its free, both through
 *     CPU 0's pcp list (the common case).</li>
 * <li>{@code order9_fresh}: a THP-sized allocation (GFP_TRANSHUGE_LIGHT, order 9) and its
 *     free on a fresh machine (the pcp THP list and the buddy).</li>
 * <li>{@code order9_aged}: the same after {@code age=150%} ({@link Ager}).</li>
 * <li>{@code order9_fragmented_fails}: every other page of the machine allocated, so no
 *     free block reaches order 1 and an order-9 GFP_TRANSHUGE_LIGHT request fails: the
 *     cost of the fast path's and the slow path's order-aware watermark checks.</li>
 * </ul>
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar PageAllocBench -f 1 -wi 2 -i 3
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PageAllocBench {

    static final long MACHINE = 1L << 30;

    /** A fresh machine. */
    @State(Scope.Thread)
    public static class Fresh {
        PhysMem mem;

        @Setup(Level.Trial)
        public void boot() {
            mem = new PhysMem(MACHINE, 1, 2, 0, 0, 0);
        }
    }

    /** An aged machine (age=150%, seed 1). */
    @State(Scope.Thread)
    public static class Aged {
        PhysMem mem;

        @Setup(Level.Trial)
        public void boot() {
            mem = new PhysMem(MACHINE, 1, 2, 0, 0, 0);
            new Ager(mem, 1).age(150);
        }
    }

    /** Every page allocated, then every odd pfn freed: free memory in order-0 blocks only. */
    @State(Scope.Thread)
    public static class Fragmented {
        PhysMem mem;

        @Setup(Level.Trial)
        public void boot() {
            mem = new PhysMem(MACHINE, 1, 2, 0, 0, 0);
            int[] taken = new int[mem.nrFrames()];
            int n = 0;
            for (int pfn = mem.allocPage(0); pfn != FrameTable.NO_FRAME; pfn = mem.allocPage(0)) {
                taken[n++] = pfn;
            }
            for (int i = 0; i < n; i++) {
                if ((taken[i] & 1) != 0) {
                    mem.freePage(taken[i]);
                }
            }
            mem.drainAllPages(null);
        }
    }

    @Benchmark
    public int order0_pcp(Fresh s) {
        int pfn = s.mem.allocPages(0, 0, Gfp.GFP_HIGHUSER_MOVABLE);
        s.mem.freePage(pfn);
        return pfn;
    }

    @Benchmark
    public int order9_fresh(Fresh s) {
        int pfn = s.mem.allocPages(9, 0, Gfp.GFP_TRANSHUGE_LIGHT);
        s.mem.freePages(pfn, 9);
        return pfn;
    }

    @Benchmark
    public int order9_aged(Aged s) {
        int pfn = s.mem.allocPages(9, 0, Gfp.GFP_TRANSHUGE_LIGHT);
        s.mem.freePages(pfn, 9);
        return pfn;
    }

    @Benchmark
    public int order9_fragmented_fails(Fragmented s) {
        int pfn = s.mem.allocPages(9, 0, Gfp.GFP_TRANSHUGE_LIGHT);
        if (pfn != FrameTable.NO_FRAME) {
            throw new IllegalStateException("an order-9 block in a fragmented machine at " + pfn);
        }
        return pfn;
    }
}
