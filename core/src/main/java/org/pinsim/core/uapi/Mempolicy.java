package org.pinsim.core.uapi;

/** include/uapi/linux/mempolicy.h: the MPOL_MF_* flags move_pages(2) and mbind(2) take. */
public final class Mempolicy {
    public static final int MPOL_MF_STRICT = 1 << 0;
    public static final int MPOL_MF_MOVE = 1 << 1;
    public static final int MPOL_MF_MOVE_ALL = 1 << 2;

    /** include/linux/numa.h with CONFIG_NODES_SHIFT=10 (x86-64 defconfig-like distro kernels). */
    public static final int MAX_NUMNODES = 1 << 10;

    private Mempolicy() {
    }
}
