package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.mm.ThpEnabled;
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
    /** The "did you mean" of each unknown call name met so far. */
    private final Map<String, String> unknownHints = new HashMap<>();
    private Profile profile;
    private String mainProcess;
    private Long firstPid;

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
        As as = As.parse(options.as());
        List<Plan.ProcessDecl> processes = Directives.processes(scenario, profile, resolver,
                as != null && as.forFirst(logFirstPid()) ? as : null);
        for (Plan.ProcessDecl p : processes) {
            scope.bind(p.name(), new Scope.Binding(Scope.Kind.PROCESS, p.pos().line(), "process"));
        }
        mainProcess = processes.get(0).name();
        List<Plan.Step> steps = new ArrayList<>();
        for (Statement st : scenario.statements()) {
            if (st.guard() == null || st.guard().admits(profile)) {
                if (st instanceof Statement.Call c) {
                    steps.add(call(c));
                } else if (st instanceof Statement.Event e) {
                    steps.add(new Plan.EventStep(e, process(e.proc())));
                } else {
                    steps.add(CheckCompiler.compile((Statement.Check) st, this));
                }
            }
        }
        As.checkPidSeen(options, firstPid, stracePids.keySet());
        return new Plan(scenario, profile, machine, sysctls, processes, List.copyOf(steps), options);
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
        ThpEnabled thp = m.thp();
        org.pinsim.core.mm.ThpDefrag defrag = m.thpDefrag();
        long movable = 0;
        int movablePercent = 0;
        long cma = 0;
        int age = 0;
        boolean noFragment = true;
        Pos at = null;
        for (Directive d : applicable()) {
            if (d instanceof Directive.Machine md) {
                at = md.pos();
                for (Directive.Setting s : md.settings()) {
                    if (s.key().equals("zero_page")) {
                        zeroPage = onOff(s);
                        continue;
                    }
                    if (s.key().equals("nofragment")) {
                        noFragment = onOff(s);
                        continue;
                    }
                    if (s.key().equals("thp")) {
                        thp = thpMode(s);
                        continue;
                    }
                    if (s.key().equals("thp_defrag")) {
                        defrag = thpDefrag(s);
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
            return new MachineConfig(memory, nodes, cpus, swap, seed, profile, zeroPage, thp, movable, movablePercent, cma,
                    age, defrag, noFragment);
        } catch (IllegalArgumentException e) {
            throw resolver.error(at == null ? new Pos(1, 1) : at, "expected a machine the model supports, found: " + e.getMessage());
        }
    }

    /** {@code thp=always|madvise|never} (/sys/kernel/mm/transparent_hugepage/enabled). */
    private ThpEnabled thpMode(Directive.Setting s) {
        if (s.value() instanceof Expr.Name n && ThpEnabled.parse(n.name()) != null) {
            return ThpEnabled.parse(n.name());
        }
        throw resolver.error(s.value().pos(), "expected always, madvise or never for machine thp, found "
                + Resolver.describe(s.value()));
    }

    /**
     * {@code thp_defrag=always|defer|defer+madvise|madvise|never}
     * (/sys/kernel/mm/transparent_hugepage/defrag).
     */
    private org.pinsim.core.mm.ThpDefrag thpDefrag(Directive.Setting s) {
        String word = null;
        if (s.value() instanceof Expr.Name n) {
            word = n.name();
        } else if (s.value() instanceof Expr.Binary b && b.op() == '+' && b.left() instanceof Expr.Name l
                && b.right() instanceof Expr.Name r) {
            word = l.name() + "+" + r.name();
        }
        if (word != null && org.pinsim.core.mm.ThpDefrag.parse(word) != null) {
            return org.pinsim.core.mm.ThpDefrag.parse(word);
        }
        throw resolver.error(s.value().pos(), "expected always, defer, defer+madvise, madvise or never for machine"
                + " thp_defrag, found " + Resolver.describe(s.value()));
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
        throw resolver.error(s.value().pos(), "expected on or off for machine " + s.key() + ", found "
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

    /** {@link CallCompiler#argumentNames} of each spec met so far, built once per spec, not once per line. */
    private final java.util.IdentityHashMap<CallSpec, String[]> argumentNames = new java.util.IdentityHashMap<>();

    String[] argumentNames(CallSpec spec) {
        return argumentNames.computeIfAbsent(spec, CallCompiler::argumentNames);
    }

    private Plan.Step call(Statement.Call st) {
        String proc = process(st.proc());
        if (st.strace().unreturned() != null) {
            return new Plan.SkipStep(st, proc, "never returned: " + st.strace().unreturned());
        }
        CallSpec spec = Calls.byName(st.name());
        if (spec == null && !scenario.log() && !options.strict()) {
            nearMiss(st);
        }
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
                && Expr.plain(v.value()) instanceof Expr.Num n && n.unit().isEmpty()) {
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
        if (st.name().equals("fcntl")) {
            return unmodelledFcntl(st);
        }
        if (st.name().equals("drop_caches")) {
            return unmodelledDropCaches(st);
        }
        if (scenario.log() && (st.name().equals("openat") || st.name().equals("open"))) {
            return machineNameFailure(st);
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

    /**
     * In a scenario (not a strace log) a call name one or two letters away from a modelled
     * call is a typing mistake, not a call of another system: invalid input.
     */
    private void nearMiss(Statement.Call st) {
        List<String> modelled = new ArrayList<>();
        for (String n : Calls.names()) {
            if (Calls.byName(n).modelled()) {
                modelled.add(n);
            }
        }
        String near = Suggest.closest(st.name(), modelled);
        if (near != null) {
            throw resolver.error(st.namePos(), "expected a call pinsim knows, found '" + st.name() + "' (did you mean "
                    + near + "?)");
        }
    }

    /**
     * In a log, an open of a name outside /tmp (a relative name with a dirfd is taken to be
     * one too) that failed in the path walk: the machine's file system is not
     * modelled (pinsim finds a machine name as the call needs it), so the log's answer is the
     * only one there is, and the call is skipped rather than contradicted.
     */
    private String machineNameFailure(Statement.Call st) {
        if (!(st.expected() instanceof Expected.Error e) || !PATH_ERRORS.contains(e.name())) {
            return null;
        }
        List<Expr> pos = st.positional();
        int at = st.name().equals("open") ? 0 : 1;
        if (pos.size() <= at || !(pos.get(at) instanceof Expr.Str path)) {
            return null;
        }
        String p = path.value();
        if (p.equals("/tmp") || p.startsWith("/tmp/")) {
            return null;
        }
        return "a name of the machine's file system, which the model does not hold (the log says " + e.name() + ")";
    }

    /** The errors of a path walk (fs/namei.c), as opposed to a bad descriptor or flags. */
    private static final java.util.Set<String> PATH_ERRORS = java.util.Set.of("ENOENT", "ENOTDIR", "EACCES", "ELOOP",
            "EISDIR", "ENXIO", "EROFS", "ENODEV", "EPERM", "ENAMETOOLONG", "EEXIST", "ETXTBSY", "EOPNOTSUPP");

    /** fcntl: the descriptor commands are modelled (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD). */
    private String unmodelledFcntl(Statement.Call st) {
        List<Expr> pos = st.positional();
        Expr.Field named = st.named("cmd");
        Expr cmd = named != null ? named.value() : pos.size() > 1 ? pos.get(1) : null;
        if (cmd == null) {
            return null;
        }
        Val v = resolver.num(cmd, FlagNames.FCNTL, "argument 2 of fcntl (cmd)", scope, false);
        if (v instanceof Val.Const c) {
            long x = c.value();
            if (x == org.pinsim.core.uapi.Fcntl.F_DUPFD || x == org.pinsim.core.uapi.Fcntl.F_DUPFD_CLOEXEC
                    || x == org.pinsim.core.uapi.Fcntl.F_GETFD || x == org.pinsim.core.uapi.Fcntl.F_SETFD) {
                return null;
            }
            String name = FlagNames.FCNTL.names().entrySet().stream().filter(e -> e.getValue() == x)
                    .map(java.util.Map.Entry::getKey).findFirst().orElse(Long.toString(x));
            return "fcntl(" + name + ") is not modelled yet (only F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD)";
        }
        return null;
    }

    /**
     * drop_caches(N): bit 1 (drop the page cache: invalidate_mapping_pages of every
     * superblock) is not modelled; 2 (drop_slab) and 4 (the message only) are.
     */
    private String unmodelledDropCaches(Statement.Call st) {
        List<Expr> pos = st.positional();
        if (pos.isEmpty()) {
            return null;
        }
        Val v = resolver.num(pos.get(0), null, "argument 1 of drop_caches (value)", scope, false);
        if (v instanceof Val.Const c && c.value() >= 1 && c.value() <= 4 && (c.value() & 1) != 0) {
            return "drop_caches(" + c.value() + ") is not modelled yet (dropping the page cache; only 2 and 4)";
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
            // one edit-distance search per distinct name, not per line (a log repeats its calls)
            String hint = unknownHints.computeIfAbsent(st.name(), n -> Suggest.didYouMean(n, Calls.names()));
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

    /** The first strace pid the file names (the log's first process), or null. */
    private Long logFirstPid() {
        return logFirstPid(scenario);
    }

    static Long logFirstPid(Scenario scenario) {
        for (Statement st : scenario.statements()) {
            Statement.ProcRef ref = st instanceof Statement.Call c ? c.proc()
                    : st instanceof Statement.Event e ? e.proc() : ((Statement.Check) st).proc();
            if (ref != null && ref.pid() != null) {
                return ref.pid();
            }
        }
        return null;
    }

    /** The strace pid of the first process, or null when the file names none. */
    Long firstPid() {
        return firstPid;
    }

    /** strace: the first pid is the first process; later pids are the children calls returned. */
    private String stracePid(Statement.ProcRef ref) {
        String name = stracePids.get(ref.pid());
        if (name != null) {
            return name;
        }
        if (stracePids.isEmpty()) {
            stracePids.put(ref.pid(), mainProcess);
            firstPid = ref.pid();
            As.checkFirstPid(options, ref.pid());
            return mainProcess;
        }
        String hint = scenario.log() ? " (a log needs -e trace=%process, or no filter, to show where each task comes from)" : "";
        throw resolver.error(ref.pos(), "expected a pid returned by an earlier fork, vfork, clone or clone3, found pid "
                + ref.pid() + hint);
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
