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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pinsim.bench.Workloads;

/**
 * JMH view of the hot paths that {@code pinsim bench} times against kbench, on a 64 MiB
 * region (16384 pages) of a default 16 GiB machine. Scores are <b>ns per page</b>
 * ({@link OperationsPerInvocation} = pages), directly comparable with kbench's
 * {@code ns_per_page}.
 *
 * <p>Each op consumes the region state it needs, so each benchmark has its own state whose
 * {@code Level.Invocation} setup rebuilds that state as kbench's chain leaves it (untimed), and
 * whose teardown unmaps what is left. Every op checks its syscall succeeded.
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar -f 1 -wi 2 -i 3
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SyscallBench {
    /** Region size: kbench's 64 MiB. */
    public static final long BYTES = 64L << 20;
    /** Pages per region: the score divisor. */
    public static final int PAGES = (int) (BYTES / Workloads.PAGE_SIZE);

    /** A machine and a process; the region is mapped per invocation by the subclasses. */
    @State(Scope.Thread)
    public abstract static class Region {
        Workloads w;

        @Setup(Level.Trial)
        public void boot() {
            w = Workloads.boot(BYTES);
        }

        /** Unmaps whatever the op left mapped (nothing after a munmap op). */
        @TearDown(Level.Invocation)
        public void unmap() {
            if (w.region() != Workloads.NO_REGION) {
                w.unmapRegion();
            }
        }
    }

    /** Nothing mapped: fault_in_mmap_touch maps and populates the region itself. */
    public static class NoRegion extends Region {
    }

    /** kbench map_region: mapped, never touched (mlock_untouched). */
    public static class Untouched extends Region {
        @Setup(Level.Invocation)
        public void map() {
            w.mapRegion();
        }
    }

    /** R1 after the fault-in: populated, unlocked, never forked (mlock_populated). */
    public static class Populated extends Region {
        @Setup(Level.Invocation)
        public void populate() {
            w.faultInMmapTouch();
        }
    }

    /** R1 after mlock_populated: populated and locked (munlock_populated). */
    public static class PopulatedLocked extends Region {
        @Setup(Level.Invocation)
        public void populateAndLock() {
            w.faultInMmapTouch();
            w.mlockPopulated();
        }
    }

    /** R3 before munmap_locked: locked on fault, touched, forked (the child has exited). */
    public static class LockedForked extends Region {
        @Setup(Level.Invocation)
        public void lockTouchFork() {
            w.mapRegion();
            w.mlock2OnfaultCall();
            w.mlock2OnfaultTouch();
            w.forkLocked();
        }
    }

    /** R4 before fork_populated: mlockall populated the region, munlockall unlocked it. */
    public static class PopulatedByMlockall extends Region {
        @Setup(Level.Invocation)
        public void populate() {
            w.mapRegion();
            w.mlockallCurrentUntouched();
            w.munlockallAfterUntouched();
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long faultInMmapTouch(NoRegion s) {
        return s.w.faultInMmapTouch();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long mlockUntouched(Untouched s) {
        return s.w.mlockUntouched();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long mlockPopulated(Populated s) {
        return s.w.mlockPopulated();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long munlockPopulated(PopulatedLocked s) {
        return s.w.munlockPopulated();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long munmapLocked(LockedForked s) {
        return s.w.munmapLocked();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long forkPopulated(PopulatedByMlockall s) {
        return s.w.forkPopulated();
    }
}
