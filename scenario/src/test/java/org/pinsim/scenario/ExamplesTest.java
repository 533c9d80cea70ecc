package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every scenario in examples/ holds: its expectations come from the reference, not from pinsim. */
class ExamplesTest {

    @TestFactory
    Stream<DynamicTest> examples_allExpectationsHold() throws IOException {
        Path dir = Path.of("..", "examples");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".pin")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Report r = ScenarioRunner.run(f, RunOptions.defaults());
            StringWriter sw = new StringWriter();
            Transcript.write(r, new PrintWriter(sw));
            assertThat(r.exitCode()).as(sw.toString()).isZero();
            assertThat(r.summary().skipped()).isZero();
        }));
    }
}
