package org.pinsim.cli.verify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.cli.verify.Executor.Vma;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.proc.ProcFs;
import org.pinsim.core.task.Caps;
import org.pinsim.scenario.ResolvedScenario;
import org.pinsim.scenario.StepObserver;

/**
 * Watches pinsim's run of a scenario: the image of each process before the first statement,
 * the vmstat counters then, and every named process's {@link Figures} before and after each
 * step, plus what the mlockall rule needs (memlock limit, CAP_IPC_LOCK).
 */
final class SimTrace implements StepObserver {

    /** A process as pinsim had it at one moment. */
    record State(Figures figures, long memlockSoft, boolean ipcLock) {
    }

    private final Map<Integer, ResolvedScenario.Step> byLine = new HashMap<>();
    private final Map<String, List<long[]>> images = new HashMap<>();
    private final Map<String, Figures> start = new HashMap<>();
    private final Map<Integer, Map<String, State>> before = new HashMap<>();
    private final Map<Integer, Map<String, State>> after = new HashMap<>();
    private final Map<String, Integer> pids = new HashMap<>();
    private Map<String, Long> vmstatBase;
    private boolean first = true;

    SimTrace(ResolvedScenario resolved) {
        for (ResolvedScenario.Step s : resolved.steps()) {
            byLine.put(s.line(), s);
        }
    }

    @Override
    public void step(int line, boolean isAfter, Kernel kernel, Map<String, Integer> pids) {
        ProcFs proc = kernel.proc();
        if (first) {
            first = false;
            vmstatBase = parseVmstat(proc.vmstat());
            pids.forEach((name, pid) -> {
                Task t = kernel.task(pid);
                images.put(name, Figures.image(Figures.parseSmaps(proc.smaps(t))));
            });
        }
        this.pids.putAll(pids);
        ResolvedScenario.Step step = byLine.get(line);
        Map<String, State> states = new HashMap<>();
        for (Map.Entry<String, Integer> e : pids.entrySet()) {
            String name = e.getKey();
            if (!images.containsKey(name)) {
                // a child: it has the image of the process that created it
                String parent = step == null ? null : step.proc();
                List<long[]> img = parent == null ? null : images.get(parent);
                images.put(name, img == null ? List.of() : img);
            }
            Task t = kernel.task(e.getValue());
            if (t == null || t.exited() || t.mm() == null) {
                continue;
            }
            State s = state(proc, t, images.get(name));
            states.put(name, s);
            start.putIfAbsent(name, s.figures());
        }
        (isAfter ? after : before).put(line, states);
    }

    private static State state(ProcFs proc, Task t, List<long[]> image) {
        List<Vma> vmas = Figures.parseSmaps(proc.smaps(t));
        Map<String, Long> status = new HashMap<>();
        for (String l : proc.status(t).split("\n")) {
            String[] f = l.split(":\\s*");
            if (f.length == 2 && f[1].endsWith(" kB")) {
                status.put(f[0], Long.parseLong(f[1].substring(0, f[1].length() - 3).trim()));
            }
        }
        status.put("maps", (long) proc.mapCount(t));
        try {
            Figures fig = Figures.of(vmas, image, status, ranges -> {
                long n = 0;
                for (long[] r : ranges) {
                    n += proc.region(t, r[0], r[1]).rssBytes();
                }
                return n;
            });
            return new State(fig, t.rlimit(8), t.capable(Caps.CAP_IPC_LOCK));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Long> parseVmstat(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                out.put(f[0], Long.parseLong(f[1]));
            }
        }
        return out;
    }

    State before(int line, String proc) {
        Map<String, State> m = before.get(line);
        return m == null ? null : m.get(proc);
    }

    State after(int line, String proc) {
        Map<String, State> m = after.get(line);
        return m == null ? null : m.get(proc);
    }

    /** The figures of a process when it began (the first statement, or the fork that created it). */
    Figures start(String proc) {
        return start.get(proc);
    }

    /** Every process name pinsim bound, with its pid. */
    Map<String, Integer> pids() {
        return pids;
    }

    long vmstatBase(String name) {
        return vmstatBase == null ? 0 : vmstatBase.getOrDefault(name, 0L);
    }
}
