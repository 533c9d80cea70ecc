package org.pinsim.scenario;

/** A resolved argument of a call. */
sealed interface Arg {

    record Num(Val value) implements Arg {
    }

    record Text(String value) implements Arg {
    }

    /** {@code {rlim_cur=..., rlim_max=...}}; {@code NULL} is {@link Absent}. */
    record Limit(Val cur, Val max) implements Arg {
    }

    /** {@code [a, b, ...]}: an array of numbers passed in (move_pages' pages and nodes). */
    record Array(java.util.List<Val> items) implements Arg {
    }

    /** NULL where a struct pointer goes, or an argument that is not looked at. */
    record Absent() implements Arg {
    }
}
