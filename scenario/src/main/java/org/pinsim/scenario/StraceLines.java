package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first pass over a file: what strace writes around the calls, taken off before the
 * parser reads them (strace's src/strace.c printleader and src/syscall.c
 * syscall_exiting_trace are the reference for each form).
 *
 * <ul>
 * <li>the pid prefix, {@code 4728  } ({@code -f -o FILE}) or {@code [pid 4728] } (-f to a
 * terminal), with the command name {@code --decode-pids=comm} adds ({@code 4728<stress-ng>});
 * <li>timestamps: {@code -t} {@code 21:15:03}, {@code -tt} {@code 21:15:03.123456},
 * {@code -ttt} {@code 1733433303.123456}, {@code -r} {@code     0.000123} (or
 * {@code (+     0.000123)} after a {@code -t} stamp); {@code -i}'s instruction pointer and
 * {@code -n}'s syscall number in brackets;
 * <li>{@code -T}'s duration at the end, {@code <0.000123>};
 * <li>a call split across lines: {@code NAME(ARGS <unfinished ...>} on one line,
 * {@code <... NAME resumed>REST} on a later line of the same pid, joined into one call;
 * <li>task lines: {@code +++ exited with N +++}, {@code +++ killed by SIG... +++},
 * {@code --- SIGNAL {...} ---}; strace's own {@code strace: ...} messages are passed over.
 * </ul>
 *
 * <p><b>Where a split call takes effect.</b> The kernel ran the call somewhere between its
 * entry (the {@code <unfinished ...>} line) and its exit (the {@code resumed} line); only at the
 * exit is its result known and its effect complete, so the joined call runs where it
 * resumed. One exception: a fork-like call (clone, clone3, fork, vfork) whose child shows up
 * before the parent's call resumes runs just before the child's first line, because the
 * kernel creates the child (kernel/fork.c copy_process, then wake_up_new_task) before the
 * parent returns. A call never resumed runs where it was issued when it is exit or
 * exit_group (they do not return); any other is listed as never returned, because its
 * process ended in it (or the log ends there).
 */
final class StraceLines {

    /** One logical line: a physical line, or two joined. */
    record Logical(int line, String text, int from, Lexer.At at, Long pid, String pidText, Pos pidPos,
                   Statement.Strace strace, String eventKind, String eventDetail, boolean forkLike,
                   String unreturned) {
    }

    /** The lines in the order they run, and whether the file is a strace log. */
    record Result(List<Logical> lines, boolean log, String truncated) {
    }

    private static final Pattern PREFIX = Pattern.compile(
            "^\\s*(?:(\\d+)(?:<[^>]*>)?[ \\t]+|\\[pid\\s+(\\d+)(?:<[^>]*>)?\\][ \\t]*)?"
                    + "(?:((?:\\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d+)?)|\\d+\\.\\d+)[ \\t]+)?"
                    + "(?:(\\(\\+\\s*\\d+(?:\\.\\d+)?\\)|\\d+\\.\\d+)[ \\t]+)?"
                    + "(\\[\\s*[0-9a-fx]+\\][ \\t]+)?");
    private static final Pattern DURATION = Pattern.compile("\\s<(\\d+(?:\\.\\d+)?)>\\s*$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. ([A-Za-z0-9_]+) resumed>");
    private static final String UNFINISHED = "<unfinished ...>";
    private static final Pattern VARS = Pattern.compile("/\\* \\d+ vars \\*/");
    private static final Pattern RESULT_PID = Pattern.compile("\\)\\s*=\\s*(\\d+)");
    private static final java.util.Set<String> FORK_LIKE = java.util.Set.of("clone", "clone3", "fork", "vfork");

    private record Pending(int line, String text, int from, int cut, Long pid, String pidText, Pos pidPos,
                           String time, String name) {
    }

    private final List<Logical> out = new ArrayList<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private final String file;
    private boolean log;
    private Interner words;
    /** The boxed pid of each pid text seen (one Long per process, not one per line). */
    private final Map<String, Long> pids = new HashMap<>();

    private StraceLines(String file) {
        this.file = file;
    }

    /** The lines in the order they run; the pids' text taken from {@code words} (the parser's). */
    static Result read(String file, String[] lines, Interner words) {
        StraceLines s = new StraceLines(file);
        s.words = words;
        for (int i = 0; i < lines.length; i++) {
            s.line(i + 1, lines[i]);
        }
        String truncated = s.finish();
        s.out.sort((a, b) -> Integer.compare(a.line(), b.line())); // stable: a split call runs where it resumed
        s.placeForks();
        return new Result(s.out, s.log, truncated);
    }

    private void line(int no, String text) {
        int simple = simplePrefix(text);
        if (simple > 0) {
            int digits = 0;
            while (text.charAt(digits) != ' ' && text.charAt(digits) != '\t') {
                digits++;
            }
            line(no, text, words.intern(text, 0, digits), 0, simple, -1, null, null, null);
            return;
        }
        Matcher m = PREFIX.matcher(text);
        m.lookingAt();
        line(no, text, m.group(1) != null ? m.group(1) : m.group(2), m.group(1) != null ? m.start(1) : -1,
                m.end(), m.group(2) != null ? m.start(2) : -1, m.group(3), m.group(4), m.group(5));
    }

    /**
     * The common prefix, {@code PID<blanks>} before a call name, without the regex: where the
     * blanks end when the line starts with the pid's digits, then spaces or tabs, then a letter
     * or '_' ({@link #PREFIX} then matches exactly the pid and the blanks, no time, no
     * instruction pointer); 0 when it is another shape.
     */
    private static int simplePrefix(String text) {
        int n = text.length();
        int i = 0;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        int digits = i;
        if (digits == 0 || i >= n || (text.charAt(i) != ' ' && text.charAt(i) != '\t')) {
            return 0;
        }
        while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        if (i >= n) {
            return 0;
        }
        char c = text.charAt(i);
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ? i : 0;
    }

    /** {@link #line(int, String)} with {@link #PREFIX}'s groups: the pid in brackets starts at {@code pid2Start}. */
    private void line(int no, String text, String pidDigits, int pid1Start, int from, int pid2Start,
                      String g3, String g4, String g5) {
        String rest = text.substring(from);
        boolean prefixed = pidDigits != null || g3 != null || g4 != null || g5 != null;
        if (!prefixed) {
            from = 0; // nothing strace-like before the statement: lexed as written
            rest = text;
        } else if (rest.isBlank()) {
            return;
        } else {
            log = true;
        }
        Long pid = pidDigits == null ? null : pids.computeIfAbsent(pidDigits, StraceLines::parsePid);
        String pidText = null;
        Pos pidPos = null;
        if (pid1Start >= 0) {
            pidText = pidDigits;
            pidPos = new Pos(no, pid1Start + 1);
        } else if (pid2Start >= 0) {
            int open = text.indexOf('[');
            pidText = text.substring(open, text.indexOf(']', pid2Start) + 1);
            pidPos = new Pos(no, open + 1);
        }
        String time = g3 != null ? g3 + (g4 != null ? " " + g4 : "") : g4;
        String trimmed = rest.strip();
        if (trimmed.startsWith("strace: ")) {
            log = true;
            return;
        }
        if (trimmed.startsWith("+++ ") || trimmed.startsWith("--- ")) {
            log = true;
            event(no, text, pid, pidText, pidPos, time, trimmed);
            return;
        }
        if ((text.contains(" vars */") && VARS.matcher(text).find()) || (out.isEmpty() && trimmed.startsWith("execve("))) {
            log = true;
        }
        Matcher resumed = trimmed.startsWith("<... ") ? RESUMED.matcher(trimmed) : null;
        if (resumed != null && resumed.lookingAt()) {
            log = true;
            resume(no, text, from + rest.indexOf('<') + resumed.end(), pid, resumed.group(1));
            return;
        }
        int end = text.length();
        String duration = null;
        Matcher d = endsWithAngle(text) ? DURATION.matcher(text) : null;
        if (d != null && d.find() && d.start() >= from) {
            duration = d.group(1);
            end = d.start();
            log = true;
        }
        String stripped = text.substring(0, end).stripTrailing();
        if (stripped.endsWith(UNFINISHED)) {
            log = true;
            int cut = stripped.length() - UNFINISHED.length();
            String name = callName(text, from);
            pending.put(pid, new Pending(no, text, from, cut, pid, pidText, pidPos, time, name));
            return;
        }
        out.add(new Logical(no, text.substring(0, end), from, null, pid, pidText, pidPos,
                time == null && duration == null ? Statement.Strace.NONE : new Statement.Strace(time, duration, 0, null, null),
                null, null, false, null));
    }

    /**
     * Whether the last character before trailing {@code \\s} is '>': {@link #DURATION} can
     * match only then (it ends in {@code >\\s*$}).
     */
    private static boolean endsWithAngle(String text) {
        int i = text.length() - 1;
        while (i >= 0 && isRegexSpace(text.charAt(i))) {
            i--;
        }
        return i >= 0 && text.charAt(i) == '>';
    }

    /** The regex class {@code \\s}: [ \t\n\x0B\f\r]. */
    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static Long parsePid(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // the validator names it as a pid it does not know
        }
    }

    private static String callName(String text, int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        int s = i;
        while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        return text.substring(s, i);
    }

    private void event(int no, String text, Long pid, String pidText, Pos pidPos, String time, String trimmed) {
        String kind;
        String detail;
        if (trimmed.startsWith("+++ exited with ")) {
            kind = "EXITED";
            detail = trimmed.substring("+++ exited with ".length()).replace("+++", "").strip();
        } else if (trimmed.startsWith("+++ killed by ")) {
            kind = "KILLED";
            detail = trimmed.substring("+++ killed by ".length()).replace("+++", "").strip();
        } else if (trimmed.startsWith("--- ") && !trimmed.startsWith("--- stopped")) {
            kind = "SIGNAL";
            int sp = trimmed.indexOf(' ', 4);
            detail = sp < 0 ? trimmed.substring(4) : trimmed.substring(4, sp);
        } else {
            kind = "OTHER";
            detail = trimmed;
        }
        Pending p = pending.get(pid);
        if (p != null && (kind.equals("EXITED") || kind.equals("KILLED"))) {
            pending.remove(pid);
            unreturned(p, "pid " + pid + " ended (line " + no + ") while in it");
        }
        out.add(new Logical(no, text, text.indexOf(trimmed), null, pid, pidText, pidPos,
                new Statement.Strace(time, null, 0, null, null), kind, detail, false, null));
    }

    /** A call issued and never resumed: exit and exit_group run where issued; any other is listed. */
    private void unreturned(Pending p, String why) {
        boolean exits = p.name().equals("exit") || p.name().equals("exit_group");
        String text = p.text().substring(0, p.cut()).stripTrailing() + (exits ? ") = ?" : ")");
        out.add(new Logical(p.line(), text, p.from(), null, p.pid(), p.pidText(), p.pidPos(),
                new Statement.Strace(p.time(), null, 0, exits ? null : why, null), null, null, false,
                exits ? null : why));
    }

    private void resume(int no, String text, int restFrom, Long pid, String name) {
        Pending p = pending.remove(pid);
        if (p != null && !p.name().equals(name)) {
            throw new InvalidInputException(file, no, text.indexOf("<...") + 1, "expected '<... " + p.name()
                    + " resumed>' (pid " + pid + " is in " + p.name() + " since line " + p.line() + "), found '<... "
                    + name + " resumed>'");
        }
        if (p == null) {
            // a resumed call whose start the log does not hold (a capture begun mid-call): only
            // its name is known, so it is listed as such
            out.add(new Logical(no, name + "()", 0, null, pid, null, null,
                    new Statement.Strace(null, null, 0, "its start is not in the log (line " + no + " resumes it)", null),
                    null, null, false, "its start is not in the log"));
            return;
        }
        int end = text.length();
        String duration = null;
        Matcher d = DURATION.matcher(text);
        if (d.find() && d.start() >= restFrom) {
            duration = d.group(1);
            end = d.start();
        }
        String part1 = p.text().substring(0, p.cut()).stripTrailing();
        String part2 = text.substring(restFrom, end);
        String stripped2 = part2.stripTrailing();
        if (stripped2.endsWith(UNFINISHED)) {
            // resumed and interrupted again before it returned: still pending, with more text
            String joined = part1 + stripped2.substring(0, stripped2.length() - UNFINISHED.length());
            pending.put(pid, new Pending(p.line(), joined + " " + UNFINISHED, p.from(), joined.length(), pid,
                    p.pidText(), p.pidPos(), p.time(), name));
            return;
        }
        int len1 = part1.length();
        int line1 = p.line();
        String joined = part1 + part2;
        Lexer.At at = i -> i < len1 ? new Pos(line1, i + 1) : new Pos(no, restFrom + (i - len1) + 1);
        out.add(new Logical(no, joined, p.from(), at, pid, p.pidText(), p.pidPos(),
                new Statement.Strace(p.time(), duration, p.line(), null, null), null, null,
                FORK_LIKE.contains(name), null));
    }

    /** Calls still pending at the end of the file: the log ends in the middle of them. */
    private String finish() {
        if (pending.isEmpty()) {
            return null;
        }
        List<Pending> left = new ArrayList<>(pending.values());
        left.sort((a, b) -> Integer.compare(a.line(), b.line()));
        StringBuilder sb = new StringBuilder();
        for (Pending p : left) {
            unreturned(p, "the log ends while pid " + p.pid() + " is in it");
            sb.append(sb.length() == 0 ? "" : ", ").append(p.name()).append(" (line ").append(p.line()).append(')');
        }
        return "the log ends in the middle of " + sb + ": replayed up to there";
    }

    /** A joined fork-like call moves before its child's first line when that comes first. */
    private void placeForks() {
        for (int i = 0; i < out.size(); i++) {
            Logical l = out.get(i);
            if (!l.forkLike() || l.strace().issuedLine() == 0) {
                continue;
            }
            Matcher m = RESULT_PID.matcher(l.text());
            Long child = null;
            while (m.find()) {
                child = Long.parseLong(m.group(1));
            }
            if (child == null) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                Logical c = out.get(j);
                if (child.equals(c.pid()) && c.line() > l.strace().issuedLine()) {
                    Statement.Strace st = l.strace();
                    Logical moved = new Logical(l.line(), l.text(), l.from(), l.at(), l.pid(), l.pidText(), l.pidPos(),
                            new Statement.Strace(st.time(), st.duration(), st.issuedLine(), null,
                                    "before line " + c.line() + ", where its child " + child + " first shows"),
                            null, null, true, null);
                    out.remove(i);
                    out.add(j, moved);
                    break;
                }
            }
        }
    }
}
