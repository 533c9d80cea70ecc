package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.pinsim.core.LimitCheck;

/**
 * Explains a refused or mismatched call in plain words, from what the model recorded when it
 * refused ({@link Report.Refusal}: the rule's words and, for a memlock check, its
 * {@link LimitCheck} numbers): which kernel function refused, the counter, its value, the
 * request, the limit, who else shares a per-user counter, which capability skips the check,
 * and what limit would let the call pass, written as {@code ulimit -l}, limits.conf, systemd
 * and docker spell it. Nothing here recomputes the rule: every number is the one the rule
 * compared.
 *
 * <p>"What would make it pass" is the smallest soft limit for this one check at this point of
 * the run (with what the process had locked so far); {@code pinsim needs} finds the limit for a
 * whole log by replaying it.
 */
public final class Explain {

    private Explain() {
    }

    /** The explanation of one call entry: why it was refused and/or why it did not match the log. */
    public static List<String> lines(Report.CallEntry c) {
        List<String> out = new ArrayList<>();
        if (Boolean.FALSE.equals(c.match())) {
            out.add("mismatch: " + (c.detail() != null ? c.detail()
                    : c.expected() == null ? "the call did not run" : "expected " + c.expected()));
        }
        if (c.refusal() != null) {
            out.addAll(lines(c.refusal()));
        } else if (Boolean.FALSE.equals(c.match())) {
            out.add("pinsim did not refuse the call; the log's process had a different state or limit at this point"
                    + " (check --as and the calls before it)");
        }
        return out;
    }

    /** The explanation of a refusal, one line per aspect (rule, counter, bypass, to pass). */
    public static List<String> lines(Report.Refusal r) {
        List<String> out = new ArrayList<>();
        LimitCheck l = r.limit();
        if (l == null) {
            out.add("rule: " + r.line());
            out.add("this refusal is not a memlock limit: no limit or capability changes it");
            return out;
        }
        out.add("rule: " + l.function() + " refused " + r.call() + (r.errno() != null ? " with " + r.errno()
                : " (it returned the old break: brk reports a refusal that way, not with an errno)") + ": " + rule(l));
        if (l.uid() >= 0) {
            out.add("shared: " + shared(l, r.sharers()));
        }
        out.add("bypass: " + l.bypass() + " skips this check: `setcap cap_ipc_lock+ep PROGRAM` (file capability),"
                + " AmbientCapabilities=CAP_IPC_LOCK in a systemd unit, or `docker run --cap-add IPC_LOCK`");
        if (l.neededPages() < 0) {
            out.add("to pass: no RLIMIT_MEMLOCK value passes this check; only " + l.bypass());
        } else {
            out.add("to pass: " + toPass(l.neededPages()));
        }
        return out;
    }

    /** The rule's comparison with its numbers. */
    static String rule(LimitCheck l) {
        String limit = "RLIMIT_MEMLOCK " + pages(l.limitPages());
        if (l.counter().equals("RLIMIT_MEMLOCK")) {
            return "RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK, so can_do_mlock refuses any locking"
                    + " (EPERM), whatever its size; " + l.what() + " is " + pages(l.requestPages());
        }
        if (l.counter().equals("total_vm")) {
            return l.what() + ", total_vm " + pages(l.requestPages()) + ", is checked against " + limit
                    + ", not just what is resident or already locked";
        }
        StringBuilder b = new StringBuilder();
        b.append(l.what()).append(", ").append(pages(l.requestPages())).append(", is added to ");
        if (l.allowancePages() >= 0) {
            return l.what() + " (the allowance is " + pages(l.allowancePages())
                    + " for the uid, perf_event_mlock_kb times the CPUs; user->locked_vm of uid " + l.uid()
                    + " was " + pages(l.userPages()) + "), " + pages(l.requestPages()) + ", are added to "
                    + l.counter() + " " + pages(l.counterPages()) + ": " + group(l.neededPages()) + " pages > " + limit;
        }
        if (l.uid() >= 0) {
            b.append(l.counter()).append(" of uid ").append(l.uid()).append(", ").append(pages(l.counterPages()));
        } else {
            b.append(l.counter()).append(" ").append(pages(l.counterPages()));
        }
        if (l.creditPages() != 0) {
            b.append(", less ").append(pages(l.creditPages())).append(" of the range already counted");
        }
        b.append(": ").append(group(l.neededPages())).append(" pages > ").append(limit);
        return b.toString();
    }

    private static String shared(LimitCheck l, List<Report.Sharer> sharers) {
        String head = "user->locked_vm is per user: every process of uid " + l.uid() + " charges it";
        if (sharers.isEmpty()) {
            return head + "; no other process of that uid is alive in this run (a ring or buffer may outlive its"
                    + " process, and processes outside the run count too)";
        }
        return head + "; alive in this run: " + sharers.stream()
                .map(s -> "pid " + s.pid() + " (" + s.name() + ")").collect(Collectors.joining(", "));
    }

    /** The settings that give a soft RLIMIT_MEMLOCK of at least {@code pages} pages. */
    static String toPass(long pages) {
        long kib = pages * 4;
        long bytes = kib * 1024;
        return "raise the soft RLIMIT_MEMLOCK to at least " + pages(pages) + " (with what is counted at this point):"
                + " `ulimit -l " + kib + "`, `LimitMEMLOCK=" + kib + "K` (systemd), `USER - memlock " + kib
                + "` in /etc/security/limits.conf, `docker run --ulimit memlock=" + bytes + ":" + bytes + "`,"
                + " or grant CAP_IPC_LOCK";
    }

    /** {@code 2,391 pages (9.3 MiB)}. */
    static String pages(long pages) {
        return group(pages) + (pages == 1 ? " page" : " pages") + " (" + size(pages * 4) + ")";
    }

    static String group(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A size in KiB as {@code 64 KiB}, {@code 9.3 MiB}, {@code 1.5 GiB}. */
    static String size(long kib) {
        if (kib < 1024) {
            return kib + " KiB";
        }
        if (kib < 1024 * 1024) {
            return trim(kib / 1024.0) + " MiB";
        }
        return trim(kib / (1024.0 * 1024)) + " GiB";
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
