package org.pinsim.core.compaction;

import org.pinsim.core.Sysctl;
import org.pinsim.core.mem.FragViews;
import org.pinsim.core.mem.Zone;

/** mm/compaction.c: the fragmentation scores and watermarks of proactive compaction. */
public final class Proactive {
    private Proactive() {
    }

    /**
     * mm/compaction.c: should_proactive_compact_node: proactiveness on and the node's score
     * above the high mark (kswapd, which would veto it, never runs in the model).
     */
    public static boolean shouldProactiveCompactNode(Sysctl sysctl, FragViews views, int nid) {
        if (sysctl.get(Sysctl.COMPACTION_PROACTIVENESS) == 0) {
            return false;
        }
        return views.fragmentationScoreNode(nid) > fragmentationScoreWmark(sysctl, false);
    }

    /** mm/compaction.c: fragmentation_score_zone. */
    public static int fragmentationScoreZone(Zone zone) {
        return FragViews.fragmentationScoreZone(zone);
    }

    /**
     * mm/compaction.c: fragmentation_score_wmark: the low mark is 100 - proactiveness, the
     * high one adds a leeway of min(10, low / 2), capped at 100.
     */
    public static int fragmentationScoreWmark(Sysctl sysctl, boolean low) {
        final int wmarkLow = 100 - (int) sysctl.get(Sysctl.COMPACTION_PROACTIVENESS);
        final int leeway = Math.min(10, wmarkLow / 2);
        return low ? wmarkLow : Math.min(wmarkLow + leeway, 100);
    }
}
