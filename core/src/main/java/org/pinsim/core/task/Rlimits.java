package org.pinsim.core.task;

import org.pinsim.core.uapi.Resource;

/**
 * A process's resource limits (struct signal_struct's rlim[]), shared by the threads of a
 * thread group and copied at fork. Values are unsigned; RLIM_INFINITY is -1.
 */
public final class Rlimits {
    private final long[] cur = new long[Resource.RLIM_NLIMITS];
    private final long[] max = new long[Resource.RLIM_NLIMITS];

    /** include/asm-generic/resource.h INIT_RLIMITS, with RLIMIT_MEMLOCK as given. */
    public Rlimits(long memlockSoft, long memlockHard) {
        for (int i = 0; i < cur.length; i++) {
            cur[i] = Resource.RLIM_INFINITY;
            max[i] = Resource.RLIM_INFINITY;
        }
        cur[Resource.RLIMIT_STACK] = 8L << 20; // _STK_LIM
        cur[Resource.RLIMIT_CORE] = 0;
        cur[Resource.RLIMIT_NOFILE] = 1024; // INR_OPEN_CUR
        max[Resource.RLIMIT_NOFILE] = 4096; // INR_OPEN_MAX
        cur[Resource.RLIMIT_MEMLOCK] = memlockSoft;
        max[Resource.RLIMIT_MEMLOCK] = memlockHard;
    }

    private Rlimits(Rlimits o) {
        System.arraycopy(o.cur, 0, cur, 0, cur.length);
        System.arraycopy(o.max, 0, max, 0, max.length);
    }

    public Rlimits copy() {
        return new Rlimits(this);
    }

    public Rlimit get(int resource) {
        return new Rlimit(cur[resource], max[resource]);
    }

    public long cur(int resource) {
        return cur[resource];
    }

    public long max(int resource) {
        return max[resource];
    }

    public void set(int resource, long c, long m) {
        cur[resource] = c;
        max[resource] = m;
    }

    /** rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT, unsigned as the kernel computes it. */
    public long memlockPages() {
        return cur[Resource.RLIMIT_MEMLOCK] >>> 12;
    }
}
