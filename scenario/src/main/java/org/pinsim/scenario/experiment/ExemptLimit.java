package org.pinsim.scenario.experiment;

import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.MCL_CURRENT;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.Profile;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.account.Exempt;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.uapi.Perf;
import org.pinsim.core.uapi.Verbs;

/**
 * E9, the limit experiment: how many pages can one unprivileged process with
 * RLIMIT_MEMLOCK = L exempt from paging ({@link Exempt}), with any mix of mlock, mlockall,
 * RDMA, vfio, io_uring, perf and mpin, under each profile, and which mix reaches it.
 *
 * <p>Found by running the model, not by a formula: a depth-first search over sequences of
 * moves, each move one mechanism applied to a fresh anonymous region of its own (a perf move
 * maps a new event's ring buffer), with the largest size that still succeeds after the moves
 * before it, found by running every candidate sequence from a freshly booted machine
 * (exponential search, then bisection on the size). Each mechanism is used at most once,
 * perf up to {@link #PERF_USES} times (a ring buffer is 1 + 2^n pages, so several can fill
 * what one cannot). Sequences that leave the counters in a state already explored (the same
 * mechanisms used and the same locked_vm, pinned_vm, user->locked_vm and total_vm) are not
 * explored again. The process: uid 1000, no capabilities, soft and hard RLIMIT_MEMLOCK L,
 * no program image (layout=empty, so that mlockall(MCL_CURRENT) is not refused for the
 * image's size), on a machine of 2 CPUs (perf's allowance is per CPU) with the default
 * sysctls.
 */
public final class ExemptLimit {
    /** The mechanisms a move applies. */
    public enum Mech {
        MLOCK("mlock"), MLOCKALL("mlockall"), RDMA("RDMA"), VFIO("vfio"), IO_URING("io_uring"), PERF("perf"),
        MPIN("mpin");

        final String label;

        Mech(String label) {
            this.label = label;
        }
    }

    /** One move: a mechanism and its size in pages (for perf, n of a 1 + 2^n page buffer; -1: 1 page). */
    public record Move(Mech mech, long size) {
        /** Pages of memory the move maps. */
        long pages() {
            return mech == Mech.PERF ? 1 + (size < 0 ? 0 : 1L << size) : size;
        }

        @Override
        public String toString() {
            return mech.label + " " + pages();
        }
    }

    /** A profile's answer: the most pages exempted and the moves that reach it. */
    public record Answer(Profile profile, long limitPages, long exemptPages, List<Move> mix, int runs) {
    }

    static final int PERF_USES = 3;
    static final int CPUS = 2;

    private final Profile profile;
    private final long limitBytes;
    private final Map<String, Long> explored = new HashMap<>(); // looked up only
    private long bestExempt = -1;
    private List<Move> bestMix = List.of();
    private int runs;

    private ExemptLimit(Profile profile, long limitBytes) {
        this.profile = profile;
        this.limitBytes = limitBytes;
    }

    /** Searches the mixes under {@code profile} with RLIMIT_MEMLOCK {@code limitBytes}. */
    public static Answer search(Profile profile, long limitBytes) {
        ExemptLimit e = new ExemptLimit(profile, limitBytes);
        e.dfs(new ArrayList<>());
        return new Answer(profile, limitBytes >>> 12, e.bestExempt, List.copyOf(e.bestMix), e.runs);
    }

    private void dfs(List<Move> prefix) {
        Outcome now = run(prefix);
        if (now.exempt > bestExempt) {
            bestExempt = now.exempt;
            bestMix = List.copyOf(prefix);
        }
        if (explored.putIfAbsent(now.signature(prefix), now.exempt) != null) {
            return;
        }
        for (Mech m : Mech.values()) {
            if (!usable(m, prefix)) {
                continue;
            }
            long size = largest(prefix, m);
            if (size != Long.MIN_VALUE) {
                prefix.add(new Move(m, size));
                dfs(prefix);
                prefix.remove(prefix.size() - 1);
            }
        }
    }

    private static boolean usable(Mech m, List<Move> prefix) {
        long uses = prefix.stream().filter(x -> x.mech() == m).count();
        return uses < (m == Mech.PERF ? PERF_USES : 1);
    }

    /** The largest size of {@code m} that succeeds after {@code prefix}, or MIN_VALUE when none does. */
    private long largest(List<Move> prefix, Mech m) {
        long lo = m == Mech.PERF ? -1 : 1;
        if (!succeeds(prefix, new Move(m, lo))) {
            return Long.MIN_VALUE;
        }
        long cap = m == Mech.PERF ? 24 : (64L << 20) >>> 12; // 2^24 + 1 pages, or 64 MiB of a region
        long hi = lo;
        while (hi < cap && succeeds(prefix, new Move(m, Math.max(hi * 2, hi + 1)))) {
            hi = Math.max(hi * 2, hi + 1);
        }
        long fail = Math.min(cap + 1, Math.max(hi * 2, hi + 1));
        while (fail - hi > 1) { // hi succeeds, fail does not
            long mid = hi + (fail - hi) / 2;
            if (succeeds(prefix, new Move(m, mid))) {
                hi = mid;
            } else {
                fail = mid;
            }
        }
        return hi;
    }

    private boolean succeeds(List<Move> prefix, Move next) {
        List<Move> moves = new ArrayList<>(prefix);
        moves.add(next);
        return run(moves).ok;
    }

    /** What a sequence left: whether every move succeeded, the pages exempted, and the counters. */
    private record Outcome(boolean ok, long exempt, long lockedVm, long pinnedVm, long userLocked, long totalVm) {
        String signature(List<Move> moves) {
            long[] uses = new long[Mech.values().length];
            for (Move m : moves) {
                uses[m.mech().ordinal()]++;
            }
            return java.util.Arrays.toString(uses) + " " + lockedVm + " " + pinnedVm + " " + userLocked + " " + totalVm;
        }
    }

    /** Runs {@code moves} on a freshly booted machine. */
    private Outcome run(List<Move> moves) {
        runs++;
        Kernel k = Kernel.boot(new MachineConfig(machineBytes(), 1, CPUS, 0, 1, profile));
        Task t = k.spawn(ProcessSpec.defaults("app", profile).withUid(1000).withCaps(Caps.NONE)
                .withMemlock(limitBytes, limitBytes).withLayout(ProcessSpec.Layout.EMPTY));
        boolean ok = true;
        for (Move m : moves) {
            if (!apply(t, m)) {
                ok = false;
                break;
            }
        }
        return new Outcome(ok, Exempt.pages(k, t), t.mm().lockedVm(), t.mm().pinnedVm(), k.user(1000).lockedVm(),
                t.mm().totalVm());
    }

    /** Room for every region a search can map: 64 MiB per move at most, and the page tables. */
    private long machineBytes() {
        return 512L << 20;
    }

    /** One move on {@code t}: true when every call of it succeeded. */
    static boolean apply(Task t, Move m) {
        long len = m.pages() << 12;
        if (m.mech() == Mech.PERF) {
            SysResult fd = t.perfEventOpen(dummyEvent(), 0, -1, -1, 0);
            return !fd.isError() && !t.mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd.ret(), 0).isError();
        }
        SysResult ring = null;
        if (m.mech() == Mech.IO_URING) {
            ring = t.ioUringSetup(4);
            if (ring.isError()) {
                return false;
            }
        }
        SysResult a = t.mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (a.isError()) {
            return false;
        }
        long addr = a.ret();
        SysResult r = switch (m.mech()) {
            case MLOCK -> t.mlock(addr, len);
            case MLOCKALL -> t.mlockall(MCL_CURRENT);
            case RDMA -> t.rdmaRegMr(addr, len, Verbs.IB_ACCESS_LOCAL_WRITE);
            case VFIO -> t.vfioMapDma(addr, len);
            case IO_URING -> t.ioUringRegister((int) ring.ret(), IoUring.IORING_REGISTER_BUFFERS, new long[] {addr, len}, 1);
            default -> t.mpin(addr, len);
        };
        return !r.isError();
    }

    /** A software dummy event of the calling task, not counting the kernel (no CAP_PERFMON needed). */
    static byte[] dummyEvent() {
        long[] v = new long[Perf.FIELDS.size()];
        boolean[] given = new boolean[v.length];
        String[] names = {"type", "size", "config", "exclude_kernel"};
        long[] values = {Perf.PERF_TYPE_SOFTWARE, Perf.PERF_ATTR_SIZE_VER8, 9, 1};
        for (int i = 0; i < names.length; i++) {
            int f = Perf.field(names[i]);
            v[f] = values[i];
            given[f] = true;
        }
        return Perf.encode(v, given);
    }

    /** The mix as a scenario that pinsim runs to the same figures ({@code ./pinsim run}). */
    public static String scenario(Answer a) {
        StringBuilder sb = new StringBuilder();
        sb.append("# E9: the mix that exempts the most pages under ").append(a.profile().id()).append(", RLIMIT_MEMLOCK ")
                .append(a.limitPages() * 4).append(" KiB: ").append(a.exemptPages()).append(" pages\n");
        sb.append("machine memory=512MiB cpus=").append(CPUS).append('\n');
        sb.append("kernel ").append(a.profile().id()).append('\n');
        sb.append("process app uid=1000 caps=none rlimit.memlock=").append(a.limitPages() * 4).append("KiB:")
                .append(a.limitPages() * 4).append("KiB layout=empty\n");
        int i = 0;
        for (Move m : a.mix()) {
            i++;
            long kib = m.pages() * 4;
            String r = "r" + i;
            switch (m.mech()) {
                case PERF -> {
                    sb.append("e").append(i).append(" = perf_event_open({type=PERF_TYPE_SOFTWARE, size=PERF_ATTR_SIZE_VER8,")
                            .append(" config=PERF_COUNT_SW_DUMMY, exclude_kernel=1}, 0, -1, -1, 0)\n");
                    sb.append("mmap(NULL, ").append(kib).append("KiB, PROT_READ|PROT_WRITE, MAP_SHARED, e").append(i)
                            .append(", 0)\n");
                    continue;
                }
                case IO_URING -> sb.append("u").append(i).append(" = io_uring_setup(4, {})\n");
                default -> {
                }
            }
            sb.append(r).append(" = mmap(NULL, ").append(kib).append("KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS,")
                    .append(" -1, 0)\n");
            sb.append(switch (m.mech()) {
                case MLOCK -> "mlock(" + r + ", " + kib + "KiB) = 0";
                case MLOCKALL -> "mlockall(MCL_CURRENT) = 0";
                case RDMA -> "rdma_reg_mr(" + r + ", " + kib + "KiB) = 0";
                case VFIO -> "vfio_map_dma(" + r + ", " + kib + "KiB) = 0";
                case IO_URING -> "io_uring_register(u" + i + ", IORING_REGISTER_BUFFERS, [{iov_base=" + r + ", iov_len="
                        + (m.pages() << 12) + "}], 1) = 0";
                default -> "mpin(" + r + ", " + kib + "KiB) = 0";
            }).append('\n');
        }
        sb.append("check app exempt == ").append(a.exemptPages() * 4).append(" kB\n");
        return sb.toString();
    }
}
