package org.pinsim.core.prop;

/**
 * The seed of each try: a fixed base mixed with the try's number, so that any one try can be
 * run again alone from its seed, whatever ran before it.
 */
public final class Seeds {

    private Seeds() {
    }

    /**
     * SplitMix64's finalizer over {@code base} stepped {@code i + 1} times by the golden
     * ratio: neighbouring tries get unrelated seeds. Non-negative, so that a seed prints and
     * is typed back as a plain decimal.
     */
    public static long mix(long base, long i) {
        long z = base + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }
}
