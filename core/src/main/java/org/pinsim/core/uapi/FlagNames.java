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
    PROT, MAP, MCL, MLOCK, MADV, MREMAP, CLONE, RLIMIT, OPEN, MFD, AT, MPOL, MOVE_STATUS;

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
                "MFD_HUGETLB", Fcntl.MFD_HUGETLB, "MFD_NOEXEC_SEAL", Fcntl.MFD_NOEXEC_SEAL, "MFD_EXEC", Fcntl.MFD_EXEC);
        put(AT, "AT_FDCWD", Fcntl.AT_FDCWD);
        put(MPOL, "MPOL_MF_STRICT", Mempolicy.MPOL_MF_STRICT, "MPOL_MF_MOVE", Mempolicy.MPOL_MF_MOVE,
                "MPOL_MF_MOVE_ALL", Mempolicy.MPOL_MF_MOVE_ALL);
        // move_pages status entries: a node id or -errno, printed by strace as -ENOENT
        put(MOVE_STATUS, "EPERM", Errno.EPERM, "ENOENT", Errno.ENOENT, "ENOMEM", Errno.ENOMEM,
                "EACCES", Errno.EACCES, "EFAULT", Errno.EFAULT, "EBUSY", Errno.EBUSY, "ENODEV", Errno.ENODEV,
                "EINVAL", Errno.EINVAL);
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
