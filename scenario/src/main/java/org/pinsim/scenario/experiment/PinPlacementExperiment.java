package org.pinsim.scenario.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.pinsim.core.mlock.MpinPack;

/**
 * E2 ({@code pin-placement}): the same scattered pins under three placements, on an aged
 * machine, then full compaction: (a) pinned in place (what Linux 6.18 does for a long-term pin
 * in ZONE_NORMAL), (b) moved to a GFP_USER frame from the normal allocator (what 6.18 does for
 * ZONE_MOVABLE and CMA pages), (c) moved by the [PROPOSAL] mpin-2013 packing into as few
 * UNMOVABLE pageblocks as possible. All three run mpin(2) under mpin-2013 with only the
 * placement changed ({@link MpinPack.Placement}), so the pin mechanism is the same.
 */
final class PinPlacementExperiment implements Experiment {
    static final long MEM = 1L << 30;
    static final int AGE = 150;
    /** Pinned fractions of memory, in units of 0.01%. */
    static final int[] FRACTIONS_BP = {10, 50, 100, 200};

    @Override
    public String name() {
        return "pin-placement";
    }

    @Override
    public String summary() {
        return "E2: huge pages left after full compaction with pins in place, GFP_USER-moved or mpin-packed ([proposal] mpin-2013)";
    }

    @Override
    public Result run(Options options) {
        int seeds = options.seeds();
        MpinPack.Placement[] policies = MpinPack.Placement.values();
        String[] labels = {"(a) in place", "(b) GFP_USER", "(c) mpin pack"};
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("memory_bytes", MEM);
        json.put("age_percent", AGE);
        json.put("seeds", seeds);
        json.put("profile", "mpin-2013");
        ArrayNode rows = json.putArray("runs");
        long[] base = new long[seeds];
        long[] baseUnmov = new long[seeds];
        for (int s = 0; s < seeds; s++) {
            PinPlacement.Run r = PinPlacement.pinAndCompact(MEM, AGE, s + 1, 0, null);
            base[s] = r.hugepages();
            baseUnmov[s] = r.unmovableBlocks();
            ObjectNode o = rows.addObject();
            o.put("seed", s + 1);
            o.put("fraction", 0.0);
            o.putNull("policy");
            put(o, r, 0);
        }
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "E2: %d MiB machine aged %d%%, mpin-2013, %d seeds (mean, sd, min..max)%n",
                MEM >> 20, AGE, seeds));
        t.append("Pool of 60% of memory written by one process; pins: single pages chosen at random, one mpin(2) each;\n"
                + "then the pool's unpinned pages are unmapped except 10% of memory, and the machine is compacted in full.\n");
        t.append(String.format(Locale.ROOT, "baseline, no pins: %s free 2 MiB blocks after compaction, %s UNMOVABLE pageblocks%n%n",
                Stats.of(base).textSdRange(1), Stats.of(baseUnmov).textSdRange(1)));
        t.append(String.format(Locale.ROOT, "  %-6s %-14s %6s %7s  %-24s %-22s %-22s %9s %7s %9s%n", "pinned", "placement",
                "pages", "ceil/512", "2 MiB blocks lost", "UNMOVABLE blocks", "blocks holding pins", "migrated", "shootdn",
                "time ms"));
        for (int bp : FRACTIONS_BP) {
            long pinPages = MEM / PinPlacement.PAGE * bp / 10_000;
            long ceil = (pinPages + 511) / 512;
            for (int p = 0; p < policies.length; p++) {
                long[] lost = new long[seeds];
                long[] unmov = new long[seeds];
                long[] holding = new long[seeds];
                long[] migrated = new long[seeds];
                long[] shoot = new long[seeds];
                long[] ns = new long[seeds];
                for (int s = 0; s < seeds; s++) {
                    PinPlacement.Run r = PinPlacement.pinAndCompact(MEM, AGE, s + 1, pinPages, policies[p]);
                    lost[s] = base[s] - r.hugepages();
                    unmov[s] = r.unmovableBlocks();
                    holding[s] = r.pinnedBlocks();
                    migrated[s] = r.migrated();
                    shoot[s] = r.shootdowns();
                    ns[s] = r.precompactNs();
                    ObjectNode o = rows.addObject();
                    o.put("seed", s + 1);
                    o.put("fraction", bp / 10_000.0);
                    o.put("policy", policies[p].name().toLowerCase(Locale.ROOT));
                    put(o, r, lost[s]);
                }
                t.append(String.format(Locale.ROOT, "  %-6s %-14s %6d %7d  %-24s %-22s %-22s %9.0f %7.0f %9.2f%n",
                        bp / 100.0 + "%", labels[p], pinPages, ceil, Stats.of(lost).textSdRange(1), Stats.of(unmov).textSdRange(1),
                        Stats.of(holding).textSdRange(1), Stats.of(migrated).mean(), Stats.of(shoot).mean(),
                        Stats.of(ns).mean() / 1e6));
                ObjectNode sum = json.withArray("summary").addObject();
                sum.put("fraction", bp / 10_000.0);
                sum.put("policy", policies[p].name().toLowerCase(Locale.ROOT));
                sum.put("pinned_pages", pinPages);
                sum.put("ceil_pinned_512", ceil);
                sum.put("lost_mean", Stats.of(lost).mean());
                sum.put("lost_sd", Stats.of(lost).sd());
                sum.put("lost_max", (long) Stats.of(lost).max());
                sum.put("unmovable_blocks_mean", Stats.of(unmov).mean());
                sum.put("pinned_blocks_mean", Stats.of(holding).mean());
                sum.put("migrated_mean", Stats.of(migrated).mean());
                sum.put("shootdowns_mean", Stats.of(shoot).mean());
                sum.put("precompact_ns_mean", Stats.of(ns).mean());
            }
            t.append('\n');
        }
        t.append("lost = baseline blocks - blocks with the pins, same seed; ceil/512 = ceil(pinned / 512), the prediction for (c).\n"
                + "Costs are the mpin calls' pre-compaction: pages migrated, TLB shootdowns (one per migration batch), virtual time.\n");
        return new Result(t.toString(), json);
    }

    private static void put(ObjectNode o, PinPlacement.Run r, long lost) {
        o.put("pinned_pages", r.pinnedPages());
        o.put("hugepages_after_compaction", r.hugepages());
        o.put("lost", lost);
        o.put("unmovable_blocks", r.unmovableBlocks());
        o.put("blocks_holding_pins", r.pinnedBlocks());
        o.put("migrated", r.migrated());
        o.put("in_place", r.inPlace());
        o.put("blocks_claimed", r.claimed());
        o.put("shootdowns", r.shootdowns());
        o.put("precompact_ns", r.precompactNs());
        o.put("compaction_pgmigrate_fail", r.compactFail());
    }
}
