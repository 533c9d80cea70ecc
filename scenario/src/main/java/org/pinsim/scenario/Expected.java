package org.pinsim.scenario;

/** What a statement's author expects after {@code =}. */
public sealed interface Expected {

    Pos pos();

    /** {@code ?}: not known (strace prints it for exit_group). */
    record Unknown(Pos pos) implements Expected {
    }

    /** A value: {@code 0}, an address, {@code b0 + 64KiB}. */
    record Value(Expr value, Pos pos) implements Expected {
    }

    /** {@code -1 ENOMEM}, optionally with strace's {@code (Cannot allocate memory)}. */
    record Error(int errno, String name, String text, Pos pos) implements Expected {
    }
}
