package org.pinsim.scenario;

import java.util.List;
import org.pinsim.core.task.Rlimit;

/** A call's resolved arguments, evaluated against the run's bindings when the call runs. */
final class Args {

    private final List<Arg> args;
    private final Val.Env env;

    Args(List<Arg> args, Val.Env env) {
        this.args = args;
        this.env = env;
    }

    long num(int i) {
        return ((Arg.Num) args.get(i)).value().eval(env);
    }

    int integer(int i) {
        return (int) num(i);
    }

    boolean bool(int i) {
        return num(i) != 0;
    }

    String text(int i) {
        return ((Arg.Text) args.get(i)).value();
    }

    /** The limit passed in, or null for NULL. */
    Rlimit limit(int i) {
        if (args.get(i) instanceof Arg.Limit l) {
            return new Rlimit(l.cur().eval(env), l.max().eval(env));
        }
        return null;
    }

    /** The array passed in, evaluated, or null for NULL. */
    long[] array(int i) {
        if (args.get(i) instanceof Arg.Array a) {
            long[] out = new long[a.items().size()];
            for (int j = 0; j < out.length; j++) {
                out[j] = a.items().get(j).eval(env);
            }
            return out;
        }
        return null;
    }

    /** A struct's field values (zero where not named) and which were named; null for NULL. */
    long[] struct(int i, boolean[] given) {
        if (args.get(i) instanceof Arg.Struct st) {
            long[] out = new long[st.fields().size()];
            for (int j = 0; j < out.length; j++) {
                Val f = st.fields().get(j);
                given[j] = f != null;
                out[j] = f == null ? 0 : f.eval(env);
            }
            return out;
        }
        return null;
    }

    boolean present(int i) {
        return !(args.get(i) instanceof Arg.Absent);
    }
}
