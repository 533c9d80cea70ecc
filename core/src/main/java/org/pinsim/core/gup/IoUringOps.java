package org.pinsim.core.gup;

import static org.pinsim.core.uapi.Errno.EBUSY;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.ENXIO;
import static org.pinsim.core.uapi.Errno.EOVERFLOW;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.task.Caps;
import org.pinsim.core.time.Clock;
import org.pinsim.core.time.CostModel;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.uapi.Resource;

/**
 * io_uring/io_uring.c, memmap.c and rsrc.c as memory accounting sees them: ring setup (the
 * ring and SQE regions, charged to user->locked_vm), IORING_REGISTER_BUFFERS (FOLL_LONGTERM
 * pins, charged to user->locked_vm with the RLIMIT_MEMLOCK check and mirrored unchecked in
 * the creator's mm->pinned_vm), IORING_UNREGISTER_BUFFERS, and the ring's release.
 *
 * <p>Linux 6.18. Simplified: params are zeroed (no IORING_SETUP_* flags; the scenario's
 * struct is not read); no requests are ever submitted, so nothing is in flight. The release
 * of a ring whose last file reference goes runs, as in the kernel, from a workqueue
 * (io_ring_ctx_wait_and_kill -> queue_work(io_ring_exit_work)), on the virtual clock
 * {@link CostModel#IO_RING_EXIT_WORK_NS} after the close: until then VmPin, user->locked_vm
 * and the pinned pages stay.
 */
public final class IoUringOps {
    /** sizeof(struct io_rings) on x86-64 (64-byte cache lines): the offset of cqes[]. */
    static final int IO_RINGS_SIZE = 320;
    static final int CQE_SIZE = 16;
    static final int SQE_SIZE = 64;
    static final int SMP_CACHE_BYTES = 64;
    static final long SZ_1G = 1L << 30;

    private final Memory memory;
    private final Pins pins;
    private final Clock clock;

    public IoUringOps(Memory memory, Pins pins, Clock clock) {
        this.memory = memory;
        this.pins = pins;
        this.clock = clock;
    }

    /**
     * io_uring/io_uring.c io_uring_setup -> io_uring_create with zeroed params.
     *
     * @param out receives the new ring
     * @return 0, or -errno (nothing is left charged or allocated)
     */
    public int setup(Caller c, UserStruct current, long entriesArg, IoRingCtx[] out) {
        long entries = entriesArg & 0xffffffffL; // u32 entries
        // io_uring_fill_params
        if (entries == 0) {
            c.refuse("io_uring_setup: entries is 0 (io_uring_fill_params)");
            return -EINVAL;
        }
        if (entries > IoUring.IORING_MAX_ENTRIES) {
            c.refuse("io_uring_setup: entries " + entries + " above IORING_MAX_ENTRIES " + IoUring.IORING_MAX_ENTRIES
                    + " without IORING_SETUP_CLAMP");
            return -EINVAL;
        }
        int sq = entries == 1 ? 1 : Integer.highestOneBit((int) entries - 1) << 1; // roundup_pow_of_two
        int cq = 2 * sq;
        // io_uring_create: "if (!ns_capable_noaudit(&init_user_ns, CAP_IPC_LOCK)) ctx->user = get_uid(current_user())"
        UserStruct user = c.capable(Caps.CAP_IPC_LOCK) ? null : current;
        // io_allocate_scq_urings: rings_size, then io_create_region for the rings and for the SQEs
        long ringBytes = align(IO_RINGS_SIZE + (long) CQE_SIZE * cq, SMP_CACHE_BYTES) + 4L * sq;
        int ringPages = pages(ringBytes);
        int sqePages = pages((long) SQE_SIZE * sq);
        int[] ring = createRegion(c, user, ringPages, "the ring (SQ and CQ rings, io_create_region)");
        if (ring == null) {
            return -ENOMEM;
        }
        int[] sqes = createRegion(c, user, sqePages, "the submission queue entries (io_create_region)");
        if (sqes == null) {
            freeRegion(user, ring, ringPages); // io_rings_free
            return -ENOMEM;
        }
        IoRingCtx ctx = new IoRingCtx(this, user, c.mm(), sq, cq, ring, ringPages, sqes, sqePages); // mmgrab(current->mm)
        ctx.fileRefs = 1;
        out[0] = ctx;
        return 0;
    }

    private static long align(long x, long a) {
        return (x + a - 1) & -a;
    }

    private static int pages(long bytes) {
        return (int) ((bytes + MmContext.PAGE_SIZE - 1) >>> MmContext.PAGE_SHIFT);
    }

    /**
     * io_uring/memmap.c io_create_region: the charge comes first (__io_account_mem), then
     * io_region_allocate_pages (one compound allocation of get_order(size), else order-0
     * pages one by one). Returns the frames, or null after undoing the charge (-ENOMEM).
     */
    private int[] createRegion(Caller c, UserStruct user, int nrPages, String what) {
        if (user != null && accountMem(c, user, nrPages, what) != 0) {
            return null;
        }
        int order = 32 - Integer.numberOfLeadingZeros(nrPages - 1); // get_order
        int block = memory.allocKernelPages(order);
        if (block != FrameTable.NO_FRAME) {
            // io_mem_alloc_compound: the whole 2^order block stays allocated while the region
            // lives, though only nrPages are used and charged
            int[] pfns = new int[1 << order];
            for (int i = 0; i < pfns.length; i++) {
                pfns[i] = block + i;
            }
            return pfns;
        }
        int[] pfns = new int[nrPages];
        for (int i = 0; i < nrPages; i++) {
            pfns[i] = memory.allocKernelPages(0);
            if (pfns[i] == FrameTable.NO_FRAME) {
                for (int j = 0; j < i; j++) {
                    memory.freeKernelPage(pfns[j]);
                }
                if (user != null) {
                    user.addLockedVm(-nrPages);
                }
                c.refuse("io_uring_setup: out of memory for the ring");
                return null;
            }
        }
        return pfns;
    }

    /** io_uring/memmap.c io_free_region: the frames go back, and the charge ({@code charged} pages) with them. */
    private void freeRegion(UserStruct user, int[] pfns, long charged) {
        for (int pfn : pfns) {
            memory.freeKernelPage(pfn);
        }
        if (user != null) {
            user.addLockedVm(-charged);
        }
    }

    /**
     * io_uring/rsrc.c __io_account_mem: user->locked_vm may grow to RLIMIT_MEMLOCK of the
     * calling task, in pages ("if (new_pages > page_limit) return -ENOMEM").
     */
    private static int accountMem(Caller c, UserStruct user, long nrPages, String what) {
        if (nrPages == 0) {
            return 0;
        }
        long pageLimit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> MmContext.PAGE_SHIFT;
        long newPages = user.lockedVm() + nrPages;
        if (Long.compareUnsigned(newPages, pageLimit) > 0) {
            c.refuse("io_uring: uid " + user.uid() + " would have " + newPages + " pages in user->locked_vm, above"
                    + " RLIMIT_MEMLOCK " + pageLimit + " pages (__io_account_mem)");
            // the counter is the uid's: every process of the uid that created a ring shares it
            c.refuseLimit(new org.pinsim.core.LimitCheck("io_uring/rsrc.c: __io_account_mem", what, "user->locked_vm",
                    user.lockedVm(), nrPages, 0, pageLimit, newPages, org.pinsim.core.LimitCheck.CAP_IPC_LOCK,
                    user.uid(), user.lockedVm(), -1));
            return -ENOMEM;
        }
        user.addLockedVm(nrPages);
        return 0;
    }

    /**
     * io_uring/register.c IORING_REGISTER_BUFFERS -> rsrc.c io_sqe_buffers_register: all or
     * nothing; each buffer is validated, pinned (FOLL_WRITE | FOLL_LONGTERM) and then charged.
     *
     * @param iov base, len pairs as the caller's memory holds them (null: arg is NULL)
     */
    public int registerBuffers(Caller c, IoRingCtx ctx, long[] iov, long nrArgsArg) {
        if (iov == null) {
            c.refuse("io_uring_register: arg is NULL");
            return -EFAULT;
        }
        long nrArgs = nrArgsArg & 0xffffffffL;
        if (ctx.bufTable != null) {
            c.refuse("io_uring_register: buffers are already registered (io_sqe_buffers_register)");
            return -EBUSY;
        }
        if (nrArgs == 0 || nrArgs > IoUring.IORING_MAX_REG_BUFFERS) {
            c.refuse("io_uring_register: nr_args " + nrArgs + " is 0 or above IORING_MAX_REG_BUFFERS "
                    + IoUring.IORING_MAX_REG_BUFFERS);
            return -EINVAL;
        }
        List<IoRingCtx.Buffer> table = new ArrayList<>();
        int[] lastHpage = {FrameTable.NO_FRAME}; // io_sqe_buffers_register: struct page *last_hpage = NULL
        int ret = 0;
        for (int i = 0; i < nrArgs; i++) {
            if (2 * i + 1 >= iov.length) {
                c.refuse("io_uring_register: the iovec array has " + iov.length / 2 + " entries, nr_args is " + nrArgs);
                ret = -EFAULT;
                break;
            }
            long base = iov[2 * i];
            long len = iov[2 * i + 1];
            ret = validate(c, base, len);
            if (ret != 0) {
                break;
            }
            if (base == 0) {
                table.add(null); // a sparse slot: nothing pinned or charged
                continue;
            }
            IoRingCtx.Buffer[] b = new IoRingCtx.Buffer[1];
            ret = registerOne(c, ctx, base, len, b, lastHpage);
            if (ret != 0) {
                break;
            }
            table.add(b[0]);
        }
        if (ret != 0) {
            // "if (ret) io_sqe_buffers_unregister(ctx)": the buffers registered so far go again
            release(table, ctx);
            return ret;
        }
        ctx.bufTable = table;
        return 0;
    }

    /** io_uring/rsrc.c io_buffer_validate -> io_validate_user_buf_range. */
    private static int validate(Caller c, long base, long len) {
        if (len < 0) {
            c.refuse("io_uring_register: iov_len is negative (copy_iovec_from_user)");
            return -EINVAL;
        }
        if (base == 0) {
            if (len != 0) {
                c.refuse("io_uring_register: iov_base is NULL with a nonzero iov_len");
                return -EFAULT;
            }
            return 0;
        }
        if (len > SZ_1G || len == 0) {
            c.refuse("io_uring_register: iov_len " + len + " is 0 or above 1 GiB (io_validate_user_buf_range)");
            return -EFAULT;
        }
        long alignedLen = (len + MmContext.PAGE_SIZE - 1) & -MmContext.PAGE_SIZE;
        if (Long.compareUnsigned(base + alignedLen, base) < 0) {
            c.refuse("io_uring_register: iov_base + iov_len overflows");
            return -EOVERFLOW;
        }
        return 0;
    }

    /**
     * io_uring/rsrc.c io_sqe_buffer_register: io_pin_pages (a short pin is -EFAULT), then
     * io_buffer_account_pin and io_account_mem.
     */
    private int registerOne(Caller c, IoRingCtx ctx, long base, long len, IoRingCtx.Buffer[] out,
            int[] lastHpage) {
        long first = base >>> MmContext.PAGE_SHIFT;
        long last = (base + len + MmContext.PAGE_SIZE - 1) >>> MmContext.PAGE_SHIFT;
        int nrPages = (int) (last - first);
        int[] pfns = new int[nrPages];
        long got = pins.pinUserPages(c.mm(), first << MmContext.PAGE_SHIFT, nrPages, true, pfns);
        if (got != nrPages) {
            if (got > 0) {
                pins.unpinUserPages(pfns, (int) got);
                c.refuse("io_uring_register: only " + got + " of " + nrPages + " pages could be pinned");
                return -EFAULT;
            }
            c.refuse("io_uring_register: pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) failed at 0x"
                    + Long.toHexString(base) + " (check_vma_flags or the fault)");
            return (int) got;
        }
        int acctPages = accountPinPages(pfns, lastHpage);
        int err = accountPinned(c, ctx, acctPages);
        if (err != 0) {
            pins.unpinUserPages(pfns, nrPages);
            return err;
        }
        out[0] = new IoRingCtx.Buffer(pfns, acctPages);
        return 0;
    }

    /**
     * io_uring/rsrc.c io_buffer_account_pin: a small page counts one; a page of a compound
     * folio (a transparent huge page) charges the whole folio, page_size(hpage) >> PAGE_SHIFT,
     * unless its head is the one charged last in this registration (last_hpage) or an
     * earlier page of this buffer has the same head (headpage_already_acct; the table of
     * buffers registered before is empty, IORING_REGISTER_BUFFERS needing none).
     */
    private int accountPinPages(int[] pfns, int[] lastHpage) {
        FrameTable ft = memory.frames();
        int acct = 0;
        for (int i = 0; i < pfns.length; i++) {
            if (!ft.isLarge(pfns[i])) {
                acct++;
                continue;
            }
            int hpage = ft.compoundHead(pfns[i]);
            if (hpage == lastHpage[0]) {
                continue;
            }
            lastHpage[0] = hpage;
            if (headpageAlreadyAcct(ft, pfns, i, hpage)) {
                continue;
            }
            acct += ft.folioNrPages(hpage);
        }
        return acct;
    }

    /** io_uring/rsrc.c headpage_already_acct, the current page array part. */
    private static boolean headpageAlreadyAcct(FrameTable ft, int[] pfns, int n, int hpage) {
        for (int i = 0; i < n; i++) {
            if (ft.isLarge(pfns[i]) && ft.compoundHead(pfns[i]) == hpage) {
                return true;
            }
        }
        return false;
    }

    /**
     * io_uring/rsrc.c io_account_mem: user->locked_vm against RLIMIT_MEMLOCK when the ring has
     * a user, then "atomic64_add(nr_pages, &ctx->mm_account->pinned_vm)" with no check.
     */
    private static int accountPinned(Caller c, IoRingCtx ctx, long nrPages) {
        if (ctx.user != null) {
            int err = accountMem(c, ctx.user, nrPages, "the registered buffers (IORING_REGISTER_BUFFERS)");
            if (err != 0) {
                return err;
            }
        }
        if (ctx.mmAccount != null) {
            ctx.mmAccount.addPinnedVm(nrPages);
        }
        return 0;
    }

    /** io_uring/rsrc.c io_buffer_unmap: io_unaccount_mem, then the pages are unpinned. */
    private void release(List<IoRingCtx.Buffer> table, IoRingCtx ctx) {
        for (IoRingCtx.Buffer b : table) {
            if (b == null) {
                continue;
            }
            if (ctx.user != null) {
                ctx.user.addLockedVm(-b.acctPages());
            }
            if (ctx.mmAccount != null) {
                ctx.mmAccount.addPinnedVm(-b.acctPages());
            }
            pins.unpinUserPages(b.pfns(), b.pfns().length);
        }
    }

    /** io_uring/register.c IORING_UNREGISTER_BUFFERS -> rsrc.c io_sqe_buffers_unregister. */
    public int unregisterBuffers(Caller c, IoRingCtx ctx, long[] iov, long nrArgs) {
        if (iov != null || (nrArgs & 0xffffffffL) != 0) {
            c.refuse("io_uring_register: IORING_UNREGISTER_BUFFERS takes a NULL arg and nr_args 0");
            return -EINVAL;
        }
        if (ctx.bufTable == null) {
            c.refuse("io_uring_register: no buffers are registered (io_sqe_buffers_unregister)");
            return -ENXIO;
        }
        release(ctx.bufTable, ctx);
        ctx.bufTable = null;
        return 0;
    }

    /** include/uapi/linux/io_uring.h mmap offsets; io_uring/memmap.h IORING_MAP_OFF_*. */
    static final long IORING_OFF_SQ_RING = 0;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;
    static final long IORING_OFF_MMAP_MASK = 0xf8000000L;

    /**
     * io_uring/memmap.c io_mmap_get_region + io_region_validate_mmap: the frames and size of
     * the region an mmap offset names, or null (no such region, or not set: the provided-buffer,
     * parameter and zero-copy-receive regions are never set up here).
     */
    private static int[] region(IoRingCtx ctx, long pgoff) {
        long off = (pgoff << MmContext.PAGE_SHIFT) & IORING_OFF_MMAP_MASK;
        if (off == IORING_OFF_SQ_RING || off == IORING_OFF_CQ_RING) {
            return new int[] {0, ctx.ringNrPages};
        }
        if (off == IORING_OFF_SQES) {
            return new int[] {1, ctx.sqeNrPages};
        }
        return null;
    }

    /**
     * io_uring/memmap.c io_uring_get_unmapped_area: "Do not allow to map to user-provided
     * address" (a hint or MAP_FIXED: EINVAL); an offset naming no mappable region: ENOMEM.
     */
    long getUnmappedArea(Caller c, IoRingCtx ctx, long addr, long pgoff) {
        if (addr != 0) {
            c.refuse("mmap: an io_uring region cannot be mapped at a given address (io_uring_get_unmapped_area)");
            return -EINVAL;
        }
        if (region(ctx, pgoff) == null) {
            c.refuse("mmap: the offset names no io_uring region that can be mapped (io_uring_validate_mmap_request)");
            return -ENOMEM;
        }
        return 0;
    }

    /**
     * io_uring/memmap.c io_uring_mmap -> io_region_mmap: VM_DONTEXPAND, then vm_insert_pages
     * of the region's first min(nr_pages, limit) pages at the start of the VMA (for the SQ
     * and CQ rings the limit is the VMA's size; a VMA too small for them is EFAULT). What lies
     * beyond has no page and no fault handler: an access there is SIGBUS.
     */
    int mmap(Caller c, IoRingCtx ctx, Mm mm, Vma vma) {
        int[] r = region(ctx, vma.pgoff());
        if (r == null) {
            return -EINVAL;
        }
        long off = (vma.pgoff() << MmContext.PAGE_SHIFT) & IORING_OFF_MMAP_MASK;
        int[] pfns = r[0] == 0 ? ctx.ringPfns : ctx.sqePfns;
        long limit = off == IORING_OFF_SQES ? Integer.toUnsignedLong(-1) : vma.pages();
        int n = (int) Math.min(r[1], limit);
        if (n > vma.pages()) {
            c.refuse("mmap: the io_uring region has " + n + " pages, the mapping only " + vma.pages()
                    + " (vm_insert_pages)");
            return -EFAULT;
        }
        // vm_insert_page sets VM_MIXEDMAP on the first insert
        vma.setFlags(VmFlags.VM_DONTEXPAND | VmFlags.VM_MIXEDMAP);
        vma.setOps(ctx);
        ctx.fget(); // vma->vm_file
        for (int i = 0; i < n; i++) {
            if (!memory.insertPage(mm, vma, vma.start() + ((long) i << MmContext.PAGE_SHIFT), pfns[i])) {
                throw new IllegalStateException("out of memory for page tables mapping an io_uring ring");
            }
        }
        return 0;
    }

    /**
     * io_uring/io_uring.c io_uring_release -> io_ring_ctx_free, after the last reference to the
     * ring's file: io_ring_ctx_wait_and_kill queues io_ring_exit_work, which ends in
     * io_ring_ctx_free: buffers unregistered (both counters), the regions freed
     * (user->locked_vm). The work runs {@link CostModel#IO_RING_EXIT_WORK_NS} later on the
     * clock (percpu_ref_kill's grace period, then the workqueue: measured).
     */
    public void fput(IoRingCtx ctx) {
        if (--ctx.fileRefs > 0) {
            return;
        }
        clock.schedule(CostModel.IO_RING_EXIT_WORK_NS, "io_ring_exit_work", now -> ioRingCtxFree(ctx));
    }

    /** io_uring/io_uring.c io_ring_ctx_free, at the end of io_ring_exit_work. */
    private void ioRingCtxFree(IoRingCtx ctx) {
        if (ctx.bufTable != null) {
            release(ctx.bufTable, ctx);
            ctx.bufTable = null;
        }
        freeRegion(ctx.user, ctx.ringPfns, ctx.ringNrPages);
        freeRegion(ctx.user, ctx.sqePfns, ctx.sqeNrPages);
        ctx.freed = true;
    }
}
