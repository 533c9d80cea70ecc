package org.pinsim.core.mem;

/**
 * mm/page_alloc.c: build_all_zonelists: each node's fallback list of zones, in node order
 * (the only order since 4.14): the nodes by {@code find_next_best_node}, and within a node
 * its populated zones from the highest down (Normal, DMA32, DMA).
 *
 * <p>The SLIT is the default one (include/linux/topology.h: LOCAL_DISTANCE 10,
 * REMOTE_DISTANCE 20) and every node has CPUs. With equal remote distances the kernel's
 * tie-breaks ("prefer the next node", then {@code node_load}) give node k the order
 * k, k+1, ..., n-1, 0, ..., k-1.
 */
final class Zonelists {

    /** include/linux/topology.h: LOCAL_DISTANCE, REMOTE_DISTANCE. */
    static final int LOCAL_DISTANCE = 10;
    static final int REMOTE_DISTANCE = 20;
    /** include/linux/numa.h: MAX_NUMNODES with x86-64's default NODES_SHIFT 6. */
    static final int MAX_NUMNODES = 64;
    /** mm/page_alloc.c: PENALTY_FOR_NODE_WITH_CPUS. */
    private static final int PENALTY_FOR_NODE_WITH_CPUS = 1;

    private Zonelists() {
    }

    /** mm/page_alloc.c: __build_all_zonelists: node_load is shared across all nodes' builds. */
    static Zone[][] build(Zone[][] zones) {
        final int nrNodes = zones.length;
        final int[] nodeLoad = new int[nrNodes];
        final Zone[][] zonelists = new Zone[nrNodes][];
        for (int nid = 0; nid < nrNodes; nid++) {
            zonelists[nid] = inNodeOrder(zones, nodeOrder(nid, nrNodes, nodeLoad));
        }
        return zonelists;
    }

    static int nodeDistance(int from, int to) {
        return from == to ? LOCAL_DISTANCE : REMOTE_DISTANCE;
    }

    // mm/page_alloc.c: build_zonelists: penalise the first node of each distance group
    static int[] nodeOrder(int localNode, int nrNodes, int[] nodeLoad) {
        final boolean[] used = new boolean[nrNodes];
        final int[] order = new int[nrNodes];
        int prevNode = localNode;
        for (int i = 0; i < nrNodes; i++) {
            final int node = findNextBestNode(localNode, used, nodeLoad);
            if (nodeDistance(localNode, node) != nodeDistance(localNode, prevNode)) {
                nodeLoad[node] += 1;
            }
            order[i] = node;
            prevNode = node;
        }
        return order;
    }

    // mm/page_alloc.c: find_next_best_node
    private static int findNextBestNode(int node, boolean[] used, int[] nodeLoad) {
        if (!used[node]) {
            used[node] = true;
            return node;
        }
        int minVal = Integer.MAX_VALUE;
        int bestNode = -1;
        for (int n = 0; n < used.length; n++) {
            if (used[n]) {
                continue;
            }
            int val = nodeDistance(node, n);
            val += n < node ? 1 : 0; // penalise nodes under us ("prefer the next node")
            val += PENALTY_FOR_NODE_WITH_CPUS;
            val *= MAX_NUMNODES;
            val += nodeLoad[n];
            if (val < minVal) {
                minVal = val;
                bestNode = n;
            }
        }
        used[bestNode] = true;
        return bestNode;
    }

    // mm/page_alloc.c: build_zonelists_in_node_order, build_zonelists_node (managed zones only)
    private static Zone[] inNodeOrder(Zone[][] zones, int[] nodeOrder) {
        int count = 0;
        for (int nid : nodeOrder) {
            for (Zone z : zones[nid]) {
                count += z.managedPages() > 0 ? 1 : 0;
            }
        }
        final Zone[] list = new Zone[count];
        int i = 0;
        for (int nid : nodeOrder) {
            for (int zoneIdx = Zone.MAX_NR_ZONES - 1; zoneIdx >= 0; zoneIdx--) {
                final Zone z = zones[nid][zoneIdx];
                if (z.managedPages() > 0) {
                    list[i++] = z;
                }
            }
        }
        return list;
    }
}
