package org.pinsim.scenario;

import java.util.List;

/**
 * An argument or value as written: numbers with units, names, flag words joined by
 * {@code |}, arithmetic, and strace's structs, arrays and strings. What a name means (a
 * bound value or a flag) is decided later, by the parameter it is passed to.
 */
public sealed interface Expr {

    Pos pos();

    /** A number as written: {@code 4096}, {@code 0x1000}, {@code 64KiB} (value 64, unit KiB). */
    record Num(long value, String unit, String text, Pos pos) implements Expr {
    }

    /**
     * A descriptor with strace's {@code -y} decoration: {@code 3</usr/lib/libc.so.6>}. Its value
     * is the number; {@code path} names the file (the stand-in file of that path).
     */
    record Fd(Num num, String path, Pos pos) implements Expr {
    }

    /** The value without a decoration: the number of an {@link Fd}, else the expression itself. */
    static Expr plain(Expr e) {
        return e instanceof Fd f ? f.num() : e;
    }

    /** A name: a bound value, a flag ({@code PROT_READ}), or a word such as {@code unlimited}. */
    record Name(String name, Pos pos) implements Expr {
    }

    record Str(String value, boolean truncated, Pos pos) implements Expr {
    }

    record Null(Pos pos) implements Expr {
    }

    /** Binary operators: {@code + - * | <<}. */
    record Binary(char op, Expr left, Expr right, Pos pos) implements Expr {
    }

    record Negate(Expr operand, Pos pos) implements Expr {
    }

    /** {@code {rlim_cur=64*1024, rlim_max=...}}; strace may end it with {@code ...}. */
    record Struct(List<Field> fields, Pos pos) implements Expr {

        public Field field(String name) {
            for (Field f : fields) {
                if (name.equals(f.name())) {
                    return f;
                }
            }
            return null;
        }
    }

    record Array(List<Expr> items, Pos pos) implements Expr {
    }

    /** strace's {@code ...} for what it left out. */
    record Elided(Pos pos) implements Expr {
    }

    /** A field of a struct, or a named argument ({@code flags=CLONE_VM} in strace's clone). */
    record Field(String name, Expr value, Pos pos) {
    }
}
