package org.pinsim.core.migrate;

import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENODEV;
import static org.pinsim.core.uapi.Errno.ENOENT;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Errno.ESRCH;

import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Mempolicy;

/**
 * mm/migrate.c move_pages(2): kernel_move_pages, do_pages_stat, do_pages_move and
 * add_folio_for_migration (Linux 6.18).
 *
 * <p>There is no migration engine: this is only what a machine whose every page is on one
 * node needs. Every present page is already on its target (the only online node), so
 * add_folio_for_migration never queues a folio, migrate_pages never runs, and the call
 * returns 0 or -errno; status reports node ids and per-page errors. On such a machine the
 * "shared page without MPOL_MF_MOVE_ALL" -EACCES cannot happen either (the node check
 * comes first). The cpuset of every task is all online nodes. Pinned (long-term GUP)
 * pages, which migration would have to skip, are a later issue.
 */
public final class MovePages {

    private final Kernel k;

    public MovePages(Kernel k) {
        this.k = k;
    }

    /**
     * kernel_move_pages. {@code nodes} null is the status query; {@code status} null stands
     * for a status pointer the kernel cannot write (copy_to_user / put_user fail).
     * {@code status} is written in place, entry by entry, as the kernel writes it.
     */
    public long movePages(Task caller, int pid, long[] pages, int[] nodes, int[] status, long flags) {
        // kernel_move_pages: only MPOL_MF_MOVE and MPOL_MF_MOVE_ALL are accepted
        if ((flags & ~(long) (Mempolicy.MPOL_MF_MOVE | Mempolicy.MPOL_MF_MOVE_ALL)) != 0) {
            caller.refuse("move_pages: flags other than MPOL_MF_MOVE|MPOL_MF_MOVE_ALL");
            return -EINVAL;
        }
        // kernel_move_pages: MPOL_MF_MOVE_ALL needs CAP_SYS_NICE
        if ((flags & Mempolicy.MPOL_MF_MOVE_ALL) != 0 && !caller.capable(Caps.CAP_SYS_NICE)) {
            caller.refuse("move_pages: MPOL_MF_MOVE_ALL needs CAP_SYS_NICE");
            return -EPERM;
        }
        // find_mm_struct: pid 0 is the caller, else find_task_by_vpid and ptrace_may_access
        Task target = pid == 0 ? caller : k.task(pid);
        if (target == null) {
            caller.refuse("move_pages: no process with pid " + pid);
            return -ESRCH;
        }
        if (target != caller && target.mm() != caller.mm() && target.uid() != caller.uid()
                && !caller.capable(Caps.CAP_SYS_PTRACE)) {
            // __ptrace_may_access(PTRACE_MODE_READ_REALCREDS): another user's process needs CAP_SYS_PTRACE
            caller.refuse("move_pages: another user's process needs CAP_SYS_PTRACE");
            return -EPERM;
        }
        Mm mm = target.mm();
        return nodes == null ? doPagesStat(mm, pages, status) : doPagesMove(caller, mm, pages, nodes, status);
    }

    /** do_pages_stat / do_pages_stat_array: the node of each page, or an error per page. */
    private long doPagesStat(Mm mm, long[] pages, int[] status) {
        if (status == null && pages.length > 0) {
            return -EFAULT; // copy_to_user of the first chunk fails
        }
        for (int i = 0; i < pages.length; i++) {
            long addr = pages[i];
            Vma vma = mm.vmas().lookup(addr);
            int err;
            if (vma == null) {
                err = -EFAULT; // vma_lookup found nothing
            } else {
                long pte = mm.pageTable().get(addr & ~4095L);
                if (!Pte.present(pte)) {
                    err = -ENOENT; // folio_walk_start: nothing mapped
                } else if (Pte.special(pte) || Pte.pfn(pte) == mem().zeroPfn()) {
                    err = -EFAULT; // FW_ZEROPAGE: is_zero_folio
                } else {
                    err = mem().nidOf(Pte.pfn(pte)); // folio_nid
                }
            }
            status[i] = err;
        }
        return 0;
    }

    /** do_pages_move: checks each target node, then add_folio_for_migration, then store_status. */
    private long doPagesMove(Task caller, Mm mm, long[] pages, int[] nodes, int[] status) {
        for (int i = 0; i < pages.length; i++) {
            int node = nodes[i];
            // do_pages_move: node < 0 or >= MAX_NUMNODES, or without memory (N_MEMORY): the whole call fails
            if (node < 0 || node >= Mempolicy.MAX_NUMNODES || node >= mem().nrNodes()) {
                caller.refuse("move_pages: node " + node + " is not an online node with memory");
                return -ENODEV;
            }
            // do_pages_move: !node_isset(node, task_nodes) -> -EACCES; the cpuset allows every node here
            int err = addFolioForMigration(mm, pages[i], node);
            // store_status: the node when already there (err 0), else the error
            if (status == null) {
                return -EFAULT;
            }
            status[i] = err == 0 ? node : err;
        }
        // move_pages_and_store_status: nothing queued, nothing left unmigrated
        return 0;
    }

    /** add_folio_for_migration / __add_folio_for_migration, for a one-node machine. */
    private int addFolioForMigration(Mm mm, long addr, int node) {
        Vma vma = mm.vmas().lookup(addr);
        // vma_lookup, vma_migratable: no VMA, VM_IO or VM_PFNMAP -> -EFAULT
        if (vma == null || (vma.flags() & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0) {
            return -EFAULT;
        }
        long pte = mm.pageTable().get(addr & ~4095L);
        // folio_walk_start(FW_ZEROPAGE): nothing mapped -> -ENOENT
        if (!Pte.present(pte)) {
            return -ENOENT;
        }
        // __add_folio_for_migration: the zero page -> -EFAULT
        if (Pte.special(pte) || Pte.pfn(pte) == mem().zeroPfn()) {
            return -EFAULT;
        }
        // __add_folio_for_migration: folio_nid(folio) == node -> 0 (already there)
        if (mem().nidOf(Pte.pfn(pte)) == node) {
            return 0;
        }
        // Unreachable with one node (the only valid target is the node every page is on);
        // folio_maybe_mapped_shared/-EACCES and folio_isolate_lru would follow.
        throw new UnsupportedOperationException("move_pages: moving a page to another node needs the migration engine,"
                + " which is not modelled (one-node machines only)");
    }

    private PhysMem mem() {
        return k.mem();
    }
}
