package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Needs}: the search over replays, on scenarios whose answer follows from mm/mlock.c do_mlock. */
class NeedsTest {

    private static final String MAP = "mmap(NULL, %s, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)";

    private static Needs.Result needs(String as, String... lines) {
        return Needs.find(ScenarioRunner.parse("t.pin", String.join("\n", lines) + "\n"), RunOptions.defaults().withAs(as));
    }

    /**
     * do_mlock: 10 pages + locked_vm 0 must be <= the limit, so 10 pages is the least; the
     * second mlock's refusal (ENOMEM in the file) needs 10 + 2 > limit, so the limit must stay
     * below 12 pages: 10 and 11 both reproduce the file.
     */
    @Test
    void smallestAndLargestLimit_followDoMlock() {
        Needs.Result r = needs("uid=1000 caps=none", "process app layout=empty",
                "a = " + String.format(MAP, "40KiB"), "mlock(a, 40KiB) = 0",
                "b = " + String.format(MAP, "8KiB"), "mlock(b, 8KiB) = -1 ENOMEM");
        assertThat(r.found()).isTrue();
        assertThat(r.minPages()).isEqualTo(10);
        assertThat(r.maxPages()).isEqualTo(11);
        assertThat(r.others()).isEmpty();
    }

    /** A log without refusals has no upper bound; a log that locks nothing needs no limit. */
    @Test
    void noRefusal_noUpperBound_andNothingLockedNeedsZero() {
        Needs.Result r = needs(null, "process app layout=empty", "a = " + String.format(MAP, "1MiB"), "mlock(a, 1MiB) = 0");
        assertThat(r.minPages()).isEqualTo(256);
        assertThat(r.maxPages()).isEqualTo(-1);
        Needs.Result z = needs(null, "process app layout=empty", "a = " + String.format(MAP, "1MiB"));
        assertThat(z.minPages()).isZero();
    }

    /** The --as of each replay: the memlock key replaced, CAP_IPC_LOCK removed from the caps given. */
    @Test
    void asOfEachReplay() {
        assertThat(Needs.as("uid=60001 caps=none rlimit.memlock=64KiB:64KiB", 3))
                .isEqualTo("uid=60001 caps=none,-ipc_lock rlimit.memlock=12KiB:12KiB");
        assertThat(Needs.as("uid=0", -1)).isEqualTo("uid=0 caps=-ipc_lock rlimit.memlock=unlimited:unlimited");
        assertThat(Needs.as(null, 0)).isEqualTo("caps=-ipc_lock rlimit.memlock=0KiB:0KiB");
    }
}
