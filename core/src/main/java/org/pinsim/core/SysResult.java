package org.pinsim.core;

import org.pinsim.core.uapi.Errno;

/**
 * What a syscall returned: the raw kernel return value ({@code -errno} on failure, as the
 * syscall entry returns it) and, for a refusal, the rule that refused it, so that a user can
 * be told why ({@code "mlock: 20 pages + locked_vm 0 > RLIMIT_MEMLOCK 16 pages"}); when the rule
 * was a memlock limit check, {@code limit} holds its numbers (null otherwise).
 *
 * <p>Expected failures are values, not exceptions.
 */
public record SysResult(long ret, String reason, LimitCheck limit) {

    /** A result without the numbers of a limit check ({@code limit} null). */
    public SysResult(long ret, String reason) {
        this(ret, reason, null);
    }

    /** Largest errno a syscall can return (include/linux/err.h MAX_ERRNO). */
    public static final int MAX_ERRNO = 4095;

    public static SysResult ok(long value) {
        return new SysResult(value, null);
    }

    public static SysResult err(int errno, String reason) {
        return new SysResult(-errno, reason);
    }

    /** True when the kernel returned an error (IS_ERR_VALUE). */
    public boolean isError() {
        return ret < 0 && ret >= -MAX_ERRNO;
    }

    /** The errno, or 0 on success. */
    public int errno() {
        return isError() ? (int) -ret : 0;
    }

    /** What userspace sees as the return value: -1 on error, else the value. */
    public long value() {
        return isError() ? -1 : ret;
    }

    @Override
    public String toString() {
        if (isError()) {
            return "-1 " + Errno.name(errno()) + " (" + Errno.text(errno()) + ")";
        }
        return ret >= 0 && ret < 0x10000 ? Long.toString(ret) : "0x" + Long.toHexString(ret);
    }
}
