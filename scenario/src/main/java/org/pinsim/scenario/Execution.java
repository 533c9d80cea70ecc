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
import org.pinsim.core.uapi.Sched;
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
    private final boolean invariants;
    private final Map<String, Long> values = new HashMap<>();
    private final Map<String, Long> lengths = new HashMap<>();
    private final Map<String, Integer> pids = new HashMap<>();
    private final List<Known> known = new ArrayList<>();
    private final List<Report.Entry> entries = new ArrayList<>();
    private final Map<String, List<Integer>> skippedLines = new TreeMap<>();
    private final Map<String, String> skippedReasons = new TreeMap<>();
    private final boolean log;
    private final TraceReplay replay;
    /** The task whose call or check is being evaluated: a trace's addresses are its address space's. */
    private Task current;
    /** Figures of a log's processes taken just before they exited, by pid. */
    private final Map<Integer, Report.ProcessFigures> atExit = new HashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Kernel kernel;
    private ProcFs proc;
    private Map<String, Long> vmstatAtStart;
    private java.util.SortedMap<String, Long> sysctlsAtStart;
    private int calls;
    private int matched;
    private int mismatched;
    private int checks;
    private int failed;

    Execution(Plan plan) {
        this(plan, null);
    }

    Execution(Plan plan, StepObserver observer) {
        this(plan, observer, !"false".equals(System.getProperty("pinsim.invariants")));
    }

    /** With {@code invariants} false, no invariant check after each call ({@link Needs}' repeated replays). */
    Execution(Plan plan, StepObserver observer, boolean invariants) {
        this.invariants = invariants;
        this.plan = plan;
        this.observer = observer;
        this.log = plan.scenario().log();
        this.replay = new TraceReplay(log, memlockGiven(plan));
    }

    Report run() {
        Setup setup = Setup.boot(plan);
        kernel = setup.kernel();
        proc = kernel.proc();
        vmstatAtStart = setup.vmstat();
        sysctlsAtStart = new java.util.TreeMap<>(kernel.sysctl().all());
        setup.processes().forEach((name, pid) -> {
            pids.put(name, pid);
            values.put(name, (long) pid);
        });
        plan.processes().forEach(p -> known.add(new Known(p.name(), setup.processes().get(p.name()))));
        if (log) {
            describeFirst();
        }
        for (Plan.Step step : plan.steps()) {
            observe(step.line(), false);
            if (step instanceof Plan.CallStep c) {
                call(c);
            } else if (step instanceof Plan.SkipStep s) {
                skip(s);
            } else if (step instanceof Plan.EventStep ev) {
                event(ev);
            } else {
                check((Plan.CheckStep) step);
            }
            observe(step.line(), true);
        }
        if (plan.scenario().truncated() != null) {
            notes.add(plan.scenario().truncated());
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
        Statement.Call st = step.statement();
        Task task = task(step.proc());
        if (task == null && log && st.expected() instanceof Expected.Unknown) {
            // the kernel ended the call with its task ("= ?"): nothing to replay
            skip(new Plan.SkipStep(st, step.proc(), "its process had ended (" + missing(step.proc()) + ")"));
            return;
        }
        calls++;
        if (task == null) {
            mismatched++;
            if (step.bind() != null) {
                values.put(step.bind(), -1L);
            }
            entries.add(new Report.CallEntry(st.line(), step.proc(), Transcript.callText(st), st.name(), st.argsText(),
                    "not run: " + missing(step.proc()), null, null, null, st.expectedText(), false, null, null,
                    st.strace().time(), st.strace().duration(), List.of()));
            return;
        }
        current = task;
        Args args = new Args(step.args(), this);
        List<String> callNotes = new ArrayList<>(replay.prepare(task, step, args, this));
        replay.limitSet(step, args);
        if (log && isExit(step)) {
            takeExitFigures(task, step.spec().name() + " at line " + st.line());
        }
        Outcome out = invoke(step, task, args);
        SysResult r = out.result();
        replay.place(task, step, args, r);
        replay.after(task, step, args, r);
        Boolean match = Judge.matches(step.expect(), r, out.out(), out.outArray(), this);
        String detail = match == null || match ? null : Judge.detail(step, r, out.out(), out.outArray(), this);
        count(match);
        bind(step, r, args, task, callNotes);
        if (st.strace().issuedLine() > 0) {
            callNotes.add(0, "issued at line " + st.strace().issuedLine() + ", resumed at line " + st.line()
                    + (st.strace().ran() != null ? "; runs " + st.strace().ran() : ""));
        }
        String errno = r.isError() ? Errno.name(r.errno()) : null;
        entries.add(new Report.CallEntry(st.line(), step.proc(), Transcript.callText(st), st.name(), st.argsText(),
                Transcript.result(r, step.spec().style()), r.value(), errno, r.reason(), st.expectedText(), match, detail,
                errno == null && r.reason() == null ? null : refusal(st.name(), errno, r, task),
                st.strace().time(), st.strace().duration(), List.copyOf(callNotes)));
        current = null;
        checkInvariants(st.line());
    }

    /**
     * The refusal as the model recorded it: its rule's words, the numbers of the limit check
     * (SysResult.limit), and for a per-user counter the uid's other live processes, which
     * share it.
     */
    private Report.Refusal refusal(String call, String errno, SysResult r, Task caller) {
        List<Report.Sharer> sharers = new ArrayList<>();
        if (r.limit() != null && r.limit().uid() >= 0) {
            for (Task t : kernel.tasks()) {
                if (t.uid() == r.limit().uid() && !t.exited() && t.pid() == t.tgid() && t.tgid() != caller.tgid()) {
                    sharers.add(new Report.Sharer(t.pid(), t.name()));
                }
            }
        }
        return new Report.Refusal(call, errno, r.reason(), r.limit(), List.copyOf(sharers));
    }

    /** Whether the run was given the first process's memlock limit (--as or a process directive). */
    private static boolean memlockGiven(Plan plan) {
        if (plan.options() != null && plan.options().as() != null && plan.options().as().contains("rlimit.memlock")) {
            return true;
        }
        for (Directive d : plan.scenario().directives()) {
            if (d instanceof Directive.Process p && p.memlockSoft() != null) {
                return true;
            }
        }
        return false;
    }

    private static boolean isExit(Plan.CallStep step) {
        String n = step.spec().name();
        return n.equals("exit_group") || n.equals("exit");
    }

    /**
     * A log's process about to exit: its figures now, as /proc showed them last. exit_group and a
     * kill end the thread group; exit ends one task, and the figures are taken only when no other
     * task shares its address space (the mm goes with the last one).
     */
    private void takeExitFigures(Task t, String when) {
        boolean group = !when.startsWith("exit ");
        for (Task o : kernel.tasks()) {
            if (o != t && !o.exited() && o.mm() == t.mm() && (!group || o.tgid() != t.tgid())) {
                return;
            }
        }
        atExit.putIfAbsent(t.tgid(), figures(nameOf(t.tgid()), t, when));
        if (t.pid() != t.tgid()) {
            atExit.putIfAbsent(t.pid(), figures(nameOf(t.pid()), t, when));
        }
    }

    private String nameOf(int pid) {
        for (Known k : known) {
            if (k.pid() == pid) {
                return k.name();
            }
        }
        return null;
    }

    /** The transcript's first note in a log: who the first process is, with what attributes. */
    private void describeFirst() {
        Plan.ProcessDecl p = plan.processes().get(0);
        int pid = pids.get(p.name());
        Task t = kernel.task(pid);
        org.pinsim.core.task.Rlimit l = t.rlimitOf(org.pinsim.core.uapi.Resource.RLIMIT_MEMLOCK);
        notes.add("process " + p.name() + " (pid " + pid + ") is the log's first process: uid " + t.uid() + ", caps "
                + caps(t.caps()) + ", rlimit.memlock " + Sizes.format(l.cur()) + ":"
                + Sizes.format(l.max()) + "; its children inherit them");
    }

    /** {@code all}, {@code none}, {@code all,-sys_resource} (what is missing from the full set, when less is), or the names. */
    static String caps(long caps) {
        long missing = org.pinsim.core.task.Caps.ALL & ~caps;
        if (caps != 0 && Long.bitCount(missing) <= 8) {
            StringBuilder sb = new StringBuilder("all");
            for (int i = 0; i <= org.pinsim.core.task.Caps.CAP_LAST_CAP; i++) {
                if ((missing & (1L << i)) != 0) {
                    sb.append(",-").append(org.pinsim.core.task.Caps.name(i));
                }
            }
            return sb.toString();
        }
        return org.pinsim.core.task.Caps.format(caps);
    }

    /** A strace task line: an exit or a kill the log shows without the call that did it. */
    private void event(Plan.EventStep ev) {
        Statement.Event e = ev.statement();
        Task t = task(ev.proc());
        String outcome;
        if (e.kind().equals("KILLED") && t != null) {
            takeExitFigures(t, "killed by " + e.detail() + " at line " + e.line());
            t.exitGroup(0); // kernel/signal.c get_signal -> do_group_exit: a fatal signal ends the thread group
            outcome = "torn down: the fatal signal ends the thread group (do_group_exit)";
        } else if (e.kind().equals("EXITED") && t != null) {
            takeExitFigures(t, "exit at line " + e.line());
            t.exit(0); // the log shows no exit call for it (filtered out): do_exit
            outcome = "the task exits here (the log shows no exit call for it)";
        } else {
            return; // signals delivered, and exits pinsim has already run
        }
        entries.add(new Report.EventEntry(e.line(), ev.proc(), (e.proc() == null ? "" : e.proc().written() + " ")
                + e.text(), outcome));
        checkInvariants(e.line());
    }

    // ---------------------------------------------------------------- a trace's addresses

    @Override
    public long translate(long address) {
        return replay.translate(current, address);
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

    private void bind(Plan.CallStep step, SysResult r, Args args, Task parent, List<String> callNotes) {
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
        Task c = kernel.task(child);
        if (c != null) {
            long flags = step.spec().name().startsWith("clone") ? args.num(0)
                    : step.spec().name().equals("vfork") ? Sched.CLONE_VM : 0;
            replay.created(parent, c, flags);
            assumeAs(c, step.aliasPid());
            if (log && step.aliasPid() != null) {
                callNotes.add("pid " + step.aliasPid() + " is pid " + child + " in pinsim: "
                        + (c.mm() == parent.mm() ? "a task sharing the address space of " + step.proc()
                        : "a process with its own copy of the address space of " + step.proc()));
            }
        }
    }

    /**
     * {@code --as 'PID: ...'} naming this child: it takes the keys now, as if it had called
     * setresuid, capset and prlimit where the log does not show it (As).
     */
    private void assumeAs(Task child, Long aliasPid) {
        if (aliasPid == null || plan.options() == null || plan.options().as() == null) {
            return;
        }
        As as = As.parse(plan.options().as());
        if (as.pid() == null || !as.pid().equals(aliasPid)) {
            return;
        }
        org.pinsim.core.task.Rlimit m = child.rlimitOf(org.pinsim.core.uapi.Resource.RLIMIT_MEMLOCK);
        org.pinsim.core.ProcessSpec now = new org.pinsim.core.ProcessSpec(child.name(), child.uid(), child.caps(),
                m.cur(), m.max(), org.pinsim.core.ProcessSpec.Layout.DEFAULT);
        org.pinsim.core.ProcessSpec s = Directives.asChild(now, as, plan.profile());
        child.assume(s.uid(), s.caps(), s.memlockSoft(), s.memlockHard());
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
        replay.skipped(task(s.proc()), st);
        skippedLines.computeIfAbsent(st.name(), k -> new ArrayList<>()).add(st.line());
        skippedReasons.put(st.name(), s.reason());
        entries.add(new Report.SkipEntry(st.line(), s.proc(), Transcript.callText(st), st.name(), st.argsText(), s.reason(),
                st.strace().time(), st.strace().duration()));
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
        kernel.settle(); // a check reads the state after the calls made so far have returned
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
        current = task;
        long got = Checks.read(step, task, proc, vmstatAtStart, this);
        current = null;
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
                figures.add(figures(k.name(), t, null));
            } else if (atExit.containsKey(k.pid())) {
                figures.add(atExit.get(k.pid()));
            }
        }
        List<Report.SkippedCall> skipped = new ArrayList<>();
        skippedLines.forEach((name, lines) -> skipped.add(new Report.SkippedCall(name, List.copyOf(lines),
                skippedReasons.get(name))));
        int skippedCount = skippedLines.values().stream().mapToInt(List::size).sum();
        return new Report(plan.scenario().file(), plan.profile(), plan.machine().seed(), List.copyOf(entries),
                List.copyOf(figures), List.copyOf(skipped),
                new Report.Summary(calls, matched, mismatched, skippedCount, checks, failed), List.copyOf(notes),
                new Manifest(plan.profile().id(), plan.machine(), sysctlsAtStart, plan.machine().seed(),
                        plan.scenario().sha256()));
    }

    private Report.ProcessFigures figures(String name, Task t, String exited) {
        return new Report.ProcessFigures(name, t.pid(), proc.statusField(t, "VmSize"),
                proc.statusField(t, "VmLck"), proc.statusField(t, "VmPin"), proc.statusField(t, "VmRSS"),
                proc.mapCount(t), t.uid(), kernel.user(t.uid()).lockedVm() << 2,
                org.pinsim.core.account.Exempt.pages(kernel, t) << 2, exited);
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
