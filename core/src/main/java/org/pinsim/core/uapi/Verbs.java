package org.pinsim.core.uapi;

/** include/uapi/rdma/ib_user_ioctl_verbs.h enum ib_uverbs_access_flags (the MR access flags). */
public final class Verbs {
    public static final int IB_ACCESS_LOCAL_WRITE = 1;
    public static final int IB_ACCESS_REMOTE_WRITE = 1 << 1;
    public static final int IB_ACCESS_REMOTE_READ = 1 << 2;
    public static final int IB_ACCESS_REMOTE_ATOMIC = 1 << 3;
    public static final int IB_ACCESS_MW_BIND = 1 << 4;
    public static final int IB_ACCESS_ZERO_BASED = 1 << 5;
    public static final int IB_ACCESS_ON_DEMAND = 1 << 6;
    public static final int IB_ACCESS_HUGETLB = 1 << 7;
    public static final int IB_ACCESS_FLUSH_GLOBAL = 1 << 8;
    public static final int IB_ACCESS_FLUSH_PERSISTENT = 1 << 9;
    public static final int IB_ACCESS_RELAXED_ORDERING = 1 << 20;
    /** IB_UVERBS_ACCESS_OPTIONAL_RANGE: bits 20..29, which a device may ignore. */
    public static final int IB_ACCESS_OPTIONAL = ((1 << 10) - 1) << 20;
    /** include/rdma/ib_verbs.h IB_ACCESS_SUPPORTED. */
    public static final int IB_ACCESS_SUPPORTED = ((IB_ACCESS_FLUSH_PERSISTENT << 1) - 1) | IB_ACCESS_OPTIONAL;

    private Verbs() {
    }

    /** include/rdma/ib_verbs.h ib_access_writable (6.x): the access bits that need a writable pin. */
    public static boolean accessWritable(long access) {
        return (access & (IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC
                | IB_ACCESS_MW_BIND)) != 0;
    }
}
