package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pinsim.core.Kernel;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.proc.ProcFs;
import org.pinsim.core.uapi.Errno;
import org.pinsim.scenario.CallSpec.Outcome;

/**
 * Runs a {@link Plan} on a freshly booted kernel: creates the processes, runs each step in
 * order, binds names, compares results with expectations (a mismatch is recorded and the run
 * goes on), and checks the model's invariants after every call unless the system property
 * {@code pinsim.invariants} is {@code false}.
 */
final class Execution implements Val.Env {

    /** A process the run knows, in creation order; {@code name} null for an unnamed child. */
    private record Known(String name, int pid) {
    }

    private final Plan plan;
    private final StepObserver observer;
    private final boolean invariants = !"false".equals(System.getProperty("pinsim.invariants"));
    private final Map<String, Long> values = new HashMap<>();
    private final Map<String, Long> lengths = new HashMap<>();
    private final Map<String, Integer> pids = new HashMap<>();
    private final List<Known> known = new ArrayList<>();
    private final List<Report.Entry> entries = new ArrayList<>();
    private final Map<String, List<Integer>> skippedLines = new TreeMap<>();
    private final Map<String, String> skippedReasons = new TreeMap<>();
    private Kernel kernel;
    private ProcFs proc;
    private Map<String, Long> vmstatAtStart;
    private int calls;
    private int matched;
    private int mismatched;
    private int checks;
    private int failed;

    Execution(Plan plan) {
        this(plan, null);
    }

    Execution(Plan plan, StepObserver observer) {
        this.plan = plan;
        this.observer = observer;
    }

    Report run() {
        Setup setup = Setup.boot(plan);
        kernel = setup.kernel();
        proc = kernel.proc();
        vmstatAtStart = setup.vmstat();
        setup.processes().forEach((name, pid) -> {
            pids.put(name, pid);
            values.put(name, (long) pid);
        });
        plan.processes().forEach(p -> known.add(new Known(p.name(), setup.processes().get(p.name()))));
        for (Plan.Step step : plan.steps()) {
            observe(step.line(), false);
            if (step instanceof Plan.CallStep c) {
                call(c);
            } else if (step instanceof Plan.SkipStep s) {
                skip(s);
            } else {
                check((Plan.CheckStep) step);
            }
            observe(step.line(), true);
        }
        return report();
    }

    private void observe(int line, boolean after) {
        if (observer != null) {
            observer.step(line, after, kernel, Map.copyOf(pids));
        }
    }

    // ---------------------------------------------------------------- calls

    private void call(Plan.CallStep step) {
        calls++;
        Statement.Call st = step.statement();
        Task task = task(step.proc());
        if (task == null) {
            mismatched++;
            if (step.bind() != null) {
                values.put(step.bind(), -1L);
            }
            entries.add(new Report.CallEntry(st.line(), step.proc(), Transcript.callText(st), st.name(), st.argsText(),
                    "not run: " + missing(step.proc()), null, null, null, st.expectedText(), false, null));
            return;
        }
        Args args = new Args(step.args(), this);
        Outcome out = invoke(step, task, args);
        SysResult r = out.result();
        place(step, args, r);
        Boolean match = Judge.matches(step.expect(), r, out.out(), out.outArray(), this);
        String detail = match == null || match ? null : Judge.detail(step, r, out.out(), out.outArray(), this);
        count(match);
        bind(step, r, args);
        entries.add(new Report.CallEntry(st.line(), step.proc(), Transcript.callText(st), st.name(), st.argsText(),
                Transcript.result(r, step.spec().style()), r.value(), r.isError() ? Errno.name(r.errno()) : null,
                r.reason(), st.expectedText(), match, detail));
        checkInvariants(st.line());
    }

    // ---------------------------------------------------------------- a trace's addresses

    /**
     * The parts of a real trace's address space that the run has placed, oldest first:
     * {real start, real end, simulated start}. A trace's mmap returned a real address where
     * pinsim's returned another; from then on the trace's literal addresses inside that
     * mapping (munmap's, mlock's, an iov_base) mean the same offset in pinsim's.
     */
    private final List<long[]> placed = new ArrayList<>();

    /** How far around a trace's program break its heap addresses are taken to lie. */
    private static final long BRK_WINDOW = 1L << 30;

    @Override
    public long translate(long address) {
        for (int i = placed.size() - 1; i >= 0; i--) {
            long[] p = placed.get(i);
            if (Long.compareUnsigned(address, p[0]) >= 0 && Long.compareUnsigned(address, p[1]) < 0) {
                return p[2] + (address - p[0]);
            }
        }
        return address;
    }

    /**
     * Where the layout chose the address (mmap without MAP_FIXED, a moving mremap without
     * MREMAP_FIXED, brk(NULL)) and the statement expects a literal address, that address is
     * the trace's name for pinsim's: it is recorded, and so the expectation holds by meaning.
     * munmap of a trace's range forgets what it covered.
     */
    private void place(Plan.CallStep step, Args args, SysResult r) {
        if (r.isError()) {
            return;
        }
        String name = step.spec().name();
        if (name.equals("munmap") && step.args().get(0) instanceof Arg.Num n && n.value() instanceof Val.Addr a) {
            long end = a.value() + ((args.num(1) + 4095) & ~4095L);
            placed.removeIf(p -> Long.compareUnsigned(p[0], a.value()) >= 0 && Long.compareUnsigned(p[1], end) <= 0);
            return;
        }
        if (step.expect().kind() != Plan.Expect.Kind.VALUE || !(step.expect().value() instanceof Val.Addr e)) {
            return;
        }
        long real = e.value();
        switch (name) {
            case "mmap" -> {
                if ((args.num(3) & (org.pinsim.core.uapi.Mman.MAP_FIXED | org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE)) == 0) {
                    placed.add(new long[] {real, real + ((args.num(1) + 4095) & ~4095L), r.ret()});
                }
            }
            case "mremap" -> {
                if ((args.num(3) & org.pinsim.core.uapi.Mman.MREMAP_FIXED) == 0 && r.ret() != args.num(0)) {
                    placed.add(new long[] {real, real + ((args.num(2) + 4095) & ~4095L), r.ret()});
                }
            }
            case "brk" -> {
                if (args.num(0) == 0) {
                    placed.add(new long[] {real - BRK_WINDOW, real + BRK_WINDOW, r.ret() - BRK_WINDOW});
                }
            }
            default -> {
            }
        }
    }

    private Outcome invoke(Plan.CallStep step, Task task, Args args) {
        try {
            if (task != null) {
                kernel.mem().setCpu(task.cpu()); // smp_processor_id() while the task runs
            }
            return step.spec().invoker().invoke(task, args, kernel);
        } catch (RuntimeException e) {
            throw new ModelBugException(plan.scenario().file(), step.line(), "the model failed on " + step.spec().name()
                    + ": " + e, e);
        }
    }

    private void count(Boolean match) {
        if (match != null && match) {
            matched++;
        } else if (match != null) {
            mismatched++;
        }
    }

    private void bind(Plan.CallStep step, SysResult r, Args args) {
        String name = step.bind();
        if (name != null) {
            values.put(name, r.value());
            if (step.spec().binds() == CallSpec.Binds.REGION) {
                lengths.put(name, args.num(step.spec().lengthParam()));
            }
        }
        if (step.spec().binds() != CallSpec.Binds.PROCESS || r.isError()) {
            return;
        }
        int child = (int) r.ret();
        String procName = name != null ? name : step.aliasPid() != null ? Long.toString(step.aliasPid()) : null;
        if (procName != null) {
            pids.put(procName, child);
            values.put(procName, (long) child);
        }
        known.add(new Known(procName, child));
    }

    private void checkInvariants(int line) {
        if (!invariants) {
            return;
        }
        try {
            kernel.checkInvariants();
        } catch (AssertionError e) {
            throw new ModelBugException(plan.scenario().file(), line, "model invariant violated: " + e.getMessage(), e);
        }
    }

    private void skip(Plan.SkipStep s) {
        Statement.Call st = s.statement();
        skippedLines.computeIfAbsent(st.name(), k -> new ArrayList<>()).add(st.line());
        skippedReasons.put(st.name(), s.reason());
        entries.add(new Report.SkipEntry(st.line(), s.proc(), Transcript.callText(st), st.name(), st.argsText(), s.reason()));
    }

    /** The live task of a process name, or null when it does not exist or has exited. */
    private Task task(String name) {
        Integer pid = pids.get(name);
        Task t = pid == null ? null : kernel.task(pid);
        return t == null || t.exited() ? null : t;
    }

    private String missing(String name) {
        return pids.get(name) == null ? "process " + name + " does not exist (the call that creates it failed)"
                : "process " + name + " has exited";
    }

    // ---------------------------------------------------------------- checks

    private void check(Plan.CheckStep step) {
        checks++;
        Statement.Check st = step.statement();
        long want = step.value().eval(this);
        String expected = Checks.format(step.field(), want);
        Task task = step.proc() == null ? null : task(step.proc());
        if (step.proc() != null && task == null) {
            failed++;
            entries.add(new Report.CheckEntry(st.line(), st.text(), step.proc(), st.field(), st.op(), expected,
                    "no such process", false));
            return;
        }
        long got = Checks.read(step, task, proc, vmstatAtStart, this);
        boolean ok = Checks.compare(st.op(), got, want);
        if (!ok) {
            failed++;
        }
        entries.add(new Report.CheckEntry(st.line(), st.text(), step.proc(), st.field(), st.op(), expected,
                Checks.format(step.field(), got), ok));
    }

    // ---------------------------------------------------------------- results

    private Report report() {
        List<Report.ProcessFigures> figures = new ArrayList<>();
        for (Known k : known) {
            Task t = kernel.task(k.pid());
            if (t != null && !t.exited()) {
                figures.add(new Report.ProcessFigures(k.name(), k.pid(), proc.statusField(t, "VmSize"),
                        proc.statusField(t, "VmLck"), proc.statusField(t, "VmPin"), proc.statusField(t, "VmRSS"),
                        proc.mapCount(t), t.uid(), kernel.user(t.uid()).lockedVm() << 2,
                        org.pinsim.core.account.Exempt.pages(kernel, t) << 2));
            }
        }
        List<Report.SkippedCall> skipped = new ArrayList<>();
        skippedLines.forEach((name, lines) -> skipped.add(new Report.SkippedCall(name, List.copyOf(lines),
                skippedReasons.get(name))));
        int skippedCount = skippedLines.values().stream().mapToInt(List::size).sum();
        return new Report(plan.scenario().file(), plan.profile(), plan.machine().seed(), List.copyOf(entries),
                List.copyOf(figures), List.copyOf(skipped),
                new Report.Summary(calls, matched, mismatched, skippedCount, checks, failed));
    }

    @Override
    public long value(String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalStateException("name " + name + " is not bound; the validator should have caught this");
        }
        return v;
    }

    @Override
    public long length(String name) {
        Long v = lengths.get(name);
        return v == null ? 0 : v;
    }
}
