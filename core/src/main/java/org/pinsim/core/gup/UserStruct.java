package org.pinsim.core.gup;

/**
 * kernel/user.c struct user_struct: the per-uid counters, shared by every process of a uid.
 * {@code locked_vm} (pages) is charged by io_uring (its ring memory and fixed buffers, when
 * the ring's creator lacked CAP_IPC_LOCK) and by perf ring buffers up to their per-user
 * allowance. /proc shows it nowhere; it is seen only through the failures it causes.
 */
public final class UserStruct {
    private final int uid;
    private long lockedVm;

    public UserStruct(int uid) {
        this.uid = uid;
    }

    public int uid() {
        return uid;
    }

    /** user->locked_vm, in pages. */
    public long lockedVm() {
        return lockedVm;
    }

    /** atomic_long_add / atomic_long_sub on user->locked_vm. */
    public void addLockedVm(long pages) {
        lockedVm += pages;
    }
}
