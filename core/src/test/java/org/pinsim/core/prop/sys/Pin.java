package org.pinsim.core.prop.sys;

import java.util.Map;
import org.pinsim.core.uapi.FlagNames;

/** Numbers, sizes and flags written as the scenario language reads them. */
final class Pin {

    private Pin() {
    }

    /** {@code 0}, {@code 16KiB}, {@code 2MiB}, or decimal when not a whole KiB. */
    static String size(long n) {
        if (n != 0 && n % (1L << 30) == 0) {
            return (n >> 30) + "GiB";
        }
        if (n != 0 && n % (1L << 20) == 0) {
            return (n >> 20) + "MiB";
        }
        if (n != 0 && n % 1024 == 0) {
            return (n >> 10) + "KiB";
        }
        return Long.toString(n);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** {@code NAME + 8KiB}, {@code NAME - 8KiB + 1} (whole KiB, then the bytes), or {@code NAME}. */
    static String plus(String name, long offset) {
        long kib = Math.floorDiv(offset, 1024);
        long bytes = Math.floorMod(offset, 1024);
        String s = name;
        if (kib != 0) {
            s += (kib > 0 ? " + " : " - ") + size(Math.abs(kib) << 10);
        }
        return bytes == 0 ? s : s + " + " + bytes;
    }

    /**
     * A flag word: the name whose value it is (advice, MAP_SHARED, PROT_NONE), else the names
     * of its bits as strace joins them, {@code 0} for none.
     */
    static String flags(FlagNames kind, long v) {
        for (Map.Entry<String, Long> e : kind.names().entrySet()) {
            if (e.getValue() == v) {
                return e.getKey();
            }
        }
        return v == 0 ? "0" : kind.format(v);
    }
}
