package org.pinsim.scenario;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.pinsim.core.Profile;

/**
 * The text of {@code pinsim compare} (docs/SCENARIO-REFERENCE.md section 14): a table with a
 * column per profile, one row per statement of {@link Comparison#rows()} and four rows of
 * final counters per process, then a summary line per profile and the verdict, last. Columns
 * are padded with blanks, lines carry no trailing blanks, and only ASCII is added to the
 * scenario's own text.
 *
 * <pre>
 * line  statement                           linux-3.1    linux-6.18
 *    5  mlock2(a, 4096, MLOCK_ONFAULT) = 0  -1 ENOSYS !  0
 *       final app VmLck                     48 kB        48 kB
 * </pre>
 */
public final class ComparisonTable {

    /** Statement text longer than this is cut, ending in {@code ...}. */
    public static final int TEXT_WIDTH = 48;
    /** After an outcome that is not what the file expects. */
    public static final String MISMATCH_MARK = " !";
    /** In the column of a profile that a guard leaves the statement out of, or a process absent at the end. */
    public static final String ABSENT = "-";
    private static final String GAP = "  ";
    /** The line under the table. */
    static final String LEGEND = "(" + MISMATCH_MARK.strip() + " = not what the file expects; " + ABSENT
            + " = left out by a profile guard, or no such process at the end)";

    private ComparisonTable() {
    }

    public static void write(Comparison c, PrintWriter out) {
        List<String[]> lines = new ArrayList<>();
        int n = c.profiles().size();
        String[] header = new String[n + 2];
        header[0] = "line";
        header[1] = "statement";
        for (int i = 0; i < n; i++) {
            header[i + 2] = c.profiles().get(i).id();
        }
        lines.add(header);
        for (Comparison.Row r : c.rows()) {
            String[] l = new String[n + 2];
            l[0] = Integer.toString(r.line());
            l[1] = cut(r.text());
            for (int i = 0; i < n; i++) {
                l[i + 2] = cell(r.cells().get(i));
            }
            lines.add(l);
        }
        for (Comparison.ProcessRow p : c.processes()) {
            lines.add(counter(p, "VmLck", Report.ProcessFigures::vmLckKb));
            lines.add(counter(p, "VmPin", Report.ProcessFigures::vmPinKb));
            lines.add(counter(p, "user->locked_vm", Report.ProcessFigures::userLockedKb));
            lines.add(counter(p, "exempt from paging", Report.ProcessFigures::exemptKb));
        }
        int[] width = new int[n + 2];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                width[i] = Math.max(width[i], l[i].length());
            }
        }
        for (String[] l : lines) {
            StringBuilder sb = new StringBuilder();
            sb.append(" ".repeat(width[0] - l[0].length())).append(l[0]);
            for (int i = 1; i < l.length; i++) {
                sb.append(GAP).append(l[i]).append(" ".repeat(width[i] - l[i].length()));
            }
            out.println(sb.toString().stripTrailing());
        }
        out.println(LEGEND);
        int idWidth = c.profiles().stream().mapToInt(p -> p.id().length()).max().orElse(0);
        for (int i = 0; i < n; i++) {
            String id = c.profiles().get(i).id();
            out.println(id + " ".repeat(idWidth - id.length()) + GAP + Transcript.counts(c.reports().get(i).summary()));
        }
        out.println(verdict(c));
        out.flush();
    }

    /**
     * {@code 2 statements differ between the profiles, 3 more are guarded for some of them;
     * mismatches under linux-3.1 (exit 1)}, or
     * {@code ...; every expectation and check held (exit 0)}.
     */
    static String verdict(Comparison c) {
        long d = c.differences();
        long g = c.rows().stream().filter(r -> r.guarded() && !r.differs()).count();
        String differ = (d == 0 ? "no statement differs" : d + (d == 1 ? " statement differs" : " statements differ"))
                + " between the profiles" + (g == 0 ? "" : ", " + g + " more " + (g == 1 ? "is" : "are")
                + " guarded for some of them") + "; ";
        List<Profile> bad = c.mismatchedProfiles();
        String held = bad.isEmpty() ? "every expectation and check held"
                : "mismatches under " + bad.stream().map(Profile::id).collect(Collectors.joining(", "));
        return differ + held + " (exit " + c.exitCode() + ")";
    }

    private static String[] counter(Comparison.ProcessRow p, String what, ToLongFunction<Report.ProcessFigures> kb) {
        int n = p.figures().size();
        String[] l = new String[n + 2];
        l[0] = "";
        l[1] = cut("final " + p.name() + " " + what);
        for (int i = 0; i < n; i++) {
            Report.ProcessFigures f = p.figures().get(i);
            l[i + 2] = f == null ? ABSENT : Long.toUnsignedString(kb.applyAsLong(f)) + " kB"; // as /proc prints it
        }
        return l;
    }

    private static String cell(Comparison.Cell c) {
        if (c == null) {
            return ABSENT;
        }
        return c.mismatch() ? c.outcome() + MISMATCH_MARK : c.outcome();
    }

    /** The text, or its first {@code TEXT_WIDTH - 3} characters and {@code ...}. */
    static String cut(String text) {
        if (text.length() <= TEXT_WIDTH) {
            return text;
        }
        int end = TEXT_WIDTH - 3;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "...";
    }
}
