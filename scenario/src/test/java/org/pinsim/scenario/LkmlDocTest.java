package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Profile;

/** docs/LKML-2013.md keeps the current {@code compare} output of every examples/lkml-2013 file. */
class LkmlDocTest {

    @Test
    void lkmlDoc_holdsTheCompareOutputOfEveryExample() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "LKML-2013.md"));
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("..", "examples", "lkml-2013"))) {
            files = s.filter(p -> p.toString().endsWith(".pin")).sorted().toList();
        }
        assertThat(files).hasSize(9);
        for (Path f : files) {
            Comparison c = Comparison.run(ScenarioRunner.parse(f), Arrays.asList(Profile.values()), RunOptions.defaults());
            StringWriter out = new StringWriter();
            ComparisonTable.write(c, new PrintWriter(out));
            assertThat(c.exitCode()).as(f.toString()).isZero();
            assertThat(doc).as("docs/LKML-2013.md is stale for %s (regenerate it: see its top)", f.getFileName())
                    .contains("$ ./pinsim compare examples/lkml-2013/" + f.getFileName() + "\n" + out);
        }
    }
}
