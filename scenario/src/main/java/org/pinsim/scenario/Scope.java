package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The names bound so far, as the validator walks the statements in order. */
final class Scope {

    enum Kind { VALUE, REGION, PROCESS, SKIPPED }

    record Binding(Kind kind, int line, String call) {
    }

    private final Map<String, Binding> names = new HashMap<>();

    Binding get(String name) {
        return names.get(name);
    }

    void bind(String name, Binding b) {
        names.put(name, b);
    }

    /** The names of one kind, sorted (for messages). */
    List<String> names(Kind kind) {
        List<String> out = new ArrayList<>();
        names.forEach((n, b) -> {
            if (b.kind() == kind) {
                out.add(n);
            }
        });
        out.sort(null);
        return out;
    }

    /** Every bound name that can stand for a number, sorted. */
    List<String> valueNames() {
        List<String> out = new ArrayList<>();
        names.forEach((n, b) -> {
            if (b.kind() != Kind.SKIPPED) {
                out.add(n);
            }
        });
        out.sort(null);
        return out;
    }
}
