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

    /**
     * A struct passed in by value of its fields, one slot per field of its layout (for
     * perf_event_attr, {@link org.pinsim.core.uapi.Perf#FIELDS}); null where the struct does not
     * name the field (zero in the bytes passed).
     */
    record Struct(java.util.List<Val> fields) implements Arg {
    }

    /** NULL where a struct pointer goes, or an argument that is not looked at. */
    record Absent() implements Arg {
    }
}
