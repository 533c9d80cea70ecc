package org.pinsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.LimitCheck;
import org.pinsim.core.Profile;

/**
 * {@code explain}: each refusal carries the numbers of the check that refused it, and the
 * explanation quotes them. Expected numbers follow the kernel rule cited on each test (Linux
 * 6.18 unless the profile says otherwise), worked out by hand from the scenario, not from
 * pinsim's output.
 */
class ExplainTest {

    private static final String MAP = "mmap(NULL, %s, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)";
    private static final String PERF = "pfd = perf_event_open({type=PERF_TYPE_SOFTWARE, size=PERF_ATTR_SIZE_VER8,"
            + " config=PERF_COUNT_SW_DUMMY, exclude_kernel=1}, 0, -1, -1, 0)";

    private static Report run(String profile, String... lines) {
        RunOptions o = profile == null ? RunOptions.defaults() : RunOptions.defaults().withKernel(Profile.byId(profile));
        return ScenarioRunner.run(ScenarioRunner.parse("t.pin", String.join("\n", lines) + "\n"), o);
    }

    private static String map(String size) {
        return String.format(MAP, size);
    }

    private static Report.CallEntry at(Report r, int line) {
        return r.entries().stream().filter(e -> e.line() == line && e instanceof Report.CallEntry)
                .map(e -> (Report.CallEntry) e).findFirst().orElseThrow();
    }

    private static LimitCheck limit(Report r, int line) {
        Report.CallEntry c = at(r, line);
        assertThat(c.refusal()).as("line %d refused", line).isNotNull();
        assertThat(c.refusal().limit()).as("line %d has the numbers of a limit check", line).isNotNull();
        return c.refusal().limit();
    }

    private static String text(Report r, int line) {
        return String.join("\n", Explain.lines(at(r, line)));
    }

    /** mm/mlock.c do_mlock: locked = (len >> PAGE_SHIFT) + mm->locked_vm = 32 + 0 > 16. */
    @Test
    void mlock_overTheLimit_quotesCounterRequestLimitAndTheSettings() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "a = " + map("128KiB"), "mlock(a, 128KiB)");
        LimitCheck l = limit(r, 3);
        assertThat(l.function()).isEqualTo("mm/mlock.c: do_mlock");
        assertThat(l.counter()).isEqualTo("locked_vm");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.creditPages(), l.limitPages(), l.neededPages()))
                .containsExactly(0L, 32L, 0L, 16L, 32L);
        assertThat(l.bypass()).isEqualTo("CAP_IPC_LOCK");
        String t = text(r, 3);
        assertThat(t).contains("rule: mm/mlock.c: do_mlock refused mlock with ENOMEM: the range, 32 pages (128 KiB),"
                + " is added to locked_vm 0 pages (0 KiB): 32 pages > RLIMIT_MEMLOCK 16 pages (64 KiB)");
        assertThat(t).contains("`ulimit -l 128`", "`LimitMEMLOCK=128K`", "`USER - memlock 128` in /etc/security/limits.conf",
                "`docker run --ulimit memlock=131072:131072`", "`setcap cap_ipc_lock+ep PROGRAM`");
    }

    /**
     * mm/mlock.c do_mlock since 4.9: over the limit, "locked -= count_mm_mlocked_page_nr(mm,
     * start, len)": 32 + 8 locked_vm - 8 already locked = 32 > 16; the 8 are credited.
     */
    @Test
    void mlock_ofARangeAlreadyPartlyLocked_creditsThoseLockedPages() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "a = " + map("128KiB"),
                "mlock(a, 32KiB) = 0", "mlock(a, 128KiB)");
        LimitCheck l = limit(r, 4);
        assertThat(List.of(l.counterPages(), l.requestPages(), l.creditPages(), l.neededPages()))
                .containsExactly(8L, 32L, 8L, 32L);
        assertThat(text(r, 4)).contains("less 8 pages (32 KiB) of the range already counted: 32 pages > RLIMIT_MEMLOCK 16");
    }

    /**
     * mm/mmap.c SYSCALL_DEFINE1(brk) -> check_brk_limits -> mlock_future_ok: under
     * mlockall(MCL_FUTURE) the growth, 32 pages, + locked_vm 0 > 16; brk then returns the old
     * break (0x4bc000 with layout=empty), not an errno, and the refusal is still explained.
     */
    @Test
    void brk_underMclFuture_isARefusalEvenWithoutAnErrno() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "mlockall(MCL_CURRENT|MCL_FUTURE) = 0",
                "b = brk(NULL)", "brk(b + 128KiB)");
        Report.CallEntry c = at(r, 4);
        assertThat(c.errno()).isNull();
        assertThat(c.value()).isEqualTo(0x4bc000L);
        LimitCheck l = limit(r, 4);
        assertThat(l.function()).isEqualTo("mm/mmap.c: mlock_future_ok (from check_brk_limits)");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.limitPages(), l.neededPages()))
                .containsExactly(0L, 32L, 16L, 32L);
        assertThat(text(r, 4)).contains("refused brk (it returned the old break", "`ulimit -l 128`");
        assertThat(at(r, 3).refusal()).as("brk(NULL) only reads the break").isNull();
    }

    /** mlock2(MLOCK_ONFAULT) is do_mlock with VM_LOCKONFAULT: the same check, 20 + 0 > 16. */
    @Test
    void mlock2_onfault_isCheckedAsMlock() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "a = " + map("80KiB"),
                "mlock2(a, 80KiB, MLOCK_ONFAULT)");
        LimitCheck l = limit(r, 3);
        assertThat(at(r, 3).errno()).isEqualTo("ENOMEM");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(0L, 20L, 20L);
    }

    /**
     * mm/mlock.c mlockall: "if (!(flags & MCL_CURRENT) || (current->mm->total_vm <=
     * lock_limit) || capable(CAP_IPC_LOCK))": the whole address space (VmSize) against the
     * limit, however little of it is resident.
     */
    @Test
    void mlockall_current_checksTheWholeAddressSpace() {
        Report r = run(null, "process app rlimit.memlock=64KiB", "mlockall(MCL_CURRENT)");
        LimitCheck l = limit(r, 2);
        long vmSizePages = r.processes().get(0).vmSizeKb() / 4;
        assertThat(vmSizePages).isGreaterThan(16);
        assertThat(l.counter()).isEqualTo("total_vm");
        assertThat(l.requestPages()).isEqualTo(vmSizePages);
        assertThat(l.neededPages()).isEqualTo(vmSizePages);
        assertThat(text(r, 2)).contains("the whole address space, total_vm " + Explain.pages(vmSizePages)
                + ", is checked against RLIMIT_MEMLOCK 16 pages (64 KiB), not just what is resident");
        assertThat(text(r, 2)).contains("`ulimit -l " + vmSizePages * 4 + "`");
    }

    /** mm/mlock.c can_do_mlock: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK is EPERM whatever the size. */
    @Test
    void mlockall_withLimitZero_isCanDoMlock() {
        Report r = run(null, "process app rlimit.memlock=0 layout=empty", "mlockall(MCL_FUTURE)");
        LimitCheck l = limit(r, 2);
        assertThat(at(r, 2).errno()).isEqualTo("EPERM");
        assertThat(l.function()).isEqualTo("mm/mlock.c: can_do_mlock");
        assertThat(l.limitPages()).isZero();
        assertThat(text(r, 2)).contains("RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK");
    }

    /**
     * mlockall(MCL_FUTURE) sets def_flags VM_LOCKED; a later mmap is checked by
     * mm/mmap.c mlock_future_ok from do_mmap: 32 + locked_vm 0 > 16, EAGAIN.
     */
    @Test
    void mclFuture_growthByALaterMmap_isMlockFutureOk() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "mlockall(MCL_FUTURE) = 0",
                map("128KiB"));
        LimitCheck l = limit(r, 3);
        assertThat(at(r, 3).errno()).isEqualTo("EAGAIN");
        assertThat(l.function()).isEqualTo("mm/mmap.c: mlock_future_ok (from do_mmap)");
        assertThat(l.what()).contains("mlockall(MCL_FUTURE)");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(0L, 32L, 32L);
    }

    /** mm/mremap.c check_prep_vma -> mlock_future_ok(mm, vm_flags, delta): 28 more + locked_vm 4 > 16. */
    @Test
    void mremap_growingALockedMapping_countsTheDeltaOnLockedVm() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "a = " + map("16KiB"), "mlock(a, 16KiB) = 0",
                "mremap(a, 16KiB, 128KiB, MREMAP_MAYMOVE)");
        LimitCheck l = limit(r, 4);
        assertThat(at(r, 4).errno()).isEqualTo("EAGAIN");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(4L, 28L, 32L);
    }

    /** do_mmap: MAP_LOCKED is VM_LOCKED, mlock_future_ok: 32 + 0 > 16 (EAGAIN); with limit 0, can_do_mlock (EPERM). */
    @Test
    void mapLocked_isCheckedAtMmap() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty",
                "mmap(NULL, 128KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)");
        LimitCheck l = limit(r, 2);
        assertThat(l.what()).isEqualTo("the MAP_LOCKED mapping");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.limitPages(), l.neededPages()))
                .containsExactly(0L, 32L, 16L, 32L);
        Report z = run(null, "process app rlimit.memlock=0 layout=empty",
                "mmap(NULL, 128KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)");
        assertThat(at(z, 2).errno()).isEqualTo("EPERM");
        assertThat(limit(z, 2).neededPages()).isEqualTo(32);
    }

    /**
     * io_uring/rsrc.c __io_account_mem: "new_pages = cur_pages + nr_pages; if (new_pages >
     * page_limit) return -ENOMEM" on the uid's user->locked_vm. A ring of 4 entries takes one
     * page of rings and one of SQEs (io_uring/memmap.c io_create_region): under a 1-page limit
     * the SQE region finds the ring's page already charged, 1 + 1 > 1.
     */
    @Test
    void ioUringSetup_chargesTheUidsCounter() {
        Report r = run("linux-6.18", "process app uid=1000 caps=none rlimit.memlock=4KiB layout=empty",
                "io_uring_setup(4, {})");
        LimitCheck l = limit(r, 2);
        assertThat(l.function()).isEqualTo("io_uring/rsrc.c: __io_account_mem");
        assertThat(l.counter()).isEqualTo("user->locked_vm");
        assertThat(l.uid()).isEqualTo(1000);
        assertThat(List.of(l.counterPages(), l.requestPages(), l.limitPages(), l.neededPages()))
                .containsExactly(1L, 1L, 1L, 2L);
        assertThat(text(r, 2)).contains("user->locked_vm of uid 1000");
    }

    /**
     * The counter is per user: a second process of uid 1000 finds the first one's ring (2
     * pages) in user->locked_vm, 2 + 1 > 2; explain names the process that shares it.
     */
    @Test
    void ioUringSetup_namesTheOtherProcessesOfTheUid() {
        Report r = run("linux-6.18",
                "process a uid=1000 caps=none rlimit.memlock=8KiB layout=empty",
                "process b uid=1000 caps=none rlimit.memlock=8KiB layout=empty",
                "a: io_uring_setup(4, {}) = 3",
                "b: io_uring_setup(4, {})");
        LimitCheck l = limit(r, 4);
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(2L, 1L, 3L);
        assertThat(at(r, 4).refusal().sharers()).extracting(Report.Sharer::name).containsExactly("a");
        assertThat(text(r, 4)).contains("alive in this run: pid ").contains("(a)");
    }

    /**
     * IORING_REGISTER_BUFFERS: io_sqe_buffer_register -> io_account_mem -> __io_account_mem:
     * the ring's 2 pages + the buffer's 16 > 16.
     */
    @Test
    void ioUringRegisterBuffers_addsTheBufferToTheRing() {
        Report r = run("linux-6.18", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                "buf = " + map("64KiB"), "ring = io_uring_setup(4, {})",
                "io_uring_register(ring, IORING_REGISTER_BUFFERS, [{iov_base=buf, iov_len=65536}], 1)");
        LimitCheck l = limit(r, 4);
        assertThat(l.what()).contains("IORING_REGISTER_BUFFERS");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(2L, 16L, 18L);
    }

    /**
     * kernel/events/core.c perf_mmap_calc_limits (6.18): allowance = perf_event_mlock_kb 516 >> 2
     * = 129 pages x 2 CPUs = 258; a buffer of 1 + 512 pages puts 513 - 258 = 255 pages beyond
     * it in pinned_vm: 0 + 255 > 16 and the caller is not CAP_IPC_LOCK: EPERM.
     */
    @Test
    void perfMmap_618_beyondTheAllowanceGoesToPinnedVm() {
        Report r = run("linux-6.18", "machine cpus=2", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                PERF, "mmap(NULL, 2052KiB, PROT_READ|PROT_WRITE, MAP_SHARED, pfd, 0)");
        LimitCheck l = limit(r, 4);
        assertThat(at(r, 4).errno()).isEqualTo("EPERM");
        assertThat(l.counter()).isEqualTo("pinned_vm");
        assertThat(List.of(l.allowancePages(), l.userPages(), l.counterPages(), l.requestPages(), l.neededPages()))
                .containsExactly(258L, 0L, 0L, 255L, 255L);
        assertThat(l.bypass()).contains("perf_event_paranoid -1");
        assertThat(text(r, 4)).contains("the allowance is 258 pages");
    }

    /** Linux 3.1 perf_mmap: the pages beyond the allowance go to mm->locked_vm, the counter mlock uses. */
    @Test
    void perfMmap_31_chargesLockedVm() {
        Report r = run("linux-3.1", "machine cpus=2", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                "a = " + map("32KiB"), "mlock(a, 32KiB) = 0",
                PERF, "mmap(NULL, 2052KiB, PROT_READ|PROT_WRITE, MAP_SHARED, pfd, 0)");
        LimitCheck l = limit(r, 6);
        assertThat(l.counter()).isEqualTo("locked_vm");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(8L, 255L, 263L);
    }

    /** drivers/infiniband/core/umem.c ib_umem_get (5.1+): new_pinned = pinned_vm + npages = 0 + 32 > 16. */
    @Test
    void rdmaRegMr_618_checksPinnedVmAlone() {
        Report r = run("linux-6.18", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                "a = " + map("128KiB"), "mlock(a, 32KiB) = 0", "rdma_reg_mr(a, 128KiB)");
        LimitCheck l = limit(r, 4);
        assertThat(l.counter()).isEqualTo("pinned_vm");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(0L, 32L, 32L);
    }

    /** Linux 3.1 ib_umem_get: locked = npages + locked_vm = 12 + 12 > 16 (the mlocked 48 KiB count too). */
    @Test
    void rdmaRegMr_31_countsMlockedPages() {
        Report r = run("linux-3.1", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                "a = " + map("48KiB"), "mlock(a, 48KiB) = 0", "rdma_reg_mr(a, 48KiB)");
        LimitCheck l = limit(r, 4);
        assertThat(l.counter()).isEqualTo("locked_vm");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(12L, 12L, 24L);
    }

    /**
     * drivers/vfio/vfio_iommu_type1.c vfio_pin_pages_remote (6.18): locked_vm + lock_acct + 1 >
     * limit: the mlocked 12 pages and the 12 of the mapping, 24 > 16.
     */
    @Test
    void vfioMapDma_618_countsOnLockedVm() {
        Report r = run("linux-6.18", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                "a = " + map("48KiB"), "mlock(a, 48KiB) = 0", "vfio_map_dma(a, 48KiB)");
        LimitCheck l = limit(r, 4);
        assertThat(l.function()).contains("vfio_pin_pages_remote");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.neededPages())).containsExactly(12L, 12L, 24L);
    }

    /**
     * [PROPOSAL] mpin-2013 mm_mpin: len/PAGE_SIZE + mm_locked_pages(mm) = 12 + (12 locked + 0
     * pinned) > 16, nothing subtracted.
     */
    @Test
    void mpin_2013_addsLockedAndPinned() {
        Report r = run("mpin-2013", "process app uid=1000 caps=none rlimit.memlock=64KiB layout=empty",
                "a = " + map("96KiB"), "mlock(a, 48KiB) = 0", "mpin(a + 48KiB, 48KiB)");
        LimitCheck l = limit(r, 4);
        assertThat(l.function()).startsWith("mm_mpin");
        assertThat(l.counter()).isEqualTo("mm_locked_pages (locked_vm + pinned_vm)");
        assertThat(List.of(l.counterPages(), l.requestPages(), l.creditPages(), l.neededPages()))
                .containsExactly(12L, 12L, 0L, 24L);
    }

    /** A refusal that is not a memlock check says so; JSON carries the same explanation and the numbers. */
    @Test
    void json_carriesTheLimitAndTheExplanation_andOtherRefusalsSaySo() {
        Report r = run(null, "process app rlimit.memlock=64KiB layout=empty", "a = " + map("128KiB"), "mlock(a, 128KiB)",
                "mprotect(0x10000, 4096, PROT_READ)");
        assertThat(at(r, 4).refusal().limit()).isNull();
        assertThat(text(r, 4)).contains("not a memlock limit");
        StringWriter sw = new StringWriter();
        JsonReport.write(r, new PrintWriter(sw));
        assertThat(sw.toString()).contains("\"neededPages\" : 32", "\"counter\" : \"locked_vm\"",
                "\"function\" : \"mm/mlock.c: do_mlock\"", "\"explanation\" : [ \"rule: mm/mlock.c: do_mlock refused");
        StringWriter t = new StringWriter();
        Transcript.write(r, new PrintWriter(t), true);
        assertThat(t.toString()).contains("   rule: mm/mlock.c: do_mlock", "   to pass: raise the soft RLIMIT_MEMLOCK");
    }
}
