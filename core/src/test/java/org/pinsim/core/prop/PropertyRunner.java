package org.pinsim.core.prop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Runs a {@link Property} for every seed of a {@link PropConfig}; on the first failure, shrinks
 * the case, writes it to {@code target/property-failures/<test>-seed-<N>.<ext>} and fails
 * with the seed, the command line that replays it, and the shrunk case.
 */
public final class PropertyRunner {

    private PropertyRunner() {
    }

    /**
     * Runs every try; tries are independent (each boots its own world), so they run on
     * {@link PropConfig#threads} threads, and the failure reported is always that of the
     * lowest failing try, as a sequential run would find it. With {@code -Dpinsim.trace=true}
     * each try's case is printed first (a .pin for the syscall property), one thread.
     */
    public static <W, O> void check(PropConfig cfg, Property<W, O> property) {
        long[] seeds = cfg.seeds();
        boolean trace = Boolean.getBoolean("pinsim.trace");
        int threads = trace ? 1 : Math.min(seeds.length, cfg.threads());
        Optional<Integer> failed = inPool(threads, () -> {
            IntStream tries = IntStream.range(0, seeds.length);
            return (threads > 1 ? tries.parallel() : tries)
                    .filter(i -> tryOnce(property, cfg, seeds[i], trace) != null).boxed().findFirst();
        });
        if (failed.isPresent()) {
            int i = failed.get();
            Property.Case<W, O> c = property.generate(new SplittableRandom(seeds[i]), cfg.steps());
            throw report(cfg, property, i, seeds[i], c, property.run(c.world(), c.ops()));
        }
    }

    private static <W, O> Failure tryOnce(Property<W, O> property, PropConfig cfg, long seed, boolean trace) {
        Property.Case<W, O> c = property.generate(new SplittableRandom(seed), cfg.steps());
        if (trace) {
            System.out.println("# seed " + seed + "\n" + property.render(c.world(), c.ops()));
        }
        return property.run(c.world(), c.ops());
    }

    /** Runs {@code work} in a pool of {@code threads}, so that its parallel stream uses that many. */
    private static <T> T inPool(int threads, Callable<T> work) {
        if (threads <= 1) {
            try {
                return work.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    private static <W, O> AssertionError report(PropConfig cfg, Property<W, O> property, int tryIndex, long seed,
                                                Property.Case<W, O> c, Failure original) {
        Shrinker.Result<O> shrunk = Shrinker.shrink(property, c.world(), c.ops(), original, cfg.maxRuns());
        StringBuilder head = new StringBuilder();
        head.append(cfg.testClass()).append('#').append(cfg.method()).append(": ")
                .append(cfg.seed() != null ? "the try" : "try " + (tryIndex + 1) + " of " + cfg.tries())
                .append(" with seed ").append(seed).append(" failed at step ").append(original.step() + 1)
                .append(" of ").append(c.ops().size()).append('\n')
                .append("  ").append(original.summary()).append('\n')
                .append("replay: ").append(cfg.replayCommand(seed)).append('\n')
                .append("shrunk to ").append(shrunk.ops().size()).append(" ops in ").append(shrunk.runs())
                .append(" runs").append(shrunk.budgetExhausted() ? " (budget -Dpinsim.shrinks used up)" : "")
                .append(", failing the same way: ").append(shrunk.failure().summary()).append('\n');
        String shrunkCase = renderSafely(property, c.world(), shrunk.ops());
        Path file = cfg.failureDir().resolve(cfg.testClass() + "-seed-" + seed + "." + property.extension());
        String where = write(file, comment(head) + shrunkCase);
        return new AssertionError(head + where + "\n" + shrunkCase, shrunk.failure().cause());
    }

    /** The header as comment lines at the top of the written case. */
    private static String comment(CharSequence head) {
        StringBuilder sb = new StringBuilder();
        for (String line : head.toString().split("\n")) {
            sb.append("# ").append(line).append('\n');
        }
        return sb.toString();
    }

    /** A renderer bug must not hide the seed: it is reported in place of the case. */
    private static <W, O> String renderSafely(Property<W, O> property, W world, List<O> ops) {
        try {
            return property.render(world, ops);
        } catch (RuntimeException | AssertionError e) {
            return "# rendering the shrunk case failed: " + e + "\n# ops: " + ops + "\n";
        }
    }

    private static String write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return "written to " + file.toAbsolutePath().normalize() + ":";
        } catch (IOException | UncheckedIOException e) {
            return "(could not write " + file + ": " + e.getMessage() + ")";
        }
    }
}
