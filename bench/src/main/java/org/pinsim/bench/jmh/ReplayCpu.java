package org.pinsim.bench.jmh;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * {@link ReplayBench}'s operation timed by the process's CPU time (GC and JIT threads
 * included) as well as by the clock, for a machine too loaded for JMH's wall-clock
 * throughput to mean much: {@code WARMUP} replays of the generated 100,000-line log, then
 * the median, minimum and maximum of {@code MEASURED} more. The invariant checks follow
 * {@code -Dpinsim.invariants} (on by default).
 * <pre>
 * java -cp bench/target/benchmarks.jar org.pinsim.bench.jmh.ReplayCpu 3 5
 * </pre>
 */
public final class ReplayCpu {
    private ReplayCpu() {
    }

    public static void main(String[] args) {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int measured = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] log = StressMmapLog.generate(ReplayBench.LINES);
        org.pinsim.scenario.RunOptions options = org.pinsim.scenario.RunOptions.defaults().withAs(ReplayBench.AS);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] cpu = new double[measured];
        double[] wall = new double[measured];
        for (int i = 0; i < warm + measured; i++) {
            long c0 = os.getProcessCpuTime();
            long w0 = System.nanoTime();
            ReplayBench.replay(log, options);
            long c1 = os.getProcessCpuTime();
            long w1 = System.nanoTime();
            if (i >= warm) {
                cpu[i - warm] = (c1 - c0) / 1e9;
                wall[i - warm] = (w1 - w0) / 1e9;
            }
        }
        Arrays.sort(cpu);
        Arrays.sort(wall);
        double c = cpu[measured / 2];
        double w = wall[measured / 2];
        System.out.printf("%d lines, invariants %s: CPU %.2f s (min %.2f, max %.2f) = %.0f lines/s of CPU;"
                + " wall %.2f s = %.0f lines/s%n", ReplayBench.LINES, System.getProperty("pinsim.invariants", "true"),
                c, cpu[0], cpu[measured - 1], ReplayBench.LINES / c, w, ReplayBench.LINES / w);
    }
}
