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
                List<Expr.Field> args, String argsText, Expected expected, String expectedText)
            implements Statement {

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
     * {@code check [PROC] FIELD OP VALUE}. {@code proc} is null for {@code vmstat.*} and
     * {@code meminfo.*}; {@code region} holds the arguments of a region function
     * ({@code lck(buf)}, {@code rss(addr, len)}), else is empty; {@code kB} marks a value
     * written with the /proc unit.
     */
    record Check(int line, Guard guard, ProcRef proc, String field, Pos fieldPos, List<Expr> region,
                 String op, Pos opPos, Expr value, boolean kB, String text) implements Statement {
    }
}
