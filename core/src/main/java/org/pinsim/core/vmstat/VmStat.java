package org.pinsim.core.vmstat;

/**
 * mm/vmstat.c: the machine's event counters and state counters, in primitive arrays
 * (no boxing). Event counters only grow; a state counter going negative is a model bug.
 */
public final class VmStat {
    private final long[] events = new long[VmEvent.values().length];
    private final long[] state = new long[NodeStat.values().length];
    private final long[] pinsim = new long[PinsimEvent.values().length];

    /** count_vm_events. */
    public void count(VmEvent e, long n) {
        events[e.ordinal()] += n;
    }

    public void count(VmEvent e) {
        events[e.ordinal()]++;
    }

    /** mod_node_page_state / mod_zone_page_state. */
    public void mod(NodeStat s, long delta) {
        state[s.ordinal()] += delta;
    }

    public long get(VmEvent e) {
        return events[e.ordinal()];
    }

    public long get(NodeStat s) {
        return state[s.ordinal()];
    }

    /** A pinsim-only counter ({@link PinsimEvent}: not in Linux). */
    public void count(PinsimEvent e, long n) {
        pinsim[e.ordinal()] += n;
    }

    public long get(PinsimEvent e) {
        return pinsim[e.ordinal()];
    }
}
