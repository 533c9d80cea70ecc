package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Profile;

/**
 * {@link Comparison}: one scenario under several profiles, lined up by line. The facts are
 * the profiles' kernels: mlock2 arrived in Linux 4.4, MLOCK_LIMIT is 64 KiB before 5.16 and
 * 8 MiB since, mpin exists only in the VM_PINNED proposal, and an RDMA registration of locked
 * memory is charged to locked_vm in 3.1, checked on locked_vm + pinned_vm in mpin-2013, and
 * charged to pinned_vm alone in 3.2 and 6.18.
 */
class ComparisonTest {

    private static final String MAP = "mmap(NULL, %s, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)";
    private static final List<Profile> ALL = Arrays.asList(Profile.values());
    private static final String APP = "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty\n";

    private static Comparison compare(String text, List<Profile> profiles) {
        return Comparison.run(ScenarioRunner.parse("t.pin", text), profiles, RunOptions.defaults());
    }

    private static Comparison compare(String text) {
        return compare(text, ALL);
    }

    private static String map(String size) {
        return String.format(MAP, size);
    }

    private static Comparison.Row row(Comparison c, int line) {
        return c.rows().stream().filter(r -> r.line() == line).findFirst().orElseThrow();
    }

    /** The outcomes of a row, one per profile, with the table's marks ({@code !}, {@code -}). */
    private static List<String> outcomes(Comparison.Row r) {
        return r.cells().stream().map(c -> c == null ? "-" : c.outcome() + (c.mismatch() ? " !" : "")).toList();
    }

    private static String table(Comparison c) {
        StringWriter sw = new StringWriter();
        ComparisonTable.write(c, new PrintWriter(sw));
        return sw.toString();
    }

    private static String json(Comparison c) {
        StringWriter sw = new StringWriter();
        ComparisonJson.write(c, new PrintWriter(sw));
        return sw.toString();
    }

    @Test
    void compare_mlock2_isEnosysBeforeLinux44() {
        Comparison c = compare(APP + "a = " + map("4KiB") + "\nmlock2(a, 4096, MLOCK_ONFAULT) = 0\n");
        assertThat(c.profiles()).isEqualTo(ALL);
        assertThat(c.rows()).hasSize(1);
        Comparison.Row r = row(c, 3);
        assertThat(r.kind()).isEqualTo(Comparison.Kind.CALL);
        assertThat(r.text()).isEqualTo("mlock2(a, 4096, MLOCK_ONFAULT) = 0");
        assertThat(r.differs()).isTrue();
        assertThat(outcomes(r)).containsExactly("-1 ENOSYS !", "-1 ENOSYS !", "-1 ENOSYS !", "-1 ENOSYS !", "0");
        assertThat(c.mismatchedProfiles()).containsExactly(Profile.LINUX_3_1, Profile.LINUX_3_2, Profile.MPIN_2013,
                Profile.MPIN_2013_DEDUP);
        assertThat(c.exitCode()).isEqualTo(1);
    }

    @Test
    void compare_differentOutcomesWithoutExpectations_exitZero() {
        Comparison c = compare(APP + "a = " + map("4KiB") + "\nmlock2(a, 4096, MLOCK_ONFAULT)\nmpin(a, 4096)\n");
        assertThat(outcomes(row(c, 3))).containsExactly("-1 ENOSYS", "-1 ENOSYS", "-1 ENOSYS", "-1 ENOSYS", "0");
        assertThat(outcomes(row(c, 4))).containsExactly("-1 ENOSYS", "-1 ENOSYS", "0", "0", "-1 ENOSYS");
        assertThat(c.differences()).isEqualTo(2);
        assertThat(c.exitCode()).isZero();
    }

    @Test
    void compare_defaultMemlockLimit_is64KiBBefore516() {
        String text = "process app uid=1000 caps=none layout=empty\n"
                + "a = " + map("128KiB") + "\n"
                + "mlock(a, 128KiB)\n"
                + "check app VmLck == 128 kB\n";
        Comparison c = compare(text, List.of(Profile.LINUX_3_2, Profile.LINUX_6_18));
        assertThat(outcomes(row(c, 3))).containsExactly("-1 ENOMEM", "0");
        assertThat(outcomes(row(c, 4))).containsExactly("0 kB !", "128 kB");
        assertThat(row(c, 4).kind()).isEqualTo(Comparison.Kind.CHECK);
        assertThat(row(c, 4).expected()).isEqualTo("128 kB");
        assertThat(c.exitCode()).isEqualTo(1);
        assertThat(c.mismatchedProfiles()).containsExactly(Profile.LINUX_3_2);
    }

    @Test
    void compare_rdmaOfLockedMemory_refusedWhereLockedAndPinnedAddUp() {
        String text = APP
                + "a = " + map("48KiB") + "\n"
                + "mlock(a, 48KiB) = 0\n"
                + "mr = rdma_reg_mr(a, 48KiB)\n";
        Comparison c = compare(text);
        assertThat(c.rows()).extracting(Comparison.Row::line).containsExactly(4);
        // 3.1: locked_vm 12 + 12 > 16; mpin-2013: 12 + mm_locked_pages 12 > 16; 3.2, 6.18: pinned_vm
        // counted apart; mpin-2013-dedup: the range's locked pages count once
        assertThat(outcomes(row(c, 4))).containsExactly("-1 ENOMEM", "0", "-1 ENOMEM", "0", "0");
        assertThat(c.exitCode()).isZero();
        Comparison.ProcessRow app = c.processes().get(0);
        assertThat(app.name()).isEqualTo("app");
        assertThat(app.figures()).extracting(Report.ProcessFigures::vmLckKb).containsExactly(48L, 48L, 48L, 0L, 48L);
        assertThat(app.figures()).extracting(Report.ProcessFigures::vmPinKb).containsExactly(0L, 48L, 0L, 48L, 48L);
        assertThat(app.figures()).extracting(Report.ProcessFigures::exemptKb).containsOnly(48L);
    }

    @Test
    void compare_guardedStatement_isAbsentAndDiffersOnlyByWhatRan() {
        String text = APP
                + "a = " + map("4KiB") + "\n"
                + "[linux-3.1,linux-6.18] mlock2(a, 4096)\n"
                + "[linux-3.2,mpin-2013] munlockall() = 0\n"
                + "[linux-3.1,linux-6.18] kid = fork()\n";
        Comparison c = compare(text);
        assertThat(outcomes(row(c, 3))).containsExactly("-1 ENOSYS", "-", "-", "-", "0");
        // line 3 differs where it ran; 4 and 5 are shown as each profile's own statements
        assertThat(c.rows()).extracting(Comparison.Row::line).containsExactly(3, 4, 5);
        assertThat(c.rows()).extracting(Comparison.Row::differs).containsExactly(true, false, false);
        assertThat(c.rows()).extracting(Comparison.Row::guarded).containsOnly(true);
        Comparison.ProcessRow kid = c.processes().get(1);
        assertThat(kid.name()).isEqualTo("kid");
        assertThat(kid.figures()).extracting(f -> f == null ? null : f.name()).containsExactly("kid", null, null, null,
                "kid");
        assertThat(table(c)).contains("\n   3  mlock2(a, 4096)               -1 ENOSYS  -          -          -"
                + "                0\n").contains("\n      final kid VmLck               0 kB       -          -"
                + "          -                0 kB\n");
    }

    @Test
    void compare_skippedAndMismatchedStatements_areShownEvenWhenEqual() {
        String text = APP + "munlockall() = -1 EPERM\nread(0, \"\", 1)\naccept(1)\nmunlockall() = 0\n";
        Comparison c = compare(text, List.of(Profile.LINUX_3_1, Profile.LINUX_6_18));
        assertThat(c.rows()).extracting(Comparison.Row::line).containsExactly(2, 3, 4);
        assertThat(c.rows()).extracting(Comparison.Row::differs).containsOnly(false);
        assertThat(outcomes(row(c, 2))).containsExactly("0 !", "0 !");
        assertThat(outcomes(row(c, 3))).containsExactly("skipped", "skipped");
        assertThat(row(c, 3).kind()).isEqualTo(Comparison.Kind.SKIPPED);
        assertThat(c.reports()).extracting(r -> r.summary().skipped()).containsOnly(2);
        assertThat(c.differences()).isZero();
        assertThat(c.exitCode()).isEqualTo(1);
    }

    @Test
    void table_format_isExact() {
        String text = APP
                + "a = " + map("48KiB") + "\n"
                + "mlock(a, 48KiB) = 0\n"
                + "mr = rdma_reg_mr(a, 48KiB) = 0\n"
                + "[linux-6.18] mlock2(a, 4096, MLOCK_ONFAULT) = 0\n"
                + "check app VmPin == 48 kB\n"
                + "x = mmap(NULL, 4KiB, PROT_READ|PROT_WRITE, MAP_DROPPABLE|MAP_ANONYMOUS, -1, 0)  # 6.11+\n";
        Comparison c = compare(text, List.of(Profile.LINUX_3_1, Profile.MPIN_2013_DEDUP, Profile.LINUX_6_18));
        assertThat(table(c)).isEqualTo(String.join("\n",
                "line  statement                                         linux-3.1    mpin-2013-dedup  linux-6.18",
                "   4  mr = rdma_reg_mr(a, 48KiB) = 0                    -1 ENOMEM !  0                0",
                "   5  mlock2(a, 4096, MLOCK_ONFAULT) = 0                -            -                0",
                "   6  check app VmPin == 48 kB                          0 kB !       48 kB            48 kB",
                "   7  x = mmap(NULL, 4KiB, PROT_READ|PROT_WRITE, MA...  -1 EINVAL    -1 EINVAL        0x7ffff7ff2000",
                "      final app VmLck                                   48 kB        0 kB             48 kB",
                "      final app VmPin                                   0 kB         48 kB            48 kB",
                "      final app user->locked_vm                         0 kB         0 kB             0 kB",
                "      final app exempt from paging                      48 kB        48 kB            48 kB",
                "(! = not what the file expects; - = left out by a profile guard, or no such process at the end)",
                "linux-3.1        4 calls, 1 matched, 1 mismatched, 0 skipped, 1 checks, 1 failed",
                "mpin-2013-dedup  4 calls, 2 matched, 0 mismatched, 0 skipped, 1 checks, 0 failed",
                "linux-6.18       5 calls, 3 matched, 0 mismatched, 0 skipped, 1 checks, 0 failed",
                "3 statements differ between the profiles, 1 more is guarded for some of them; mismatches under"
                        + " linux-3.1 (exit 1)",
                ""));
    }

    @Test
    void table_longText_isCutWithItsLineNumber() {
        String text = APP + "a = " + map("4KiB") + "\nmlock2(a, 4096, MLOCK_ONFAULT|MLOCK_ONFAULT|MLOCK_ONFAULT|MLOCK_ONFAULT)\n";
        String out = table(compare(text, List.of(Profile.LINUX_3_1, Profile.LINUX_6_18)));
        assertThat(out).contains("   3  mlock2(a, 4096, MLOCK_ONFAULT|MLOCK_ONFAULT|M...  -1 ENOSYS  0\n");
        assertThat(ComparisonTable.cut("x".repeat(60))).hasSize(ComparisonTable.TEXT_WIDTH).endsWith("...");
    }

    @Test
    void compare_sameInput_byteIdenticalTableAndJson() {
        String text = APP + "a = " + map("64KiB") + "\nmlock(a, 64KiB) = 0\nkid = fork()\nkid: munlockall() = 0\n"
                + "mpin(a, 4096)\ncheck kid VmLck == 0\n";
        assertThat(table(compare(text))).isEqualTo(table(compare(text)));
        assertThat(json(compare(text))).isEqualTo(json(compare(text)));
    }

    @Test
    void json_holdsRowsFiguresAndSummaries() throws Exception {
        String text = APP + "a = " + map("4KiB") + "\n[linux-3.1,linux-6.18] mlock2(a, 4096, MLOCK_ONFAULT) = 0\n";
        JsonNode doc = new ObjectMapper().readTree(json(compare(text, List.of(Profile.LINUX_3_1, Profile.LINUX_3_2,
                Profile.LINUX_6_18))));
        assertThat(doc.get("file").asText()).isEqualTo("t.pin");
        assertThat(doc.get("profiles").toString()).isEqualTo("[\"linux-3.1\",\"linux-3.2\",\"linux-6.18\"]");
        JsonNode row = doc.get("rows").get(0);
        assertThat(row.get("line").asInt()).isEqualTo(3);
        assertThat(row.get("kind").asText()).isEqualTo("call");
        assertThat(row.get("text").asText()).isEqualTo("mlock2(a, 4096, MLOCK_ONFAULT) = 0");
        assertThat(row.get("expected").asText()).isEqualTo("0");
        assertThat(row.get("differs").asBoolean()).isTrue();
        assertThat(row.get("outcomes").get("linux-3.1").get("outcome").asText()).isEqualTo("-1 ENOSYS");
        assertThat(row.get("outcomes").get("linux-3.1").get("match").asBoolean()).isFalse();
        assertThat(row.get("outcomes").get("linux-3.2").isNull()).isTrue();
        assertThat(row.get("outcomes").get("linux-6.18").get("match").asBoolean()).isTrue();
        JsonNode app = doc.get("processes").get(0);
        assertThat(app.get("name").asText()).isEqualTo("app");
        assertThat(app.get("final").get("linux-6.18").get("VmLck_kB").asLong()).isEqualTo(4);
        assertThat(app.get("final").get("linux-3.1").get("VmLck_kB").asLong()).isZero();
        assertThat(doc.get("summaries").get("linux-3.1").get("mismatched").asInt()).isEqualTo(1);
        assertThat(doc.get("summaries").get("linux-3.1").get("exitCode").asInt()).isEqualTo(1);
        assertThat(doc.get("summaries").get("linux-3.2").get("calls").asInt()).isEqualTo(1);
        assertThat(doc.get("differences").asInt()).isEqualTo(1);
        assertThat(doc.get("exitCode").asInt()).isEqualTo(1);
    }

    @Test
    void compare_inputInvalidUnderSomeProfiles_namesThemAndRunsNothing() {
        String text = "process app rlimit.memlock=1MiB\nmunlockall() = 0\n";
        assertThatThrownBy(() -> compare(text)).isInstanceOf(InvalidInputException.class).hasMessage(
                "t.pin:1:28: expected a soft limit no higher than the hard limit (64KiB, the profile's default; "
                        + "write SOFT:HARD to raise it), found 1MiB (under linux-3.1, linux-3.2, mpin-2013, "
                        + "mpin-2013-dedup)");
        assertThat(compare(text, List.of(Profile.LINUX_6_18)).exitCode()).isZero();
    }

    @Test
    void compare_inputInvalidEverywhere_keepsTheRunMessage() {
        assertThatThrownBy(() -> compare("mlock(buf, 4096)\n")).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("t.pin:1:7: expected a number or a name bound earlier")
                .hasMessageNotContaining("(under");
    }

    @Test
    void modelBug_messageNamesTheProfile() {
        IllegalStateException cause = new IllegalStateException("x");
        ModelBugException e = Comparison.under(Profile.MPIN_2013,
                new ModelBugException("t.pin", 7, "invariant broken: locked_vm", cause));
        assertThat(e).hasMessage("t.pin:7: under mpin-2013: invariant broken: locked_vm").hasCause(cause);
        assertThat(e.line()).isEqualTo(7);
    }

    @Test
    void compare_lockedThenRegisteredExample_holdsUnderEveryProfile() throws Exception {
        Comparison c = Comparison.run(ScenarioRunner.parse(java.nio.file.Path.of("..", "examples",
                "locked-then-registered.pin")), ALL, RunOptions.defaults());
        assertThat(c.rows()).extracting(Comparison.Row::line).containsExactly(17, 18);
        assertThat(outcomes(row(c, 17))).containsExactly("-1 ENOMEM", "0", "-1 ENOMEM", "0", "0");
        assertThat(c.exitCode()).isZero();
    }
}
