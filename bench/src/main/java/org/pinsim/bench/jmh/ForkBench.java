package org.pinsim.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pinsim.bench.Workloads;

/**
 * fork + child exit of a populated 64 MiB region (16384 pages), scored in <b>ns per page</b>,
 * in the states {@code pinsim bench} forks it: {@code fork_populated} (mlockall populated the
 * region, munlockall unlocked it: every PTE still writable, so fork write-protects each) and
 * {@code fork_locked} (mlock2(MLOCK_ONFAULT) and a touch of every page). With
 * {@code pinnedMm = true} the process first registered and unregistered an io_uring buffer,
 * so its mm has MMF_HAS_PINNED as the bench process has after its R1 chain, and every fork
 * checks each anonymous page for a pin (folio_needs_cow_for_dma).
 * {@code forkPopulatedAgain} forks a region that earlier forks already write-protected.
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar ForkBench
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ForkBench {
    /** Region size: kbench's 64 MiB. */
    public static final long BYTES = 64L << 20;
    /** Pages per region: the score divisor. */
    public static final int PAGES = (int) (BYTES / Workloads.PAGE_SIZE);

    /** A machine and a process, with or without MMF_HAS_PINNED. */
    @State(Scope.Thread)
    public abstract static class Proc {
        @Param({"true", "false"})
        public boolean pinnedMm;

        Workloads w;

        @Setup(Level.Trial)
        public void boot() {
            w = Workloads.boot(BYTES);
            if (pinnedMm) {
                // as the bench's R1 chain: a long-term pin sets MMF_HAS_PINNED for good
                w.mapRegion();
                w.touchRegion();
                w.setupRing();
                w.iouringRegister();
                w.iouringUnregister();
                w.closeRing();
                w.unmapRegion();
            }
        }
    }

    /** R4 before fork_populated: mlockall populated the region, munlockall unlocked it. */
    public static class Populated extends Proc {
        @Setup(Level.Invocation)
        public void populate() {
            w.mapRegion();
            w.mlockallCurrentUntouched();
            w.munlockallAfterUntouched();
        }

        @TearDown(Level.Invocation)
        public void unmap() {
            w.unmapRegion();
        }
    }

    /** R3 before fork_locked: locked on fault and touched. */
    public static class Locked extends Proc {
        @Setup(Level.Invocation)
        public void lockAndTouch() {
            w.mapRegion();
            w.mlock2OnfaultCall();
            w.mlock2OnfaultTouch();
        }

        @TearDown(Level.Invocation)
        public void unmap() {
            w.unmapRegion();
        }
    }

    /** A populated region mapped once for the trial: every fork after the first finds it write-protected. */
    public static class PopulatedOnce extends Proc {
        @Setup(Level.Trial)
        public void populate() {
            w.mapRegion();
            w.touchRegion();
        }

        @TearDown(Level.Trial)
        public void unmap() {
            w.unmapRegion();
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long forkPopulated(Populated s) {
        return s.w.forkPopulated();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long forkLocked(Locked s) {
        return s.w.forkLocked();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long forkPopulatedAgain(PopulatedOnce s) {
        return s.w.forkPopulated();
    }
}
