package org.pinsim.core.prop.sys;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.vmstat.VmEvent;

/**
 * The migration invariants, checked after every step of a run on a two-node machine (besides
 * {@link Kernel#checkInvariants()}): the step's syscall has returned ({@link Kernel#settle()}:
 * each call returns before the next starts), then
 * <ul>
 * <li>no migration is in flight and no page table holds a migration entry;</li>
 * <li>after a step that migrated (pgmigrate_success or pgmigrate_fail moved): a pinned
 * anonymous page (refcount at least GUP_PIN_COUNTING_BIAS, or a pinned large folio) that is
 * still pinned, and a page of a VM_PINNED VMA ([PROPOSAL] mpin-2013) still VM_PINNED, was not
 * migrated (mpin's pre-compaction moves a page only in the call that pins it; no PTE that
 * mapped it maps another frame with its content), and every PTE that
 * mapped a page still maps one with the same content (the content stand-in), all PTEs of one
 * old frame map one new frame, whose mapcount is the PTEs that map it and which is PG_mlocked
 * exactly when a VM_LOCKED VMA maps it (the step may have mapped it more: a long-term pin
 * faults pages in, then migrates them out of ZONE_MOVABLE or CMA), and the pages
 * whose frame changed, with the unmapped page-cache pages a compact() moved, are
 * pgmigrate_success's increase, or less by at most the pages the step newly mapped (a step
 * that faults a range in and migrates it, mpin-2013's mpin, leaves no old frame to compare)
 * and the unmapped pages of the huge pages it split (at most 511 a split), and the unmapped
 * page-cache pages freed from under the migration.</li>
 * </ul>
 * The pinned-page rule is held on migrating steps only: a read-only FOLL_PIN of a page a fork
 * child shares is not unshared by the model (mm/gup.c gup_must_unshare is not modelled), so a
 * later write fault may copy the page away from under such a pin (not a migration).
 * Keeps the previous step's snapshot: one instance per run.
 */
final class MigrationCheck implements Consumer<Kernel> {
    /** mm/gup.c GUP_PIN_COUNTING_BIAS. */
    private static final int PIN_BIAS = 1024;

    /** One present PTE of a normal page: where, which frame, and the frame's state then. */
    private record Entry(long addr, int pfn, int content, int mapcount, boolean pinnedAnon, boolean mlocked,
                         boolean lockedVma, boolean ptePageOfLarge, boolean vmPinned) {
    }

    private Map<Mm, TreeMap<Long, Entry>> prev;
    /** Page-cache pages no PTE maps: content stand-in -> frame (compaction moves them too). */
    private TreeMap<Integer, Integer> prevUnmapped;
    private long prevSuccess;
    private long prevFail;
    private long prevSplit;
    private long splitDelta;
    private long freedDelta;

    @Override
    public void accept(Kernel k) {
        k.settle();
        k.checkInvariants();
        if (k.migrate().inProgress()) {
            throw new AssertionError("a migration is still in flight after the call returned");
        }
        Map<Mm, TreeMap<Long, Entry>> now = snapshot(k);
        long success = k.vmstat().get(VmEvent.PGMIGRATE_SUCCESS);
        long fail = k.vmstat().get(VmEvent.PGMIGRATE_FAIL);
        TreeMap<Integer, Integer> unmapped = unmappedPageCache(k);
        if (prev != null && (success != prevSuccess || fail != prevFail)) {
            checkPinned(k, now);
            splitDelta = k.vmstat().get(VmEvent.THP_MIGRATION_SPLIT) - prevSplit;
            freedDelta = freedUnmapped(k, unmapped);
            checkMigrated(k, now, success - prevSuccess - movedUnmapped(unmapped));
        }
        prev = now;
        prevUnmapped = unmapped;
        prevSuccess = success;
        prevFail = fail;
        prevSplit = k.vmstat().get(VmEvent.THP_MIGRATION_SPLIT);
    }

    /** Pinned: a small page by its refcount (GUP_PIN_COUNTING_BIAS), a large folio by its _pincount. */
    private static boolean pinned(FrameTable ft, int pfn) {
        return ft.isLarge(pfn) ? ft.pincount(ft.compoundHead(pfn)) > 0 : ft.refcount(pfn) >= PIN_BIAS;
    }

    /**
     * Page-cache frames that no PTE maps, by content: a full compaction (compact()) migrates
     * them as well (mm/compaction.c isolates any LRU folio, mapped or not), and they count in
     * pgmigrate_success; move_pages and mbind only reach mapped pages.
     */
    private static TreeMap<Integer, Integer> unmappedPageCache(Kernel k) {
        FrameTable ft = k.mem().frames();
        TreeMap<Integer, Integer> out = new TreeMap<>();
        for (int pfn = 0; pfn < ft.nrFrames(); pfn++) {
            if (ft.owner(pfn) != FrameTable.NO_OWNER && !ft.testFlag(pfn, FrameTable.PG_anon)
                    && ft.mapcount(pfn) == 0 && ft.content(pfn) != 0) {
                out.put(ft.content(pfn), pfn);
            }
        }
        return out;
    }

    /** Unmapped page-cache pages whose content now sits on another frame, still unmapped. */
    private long movedUnmapped(TreeMap<Integer, Integer> now) {
        long n = 0;
        for (Map.Entry<Integer, Integer> e : prevUnmapped.entrySet()) {
            Integer pfn = now.get(e.getKey());
            if (pfn != null && !pfn.equals(e.getValue())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Unmapped page-cache pages of the last snapshot that are gone now, their frame free: a
     * page whose file was truncated while a per-CPU LRU batch still held it is freed when
     * migration finds it holding the only reference, and counts as migrated
     * (mm/migrate.c migrate_folio_unmap: "Folio was freed from under us. So we are done.").
     */
    private long freedUnmapped(Kernel k, TreeMap<Integer, Integer> now) {
        FrameTable ft = k.mem().frames();
        long n = 0;
        for (Map.Entry<Integer, Integer> e : prevUnmapped.entrySet()) {
            if (!now.containsKey(e.getKey()) && ft.owner(e.getValue()) == FrameTable.NO_OWNER) {
                n++;
            }
        }
        return n;
    }

    private static Map<Mm, TreeMap<Long, Entry>> snapshot(Kernel k) {
        FrameTable ft = k.mem().frames();
        int zero = k.mem().zeroPfn();
        Map<Mm, TreeMap<Long, Entry>> out = new IdentityHashMap<>(); // looked up by mm only, never iterated for output
        for (Task t : k.tasks()) {
            Mm mm = t.mm();
            if (mm == null || out.containsKey(mm)) {
                continue;
            }
            TreeMap<Long, Entry> m = new TreeMap<>();
            VmaTree vmas = mm.vmas();
            for (int i = 0; i < vmas.size(); i++) {
                Vma v = vmas.get(i);
                mm.pageTable().walk(v.start(), v.end(), (addr, e) -> {
                    if (Pte.isMigrationEntry(e)) {
                        throw new AssertionError("a migration entry at 0x" + Long.toHexString(addr)
                                + " after the migration ended");
                    }
                    if (!Pte.present(e) || Pte.special(e) || Pte.pfn(e) == zero) {
                        return;
                    }
                    int pfn = Pte.pfn(e);
                    boolean anon = ft.testFlag(pfn, FrameTable.PG_anon);
                    // a page of a huge page: its mapcount counts the PMDs mapping its folio
                    // (folio_precise_page_mapcount), its pin and mlock are the folio's
                    m.put(addr, new Entry(addr, pfn, ft.content(pfn), ft.preciseMapcount(pfn),
                            anon && pinned(ft, pfn), ft.testFlag(ft.compoundHead(pfn), FrameTable.PG_mlocked),
                            (v.flags() & (VmFlags.VM_LOCKED | VmFlags.VM_SPECIAL)) == VmFlags.VM_LOCKED,
                            ft.isLarge(pfn) && !Pte.huge(e), v.has(VmFlags.VM_PINNED)));
                });
            }
            out.put(mm, m);
        }
        return out;
    }

    /** A pinned anonymous page still pinned: each PTE that mapped it maps it, or something else entirely. */
    private void checkPinned(Kernel k, Map<Mm, TreeMap<Long, Entry>> now) {
        FrameTable ft = k.mem().frames();
        for (Map.Entry<Mm, TreeMap<Long, Entry>> mmEntries : prev.entrySet()) {
            TreeMap<Long, Entry> after = now.get(mmEntries.getKey());
            if (after == null) {
                continue;
            }
            for (Entry b : mmEntries.getValue().values()) {
                Entry a = after.get(b.addr());
                boolean stillVmPinned = b.vmPinned() && a != null && a.vmPinned();
                if (!stillVmPinned && (!b.pinnedAnon() || !pinned(ft, b.pfn()))) {
                    continue;
                }
                // a COW copy (a write fault after fork, which the model does not unshare for a
                // pin: see above) leaves the old frame mapped with its content; a migration frees it
                boolean copied = ft.mapcount(b.pfn()) > 0 && ft.content(b.pfn()) == b.content();
                if (a != null && a.pfn() != b.pfn() && a.content() == b.content() && !copied) {
                    throw new AssertionError("the pinned page at 0x" + Long.toHexString(b.addr()) + " moved from pfn "
                            + b.pfn() + " to " + a.pfn());
                }
            }
        }
    }

    /** After a migrating step: content and mappings preserved, mapcount and mlock kept, success counted. */
    private void checkMigrated(Kernel k, Map<Mm, TreeMap<Long, Entry>> now, long successDelta) {
        Map<Integer, Integer> newFrame = new TreeMap<>();
        Map<Integer, Entry> oldState = new TreeMap<>();
        Map<Integer, Boolean> lockedMapping = new TreeMap<>();
        Map<Integer, Boolean> mlockedNow = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        // the PTEs that map each frame now, and whether one is in a VM_LOCKED VMA: a step that
        // migrates may also map pages (a long-term pin faults them in, then migrates them)
        Map<Integer, Integer> ptesNow = new TreeMap<>();
        Map<Integer, Boolean> lockedNow = new TreeMap<>();
        for (TreeMap<Long, Entry> m : now.values()) {
            for (Entry a : m.values()) {
                ptesNow.merge(a.pfn(), 1, Integer::sum);
                lockedNow.merge(a.pfn(), a.lockedVma(), Boolean::logicalOr);
            }
        }
        long copied = 0;
        FrameTable ft = k.mem().frames();
        for (Map.Entry<Mm, TreeMap<Long, Entry>> mmEntries : prev.entrySet()) {
            TreeMap<Long, Entry> after = now.get(mmEntries.getKey());
            for (Entry b : mmEntries.getValue().values()) {
                Entry a = after == null ? null : after.get(b.addr());
                if (a == null || a.content() != b.content()) {
                    problems.add("0x" + Long.toHexString(b.addr()) + " lost its page (content " + b.content() + ") in a migration");
                    continue;
                }
                if (a.pfn() != b.pfn() && ft.mapcount(b.pfn()) > 0 && ft.content(b.pfn()) == b.content()) {
                    // a COW copy made in this step (mpin-2013's mpin write-faults its range in,
                    // then may migrate the copy): the old frame is still mapped elsewhere; a
                    // migration would have freed it. The copy counts as a newly mapped page.
                    copied++;
                    continue;
                }
                Integer q = newFrame.putIfAbsent(b.pfn(), a.pfn());
                if (q != null && q != a.pfn()) {
                    problems.add("pfn " + b.pfn() + " is mapped as " + q + " and as " + a.pfn() + " after its migration");
                }
                oldState.putIfAbsent(b.pfn(), b);
                if (b.pfn() != a.pfn()) {
                    lockedMapping.put(a.pfn(), lockedNow.get(a.pfn()));
                    if (a.mapcount() != ptesNow.get(a.pfn())) {
                        problems.add("pfn " + b.pfn() + " -> " + a.pfn() + ": mapcount " + b.mapcount() + " -> "
                                + a.mapcount() + ", mapped by " + ptesNow.get(a.pfn()) + " PTEs");
                    }
                    if (!a.ptePageOfLarge()) {
                        // a large folio remapped by PTEs is not mlocked again (mm/rmap.c
                        // __folio_add_anon_rmap mlocks only when all its pages are added at once)
                        mlockedNow.put(a.pfn(), a.mlocked());
                    } else {
                        lockedMapping.remove(a.pfn());
                    }
                }
            }
        }
        for (Map.Entry<Integer, Boolean> e : lockedMapping.entrySet()) {
            if (!e.getValue().equals(mlockedNow.get(e.getKey()))) {
                problems.add("migrated pfn " + e.getKey() + " is " + (mlockedNow.get(e.getKey()) ? "" : "not ")
                        + "mlocked, and " + (e.getValue() ? "a" : "no") + " VM_LOCKED VMA maps it");
            }
        }
        long moved = newFrame.entrySet().stream().filter(e -> !e.getKey().equals(e.getValue())).count();
        // the unmapped pages of a split huge page are freed, counted as migrated too
        // (migrate_pages_batch: "the folio was freed from under us"), at most 511 per split;
        // a page the step both mapped and migrated (mpin-2013's pre-compaction faults a range
        // in, then moves it) has no frame before the step to compare: such pages may account
        // for the difference, no more
        long newlyMapped = copied;
        for (Map.Entry<Mm, TreeMap<Long, Entry>> mmEntries : now.entrySet()) {
            TreeMap<Long, Entry> before = prev.get(mmEntries.getKey());
            for (Long addr : mmEntries.getValue().keySet()) {
                if (before == null || !before.containsKey(addr)) {
                    newlyMapped++;
                }
            }
        }
        // and an unmapped page freed from under the migration counts too (freedUnmapped)
        if (successDelta < moved || successDelta > moved + newlyMapped + 511L * splitDelta + freedDelta) {
            problems.add(moved + " mapped pages changed frame (" + newlyMapped + " newly mapped, " + splitDelta
                    + " huge pages split, " + freedDelta + " unmapped pages freed), pgmigrate_success rose by "
                    + successDelta);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("; ", problems));
        }
    }
}
