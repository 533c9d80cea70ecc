package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code M = mark()} and {@code check P moved(R, M)}: pages of a region whose frame changed since the mark. */
class MovedCheckTest {

    private static Report run(String text) {
        return ScenarioRunner.run(ScenarioRunner.parse("t.pin", text), RunOptions.defaults());
    }

    @Test
    void moved_countsMigratedPages_notThePinnedOne() {
        Report r = run("""
                machine memory=64MiB nodes=2
                process app uid=0 caps=all
                buf = mmap(NULL, 16KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
                touch(buf, 16KiB, write)
                ring = io_uring_setup(4, {})
                io_uring_register(ring, IORING_REGISTER_BUFFERS, [{iov_base=buf + 4KiB, iov_len=4096}], 1) = 0
                M = mark() = 1
                check app moved(buf, M) == 0
                mbind(buf, 16KiB, MPOL_BIND, [0x2], 3, MPOL_MF_MOVE) = 0
                check app moved(buf, M) == 3
                check app moved(buf + 4KiB, 4KiB, M) == 0
                check app node1(buf) == 3
                N = mark() = 2
                move_pages(0, 2, [buf, buf + 8KiB], [0, 0], [0, 0], MPOL_MF_MOVE) = 0
                check app moved(buf, N) == 2
                """);
        assertThat(r.summary().failed()).isZero();
        assertThat(r.summary().mismatched()).isZero();
        assertThat(r.summary().checks()).isEqualTo(5);
    }

    @Test
    void moved_needsANameBoundByMark() {
        String map = "buf = mmap(NULL, 16KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n";
        assertThatThrownBy(() -> run(map + "check app moved(buf) == 0\n")).isInstanceOf(InvalidInputException.class)
                .hasMessage("t.pin:2:17: expected a region and a name bound by mark() (moved(R, M) or moved(ADDR, LEN, M)),"
                        + " found 'buf'");
        assertThatThrownBy(() -> run(map + "x = mmap(NULL, 4KiB, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"
                + "check app moved(buf, x) == 0\n")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected a region and a name bound by mark()");
    }
}
