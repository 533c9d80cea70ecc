package org.pinsim.scenario;

import java.io.PrintWriter;
import java.util.stream.Collectors;
import org.pinsim.core.SysResult;
import org.pinsim.core.uapi.Errno;

/**
 * The text report, as docs/SCENARIO-REFERENCE.md specifies it: one line per statement
 * ({@code LINE  [PROC: ][NAME = ]call(args) = RESULT}), a {@code MISMATCH} line under a
 * statement whose result differs, one line per check, the final /proc figures of each live
 * process, the skipped calls, and the summary line last.
 */
public final class Transcript {

    private Transcript() {
    }

    public static void write(Report report, PrintWriter out) {
        write(report, out, false);
    }

    /**
     * The transcript; with {@code explain}, every refused or mismatched call is followed by its
     * full explanation ({@link Explain}) instead of the one-line {@code why:}.
     */
    public static void write(Report report, PrintWriter out, boolean explain) {
        for (String n : report.notes()) {
            out.println("note: " + n);
        }
        for (Report.Entry e : report.entries()) {
            entry(e, out, explain);
        }
        for (Report.ProcessFigures p : report.processes()) {
            out.println(figures(p));
        }
        for (Report.SkippedCall s : report.skipped()) {
            out.println("skipped " + s.call() + " x" + s.lines().size() + " (line" + (s.lines().size() > 1 ? "s " : " ")
                    + s.lines().stream().map(String::valueOf).collect(Collectors.joining(", ")) + "): " + s.reason());
        }
        out.println(summary(report.summary()));
        out.flush();
    }

    private static void entry(Report.Entry e, PrintWriter out, boolean explain) {
        if (e instanceof Report.CallEntry c) {
            out.println(c.line() + "  " + c.text() + " = " + c.result() + (c.duration() == null ? "" : " <" + c.duration() + ">"));
            if (Boolean.FALSE.equals(c.match()) && c.detail() != null) {
                out.println("   MISMATCH " + c.detail());
            } else if (Boolean.FALSE.equals(c.match())) {
                out.println("   MISMATCH " + (c.expected() == null ? "the call did not run" : "expected " + c.expected()));
            }
            if (explain && (c.refusal() != null || Boolean.FALSE.equals(c.match()))) {
                for (String l : Explain.lines(c)) {
                    if (!l.startsWith("mismatch: ")) {
                        out.println("   " + l);
                    }
                }
            } else if (c.refusal() != null) {
                out.println("   why: " + c.refusal().line());
            }
            for (String n : c.notes()) {
                out.println("   note: " + n);
            }
        } else if (e instanceof Report.SkipEntry s) {
            out.println(s.line() + "  " + s.text() + " skipped: " + s.reason());
        } else if (e instanceof Report.EventEntry ev) {
            out.println(ev.line() + "  " + ev.text() + " -> " + ev.outcome());
        } else {
            Report.CheckEntry c = (Report.CheckEntry) e;
            out.println(c.line() + "  " + c.text() + (c.match() ? " -> ok" : " -> MISMATCH (got " + c.actual() + ")"));
        }
    }

    /**
     * {@code final app (pid 1): VmSize 2364 kB, VmLck 64 kB, VmPin 0 kB, VmRSS 120 kB, maps 9; uid 1000
     * user->locked_vm 0 kB; exempt from paging 64 kB}.
     */
    static String figures(Report.ProcessFigures p) {
        String who = (p.name() == null ? "(pid " + p.pid() + ")" : p.name() + " (pid " + p.pid() + ")")
                + (p.exited() == null ? "" : " as it ended (" + p.exited() + ")");
        // unsigned, as /proc prints them: a 3.x release from the wrong mm wraps the counter
        return "final " + who + ": VmSize " + Long.toUnsignedString(p.vmSizeKb()) + " kB, VmLck "
                + Long.toUnsignedString(p.vmLckKb()) + " kB, VmPin " + Long.toUnsignedString(p.vmPinKb())
                + " kB, VmRSS " + p.vmRssKb() + " kB, maps " + p.maps() + "; uid " + p.uid() + " user->locked_vm "
                + p.userLockedKb() + " kB; exempt from paging " + p.exemptKb() + " kB";
    }

    /**
     * {@code N calls, M matched, K mismatched, S skipped, C checks, F failed}, and when some
     * calls had no expectation, how many: {@code ; U without an expectation (neither matched nor
     * mismatched)}, so that the counts add up.
     */
    static String summary(Report.Summary s) {
        return counts(s) + (s.unjudged() > 0 ? "; " + s.unjudged() + " without an expectation (neither matched nor mismatched)" : "");
    }

    /** {@code N calls, M matched, K mismatched, S skipped, C checks, F failed} (compare's summary lines). */
    static String counts(Report.Summary s) {
        return s.calls() + " calls, " + s.matched() + " matched, " + s.mismatched() + " mismatched, " + s.skipped()
                + " skipped, " + s.checks() + " checks, " + s.failed() + " failed";
    }

    /** A statement as the transcript shows it: {@code [PROC: ][NAME = ]call(args as written)}. */
    static String callText(Statement.Call st) {
        StringBuilder sb = new StringBuilder();
        if (st.proc() != null) {
            sb.append(st.proc().written()).append(' ');
        }
        if (st.strace().time() != null) {
            sb.append(st.strace().time()).append(' ');
        }
        if (st.bind() != null) {
            sb.append(st.bind()).append(" = ");
        }
        return sb.append(st.name()).append('(').append(st.argsText()).append(')').toString();
    }

    /** A result as strace prints it: {@code 0}, {@code 0x7f0000000000}, {@code -1 ENOMEM (Cannot allocate memory)}. */
    static String result(SysResult r, CallSpec.Style style) {
        if (r.isError()) {
            return "-1 " + Errno.name(r.errno()) + " (" + Errno.text(r.errno()) + ")";
        }
        if (style == CallSpec.Style.ADDRESS && r.ret() != 0) {
            return "0x" + Long.toHexString(r.ret());
        }
        if (style == CallSpec.Style.NORETURN) {
            return "?"; // exit and exit_group never return: strace prints "= ?"
        }
        return Long.toString(r.ret());
    }
}
