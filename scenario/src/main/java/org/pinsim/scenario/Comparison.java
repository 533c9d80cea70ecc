package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.pinsim.core.Profile;

/**
 * One scenario run under several kernel profiles, lined up by file line: what
 * {@code pinsim compare} prints (docs/SCENARIO-REFERENCE.md section 14). Each profile
 * overrides the file's {@code kernel} directive, as {@code run --kernel} does.
 *
 * <p>{@link #rows()} holds the statements worth a look: every call or check whose outcome
 * differs between the profiles it applies to ({@link Row#differs()}), every one a profile
 * guard gives to some of the profiles compared and not others (a file states each design's
 * answer on lines of its own: {@link Row#guarded()}), and also every one that mismatched its
 * expectation or was skipped under some profile, so that each mismatch behind
 * exit code 1 and each skipped call is in the table. {@link #processes()} holds every process's
 * final figures under each profile, matched by name.
 *
 * @param reports one report per profile, in the order of {@code profiles}
 */
public record Comparison(String file, List<Profile> profiles, List<Report> reports, List<Row> rows,
                         List<ProcessRow> processes) {

    /** What a statement is: a call that ran (or could not), a skipped call, or a check. */
    public enum Kind {
        CALL, SKIPPED, CHECK;

        /** {@code call}, {@code skipped}, {@code check}: the JSON spelling. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A statement under one profile. {@code outcome} is the result as the transcript prints it
     * without strace's errno text ({@code 0}, {@code 0x7ffff7ff3000}, {@code -1 ENOMEM}), for a
     * check its actual value ({@code 48 kB}), {@code skipped} for a skipped call and
     * {@code not run} for a call whose process was gone. {@code match}: whether it met the
     * file's expectation (null when the statement has none, or was skipped).
     */
    public record Cell(String outcome, Boolean match) {

        /** Whether the cell is a mismatch: a call or check that did not meet the file's expectation. */
        public boolean mismatch() {
            return Boolean.FALSE.equals(match);
        }
    }

    /**
     * One statement across the profiles: {@code cells} in the order of the profiles, null where
     * a profile guard leaves the statement out. {@code text} is the statement as written,
     * without guard or comment, with its expectation ({@code = 0}) when it has one;
     * {@code expected} is that expectation alone (a check's expected value), or null.
     * {@code differs}: the profiles it applies to do not all give the same outcome.
     */
    public record Row(int line, Kind kind, String text, String expected, List<Cell> cells, boolean differs) {

        public boolean mismatched() {
            return cells.stream().anyMatch(c -> c != null && c.mismatch());
        }

        /** Whether a profile guard leaves the statement out under some of the profiles compared. */
        public boolean guarded() {
            return cells.contains(null);
        }
    }

    /**
     * A process's final figures under each profile, in the order of the profiles (null where
     * it does not exist at the end: never created, or exited). {@code name} is the process
     * name, or {@code (pid N)} for a child no name was bound to.
     */
    public record ProcessRow(String name, List<Report.ProcessFigures> figures) {
    }

    /**
     * Runs {@code scenario} under each profile, in order. The scenario is resolved under every
     * profile before any runs, so invalid input is reported before anything runs; input that
     * is invalid under only some of the profiles gets {@code (under P1, P2)} after its message.
     *
     * @param options seed and strictness; its kernel is ignored
     * @throws InvalidInputException the scenario is invalid under a profile
     * @throws ModelBugException the model failed under a profile (the message names it)
     */
    public static Comparison run(Scenario scenario, List<Profile> profiles, RunOptions options) {
        if (profiles.isEmpty()) {
            throw new IllegalArgumentException("no kernel profile to compare");
        }
        validate(scenario, profiles, options);
        List<Report> reports = new ArrayList<>();
        for (Profile p : profiles) {
            try {
                reports.add(ScenarioRunner.run(scenario, options.withKernel(p)));
            } catch (ModelBugException e) {
                throw under(p, e);
            }
        }
        return of(scenario.file(), reports);
    }

    /** The same failure, its message naming the profile: {@code file:line: under P: ...}. */
    static ModelBugException under(Profile p, ModelBugException e) {
        String prefix = e.file() + ":" + e.line() + ": ";
        String msg = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        return new ModelBugException(e.file(), e.line(), "under " + p.id() + ": " + msg, e.getCause());
    }

    private static void validate(Scenario scenario, List<Profile> profiles, RunOptions options) {
        Map<Profile, InvalidInputException> failures = new LinkedHashMap<>();
        for (Profile p : profiles) {
            try {
                ScenarioRunner.validate(scenario, options.withKernel(p));
            } catch (InvalidInputException e) {
                failures.put(p, e);
            }
        }
        if (failures.isEmpty()) {
            return;
        }
        InvalidInputException first = failures.values().iterator().next();
        boolean everywhere = failures.size() == profiles.size()
                && failures.values().stream().allMatch(e -> e.getMessage().equals(first.getMessage()));
        if (everywhere) {
            throw first;
        }
        Set<String> under = new LinkedHashSet<>();
        failures.forEach((p, e) -> {
            if (e.getMessage().equals(first.getMessage())) {
                under.add(p.id());
            }
        });
        throw new InvalidInputException(first.file(), first.line(), first.column(),
                first.detail() + " (under " + String.join(", ", under) + ")");
    }

    /** Lines up reports of one file under different profiles (each report names its profile). */
    public static Comparison of(String file, List<Report> reports) {
        List<Profile> profiles = reports.stream().map(Report::profile).toList();
        int n = reports.size();
        // every entry by line, in file order; a line holds one statement
        TreeMap<Integer, Report.Entry[]> byLine = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            for (Report.Entry e : reports.get(i).entries()) {
                if (e instanceof Report.EventEntry) {
                    continue; // strace task lines: what the run did, not an outcome to compare
                }
                byLine.computeIfAbsent(e.line(), l -> new Report.Entry[n])[i] = e;
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<Integer, Report.Entry[]> line : byLine.entrySet()) {
            Row row = row(line.getKey(), line.getValue());
            if (row.differs() || row.guarded() || row.mismatched() || row.kind() == Kind.SKIPPED) {
                rows.add(row);
            }
        }
        return new Comparison(file, profiles, List.copyOf(reports), List.copyOf(rows), processes(reports));
    }

    private static Row row(int line, Report.Entry[] entries) {
        Report.Entry any = null;
        List<Cell> cells = new ArrayList<>();
        for (Report.Entry e : entries) {
            if (e != null && any == null) {
                any = e;
            }
            cells.add(e == null ? null : cell(e));
        }
        cells = Collections.unmodifiableList(cells);
        Set<String> outcomes = cells.stream().filter(c -> c != null).map(Cell::outcome).collect(Collectors.toSet());
        boolean differs = outcomes.size() > 1;
        if (any instanceof Report.CallEntry c) {
            String text = c.expected() == null ? c.text() : c.text() + " = " + c.expected();
            return new Row(line, Kind.CALL, text, c.expected(), cells, differs);
        }
        if (any instanceof Report.SkipEntry s) {
            return new Row(line, Kind.SKIPPED, s.text(), null, cells, differs);
        }
        Report.CheckEntry c = (Report.CheckEntry) any;
        return new Row(line, Kind.CHECK, c.text(), c.expected(), cells, differs);
    }

    private static Cell cell(Report.Entry e) {
        if (e instanceof Report.CallEntry c) {
            return new Cell(outcome(c), c.match());
        }
        if (e instanceof Report.SkipEntry) {
            return new Cell("skipped", null);
        }
        Report.CheckEntry c = (Report.CheckEntry) e;
        return new Cell(c.actual(), c.match());
    }

    /** {@code 0}, {@code 0x7ffff7ff3000}, {@code -1 ENOMEM}, {@code not run}. */
    static String outcome(Report.CallEntry c) {
        if (c.value() == null) {
            return "not run";
        }
        if (c.errno() != null) {
            return "-1 " + c.errno();
        }
        return c.result();
    }

    /** Processes matched by name, in the order they first appear (profile by profile). */
    private static List<ProcessRow> processes(List<Report> reports) {
        int n = reports.size();
        Map<String, Report.ProcessFigures[]> byName = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            for (Report.ProcessFigures p : reports.get(i).processes()) {
                byName.computeIfAbsent(name(p), k -> new Report.ProcessFigures[n])[i] = p;
            }
        }
        List<ProcessRow> rows = new ArrayList<>();
        byName.forEach((name, figures) -> rows.add(new ProcessRow(name, Collections.unmodifiableList(Arrays.asList(figures)))));
        return List.copyOf(rows);
    }

    private static String name(Report.ProcessFigures p) {
        return p.name() == null ? "(pid " + p.pid() + ")" : p.name();
    }

    /** Rows whose outcome differs between the profiles. */
    public long differences() {
        return rows.stream().filter(Row::differs).count();
    }

    /** The profiles under which some expectation or check did not hold. */
    public List<Profile> mismatchedProfiles() {
        List<Profile> out = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            if (reports.get(i).exitCode() != 0) {
                out.add(profiles.get(i));
            }
        }
        return out;
    }

    /**
     * 0 when every expectation and check held under every profile it applies to, 1 when one did
     * not under some profile. Outcomes that differ between the profiles are not failures.
     */
    public int exitCode() {
        return mismatchedProfiles().isEmpty() ? 0 : 1;
    }
}
