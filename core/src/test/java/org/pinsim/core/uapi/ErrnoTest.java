package org.pinsim.core.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every errno Linux defines has its name and text (values from asm-generic/errno*.h). */
class ErrnoTest {

    @Test
    void everyLinuxErrnoHasItsName() {
        for (int e = 1; e <= 133; e++) {
            if (e == 41 || e == 58) { // unused in asm-generic/errno.h (EWOULDBLOCK and EDEADLOCK are aliases)
                assertThat(Errno.name(e)).isEqualTo("E" + e);
                continue;
            }
            assertThat(Errno.name(e)).as("errno %d", e).matches("E[A-Z0-9]+").isNotEqualTo("E" + e);
            assertThat(Errno.byName(Errno.name(e))).isEqualTo(e);
            assertThat(Errno.text(e)).doesNotStartWith("Unknown error");
        }
    }

    @Test
    void namesAsTheHeadersDefineThem() {
        assertThat(Errno.name(20)).isEqualTo("ENOTDIR");
        assertThat(Errno.text(20)).isEqualTo("Not a directory");
        assertThat(Errno.name(95)).isEqualTo("EOPNOTSUPP");
        assertThat(Errno.name(11)).isEqualTo("EAGAIN");
        assertThat(Errno.name(133)).isEqualTo("EHWPOISON");
        assertThat(Errno.byName("EWOULDBLOCK")).isEqualTo(11);
        assertThat(Errno.byName("EDEADLOCK")).isEqualTo(35);
        assertThat(Errno.byName("ENOTSUP")).isEqualTo(95);
        assertThat(Errno.name(134)).isEqualTo("E134");
    }
}
