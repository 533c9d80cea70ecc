package org.pinsim.core.uapi;

/** open(2) flags (include/uapi/asm-generic/fcntl.h) and memfd_create(2) flags. */
public final class Fcntl {
    public static final int AT_FDCWD = -100;
    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_ASYNC = 020000;
    public static final int O_DIRECT = 040000;
    public static final int O_LARGEFILE = 0100000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04010000;
    public static final int O_PATH = 010000000;
    public static final int O_TMPFILE = 020200000;

    /** fcntl(2) commands this model runs (include/uapi/asm-generic/fcntl.h, linux/fcntl.h). */
    public static final int F_DUPFD = 0;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;
    /** The descriptor flag of F_GETFD/F_SETFD. */
    public static final int FD_CLOEXEC = 1;

    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    public static final int MFD_HUGETLB = 0x4;
    public static final int MFD_NOEXEC_SEAL = 0x8;
    public static final int MFD_EXEC = 0x10;
    /** include/uapi/linux/memfd.h: log2 of the huge page size in bits 26-31 (MFD_HUGE_2MB = 21 << 26). */
    public static final int MFD_HUGE_SHIFT = 26;
    public static final int MFD_HUGE_MASK = 0x3f;
    public static final int MFD_HUGE_2MB = 21 << MFD_HUGE_SHIFT;
    public static final int MFD_HUGE_1GB = 30 << MFD_HUGE_SHIFT;

    private Fcntl() {
    }
}
