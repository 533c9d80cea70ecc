package org.pinsim.core.check;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.Kernel;
import org.pinsim.core.gup.IoRingCtx;
import org.pinsim.core.gup.PerfEvent;
import org.pinsim.core.gup.UserStruct;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;

/**
 * The pin holders and their charges: every reference a ring holds (its region frames, one
 * each; its registered buffers' pins, GUP_PIN_COUNTING_BIAS each), and the identities of the
 * counters they charge (linux-6.18): user->locked_vm is the ring regions and buffer charges
 * of the rings whose ctx->user it is; an mm's pinned_vm is the buffer charges of the rings
 * it accounts (ctx->mm_account).
 */
final class PinInvariants {
    private PinInvariants() {
    }

    /** The references the live rings and perf ring buffers hold, by frame. */
    static Invariants.ExtraRefs pinHolderRefs(Kernel k) {
        List<IoRingCtx> rings = k.rings();
        List<PerfEvent> events = k.perfEvents();
        if (rings.isEmpty() && events.isEmpty()) {
            return Invariants.ExtraRefs.NONE;
        }
        Map<Integer, Integer> refs = new HashMap<>(); // the checker's own map: boxing is fine off the model's paths
        for (PerfEvent e : events) {
            for (int pfn : e.rbPfns()) {
                refs.merge(pfn, 1, Integer::sum);
            }
        }
        for (IoRingCtx r : rings) {
            for (int pfn : r.ringPfns()) {
                refs.merge(pfn, 1, Integer::sum);
            }
            for (int pfn : r.sqePfns()) {
                refs.merge(pfn, 1, Integer::sum);
            }
            for (IoRingCtx.Buffer b : r.buffers()) {
                for (int pfn : b.pfns()) {
                    refs.merge(pfn, Memory.GUP_PIN_COUNTING_BIAS, Integer::sum);
                }
            }
        }
        return pfn -> refs.getOrDefault(pfn, 0);
    }

    /** user->locked_vm and mm->pinned_vm equal what the live rings charged. */
    static void checkCharges(Kernel k) {
        Map<UserStruct, Long> user = new IdentityHashMap<>();
        Map<Mm, Long> pinned = new IdentityHashMap<>();
        for (IoRingCtx r : k.rings()) {
            if (r.user() != null) {
                user.merge(r.user(), r.regionPages() + r.bufferAcctPages(), Long::sum);
            }
            if (r.mmAccount() != null) {
                pinned.merge(r.mmAccount(), r.bufferAcctPages(), Long::sum);
            }
        }
        for (PerfEvent e : k.perfEvents()) {
            if (e.rbUser() != null) {
                user.merge(e.rbUser(), e.rbUserPages(), Long::sum);
            }
        }
        for (UserStruct u : k.users()) {
            long want = user.getOrDefault(u, 0L) + k.perf().leaked(u);
            if (u.lockedVm() != want) {
                Invariants.fail("uid " + u.uid() + ": user->locked_vm " + u.lockedVm() + " pages but its io_uring"
                        + " rings and perf buffers charged " + want + " (" + k.perf().leaked(u)
                        + " of them by second mmaps of a perf event, never returned)");
            }
        }
        for (Map.Entry<Mm, Long> e : pinned.entrySet()) {
            checkMm(k, e.getKey(), "mm " + e.getKey().id(), e.getValue());
        }
    }

    /** pinned_vm (and the driver part of locked_vm) against the io_uring and perf charges. */
    private static void checkMm(Kernel k, Mm mm, String who, long rings) {
        long perf = k.perf().charged(mm);
        boolean perfLocked = k.perf().chargesLockedVm();
        long wantPinned = rings + (perfLocked ? 0 : perf);
        if (mm.pinnedVm() != wantPinned) {
            Invariants.fail(who + ": pinned_vm " + mm.pinnedVm() + " pages but io_uring buffers charged " + rings
                    + (perfLocked ? "" : " and perf buffers " + perf));
        }
        if (mm.driverLockedVm() != (perfLocked ? perf : 0)) {
            Invariants.fail(who + ": locked_vm holds " + mm.driverLockedVm() + " pages of driver charges but perf"
                    + " buffers charged " + (perfLocked ? perf : 0));
        }
    }

    /** An mm no ring accounts to holds only perf charges in pinned_vm. */
    static void checkUncharged(Kernel k, List<IoRingCtx> rings, Mm mm, String who) {
        for (IoRingCtx r : rings) {
            if (r.mmAccount() == mm) {
                return;
            }
        }
        checkMm(k, mm, who, 0);
    }
}
