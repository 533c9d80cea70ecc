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
                       boolean zeroPage, ThpEnabled thp, int nodes) {

    public static final String INITIAL = "p0";
    static final long MEMLOCK_MAX = 8 << 20;

    /** A machine with transparent huge pages in the default madvise mode. */
    public SysWorld(Profile profile, long memory, boolean root, long memlock, ProcessSpec.Layout layout,
                    boolean zeroPage) {
        this(profile, memory, root, memlock, layout, zeroPage, ThpEnabled.MADVISE, 1);
    }

    /** A one-node machine. */
    public SysWorld(Profile profile, long memory, boolean root, long memlock, ProcessSpec.Layout layout,
                    boolean zeroPage, ThpEnabled thp) {
        this(profile, memory, root, memlock, layout, zeroPage, thp, 1);
    }

    public Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(memory).withProfile(profile).withZeroPage(zeroPage)
                .withThp(thp)
                .withNodes(nodes));
    }

    /** uid 0 with every capability, or uid 1000 with none. */
    public ProcessSpec spec() {
        return new ProcessSpec(INITIAL, root ? 0 : 1000, root ? Caps.ALL : Caps.NONE, memlock, MEMLOCK_MAX, layout);
    }

    /** The directives that boot the same machine and process in a scenario. */
    public List<String> directives() {
        return List.of("machine memory=" + Pin.size(memory) + (nodes == 1 ? "" : " nodes=" + nodes)
                        + (zeroPage ? "" : " zero_page=off")
                        + (thp == ThpEnabled.MADVISE ? "" : " thp=" + thp.sysfsName()),
                "kernel " + profile.id(),
                "process " + INITIAL + " uid=" + (root ? 0 : 1000) + " caps=" + (root ? "all" : "none")
                        + " rlimit.memlock=" + Pin.size(memlock) + ":" + Pin.size(MEMLOCK_MAX)
                        + " layout=" + layout.name().toLowerCase(Locale.ROOT));
    }
}
