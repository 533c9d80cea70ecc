package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.FlagNames;

/** Turns {@code process} directives into the process specs of one profile. */
final class Directives {

    static final String DEFAULT_PROCESS = "app";

    private Directives() {
    }

    /** The declared processes in file order; without any, the default {@code app}. */
    static List<Plan.ProcessDecl> processes(Scenario sc, Profile profile, Resolver r) {
        return processes(sc, profile, r, null);
    }

    /** As above, {@code --as}'s keys applied to the first process (null: none). */
    static List<Plan.ProcessDecl> processes(Scenario sc, Profile profile, Resolver r, As as) {
        List<Plan.ProcessDecl> out = declared(sc, profile, r);
        if (as == null) {
            return out;
        }
        List<Plan.ProcessDecl> withAs = new ArrayList<>(out);
        Plan.ProcessDecl first = out.get(0);
        withAs.set(0, new Plan.ProcessDecl(first.name(), apply(first.spec(), as.keys(), profile, new Resolver(As.FILE)),
                first.pos()));
        return List.copyOf(withAs);
    }

    /** {@code --as 'PID: ...'}'s keys applied to a child's attributes when its fork-like call returns. */
    static ProcessSpec asChild(ProcessSpec child, As as, Profile profile) {
        return apply(child, as.keys(), profile, new Resolver(As.FILE));
    }

    private static List<Plan.ProcessDecl> declared(Scenario sc, Profile profile, Resolver r) {
        List<Plan.ProcessDecl> out = new ArrayList<>();
        for (Directive d : sc.directives()) {
            if (d instanceof Directive.Process p && (p.guard() == null || p.guard().admits(profile))) {
                for (Plan.ProcessDecl seen : out) {
                    if (seen.name().equals(p.name())) {
                        throw r.error(p.namePos(), "expected a new process name, found '" + p.name()
                                + "' (already declared at line " + seen.pos().line() + ")");
                    }
                }
                out.add(new Plan.ProcessDecl(p.name(), spec(p, profile, r), p.namePos()));
            }
        }
        if (out.isEmpty()) {
            out.add(new Plan.ProcessDecl(DEFAULT_PROCESS, ProcessSpec.defaults(DEFAULT_PROCESS, profile), new Pos(1, 1)));
        }
        return List.copyOf(out);
    }

    private static ProcessSpec spec(Directive.Process p, Profile profile, Resolver r) {
        return apply(ProcessSpec.defaults(p.name(), profile), p, profile, r);
    }

    /** The keys written in {@code p} applied to {@code base}; absent keys keep the base's. */
    private static ProcessSpec apply(ProcessSpec base, Directive.Process p, Profile profile, Resolver r) {
        ProcessSpec s = base;
        if (p.uid() != null) {
            long uid = r.constant(p.uid(), null, "uid");
            if (uid < 0 || uid > 0xfffffffeL) {
                throw r.error(p.uid().pos(), "expected a uid from 0 to 4294967294, found " + uid);
            }
            s = s.withUid((int) uid).withCaps(uid == 0 ? Caps.ALL : Caps.NONE);
        }
        if (p.caps() != null) {
            s = s.withCaps(Validator.capsFor(p.caps(), s.caps(), r));
        }
        if (p.memlockSoft() != null) {
            long soft = r.constant(p.memlockSoft(), FlagNames.RLIMIT, "rlimit.memlock");
            long hard = p.memlockHard() == null ? profile.defaultMemlock()
                    : r.constant(p.memlockHard(), FlagNames.RLIMIT, "rlimit.memlock");
            if (Long.compareUnsigned(soft, hard) > 0) {
                String whence = p.memlockHard() == null ? ", the profile's default; write SOFT:HARD to raise it" : "";
                throw r.error(p.memlockSoft().pos(), "expected a soft limit no higher than the hard limit ("
                        + Sizes.format(hard) + whence + "), found " + Sizes.format(soft));
            }
            s = s.withMemlock(soft, hard);
        }
        if (p.layout() != null) {
            s = s.withLayout(Validator.layout(p.layout()));
        }
        return s;
    }
}
