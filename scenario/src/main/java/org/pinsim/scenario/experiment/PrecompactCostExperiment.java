package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.pinsim.core.mlock.MpinPack;

/**
 * E12 ({@code precompact-cost}): what the [PROPOSAL] mpin-2013 pre-compaction costs at mpin
 * time and what it saves later. One mpin(2) of an N-byte buffer whose pages were faulted in
 * between other pages, on a fresh and an aged machine, with migration batches of 32
 * (COMPACT_CLUSTER_MAX) and 512 (NR_MAX_BATCHED_MIGRATION): pages migrated, TLB shootdowns,
 * virtual time; then the other pages are unmapped, the machine compacted in full, and the free
 * 2 MiB blocks compared with the same buffer pinned in place.
 */
final class PrecompactCostExperiment implements Experiment {
    static final long MEM = 1L << 30;
    static final long[] SIZES = {1L << 20, 4L << 20, 16L << 20, 64L << 20, 128L << 20};
    static final int[] AGES = {0, 150};
    static final int[] BATCHES = {32, 512};

    @Override
    public String name() {
        return "precompact-cost";
    }

    @Override
    public String summary() {
        return "E12: cost of mpin's pre-compaction ([proposal] mpin-2013) by size, machine age and batch, and the huge pages it saves";
    }

    @Override
    public Result run(Options options) {
        int seeds = options.seeds();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("memory_bytes", MEM);
        json.put("seeds", seeds);
        json.put("profile", "mpin-2013");
        ArrayNode rows = json.putArray("results");
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "E12: %d MiB machine, mpin-2013, %d CPUs, %d seeds (means)%n", MEM >> 20,
                PinPlacement.CPUS, seeds));
        t.append("One mpin(2) of an N-byte buffer faulted in page by page between 3 pages of another mapping each;\n"
                + "then that mapping is unmapped and the machine compacted in full. 'in place' pins without pre-compaction.\n\n");
        t.append(String.format(Locale.ROOT, "  %-6s %8s %5s %9s %8s %7s %9s %8s %-18s %9s %9s%n", "age", "N", "batch",
                "migrated", "in place", "shootdn", "time ms", "us/page", "2MiB blocks after", "preserved",
                "fail avoided"));
        for (int age : AGES) {
            for (long n : SIZES) {
                long pages = n / PinPlacement.PAGE;
                long[] inPlaceHuge = new long[seeds];
                long[] inPlaceFail = new long[seeds];
                for (int s = 0; s < seeds; s++) {
                    PinPlacement.Run r = PinPlacement.bufferPin(MEM, age, s + 1, pages, 512, MpinPack.Placement.IN_PLACE);
                    inPlaceHuge[s] = r.hugepages();
                    inPlaceFail[s] = r.compactFail();
                }
                for (int batch : BATCHES) {
                    long[] migrated = new long[seeds];
                    long[] stay = new long[seeds];
                    long[] shoot = new long[seeds];
                    long[] ns = new long[seeds];
                    long[] huge = new long[seeds];
                    long[] saved = new long[seeds];
                    long[] failAvoided = new long[seeds];
                    for (int s = 0; s < seeds; s++) {
                        PinPlacement.Run r = PinPlacement.bufferPin(MEM, age, s + 1, pages, batch, MpinPack.Placement.PACK);
                        migrated[s] = r.migrated();
                        stay[s] = r.inPlace();
                        shoot[s] = r.shootdowns();
                        ns[s] = r.precompactNs();
                        huge[s] = r.hugepages();
                        saved[s] = r.hugepages() - inPlaceHuge[s];
                        failAvoided[s] = inPlaceFail[s] - r.compactFail();
                    }
                    double mig = Stats.of(migrated).mean();
                    double time = Stats.of(ns).mean();
                    t.append(String.format(Locale.ROOT, "  %-6s %8s %5d %9.0f %8.0f %7.1f %9.3f %8.2f %-18s %9.1f %9.0f%n",
                            age == 0 ? "fresh" : age + "%", size(n), batch, mig, Stats.of(stay).mean(),
                            Stats.of(shoot).mean(), time / 1e6, mig > 0 ? time / 1e3 / mig : 0.0,
                            String.format(Locale.ROOT, "%.1f vs %.1f", Stats.of(huge).mean(), Stats.of(inPlaceHuge).mean()),
                            Stats.of(saved).mean(), Stats.of(failAvoided).mean()));
                    ObjectNode o = rows.addObject();
                    o.put("age_percent", age);
                    o.put("bytes", n);
                    o.put("batch", batch);
                    o.put("migrated_mean", mig);
                    o.put("in_place_mean", Stats.of(stay).mean());
                    o.put("shootdowns_mean", Stats.of(shoot).mean());
                    o.put("precompact_ns_mean", time);
                    o.put("hugepages_after_mean", Stats.of(huge).mean());
                    o.put("hugepages_in_place_mean", Stats.of(inPlaceHuge).mean());
                    o.put("hugepages_preserved_mean", Stats.of(saved).mean());
                    o.put("hugepages_preserved_sd", Stats.of(saved).sd());
                    o.put("compaction_fail_avoided_mean", Stats.of(failAvoided).mean());
                }
            }
            t.append('\n');
        }
        t.append("time: the pre-compaction's virtual time (each page's unmap 1 us, copy 0.5 us, remap 0.5 us, one TLB\n"
                + "shootdown of 2.5 us per batch, all estimates); preserved = free 2 MiB blocks after compaction, packed minus\n"
                + "in place; fail avoided = compaction's pgmigrate_fail on the pinned pages that the packing spared it.\n");
        return new Result(t.toString(), json);
    }

    private static String size(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + "MiB" : (bytes >> 10) + "KiB";
    }
}
