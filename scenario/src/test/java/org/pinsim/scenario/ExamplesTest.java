package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pinsim.core.Profile;

/**
 * Every scenario in examples/ and examples/lkml-2013/ holds under every profile it names in a
 * guard (or, with none, under its own kernel): its expectations come from the kernel source
 * and the thread, not from pinsim.
 */
class ExamplesTest {

    @TestFactory
    Stream<DynamicTest> examples_allExpectationsHold_underEveryProfileTheyName() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("..", "examples"), Path.of("..", "examples", "lkml-2013"))) {
            try (Stream<Path> s = Files.list(dir)) {
                files.addAll(s.filter(p -> p.toString().endsWith(".pin")).sorted().toList());
            }
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(13);
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files) {
            Scenario sc = ScenarioRunner.parse(f);
            for (Profile p : named(sc)) {
                tests.add(DynamicTest.dynamicTest(f.getFileName() + (p == null ? "" : " [" + p.id() + "]"), () -> {
                    Report r = ScenarioRunner.run(sc, p == null ? RunOptions.defaults() : RunOptions.defaults().withKernel(p));
                    StringWriter sw = new StringWriter();
                    Transcript.write(r, new PrintWriter(sw));
                    assertThat(r.exitCode()).as(sw.toString()).isZero();
                    assertThat(r.summary().skipped()).isZero();
                    assertThat(r.summary().matched() + r.summary().checks()).as(sw.toString()).isPositive();
                }));
            }
        }
        return tests.stream();
    }

    /** The profiles a file's guards name, or a single null (the file's own kernel) when it has none. */
    private static List<Profile> named(Scenario sc) {
        Set<Profile> out = new LinkedHashSet<>();
        for (Statement st : sc.statements()) {
            if (st.guard() != null) {
                out.addAll(st.guard().profiles());
            }
        }
        List<Profile> list = new ArrayList<>(out);
        if (list.isEmpty()) {
            list.add(null);
        }
        return list;
    }
}
