package org.pinsim.core.prop.sys;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.pinsim.core.Kernel;
import org.pinsim.core.prop.Failure;
import org.pinsim.core.prop.Property;

/**
 * Random syscall sequences over several processes: after every call {@code check} must hold
 * (by default {@link Kernel#checkInvariants()}: every invariant of DESIGN.md) and the model
 * must not throw. A failing case renders as a .pin scenario.
 */
public final class SyscallProperty implements Property<SysWorld, SysOp> {

    private final Consumer<Kernel> check;
    private final boolean numa;

    public SyscallProperty() {
        this(Kernel::checkInvariants);
    }

    /** With another check after every step (tests of the harness inject failures this way). */
    public SyscallProperty(Consumer<Kernel> check) {
        this(check, false);
    }

    private SyscallProperty(Consumer<Kernel> check, boolean numa) {
        this.check = check;
        this.numa = numa;
    }

    /**
     * Two-node machines with move_pages and mbind among the calls; after every step the
     * migration invariants ({@link MigrationCheck}) besides every other invariant.
     */
    public static SyscallProperty numa() {
        return new SyscallProperty(null, true);
    }

    /** The check of one run: a fresh {@link MigrationCheck} per run for the NUMA property (it keeps state). */
    private Consumer<Kernel> check() {
        return numa ? new MigrationCheck() : check;
    }

    @Override
    public Case<SysWorld, SysOp> generate(SplittableRandom rnd, int steps) {
        return SysGen.generate(rnd, steps, numa);
    }

    @Override
    public Failure run(SysWorld world, List<SysOp> ops) {
        return SysRun.execute(world, ops, false, check()).failure();
    }

    /** Runs with rendering: the steps that ran, their .pin text, and the failure if any. */
    public SysRun execute(SysWorld world, List<SysOp> ops) {
        return SysRun.execute(world, ops, true, check());
    }

    /** In the initial process (fewer processes to follow), then the op's own simpler forms. */
    @Override
    public List<SysOp> simpler(SysOp op) {
        List<SysOp> out = new ArrayList<>();
        if (!op.proc().equals(Proc.INITIAL)) {
            out.add(SysOps.withProc(op, Proc.INITIAL));
        }
        out.addAll(op.simpler());
        return out;
    }

    /**
     * For each op whose result a later op used (a region, an fd): the sequence without it,
     * the later ops naming that result by the value it had (a literal address or fd
     * number), and their VMA-start addresses fixed to where they pointed, since the layout
     * moves when an op goes.
     */
    @Override
    public List<List<SysOp>> removalsKeepingValues(SysWorld world, List<SysOp> ops) {
        SysRun run = SysRun.execute(world, ops, false, check());
        List<List<SysOp>> out = new ArrayList<>();
        for (int i = ops.size() - 2; i >= 0; i--) {
            Long value = run.value(ops.get(i).id());
            if (value == null) {
                continue; // later ops already use their fallbacks: plain removal covers it
            }
            List<SysOp> candidate = new ArrayList<>(ops.subList(0, i));
            for (SysOp later : ops.subList(i + 1, ops.size())) {
                candidate.add(keep(later, ops.get(i).id(), value, run));
            }
            out.add(candidate);
        }
        return out;
    }

    private static SysOp keep(SysOp op, int gone, long value, SysRun run) {
        return SysOps.mapArgs(op, v -> {
            if (v instanceof Addr.InRegion r && r.region() == gone) {
                return new Addr.Literal(value + r.offset());
            }
            if (v instanceof Fd f && f.op() == gone) {
                return new Fd(-1, (int) value);
            }
            if (v instanceof Addr.VmaStart a && run.vmaPick(op.id(), a) != null) {
                return new Addr.Literal(run.vmaPick(op.id(), a));
            }
            return v;
        });
    }

    @Override
    public String render(SysWorld world, List<SysOp> ops) {
        return execute(world, ops).pin();
    }

    @Override
    public String extension() {
        return "pin";
    }
}
