package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Profile;

class ParserTest {

    private static Scenario parse(String text) {
        return Parser.parse("t.pin", text);
    }

    private static Statement.Call call(String line) {
        return (Statement.Call) parse(line).statements().get(0);
    }

    private static Statement.Check check(String line) {
        return (Statement.Check) parse(line).statements().get(0);
    }

    private static String error(String text) {
        try {
            parse(text);
        } catch (InvalidInputException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for: " + text);
    }

    // ---------------------------------------------------------------- lines, comments

    @Test
    void parse_blankLinesAndComments_produceNothing() {
        Scenario s = parse("\n   \n# a comment\n\t# another\n");
        assertThat(s.statements()).isEmpty();
        assertThat(s.directives()).isEmpty();
    }

    @Test
    void parse_trailingComment_isIgnored() {
        Statement.Call c = call("mlock(buf, 4096) = 0   # lock one page");
        assertThat(c.expectedText()).isEqualTo("0");
        assertThat(c.argsText()).isEqualTo("buf, 4096");
    }

    @Test
    void parse_crlfAndBom_areAccepted() {
        Scenario s = parse("\uFEFFmunlockall() = 0\r\nmunlockall()\r\n");
        assertThat(s.statements()).hasSize(2);
        assertThat(s.statements().get(1).line()).isEqualTo(2);
    }

    @Test
    void parse_straceNotices_areTaskEvents() {
        Scenario s = parse("--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---\n+++ exited with 0 +++\n");
        assertThat(s.statements()).extracting(st -> ((Statement.Event) st).kind()).containsExactly("SIGNAL", "EXITED");
        assertThat(s.log()).isTrue();
    }

    @Test
    void parse_straceNoticesWithAPidPrefix_areTaskEvents() {
        // strace -f -o FILE prefixes every line with the pid, notices included
        Scenario s = parse("28989 mlock(0x1000, 4096) = 0\n28990 --- SIGCHLD {si_signo=SIGCHLD} ---\n"
                + "28989 +++ exited with 0 +++\n[pid 28990] +++ killed by SIGKILL +++\n");
        assertThat(s.statements()).hasSize(4);
        Statement.Event kill = (Statement.Event) s.statements().get(3);
        assertThat(kill.kind()).isEqualTo("KILLED");
        assertThat(kill.detail()).isEqualTo("SIGKILL");
        assertThat(kill.proc().pid()).isEqualTo(28990L);
    }

    // ---------------------------------------------------------------- calls

    @Test
    void call_withBindingAndProcess_recordsAllParts() {
        Statement.Call c = call("app: buf = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)");
        assertThat(c.proc().name()).isEqualTo("app");
        assertThat(c.bind()).isEqualTo("buf");
        assertThat(c.name()).isEqualTo("mmap");
        assertThat(c.args()).hasSize(6);
        assertThat(c.expected()).isNull();
        assertThat(c.namePos()).isEqualTo(new Pos(1, 12));
    }

    @Test
    void call_withoutArguments_hasNone() {
        assertThat(call("munlockall()").args()).isEmpty();
    }

    @Test
    void call_namedLikeKeyword_isACall() {
        Statement.Call c = call("check = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)");
        assertThat(c.bind()).isEqualTo("check");
    }

    @Test
    void call_stracePidPrefix_isAProcessReference() {
        Statement.Call c = call("4728  mlock(0x7f0000000000, 65536) = 0");
        assertThat(c.proc().pid()).isEqualTo(4728L);
        assertThat(c.proc().name()).isNull();
        Statement.Call b = call("[pid 4728] mlock(0x7f0000000000, 65536) = 0");
        assertThat(b.proc().pid()).isEqualTo(4728L);
        assertThat(b.proc().written()).isEqualTo("[pid 4728]");
    }

    @Test
    void call_namedArguments_asStracePrintsClone() {
        Statement.Call c = call("clone(child_stack=NULL, flags=CLONE_VM|SIGCHLD, child_tidptr=0x7f00) = 4729");
        assertThat(c.named("flags").value()).isInstanceOf(Expr.Binary.class);
        assertThat(c.positional()).isEmpty();
    }

    @Test
    void call_straceComment_insideArguments_isSkipped() {
        Statement.Call c = call("execve(\"/bin/true\", [\"/bin/true\"], 0x7ffd0000 /* 20 vars */) = 0");
        assertThat(c.args()).hasSize(3);
        assertThat(((Expr.Str) c.args().get(0).value()).value()).isEqualTo("/bin/true");
        assertThat(c.args().get(1).value()).isInstanceOf(Expr.Array.class);
    }

    @Test
    void call_truncatedString_isMarked() {
        Expr.Str s = (Expr.Str) call("write(1, \"hello\"..., 100) = 100").args().get(1).value();
        assertThat(s.truncated()).isTrue();
        assertThat(s.value()).isEqualTo("hello");
    }

    @Test
    void call_stringEscapes_areDecoded() {
        Expr.Str s = (Expr.Str) call("write(1, \"a\\n\\t\\\"\\x41\\101\\\\\", 7)").args().get(1).value();
        assertThat(s.value()).isEqualTo("a\n\t\"AA\\");
    }

    // ---------------------------------------------------------------- values

    @Test
    void number_formats_areRead() {
        List<Expr.Field> a = call("f(4096, 0x1000, 0644, 64KiB, 2MiB, 1GiB, 1TiB, 4K, 0)").args();
        assertThat(((Expr.Num) a.get(0).value()).value()).isEqualTo(4096);
        assertThat(((Expr.Num) a.get(1).value()).value()).isEqualTo(4096);
        assertThat(((Expr.Num) a.get(2).value()).value()).isEqualTo(0644);
        Expr.Num kib = (Expr.Num) a.get(3).value();
        assertThat(kib.value()).isEqualTo(64);
        assertThat(kib.unit()).isEqualTo("KiB");
        assertThat(((Expr.Num) a.get(7).value()).unit()).isEqualTo("K");
    }

    @Test
    void number_fullWidthHex_isUnsigned() {
        Expr.Num n = (Expr.Num) call("f(0xffffffffffffffff)").args().get(0).value();
        assertThat(n.value()).isEqualTo(-1L);
    }

    @Test
    void expression_precedence_followsC() {
        Expr e = call("f(a + 4 * 2 | B)").args().get(0).value();
        Expr.Binary or = (Expr.Binary) e;
        assertThat(or.op()).isEqualTo('|');
        Expr.Binary plus = (Expr.Binary) or.left();
        assertThat(plus.op()).isEqualTo('+');
        assertThat(((Expr.Binary) plus.right()).op()).isEqualTo('*');
    }

    @Test
    void expression_negativeAndParenthesised_areRead() {
        Expr e = call("f(-(a - 4KiB))").args().get(0).value();
        assertThat(e).isInstanceOf(Expr.Negate.class);
        assertThat(((Expr.Negate) e).operand()).isInstanceOf(Expr.Binary.class);
    }

    @Test
    void struct_withFieldsAndElision_isRead() {
        Expr.Struct s = (Expr.Struct) call("setrlimit(RLIMIT_MEMLOCK, {rlim_cur=64*1024, rlim_max=8192*1024, ...})")
                .args().get(1).value();
        assertThat(s.fields()).hasSize(3);
        assertThat(s.field("rlim_cur").value()).isInstanceOf(Expr.Binary.class);
        assertThat(s.fields().get(2).value()).isInstanceOf(Expr.Elided.class);
    }

    @Test
    void array_ofStructs_andBlankSeparated_areRead() {
        Expr.Array a = (Expr.Array) call("f([{iov_base=buf, iov_len=65536}], 1)").args().get(0).value();
        assertThat(a.items()).hasSize(1);
        Expr.Array sig = (Expr.Array) call("f([CHLD TERM])").args().get(0).value();
        assertThat(sig.items()).hasSize(2);
    }

    @Test
    void null_isItsOwnValue() {
        assertThat(call("brk(NULL)").args().get(0).value()).isInstanceOf(Expr.Null.class);
    }

    // ---------------------------------------------------------------- expectations

    @Test
    void expected_errnoWithText_isRead() {
        Statement.Call c = call("mlock(a, 4096) = -1 ENOMEM (Cannot allocate memory)");
        Expected.Error e = (Expected.Error) c.expected();
        assertThat(e.errno()).isEqualTo(12);
        assertThat(e.name()).isEqualTo("ENOMEM");
        assertThat(e.text()).isEqualTo("Cannot allocate memory");
        assertThat(c.expectedText()).isEqualTo("-1 ENOMEM (Cannot allocate memory)");
    }

    @Test
    void expected_errnoWithoutText_isRead() {
        assertThat(((Expected.Error) call("mlock(a, 4096) = -1 EPERM").expected()).errno()).isEqualTo(1);
    }

    @Test
    void expected_unknown_isQuestionMark() {
        assertThat(call("exit_group(0) = ?").expected()).isInstanceOf(Expected.Unknown.class);
    }

    @Test
    void expected_valueExpression_isKept() {
        Expected.Value v = (Expected.Value) call("b = mremap(b0, 4096, 8192, 0) = b0 + 64KiB").expected();
        assertThat(v.value()).isInstanceOf(Expr.Binary.class);
        assertThat(call("f() = 0x7f74f45bf000").expectedText()).isEqualTo("0x7f74f45bf000");
    }

    // ---------------------------------------------------------------- guards

    @Test
    void guard_listsProfiles() {
        Statement.Call c = call("[linux-3.1, linux-6.18] mlock(a, 4096) = 0");
        assertThat(c.guard().profiles()).containsExactly(Profile.LINUX_3_1, Profile.LINUX_6_18);
        assertThat(c.guard().admits(Profile.LINUX_3_2)).isFalse();
    }

    @Test
    void guard_onCheck_isKept() {
        Statement.Check c = check("[mpin-2013] check app VmPin == 0");
        assertThat(c.guard().profiles()).containsExactly(Profile.MPIN_2013);
    }

    // ---------------------------------------------------------------- checks

    @Test
    void check_processField_isRead() {
        Statement.Check c = check("check app VmLck == 64 kB");
        assertThat(c.proc().name()).isEqualTo("app");
        assertThat(c.field()).isEqualTo("VmLck");
        assertThat(c.op()).isEqualTo("==");
        assertThat(c.kB()).isTrue();
        assertThat(c.text()).isEqualTo("check app VmLck == 64 kB");
    }

    @Test
    void check_systemField_hasNoProcess() {
        Statement.Check c = check("check vmstat.unevictable_pgs_mlocked >= 16");
        assertThat(c.proc()).isNull();
        assertThat(c.field()).isEqualTo("vmstat.unevictable_pgs_mlocked");
        assertThat(c.op()).isEqualTo(">=");
    }

    @Test
    void check_region_takesNameOrAddressAndLength() {
        assertThat(check("check app lck(buf) == 32 kB").region()).hasSize(1);
        Statement.Check c = check("check app rss(buf + 4KiB, 64KiB) != 0 # resident");
        assertThat(c.region()).hasSize(2);
        assertThat(c.op()).isEqualTo("!=");
        assertThat(c.text()).isEqualTo("check app rss(buf + 4KiB, 64KiB) != 0");
    }

    @Test
    void check_allOperators_areRead() {
        for (String op : List.of("==", "!=", "<", "<=", ">", ">=")) {
            assertThat(check("check app maps " + op + " 5").op()).isEqualTo(op);
        }
    }

    // ---------------------------------------------------------------- directives

    @Test
    void directives_areRead() {
        Scenario s = parse("""
                machine memory=16GiB nodes=1 cpus=2 swap=0 seed=1
                kernel linux-3.2
                sysctl vm.compact_unevictable_allowed=1 kernel.perf_event_mlock_kb=516
                process app uid=1000 caps=all,-ipc_lock rlimit.memlock=64KiB:1MiB layout=empty
                """);
        assertThat(s.directives()).hasSize(4);
        Directive.Machine m = (Directive.Machine) s.directives().get(0);
        assertThat(m.settings()).extracting(Directive.Setting::key).containsExactly("memory", "nodes", "cpus", "swap", "seed");
        assertThat(((Directive.Kernel) s.directives().get(1)).profile()).isEqualTo("linux-3.2");
        Directive.Sysctl sy = (Directive.Sysctl) s.directives().get(2);
        assertThat(sy.settings().get(1).key()).isEqualTo("kernel.perf_event_mlock_kb");
        Directive.Process p = (Directive.Process) s.directives().get(3);
        assertThat(p.name()).isEqualTo("app");
        assertThat(p.caps()).extracting(Directive.CapChange::sign).containsExactly(' ', '-');
        assertThat(p.memlockHard()).isNotNull();
        assertThat(p.layout()).isEqualTo("empty");
    }

    @Test
    void process_memlockUnlimited_isAName() {
        Directive.Process p = (Directive.Process) parse("process db rlimit.memlock=unlimited:unlimited").directives().get(0);
        assertThat(p.memlockSoft()).isEqualTo(new Expr.Name("unlimited", new Pos(1, 27)));
    }

    @Test
    void guard_onProcessDirective_isKept() {
        Directive.Process p = (Directive.Process) parse("[linux-3.1] process app rlimit.memlock=0").directives().get(0);
        assertThat(p.guard().profiles()).containsExactly(Profile.LINUX_3_1);
    }

    // ---------------------------------------------------------------- invalid input

    @Test
    void error_unclosedBlockComment() {
        assertThat(error("f(1 /* x")).isEqualTo("t.pin:1:5: expected '*/' to close the comment, found end of line");
    }

    @Test
    void error_hexWithoutDigits() {
        assertThat(error("f(0x)")).isEqualTo("t.pin:1:3: expected hex digits after '0x', found ')'");
    }

    @Test
    void error_badOctal() {
        assertThat(error("f(09)")).isEqualTo(
                "t.pin:1:3: expected an octal number (a leading 0 means octal, as in C), found '09'");
    }

    @Test
    void error_numberTooLarge() {
        assertThat(error("f(99999999999999999999)")).isEqualTo(
                "t.pin:1:3: expected a number that fits in 64 bits, found '99999999999999999999'");
    }

    @Test
    void error_unterminatedString() {
        assertThat(error("open(\"/tmp/x, 0)")).isEqualTo(
                "t.pin:1:17: expected '\"' to close the string at column 6, found end of line");
    }

    @Test
    void error_strayCharacter() {
        assertThat(error("mlock($a, 1)")).isEqualTo("t.pin:1:7: expected a name, number, string or operator, found '$'");
    }

    @Test
    void error_unknownProfileInGuard() {
        assertThat(error("[linux-5.0] mlock(a, 1)")).isEqualTo(
                "t.pin:1:2: expected a kernel profile (linux-3.1, linux-3.2, mpin-2013, mpin-2013-dedup, linux-6.18), found 'linux-5.0'");
    }

    @Test
    void error_emptyGuard() {
        assertThat(error("[] mlock(a, 1)")).isEqualTo(
                "t.pin:1:2: expected a kernel profile (linux-3.1, linux-3.2, mpin-2013, mpin-2013-dedup, linux-6.18), found ']'");
    }

    @Test
    void error_guardSeparator() {
        assertThat(error("[linux-3.1 linux-3.2] f()")).isEqualTo(
                "t.pin:1:12: expected ',' or ']' in the profile list, found 'linux'");
    }

    @Test
    void error_directiveAfterStatement() {
        assertThat(error("munlockall()\nkernel linux-3.1")).isEqualTo(
                "t.pin:2:1: expected a statement or check, found directive 'kernel' (directives come before the first statement)");
    }

    @Test
    void error_guardOnKernel() {
        assertThat(error("[linux-3.1] kernel linux-3.1")).isEqualTo(
                "t.pin:1:1: expected a directive without a profile guard, found a guard on 'kernel'");
    }

    @Test
    void error_secondKernel() {
        assertThat(error("kernel linux-3.1\nkernel linux-3.2")).isEqualTo(
                "t.pin:2:1: expected one kernel directive, found a second (the first is at line 1)");
    }

    @Test
    void error_unknownKernel() {
        assertThat(error("kernel linux-9")).isEqualTo(
                "t.pin:1:8: expected a kernel profile (linux-3.1, linux-3.2, mpin-2013, mpin-2013-dedup, linux-6.18), found 'linux-9'");
    }

    @Test
    void error_unknownMachineKey() {
        assertThat(error("machine mem=1GiB")).isEqualTo(
                "t.pin:1:9: expected a machine setting (memory, nodes, cpus, swap, seed, zero_page, thp, movable, cma, age, thp_defrag, nofragment), found 'mem'");
    }

    @Test
    void error_settingWithoutValue() {
        assertThat(error("sysctl vm.max_map_count 5")).isEqualTo(
                "t.pin:1:25: expected '=' after vm.max_map_count, found '5'");
    }

    @Test
    void error_directiveWithoutSettings() {
        assertThat(error("sysctl")).isEqualTo("t.pin:1:7: expected a setting KEY=VALUE after sysctl, found end of line");
    }

    @Test
    void error_processWithoutName() {
        assertThat(error("process uid=0")).isEqualTo(
                "t.pin:1:12: expected a process setting (uid, caps, rlimit.memlock, layout), found '='");
        assertThat(error("process")).isEqualTo("t.pin:1:8: expected a process name after 'process', found end of line");
    }

    @Test
    void error_processUnknownKey() {
        assertThat(error("process app rlimit.nofile=5")).isEqualTo(
                "t.pin:1:13: expected a process setting (uid, caps, rlimit.memlock, layout), found 'rlimit.nofile'");
    }

    @Test
    void error_processBadLayout() {
        assertThat(error("process app layout=tiny")).isEqualTo("t.pin:1:20: expected a layout (default, empty), found 'tiny'");
    }

    @Test
    void error_processCapsWithoutName() {
        assertThat(error("process app caps=-")).isEqualTo(
                "t.pin:1:19: expected a capability name (ipc_lock, sys_resource, ...), none or all, found end of line");
    }

    @Test
    void error_lineWithoutCall() {
        assertThat(error("= 3")).isEqualTo("t.pin:1:1: expected a call, a check or a directive, found '='");
    }

    @Test
    void error_callWithoutParenthesis() {
        assertThat(error("mlock buf")).isEqualTo("t.pin:1:7: expected '(' after the call name mlock, found 'buf'");
    }

    @Test
    void error_unclosedArguments() {
        assertThat(error("mlock(buf 4096)")).isEqualTo("t.pin:1:11: expected ',' or ')', found '4096'");
    }

    @Test
    void unfinishedStraceCall_atTheEnd_isAnUnreturnedCallAndTheLogSaysSo() {
        Scenario s = parse("[pid 5] mlock(0x1000, 4096 <unfinished ...>\n");
        Statement.Call c = (Statement.Call) s.statements().get(0);
        assertThat(c.name()).isEqualTo("mlock");
        assertThat(c.strace().unreturned()).isEqualTo("the log ends while pid 5 is in it");
        assertThat(s.truncated()).isEqualTo("the log ends in the middle of mlock (line 1): replayed up to there");
    }

    @Test
    void error_unknownErrno() {
        assertThat(error("mlock(a, 1) = -1 ENOSUCH")).isEqualTo(
                "t.pin:1:18: expected an errno name such as ENOMEM after -1, found 'ENOSUCH'");
    }

    @Test
    void error_errnoTextNotClosed() {
        assertThat(error("mlock(a, 1) = -1 ENOMEM (Cannot")).isEqualTo(
                "t.pin:1:26: expected ')' to close the '(' at column 25, found 'Cannot'");
    }

    @Test
    void error_trailingJunk() {
        assertThat(error("mlock(a, 1) = 0 0")).isEqualTo("t.pin:1:17: expected end of line, found '0'");
    }

    @Test
    void error_missingValue() {
        assertThat(error("mlock(a, )")).isEqualTo(
                "t.pin:1:10: expected a value (number, name, flags, string, {struct} or [array]), found ')'");
    }

    @Test
    void error_unclosedArray() {
        assertThat(error("f([1, 2")).isEqualTo("t.pin:1:8: expected ']' to close the '[' at column 3, found end of line");
    }

    @Test
    void error_checkWithoutSubject() {
        assertThat(error("check == 5")).isEqualTo(
                "t.pin:1:7: expected a process name, a strace pid, vmstat.NAME or meminfo.NAME after 'check', found '=='");
    }

    @Test
    void error_checkWithAssignment() {
        assertThat(error("check app VmLck = 5")).isEqualTo(
                "t.pin:1:17: expected a comparison (==, !=, <, <=, >, >=), found '='");
    }

    @Test
    void error_checkDottedProcess() {
        assertThat(error("check smaps.Locked == 5")).isEqualTo(
                "t.pin:1:7: expected a process name, vmstat.NAME or meminfo.NAME, found 'smaps.Locked'");
    }

    @Test
    void error_pidPrefixWithoutNumber() {
        assertThat(error("[pid x] mlock(a, 1)")).isEqualTo("t.pin:1:6: expected a pid after '[pid', found 'x'");
    }

    @Test
    void error_dottedBindName() {
        assertThat(error("a.b = munlockall()")).isEqualTo("t.pin:1:1: expected a name to bind, found 'a.b'");
    }

    @Test
    void error_dottedProcessName() {
        assertThat(error("a.b: munlockall()")).isEqualTo("t.pin:1:1: expected a process name before ':', found 'a.b'");
    }

    @Test
    void error_pidBracketNotClosed() {
        assertThat(error("[pid 5 mlock(a, 1)")).isEqualTo("t.pin:1:8: expected ']' after the pid, found 'mlock'");
    }

    @Test
    void error_prefixWithoutCall() {
        assertThat(error("app: = 3")).isEqualTo("t.pin:1:6: expected a call, found '='");
    }

    @Test
    void error_checkWithoutField() {
        assertThat(error("check app")).isEqualTo(
                "t.pin:1:10: expected a field (VmLck, VmPin, smaps.Locked, maps, lck(REGION), ...), found end of line");
    }

    @Test
    void error_checkRegionNotClosed() {
        assertThat(error("check app lck(a, 1 == 0")).isEqualTo("t.pin:1:20: expected ',' or ')', found '=='");
    }

    @Test
    void error_parenthesisNotClosed() {
        assertThat(error("f((1 + 2)")).isEqualTo("t.pin:1:10: expected ',' or ')', found end of line");
        assertThat(error("f((1 + 2, 3)")).isEqualTo("t.pin:1:9: expected ')', found ','");
    }

    @Test
    void error_structNotClosed() {
        assertThat(error("setrlimit(RLIMIT_MEMLOCK, {rlim_cur=1 rlim_max=2})")).isEqualTo(
                "t.pin:1:39: expected ',' or '}', found 'rlim_max'");
    }

    @Test
    void error_reportsTheRightLine() {
        assertThat(error("munlockall()\n\n# c\nmlock(a 1)")).startsWith("t.pin:4:9: ");
    }
}
