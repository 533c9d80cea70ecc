package org.pinsim.core.mlock;

import static org.pinsim.core.mm.MmContext.PAGE_SIZE;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.ENOSYS;
import static org.pinsim.core.uapi.Errno.EPERM;

import org.pinsim.core.Profile;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Gup;
import org.pinsim.core.mm.Mmap;
import org.pinsim.core.mm.VmFlags;

/**
 * [PROPOSAL, never merged] Peter Zijlstra's in-kernel mm_mpin()/mm_munpin() ("[RFC][PATCH
 * 1/5] mm: Introduce VM_PINNED and interfaces", May 2014; the May 2013 "mm: Fix
 * RLIMIT_MEMLOCK" had the same machinery without the limit check inside), and the mpin(2)
 * and munpin(2) syscalls that the series called groundwork for but that were never posted:
 * the syscalls here are pinsim's reading of the thread (docs/PROFILES.md).
 *
 * <p>mm_mpin: EPERM without can_do_mlock; ENOMEM when the request plus
 * mm_locked_pages(mm) = pinned_vm + locked_vm exceeds RLIMIT_MEMLOCK without CAP_IPC_LOCK
 * (the range's own locked or pinned pages are not subtracted, except under mpin-2013-dedup);
 * then do_mlock(start, len, MLOCK_F_ON | MLOCK_F_PIN), which sets VM_PINNED with the
 * splits, merges and charges of mlock_fixup ({@link Mlock#mlockFixup}).
 *
 * <p>mpin(2), pinsim's reading: "the range is made resident and VM_PINNED, is never migrated
 * and never faults": page-aligned as mlock(2) aligns, mm_mpin, then every page faulted in
 * (a write fault where the VMA is private and writable, so no COW fault is left), as
 * mlock(2) populates. A range that cannot be made resident (PROT_NONE, beyond the end of a
 * file, out of memory) fails as mlock(2) fails there (ENOMEM, or EAGAIN when out of memory),
 * and like mlock's the range stays VM_PINNED and charged: the flags carry no count of who set
 * them, so undoing could unpin what an earlier mpin or RDMA registration pinned.
 * munpin(2): mm_munpin of the range. Not moving VM_PINNED pages is the migration code's
 * rule (pinsim's: try_to_migrate_one leaves them mapped); the pages hold no extra reference.
 * Before mpin(2) returns, and before an mm_mpin-routed RDMA registration pins, the range is
 * pre-compacted into UNMOVABLE pageblocks ({@link MpinPack}: the 2013 thread's "migrate the
 * pages into as few unmovable page blocks as possible", never posted as code).
 */
public final class Mpin {
    private final Mlock mlock;
    private final Gup gup;
    private final Profile profile;
    /** The pre-compaction ([PROPOSAL]: the 2013 thread's "migrate the pages into as few unmovable page blocks"); null: none. */
    private MpinPack pack;

    public Mpin(Mlock mlock, Gup gup, Profile profile) {
        this.mlock = mlock;
        this.gup = gup;
        this.profile = profile;
    }

    /** Sets the pre-compaction that mpin(2) and mm_mpin-routed pins run (the kernel wires it under the mpin profiles). */
    public void setPack(MpinPack pack) {
        this.pack = pack;
    }

    /** The pre-compaction, or null when the profile has none. */
    public MpinPack pack() {
        return pack;
    }

    /** mpin(2), pinsim's reading of the proposal. */
    public int mpin(Caller c, long start, long len) {
        if (!profile.hasMpin()) {
            c.refuse("mpin: no such call in " + profile.id() + " (it exists only in the VM_PINNED proposal's profiles)");
            return -ENOSYS;
        }
        long alen = pageAlign(len + (start & (PAGE_SIZE - 1)));
        long astart = start & ~(PAGE_SIZE - 1);
        long[] pinnedBefore = pack == null ? null : MpinPack.vmPinnedRanges(c.mm(), astart, astart + alen);
        int err = mmMpin(c, astart, alen);
        if (err != 0) {
            return err;
        }
        err = gup.mmPopulate(c.mm(), astart, alen, false);
        if (err != 0) {
            c.refuse("mpin: the range is pinned but could not be made resident (PROT_NONE, beyond the end of a"
                    + " file, or out of memory)");
            return err;
        }
        if (pack != null) {
            // [PROPOSAL] the pre-compaction: the resident pages move into as few UNMOVABLE
            // pageblocks as possible before the call returns (MpinPack); pages pinned before stay
            pack.precompact(c.mm(), astart, astart + alen, pinnedBefore);
        }
        return 0;
    }

    /**
     * [PROPOSAL] An mm_mpin-routed pin (RDMA registration under mpin-2013): mm_mpin, then the
     * range faulted in as the pin will fault it ({@code write}, {@code force}) and
     * pre-compacted, so the pin that follows finds its pages packed. Same returns as
     * {@link #mmMpin}.
     */
    public int mmMpinPrecompact(Caller c, long start, long len, boolean write, boolean force) {
        long[] pinnedBefore = pack == null ? null : MpinPack.vmPinnedRanges(c.mm(), start, start + len);
        int err = mmMpin(c, start, len);
        if (err != 0 || pack == null) {
            return err;
        }
        pack.prefault(c.mm(), start, start + len, write, force);
        pack.precompact(c.mm(), start, start + len, pinnedBefore);
        return 0;
    }

    /** munpin(2), pinsim's reading of the proposal: mm_munpin of the page-aligned range. */
    public int munpin(Caller c, long start, long len) {
        if (!profile.hasMpin()) {
            c.refuse("munpin: no such call in " + profile.id() + " (it exists only in the VM_PINNED proposal's profiles)");
            return -ENOSYS;
        }
        long alen = pageAlign(len + (start & (PAGE_SIZE - 1)));
        return mmMunpin(c, start & ~(PAGE_SIZE - 1), alen);
    }

    /**
     * mm_mpin(start, len) as posted in 2014: can_do_mlock, the limit on
     * {@code len/PAGE_SIZE + mm_locked_pages(mm)}, then do_mlock(MLOCK_F_ON | MLOCK_F_PIN).
     * {@code start} and {@code len} are page aligned.
     *
     * @return 0, -EPERM, -ENOMEM (limit, or a hole after the VMAs before it were pinned), -EINVAL (wrap)
     */
    public int mmMpin(Caller c, long start, long len) {
        if (!Mmap.canDoMlock(c)) {
            c.refuse("mm_mpin: RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK (can_do_mlock)");
            c.refuseLimit(org.pinsim.core.LimitCheck.zero("mm_mpin ([PROPOSAL] VM_PINNED, 2014): can_do_mlock",
                    "the range", len >>> 12));
            return -EPERM;
        }
        if (!mlock.withinLimit(c, "mm_mpin", start, len)) {
            return -ENOMEM;
        }
        return mlock.applyVmaLockFlags(c, start, len, VmFlags.VM_PINNED, VmFlags.VM_PINNED);
    }

    /**
     * mm_munpin(start, len): do_mlock(start, len, MLOCK_F_PIN) clears VM_PINNED. The posted
     * code passes {@code start + len} as do_mlock's length ("return do_mlock(start, start +
     * len, MLOCK_F_PIN)"), which would unpin every VMA from start up to the first hole,
     * neighbouring pins included; pinsim follows the evident intent, the range itself.
     */
    public int mmMunpin(Caller c, long start, long len) {
        return mlock.applyVmaLockFlags(c, start, len, VmFlags.VM_PINNED, 0);
    }

    private static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
}
