package org.pinsim.cli.verify;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Finds the live-kernel executor: {@code conformance/target/pinsim-exec}, built by the
 * Maven build from {@code conformance/executor/pinsim-exec.c}. When the binary is missing
 * or older than its source and gcc is there, it is compiled on the spot. Also says why the
 * live kernel cannot be used here (not Linux, not root, no gcc).
 */
public final class ExecutorBinary {

    static final String SOURCE = "conformance/executor/pinsim-exec.c";
    static final String BINARY = "conformance/target/pinsim-exec";

    private ExecutorBinary() {
    }

    /** Why the live kernel cannot be used here, or null when it can. */
    public static String unavailable() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "not Linux (" + System.getProperty("os.name") + ")";
        }
        if (!isRoot()) {
            return "not root (the executor switches uid and reads /proc/PID/pagemap and /proc/kpageflags)";
        }
        return null;
    }

    static boolean isRoot() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return l.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** gcc on the PATH, or null. */
    static Path gcc() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            Path p = Paths.get(dir, "gcc");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The repository root: from the system property pinsim.home, the jar's location, or the working directory. */
    static Path home() {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("pinsim.home");
        if (prop != null) {
            candidates.add(Paths.get(prop));
        }
        try {
            Path loc = Paths.get(ExecutorBinary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = loc; p != null; p = p.getParent()) {
                candidates.add(p);
            }
        } catch (URISyntaxException | RuntimeException e) {
            // not from a file
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            candidates.add(p);
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve(SOURCE)) || Files.isRegularFile(c.resolve(BINARY))) {
                return c;
            }
        }
        return null;
    }

    /**
     * The executor binary, compiled if needed.
     *
     * @throws IOException with a one-line reason when there is none ("gcc missing", ...)
     */
    public static Path locate() throws IOException {
        String explicit = System.getProperty("pinsim.exec", System.getenv("PINSIM_EXEC"));
        if (explicit != null && !explicit.isEmpty()) {
            Path p = Paths.get(explicit);
            if (!Files.isExecutable(p)) {
                throw new IOException("the executor " + p + " is not an executable file");
            }
            return p;
        }
        Path home = home();
        if (home == null) {
            throw new IOException("cannot find " + SOURCE + " (set -Dpinsim.home=REPO)");
        }
        Path bin = home.resolve(BINARY);
        Path src = home.resolve(SOURCE);
        boolean fresh = Files.isExecutable(bin) && (!Files.exists(src)
                || Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) >= 0);
        if (fresh) {
            return bin;
        }
        Path gcc = gcc();
        if (gcc == null) {
            throw new IOException("gcc missing");
        }
        if (!Files.exists(src)) {
            throw new IOException("no executor source " + src);
        }
        Path out = bin;
        try {
            Files.createDirectories(bin.getParent());
        } catch (IOException e) {
            out = Files.createTempDirectory("pinsim-exec").resolve("pinsim-exec");
        }
        compile(gcc, src, out);
        return out;
    }

    static void compile(Path gcc, Path src, Path out) throws IOException {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        for (boolean stat : new boolean[] {true, false}) {
            List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-O2", "-Wall", "-o", tmp.toString(), src.toString()));
            if (stat) {
                cmd.add(1, "-static");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            try {
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("gcc timed out");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            if (p.exitValue() == 0) {
                Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return;
            }
            if (!stat) {
                throw new IOException("gcc failed on " + src + ": " + log.strip().replace('\n', ' '));
            }
        }
    }
}
