package org.pinsim.core;

/**
 * The numbers of a refused RLIMIT_MEMLOCK (or per-user) check, recorded where the rule
 * refused the call, so that an explanation quotes the model's own decision rather than
 * re-deriving it: which kernel function refused, what was checked, the counter and its value,
 * the request, the pages of the request already counted (and so subtracted), the soft limit,
 * and the smallest soft limit under which this very check would have passed.
 *
 * <p>All sizes are in 4 KiB pages. {@code limitPages} is {@code RLIMIT_MEMLOCK >> PAGE_SHIFT}
 * as the rule computed it (a limit of RLIM_INFINITY never refuses). {@code neededPages} is
 * -1 when no limit would do (the check does not look at RLIMIT_MEMLOCK, or the rule is one
 * only a capability passes). {@code uid} is the user whose user_struct holds the counter
 * (io_uring, perf) and -1 for a per-mm counter; {@code userPages} is that user's
 * user->locked_vm before the call (-1 when not consulted); {@code allowancePages} is perf's
 * perf_event_mlock_kb allowance for the user (-1 elsewhere). {@code bypass} names what lets
 * the caller skip the check (CAP_IPC_LOCK, or for perf also kernel.perf_event_paranoid -1).
 *
 * @param function the kernel function whose check refused ({@code mm/mlock.c: do_mlock})
 * @param what     what was checked, in plain words ({@code the range}, {@code the whole address space})
 * @param counter  the counter the check adds the request to ({@code locked_vm}, {@code user->locked_vm})
 */
public record LimitCheck(String function, String what, String counter, long counterPages, long requestPages,
                         long creditPages, long limitPages, long neededPages, String bypass, int uid,
                         long userPages, long allowancePages) {

    public static final String CAP_IPC_LOCK = "CAP_IPC_LOCK";

    /** A per-mm check: {@code counter + request - credit > limit}; needs exactly that sum. */
    public static LimitCheck mm(String function, String what, String counter, long counterPages, long requestPages,
                                long creditPages, long limitPages) {
        return new LimitCheck(function, what, counter, counterPages, requestPages, creditPages, limitPages,
                counterPages + requestPages - creditPages, CAP_IPC_LOCK, -1, -1, -1);
    }

    /** can_do_mlock: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK refuses any request (EPERM); a limit of the request passes it. */
    public static LimitCheck zero(String function, String what, long requestPages) {
        return new LimitCheck(function, what, "RLIMIT_MEMLOCK", 0, requestPages, 0, 0, Math.max(1, requestPages),
                CAP_IPC_LOCK, -1, -1, -1);
    }
}
