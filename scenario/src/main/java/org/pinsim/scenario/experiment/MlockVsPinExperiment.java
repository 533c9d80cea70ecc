package org.pinsim.scenario.experiment;

import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Profile;
import org.pinsim.core.SysResult;
import org.pinsim.core.Sysctl;
import org.pinsim.core.Task;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.ThpEnabled;
import org.pinsim.core.task.Caps;
import org.pinsim.core.time.Clock;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.vmstat.PinsimEvent;
import org.pinsim.core.vmstat.VmEvent;

/**
 * E3, mlock against pin: the 2013 argument's physical fact. mlock()ed pages stay resident but
 * stay migratable: compaction moves them (mm/compaction.c isolate_migratepages takes
 * unevictable folios when vm.compact_unevictable_allowed is 1, ISOLATE_UNEVICTABLE; mm/rmap.c
 * try_to_migrate: "Migration always ignores mlock"), and the owner, touching a page while it
 * moves, waits on its migration entry (mm/memory.c do_swap_page -> mm/migrate.c
 * migration_entry_wait). A long-term pinned page is never isolated (isolate_migratepages_block's
 * anonymous-pin pre-check), so its owner never waits, and its pageblock can never be freed.
 *
 * <p>Each run: an aged machine ({@code age=150%}); one process writes a region of 60 % of
 * memory in address order, a working set where a seeded choice says and other memory elsewhere,
 * so that the working set is spread as a random share of the region is (E1's pattern) but is one
 * VMA; it keeps the working set as the policy says (mlock, an io_uring fixed buffer, or the
 * [PROPOSAL] mpin of mpin-2013) and unmaps the other memory. Then a loop of the owner reads one
 * page of its working set, chosen at random (seeded), every {@link #TOUCH_PERIOD_NS} of virtual
 * time while the compaction runs: a full pass (echo 1 > /proc/sys/vm/compact_memory) or order-9
 * allocations until one fails, each compacting directly. The loop is an event on the machine's
 * clock: it runs while the compacting context waits for each batch of migrations (compaction's
 * migrate_pages returns when the batch's last remap is done, mm/compaction.c compact_zone), so its
 * touches fall inside the batches' migration windows. Figures: the loop's migration waits and
 * their virtual time, working-set pages on a new frame, pgmigrate_success/fail, order-9
 * allocations.
 */
final class MlockVsPinExperiment implements Experiment {
    static final long MEMORY = 1L << 30;
    static final int AGE_PERCENT = 150;
    /** The working set, in thousandths of memory: 1 %, 5 %, 10 %. */
    static final int[] WORKING_SETS = {10, 50, 100};
    /** The owner's loop reads one page of its working set every 1 us of virtual time (an assumption). */
    static final long TOUCH_PERIOD_NS = 1_000L;
    /** How long the loop runs, from the start of the compaction (longer if the compaction takes longer). */
    static final long LOOP_NS = 50_000_000L;
    static final long PAGE = 4096;

    /** How the working set is kept in memory. */
    enum Policy {
        MLOCK("mlock, unevictable_allowed=1", Profile.LINUX_6_18, 1),
        MLOCK_NO_COMPACT("mlock, unevictable_allowed=0", Profile.LINUX_6_18, 0),
        PIN("io_uring pin (linux-6.18)", Profile.LINUX_6_18, 1),
        MPIN("mpin (mpin-2013) [PROPOSAL]", Profile.MPIN_2013, 1);

        final String label;
        final Profile profile;
        final long unevictableAllowed;

        Policy(String label, Profile profile, long unevictableAllowed) {
            this.label = label;
            this.profile = profile;
            this.unevictableAllowed = unevictableAllowed;
        }
    }

    /** The compaction that competes with the owner's loop. */
    enum Driver {
        /** echo 1 > /proc/sys/vm/compact_memory: a full synchronous pass over every zone. */
        COMPACT_MEMORY("compact_memory"),
        /**
         * Order-9 allocations until one fails, as hugetlb's pool grows (GFP_HIGHUSER_MOVABLE |
         * __GFP_RETRY_MAYFAIL): each compacts directly in its slow path (async, then sync-light).
         */
        HUGE_DEMAND("order-9 demand");

        final String label;

        Driver(String label) {
            this.label = label;
        }
    }

    private final long memory;
    private final int[] workingSets;

    MlockVsPinExperiment() {
        this(MEMORY, WORKING_SETS);
    }

    MlockVsPinExperiment(long memory, int[] workingSets) {
        this.memory = memory;
        this.workingSets = workingSets;
    }

    @Override
    public String name() {
        return "mlock-vs-pin";
    }

    @Override
    public String summary() {
        return "E3: migration waits, pages moved and huge pages for a working set mlocked, pinned or mpinned under compaction";
    }

    @Override
    public MachineConfig machine() {
        return config(Profile.LINUX_6_18, 1);
    }

    private MachineConfig config(Profile profile, long seed) {
        return new MachineConfig(memory, 1, 2, 0, seed, profile, true, ThpEnabled.MADVISE, 0, 0, 0, AGE_PERCENT);
    }

    /** One run's figures. */
    record Run(long wsPages, long touches, long waits, long waitNs, long wsMigrated, long pgmigrateSuccess,
               long pgmigrateFail, long driverNs, long freeBefore, long gotHuge, long precompactMigrated,
               long precompactNs) {
    }

    /** One machine, seed {@code seed}, a working set of {@code wsPermille} thousandths of memory kept by {@code p}. */
    Run runOne(Driver d, Policy p, int wsPermille, long seed) {
        Kernel k = Kernel.boot(config(p.profile, seed), Map.of(Sysctl.COMPACT_UNEVICTABLE_ALLOWED, p.unevictableAllowed));
        Task t = k.spawn(ProcessSpec.defaults("app", p.profile).withUid(0).withCaps(Caps.ALL).withMemlock(-1, -1)
                .withLayout(ProcessSpec.Layout.EMPTY));
        final int regionPages = (int) (k.mem().totalPages() * FragRig.REGION_PERCENT / 100);
        final int n = (int) (k.mem().totalPages() * wsPermille / 1000);
        // which of the region's fault-order positions are working-set pages: uniform, seeded
        BitSet order = new BitSet(regionPages);
        FragRig.choose(FragRig.random(seed, 3), regionPages, n, new BitSet(), order);
        final long ws = map(t, n);
        final long other = map(t, regionPages - n);
        // the process writes the region in address order, a page of the working set where the
        // seeded choice says, of its other memory elsewhere: each page takes the frame the
        // allocator gives at that point, so the working set is spread as a random 1/12 of
        // a region faulted in order would be (E1's pattern), within one VMA of its own
        long wi = 0;
        long oi = 0;
        for (int i = 0; i < regionPages;) {
            final boolean isWs = order.get(i);
            final int end = isWs ? order.nextClearBit(i) : Math.min(regionPages, nextSet(order, i));
            final long len = (long) (end - i) * PAGE;
            SysResult res = isWs ? t.touch(ws + wi, len, true) : t.touch(other + oi, len, true);
            if (res.isError()) {
                throw new IllegalStateException("faulting in the region failed: " + res);
            }
            if (isWs) {
                wi += len;
            } else {
                oi += len;
            }
            i = end;
        }
        keep(p, t, ws, (long) n * PAGE);
        SysResult un = t.munmap(other, (long) (regionPages - n) * PAGE);
        if (un.isError()) {
            throw new IllegalStateException("munmap of the other memory failed: " + un);
        }
        k.settle();
        k.mem().drainAllPages(null);
        final long[] addrs = new long[n];
        final int[] pfns = new int[n];
        for (int j = 0; j < n; j++) {
            addrs[j] = ws + (long) j * PAGE;
            pfns[j] = pfnOf(t, addrs[j]);
        }
        final long succ0 = k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS);
        final long fail0 = k.vmstat().get(VmEvent.PGMIGRATE_FAIL);
        final long waits0 = t.migrationWaits();
        final long precompactNs = k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_NS);
        final long free = PinPlacement.hugepages(k); // free 2 MiB blocks before the compaction
        TouchLoop loop = new TouchLoop(k.clock(), t, addrs, FragRig.random(seed, 4));
        final long start = k.clock().now();
        loop.start();
        long got = -1;
        if (d == Driver.COMPACT_MEMORY) {
            k.compactMemory(); // mm/compaction.c sysctl_compaction_handler -> compact_nodes: MIGRATE_SYNC, order -1
        } else {
            got = FragRig.allocHuge(k, Long.MAX_VALUE); // each request compacts directly in its slow path
        }
        k.settle();
        final long driverNs = k.clock().now() - start;
        // the loop runs LOOP_NS from the start, or until the compaction ends if that is later
        k.clock().runUntil(Math.max(k.clock().now(), start + LOOP_NS));
        loop.stop();
        long moved = 0;
        for (int j = 0; j < n; j++) {
            if (pfnOf(t, addrs[j]) != pfns[j]) {
                moved++;
            }
        }
        final long succ = k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS) - succ0;
        final long fail = k.vmstat().get(VmEvent.PGMIGRATE_FAIL) - fail0;
        if (d == Driver.COMPACT_MEMORY) {
            got = FragRig.allocHuge(k, Long.MAX_VALUE); // after the loop: the order-9 blocks compaction left
        }
        return new Run(n, loop.touches, t.migrationWaits() - waits0, loop.waitNs, moved, succ, fail, driverNs, free,
                got, k.vmstat().get(PinsimEvent.MPIN_PRECOMPACT_MIGRATED), precompactNs);
    }

    private static int nextSet(BitSet b, int from) {
        final int i = b.nextSetBit(from);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private static long map(Task t, long pages) {
        SysResult r = t.mmap(0, Math.max(1, pages) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (r.isError()) {
            throw new IllegalStateException("mmap failed: " + r);
        }
        return r.ret();
    }

    /** Keeps the working set [addr, addr + len) in memory as {@code p} says, one call. */
    private static void keep(Policy p, Task t, long addr, long len) {
        SysResult r = switch (p) {
            case MLOCK, MLOCK_NO_COMPACT -> t.mlock(addr, len);
            case PIN -> {
                // io_uring/rsrc.c io_sqe_buffers_register: one fixed buffer (at most 1 GiB), FOLL_LONGTERM
                SysResult ring = t.ioUringSetup(4);
                if (ring.isError()) {
                    yield ring;
                }
                yield t.ioUringRegister((int) ring.ret(), IoUring.IORING_REGISTER_BUFFERS, new long[] {addr, len}, 1);
            }
            case MPIN -> t.mpin(addr, len); // [PROPOSAL] pre-compaction, then VM_PINNED
        };
        if (r.isError()) {
            throw new IllegalStateException(p + " of the working set failed: " + r);
        }
    }

    private static int pfnOf(Task t, long addr) {
        long pte = t.mm().pageTable().get(addr);
        if (!Pte.present(pte)) {
            throw new IllegalStateException("working-set page at 0x" + Long.toHexString(addr) + " is not present");
        }
        return Pte.pfn(pte);
    }

    /**
     * The owner's loop: reads one page of its working set, chosen at random, every
     * {@link #TOUCH_PERIOD_NS}, as an event on the clock (another CPU, while the
     * compacting context sleeps for its migrations). A touch of a page under migration faults
     * and waits until the migration's remap (the model's migration_entry_wait runs the clock
     * to the end of that window); the next touch comes {@link #TOUCH_PERIOD_NS} after the wait.
     */
    private static final class TouchLoop {
        private final Clock clock;
        private final Task task;
        private final long[] addrs;
        private final SplittableRandom rnd;
        private boolean running;
        long touches;
        long waitNs;

        TouchLoop(Clock clock, Task task, long[] addrs, SplittableRandom rnd) {
            this.clock = clock;
            this.task = task;
            this.addrs = addrs;
            this.rnd = rnd;
        }

        void start() {
            running = addrs.length > 0;
            if (running) {
                clock.schedule(TOUCH_PERIOD_NS, "touch-loop", now -> touch());
            }
        }

        void stop() {
            running = false;
        }

        private void touch() {
            if (!running) {
                return;
            }
            final long before = clock.now();
            SysResult res = task.touch(addrs[rnd.nextInt(addrs.length)], 1, false);
            if (res.isError()) {
                throw new IllegalStateException("the working set's touch failed: " + res);
            }
            waitNs += clock.now() - before;
            touches++;
            clock.schedule(TOUCH_PERIOD_NS, "touch-loop", now -> touch());
        }
    }

    @Override
    public Result run(Options options) {
        int seeds = options.seeds();
        StringBuilder text = new StringBuilder();
        StringBuilder mpinNote = new StringBuilder();
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("experiment", name());
        json.put("memory_bytes", memory);
        json.put("age_percent", AGE_PERCENT);
        json.put("region_percent", FragRig.REGION_PERCENT);
        json.put("touch_period_ns", TOUCH_PERIOD_NS);
        json.put("loop_ns", LOOP_NS);
        json.put("seeds", seeds);
        text.append(String.format(Locale.ROOT,
                "E3: %d MiB machine, age=%d%%, %d seeds (1..%d); mean ±95%% CI%n"
                        + "A working set spread as a random share of a %d%% region, kept by mlock, a long-term pin or mpin;"
                        + " its owner reads%none page of it at random every %d ns for %d ms (or until the compaction ends),"
                        + " while the compaction runs.%n%n",
                memory >> 20, AGE_PERCENT, seeds, seeds, FragRig.REGION_PERCENT, TOUCH_PERIOD_NS, LOOP_NS / 1_000_000));
        text.append(String.format(Locale.ROOT, "  %-15s %-5s %-28s %10s %12s %14s %14s %10s %11s %11s%n", "compaction", "ws",
                "kept by", "waits", "wait us", "ws migrated", "pgmig_success", "pgmig_fail", "2MiB before",
                "order-9 got"));
        ArrayNode rows = json.putArray("results");
        for (Driver d : Driver.values()) {
            for (int ws : workingSets) {
                for (Policy p : Policy.values()) {
                    Run[] runs = new Run[seeds];
                    for (int s = 0; s < seeds; s++) {
                        runs[s] = runOne(d, p, ws, s + 1);
                    }
                    Stats pages = Stats.of(Stats.column(runs, Run::wsPages));
                    Stats waits = Stats.of(Stats.column(runs, Run::waits));
                    Stats waitUs = Stats.of(Stats.column(runs, x -> x.waitNs() / 1000.0));
                    Stats moved = Stats.of(Stats.column(runs, Run::wsMigrated));
                    Stats succ = Stats.of(Stats.column(runs, Run::pgmigrateSuccess));
                    Stats fail = Stats.of(Stats.column(runs, Run::pgmigrateFail));
                    Stats free = Stats.of(Stats.column(runs, Run::freeBefore));
                    Stats got = Stats.of(Stats.column(runs, Run::gotHuge));
                    text.append(String.format(Locale.ROOT, "  %-15s %-5s %-28s %10s %12s %14s %14s %10s %11s %11s%n",
                            d.label, String.format(Locale.ROOT, "%.0f%%", ws / 10.0), p.label, waits.text(1),
                            waitUs.text(0), moved.text(0), succ.text(0), fail.text(1), free.text(1), got.text(1)));
                    ObjectNode row = rows.addObject();
                    row.put("compaction", d.name().toLowerCase(Locale.ROOT));
                    row.put("working_set_permille", ws);
                    row.put("policy", p.name().toLowerCase(Locale.ROOT));
                    row.put("profile", p.profile.id());
                    row.put("compact_unevictable_allowed", p.unevictableAllowed);
                    pages.put(row, "working_set_pages");
                    waits.put(row, "migration_waits");
                    waitUs.put(row, "wait_us");
                    moved.put(row, "working_set_migrated");
                    succ.put(row, "pgmigrate_success");
                    fail.put(row, "pgmigrate_fail");
                    free.put(row, "free_2mib_blocks_before");
                    got.put(row, "order9_allocated");
                    Stats.of(Stats.column(runs, Run::touches)).put(row, "touches");
                    Stats.of(Stats.column(runs, x -> x.driverNs() / 1e6)).put(row, "compaction_ms");
                    Stats.of(Stats.column(runs, Run::precompactMigrated)).put(row, "mpin_precompact_migrated");
                    Stats.of(Stats.column(runs, x -> x.precompactNs() / 1e6)).put(row, "mpin_precompact_ms");
                    if (p == Policy.MPIN && d == Driver.COMPACT_MEMORY) {
                        mpinNote.append(String.format(Locale.ROOT, "  %s: mpin() migrated %s pages in %s ms of its caller's time%n",
                                String.format(Locale.ROOT, "%.0f%%", ws / 10.0),
                                Stats.of(Stats.column(runs, Run::precompactMigrated)).text(0),
                                Stats.of(Stats.column(runs, x -> x.precompactNs() / 1e6)).text(1)));
                    }
                }
                text.append('\n');
            }
        }
        text.append("waits: the loop's faults on a migration entry (migration_entry_wait); wait us: their virtual time;\n"
                + "ws migrated: working-set pages on a new frame after the loop; pgmig_*: /proc/vmstat over the loop;\n"
                + "2MiB before: free 2 MiB blocks when the compaction starts; order-9 got: order-9 allocations until one\n"
                + "fails (GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL), after compact_memory, or the demand itself.\n"
                + "[PROPOSAL] mpin-2013's pre-compaction, before the loop (the caller sleeps in mpin, no fault waits):\n");
        text.append(mpinNote);
        return new Result(text.toString(), json);
    }
}
