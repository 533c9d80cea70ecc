package org.pinsim.core.prop.sys;

import static org.pinsim.core.prop.sys.SysOps.PAGE;
import static org.pinsim.core.uapi.Mman.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.prop.Property;

/**
 * Draws a world and a sequence of ops, without running anything: what earlier ops will
 * return is not known here, so later ops name it symbolically (region of op j, fd of op j,
 * child of fork j) and the run resolves the names. The generator only keeps a belief of
 * which processes are alive and which regions and fds exist, to aim the draws.
 *
 * <p>A new call joins with a maker method and one line of {@link #table}; its weight out of
 * the total says how often it is drawn.
 */
final class SysGen {

    /** A region an op made: the op's id and the length it asked for. */
    private record Region(int op, long len) {
    }

    private record Weighted(int weight, Maker maker) {
    }

    @FunctionalInterface
    private interface Maker {
        void make(Proc p);
    }

    private static final int MAX_REGIONS = 64;
    private static final int MAX_FDS = 16;
    private static final long LITERAL_BASE = 0x7ffff7000000L;

    private final SplittableRandom rnd;
    private final List<SysOp> ops = new ArrayList<>();
    private final List<Proc> live = new ArrayList<>(List.of(Proc.INITIAL));
    private final List<Region> regions = new ArrayList<>();
    private final List<Integer> rings = new ArrayList<>();
    private final List<Integer> perfs = new ArrayList<>();
    private final List<Integer> mrs = new ArrayList<>();

    /** The weights: out of 23 for the calls drawn from the start, then RDMA, vfio, mpin and exec. */
    private final List<Weighted> table;
    private final int totalWeight;

    private List<Weighted> buildTable() {
        return List.of(
                new Weighted(3, this::mmapAnon),
                new Weighted(1, this::mmapFile),
                new Weighted(1, this::munmap),
                new Weighted(1, this::mprotect),
                new Weighted(2, this::mlock),
                new Weighted(1, this::mlock2),
                new Weighted(1, this::munlock),
                new Weighted(1, this::mlockall),
                new Weighted(1, this::munlockall),
                new Weighted(1, this::madvise),
                new Weighted(1, this::mremap),
                new Weighted(1, this::brk),
                new Weighted(1, this::forkOrExit),
                new Weighted(1, this::exitOrTouch),
                new Weighted(2, this::touch),
                new Weighted(2, this::setrlimit),
                new Weighted(1, this::ioUring),
                new Weighted(1, this::perf),
                new Weighted(2, this::rdma),
                new Weighted(1, this::vfio),
                new Weighted(1, this::mpin),
                new Weighted(1, this::execOrTouch),
                // two-node machines only (weight 0 elsewhere: the draws of one-node runs do not change)
                new Weighted(numaWeight(), this::movePages),
                new Weighted(numaWeight(), this::mbind),
                new Weighted(numa ? 1 : 0, this::compact),
                new Weighted(numa ? 1 : 0, this::dropCaches),
                new Weighted(numa ? 1 : 0, this::hugeRegion));
    }

    /** Whether the machine has two nodes: move_pages and mbind are drawn. */
    private final boolean numa;

    private SysGen(SplittableRandom rnd, boolean numa) {
        this.rnd = rnd;
        this.numa = numa;
        this.table = buildTable();
        this.totalWeight = table.stream().mapToInt(Weighted::weight).sum();
    }

    private int numaWeight() {
        return numa ? 3 : 0;
    }

    static Property.Case<SysWorld, SysOp> generate(SplittableRandom rnd, int steps) {
        return generate(rnd, steps, false);
    }

    /**
     * With {@code numa}: a two-node machine of linux-6.18, and move_pages and mbind among the
     * calls (io_uring registrations, mlock, fork and the rest as usual).
     */
    static Property.Case<SysWorld, SysOp> generate(SplittableRandom rnd, int steps, boolean numa) {
        SysGen g = new SysGen(rnd, numa);
        SysWorld world = numa ? g.numaWorld() : g.world();
        while (g.ops.size() < steps) {
            g.pick().make(g.live.get(rnd.nextInt(g.live.size())));
        }
        // a group of ops (open, mmap, close) may run past the end: exactly `steps` calls
        return new Property.Case<>(world, List.copyOf(g.ops.subList(0, steps)));
    }

    /**
     * 64..256 MiB, any profile (their accounting differs, their invariants hold alike), one
     * machine in four without the shared zero page.
     */
    private SysWorld world() {
        long memory = (64L + 64L * rnd.nextInt(4)) << 20;
        Profile profile = Profile.values()[rnd.nextInt(Profile.values().length)];
        long memlock = new long[] {0, 64 << 10, 256 << 10, 8 << 20}[rnd.nextInt(4)];
        boolean root = rnd.nextInt(4) == 0;
        ProcessSpec.Layout layout = rnd.nextBoolean() ? ProcessSpec.Layout.DEFAULT : ProcessSpec.Layout.EMPTY;
        boolean zeroPage = rnd.nextInt(4) != 0;
        // thp=always one machine in two, so that huge pages are faulted, split and collapsed
        ThpEnabled thp = new ThpEnabled[] {ThpEnabled.ALWAYS, ThpEnabled.MADVISE, ThpEnabled.ALWAYS,
            ThpEnabled.NEVER}[rnd.nextInt(4)];
        return new SysWorld(profile, memory, root, memlock, layout, zeroPage, thp);
    }

    /**
     * 64 or 128 MiB on two nodes, linux-6.18 (one machine in four [PROPOSAL] mpin-2013, whose
     * mpin pre-compacts its pages and whose VM_PINNED pages no other migration moves), the
     * shared zero page in three machines of four; thp=always in one machine of two;
     * one machine in three with ZONE_MOVABLE (movable=25%), one in four with an 8 MiB CMA
     * area, one in three aged (age=150%): where compact() and long-term pins meet them.
     */
    private SysWorld numaWorld() {
        long memory = (64L + 64L * rnd.nextInt(2)) << 20;
        long memlock = new long[] {64 << 10, 256 << 10, 8 << 20}[rnd.nextInt(3)];
        boolean root = rnd.nextInt(3) == 0;
        boolean zeroPage = rnd.nextInt(4) != 0;
        int movable = rnd.nextInt(3) == 0 ? 25 : 0;
        long cma = rnd.nextInt(4) == 0 ? 8L << 20 : 0;
        int age = rnd.nextInt(3) == 0 ? 150 : 0;
        // thp=always one machine in two, so that mbind and move_pages meet huge pages (whole,
        // PMD-split, partially unmapped) and migrate or split them
        ThpEnabled thp = rnd.nextBoolean() ? ThpEnabled.ALWAYS : ThpEnabled.MADVISE;
        Profile profile = rnd.nextInt(4) == 0 ? Profile.MPIN_2013 : Profile.LINUX_6_18;
        return new SysWorld(profile, memory, root, memlock, ProcessSpec.Layout.EMPTY, zeroPage, thp, 2,
                movable, cma, age);
    }

    private Maker pick() {
        int w = rnd.nextInt(totalWeight);
        for (Weighted x : table) {
            w -= x.weight();
            if (w < 0) {
                return x.maker();
            }
        }
        throw new IllegalStateException("weights");
    }

    /** Adds the op {@code make} builds from the next id; returns the id. */
    private int add(IntFunction<SysOp> make) {
        int id = ops.size();
        ops.add(make.apply(id));
        return id;
    }

    // ---------------------------------------------------------------- address space

    private void mmapAnon(Proc p) {
        long flags = rnd.nextInt(5) == 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_PRIVATE | MAP_ANONYMOUS;
        flags |= rnd.nextInt(6) == 0 ? MAP_LOCKED : 0;
        flags |= rnd.nextInt(6) == 0 ? MAP_POPULATE : 0;
        flags |= rnd.nextInt(8) == 0 ? MAP_FIXED : 0;
        flags |= rnd.nextInt(10) == 0 ? MAP_NORESERVE : 0;
        long prot = new long[] {PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE, PROT_READ | PROT_WRITE}[rnd.nextInt(4)];
        Addr hint = (flags & MAP_FIXED) != 0 ? addr(true) : null;
        // one anonymous mapping in four a multiple of 2 MiB: THP-aligned, room for huge pages
        long len = rnd.nextInt(4) == 0 ? (1 + rnd.nextInt(2)) * (2L << 20) : len();
        long f = flags;
        region(add(id -> new SysOps.Mmap(id, p, hint, len, prot, f, null, 0)), len);
    }

    /** open, sometimes ftruncate, mmap, close: a file mapping whose fd does not stay open. */
    private void mmapFile(Proc p) {
        String path = "/tmp/f" + rnd.nextInt(3);
        Fd fd = new Fd(add(id -> new SysOps.Openat(id, p, path)), literalFd());
        if (rnd.nextInt(4) == 0) {
            long size = (1 + rnd.nextInt(16)) * PAGE;
            add(id -> new SysOps.Ftruncate(id, p, fd, size));
        }
        long len = len();
        long flags = rnd.nextBoolean() ? MAP_SHARED : MAP_PRIVATE;
        region(add(id -> new SysOps.Mmap(id, p, null, len, PROT_READ | PROT_WRITE, flags, fd, 0)), len);
        add(id -> new SysOps.Close(id, p, fd));
    }

    private void munmap(Proc p) {
        Addr a = addr(true);
        long len = len();
        add(id -> new SysOps.Munmap(id, p, a, len));
    }

    private void mprotect(Proc p) {
        Addr a = addr(true);
        long len = len();
        long prot = new long[] {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE}[rnd.nextInt(3)];
        add(id -> new SysOps.Mprotect(id, p, a, len, prot));
    }

    private void madvise(Proc p) {
        Addr a = addr(true);
        long len = len();
        long[] advices = {MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK,
            MADV_WILLNEED, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_GUARD_INSTALL, MADV_GUARD_REMOVE,
            MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_PAGEOUT, MADV_COLD, MADV_MERGEABLE, MADV_UNMERGEABLE,
            MADV_REMOVE, MADV_DODUMP, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, MADV_HUGEPAGE};
        long advice = advices[rnd.nextInt(advices.length)];
        add(id -> new SysOps.Madvise(id, p, a, len, advice));
    }

    /**
     * (numa) A 2 or 4 MiB anonymous region advised MADV_HUGEPAGE and written whole (huge
     * pages where the allocation succeeds), one time in two with one page unmapped inside
     * (the PMD split, the folio partly mapped and queued for deferred split): what mbind and
     * move_pages then migrate whole or split.
     */
    private void hugeRegion(Proc p) {
        long len = (1 + rnd.nextInt(2)) * (2L << 20);
        int op = add(id -> new SysOps.Mmap(id, p, null, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0));
        region(op, len);
        Addr base = new Addr.InRegion(op, 0, literal());
        add(id -> new SysOps.Madvise(id, p, base, len, MADV_HUGEPAGE));
        add(id -> new SysOps.Touch(id, p, base, len, true));
        if (rnd.nextBoolean()) {
            long off = (1 + rnd.nextInt(500)) * PAGE;
            Addr hole = new Addr.InRegion(op, off, literal() + off);
            add(id -> new SysOps.Munmap(id, p, hole, PAGE));
        }
    }

    private void mremap(Proc p) {
        Addr a = addr(false);
        long len = len();
        long flags = new long[] {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP}[rnd.nextInt(3)];
        long newLen = (flags & MREMAP_DONTUNMAP) != 0 ? len : (1 + rnd.nextInt(48)) * PAGE;
        region(add(id -> new SysOps.Mremap(id, p, a, len, newLen, flags)), newLen);
    }

    private void brk(Proc p) {
        long delta = (rnd.nextInt(64) - 24) * PAGE;
        add(id -> new SysOps.Brk(id, p, delta));
    }

    private void touch(Proc p) {
        Addr a = addr(true);
        long len = len();
        boolean write = rnd.nextBoolean();
        add(id -> new SysOps.Touch(id, p, a, len, write));
    }

    // ---------------------------------------------------------------- locking

    private void mlock(Proc p) {
        Addr a = addr(true);
        long len = len();
        add(id -> new SysOps.Mlock(id, p, a, len));
    }

    private void mlock2(Proc p) {
        Addr a = addr(true);
        long len = len();
        long flags = rnd.nextInt(4) == 0 ? 2 : MLOCK_ONFAULT; // 2: an unknown flag, EINVAL
        add(id -> new SysOps.Mlock2(id, p, a, len, flags));
    }

    private void munlock(Proc p) {
        Addr a = addr(true);
        long len = len();
        add(id -> new SysOps.Munlock(id, p, a, len));
    }

    private void mlockall(Proc p) {
        long flags = new long[] {MCL_CURRENT, MCL_FUTURE, MCL_CURRENT | MCL_FUTURE, MCL_CURRENT | MCL_ONFAULT,
            MCL_FUTURE | MCL_ONFAULT, 0, MCL_ONFAULT}[rnd.nextInt(7)];
        add(id -> new SysOps.Mlockall(id, p, flags));
    }

    private void munlockall(Proc p) {
        add(id -> new SysOps.Munlockall(id, p));
    }

    // ---------------------------------------------------------------- processes and limits

    /** Up to 4 processes: fork below that, exit at it. */
    private void forkOrExit(Proc p) {
        if (live.size() < 4) {
            live.add(new Proc(add(id -> new SysOps.Fork(id, p))));
        } else {
            exit(p);
        }
    }

    /** Never the last process: the sequence would have nothing left to run. */
    private void exitOrTouch(Proc p) {
        if (live.size() > 1 && rnd.nextInt(3) == 0) {
            exit(p);
        } else {
            touch(p);
        }
    }

    private void exit(Proc p) {
        add(id -> new SysOps.Exit(id, p));
        live.remove(p);
    }

    private void setrlimit(Proc p) {
        long cur = new long[] {0, 64 << 10, 1 << 20, 8 << 20}[rnd.nextInt(4)];
        add(id -> new SysOps.SetrlimitMemlock(id, p, cur, SysWorld.MEMLOCK_MAX));
    }

    // ---------------------------------------------------------------- pins

    /** A ring, a registration of one or two buffers, an unregistration, a close, or an mmap of a ring region. */
    private void ioUring(Proc p) {
        switch (rnd.nextInt(5)) {
            case 0 -> {
                long entries = 1 + rnd.nextInt(8) * (rnd.nextInt(4) == 0 ? 64 : 1);
                remember(rings, add(id -> new SysOps.IoUringSetup(id, p, entries)));
            }
            case 1 -> {
                Fd fd = fd(rings);
                List<SysOps.Iov> iovs = new ArrayList<>();
                for (int i = 1 + rnd.nextInt(2); i > 0; i--) {
                    iovs.add(new SysOps.Iov(bufferBase(), (1 + rnd.nextInt(8)) * PAGE - (rnd.nextInt(4) == 0 ? 100 : 0)));
                }
                add(id -> new SysOps.IoUringRegister(id, p, fd, iovs));
            }
            case 2 -> {
                Fd fd = fd(rings);
                add(id -> new SysOps.IoUringUnregister(id, p, fd));
            }
            case 3 -> {
                Fd fd = fd(rings);
                add(id -> new SysOps.Close(id, p, fd));
            }
            default -> {
                Fd fd = fd(rings);
                long off = new long[] {0, 0x8000000L, 0x10000000L}[rnd.nextInt(3)];
                long flags = rnd.nextInt(4) == 0 ? MAP_PRIVATE : MAP_SHARED;
                long len = (1 + rnd.nextInt(4)) * PAGE;
                region(add(id -> new SysOps.Mmap(id, p, null, len, PROT_READ | PROT_WRITE, flags, fd, off)), PAGE);
            }
        }
    }

    /** A software event, an mmap of 1 + 2^n pages of one, or a close. */
    private void perf(Proc p) {
        switch (rnd.nextInt(3)) {
            case 0 -> remember(perfs, add(id -> new SysOps.PerfEventOpen(id, p)));
            case 1 -> {
                Fd fd = fd(perfs);
                long len = (1 + (1L << rnd.nextInt(9))) * PAGE;
                add(id -> new SysOps.Mmap(id, p, null, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
            }
            default -> {
                Fd fd = fd(perfs);
                add(id -> new SysOps.Close(id, p, fd));
            }
        }
    }

    /** A registration (mostly writable, sometimes read-only or with flags the kernel refuses) or a deregistration. */
    private void rdma(Proc p) {
        if (rnd.nextInt(5) < 3) {
            Addr a = addr(rnd.nextInt(4) == 0);
            long len = smallLen();
            long access = new long[] {1, 1 | 2 | 4, 4, 2, 1 | 64}[rnd.nextInt(5)]; // LOCAL_WRITE, +REMOTE, READ, ...
            remember(mrs, add(id -> new SysOps.RdmaRegMr(id, p, a, len, access)));
        } else {
            Fd mr = fd(mrs);
            add(id -> new SysOps.RdmaDeregMr(id, p, mr));
        }
    }

    private void vfio(Proc p) {
        Addr a = addr(rnd.nextInt(8) == 0);
        long len = rnd.nextInt(8) == 0 ? len() : (1 + rnd.nextInt(8)) * PAGE;
        if (rnd.nextInt(3) < 2) {
            add(id -> new SysOps.VfioMapDma(id, p, a, len));
        } else {
            add(id -> new SysOps.VfioUnmapDma(id, p, a, len));
        }
    }

    private void mpin(Proc p) {
        Addr a = addr(true);
        long len = smallLen();
        boolean unpin = rnd.nextInt(3) == 0;
        add(id -> new SysOps.Mpin(id, p, a, len, unpin));
    }

    /** Now and then a new image for the process (its address space goes, its MRs and mappings stay). */
    private void execOrTouch(Proc p) {
        if (rnd.nextInt(4) == 0) {
            add(id -> new SysOps.Execve(id, p, "/usr/local/bin/prog"));
        } else {
            touch(p);
        }
    }

    // ---------------------------------------------------------------- NUMA

    /** drop_caches(2): the slab shrinkers, the deferred split queue's among them (mm/vmscan.c drop_slab). */
    private void dropCaches(Proc p) {
        add(id -> new SysOps.DropCaches(id, p));
    }

    /** compact(): a full compaction of every zone (mm/compaction.c compact_nodes). */
    private void compact(Proc p) {
        add(id -> new SysOps.Compact(id, p));
    }

    /** 1..8 pages of a region to node 0 or 1, with MPOL_MF_MOVE, now and then MOVE_ALL or none. */
    private void movePages(Proc p) {
        Addr a = addr(false);
        int n = 1 + rnd.nextInt(8);
        int node = rnd.nextInt(2);
        long flags = new long[] {2, 2, 2, 4, 0}[rnd.nextInt(5)]; // MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, 0
        add(id -> new SysOps.MovePages(id, p, a, n, node, flags));
    }

    /** A policy (BIND, PREFERRED, INTERLEAVE, LOCAL, DEFAULT) on a range, mostly with MPOL_MF_MOVE. */
    private void mbind(Proc p) {
        Addr a = addr(true);
        long len = len();
        long[][] modes = {{2, 1}, {2, 2}, {2, 3}, {1, 2}, {3, 3}, {4, 0}, {0, 0}}; // mode, nodemask
        long[] m = modes[rnd.nextInt(modes.length)];
        long flags = new long[] {2, 2, 3, 4, 1, 0}[rnd.nextInt(6)]; // MOVE, MOVE|STRICT, MOVE_ALL, STRICT, none
        add(id -> new SysOps.Mbind(id, p, a, len, m[0], m[1], flags));
    }

    // ---------------------------------------------------------------- arguments

    /** 1..8 pages, now and then with a ragged end: for the pins, which a small limit refuses. */
    private long smallLen() {
        return (1 + rnd.nextInt(8)) * PAGE + (rnd.nextInt(8) == 0 ? rnd.nextInt(4096) : 0);
    }

    /** 1..32 pages, now and then with a ragged end. */
    private long len() {
        return (1 + rnd.nextInt(32)) * PAGE + (rnd.nextInt(8) == 0 ? rnd.nextInt(4096) : 0);
    }

    /**
     * Mostly inside or around a region an op made (from 2 pages before it to 2 after, now
     * and then one byte past a page boundary when {@code unaligned}), else the start of one
     * of the process's VMAs, else anywhere in the mmap area.
     */
    private Addr addr(boolean unaligned) {
        if (!regions.isEmpty() && rnd.nextInt(8) != 0) {
            Region reg = regions.get(rnd.nextInt(regions.size()));
            long off = rnd.nextInt((int) Math.max(1, reg.len() / PAGE + 4)) * PAGE - 2 * PAGE
                    + (unaligned && rnd.nextInt(10) == 0 ? 1 : 0);
            return new Addr.InRegion(reg.op(), off, literal() + off);
        }
        if (rnd.nextBoolean()) {
            return new Addr.VmaStart(rnd.nextInt(1 << 16), literal());
        }
        return new Addr.Literal(literal());
    }

    /** A buffer for io_uring: the first or second page of a region, or a low address when there is none. */
    private Addr bufferBase() {
        long off = PAGE * rnd.nextInt(2);
        if (regions.isEmpty()) {
            return new Addr.Literal(0x10000 + off);
        }
        return new Addr.InRegion(regions.get(rnd.nextInt(regions.size())).op(), off, 0x10000 + off);
    }

    private long literal() {
        return LITERAL_BASE + rnd.nextInt(4096) * PAGE;
    }

    /** Mostly an fd of the right kind, sometimes a plain number (another kind's, or none). */
    private Fd fd(List<Integer> ofKind) {
        int fallback = literalFd();
        if (!ofKind.isEmpty() && rnd.nextInt(4) != 0) {
            return new Fd(ofKind.get(rnd.nextInt(ofKind.size())), fallback);
        }
        return new Fd(-1, fallback);
    }

    private int literalFd() {
        return 3 + rnd.nextInt(5);
    }

    private void region(int op, long len) {
        regions.add(new Region(op, len));
        if (regions.size() > MAX_REGIONS) {
            regions.remove(0);
        }
    }

    private static void remember(List<Integer> fds, int op) {
        fds.add(op);
        if (fds.size() > MAX_FDS) {
            fds.remove(0);
        }
    }
}
