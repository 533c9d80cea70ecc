package org.pinsim.core.prop.sys;

/**
 * A file descriptor, symbolically: the result of the op with id {@code op} (io_uring_setup,
 * perf_event_open, openat), or the number {@code fallback} when that op is gone or failed
 * ({@code op == -1}: always the number).
 */
public record Fd(int op, int fallback) {
}
