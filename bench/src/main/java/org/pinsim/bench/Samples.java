package org.pinsim.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The repetitions of each op at one region size, summarised as kbench summarises them
 * (kbench.c {@code median} and {@code emit}): the median over the repetitions (the mean of
 * the two middle ones for an even count, in integer nanoseconds), the minimum and maximum.
 */
final class Samples implements Workloads.Recorder {
    private final long bytes;
    private final long[][] values;
    private final int[] counts;

    /** Room for {@code maxReps} samples of every op, for regions of {@code bytes} (0: no region). */
    Samples(long bytes, int maxReps) {
        this.bytes = bytes;
        this.values = new long[Op.values().length][maxReps];
        this.counts = new int[Op.values().length];
    }

    @Override
    public void add(Op op, long ns) {
        int i = op.ordinal();
        if (counts[i] == values[i].length) {
            throw new IllegalStateException(op + ": more samples than the " + values[i].length + " repetitions");
        }
        values[i][counts[i]++] = ns;
    }

    int count(Op op) {
        return counts[op.ordinal()];
    }

    /** The median of the samples of {@code op}, as kbench computes it. */
    long median(Op op) {
        long[] v = sorted(op);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * kbench's JSON line for {@code op}:
     * {@code {"op","bytes","pages","ns_total","ns_per_page","reps","min_ns","max_ns"}}, with
     * {@code ns_total} the median and {@code ns_per_page} null for no region.
     */
    String jsonLine(Op op) {
        long[] v = sorted(op);
        long med = median(op);
        long pages = bytes / Workloads.PAGE_SIZE;
        String perPage = pages == 0 ? "null" : String.format(Locale.ROOT, "%.3f", (double) med / pages);
        return "{\"op\":\"" + op.kbenchName() + "\",\"bytes\":" + bytes + ",\"pages\":" + pages
                + ",\"ns_total\":" + med + ",\"ns_per_page\":" + perPage + ",\"reps\":" + v.length
                + ",\"min_ns\":" + v[0] + ",\"max_ns\":" + v[v.length - 1] + "}";
    }

    private long[] sorted(Op op) {
        int n = counts[op.ordinal()];
        if (n == 0) {
            throw new IllegalStateException(op + ": no samples");
        }
        long[] v = Arrays.copyOf(values[op.ordinal()], n);
        Arrays.sort(v);
        return v;
    }
}
