package org.pinsim.core.prop.sys;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.pinsim.core.Kernel;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.prop.Failure;
import org.pinsim.core.uapi.Errno;

/**
 * One execution of a sequence on a freshly booted kernel: resolves each op's symbolic
 * process and arguments against what earlier ops returned, runs it, and checks the kernel
 * after every step. With {@code render}, it also writes the sequence as a .pin scenario
 * whose run makes the same calls with the same results ({@code PropertyScenarioTest} in the
 * scenario module holds it to that).
 */
public final class SysRun {

    /** A call that ran: in which process, the name its result was bound to, the call text, the result. */
    public record Step(int index, String proc, String bind, String call, SysResult result) {
    }

    /** A process the run created: p0, or a fork's child named after the fork's binding. */
    private record Named(String name, Task task) {
    }

    /** A result later ops can name: its binding and value. */
    private record Bound(String name, long value) {
    }

    /** A region a call mapped: its binding, start and length. */
    private record Region(String name, long start, long len) {
        boolean contains(long a) {
            return a >= start && a - start < ((len + 4095) & ~4095L);
        }
    }

    private final SysWorld world;
    private final Kernel k;
    private final boolean render;
    private final List<Named> created = new ArrayList<>();
    private final Map<Integer, Bound> bound = new HashMap<>(); // looked up only, never iterated
    private final Map<Integer, Named> children = new HashMap<>();
    private final Map<List<Object>, Long> vmaPicks = new HashMap<>(); // (op id, VmaStart) -> address; looked up only
    private final List<Region> regions = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private Failure failure;
    private int current = -1;

    /** The kernel the run drives (system-wide ops: compact). */
    Kernel kernel() {
        return k;
    }

    private SysRun(SysWorld world, boolean render) {
        this.world = world;
        this.k = world.boot();
        this.render = render;
        created.add(new Named(SysWorld.INITIAL, k.spawn(world.spec())));
    }

    /** Runs {@code ops}, calling {@code check} on the kernel after every op, until the first failure. */
    public static SysRun execute(SysWorld world, List<SysOp> ops, boolean render, Consumer<Kernel> check) {
        SysRun run = new SysRun(world, render);
        for (int i = 0; i < ops.size() && run.failure == null; i++) {
            run.step(i, ops.get(i), check);
        }
        return run;
    }

    public Failure failure() {
        return failure;
    }

    /** The calls that ran, in order (only when rendering). */
    public List<Step> steps() {
        return List.copyOf(steps);
    }

    /** The sequence as a scenario: directives, then one line per op (only when rendering). */
    public String pin() {
        StringBuilder sb = new StringBuilder();
        world.directives().forEach(d -> sb.append(d).append('\n'));
        lines.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    private void step(int i, SysOp op, Consumer<Kernel> check) {
        Named who = resolve(op.proc());
        if (who == null) {
            line("# not run, no process is left: " + op);
            return;
        }
        current = op.id();
        String text = render ? op.render(this, who.task()) : null;
        SysResult r;
        try {
            r = op.run(this, who.task());
        } catch (RuntimeException e) {
            line(prefix(who, op) + text);
            fail(i, e);
            return;
        }
        bind(op, r);
        if (render) {
            line(prefix(who, op) + text + result(op, r));
            steps.add(new Step(i, who.name(), bindName(op), text.substring(0, text.indexOf('(')), r));
        }
        try {
            check.accept(k);
        } catch (AssertionError | RuntimeException e) {
            fail(i, e);
        }
    }

    /** {@code c5: m7 = }: the process, and the name the result is bound to. */
    private static String prefix(Named who, SysOp op) {
        return who.name() + ": " + (bindName(op) == null ? "" : bindName(op) + " = ");
    }

    /** The op's prefix and id: distinct for every op of a sequence. */
    private static String bindName(SysOp op) {
        return op.bindPrefix() == null ? null : op.bindPrefix() + op.id();
    }

    private void fail(int i, Throwable e) {
        failure = new Failure(i, e);
        line("# ^ the model failed here: " + failure.summary());
    }

    private void line(String s) {
        if (render) {
            lines.add(s);
        }
    }

    private static String result(SysOp op, SysResult r) {
        if (r.isError()) {
            return " = -1 " + Errno.name(r.errno());
        }
        return switch (op.style()) {
            case VALUE -> " = " + r.ret();
            case ADDRESS -> "   # " + Pin.hex(r.ret());
            case PROCESS -> "   # pid " + r.ret();
        };
    }

    private void bind(SysOp op, SysResult r) {
        String bind = bindName(op);
        if (bind == null || r.isError()) {
            return;
        }
        bound.put(op.id(), new Bound(bind, r.ret()));
        if (op.regionLength() > 0) {
            regions.add(new Region(bind, r.ret(), op.regionLength()));
        }
        if (op.style() == SysOp.Style.PROCESS) { // a pid: the call made a process
            Named child = new Named(bind, k.task((int) r.ret()));
            children.put(op.id(), child);
            created.add(child);
        }
    }

    // ---------------------------------------------------------------- resolution

    /** The process an op names; else p0; else the first live process; null when none is left. */
    private Named resolve(Proc p) {
        Named child = children.get(p.fork());
        if (child != null && !child.task().exited()) {
            return child;
        }
        for (Named n : created) {
            if (!n.task().exited()) {
                return n;
            }
        }
        return null;
    }

    public long addr(Addr a, Task t) {
        if (a instanceof Addr.InRegion r) {
            Bound b = bound.get(r.region());
            return b == null ? r.fallback() : b.value() + r.offset();
        }
        if (a instanceof Addr.VmaStart v) {
            Vma[] vmas = t.mm().vmas().toArray();
            long at = vmas.length == 0 ? v.fallback() : vmas[Math.floorMod(v.index(), vmas.length)].start();
            vmaPicks.put(List.of(current, v), at);
            return at;
        }
        return ((Addr.Literal) a).value();
    }

    /**
     * The address as a .pin writes it: the region it names plus the offset; a literal (a
     * VMA start, a fallback, a value kept while shrinking) inside a region mapped earlier is
     * written relative to the latest such region, for the reader; else hex.
     */
    public String addrText(Addr a, Task t) {
        if (a instanceof Addr.InRegion r && bound.get(r.region()) != null) {
            return Pin.plus(bound.get(r.region()).name(), r.offset());
        }
        long value = addr(a, t);
        for (int i = regions.size() - 1; i >= 0; i--) {
            if (regions.get(i).contains(value)) {
                return Pin.plus(regions.get(i).name(), value - regions.get(i).start());
            }
        }
        return Pin.hex(value);
    }

    /** What the op with id {@code op} returned, if it ran and succeeded; else null. */
    public Long value(int op) {
        Bound b = bound.get(op);
        return b == null ? null : b.value();
    }

    /** The address a VmaStart argument of op {@code op} resolved to, if that op ran; else null. */
    public Long vmaPick(int op, Addr.VmaStart a) {
        return vmaPicks.get(List.of(op, a));
    }

    public long fd(Fd f) {
        Bound b = bound.get(f.op());
        return b == null ? f.fallback() : b.value();
    }

    public String fdText(Fd f) {
        Bound b = bound.get(f.op());
        return b == null ? Integer.toString(f.fallback()) : b.name();
    }
}
