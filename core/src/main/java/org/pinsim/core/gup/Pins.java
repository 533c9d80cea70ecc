package org.pinsim.core.gup;

import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EOVERFLOW;

import org.pinsim.core.mm.Gup;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;

/**
 * mm/gup.c pin_user_pages_fast(FOLL_PIN | FOLL_LONGTERM [| FOLL_WRITE]) and unpin_user_pages:
 * the long-term pins drivers take (io_uring fixed buffers here; RDMA, vfio and mpin later).
 *
 * <p>A pinned small page holds GUP_PIN_COUNTING_BIAS references ({@link Memory#pinPage}) and
 * is counted in nr_foll_pin_acquired. Pinning never charges locked_vm or pinned_vm: each
 * caller does its own accounting.
 *
 * <p>Simplified against the kernel: every page is small (no THP, so no _pincount and no
 * coalescing); the machine has no ZONE_MOVABLE or CMA, so check_and_migrate_movable_pages
 * never has anything to migrate; no fsdax or secretmem mappings exist.
 */
public final class Pins {
    /** include/linux/mm_types.h enum fault_flag... gup flags: FOLL_WRITE, FOLL_FORCE, FOLL_LONGTERM. */
    public static final int FOLL_WRITE = 1;
    public static final int FOLL_FORCE = 1 << 3;
    public static final int FOLL_LONGTERM = 1 << 8;

    private final Memory memory;
    private final Gup gup;
    private final org.pinsim.core.Profile profile;

    public Pins(Memory memory, Gup gup, org.pinsim.core.Profile profile) {
        this.memory = memory;
        this.gup = gup;
        this.profile = profile;
    }

    /** pin_user_pages_fast(FOLL_LONGTERM [| FOLL_WRITE]): see {@link #pinUserPages(Mm, long, int, int, int[])}. */
    public long pinUserPages(Mm mm, long start, int nrPages, boolean write, int[] pfns) {
        return pinUserPages(mm, start, nrPages, FOLL_LONGTERM | (write ? FOLL_WRITE : 0), pfns, 0);
    }

    /**
     * mm/gup.c pin_user_pages_fast -> __gup_longterm_locked over {@code nrPages} pages from
     * {@code start}: faults each page in (a write fault for FOLL_WRITE, which breaks COW of
     * private file and shared anonymous pages) and pins it.
     *
     * <p>{@code gupFlags}: FOLL_WRITE, FOLL_FORCE (Linux 3.x RDMA pinned read-only
     * registrations with write + force), FOLL_LONGTERM (the checks of check_vma_flags for
     * long-term pins; 3.x had no such flag). Every profile takes the pin as FOLL_PIN does,
     * GUP_PIN_COUNTING_BIAS references a page (3.x callers took one reference with
     * get_user_pages, a difference no counter pinsim models shows but nr_foll_pin_*); fork's
     * early copy of maybe-pinned pages (MMF_HAS_PINNED) exists from Linux 5.9.
     *
     * @param pfns receives the pinned frames, in address order, from {@code at}
     * @return pages pinned (possibly fewer than asked: the caller decides), or -errno when none
     */
    public long pinUserPages(Mm mm, long start, int nrPages, int gupFlags, int[] pfns, int at) {
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        boolean force = (gupFlags & FOLL_FORCE) != 0;
        boolean longterm = (gupFlags & FOLL_LONGTERM) != 0;
        // gup_fast_fallback: "if (gup_flags & FOLL_PIN) mm_set_has_pinned_flag(mm)", before any check
        // (mm->has_pinned arrived with the early COW at fork, Linux 5.9)
        if (profile.since(5, 9)) {
            mm.setHasPinned();
        }
        long len = (long) nrPages << MmContext.PAGE_SHIFT;
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) {
            return -EOVERFLOW;
        }
        if (Long.compareUnsigned(end, MmContext.TASK_SIZE) > 0) {
            return -EFAULT;
        }
        int done = 0;
        while (done < nrPages) {
            long a = start + ((long) done << MmContext.PAGE_SHIFT);
            // __get_user_pages: gup_vma_lookup never expands the stack
            Vma vma = mm.vmas().find(a);
            if (vma == null || Long.compareUnsigned(a, vma.start()) < 0) {
                return done > 0 ? done : -EFAULT;
            }
            int err = longterm ? checkLongtermFlags(vma, write) : 0;
            if (err != 0) {
                return done > 0 ? done : err;
            }
            int n = (int) Math.min(nrPages - done, (vma.end() - a) >>> MmContext.PAGE_SHIFT);
            long got = gup.getUserPages(mm, vma, a, n, write, force);
            if (got < 0) {
                return done > 0 ? done : got;
            }
            // follow_page_mask: one table walk per 2 MiB, then the PTEs of that table
            PageTable.Leaf leaf = null;
            long leafBase = -1;
            for (int k = 0; k < got; k++) {
                long x = a + ((long) k << MmContext.PAGE_SHIFT);
                long base = x & ~(MmContext.PMD_SIZE - 1);
                if (base != leafBase) {
                    leaf = mm.pageTable().leaf(x, false);
                    leafBase = base;
                }
                pfns[at + done + k] = Pte.pfn(leaf.pte(PageTable.pteIndex(x)));
            }
            memory.pinPages(pfns, at + done, at + done + (int) got);
            done += (int) got;
            if (got < n) {
                break;
            }
        }
        return done;
    }

    /** mm/gup.c unpin_user_pages: drop the pins of {@code pfns[0..n)}. */
    public void unpinUserPages(int[] pfns, int n) {
        memory.unpinPages(pfns, n);
    }

    /**
     * mm/gup.c check_vma_flags, the FOLL_LONGTERM part before the generic checks of
     * {@link Gup#getUserPages}: a writable pin of a shared file mapping that needs dirty
     * tracking (writable_file_mapping_allowed -> vma_needs_dirty_tracking: a filesystem with
     * page_mkwrite or writeback, every regular file here; not shmem or memfd) is refused.
     */
    static int checkLongtermFlags(Vma vma, boolean write) {
        if (vma.has(VmFlags.VM_IO | VmFlags.VM_PFNMAP)) {
            return -EFAULT;
        }
        if (write && vma.file() != null && !vma.file().shmem()
                && (vma.flags() & (VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == (VmFlags.VM_SHARED | VmFlags.VM_WRITE)) {
            return -EFAULT;
        }
        return 0;
    }
}
