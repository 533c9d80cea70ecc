package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * E6 as a table: compaction work wasted on scattered unmovable pages, the kernel's rules
 * against an oracle, for several pinned fractions ({@link WastedCompaction}).
 */
final class WastedCompactionExperiment implements Experiment {
    /** Pinned fractions, in units of 0.01 % of memory. */
    static final List<Integer> PINS = List.of(0, 10, 50, 100);

    @Override
    public String name() {
        return "wasted-compaction";
    }

    @Override
    public String summary() {
        return "E6: compaction work wasted on scattered unmovable pages: Linux's rules vs an oracle, THP faults on an aged machine";
    }

    @Override
    public Result run(Options options) {
        final int n = options.seeds();
        StringBuilder text = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("pinsim", "0.1.0");
        json.put("memory_bytes", WastedCompaction.MEMORY);
        json.put("age_percent", WastedCompaction.AGE_PERCENT);
        json.put("thp_requests", WastedCompaction.THP_REQUESTS);
        json.put("seeds", n);
        ArrayNode rows = json.putArray("results");
        text.append(String.format(Locale.ROOT, "%d MiB, age=%d%%, half the free memory in single pages between movable ones;"
                + " %d THP faults (MADV_HUGEPAGE, defrag madvise); %d seeds, per run: mean ±95%% CI%n",
                WastedCompaction.MEMORY >> 20, WastedCompaction.AGE_PERCENT, WastedCompaction.THP_REQUESTS, n));
        text.append(String.format(Locale.ROOT, "  %-6s %-7s %-10s %-12s %-10s %-14s %-12s %-12s %-12s %-10s%n", "pinned",
                "scanner", "thp", "stall", "succ", "scanned", "migrated", "wasted", "waste%", "virt ms"));
        for (int pin : PINS) {
            for (WastedCompaction.Variant v : WastedCompaction.Variant.values()) {
                double[][] f = new double[9][n];
                for (int s = 0; s < n; s++) {
                    final long seed = s + 1;
                    WastedCompaction.Run r = WastedCompaction.run(v, pin, seed);
                    f[0][s] = r.thp();
                    f[1][s] = r.stalls();
                    f[2][s] = r.successes();
                    f[3][s] = r.fails();
                    f[4][s] = r.scanned();
                    f[5][s] = r.migrated();
                    f[6][s] = r.wasted();
                    f[7][s] = r.migrated() == 0 ? Double.NaN : 100.0 * r.wasted() / r.migrated();
                    f[8][s] = r.virtualNs() / 1e6;
                    ObjectNode o = rows.addObject();
                    o.put("pinned_per_10000", pin);
                    o.put("variant", v.name().toLowerCase(Locale.ROOT));
                    o.put("seed", seed);
                    o.put("pinned_pages", r.pinned());
                    o.put("thp", r.thp());
                    o.put("thp_requested", r.thpRequested());
                    o.put("compact_stall", r.stalls());
                    o.put("compact_success", r.successes());
                    o.put("compact_fail", r.fails());
                    o.put("compact_migrate_scanned", r.scanned());
                    o.put("pgmigrate_success", r.migrated());
                    o.put("pgmigrate_fail", r.failedMigrations());
                    o.put("wasted_migrations", r.wasted());
                    o.put("virtual_ns", r.virtualNs());
                }
                Stats[] st = new Stats[f.length];
                for (int i = 0; i < f.length; i++) {
                    st[i] = Stats.of(i == 7 ? java.util.Arrays.stream(f[i]).filter(x -> !Double.isNaN(x)).toArray() : f[i]);
                }
                ObjectNode sum = json.withArray("summary").addObject();
                sum.put("pinned_per_10000", pin);
                sum.put("variant", v.name().toLowerCase(Locale.ROOT));
                String[] names = {"thp", "compact_stall", "compact_success", "compact_fail", "compact_migrate_scanned",
                    "pgmigrate_success", "wasted_migrations", "wasted_percent", "virtual_ms"};
                for (int i = 0; i < names.length; i++) {
                    st[i].put(sum, names[i]);
                }
                text.append(String.format(Locale.ROOT, "  %-6s %-7s %-10s %-12s %-10s %-14s %-12s %-12s %-12s %-10s%n",
                        String.format(Locale.ROOT, "%.2f%%", pin / 100.0), v.name().toLowerCase(Locale.ROOT),
                        st[0].text(1), st[1].text(1), st[2].text(1), st[4].text(0), st[5].text(0), st[6].text(0),
                        st[7].n() == 0 ? "-" : st[7].text(1), st[8].text(2)));
            }
        }
        text.append("thp: huge pages got of " + WastedCompaction.THP_REQUESTS + " faults; every stall ends in success or fail"
                + " (fail = stall - succ).\n"
                + "wasted: pages migrated out of a pageblock that ended neither free nor holding a huge page;"
                + " waste%: over the runs that migrated.\n"
                + "oracle: not a kernel rule; the migrate scanner passes by every pageblock that holds a page it cannot move.\n");
        return new Result(text.toString(), json);
    }
}
