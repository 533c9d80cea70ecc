package org.pinsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;
import org.pinsim.scenario.Transcript;

/**
 * Runs every scenario of the conformance corpus on pinsim (profile linux-6.18). Each file's
 * expected results and checks were measured on the real kernel by conformance/probes/measure.py;
 * a file passes only when pinsim agrees with every one of them.
 */
class CorpusTest {
    static final Path CORPUS = Paths.get("src/test/resources/corpus");

    static List<Path> corpus() throws IOException {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(p -> p.toString().endsWith(".pin")).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void corpus_hasAtLeast80Scenarios() throws IOException {
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(80);
    }

    @TestFactory
    Stream<DynamicTest> corpusScenario_matchesTheRealKernel() throws IOException {
        return corpus().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            Report report = ScenarioRunner.run(p, RunOptions.defaults());
            StringWriter out = new StringWriter();
            Transcript.write(report, new PrintWriter(out));
            assertThat(report.summary().mismatched() + report.summary().failed())
                    .as("mismatches in %s:%n%s", p.getFileName(), out)
                    .isZero();
            assertThat(report.summary().matched() + report.summary().checks())
                    .as("%s compares nothing", p.getFileName())
                    .isPositive();
        }));
    }
}
