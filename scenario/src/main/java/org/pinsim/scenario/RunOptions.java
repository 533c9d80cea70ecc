package org.pinsim.scenario;

import org.pinsim.core.Profile;

/**
 * How to run a scenario: {@code kernel} overrides the file's {@code kernel} directive,
 * {@code seed} its machine seed and {@code zeroPage} its machine {@code zero_page} (all null
 * to keep the file's); {@code strict} makes an unknown call invalid input instead of a
 * skipped one; {@code as}, when not null, is {@code --as}: the keys of a {@code process}
 * directive ({@code uid=0 caps=-sys_resource rlimit.memlock=64KiB}, optionally after
 * {@code PID:}) applied to the first process, which its children inherit ({@link As}).
 */
public record RunOptions(Profile kernel, Long seed, boolean strict, Boolean zeroPage, String as) {

    public RunOptions(Profile kernel, Long seed, boolean strict) {
        this(kernel, seed, strict, null, null);
    }

    public RunOptions(Profile kernel, Long seed, boolean strict, Boolean zeroPage) {
        this(kernel, seed, strict, zeroPage, null);
    }

    public static RunOptions defaults() {
        return new RunOptions(null, null, false, null, null);
    }

    public RunOptions withKernel(Profile p) {
        return new RunOptions(p, seed, strict, zeroPage, as);
    }

    public RunOptions withSeed(Long s) {
        return new RunOptions(kernel, s, strict, zeroPage, as);
    }

    public RunOptions withStrict(boolean s) {
        return new RunOptions(kernel, seed, s, zeroPage, as);
    }

    /** Runs as on a machine that does (true) or does not (false) use the shared zero page. */
    public RunOptions withZeroPage(Boolean z) {
        return new RunOptions(kernel, seed, strict, z, as);
    }

    /** {@code --as 'KEY=VALUE ...'} or {@code --as 'PID: KEY=VALUE ...'}; null for none. */
    public RunOptions withAs(String a) {
        return new RunOptions(kernel, seed, strict, zeroPage, a);
    }
}
