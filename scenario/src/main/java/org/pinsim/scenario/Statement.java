package org.pinsim.scenario;

import java.util.List;

/** A line that does something: a call or a check. */
public sealed interface Statement {

    int line();

    Guard guard();

    /** Which process a statement names: {@code app:} or a strace pid ({@code 4728}, {@code [pid 4728]}). */
    record ProcRef(String name, Long pid, String written, Pos pos) {
    }

    /**
     * {@code [PROC:] [NAME =] call(args) [= EXPECTED]}. {@code argsText} is the text between
     * the parentheses as written; {@code proc}, {@code bind} and {@code expected} may be null.
     */
    record Call(int line, Guard guard, ProcRef proc, String bind, Pos bindPos, String name, Pos namePos,
                List<Expr.Field> args, String argsText, Expected expected, String expectedText, Strace strace)
            implements Statement {

        public Call(int line, Guard guard, ProcRef proc, String bind, Pos bindPos, String name, Pos namePos,
                    List<Expr.Field> args, String argsText, Expected expected, String expectedText) {
            this(line, guard, proc, bind, bindPos, name, namePos, args, argsText, expected, expectedText, Strace.NONE);
        }

        /** Positional arguments (those written without {@code name=}). */
        public List<Expr> positional() {
            return args.stream().filter(a -> a.name() == null).map(Expr.Field::value).toList();
        }

        public Expr.Field named(String key) {
            for (Expr.Field f : args) {
                if (key.equals(f.name())) {
                    return f;
                }
            }
            return null;
        }
    }

    /**
     * What strace printed around a call: {@code -t}/{@code -tt}/{@code -ttt}/{@code -r}
     * timestamps and the {@code -T} duration as written (null when absent); for a call strace
     * split across lines ({@code <unfinished ...>} ... {@code <... NAME resumed>}) the line where
     * it was issued ({@code issuedLine}, 0 otherwise; the statement's own line is where it
     * resumed); {@code unreturned}, when not null, says why the call never returned in the log
     * (its process ended in it, or the log ends there); {@code ran} says where the call was
     * placed when not at its own line (a fork-like call whose child showed up first).
     */
    public record Strace(String time, String duration, int issuedLine, String unreturned, String ran) {
        public static final Strace NONE = new Strace(null, null, 0, null, null);
    }

    /**
     * A line strace writes about a task rather than a call: {@code +++ exited with 0 +++},
     * {@code +++ killed by SIGKILL +++}, {@code --- SIGSEGV {...} ---}. {@code kind} is
     * EXITED, KILLED, SIGNAL or OTHER; {@code detail} the exit status or the signal name.
     */
    record Event(int line, Guard guard, ProcRef proc, String kind, String detail, String text, Strace strace)
            implements Statement {
    }

    /**
     * {@code check [PROC] FIELD OP VALUE}. {@code proc} is null for {@code vmstat.*} and
     * {@code meminfo.*}; {@code region} holds the arguments of a region function
     * ({@code lck(buf)}, {@code rss(addr, len)}), else is empty; {@code kB} marks a value
     * written with the /proc unit.
     */
    record Check(int line, Guard guard, ProcRef proc, String field, Pos fieldPos, List<Expr> region,
                 String op, Pos opPos, Expr value, boolean kB, String text) implements Statement {
    }
}
