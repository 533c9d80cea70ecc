package org.pinsim.cli.verify;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running {@code pinsim-exec} (conformance/executor/pinsim-exec.c): the line protocol,
 * and the clean-up. The executor kills its own process group when its timeout expires; as a
 * second line of defence a watchdog here kills it and every descendant a few seconds later.
 */
public final class Executor implements AutoCloseable {

    /** The executor died or stopped answering (its timeout, or a crash). */
    public static final class Gone extends IOException {
        private static final long serialVersionUID = 1L;

        Gone(String m) {
            super(m);
        }
    }

    /**
     * A syscall's answer: the value userspace sees, the errno (0 if none), extra numbers, and
     * the vmstat event counters that changed during the call (read by the scenario process
     * right before and right after it).
     */
    public record Answer(long ret, int errno, long[] out, Map<String, Long> events) {
        public boolean failed() {
            return ret == -1 && errno != 0;
        }
    }

    /** One VMA of /proc/PID/smaps. */
    public record Vma(long start, long end, long rssKb, long lockedKb, List<String> flags, long sharedKb,
                      long anonHugeKb, long lazyFreeKb) {
        public Vma(long start, long end, long rssKb, long lockedKb, List<String> flags, long sharedKb, long anonHugeKb) {
            this(start, end, rssKb, lockedKb, flags, sharedKb, anonHugeKb, 0);
        }

        public boolean locked() {
            return flags.contains("lo");
        }

        public long length() {
            return end - start;
        }
    }

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pinsim-verify-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Process process;
    private final BufferedReader in;
    private final BufferedWriter out;
    private final ScheduledFuture<?> watchdog;
    private final long started = System.nanoTime();
    private final int timeoutSeconds;
    private final StringBuilder stderr = new StringBuilder();
    private volatile boolean killed;
    private static final boolean DEBUG = System.getenv("PINSIM_VERIFY_DEBUG") != null;

    public Executor(Path binary, int timeoutSeconds) throws IOException {
        this.timeoutSeconds = timeoutSeconds;
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--timeout", Integer.toString(timeoutSeconds));
        process = pb.start();
        in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        out = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII));
        Thread err = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (stderr) {
                        if (stderr.length() < 4096) {
                            stderr.append(l).append('\n');
                        }
                    }
                }
            } catch (IOException e) {
                // the executor is gone
            }
        }, "pinsim-exec-stderr");
        err.setDaemon(true);
        err.start();
        watchdog = WATCHDOG.schedule(this::kill, timeoutSeconds + 5L, TimeUnit.SECONDS);
    }

    /** The executor's pid (its process group id too). */
    public long pid() {
        return process.pid();
    }

    public boolean timedOut() {
        return killed || (System.nanoTime() - started) / 1_000_000_000L >= timeoutSeconds;
    }

    public String stderr() {
        synchronized (stderr) {
            return stderr.toString().strip();
        }
    }

    /** Sends one command line and returns the answer line. */
    public synchronized String ask(String command) throws IOException {
        try {
            out.write(command);
            out.write('\n');
            out.flush();
            String line = in.readLine();
            if (line == null) {
                throw new Gone(timedOut() ? "timed out after " + timeoutSeconds + " s" : "the executor died" + errSuffix());
            }
            if (DEBUG) {
                System.err.println("exec> " + command + "\nexec< " + line);
            }
            return line;
        } catch (Gone e) {
            throw e;
        } catch (IOException e) {
            throw new Gone(timedOut() ? "timed out after " + timeoutSeconds + " s" : "the executor died: " + e.getMessage()
                    + errSuffix());
        }
    }

    private String errSuffix() {
        String e = stderr();
        return e.isEmpty() ? "" : " (" + e.replace('\n', ' ') + ")";
    }

    /** The following lines of a block answer, up to {@code end}. */
    private List<String> block() throws IOException {
        List<String> lines = new ArrayList<>();
        for (;;) {
            String l = in.readLine();
            if (l == null) {
                throw new Gone(timedOut() ? "timed out after " + timeoutSeconds + " s" : "the executor died" + errSuffix());
            }
            if (l.equals("end")) {
                return lines;
            }
            lines.add(l);
        }
    }

    /** {@code hello}: release, memlock soft and hard, effective capabilities. */
    public String[] hello() throws IOException {
        String a = ask("hello");
        if (!a.startsWith("ok pinsim-exec 1 ")) {
            throw new IOException("unexpected executor greeting: " + a);
        }
        return a.substring("ok pinsim-exec 1 ".length()).split(" ");
    }

    public void init(int spawn, int slots) throws IOException {
        expectOk(ask("init " + spawn + " " + slots));
    }

    /** Creates a scenario process in {@code slot}; returns {pid, effective caps}. */
    public long[] spawn(int slot, long uid, long caps, long soft, long hard) throws IOException {
        String a = ask("spawn " + slot + " " + uid + " " + Long.toHexString(caps) + " " + soft + " " + hard);
        String[] f = a.split(" ");
        if (!f[0].equals("ok")) {
            throw new IOException("cannot create the process: " + a.substring(a.indexOf(' ') + 1) + errSuffix());
        }
        return new long[] {Long.parseLong(f[1]), Long.parseUnsignedLong(f[2], 16)};
    }

    public void go() throws IOException {
        expectOk(ask("go"));
    }

    /** Runs a command in the scenario process at {@code slot}; null when that process is gone. */
    public Answer call(int slot, String command) throws IOException {
        String a = ask("to " + slot + " " + command);
        if (a.equals("gone")) {
            return null;
        }
        int semi = a.indexOf(" ;");
        String head = semi < 0 ? a : a.substring(0, semi);
        Map<String, Long> events = new HashMap<>();
        if (semi >= 0) {
            for (String kv : a.substring(semi + 2).trim().split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    events.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
                }
            }
        }
        String[] f = head.split(" ");
        if (!f[0].equals("r")) {
            throw new IOException("unexpected answer to " + command + ": " + a);
        }
        long[] extra = new long[f.length - 3];
        for (int i = 3; i < f.length; i++) {
            extra[i - 3] = Long.parseUnsignedLong(f[i]);
        }
        return new Answer(Long.parseLong(f[1]), Integer.parseInt(f[2]), extra, Map.copyOf(events));
    }

    /** /proc/PID/status lines in kB by name, plus {@code maps}; null when the process is gone. */
    public Map<String, Long> status(long pid) throws IOException {
        String a = ask("status " + pid);
        if (a.equals("gone")) {
            return null;
        }
        Map<String, Long> m = new HashMap<>();
        for (String kv : a.substring(3).split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return m;
    }

    /** /proc/PID/smaps as VMAs; null when the process is gone. */
    public List<Vma> smaps(long pid) throws IOException {
        String a = ask("smaps " + pid);
        if (a.equals("gone")) {
            return null;
        }
        List<Vma> vmas = new ArrayList<>();
        for (String l : block()) {
            String[] f = l.split(" ");
            vmas.add(new Vma(Long.parseUnsignedLong(f[0], 16), Long.parseUnsignedLong(f[1], 16), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), f[4].equals("-") ? List.of() : List.of(f[4].split(",")),
                    f.length > 5 ? Long.parseLong(f[5]) : 0, f.length > 6 ? Long.parseLong(f[6]) : 0,
                    f.length > 7 ? Long.parseLong(f[7]) : 0));
        }
        return vmas;
    }

    /**
     * The frame of each present page of the process's VMAs (pagemap's PFN, the zero page left
     * out): address -> pfn; null if the process is gone.
     */
    public java.util.TreeMap<Long, Long> pagemap(long pid) throws IOException {
        String a = ask("pagemap " + pid);
        if (a.equals("gone")) {
            return null;
        }
        java.util.TreeMap<Long, Long> out = new java.util.TreeMap<>(Long::compareUnsigned);
        for (String l : block()) {
            String[] f = l.split(" ");
            out.put(Long.parseUnsignedLong(f[0], 16), Long.parseUnsignedLong(f[1], 16));
        }
        return out;
    }

    /** Resident bytes in the ranges {start, len, start, len, ...}: pagemap present, not the zero page. */
    public long rss(long pid, List<long[]> ranges) throws IOException {
        if (ranges.isEmpty()) {
            return 0;
        }
        StringBuilder sb = new StringBuilder("rss ").append(pid).append(' ').append(ranges.size());
        for (long[] r : ranges) {
            sb.append(' ').append(Long.toUnsignedString(r[0])).append(' ').append(Long.toUnsignedString(r[1]));
        }
        String a = ask(sb.toString());
        if (a.equals("gone")) {
            return 0;
        }
        return Long.parseLong(a.substring(3).trim());
    }

    public Map<String, Long> vmstat() throws IOException {
        return vmstat(false);
    }

    /**
     * /proc/vmstat after stat_refresh; with {@code drain}, after every CPU's LRU and mlock
     * batches were drained (for a baseline that earlier processes' queued pages do not skew).
     */
    public Map<String, Long> vmstat(boolean drain) throws IOException {
        String a = ask(drain ? "vmstat drain" : "vmstat");
        if (!a.startsWith("ok ")) {
            throw new IOException("cannot read /proc/vmstat: " + a);
        }
        int n = Integer.parseInt(a.substring(3).trim());
        Map<String, Long> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String l = in.readLine();
            if (l == null) {
                throw new Gone("the executor died");
            }
            String[] f = l.trim().split("\\s+");
            if (f.length == 2) {
                m.put(f[0], Long.parseLong(f[1]));
            }
        }
        return m;
    }

    private static void expectOk(String a) throws IOException {
        if (!a.startsWith("ok")) {
            throw new IOException("executor: " + a);
        }
    }

    /** Kills the executor and every descendant it still has. */
    public void kill() {
        killed = true;
        try {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        } catch (RuntimeException e) {
            // already gone
        }
        process.destroyForcibly();
    }

    @Override
    public void close() {
        watchdog.cancel(false);
        if (process.isAlive()) {
            try {
                out.write("quit\n");
                out.flush();
            } catch (IOException e) {
                // gone already
            }
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
