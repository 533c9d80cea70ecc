package org.pinsim.core.mm;

import static org.pinsim.core.mm.MmContext.PAGE_SIZE;
import static org.pinsim.core.uapi.Errno.EAGAIN;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;

/**
 * mm/gup.c: faulting ranges in (__get_user_pages, populate_vma_page_range, __mm_populate).
 * Pinning (FOLL_PIN, FOLL_LONGTERM) is {@link org.pinsim.core.gup.Pins}, which faults through
 * {@link #getUserPages}.
 */
public final class Gup {
    private final MmContext ctx;

    public Gup(MmContext ctx) {
        this.ctx = ctx;
    }

    /**
     * mm/gup.c __mm_populate: fault in every VMA in [start, start+len).
     *
     * @param ignoreErrors mlockall, MAP_POPULATE/MAP_LOCKED and brk ignore failures per VMA
     * @return 0, or for mlock the error mapped by __mlock_posix_error_return
     */
    public int mmPopulate(Mm mm, long start, long len, boolean ignoreErrors) {
        long end = start + len;
        for (long nstart = start; Long.compareUnsigned(nstart, end) < 0;) {
            Vma vma = mm.vmas.find(nstart);
            if (vma == null || Long.compareUnsigned(vma.start, end) >= 0) {
                break;
            }
            long nend = Math.min(end, vma.end);
            if (vma.has(VmFlags.VM_IO | VmFlags.VM_PFNMAP)) {
                nstart = nend;
                continue;
            }
            if (nstart < vma.start) {
                nstart = vma.start;
            }
            long ret = populateVmaPageRange(mm, vma, nstart, nend);
            if (ret < 0) {
                if (ignoreErrors) {
                    nstart = nend;
                    continue;
                }
                return mlockPosixErrorReturn((int) ret);
            }
            nstart = nstart + ret * PAGE_SIZE;
        }
        return 0;
    }

    /** mm/mlock.c __mlock_posix_error_return: EFAULT becomes ENOMEM, ENOMEM becomes EAGAIN. */
    static int mlockPosixErrorReturn(int ret) {
        if (ret == -EFAULT) {
            return -ENOMEM;
        }
        if (ret == -ENOMEM) {
            return -EAGAIN;
        }
        return ret;
    }

    /**
     * mm/gup.c populate_vma_page_range: a write fault for private writable VMAs (to break
     * COW now), else a read fault with FOLL_FORCE unless the VMA is PROT_NONE.
     *
     * @return pages done (>0), or -errno
     */
    public long populateVmaPageRange(Mm mm, Vma vma, long start, long end) {
        long nrPages = (end - start) >>> 12;
        // "Rightly or wrongly, the VM_LOCKONFAULT case has never used faultin_page() to break COW"
        if (vma.has(VmFlags.VM_LOCKONFAULT)) {
            return nrPages;
        }
        boolean write = (vma.flags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == VmFlags.VM_WRITE;
        boolean force = (vma.flags & VmFlags.VM_ACCESS_FLAGS) != 0; // vma_is_accessible
        long ret = getUserPages(mm, vma, start, nrPages, write, force);
        // "lru_add_drain()" after __get_user_pages: mlock_drain_local processes the pages
        // mlock_new_folio queued while faulting them in (culled, NR_MLOCK) before the call returns
        ctx.memory.mlockFolio().drain();
        return ret;
    }

    /**
     * mm/gup.c __get_user_pages over one VMA: check_vma_flags, then fault in each page that
     * is absent or, for a write, not writable.
     *
     * @return pages done if any, else -errno
     */
    public long getUserPages(Mm mm, Vma vma, long start, long nrPages, boolean write, boolean force) {
        int err = checkVmaFlags(vma, write, force);
        if (err != 0) {
            return err;
        }
        final Memory memory = ctx.memory;
        long done = 0;
        PageTable.Leaf leaf = null;
        long leafBase = -1;
        for (long a = start; done < nrPages; a += PAGE_SIZE, done++) {
            long base = a & ~((1L << 21) - 1);
            if (base != leafBase) {
                leaf = mm.pt.leaf(a, false); // follow_page_mask: one table walk per 2 MiB
                leafBase = base;
            }
            long pte = leaf == null ? Pte.NONE : leaf.pte(PageTable.pteIndex(a)); // follow_huge_pmd too
            if (Pte.present(pte) && (!write || Pte.write(pte))) {
                if (write && !Pte.dirty(pte) && !Pte.special(pte)) {
                    // follow_page_pte with FOLL_TOUCH: "if ((flags & FOLL_WRITE) && !pte_dirty(pte) && ...)
                    // folio_mark_dirty(folio)" (a lazyfree page so written is kept by reclaim)
                    memory.frames().setFlag(memory.frames().compoundHead(Pte.pfn(pte)),
                            org.pinsim.core.mem.FrameTable.PG_dirty);
                }
                continue;
            }
            leafBase = -1; // the fault may allocate the table
            int r = memory.handleFault(mm, vma, a, write);
            if (r != Memory.VM_FAULT_OK) {
                int e = r == Memory.VM_FAULT_OOM ? -ENOMEM : -EFAULT;
                return done > 0 ? done : e;
            }
        }
        return done;
    }

    /**
     * mm/gup.c faultin_page_range -> __get_user_pages with FOLL_MADV_POPULATE (and neither
     * FOLL_FORCE nor stack expansion): at each VMA boundary the next VMA must contain the
     * address (vma_lookup, else -ENOMEM) and pass check_vma_flags (else -EINVAL, "incompatible
     * mappings / permissions"); a fault that fails is -EFAULT (SIGBUS, SIGSEGV) or -ENOMEM.
     * Then "lru_add_drain()": the mlock batch of the pages faulted into VM_LOCKED VMAs drains.
     *
     * @return pages faulted in from {@code start} before the first failure if any, else -errno
     */
    public long faultinPageRange(Mm mm, long start, long end, boolean write) {
        long ret = getUserPagesPopulate(mm, start, end, write);
        ctx.memory.mlockFolio().drain();
        return ret;
    }

    private long getUserPagesPopulate(Mm mm, long start, long end, boolean write) {
        long done = 0;
        for (long a = start; Long.compareUnsigned(a, end) < 0;) {
            Vma vma = mm.vmas.lookup(a);
            if (vma == null) {
                return done > 0 ? done : -ENOMEM;
            }
            if (checkVmaFlags(vma, write, false) != 0) {
                return done > 0 ? done : -EINVAL;
            }
            long want = (Math.min(end, vma.end) - a) >>> 12;
            long r = getUserPages(mm, vma, a, want, write, false);
            if (r < 0) {
                return done > 0 ? done : r;
            }
            done += r;
            if (r < want) {
                return done; // the fault at the next page failed: the caller's next call reports it
            }
            a += r * PAGE_SIZE;
        }
        return done;
    }

    /** mm/gup.c check_vma_flags. */
    static int checkVmaFlags(Vma vma, boolean write, boolean force) {
        long f = vma.flags;
        if ((f & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0) {
            return -EFAULT;
        }
        if (write) {
            if ((f & VmFlags.VM_WRITE) == 0) {
                if (!force || !VmFlags.isCowMapping(f)) {
                    return -EFAULT;
                }
            }
        } else if ((f & VmFlags.VM_READ) == 0) {
            if (!force || (f & VmFlags.VM_MAYREAD) == 0) {
                return -EFAULT;
            }
        }
        return 0;
    }
}
