package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real logs of scenario/src/test/resources/strace/real (captured by capture.sh there, as its
 * README says), each replayed with the --as it was captured under: every call pinsim models
 * agrees with the log's own result; the rest are skipped, each for a reason that says it is
 * outside the model, and listed.
 */
class RealLogsTest {

    private static final Path DIR = Path.of("src/test/resources/strace/real");
    static final String ROOT = "uid=0 caps=all,-sys_resource";
    static final String USER = "uid=60001 caps=none rlimit.memlock=64KiB:64KiB";

    static Stream<String> logs() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".strace")).sorted().toList().stream();
        }
    }

    static String as(String name) {
        return name.contains(".root.") ? ROOT : USER;
    }

    /**
     * The logs replayed with the model's invariant checks after every call: one of each kind
     * of program (mlock, fork-heavy, mremap, threads, a static binary). The checks walk the
     * whole 16 GiB frame table after each call and made this test take 80 to 150 s; the other
     * logs exercise the same paths, so they are replayed without them (the replay itself and
     * its agreement with the log are checked for every log).
     */
    static final java.util.Set<String> CHECKED = java.util.Set.of("stress-mlock.user.full.strace",
            "stress-mlockmany.root.filtered.strace", "stress-mremap.user.filtered.strace",
            "stress-pthread.root.filtered.strace", "static-malloc-mlock.root.full.strace");

    static Report replay(String name) throws IOException {
        Scenario sc = ScenarioRunner.parse(DIR.resolve(name));
        assertThat(sc.log()).as("%s is read as a strace log", name).isTrue();
        boolean invariants = CHECKED.contains(name) && !"false".equals(System.getProperty("pinsim.invariants"));
        return new Execution(Validator.plan(sc, RunOptions.defaults().withAs(as(name))), null, invariants).run();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("logs")
    void realLog_everyModelledCallAgreesWithTheLog(String name) throws IOException {
        Report r = replay(name);
        List<String> mismatches = r.entries().stream()
                .filter(e -> e instanceof Report.CallEntry c && Boolean.FALSE.equals(c.match()))
                .map(e -> e.line() + ": " + ((Report.CallEntry) e).text() + " = " + ((Report.CallEntry) e).result()
                        + " (" + ((Report.CallEntry) e).detail() + ")")
                .toList();
        assertThat(mismatches).as(name).isEmpty();
        assertThat(r.summary().mismatched()).isZero();
        assertThat(r.summary().matched()).as("%s: calls judged", name).isGreaterThan(5);
        // only calls outside the model are skipped
        for (Report.SkippedCall s : r.skipped()) {
            assertThat(Calls.byName(s.call()) == null
                    || s.reason().startsWith("a name of the machine's file system")
                    || s.reason().startsWith("never returned")
                    || s.reason().startsWith("its process had ended")
                    || s.reason().contains("is not modelled yet"))
                    .as("%s: %s skipped: %s", name, s.call(), s.reason()).isTrue();
        }
        System.out.println(name + " (--as '" + as(name) + "'): " + Transcript.summary(r.summary()) + "; skipped: "
                + String.join(", ", r.skipped().stream().map(s -> s.call() + " x" + s.lines().size()).toList()));
        everyLineIsACallATaskLineOrPassedOver(name, r);
        endsWithTheFiguresOfEveryProcessAtItsExit(name, r);
    }

    private static void everyLineIsACallATaskLineOrPassedOver(String name, Report r) throws IOException {
        long lines = Files.readAllLines(DIR.resolve(name)).stream().filter(l -> !l.isBlank()).count();
        long unfinished = Files.readAllLines(DIR.resolve(name)).stream().filter(l -> l.endsWith("<unfinished ...>")).count();
        long taskLines = Files.readAllLines(DIR.resolve(name)).stream().filter(l -> l.matches("^\\d+\\s+(\\+\\+\\+|---) .*")).count();
        // a split call is one statement; its two lines count once
        assertThat(r.summary().calls() + r.summary().skipped() + taskLines).as(name).isEqualTo(lines - unfinished);
    }

    private static void endsWithTheFiguresOfEveryProcessAtItsExit(String name, Report r) {
        assertThat(r.processes()).as(name).isNotEmpty();
        assertThat(r.processes().get(0).exited()).as(name).isNotNull();
        assertThat(r.notes().get(0)).contains("is the log's first process: uid " + (name.contains(".root.") ? "0" : "60001"));
    }
}
