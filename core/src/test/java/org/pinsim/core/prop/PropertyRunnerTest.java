package org.pinsim.core.prop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The harness on a toy world whose bug is known: a 'd' after a 'b' of size 10 or more
 * breaks it, so the shortest failing sequence is exactly [b 10, d 0].
 */
class PropertyRunnerTest {

    /** A toy op: a letter and a size. */
    record Toy(char letter, int size) {
    }

    /** Fails at the first 'd' after a 'b' of size >= 10. */
    static class BThenD implements Property<String, Toy> {
        @Override
        public Case<String, Toy> generate(SplittableRandom rnd, int steps) {
            List<Toy> ops = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                ops.add(new Toy((char) ('a' + rnd.nextInt(5)), rnd.nextInt(100)));
            }
            return new Case<>("toy", ops);
        }

        @Override
        public Failure run(String world, List<Toy> ops) {
            boolean armed = false;
            for (int i = 0; i < ops.size(); i++) {
                armed |= ops.get(i).letter() == 'b' && ops.get(i).size() >= 10;
                if (armed && ops.get(i).letter() == 'd') {
                    return new Failure(i, new AssertionError("d at step " + i + " after a b"));
                }
            }
            return null;
        }

        /** Size 0, half, one less: the greedy walk ends on the smallest size that still fails. */
        @Override
        public List<Toy> simpler(Toy op) {
            return op.size() == 0 ? List.of() : List.of(new Toy(op.letter(), 0), new Toy(op.letter(), op.size() / 2),
                    new Toy(op.letter(), op.size() - 1));
        }

        @Override
        public String render(String world, List<Toy> ops) {
            StringBuilder sb = new StringBuilder();
            ops.forEach(o -> sb.append(o.letter()).append(' ').append(o.size()).append('\n'));
            return sb.toString();
        }
    }

    /** Also fails, another way, whenever fewer than 3 ops are left: shrinking must not switch to that bug. */
    static class BThenDOrShort extends BThenD {
        @Override
        public Failure run(String world, List<Toy> ops) {
            if (ops.size() < 3) {
                return new Failure(0, new IllegalStateException("only " + ops.size() + " ops"));
            }
            return super.run(world, ops);
        }
    }

    private static <O> Failure failureOf(Property<String, O> p, List<O> ops) {
        return p.run("toy", ops);
    }

    @Test
    void shrinker_longFailingSequence_shrinksToTheMinimalOne() {
        BThenD p = new BThenD();
        List<Toy> ops = p.generate(new SplittableRandom(42), 500).ops();
        Failure f = failureOf(p, ops);
        assertThat(f).isNotNull();

        Shrinker.Result<Toy> r = Shrinker.shrink(p, "toy", ops, f, PropConfig.DEFAULT_MAX_RUNS);

        assertThat(r.ops()).containsExactly(new Toy('b', 10), new Toy('d', 0));
        assertThat(r.failure().kind()).isEqualTo(f.kind());
        assertThat(r.budgetExhausted()).isFalse();
    }

    @Test
    void shrinker_anotherKindOfFailure_isNotTaken() {
        BThenD p = new BThenDOrShort();
        List<Toy> ops = p.generate(new SplittableRandom(42), 500).ops();
        Failure f = failureOf(p, ops);

        Shrinker.Result<Toy> r = Shrinker.shrink(p, "toy", ops, f, PropConfig.DEFAULT_MAX_RUNS);

        // [b 10, d 0] would fail as "only 2 ops": one op more has to stay
        assertThat(r.ops()).hasSize(3).contains(new Toy('b', 10)).endsWith(new Toy('d', 0));
        assertThat(r.failure().cause()).isInstanceOf(AssertionError.class);
    }

    @Test
    void shrinker_budget_boundsTheRuns() {
        BThenD p = new BThenD();
        List<Toy> ops = p.generate(new SplittableRandom(42), 500).ops();

        Shrinker.Result<Toy> r = Shrinker.shrink(p, "toy", ops, failureOf(p, ops), 5);

        assertThat(r.runs()).isEqualTo(5);
        assertThat(r.budgetExhausted()).isTrue();
        assertThat(failureOf(p, r.ops())).isNotNull();
    }

    @Test
    void generate_sameSeed_sameSequence() {
        BThenD p = new BThenD();
        assertThat(p.generate(new SplittableRandom(7), 200)).isEqualTo(p.generate(new SplittableRandom(7), 200));
        assertThat(p.generate(new SplittableRandom(7), 200)).isNotEqualTo(p.generate(new SplittableRandom(8), 200));
    }

    @Test
    void seeds_perTry_areDistinctNonNegativeAndFixed() {
        long[] seeds = LongStream.range(0, 1000).map(i -> Seeds.mix(PropConfig.BASE_SEED, i)).toArray();
        assertThat(LongStream.of(seeds).distinct().count()).isEqualTo(1000);
        assertThat(LongStream.of(seeds).allMatch(s -> s >= 0)).isTrue();
        assertThat(config(Map.of()).seeds()).startsWith(seeds[0], seeds[1]).hasSize(100);
    }

    @Test
    void config_seedProperty_replaysExactlyThatTry() {
        PropConfig cfg = config(Map.of("pinsim.seed", "123456789", "pinsim.steps", "10_000"));
        assertThat(cfg.seeds()).containsExactly(123456789L);
        assertThat(cfg.steps()).isEqualTo(10000);
        assertThat(cfg.replayCommand(123456789L)).endsWith("-Dtest='PropertyRunnerTest#toy' -Dpinsim.seed=123456789"
                + " -Dpinsim.steps=10000");
    }

    @Test
    void config_notANumber_failsInsteadOfBeingIgnored() {
        assertThatThrownBy(() -> config(Map.of("pinsim.tries", "many")))
                .hasMessageContaining("-Dpinsim.tries must be a number, found 'many'");
    }

    @Test
    void runner_failure_reportsSeedReplayCommandAndShrunkCase_andWritesIt() throws Exception {
        BThenD p = new BThenD();
        PropConfig cfg = config(Map.of("pinsim.tries", "20", "pinsim.steps", "300"));
        long seed = firstFailingSeed(p, cfg);

        assertThatThrownBy(() -> PropertyRunner.check(cfg, p))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("with seed " + seed + " failed")
                .hasMessageContaining("replay: " + cfg.replayCommand(seed))
                .hasMessageContaining("shrunk to 2 ops")
                .hasMessageEndingWith("b 10\nd 0\n");
        Path file = cfg.failureDir().resolve("PropertyRunnerTest-seed-" + seed + ".txt");
        assertThat(Files.readString(file)).startsWith("# PropertyRunnerTest#toy: try ").endsWith("b 10\nd 0\n");
    }

    @Test
    void failureKind_masksNumbers_keepsClassAndWords() {
        Failure a = new Failure(3, new AssertionError("locked_vm 12 != 0x10 pages in c17\nmore"));
        Failure b = new Failure(9, new AssertionError("locked_vm 3 != 0x2f pages in p0"));
        assertThat(a.kind()).isEqualTo(b.kind()).isEqualTo("java.lang.AssertionError: locked_vm # != # pages in #");
        assertThat(new Failure(3, new IllegalStateException("locked_vm 1 != 0x10 pages in c1")).kind())
                .isNotEqualTo(a.kind());
    }

    private static long firstFailingSeed(BThenD p, PropConfig cfg) {
        for (long s : cfg.seeds()) {
            if (p.run("toy", p.generate(new SplittableRandom(s), cfg.steps()).ops()) != null) {
                return s;
            }
        }
        throw new AssertionError("no try fails");
    }

    private static PropConfig config(Map<String, String> props) {
        return PropConfig.of("PropertyRunnerTest", "toy", 100, 1000, props::get);
    }
}
