package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Mman;

class ValidatorTest {

    private static final String MAP = "mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)";

    private static Plan plan(String text) {
        return plan(text, RunOptions.defaults());
    }

    private static Plan plan(String text, RunOptions options) {
        return Validator.plan(Parser.parse("t.pin", text), options);
    }

    private static String error(String text) {
        return error(text, RunOptions.defaults());
    }

    private static String error(String text, RunOptions options) {
        try {
            plan(text, options);
        } catch (InvalidInputException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for: " + text);
    }

    private static Plan.CallStep step(Plan p, int i) {
        return (Plan.CallStep) p.steps().get(i);
    }

    private static long constant(Arg a) {
        return ((Val.Const) ((Arg.Num) a).value()).value();
    }

    // ---------------------------------------------------------------- defaults and directives

    @Test
    void plan_withoutDirectives_hasDefaultMachineAndApp() {
        Plan p = plan("munlockall() = 0");
        assertThat(p.profile()).isEqualTo(Profile.LINUX_6_18);
        assertThat(p.machine().memoryBytes()).isEqualTo(16L << 30);
        assertThat(p.processes()).extracting(Plan.ProcessDecl::name).containsExactly("app");
        assertThat(p.processes().get(0).spec()).isEqualTo(ProcessSpec.defaults("app", Profile.LINUX_6_18));
        assertThat(step(p, 0).proc()).isEqualTo("app");
    }

    @Test
    void plan_kernelOption_overridesDirective() {
        Plan p = plan("kernel linux-3.1\nmunlockall()", RunOptions.defaults().withKernel(Profile.LINUX_3_2));
        assertThat(p.profile()).isEqualTo(Profile.LINUX_3_2);
        assertThat(plan("kernel linux-3.1\nmunlockall()").profile()).isEqualTo(Profile.LINUX_3_1);
    }

    @Test
    void plan_seedOption_overridesMachineSeed() {
        assertThat(plan("machine seed=7").machine().seed()).isEqualTo(7);
        assertThat(plan("machine seed=7", RunOptions.defaults().withSeed(9L)).machine().seed()).isEqualTo(9);
    }

    @Test
    void machine_settings_areApplied() {
        Plan p = plan("machine memory=1GiB nodes=2 cpus=4 swap=0 seed=3");
        assertThat(p.machine().memoryBytes()).isEqualTo(1L << 30);
        assertThat(p.machine().nodes()).isEqualTo(2);
        assertThat(p.machine().cpus()).isEqualTo(4);
    }

    @Test
    void machine_movableCmaAge_areApplied() {
        assertThat(plan("machine memory=1GiB movable=256MiB cma=64MiB age=150%").machine())
                .extracting("movableBytes", "movablePercent", "cmaBytes", "agePercent")
                .containsExactly(256L << 20, 0, 64L << 20, 150);
        assertThat(plan("machine memory=1GiB movable=25%").machine().movablePercent()).isEqualTo(25);
        assertThat(plan("machine memory=1GiB").machine().agePercent()).isZero(); // off by default
    }

    @Test
    void machine_badPhysicalLayout_isOneLineInvalidInput() {
        assertThat(error("machine memory=1GiB movable=1GiB")).startsWith("t.pin:1:1: expected a machine the model supports, found: "
                + "machine movable (1073741824 bytes) and cma (0 bytes) leave the kernel less than 16MiB");
        assertThat(error("machine memory=1GiB cma=2GiB")).contains("leave the kernel less than 16MiB");
        assertThat(error("machine memory=1GiB movable=60% cma=512MiB")).contains("leave the kernel less than 16MiB");
        assertThat(error("machine memory=1GiB nodes=3")).isEqualTo("t.pin:1:1: expected a machine the model supports, found: "
                + "machine memory must split into 3 nodes of whole 2MiB pageblocks, got 1073741824 bytes");
        assertThat(error("machine movable=101%")).isEqualTo(
                "t.pin:1:17: expected a percentage of at most 100% for machine movable, found 101%");
        assertThat(error("machine age=1GiB")).isEqualTo(
                "t.pin:1:13: expected a percentage of memory for machine age (150%), found '1GiB'");
        assertThat(error("machine cma=5%")).startsWith("t.pin:1:13: expected a size unit");
    }

    @Test
    void machine_zeroPage_onOffAndOverride() {
        assertThat(plan("munlockall()").machine().zeroPage()).isTrue();
        assertThat(plan("machine zero_page=off").machine().zeroPage()).isFalse();
        assertThat(plan("machine zero_page=off\nmachine zero_page=on").machine().zeroPage()).isTrue();
        assertThat(plan("machine zero_page=off", RunOptions.defaults().withZeroPage(true)).machine().zeroPage()).isTrue();
    }

    @Test
    void error_machineZeroPageValue() {
        assertThat(error("machine zero_page=1")).isEqualTo("t.pin:1:19: expected on or off for machine zero_page, found '1'");
        assertThat(error("machine zero_page=maybe")).isEqualTo(
                "t.pin:1:19: expected on or off for machine zero_page, found 'maybe'");
    }

    @Test
    void machine_thp_modes_defaultMadvise() {
        assertThat(plan("munlockall()").machine().thp()).isEqualTo(org.pinsim.core.mm.ThpEnabled.MADVISE);
        assertThat(plan("machine thp=always").machine().thp()).isEqualTo(org.pinsim.core.mm.ThpEnabled.ALWAYS);
        assertThat(plan("machine thp=never").machine().thp()).isEqualTo(org.pinsim.core.mm.ThpEnabled.NEVER);
    }

    @Test
    void error_machineThpValue() {
        assertThat(error("machine thp=sometimes")).isEqualTo(
                "t.pin:1:13: expected always, madvise or never for machine thp, found 'sometimes'");
        assertThat(error("machine thp=1")).isEqualTo(
                "t.pin:1:13: expected always, madvise or never for machine thp, found '1'");
    }

    @Test
    void machine_thpDefrag_settings_defaultMadvise() {
        // /sys/kernel/mm/transparent_hugepage/defrag: defrag_store's five words
        assertThat(plan("munlockall()").machine().thpDefrag()).isEqualTo(org.pinsim.core.mm.ThpDefrag.MADVISE);
        assertThat(plan("machine thp_defrag=always").machine().thpDefrag()).isEqualTo(org.pinsim.core.mm.ThpDefrag.ALWAYS);
        assertThat(plan("machine thp_defrag=defer+madvise").machine().thpDefrag())
                .isEqualTo(org.pinsim.core.mm.ThpDefrag.DEFER_MADVISE);
        assertThat(plan("machine thp_defrag=never").machine().thpDefrag()).isEqualTo(org.pinsim.core.mm.ThpDefrag.NEVER);
        assertThat(error("machine thp_defrag=sometimes")).isEqualTo("t.pin:1:20: expected always, defer, defer+madvise,"
                + " madvise or never for machine thp_defrag, found 'sometimes'");
    }

    @Test
    void sysctl_settings_keepOrder() {
        Plan p = plan("sysctl vm.max_map_count=100 vm.compact_unevictable_allowed=0");
        assertThat(p.sysctls()).extracting(Plan.SysctlSetting::name)
                .containsExactly("vm.max_map_count", "vm.compact_unevictable_allowed");
        assertThat(p.sysctls().get(0).value()).isEqualTo(100);
    }

    @Test
    void process_settings_buildTheSpec() {
        Plan p = plan("process db uid=0 caps=all,-ipc_lock rlimit.memlock=64KiB:1MiB layout=empty");
        ProcessSpec s = p.processes().get(0).spec();
        assertThat(s.uid()).isZero();
        assertThat(s.caps()).isEqualTo(Caps.ALL & ~(1L << Caps.CAP_IPC_LOCK));
        assertThat(s.memlockSoft()).isEqualTo(64 << 10);
        assertThat(s.memlockHard()).isEqualTo(1 << 20);
        assertThat(s.layout()).isEqualTo(ProcessSpec.Layout.EMPTY);
    }

    @Test
    void process_capsSignedAlone_changesTheDefaultSet() {
        assertThat(plan("process r uid=0 caps=-ipc_lock").processes().get(0).spec().caps())
                .isEqualTo(Caps.ALL & ~(1L << Caps.CAP_IPC_LOCK));
        assertThat(plan("process u uid=1000 caps=+ipc_lock").processes().get(0).spec().caps())
                .isEqualTo(1L << Caps.CAP_IPC_LOCK);
    }

    @Test
    void process_capsNamesAlone_areTheWholeSet() {
        assertThat(plan("process r uid=0 caps=ipc_lock,sys_resource").processes().get(0).spec().caps())
                .isEqualTo((1L << Caps.CAP_IPC_LOCK) | (1L << Caps.CAP_SYS_RESOURCE));
        assertThat(plan("process r uid=0 caps=none").processes().get(0).spec().caps()).isEqualTo(Caps.NONE);
    }

    @Test
    void process_memlockWithoutHard_usesProfileDefault() {
        ProcessSpec s = plan("process a rlimit.memlock=64KiB").processes().get(0).spec();
        assertThat(s.memlockSoft()).isEqualTo(64 << 10);
        assertThat(s.memlockHard()).isEqualTo(8 << 20);
        ProcessSpec u = plan("process a rlimit.memlock=unlimited:unlimited").processes().get(0).spec();
        assertThat(u.memlockSoft()).isEqualTo(-1);
        assertThat(u.memlockHard()).isEqualTo(-1);
    }

    @Test
    void process_guarded_appliesOnlyUnderItsProfile() {
        String text = "[linux-3.1] process a rlimit.memlock=0:0\n[linux-6.18] process a rlimit.memlock=4KiB\n";
        assertThat(plan(text).processes().get(0).spec().memlockSoft()).isEqualTo(4096);
        assertThat(plan(text, RunOptions.defaults().withKernel(Profile.LINUX_3_1)).processes().get(0).spec().memlockSoft())
                .isZero();
    }

    // ---------------------------------------------------------------- calls

    @Test
    void call_flagsResolveForTheirParameter() {
        Plan.CallStep s = step(plan("buf = " + MAP), 0);
        assertThat(constant(s.args().get(2))).isEqualTo(Mman.PROT_READ | Mman.PROT_WRITE);
        assertThat(constant(s.args().get(3))).isEqualTo(Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS);
        assertThat(constant(s.args().get(4))).isEqualTo(-1);
        assertThat(s.bind()).isEqualTo("buf");
    }

    @Test
    void call_unknownBitsInHex_areKept() {
        Plan.CallStep s = step(plan("mlock2(0x1000, 4096, MLOCK_ONFAULT|0xfffffffe)"), 0);
        assertThat(constant(s.args().get(2))).isEqualTo(0xffffffffL);
    }

    @Test
    void call_omittedOptionalArguments_takeDefaults() {
        Plan.CallStep s = step(plan("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)"), 0);
        assertThat(constant(s.args().get(4))).isEqualTo(-1);
        assertThat(constant(s.args().get(5))).isZero();
    }

    @Test
    void call_boundName_isAReference() {
        Plan.CallStep s = step(plan("buf = " + MAP + "\nmlock(buf + 4KiB, 8KiB)"), 1);
        Val v = ((Arg.Num) s.args().get(0)).value();
        assertThat(v).isEqualTo(new Val.Bin('+', new Val.Ref("buf"), new Val.Const(4096)));
    }

    @Test
    void call_rlimitStruct_isResolved() {
        Plan.CallStep s = step(plan("setrlimit(RLIMIT_MEMLOCK, {rlim_cur=64*1024, rlim_max=RLIM_INFINITY})"), 0);
        Arg.Limit l = (Arg.Limit) s.args().get(1);
        assertThat(l.cur()).isEqualTo(new Val.Const(65536));
        assertThat(l.max()).isEqualTo(new Val.Const(-1));
    }

    @Test
    void getrlimit_outputStruct_isAnExpectation() {
        Plan.CallStep s = step(plan("getrlimit(RLIMIT_MEMLOCK, {rlim_cur=8192*1024, rlim_max=8192*1024}) = 0"), 0);
        assertThat(s.expect().outCur()).isEqualTo(new Val.Const(8L << 20));
        Plan.CallStep none = step(plan("getrlimit(RLIMIT_MEMLOCK, {rlim_cur=1, rlim_max=1})"), 0);
        assertThat(none.expect()).isEqualTo(Plan.Expect.NONE);
    }

    @Test
    void clone_flagsFromStraceNamedArgument() {
        Plan.CallStep s = step(plan("clone(child_stack=NULL, flags=CLONE_VM|SIGCHLD, child_tidptr=0x7f00)"), 0);
        assertThat(constant(s.args().get(0))).isEqualTo(0x100 | 17);
        Plan.CallStep t = step(plan("clone(CLONE_VM|CLONE_FS)"), 0);
        assertThat(constant(t.args().get(0))).isEqualTo(0x300);
    }

    @Test
    void clone3_flagsAndExitSignalFromStruct() {
        Plan.CallStep s = step(plan("clone3({flags=CLONE_VM, exit_signal=SIGCHLD, stack=0x7f00, ...}, 88)"), 0);
        assertThat(((Arg.Num) s.args().get(0)).value().eval(null)).isEqualTo(0x100 | 17);
    }

    @Test
    void fork_bindsAProcessName() {
        Plan p = plan("kid = fork()\nkid: munlockall()\ncheck kid VmLck == 0");
        assertThat(step(p, 1).proc()).isEqualTo("kid");
        assertThat(((Plan.CheckStep) p.steps().get(2)).proc()).isEqualTo("kid");
    }

    @Test
    void stracePids_firstIsMainLaterAreChildren() {
        Plan p = plan("100 clone(child_stack=NULL, flags=SIGCHLD) = 101\n101 munlockall() = 0\n100 munlockall() = 0");
        assertThat(step(p, 0).proc()).isEqualTo("app");
        assertThat(step(p, 0).aliasPid()).isEqualTo(101L);
        assertThat(step(p, 0).expect().kind()).isEqualTo(Plan.Expect.Kind.SUCCESS);
        assertThat(step(p, 1).proc()).isEqualTo("101");
        assertThat(step(p, 2).proc()).isEqualTo("app");
    }

    @Test
    void guardedStatement_outsideProfile_isLeftOut() {
        Plan p = plan("[linux-3.1] munlockall()\n[linux-6.18,linux-3.2] munlock(0, 4096)\ncheck app maps >= 0");
        assertThat(p.steps()).hasSize(2);
        assertThat(step(p, 0).spec().name()).isEqualTo("munlock");
    }

    @Test
    void unknownCall_inALog_isSkippedWithSuggestion() {
        Plan.SkipStep s = (Plan.SkipStep) plan("100  mlokc(0, 4096) = 0").steps().get(0);
        assertThat(s.reason()).isEqualTo("unknown call (did you mean mlock?)");
        assertThat(((Plan.SkipStep) plan("read(3, \"x\", 1)").steps().get(0)).reason()).isEqualTo("unknown call");
    }

    @Test
    void error_nearMissOfAModelledCall_inAScenario() {
        assertThat(error("a = " + MAP + "\nmlok(a, 40KiB)")).isEqualTo(
                "t.pin:2:1: expected a call pinsim knows, found 'mlok' (did you mean mlock?)");
    }

    @Test
    void notModelledCall_isSkipped() {
        Plan.SkipStep s = (Plan.SkipStep) plan("accept()").steps().get(0);
        assertThat(s.reason()).isEqualTo("not modelled yet");
    }

    @Test
    void expected_forms_areResolved() {
        Plan p = plan("b0 = " + MAP + "\nmunlockall() = 0\nmlock(0, 1) = -1 ENOMEM\nmlock(0, 1) = -1\nmunlockall() = ?\n"
                + "b = mremap(b0, 64KiB, 128KiB, MREMAP_MAYMOVE) = b0 + 0");
        assertThat(step(p, 1).expect().kind()).isEqualTo(Plan.Expect.Kind.VALUE);
        assertThat(step(p, 2).expect().kind()).isEqualTo(Plan.Expect.Kind.ERRNO);
        assertThat(step(p, 2).expect().errno()).isEqualTo(12);
        assertThat(step(p, 3).expect().kind()).isEqualTo(Plan.Expect.Kind.ANY_ERROR);
        assertThat(step(p, 4).expect().kind()).isEqualTo(Plan.Expect.Kind.NONE);
        assertThat(step(p, 5).expect().value()).isInstanceOf(Val.Bin.class);
    }

    // ---------------------------------------------------------------- checks

    @Test
    void check_valuesAreBytes() {
        Plan p = plan("buf = " + MAP + "\ncheck app VmLck == 64 kB\ncheck app lck(buf) == 64KiB\ncheck app maps == 5\n"
                + "check vmstat.pgfault >= 0\ncheck meminfo.HugePages_Total == 0\ncheck app rss(buf, 4KiB) == 4kB");
        Plan.CheckStep c = (Plan.CheckStep) p.steps().get(1);
        assertThat(c.field()).isEqualTo(Plan.CheckField.STATUS);
        assertThat(c.value()).isEqualTo(new Val.Const(65536));
        Plan.CheckStep r = (Plan.CheckStep) p.steps().get(2);
        assertThat(r.field()).isEqualTo(Plan.CheckField.LCK);
        assertThat(r.regionLength()).isEqualTo(new Val.LengthOf("buf"));
        assertThat(((Plan.CheckStep) p.steps().get(3)).field()).isEqualTo(Plan.CheckField.MAPS);
        assertThat(((Plan.CheckStep) p.steps().get(4)).procField()).isEqualTo("pgfault");
        assertThat(((Plan.CheckStep) p.steps().get(5)).field()).isEqualTo(Plan.CheckField.MEMINFO_COUNT);
        assertThat(((Plan.CheckStep) p.steps().get(6)).value()).isEqualTo(new Val.Const(4096));
    }

    // ---------------------------------------------------------------- invalid input

    @Test
    void error_unknownUnit() {
        assertThat(error("mlock(0, 4KB)")).isEqualTo(
                "t.pin:1:10: expected a size unit (KiB, MiB, GiB, TiB, K, M, G, T) after 4, found 'KB'");
    }

    @Test
    void error_kBOutsideChecks() {
        assertThat(error("mlock(0, 4kB)")).isEqualTo(
                "t.pin:1:10: expected a size unit (KiB, MiB, GiB, TiB, K, M, G, T) after 4, found 'kB' (kB is the /proc unit, for check values)");
    }

    @Test
    void error_sizeOverflow() {
        assertThat(error("mlock(0, 99999999TiB)")).isEqualTo(
                "t.pin:1:10: expected a size that fits in 64 bits, found '99999999TiB'");
    }

    @Test
    void error_unboundName_withSuggestion() {
        assertThat(error("buf = " + MAP + "\nmlock(bfu, 4096)")).isEqualTo(
                "t.pin:2:7: expected a number or a name bound earlier for argument 1 of mlock (addr), found 'bfu' (did you mean buf?)");
    }

    @Test
    void error_nameUsedBeforeBound() {
        assertThat(error("mlock(buf, 4096)\nbuf = " + MAP)).isEqualTo(
                "t.pin:1:7: expected a number or a name bound earlier for argument 1 of mlock (addr), found 'buf'");
    }

    @Test
    void error_flagOfAnotherArgument() {
        assertThat(error("mmap(NULL, 4096, MAP_SHARED, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)")).isEqualTo(
                "t.pin:1:18: expected a PROT_* flag for argument 3 of mmap (prot), found 'MAP_SHARED' (a MAP_* flag)");
        assertThat(error("mlockall(MLOCK_ONFAULT)")).isEqualTo(
                "t.pin:1:10: expected a MCL_* flag for argument 1 of mlockall (flags), found 'MLOCK_ONFAULT' (a MLOCK_* flag)");
    }

    @Test
    void error_flagWhereANumberGoes() {
        assertThat(error("mlock(PROT_READ, 4096)")).isEqualTo(
                "t.pin:1:7: expected a number or a name bound earlier for argument 1 of mlock (addr), found 'PROT_READ' (a PROT_* flag)");
    }

    @Test
    void error_flagLinuxDoesNotDefine() {
        assertThat(error("mlockall(MCL_CURENT)")).isEqualTo(
                "t.pin:1:10: expected a name bound earlier or a MCL_* flag for argument 1 of mlockall (flags), found 'MCL_CURENT' (did you mean MCL_CURRENT?)");
    }

    @Test
    void error_nameBoundBySkippedCall() {
        assertThat(error("x = accept()\nmlock(x, 4096)")).isEqualTo(
                "t.pin:2:7: expected a name bound by a call that runs, found 'x' (bound at line 1 by accept, which is skipped)");
    }

    @Test
    void error_tooManyArguments() {
        assertThat(error("mlock(0, 4096, 1)")).isEqualTo("t.pin:1:16: expected at most 2 arguments for mlock(addr, len), found 3");
    }

    @Test
    void error_tooFewArguments() {
        assertThat(error("mmap(NULL, 4096)")).isEqualTo(
                "t.pin:1:1: expected at least 4 arguments for mmap(addr, length, prot, flags, [fd], [offset]), found 2");
    }

    @Test
    void error_unknownNamedArgument() {
        assertThat(error("mlock(addr=0, size=4096)")).isEqualTo(
                "t.pin:1:15: expected an argument of mlock(addr, len), found 'size='");
    }

    @Test
    void error_stringExpected() {
        assertThat(error("execve(0)")).isEqualTo("t.pin:1:8: expected a string for argument 1 of execve (pathname), found '0'");
    }

    @Test
    void error_rlimitStructExpected() {
        assertThat(error("setrlimit(RLIMIT_MEMLOCK, 4096)")).isEqualTo(
                "t.pin:1:27: expected {rlim_cur=..., rlim_max=...} or NULL for argument 2 of setrlimit (rlim), found '4096'");
        assertThat(error("setrlimit(RLIMIT_MEMLOCK, {rlim_cur=1})")).isEqualTo(
                "t.pin:1:27: expected {rlim_cur=..., rlim_max=...} for argument 2 of setrlimit (rlim), found a struct without rlim_max");
    }

    @Test
    void error_cloneWithoutFlags() {
        assertThat(error("clone()")).isEqualTo(
                "t.pin:1:1: expected clone(FLAGS) or strace's clone(..., flags=FLAGS, ...), found no flags");
        assertThat(error("clone3(88)")).isEqualTo("t.pin:1:8: expected clone3({flags=..., exit_signal=...}, SIZE), found '88'");
    }

    @Test
    void error_unknownProcess() {
        assertThat(error("process app\nprocess db\nweb: munlockall()")).isEqualTo(
                "t.pin:3:1: expected a process name (known: app, db), found 'web'");
    }

    @Test
    void error_unknownStracePid() {
        assertThat(error("100 munlockall()\n200 munlockall()")).isEqualTo(
                "t.pin:2:1: expected a pid returned by an earlier fork, vfork, clone or clone3, found pid 200"
                        + " (a log needs -e trace=%process, or no filter, to show where each task comes from)");
    }

    @Test
    void error_rebindingAProcessName() {
        assertThat(error("app = " + MAP)).isEqualTo("t.pin:1:1: expected a new name, found 'app', which names a process (line 1)");
    }

    @Test
    void error_bindingAFlagName() {
        assertThat(error("MAP_SHARED = " + MAP)).isEqualTo("t.pin:1:1: expected a new name, found 'MAP_SHARED', which is a flag name");
    }

    @Test
    void error_strictUnknownCall() {
        assertThat(error("mlok(0, 1)", RunOptions.defaults().withStrict(true))).isEqualTo(
                "t.pin:1:1: expected a known call (--strict), found 'mlok' (did you mean mlock?)");
    }

    @Test
    void strict_acceptsNotModelledCalls() {
        assertThat(plan("accept()", RunOptions.defaults().withStrict(true)).steps()).hasSize(1);
    }

    @Test
    void error_machineTheModelRejects() {
        assertThat(error("machine swap=1GiB")).startsWith("t.pin:1:1: expected a machine the model supports, found: swap");
    }

    @Test
    void error_machineNameInValue() {
        assertThat(error("machine memory=big")).isEqualTo(
                "t.pin:1:16: expected a number or a name bound earlier for machine memory, found 'big'");
    }

    @Test
    void error_duplicateProcess() {
        assertThat(error("process app\nprocess app")).isEqualTo(
                "t.pin:2:9: expected a new process name, found 'app' (already declared at line 1)");
    }

    @Test
    void error_uidOutOfRange() {
        assertThat(error("process app uid=-1")).isEqualTo("t.pin:1:17: expected a uid from 0 to 4294967294, found -1");
    }

    @Test
    void error_unknownCapability() {
        assertThat(error("process app caps=ipc_lok")).isEqualTo(
                "t.pin:1:18: expected a capability name (ipc_lock, sys_resource, ...), found 'ipc_lok'");
    }

    @Test
    void error_softAboveHard() {
        assertThat(error("process app rlimit.memlock=1MiB:64KiB")).isEqualTo(
                "t.pin:1:28: expected a soft limit no higher than the hard limit (64KiB), found 1MiB");
        assertThat(error("process app rlimit.memlock=unlimited")).isEqualTo(
                "t.pin:1:28: expected a soft limit no higher than the hard limit (8MiB, the profile's default; write SOFT:HARD to raise it), found unlimited");
    }

    @Test
    void error_unknownCheckField() {
        assertThat(error("check app VmLock == 0")).startsWith(
                "t.pin:1:11: expected a process field (VmPeak, VmSize, VmLck, VmPin,");
        assertThat(error("check app VmLock == 0")).endsWith("found 'VmLock' (did you mean VmLck?)");
    }

    @Test
    void error_regionFunctionWithoutRegion() {
        assertThat(error("check app lck == 0")).isEqualTo(
                "t.pin:1:15: expected '(' and a region after lck (NAME or ADDR, LEN), found '=='");
    }

    @Test
    void error_regionOnWholeProcessField() {
        assertThat(error("check app VmLck(0, 1) == 0")).isEqualTo(
                "t.pin:1:17: expected a comparison after VmLck (only vmas, locked_vmas, lck, rss, smaps_locked, smaps_shared, thp, lazyfree, nodeN and moved take a region), found '('");
    }

    @Test
    void error_regionNameWithoutLength() {
        assertThat(error("top = brk(NULL)\ncheck app lck(top) == 0")).isEqualTo(
                "t.pin:2:15: expected a name bound by mmap or mremap, or ADDR, LEN, found 'top' (bound by brk, which gives no length; write ADDR, LEN)");
    }

    @Test
    void error_countWithUnit() {
        assertThat(error("check app maps == 5 kB")).isEqualTo("t.pin:1:19: expected a count for maps, found a size");
    }

    @Test
    void error_sizeWithoutUnit() {
        assertThat(error("check app VmLck == 64")).isEqualTo(
                "t.pin:1:20: expected a size with a unit for VmLck (64 kB, 64KiB), found '64'");
    }

    @Test
    void error_checkUnknownProcess() {
        assertThat(error("check db VmLck == 0")).isEqualTo("t.pin:1:7: expected a process name (known: app), found 'db'");
    }

    @Test
    void error_namedArgumentTwice() {
        assertThat(error("mlock(addr=0, addr=4096)")).isEqualTo(
                "t.pin:1:15: expected each argument once, found addr= a second time");
    }

    @Test
    void error_stringWhereANumberGoes() {
        assertThat(error("mlock(\"x\", 4096)")).isEqualTo(
                "t.pin:1:7: expected a number for argument 1 of mlock (addr), found string \"x\"");
    }

    @Test
    void error_regionWithThreeArguments() {
        assertThat(error("check app lck(0, 1, 2) == 0")).isEqualTo(
                "t.pin:1:21: expected a region (NAME or ADDR, LEN), found a third argument");
    }

    @Test
    void errors_areListedPerProfile() {
        List<String> text = List.of("[linux-3.1] mlock(nope, 1)", "munlockall()");
        assertThat(plan(String.join("\n", text)).steps()).hasSize(1);
        assertThat(error(String.join("\n", text), RunOptions.defaults().withKernel(Profile.LINUX_3_1))).startsWith("t.pin:1:19:");
    }
}
