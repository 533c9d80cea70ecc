package org.pinsim.scenario;

import org.pinsim.core.Profile;

/**
 * How to run a scenario: {@code kernel} overrides the file's {@code kernel} directive and
 * {@code seed} its machine seed (both null to keep the file's); {@code strict} makes an
 * unknown call invalid input instead of a skipped one.
 */
public record RunOptions(Profile kernel, Long seed, boolean strict) {

    public static RunOptions defaults() {
        return new RunOptions(null, null, false);
    }

    public RunOptions withKernel(Profile p) {
        return new RunOptions(p, seed, strict);
    }

    public RunOptions withSeed(Long s) {
        return new RunOptions(kernel, s, strict);
    }

    public RunOptions withStrict(boolean s) {
        return new RunOptions(kernel, seed, s);
    }
}
