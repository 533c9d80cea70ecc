package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pinsim.core.uapi.FlagNames;
import org.pinsim.scenario.CallSpec.Param;

/** Resolves a call's arguments and expectation against its {@link CallSpec}. */
final class CallCompiler {

    private CallCompiler() {
    }

    static List<Arg> args(Statement.Call st, CallSpec spec, Validator v) {
        return switch (spec.shape()) {
            case CLONE -> List.of(cloneFlags(st, spec, v));
            case CLONE3 -> List.of(clone3Flags(st, spec, v));
            default -> positional(st, spec, v);
        };
    }

    private static List<Arg> positional(Statement.Call st, CallSpec spec, Validator v) {
        List<Param> params = spec.params();
        Expr[] given = new Expr[params.size()];
        int next = 0;
        for (Expr.Field a : st.args()) {
            int i = a.name() == null ? next++ : namedIndex(st, spec, a, v);
            if (i >= params.size()) {
                throw v.resolver().error(a.pos(), "expected at most " + params.size() + " arguments for "
                        + spec.signature() + ", found " + st.args().size());
            }
            if (given[i] != null && a.name() != null) {
                throw v.resolver().error(a.pos(), "expected each argument once, found " + a.name() + "= a second time");
            }
            given[i] = a.value();
        }
        for (int i = 0; i < spec.minArgs(); i++) {
            if (given[i] == null) {
                long count = Arrays.stream(given).filter(e -> e != null).count();
                throw v.resolver().error(st.namePos(), "expected at least " + spec.minArgs() + " arguments for "
                        + spec.signature() + ", found " + count);
            }
        }
        Arg[] out = new Arg[params.size()];
        String[] what = v.argumentNames(spec);
        for (int i = 0; i < out.length; i++) {
            out[i] = arg(params.get(i), given[i], what[i], v);
        }
        return List.of(out);
    }

    /** {@code argument 2 of mlock (len)}: how messages name each parameter of {@code spec}. */
    static String[] argumentNames(CallSpec spec) {
        String[] out = new String[spec.params().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = what(spec, i);
        }
        return out;
    }

    private static int namedIndex(Statement.Call st, CallSpec spec, Expr.Field a, Validator v) {
        Param p = spec.param(a.name());
        if (p == null) {
            throw v.resolver().error(a.pos(), "expected an argument of " + spec.signature() + ", found '" + a.name() + "='");
        }
        return spec.params().indexOf(p);
    }

    private static String what(CallSpec spec, int i) {
        return "argument " + (i + 1) + " of " + spec.name() + " (" + spec.params().get(i).name() + ")";
    }

    /** Parameters that take an address: a literal there is a trace's address ({@link Val.Addr}). */
    private static final java.util.Set<String> ADDRESS_PARAMS = java.util.Set.of("addr", "old_address", "new_address",
            "pages");

    /** A literal non-zero number becomes a translatable address. */
    private static Val address(Val x) {
        return x instanceof Val.Const c && c.value() != 0 ? new Val.Addr(c.value()) : x;
    }

    private static Arg arg(Param p, Expr e, String what, Validator v) {
        Resolver r = v.resolver();
        switch (p.type()) {
            case NUM:
                if (e != null && ADDRESS_PARAMS.contains(p.name())) {
                    return new Arg.Num(address(r.num(e, p.kind(), what, v.scope(), false)));
                }
                return new Arg.Num(e == null ? new Val.Const(p.dflt()) : r.num(e, p.kind(), what, v.scope(), false));
            case BOOL:
                return new Arg.Num(e == null ? new Val.Const(p.dflt()) : bool(e, what, v));
            case STRING:
                if (e instanceof Expr.Str s) {
                    return new Arg.Text(s.value());
                }
                throw r.error(e.pos(), "expected a string for " + what + ", found " + Resolver.describe(e));
            case RLIMIT_IN:
                return limit(e, what, v, true);
            case RLIMIT_OUT:
                return e == null ? new Arg.Absent() : limit(e, what, v, false);
            case ARRAY_IN:
                return array(e, p, what, v, true);
            case ARRAY_OUT:
                return array(e, p, what, v, false);
            case IOVEC_IN:
                return iovec(e, what, v);
            case PERF_ATTR_IN:
                return perfAttr(e, what, v);
            case DURATION:
                return new Arg.Num(new Val.Const(duration(e, what, v)));
            default:
                return new Arg.Absent();
        }
    }

    /** Nanoseconds per time unit the language knows. */
    static final java.util.Map<String, Long> TIME_UNITS = java.util.Map.of("ns", 1L, "us", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L);

    /** {@code 10ms}: a non-negative number with a time unit, in nanoseconds. */
    private static long duration(Expr e, String what, Validator v) {
        if (e instanceof Expr.Num n && TIME_UNITS.containsKey(n.unit())) {
            try {
                return Math.multiplyExact(n.value(), TIME_UNITS.get(n.unit()));
            } catch (ArithmeticException ex) {
                throw v.resolver().error(e.pos(), "expected a duration that fits in 64 bits of ns, found '" + n.text() + "'");
            }
        }
        throw v.resolver().error(e == null ? null : e.pos(), "expected a duration with a unit (ns, us, ms, s) for " + what
                + ", found " + (e == null ? "nothing" : Resolver.describe(e)));
    }

    /**
     * {@code [a, b, ...]} or NULL. An output array is compared only when every item is a
     * number; anything else there ({@code [...]}, an address) is not looked at.
     */
    private static Arg array(Expr e, Param p, String what, Validator v, boolean in) {
        if (e == null || e instanceof Expr.Null) {
            return new Arg.Absent();
        }
        if (!(e instanceof Expr.Array a)) {
            if (!in) {
                return new Arg.Absent();
            }
            throw v.resolver().error(e.pos(), "expected [a, b, ...] or NULL for " + what + ", found " + Resolver.describe(e));
        }
        List<Val> items = new ArrayList<>();
        for (Expr x : a.items()) {
            if (x instanceof Expr.Elided) {
                if (!in) {
                    return new Arg.Absent();
                }
                throw v.resolver().error(x.pos(), "expected a value in " + what + ", found '...'");
            }
            Val item = v.resolver().num(x, p.kind(), what, v.scope(), false);
            items.add(in && ADDRESS_PARAMS.contains(p.name()) ? address(item) : item);
        }
        return new Arg.Array(List.copyOf(items));
    }

    /** {@code [{iov_base=..., iov_len=...}, ...]} (or two unnamed fields each) or NULL: base, len pairs. */
    private static Arg iovec(Expr e, String what, Validator v) {
        if (e == null || e instanceof Expr.Null) {
            return new Arg.Absent();
        }
        if (!(e instanceof Expr.Array a)) {
            throw v.resolver().error(e.pos(), "expected [{iov_base=..., iov_len=...}, ...] or NULL for " + what + ", found "
                    + Resolver.describe(e));
        }
        List<Val> items = new ArrayList<>();
        for (Expr x : a.items()) {
            if (!(x instanceof Expr.Struct s)) {
                throw v.resolver().error(x.pos(), "expected {iov_base=..., iov_len=...} in " + what + ", found "
                        + Resolver.describe(x));
            }
            Expr base = field(s, "iov_base", 0);
            Expr len = field(s, "iov_len", 1);
            if (base == null || len == null) {
                throw v.resolver().error(s.pos(), "expected {iov_base=..., iov_len=...} in " + what + ", found a struct without "
                        + (base == null ? "iov_base" : "iov_len"));
            }
            items.add(address(v.resolver().num(base, null, what + " iov_base", v.scope(), false)));
            items.add(v.resolver().num(len, null, what + " iov_len", v.scope(), false));
        }
        return new Arg.Array(List.copyOf(items));
    }

    /**
     * {@code {type=PERF_TYPE_SOFTWARE, size=136, config=PERF_COUNT_SW_CPU_CLOCK, disabled=1, ...}} as
     * strace prints struct perf_event_attr: every field by name (a name perf_event.h does not
     * define is invalid input); fields left out, or strace's trailing {@code ...}, are zero.
     */
    private static Arg perfAttr(Expr e, String what, Validator v) {
        if (!(e instanceof Expr.Struct s)) {
            Pos at = e == null ? null : e.pos();
            if (at == null) {
                return new Arg.Struct(java.util.Collections.nCopies(org.pinsim.core.uapi.Perf.FIELDS.size(), (Val) null));
            }
            throw v.resolver().error(at, "expected {type=..., size=..., config=..., ...} for " + what + ", found "
                    + Resolver.describe(e));
        }
        List<Val> out = new ArrayList<>(java.util.Collections.nCopies(org.pinsim.core.uapi.Perf.FIELDS.size(), (Val) null));
        for (Expr.Field f : s.fields()) {
            if (f.value() instanceof Expr.Elided) {
                continue;
            }
            if (f.name() == null) {
                throw v.resolver().error(f.pos(), "expected name=value fields in " + what + ", found an unnamed field");
            }
            int i = org.pinsim.core.uapi.Perf.field(f.name());
            if (i < 0) {
                throw v.resolver().error(f.pos(), "expected a field of struct perf_event_attr in " + what + ", found '"
                        + f.name() + "='");
            }
            FlagNames kind = switch (f.name()) {
                case "type" -> FlagNames.PERF_TYPE;
                case "size" -> FlagNames.PERF_ATTR_SIZE;
                case "config" -> FlagNames.PERF_CONFIG;
                case "sample_type" -> FlagNames.PERF_SAMPLE;
                case "read_format" -> FlagNames.PERF_FORMAT;
                default -> null;
            };
            out.set(i, v.resolver().num(f.value(), kind, what + " " + f.name(), v.scope(), false));
        }
        return new Arg.Struct(java.util.Collections.unmodifiableList(out));
    }

    private static Val bool(Expr e, String what, Validator v) {
        if (e instanceof Expr.Name n) {
            switch (n.name()) {
                case "write", "true" -> {
                    return new Val.Const(1);
                }
                case "read", "false" -> {
                    return new Val.Const(0);
                }
                default -> {
                    // a bound name: its value decides
                }
            }
        }
        return v.resolver().num(e, null, what, v.scope(), false);
    }

    /** {@code {rlim_cur=..., rlim_max=...}} (or two unnamed fields), NULL, or for an output anything else. */
    private static Arg limit(Expr e, String what, Validator v, boolean in) {
        if (e instanceof Expr.Null || (!in && !(e instanceof Expr.Struct))) {
            return new Arg.Absent();
        }
        if (!(e instanceof Expr.Struct s)) {
            throw v.resolver().error(e.pos(), "expected {rlim_cur=..., rlim_max=...} or NULL for " + what + ", found "
                    + Resolver.describe(e));
        }
        Expr cur = field(s, "rlim_cur", 0);
        Expr max = field(s, "rlim_max", 1);
        if (cur == null || max == null) {
            if (!in) {
                return new Arg.Absent();
            }
            throw v.resolver().error(s.pos(), "expected {rlim_cur=..., rlim_max=...} for " + what + ", found a struct without "
                    + (cur == null ? "rlim_cur" : "rlim_max"));
        }
        Resolver r = v.resolver();
        return new Arg.Limit(r.num(cur, FlagNames.RLIMIT, what + " rlim_cur", v.scope(), false),
                r.num(max, FlagNames.RLIMIT, what + " rlim_max", v.scope(), false));
    }

    private static Expr field(Expr.Struct s, String name, int index) {
        Expr.Field f = s.field(name);
        if (f != null) {
            return f.value() instanceof Expr.Elided ? null : f.value();
        }
        List<Expr.Field> fs = s.fields();
        boolean unnamed = index < fs.size() && fs.get(index).name() == null;
        return unnamed && !(fs.get(index).value() instanceof Expr.Elided) ? fs.get(index).value() : null;
    }

    /** {@code clone(FLAGS)} or strace's {@code clone(child_stack=NULL, flags=..., ...)}. */
    private static Arg cloneFlags(Statement.Call st, CallSpec spec, Validator v) {
        Expr.Field named = st.named("flags");
        List<Expr> pos = st.positional();
        Expr e = named != null ? named.value() : pos.isEmpty() ? null : pos.get(0);
        if (e == null) {
            throw v.resolver().error(st.namePos(), "expected clone(FLAGS) or strace's clone(..., flags=FLAGS, ...), found no flags");
        }
        return new Arg.Num(v.resolver().num(e, FlagNames.CLONE, "the flags of clone", v.scope(), false));
    }

    /** strace's {@code clone3({flags=..., exit_signal=SIGCHLD, ...}, 88)}: flags | exit_signal. */
    private static Arg clone3Flags(Statement.Call st, CallSpec spec, Validator v) {
        List<Expr> pos = st.positional();
        if (pos.isEmpty() || !(pos.get(0) instanceof Expr.Struct s)) {
            Pos at = pos.isEmpty() ? st.namePos() : pos.get(0).pos();
            throw v.resolver().error(at, "expected clone3({flags=..., exit_signal=...}, SIZE), found "
                    + (pos.isEmpty() ? "no arguments" : Resolver.describe(pos.get(0))));
        }
        Val flags = new Val.Const(0);
        for (String f : List.of("flags", "exit_signal")) {
            Expr.Field field = s.field(f);
            if (field != null && !(field.value() instanceof Expr.Elided)) {
                Val x = v.resolver().num(field.value(), FlagNames.CLONE, "clone3 " + f, v.scope(), false);
                flags = new Val.Bin('|', flags, x);
            }
        }
        return new Arg.Num(flags);
    }

    static Plan.Expect expect(Statement.Call st, CallSpec spec, List<Arg> args, Validator v) {
        Expected e = st.expected();
        Plan.Expect base;
        if (e == null || e instanceof Expected.Unknown) {
            return Plan.Expect.NONE;
        } else if (e instanceof Expected.Error err) {
            base = new Plan.Expect(Plan.Expect.Kind.ERRNO, null, err.errno(), null, null);
        } else {
            Val val = v.resolver().num(((Expected.Value) e).value(), null, "the expected result", v.scope(), false);
            boolean anyError = val instanceof Val.Const c && c.value() == -1;
            if (!anyError && spec.style() == CallSpec.Style.ADDRESS) {
                val = address(val); // a trace's address: compared as translated (Execution.place)
            }
            Plan.Expect.Kind kind = anyError ? Plan.Expect.Kind.ANY_ERROR
                    : spec.binds() == CallSpec.Binds.PROCESS || spec.binds() == CallSpec.Binds.HANDLE
                    ? Plan.Expect.Kind.SUCCESS : Plan.Expect.Kind.VALUE;
            base = new Plan.Expect(kind, val, 0, null, null);
        }
        for (int i = 0; i < spec.params().size() && i < args.size(); i++) {
            if (spec.params().get(i).type() == CallSpec.Type.RLIMIT_OUT && args.get(i) instanceof Arg.Limit l) {
                return new Plan.Expect(base.kind(), base.value(), base.errno(), l.cur(), l.max());
            }
            if (spec.params().get(i).type() == CallSpec.Type.ARRAY_OUT && args.get(i) instanceof Arg.Array a) {
                return new Plan.Expect(base.kind(), base.value(), base.errno(), null, null, a.items());
            }
        }
        return base;
    }
}
