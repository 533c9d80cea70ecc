package org.pinsim.core.check;

import static org.pinsim.core.mem.FrameTable.PG_buddy;
import static org.pinsim.core.mem.FrameTable.PG_pgtable;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.mm.VmFlags;

/**
 * The invariants of one address space that need no page-table walk: the VMA tree's shape,
 * the VMA-derived counters (mm/mmap.c vm_stat_account, mm/mlock.c mlock_fixup) and the
 * page-table frames (mm->pgtables_bytes).
 */
final class MmInvariants {
    private static final long PAGE_MASK = 4095;

    private MmInvariants() {
    }

    /** VMAs sorted, non-overlapping, page aligned, start &lt; end. */
    static void checkVmas(Object who, Mm mm) {
        VmaTree vmas = mm.vmas();
        Vma prev = null;
        for (int i = 0; i < vmas.size(); i++) {
            Vma v = vmas.get(i);
            if (((v.start() | v.end()) & PAGE_MASK) != 0) {
                Invariants.fail(who + ": VMA " + v + " is not page aligned");
            }
            if (Long.compareUnsigned(v.start(), v.end()) >= 0) {
                Invariants.fail(who + ": VMA " + v + " has start >= end");
            }
            if (prev != null && Long.compareUnsigned(prev.end(), v.start()) > 0) {
                Invariants.fail(who + ": VMA " + prev + " overlaps or is out of order with " + v);
            }
            prev = v;
        }
    }

    /**
     * total_vm, locked_vm, data_vm, exec_vm and stack_vm recomputed from the VMAs;
     * locked_vm also carries {@link Mm#lockedVmDrift()}, the charges the kernel is known to
     * leave behind, and the drivers' charges. Under a profile with VM_PINNED ({@code
     * vmPinned}: mpin-2013), a VMA with VM_PINNED counts in pinned_vm and not in locked_vm;
     * elsewhere no VMA has it. pinned_vm is its VM_PINNED VMAs plus the drivers' charges.
     * Neither counter, less what the kernel's wrong-mm uncharges took from it
     * ({@link Mm#unownedLockedVm()}), is negative, nor are the rss counters.
     */
    static void checkCounters(Object who, Mm mm, boolean vmPinned) {
        long total = 0;
        long locked = 0;
        long pinned = 0;
        long data = 0;
        long exec = 0;
        long stack = 0;
        VmaTree vmas = mm.vmas();
        for (int i = 0; i < vmas.size(); i++) {
            Vma v = vmas.get(i);
            long pages = v.pages();
            long f = v.flags();
            total += pages;
            if ((f & VmFlags.VM_PINNED) != 0) {
                if (!vmPinned) {
                    Invariants.fail(who + ": VMA " + v + " has VM_PINNED under a profile without it");
                }
                pinned += pages;
            } else if ((f & VmFlags.VM_LOCKED) != 0) {
                locked += pages;
            }
            // vm_stat_account's if/else-if chain
            if (VmFlags.isExecMapping(f)) {
                exec += pages;
            } else if (VmFlags.isStackMapping(f)) {
                stack += pages;
            } else if (VmFlags.isDataMapping(f)) {
                data += pages;
            }
        }
        expect(who, "total_vm", mm.totalVm(), total, "pages of its VMAs");
        // the rule's words are built only when it fails (this runs after every call)
        if (mm.lockedVm() != locked + mm.lockedVmDrift() + mm.driverLockedVm()) {
            expect(who, "locked_vm", mm.lockedVm(), locked + mm.lockedVmDrift() + mm.driverLockedVm(),
                    "pages of its VM_LOCKED VMAs (" + locked + ") + lockedVmDrift (" + mm.lockedVmDrift()
                            + ") + driver charges (" + mm.driverLockedVm() + ")");
        }
        if (mm.pinnedVm() != pinned + mm.driverPinnedVm()) {
            expect(who, "pinned_vm", mm.pinnedVm(), pinned + mm.driverPinnedVm(),
                    "pages of its VM_PINNED VMAs (" + pinned + ") + driver charges (" + mm.driverPinnedVm() + ")");
        }
        expect(who, "data_vm", mm.dataVm(), data, "pages of its VMAs with is_data_mapping");
        expect(who, "exec_vm", mm.execVm(), exec, "pages of its VMAs with is_exec_mapping");
        expect(who, "stack_vm", mm.stackVm(), stack, "pages of its VMAs with is_stack_mapping");
        nonNegative(who, "pinned_vm (less wrong-mm uncharges)", mm.pinnedVm() - Math.min(0, mm.unownedPinnedVm()));
        nonNegative(who, "locked_vm (less wrong-mm uncharges)", mm.lockedVm() - Math.min(0, mm.unownedLockedVm()));
        nonNegative(who, "MM_FILEPAGES", mm.rss(Mm.MM_FILEPAGES));
        nonNegative(who, "MM_ANONPAGES", mm.rss(Mm.MM_ANONPAGES));
        nonNegative(who, "MM_SWAPENTS", mm.rss(Mm.MM_SWAPENTS));
        nonNegative(who, "MM_SHMEMPAGES", mm.rss(Mm.MM_SHMEMPAGES));
    }

    /**
     * Every table frame (PGD included) is in use, has PG_pgtable and belongs to no other
     * table; VmPTE's pgtables_bytes counts the PUD, PMD and PTE tables (all but the PGD).
     * Adds the frames to {@code seen} and returns how many there were.
     */
    static long checkTables(Object who, Mm mm, FrameTable ft, PfnSet seen) {
        int[] count = new int[1];
        int[] pfns = mm.pageTable().tableFrames(new int[32], count);
        for (int i = 0; i < count[0]; i++) {
            int pfn = pfns[i];
            if (pfn < 0 || pfn >= ft.nrFrames()) {
                Invariants.fail(who + ": page-table frame " + pfn + " is outside the machine");
            }
            if (!ft.testFlag(pfn, PG_pgtable) || ft.testFlag(pfn, PG_buddy) || ft.refcount(pfn) <= 0) {
                Invariants.fail(who + ": page-table frame is not an in-use PG_pgtable frame: " + ft.view(pfn));
            }
            if (!seen.add(pfn)) {
                Invariants.fail(who + ": page-table frame used twice: " + ft.view(pfn));
            }
        }
        expect(who, "pgtables_bytes / PAGE_SIZE (VmPTE)", mm.pageTable().tablePages(), count[0] - 1,
                "its PUD, PMD and PTE tables");
        return count[0];
    }

    static void expect(Object who, String counter, long actual, long expected, String rule) {
        if (actual != expected) {
            Invariants.fail(who + ": " + counter + " = " + actual + " but " + rule + " = " + expected);
        }
    }

    static void nonNegative(Object who, String counter, long v) {
        if (v < 0) {
            Invariants.fail(who + ": " + counter + " is negative: " + v);
        }
    }
}
