package org.pinsim.scenario;

import org.pinsim.core.Profile;

/**
 * How to run a scenario: {@code kernel} overrides the file's {@code kernel} directive,
 * {@code seed} its machine seed and {@code zeroPage} its machine {@code zero_page} (all null
 * to keep the file's); {@code strict} makes an unknown call invalid input instead of a
 * skipped one.
 */
public record RunOptions(Profile kernel, Long seed, boolean strict, Boolean zeroPage) {

    public RunOptions(Profile kernel, Long seed, boolean strict) {
        this(kernel, seed, strict, null);
    }

    public static RunOptions defaults() {
        return new RunOptions(null, null, false, null);
    }

    public RunOptions withKernel(Profile p) {
        return new RunOptions(p, seed, strict, zeroPage);
    }

    public RunOptions withSeed(Long s) {
        return new RunOptions(kernel, s, strict, zeroPage);
    }

    public RunOptions withStrict(boolean s) {
        return new RunOptions(kernel, seed, s, zeroPage);
    }

    /** Runs as on a machine that does (true) or does not (false) use the shared zero page. */
    public RunOptions withZeroPage(Boolean z) {
        return new RunOptions(kernel, seed, strict, z);
    }
}
