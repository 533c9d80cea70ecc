package org.pinsim.core.migrate;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.EIO;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Mempolicy.MAX_NUMNODES;
import static org.pinsim.core.uapi.Mempolicy.MPOL_BIND;
import static org.pinsim.core.uapi.Mempolicy.MPOL_DEFAULT;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_ADDR;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_MEMS_ALLOWED;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_MOF;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_MORON;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_NODE;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_NUMA_BALANCING;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_RELATIVE_NODES;
import static org.pinsim.core.uapi.Mempolicy.MPOL_F_STATIC_NODES;
import static org.pinsim.core.uapi.Mempolicy.MPOL_INTERLEAVE;
import static org.pinsim.core.uapi.Mempolicy.MPOL_LOCAL;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MAX;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_DISCONTIG_OK;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_INVERT;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE_ALL;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_STRICT;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_VALID;
import static org.pinsim.core.uapi.Mempolicy.MPOL_MODE_FLAGS;
import static org.pinsim.core.uapi.Mempolicy.MPOL_PREFERRED;
import static org.pinsim.core.uapi.Mempolicy.MPOL_PREFERRED_MANY;
import static org.pinsim.core.uapi.Mempolicy.MPOL_WEIGHTED_INTERLEAVE;

import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.Gfp;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Mpol;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.task.Caps;

/**
 * mm/mempolicy.c (Linux 6.18): mbind(2) (kernel_mbind, do_mbind, queue_pages_range,
 * mbind_range, the migration to the policy's nodes), set_mempolicy(2), get_mempolicy(2), and
 * the allocation of a page by policy (vma_alloc_folio / alloc_pages -> alloc_pages_mpol ->
 * policy_nodemask), which the fault path calls through {@link Memory.PolicyAlloc}.
 *
 * <p>What pinsim assumes: every task runs on CPU 0, so {@code numa_node_id()} is node 0;
 * every task's cpuset allows every node, and every node has memory and CPUs (N_MEMORY,
 * N_HIGH_MEMORY), so {@code cpuset_current_mems_allowed & node_states[N_MEMORY]} is every
 * node of the machine and policies are never rebound. {@code nr_node_ids} is the machine's
 * node count.
 *
 * <h2>Not modelled</h2>
 * Shared (shmem) policies: mbind of a shmem mapping sets the VMA's policy only
 * (shmem_set_policy's per-inode tree is not kept), and a page-cache page (shmem included) is
 * allocated by the task's policy, as filemap_alloc_folio does for regular files. Weighted
 * interleave takes every node's weight as 1 (no HMAT bandwidth data, wi_state's default).
 * MPOL_F_NUMA_BALANCING is accepted and checked but NUMA balancing does not run.
 * set_mempolicy_home_node(2) and migrate_pages(2) are not modelled. Kernel allocations
 * (io_uring rings, perf buffers) stay on node 0.
 */
public final class Mbind implements Memory.PolicyAlloc {
    /** include/linux/mempolicy.h NO_INTERLEAVE_INDEX: alloc_pages() interleaves by the task's il_prev. */
    private static final long NO_INTERLEAVE_INDEX = -1;
    /** PAGE_SIZE * BITS_PER_BYTE: get_nodes' largest maxnode. */
    private static final long MAX_MAXNODE = 4096L * 8;
    /** The words of a nodemask_t of MAX_NUMNODES bits. */
    private static final int NODEMASK_LONGS = MAX_NUMNODES / 64;

    private final Kernel k;
    private final Migrate migrate;

    public Mbind(Kernel k, Migrate migrate) {
        this.k = k;
        this.migrate = migrate;
    }

    private PhysMem mem() {
        return k.mem();
    }

    /** node_states[N_MEMORY] & cpuset_current_mems_allowed: every node of the machine. */
    private long memoryNodes() {
        int n = mem().nrNodes();
        return n >= 64 ? -1L : (1L << n) - 1;
    }

    // ---- the user's arguments ----

    /** The mode and mode flags after sanitize_mpol_flags, or an error. */
    private record Mode(int mode, int flags, int err) {
    }

    /** mm/mempolicy.c sanitize_mpol_flags. */
    private static Mode sanitizeMpolFlags(long rawMode) {
        int lmode = (int) rawMode;
        int flags = lmode & MPOL_MODE_FLAGS;
        lmode &= ~MPOL_MODE_FLAGS;
        if (Integer.compareUnsigned(lmode, MPOL_MAX) >= 0) {
            return new Mode(0, 0, -EINVAL);
        }
        if ((flags & MPOL_F_STATIC_NODES) != 0 && (flags & MPOL_F_RELATIVE_NODES) != 0) {
            return new Mode(0, 0, -EINVAL);
        }
        if ((flags & MPOL_F_NUMA_BALANCING) != 0) {
            if (lmode != MPOL_BIND && lmode != MPOL_PREFERRED_MANY) {
                return new Mode(0, 0, -EINVAL);
            }
            flags |= MPOL_F_MOF | MPOL_F_MORON;
        }
        return new Mode(lmode, flags, 0);
    }

    /**
     * mm/mempolicy.c get_nodes / get_bitmap: the nodemask the user passed, MAX_NUMNODES bits
     * wide. {@code nmask} null is a NULL pointer; words past its end read as 0 (the live
     * executor passes the array in a zeroed page).
     *
     * @return the words, or null with {@code err[0]} set (-EINVAL)
     */
    private static long[] getNodes(long[] nmask, long maxnode, int[] err) {
        long[] nodes = new long[NODEMASK_LONGS];
        maxnode--; // "--maxnode"
        if (maxnode == 0 || nmask == null) {
            return nodes;
        }
        if (Long.compareUnsigned(maxnode, MAX_MAXNODE) > 0) {
            err[0] = -EINVAL;
            return null;
        }
        // "When the user specified more nodes than supported just check if the non supported part is all zero"
        while (maxnode > MAX_NUMNODES) {
            long bits = Math.min(maxnode, 64);
            // get_bitmap(&t, &nmask[(maxnode - 1) / BITS_PER_LONG], bits): bits is 64 here, so the
            // whole word is checked, also past maxnode
            long t = word(nmask, (int) ((maxnode - 1) / 64));
            if (maxnode - bits >= MAX_NUMNODES) {
                maxnode -= bits;
            } else {
                maxnode = MAX_NUMNODES;
                t &= ~((1L << (MAX_NUMNODES % 64)) - 1); // MAX_NUMNODES % 64 == 0: clears nothing
            }
            if (t != 0) {
                err[0] = -EINVAL;
                return null;
            }
        }
        int nlongs = (int) ((maxnode + 63) / 64);
        for (int i = 0; i < nlongs; i++) {
            nodes[i] = word(nmask, i);
        }
        if (maxnode % 64 != 0) {
            nodes[nlongs - 1] &= (1L << (maxnode % 64)) - 1;
        }
        return nodes;
    }

    private static long word(long[] a, int i) {
        return i < a.length ? a[i] : 0;
    }

    private static boolean empty(long[] nodes) {
        for (long w : nodes) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean nodeIsset(int nid, long[] nodes) {
        return (nodes[nid >>> 6] & (1L << (nid & 63))) != 0;
    }

    // ---- policies ----

    /** A policy before its nodemask is set (mpol_new), or the error; {@code mpol} null is the default. */
    private record NewPolicy(int mode, int flags, boolean isDefault, int err) {
    }

    /** mm/mempolicy.c mpol_new. */
    private static NewPolicy mpolNew(int mode, int flags, long[] nodes) {
        if (mode == MPOL_DEFAULT) {
            return new NewPolicy(0, 0, true, empty(nodes) ? 0 : -EINVAL);
        }
        boolean staticOrRelative = (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0;
        if (mode == MPOL_PREFERRED) {
            if (empty(nodes)) {
                if (staticOrRelative) {
                    return new NewPolicy(0, 0, false, -EINVAL);
                }
                mode = MPOL_LOCAL; // "MPOL_PREFERRED ... if the nodemask is empty (local allocation)"
            }
        } else if (mode == MPOL_LOCAL) {
            if (!empty(nodes) || staticOrRelative) {
                return new NewPolicy(0, 0, false, -EINVAL);
            }
        } else if (empty(nodes)) {
            return new NewPolicy(0, 0, false, -EINVAL);
        }
        return new NewPolicy(mode, flags, false, 0);
    }

    /**
     * mm/mempolicy.c mpol_set_nodemask and the mode's create (mpol_new_nodemask,
     * mpol_new_preferred): the policy's nodes from the user's, within the nodes with memory.
     *
     * @return the policy, or null with {@code err[0]} = -EINVAL (no node left)
     */
    private Mpol mpolSetNodemask(NewPolicy np, long[] nodes, int[] err) {
        if (np.mode() == MPOL_LOCAL) {
            return new Mpol(MPOL_LOCAL, np.flags(), 0, null, Mpol.NUMA_NO_NODE);
        }
        long mask1 = memoryNodes();
        long mask2 = (np.flags() & MPOL_F_RELATIVE_NODES) != 0 ? relativeNodemask(nodes, mask1) : nodes[0] & mask1;
        long[] user = (np.flags() & MPOL_MODE_FLAGS) != 0 ? nodes : null; // mpol_store_user_nodemask
        if (mask2 == 0) {
            err[0] = -EINVAL; // mpol_new_nodemask / mpol_new_preferred: nodes_empty
            return null;
        }
        long pnodes = np.mode() == MPOL_PREFERRED ? Long.lowestOneBit(mask2) : mask2; // first_node
        return new Mpol(np.mode(), np.flags(), pnodes, user, Mpol.NUMA_NO_NODE);
    }

    /** mm/mempolicy.c mpol_relative_nodemask: nodes_fold onto the weight of {@code rel}, then nodes_onto {@code rel}. */
    private static long relativeNodemask(long[] orig, long rel) {
        int sz = Long.bitCount(rel);
        long tmp = 0;
        for (int n = 0; n < MAX_NUMNODES; n++) {
            if (nodeIsset(n, orig)) {
                tmp |= 1L << (n % sz); // bitmap_fold
            }
        }
        long ret = 0;
        int m = 0;
        for (int n = 0; n < 64; n++) {
            if ((rel & (1L << n)) != 0) {
                if ((tmp & (1L << m)) != 0) {
                    ret |= 1L << n; // bitmap_onto
                }
                m++;
            }
        }
        return ret;
    }

    // ---- set_mempolicy(2) ----

    /** kernel_set_mempolicy -> do_set_mempolicy. */
    public long setMempolicy(Task caller, long mode, long[] nmask, long maxnode) {
        Mode m = sanitizeMpolFlags(mode);
        if (m.err() != 0) {
            caller.refuse("set_mempolicy: unknown mode, or mode flags that cannot go together (sanitize_mpol_flags)");
            return m.err();
        }
        int[] err = new int[1];
        long[] nodes = getNodes(nmask, maxnode, err);
        if (nodes == null) {
            caller.refuse("set_mempolicy: maxnode too large, or nodes above MAX_NUMNODES (get_nodes)");
            return err[0];
        }
        NewPolicy np = mpolNew(m.mode(), m.flags(), nodes);
        if (np.err() != 0) {
            caller.refuse("set_mempolicy: the nodemask does not fit the mode (mpol_new)");
            return np.err();
        }
        Mpol pol = null;
        if (!np.isDefault()) {
            pol = mpolSetNodemask(np, nodes, err);
            if (pol == null) {
                caller.refuse("set_mempolicy: no node of the nodemask has memory (mpol_set_nodemask)");
                return err[0];
            }
        }
        caller.setMempolicy(pol);
        if (pol != null && (pol.mode() == MPOL_INTERLEAVE || pol.mode() == MPOL_WEIGHTED_INTERLEAVE)) {
            caller.setIlPrev(MAX_NUMNODES - 1);
        }
        return 0;
    }

    // ---- mbind(2) ----

    /**
     * kernel_mbind: sanitize_mpol_flags, get_nodes, then do_mbind.
     *
     * @param nmask the nodemask's words (null for NULL)
     */
    public long mbind(Task caller, long start, long len, long mode, long[] nmask, long maxnode, long flags) {
        Mode m = sanitizeMpolFlags(mode);
        if (m.err() != 0) {
            caller.refuse("mbind: unknown mode, or mode flags that cannot go together (sanitize_mpol_flags)");
            return m.err();
        }
        int[] err = new int[1];
        long[] nodes = getNodes(nmask, maxnode, err);
        if (nodes == null) {
            caller.refuse("mbind: maxnode too large, or nodes above MAX_NUMNODES (get_nodes)");
            return err[0];
        }
        return doMbind(caller, start, len, m.mode(), m.flags(), nodes, flags & 0xffffffffL);
    }

    /** mm/mempolicy.c do_mbind. */
    private long doMbind(Task caller, long start, long len, int mode, int modeFlags, long[] nmask, long flags) {
        if ((flags & ~(long) MPOL_MF_VALID) != 0) {
            caller.refuse("mbind: flags other than MPOL_MF_STRICT|MPOL_MF_MOVE|MPOL_MF_MOVE_ALL");
            return -EINVAL;
        }
        if ((flags & MPOL_MF_MOVE_ALL) != 0 && !caller.capable(Caps.CAP_SYS_NICE)) {
            caller.refuse("mbind: MPOL_MF_MOVE_ALL needs CAP_SYS_NICE");
            return -EPERM;
        }
        if ((start & 4095) != 0) {
            caller.refuse("mbind: start not page aligned");
            return -EINVAL;
        }
        if (mode == MPOL_DEFAULT) {
            flags &= ~MPOL_MF_STRICT;
        }
        len = (len + 4095) & ~4095L; // PAGE_ALIGN: wraps to 0 for a length near 2^64
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) {
            caller.refuse("mbind: start + len overflows");
            return -EINVAL;
        }
        if (end == start) {
            return 0;
        }
        NewPolicy np = mpolNew(mode, modeFlags, nmask);
        if (np.err() != 0) {
            caller.refuse("mbind: the nodemask does not fit the mode (mpol_new)");
            return np.err();
        }
        if (np.isDefault()) {
            flags |= MPOL_MF_DISCONTIG_OK; // "using the default policy ... discontinuous address spaces is okay"
        }
        boolean move = (flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0;
        if (move) {
            k.memory().mlockFolio().drain(); // lru_cache_disable -> lru_add_drain_all
        }
        int[] err = new int[1];
        Mpol pol = null;
        if (!np.isDefault()) {
            pol = mpolSetNodemask(np, nmask, err);
            if (pol == null) {
                caller.refuse("mbind: no node of the nodemask has memory (mpol_set_nodemask)");
                return err[0];
            }
        }
        Mm mm = caller.mm();
        FolioList pagelist = new FolioList();
        long e = 0;
        long nrFailed = queuePagesRange(mm, start, end, nmask, flags | MPOL_MF_INVERT, pagelist);
        if (nrFailed < 0) {
            e = nrFailed;
            nrFailed = 0;
            caller.refuse(e == -EIO ? "mbind: MPOL_MF_STRICT and a page on a node outside the nodemask"
                    : "mbind: the range is not fully mapped (queue_pages_test_walk)");
        } else {
            e = mbindRanges(caller, mm, start, end, pol);
        }
        if (e == 0 && !pagelist.isEmpty()) {
            Mpol target = pol != null ? pol : caller.mempolicy(); // "Convert MPOL_DEFAULT's NULL to task or default policy"
            long ilxBase = interleaveBase(mm, start, end, target, pagelist);
            migrate.beginCall();
            Migrate.Target byMpol = src -> allocMigrationTargetByMpol(target, ilxBase, src);
            int rc = migrate.migratePages(pagelist, byMpol, byMpol, Migrate.Mode.SYNC);
            nrFailed |= rc;
            caller.busyFor(migrate.callNs()); // the caller sleeps in the syscall until its last remap
        }
        if (nrFailed != 0 && (flags & MPOL_MF_STRICT) != 0) {
            e = -EIO;
            caller.refuse("mbind: MPOL_MF_STRICT and " + (nrFailed > 0 ? nrFailed : "some")
                    + " misplaced page(s) could not be moved");
        }
        if (!pagelist.isEmpty()) {
            migrate.putbackMovablePages(pagelist);
        }
        return e;
    }

    /** The mbind_range loop of do_mbind (for_each_vma_range): each VMA in [start, end) gets the policy. */
    private long mbindRanges(Task caller, Mm mm, long start, long end, Mpol pol) {
        VmaTree vmas = mm.vmas();
        long addr = start;
        while (Long.compareUnsigned(addr, end) < 0) {
            Vma vma = vmas.find(addr);
            if (vma == null || Long.compareUnsigned(vma.start(), end) >= 0) {
                break;
            }
            long vmend = umin(end, vma.end());
            int err = mbindRange(mm, vma, start, end, pol);
            if (err != 0) {
                caller.refuse(err == -EINVAL ? "mbind: a special mapping cannot be split"
                        : "mbind: splitting the VMA would exceed vm.max_map_count");
                return err;
            }
            addr = vmend;
        }
        return 0;
    }

    private static long umin(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static long umax(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    /** mm/mempolicy.c mbind_range: split or merge the VMA if required, then vma_replace_policy. */
    private int mbindRange(Mm mm, Vma vma, long start, long end, Mpol pol) {
        long vmstart = umax(start, vma.start());
        long vmend = umin(end, vma.end());
        if (Mpol.equal(vma.policy(), pol)) {
            return 0;
        }
        Vma v = k.vmaOps().modifyPolicy(mm, vma, vmstart, vmend, pol);
        if (v == null) {
            return k.vmaOps().lastError();
        }
        v.setPolicy(pol); // vma_replace_policy
        return 0;
    }

    // ---- queue_pages_range ----

    /** struct queue_pages's large: the last large folio the walk met. */
    private int qpLarge = NO_FRAME;

    /**
     * mm/mempolicy.c queue_pages_range: the VMAs of [start, end) (queue_pages_test_walk: a hole
     * is -EFAULT without MPOL_MF_DISCONTIG_OK), and their pages (queue_folios_pte_range): a
     * page whose node is outside {@code nmask} (MPOL_MF_INVERT) is isolated onto
     * {@code pagelist} with a MOVE flag, else counted as failed.
     *
     * @return the number of misplaced folios that could not be queued, or -EIO (STRICT
     *     without MOVE and a misplaced page), or -EFAULT (a hole)
     */
    private long queuePagesRange(Mm mm, long start, long end, long[] nmask, long flags, FolioList pagelist) {
        VmaTree vmas = mm.vmas();
        qpLarge = NO_FRAME; // qp->large
        boolean discontigOk = (flags & MPOL_MF_DISCONTIG_OK) != 0;
        Vma first = null;
        long nrFailed = 0;
        for (int i = vmas.findIndex(start); i < vmas.size() && Long.compareUnsigned(vmas.get(i).start(), end) < 0; i++) {
            Vma vma = vmas.get(i);
            // queue_pages_test_walk
            if (first == null) {
                first = vma;
                if (!discontigOk && Long.compareUnsigned(start, vma.start()) < 0) {
                    return -EFAULT; // "hole at head side of range"
                }
            }
            Vma next = i + 1 < vmas.size() ? vmas.get(i + 1) : null;
            if (!discontigOk && Long.compareUnsigned(vma.end(), end) < 0 && (next == null || vma.end() < next.start())) {
                return -EFAULT; // "hole at middle or tail of range"
            }
            boolean migratable = vmaMigratable(vma);
            if (!migratable && (flags & MPOL_MF_STRICT) == 0) {
                continue;
            }
            if ((flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) == 0) {
                continue;
            }
            long[] failed = {nrFailed};
            boolean eio = queueFoliosPteRange(mm, vma, umax(start, vma.start()), umin(end, vma.end()), nmask,
                    flags, migratable, pagelist, failed);
            nrFailed = failed[0];
            if (eio) {
                return -EIO;
            }
        }
        if (first == null) {
            return -EFAULT; // "whole range in hole"
        }
        return nrFailed;
    }

    /** mm/mempolicy.c vma_migratable: not VM_IO or VM_PFNMAP (hugetlb migration and DAX aside). */
    static boolean vmaMigratable(Vma vma) {
        return (vma.flags() & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) == 0;
    }

    /** strictly_unmovable: MPOL_MF_STRICT without a MOVE flag. */
    private static boolean strictlyUnmovable(long flags) {
        return (flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) == MPOL_MF_STRICT;
    }

    /**
     * mm/mempolicy.c queue_folios_pte_range over [from, to) of {@code vma}, one PTE table at
     * a time as walk_page_range calls it.
     *
     * @return true for -EIO (strictly unmovable and a misplaced page found)
     */
    private boolean queueFoliosPteRange(Mm mm, Vma vma, long from, long to, long[] nmask, long flags,
            boolean migratable, FolioList pagelist, long[] nrFailed) {
        FrameTable ft = mem().frames();
        int zero = mem().zeroPfn();
        for (long a = from; Long.compareUnsigned(a, to) < 0;) {
            long tableEnd = umin((a | ((1L << 21) - 1)) + 1, to);
            PageTable.Leaf leaf = mm.pageTable().leaf(a, false);
            if (leaf != null && leaf.pmd != Pte.NONE) {
                queueFoliosPmd(vma, leaf, nmask, flags, migratable, pagelist, nrFailed, ft);
            } else if (leaf != null) {
                for (long p = a; p < tableEnd; p += 4096) {
                    long e = leaf.e[PageTable.pteIndex(p)];
                    if (e == Pte.NONE) {
                        continue;
                    }
                    if (!Pte.present(e)) {
                        if (Pte.isMigrationEntry(e)) {
                            nrFailed[0]++;
                        }
                        continue;
                    }
                    int pfn = Pte.pfn(e);
                    if (Pte.special(e) || pfn == zero) {
                        continue; // vm_normal_folio: no folio (the zero page, a special PTE)
                    }
                    // queue_folio_required: node_isset(nid, *qp->nmask) == !(flags & MPOL_MF_INVERT)
                    if (nodeIsset(mem().nidOf(pfn), nmask) == ((flags & MPOL_MF_INVERT) == 0)) {
                        int nr = 1;
                        if (ft.isLarge(pfn)) {
                            int head = ft.compoundHead(pfn);
                            nr = folioPteBatch(leaf, p, tableEnd, pfn, head, ft);
                            // "A large folio can only be isolated from LRU once, but may be mapped by many PTEs"
                            if (head == qpLarge) {
                                p += (long) (nr - 1) << 12;
                                continue;
                            }
                            qpLarge = head;
                        }
                        if (!((flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0 && migratable
                                && migrateFolioAdd(vma, pfn, pagelist, flags, ft))) {
                            nrFailed[0] += nr;
                            if (strictlyUnmovable(flags)) {
                                return true;
                            }
                        }
                    }
                }
            }
            if (nrFailed[0] != 0 && strictlyUnmovable(flags)) {
                return true;
            }
            a = tableEnd;
        }
        return false;
    }

    /**
     * mm/mempolicy.c queue_folios_pmd for a huge PMD (walked whole, however little of it the
     * range covers): a PMD migration entry counts as a failure, the huge zero page is
     * skipped, a misplaced folio is queued (migrate_folio_add) or counted as failed.
     */
    private void queueFoliosPmd(Vma vma, PageTable.Leaf leaf, long[] nmask, long flags, boolean migratable,
            FolioList pagelist, long[] nrFailed, FrameTable ft) {
        if (Pte.special(leaf.pmd)) {
            return; // is_huge_zero_folio
        }
        int head = Pte.pfn(leaf.pmd);
        if (nodeIsset(mem().nidOf(head), nmask) != ((flags & MPOL_MF_INVERT) == 0)) {
            return; // !queue_folio_required
        }
        if (!((flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0 && migratable
                && migrateFolioAdd(vma, head, pagelist, flags, ft))) {
            nrFailed[0]++;
        }
    }

    /**
     * mm/internal.h folio_pte_batch: how many PTEs from {@code p} (up to {@code end}) map
     * consecutive pages of the folio {@code head}, starting with {@code pfn}.
     */
    private static int folioPteBatch(PageTable.Leaf leaf, long p, long end, int pfn, int head, FrameTable ft) {
        int last = head + ft.folioNrPages(head);
        int nr = 1;
        for (long q = p + 4096; Long.compareUnsigned(q, end) < 0 && pfn + nr < last; q += 4096, nr++) {
            long e = leaf.e[PageTable.pteIndex(q)];
            if (!Pte.present(e) || Pte.pfn(e) != pfn + nr) {
                break;
            }
        }
        return nr;
    }

    /**
     * mm/mempolicy.c migrate_folio_add: unless MPOL_MF_MOVE_ALL, a folio that may be mapped
     * more than once is left alone (not a failure); otherwise it is isolated from the LRU.
     *
     * @return false if it could not be isolated
     */
    private boolean migrateFolioAdd(Vma vma, int pfn, FolioList pagelist, long flags, FrameTable ft) {
        if ((flags & MPOL_MF_MOVE_ALL) != 0 || !migrate.folioMaybeMappedShared(pfn)) {
            pfn = ft.compoundHead(pfn); // the folio
            if (pagelist.contains(pfn)) {
                return false; // isolated already by this walk: folio_isolate_lru fails
            }
            if (!migrate.isolateLru(pfn)) {
                return false;
            }
            pagelist.add(pfn, ft.testFlag(pfn, FrameTable.PG_anon) ? null : vma.file(), NO_FRAME);
        }
        return true;
    }

    // ---- where pages go ----

    /**
     * do_mbind's interleave base (mmpol.ilx) for an interleave policy: the interleave index of
     * the first queued folio at its address in the range, less its index, so that each folio
     * then goes to interleave_nid(base + folio->index).
     */
    private long interleaveBase(Mm mm, long start, long end, Mpol pol, FolioList pagelist) {
        if (pol == null || (pol.mode() != MPOL_INTERLEAVE && pol.mode() != MPOL_WEIGHTED_INTERLEAVE)) {
            return 0;
        }
        int pfn = pagelist.pfn(0);
        long index = Memory.folioIndex(mem().frames().owner(pfn));
        VmaTree vmas = mm.vmas();
        for (int i = vmas.findIndex(start); i < vmas.size() && Long.compareUnsigned(vmas.get(i).start(), end) < 0; i++) {
            Vma vma = vmas.get(i);
            long addr = vma.start() + ((index - vma.pgoff()) << 12); // page_address_in_vma
            if (index >= vma.pgoff() && index < vma.pgoff() + vma.pages()) {
                long e = mm.pageTable().get(addr);
                if (Pte.present(e) && Pte.pfn(e) == pfn) {
                    return vma.pgoff() + ((addr - vma.start()) >>> 12) - index; // get_vma_policy's ilx - folio->index
                }
            }
        }
        return 0;
    }

    /**
     * mm/mempolicy.c alloc_migration_target_by_mpol for a small folio: folio_alloc_mpol with
     * the policy (the task's or the default when null), ilx = base + folio->index, from
     * numa_node_id() (node 0). GFP_HIGHUSER_MOVABLE without __GFP_THISNODE: a full node falls
     * back along its zonelist, within the policy's nodemask.
     */
    private int allocMigrationTargetByMpol(Mpol pol, long ilxBase, int src) {
        if (mem().frames().isHead(src)) {
            return allocHugeMigrationTargetByMpol(pol, ilxBase, src);
        }
        long ilx = ilxBase + Memory.folioIndex(mem().frames().owner(src));
        int pfn = allocPagesMpol(pol, ilx, null, Gfp.GFP_HIGHUSER_MOVABLE);
        if (pfn != NO_FRAME) {
            k.memory().countAlloc(pfn);
        }
        return pfn;
    }

    /**
     * mm/mempolicy.c alloc_migration_target_by_mpol for a large folio: "if (folio_test_large(src))
     * gfp = GFP_TRANSHUGE", folio_alloc_mpol of the folio's order, a compound folio.
     */
    private int allocHugeMigrationTargetByMpol(Mpol pol, long ilxBase, int src) {
        FrameTable ft = mem().frames();
        long ilx = ilxBase + Memory.folioIndex(ft.owner(src));
        int pfn = allocPagesMpol(pol, ilx, null, Gfp.GFP_TRANSHUGE, FrameTable.HPAGE_PMD_ORDER);
        if (pfn != NO_FRAME) {
            ft.prepCompoundPage(pfn, FrameTable.HPAGE_PMD_ORDER);
            k.memory().countAllocPages(pfn, FrameTable.HPAGE_PMD_NR);
        }
        return pfn;
    }

    /**
     * mm/mempolicy.c alloc_pages_mpol (order 0) with policy_nodemask: the node and nodemask
     * the policy gives ({@code pol} null: the default policy, MPOL_PREFERRED of the local
     * node), then __alloc_pages from that node's zonelist.
     *
     * @param task whose il_prev a NO_INTERLEAVE_INDEX interleave advances (null: no task)
     */
    private int allocPagesMpol(Mpol pol, long ilx, Task task, int gfp) {
        return allocPagesMpol(pol, ilx, task, gfp, 0);
    }

    /**
     * alloc_pages_mpol of any order. An order-9 request first tries the node alone
     * (__GFP_THISNODE | __GFP_NORETRY) when the policy is not interleave and allows that node;
     * with __GFP_DIRECT_RECLAIM (GFP_TRANSHUGE) it then falls back as an order-0 request
     * does, so on the nodes the model has the outcome is that of the general path.
     */
    private int allocPagesMpol(Mpol pol, long ilx, Task task, int gfp, int order) {
        int nid = numaNodeId();
        if (pol == null) {
            return mem().allocPages(order, nid, gfp); // preferred_node_policy[numa_node_id()]
        }
        long nodemask = -1L;
        switch (pol.mode()) {
            case MPOL_PREFERRED -> nid = Long.numberOfTrailingZeros(pol.nodes()); // "Override input node id"
            case MPOL_PREFERRED_MANY -> {
                // alloc_pages_preferred_many: the preferred nodes first, then every node
                nid = pol.homeNode() != Mpol.NUMA_NO_NODE ? pol.homeNode() : nid;
                int pfn = mem().allocPagesNodemask(order, nid, gfp, pol.nodes());
                return pfn != NO_FRAME ? pfn : mem().allocPages(order, nid, gfp);
            }
            case MPOL_BIND -> {
                nodemask = pol.nodes(); // apply_policy_zone: user pages are of ZONE_MOVABLE, above policy_zone
                nid = pol.homeNode() != Mpol.NUMA_NO_NODE ? pol.homeNode() : nid;
            }
            case MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE ->
                nid = ilx == NO_INTERLEAVE_INDEX ? interleaveNodes(pol, task) : interleaveNid(pol, ilx);
            default -> {
                // MPOL_LOCAL: the local node
            }
        }
        return nodemask == -1L ? mem().allocPages(order, nid, gfp) : mem().allocPagesNodemask(order, nid, gfp, nodemask);
    }

    /** numa_node_id(): every task runs on CPU 0, on node 0. */
    private static int numaNodeId() {
        return 0;
    }

    /**
     * mm/mempolicy.c interleave_nid: the ilx'th node of the policy, wrapping (weighted
     * interleave with every weight 1 gives the same node: weighted_interleave_nid).
     */
    static int interleaveNid(Mpol pol, long ilx) {
        long nodes = pol.nodes();
        int nnodes = Long.bitCount(nodes);
        long target = Long.remainderUnsigned(ilx, nnodes);
        int nid = Long.numberOfTrailingZeros(nodes);
        for (long i = 0; i < target; i++) {
            nid = Long.numberOfTrailingZeros(nodes & (-1L << (nid + 1))); // next_node
        }
        return nid;
    }

    /** mm/mempolicy.c interleave_nodes: the node after the task's il_prev (next_node_in), which becomes il_prev. */
    private static int interleaveNodes(Mpol pol, Task task) {
        int prev = task == null ? MAX_NUMNODES - 1 : task.ilPrev();
        int nid = nextNodeIn(prev, pol.nodes());
        if (task != null) {
            task.setIlPrev(nid);
        }
        return nid;
    }

    /** include/linux/nodemask.h next_node_in: the next node after {@code node} in the mask, wrapping. */
    private static int nextNodeIn(int node, long nodes) {
        long after = node + 1 >= 64 ? 0 : nodes & (-1L << (node + 1));
        return Long.numberOfTrailingZeros(after != 0 ? after : nodes);
    }

    // ---- Memory.PolicyAlloc: the fault path ----

    /** mm/mempolicy.c vma_alloc_folio -> get_vma_policy: the VMA's policy, else the current task's. */
    @Override
    public int allocVmaPage(Vma vma, long addr) {
        Task cur = k.current();
        Mpol pol = vma.policy() != null ? vma.policy() : cur == null ? null : cur.mempolicy();
        long ilx = 0;
        if (pol != null && (pol.mode() == MPOL_INTERLEAVE || pol.mode() == MPOL_WEIGHTED_INTERLEAVE)) {
            ilx = vma.pgoff() + ((addr - vma.start()) >>> 12); // get_vma_policy: vm_pgoff + offset in the VMA
        }
        return allocPagesMpol(pol, ilx, cur, Gfp.GFP_HIGHUSER_MOVABLE);
    }

    /** mm/mempolicy.c alloc_pages (alloc_frozen_pages_noprof): the current task's policy, NO_INTERLEAVE_INDEX. */
    @Override
    public int allocTaskPage(int gfp) {
        Task cur = k.current();
        return allocPagesMpol(cur == null ? null : cur.mempolicy(), NO_INTERLEAVE_INDEX, cur, gfp);
    }

    // ---- get_mempolicy(2) ----

    /**
     * kernel_get_mempolicy -> do_get_mempolicy.
     *
     * @param policy receives *policy in [0] (null for a NULL pointer)
     * @param nmask receives the nodemask's words (null for NULL); it is as long as the
     *     caller's buffer, ALIGN(maxnode - 1, 64) / 64 words
     */
    public long getMempolicy(Task caller, long[] policy, long[] nmask, long maxnode, long addr, long flags) {
        if (nmask != null && Long.compareUnsigned(maxnode, mem().nrNodes()) < 0) {
            caller.refuse("get_mempolicy: maxnode below nr_node_ids");
            return -EINVAL;
        }
        if ((flags & ~(long) (MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) != 0) {
            caller.refuse("get_mempolicy: unknown flags");
            return -EINVAL;
        }
        long pval;
        long nodes;
        long[] user = null;
        if ((flags & MPOL_F_MEMS_ALLOWED) != 0) {
            if ((flags & (MPOL_F_NODE | MPOL_F_ADDR)) != 0) {
                caller.refuse("get_mempolicy: MPOL_F_MEMS_ALLOWED with MPOL_F_NODE or MPOL_F_ADDR");
                return -EINVAL;
            }
            pval = 0;
            nodes = memoryNodes(); // cpuset_current_mems_allowed
        } else {
            Mpol pol = caller.mempolicy();
            Vma vma = null;
            if ((flags & MPOL_F_ADDR) != 0) {
                vma = caller.mm().vmas().lookup(addr);
                if (vma == null) {
                    caller.refuse("get_mempolicy: no mapping at addr");
                    return -EFAULT;
                }
                pol = vma.policy(); // __get_vma_policy: "Do NOT fall back to task policy"
            } else if (addr != 0) {
                caller.refuse("get_mempolicy: addr without MPOL_F_ADDR");
                return -EINVAL;
            }
            if ((flags & MPOL_F_NODE) != 0) {
                if ((flags & MPOL_F_ADDR) != 0) {
                    long nid = lookupNode(caller.mm(), vma, addr);
                    if (nid < 0) {
                        return nid;
                    }
                    pval = nid;
                } else if (pol != null && pol == caller.mempolicy()
                        && (pol.mode() == MPOL_INTERLEAVE || pol.mode() == MPOL_WEIGHTED_INTERLEAVE)) {
                    pval = nextNodeIn(caller.ilPrev(), pol.nodes()); // weights 1: il_weight is always 0
                } else {
                    caller.refuse("get_mempolicy: MPOL_F_NODE without MPOL_F_ADDR needs an interleave task policy");
                    return -EINVAL;
                }
            } else {
                pval = pol == null ? MPOL_DEFAULT : pol.mode() | (pol.flags() & MPOL_MODE_FLAGS);
            }
            if (pol != null && pol.storesUserNodemask()) {
                user = pol.userNodemask();
                nodes = 0;
            } else {
                // get_policy_nodemask: empty for the default and MPOL_LOCAL
                nodes = pol == null || pol.mode() == MPOL_LOCAL ? 0 : pol.nodes();
            }
        }
        if (policy != null) {
            policy[0] = pval;
        }
        if (nmask != null) {
            return copyNodesToUser(nmask, maxnode, user != null ? user : new long[] {nodes});
        }
        return 0;
    }

    /**
     * mm/mempolicy.c lookup_node: get_user_pages_fast(addr, 1, 0) faults the page in (a read
     * fault) and page_to_nid gives its node.
     */
    private long lookupNode(Mm mm, Vma vma, long addr) {
        long a = addr & ~4095L;
        if ((vma.flags() & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0 || !vma.has(VmFlags.VM_READ)) {
            return -EFAULT; // check_vma_flags
        }
        long e = mm.pageTable().get(a);
        if (!Pte.present(e)) {
            if (k.memory().handleFault(mm, vma, a, false) != Memory.VM_FAULT_OK) {
                return -EFAULT;
            }
            e = mm.pageTable().get(a);
        }
        return Pte.present(e) ? mem().nidOf(Pte.pfn(e)) : -EFAULT;
    }

    /**
     * mm/mempolicy.c copy_nodes_to_user: ALIGN(maxnode - 1, 64) / 8 bytes; past
     * BITS_TO_LONGS(nr_node_ids) longs the buffer is cleared; more than a page is -EINVAL.
     */
    private long copyNodesToUser(long[] out, long maxnode, long[] nodes) {
        long copy = ((maxnode - 1 + 63) & ~63L) / 8;
        long nbytes = (long) ((mem().nrNodes() + 63) / 64) * 8;
        if (Long.compareUnsigned(copy, nbytes) > 0) {
            if (Long.compareUnsigned(copy, 4096) > 0) {
                return -EINVAL;
            }
            for (int i = (int) (nbytes / 8); i < out.length && i < copy / 8; i++) {
                out[i] = 0; // clear_user
            }
            copy = nbytes;
        }
        for (int i = 0; i < copy / 8 && i < out.length; i++) {
            out[i] = i < nodes.length ? nodes[i] : 0;
        }
        return 0;
    }
}
