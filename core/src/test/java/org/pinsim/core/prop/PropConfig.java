package org.pinsim.core.prop;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.TestInfo;

/**
 * How many tries of how many steps, from which seeds; read from system properties so that a
 * failure can be replayed, and a long run launched, from the command line:
 *
 * <ul>
 * <li>{@code -Dpinsim.seed=N}: run exactly one try, with seed N (the seed a failure printed);
 * <li>{@code -Dpinsim.tries=N}, {@code -Dpinsim.steps=N}: override the counts (a replay needs
 *     the steps of the failing run: the number of steps is part of what a seed generates);
 * <li>{@code -Dpinsim.baseSeed=N}: another fixed base, for tries no run has made yet;
 * <li>{@code -Dpinsim.shrinks=N}: at most N re-executions while shrinking (default 3000);
 * <li>{@code -Dpinsim.threads=N}: tries run on N threads (default: one per CPU; the result
 *     does not depend on it).
 * </ul>
 *
 * Numbers may be decimal or 0x-hex, with {@code _} between digits ({@code 10_000}).
 */
public record PropConfig(String testClass, String method, String module, long baseSeed, int tries, int steps,
                         Long seed, int maxRuns, int threads) {

    /** The fixed base seed: try i of every property uses {@code Seeds.mix(BASE_SEED, i)}. */
    public static final long BASE_SEED = 0x70696e73696dL; // "pinsim"

    public static final int DEFAULT_MAX_RUNS = 3000;

    /** The configuration of the test method {@code info} names, with system properties applied. */
    public static PropConfig of(TestInfo info, int tries, int steps) {
        String cls = info.getTestClass().map(Class::getSimpleName).orElse("?");
        String method = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("?");
        return of(cls, method, tries, steps, System::getProperty);
    }

    /** As {@link #of(TestInfo, int, int)}, reading properties from {@code props} (tests of the harness). */
    public static PropConfig of(String testClass, String method, int tries, int steps, UnaryOperator<String> props) {
        return new PropConfig(testClass, method, moduleName(),
                number(props, "pinsim.baseSeed", BASE_SEED),
                (int) number(props, "pinsim.tries", tries),
                (int) number(props, "pinsim.steps", steps),
                props.apply("pinsim.seed") == null ? null : number(props, "pinsim.seed", 0),
                (int) number(props, "pinsim.shrinks", DEFAULT_MAX_RUNS),
                (int) Math.max(1, number(props, "pinsim.threads", Runtime.getRuntime().availableProcessors())));
    }

    /** The seeds to run, in order: the one asked for, or one per try. */
    public long[] seeds() {
        if (seed != null) {
            return new long[] {seed};
        }
        long[] out = new long[tries];
        for (int i = 0; i < tries; i++) {
            out[i] = Seeds.mix(baseSeed, i);
        }
        return out;
    }

    /** The command line that runs exactly the try of {@code seed} again. */
    public String replayCommand(long seed) {
        return "mvn -o -B test -pl " + module + " -Dtest='" + testClass + "#" + method + "' -Dpinsim.seed=" + seed
                + " -Dpinsim.steps=" + steps;
    }

    /** Where failing cases are written: target/property-failures of the module under test. */
    public Path failureDir() {
        return Path.of(System.getProperty("basedir", ".")).resolve("target").resolve("property-failures");
    }

    /** The Maven module the tests run in: the last part of surefire's basedir. */
    private static String moduleName() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        return base.getFileName() == null ? "." : base.getFileName().toString();
    }

    /** A property's number; a value that is not a number fails at once rather than being ignored. */
    private static long number(UnaryOperator<String> props, String name, long dflt) {
        String v = props.apply(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Long.decode(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a number, found '" + v + "'", e);
        }
    }
}
