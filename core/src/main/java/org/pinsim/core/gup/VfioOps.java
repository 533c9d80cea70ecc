package org.pinsim.core.gup;

import static org.pinsim.core.uapi.Errno.EBUSY;
import static org.pinsim.core.uapi.Errno.EEXIST;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.ENOSPC;
import static org.pinsim.core.uapi.Errno.ENOSYS;
import static org.pinsim.core.uapi.Errno.EOVERFLOW;

import java.util.Arrays;
import org.pinsim.core.Profile;
import org.pinsim.core.account.VfioAccounting;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Resource;

/**
 * drivers/vfio/vfio_iommu_type1.c VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA with
 * read/write permission, and the container's release, per profile ({@link VfioAccounting}):
 *
 * <ul>
 * <li>linux-6.18 (TYPE1v2): vfio_dma_do_map's checks (EINVAL, EOVERFLOW, EEXIST, ENOSPC),
 *     then vfio_pin_map_dma: pages pinned FOLL_LONGTERM | FOLL_WRITE in batches of 512, each
 *     physically contiguous run checked with {@code mm->locked_vm + lock_acct + acct_pages >
 *     limit} unless {@code dma->lock_cap} (CAP_IPC_LOCK at map time), and charged to
 *     {@code dma->mm}'s locked_vm through __account_locked_vm: the counter mlock uses, so a
 *     page both mlocked and mapped is counted twice. ENOMEM undoes every charge and pin (the
 *     pages of the batches already pinned stay faulted in). Unmap removes whole mappings
 *     (a range that would split one is EINVAL) and uncharges dma->mm if it still has users.</li>
 * <li>mpin-2013 (on 3.10; the VM_PINNED series left vfio alone): one check of
 *     {@code current->mm->locked_vm + npage > limit} without CAP_IPC_LOCK before pinning;
 *     an overlap is EBUSY; pages pinned one by one (get_user_pages_fast, write); vfio_lock_acct
 *     charges and uncharges {@code current->mm}; an unmap may cut a mapping in pieces.</li>
 * <li>linux-3.1 and linux-3.2: no vfio (3.6): ENOSYS.</li>
 * </ul>
 *
 * Neither kernel deduplicates pages mapped by two mappings. vfio_lock_acct's deferral to a
 * work item when mmap_sem is busy never happens here (one thread runs at a time).
 */
public final class VfioOps {
    /** VFIO_BATCH_MAX_CAPACITY: PAGE_SIZE / sizeof(struct page *). */
    static final int BATCH = 512;
    /** The stand-in IOMMU's aperture: 48-bit IOVAs. */
    static final long APERTURE_END = (1L << 48) - 1;
    /** The x86 MSI window the IOMMU reserves (IOMMU_RESV_MSI, 0xfee00000 - 0xfeefffff). */
    static final long MSI_START = 0xfee00000L;
    static final long MSI_END = 0xfeefffffL;

    private final Pins pins;
    private final Profile profile;

    public VfioOps(Pins pins, Profile profile) {
        this.pins = pins;
        this.profile = profile;
    }

    /** A new stand-in container (open /dev/vfio/vfio, VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU). */
    public VfioContainer open() {
        return new VfioContainer();
    }

    /** VFIO_IOMMU_MAP_DMA of [vaddr, vaddr+size) at IOVA vaddr, read and write. */
    public int mapDma(Caller c, VfioContainer ct, long vaddr, long size) {
        VfioAccounting acct = profile.vfio();
        if (acct == VfioAccounting.NONE) {
            c.refuse("vfio_map_dma: vfio arrived in Linux 3.6, profile " + profile.id() + " lacks it");
            return -ENOSYS;
        }
        return acct == VfioAccounting.LOCKED_VM_6_18 ? map618(c, ct, vaddr, size) : map310(c, ct, vaddr, size);
    }

    /** VFIO_IOMMU_UNMAP_DMA of the mappings in [iova, iova+size). */
    public int unmapDma(Caller c, VfioContainer ct, long iova, long size) {
        VfioAccounting acct = profile.vfio();
        if (acct == VfioAccounting.NONE) {
            c.refuse("vfio_unmap_dma: vfio arrived in Linux 3.6, profile " + profile.id() + " lacks it");
            return -ENOSYS;
        }
        return acct == VfioAccounting.LOCKED_VM_6_18 ? unmap618(c, ct, iova, size) : unmap310(c, ct, iova, size);
    }

    // ---- Linux 6.18 ----

    /** vfio_dma_do_map in 6.18's order. */
    private int map618(Caller c, VfioContainer ct, long iova, long size) {
        if (size == 0) {
            c.refuse("vfio_map_dma: size 0 (vfio_dma_do_map)");
            return -EINVAL;
        }
        long iovaEnd = iova + size - 1;
        if (Long.compareUnsigned(iovaEnd, iova) < 0) {
            c.refuse("vfio_map_dma: iova + size - 1 overflows (check_add_overflow)");
            return -EOVERFLOW;
        }
        if (((size | iova) & (MmContext.PAGE_SIZE - 1)) != 0) {
            c.refuse("vfio_map_dma: vaddr, iova or size not aligned to the IOMMU's 4 KiB page");
            return -EINVAL;
        }
        if (ct.find(iova, size) != null) {
            c.refuse("vfio_map_dma: the range overlaps an existing mapping (vfio_find_dma)");
            return -EEXIST;
        }
        if (ct.dmaAvail == 0) {
            c.refuse("vfio_map_dma: " + VfioContainer.DMA_ENTRY_LIMIT + " mappings already (dma_entry_limit)");
            return -ENOSPC;
        }
        if (Long.compareUnsigned(iovaEnd, APERTURE_END) > 0
                || (Long.compareUnsigned(iova, MSI_END) <= 0 && Long.compareUnsigned(iovaEnd, MSI_START) >= 0)) {
            c.refuse("vfio_map_dma: the IOVA range leaves the IOMMU aperture or meets its MSI window"
                    + " (vfio_iommu_iova_dma_valid)");
            return -EINVAL;
        }
        boolean lockCap = c.capable(Caps.CAP_IPC_LOCK); // dma->lock_cap
        Mm mm = c.mm(); // dma->mm, mmgrab'ed
        long npages = size >>> MmContext.PAGE_SHIFT;
        long limit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> MmContext.PAGE_SHIFT;
        // the first page whose run takes locked_vm + lock_acct past the limit
        long over = lockCap ? Long.MAX_VALUE : Long.compareUnsigned(mm.lockedVm(), limit) >= 0 ? 0 : limit - mm.lockedVm();
        int[] pfns = new int[(int) Math.min(npages, BATCH)];
        long done = 0;
        int err = 0;
        while (done < npages) {
            int n = (int) Math.min(npages - done, BATCH);
            if (pfns.length < done + n) {
                pfns = Arrays.copyOf(pfns, (int) Math.min(npages, Math.max(2L * pfns.length, done + n)));
            }
            long a = iova + (done << MmContext.PAGE_SHIFT);
            long got = pins.pinUserPages(mm, a, n, Pins.FOLL_LONGTERM | Pins.FOLL_WRITE, pfns, (int) done);
            if (got < 0) {
                err = (int) got;
                break;
            }
            done += got;
            if (over < done) {
                c.refuse("vfio_map_dma: locked_vm " + mm.lockedVm() + " + " + npages + " pages > RLIMIT_MEMLOCK " + limit
                        + " pages, without CAP_IPC_LOCK (vfio_pin_pages_remote; mlocked pages count too)");
                c.refuseLimit(org.pinsim.core.LimitCheck.mm("drivers/vfio/vfio_iommu_type1.c: vfio_pin_pages_remote",
                        "the DMA mapping", "locked_vm", mm.lockedVm(), npages, 0, limit));
                err = -ENOMEM;
                break;
            }
            if (got < n) {
                err = nextPinError(mm, iova + (done << MmContext.PAGE_SHIFT));
                break;
            }
        }
        if (err != 0) {
            pins.unpinUserPages(pfns, (int) done); // vfio_remove_dma: everything charged and pinned goes
            if (err != -ENOMEM) {
                c.refuse("vfio_map_dma: pinning failed at 0x" + Long.toHexString(iova + (done << 12))
                        + " (no mapping, a VMA gup refuses, or out of memory)");
            }
            return err;
        }
        mm.addDriverLockedVm(npages); // vfio_lock_acct -> __account_locked_vm, which checks the same sum again
        ct.dmas.put(iova, new VfioContainer.Dma(iova, size, pfns, mm, lockCap, npages));
        ct.dmaAvail--;
        return 0;
    }

    /** The error the pin of the page at {@code a} gives (the next pin_user_pages_remote call). */
    private int nextPinError(Mm mm, long a) {
        int[] one = new int[1];
        long r = pins.pinUserPages(mm, a, 1, Pins.FOLL_LONGTERM | Pins.FOLL_WRITE, one, 0);
        if (r > 0) {
            pins.unpinUserPages(one, 1);
            return -EFAULT;
        }
        return (int) r;
    }

    /** vfio_dma_do_unmap for TYPE1v2 in 6.18's order; the unmapped size is not reported. */
    private int unmap618(Caller c, VfioContainer ct, long iova, long size) {
        if ((iova & (MmContext.PAGE_SIZE - 1)) != 0 || size == 0 || (size & (MmContext.PAGE_SIZE - 1)) != 0) {
            c.refuse("vfio_unmap_dma: iova or size not a nonzero multiple of 4 KiB (vfio_dma_do_unmap)");
            return -EINVAL;
        }
        long iovaEnd = iova + size - 1;
        if (Long.compareUnsigned(iovaEnd, iova) < 0) {
            c.refuse("vfio_unmap_dma: iova + size - 1 overflows");
            return -EOVERFLOW;
        }
        VfioContainer.Dma first = ct.find(iova, 1);
        VfioContainer.Dma last = ct.find(iovaEnd, 1);
        if ((first != null && first.iova() != iova) || (last != null && last.end() - 1 != iovaEnd)) {
            c.refuse("vfio_unmap_dma: the range would split a mapping (type1 v2 unmaps whole mappings only)");
            return -EINVAL;
        }
        for (VfioContainer.Dma d : ct.dmas()) {
            if (Long.compareUnsigned(d.iova(), iova) >= 0 && Long.compareUnsigned(d.iova(), iovaEnd) <= 0) {
                removeDma(ct, d, c, false);
            }
        }
        return 0;
    }

    /**
     * vfio_remove_dma: unpin, then vfio_lock_acct(dma, -unlocked, async = true), which skips
     * the uncharge when dma->mm has no users left ("process exited").
     *
     * @param exiting the container goes with the file table of an exiting task, after its exit_mm
     */
    private void removeDma(VfioContainer ct, VfioContainer.Dma d, Caller c, boolean exiting) {
        ct.dmas.remove(d.iova());
        ct.dmaAvail++;
        pins.unpinUserPages(d.pfns(), d.pfns().length);
        int users = d.mm().users() - (exiting && d.mm() == c.mm() ? 1 : 0);
        if (users > 0) {
            d.mm().addDriverLockedVm(-d.lockedPages());
        } else {
            d.mm().addUnownedDriverCharge(true, d.lockedPages());
        }
    }

    // ---- Linux 3.10 (the mpin-2013 profile's base) ----

    /** vfio_dma_do_map in 3.10's order. */
    private int map310(Caller c, VfioContainer ct, long iova, long size) {
        if (((iova | size) & (MmContext.PAGE_SIZE - 1)) != 0) {
            c.refuse("vfio_map_dma: vaddr, iova or size not aligned to the IOMMU's 4 KiB page");
            return -EINVAL;
        }
        if (iova + size != 0 && Long.compareUnsigned(iova + size, iova) < 0) {
            c.refuse("vfio_map_dma: iova + size overflows");
            return -EINVAL;
        }
        long npage = size >>> MmContext.PAGE_SHIFT;
        if (npage == 0) {
            c.refuse("vfio_map_dma: size 0 (vfio_dma_do_map)");
            return -EINVAL;
        }
        if (ct.find(iova, size) != null) {
            c.refuse("vfio_map_dma: the range overlaps an existing mapping (vfio_find_dma)");
            return -EBUSY;
        }
        Mm mm = c.mm();
        long limit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> MmContext.PAGE_SHIFT;
        boolean cap = c.capable(Caps.CAP_IPC_LOCK);
        if (Long.compareUnsigned(mm.lockedVm() + npage, limit) > 0 && !cap) {
            c.refuse("vfio_map_dma: locked_vm " + mm.lockedVm() + " + " + npage + " pages > RLIMIT_MEMLOCK " + limit
                    + " pages, without CAP_IPC_LOCK (vfio_dma_do_map)");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("drivers/vfio/vfio_iommu_type1.c: vfio_pin_pages (Linux 3.10)",
                    "the DMA mapping", "locked_vm", mm.lockedVm(), npage, 0, limit));
            return -ENOMEM;
        }
        int[] pfns = new int[(int) Math.min(npage, BATCH)];
        for (long i = 0; i < npage; i++) {
            if (pfns.length <= i) {
                pfns = Arrays.copyOf(pfns, (int) Math.min(npage, 2L * pfns.length));
            }
            // __vfio_dma_map: get_user_pages_fast(vaddr, 1, write, page), one page at a time
            long r = pins.pinUserPages(mm, iova + (i << MmContext.PAGE_SHIFT), 1, Pins.FOLL_WRITE, pfns, (int) i);
            if (r <= 0) {
                pins.unpinUserPages(pfns, (int) i);
                c.refuse("vfio_map_dma: pinning failed at 0x" + Long.toHexString(iova + (i << 12)));
                return r < 0 ? (int) r : -EFAULT;
            }
        }
        mm.addDriverLockedVm(npage); // vfio_lock_acct(locked): current->mm->locked_vm += npage
        ct.dmas.put(iova, new VfioContainer.Dma(iova, size, pfns, mm, cap, npage));
        return 0;
    }

    /**
     * vfio_dma_do_unmap in 3.10: every mapping the range overlaps loses the overlap
     * (vfio_remove_dma_overlap trims or splits it); the pages go and current->mm is
     * uncharged. A range with no mapping is 0.
     */
    private int unmap310(Caller c, VfioContainer ct, long iova, long size) {
        if (((iova | size) & (MmContext.PAGE_SIZE - 1)) != 0) {
            c.refuse("vfio_unmap_dma: iova or size not aligned to 4 KiB (vfio_dma_do_unmap)");
            return -EINVAL;
        }
        long end = iova + size;
        for (VfioContainer.Dma d : ct.dmas()) {
            long lo = Long.compareUnsigned(d.iova(), iova) > 0 ? d.iova() : iova;
            long hi = Long.compareUnsigned(d.end(), end) < 0 ? d.end() : end;
            if (Long.compareUnsigned(lo, hi) >= 0) {
                continue;
            }
            ct.dmas.remove(d.iova());
            int from = (int) ((lo - d.iova()) >>> MmContext.PAGE_SHIFT);
            int to = (int) ((hi - d.iova()) >>> MmContext.PAGE_SHIFT);
            keep(ct, d, 0, from);
            keep(ct, d, to, d.pfns().length);
            int[] gone = Arrays.copyOfRange(d.pfns(), from, to);
            pins.unpinUserPages(gone, gone.length);
            uncharge310(d.mm(), c.mm(), gone.length);
        }
        return 0;
    }

    /** The part [from, to) of a mapping that a 3.10 unmap leaves (a trimmed or split vfio_dma). */
    private static void keep(VfioContainer ct, VfioContainer.Dma d, int from, int to) {
        if (from < to) {
            long start = d.iova() + ((long) from << MmContext.PAGE_SHIFT);
            ct.dmas.put(start, new VfioContainer.Dma(start, (long) (to - from) << MmContext.PAGE_SHIFT,
                    Arrays.copyOfRange(d.pfns(), from, to), d.mm(), d.lockCap(), to - from));
        }
    }

    /** 3.10 vfio_lock_acct(-n): current->mm, whichever it is; nothing when the task has no mm. */
    private static void uncharge310(Mm charged, Mm current, long pages) {
        if (current != null) {
            current.addDriverLockedVm(-pages);
        }
        if (current != charged) {
            charged.addUnownedDriverCharge(true, pages);
            if (current != null) {
                current.addUnownedDriverCharge(true, -pages);
            }
        }
    }

    /**
     * vfio_iommu_type1_release: every mapping is removed ({@code exiting}: the container goes
     * with an exiting task's file table, after its exit_mm).
     */
    public void close(VfioContainer ct, Caller c, boolean exiting) {
        for (VfioContainer.Dma d : ct.dmas()) {
            if (profile.vfio() == VfioAccounting.LOCKED_VM_6_18) {
                removeDma(ct, d, c, exiting);
            } else {
                ct.dmas.remove(d.iova());
                pins.unpinUserPages(d.pfns(), d.pfns().length);
                uncharge310(d.mm(), exiting ? null : c.mm(), d.pfns().length);
            }
        }
        ct.closed = true;
    }
}
