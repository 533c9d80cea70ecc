package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.BitSet;
import java.util.Locale;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;

/**
 * E1, huge pages against pinned memory: on an aged machine ({@code age=150%}) a process
 * faults in a region over 60 % of memory; a fraction f of memory, chosen by a seeded random
 * generator among the region's pages, is pinned in place with io_uring fixed buffers
 * (FOLL_LONGTERM; outside ZONE_MOVABLE and CMA a pinned page stays where it is); a working set
 * of 5 % of memory, chosen the same way among the other pages, stays; the rest of the region is
 * zapped; then a full compaction, and order-9 allocations until one fails. The fragmentation
 * index at order 9 is read after that failure, in the largest zone.
 */
final class PinScatterExperiment implements Experiment {
    /** 2 GiB (1024 pageblocks) keeps 90 runs within a couple of minutes. */
    static final long MEMORY = 2L << 30;
    static final int AGE_PERCENT = 150;
    /** f, in hundredths of a percent of memory: 0, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5 %. */
    static final int[] FRACTIONS = {0, 1, 5, 10, 20, 50, 100, 200, 500};

    private final long memory;

    PinScatterExperiment() {
        this(MEMORY);
    }

    PinScatterExperiment(long memory) {
        this.memory = memory;
    }

    @Override
    public String name() {
        return "pin-scatter";
    }

    @Override
    public String summary() {
        return "E1: huge pages after full compaction against the fraction of memory pinned in place";
    }

    @Override
    public MachineConfig machine() {
        return new MachineConfig(memory, 1, 2, 0, 1, Profile.LINUX_6_18).withAge(AGE_PERCENT);
    }

    /** One run's figures. */
    record Run(long pinned, long maxHuge, long cleanBlocks, int extfragIndex9, long pgmigrateFail, long pgmigrateSuccess,
               long pageblocks) {
    }

    /** One machine, seed {@code seed}, with {@code fBasis} hundredths of a percent of memory pinned. */
    Run runOne(int fBasis, long seed) {
        Kernel k = Kernel.boot(machine().withSeed(seed));
        Task t = FragRig.process(k);
        FragRig.Region r = FragRig.populate(k, t);
        long total = k.mem().totalPages();
        BitSet pins = new BitSet(r.pages());
        FragRig.choose(FragRig.random(seed, 1), r.pages(), total * fBasis / 10000, new BitSet(), pins);
        BitSet ws = new BitSet(r.pages());
        FragRig.choose(FragRig.random(seed, 2), r.pages(), total * FragRig.WORKING_SET_PERMILLE / 1000, pins, ws);
        if (!pins.isEmpty()) {
            FragRig.pinIoUring(t, r, pins);
        }
        BitSet keep = (BitSet) pins.clone();
        keep.or(ws);
        FragRig.zapAllBut(t, r, keep);
        FragRig.After a = FragRig.compactAndMeasure(k, true);
        long huge = FragRig.allocHuge(k, Long.MAX_VALUE);
        // the index where the next order-9 request fails: towards 1000 fragmentation, towards 0 lack of memory
        int ext = org.pinsim.core.mem.FragViews.fragmentationIndex(FragRig.largestZone(k.mem()), 9);
        return new Run(pins.cardinality(), huge, a.cleanBlocks(), ext, a.pgmigrateFail(),
                a.pgmigrateSuccess(), a.pageblocks());
    }

    @Override
    public Result run(Options options) {
        int seeds = options.seeds();
        StringBuilder text = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("memory_bytes", memory);
        json.put("age_percent", AGE_PERCENT);
        json.put("region_percent", FragRig.REGION_PERCENT);
        json.put("working_set_permille", FragRig.WORKING_SET_PERMILLE);
        json.put("seeds", seeds);
        text.append(String.format(Locale.ROOT,
                "E1: %d MiB machine, age=%d%%, region %d%% of memory, working set %.1f%%, pins by io_uring; %d seeds; mean ±95%% CI%n",
                memory >> 20, AGE_PERCENT, FragRig.REGION_PERCENT, FragRig.WORKING_SET_PERMILLE / 10.0, seeds));
        text.append(String.format(Locale.ROOT, "  %7s %8s %14s %8s %8s %8s %14s %10s %14s%n", "f %", "pinned", "order-9 max",
                "x f=0", "(1-f)^512", "region", "clean blocks", "extfrag9", "pgmigrate_fail"));
        ArrayNode rows = json.putArray("results");
        double base = 0;
        for (int f : FRACTIONS) {
            Run[] runs = new Run[seeds];
            for (int s = 0; s < seeds; s++) {
                runs[s] = runOne(f, s + 1);
            }
            Stats huge = Stats.of(Stats.column(runs, x -> x.maxHuge()));
            Stats clean = Stats.of(Stats.column(runs, x -> x.cleanBlocks()));
            Stats ext = Stats.of(Stats.column(runs, x -> x.extfragIndex9()));
            Stats fail = Stats.of(Stats.column(runs, x -> x.pgmigrateFail()));
            Stats pinned = Stats.of(Stats.column(runs, x -> x.pinned()));
            if (f == 0) {
                base = huge.mean();
            }
            double frac = f / 10000.0;
            double law = Math.pow(1 - frac, 512);
            // the pins fall only in the region's pageblocks: the law within them, the rest untouched
            double rho = FragRig.REGION_PERCENT / 100.0;
            double regionLaw = (1 - rho) + rho * Math.pow(Math.max(0, 1 - frac / rho), 512);
            double ratio = base == 0 ? 0 : huge.mean() / base;
            text.append(String.format(Locale.ROOT, "  %7.2f %8.0f %14s %8.3f %8.3f %8.3f %14s %10s %14s%n", f / 100.0,
                    pinned.mean(), huge.text(1), ratio, law, regionLaw, clean.text(1), ext.text(0), fail.text(1)));
            ObjectNode row = rows.addObject();
            row.put("f_percent", f / 100.0);
            pinned.put(row, "pinned_pages");
            huge.put(row, "order9_max");
            row.put("ratio_to_f0", ratio);
            row.put("uniform_law", law);
            row.put("region_law", regionLaw);
            clean.put(row, "clean_blocks");
            ext.put(row, "extfrag_index_order9");
            fail.put(row, "pgmigrate_fail");
            Stats.of(Stats.column(runs, x -> x.pgmigrateSuccess())).put(row, "pgmigrate_success");
            row.put("pageblocks", runs[0].pageblocks());
        }
        text.append("  x f=0: order-9 max over its mean at f=0; (1-f)^512: uniform scatter over all memory;\n"
                + "  region: the same law within the region's 60% of pageblocks, the other 40% untouched.\n");
        return new Result(text.toString(), json);
    }
}
