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
        return matches(e, r, out, null, env);
    }

    /** As above, with the array written back (move_pages' status), compared when the call succeeded. */
    static Boolean matches(Plan.Expect e, SysResult r, Rlimit out, long[] outArray, Val.Env env) {
        if (e.kind() == Plan.Expect.Kind.NONE) {
            return null;
        }
        return resultMatches(e, r, env) && outMatches(e, out, env) && arrayMatches(e, r, outArray, env);
    }

    private static boolean arrayMatches(Plan.Expect e, SysResult r, long[] got, Val.Env env) {
        if (e.outArray() == null || got == null || r.isError()) {
            return true;
        }
        if (e.outArray().size() != got.length) {
            return false;
        }
        for (int i = 0; i < got.length; i++) {
            if ((int) e.outArray().get(i).eval(env) != (int) got[i]) {
                return false;
            }
        }
        return true;
    }

    /** An array as strace prints move_pages' status: node ids, -ENOENT for errors. */
    static String statusArray(long[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ", ");
            int x = (int) a[i];
            sb.append(x < 0 && x >= -4095 ? "-" + Errno.name(-x) : Integer.toString(x));
        }
        return sb.append(']').toString();
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
    static String detail(Plan.CallStep step, SysResult r, Rlimit out, long[] outArray, Val.Env env) {
        Plan.Expect e = step.expect();
        if (resultMatches(e, r, env) && outMatches(e, out, env) && !arrayMatches(e, r, outArray, env)) {
            long[] want = new long[e.outArray().size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = e.outArray().get(i).eval(env);
            }
            return "expected status " + statusArray(want) + ", got " + statusArray(outArray);
        }
        return detail(step, r, out, env);
    }

    static String detail(Plan.CallStep step, SysResult r, Rlimit out, Val.Env env) {
        Plan.Expect e = step.expect();
        if (!resultMatches(e, r, env)) {
            String text = step.statement().expectedText();
            if (e.kind() == Plan.Expect.Kind.SUCCESS) {
                return step.spec().binds() == CallSpec.Binds.HANDLE ? "expected success (a handle)"
                        : "expected success (a child, pid " + text + " in the trace)";
            }
            if (e.kind() == Plan.Expect.Kind.VALUE && (!isLiteral(step.statement())
                    || e.value() instanceof Val.Addr a && e.value().eval(env) != a.value())) {
                text += " (= " + Transcript.result(SysResult.ok(e.value().eval(env)), step.spec().style()) + ")";
            }
            return "expected " + text;
        }
        return "expected " + limit(e.outCur().eval(env), e.outMax().eval(env)) + ", got " + limit(out.cur(), out.max());
    }

    private static boolean isLiteral(Statement.Call st) {
        return st.expected() instanceof Expected.Value v && Expr.plain(v.value()) instanceof Expr.Num n && n.unit().isEmpty();
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
