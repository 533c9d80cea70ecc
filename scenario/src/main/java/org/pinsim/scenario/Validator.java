package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.FlagNames;

/**
 * The static pass: resolves a parsed scenario for one profile into a {@link Plan}, walking
 * the statements in order as the run will, so that an unknown process, a name used before it
 * is bound, a flag of the wrong argument or a bad directive is reported as invalid input
 * before anything runs.
 */
final class Validator {

    private final Scenario scenario;
    private final RunOptions options;
    private final Resolver resolver;
    private final Scope scope = new Scope();
    private final Map<Long, String> stracePids = new HashMap<>();
    private Profile profile;
    private String mainProcess;

    private Validator(Scenario scenario, RunOptions options) {
        this.scenario = scenario;
        this.options = options;
        this.resolver = new Resolver(scenario.file());
    }

    static Plan plan(Scenario scenario, RunOptions options) {
        return new Validator(scenario, options).plan();
    }

    private Plan plan() {
        profile = chooseProfile();
        MachineConfig machine = machine();
        List<Plan.SysctlSetting> sysctls = sysctls();
        List<Plan.ProcessDecl> processes = Directives.processes(scenario, profile, resolver);
        for (Plan.ProcessDecl p : processes) {
            scope.bind(p.name(), new Scope.Binding(Scope.Kind.PROCESS, p.pos().line(), "process"));
        }
        mainProcess = processes.get(0).name();
        List<Plan.Step> steps = new ArrayList<>();
        for (Statement st : scenario.statements()) {
            if (st.guard() == null || st.guard().admits(profile)) {
                steps.add(st instanceof Statement.Call c ? call(c) : CheckCompiler.compile((Statement.Check) st, this));
            }
        }
        return new Plan(scenario, profile, machine, sysctls, processes, List.copyOf(steps));
    }

    private Profile chooseProfile() {
        if (options.kernel() != null) {
            return options.kernel();
        }
        for (Directive d : scenario.directives()) {
            if (d instanceof Directive.Kernel k) {
                return Profile.byId(k.profile());
            }
        }
        return Profile.LINUX_6_18;
    }

    private MachineConfig machine() {
        MachineConfig m = MachineConfig.defaults().withProfile(profile);
        long memory = m.memoryBytes();
        long swap = m.swapBytes();
        long seed = m.seed();
        int nodes = m.nodes();
        int cpus = m.cpus();
        boolean zeroPage = m.zeroPage();
        long movable = 0;
        int movablePercent = 0;
        long cma = 0;
        int age = 0;
        Pos at = null;
        for (Directive d : applicable()) {
            if (d instanceof Directive.Machine md) {
                at = md.pos();
                for (Directive.Setting s : md.settings()) {
                    if (s.key().equals("zero_page")) {
                        zeroPage = onOff(s);
                        continue;
                    }
                    if (s.key().equals("movable") && isPercent(s.value())) {
                        movablePercent = percent(s, 100);
                        movable = 0;
                        continue;
                    }
                    if (s.key().equals("age")) {
                        if (!isPercent(s.value())) {
                            throw resolver.error(s.value().pos(), "expected a percentage of memory for machine age (150%), found "
                                    + Resolver.describe(s.value()));
                        }
                        age = percent(s, 1000);
                        continue;
                    }
                    long v = resolver.constant(s.value(), null, "machine " + s.key());
                    switch (s.key()) {
                        case "memory" -> memory = v;
                        case "swap" -> swap = v;
                        case "seed" -> seed = v;
                        case "nodes" -> nodes = (int) Math.min(Integer.MAX_VALUE, v);
                        case "movable" -> {
                            movable = v;
                            movablePercent = 0;
                        }
                        case "cma" -> cma = v;
                        default -> cpus = (int) Math.min(Integer.MAX_VALUE, v);
                    }
                }
            }
        }
        if (options.seed() != null) {
            seed = options.seed();
        }
        if (options.zeroPage() != null) {
            zeroPage = options.zeroPage();
        }
        try {
            return new MachineConfig(memory, nodes, cpus, swap, seed, profile, zeroPage, movable, movablePercent, cma, age);
        } catch (IllegalArgumentException e) {
            throw resolver.error(at == null ? new Pos(1, 1) : at, "expected a machine the model supports, found: " + e.getMessage());
        }
    }

    private static boolean isPercent(Expr e) {
        return e instanceof Expr.Num n && n.unit().equals("%");
    }

    /** {@code N%} with N at most {@code max}. */
    private int percent(Directive.Setting s, int max) {
        Expr.Num n = (Expr.Num) s.value();
        if (n.value() > max) {
            throw resolver.error(n.pos(), "expected a percentage of at most " + max + "% for machine " + s.key()
                    + ", found " + n.text());
        }
        return (int) n.value();
    }

    /** {@code zero_page=on|off}. */
    private boolean onOff(Directive.Setting s) {
        if (s.value() instanceof Expr.Name n && (n.name().equals("on") || n.name().equals("off"))) {
            return n.name().equals("on");
        }
        throw resolver.error(s.value().pos(), "expected on or off for machine zero_page, found "
                + Resolver.describe(s.value()));
    }

    private List<Plan.SysctlSetting> sysctls() {
        List<Plan.SysctlSetting> out = new ArrayList<>();
        for (Directive d : applicable()) {
            if (d instanceof Directive.Sysctl sd) {
                for (Directive.Setting s : sd.settings()) {
                    out.add(new Plan.SysctlSetting(s.key(), resolver.constant(s.value(), null, "sysctl " + s.key()), s.keyPos()));
                }
            }
        }
        return List.copyOf(out);
    }

    private List<Directive> applicable() {
        return scenario.directives().stream().filter(d -> d.guard() == null || d.guard().admits(profile)).toList();
    }

    // ---------------------------------------------------------------- calls

    private Plan.Step call(Statement.Call st) {
        String proc = process(st.proc());
        CallSpec spec = Calls.byName(st.name());
        if (spec == null || !spec.modelled()) {
            return skip(st, proc, spec, null);
        }
        String unmodelled = unmodelledVariant(st);
        if (unmodelled != null) {
            return skip(st, proc, spec, unmodelled);
        }
        List<Arg> args = CallCompiler.args(st, spec, this);
        Plan.Expect expect = CallCompiler.expect(st, spec, args, this);
        Long aliasPid = null;
        if (spec.binds() == CallSpec.Binds.PROCESS && st.expected() instanceof Expected.Value v
                && v.value() instanceof Expr.Num n && n.unit().isEmpty()) {
            aliasPid = n.value();
        }
        bind(st, spec, aliasPid);
        return new Plan.CallStep(st, proc, spec, args, expect, st.bind(), aliasPid);
    }

    /**
     * Why a call of a modelled name is still skipped: io_uring_register opcodes other than
     * IORING_(UN)REGISTER_BUFFERS, or any of them through a registered ring fd, are not modelled yet.
     */
    private String unmodelledVariant(Statement.Call st) {
        if (st.name().equals("perf_event_open")) {
            return unmodelledPerf(st);
        }
        if (!st.name().equals("io_uring_register")) {
            return null;
        }
        Expr.Field named = st.named("opcode");
        List<Expr> pos = st.positional();
        Expr op = named != null ? named.value() : pos.size() > 1 ? pos.get(1) : null;
        if (op == null) {
            return null;
        }
        Val v = resolver.num(op, org.pinsim.core.uapi.FlagNames.IORING_REGISTER, "argument 2 of io_uring_register (opcode)",
                scope, false);
        if (v instanceof Val.Const c && c.value() != org.pinsim.core.uapi.IoUring.IORING_REGISTER_BUFFERS
                && c.value() != org.pinsim.core.uapi.IoUring.IORING_UNREGISTER_BUFFERS) {
            long code = c.value() & ~org.pinsim.core.uapi.IoUring.IORING_REGISTER_USE_REGISTERED_RING;
            String name = code >= 0 && code < org.pinsim.core.uapi.IoUring.REGISTER_OPS.length
                    ? org.pinsim.core.uapi.IoUring.REGISTER_OPS[(int) code] : "0x" + Long.toHexString(c.value());
            return "io_uring_register(" + name + ((c.value() & org.pinsim.core.uapi.IoUring.IORING_REGISTER_USE_REGISTERED_RING)
                    != 0 ? "|IORING_REGISTER_USE_REGISTERED_RING" : "") + ") is not modelled yet";
        }
        return null;
    }

    /** perf_event_open: only PERF_TYPE_SOFTWARE events without a group leader are modelled. */
    private String unmodelledPerf(Statement.Call st) {
        List<Expr> pos = st.positional();
        if (!pos.isEmpty() && pos.get(0) instanceof Expr.Struct s) {
            Expr.Field type = s.field("type");
            if (type != null && !(type.value() instanceof Expr.Elided)) {
                Val v = resolver.num(type.value(), org.pinsim.core.uapi.FlagNames.PERF_TYPE, "perf_event_attr type", scope, false);
                if (v instanceof Val.Const c && c.value() != org.pinsim.core.uapi.Perf.PERF_TYPE_SOFTWARE) {
                    String name = org.pinsim.core.uapi.FlagNames.PERF_TYPE.names().entrySet().stream()
                            .filter(e -> e.getValue() == c.value()).map(java.util.Map.Entry::getKey).findFirst()
                            .orElse(Long.toString(c.value()));
                    return "perf_event_open of type " + name + " is not modelled yet (only PERF_TYPE_SOFTWARE)";
                }
            }
        }
        if (pos.size() > 3) {
            Val g = resolver.num(pos.get(3), null, "argument 4 of perf_event_open (group_fd)", scope, false);
            if (!(g instanceof Val.Const c && c.value() == -1)) {
                return "perf_event_open with a group_fd is not modelled yet";
            }
        }
        return null;
    }

    private Plan.Step skip(Statement.Call st, String proc, CallSpec spec, String variant) {
        String reason;
        if (variant != null) {
            reason = variant;
        } else if (spec == null) {
            String hint = Suggest.didYouMean(st.name(), Calls.names());
            if (options.strict()) {
                throw resolver.error(st.namePos(), "expected a known call (--strict), found '" + st.name() + "'" + hint);
            }
            reason = "unknown call" + hint;
        } else {
            reason = "not modelled yet";
        }
        if (st.bind() != null) {
            checkRebind(st.bind(), st.bindPos());
            scope.bind(st.bind(), new Scope.Binding(Scope.Kind.SKIPPED, st.line(), st.name()));
        }
        return new Plan.SkipStep(st, proc, reason);
    }

    private void bind(Statement.Call st, CallSpec spec, Long aliasPid) {
        if (st.bind() != null) {
            checkRebind(st.bind(), st.bindPos());
            Scope.Kind kind = switch (spec.binds()) {
                case REGION -> Scope.Kind.REGION;
                case PROCESS -> Scope.Kind.PROCESS;
                default -> Scope.Kind.VALUE;
            };
            scope.bind(st.bind(), new Scope.Binding(kind, st.line(), st.name()));
        }
        if (aliasPid != null) {
            String name = st.bind() != null ? st.bind() : Long.toString(aliasPid);
            stracePids.put(aliasPid, name);
            if (st.bind() == null) {
                scope.bind(name, new Scope.Binding(Scope.Kind.PROCESS, st.line(), st.name()));
            }
        }
    }

    private void checkRebind(String name, Pos at) {
        Scope.Binding old = scope.get(name);
        if (old != null && old.kind() == Scope.Kind.PROCESS) {
            throw resolver.error(at, "expected a new name, found '" + name + "', which names a process (line "
                    + old.line() + ")");
        }
        if (FlagNames.ofName(name) != null) {
            throw resolver.error(at, "expected a new name, found '" + name + "', which is a flag name");
        }
    }

    /** The process a statement names; without a name, the first process. */
    String process(Statement.ProcRef ref) {
        if (ref == null) {
            return mainProcess;
        }
        if (ref.pid() != null) {
            return stracePid(ref);
        }
        Scope.Binding b = scope.get(ref.name());
        if (b == null || b.kind() != Scope.Kind.PROCESS) {
            throw resolver.error(ref.pos(), "expected a process name (known: " + String.join(", ", scope.names(Scope.Kind.PROCESS))
                    + "), found '" + ref.name() + "'" + Suggest.didYouMean(ref.name(), scope.names(Scope.Kind.PROCESS)));
        }
        return ref.name();
    }

    /** strace: the first pid is the first process; later pids are the children calls returned. */
    private String stracePid(Statement.ProcRef ref) {
        String name = stracePids.get(ref.pid());
        if (name != null) {
            return name;
        }
        if (stracePids.isEmpty()) {
            stracePids.put(ref.pid(), mainProcess);
            return mainProcess;
        }
        throw resolver.error(ref.pos(), "expected a pid returned by an earlier fork, vfork or clone, found pid " + ref.pid());
    }

    Resolver resolver() {
        return resolver;
    }

    Scope scope() {
        return scope;
    }

    Profile profile() {
        return profile;
    }

    static long capsFor(List<Directive.CapChange> changes, long initial, Resolver r) {
        long caps = initial;
        boolean first = true;
        for (Directive.CapChange c : changes) {
            String n = c.name();
            if (n.equals("none") || n.equals("all")) {
                caps = n.equals("all") ? Caps.ALL : Caps.NONE;
            } else {
                int cap = Caps.byName(n);
                if (cap < 0) {
                    throw r.error(c.pos(), "expected a capability name (ipc_lock, sys_resource, ...), found '" + n + "'");
                }
                long bit = 1L << cap;
                if (first && c.sign() == ' ') {
                    caps = Caps.NONE;
                }
                caps = c.sign() == '-' ? caps & ~bit : caps | bit;
            }
            first = false;
        }
        return caps;
    }

    static ProcessSpec.Layout layout(String name) {
        return "empty".equals(name) ? ProcessSpec.Layout.EMPTY : ProcessSpec.Layout.DEFAULT;
    }
}
