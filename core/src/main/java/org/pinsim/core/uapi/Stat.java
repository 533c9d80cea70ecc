package org.pinsim.core.uapi;

/** File types and permission bits of i_mode (include/uapi/linux/stat.h). */
public final class Stat {
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_ISVTX = 01000;
    /** S_IRWXUGO plus the set-id and sticky bits: what open(2) keeps of its mode argument. */
    public static final int S_IALLUGO = 07777;
    public static final int S_IXUGO = 0111;

    /** fs/namei.c: the access bits of inode_permission's mask. */
    public static final int MAY_EXEC = 1;
    public static final int MAY_WRITE = 2;
    public static final int MAY_READ = 4;
    public static final int MAY_APPEND = 8;

    private Stat() {
    }
}
