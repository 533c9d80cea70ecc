package org.pinsim.core.prop.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.Task;
import org.pinsim.core.prop.Failure;
import org.pinsim.core.prop.PropConfig;
import org.pinsim.core.prop.Property;
import org.pinsim.core.prop.Seeds;
import org.pinsim.core.prop.Shrinker;

/**
 * The syscall ops under the harness: generation is a function of the seed, symbolic
 * arguments survive the removal of ops before them, and a deliberately failing check is
 * shrunk to a one-minimal .pin.
 */
class SyscallShrinkTest {

    /** A fake invariant that real runs break quickly: no process ever has locked memory. */
    static final Consumer<Kernel> NOTHING_LOCKED = k -> {
        for (Task t : k.tasks()) {
            long lck = t.exited() ? 0 : k.proc().statusField(t, "VmLck");
            if (lck > 0) {
                throw new AssertionError("fake invariant: VmLck of pid " + t.pid() + " is " + lck + " kB");
            }
        }
    };

    private static final SysWorld WORLD = new SysWorld(Profile.LINUX_6_18, 64 << 20, false, 8 << 20,
            ProcessSpec.Layout.EMPTY, true);

    @Test
    void generate_sameSeed_sameSequenceAndSamePin() {
        SyscallProperty p = new SyscallProperty();
        Property.Case<SysWorld, SysOp> a = p.generate(new SplittableRandom(99), 300);
        Property.Case<SysWorld, SysOp> b = p.generate(new SplittableRandom(99), 300);
        assertThat(a).isEqualTo(b);
        assertThat(a.ops()).hasSize(300);
        assertThat(p.render(a.world(), a.ops())).isEqualTo(p.render(b.world(), b.ops()));
        assertThat(p.generate(new SplittableRandom(100), 300)).isNotEqualTo(a);
    }

    @Test
    void regionReference_definingOpRemoved_fallsBackToTheLiteral() {
        List<SysOp> ops = List.of(
                anonMmap(0), anonMmap(1),
                new SysOps.Mlock(2, Proc.INITIAL, new Addr.InRegion(1, 4096, 0x7ffff7100000L), 4096));
        SyscallProperty p = new SyscallProperty();

        assertThat(p.render(WORLD, ops)).contains("p0: mlock(m1 + 4KiB, 4KiB) = 0");
        assertThat(p.render(WORLD, List.of(ops.get(1), ops.get(2)))).contains("p0: mlock(m1 + 4KiB, 4KiB) = 0");
        assertThat(p.render(WORLD, List.of(ops.get(0), ops.get(2))))
                .contains("p0: mlock(0x7ffff7100000, 4KiB) = -1 ENOMEM");
    }

    @Test
    void processReference_forkRemovedOrExited_runsInTheInitialProcess() {
        SysOp fork = new SysOps.Fork(0, Proc.INITIAL);
        SysOp inChild = new SysOps.Munlockall(1, new Proc(0));
        SysOp exitChild = new SysOps.Exit(2, new Proc(0));
        SysOp again = new SysOps.Munlockall(3, new Proc(0));
        SyscallProperty p = new SyscallProperty();

        assertThat(p.render(WORLD, List.of(fork, inChild, exitChild, again)))
                .contains("p0: c0 = fork()   # pid 1001\nc0: munlockall() = 0\nc0: exit(0) = 0\np0: munlockall() = 0\n");
        assertThat(p.render(WORLD, List.of(inChild))).endsWith("p0: munlockall() = 0\n");
    }

    @Test
    void shrinker_fakeInvariant_shrinksToAOneMinimalPin() {
        SyscallProperty p = new SyscallProperty(NOTHING_LOCKED);
        Property.Case<SysWorld, SysOp> c = firstFailing(p);
        Failure f = p.run(c.world(), c.ops());

        Shrinker.Result<SysOp> r = Shrinker.shrink(p, c.world(), c.ops(), f, PropConfig.DEFAULT_MAX_RUNS);

        assertThat(r.ops().size()).isBetween(1, 3);
        assertThat(r.failure().kind()).isEqualTo(f.kind());
        for (int i = 0; i < r.ops().size(); i++) {
            List<SysOp> without = new ArrayList<>(r.ops());
            without.remove(i);
            Failure g = p.run(c.world(), without);
            assertThat(g == null || !g.kind().equals(f.kind())).as("op %d can go", i).isTrue();
        }
        String pin = p.render(c.world(), r.ops());
        assertThat(pin).startsWith("machine memory=").contains("\nkernel ", "\nprocess p0 ")
                .endsWith("# ^ the model failed here: " + r.failure().summary() + "\n");
    }

    private static Property.Case<SysWorld, SysOp> firstFailing(SyscallProperty p) {
        for (int i = 0; i < 100; i++) {
            Property.Case<SysWorld, SysOp> c = p.generate(new SplittableRandom(Seeds.mix(PropConfig.BASE_SEED, i)), 200);
            if (p.run(c.world(), c.ops()) != null) {
                return c;
            }
        }
        throw new AssertionError("no try breaks the fake invariant");
    }

    private static SysOp anonMmap(int id) {
        return new SysOps.Mmap(id, Proc.INITIAL, null, 16384, 3, 0x22, null, 0);
    }
}
