package org.pinsim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void median_oddCount_isMiddle() {
        Samples s = new Samples(4L << 20, 9);
        for (long v : new long[] {50, 10, 40, 20, 30}) {
            s.add(Op.MLOCK_POPULATED, v);
        }
        assertThat(s.median(Op.MLOCK_POPULATED)).isEqualTo(30);
    }

    @Test
    void median_evenCount_isIntegerMeanOfMiddleTwo() {
        Samples s = new Samples(4096, 4);
        for (long v : new long[] {4, 1, 3, 2}) {
            s.add(Op.MLOCK_POPULATED, v);
        }
        assertThat(s.median(Op.MLOCK_POPULATED)).isEqualTo(2); // (2 + 3) / 2, as kbench's uint64_t
    }

    @Test
    void jsonLine_kbenchFieldsInKbenchOrder() {
        Samples s = new Samples(8192, 3);
        s.add(Op.MUNMAP_LOCKED, 300);
        s.add(Op.MUNMAP_LOCKED, 100);
        s.add(Op.MUNMAP_LOCKED, 201);
        assertThat(s.jsonLine(Op.MUNMAP_LOCKED)).isEqualTo("{\"op\":\"munmap_locked\",\"bytes\":8192,\"pages\":2,"
                + "\"ns_total\":201,\"ns_per_page\":100.500,\"reps\":3,\"min_ns\":100,\"max_ns\":300}");
    }

    @Test
    void jsonLine_noRegion_nsPerPageNull() {
        Samples s = new Samples(0, 1);
        s.add(Op.FORK_NOREGION, 7);
        assertThat(s.jsonLine(Op.FORK_NOREGION)).contains("\"pages\":0,\"ns_total\":7,\"ns_per_page\":null,");
    }
}
