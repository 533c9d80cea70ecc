package org.pinsim.core.check;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmEvent;
import org.pinsim.core.vmstat.VmStat;

/**
 * The model's invariants (docs: DESIGN.md, "Invariants"), recomputed from first principles.
 * Each check throws an {@link AssertionError} naming the first broken rule, the counter or
 * frame it was found on, and both values.
 *
 * <h2>{@link #check}: everything</h2>
 * <ol>
 * <li>Physical memory and LRU lists are consistent ({@code PhysMem.checkInvariants},
 *     {@code Lru.checkInvariants}): every frame is exactly one of free in the buddy
 *     allocator, free on a per-CPU page list, reserved, or in use with refcount &gt; 0.</li>
 * <li>Per distinct mm (tasks sharing one are checked once): VMAs sorted, non-overlapping,
 *     page aligned, start &lt; end; total_vm, locked_vm (+ {@code lockedVmDrift}), data_vm,
 *     exec_vm, stack_vm recomputed from the VMAs; rss counters recomputed from the PTEs;
 *     VmPTE = its PUD + PMD + PTE tables; every table frame is an in-use PG_pgtable frame
 *     used once.</li>
 * <li>No PTE maps a free frame or a page table; a special PTE maps the zero page, or in a
 *     VM_PFNMAP driver VMA a frame its driver holds (a perf ring buffer); every
 *     normal page in a VM_LOCKED VMA (not VM_SPECIAL) is PG_mlocked, queued on the mlock
 *     batch, or on an LRU list (mlock_count errs low and reclaim fixes it, as in the
 *     kernel).</li>
 * <li>Per in-use user frame: mapcount = present non-special PTEs mapping it over all mms;
 *     refcount = mapcount + 1 if in a page cache + the references of the other holders
 *     ({@link ExtraRefs}: the mlock batch, io_uring rings and their pins, perf ring buffers;
 *     {@link #modelHolders}); a frame held by
 *     none of these is a leak. A PG_mlocked frame on the LRU is on the unevictable list,
 *     and a frame on the unevictable list is PG_mlocked (never stranded).</li>
 * <li>vmstat: nr_mlock = PG_mlocked frames; nr_unevictable = PG_unevictable frames on the
 *     LRU; nr_page_table_pages = PG_pgtable frames = the table frames (PGDs included) of all
 *     mms; nr_anon_pages, nr_mapped, nr_file_pages, nr_shmem = what the frames say.</li>
 * <li>No counter is negative: mm counters, vmstat state and event counters, LRU sizes.</li>
 * </ol>
 * Cost: a walk of every present PTE and passes over the frame table (the mem and LRU
 * checkers', and this one, which skips free blocks): O(frames + PTEs).
 *
 * <h2>{@link #checkQuick}: counters only</h2>
 * Items 2 (without the rss recount), 6 and the nr_page_table_pages = table frames identity:
 * O(VMAs + page-table frames), no frame sweep and no PTE walk.
 *
 * <h2>Which one runs</h2>
 * {@link #checkDefault} is meant for the scenario runner and the CLI, after every statement:
 * the full check on machines of at most {@link #FULL_CHECK_MAX_FRAMES} frames (4 GiB), the
 * quick one above; the system property {@code pinsim.checks} = {@code full}, {@code quick}
 * or {@code off} overrides the choice ({@code off} for benchmarks). Measured with 256 MiB
 * mapped: the full check takes about 7 ms on a 1 GiB machine and 30 ms on the default
 * 16 GiB one (most of it the frame-table passes), the quick one under 1 ms. Tests call
 * {@link #check}.
 */
public final class Invariants {
    /** {@link #checkDefault} runs the full check up to this many frames (4 GiB), the quick one above. */
    public static final int FULL_CHECK_MAX_FRAMES = 1 << 20;
    /** The system property that overrides {@link #checkDefault}: full, quick, off. */
    public static final String CHECKS_PROPERTY = "pinsim.checks";

    /**
     * References to frames held by something other than PTEs and page caches: the per-CPU
     * mlock batch, pins, ring buffers. A check is given the complete set of such holders.
     */
    @FunctionalInterface
    public interface ExtraRefs {
        /** None. */
        ExtraRefs NONE = pfn -> 0;

        /** The references to {@code pfn} that the holders own (a FOLL_PIN counts GUP_PIN_COUNTING_BIAS). */
        int extraRefs(int pfn);

        /** These holders and {@code other} together. */
        default ExtraRefs plus(ExtraRefs other) {
            return pfn -> extraRefs(pfn) + other.extraRefs(pfn);
        }
    }

    private Invariants() {
    }

    /**
     * The holders the core model keeps besides PTEs and page caches: the mlock batch
     * (mm/mlock.c mlock_fbatch; {@code MlockFolio.pendingRefs}), the io_uring rings (their
     * region frames, and GUP_PIN_COUNTING_BIAS per pinned buffer page), the perf ring
     * buffers ({@link PinInvariants#pinHolderRefs}) and the kernel pages machine aging
     * left ({@code Ager}).
     */
    public static ExtraRefs modelHolders(Kernel k) {
        ExtraRefs batch = k.memory().mlockFolio()::pendingRefs;
        ExtraRefs migrating = k.migrate()::pendingRefs; // mm/migrate.c: isolation and new-folio references
        ExtraRefs aged = k.ager()::refs; // the kernel pages machine aging left (age=)
        return batch.plus(migrating).plus(PinInvariants.pinHolderRefs(k)).plus(aged);
    }

    /** All invariants, with the model's own holders ({@link #modelHolders}). */
    public static void check(Kernel k) {
        check(k, modelHolders(k));
    }

    /**
     * All invariants, with {@code extra} the complete account of the references frames may
     * hold besides PTEs and page caches (include {@link #modelHolders}).
     */
    public static void check(Kernel k, ExtraRefs extra) {
        k.mem().checkInvariants();
        k.lru().checkInvariants();
        FrameTable ft = k.mem().frames();
        PfnSet tables = new PfnSet();
        List<Mm> mms = new ArrayList<>();
        List<Object> names = new ArrayList<>();
        distinctMms(k, mms, names);
        long tableFrames = 0;
        for (int i = 0; i < mms.size(); i++) {
            MmInvariants.checkVmas(names.get(i), mms.get(i));
            MmInvariants.checkCounters(names.get(i), mms.get(i), k.profile().mlock().hasVmPinned());
            tableFrames += MmInvariants.checkTables(names.get(i), mms.get(i), ft, tables);
        }
        checkPageTableStat(k.vmstat(), tableFrames);
        FrameInvariants frames = new FrameInvariants(k.mem(), extra, tables);
        frames.collectFiles(k.files());
        for (int i = 0; i < mms.size(); i++) {
            frames.walkMm(names.get(i), mms.get(i));
        }
        frames.sweep(k.vmstat(), k.lru());
        checkStatsNonNegative(k);
        checkFileRefs(mms);
        checkPins(k, mms, names);
    }

    private static void checkPins(Kernel k, List<Mm> mms, List<Object> names) {
        PinInvariants.Holders holders = PinInvariants.Holders.of(k);
        PinInvariants.checkCharges(k, holders);
        for (int i = 0; i < mms.size(); i++) {
            PinInvariants.checkMm(k, holders, mms.get(i), names.get(i));
        }
    }

    /** Every inode's mapping count equals the VMAs that map it (vma->vm_file references). */
    static void checkFileRefs(List<Mm> mms) {
        java.util.IdentityHashMap<org.pinsim.core.mm.Inode, int[]> seen = new java.util.IdentityHashMap<>();
        for (Mm mm : mms) {
            for (int i = 0; i < mm.vmas().size(); i++) {
                org.pinsim.core.mm.Inode f = mm.vmas().get(i).file();
                if (f != null) {
                    seen.computeIfAbsent(f, x -> new int[1])[0]++;
                }
            }
        }
        for (java.util.Map.Entry<org.pinsim.core.mm.Inode, int[]> e : seen.entrySet()) {
            if (e.getKey().mapRefs() != e.getValue()[0]) {
                fail("inode " + e.getKey().path() + ": mapRefs " + e.getKey().mapRefs() + " but "
                        + e.getValue()[0] + " VMAs map it");
            }
        }
    }

    /** The counter invariants only; see the class comment. */
    public static void checkQuick(Kernel k) {
        FrameTable ft = k.mem().frames();
        PfnSet tables = new PfnSet();
        List<Mm> mms = new ArrayList<>();
        List<Object> names = new ArrayList<>();
        distinctMms(k, mms, names);
        long tableFrames = 0;
        for (int i = 0; i < mms.size(); i++) {
            MmInvariants.checkVmas(names.get(i), mms.get(i));
            MmInvariants.checkCounters(names.get(i), mms.get(i), k.profile().mlock().hasVmPinned());
            tableFrames += MmInvariants.checkTables(names.get(i), mms.get(i), ft, tables);
        }
        checkPageTableStat(k.vmstat(), tableFrames);
        checkStatsNonNegative(k);
        checkPins(k, mms, names);
    }

    /** What the runner calls after each step: see "Which one runs" in the class comment. */
    public static void checkDefault(Kernel k) {
        String mode = System.getProperty(CHECKS_PROPERTY, "");
        switch (mode) {
            case "off":
                return;
            case "quick":
                checkQuick(k);
                return;
            case "full":
                check(k);
                return;
            case "":
                if (k.mem().nrFrames() <= FULL_CHECK_MAX_FRAMES) {
                    check(k);
                } else {
                    checkQuick(k);
                }
                return;
            default:
                throw new IllegalArgumentException("-D" + CHECKS_PROPERTY + "=" + mode
                        + ": unknown mode (known: full, quick, off)");
        }
    }

    /** The mms of the live tasks, each once, in pid order, each named by its first task. */
    private static void distinctMms(Kernel k, List<Mm> mms, List<Object> names) {
        for (Task t : k.tasksView()) {
            Mm mm = t.mm();
            if (mm == null || containsIdentity(mms, mm)) {
                continue;
            }
            mms.add(mm);
            names.add(new MmName(mm.id(), t.pid(), t.name()));
        }
    }

    /** How a message names an mm, {@code mm 3 (pid 1002 app)}: written only when a check fails. */
    private record MmName(int id, int pid, String task) {
        @Override
        public String toString() {
            return "mm " + id + " (pid " + pid + " " + task + ")";
        }
    }

    private static boolean containsIdentity(List<Mm> mms, Mm mm) {
        for (Mm m : mms) {
            if (m == mm) {
                return true;
            }
        }
        return false;
    }

    private static void checkPageTableStat(VmStat stat, long tableFrames) {
        MmInvariants.expect("vmstat", "nr_page_table_pages", stat.get(NodeStat.NR_PAGETABLE), tableFrames,
                "the page-table frames (PGDs included) of all live mms");
    }

    private static final NodeStat[] NODE_STATS = NodeStat.values();
    private static final VmEvent[] VM_EVENTS = VmEvent.values();

    private static void checkStatsNonNegative(Kernel k) {
        VmStat stat = k.vmstat();
        for (NodeStat s : NODE_STATS) {
            MmInvariants.nonNegative("vmstat", s.procName(), stat.get(s));
        }
        for (VmEvent e : VM_EVENTS) {
            MmInvariants.nonNegative("vmstat", e.procName(), stat.get(e));
        }
        Lru lru = k.lru();
        for (int nid = 0; nid < k.mem().nrNodes(); nid++) {
            for (int l = 0; l < Lru.NR_LRU_LISTS; l++) {
                if (lru.nrPages(nid, l) < 0) { // the name is built only when it fails
                    MmInvariants.nonNegative("node " + nid + " lru", Lru.vmstatName(l), lru.nrPages(nid, l));
                }
            }
        }
        MmInvariants.nonNegative("vmstat", "nr_free_pages", k.mem().freePagesCount());
    }

    static void fail(String message) {
        throw new AssertionError("invariant: " + message);
    }
}
