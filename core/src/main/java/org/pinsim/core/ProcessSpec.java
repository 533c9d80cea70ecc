package org.pinsim.core;

import org.pinsim.core.task.Caps;

/**
 * How to create a process: the {@code process} directive. {@code memlockSoft}/{@code memlockHard}
 * of -1 mean RLIM_INFINITY; use {@link #defaults(String, Profile)} for the profile's defaults.
 */
public record ProcessSpec(String name, int uid, long caps, long memlockSoft, long memlockHard, Layout layout) {

    /** The initial address space. */
    public enum Layout {
        /** An exec-like image of a small static C program; see docs/LAYOUT.md. */
        DEFAULT,
        /** Nothing mapped; the process still has a brk start. */
        EMPTY
    }

    /** uid 1000, no capabilities, the profile's default RLIMIT_MEMLOCK, layout=default. */
    public static ProcessSpec defaults(String name, Profile profile) {
        return new ProcessSpec(name, 1000, Caps.NONE, profile.defaultMemlock(), profile.defaultMemlock(),
                Layout.DEFAULT);
    }

    public ProcessSpec withUid(int u) {
        return new ProcessSpec(name, u, caps, memlockSoft, memlockHard, layout);
    }

    public ProcessSpec withCaps(long c) {
        return new ProcessSpec(name, uid, c, memlockSoft, memlockHard, layout);
    }

    public ProcessSpec withMemlock(long soft, long hard) {
        return new ProcessSpec(name, uid, caps, soft, hard, layout);
    }

    public ProcessSpec withLayout(Layout l) {
        return new ProcessSpec(name, uid, caps, memlockSoft, memlockHard, l);
    }
}
