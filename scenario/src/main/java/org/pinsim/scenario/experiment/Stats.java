package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * Mean and spread of one figure over the seeds of an experiment: the mean, the sample
 * standard deviation, the half-width of the 95 % confidence interval of the mean (Student's t
 * with n - 1 degrees of freedom), and the smallest and largest value.
 */
record Stats(int n, double mean, double sd, double ci95, double min, double max) {

    /** Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom. */
    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    static Stats of(double[] v) {
        final int n = v.length;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        final double mean = n == 0 ? 0 : sum / n;
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        final double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
        final double t = n < 2 ? 0 : n - 1 <= T95.length ? T95[n - 2] : 1.960;
        return new Stats(n, mean, sd, n > 1 ? t * sd / Math.sqrt(n) : 0, n == 0 ? 0 : min, n == 0 ? 0 : max);
    }

    /** {@link #of(double[])} of counts. */
    static Stats of(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return of(d);
    }

    /** One figure of every run, in run order: the values {@link #of} takes. */
    static <T> double[] column(T[] runs, java.util.function.ToDoubleFunction<? super T> f) {
        double[] v = new double[runs.length];
        for (int i = 0; i < runs.length; i++) {
            v[i] = f.applyAsDouble(runs[i]);
        }
        return v;
    }

    /** "mean ±ci" with {@code decimals} digits after the point. */
    String text(int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f ±%." + decimals + "f", mean, ci95);
    }

    /** "mean ±sd [min..max]" of counts, with {@code decimals} digits after the point. */
    String textSdRange(int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f ±%." + decimals + "f [%d..%d]", mean, sd, (long) min, (long) max);
    }

    void put(ObjectNode o, String name) {
        ObjectNode s = o.putObject(name);
        s.put("mean", mean);
        s.put("sd", sd);
        s.put("ci95", ci95);
        s.put("min", min);
        s.put("max", max);
        s.put("n", n);
    }
}
