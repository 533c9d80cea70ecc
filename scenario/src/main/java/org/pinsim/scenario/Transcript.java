package org.pinsim.scenario;

import java.io.PrintWriter;
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
        // built in a buffer and handed over in large pieces: the writer the CLI passes flushes
        // on every println, which for a log is one write(2) per line
        Lines b = new Lines(out);
        for (String n : report.notes()) {
            b.add("note: ").add(n).end();
        }
        for (Report.Entry e : report.entries()) {
            entry(e, b, explain);
        }
        for (Report.ProcessFigures p : report.processes()) {
            b.add(figures(p)).end();
        }
        for (Report.SkippedCall s : report.skipped()) {
            b.add("skipped ").add(s.call()).add(" x").add(s.lines().size()).add(" (line")
                    .add(s.lines().size() > 1 ? "s " : " ");
            for (int i = 0; i < s.lines().size(); i++) {
                if (i > 0) {
                    b.add(", ");
                }
                b.add(s.lines().get(i));
            }
            b.add("): ").add(s.reason()).end();
        }
        b.add(summary(report.summary())).end();
        b.drain();
        out.flush();
    }

    /** The transcript's text on its way to the writer: lines end as println ends them. */
    private static final class Lines {
        private static final String NL = System.lineSeparator();
        private static final int CHUNK = 1 << 16;
        private final StringBuilder sb = new StringBuilder(CHUNK + 1024);
        private final PrintWriter out;

        Lines(PrintWriter out) {
            this.out = out;
        }

        Lines add(String s) {
            sb.append(s);
            return this;
        }

        Lines add(int i) {
            sb.append(i);
            return this;
        }

        Lines add(Object o) {
            sb.append(o);
            return this;
        }

        void end() {
            sb.append(NL);
            if (sb.length() >= CHUNK) {
                drain();
            }
        }

        void drain() {
            out.append(sb);
            sb.setLength(0);
        }
    }

    private static void entry(Report.Entry e, Lines b, boolean explain) {
        if (e instanceof Report.CallEntry c) {
            b.add(c.line()).add("  ").add(c.text()).add(" = ").add(c.result());
            if (c.duration() != null) {
                b.add(" <").add(c.duration()).add(">");
            }
            b.end();
            if (Boolean.FALSE.equals(c.match()) && c.detail() != null) {
                b.add("   MISMATCH ").add(c.detail()).end();
            } else if (Boolean.FALSE.equals(c.match())) {
                b.add("   MISMATCH ").add(c.expected() == null ? "the call did not run" : "expected " + c.expected()).end();
            }
            if (explain && (c.refusal() != null || Boolean.FALSE.equals(c.match()))) {
                for (String l : Explain.lines(c)) {
                    if (!l.startsWith("mismatch: ")) {
                        b.add("   ").add(l).end();
                    }
                }
            } else if (c.refusal() != null) {
                b.add("   why: ").add(c.refusal().line()).end();
            }
            for (String n : c.notes()) {
                b.add("   note: ").add(n).end();
            }
        } else if (e instanceof Report.SkipEntry s) {
            b.add(s.line()).add("  ").add(s.text()).add(" skipped: ").add(s.reason()).end();
        } else if (e instanceof Report.EventEntry ev) {
            b.add(ev.line()).add("  ").add(ev.text()).add(" -> ").add(ev.outcome()).end();
        } else {
            Report.CheckEntry c = (Report.CheckEntry) e;
            b.add(c.line()).add("  ").add(c.text()).add(c.match() ? " -> ok" : " -> MISMATCH (got " + c.actual() + ")").end();
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
