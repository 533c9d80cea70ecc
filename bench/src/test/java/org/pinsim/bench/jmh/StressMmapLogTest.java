package org.pinsim.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
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

    /** What ReplayBench measures is a replay that runs: every modelled call matches the log. */
    @Test
    void replay_matchesEveryModelledCall_andSkipsOnlyTheUnmodelledOnes() {
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
