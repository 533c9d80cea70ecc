package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code needs} checked against the real programs of strace/real: the limit it finds for a
 * log captured as uid 60001 with 64 KiB is given to the real program (prlimit --memlock=N:N,
 * setpriv to uid 60001 without CAP_IPC_LOCK, under strace -f as capture.sh ran it); the program
 * must answer its memlock calls (mlock, mlock2, mlockall, munlock, munlockall) as in the log,
 * and one page below the limit it must not.
 *
 * <p>"As in the log" is the multiset of those calls' results (how many returned 0, ENOMEM,
 * EINVAL, ...): stress-ng picks flags and call variants at random from run to run
 * (mlock or mlock2, with or without MLOCK_ONFAULT), so the order and the arguments vary while
 * what the limit decides does not. Each program runs for well under a second. A program, strace,
 * prlimit or setpriv that is not installed, or a run not as root, skips the case with one line.
 */
class NeedsLiveTest {

    private static final Path DIR = Path.of("src/test/resources/strace/real");
    private static final Pattern LOCK_CALL = Pattern.compile(
            "^\\d+\\s+(?:mlock|mlock2|mlockall|munlock|munlockall)\\(.*\\)\\s+=\\s+(-?\\d+(?: E[A-Z]+)?)");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "memtester|memtester 256K 1",
        "stress-mlock|stress-ng --mlock 1 --mlock-ops 2 -t 5",
        "stress-mmap|stress-ng --mmap 1 --mmap-ops 1 --mmap-bytes 64K -t 5",
        "stress-mremap|stress-ng --mremap 1 --mremap-ops 2 --mremap-bytes 1M -t 5",
    })
    void theRealProgram_behavesAsLoggedAtTheLimitNeedsFinds_andNotOnePageBelow(String name, String command)
            throws Exception {
        String program = command.split(" ")[0];
        for (String tool : List.of(program, "strace", "prlimit", "setpriv")) {
            assumeTrue(installed(tool), tool + " is not installed: the live check of needs on " + name + " is skipped");
        }
        assumeTrue("root".equals(System.getProperty("user.name")), "not root: setpriv to uid 60001 needs it; skipped");
        Path log = DIR.resolve(name + ".user.filtered.strace");
        Needs.Result r = Needs.find(ScenarioRunner.parse(log), RunOptions.defaults().withAs(RealLogsTest.USER));
        assertThat(r.found()).as("%s: a limit reproduces the log", name).isTrue();
        long pages = r.minPages();
        assertThat(pages).as("%s: at least one page", name).isPositive();
        Map<String, Integer> logged = results(Files.readAllLines(log));
        Map<String, Integer> at = live(command, pages);
        Map<String, Integer> below = live(command, pages - 1);
        System.out.println(name + ": needs " + pages * 4 + " KiB; logged " + logged + ", at the limit " + at
                + ", one page below " + below);
        assertThat(at).as("%s at %d KiB", name, pages * 4).isEqualTo(logged);
        assertThat(below).as("%s at %d KiB", name, (pages - 1) * 4).isNotEqualTo(logged);
    }

    /** The program run as capture.sh ran it as uid 60001, with soft and hard memlock {@code pages} pages. */
    private static Map<String, Integer> live(String command, long pages) throws Exception {
        Path dir = Files.createTempDirectory("pinsim-needs-live");
        dir.toFile().setWritable(true, false);
        dir.toFile().setExecutable(true, false);
        dir.toFile().setReadable(true, false);
        Path out = dir.resolve("log.strace");
        long bytes = pages * 4096;
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--memlock=" + bytes + ":" + bytes, "setpriv",
                "--reuid=60001", "--regid=60001", "--clear-groups", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock",
                "timeout", "60", "strace", "-f", "-e", "trace=%memory,%process", "-o", out.toString()));
        cmd.addAll(List.of(command.split(" ")));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        Map<String, Integer> m = results(Files.readAllLines(out));
        try (var s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
        return m;
    }

    /** How many memlock calls returned each result ({@code 0}, {@code -1 ENOMEM}, ...). */
    static Map<String, Integer> results(List<String> lines) {
        Map<String, Integer> m = new TreeMap<>();
        for (String l : lines) {
            Matcher x = LOCK_CALL.matcher(l);
            if (x.find()) {
                m.merge(x.group(1), 1, Integer::sum);
            }
        }
        return m;
    }

    private static boolean installed(String tool) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }
}
