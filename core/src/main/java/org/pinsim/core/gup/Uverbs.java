package org.pinsim.core.gup;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.pinsim.core.mm.Mm;

/**
 * The stand-in uverbs device a process has (drivers/infiniband/core/uverbs_main.c struct
 * ib_uverbs_file with its ucontext and one protection domain): the memory regions registered
 * through it, by handle. pinsim gives each process one, opened at its first RDMA call, as
 * if the program had opened /dev/infiniband/uverbs0 and allocated a PD; threads sharing the
 * file table share it; a forked child does not inherit it (libibverbs does not support
 * verbs across fork; the child opens its own); execve keeps it; it is closed, releasing
 * every MR still registered, when the last task holding the file table exits.
 *
 * <p>Handles are the lowest free number from 0 in each device. Linux numbers them
 * differently (3.x from one machine-wide idr of MRs; 6.x from the file's xarray, which its
 * PD and other objects share), which no accounting shows.
 */
public final class Uverbs {
    /**
     * struct ib_umem of one registered MR: the range, the frames it pinned, and what it
     * charged (which mm, which counter, how many pages) so that release can uncharge it.
     *
     * @param ledgerPages pages charged to {@code chargedMm}'s locked_vm or pinned_vm as a
     *     driver charge (0 under mpin-2013, where the VMAs carry the charge as VM_PINNED)
     */
    public record Mr(int handle, long addr, long length, int npages, int[] pfns, boolean writable, Mm chargedMm,
                     boolean lockedVmCounter, long ledgerPages) {
        /** ib_umem->address rounded down: the first page the registration covers. */
        public long startAddr() {
            return addr & ~4095L;
        }
    }

    final TreeMap<Integer, Mr> mrs = new TreeMap<>();
    boolean closed;

    Uverbs() {
    }

    /** The lowest handle not in use. */
    int nextHandle() {
        int h = 0;
        while (mrs.containsKey(h)) {
            h++;
        }
        return h;
    }

    /** The registered MRs, in handle order. */
    public List<Mr> mrs() {
        return new ArrayList<>(mrs.values());
    }

    public boolean closed() {
        return closed;
    }
}
