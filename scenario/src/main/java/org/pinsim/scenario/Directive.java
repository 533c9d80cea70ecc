package org.pinsim.scenario;

import java.util.List;

/** The directives: {@code machine}, {@code kernel}, {@code sysctl}, {@code process}. */
public sealed interface Directive {

    Pos pos();

    /** Profiles this directive is limited to, or null for all. */
    Guard guard();

    /** {@code key=value} as written. */
    record Setting(String key, Pos keyPos, Expr value) {
    }

    record Machine(List<Setting> settings, Guard guard, Pos pos) implements Directive {
    }

    record Kernel(String profile, Pos profilePos, Pos pos) implements Directive {

        @Override
        public Guard guard() {
            return null;
        }
    }

    record Sysctl(List<Setting> settings, Guard guard, Pos pos) implements Directive {
    }

    /**
     * {@code process NAME uid= caps= rlimit.memlock=SOFT[:HARD] layout=}. Absent keys are null;
     * {@code memlockHard} null means the profile's default hard limit.
     */
    record Process(String name, Pos namePos, Expr uid, List<CapChange> caps, Pos capsPos,
                   Expr memlockSoft, Expr memlockHard, String layout, Pos layoutPos,
                   Guard guard, Pos pos) implements Directive {
    }

    /** One item of {@code caps=}: {@code none}, {@code all}, a name, or a name with + or -. */
    record CapChange(char sign, String name, Pos pos) {
    }
}
