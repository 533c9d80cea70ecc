package org.pinsim.core.migrate;

import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EBUSY;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENODEV;
import static org.pinsim.core.uapi.Errno.ENOENT;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Errno.ESRCH;

import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Mempolicy;

/**
 * mm/migrate.c move_pages(2): kernel_move_pages, do_pages_stat, do_pages_move,
 * add_folio_for_migration and move_pages_and_store_status (Linux 6.18), on a machine of any
 * number of nodes; the moving is {@link Migrate}'s.
 *
 * <p>Per page, the status is the node the page is on (after the move) or an error:
 * -EFAULT (no VMA, a VM_IO / VM_PFNMAP VMA, the zero page), -ENOENT (nothing mapped, or a
 * PTE with no normal page behind it), -EACCES (a page mapped more than once without
 * MPOL_MF_MOVE_ALL; for a large folio: mapped by more than one mm), -EBUSY (a page that
 * cannot be isolated from the LRU: not on it, or a further page of a large folio this call
 * queued already: the folio moves whole, once). A page that could not be migrated (pinned, extra references) makes the call return
 * the number of pages not migrated, as the kernel does, and leaves the statuses of its batch
 * unwritten. A full target node makes the call fail with -ENOMEM. A bad node is -ENODEV for
 * the call, after the pages before it are moved.
 *
 * <p>The cpuset of every task is all nodes with memory (so do_pages_move's -EACCES for a node
 * outside the task's cpuset cannot happen). Compat (32-bit) callers are not modelled.
 */
public final class MovePages {
    /** include/linux/numa.h NUMA_NO_NODE. */
    private static final int NUMA_NO_NODE = -1;

    private final Kernel k;
    private final Migrate migrate;

    public MovePages(Kernel k, Migrate migrate) {
        this.k = k;
        this.migrate = migrate;
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
        if (nodes == null) {
            return doPagesStat(mm, pages, status);
        }
        migrate.beginCall();
        long err = doPagesMove(caller, mm, pages, nodes, status, (flags & Mempolicy.MPOL_MF_MOVE_ALL) != 0);
        caller.busyFor(migrate.callNs()); // the caller sleeps in the syscall until its last remap
        return err;
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
                    err = -ENOENT; // folio_walk_start: nothing mapped (a migration entry included)
                } else if (Pte.pfn(pte) == mem().zeroPfn()) {
                    err = -EFAULT; // FW_ZEROPAGE: is_zero_folio
                } else if (Pte.special(pte)) {
                    err = -ENOENT; // vm_normal_page: no folio behind a special PTE
                } else {
                    err = mem().nidOf(Pte.pfn(pte)); // folio_nid
                }
            }
            status[i] = err;
        }
        return 0;
    }

    /** do_pages_move: the pages, grouped in runs of one target node, each run migrated then its status stored. */
    private long doPagesMove(Task caller, Mm mm, long[] pages, int[] nodes, int[] status, boolean migrateAll) {
        k.memory().mlockFolio().drain(); // lru_cache_disable -> lru_add_drain_all
        FolioList pagelist = new FolioList();
        int currentNode = NUMA_NO_NODE;
        int start = 0;
        int i;
        long err = 0;
        int n = pages.length;
        flush:
        {
            for (i = 0; i < n; i++) {
                int node = nodes[i];
                // node < 0 or >= MAX_NUMNODES, or without memory (N_MEMORY)
                if (node < 0 || node >= Mempolicy.MAX_NUMNODES || node >= mem().nrNodes()) {
                    caller.refuse("move_pages: node " + node + " is not an online node with memory");
                    err = -ENODEV;
                    break flush;
                }
                // !node_isset(node, task_nodes) -> -EACCES: the cpuset allows every node here
                if (currentNode == NUMA_NO_NODE) {
                    currentNode = node;
                    start = i;
                } else if (node != currentNode) {
                    err = moveAndStoreStatus(currentNode, pagelist, status, start, i, n);
                    if (err != 0) {
                        return err;
                    }
                    start = i;
                    currentNode = node;
                }
                // "Errors in the page lookup or isolation are not fatal and we simply report them via status"
                err = addFolioForMigration(mm, pages[i], currentNode, pagelist, migrateAll);
                if (err > 0) {
                    continue; // queued
                }
                // "If the page is already on the target node (!err), store the node, otherwise, store the err."
                err = storeStatus(status, i, err != 0 ? (int) err : currentNode, 1);
                if (err != 0) {
                    break flush;
                }
                err = moveAndStoreStatus(currentNode, pagelist, status, start, i, n);
                if (err != 0) {
                    return err > 0 ? err - 1 : err; // "We have accounted for page i"
                }
                currentNode = NUMA_NO_NODE;
            }
        }
        // out_flush: "Make sure we do not overwrite the existing error"
        long err1 = moveAndStoreStatus(currentNode, pagelist, status, start, i, n);
        return err >= 0 ? err1 : err;
    }

    /** move_pages_and_store_status. */
    private long moveAndStoreStatus(int node, FolioList pagelist, int[] status, int start, int i, int nrPages) {
        if (pagelist.isEmpty()) {
            return 0;
        }
        long err = doMovePagesToNode(pagelist, node);
        if (err != 0) {
            // "Positive err means the number of failed pages to migrate ... include the rest"
            return err > 0 ? err + nrPages - i : err;
        }
        return storeStatus(status, start, node, i - start);
    }

    /** do_move_pages_to_node: migrate_pages(MIGRATE_SYNC, MR_SYSCALL), and putback of what is left. */
    private long doMovePagesToNode(FolioList pagelist, int node) {
        int err = migrate.migratePages(pagelist, node, Migrate.Mode.SYNC);
        if (err != 0) {
            migrate.putbackMovablePages(pagelist);
        }
        return err;
    }

    /** store_status: put_user of {@code value} into status[start .. start+nr). */
    private static long storeStatus(int[] status, int start, int value, int nr) {
        if (nr > 0 && status == null) {
            return -EFAULT;
        }
        for (int j = 0; j < nr; j++) {
            status[start + j] = value;
        }
        return 0;
    }

    /**
     * add_folio_for_migration / __add_folio_for_migration.
     *
     * @return 1 when queued, 0 when already on {@code node}, else -errno
     */
    private int addFolioForMigration(Mm mm, long addr, int node, FolioList pagelist, boolean migrateAll) {
        Vma vma = mm.vmas().lookup(addr);
        // vma_lookup, vma_migratable: no VMA, VM_IO or VM_PFNMAP -> -EFAULT
        if (vma == null || (vma.flags() & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0) {
            return -EFAULT;
        }
        long pte = mm.pageTable().get(addr & ~4095L);
        if (Pte.isMigrationEntry(pte)) {
            // a page this call moved already (listed twice): in the kernel its migration has
            // ended before the next lookup; here the caller waits for the end of its window
            migrate.migrationEntryWait(Pte.pfn(pte));
            pte = mm.pageTable().get(addr & ~4095L);
        }
        // folio_walk_start(FW_ZEROPAGE): nothing mapped (or a marker) -> -ENOENT
        if (!Pte.present(pte)) {
            return -ENOENT;
        }
        int pfn = Pte.pfn(pte);
        // __add_folio_for_migration: the zero page -> -EFAULT
        if (pfn == mem().zeroPfn() || mem().frames().testFlag(pfn, org.pinsim.core.mem.FrameTable.PG_zero)) {
            return -EFAULT; // is_zero_folio || is_huge_zero_folio
        }
        if (Pte.special(pte)) {
            return -ENOENT; // vm_normal_page is NULL: folio_walk_start finds no folio
        }
        // folio_nid(folio) == node -> 0 (already there)
        if (mem().nidOf(pfn) == node) {
            return 0;
        }
        // folio_maybe_mapped_shared(folio) && !migrate_all -> -EACCES
        if (migrate.folioMaybeMappedShared(pfn) && !migrateAll) {
            return -EACCES;
        }
        pfn = k.mem().frames().compoundHead(pfn); // the folio (a page of a large folio queues its head)
        if (pagelist.contains(pfn)) {
            return -EBUSY; // already isolated by this call: folio_isolate_lru fails
        }
        if (migrate.isolateLru(pfn)) {
            Inode cache = k.mem().frames().testFlag(pfn, org.pinsim.core.mem.FrameTable.PG_anon) ? null : vma.file();
            pagelist.add(pfn, cache, org.pinsim.core.mem.FrameTable.NO_FRAME);
            return 1;
        }
        return -EBUSY;
    }

    private PhysMem mem() {
        return k.mem();
    }
}
