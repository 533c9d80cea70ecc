package org.pinsim.core.uapi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The symbolic names Linux defines for each flag-like syscall argument, so that a scenario
 * can write {@code MAP_PRIVATE|MAP_ANONYMOUS} as strace prints it. Every name Linux defines
 * for that argument is here, including those the model ignores (MAP_STACK, MAP_DENYWRITE).
 */
public enum FlagNames {
    PROT, MAP, MCL, MLOCK, MADV, MREMAP, CLONE, RLIMIT, OPEN, MFD, AT, MPOL, MOVE_STATUS,
    /** mbind's and set_mempolicy's mode: a policy (MPOL_BIND, ...) or'ed with mode flags (MPOL_F_STATIC_NODES, ...). */
    MPOL_MODE,
    /** io_uring_register's opcode (enum io_uring_register_op). */
    IORING_REGISTER,
    /** perf_event_attr.type, .size and .config, and perf_event_open's flags. */
    PERF_TYPE, PERF_ATTR_SIZE, PERF_CONFIG, PERF_FLAG, PERF_SAMPLE, PERF_FORMAT,
    /** ibv_reg_mr's access flags (enum ib_uverbs_access_flags). */
    IB_ACCESS,
    /** fcntl(2)'s command (include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h). */
    FCNTL,
    /** The descriptor flags of F_GETFD/F_SETFD. */
    FD;

    private final Map<String, Long> byName = new LinkedHashMap<>();

    static {
        put(PROT, "PROT_NONE", Mman.PROT_NONE, "PROT_READ", Mman.PROT_READ, "PROT_WRITE", Mman.PROT_WRITE,
                "PROT_EXEC", Mman.PROT_EXEC, "PROT_SEM", Mman.PROT_SEM, "PROT_GROWSDOWN", Mman.PROT_GROWSDOWN,
                "PROT_GROWSUP", Mman.PROT_GROWSUP);
        put(MAP, "MAP_FILE", Mman.MAP_FILE, "MAP_SHARED", Mman.MAP_SHARED, "MAP_PRIVATE", Mman.MAP_PRIVATE,
                "MAP_SHARED_VALIDATE", Mman.MAP_SHARED_VALIDATE, "MAP_DROPPABLE", Mman.MAP_DROPPABLE,
                "MAP_FIXED", Mman.MAP_FIXED, "MAP_ANONYMOUS", Mman.MAP_ANONYMOUS, "MAP_ANON", Mman.MAP_ANONYMOUS,
                "MAP_32BIT", Mman.MAP_32BIT, "MAP_ABOVE4G", Mman.MAP_ABOVE4G, "MAP_GROWSDOWN", Mman.MAP_GROWSDOWN,
                "MAP_DENYWRITE", Mman.MAP_DENYWRITE, "MAP_EXECUTABLE", Mman.MAP_EXECUTABLE,
                "MAP_LOCKED", Mman.MAP_LOCKED, "MAP_NORESERVE", Mman.MAP_NORESERVE,
                "MAP_POPULATE", Mman.MAP_POPULATE, "MAP_NONBLOCK", Mman.MAP_NONBLOCK, "MAP_STACK", Mman.MAP_STACK,
                "MAP_HUGETLB", Mman.MAP_HUGETLB, "MAP_SYNC", Mman.MAP_SYNC,
                "MAP_FIXED_NOREPLACE", Mman.MAP_FIXED_NOREPLACE, "MAP_UNINITIALIZED", Mman.MAP_UNINITIALIZED,
                "MAP_HUGE_64KB", 16 << Mman.MAP_HUGE_SHIFT, "MAP_HUGE_2MB", 21 << Mman.MAP_HUGE_SHIFT,
                "MAP_HUGE_1GB", 30 << Mman.MAP_HUGE_SHIFT);
        put(MCL, "MCL_CURRENT", Mman.MCL_CURRENT, "MCL_FUTURE", Mman.MCL_FUTURE, "MCL_ONFAULT", Mman.MCL_ONFAULT);
        put(MLOCK, "MLOCK_ONFAULT", Mman.MLOCK_ONFAULT);
        put(MADV, "MADV_NORMAL", 0, "MADV_RANDOM", 1, "MADV_SEQUENTIAL", 2, "MADV_WILLNEED", 3,
                "MADV_DONTNEED", 4, "MADV_FREE", 8, "MADV_REMOVE", 9, "MADV_DONTFORK", 10, "MADV_DOFORK", 11,
                "MADV_MERGEABLE", 12, "MADV_UNMERGEABLE", 13, "MADV_HUGEPAGE", 14, "MADV_NOHUGEPAGE", 15,
                "MADV_DONTDUMP", 16, "MADV_DODUMP", 17, "MADV_WIPEONFORK", 18, "MADV_KEEPONFORK", 19,
                "MADV_COLD", 20, "MADV_PAGEOUT", 21, "MADV_POPULATE_READ", 22, "MADV_POPULATE_WRITE", 23,
                "MADV_DONTNEED_LOCKED", 24, "MADV_COLLAPSE", 25, "MADV_HWPOISON", 100,
                "MADV_SOFT_OFFLINE", 101, "MADV_GUARD_INSTALL", 102, "MADV_GUARD_REMOVE", 103);
        put(MREMAP, "MREMAP_MAYMOVE", Mman.MREMAP_MAYMOVE, "MREMAP_FIXED", Mman.MREMAP_FIXED,
                "MREMAP_DONTUNMAP", Mman.MREMAP_DONTUNMAP);
        put(CLONE, "CLONE_VM", Sched.CLONE_VM, "CLONE_FS", Sched.CLONE_FS, "CLONE_FILES", Sched.CLONE_FILES,
                "CLONE_SIGHAND", Sched.CLONE_SIGHAND, "CLONE_PIDFD", Sched.CLONE_PIDFD,
                "CLONE_PTRACE", Sched.CLONE_PTRACE, "CLONE_VFORK", Sched.CLONE_VFORK,
                "CLONE_PARENT", Sched.CLONE_PARENT, "CLONE_THREAD", Sched.CLONE_THREAD,
                "CLONE_NEWNS", Sched.CLONE_NEWNS, "CLONE_SYSVSEM", Sched.CLONE_SYSVSEM,
                "CLONE_SETTLS", Sched.CLONE_SETTLS, "CLONE_PARENT_SETTID", Sched.CLONE_PARENT_SETTID,
                "CLONE_CHILD_CLEARTID", Sched.CLONE_CHILD_CLEARTID, "CLONE_DETACHED", Sched.CLONE_DETACHED,
                "CLONE_UNTRACED", Sched.CLONE_UNTRACED, "CLONE_CHILD_SETTID", Sched.CLONE_CHILD_SETTID,
                "CLONE_NEWCGROUP", Sched.CLONE_NEWCGROUP, "CLONE_NEWUTS", Sched.CLONE_NEWUTS,
                "CLONE_NEWIPC", Sched.CLONE_NEWIPC, "CLONE_NEWUSER", Sched.CLONE_NEWUSER,
                "CLONE_NEWPID", Sched.CLONE_NEWPID, "CLONE_NEWNET", Sched.CLONE_NEWNET, "CLONE_IO", Sched.CLONE_IO,
                "SIGCHLD", Sched.SIGCHLD);
        put(RLIMIT, "RLIMIT_CPU", 0, "RLIMIT_FSIZE", 1, "RLIMIT_DATA", 2, "RLIMIT_STACK", 3, "RLIMIT_CORE", 4,
                "RLIMIT_RSS", 5, "RLIMIT_NPROC", 6, "RLIMIT_NOFILE", 7, "RLIMIT_MEMLOCK", 8, "RLIMIT_AS", 9,
                "RLIMIT_LOCKS", 10, "RLIMIT_SIGPENDING", 11, "RLIMIT_MSGQUEUE", 12, "RLIMIT_NICE", 13,
                "RLIMIT_RTPRIO", 14, "RLIMIT_RTTIME", 15, "RLIM_INFINITY", -1L, "RLIM64_INFINITY", -1L);
        put(OPEN, "O_RDONLY", Fcntl.O_RDONLY, "O_WRONLY", Fcntl.O_WRONLY, "O_RDWR", Fcntl.O_RDWR,
                "O_CREAT", Fcntl.O_CREAT, "O_EXCL", Fcntl.O_EXCL, "O_NOCTTY", Fcntl.O_NOCTTY,
                "O_TRUNC", Fcntl.O_TRUNC, "O_APPEND", Fcntl.O_APPEND, "O_NONBLOCK", Fcntl.O_NONBLOCK,
                "O_NDELAY", Fcntl.O_NONBLOCK, "O_DSYNC", Fcntl.O_DSYNC, "O_ASYNC", Fcntl.O_ASYNC,
                "O_DIRECT", Fcntl.O_DIRECT, "O_LARGEFILE", Fcntl.O_LARGEFILE, "O_DIRECTORY", Fcntl.O_DIRECTORY,
                "O_NOFOLLOW", Fcntl.O_NOFOLLOW, "O_NOATIME", Fcntl.O_NOATIME, "O_CLOEXEC", Fcntl.O_CLOEXEC,
                "O_SYNC", Fcntl.O_SYNC, "O_PATH", Fcntl.O_PATH, "O_TMPFILE", Fcntl.O_TMPFILE);
        put(MFD, "MFD_CLOEXEC", Fcntl.MFD_CLOEXEC, "MFD_ALLOW_SEALING", Fcntl.MFD_ALLOW_SEALING,
                "MFD_HUGETLB", Fcntl.MFD_HUGETLB, "MFD_NOEXEC_SEAL", Fcntl.MFD_NOEXEC_SEAL, "MFD_EXEC", Fcntl.MFD_EXEC,
                "MFD_HUGE_2MB", Fcntl.MFD_HUGE_2MB, "MFD_HUGE_1GB", Fcntl.MFD_HUGE_1GB);
        put(AT, "AT_FDCWD", Fcntl.AT_FDCWD);
        put(FCNTL, "F_DUPFD", Fcntl.F_DUPFD, "F_GETFD", Fcntl.F_GETFD, "F_SETFD", Fcntl.F_SETFD,
                "F_GETFL", Fcntl.F_GETFL, "F_SETFL", Fcntl.F_SETFL, "F_GETLK", 5, "F_SETLK", 6, "F_SETLKW", 7,
                "F_SETOWN", 8, "F_GETOWN", 9, "F_SETSIG", 10, "F_GETSIG", 11, "F_SETOWN_EX", 15,
                "F_GETOWN_EX", 16, "F_GETOWNER_UIDS", 17, "F_OFD_GETLK", 36, "F_OFD_SETLK", 37,
                "F_OFD_SETLKW", 38, "F_SETLEASE", 1024, "F_GETLEASE", 1025, "F_NOTIFY", 1026,
                "F_DUPFD_QUERY", 1027, "F_CREATED_QUERY", 1028, "F_DUPFD_CLOEXEC", Fcntl.F_DUPFD_CLOEXEC,
                "F_SETPIPE_SZ", 1031, "F_GETPIPE_SZ", 1032, "F_ADD_SEALS", 1033, "F_GET_SEALS", 1034,
                "F_GET_RW_HINT", 1035, "F_SET_RW_HINT", 1036, "F_GET_FILE_RW_HINT", 1037,
                "F_SET_FILE_RW_HINT", 1038);
        put(FD, "FD_CLOEXEC", Fcntl.FD_CLOEXEC);
        put(IB_ACCESS, "IB_ACCESS_LOCAL_WRITE", Verbs.IB_ACCESS_LOCAL_WRITE,
                "IB_ACCESS_REMOTE_WRITE", Verbs.IB_ACCESS_REMOTE_WRITE, "IB_ACCESS_REMOTE_READ", Verbs.IB_ACCESS_REMOTE_READ,
                "IB_ACCESS_REMOTE_ATOMIC", Verbs.IB_ACCESS_REMOTE_ATOMIC, "IB_ACCESS_MW_BIND", Verbs.IB_ACCESS_MW_BIND,
                "IB_ACCESS_ZERO_BASED", Verbs.IB_ACCESS_ZERO_BASED, "IB_ACCESS_ON_DEMAND", Verbs.IB_ACCESS_ON_DEMAND,
                "IB_ACCESS_HUGETLB", Verbs.IB_ACCESS_HUGETLB, "IB_ACCESS_FLUSH_GLOBAL", Verbs.IB_ACCESS_FLUSH_GLOBAL,
                "IB_ACCESS_FLUSH_PERSISTENT", Verbs.IB_ACCESS_FLUSH_PERSISTENT,
                "IB_ACCESS_RELAXED_ORDERING", Verbs.IB_ACCESS_RELAXED_ORDERING);
        put(MPOL, "MPOL_MF_STRICT", Mempolicy.MPOL_MF_STRICT, "MPOL_MF_MOVE", Mempolicy.MPOL_MF_MOVE,
                "MPOL_MF_MOVE_ALL", Mempolicy.MPOL_MF_MOVE_ALL, "MPOL_MF_LAZY", Mempolicy.MPOL_MF_LAZY);
        put(MPOL_MODE, "MPOL_DEFAULT", Mempolicy.MPOL_DEFAULT, "MPOL_PREFERRED", Mempolicy.MPOL_PREFERRED,
                "MPOL_BIND", Mempolicy.MPOL_BIND, "MPOL_INTERLEAVE", Mempolicy.MPOL_INTERLEAVE,
                "MPOL_LOCAL", Mempolicy.MPOL_LOCAL, "MPOL_PREFERRED_MANY", Mempolicy.MPOL_PREFERRED_MANY,
                "MPOL_WEIGHTED_INTERLEAVE", Mempolicy.MPOL_WEIGHTED_INTERLEAVE,
                "MPOL_F_STATIC_NODES", Mempolicy.MPOL_F_STATIC_NODES, "MPOL_F_RELATIVE_NODES", Mempolicy.MPOL_F_RELATIVE_NODES,
                "MPOL_F_NUMA_BALANCING", Mempolicy.MPOL_F_NUMA_BALANCING);
        // move_pages status entries: a node id or -errno, printed by strace as -ENOENT
        put(MOVE_STATUS, "EPERM", Errno.EPERM, "ENOENT", Errno.ENOENT, "ENOMEM", Errno.ENOMEM,
                "EACCES", Errno.EACCES, "EFAULT", Errno.EFAULT, "EBUSY", Errno.EBUSY, "ENODEV", Errno.ENODEV,
                "EINVAL", Errno.EINVAL);
    }

    static {
        for (int i = 0; i < IoUring.REGISTER_OPS.length; i++) {
            IORING_REGISTER.byName.put(IoUring.REGISTER_OPS[i], (long) i);
        }
        IORING_REGISTER.byName.put("IORING_REGISTER_USE_REGISTERED_RING", IoUring.IORING_REGISTER_USE_REGISTERED_RING);
        put(PERF_TYPE, "PERF_TYPE_HARDWARE", 0, "PERF_TYPE_SOFTWARE", 1, "PERF_TYPE_TRACEPOINT", 2,
                "PERF_TYPE_HW_CACHE", 3, "PERF_TYPE_RAW", 4, "PERF_TYPE_BREAKPOINT", 5);
        put(PERF_ATTR_SIZE, "PERF_ATTR_SIZE_VER0", 64, "PERF_ATTR_SIZE_VER1", 72, "PERF_ATTR_SIZE_VER2", 80,
                "PERF_ATTR_SIZE_VER3", 96, "PERF_ATTR_SIZE_VER4", 104, "PERF_ATTR_SIZE_VER5", 112,
                "PERF_ATTR_SIZE_VER6", 120, "PERF_ATTR_SIZE_VER7", 128, "PERF_ATTR_SIZE_VER8", 136);
        put(PERF_CONFIG, "PERF_COUNT_HW_CPU_CYCLES", 0, "PERF_COUNT_HW_INSTRUCTIONS", 1,
                "PERF_COUNT_HW_CACHE_REFERENCES", 2, "PERF_COUNT_HW_CACHE_MISSES", 3,
                "PERF_COUNT_HW_BRANCH_INSTRUCTIONS", 4, "PERF_COUNT_HW_BRANCH_MISSES", 5, "PERF_COUNT_HW_BUS_CYCLES", 6,
                "PERF_COUNT_HW_STALLED_CYCLES_FRONTEND", 7, "PERF_COUNT_HW_STALLED_CYCLES_BACKEND", 8,
                "PERF_COUNT_HW_REF_CPU_CYCLES", 9,
                "PERF_COUNT_SW_CPU_CLOCK", 0, "PERF_COUNT_SW_TASK_CLOCK", 1, "PERF_COUNT_SW_PAGE_FAULTS", 2,
                "PERF_COUNT_SW_CONTEXT_SWITCHES", 3, "PERF_COUNT_SW_CPU_MIGRATIONS", 4,
                "PERF_COUNT_SW_PAGE_FAULTS_MIN", 5, "PERF_COUNT_SW_PAGE_FAULTS_MAJ", 6,
                "PERF_COUNT_SW_ALIGNMENT_FAULTS", 7, "PERF_COUNT_SW_EMULATION_FAULTS", 8, "PERF_COUNT_SW_DUMMY", 9,
                "PERF_COUNT_SW_BPF_OUTPUT", 10, "PERF_COUNT_SW_CGROUP_SWITCHES", 11);
        put(PERF_FLAG, "PERF_FLAG_FD_NO_GROUP", Perf.PERF_FLAG_FD_NO_GROUP, "PERF_FLAG_FD_OUTPUT",
                Perf.PERF_FLAG_FD_OUTPUT, "PERF_FLAG_PID_CGROUP", Perf.PERF_FLAG_PID_CGROUP,
                "PERF_FLAG_FD_CLOEXEC", Perf.PERF_FLAG_FD_CLOEXEC);
        put(PERF_SAMPLE, "PERF_SAMPLE_IP", 1L, "PERF_SAMPLE_TID", 1L << 1, "PERF_SAMPLE_TIME", 1L << 2,
                "PERF_SAMPLE_ADDR", 1L << 3, "PERF_SAMPLE_READ", 1L << 4, "PERF_SAMPLE_CALLCHAIN", 1L << 5,
                "PERF_SAMPLE_ID", 1L << 6, "PERF_SAMPLE_CPU", 1L << 7, "PERF_SAMPLE_PERIOD", 1L << 8,
                "PERF_SAMPLE_STREAM_ID", 1L << 9, "PERF_SAMPLE_RAW", 1L << 10, "PERF_SAMPLE_BRANCH_STACK", 1L << 11,
                "PERF_SAMPLE_REGS_USER", 1L << 12, "PERF_SAMPLE_STACK_USER", 1L << 13, "PERF_SAMPLE_WEIGHT", 1L << 14,
                "PERF_SAMPLE_DATA_SRC", 1L << 15, "PERF_SAMPLE_IDENTIFIER", 1L << 16,
                "PERF_SAMPLE_TRANSACTION", 1L << 17, "PERF_SAMPLE_REGS_INTR", 1L << 18,
                "PERF_SAMPLE_PHYS_ADDR", 1L << 19, "PERF_SAMPLE_AUX", 1L << 20, "PERF_SAMPLE_CGROUP", 1L << 21,
                "PERF_SAMPLE_DATA_PAGE_SIZE", 1L << 22, "PERF_SAMPLE_CODE_PAGE_SIZE", 1L << 23,
                "PERF_SAMPLE_WEIGHT_STRUCT", 1L << 24);
        put(PERF_FORMAT, "PERF_FORMAT_TOTAL_TIME_ENABLED", 1L, "PERF_FORMAT_TOTAL_TIME_RUNNING", 2L,
                "PERF_FORMAT_ID", 4L, "PERF_FORMAT_GROUP", 8L, "PERF_FORMAT_LOST", 16L);
    }

    private static void put(FlagNames kind, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            kind.byName.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
    }

    /** The value of a name, or null when Linux defines no such name for this argument. */
    public Long value(String name) {
        return byName.get(name);
    }

    /** All names of this argument kind, in definition order. */
    public Map<String, Long> names() {
        return Collections.unmodifiableMap(byName);
    }

    /** The kind a name belongs to, by its prefix, or null. */
    public static FlagNames ofName(String name) {
        for (FlagNames k : values()) {
            if (k.byName.containsKey(name)) {
                return k;
            }
        }
        return null;
    }

    /** Formats a flag word as strace does: known bits by name joined with '|', the rest as hex. */
    public String format(long value) {
        StringBuilder sb = new StringBuilder();
        long rest = value;
        for (Map.Entry<String, Long> e : byName.entrySet()) {
            long bit = e.getValue();
            if (bit != 0 && Long.bitCount(bit) == 1 && (rest & bit) == bit) {
                if (sb.length() > 0) {
                    sb.append('|');
                }
                sb.append(e.getKey());
                rest &= ~bit;
            }
        }
        if (rest != 0 || sb.length() == 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append("0x").append(Long.toHexString(rest));
        }
        return sb.toString();
    }
}
