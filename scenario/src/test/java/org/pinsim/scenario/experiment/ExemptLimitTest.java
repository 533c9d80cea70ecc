package org.pinsim.scenario.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pinsim.core.Profile;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;

/**
 * E9's search against what the kernel source says the optimum is, worked by hand from the
 * counters each path checks (L = RLIMIT_MEMLOCK in pages; A = the uid's perf allowance,
 * perf_event_mlock_kb 516 KiB x 2 CPUs = 258 pages, which no rlimit bounds):
 * <ul>
 * <li>linux-3.1: mlock, RDMA and perf's excess share locked_vm (ib_umem_get, perf_mmap):
 *     L + A.</li>
 * <li>linux-3.2: locked_vm (mlock) and pinned_vm (RDMA, perf's excess) apart: 2L + A.</li>
 * <li>mpin-2013(-dedup): mm_mpin checks locked_vm + pinned_vm, but 3.10's vfio checks
 *     locked_vm alone and the series left it so, and the 2014 perf refuses only past both
 *     the allowance and the limit: 2L + A.</li>
 * <li>linux-6.18: locked_vm (mlock, vfio), pinned_vm (RDMA) and user->locked_vm, which
 *     io_uring checks against L and perf fills up to A: 2L + max(L, A).</li>
 * </ul>
 */
class ExemptLimitTest {
    private static final long A = 258;

    static long expected(Profile p, long l) {
        return switch (p.id()) {
            case "linux-3.1" -> l + A;
            case "linux-6.18" -> 2 * l + Math.max(l, A);
            default -> 2 * l + A;
        };
    }

    @ParameterizedTest
    @ValueSource(longs = {16, 300})
    void search_findsTheOptimumTheSourceImplies_underEveryProfile(long limitPages) {
        for (Profile p : Profile.values()) {
            ExemptLimit.Answer a = ExemptLimit.search(p, limitPages << 12);
            assertThat(a.exemptPages()).as("%s at %d pages: %s", p.id(), limitPages, a.mix())
                    .isEqualTo(expected(p, limitPages));
        }
    }

    @Test
    void theMixFound_runsAsAScenario_toTheSameFigure() {
        for (Profile p : Profile.values()) {
            ExemptLimit.Answer a = ExemptLimit.search(p, 64 << 10);
            Report r = ScenarioRunner.run(ScenarioRunner.parse("e9-" + p.id() + ".pin", ExemptLimit.scenario(a)),
                    RunOptions.defaults());
            assertThat(r.exitCode()).as(ExemptLimit.scenario(a)).isZero();
            assertThat(r.summary().checks()).isEqualTo(1);
        }
    }
}
