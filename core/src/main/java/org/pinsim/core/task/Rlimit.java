package org.pinsim.core.task;

/** One resource limit, {@code struct rlimit64}; RLIM_INFINITY is -1 (all ones, unsigned). */
public record Rlimit(long cur, long max) {
    public static final long INFINITY = -1L;

    /** rlim_cur > rlim_max, compared unsigned as the kernel does. */
    public boolean softAboveHard() {
        return Long.compareUnsigned(cur, max) > 0;
    }
}
