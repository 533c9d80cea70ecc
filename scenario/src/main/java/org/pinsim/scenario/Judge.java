package org.pinsim.scenario;

import org.pinsim.core.SysResult;
import org.pinsim.core.task.Rlimit;
import org.pinsim.core.uapi.Errno;

/** Compares what a call returned with what its statement expected. */
final class Judge {

    private Judge() {
    }

    /** True when the expectation held, false when it did not, null when there was none. */
    static Boolean matches(Plan.Expect e, SysResult r, Rlimit out, Val.Env env) {
        if (e.kind() == Plan.Expect.Kind.NONE) {
            return null;
        }
        return resultMatches(e, r, env) && outMatches(e, out, env);
    }

    private static boolean resultMatches(Plan.Expect e, SysResult r, Val.Env env) {
        return switch (e.kind()) {
            case ERRNO -> r.isError() && r.errno() == e.errno();
            case ANY_ERROR -> r.isError();
            case SUCCESS -> !r.isError();
            case VALUE -> !r.isError() && r.ret() == e.value().eval(env);
            default -> true;
        };
    }

    private static boolean outMatches(Plan.Expect e, Rlimit out, Val.Env env) {
        if (e.outCur() == null || out == null) {
            return true;
        }
        return out.cur() == e.outCur().eval(env) && out.max() == e.outMax().eval(env);
    }

    /** What differed, for the transcript: {@code expected -1 ENOMEM} or the limit written back. */
    static String detail(Plan.CallStep step, SysResult r, Rlimit out, Val.Env env) {
        Plan.Expect e = step.expect();
        if (!resultMatches(e, r, env)) {
            String text = step.statement().expectedText();
            if (e.kind() == Plan.Expect.Kind.SUCCESS) {
                return "expected success (a child, pid " + text + " in the trace)";
            }
            if (e.kind() == Plan.Expect.Kind.VALUE && !isLiteral(step.statement())) {
                text += " (= " + Transcript.result(SysResult.ok(e.value().eval(env)), step.spec().style()) + ")";
            }
            return "expected " + text;
        }
        return "expected " + limit(e.outCur().eval(env), e.outMax().eval(env)) + ", got " + limit(out.cur(), out.max());
    }

    private static boolean isLiteral(Statement.Call st) {
        return st.expected() instanceof Expected.Value v && v.value() instanceof Expr.Num n && n.unit().isEmpty();
    }

    static String limit(long cur, long max) {
        return "{rlim_cur=" + rlim(cur) + ", rlim_max=" + rlim(max) + "}";
    }

    private static String rlim(long v) {
        return v == -1 ? "RLIM_INFINITY" : Long.toUnsignedString(v);
    }

    static String errno(int errno) {
        return Errno.name(errno);
    }
}
