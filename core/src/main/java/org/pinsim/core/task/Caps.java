package org.pinsim.core.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Capabilities as a bit set (include/uapi/linux/capability.h numbering). pinsim acts on
 * CAP_IPC_LOCK (mlock limits), CAP_SYS_RESOURCE (raising hard rlimits) and the file
 * permission overrides (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER); the others are
 * carried so that a scenario can name them.
 */
public final class Caps {
    public static final int CAP_CHOWN = 0;
    public static final int CAP_DAC_OVERRIDE = 1;
    public static final int CAP_DAC_READ_SEARCH = 2;
    public static final int CAP_FOWNER = 3;
    public static final int CAP_SETUID = 7;
    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_IPC_LOCK = 14;
    public static final int CAP_IPC_OWNER = 15;
    public static final int CAP_SYS_RAWIO = 17;
    public static final int CAP_SYS_PTRACE = 19;
    public static final int CAP_SYS_ADMIN = 21;
    public static final int CAP_SYS_NICE = 23;
    public static final int CAP_SYS_RESOURCE = 24;
    public static final int CAP_PERFMON = 38;
    public static final int CAP_LAST_CAP = 40;

    private static final String[] NAMES = {
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
        "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
        "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
        "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
        "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
        "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
    };

    /** Every capability up to CAP_LAST_CAP. */
    public static final long ALL = (1L << (CAP_LAST_CAP + 1)) - 1;
    public static final long NONE = 0;

    private Caps() {
    }

    public static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }

    /** The capability number for a name such as {@code ipc_lock} or {@code CAP_IPC_LOCK}, or -1. */
    public static int byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("cap_")) {
            n = n.substring(4);
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return i;
            }
        }
        return -1;
    }

    public static String name(int cap) {
        return NAMES[cap];
    }

    /** Comma-separated names, or {@code none} / {@code all}. */
    public static String format(long caps) {
        if (caps == NONE) {
            return "none";
        }
        if (caps == ALL) {
            return "all";
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i <= CAP_LAST_CAP; i++) {
            if (has(caps, i)) {
                out.add(NAMES[i]);
            }
        }
        return String.join(",", out);
    }
}
