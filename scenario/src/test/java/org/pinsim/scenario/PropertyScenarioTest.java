package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.prop.Failure;
import org.pinsim.core.prop.PropConfig;
import org.pinsim.core.prop.Property;
import org.pinsim.core.prop.Seeds;
import org.pinsim.core.prop.Shrinker;
import org.pinsim.core.prop.sys.SysOp;
import org.pinsim.core.prop.sys.SysRun;
import org.pinsim.core.prop.sys.SysWorld;
import org.pinsim.core.prop.sys.SyscallProperty;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.FlagNames;

/**
 * The .pin a property failure prints must replay it: random sequences of the core property
 * test (org.pinsim.core.prop.sys), rendered, parse and run in the scenario runner with the
 * same calls, in the same processes, with the same results as their direct execution.
 */
class PropertyScenarioTest {

    private static final int SEQUENCES = 300;
    private static final int STEPS = 100;
    private static final long BASE = 0x73636e6172696fL; // not core's base: other sequences than its tries

    /** Every call the sequences make; a call added to the op set belongs here. */
    private static final List<String> CALLS = List.of("brk", "close", "execve", "exit", "fork", "ftruncate",
            "io_uring_register", "io_uring_setup", "madvise", "mlock", "mlock2", "mlockall", "mmap", "mpin", "mprotect",
            "mremap", "munlock", "munlockall", "munmap", "munpin", "openat", "perf_event_open", "rdma_dereg_mr",
            "rdma_reg_mr", "setrlimit", "touch", "vfio_map_dma", "vfio_unmap_dma");

    @Test
    void renderedSequences_runInTheScenarioRunner_withTheSameCallsAndResults() {
        SyscallProperty p = new SyscallProperty(k -> { }); // the runner checks every invariant after every call
        Set<String> profiles = new TreeSet<>();
        Set<String> calls = new TreeSet<>();
        for (int i = 0; i < SEQUENCES; i++) {
            long seed = Seeds.mix(BASE, i);
            Property.Case<SysWorld, SysOp> c = p.generate(new SplittableRandom(seed), STEPS);
            // odd tries lose ops as shrinking does: references fall back to literals and p0
            List<SysOp> ops = i % 2 == 0 ? c.ops() : thinned(c.ops(), new SplittableRandom(seed));
            SysRun direct = p.execute(c.world(), ops);
            assertThat(direct.failure()).as("seed %d", seed).isNull();
            assertSameCalls(direct, direct.pin());
            profiles.add(c.world().profile().id());
            direct.steps().forEach(s -> calls.add(s.call()));
        }
        assertThat(profiles).containsExactlyInAnyOrder(Arrays.stream(Profile.values()).map(Profile::id).toArray(String[]::new));
        assertThat(calls).containsExactlyElementsOf(CALLS);
    }

    /**
     * The two-node sequences (move_pages, mbind among the calls) replay as well. Their direct
     * run lets each call return before the next (the migration check settles the clock). The
     * scenario runner lets another task's call run while a migration is still in flight, and
     * that may answer differently: a page in its migration window is a migration entry, which
     * mbind(MPOL_MF_STRICT) counts as failed (mm/mempolicy.c queue_folios_pte_range), so -EIO.
     * The rendered scenario therefore gets a check after each call: a check reads the state
     * once every call so far has returned, as the direct run does.
     */
    @Test
    void renderedNumaSequences_runInTheScenarioRunner_withTheSameCallsAndResults() {
        SyscallProperty p = SyscallProperty.numa();
        Set<String> calls = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            long seed = Seeds.mix(BASE + 1, i);
            Property.Case<SysWorld, SysOp> c = p.generate(new SplittableRandom(seed), STEPS);
            SysRun direct = p.execute(c.world(), c.ops());
            assertThat(direct.failure()).as("seed %d", seed).isNull();
            assertSameCalls(direct, settledAfterEachCall(direct.pin()));
            direct.steps().forEach(s -> calls.add(s.call()));
        }
        assertThat(calls).contains("mbind", "move_pages");
    }

    /** The shrunk case of a failing property, as a core test would print it, replays too. */
    @Test
    void shrunkFailingCase_runsInTheScenarioRunner_withTheSameCallsAndResults() {
        SyscallProperty p = new SyscallProperty(NOTHING_LOCKED);
        for (int i = 0; i < 20; i++) {
            Property.Case<SysWorld, SysOp> c = p.generate(new SplittableRandom(Seeds.mix(BASE, i)), STEPS);
            Failure f = p.run(c.world(), c.ops());
            if (f == null) {
                continue;
            }
            Shrinker.Result<SysOp> r = Shrinker.shrink(p, c.world(), c.ops(), f, PropConfig.DEFAULT_MAX_RUNS);
            SysRun direct = p.execute(c.world(), r.ops());
            assertThat(direct.pin()).contains("# ^ the model failed here: AssertionError: fake invariant");
            assertSameCalls(direct, direct.pin());
        }
    }

    @Test
    void boundNames_areDistinctIdentifiers_neverFlagNames() {
        SyscallProperty p = new SyscallProperty(k -> { });
        Property.Case<SysWorld, SysOp> c = p.generate(new SplittableRandom(BASE), 1000);
        List<String> names = new ArrayList<>(List.of(SysWorld.INITIAL));
        p.execute(c.world(), c.ops()).steps().stream().filter(s -> s.bind() != null).forEach(s -> names.add(s.bind()));

        assertThat(names).doesNotHaveDuplicates().allMatch(n -> n.matches("[A-Za-z_][A-Za-z0-9_]*"))
                .allMatch(n -> FlagNames.ofName(n) == null).hasSizeGreaterThan(50);
    }

    /** A fake invariant real sequences break quickly: no process ever has locked memory. */
    private static final Consumer<Kernel> NOTHING_LOCKED = k -> {
        for (Task t : k.tasks()) {
            if (!t.exited() && k.proc().statusField(t, "VmLck") > 0) {
                throw new AssertionError("fake invariant: VmLck of pid " + t.pid() + " is not 0");
            }
        }
    };

    /** {@code pin} with a check after every call line (a check settles the clock first). */
    private static String settledAfterEachCall(String pin) {
        StringBuilder b = new StringBuilder();
        for (String line : pin.split("\n", -1)) {
            b.append(line).append('\n');
            if (line.matches("[A-Za-z_][A-Za-z0-9_]*: .*")) {
                b.append("check vmstat.pgmigrate_success >= 0\n");
            }
        }
        return b.toString();
    }

    private static void assertSameCalls(SysRun direct, String pin) {
        Report report = ScenarioRunner.run(ScenarioRunner.parse("property.pin", pin), RunOptions.defaults().withStrict(true));
        List<Report.CallEntry> ran = report.entries().stream().filter(e -> e instanceof Report.CallEntry)
                .map(e -> (Report.CallEntry) e).toList();
        List<SysRun.Step> steps = direct.steps();
        assertThat(ran).as("calls of\n%s", pin).hasSameSizeAs(steps);
        for (int i = 0; i < steps.size(); i++) {
            SysRun.Step s = steps.get(i);
            Report.CallEntry e = ran.get(i);
            String where = "line " + e.line() + " of\n" + pin;
            assertThat(e.call()).as(where).isEqualTo(s.call());
            assertThat(e.proc()).as(where).isEqualTo(s.proc());
            assertThat(e.value()).as(where).isEqualTo(s.result().value());
            assertThat(e.errno()).as(where).isEqualTo(s.result().isError() ? Errno.name(s.result().errno()) : null);
        }
        assertThat(report.skipped()).as(pin).isEmpty();
        assertThat(report.summary().mismatched()).as("the expectations written in\n%s", pin).isZero();
    }

    /** Each op dropped with probability 1/3. */
    private static List<SysOp> thinned(List<SysOp> ops, SplittableRandom rnd) {
        return ops.stream().filter(o -> rnd.nextInt(3) != 0).toList();
    }
}
