package org.pinsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.pinsim.core.Profile;
import org.pinsim.scenario.Report;
import org.pinsim.scenario.RunOptions;
import org.pinsim.scenario.ScenarioRunner;
import org.pinsim.scenario.Transcript;

/**
 * Runs every scenario of the source corpus under every profile. Unlike the measured corpus,
 * these files state what the kernel source of each profile answers where this machine cannot
 * be asked (RDMA, vfio, the older kernels, the VM_PINNED proposal); each file cites the
 * functions its expectations come from, and passes only when pinsim agrees with every
 * expectation and check under every profile.
 */
class SourceCorpusTest {
    static final Path SOURCE = Paths.get("src/test/resources/source");

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(SOURCE)) {
            return s.filter(p -> p.toString().endsWith(".pin")).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void sourceCorpus_isThere() throws IOException {
        assertThat(files()).hasSizeGreaterThanOrEqualTo(8);
    }

    @TestFactory
    Stream<DynamicTest> sourceScenario_agreesWithTheSourceUnderEveryProfile() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : files()) {
            for (Profile profile : Profile.values()) {
                tests.add(DynamicTest.dynamicTest(p.getFileName() + " [" + profile.id() + "]", () -> {
                    Report report = ScenarioRunner.run(p, RunOptions.defaults().withKernel(profile));
                    StringWriter out = new StringWriter();
                    Transcript.write(report, new PrintWriter(out));
                    assertThat(report.summary().mismatched() + report.summary().failed())
                            .as("mismatches in %s under %s:%n%s", p.getFileName(), profile.id(), out)
                            .isZero();
                    assertThat(report.summary().matched() + report.summary().checks())
                            .as("%s compares nothing under %s", p.getFileName(), profile.id())
                            .isPositive();
                }));
            }
        }
        return tests.stream();
    }
}
