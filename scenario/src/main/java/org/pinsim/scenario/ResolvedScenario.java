package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;

/**
 * A read-only public view of a scenario resolved for one profile: the processes it creates,
 * its steps in order with their arguments as evaluable expressions. Tools that run a scenario
 * somewhere else than on the model (the live-kernel verifier) use it to evaluate arguments
 * against their own bindings, exactly as the model's run would.
 */
public final class ResolvedScenario {

    /** The bindings of a run: the value of a name, and the length remembered for a region name. */
    public interface Env {
        long value(String name);

        long length(String name);
    }

    /** A number to evaluate against a run's bindings (64-bit, wrapping as C's unsigned long). */
    public interface Num {
        long eval(Env env);

        /** The value when the expression names nothing bound, else null. */
        Long constant();
    }

    /** A resolved argument. */
    public sealed interface Argument permits NumArg, TextArg, LimitArg, ArrayArg, StructArg, NoArg {
    }

    public record NumArg(Num value) implements Argument {
    }

    public record TextArg(String value) implements Argument {
    }

    /** {@code {rlim_cur=..., rlim_max=...}}. */
    public record LimitArg(Num cur, Num max) implements Argument {
    }

    /** {@code [a, b, ...]} (move_pages' pages, nodes, and the status expected back). */
    public record ArrayArg(List<Num> items) implements Argument {
    }

    /** NULL where a struct pointer goes, or an argument not looked at. */
    /** A struct passed by its fields (perf_event_attr): one slot per field of its layout, null where not named. */
    public record StructArg(List<Num> fields) implements Argument {
    }

    public record NoArg() implements Argument {
    }

    public record Process(String name, ProcessSpec spec) {
    }

    /** One statement that applies under the profile. */
    public sealed interface Step permits Call, Skip, Check {
        int line();

        /** The process it runs in or reads (null for vmstat/meminfo checks). */
        String proc();
    }

    /**
     * A call the model runs. {@code binds} is VALUE, REGION or PROCESS; {@code address} is true
     * for calls whose result is an address (mmap, mremap, brk); {@code lengthParam} is the
     * argument a REGION binding takes its length from.
     */
    public record Call(int line, String proc, Statement.Call statement, String call, List<Argument> args,
                       String bind, String binds, int lengthParam, boolean address, Expect expect) implements Step {
    }

    /** A call the model does not run: unknown, or not modelled yet. */
    public record Skip(int line, String proc, Statement.Call statement, String reason) implements Step {
    }

    /**
     * A check. {@code field} is one of STATUS, SMAPS_LOCKED, MAPS, VMAS, LOCKED_VMAS, LCK, RSS,
     * SMAPS_LOCKED_REGION, SMAPS_SHARED_REGION, THP_REGION, VMSTAT, MEMINFO, MEMINFO_COUNT; {@code name} the status, vmstat or
     * meminfo field; {@code bytes} true for sizes. Region bounds are null for other fields.
     */
    public record Check(int line, String proc, Statement.Check statement, String field, String name, boolean bytes,
                        Num regionStart, Num regionLength, Num value, Num mark) implements Step {

        /** Whether {@code got OP want} holds, with the check's operator, as the runner judges it. */
        public boolean holds(long got, long want) {
            return Checks.compare(statement.op(), got, want);
        }
    }

    /**
     * What the statement expects: {@code kind} NONE, VALUE, SUCCESS, ANY_ERROR or ERRNO; for
     * getrlimit/prlimit64 the limit written back ({@code outCur}/{@code outMax}, null if not written);
     * for move_pages the status array written back ({@code outArray}, null if not compared).
     */
    public record Expect(String kind, Num value, int errno, Num outCur, Num outMax, List<Num> outArray) {
    }

    private final Plan plan;
    private final List<Process> processes;
    private final List<Step> steps;
    private final Map<String, Long> sysctls;

    private ResolvedScenario(Plan plan) {
        this.plan = plan;
        List<Process> ps = new ArrayList<>();
        plan.processes().forEach(p -> ps.add(new Process(p.name(), p.spec())));
        processes = List.copyOf(ps);
        List<Step> out = new ArrayList<>();
        for (Plan.Step s : plan.steps()) {
            out.add(view(s));
        }
        steps = List.copyOf(out);
        Map<String, Long> sc = new LinkedHashMap<>();
        plan.sysctls().forEach(s -> sc.put(s.name(), s.value()));
        sysctls = Map.copyOf(sc);
    }

    /** Resolves a parsed scenario; invalid input throws {@link InvalidInputException}. */
    public static ResolvedScenario resolve(Scenario scenario, RunOptions options) {
        return new ResolvedScenario(Validator.plan(scenario, options));
    }

    public Profile profile() {
        return plan.profile();
    }

    /** The simulated machine the scenario asks for (its {@code machine} directive, or the default). */
    public org.pinsim.core.MachineConfig machine() {
        return plan.machine();
    }

    public List<Process> processes() {
        return processes;
    }

    public List<Step> steps() {
        return steps;
    }

    /** The sysctls the scenario sets, by name. */
    public Map<String, Long> sysctls() {
        return sysctls;
    }

    private static Step view(Plan.Step s) {
        if (s instanceof Plan.CallStep c) {
            List<Argument> args = new ArrayList<>();
            for (Arg a : c.args()) {
                args.add(arg(a));
            }
            Plan.Expect e = c.expect();
            Expect ex = new Expect(e.kind().name(), num(e.value()), e.errno(), num(e.outCur()), num(e.outMax()),
                    e.outArray() == null ? null : e.outArray().stream().map(ResolvedScenario::num).toList());
            return new Call(c.line(), c.proc(), c.statement(), c.spec().name(), List.copyOf(args), c.bind(),
                    c.spec().binds().name(), c.spec().lengthParam(), c.spec().style() == CallSpec.Style.ADDRESS, ex);
        }
        if (s instanceof Plan.SkipStep k) {
            return new Skip(k.line(), k.proc(), k.statement(), k.reason());
        }
        if (s instanceof Plan.EventStep ev) {
            Statement.Event e = ev.statement();
            Statement.Call asCall = new Statement.Call(e.line(), null, e.proc(), null, null, e.text(), null, List.of(),
                    "", null, null);
            return new Skip(e.line(), ev.proc(), asCall, "a strace task line, not a call");
        }
        Plan.CheckStep k = (Plan.CheckStep) s;
        return new Check(k.line(), k.proc(), k.statement(), k.field().name(), k.procField(), k.field().bytes(),
                num(k.regionStart()), num(k.regionLength()), num(k.value()), num(k.mark()));
    }

    private static Argument arg(Arg a) {
        if (a instanceof Arg.Num n) {
            return new NumArg(num(n.value()));
        }
        if (a instanceof Arg.Text t) {
            return new TextArg(t.value());
        }
        if (a instanceof Arg.Limit l) {
            return new LimitArg(num(l.cur()), num(l.max()));
        }
        if (a instanceof Arg.Array arr) {
            return new ArrayArg(arr.items().stream().map(ResolvedScenario::num).toList());
        }
        if (a instanceof Arg.Struct st) {
            List<Num> fs = new java.util.ArrayList<>();
            for (Val v : st.fields()) {
                fs.add(num(v));
            }
            return new StructArg(java.util.Collections.unmodifiableList(fs));
        }
        return new NoArg();
    }

    private static Num num(Val v) {
        if (v == null) {
            return null;
        }
        return new Num() {
            @Override
            public long eval(Env env) {
                return v.eval(new Val.Env() {
                    @Override
                    public long value(String name) {
                        return env.value(name);
                    }

                    @Override
                    public long length(String name) {
                        return env.length(name);
                    }
                });
            }

            @Override
            public Long constant() {
                return v instanceof Val.Const c ? c.value() : null;
            }
        };
    }
}
