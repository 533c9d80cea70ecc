package org.pinsim.core.account;

import java.util.Arrays;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.gup.IoRingCtx;
import org.pinsim.core.gup.PerfEvent;
import org.pinsim.core.gup.Uverbs;
import org.pinsim.core.gup.VfioContainer;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.mm.VmaTree;

/**
 * The pages a process exempts from paging, the quantity the 2013 thread wanted one
 * RLIMIT_MEMLOCK to bound: distinct physical frames that reclaim may not take because of
 * this process. Not a /proc figure (no kernel computes it); pinsim's own, counted from the
 * holders, each frame once however many hold it:
 * <ul>
 * <li>present pages of its VM_LOCKED and (mpin-2013) VM_PINNED VMAs;</li>
 * <li>pages pinned by its MRs, DMA mappings, and the registered buffers of the io_uring rings
 *     it created (ctx->mm_account);</li>
 * <li>kernel pages it holds unswappable: the ring and SQE regions of those rings, and the ring
 *     buffers of the perf events it has mapped.</li>
 * </ul>
 * The shared zero page is not counted. Pages shared with another process count for both.
 */
public final class Exempt {
    private Exempt() {
    }

    /** The number of frames {@code t}'s process exempts from paging (0 after it exited). */
    public static long pages(Kernel k, Task t) {
        Mm mm = t.mm();
        if (mm == null) {
            return 0;
        }
        Frames f = new Frames();
        boolean pinnedFlag = k.profile().mlock().hasVmPinned();
        VmaTree vmas = mm.vmas();
        for (int i = 0; i < vmas.size(); i++) {
            Vma v = vmas.get(i);
            if (v.ops() instanceof PerfEvent e) {
                f.addAll(e.rbPfns(), e.rbPfns().length);
            } else if (v.has(VmFlags.VM_LOCKED) || (pinnedFlag && v.has(VmFlags.VM_PINNED))) {
                mm.pageTable().walk(v.start(), v.end(), (a, pte) -> {
                    if (Pte.present(pte) && !Pte.special(pte)) {
                        f.add(Pte.pfn(pte));
                    }
                });
            }
        }
        for (IoRingCtx r : k.rings()) {
            if (r.mmAccount() == mm) {
                f.addAll(r.ringPfns(), r.ringPfns().length);
                f.addAll(r.sqePfns(), r.sqePfns().length);
                for (IoRingCtx.Buffer b : r.buffers()) {
                    f.addAll(b.pfns(), b.pfns().length);
                }
            }
        }
        for (Uverbs u : k.uverbsDevices()) {
            for (Uverbs.Mr mr : u.mrs()) {
                if (mr.chargedMm() == mm) {
                    f.addAll(mr.pfns(), mr.npages());
                }
            }
        }
        for (VfioContainer c : k.vfioContainers()) {
            for (VfioContainer.Dma d : c.dmas()) {
                if (d.mm() == mm) {
                    f.addAll(d.pfns(), d.pfns().length);
                }
            }
        }
        return f.distinct(k.mem().zeroPfn());
    }

    /** A growable list of frame numbers, counted once each at the end (no boxing). */
    private static final class Frames {
        private int[] a = new int[64];
        private int n;

        void add(int pfn) {
            if (n == a.length) {
                a = Arrays.copyOf(a, 2 * n);
            }
            a[n++] = pfn;
        }

        void addAll(int[] pfns, int count) {
            for (int i = 0; i < count; i++) {
                add(pfns[i]);
            }
        }

        long distinct(int zeroPfn) {
            Arrays.sort(a, 0, n);
            long d = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] != zeroPfn && (i == 0 || a[i] != a[i - 1])) {
                    d++;
                }
            }
            return d;
        }
    }
}
