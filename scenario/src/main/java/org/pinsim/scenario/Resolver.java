package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.core.uapi.FlagNames;

/**
 * Gives written expressions their meaning for one parameter: a name is a value bound
 * earlier, else a flag name of the parameter's {@link FlagNames} kind; a name Linux defines
 * for another argument, or for none, is invalid input. Constants are folded here.
 */
final class Resolver {

    private final String file;

    Resolver(String file) {
        this.file = file;
    }

    /** How messages name a flag kind: {@code a PROT_* flag}. */
    static String flagWord(FlagNames kind) {
        return switch (kind) {
            case OPEN -> "an O_* flag";
            case AT -> "AT_FDCWD";
            case RLIMIT -> "an RLIMIT_* name";
            case MADV -> "a MADV_* advice";
            case FCNTL -> "an F_* command";
            case FD -> "FD_CLOEXEC";
            default -> "a " + kind.name() + "_* flag";
        };
    }

    /**
     * Resolves a number for {@code what} (e.g. "argument 3 of mmap (prot)"); {@code kind} may be
     * null for a plain number; {@code allowKB} admits the /proc unit {@code kB} (checks only).
     */
    Val num(Expr e, FlagNames kind, String what, Scope scope, boolean allowKB) {
        if (e instanceof Expr.Fd f) {
            return num(f.num(), kind, what, scope, allowKB); // strace -y: 3</usr/lib/libc.so.6> is 3
        }
        if (e instanceof Expr.Num n) {
            return new Val.Const(scaled(n, allowKB));
        }
        if (e instanceof Expr.Null) {
            return new Val.Const(0);
        }
        if (e instanceof Expr.Name n) {
            return name(n, kind, what, scope);
        }
        if (e instanceof Expr.Negate neg) {
            Val v = num(neg.operand(), kind, what, scope, allowKB);
            return v instanceof Val.Const c ? new Val.Const(-c.value()) : new Val.Neg(v);
        }
        if (e instanceof Expr.Binary b) {
            Val l = num(b.left(), kind, what, scope, allowKB);
            Val r = num(b.right(), kind, what, scope, allowKB);
            if (l instanceof Val.Const cl && r instanceof Val.Const cr) {
                return new Val.Const(Val.Bin.apply(b.op(), cl.value(), cr.value()));
            }
            return new Val.Bin(b.op(), l, r);
        }
        throw error(e.pos(), "expected a number for " + what + ", found " + describe(e));
    }

    /** A value that must be known before anything runs (directive settings): no bound names. */
    long constant(Expr e, FlagNames kind, String what) {
        Val v = num(e, kind, what, new Scope(), false);
        return ((Val.Const) v).value();
    }

    long scaled(Expr.Num n, boolean allowKB) {
        long mult = Sizes.multiplier(n.unit(), allowKB);
        if (mult == 0) {
            String hint = n.unit().equals("kB") ? " (kB is the /proc unit, for check values)" : "";
            throw error(n.pos(), "expected a size unit (" + String.join(", ", Sizes.UNITS) + ") after " + n.value()
                    + ", found '" + n.unit() + "'" + hint);
        }
        try {
            return Math.multiplyExact(n.value(), mult);
        } catch (ArithmeticException ex) {
            throw error(n.pos(), "expected a size that fits in 64 bits, found '" + n.text() + "'");
        }
    }

    private Val name(Expr.Name n, FlagNames kind, String what, Scope scope) {
        Scope.Binding b = scope.get(n.name());
        if (b != null && b.kind() == Scope.Kind.SKIPPED) {
            throw error(n.pos(), "expected a name bound by a call that runs, found '" + n.name() + "' (bound at line "
                    + b.line() + " by " + b.call() + ", which is skipped)");
        }
        if (b != null) {
            return new Val.Ref(n.name());
        }
        Long flag = kind == null ? null : kind.value(n.name());
        if (flag != null) {
            return new Val.Const(flag);
        }
        if (kind == FlagNames.RLIMIT && n.name().equals("unlimited")) {
            return new Val.Const(-1);
        }
        throw unknownName(n, kind, what, scope);
    }

    private InvalidInputException unknownName(Expr.Name n, FlagNames kind, String what, Scope scope) {
        FlagNames other = FlagNames.ofName(n.name());
        if (other != null) {
            String expected = kind == null ? "a number or a name bound earlier" : flagWord(kind);
            return error(n.pos(), "expected " + expected + " for " + what + ", found '" + n.name() + "' ("
                    + flagWord(other) + ")");
        }
        List<String> candidates = new ArrayList<>(scope.valueNames());
        if (kind != null) {
            candidates.addAll(kind.names().keySet());
        }
        String expected = kind == null ? "a number or a name bound earlier" : "a name bound earlier or " + flagWord(kind);
        return error(n.pos(), "expected " + expected + " for " + what + ", found '" + n.name() + "'"
                + Suggest.didYouMean(n.name(), candidates));
    }

    static String describe(Expr e) {
        if (e instanceof Expr.Str s) {
            return "string \"" + s.value() + "\"";
        }
        if (e instanceof Expr.Struct) {
            return "a struct {...}";
        }
        if (e instanceof Expr.Array) {
            return "an array [...]";
        }
        if (e instanceof Expr.Elided) {
            return "'...'";
        }
        if (e instanceof Expr.Null) {
            return "NULL";
        }
        if (e instanceof Expr.Name n) {
            return "'" + n.name() + "'";
        }
        if (e instanceof Expr.Num n) {
            return "'" + n.text() + "'";
        }
        if (e instanceof Expr.Fd f) {
            return "'" + f.num().text() + "<" + f.path() + ">'";
        }
        return "an expression";
    }

    /** True when a unit is written anywhere in the expression. */
    static boolean hasUnit(Expr e) {
        if (e instanceof Expr.Fd f) {
            return hasUnit(f.num());
        }
        if (e instanceof Expr.Num n) {
            return !n.unit().isEmpty();
        }
        if (e instanceof Expr.Binary b) {
            return hasUnit(b.left()) || hasUnit(b.right());
        }
        if (e instanceof Expr.Negate neg) {
            return hasUnit(neg.operand());
        }
        return false;
    }

    InvalidInputException error(Pos pos, String detail) {
        return new InvalidInputException(file, pos, detail);
    }
}
