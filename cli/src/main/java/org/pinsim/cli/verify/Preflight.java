package org.pinsim.cli.verify;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.pinsim.scenario.ResolvedScenario;
import org.pinsim.scenario.ResolvedScenario.NumArg;

/**
 * What decides, before the executor starts, that a scenario cannot run on this machine: a
 * sysctl it needs at a value the live kernel does not have (verify changes no system
 * setting), or mappings that could take more memory than {@code --max-mem} allows.
 */
final class Preflight {
    private static final long TASK_SIZE = 0x7ffffffff000L;

    private Preflight() {
    }

    /** Why the scenario cannot run here, or null. */
    static String check(ResolvedScenario rs, long maxMem) {
        for (Map.Entry<String, Long> s : rs.sysctls().entrySet()) {
            try {
                long v = ProcSys.sysctl(s.getKey());
                if (v != s.getValue()) {
                    return "sysctl " + s.getKey() + "=" + s.getValue() + " but the live kernel has " + v
                            + " (verify does not change system settings)";
                }
            } catch (IOException | RuntimeException e) {
                return "sysctl " + s.getKey() + ": cannot read /proc/sys/" + s.getKey().replace('.', '/');
            }
        }
        long total = 0;
        for (ResolvedScenario.Step st : rs.steps()) {
            if (st instanceof ResolvedScenario.Call c) {
                Long len = mappingLength(c, null);
                if (len != null) {
                    total += len;
                }
            }
        }
        int nprocs = processCount(rs);
        if (total > 0 && total * nprocs > maxMem) {
            return "its mappings could exceed --max-mem " + (maxMem >> 20) + " MiB ("
                    + (total >> 20) + " MiB x " + nprocs + " processes)";
        }
        return null;
    }

    /** The processes a scenario may have: those it declares and one per fork-like call. */
    static int processCount(ResolvedScenario rs) {
        int n = rs.processes().size();
        for (ResolvedScenario.Step st : rs.steps()) {
            if (st instanceof ResolvedScenario.Call c && List.of("fork", "vfork", "clone", "clone3").contains(c.call())) {
                n++;
            }
        }
        return n;
    }

    /** The length a call may map (constant when env is null), or null; lengths no mapping can have are 0. */
    static Long mappingLength(ResolvedScenario.Call c, ResolvedScenario.Env env) {
        int i = c.call().equals("mmap") ? 1 : c.call().equals("mremap") ? 2 : -1;
        if (i < 0) {
            return null;
        }
        ResolvedScenario.Num n = ((NumArg) c.args().get(i)).value();
        Long v = env == null ? n.constant() : (Long) n.eval(env);
        if (v == null) {
            return null;
        }
        return Long.compareUnsigned(v, TASK_SIZE) > 0 ? 0L : v;
    }
}
