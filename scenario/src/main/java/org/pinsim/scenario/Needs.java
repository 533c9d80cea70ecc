package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code pinsim needs}: the smallest soft RLIMIT_MEMLOCK under which every modelled call of a
 * log answers as it did in the log, found by replaying the log (bisection over pages), not by
 * a formula. Every replay runs the first process (and so its children) without CAP_IPC_LOCK
 * and with {@code rlimit.memlock=N:N} on top of {@code --as}, as {@code prlimit
 * --memlock=N:N setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock} would start it.
 *
 * <p>A replay is <em>too low</em> when a call the log answered differently is refused by a
 * memlock check (its refusal carries a {@link org.pinsim.core.LimitCheck}), and <em>too
 * high</em> when a call the log saw refused succeeds in pinsim (a program such as memtester
 * shrinks its request until mlock passes: a larger limit changes its log). The answer is the
 * smallest N not too low, and, when the log has refusals, the largest N not too high. Calls
 * that read or set limits (getrlimit, setrlimit, prlimit64) show the limit itself and are not
 * judged. Mismatches of any other kind are the same at every limit and are listed.
 *
 * <p>The replays skip the per-call invariant checks (the first replay at the answer has
 * them). Assumes, as the rules do, that raising the limit never makes a memlock check refuse.
 */
public final class Needs {

    /** The largest limit searched before "unlimited": 2^36 pages (256 TiB). */
    public static final long TOP = 1L << 36;
    private static final Set<String> LIMIT_CALLS = Set.of("getrlimit", "setrlimit", "prlimit64", "ugetrlimit");
    private static final Pattern MEMLOCK = Pattern.compile("\\s*rlimit\\.memlock=\\S+");
    private static final Pattern CAPS = Pattern.compile("caps=(\\S+)");

    /**
     * @param minPages    the smallest limit in pages, -1 when none suffices without CAP_IPC_LOCK
     * @param unlimited   true when only {@code unlimited} suffices (no finite limit up to {@link #TOP})
     * @param maxPages    the largest limit in pages under which the log's refusals still happen, -1 when any
     *                    limit above the minimum does (no call of the log was refused by a memlock check)
     * @param blockers    the calls refused at every limit (without CAP_IPC_LOCK) or, when maxPages is below
     *                    minPages, the refusals no limit reproduces together with the successes
     * @param others      lines that disagree with the log at every limit, for reasons other than memlock
     * @param replays     how many replays the search took
     * @param atMinimum   the replay at the answer (invariants checked), null when there is none
     */
    public record Result(String file, long minPages, boolean unlimited, long maxPages, List<String> blockers,
                         List<String> others, int replays, Report atMinimum) {

        /** Whether one limit reproduces the whole log. */
        public boolean found() {
            return minPages >= 0 && (maxPages < 0 || maxPages >= minPages);
        }
    }

    private final Scenario scenario;
    private final RunOptions base;
    private int replays;

    private Needs(Scenario scenario, RunOptions base) {
        this.scenario = scenario;
        this.base = base;
    }

    public static Result find(Scenario scenario, RunOptions options) {
        return new Needs(scenario, options).search();
    }

    private Result search() {
        As as = As.parse(base.as());
        Long first = Validator.logFirstPid(scenario);
        if (as != null && !as.forFirst(first) && first != null) {
            throw new InvalidInputException(As.FILE, 1, 1, "expected --as for the log's first pid (" + first
                    + ") in needs, whose limit every replay sets and its children inherit, found pid " + as.pid());
        }
        Report inf = replay(-1, false);
        List<String> others = others(inf);
        if (tooLow(inf)) {
            return new Result(scenario.file(), -1, false, -1, lowLines(inf), others, replays, null);
        }
        long lo = -1; // too low (or below 0)
        long hi = 16;
        while (hi <= TOP && tooLow(replay(hi, false))) {
            lo = hi;
            hi *= 4;
        }
        if (hi > TOP) {
            return new Result(scenario.file(), TOP + 1, true, -1, List.of(), others, replays, inf);
        }
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (tooLow(replay(mid, false))) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        long min = hi;
        Report atMin = replay(min, true);
        if (!tooHigh(inf)) {
            return new Result(scenario.file(), min, false, -1, List.of(), others, replays, atMin);
        }
        if (tooHigh(atMin)) {
            return new Result(scenario.file(), min, false, min - 1, highLines(atMin), others, replays, atMin);
        }
        long ok = min; // not too high
        long bad = Math.max(min + 1, 2 * min);
        while (bad <= TOP && !tooHigh(replay(bad, false))) {
            ok = bad;
            bad *= 4;
        }
        while (bad - ok > 1) {
            long mid = ok + (bad - ok) / 2;
            if (tooHigh(replay(mid, false))) {
                bad = mid;
            } else {
                ok = mid;
            }
        }
        return new Result(scenario.file(), min, false, ok, List.of(), others, replays, atMin);
    }

    /** A replay with a soft and hard limit of {@code pages} pages (-1: unlimited) and no CAP_IPC_LOCK. */
    private Report replay(long pages, boolean invariants) {
        replays++;
        RunOptions o = base.withAs(as(base.as(), pages));
        Plan plan = Validator.plan(scenario, o);
        boolean checks = invariants && !"false".equals(System.getProperty("pinsim.invariants"));
        return new Execution(plan, null, checks).run();
    }

    /** {@code as} with its memlock limit replaced by {@code pages} and CAP_IPC_LOCK removed. */
    static String as(String as, long pages) {
        String a = as == null ? "" : MEMLOCK.matcher(as).replaceAll("").strip();
        String limit = pages < 0 ? "unlimited:unlimited" : pages * 4 + "KiB:" + pages * 4 + "KiB";
        var m = CAPS.matcher(a);
        if (m.find()) {
            a = m.replaceFirst("caps=" + java.util.regex.Matcher.quoteReplacement(m.group(1)) + ",-ipc_lock");
        } else {
            a = a + " caps=-ipc_lock";
        }
        return (a + " rlimit.memlock=" + limit).strip();
    }

    private static boolean judged(Report.CallEntry c) {
        return Boolean.FALSE.equals(c.match()) && !LIMIT_CALLS.contains(c.call());
    }

    static boolean tooLow(Report r) {
        return !lowLines(r).isEmpty();
    }

    static boolean tooHigh(Report r) {
        return !highLines(r).isEmpty();
    }

    private static List<String> lowLines(Report r) {
        List<String> out = new ArrayList<>();
        for (Report.Entry e : r.entries()) {
            if (e instanceof Report.CallEntry c && judged(c) && c.refusal() != null && c.refusal().limit() != null) {
                out.add(c.line() + "  " + c.text() + " = " + c.result() + "  (" + c.refusal().line() + ")");
            }
        }
        return out;
    }

    private static List<String> highLines(Report r) {
        List<String> out = new ArrayList<>();
        for (Report.Entry e : r.entries()) {
            if (e instanceof Report.CallEntry c && judged(c) && c.errno() == null && c.value() != null
                    && c.expected() != null && c.expected().startsWith("-1")) {
                out.add(c.line() + "  " + c.text() + " = " + c.result() + "  (the log has " + c.expected() + ")");
            }
        }
        return out;
    }

    /** Mismatches at an unlimited limit that no memlock check explains. */
    private static List<String> others(Report r) {
        List<String> out = new ArrayList<>();
        for (Report.Entry e : r.entries()) {
            if (e instanceof Report.CallEntry c && judged(c)
                    && !(c.refusal() != null && c.refusal().limit() != null)
                    && !(c.errno() == null && c.expected() != null && c.expected().startsWith("-1"))) {
                out.add(c.line() + "  " + c.text() + " = " + c.result() + "  (" + c.detail() + ")");
            }
        }
        return out;
    }
}
