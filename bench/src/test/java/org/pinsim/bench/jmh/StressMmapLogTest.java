package org.pinsim.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.pinsim.core.check.Invariants;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;

class StressMmapLogTest {

    @Test
    void generate_isDeterministic_andExactlyTheLinesAskedFor() {
        byte[] a = StressMmapLog.generate(3000);
        assertThat(StressMmapLog.generate(3000)).isEqualTo(a);
        String text = new String(a, StandardCharsets.UTF_8);
        assertThat(text.chars().filter(c -> c == '\n').count()).isEqualTo(3000);
        assertThat(text).endsWith(StressMmapLog.PARENT + "  +++ exited with 0 +++\n");
    }

    /**
     * What ReplayBench measures is a replay that runs: every modelled call matches the log.
     * The log has no machine directive, so it runs on the default 16 GiB machine, where the
     * CLI runs the quick invariant check after each call (Invariants.checkDefault); this test
     * does the same, not the build's full sweep of 4 Mi frames after each of 10,000 calls
     * (about 300 s). The full check runs in the property tests, on small machines.
     */
    @Test
    void replay_matchesEveryModelledCall_andSkipsOnlyTheUnmodelledOnes() {
        final String was = System.getProperty(Invariants.CHECKS_PROPERTY);
        System.setProperty(Invariants.CHECKS_PROPERTY, "quick");
        try {
            replayMatches();
        } finally {
            if (was == null) {
                System.clearProperty(Invariants.CHECKS_PROPERTY);
            } else {
                System.setProperty(Invariants.CHECKS_PROPERTY, was);
            }
        }
    }

    private static void replayMatches() {
        Report r = ScenarioRunner.run(ScenarioRunner.parse("gen.strace", StressMmapLog.generate(5000)),
                RunOptions.defaults().withAs(ReplayBench.AS));
        assertThat(r.summary().mismatched()).isZero();
        assertThat(r.summary().matched()).isGreaterThan(4500);
        assertThat(r.skipped()).extracting(Report.SkippedCall::call)
                .containsExactlyInAnyOrder("getpid", "rt_sigprocmask", "wait4");
        assertThat(ReplayBench.replay(StressMmapLog.generate(5000), RunOptions.defaults().withAs(ReplayBench.AS)))
                .isGreaterThan(5000L * 40);
    }
}
