package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestTest {

    private static final List<String> CALLS = List.of("mlock", "mlock2", "munlock", "mlockall", "mmap", "madvise");

    @Test
    void closest_typo_isFound() {
        assertThat(Suggest.closest("mlokc", CALLS)).isEqualTo("mlock");
        assertThat(Suggest.closest("madvice", CALLS)).isEqualTo("madvise");
        assertThat(Suggest.closest("MLOCK", CALLS)).isEqualTo("mlock");
    }

    @Test
    void closest_farWord_isNone() {
        assertThat(Suggest.closest("read", CALLS)).isNull();
        assertThat(Suggest.closest("ab", List.of("xy"))).isNull();
    }

    @Test
    void distance_countsSwapAsOne() {
        assertThat(Suggest.distance("bfu", "buf")).isEqualTo(1);
        assertThat(Suggest.distance("kitten", "sitting")).isEqualTo(3);
    }

    @Test
    void didYouMean_exactMatch_saysNothing() {
        assertThat(Suggest.didYouMean("mlock", CALLS)).isEmpty();
    }
}
