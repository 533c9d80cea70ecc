package org.pinsim.cli.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.ResolvedScenario;

/**
 * vmstat checks over several runs of one scenario. Event counters count the whole machine,
 * so what else runs during a call's window only adds: a check's value is, over the calls
 * before it, the sum of each call's least change in any run. State counters ({@code nr_*})
 * move both ways with the rest of the machine: their value is the one most runs saw.
 */
final class VmstatRuns {

    /** A vmstat check whose comparison waits for the end of the run (and of any reruns). */
    record Deferred(ResolvedScenario.Check check, Report.CheckEntry entry, long sim, long want) {
    }

    private VmstatRuns() {
    }

    /**
     * Each deferred check's value: for an event counter the sum over the calls before it of
     * their least change in any run; for a state counter (whose noise goes both ways) the
     * value most runs saw (on a tie, the one nearest zero).
     */
    static Map<Integer, Long> values(List<Deferred> deferred, Map<Integer, Map<String, Long>> callEvents,
                                     List<Map<Integer, Map<String, Long>>> runs, List<Map<Integer, Long>> states) {
        Map<Integer, Long> out = new HashMap<>();
        for (Deferred d : deferred) {
            ResolvedScenario.Check k = d.check();
            String name = k.name();
            if (name.startsWith("nr_")) {
                Map<Long, Integer> seen = new HashMap<>();
                states.forEach(st -> {
                    if (st.containsKey(k.line())) {
                        seen.merge(st.get(k.line()), 1, Integer::sum);
                    }
                });
                long best = 0;
                int bestN = -1;
                for (Map.Entry<Long, Integer> e : seen.entrySet()) {
                    if (e.getValue() > bestN || e.getValue() == bestN && Math.abs(e.getKey()) < Math.abs(best)) {
                        best = e.getKey();
                        bestN = e.getValue();
                    }
                }
                out.put(k.line(), best);
                continue;
            }
            long sum = 0;
            for (Integer callLine : callEvents.keySet()) {
                if (callLine > k.line()) {
                    break;
                }
                long least = Long.MAX_VALUE;
                for (Map<Integer, Map<String, Long>> r : runs) {
                    Map<String, Long> ev = r.get(callLine);
                    least = Math.min(least, ev == null ? 0 : ev.getOrDefault(name, 0L));
                }
                sum += least;
            }
            out.put(k.line(), sum);
        }
        return out;
    }
}
