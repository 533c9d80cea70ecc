package org.pinsim.core.uapi;

/** include/uapi/linux/mempolicy.h: the policies, mode flags and MPOL_MF_* flags of mbind(2), set_mempolicy(2), get_mempolicy(2) and move_pages(2). */
public final class Mempolicy {
    // the policies (enum in mempolicy.h)
    public static final int MPOL_DEFAULT = 0;
    public static final int MPOL_PREFERRED = 1;
    public static final int MPOL_BIND = 2;
    public static final int MPOL_INTERLEAVE = 3;
    public static final int MPOL_LOCAL = 4;
    public static final int MPOL_PREFERRED_MANY = 5;
    public static final int MPOL_WEIGHTED_INTERLEAVE = 6;
    public static final int MPOL_MAX = 7;

    // mode flags, or'ed into the mode of mbind and set_mempolicy
    public static final int MPOL_F_STATIC_NODES = 1 << 15;
    public static final int MPOL_F_RELATIVE_NODES = 1 << 14;
    public static final int MPOL_F_NUMA_BALANCING = 1 << 13;
    public static final int MPOL_MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;

    // get_mempolicy's flags
    public static final int MPOL_F_NODE = 1 << 0;
    public static final int MPOL_F_ADDR = 1 << 1;
    public static final int MPOL_F_MEMS_ALLOWED = 1 << 2;

    // internal policy flags (include/uapi/linux/mempolicy.h: "share the struct mempolicy flags word")
    public static final int MPOL_F_MOF = 1 << 3;
    public static final int MPOL_F_MORON = 1 << 4;

    public static final int MPOL_MF_STRICT = 1 << 0;
    public static final int MPOL_MF_MOVE = 1 << 1;
    public static final int MPOL_MF_MOVE_ALL = 1 << 2;
    public static final int MPOL_MF_LAZY = 1 << 3;
    public static final int MPOL_MF_INTERNAL = 1 << 4;
    public static final int MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL;
    /** mm/internal.h: the walk's internal flags. */
    public static final int MPOL_MF_DISCONTIG_OK = MPOL_MF_INTERNAL << 0;
    public static final int MPOL_MF_INVERT = MPOL_MF_INTERNAL << 1;
    public static final int MPOL_MF_WRLOCK = MPOL_MF_INTERNAL << 2;

    /** include/linux/numa.h with CONFIG_NODES_SHIFT=10 (x86-64 defconfig-like distro kernels). */
    public static final int MAX_NUMNODES = 1 << 10;

    private Mempolicy() {
    }
}
