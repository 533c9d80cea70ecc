package org.pinsim.conformance.verify;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.pinsim.cli.verify.ExecutorBinary;

/** What the live-kernel tests need: root on Linux and the executor (gcc); else they are skipped. */
final class Live {

    private Live() {
    }

    /** The executor binary, or the test is skipped (assumption) saying why. */
    static Path executor() {
        String why = ExecutorBinary.unavailable();
        assumeTrue(why == null, "live kernel not available: " + why);
        try {
            return ExecutorBinary.locate();
        } catch (IOException e) {
            assumeTrue(false, "live kernel not available: " + e.getMessage());
            return null;
        }
    }

    /** True while the process exists and is not a zombie. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A /proc/PID/status line's value ({@code Uid}, {@code CapEff}). */
    static String status(long pid, String key) throws IOException {
        for (String l : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
            if (l.startsWith(key + ":")) {
                return l.substring(key.length() + 1).trim();
            }
        }
        return null;
    }
}
