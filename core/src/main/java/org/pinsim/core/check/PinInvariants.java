package org.pinsim.core.check;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.pinsim.core.Kernel;
import org.pinsim.core.gup.IoRingCtx;
import org.pinsim.core.gup.PerfEvent;
import org.pinsim.core.gup.UserStruct;
import org.pinsim.core.gup.Uverbs;
import org.pinsim.core.gup.VfioContainer;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;

/**
 * The pin holders and their charges: every reference a holder keeps (io_uring ring region
 * frames, one each; registered buffers, MRs and DMA mappings, GUP_PIN_COUNTING_BIAS a
 * pinned page; perf ring buffer frames, one each), and the counters they charge, recomputed
 * from the holders: user->locked_vm is the ring regions and buffer charges of the rings whose
 * ctx->user it is, plus the perf buffers' user charges; an mm's driver part of pinned_vm and
 * of locked_vm is what the live rings, perf buffers, MRs and DMA mappings charged to it, plus
 * the charges the kernel leaves without an owner or takes from the wrong mm
 * ({@link Mm#unownedPinnedVm()}).
 */
final class PinInvariants {
    private PinInvariants() {
    }

    /** The references the live rings, perf ring buffers, MRs and DMA mappings hold, by frame. */
    static Invariants.ExtraRefs pinHolderRefs(Kernel k) {
        List<IoRingCtx> rings = k.rings();
        List<PerfEvent> events = k.perfEvents();
        List<Uverbs> devices = k.uverbsDevices();
        List<VfioContainer> containers = k.vfioContainers();
        if (rings.isEmpty() && events.isEmpty() && devices.isEmpty() && containers.isEmpty()) {
            return Invariants.ExtraRefs.NONE;
        }
        Map<Integer, Integer> refs = new HashMap<>(); // the checker's own map: boxing is fine off the model's paths
        for (PerfEvent e : events) {
            for (int pfn : e.rbPfns()) {
                refs.merge(pfn, 1, Integer::sum);
            }
        }
        final org.pinsim.core.mem.FrameTable ft = k.mem().frames();
        for (IoRingCtx r : rings) {
            for (int pfn : r.ringPfns()) {
                refs.merge(pfn, 1, Integer::sum);
            }
            for (int pfn : r.sqePfns()) {
                refs.merge(pfn, 1, Integer::sum);
            }
            for (IoRingCtx.Buffer b : r.buffers()) {
                pinned(ft, refs, b.pfns(), b.pfns().length);
            }
        }
        for (Uverbs u : devices) {
            for (Uverbs.Mr mr : u.mrs()) {
                pinned(ft, refs, mr.pfns(), mr.npages());
            }
        }
        for (VfioContainer c : containers) {
            for (VfioContainer.Dma d : c.dmas()) {
                pinned(ft, refs, d.pfns(), d.pfns().length);
            }
        }
        return pfn -> refs.getOrDefault(pfn, 0);
    }

    /** A FOLL_PIN: GUP_PIN_COUNTING_BIAS on a small folio, 1 on the head of a large one (try_grab_folio). */
    private static void pinned(org.pinsim.core.mem.FrameTable ft, Map<Integer, Integer> refs, int[] pfns, int n) {
        for (int i = 0; i < n; i++) {
            if (ft.isLarge(pfns[i])) {
                refs.merge(ft.compoundHead(pfns[i]), 1, Integer::sum);
            } else {
                refs.merge(pfns[i], Memory.GUP_PIN_COUNTING_BIAS, Integer::sum);
            }
        }
    }

    /** user->locked_vm of every user_struct equals what the live rings and perf buffers charged it. */
    static void checkCharges(Kernel k) {
        checkCharges(k, Holders.of(k));
    }

    /** {@link #checkCharges(Kernel)} with the holders already listed. */
    static void checkCharges(Kernel k, Holders h) {
        if (h.rings().isEmpty() && h.perfEvents().isEmpty()) {
            // no ring and no perf buffer charges anyone: each user's locked_vm is its leaks alone
            for (UserStruct u : k.usersView()) {
                checkUser(k, u, k.perf().leaked(u));
            }
            return;
        }
        Map<UserStruct, Long> user = new IdentityHashMap<>();
        for (IoRingCtx r : h.rings()) {
            if (r.user() != null) {
                user.merge(r.user(), r.regionPages() + r.bufferAcctPages(), Long::sum);
            }
        }
        for (PerfEvent e : h.perfEvents()) {
            if (e.rbUser() != null) {
                user.merge(e.rbUser(), e.rbUserPages(), Long::sum);
            }
        }
        for (UserStruct u : k.usersView()) {
            checkUser(k, u, user.getOrDefault(u, 0L) + k.perf().leaked(u));
        }
    }

    private static void checkUser(Kernel k, UserStruct u, long want) {
        if (u.lockedVm() != want) {
            Invariants.fail("uid " + u.uid() + ": user->locked_vm " + u.lockedVm() + " pages but its io_uring"
                    + " rings and perf buffers charged " + want + " (" + k.perf().leaked(u)
                    + " of them by second mmaps of a perf event, never returned)");
        }
    }

    /** The live pin holders, listed once for all the mms of one check. */
    record Holders(List<IoRingCtx> rings, List<PerfEvent> perfEvents, List<Uverbs> devices,
                   List<VfioContainer> containers) {
        private static final Holders NONE = new Holders(List.of(), List.of(), List.of(), List.of());

        static Holders of(Kernel k) {
            if (!k.hasPinHolders()) {
                return NONE; // the common case, without four list copies after every call
            }
            return new Holders(k.rings(), k.perfEvents(), k.uverbsDevices(), k.vfioContainers());
        }
    }

    /** The driver parts of {@code mm}'s pinned_vm and locked_vm against what its holders charged. */
    static void checkMm(Kernel k, Mm mm, Object who) {
        checkMm(k, Holders.of(k), mm, who);
    }

    /** {@link #checkMm(Kernel, Mm, Object)} with the holders already listed. */
    static void checkMm(Kernel k, Holders h, Mm mm, Object who) {
        long rings = 0;
        for (IoRingCtx r : h.rings()) {
            if (r.mmAccount() == mm) {
                rings += r.bufferAcctPages();
            }
        }
        long mrPinned = 0;
        long mrLocked = 0;
        for (Uverbs u : h.devices()) {
            for (Uverbs.Mr mr : u.mrs()) {
                if (mr.chargedMm() == mm) {
                    if (mr.lockedVmCounter()) {
                        mrLocked += mr.ledgerPages();
                    } else {
                        mrPinned += mr.ledgerPages();
                    }
                }
            }
        }
        long dma = 0;
        for (VfioContainer c : h.containers()) {
            for (VfioContainer.Dma d : c.dmas()) {
                if (d.mm() == mm) {
                    dma += d.lockedPages();
                }
            }
        }
        long perf = k.perf().charged(mm);
        boolean perfLocked = k.perf().chargesLockedVm();
        long wantPinned = rings + mrPinned + (perfLocked ? 0 : perf) + mm.unownedPinnedVm();
        if (mm.driverPinnedVm() != wantPinned) {
            Invariants.fail(who + ": pinned_vm holds " + mm.driverPinnedVm() + " pages of driver charges but io_uring"
                    + " buffers charged " + rings + ", MRs " + mrPinned + (perfLocked ? "" : ", perf buffers " + perf)
                    + ", and " + mm.unownedPinnedVm() + " have no owner");
        }
        long wantLocked = mrLocked + dma + (perfLocked ? perf : 0) + mm.unownedLockedVm();
        if (mm.driverLockedVm() != wantLocked) {
            Invariants.fail(who + ": locked_vm holds " + mm.driverLockedVm() + " pages of driver charges but MRs"
                    + " charged " + mrLocked + ", DMA mappings " + dma + (perfLocked ? ", perf buffers " + perf : "")
                    + ", and " + mm.unownedLockedVm() + " have no owner");
        }
    }
}
