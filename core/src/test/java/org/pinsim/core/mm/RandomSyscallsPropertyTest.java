package org.pinsim.core.mm;

import static org.pinsim.core.uapi.Mman.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Fcntl;
import org.pinsim.core.uapi.Resource;

/**
 * Random syscall sequences over several processes on small machines, with every invariant
 * of DESIGN.md checked after every step: 100 tries x 1000 syscalls = 100,000 syscalls, on
 * machines of every profile.
 */
class RandomSyscallsPropertyTest {
    private static final int STEPS = 1000;
    private static final long PAGE = 4096;

    @Property(tries = 100)
    void randomSyscalls_keepEveryInvariant(@ForAll @LongRange(min = 1) long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long memory = (64L + 64L * rnd.nextInt(4)) << 20; // 64..256 MiB
        // every profile: their accounting rules differ (perf's counters), their invariants hold alike
        org.pinsim.core.Profile profile = org.pinsim.core.Profile.values()[rnd.nextInt(org.pinsim.core.Profile.values().length)];
        Kernel k = Kernel.boot(MachineConfig.defaults().withMemory(memory).withProfile(profile));
        List<Task> procs = new ArrayList<>();
        procs.add(k.spawn(spec(rnd, "p0")));
        List<long[]> regions = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            procs.removeIf(Task::exited);
            if (procs.isEmpty()) {
                procs.add(k.spawn(spec(rnd, "p" + step)));
            }
            Task t = procs.get(rnd.nextInt(procs.size()));
            String what = step(k, t, procs, regions, rnd);
            if (Boolean.getBoolean("pinsim.trace")) {
                System.out.println(step + " " + what);
            }
            try {
                k.checkInvariants();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " step " + step + " (" + what + "): " + e.getMessage(), e);
            }
        }
    }

    private static ProcessSpec spec(SplittableRandom rnd, String name) {
        long limit = new long[] {0, 64 << 10, 256 << 10, 8 << 20}[rnd.nextInt(4)];
        long caps = rnd.nextInt(4) == 0 ? Caps.ALL : Caps.NONE;
        ProcessSpec.Layout layout = rnd.nextBoolean() ? ProcessSpec.Layout.DEFAULT : ProcessSpec.Layout.EMPTY;
        return new ProcessSpec(name, caps == Caps.ALL ? 0 : 1000, caps, limit, 8 << 20, layout);
    }

    /** One random syscall; returns a description for failure messages. */
    private static String step(Kernel k, Task t, List<Task> procs, List<long[]> regions, SplittableRandom rnd) {
        long addr = pickAddr(t, regions, rnd);
        long len = (1 + rnd.nextInt(32)) * PAGE + (rnd.nextInt(8) == 0 ? rnd.nextInt(4096) : 0);
        int op = rnd.nextInt(23);
        SysResult r;
        switch (op) {
            case 0, 1, 2 -> {
                long flags = MAP_PRIVATE | MAP_ANONYMOUS;
                if (rnd.nextInt(5) == 0) {
                    flags = MAP_SHARED | MAP_ANONYMOUS;
                }
                if (rnd.nextInt(6) == 0) {
                    flags |= MAP_LOCKED;
                }
                if (rnd.nextInt(6) == 0) {
                    flags |= MAP_POPULATE;
                }
                if (rnd.nextInt(8) == 0) {
                    flags |= MAP_FIXED;
                }
                if (rnd.nextInt(10) == 0) {
                    flags |= MAP_NORESERVE;
                }
                long prot = new long[] {PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE, PROT_READ | PROT_WRITE}[rnd.nextInt(4)];
                long hint = (flags & MAP_FIXED) != 0 ? addr : 0;
                r = t.mmap(hint, len, prot, flags, -1, 0);
                if (!r.isError()) {
                    regions.add(new long[] {r.ret(), len});
                }
            }
            case 3 -> r = fileMmap(t, regions, rnd, len);
            case 4 -> r = t.munmap(addr, len);
            case 5 -> r = t.mprotect(addr, len, new long[] {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE}[rnd.nextInt(3)]);
            case 6, 7 -> r = t.mlock(addr, len);
            case 8 -> r = t.mlock2(addr, len, rnd.nextInt(4) == 0 ? 2 : MLOCK_ONFAULT);
            case 9 -> r = t.munlock(addr, len);
            case 10 -> r = t.mlockall(new long[] {MCL_CURRENT, MCL_FUTURE, MCL_CURRENT | MCL_FUTURE,
                MCL_CURRENT | MCL_ONFAULT, MCL_FUTURE | MCL_ONFAULT, 0, MCL_ONFAULT}[rnd.nextInt(7)]);
            case 11 -> r = t.munlockall();
            case 12 -> r = t.madvise(addr, len, new long[] {MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE,
                MADV_DONTFORK, MADV_DOFORK, MADV_WILLNEED, MADV_WIPEONFORK}[rnd.nextInt(7)]);
            case 13 -> {
                long flags = new long[] {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP}[rnd.nextInt(3)];
                long newLen = (flags & MREMAP_DONTUNMAP) != 0 ? len : (1 + rnd.nextInt(48)) * PAGE;
                r = t.mremap(addr & ~(PAGE - 1), len, newLen, flags, 0);
                if (!r.isError()) {
                    regions.add(new long[] {r.ret(), newLen});
                }
            }
            case 14 -> r = t.brk(t.mm().brk() + (rnd.nextInt(64) - 24) * PAGE);
            case 15 -> {
                if (procs.size() < 4) {
                    r = t.fork();
                    if (!r.isError()) {
                        procs.add(k.task((int) r.ret()));
                    }
                } else {
                    r = t.exit(0);
                }
            }
            case 16 -> r = procs.size() > 1 && rnd.nextInt(3) == 0 ? t.exit(0) : t.touch(addr, len, rnd.nextBoolean());
            case 17, 18 -> r = t.touch(addr, len, rnd.nextBoolean());
            case 20 -> r = ioUring(t, regions, rnd);
            case 21 -> r = perf(t, rnd);
            default -> r = t.setrlimit(Resource.RLIMIT_MEMLOCK,
                    new long[] {0, 64 << 10, 1 << 20, 8 << 20}[rnd.nextInt(4)], 8 << 20);
        }
        if (regions.size() > 64) {
            regions.remove(0);
        }
        return t.name() + " op " + op + " addr 0x" + Long.toHexString(addr) + " len " + len + " -> " + r;
    }

    /**
     * io_uring: a ring, a registration of one or two regions, an unregistration, a close, or an
     * mmap of a ring region, on a random fd.
     */
    private static SysResult ioUring(Task t, List<long[]> regions, SplittableRandom rnd) {
        int fd = 3 + rnd.nextInt(5);
        switch (rnd.nextInt(5)) {
            case 0:
                return t.ioUringSetup(1 + rnd.nextInt(8) * (rnd.nextInt(4) == 0 ? 64 : 1));
            case 4: {
                long off = new long[] {0, 0x8000000L, 0x10000000L}[rnd.nextInt(3)];
                long flags = rnd.nextInt(4) == 0 ? MAP_PRIVATE : MAP_SHARED;
                SysResult m = t.mmap(0, (1 + rnd.nextInt(4)) * PAGE, PROT_READ | PROT_WRITE, flags, fd, off);
                if (!m.isError()) {
                    regions.add(new long[] {m.ret(), PAGE});
                }
                return m;
            }
            case 1: {
                int n = 1 + rnd.nextInt(2);
                long[] iov = new long[2 * n];
                for (int i = 0; i < n; i++) {
                    long[] reg = regions.isEmpty() ? new long[] {0x10000, PAGE} : regions.get(rnd.nextInt(regions.size()));
                    iov[2 * i] = reg[0] + PAGE * rnd.nextInt(2);
                    iov[2 * i + 1] = (1 + rnd.nextInt(8)) * PAGE - (rnd.nextInt(4) == 0 ? 100 : 0);
                }
                return t.ioUringRegister(fd, 0, iov, n);
            }
            case 2:
                return t.ioUringRegister(fd, 1, null, 0);
            default:
                return t.close(fd);
        }
    }

    /** perf: a software event, an mmap of 1 + 2^n pages of a random fd, or a close. */
    private static SysResult perf(Task t, SplittableRandom rnd) {
        int fd = 3 + rnd.nextInt(5);
        switch (rnd.nextInt(3)) {
            case 0: {
                long[] v = new long[org.pinsim.core.uapi.Perf.FIELDS.size()];
                boolean[] given = new boolean[v.length];
                for (String f : new String[] {"type", "size", "config", "exclude_kernel"}) {
                    int i = org.pinsim.core.uapi.Perf.field(f);
                    given[i] = true;
                    v[i] = switch (f) {
                        case "type" -> org.pinsim.core.uapi.Perf.PERF_TYPE_SOFTWARE;
                        case "size" -> org.pinsim.core.uapi.Perf.PERF_ATTR_SIZE_VER8;
                        case "config" -> 9; // PERF_COUNT_SW_DUMMY
                        default -> 1;
                    };
                }
                return t.perfEventOpen(org.pinsim.core.uapi.Perf.encode(v, given), 0, -1, -1, 0);
            }
            case 1:
                return t.mmap(0, (1 + (1L << rnd.nextInt(9))) * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            default:
                return t.close(fd);
        }
    }

    private static SysResult fileMmap(Task t, List<long[]> regions, SplittableRandom rnd, long len) {
        String path = "/tmp/f" + rnd.nextInt(3);
        SysResult fd = t.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDWR | Fcntl.O_CREAT, 0600);
        if (rnd.nextInt(4) == 0) {
            t.ftruncate((int) fd.ret(), (1 + rnd.nextInt(16)) * PAGE);
        }
        SysResult r = t.mmap(0, len, PROT_READ | PROT_WRITE, rnd.nextBoolean() ? MAP_SHARED : MAP_PRIVATE,
                fd.ret(), 0);
        t.close((int) fd.ret());
        if (!r.isError()) {
            regions.add(new long[] {r.ret(), len});
        }
        return r;
    }

    private static long pickAddr(Task t, List<long[]> regions, SplittableRandom rnd) {
        if (!regions.isEmpty() && rnd.nextInt(8) != 0) {
            long[] reg = regions.get(rnd.nextInt(regions.size()));
            long off = rnd.nextInt((int) Math.max(1, reg[1] / PAGE + 4)) * PAGE;
            return reg[0] + off - 2 * PAGE + (rnd.nextInt(10) == 0 ? 1 : 0);
        }
        Vma[] vmas = t.mm().vmas().toArray();
        if (vmas.length > 0 && rnd.nextBoolean()) {
            return vmas[rnd.nextInt(vmas.length)].start();
        }
        return 0x7ffff7000000L + rnd.nextInt(4096) * PAGE;
    }
}
