package org.pinsim.cli.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.pinsim.cli.verify.Executor.Answer;
import org.pinsim.cli.verify.Executor.Vma;
import org.pinsim.cli.verify.ScenarioResult.Difference;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;
import org.pinsim.scenario.Directive;
import org.pinsim.scenario.Expected;
import org.pinsim.scenario.Expr;
import org.pinsim.scenario.ModelBugException;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.ResolvedScenario;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.Scenario;
import org.pinsim.scenario.ScenarioRunner;
import org.pinsim.scenario.Statement;

/**
 * {@code pinsim verify}: runs each scenario on the live kernel (through {@link Executor}) and
 * on pinsim (profile linux-6.18), and compares, statement by statement, the return value
 * (addresses by meaning), the errno, every check's value, and after every call the
 * whole-process figures VmSize, VmLck, VmRSS, VmPin and maps as changes since the first
 * statement ({@link Figures}). The file's own expectations are compared with the kernel too.
 * What cannot be compared here is listed as not verifiable, never counted as agreement.
 */
public final class Verifier {

    public static final Profile PROFILE = Profile.LINUX_6_18;
    private static final long MAP_FIXED = 0x10;
    private static final long MAP_FIXED_NOREPLACE = 0x100000;
    private static final long MREMAP_FIXED = 2;
    private static final long MCL_CURRENT = 1;
    private static final Set<String> LOCKING = Set.of("mlock", "mlock2", "mmap", "mremap", "brk", "mlockall");

    /**
     * How to verify. {@code executor} null means {@link ExecutorBinary#locate()};
     * {@code pinsimTransform} rewrites pinsim's report before the comparison (tests only: a
     * pinsim "with one rule changed").
     */
    public record Options(Path executor, long maxMem, int timeoutSeconds, int uidBase,
                          UnaryOperator<Report> pinsimTransform, LiveMachine live) {

        public static Options defaults() {
            return new Options(null, 512L << 20, 20, 20000, UnaryOperator.identity(), null);
        }

        public Options withExecutor(Path p) {
            return new Options(p, maxMem, timeoutSeconds, uidBase, pinsimTransform, live);
        }

        public Options withMaxMem(long m) {
            return new Options(executor, m, timeoutSeconds, uidBase, pinsimTransform, live);
        }

        public Options withTimeout(int s) {
            return new Options(executor, maxMem, s, uidBase, pinsimTransform, live);
        }

        public Options withUidBase(int b) {
            return new Options(executor, maxMem, timeoutSeconds, b, pinsimTransform, live);
        }

        public Options withPinsimTransform(UnaryOperator<Report> t) {
            return new Options(executor, maxMem, timeoutSeconds, uidBase, t, live);
        }

        /** What the live machine was found to do ({@link LiveMachine#probe}); null when not probed. */
        public Options withLive(LiveMachine m) {
            return new Options(executor, maxMem, timeoutSeconds, uidBase, pinsimTransform, m);
        }
    }

    /** A scenario parsed and resolved, ready to run (all files are resolved before any runs). */
    public record Prepared(Path path, Scenario scenario, ResolvedScenario resolved) {
    }

    private final Options options;
    private final Path binary;

    /**
     * @param binary the executor; null when the live kernel is not available (then every
     *               scenario is reported as not verifiable with {@code unavailable})
     */
    public Verifier(Options options, Path binary) {
        this.options = options;
        this.binary = binary;
    }

    /** Parses and resolves a file; invalid input throws InvalidInputException, nothing runs. */
    public static Prepared prepare(Path file) throws IOException {
        Scenario sc = ScenarioRunner.parse(file);
        ResolvedScenario rs = ResolvedScenario.resolve(sc, RunOptions.defaults().withKernel(PROFILE));
        try {
            // what only a booted model can reject (vmstat and meminfo field names, sysctl
            // names) is invalid input too, found before any file runs, as `run` finds it
            ScenarioRunner.run(sc, RunOptions.defaults().withKernel(PROFILE));
        } catch (ModelBugException e) {
            // reported as a difference when the scenario runs
        }
        return new Prepared(file, sc, rs);
    }

    /** Verifies the {@code index}-th scenario of a run (its uid is uidBase + index). */
    public ScenarioResult verify(Prepared p, int index) {
        return new Run(p, index, false).run();
    }

    /** How often a scenario is run again when a vmstat event counter differs (noise only adds). */
    static final int EVENT_RUNS = 9;

    // =====================================================================================

    /** One scenario on both sides. */
    private final class Run {
        private final Prepared p;
        private final int index;
        private final ScenarioResult res;
        private final ResolvedScenario rs;
        private final Map<Integer, Report.Entry> entries = new HashMap<>();
        private final Map<Integer, String> texts = new HashMap<>();
        private final Set<Integer> comparedLines = new HashSet<>();
        private final Set<Integer> nvLines = new HashSet<>();
        private SimTrace sim;
        private boolean expectations;
        /**
         * When the live machine's zero page differs from the file's machine: pinsim's report on
         * the file's own machine, by line, against which the written expectations are read.
         */
        private Map<Integer, Report.Entry> fileMachine;

        // live state
        private Executor ex;
        private final Map<String, Integer> slot = new HashMap<>();
        private final Map<String, Long> pid = new HashMap<>();
        /** The live marks (mark()): per process name, address -> pfn of each present page. */
        private final List<java.util.TreeMap<String, java.util.TreeMap<Long, Long>>> liveMarks = new ArrayList<>();
        private final Map<String, List<long[]>> image = new HashMap<>();
        private final Map<String, Figures> lastFig = new HashMap<>();
        private final Map<String, Map<String, Long>> startStatus = new HashMap<>();
        private final Map<String, Long> capsHave = new HashMap<>();
        private final Map<String, Long> capsMissing = new HashMap<>();
        private final Map<String, Long> live = new HashMap<>();
        private final Map<String, Long> liveLen = new HashMap<>();
        private final Map<String, Long> simv = new HashMap<>();
        private final Map<String, Long> simLen = new HashMap<>();
        private final List<String> addrNames = new ArrayList<>();
        private final Map<Long, Integer> uids = new HashMap<>();
        private Map<String, Long> vmstatBase;

        private Integer imageLockedLine;
        private String diverged;
        private Commands commands;
        private long mapped;
        private int nprocs;
        private Path workdir;

        /** A rerun that only measures vmstat event counters again. */
        private final boolean quiet;
        /** The vmstat event counters each call changed, by line, in the order the calls ran. */
        private final Map<Integer, Map<String, Long>> callEvents = new java.util.LinkedHashMap<>();
        private final List<VmstatRuns.Deferred> deferred = new ArrayList<>();
        /** The vmstat state counters' (nr_*) changes at each check, by line. */
        private final Map<Integer, Long> stateValues = new HashMap<>();

        Run(Prepared p, int index, boolean quiet) {
            this.p = p;
            this.index = index;
            this.quiet = quiet;
            this.rs = p.resolved();
            this.res = new ScenarioResult(p.path().toString());
        }

        ScenarioResult run() {
            res.statements(rs.steps().size());
            expectations = fileProfile() == PROFILE;
            if (!expectations) {
                for (Directive d : p.scenario().directives()) {
                    if (d instanceof Directive.Kernel k) {
                        res.notVerifiable(k.pos().line(), "kernel " + k.profile(), "the file's expectations are for "
                                + k.profile() + ", not the live kernel's " + PROFILE.id() + " (pinsim and the kernel are"
                                + " still compared)");
                    }
                }
            }
            guardedLines();
            Report report;
            sim = new SimTrace(rs);
            RunOptions simOptions = RunOptions.defaults().withKernel(PROFILE);
            LiveMachine lm = options.live();
            if (lm != null && lm.zeroPage() != rs.machine().zeroPage()) {
                simOptions = simOptions.withZeroPage(lm.zeroPage());
            }
            try {
                report = ScenarioRunner.run(p.scenario(), simOptions, sim);
                if (simOptions.zeroPage() != null) {
                    fileMachine = new HashMap<>();
                    for (Report.Entry e : ScenarioRunner.run(p.scenario(), RunOptions.defaults().withKernel(PROFILE))
                            .entries()) {
                        fileMachine.put(e.line(), e);
                    }
                }
            } catch (ModelBugException e) {
                res.difference(0, "", "pinsim", "the model failed", "-", e.getMessage());
                return res;
            }
            report = options.pinsimTransform().apply(report);
            for (Report.Entry e : report.entries()) {
                entries.put(e.line(), e);
                texts.put(e.line(), text(e));
            }
            if (binary == null) {
                whole("live kernel not available");
                return finish();
            }
            nprocs = Preflight.processCount(rs);
            String why = Preflight.check(rs, options.maxMem());
            if (why != null) {
                whole(why);
                return finish();
            }
            try {
                workdir = Files.createTempDirectory("pinsim-verify-");
                Files.setPosixFilePermissions(workdir, PosixFilePermissions.fromString("rwxr-xr-x"));
                // the scenario's /tmp: root's, sticky and world-writable, empty, on the machine's /tmp
                Path tmp = Files.createDirectory(workdir.resolve("tmp"));
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
                Files.setAttribute(tmp, "unix:mode", 01777);
                ex = new Executor(binary, options.timeoutSeconds());
                start();
                for (ResolvedScenario.Step step : rs.steps()) {
                    if (diverged != null) {
                        nv(step.line(), diverged);
                        continue;
                    }
                    if (step instanceof ResolvedScenario.Skip s) {
                        nv(s.line(), "pinsim skips it (" + s.reason() + ")");
                    } else if (step instanceof ResolvedScenario.Call c) {
                        call(c);
                    } else {
                        check((ResolvedScenario.Check) step);
                    }
                }
            } catch (Abort a) {
                whole(a.getMessage());
            } catch (IOException e) {
                whole("the executor failed: " + e.getMessage());
            } finally {
                if (ex != null) {
                    ex.close();
                }
                deleteWorkdir();
            }
            if (!quiet && res.wholeScenario() == null) {
                eventChecks();
            }
            return finish();
        }

        /**
         * vmstat event counters count the whole machine: whatever else runs during a call's
         * window adds to them, never subtracts. When a check on one differs, the scenario is run
         * again (up to EVENT_RUNS times in all), each call's change is taken as the least seen
         * in any run, and the check's value is the sum of those over the calls before it.
         */
        private void eventChecks() {
            List<Map<Integer, Map<String, Long>>> runs = new ArrayList<>();
            List<Map<Integer, Long>> states = new ArrayList<>();
            runs.add(callEvents);
            states.add(stateValues);
            Map<Integer, Long> values = VmstatRuns.values(deferred, callEvents, runs, states);
            while (runs.size() < EVENT_RUNS && deferred.stream().anyMatch(d -> !eventOk(d, values))) {
                Run again = new Run(p, index, true);
                again.run();
                if (again.res.wholeScenario() != null) {
                    break;
                }
                runs.add(again.callEvents);
                states.add(again.stateValues);
                values.putAll(VmstatRuns.values(deferred, callEvents, runs, states));
            }
            for (VmstatRuns.Deferred d : deferred) {
                ResolvedScenario.Check k = d.check();
                compareCheck(k, d.entry(), values.get(k.line()), d.sim(),
                        runs.size() == 1 ? "" : k.name().startsWith("nr_") ? " (the most frequent value of " + runs.size()
                                + " runs)" : " (each call's least change over " + runs.size() + " runs)", d.want());
            }
        }

        private boolean eventOk(VmstatRuns.Deferred d, Map<Integer, Long> values) {
            ResolvedScenario.Check k = d.check();
            long v = values.get(k.line());
            return v == d.sim() && (!expectations || k.holds(v, d.want()));
        }

        private ScenarioResult finish() {
            res.compared(comparedLines, nvLines);
            return res;
        }

        private Profile fileProfile() {
            for (Directive d : p.scenario().directives()) {
                if (d instanceof Directive.Kernel k) {
                    try {
                        return Profile.byId(k.profile());
                    } catch (IllegalArgumentException e) {
                        return null;
                    }
                }
            }
            return PROFILE;
        }

        private void guardedLines() {
            for (Statement st : p.scenario().statements()) {
                if (st.guard() != null && !st.guard().admits(PROFILE)) {
                    String t = st instanceof Statement.Call c ? c.name() + "(" + c.argsText() + ")"
                            : ((Statement.Check) st).text();
                    res.notVerifiable(st.line(), t, "applies only under " + st.guard().text()
                            + ", not the live kernel's profile " + PROFILE.id());
                    res.guarded();
                }
            }
        }

        private void whole(String why) {
            res.notVerifiable(0, "", why);
        }

        private void nv(int line, String why) {
            nvLines.add(line);
            res.notVerifiable(line, texts.getOrDefault(line, ""), why);
        }

        private void compared(int line) {
            comparedLines.add(line);
        }

        private void diff(int line, String kind, String what, String kernel, String other) {
            if (kind.equals("expectation") && fileMachine != null) {
                Report.Entry e = fileMachine.get(line);
                boolean holds = e instanceof Report.CheckEntry ce ? ce.match()
                        : e instanceof Report.CallEntry call && Boolean.TRUE.equals(call.match());
                if (holds) {
                    boolean fz = rs.machine().zeroPage();
                    nv(line, "the written value is for a machine " + (fz ? "with" : "without") + " the shared zero page"
                            + " and this kernel " + (fz ? "has none" : "has one") + " (kernel " + kernel + "); pinsim"
                            + " gives the written value on the file's machine, and is compared with the kernel on"
                            + " the kernel's");
                    return;
                }
            }
            compared(line);
            res.difference(line, texts.getOrDefault(line, ""), kind, what, kernel, other);
        }

        // ---------------------------------------------------------------- preparation

        private long uidFor(long uid) {
            if (uid == 0) {
                return 0;
            }
            if (uid == 1000) {
                return options.uidBase() + index;
            }
            int k = uids.computeIfAbsent(uid, u -> uids.size());
            return options.uidBase() + 100_000L + index * 16L + k;
        }

        private void start() throws IOException {
            String[] hello = ex.hello();
            res.kernelRelease(hello[0]);
            int liveCpus = hello.length > 4 ? Integer.parseInt(hello[4]) : -1;
            if (liveCpus > 0 && liveCpus != rs.machine().cpus() && usesPerf()) {
                throw new Abort("perf's per-user allowance (perf_event_mlock_kb x online CPUs) differs: this machine has "
                        + liveCpus + " online CPUs, the scenario's machine " + rs.machine().cpus());
            }
            long hard = Long.parseLong(hello[2]);
            long machineCaps = Long.parseUnsignedLong(hello[3], 16);
            for (ResolvedScenario.Process proc : rs.processes()) {
                ProcessSpec s = proc.spec();
                if (hard != -1 && (s.memlockHard() == -1 || Long.compareUnsigned(s.memlockHard(), hard) > 0)) {
                    throw new Abort("process " + proc.name() + ": rlimit.memlock hard limit " + limit(s.memlockHard())
                            + " is above what this machine allows (" + limit(hard)
                            + "; raising it needs CAP_SYS_RESOURCE, which verify never has)");
                }
            }
            int forks = nprocs - rs.processes().size();
            ex.init(rs.processes().size(), rs.processes().size() + forks);
            int i = 0;
            for (ResolvedScenario.Process proc : rs.processes()) {
                ProcessSpec s = proc.spec();
                long want = s.caps();
                long[] r = ex.spawn(i, uidFor(s.uid()), want & machineCaps, s.memlockSoft(), s.memlockHard());
                slot.put(proc.name(), i);
                pid.put(proc.name(), r[0]);
                live.put(proc.name(), r[0]);
                capsHave.put(proc.name(), r[1]);
                capsMissing.put(proc.name(), want & ~r[1]);
                i++;
            }
            commands = new Commands(workdir, pid.values(), i);
            ex.go();
            for (ResolvedScenario.Process proc : rs.processes()) {
                List<Vma> v = ex.smaps(pid.get(proc.name()));
                if (v == null) {
                    throw new Abort("process " + proc.name() + " died before the first statement");
                }
                image.put(proc.name(), Figures.image(v));
                Figures f = figures(proc.name());
                lastFig.put(proc.name(), f);
                startStatus.put(proc.name(), f.status());
            }
            // the baseline after a drain of every CPU's batches: an earlier run's exited
            // processes can leave munlocked pages queued (and counted) on the CPU they ran on
            vmstatBase = ex.vmstat(true);
        }

        private boolean usesPerf() {
            return rs.steps().stream().anyMatch(st -> st instanceof ResolvedScenario.Call c && c.call().equals("perf_event_open"));
        }

        private Figures figures(String proc) throws IOException {
            Long p = pid.get(proc);
            if (p == null || image.get(proc) == null) {
                return null;
            }
            List<Vma> v = ex.smaps(p);
            Map<String, Long> st = v == null ? null : ex.status(p);
            if (v == null || st == null) {
                return null;
            }
            return Figures.of(v, image.get(proc), st, ranges -> ex.rss(p, ranges));
        }

        // ---------------------------------------------------------------- calls

        private ResolvedScenario.Env liveEnv() {
            return env(live, liveLen);
        }

        private ResolvedScenario.Env simEnv() {
            Map<String, Long> v = new HashMap<>(simv);
            sim.pids().forEach((n, pd) -> v.putIfAbsent(n, (long) pd));
            return env(v, simLen);
        }

        private ResolvedScenario.Env env(Map<String, Long> values, Map<String, Long> lengths) {
            return new ResolvedScenario.Env() {
                @Override
                public long value(String name) {
                    Long x = values.get(name);
                    if (x == null) {
                        throw new IllegalStateException("name " + name + " is not bound");
                    }
                    return x;
                }

                @Override
                public long length(String name) {
                    return lengths.getOrDefault(name, 0L);
                }
            };
        }

        private long num(ResolvedScenario.Call c, int i, ResolvedScenario.Env env) {
            return Commands.num(c, i, env);
        }

        private void call(ResolvedScenario.Call c) throws IOException {
            int line = c.line();
            Report.CallEntry se = (Report.CallEntry) entries.get(line);
            String proc = c.proc();
            boolean simRan = se != null && se.value() != null;
            boolean liveAlive = slot.containsKey(proc) && pid.containsKey(proc);
            ResolvedScenario.Env lenv = liveEnv();
            String cmd;
            try {
                cmd = commands.of(c, lenv);
            } catch (Commands.Unsupported u) {
                nv(line, u.getMessage());
                bindSim(c, se);
                diverged = "the runs diverged at line " + line + " (" + u.getMessage() + ")";
                return;
            }
            Long len = Preflight.mappingLength(c, lenv);
            if (len != null) {
                mapped += len;
                if (mapped * nprocs > options.maxMem()) {
                    throw new Abort("line " + line + ": its mappings would exceed --max-mem " + (options.maxMem() >> 20) + " MiB");
                }
            }
            boolean mclCurrent = c.call().equals("mlockall") && (num(c, 0, lenv) & MCL_CURRENT) != 0;
            String imageWhy = liveAlive && simRan ? imageDependence(c, proc, mclCurrent) : null;
            Answer a = !liveAlive ? null : c.call().equals("mark") ? liveMark()
                    : c.call().equals("compact") ? liveCompact()
                    : c.call().equals("drop_caches") ? liveDropCaches(num(c, 0, lenv)) : ex.call(slot.get(proc), cmd);
            if (a == null && liveAlive) {
                exited(proc);
            }
            if (a != null) {
                callEvents.put(line, a.events());
            }
            // ---- compare the outcome
            if (!simRan || a == null) {
                if (simRan != (a != null)) {
                    diff(line, "pinsim", "whether the call ran", a == null ? "not run (process gone)" : result(c, a.ret(), a.errno()),
                            se == null ? "no entry" : se.result());
                } else {
                    compared(line);
                }
                bindSim(c, se);
                if (a != null) {
                    bindLive(c, a, lenv);
                }
                return;
            }
            boolean missingCaps = (capsMissing.getOrDefault(proc, 0L) & (1L << Caps.CAP_SYS_RESOURCE)) != 0
                    && (c.call().equals("setrlimit") || c.call().equals("prlimit64"));
            boolean same = sameOutcome(c, a, se, lenv);
            if (imageWhy != null && !c.call().equals("brk") && !limitErrno(a.failed() ? Errno.name(a.errno()) : null)
                    && !limitErrno(se.errno())) {
                imageWhy = null; // only the limit checks see the image's locked pages
            }
            if (!same && (imageWhy != null || missingCaps)) {
                String why = imageWhy != null ? imageWhy : "process " + proc + " should have CAP_SYS_RESOURCE, which this"
                        + " machine's root lacks";
                nv(line, "kernel " + result(c, a.ret(), a.errno()) + ", pinsim " + se.result() + ": " + why);
                diverged = "the runs diverged at line " + line + " (" + why + ")";
                bindSim(c, se);
                bindLive(c, a, lenv);
                return;
            }
            if (!same) {
                diff(line, "pinsim", a.failed() || se.errno() != null ? "result/errno" : "result",
                        describe(c, a.ret(), a.errno(), lenv, true), describe(c, se.value(), errnoOf(se), simEnv(), false));
            } else {
                compared(line);
            }
            expectation(c, a, lenv);
            outStruct(c, a, se, lenv);
            if (mclCurrent && !a.failed()) {
                imageLockedLine = imageLockedLine == null ? line : imageLockedLine;
            }
            bindSim(c, se);
            bindLive(c, a, lenv);
            afterFigures(c, proc);
        }

        /** mark(): the master reads every live scenario process's pagemap; the mark's number, as pinsim numbers them. */
        private Answer liveMark() throws IOException {
            java.util.TreeMap<String, java.util.TreeMap<Long, Long>> m = new java.util.TreeMap<>();
            for (String name : new java.util.TreeSet<>(slot.keySet())) {
                Long p = pid.get(name);
                java.util.TreeMap<Long, Long> frames = p == null ? null : ex.pagemap(p);
                if (frames != null) {
                    m.put(name, frames);
                }
            }
            liveMarks.add(m);
            return new Answer(liveMarks.size(), 0, new long[0], Map.of());
        }

        /**
         * compact(): the master writes 1 to /proc/sys/vm/compact_memory (sysctl_compaction_handler
         * -> compact_nodes); the write returns when every zone has been compacted.
         */
        private Answer liveCompact() throws IOException {
            java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/sys/vm/compact_memory"), "1\n");
            return new Answer(0, 0, new long[0], Map.of());
        }

        /**
         * drop_caches(N): the master writes N to /proc/sys/vm/drop_caches
         * (drop_caches_sysctl_handler; 2 runs drop_slab, the deferred split shrinker among the
         * others); a value outside 1..4 is refused by the write with EINVAL.
         */
        private Answer liveDropCaches(long value) throws IOException {
            Map<String, Long> before = vmstatEvents();
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/sys/vm/drop_caches"), value + "\n");
            } catch (IOException e) {
                return new Answer(-1, org.pinsim.core.uapi.Errno.EINVAL, new long[0], Map.of());
            }
            // the events the write caused, as the executor reports them for a call in a process
            Map<String, Long> after = vmstatEvents();
            Map<String, Long> events = new java.util.HashMap<>();
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (d != 0) {
                    events.put(e.getKey(), d);
                }
            }
            return new Answer(0, 0, new long[0], Map.copyOf(events));
        }

        /** The event counters of /proc/vmstat (every line not starting with nr_). */
        private Map<String, Long> vmstatEvents() throws IOException {
            Map<String, Long> m = new java.util.HashMap<>();
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/vmstat"))) {
                int sp = line.indexOf(' ');
                if (sp > 0 && !line.startsWith("nr_")) {
                    m.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).trim()));
                }
            }
            return m;
        }

        /** moved(R, M) on the live machine: pages of [lo, hi) present at mark M and now, on another frame. */
        private Long liveMoved(ResolvedScenario.Check k, String proc, long p, long lo, long hi) throws IOException {
            long mark = k.mark().eval(liveEnv());
            if (mark < 1 || mark > liveMarks.size() || Long.compareUnsigned(hi, lo) <= 0) {
                return 0L;
            }
            java.util.TreeMap<Long, Long> then = liveMarks.get((int) mark - 1).get(proc);
            java.util.TreeMap<Long, Long> now = ex.pagemap(p);
            if (then == null || now == null) {
                return 0L;
            }
            long n = 0;
            for (Map.Entry<Long, Long> e : then.subMap(lo, hi).entrySet()) {
                Long q = now.get(e.getKey());
                if (q != null && !q.equals(e.getValue())) {
                    n++;
                }
            }
            return n;
        }

        private boolean limitErrno(String e) {
            return "ENOMEM".equals(e) || "EAGAIN".equals(e) || "EPERM".equals(e);
        }

        /** Why a different result of this call would be the image's doing rather than pinsim's, or null. */
        private String imageDependence(ResolvedScenario.Call c, String proc, boolean mclCurrent) throws IOException {
            if (!LOCKING.contains(c.call())) {
                return null;
            }
            SimTrace.State s = sim.before(c.line(), proc);
            Figures l = lastFig.get(proc);
            if (s == null || l == null) {
                return null;
            }
            long liveImgLck = l.rawVmLck() - l.vmLck();
            long simImgLck = s.figures().rawVmLck() - s.figures().vmLck();
            if (liveImgLck != simImgLck) {
                return "locked_vm includes the locked image, " + kb(liveImgLck) + " in the executor and " + kb(simImgLck)
                        + " in pinsim's layout";
            }
            if (mclCurrent) {
                Answer lim = ex.call(slot.get(proc), "getrlimit 8");
                boolean liveCap = (capsHave.getOrDefault(proc, 0L) & (1L << Caps.CAP_IPC_LOCK)) != 0;
                long liveLimit = lim == null ? -1 : lim.out()[0];
                boolean liveFail = !liveCap && liveLimit != -1 && Long.compareUnsigned(l.rawVmSize(), liveLimit) > 0;
                boolean simFail = !s.ipcLock() && s.memlockSoft() != -1
                        && Long.compareUnsigned(s.figures().rawVmSize(), s.memlockSoft()) > 0;
                if (liveFail != simFail) {
                    return "mlockall(MCL_CURRENT) compares the whole address space (total_vm) with RLIMIT_MEMLOCK "
                            + limit(liveLimit) + ": the executor's image makes it " + kb(l.rawVmSize())
                            + ", pinsim's layout " + kb(s.figures().rawVmSize());
                }
            }
            return null;
        }

        private String errnoOf(Report.CallEntry se) {
            return se.errno();
        }

        private boolean sameOutcome(ResolvedScenario.Call c, Answer a, Report.CallEntry se, ResolvedScenario.Env lenv) {
            boolean liveErr = a.failed();
            boolean simErr = se.errno() != null;
            if (liveErr || simErr) {
                return liveErr && simErr && Errno.name(a.errno()).equals(se.errno());
            }
            long sv = se.value();
            switch (c.call()) {
                case "fork", "vfork", "clone", "clone3", "exit", "exit_group":
                    return true;
                default:
                    break;
            }
            if (c.address()) {
                return addressesAgree(c, a.ret(), sv, lenv, simEnv());
            }
            return a.ret() == sv;
        }

        /** Addresses by meaning: the same offset from the same name or address argument. */
        private boolean addressesAgree(ResolvedScenario.Call c, long l, long s, ResolvedScenario.Env lenv,
                                       ResolvedScenario.Env senv) {
            switch (c.call()) {
                case "mmap" -> {
                    long flags = num(c, 3, lenv);
                    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) == 0) {
                        long lh = num(c, 0, lenv);
                        long sh = num(c, 0, senv);
                        if (lh == 0 && sh == 0) {
                            return true; // where a new mapping goes is the layout's choice
                        }
                        // a hint (arch_get_unmapped_area_topdown: addr &= PAGE_MASK, taken when
                        // free): declined by both sides, the mapping went where each layout put it
                        if (l != (lh & ~0xfffL) && s != (sh & ~0xfffL)) {
                            return true;
                        }
                    }
                }
                case "mremap" -> {
                    long flags = num(c, 3, lenv);
                    if ((flags & MREMAP_FIXED) == 0 && l != num(c, 0, lenv) && s != num(c, 0, senv)) {
                        return true; // both moved the mapping: where to is the layout's choice
                    }
                }
                case "brk" -> {
                    if (num(c, 0, lenv) == 0 && num(c, 0, senv) == 0) {
                        return true; // brk(NULL): the break where each image has it
                    }
                }
                default -> {
                }
            }
            for (long[] cand : candidates(c, lenv, senv)) {
                if (l - cand[0] == s - cand[1] && Math.abs(l - cand[0]) <= 1L << 40) {
                    return true;
                }
            }
            return l == s;
        }

        /** {live, sim} pairs of what an address can be relative to: address arguments and address names. */
        private List<long[]> candidates(ResolvedScenario.Call c, ResolvedScenario.Env lenv, ResolvedScenario.Env senv) {
            List<long[]> out = new ArrayList<>();
            int[] argIdx = switch (c.call()) {
                case "mmap", "brk" -> new int[] {0};
                case "mremap" -> new int[] {0, 4};
                default -> new int[0];
            };
            for (int i : argIdx) {
                out.add(new long[] {num(c, i, lenv), num(c, i, senv)});
            }
            for (String n : addrNames) {
                if (live.containsKey(n) && simv.containsKey(n)) {
                    out.add(new long[] {live.get(n), simv.get(n)});
                }
            }
            return out;
        }

        private String describe(ResolvedScenario.Call c, long v, String errno, ResolvedScenario.Env env, boolean isLive) {
            if (errno != null) {
                return "-1 " + errno;
            }
            if (!c.address()) {
                return Long.toString(v);
            }
            String best = null;
            long bestOff = Long.MAX_VALUE;
            Map<String, Long> vals = isLive ? live : simv;
            for (String n : addrNames) {
                Long b = vals.get(n);
                if (b == null) {
                    continue;
                }
                long off = v - b;
                if (Math.abs(off) < Math.abs(bestOff)) {
                    bestOff = off;
                    best = n;
                }
            }
            String hex = "0x" + Long.toHexString(v);
            if (best == null || Math.abs(bestOff) > 1L << 40) {
                return hex;
            }
            return hex + " (= " + best + (bestOff == 0 ? "" : (bestOff > 0 ? " + " : " - ") + size(Math.abs(bestOff))) + ")";
        }

        private String describe(ResolvedScenario.Call c, long v, int errno, ResolvedScenario.Env env, boolean isLive) {
            return describe(c, v, v == -1 && errno != 0 ? Errno.name(errno) : null, env, isLive);
        }

        private String result(ResolvedScenario.Call c, long ret, int errno) {
            return ret == -1 && errno != 0 ? "-1 " + Errno.name(errno) : c.address() ? "0x" + Long.toHexString(ret) : Long.toString(ret);
        }

        /** The file's expectation against the kernel's answer. */
        private void expectation(ResolvedScenario.Call c, Answer a, ResolvedScenario.Env lenv) {
            ResolvedScenario.Expect e = c.expect();
            if (!expectations || e.kind().equals("NONE")) {
                return;
            }
            boolean ok;
            switch (e.kind()) {
                case "ERRNO" -> ok = a.failed() && a.errno() == e.errno();
                case "ANY_ERROR" -> ok = a.failed();
                case "SUCCESS" -> ok = !a.failed();
                default -> {
                    if (c.address() && e.value().constant() != null && Long.compareUnsigned(e.value().constant(), 0x10000) >= 0) {
                        res.notVerifiable(c.line(), texts.getOrDefault(c.line(), ""),
                                "its expected value is a literal address (" + c.statement().expectedText()
                                        + "), which means nothing outside the run that printed it");
                        return;
                    }
                    ok = !a.failed() && a.ret() == e.value().eval(lenv);
                }
            }
            if (!ok) {
                diff(c.line(), "expectation", "result", describe(c, a.ret(), a.errno(), lenv, true),
                        "written " + c.statement().expectedText());
            }
        }

        /** getrlimit/prlimit64: the limit the kernel wrote back, against the file and pinsim's verdict on it. */
        private void outStruct(ResolvedScenario.Call c, Answer a, Report.CallEntry se, ResolvedScenario.Env lenv) {
            ResolvedScenario.Expect e = c.expect();
            if (e.outArray() != null) {
                outArray(c, a, se, lenv);
                return;
            }
            if (e.outCur() == null || a.failed() || a.out().length < 2) {
                return;
            }
            long cur = e.outCur().eval(lenv);
            long max = e.outMax().eval(lenv);
            boolean liveOk = a.out()[0] == cur && a.out()[1] == max;
            String got = "{rlim_cur=" + limit(a.out()[0]) + ", rlim_max=" + limit(a.out()[1]) + "}";
            if (!liveOk && expectations) {
                diff(c.line(), "expectation", "limit written back", got, "written {rlim_cur=" + limit(cur) + ", rlim_max="
                        + limit(max) + "}");
            }
            if (liveOk && Boolean.FALSE.equals(se.match()) && se.errno() == null) {
                diff(c.line(), "pinsim", "limit written back", got, se.detail() == null ? "differs" : se.detail());
            }
        }

        /** move_pages: the status array the kernel wrote back, against the file and pinsim's verdict on it. */
        private void outArray(ResolvedScenario.Call c, Answer a, Report.CallEntry se, ResolvedScenario.Env lenv) {
            List<ResolvedScenario.Num> want = c.expect().outArray();
            if (a.failed()) {
                return;
            }
            boolean liveOk = a.out().length == want.size();
            StringBuilder got = new StringBuilder("[");
            StringBuilder written = new StringBuilder("[");
            for (int i = 0; i < want.size(); i++) {
                int w = (int) want.get(i).eval(lenv);
                int g = i < a.out().length ? (int) a.out()[i] : 0;
                liveOk &= w == g;
                written.append(i == 0 ? "" : ", ").append(status(w));
                got.append(i == 0 ? "" : ", ").append(status(g));
            }
            got.append(']');
            written.append(']');
            if (!liveOk && expectations) {
                diff(c.line(), "expectation", "status written back", got.toString(), "written " + written);
            }
            if (liveOk && Boolean.FALSE.equals(se.match()) && se.errno() == null) {
                diff(c.line(), "pinsim", "status written back", got.toString(), se.detail() == null ? "differs" : se.detail());
            }
        }

        private String status(int v) {
            return v < 0 && v >= -4095 ? "-" + Errno.name(-v) : Integer.toString(v);
        }

        private void bindSim(ResolvedScenario.Call c, Report.CallEntry se) {
            long v = se == null || se.value() == null ? -1 : se.value();
            if (c.bind() != null) {
                simv.put(c.bind(), v);
                if (c.binds().equals("REGION")) {
                    simLen.put(c.bind(), num(c, c.lengthParam(), simEnv()));
                }
            }
        }

        private void bindLive(ResolvedScenario.Call c, Answer a, ResolvedScenario.Env lenv) throws IOException {
            String name = c.bind();
            if (name != null) {
                live.put(name, a.ret());
                if (c.binds().equals("REGION")) {
                    liveLen.put(name, num(c, c.lengthParam(), lenv));
                }
                if (c.address() && !addrNames.contains(name)) {
                    addrNames.add(name);
                }
            }
            if (c.binds().equals("PROCESS") && !a.failed()) {
                String child = name != null ? name : alias(c);
                if (child != null) {
                    slot.put(child, commands.lastForkSlot());
                    pid.put(child, a.ret());
                    live.put(child, a.ret());
                    image.put(child, image.get(c.proc()));
                    capsHave.put(child, capsHave.get(c.proc()));
                    capsMissing.put(child, capsMissing.get(c.proc()));
                    Figures f = figures(child);
                    if (f != null) {
                        lastFig.put(child, f);
                        startStatus.put(child, f.status());
                    }
                }
            }
            if ((c.call().equals("exit") || c.call().equals("exit_group")) && !a.failed()) {
                // wait until the process has torn its address space down (a zombie or gone)
                Long p = pid.get(c.proc());
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (p != null && ex.status(p) != null && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                exited(c.proc());
            }
        }

        private String alias(ResolvedScenario.Call c) {
            if (c.statement().expected() instanceof Expected.Value v && v.value() instanceof Expr.Num n && n.unit().isEmpty()) {
                return Long.toString(n.value());
            }
            return null;
        }

        private void exited(String proc) {
            slot.remove(proc);
            lastFig.remove(proc);
        }

        // ---------------------------------------------------------------- figures after a call

        private void afterFigures(ResolvedScenario.Call c, String proc) throws IOException {
            List<String> procs = new ArrayList<>();
            procs.add(proc);
            if (c.binds().equals("PROCESS") && (c.bind() != null || alias(c) != null)) {
                procs.add(c.bind() != null ? c.bind() : alias(c));
            }
            for (String pname : procs) {
                Figures l = slot.containsKey(pname) ? figures(pname) : null;
                SimTrace.State s = sim.after(c.line(), pname);
                if (l != null) {
                    lastFig.put(pname, l);
                }
                if ((l == null) != (s == null)) {
                    diff(c.line(), "pinsim", "process " + pname + " exists after the call", l == null ? "no" : "yes",
                            s == null ? "no" : "yes");
                    continue;
                }
                if (l == null) {
                    continue;
                }
                for (String f : Figures.COMPARED) {
                    long lv = l.part(f);
                    long sv = s.figures().part(f);
                    if (lv != sv) {
                        boolean count = f.equals("maps");
                        diff(c.line(), "pinsim", (procs.size() > 1 ? pname + " " : "") + f
                                        + " after the call (change since the first statement)",
                                count ? Long.toString(lv) : kb(lv), count ? Long.toString(sv) : kb(sv));
                    }
                }
            }
        }

        // ---------------------------------------------------------------- checks

        /** /sys/devices/system/node/online, or "?" when it cannot be read. */
        private String onlineNodes() {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/node/online")).trim();
            } catch (IOException e) {
                return "?";
            }
        }

        private boolean oneNode() {
            return onlineNodes().equals("0");
        }

        private void check(ResolvedScenario.Check k) throws IOException {
            int line = k.line();
            Report.CheckEntry se = (Report.CheckEntry) entries.get(line);
            Long simVal = parseActual(se.actual());
            String field = k.field();
            if (field.startsWith("MEMINFO")) {
                nv(line, "meminfo is the whole live machine's state, not the scenario's");
                return;
            }
            if (field.equals("PHYSMEM")) {
                nv(line, "the free lists, pageblocks and watermarks are the whole live machine's state, not the scenario's");
                return;
            }
            if (field.equals("VMSTAT")) {
                vmstatCheck(k, se, simVal);
                return;
            }
            if (field.equals("NODE_PAGES") && !oneNode()) {
                nv(line, "nodeN is read on a live machine of one node only (this one has " + onlineNodes() + ")");
                return;
            }
            if (field.equals("USER_LOCKED") || field.equals("EXEMPT") || field.equals("MIGRATION_WAITS")) {
                nv(line, "a figure of pinsim's that no /proc file shows");
                return;
            }
            String proc = k.proc();
            boolean liveAlive = slot.containsKey(proc);
            Long liveVal = null;
            if (liveAlive) {
                liveVal = liveProcessValue(k, proc);
            }
            if (liveVal == null || simVal == null) {
                if ((liveVal == null) != (simVal == null)) {
                    diff(line, "pinsim", "check", liveVal == null ? "no such process" : fmt(k, liveVal), se.actual());
                } else {
                    compared(line);
                }
                return;
            }
            compareCheck(k, se, liveVal, simVal, "", k.value().eval(liveEnv()));
        }

        private void compareCheck(ResolvedScenario.Check k, Report.CheckEntry se, long liveVal, long simVal, String note,
                                  long want) {
            int line = k.line();
            if (liveVal != simVal) {
                diff(line, "pinsim", "check " + se.field() + note, fmt(k, liveVal), fmt(k, simVal));
            } else {
                compared(line);
            }
            if (expectations) {
                if (!k.holds(liveVal, want)) {
                    diff(line, "expectation", "check " + se.field() + note, fmt(k, liveVal), "written " + k.statement().op()
                            + " " + fmt(k, want));
                }
            }
        }

        /**
         * The kernel's value of a process check, as pinsim's layout would show it: region
         * checks as read; VmSize, VmLck, VmRSS, smaps.Locked and maps as the scenario part
         * plus pinsim's image part; other status lines as the change since the process began
         * plus pinsim's value then.
         */
        private Long liveProcessValue(ResolvedScenario.Check k, String proc) throws IOException {
            long p = pid.get(proc);
            switch (k.field()) {
                case "VMAS", "LOCKED_VMAS", "LCK", "RSS", "SMAPS_LOCKED_REGION", "SMAPS_SHARED_REGION", "NODE_PAGES", "THP_REGION",
                     "LAZYFREE_REGION", "MOVED" -> {
                    ResolvedScenario.Env env = liveEnv();
                    long start = k.regionStart().eval(env);
                    long len = k.regionLength().eval(env);
                    long lo = start & ~4095L;
                    long hi = (start + len + 4095) & ~4095L;
                    if (k.field().equals("MOVED")) {
                        return liveMoved(k, proc, p, lo, hi);
                    }
                    if (k.field().equals("RSS")) {
                        return Long.compareUnsigned(hi, lo) <= 0 ? 0L : ex.rss(p, List.of(new long[] {lo, hi - lo}));
                    }
                    if (k.field().equals("NODE_PAGES")) {
                        // this machine has one node (node 0): its present pages, as the rss reading counts them
                        long all = Long.compareUnsigned(hi, lo) <= 0 ? 0L : ex.rss(p, List.of(new long[] {lo, hi - lo}));
                        return k.name().equals("node0") ? all / 4096 : 0L;
                    }
                    List<Vma> vmas = ex.smaps(p);
                    if (vmas == null) {
                        return null;
                    }
                    long n = 0;
                    for (Vma v : vmas) {
                        if (Long.compareUnsigned(v.start(), hi) >= 0 || Long.compareUnsigned(v.end(), lo) <= 0
                                || Long.compareUnsigned(hi, lo) <= 0) {
                            continue;
                        }
                        long s = Long.compareUnsigned(v.start(), lo) > 0 ? v.start() : lo;
                        long e = Long.compareUnsigned(v.end(), hi) < 0 ? v.end() : hi;
                        n += switch (k.field()) {
                            case "VMAS" -> 1;
                            case "LOCKED_VMAS" -> v.locked() ? 1 : 0;
                            case "LCK" -> v.locked() ? e - s : 0;
                            case "SMAPS_SHARED_REGION" -> v.sharedKb() * 1024;
                            case "THP_REGION" -> v.anonHugeKb() * 1024;
                            case "LAZYFREE_REGION" -> v.lazyFreeKb() * 1024;
                            default -> v.locked() ? v.lockedKb() * 1024 : 0;
                        };
                    }
                    return n;
                }
                default -> {
                    Figures l = figures(proc);
                    SimTrace.State s = sim.before(k.line(), proc);
                    if (l == null) {
                        return null;
                    }
                    if (s == null) {
                        return Long.MIN_VALUE;
                    }
                    Figures sf = s.figures();
                    String name = k.field().equals("MAPS") ? "maps" : k.field().equals("SMAPS_LOCKED") ? "smaps.Locked" : k.name();
                    if (List.of("VmSize", "VmLck", "VmRSS", "VmPin", "maps", "smaps.Locked").contains(name)) {
                        return l.part(name) + (sf.raw(name) - sf.part(name));
                    }
                    long liveNow = l.status().getOrDefault(name, 0L);
                    long liveStart = startStatus.getOrDefault(proc, Map.of()).getOrDefault(name, 0L);
                    Figures simStart = sim.start(proc);
                    long simStartV = simStart == null ? 0 : simStart.status().getOrDefault(name, 0L);
                    return (liveNow - liveStart + simStartV) * 1024;
                }
            }
        }

        private void vmstatCheck(ResolvedScenario.Check k, Report.CheckEntry se, Long simVal) throws IOException {
            int line = k.line();
            String name = k.name();
            if (imageLockedLine != null) {
                nv(line, "the executor's image was locked by mlockall(MCL_CURRENT) at line " + imageLockedLine
                        + ": system-wide counters include its pages");
                return;
            }
            if (!vmstatBase.containsKey(name)) {
                nv(line, "the live kernel has no vmstat field " + name);
                return;
            }
            if (name.startsWith("nr_")) {
                // a state counter: now (per-cpu differentials folded) minus before the first statement
                stateValues.put(line, ex.vmstat().getOrDefault(name, 0L) - vmstatBase.get(name));
            }
            // an event counter is the sum of the calls' windows (callEvents), taken in eventChecks()
            long sv = simVal == null ? 0 : name.startsWith("nr_") ? simVal - sim.vmstatBase(name) : simVal;
            deferred.add(new VmstatRuns.Deferred(k, se, sv, k.value().eval(liveEnv())));
            compared(line);
        }

        private String fmt(ResolvedScenario.Check k, long v) {
            if (v == Long.MIN_VALUE) {
                return "unknown";
            }
            return k.bytes() ? (v % 1024 == 0 ? (v / 1024) + " kB" : v + " bytes") : Long.toString(v);
        }

        private Long parseActual(String a) {
            if (a == null || a.equals("no such process")) {
                return null;
            }
            String t = a.trim();
            try {
                if (t.endsWith(" kB")) {
                    return Long.parseLong(t.substring(0, t.length() - 3).trim()) * 1024;
                }
                if (t.endsWith(" bytes")) {
                    return Long.parseLong(t.substring(0, t.length() - 6).trim());
                }
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private void deleteWorkdir() {
            if (workdir == null) {
                return;
            }
            try (Stream<Path> s = Files.walk(workdir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException e) {
                        // left behind in /tmp
                    }
                });
            } catch (IOException e) {
                // left behind in /tmp
            }
        }
    }

    // =====================================================================================

    private static String text(Report.Entry e) {
        if (e instanceof Report.CallEntry c) {
            return c.text();
        }
        if (e instanceof Report.SkipEntry s) {
            return s.text();
        }
        if (e instanceof Report.EventEntry ev) {
            return ev.text();
        }
        return ((Report.CheckEntry) e).text();
    }

    static String kb(long bytes) {
        return bytes % 1024 == 0 ? (bytes / 1024) + " kB" : bytes + " bytes";
    }

    static String size(long v) {
        String[] names = {"GiB", "MiB", "KiB"};
        int[] shifts = {30, 20, 10};
        for (int i = 0; i < names.length; i++) {
            if (v != 0 && v % (1L << shifts[i]) == 0) {
                return (v >> shifts[i]) + names[i];
            }
        }
        return Long.toString(v);
    }

    static String limit(long v) {
        return v == -1 ? "unlimited" : size(v);
    }

    static String capNames(long caps) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i <= Caps.CAP_LAST_CAP; i++) {
            if ((caps & (1L << i)) != 0) {
                out.add("CAP_" + Caps.name(i).toUpperCase(Locale.ROOT));
            }
        }
        return String.join(", ", out);
    }

    /** The whole scenario cannot go on. */
    private static final class Abort extends IOException {
        private static final long serialVersionUID = 1L;

        Abort(String m) {
            super(m);
        }
    }

    /** Kept for tests: every difference of a list of results. */
    public static List<Difference> differences(List<ScenarioResult> results) {
        List<Difference> out = new ArrayList<>();
        results.forEach(r -> out.addAll(r.differences()));
        return out;
    }

}
