package org.pinsim.core.mm;

/**
 * The task making a call, as the mm mechanisms see it: {@code current}. Lets mm code ask
 * capable() and rlimit() without depending on the task model, and record why it refused.
 */
public interface Caller {
    Mm mm();

    /** capable(cap) in the caller's credentials. */
    boolean capable(int cap);

    /** rlimit(resource): the soft limit, unsigned. */
    long rlimit(int resource);

    /** rlimit_max(resource): the hard limit, unsigned. */
    long rlimitMax(int resource);

    /** The caller's (real) uid: whose user_struct per-user charges go to. */
    int uid();

    /** Records the rule that refused the current call, for SysResult.reason(). */
    void refuse(String reason);

    /**
     * Records the numbers of the memlock check that refused the current call, for
     * SysResult.limit() (what {@code explain} quotes). The first one recorded wins, as for
     * {@link #refuse}.
     */
    default void refuseLimit(org.pinsim.core.LimitCheck check) {
    }

    /**
     * mm/madvise.c can_do_file_pageout's test of a file: the caller owns it (or has
     * CAP_FOWNER: inode_owner_or_capable) or could open it for writing (file_permission).
     */
    default boolean ownsOrMayWrite(Inode file) {
        return true;
    }
}
