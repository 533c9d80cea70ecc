package org.pinsim.scenario;

import java.util.List;

/** Size units as the language writes them, and sizes as messages print them. */
final class Sizes {

    static final List<String> UNITS = List.of("KiB", "MiB", "GiB", "TiB", "K", "M", "G", "T");

    private Sizes() {
    }

    /**
     * The multiplier of a unit, {@code kB} (1024, as /proc prints) only where {@code allowKB};
     * 0 for a unit the language does not know.
     */
    static long multiplier(String unit, boolean allowKB) {
        return switch (unit) {
            case "" -> 1;
            case "K", "KiB" -> 1L << 10;
            case "M", "MiB" -> 1L << 20;
            case "G", "GiB" -> 1L << 30;
            case "T", "TiB" -> 1L << 40;
            case "kB" -> allowKB ? 1L << 10 : 0;
            default -> 0;
        };
    }

    /** {@code 64KiB}, {@code 8MiB}, {@code 4097}, {@code unlimited} for RLIM_INFINITY. */
    static String format(long bytes) {
        if (bytes == -1) {
            return "unlimited";
        }
        String[] names = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < names.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes != 0 && bytes % unit == 0) {
                return (bytes / unit) + names[i];
            }
        }
        return Long.toString(bytes);
    }

    /** A size as /proc prints it: {@code 64 kB}; a size that is not whole kB keeps its bytes. */
    static String kB(long bytes) {
        return bytes % 1024 == 0 ? (bytes / 1024) + " kB" : bytes + " bytes";
    }
}
