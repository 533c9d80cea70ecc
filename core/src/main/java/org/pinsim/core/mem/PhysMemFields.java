package org.pinsim.core.mem;

import java.util.List;

/**
 * The figures of the page allocator's /proc and debugfs files that a scenario check may name,
 * as dotted paths that follow each file's rows and columns (NODE is the node number, ZONE
 * the zone name as the file prints it, TYPE a migratetype name as pagetypeinfo prints it):
 * <pre>
 *   buddyinfo.NODE.ZONE.ORDER            free blocks of that order (/proc/buddyinfo)
 *   pagetypeinfo.NODE.ZONE.TYPE.ORDER    free blocks on that list (/proc/pagetypeinfo)
 *   pagetypeinfo.NODE.ZONE.TYPE          pageblocks of that type ("Number of blocks type")
 *   zoneinfo.NODE.ZONE.FIELD             free min low high promo boost spanned present
 *                                        managed cma pcp (the pagesets' count, all CPUs)
 *   extfrag.NODE.ZONE.ORDER              __fragmentation_index, thousandths (-1000: would succeed)
 *   unusable.NODE.ZONE.ORDER             unusable_free_index, thousandths
 *   fragscore.NODE                       fragmentation_score_node (proactive compaction)
 *   physmem.clean_pageblocks             pageblocks a perfect compaction could empty
 *   physmem.order9_after_compaction      order-9 blocks a perfect compaction could make
 * </pre>
 * See {@link FragViews} for the definitions.
 */
public final class PhysMemFields {

    /** The first word of every path. */
    public static final List<String> PREFIXES = List.of("buddyinfo", "pagetypeinfo", "zoneinfo", "extfrag",
            "unusable", "fragscore", "physmem");
    static final List<String> ZONEINFO_FIELDS = List.of("free", "min", "low", "high", "promo", "boost", "spanned",
            "present", "managed", "cma", "pcp");
    static final List<String> PHYSMEM_FIELDS = List.of("clean_pageblocks", "order9_after_compaction");
    private static final List<String> TYPES = List.of("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate");
    private static final List<String> ZONES = List.of("DMA", "DMA32", "Normal", "Movable");

    private PhysMemFields() {
    }

    /** True if {@code path} starts with one of {@link #PREFIXES} and a dot. */
    public static boolean isPath(String path) {
        final int dot = path.indexOf('.');
        return dot > 0 && PREFIXES.contains(path.substring(0, dot));
    }

    /**
     * Checks the path against the machine.
     *
     * @return null if {@code read} can answer it, else what was expected ("a zone of node 0
     *     (DMA, DMA32, Normal)")
     */
    public static String validate(PhysMem mem, String path) {
        final String[] p = path.split("\\.", -1);
        final String kind = p[0];
        if (kind.equals("physmem")) {
            return p.length == 2 && PHYSMEM_FIELDS.contains(p[1]) ? null
                    : "physmem." + String.join(" or physmem.", PHYSMEM_FIELDS);
        }
        if (kind.equals("fragscore")) {
            return p.length == 2 && node(mem, p[1]) >= 0 ? null : "fragscore.NODE with NODE 0.." + (mem.nrNodes() - 1);
        }
        final int want = kind.equals("pagetypeinfo") ? -1 : 4;
        if (p.length < 3 || node(mem, p[1]) < 0) {
            return kind + ".NODE.ZONE... with NODE 0.." + (mem.nrNodes() - 1);
        }
        if (zone(mem, node(mem, p[1]), p[2]) == null) {
            return "a populated zone of node " + p[1] + " (" + zoneNames(mem, node(mem, p[1])) + ")";
        }
        if (kind.equals("pagetypeinfo")) {
            if (p.length < 4 || p.length > 5 || !TYPES.contains(p[3])) {
                return "pagetypeinfo.NODE.ZONE.TYPE[.ORDER] with TYPE one of " + String.join(", ", TYPES);
            }
            return p.length == 5 && order(p[4]) < 0 ? "an order 0.." + Zone.MAX_PAGE_ORDER : null;
        }
        if (p.length != want) {
            return kind + ".NODE.ZONE." + (kind.equals("zoneinfo") ? "FIELD" : "ORDER");
        }
        if (kind.equals("zoneinfo")) {
            return ZONEINFO_FIELDS.contains(p[3]) ? null : "a zoneinfo field (" + String.join(", ", ZONEINFO_FIELDS) + ")";
        }
        return order(p[3]) < 0 ? "an order 0.." + Zone.MAX_PAGE_ORDER : null;
    }

    /**
     * The figure now.
     *
     * @param unevictableAllowed vm.compact_unevictable_allowed, for the physmem figures
     * @throws IllegalArgumentException if {@link #validate} would not accept the path
     */
    public static long read(PhysMem mem, String path, boolean unevictableAllowed) {
        final String bad = validate(mem, path);
        if (bad != null) {
            throw new IllegalArgumentException("expected " + bad + ", found '" + path + "'");
        }
        final FragViews v = new FragViews(mem);
        final String[] p = path.split("\\.");
        switch (p[0]) {
            case "physmem": {
                long sum = 0;
                for (Zone z : mem.zones()) {
                    sum += p[1].equals("clean_pageblocks") ? v.cleanPageblocks(z, unevictableAllowed)
                            : v.order9AfterCompaction(z, unevictableAllowed);
                }
                return sum;
            }
            case "fragscore":
                return v.fragmentationScoreNode(Integer.parseInt(p[1]));
            default:
                break;
        }
        final Zone z = zone(mem, Integer.parseInt(p[1]), p[2]);
        return switch (p[0]) {
            case "buddyinfo" -> z.nrFree(Integer.parseInt(p[3]));
            case "pagetypeinfo" -> p.length == 5 ? v.freeCount(z, TYPES.indexOf(p[3]), Integer.parseInt(p[4]))
                    : v.blockCount(z)[TYPES.indexOf(p[3])];
            case "extfrag" -> FragViews.fragmentationIndex(z, Integer.parseInt(p[3]));
            case "unusable" -> FragViews.unusableFreeIndex(z, Integer.parseInt(p[3]));
            default -> zoneinfo(z, p[3]);
        };
    }

    private static long zoneinfo(Zone z, String f) {
        return switch (f) {
            case "free" -> z.freePages();
            case "min" -> z.minWmarkPages();
            case "low" -> z.lowWmarkPages();
            case "high" -> z.highWmarkPages();
            case "promo" -> z.promoWmarkPages();
            case "boost" -> z.watermarkBoost();
            case "spanned" -> z.spannedPages();
            case "present" -> z.presentPages();
            case "managed" -> z.managedPages();
            case "cma" -> z.cmaPages();
            default -> z.pcpPages();
        };
    }

    private static int node(PhysMem mem, String s) {
        final int n = number(s);
        return n < mem.nrNodes() ? n : -1;
    }

    private static int order(String s) {
        final int n = number(s);
        return n <= Zone.MAX_PAGE_ORDER ? n : -1;
    }

    // a decimal of one or two digits, or -1
    private static int number(String s) {
        if (s.isEmpty() || s.length() > 2 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Integer.parseInt(s);
    }

    private static Zone zone(PhysMem mem, int nid, String name) {
        final int zi = ZONES.indexOf(name);
        if (zi < 0) {
            return null;
        }
        final Zone z = mem.zone(nid, zi);
        return z.populated() ? z : null;
    }

    private static String zoneNames(PhysMem mem, int nid) {
        final StringBuilder sb = new StringBuilder();
        for (Zone z : mem.zones()) {
            if (z.nid() == nid) {
                sb.append(sb.length() == 0 ? "" : ", ").append(z.name());
            }
        }
        return sb.toString();
    }
}
