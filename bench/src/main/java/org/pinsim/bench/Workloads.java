package org.pinsim.bench;

import static org.pinsim.core.uapi.Mempolicy.MPOL_MF_MOVE;
import static org.pinsim.core.uapi.Mman.MADV_DONTNEED;
import static org.pinsim.core.uapi.Mman.MADV_NOHUGEPAGE;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MCL_CURRENT;
import static org.pinsim.core.uapi.Mman.MLOCK_ONFAULT;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.IoUring;

/**
 * kbench's workloads on the model: one simulated process (all capabilities, as kbench runs as
 * root with CAP_IPC_LOCK) and one test region at a time, a private anonymous mapping with
 * MADV_NOHUGEPAGE as kbench's {@code map_region} makes it.
 *
 * <p>There is one public method per kbench op, named after it, timing with
 * {@link System#nanoTime()} exactly the syscalls kbench times and returning the nanoseconds.
 * Each op needs the region in the state its predecessor in kbench's chain left it in (stated
 * in its Javadoc); {@link #run(Op.Region, Recorder)} walks a whole chain R1..R4 in kbench's
 * order. A syscall that fails throws {@link IllegalStateException}: a timing of a failed call
 * means nothing.
 *
 * <p>Invariant checks do not run here (the scenario runner runs them), so the times are the
 * model's own work per syscall and per page.
 */
public final class Workloads {
    public static final long PAGE_SIZE = 4096;
    /** The value of {@link #region()} while no test region is mapped. */
    public static final long NO_REGION = -1;

    private static final long PROT_RW = PROT_READ | PROT_WRITE;
    private static final long MAP_PRIVATE_ANON = MAP_PRIVATE | MAP_ANONYMOUS;

    /** Where a region chain delivers its timings. */
    @FunctionalInterface
    public interface Recorder {
        void add(Op op, long ns);
    }

    /** One syscall (or a fixed sequence of them) to time. */
    @FunctionalInterface
    private interface Call {
        SysResult run();
    }

    private final Kernel kernel;
    private final Task task;
    private final long bytes;
    private long region = NO_REGION;
    private int ring = -1;
    /** io_uring's limit per registered buffer (io_validate_user_buf_range: SZ_1G). */
    private static final long IOV_MAX_LEN = 1L << 30;

    /** A process named {@code bench} with every capability on {@code kernel}; regions of {@code bytes}. */
    public Workloads(Kernel kernel, long bytes) {
        if (bytes <= 0 || bytes % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("region size must be a positive multiple of 4096, got " + bytes);
        }
        this.kernel = kernel;
        this.bytes = bytes;
        this.task = kernel.spawn(ProcessSpec.defaults("bench", kernel.profile())
                .withCaps(Caps.ALL).withLayout(ProcessSpec.Layout.DEFAULT));
    }

    /** Workloads on a freshly booted default machine (16 GiB, one node). */
    public static Workloads boot(long bytes) {
        return new Workloads(Kernel.boot(MachineConfig.defaults()), bytes);
    }

    public Kernel kernel() {
        return kernel;
    }

    public Task task() {
        return task;
    }

    public long bytes() {
        return bytes;
    }

    public long pages() {
        return bytes / PAGE_SIZE;
    }

    /** The address of the mapped test region, or {@link #NO_REGION}. */
    public long region() {
        return region;
    }

    // ---- the chains ----

    /** Runs one kbench region chain, recording every modelled op of it in kbench's order. */
    public void run(Op.Region r, Recorder rec) {
        switch (r) {
            case NONE -> runNoRegion(rec);
            case R1 -> runR1(rec);
            case R2 -> runR2(rec);
            case R3 -> runR3(rec);
            case R4 -> runR4(rec);
            case R5 -> runR5(rec);
            default -> throw new IllegalArgumentException("no chain for " + r);
        }
    }

    /** kbench sc_baselines, one repetition: fork, then mlockall/munlockall with no region. */
    private void runNoRegion(Recorder rec) {
        requireNoRegion("fork_noregion");
        rec.add(Op.FORK_NOREGION, forkNoregion());
        rec.add(Op.MLOCKALL_CURRENT_NOREGION, mlockallCurrentNoregion());
        rec.add(Op.MUNLOCKALL_NOREGION, munlockallNoregion());
    }

    /** R1: fault-in, then walks of a populated, unlocked, never-forked region. */
    private void runR1(Recorder rec) {
        rec.add(Op.FAULT_IN_MMAP_TOUCH, faultInMmapTouch());
        rec.add(Op.MLOCK_POPULATED, mlockPopulated());
        rec.add(Op.MUNLOCK_POPULATED, munlockPopulated());
        rec.add(Op.MOVE_PAGES_TO_NODE0, movePagesToNode0());
        setupRing();
        rec.add(Op.IOURING_REGISTER_POPULATED, iouringRegister());
        rec.add(Op.IOURING_UNREGISTER, iouringUnregister());
        closeRing();
        rec.add(Op.MADVISE_DONTNEED, madviseDontneed());
        unmapRegion();
    }

    /** R5: io_uring pins an untouched region (faulting it in), fork copies every pinned page. */
    private void runR5(Recorder rec) {
        mapRegion();
        setupRing();
        rec.add(Op.IOURING_REGISTER_UNTOUCHED, iouringRegister());
        rec.add(Op.FORK_IOURING_PINNED, forkIouringPinned());
        iouringUnregister();
        closeRing();
        unmapRegion();
    }

    /** R2: mlock populates, munlock, mlockall/munlockall of the populated region, munmap. */
    private void runR2(Recorder rec) {
        mapRegion();
        rec.add(Op.MLOCK_UNTOUCHED, mlockUntouched());
        rec.add(Op.MUNLOCK_AFTER_UNTOUCHED, munlockAfterUntouched());
        rec.add(Op.MLOCKALL_CURRENT_POPULATED, mlockallCurrentPopulated());
        rec.add(Op.MUNLOCKALL_POPULATED, munlockallPopulated());
        rec.add(Op.MUNMAP_POPULATED, munmapPopulated());
    }

    /** R3: mlock2(MLOCK_ONFAULT), touch, fork while locked, munmap of the locked region. */
    private void runR3(Recorder rec) {
        mapRegion();
        long call = mlock2OnfaultCall();
        long touch = mlock2OnfaultTouch();
        rec.add(Op.MLOCK2_ONFAULT_CALL, call);
        rec.add(Op.MLOCK2_ONFAULT_TOUCH, touch);
        rec.add(Op.MLOCK2_ONFAULT_CALL_PLUS_TOUCH, call + touch);
        rec.add(Op.FORK_LOCKED, forkLocked());
        rec.add(Op.MUNMAP_LOCKED, munmapLocked());
    }

    /** R4: mlockall populates, munlockall, fork of the populated unlocked region. */
    private void runR4(Recorder rec) {
        mapRegion();
        rec.add(Op.MLOCKALL_CURRENT_UNTOUCHED, mlockallCurrentUntouched());
        rec.add(Op.MUNLOCKALL_AFTER_UNTOUCHED, munlockallAfterUntouched());
        rec.add(Op.FORK_POPULATED, forkPopulated());
        unmapRegion();
    }

    // ---- untimed steps ----

    /** kbench map_region: mmap a private anonymous RW region, then MADV_NOHUGEPAGE. */
    public long mapRegion() {
        requireNoRegion("mapRegion");
        long p = check("mmap", task.mmap(0, bytes, PROT_RW, MAP_PRIVATE_ANON, -1, 0));
        region = p;
        check("madvise(MADV_NOHUGEPAGE)", task.madvise(p, bytes, MADV_NOHUGEPAGE));
        return p;
    }

    /** kbench touch: one write per page of the region (page faults where not present). */
    public void touchRegion() {
        check("touch", task.touch(requireRegion("touch"), bytes, true));
    }

    /** kbench unmap: munmap the region. */
    public void unmapRegion() {
        check("munmap", task.munmap(requireRegion("munmap"), bytes));
        region = NO_REGION;
    }

    // ---- no region (process-wide fixed costs) ----

    /** fork + child exit with no test region: the cost of the process image alone. */
    public long forkNoregion() {
        return forkAndExit();
    }

    /** mlockall(MCL_CURRENT) of the process image alone (binary, libc, stack, ...). */
    public long mlockallCurrentNoregion() {
        return timed("mlockall(MCL_CURRENT)", () -> task.mlockall(MCL_CURRENT));
    }

    /** munlockall after {@link #mlockallCurrentNoregion()}. */
    public long munlockallNoregion() {
        return timed("munlockall", task::munlockall);
    }

    // ---- R1 ----

    /** No region mapped: times mmap + MADV_NOHUGEPAGE + one write per page (a fault each). */
    public long faultInMmapTouch() {
        long t0 = System.nanoTime();
        mapRegion();
        touchRegion();
        return System.nanoTime() - t0;
    }

    /** After {@link #faultInMmapTouch()}: mlock of a populated, unlocked region. */
    public long mlockPopulated() {
        return mlock();
    }

    /** After {@link #mlockPopulated()}: munlock of a populated, locked region. */
    public long munlockPopulated() {
        return munlock();
    }

    /** After {@link #munlockPopulated()}: MADV_DONTNEED zaps every page of the region. */
    public long madviseDontneed() {
        long p = requireRegion("madvise_dontneed");
        return timed("madvise(MADV_DONTNEED)", () -> task.madvise(p, bytes, MADV_DONTNEED));
    }

    /**
     * After {@link #munlockPopulated()}: move_pages(0, n, pages, nodes = {0...}, status,
     * MPOL_MF_MOVE) over every page; nothing moves (one node). The arrays are built outside
     * the timing, and every status is checked to be 0, as kbench does.
     */
    public long movePagesToNode0() {
        long p = requireRegion("move_pages_to_node0");
        int n = (int) pages();
        long[] addrs = new long[n];
        int[] nodes = new int[n];
        int[] status = new int[n];
        for (int i = 0; i < n; i++) {
            addrs[i] = p + i * PAGE_SIZE;
        }
        long ns = timed("move_pages", () -> task.movePages(0, addrs, nodes, status, MPOL_MF_MOVE));
        for (int i = 0; i < n; i++) {
            if (status[i] != 0) {
                throw new IllegalStateException("move_pages: status[" + i + "] = " + status[i] + ", expected node 0");
            }
        }
        return ns;
    }

    /** kbench: a ring from io_uring_setup(8), untimed. */
    public void setupRing() {
        ring = (int) check("io_uring_setup", task.ioUringSetup(8));
    }

    /**
     * Closes the ring (untimed) and lets its release run: the kernel frees a ring from a
     * workqueue (io_ring_exit_work), which the model runs on its virtual clock.
     */
    public void closeRing() {
        check("close of the ring", task.close(ring));
        ring = -1;
        kernel.advance(org.pinsim.core.time.CostModel.IO_RING_EXIT_WORK_NS);
    }

    /** IORING_REGISTER_BUFFERS of the region as ceil(size / 1 GiB) iovecs of at most 1 GiB. */
    public long iouringRegister() {
        long p = requireRegion("iouring_register");
        int n = (int) ((bytes + IOV_MAX_LEN - 1) / IOV_MAX_LEN);
        long[] iov = new long[2 * n];
        for (int i = 0; i < n; i++) {
            iov[2 * i] = p + i * IOV_MAX_LEN;
            iov[2 * i + 1] = Math.min(IOV_MAX_LEN, bytes - i * IOV_MAX_LEN);
        }
        return timed("io_uring_register(IORING_REGISTER_BUFFERS)",
                () -> task.ioUringRegister(ring, IoUring.IORING_REGISTER_BUFFERS, iov, n));
    }

    /** IORING_UNREGISTER_BUFFERS: every pin dropped, the charges returned. */
    public long iouringUnregister() {
        return timed("io_uring_register(IORING_UNREGISTER_BUFFERS)",
                () -> task.ioUringRegister(ring, IoUring.IORING_UNREGISTER_BUFFERS, null, 0));
    }

    /** After {@link #iouringRegister()} on an untouched region: fork copies each pinned page. */
    public long forkIouringPinned() {
        requireRegion("fork_iouring_pinned");
        return forkAndExit();
    }

    // ---- R2 ----

    /** After {@link #mapRegion()}: mlock of an untouched region (populates every page). */
    public long mlockUntouched() {
        return mlock();
    }

    /** After {@link #mlockUntouched()}: munlock. */
    public long munlockAfterUntouched() {
        return munlock();
    }

    /** After {@link #munlockAfterUntouched()}: mlockall(MCL_CURRENT) with the region populated. */
    public long mlockallCurrentPopulated() {
        requireRegion("mlockall_current_populated");
        return timed("mlockall(MCL_CURRENT)", () -> task.mlockall(MCL_CURRENT));
    }

    /** After {@link #mlockallCurrentPopulated()}: munlockall. */
    public long munlockallPopulated() {
        requireRegion("munlockall_populated");
        return timed("munlockall", task::munlockall);
    }

    /** After {@link #munlockallPopulated()}: munmap of the populated, unlocked region. */
    public long munmapPopulated() {
        return munmap();
    }

    // ---- R3 ----

    /** After {@link #mapRegion()}: mlock2(MLOCK_ONFAULT), which only sets VMA flags. */
    public long mlock2OnfaultCall() {
        long p = requireRegion("mlock2_onfault_call");
        return timed("mlock2(MLOCK_ONFAULT)", () -> task.mlock2(p, bytes, MLOCK_ONFAULT));
    }

    /**
     * After {@link #mlock2OnfaultCall()}: one write per page, each fault mlocking its page.
     * kbench's {@code mlock2_onfault_call_plus_touch} is this plus the call.
     */
    public long mlock2OnfaultTouch() {
        long p = requireRegion("mlock2_onfault_touch");
        return timed("touch", () -> task.touch(p, bytes, true));
    }

    /** After {@link #mlock2OnfaultTouch()}: fork + child exit with the region locked and populated. */
    public long forkLocked() {
        requireRegion("fork_locked");
        return forkAndExit();
    }

    /** After {@link #forkLocked()}: munmap of the locked region. */
    public long munmapLocked() {
        return munmap();
    }

    // ---- R4 ----

    /** After {@link #mapRegion()}: mlockall(MCL_CURRENT) populates the untouched region. */
    public long mlockallCurrentUntouched() {
        requireRegion("mlockall_current_untouched");
        return timed("mlockall(MCL_CURRENT)", () -> task.mlockall(MCL_CURRENT));
    }

    /** After {@link #mlockallCurrentUntouched()}: munlockall. */
    public long munlockallAfterUntouched() {
        requireRegion("munlockall_after_untouched");
        return timed("munlockall", task::munlockall);
    }

    /** After {@link #munlockallAfterUntouched()}: fork + child exit with the region populated. */
    public long forkPopulated() {
        requireRegion("fork_populated");
        return forkAndExit();
    }

    // ---- shared timed syscalls ----

    private long mlock() {
        long p = requireRegion("mlock");
        return timed("mlock", () -> task.mlock(p, bytes));
    }

    private long munlock() {
        long p = requireRegion("munlock");
        return timed("munlock", () -> task.munlock(p, bytes));
    }

    private long munmap() {
        long p = requireRegion("munmap");
        long ns = timed("munmap", () -> task.munmap(p, bytes));
        region = NO_REGION;
        return ns;
    }

    /**
     * kbench fork_and_wait: fork, the child exits at once, the parent reaps it. The model has
     * no scheduler: the child's exit (exit_mmap of its copy) runs inside the timing, as it
     * runs before waitpid returns on the real kernel.
     */
    private long forkAndExit() {
        long t0 = System.nanoTime();
        SysResult r = task.fork();
        long pid = check("fork", r);
        SysResult x = kernel.task((int) pid).exit(0);
        long ns = System.nanoTime() - t0;
        check("exit of the forked child", x);
        return ns;
    }

    private static long timed(String what, Call call) {
        long t0 = System.nanoTime();
        SysResult r = call.run();
        long ns = System.nanoTime() - t0;
        check(what, r);
        return ns;
    }

    private static long check(String what, SysResult r) {
        if (r.isError()) {
            throw new IllegalStateException(what + " failed: " + r
                    + (r.reason() != null ? " (" + r.reason() + ")" : "") + "; a timing of a failed call means nothing");
        }
        return r.ret();
    }

    private long requireRegion(String what) {
        if (region == NO_REGION) {
            throw new IllegalStateException(what + ": no test region is mapped");
        }
        return region;
    }

    private void requireNoRegion(String what) {
        if (region != NO_REGION) {
            throw new IllegalStateException(what + ": a test region is still mapped at 0x" + Long.toHexString(region));
        }
    }
}
