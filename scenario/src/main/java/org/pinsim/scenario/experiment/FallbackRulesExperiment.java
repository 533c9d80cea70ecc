package org.pinsim.scenario.experiment;

import static org.pinsim.core.mem.FrameTable.MIGRATE_MOVABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_RECLAIMABLE;
import static org.pinsim.core.mem.FrameTable.MIGRATE_UNMOVABLE;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mem.Zone;

/**
 * E8, fallback-rule calibration: the page allocator's fallback counters while a machine ages
 * (Gorman's recipe at 150 % of memory) under three rule sets (before Linux 5.0 without
 * ALLOC_NOFRAGMENT, 6.18's defaults, vm.defrag_mode=1), the pageblocks that aging leaves
 * non-movable or polluted, and how much of a request for 90 % of memory as huge pages succeeds
 * after a full compaction. One seed is one aged machine per rule set.
 */
final class FallbackRulesExperiment implements Experiment {
    /** 8 GiB: DMA32 (4 GiB less 16 MiB) and Normal (4 GiB), so ALLOC_NOFRAGMENT has a lower zone to prefer. */
    static final long MEMORY = 8L << 30;
    static final int AGE_PERCENT = 300;
    /** Page cache may fill memory: the allocator's slow path reclaims it (Ager). */
    static final int CACHE_PERCENT = 100;
    /** The request: 90 % of memory in huge pages (Gorman's high-order stress test). */
    static final int REQUEST_PERCENT = 90;

    private final long memory;

    FallbackRulesExperiment() {
        this(MEMORY);
    }

    FallbackRulesExperiment(long memory) {
        this.memory = memory;
    }

    @Override
    public String name() {
        return "fallback-rules";
    }

    @Override
    public String summary() {
        return "E8: fallback counters, polluted pageblocks and a 90% huge page request under vanilla, 6.18 and defrag_mode";
    }

    /** One aged machine's figures. */
    record Run(long claimsU, long claimsR, long claimsM, long steals, long pollute, long movableSteals,
               long fragmenting, long nonMovableBlocks, long pollutedAfterAging, long pollutedAfterCompaction,
               long requested, long got) {
        double successPercent() {
            return requested == 0 ? 0 : 100.0 * got / requested;
        }
    }

    /** Ages one machine under {@code rules} and runs the high-order test on it. */
    Run runOne(FragRig.Rules rules, long seed) {
        Kernel k = FragRig.boot(memory, seed, AGE_PERCENT, CACHE_PERCENT, rules);
        PhysMem mem = k.mem();
        long claimsU = 0;
        long claimsR = 0;
        long claimsM = 0;
        long steals = 0;
        long pollute = 0;
        long movableSteals = 0;
        int[] types = {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE};
        for (int a : types) {
            for (int b : types) {
                if (a == b) {
                    continue;
                }
                long claimed = mem.extfragEvents(a, b, true);
                long stolen = mem.extfragEvents(a, b, false);
                switch (a) {
                    case MIGRATE_UNMOVABLE -> claimsU += claimed;
                    case MIGRATE_RECLAIMABLE -> claimsR += claimed;
                    default -> claimsM += claimed;
                }
                steals += stolen;
                if (a != MIGRATE_MOVABLE && b == MIGRATE_MOVABLE) {
                    pollute += stolen;
                }
                if (a == MIGRATE_MOVABLE) {
                    movableSteals += stolen;
                }
            }
        }
        long fragmenting = mem.extfragFragmenting();
        FragViews v = new FragViews(mem);
        long nonMovable = 0;
        long polluted = 0;
        long pages = 0;
        for (Zone z : mem.zones()) {
            if (!z.populated()) {
                continue;
            }
            long[] c = v.blockCount(z);
            nonMovable += c[MIGRATE_UNMOVABLE] + c[MIGRATE_RECLAIMABLE];
            polluted += v.pollutedMovableBlocks(z, true);
            pages += z.managedPages();
        }
        // the high-order test: a working set scattered over a populated region, the rest zapped
        Task t = FragRig.process(k);
        FragRig.Region r = FragRig.populate(k, t);
        BitSet keep = new BitSet(r.pages());
        FragRig.choose(FragRig.random(seed, 8), r.pages(), mem.totalPages() * FragRig.WORKING_SET_PERMILLE / 1000,
                new BitSet(), keep);
        FragRig.zapAllBut(t, r, keep);
        FragRig.After after = FragRig.compactAndMeasure(k, true);
        long requested = pages * REQUEST_PERCENT / 100 / FrameTable.PAGEBLOCK_NR_PAGES;
        long got = FragRig.allocHuge(k, requested);
        return new Run(claimsU, claimsR, claimsM, steals, pollute, movableSteals, fragmenting, nonMovable, polluted,
                after.pollutedMovable(), requested, got);
    }

    @Override
    public org.pinsim.core.MachineConfig machine() {
        return new org.pinsim.core.MachineConfig(memory, 1, 2, 0, 1, org.pinsim.core.Profile.LINUX_6_18).withAge(AGE_PERCENT);
    }

    @Override
    public Result run(Options options) {
        int seeds = options.seeds();
        Map<FragRig.Rules, Run[]> all = new LinkedHashMap<>();
        for (FragRig.Rules rules : FragRig.Rules.values()) {
            Run[] runs = new Run[seeds];
            for (int s = 0; s < seeds; s++) {
                runs[s] = runOne(rules, s + 1);
            }
            all.put(rules, runs);
        }
        return table(all, seeds);
    }

    private Result table(Map<FragRig.Rules, Run[]> all, int seeds) {
        StringBuilder text = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("memory_bytes", memory);
        json.put("age_percent", AGE_PERCENT);
        json.put("seeds", seeds);
        json.put("request_percent", REQUEST_PERCENT);
        text.append(String.format(Locale.ROOT, "E8: %d MiB machine (DMA32 + Normal), aged %d%%, %d seeds (1..%d); mean ±95%% CI%n",
                memory >> 20, AGE_PERCENT, seeds, seeds));
        text.append("mm_page_alloc_extfrag events during aging; pageblocks after aging; 90% huge page request after compact_memory\n");
        String[] cols = {"rules", "claim U", "claim R", "claim M", "steals", "pollute", "fragmenting", "U+R blocks",
            "mixed M blk", "hugepage %"};
        text.append(String.format(Locale.ROOT, "  %-18s %14s %14s %14s %16s %16s %16s %12s %12s %12s%n", (Object[]) cols));
        ArrayNode rows = json.putArray("results");
        Map<FragRig.Rules, Stats> pollute = new LinkedHashMap<>();
        Map<FragRig.Rules, Stats> frag = new LinkedHashMap<>();
        Map<FragRig.Rules, Stats> success = new LinkedHashMap<>();
        for (Map.Entry<FragRig.Rules, Run[]> e : all.entrySet()) {
            Run[] runs = e.getValue();
            Stats cu = Stats.of(Stats.column(runs, x -> x.claimsU()));
            Stats cr = Stats.of(Stats.column(runs, x -> x.claimsR()));
            Stats cm = Stats.of(Stats.column(runs, x -> x.claimsM()));
            Stats st = Stats.of(Stats.column(runs, x -> x.steals()));
            Stats po = Stats.of(Stats.column(runs, x -> x.pollute()));
            Stats fr = Stats.of(Stats.column(runs, x -> x.fragmenting()));
            Stats nm = Stats.of(Stats.column(runs, x -> x.nonMovableBlocks()));
            Stats pa = Stats.of(Stats.column(runs, x -> x.pollutedAfterAging()));
            Stats su = Stats.of(Stats.column(runs, Run::successPercent));
            pollute.put(e.getKey(), po);
            frag.put(e.getKey(), fr);
            success.put(e.getKey(), su);
            text.append(String.format(Locale.ROOT, "  %-18s %14s %14s %14s %16s %16s %16s %12s %12s %12s%n", e.getKey().label,
                    cu.text(0), cr.text(0), cm.text(0), st.text(0), po.text(0), fr.text(0), nm.text(0), pa.text(0),
                    su.text(1)));
            ObjectNode row = rows.addObject();
            row.put("rules", e.getKey().label);
            row.put("nofragment", e.getKey().noFragment);
            row.put("defrag_mode", e.getKey().defragMode);
            cu.put(row, "claims_unmovable");
            cr.put(row, "claims_reclaimable");
            cm.put(row, "claims_movable");
            st.put(row, "steals");
            po.put(row, "pollute");
            Stats.of(Stats.column(runs, x -> x.movableSteals())).put(row, "movable_steals");
            fr.put(row, "fragmenting");
            nm.put(row, "nonmovable_blocks");
            pa.put(row, "polluted_movable_blocks_after_aging");
            Stats.of(Stats.column(runs, x -> x.pollutedAfterCompaction())).put(row, "polluted_movable_blocks_after_compaction");
            su.put(row, "hugepage_success_percent");
            row.put("requested_hugepages", runs.length == 0 ? 0 : runs[0].requested());
        }
        text.append('\n');
        // the pass criteria
        double polluteDefault = pollute.get(FragRig.Rules.DEFAULT).mean();
        double polluteDefrag = pollute.get(FragRig.Rules.DEFRAG_MODE).mean();
        double fragVanilla = frag.get(FragRig.Rules.VANILLA).mean();
        double fragDefault = frag.get(FragRig.Rules.DEFAULT).mean();
        double drop = fragVanilla == 0 ? 0 : 100.0 * (fragVanilla - fragDefault) / fragVanilla;
        double succ = success.get(FragRig.Rules.DEFAULT).mean();
        boolean c1 = polluteDefrag <= Math.max(1, polluteDefault / 100);
        boolean c2 = drop >= 90;
        boolean c3 = succ >= 95;
        text.append(String.format(Locale.ROOT, "  pollution with defrag_mode ~0 (at most 1%% of 6.18's): %.1f vs %.1f  %s%n",
                polluteDefrag, polluteDefault, c1 ? "pass" : "FAIL"));
        text.append(String.format(Locale.ROOT, "  fragmenting events fall >= 90%% from vanilla to 6.18: %.1f%%  %s%n", drop,
                c2 ? "pass" : "FAIL"));
        text.append(String.format(Locale.ROOT, "  90%% huge page request >= 95%% allocated (6.18): %.1f%%  %s%n", succ,
                c3 ? "pass" : "FAIL"));
        ObjectNode crit = json.putObject("criteria");
        crit.put("pollution_defrag_mode_near_zero", c1);
        crit.put("fragmenting_drop_percent", drop);
        crit.put("fragmenting_drop_at_least_90", c2);
        crit.put("hugepage_success_at_least_95", c3); // under 6.18's defaults
        crit.put("hugepage_success_at_least_95_defrag_mode", success.get(FragRig.Rules.DEFRAG_MODE).mean() >= 95);
        return new Result(text.toString(), json);
    }
}
