package org.pinsim.core.mm;

import java.util.Arrays;
import org.pinsim.core.uapi.Mempolicy;

/**
 * A memory policy, {@code struct mempolicy} (include/linux/mempolicy.h): its mode, its flags,
 * the nodes it names (after mpol_set_nodemask: within the nodes with memory) and, for
 * MPOL_F_STATIC_NODES / MPOL_F_RELATIVE_NODES, the nodemask as the user gave it
 * ({@code w.user_nodemask}). Immutable: the kernel's mpol_dup copies and mpol_put
 * reference counting become sharing one object. The default policy (no policy: a NULL
 * {@code vm_policy} or {@code task->mempolicy}) is {@code null}.
 *
 * <p>{@code nodes} is a bitmask of node ids below 64 (pinsim's machines have at most 64
 * nodes); the user nodemask keeps every bit the user passed, up to MAX_NUMNODES.
 */
public final class Mpol {
    /** include/linux/numa.h NUMA_NO_NODE. */
    public static final int NUMA_NO_NODE = -1;

    private final int mode;
    private final int flags;
    private final long nodes;
    private final long[] userNodemask;
    private final int homeNode;

    public Mpol(int mode, int flags, long nodes, long[] userNodemask, int homeNode) {
        this.mode = mode;
        this.flags = flags;
        this.nodes = nodes;
        this.userNodemask = userNodemask == null ? null : userNodemask.clone();
        this.homeNode = homeNode;
    }

    public int mode() {
        return mode;
    }

    /** The mode flags (MPOL_F_STATIC_NODES, ...) and internal flags (MPOL_F_MOF, ...). */
    public int flags() {
        return flags;
    }

    /** pol->nodes: the policy's nodes, a bitmask. */
    public long nodes() {
        return nodes;
    }

    public int homeNode() {
        return homeNode;
    }

    /** mpol_store_user_nodemask: pol->flags & MPOL_MODE_FLAGS (the policy keeps the user's nodemask). */
    public boolean storesUserNodemask() {
        return (flags & Mempolicy.MPOL_MODE_FLAGS) != 0;
    }

    /** w.user_nodemask (a copy), for get_mempolicy. */
    public long[] userNodemask() {
        return userNodemask == null ? new long[0] : userNodemask.clone();
    }

    /** mm/mempolicy.c __mpol_equal (with mpol_equal's NULL rules: two defaults are equal). */
    public static boolean equal(Mpol a, Mpol b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a.mode != b.mode || a.flags != b.flags || a.homeNode != b.homeNode) {
            return false;
        }
        if (a.storesUserNodemask() && !Arrays.equals(a.userNodemask, b.userNodemask)) {
            return false;
        }
        return a.mode == Mempolicy.MPOL_LOCAL || a.nodes == b.nodes;
    }

    @Override
    public String toString() {
        return "mpol(mode=" + mode + ", flags=0x" + Integer.toHexString(flags) + ", nodes=0x" + Long.toHexString(nodes) + ")";
    }
}
