package org.pinsim.scenario;

/**
 * A resolved numeric value, evaluated when its statement runs: constants are folded, names
 * are looked up in the run's bindings. Arithmetic wraps at 64 bits, as C's unsigned long does.
 */
sealed interface Val {

    /** The bindings a running scenario has made. */
    interface Env {
        long value(String name);

        /** The length remembered for a name bound by mmap or mremap. */
        long length(String name);

        /**
         * A literal address written in a trace, as the simulated process knows it: an address
         * inside a mapping the trace placed is moved by the same offset as that mapping
         * ({@link Addr}); any other address is itself.
         */
        default long translate(long address) {
            return address;
        }
    }

    long eval(Env env);

    record Const(long value) implements Val {
        @Override
        public long eval(Env env) {
            return value;
        }
    }

    /**
     * A literal number where an address goes (mmap's addr, munmap's, an iov_base, ...), or an
     * address-returning call's literal expected result: a real trace's address, translated.
     */
    record Addr(long value) implements Val {
        @Override
        public long eval(Env env) {
            return env.translate(value);
        }
    }

    record Ref(String name) implements Val {
        @Override
        public long eval(Env env) {
            return env.value(name);
        }
    }

    record LengthOf(String name) implements Val {
        @Override
        public long eval(Env env) {
            return env.length(name);
        }
    }

    record Bin(char op, Val left, Val right) implements Val {
        @Override
        public long eval(Env env) {
            return apply(op, left.eval(env), right.eval(env));
        }

        static long apply(char op, long a, long b) {
            return switch (op) {
                case '+' -> a + b;
                case '-' -> a - b;
                case '*' -> a * b;
                case '|' -> a | b;
                case '<' -> a << b;
                default -> throw new IllegalStateException("operator " + op);
            };
        }
    }

    record Neg(Val operand) implements Val {
        @Override
        public long eval(Env env) {
            return -operand.eval(env);
        }
    }
}
