package org.pinsim.core.prop.sys;

import java.util.List;
import java.util.Locale;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;

/**
 * Where a sequence starts: the machine (memory, profile, the shared zero page or none, the
 * transparent huge page mode; otherwise the default machine) and
 * the initial process {@code p0}, with a memlock hard limit of 8 MiB so that setrlimit can
 * raise the soft one.
 */
public record SysWorld(Profile profile, long memory, boolean root, long memlock, ProcessSpec.Layout layout,
                       boolean zeroPage, ThpEnabled thp, int nodes, int movablePercent, long cmaBytes, int agePercent) {

    public static final String INITIAL = "p0";
    static final long MEMLOCK_MAX = 8 << 20;

    /** A machine with transparent huge pages in the default madvise mode. */
    public SysWorld(Profile profile, long memory, boolean root, long memlock, ProcessSpec.Layout layout,
                    boolean zeroPage) {
        this(profile, memory, root, memlock, layout, zeroPage, ThpEnabled.MADVISE, 1, 0, 0, 0);
    }

    /** A one-node machine. */
    public SysWorld(Profile profile, long memory, boolean root, long memlock, ProcessSpec.Layout layout,
                    boolean zeroPage, ThpEnabled thp) {
        this(profile, memory, root, memlock, layout, zeroPage, thp, 1, 0, 0, 0);
    }

    /** A machine of {@code nodes} nodes, no ZONE_MOVABLE, no CMA, not aged. */
    public SysWorld(Profile profile, long memory, boolean root, long memlock, ProcessSpec.Layout layout,
                    boolean zeroPage, ThpEnabled thp, int nodes) {
        this(profile, memory, root, memlock, layout, zeroPage, thp, nodes, 0, 0, 0);
    }

    public Kernel boot() {
        MachineConfig c = MachineConfig.defaults().withMemory(memory).withProfile(profile).withZeroPage(zeroPage)
                .withThp(thp)
                .withNodes(nodes);
        return Kernel.boot(new MachineConfig(c.memoryBytes(), c.nodes(), c.cpus(), c.swapBytes(), c.seed(), c.profile(),
                c.zeroPage(), c.thp(), 0, movablePercent, cmaBytes, agePercent));
    }

    /** uid 0 with every capability, or uid 1000 with none. */
    public ProcessSpec spec() {
        return new ProcessSpec(INITIAL, root ? 0 : 1000, root ? Caps.ALL : Caps.NONE, memlock, MEMLOCK_MAX, layout);
    }

    /** The directives that boot the same machine and process in a scenario. */
    public List<String> directives() {
        return List.of("machine memory=" + Pin.size(memory) + (nodes == 1 ? "" : " nodes=" + nodes)
                        + (zeroPage ? "" : " zero_page=off")
                        + (thp == ThpEnabled.MADVISE ? "" : " thp=" + thp.sysfsName())
                        + (movablePercent == 0 ? "" : " movable=" + movablePercent + "%")
                        + (cmaBytes == 0 ? "" : " cma=" + Pin.size(cmaBytes))
                        + (agePercent == 0 ? "" : " age=" + agePercent + "%"),
                "kernel " + profile.id(),
                "process " + INITIAL + " uid=" + (root ? 0 : 1000) + " caps=" + (root ? "all" : "none")
                        + " rlimit.memlock=" + Pin.size(memlock) + ":" + Pin.size(MEMLOCK_MAX)
                        + " layout=" + layout.name().toLowerCase(Locale.ROOT));
    }
}
