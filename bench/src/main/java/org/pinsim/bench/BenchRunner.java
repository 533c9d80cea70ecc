package org.pinsim.bench;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.pinsim.core.MachineConfig;

/**
 * Runs kbench's ops on the model and prints kbench's JSON lines, so that the two outputs join
 * on {@code (op, bytes)}. Per region size, {@code reps} repetitions each walk the region chains
 * R1..R4 ({@link Workloads}); each op's line gives the median, min and max over them.
 *
 * <p>Output, in this order: {@code meta_bench} (the manifest), one {@code meta_skipped} per
 * selected op the model cannot run, {@code meta_heap_bytes_per_frame} and
 * {@code meta_heap_bytes_per_mapped_page}, then (after an untimed warm-up pass for the JIT)
 * the no-region ops and, size by size, one line per op in kbench's order. The order of ops,
 * regions and sizes is fixed; only the nanoseconds vary between runs.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.pinsim.bench.BenchRunner [--op OP[,OP...]]... [--size SIZE] [--no-warmup]
 * </pre>
 */
public final class BenchRunner {
    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;
    /** kbench's sizes up to 1 GiB (its 4 GiB size needs --size 4GiB). */
    public static final List<Long> DEFAULT_SIZES = List.of(4 * MIB, 64 * MIB, GIB);
    /** kbench sc_baselines repetitions. */
    static final int NOREGION_REPS = 7;
    static final long WARMUP_BYTES = 64 * MIB;
    /** Warm-up: at least this many passes and this long (C2 compiles in the background). */
    static final int WARMUP_MIN_REPS = 5;
    static final long WARMUP_MIN_NANOS = 3_000_000_000L;
    static final int WARMUP_MAX_REPS = 50;
    static final int WARMUP_NOREGION_REPS = 5;

    /** What to run: the ops (kbench's order is kept whatever the order given), the sizes, warm-up. */
    public record Options(Set<Op> ops, List<Long> sizes, boolean warmup) {
        public Options {
            // an EnumSet iterates in kbench's order whatever order the ops were given in
            ops = Collections.unmodifiableSet(ops.isEmpty() ? EnumSet.noneOf(Op.class) : EnumSet.copyOf(ops));
            sizes = List.copyOf(sizes);
            for (long s : sizes) {
                checkSize(s);
            }
        }

        /** Every op, kbench's sizes up to 1 GiB, with warm-up. */
        public static Options defaults() {
            return new Options(EnumSet.allOf(Op.class), DEFAULT_SIZES, true);
        }

        public Options withOps(Set<Op> o) {
            return new Options(o, sizes, warmup);
        }

        public Options withSizes(List<Long> s) {
            return new Options(ops, s, warmup);
        }

        public Options withWarmup(boolean w) {
            return new Options(ops, sizes, w);
        }
    }

    private final Options options;
    private final PrintWriter out;
    private final PrintWriter log;

    /** A runner printing JSON lines to {@code out} and progress to {@code log} (may be null). */
    public BenchRunner(Options options, PrintWriter out, PrintWriter log) {
        this.options = options;
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        Options o;
        try {
            o = parseArgs(args);
        } catch (IllegalArgumentException e) {
            err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        new BenchRunner(o, out, err).run();
        out.flush();
    }

    /** kbench's repetitions for a size: 9 up to 4 MiB, 7 up to 64 MiB, 3 up to 1 GiB, then 1. */
    public static int reps(long bytes) {
        return bytes <= 4 * MIB ? 9 : bytes <= 64 * MIB ? 7 : bytes <= GIB ? 3 : 1;
    }

    /** Runs everything selected, printing as it goes. */
    public void run() {
        out.println(manifest());
        for (Op op : options.ops()) {
            if (!op.modelled()) {
                out.println("{\"op\":\"meta_skipped\",\"skipped_op\":\"" + op.kbenchName()
                        + "\",\"reason\":\"" + op.skipReason() + "\"}");
            }
        }
        out.println(HeapProbe.heapBytesPerFrameLine());
        out.println(HeapProbe.heapBytesPerMappedPageLine());
        out.flush();
        List<Op.Region> regions = regions();
        if (options.warmup()) {
            warmUp(regions);
        }
        if (regions.contains(Op.Region.NONE)) {
            runNoRegion();
        }
        if (regions.stream().anyMatch(r -> r != Op.Region.NONE)) {
            for (long bytes : options.sizes()) {
                runSize(bytes, regions);
            }
        }
        out.flush();
    }

    /** The chains the selected modelled ops need, in kbench's order. */
    List<Op.Region> regions() {
        List<Op.Region> r = new ArrayList<>();
        for (Op op : options.ops()) {
            if (op.modelled() && !r.contains(op.region())) {
                r.add(op.region());
            }
        }
        r.sort(null);
        return r;
    }

    /** Untimed passes so that the JIT has compiled the hot paths before the first timing. */
    private void warmUp(List<Op.Region> regions) {
        long t0 = System.nanoTime();
        Workloads.Recorder discard = (op, ns) -> { };
        Workloads w = Workloads.boot(WARMUP_BYTES);
        for (int rep = 0; rep < WARMUP_MAX_REPS
                && (rep < WARMUP_MIN_REPS || System.nanoTime() - t0 < WARMUP_MIN_NANOS); rep++) {
            for (Op.Region r : regions) {
                if (r != Op.Region.NONE) {
                    w.run(r, discard);
                }
            }
        }
        if (regions.contains(Op.Region.NONE)) {
            for (int rep = 0; rep < WARMUP_NOREGION_REPS; rep++) {
                w.run(Op.Region.NONE, discard);
            }
        }
        progress("warm-up done in %.1f s", t0);
    }

    /** kbench sc_baselines: fork, mlockall, munlockall of the bare process image. */
    private void runNoRegion() {
        Samples s = new Samples(0, NOREGION_REPS);
        Workloads w = Workloads.boot(WARMUP_BYTES);
        for (int rep = 0; rep < NOREGION_REPS; rep++) {
            w.run(Op.Region.NONE, s);
        }
        emit(s, Op.Region.NONE);
    }

    /** kbench sc_chain for one size, on a freshly booted machine. */
    private void runSize(long bytes, List<Op.Region> regions) {
        long t0 = System.nanoTime();
        int reps = reps(bytes);
        Samples s = new Samples(bytes, reps);
        Workloads w = Workloads.boot(bytes);
        System.gc(); // start each size with a clean heap, not in the middle of a GC cycle
        for (int rep = 0; rep < reps; rep++) {
            for (Op.Region r : regions) {
                if (r != Op.Region.NONE) {
                    w.run(r, s);
                }
            }
        }
        for (Op.Region r : regions) {
            if (r != Op.Region.NONE) {
                emit(s, r);
            }
        }
        progress(formatSize(bytes) + " done in %.1f s", t0);
    }

    private void emit(Samples s, Op.Region region) {
        for (Op op : options.ops()) {
            if (op.region() == region && op.modelled()) {
                out.println(s.jsonLine(op));
            }
        }
        out.flush();
    }

    private String manifest() {
        MachineConfig m = MachineConfig.defaults();
        StringBuilder sizes = new StringBuilder();
        for (long b : options.sizes()) {
            sizes.append(sizes.length() == 0 ? "" : ",").append(b);
        }
        return "{\"op\":\"meta_bench\",\"tool\":\"pinsim\",\"java\":\"" + System.getProperty("java.version")
                + "\",\"vm\":\"" + System.getProperty("java.vm.name")
                + "\",\"cpus\":" + Runtime.getRuntime().availableProcessors()
                + ",\"max_heap_bytes\":" + Runtime.getRuntime().maxMemory()
                + ",\"machine_bytes\":" + m.memoryBytes() + ",\"nodes\":" + m.nodes()
                + ",\"profile\":\"" + m.profile().id() + "\",\"sizes\":[" + sizes
                + "],\"warmup\":" + options.warmup() + ",\"invariant_checks\":false}";
    }

    private void progress(String fmt, long t0) {
        if (log != null) {
            log.println("bench: " + String.format(Locale.ROOT, fmt, (System.nanoTime() - t0) / 1e9));
            log.flush();
        }
    }

    // ---- sizes and arguments ----

    /**
     * A region size: {@code 4MiB}, {@code 64M}, {@code 1GiB}, {@code 512KiB} or plain bytes;
     * units are case-insensitive and binary.
     *
     * @throws IllegalArgumentException for anything else, or a size {@link #checkSize} refuses
     */
    public static long parseSize(String text) {
        String s = text.strip();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("size '" + text + "' is not a number with a unit like 4MiB, 64MiB, 1GiB");
        }
        long unit = switch (s.substring(i).strip().toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kib" -> KIB;
            case "m", "mib" -> MIB;
            case "g", "gib" -> GIB;
            default -> throw new IllegalArgumentException("size '" + text + "': unknown unit (use KiB, MiB or GiB)");
        };
        long n;
        try {
            n = Long.parseLong(s.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        if (n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        return checkSize(n * unit);
    }

    /** A region must be whole pages and at most half the simulated machine. */
    static long checkSize(long bytes) {
        long max = MachineConfig.DEFAULT_MEMORY / 2;
        if (bytes <= 0 || bytes % Workloads.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("size " + bytes + " is not a positive multiple of 4KiB");
        }
        if (bytes > max) {
            throw new IllegalArgumentException("size " + formatSize(bytes) + " is more than half the simulated machine ("
                    + formatSize(MachineConfig.DEFAULT_MEMORY) + ")");
        }
        return bytes;
    }

    /** {@code 4MiB}, {@code 1GiB}, or bytes. */
    public static String formatSize(long bytes) {
        if (bytes % GIB == 0) {
            return bytes / GIB + "GiB";
        }
        if (bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        return bytes % KIB == 0 ? bytes / KIB + "KiB" : Long.toString(bytes);
    }

    /** Ops from {@code --op} values, each one name or a comma list; none given means all. */
    public static Set<Op> parseOps(List<String> values) {
        Set<Op> ops = EnumSet.noneOf(Op.class);
        for (String v : values) {
            for (String name : v.split(",")) {
                if (!name.isBlank()) {
                    ops.add(Op.byName(name));
                }
            }
        }
        return ops.isEmpty() ? EnumSet.allOf(Op.class) : ops;
    }

    /** {@code [--op OP[,OP...]]... [--size SIZE] [--no-warmup]}. */
    static Options parseArgs(String... args) {
        List<String> ops = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        boolean warmup = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-warmup")) {
                warmup = false;
            } else if (a.equals("--op") || a.equals("--size")) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                if (a.equals("--op")) {
                    ops.add(v);
                } else {
                    sizes.add(parseSize(v));
                }
            } else if (a.startsWith("--op=")) {
                ops.add(a.substring(5));
            } else if (a.startsWith("--size=")) {
                sizes.add(parseSize(a.substring(7)));
            } else {
                throw new IllegalArgumentException("unknown argument '" + a
                        + "' (usage: [--op OP[,OP...]]... [--size SIZE] [--no-warmup])");
            }
        }
        return new Options(parseOps(ops), sizes.isEmpty() ? DEFAULT_SIZES : sizes, warmup);
    }
}
