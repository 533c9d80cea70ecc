package org.pinsim.core.gup;

import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOENT;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EOPNOTSUPP;
import static org.pinsim.core.uapi.Errno.EPERM;

import java.util.Arrays;
import org.pinsim.core.Profile;
import org.pinsim.core.account.RdmaAccounting;
import org.pinsim.core.mlock.Mpin;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.Mmap;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Resource;
import org.pinsim.core.uapi.Verbs;

/**
 * RDMA memory registration as memory accounting sees it: uverbs reg_mr/dereg_mr
 * (drivers/infiniband/core/uverbs_cmd.c ib_uverbs_reg_mr, ib_uverbs_dereg_mr) and
 * drivers/infiniband/core/umem.c ib_umem_get / ib_umem_release, per profile
 * ({@link RdmaAccounting}):
 *
 * <ul>
 * <li>linux-3.1: {@code locked = npages + current->mm->locked_vm}; over RLIMIT_MEMLOCK
 *     without CAP_IPC_LOCK, ENOMEM; on success {@code current->mm->locked_vm = locked},
 *     with the capability too. Pages pinned with get_user_pages(write = 1, force =
 *     !writable). No check of a zero length.</li>
 * <li>linux-3.2 (and 3.10): the same on pinned_vm (commit bc3e53f682d9).</li>
 * <li>mpin-2013 [PROPOSAL]: "mm,ib,umem: Use VM_PINNED" (May 2014): npages 0 is EINVAL, then
 *     mm_mpin of the page range (EPERM, the limit on npages + mm_locked_pages, VM_PINNED on
 *     its VMAs), then the pins; release is mm_munpin of the range.</li>
 * <li>linux-6.18: {@code atomic64_add_return(npages, &mm->pinned_vm)}, checked alone against
 *     RLIMIT_MEMLOCK and undone on failure; pinned FOLL_LONGTERM, FOLL_WRITE when writable;
 *     release uncharges {@code umem->owning_mm}.</li>
 * </ul>
 *
 * Release in 3.x (and mpin-2013) uncharges {@code get_task_mm(current)}: the mm of the task
 * that deregisters, which after an execve is not the one charged; when the device is closed
 * at exit, exit_mm has already run and nothing is uncharged. The deferral to ib_wq when the
 * mmap_sem trylock fails never happens here (one thread runs at a time). Two registrations of
 * the same pages charge twice (no dedup in any kernel), except under mpin-2013, whose
 * VM_PINNED is a VMA flag: charged once, and cleared by the first deregistration.
 */
public final class RdmaOps {
    /** PAGE_SIZE / sizeof(struct page *): the pages one get_user_pages / pin_user_pages_fast call takes. */
    static final int PAGES_PER_CALL = 512;

    private final Pins pins;
    private final Mpin mpin;
    private final Profile profile;

    public RdmaOps(Pins pins, Mpin mpin, Profile profile) {
        this.pins = pins;
        this.mpin = mpin;
        this.profile = profile;
    }

    /** A new stand-in device (ibv_open_device and a PD). */
    public Uverbs open() {
        return new Uverbs();
    }

    /**
     * ib_uverbs_reg_mr -> the driver's reg_user_mr -> ib_umem_get, with hca_va = start.
     *
     * @return the MR's handle, or -errno with nothing charged or pinned
     */
    public long regMr(Caller c, Uverbs dev, long addr, long len, long access) {
        int err = checkAccess(c, access);
        if (err != 0) {
            return err;
        }
        RdmaAccounting acct = profile.rdma();
        return acct == RdmaAccounting.PINNED_VM_ATOMIC ? umemGet618(c, dev, addr, len, access)
                : acct == RdmaAccounting.MM_MPIN ? umemGetMpin(c, dev, addr, len, access)
                : umemGet3x(c, dev, addr, len, access);
    }

    /**
     * The access-flag checks uverbs makes before the driver: 3.x ib_uverbs_reg_mr, and 6.x's
     * ib_check_mr_access with a device that has no on-demand paging and no flush support.
     */
    private int checkAccess(Caller c, long access) {
        if ((access & (Verbs.IB_ACCESS_REMOTE_ATOMIC | Verbs.IB_ACCESS_REMOTE_WRITE)) != 0
                && (access & Verbs.IB_ACCESS_LOCAL_WRITE) == 0) {
            c.refuse("rdma_reg_mr: remote write or atomic access needs IB_ACCESS_LOCAL_WRITE (ib_check_mr_access)");
            return -EINVAL;
        }
        if (profile.rdma() != RdmaAccounting.PINNED_VM_ATOMIC) {
            return 0; // 3.x uverbs checked nothing else
        }
        if ((access & ~(long) Verbs.IB_ACCESS_SUPPORTED) != 0) {
            c.refuse("rdma_reg_mr: access flags 0x" + Long.toHexString(access & ~(long) Verbs.IB_ACCESS_SUPPORTED)
                    + " outside IB_ACCESS_SUPPORTED (ib_check_mr_access)");
            return -EINVAL;
        }
        if ((access & (Verbs.IB_ACCESS_ON_DEMAND | Verbs.IB_ACCESS_FLUSH_GLOBAL | Verbs.IB_ACCESS_FLUSH_PERSISTENT))
                != 0) {
            c.refuse("rdma_reg_mr: the stand-in device has no on-demand paging or flush support (ib_check_mr_access)");
            return -EOPNOTSUPP;
        }
        return 0;
    }

    /** ib_umem_get in Linux 3.1 to 3.10. */
    private long umemGet3x(Caller c, Uverbs dev, long addr, long len, long access) {
        if (!Mmap.canDoMlock(c)) {
            c.refuse("rdma_reg_mr: RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK (can_do_mlock in ib_umem_get)");
            c.refuseLimit(org.pinsim.core.LimitCheck.zero("drivers/infiniband/core/umem.c: ib_umem_get (can_do_mlock)",
                    "the memory region", pageAlign(len + (addr & 4095)) >>> MmContext.PAGE_SHIFT));
            return -EPERM;
        }
        boolean locked = profile.rdma() == RdmaAccounting.LOCKED_VM;
        long npages = pageAlign(len + (addr & 4095)) >>> MmContext.PAGE_SHIFT; // may wrap, as in C
        Mm mm = c.mm();
        long counter = locked ? mm.lockedVm() : mm.pinnedVm();
        long lockLimit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> MmContext.PAGE_SHIFT;
        if (Long.compareUnsigned(npages + counter, lockLimit) > 0 && !c.capable(Caps.CAP_IPC_LOCK)) {
            c.refuse("rdma_reg_mr: " + npages + " pages + " + (locked ? "locked_vm " : "pinned_vm ") + counter
                    + " > RLIMIT_MEMLOCK " + lockLimit + " pages (ib_umem_get)");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("drivers/infiniband/core/umem.c: ib_umem_get", "the memory region",
                    locked ? "locked_vm" : "pinned_vm", counter, npages, 0, lockLimit));
            return -ENOMEM;
        }
        boolean writable = (access & ~(long) Verbs.IB_ACCESS_REMOTE_READ) != 0;
        int flags = Pins.FOLL_WRITE | (writable ? 0 : Pins.FOLL_FORCE);
        int[] pfns = pin(c, addr & ~4095L, npages, flags);
        if (pfns == null) {
            return lastError;
        }
        // "current->mm->locked_vm = locked" (pinned_vm from 3.2), with CAP_IPC_LOCK too
        if (locked) {
            mm.addDriverLockedVm(npages);
        } else {
            mm.addPinnedVm(npages);
        }
        return add(dev, new Uverbs.Mr(dev.nextHandle(), addr, len, (int) npages, pfns, writable, mm, locked, npages));
    }

    /** [PROPOSAL] ib_umem_get of "mm,ib,umem: Use VM_PINNED" (2014). */
    private long umemGetMpin(Caller c, Uverbs dev, long addr, long len, long access) {
        if (!Mmap.canDoMlock(c)) {
            c.refuse("rdma_reg_mr: RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK (can_do_mlock in ib_umem_get)");
            c.refuseLimit(org.pinsim.core.LimitCheck.zero("drivers/infiniband/core/umem.c: ib_umem_get (can_do_mlock)",
                    "the memory region", pageAlign(len + (addr & 4095)) >>> MmContext.PAGE_SHIFT));
            return -EPERM;
        }
        long npages = pageAlign(len + (addr & 4095)) >>> MmContext.PAGE_SHIFT;
        if (npages == 0) {
            c.refuse("rdma_reg_mr: the region has no pages (ib_umem_get: npages == 0)");
            return -EINVAL;
        }
        long start = addr & ~4095L;
        boolean writable = (access & ~(long) Verbs.IB_ACCESS_REMOTE_READ) != 0;
        // mm_mpin, then pinsim's pre-compaction of the proposal (MpinPack) before the pins
        int err = mpin.mmMpinPrecompact(c, start, npages << MmContext.PAGE_SHIFT, true, !writable);
        if (err != 0) {
            return err; // "if (ret) goto err": what mm_mpin pinned before a hole stays pinned
        }
        int[] pfns = pin(c, start, npages, Pins.FOLL_WRITE | (writable ? 0 : Pins.FOLL_FORCE));
        if (pfns == null) {
            mpin.mmMunpin(c, start, npages << MmContext.PAGE_SHIFT); // err_unpin
            return lastError;
        }
        return add(dev, new Uverbs.Mr(dev.nextHandle(), addr, len, (int) npages, pfns, writable, c.mm(), false, 0));
    }

    /** ib_umem_get in Linux 6.18. */
    private long umemGet618(Caller c, Uverbs dev, long addr, long len, long access) {
        long end = addr + len;
        if (Long.compareUnsigned(end, addr) < 0 || Long.compareUnsigned(pageAlign(end), end) < 0) {
            c.refuse("rdma_reg_mr: addr + length overflows (ib_umem_get)");
            return -EINVAL;
        }
        if (!Mmap.canDoMlock(c)) {
            c.refuse("rdma_reg_mr: RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK (can_do_mlock in ib_umem_get)");
            c.refuseLimit(org.pinsim.core.LimitCheck.zero("drivers/infiniband/core/umem.c: ib_umem_get (can_do_mlock)",
                    "the memory region", pageAlign(len + (addr & 4095)) >>> MmContext.PAGE_SHIFT));
            return -EPERM;
        }
        // ib_umem_num_pages: (ALIGN(iova + length, PAGE_SIZE) - ALIGN_DOWN(iova, PAGE_SIZE)) / PAGE_SIZE
        long npages = (pageAlign(end) - (addr & ~4095L)) >>> MmContext.PAGE_SHIFT;
        if (npages == 0 || npages > 0xffffffffL) {
            c.refuse("rdma_reg_mr: " + npages + " pages: 0 or above UINT_MAX (ib_umem_get)");
            return -EINVAL;
        }
        Mm mm = c.mm();
        long lockLimit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> MmContext.PAGE_SHIFT;
        mm.addPinnedVm(npages); // "new_pinned = atomic64_add_return(npages, &mm->pinned_vm)"
        long newPinned = mm.pinnedVm();
        if (Long.compareUnsigned(newPinned, lockLimit) > 0 && !c.capable(Caps.CAP_IPC_LOCK)) {
            mm.addPinnedVm(-npages);
            c.refuse("rdma_reg_mr: pinned_vm would be " + newPinned + " pages > RLIMIT_MEMLOCK " + lockLimit
                    + " pages (ib_umem_get; locked_vm is not counted)");
            c.refuseLimit(org.pinsim.core.LimitCheck.mm("drivers/infiniband/core/umem.c: ib_umem_get", "the memory region",
                    "pinned_vm", newPinned - npages, npages, 0, lockLimit));
            return -ENOMEM;
        }
        boolean writable = Verbs.accessWritable(access);
        int[] pfns = pin(c, addr & ~4095L, npages, Pins.FOLL_LONGTERM | (writable ? Pins.FOLL_WRITE : 0));
        if (pfns == null) {
            mm.addPinnedVm(-npages); // umem_release: "atomic64_sub(ib_umem_num_pages(umem), &mm->pinned_vm)"
            return lastError;
        }
        return add(dev, new Uverbs.Mr(dev.nextHandle(), addr, len, (int) npages, pfns, writable, mm, false, npages));
    }

    private static long add(Uverbs dev, Uverbs.Mr mr) {
        dev.mrs.put(mr.handle(), mr);
        return mr.handle();
    }

    /** The errno of the last failed {@link #pin}. */
    private long lastError;

    /**
     * The pin loop of ib_umem_get: calls of at most {@link #PAGES_PER_CALL} pages; a short
     * call goes on from where it stopped, an error undoes every pin (the pages faulted in
     * stay). Returns the frames, or null with {@link #lastError} set.
     */
    private int[] pin(Caller c, long start, long npages, int flags) {
        int[] pfns = new int[(int) Math.min(npages, PAGES_PER_CALL)];
        int done = 0;
        while (done < npages) {
            int n = (int) Math.min(npages - done, PAGES_PER_CALL);
            if (pfns.length < done + n) {
                pfns = Arrays.copyOf(pfns, (int) Math.min(npages, Math.max(2L * pfns.length, done + n)));
            }
            long got = pins.pinUserPages(c.mm(), start + ((long) done << MmContext.PAGE_SHIFT), n, flags, pfns, done);
            if (got < 0) {
                pins.unpinUserPages(pfns, done);
                c.refuse("rdma_reg_mr: pinning failed at 0x" + Long.toHexString(start + ((long) done << 12))
                        + " (no mapping, a VMA gup refuses, or out of memory); nothing stays pinned");
                lastError = got;
                return null;
            }
            done += (int) got;
        }
        return pfns;
    }

    /**
     * ib_uverbs_dereg_mr: an unknown handle is EINVAL in 3.x (idr_write_uobj on the MR idr)
     * and ENOENT in 6.x (rdma_lookup_get_uobject); then ib_umem_release.
     */
    public int deregMr(Caller c, Uverbs dev, long handle) {
        Uverbs.Mr mr = handle == (int) handle ? dev.mrs.get((int) handle) : null;
        if (mr == null) {
            c.refuse("rdma_dereg_mr: " + handle + " is not a registered MR of this process");
            return profile.rdma() == RdmaAccounting.PINNED_VM_ATOMIC ? -ENOENT : -EINVAL;
        }
        dev.mrs.remove(mr.handle());
        release(mr, c);
        return 0;
    }

    /**
     * ib_uverbs_close -> every MR still registered is released ({@code exiting}: the device
     * goes with the exiting task's file table, after exit_mm, so 3.x finds no mm to uncharge).
     */
    public void close(Uverbs dev, Caller c, boolean exiting) {
        for (Uverbs.Mr mr : dev.mrs()) {
            dev.mrs.remove(mr.handle());
            release(mr, exiting ? null : c);
        }
        dev.closed = true;
    }

    /**
     * ib_umem_release: the pins go, and the charge: from owning_mm in 6.18; from
     * get_task_mm(current) in 3.x, nothing when the releasing task has no mm.
     *
     * @param releaser the task releasing, or null when it has no mm any more (exit)
     */
    private void release(Uverbs.Mr mr, Caller releaser) {
        pins.unpinUserPages(mr.pfns(), mr.npages());
        RdmaAccounting acct = profile.rdma();
        if (acct == RdmaAccounting.PINNED_VM_ATOMIC) {
            mr.chargedMm().addPinnedVm(-mr.ledgerPages());
            return;
        }
        if (acct == RdmaAccounting.MM_MPIN) {
            if (releaser != null) {
                mpin.mmMunpin(releaser, mr.startAddr(), (long) mr.npages() << MmContext.PAGE_SHIFT); // errors ignored
            }
            return;
        }
        Mm cur = releaser == null ? null : releaser.mm();
        if (cur != null) {
            if (mr.lockedVmCounter()) {
                cur.addDriverLockedVm(-mr.ledgerPages()); // "current->mm->locked_vm -= diff"
            } else {
                cur.addPinnedVm(-mr.ledgerPages());
            }
        }
        if (cur != mr.chargedMm()) {
            mr.chargedMm().addUnownedDriverCharge(mr.lockedVmCounter(), mr.ledgerPages());
            if (cur != null) {
                cur.addUnownedDriverCharge(mr.lockedVmCounter(), -mr.ledgerPages());
            }
        }
    }

    private static long pageAlign(long x) {
        return (x + 4095) & ~4095L;
    }
}
