package org.pinsim.core.mm;

import static org.pinsim.core.mm.MmContext.PAGE_SHIFT;
import static org.pinsim.core.mm.MmContext.TASK_SIZE;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import java.util.ArrayList;
import java.util.List;

/**
 * mm/vma.c: splitting and merging VMAs and unmapping ranges. Where Linux merges and splits
 * decides the VMA count /proc/PID/maps shows, so the rules follow vma_merge_new_range,
 * vma_merge_existing_range, is_mergeable_vma, is_mergeable_anon_vma and __split_vma.
 */
public final class Vmas {
    private final MmContext ctx;
    private int lastError;

    public Vmas(MmContext ctx) {
        this.ctx = ctx;
    }

    // ---- merge rules ----

    /**
     * mm/vma.c is_mergeable_vma: same flags but the sticky ones (VM_IGNORE_MERGE: VM_SOFTDIRTY,
     * VM_MAYBE_GUARD), same file, no special mapping, an equal memory policy
     * ({@code mpol_equal(vmg->policy, vma_policy(vma))}).
     */
    private static boolean isMergeable(Vma v, long flags, Inode file, Mpol policy) {
        return ((v.flags ^ flags) & ~VmFlags.VM_STICKY) == 0 && v.file == file && v.specialName == null
                && v.ops == null && Mpol.equal(policy, v.policy);
    }

    /** The sticky flags of the VMAs a merge joins go to the result (mm/vma.c: VM_STICKY). */
    private static long sticky(long... flags) {
        long s = 0;
        for (long f : flags) {
            s |= f & VmFlags.VM_STICKY;
        }
        return s;
    }

    /**
     * mm/vma.c is_mergeable_anon_vma: {@code src} (may be null for a new mapping) with
     * anon_vma {@code srcAnon} merging into {@code tgt}. A VMA whose anon_vma_chain is not
     * singular (forked, vma_had_uncowed_parents) cannot give or take an anon_vma.
     */
    private static boolean anonOk(Vma src, int srcAnon, Vma tgt) {
        if (tgt.anonVma == Vma.NO_ANON_VMA && srcAnon != Vma.NO_ANON_VMA) {
            return src == null || src.anonChainSingular;
        }
        if (tgt.anonVma != Vma.NO_ANON_VMA && srcAnon == Vma.NO_ANON_VMA) {
            return tgt.anonChainSingular;
        }
        return srcAnon == tgt.anonVma;
    }

    private static boolean bothCompatible(Vma prev, Vma next) {
        return prev.anonVma == Vma.NO_ANON_VMA || next.anonVma == Vma.NO_ANON_VMA
                || prev.anonVma == next.anonVma;
    }

    private static int firstAnon(int a, int b, int c) {
        return a != Vma.NO_ANON_VMA ? a : b != Vma.NO_ANON_VMA ? b : c;
    }

    /**
     * mm/vma.c vma_merge_new_range: can a new range [start, end) with these properties join
     * its neighbours? Returns the VMA that now covers it, or null (the caller inserts one).
     */
    Vma mergeNewRange(Mm mm, long start, long end, long flags, Inode file, long pgoff, int anonVma,
            Vma copiedFrom) {
        if ((flags & VmFlags.VM_SPECIAL) != 0) {
            return null;
        }
        int ni = mm.vmas.findIndex(start);
        Vma next = ni < mm.vmas.size() ? mm.vmas.get(ni) : null;
        Vma prev = mm.vmas.prev(ni);
        long pglen = (end - start) >>> PAGE_SHIFT;
        Mpol policy = copiedFrom == null ? null : copiedFrom.policy; // a new mapping has none; copy_vma keeps it
        boolean left = prev != null && prev.end == start && isMergeable(prev, flags, file, policy)
                && anonOk(copiedFrom, anonVma, prev) && prev.pgoff + prev.pages() == pgoff;
        boolean right = next != null && next.start == end && isMergeable(next, flags, file, policy)
                && anonOk(copiedFrom, anonVma, next) && next.pgoff == pgoff + pglen;
        if (left && right && !bothCompatible(prev, next)) {
            right = false;
        }
        if (left && right) {
            prev.anonVma = firstAnon(prev.anonVma, anonVma, next.anonVma);
            prev.flags |= sticky(flags, next.flags);
            prev.end = next.end;
            removeMerged(mm, next);
            return prev;
        }
        if (left) {
            prev.anonVma = firstAnon(prev.anonVma, anonVma, Vma.NO_ANON_VMA);
            prev.flags |= sticky(flags);
            prev.end = end;
            return prev;
        }
        if (right) {
            next.anonVma = firstAnon(next.anonVma, anonVma, Vma.NO_ANON_VMA);
            next.flags |= sticky(flags);
            next.start = start;
            next.pgoff = pgoff;
            return next;
        }
        return null;
    }

    /**
     * mm/vma.c vma_modify_flags: give [start, end) of {@code vma} the flags {@code newFlags},
     * merging with a neighbour where vma_merge_existing_range allows, else splitting.
     *
     * @return the VMA now covering exactly [start, end), or null after a split failure
     *     (ENOMEM; an earlier split of this call is kept, as in the kernel)
     */
    public Vma modifyFlags(Mm mm, Vma vma, long start, long end, long newFlags) {
        long before = vma.flags;
        Vma merged = mergeExisting(mm, vma, start, end, newFlags, vma.policy);
        if (merged != null) {
            merged.flags = newFlags | sticky(merged.flags, before);
            return merged;
        }
        vma = splitToRange(mm, vma, start, end);
        if (vma != null) {
            vma.flags = newFlags;
        }
        return vma;
    }

    /**
     * mm/vma.c vma_modify_policy (for mm/mempolicy.c mbind_range): [start, end) of {@code vma}
     * gets the policy {@code pol}, merging with a neighbour of equal flags and policy where
     * vma_merge_existing_range allows, else splitting. The caller sets the policy
     * (vma_replace_policy) on the VMA returned.
     *
     * @return the VMA now covering exactly [start, end), or null after a split failure
     *     ({@link #lastError}: -ENOMEM past vm.max_map_count, -EINVAL for a special mapping)
     */
    public Vma modifyPolicy(Mm mm, Vma vma, long start, long end, Mpol pol) {
        long before = vma.flags;
        Vma merged = mergeExisting(mm, vma, start, end, vma.flags, pol);
        if (merged != null) {
            merged.flags |= sticky(before); // the sticky flags of what merged (VM_STICKY)
            return merged;
        }
        return splitToRange(mm, vma, start, end);
    }

    /**
     * mm/vma.c vma_modify's split half: split_vma at {@code start} and at {@code end} where
     * they fall inside {@code vma}, each checked first (__split_vma's checks).
     *
     * @return the VMA now covering exactly [start, end), or null ({@link #lastError} set)
     */
    private Vma splitToRange(Mm mm, Vma vma, long start, long end) {
        if (start != vma.start) {
            if ((lastError = splitVmaCheck(mm, vma, start)) != 0) {
                return null;
            }
            vma = splitAt(mm, vma, start);
        }
        if (end != vma.end) {
            if ((lastError = splitVmaCheck(mm, vma, end)) != 0) {
                return null;
            }
            splitAt(mm, vma, end);
        }
        return vma;
    }

    private Vma mergeExisting(Mm mm, Vma vma, long start, long end, long newFlags, Mpol pol) {
        if ((newFlags & VmFlags.VM_SPECIAL) != 0 || vma.specialName != null) {
            return null;
        }
        int idx = mm.vmas.indexOf(vma);
        boolean leftSide = start == vma.start;
        boolean rightSide = end == vma.end;
        Vma prev = mm.vmas.prev(idx);
        Vma next = idx + 1 < mm.vmas.size() ? mm.vmas.get(idx + 1) : null;
        boolean left = leftSide && prev != null && prev.end == start && isMergeable(prev, newFlags, vma.file, pol)
                && anonOk(vma, vma.anonVma, prev) && prev.pgoff + prev.pages() == vma.pgoffOf(start);
        boolean right = rightSide && next != null && next.start == end && isMergeable(next, newFlags, vma.file, pol)
                && anonOk(vma, vma.anonVma, next) && next.pgoff == vma.pgoffOf(end);
        if (left && right && !bothCompatible(prev, next)) {
            right = false;
        }
        if (left || right) { // commit_merge -> vma_adjust_trans_huge
            ctx.memory.huge().splitHugePmdIfNeeded(mm, vma, start);
            ctx.memory.huge().splitHugePmdIfNeeded(mm, vma, end);
        }
        if (left && right) {
            prev.anonVma = firstAnon(prev.anonVma, vma.anonVma, next.anonVma);
            prev.flags |= sticky(next.flags);
            prev.end = next.end;
            removeMerged(mm, vma);
            removeMerged(mm, next);
            return prev;
        }
        if (left) {
            prev.anonVma = firstAnon(prev.anonVma, vma.anonVma, Vma.NO_ANON_VMA);
            prev.end = end;
            if (rightSide) {
                removeMerged(mm, vma);
            } else {
                vma.pgoff = vma.pgoffOf(end);
                vma.start = end;
            }
            return prev;
        }
        if (right) {
            next.anonVma = firstAnon(next.anonVma, vma.anonVma, Vma.NO_ANON_VMA);
            next.pgoff = vma.pgoffOf(start);
            next.start = start;
            if (leftSide) {
                removeMerged(mm, vma);
            } else {
                vma.end = start;
            }
            return next;
        }
        return null;
    }

    /** Why the last {@link #modifyFlags} returned null: -ENOMEM or -EINVAL. */
    public int lastError() {
        return lastError;
    }

    /**
     * mm/vma.c split_vma's checks at {@code addr}: the map_count limit (ENOMEM), and
     * vm_ops->may_split, which refuses for special mappings ([vvar], [vdso]: mm/mmap.c
     * special_mapping_split, EINVAL) and for hugetlb off a huge page boundary.
     */
    int splitVmaCheck(Mm mm, Vma vma, long addr) {
        int may = vma.maySplit(addr);
        if (may != 0) {
            return may;
        }
        return mm.mapCount() >= ctx.maxMapCount() ? -ENOMEM : 0;
    }

    /**
     * mm/vma.c __split_vma (no map_count check; callers do it as split_vma does): the VMA
     * keeps [start, addr), and the returned new VMA covers [addr, end).
     */
    Vma splitAt(Mm mm, Vma vma, long addr) {
        ctx.memory.huge().splitHugePmdIfNeeded(mm, vma, addr); // vma_adjust_trans_huge
        Vma upper = vma.copy();
        upper.start = addr;
        upper.pgoff = vma.pgoffOf(addr);
        vma.end = addr;
        insert(mm, upper);
        if (upper.ops != null) {
            upper.ops.open(upper);
        }
        return upper;
    }

    /** Adds a VMA to the tree; a file-backed one holds a reference on its inode (vma->vm_file). */
    static void insert(Mm mm, Vma v) {
        mm.vmas.insert(v);
        if (v.file != null) {
            v.file.mapRefs++;
        }
    }

    /** A VMA absorbed by a merge: it leaves the tree and drops its file reference (fput). */
    private void removeMerged(Mm mm, Vma v) {
        mm.vmas.remove(v);
        if (v.file != null) {
            releaseFile(v.file);
        }
    }

    // ---- munmap ----

    /**
     * mm/vma.c do_vmi_munmap: argument checks, then unmap [start, start + len).
     *
     * @return 0 or -errno
     */
    public int doMunmap(Caller c, long start, long len) {
        if (MmContext.offsetInPage(start) || Long.compareUnsigned(start, TASK_SIZE) > 0
                || Long.compareUnsigned(len, TASK_SIZE - start) > 0) {
            c.refuse("munmap: start not page aligned or range beyond TASK_SIZE");
            return -EINVAL;
        }
        long end = start + MmContext.pageAlign(len);
        if (end == start) {
            c.refuse("munmap: length 0");
            return -EINVAL;
        }
        return unmapRange(c.mm(), start, end, c);
    }

    /**
     * mm/vma.c do_vmi_align_munmap: split at the edges, zap the pages (munlocking them),
     * free page tables no VMA needs, remove the VMAs and unaccount them.
     */
    public int unmapRange(Mm mm, long start, long end, Caller c) {
        Vma first = mm.vmas.intersection(start, end);
        if (first == null) {
            return 0;
        }
        if (start > first.start) {
            int may = first.maySplit(start);
            if (may != 0) {
                if (c != null) {
                    c.refuse("munmap: " + (first.specialName != null ? "a special mapping (" + first.specialName + ")"
                            : first.ops.name()) + " cannot be split");
                }
                return may;
            }
            if (end < first.end && mm.mapCount() >= ctx.maxMapCount()) {
                if (c != null) {
                    c.refuse("munmap: splitting would exceed vm.max_map_count");
                }
                return -ENOMEM;
            }
        }
        if (start > first.start) {
            first = splitAt(mm, first, start);
        }
        // vms_gather_munmap_vmas: the end split is tried after the start split, which stays
        Vma last = mm.vmas.find(end - 1);
        int mayLast = last != null && last.start < end && end < last.end ? last.maySplit(end) : 0;
        if (mayLast != 0) {
            if (c != null) {
                c.refuse("munmap: " + (last.specialName != null ? "a special mapping (" + last.specialName + ")"
                        : last.ops.name()) + " cannot be split (the split at the start of the range stays)");
            }
            return mayLast;
        }
        List<Vma> gone = new ArrayList<>();
        for (int i = mm.vmas.indexOf(first); i < mm.vmas.size() && mm.vmas.get(i).start < end; i++) {
            Vma v = mm.vmas.get(i);
            if (v.end > end) {
                splitAt(mm, v, end);
            }
            gone.add(v);
        }
        removeVmas(mm, gone);
        return 0;
    }

    /** The second half of an unmap: zap, detach, free tables, unaccount (vms_complete_munmap_vmas). */
    void removeVmas(Mm mm, List<Vma> gone) {
        if (gone.isEmpty()) {
            return;
        }
        mm.updateHiwaterRss();
        mm.updateHiwaterVm();
        for (Vma v : gone) {
            ctx.memory.zapRange(mm, v, v.start, v.end, Memory.Zap.ALL); // unmap_vmas: ZAP_FLAG_DROP_MARKER
        }
        long lo = gone.get(0).start;
        long hi = gone.get(gone.size() - 1).end;
        for (Vma v : gone) {
            mm.vmas.remove(v);
            ctx.accountLock(mm, v.flags, -v.pages()); // do_vmi_align_munmap: locked_vm (or pinned_vm: VM_PINNED)
            mm.vmStatAccount(v.flags, -v.pages());
            if (v.file != null) {
                releaseFile(v.file);
            }
            if (v.ops != null) {
                v.ops.close(v, mm); // remove_vma -> vma_close
            }
        }
        int ni = mm.vmas.findIndex(lo);
        Vma prev = mm.vmas.prev(ni);
        Vma next = ni < mm.vmas.size() ? mm.vmas.get(ni) : null;
        mm.pt.freeRange(lo, hi, prev == null ? 0 : prev.end, next == null ? 0 : next.start);
    }

    /** A mapping of the inode went away; a shmem object nobody holds is truncated. */
    void releaseFile(Inode f) {
        f.mapRefs--;
        ctx.releaseIfUnused(f);
    }

    /** Counts the pages of VMAs in [start, end) (mm/vma.c count_vma_pages_range). */
    static long countVmaPages(Mm mm, long start, long end) {
        long n = 0;
        for (int i = mm.vmas.findIndex(start); i < mm.vmas.size() && mm.vmas.get(i).start < end; i++) {
            Vma v = mm.vmas.get(i);
            n += (Math.min(v.end, end) - Math.max(v.start, start)) >>> PAGE_SHIFT;
        }
        return n;
    }
}
