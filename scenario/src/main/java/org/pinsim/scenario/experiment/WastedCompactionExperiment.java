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
    static final List<Long> SEEDS = List.of(1L, 2L, 3L);

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
        StringBuilder text = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("pinsim", "0.1.0");
        json.put("memory_bytes", WastedCompaction.MEMORY);
        json.put("age_percent", WastedCompaction.AGE_PERCENT);
        json.put("thp_requests", WastedCompaction.THP_REQUESTS);
        ArrayNode seeds = json.putArray("seeds");
        SEEDS.forEach(seeds::add);
        ArrayNode rows = json.putArray("results");
        text.append(String.format(Locale.ROOT, "%d MiB, age=%d%%, half the free memory in single pages between movable ones;"
                + " %d THP faults (MADV_HUGEPAGE, defrag madvise); sums over seeds %s%n",
                WastedCompaction.MEMORY >> 20, WastedCompaction.AGE_PERCENT, WastedCompaction.THP_REQUESTS, SEEDS));
        text.append(String.format(Locale.ROOT, "  %-7s %-7s %5s %6s %5s %5s %9s %8s %8s %6s %9s%n", "pinned", "scanner",
                "thp", "stall", "succ", "fail", "scanned", "migrated", "wasted", "waste%", "virt ms"));
        for (int pin : PINS) {
            for (WastedCompaction.Variant v : WastedCompaction.Variant.values()) {
                long thp = 0;
                long req = 0;
                long stalls = 0;
                long succ = 0;
                long fails = 0;
                long scanned = 0;
                long migrated = 0;
                long wasted = 0;
                long ns = 0;
                for (long seed : SEEDS) {
                    WastedCompaction.Run r = WastedCompaction.run(v, pin, seed);
                    thp += r.thp();
                    req += r.thpRequested();
                    stalls += r.stalls();
                    succ += r.successes();
                    fails += r.fails();
                    scanned += r.scanned();
                    migrated += r.migrated();
                    wasted += r.wasted();
                    ns += r.virtualNs();
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
                text.append(String.format(Locale.ROOT, "  %-7s %-7s %2d/%-2d %6d %5d %5d %9d %8d %8d %5.1f%% %9.2f%n",
                        String.format(Locale.ROOT, "%.2f%%", pin / 100.0), v.name().toLowerCase(Locale.ROOT), thp, req,
                        stalls, succ, fails, scanned, migrated, wasted, migrated == 0 ? 0.0 : 100.0 * wasted / migrated,
                        ns / 1e6));
            }
        }
        text.append("wasted: pages migrated out of a pageblock that ended neither free nor holding a huge page.\n"
                + "oracle: not a kernel rule; the migrate scanner passes by every pageblock that holds a page it cannot move.\n");
        return new Result(text.toString(), json);
    }
}
