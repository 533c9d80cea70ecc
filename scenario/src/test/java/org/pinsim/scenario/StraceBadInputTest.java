package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed strace logs and --as texts: each is invalid input with exactly one line,
 * {@code FILE:LINE:COLUMN: expected ..., found ...}, before anything runs (the command line
 * turns it into exit 2: {@code MainTest}). And a seeded mutation of the real logs that never
 * ends in a model failure or an exception other than invalid input.
 */
class StraceBadInputTest {

    static Stream<Arguments> malformedLogs() {
        return Stream.of(
            Arguments.of("unfinished-wrong-name", "5  mmap(NULL, 4096, PROT_READ <unfinished ...>\n5  <... munmap resumed>) = 0\n", "t.strace:2:4: expected '<... mmap resumed>' (pid 5 is in mmap since line 1), found '<... munmap resumed>'"),
            Arguments.of("resumed-garbage", "5  mlock(0x1000, 4096 <unfinished ...>\n5  <... mlock resumed> 4096) = 0\n", "t.strace:2:24: expected ',' or ')', found '4096'"),
            Arguments.of("deco-unclosed", "5  close(3</etc/passwd) = 0\n", "t.strace:1:11: expected ',' or ')', found '<'"),
            Arguments.of("bad-flag-hex", "5  mmap(NULL, 4096, PROT_READ|0xzz, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n", "t.strace:1:31: expected hex digits after '0x', found 'z'"),
            Arguments.of("unknown-flag", "5  mmap(NULL, 4096, PROT_READ|PROT_FOO, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n", "t.strace:1:31: expected a name bound earlier or a PROT_* flag for argument 3 of mmap (prot), found 'PROT_FOO'"),
            Arguments.of("too-large", "5  mlock(0x1000, 18446744073709551616) = 0\n", "t.strace:1:18: expected a number that fits in 64 bits, found '18446744073709551616'"),
            Arguments.of("unknown-pid", "5  mlock(0x1000, 4096) = 0\n6  mlock(0x1000, 4096) = 0\n", "t.strace:2:1: expected a pid returned by an earlier fork, vfork, clone or clone3, found pid 6 (a log needs -e trace=%process, or no filter, to show where each task comes from)"),
            Arguments.of("bad-errno", "5  mlock(0x1000, 4096) = -1 ENOPE (No such thing)\n", "t.strace:1:29: expected an errno name such as ENOMEM after -1, found 'ENOPE'"),
            Arguments.of("missing-paren", "5  mlock(0x1000, 4096 = 0\n", "t.strace:1:23: expected ',' or ')', found '='"),
            Arguments.of("unknown-call-unclosed", "5  read(3, \"abc\", 3 = 3\n", "t.strace:1:8: expected ')' to close the '(' of read, found end of line"),
            Arguments.of("unknown-call-tail", "5  read(3, \"abc\", 3) 3\n", "t.strace:1:22: expected '=' or end of line after read(...), found '3'"),
            Arguments.of("clone3-out-bad", "5  clone3({flags=CLONE_VM, exit_signal=SIGCHLD} => , 88) = 6\n", "t.strace:1:52: expected a value (number, name, flags, string, {struct} or [array]), found ','"),
            Arguments.of("string-unclosed", "5  openat(AT_FDCWD, \"/etc/passwd, O_RDONLY) = 3\n", "t.strace:1:48: expected '\"' to close the string at column 21, found end of line"),
            Arguments.of("check-pid-field", "5  mlock(0x1000, 4096) = 0\ncheck 5 VmLok == 0\n", "t.strace:2:9: expected a process field (VmPeak, VmSize, VmLck, VmPin, VmHWM, VmRSS, RssAnon, RssFile, RssShmem, VmData, VmStk, VmExe, VmLib, VmPTE, VmSwap, exempt, lazyfree, lck, locked_vmas, maps, migration_waits, moved, rss, smaps.Locked, smaps_locked, smaps_shared, thp, user.locked_vm, vmas, nodeN), found 'VmLok' (did you mean VmLck?)"),
            Arguments.of("check-unknown-pid", "5  mlock(0x1000, 4096) = 0\ncheck 7 VmLck == 0\n", "t.strace:2:7: expected a pid returned by an earlier fork, vfork, clone or clone3, found pid 7 (a log needs -e trace=%process, or no filter, to show where each task comes from)"),
            Arguments.of("fcntl-bad-cmd", "5  fcntl(3, F_NOPE) = 0\n", "t.strace:1:13: expected a name bound earlier or an F_* command for argument 2 of fcntl (cmd), found 'F_NOPE'"),
            Arguments.of("dup3-bad-flag", "5  dup3(3, 4, MAP_SHARED) = 4\n", "t.strace:1:15: expected an O_* flag for argument 3 of dup3 (flags), found 'MAP_SHARED' (a MAP_* flag)"),
            Arguments.of("rlimit-bad", "5  prlimit64(0, RLIMIT_MEMLOCK, NULL, {rlim_cur=8192*1024 rlim_max=1}) = 0\n", "t.strace:1:59: expected ',' or '}', found 'rlim_max'"),
            Arguments.of("misspelled-pin", "a = mmap(NULL, 40KiB, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nmunlok(a, 40KiB)\n", "t.pin:2:1: expected a call pinsim knows, found 'munlok' (did you mean munlock?)"),
            Arguments.of("directive-after", "5  mlock(0x1000, 4096) = 0\nprocess app uid=0\n", "t.strace:2:1: expected a statement or check, found directive 'process' (directives come before the first statement)"),
            Arguments.of("bad-number", "5  mlock(0x1000, 12abc) = 0\n", "t.strace:1:18: expected a size unit (KiB, MiB, GiB, TiB, K, M, G, T) after 12, found 'abc'"),
            Arguments.of("octal-bad", "5  openat(AT_FDCWD, \"/x\", O_RDONLY, 0789) = 3\n", "t.strace:1:37: expected an octal number (a leading 0 means octal, as in C), found '0789'")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedLogs")
    void malformedLog_isInvalidInput_withOneLine(String what, String text, String message) {
        String file = what.endsWith("pin") ? "t.pin" : "t.strace";
        assertThatThrownBy(() -> ScenarioRunner.run(ScenarioRunner.parse(file, text), RunOptions.defaults()))
                .isInstanceOf(InvalidInputException.class).hasMessage(message);
        assertThat(message).doesNotContain("\n");
    }

    @Test
    void binaryFile_isInvalidInput() {
        assertThatThrownBy(() -> ScenarioRunner.parse("t.strace", new byte[] {'a', '(', 0, ')'}))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("t.strace:1:3: expected a text file, found binary data (a NUL byte)");
    }

    static Stream<Arguments> badAs() {
        return Stream.of(
            Arguments.of("uid=0 caps=-bogus", "--as:1:12: expected a capability name (ipc_lock, sys_resource, ...), found 'bogus'"),
            Arguments.of("uid=0 rlimit.memlock=1MiB:64KiB", "--as:1:22: expected a soft limit no higher than the hard limit (64KiB), found 1MiB"),
            Arguments.of("7: uid=0", "--as:1:1: expected a pid of the log (the first, 5, or one a fork, vfork, clone or clone3 returned), found pid 7"),
            Arguments.of("colour=red", "--as:1:1: expected a process setting (uid, caps, rlimit.memlock, layout), found 'colour'"),
            Arguments.of("", "--as:1:1: expected a process setting (uid, caps, rlimit.memlock, layout), found end of line"),
            Arguments.of("uid=0 caps=", "--as:1:12: expected a capability name (ipc_lock, sys_resource, ...), none or all, found end of line")
        );
    }

    @ParameterizedTest(name = "--as {0}")
    @MethodSource("badAs")
    void badAs_isInvalidInput_namingTheOption(String as, String message) {
        Scenario s = ScenarioRunner.parse("t.strace", "5  mlock(0x1000, 4096) = 0\n");
        assertThatThrownBy(() -> ScenarioRunner.run(s, RunOptions.defaults().withAs(as)))
                .isInstanceOf(InvalidInputException.class).hasMessage(message);
    }

    @Test
    void asNamingAChild_withLayout_isInvalidInput() {
        Scenario s = ScenarioRunner.parse("t.strace", "5  fork() = 6\n6  mlock(0x1000, 4096) = 0\n");
        assertThatThrownBy(() -> ScenarioRunner.run(s, RunOptions.defaults().withAs("6: uid=0 layout=empty")))
                .isInstanceOf(InvalidInputException.class).hasMessage("--as:1:17: expected uid, caps or rlimit.memlock for pid 6,"
                        + " a child whose address space is its parent's copy (layout is for the first pid, 5), found layout=empty");
    }

    @Test
    void needs_withAsNamingAChild_isInvalidInput() {
        Scenario s = ScenarioRunner.parse("t.strace", "5  fork() = 6\n6  mlock(0x1000, 4096) = 0\n");
        assertThatThrownBy(() -> Needs.find(s, RunOptions.defaults().withAs("6: uid=0")))
                .isInstanceOf(InvalidInputException.class).hasMessage("--as:1:1: expected --as for the log's first pid (5)"
                        + " in needs, whose limit every replay sets and its children inherit, found pid 6");
    }

    @Test
    void truncatedLastLine_replaysUpToItAndSaysSo() {
        Scenario s = ScenarioRunner.parse("t.strace", "5  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
                + "5  mlock(0x7f0000000000, 4096) = 0\n5  munlock(0x7f00000");
        Report r = ScenarioRunner.run(s, RunOptions.defaults());
        assertThat(r.summary().calls()).isEqualTo(2);
        assertThat(r.summary().matched()).isEqualTo(2);
        assertThat(r.notes()).contains("the log ends in the middle of a call (line 3): replayed up to there");
    }

    /**
     * The real logs, mutated at random (a character deleted, replaced or doubled, a line
     * dropped, doubled or cut short): the run either works or reports invalid input; never a
     * model failure, never another exception.
     */
    @Test
    void mutatedRealLogs_neverFailTheModel() throws IOException {
        Path dir = Path.of("src/test/resources/strace/real");
        List<String> names = List.of("cyclictest.root.full.strace", "stress-mremap.user.filtered.strace",
                "stress-pthread.root.filtered.strace", "memtester.user.filtered.strace");
        Random rnd = new Random(20261205L);
        int ran = 0;
        int invalid = 0;
        for (int round = 0; round < 24; round++) {
            String name = names.get(round % names.size());
            List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve(name)));
            for (int m = 0; m < 1 + rnd.nextInt(4); m++) {
                mutate(lines, rnd);
            }
            String text = String.join("\n", lines) + (rnd.nextBoolean() ? "\n" : "");
            try {
                ScenarioRunner.run(ScenarioRunner.parse(name, text),
                        RunOptions.defaults().withAs(name.contains(".root.") ? RealLogsTest.ROOT : RealLogsTest.USER));
                ran++;
            } catch (InvalidInputException e) {
                assertThat(e.getMessage()).startsWith(name + ":").doesNotContain("\n");
                invalid++;
            }
        }
        assertThat(ran + invalid).isEqualTo(24);
        System.out.println("mutated logs: " + ran + " ran, " + invalid + " invalid input");
    }

    private static void mutate(List<String> lines, Random rnd) {
        int i = rnd.nextInt(lines.size());
        String l = lines.get(i);
        int at = l.isEmpty() ? 0 : rnd.nextInt(l.length());
        String junk = "(){}[]<>=|,.-+*/\"x0aZ_ ?#:~";
        switch (rnd.nextInt(6)) {
            case 0 -> lines.set(i, l.isEmpty() ? l : l.substring(0, at) + l.substring(at + 1));
            case 1 -> lines.set(i, l.substring(0, at) + junk.charAt(rnd.nextInt(junk.length())) + l.substring(Math.min(l.length(), at + 1)));
            case 2 -> lines.set(i, l.isEmpty() ? l : l.substring(0, at + 1) + l.substring(at));
            case 3 -> lines.remove(i);
            case 4 -> lines.add(i, l);
            default -> lines.set(i, l.substring(0, at));
        }
    }
}
