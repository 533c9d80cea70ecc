package org.pinsim.core.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.VmaTree;

/**
 * Named points in a run at which the frame of every page of every process was recorded, as
 * /proc/PID/pagemap shows it (the PFN of each present page; the shared zero page and special
 * mappings left out), so that a check can count the pages of a region whose frame changed
 * since then: migration, compaction, or a page freed and faulted in again. pinsim's own
 * figure (the scenario's {@code mark()} and {@code moved(R, M)}); the live verifier reads the
 * same from pagemap.
 */
public final class FrameMarks {
    /** One mark: per pid, address -> pfn of each present page. */
    private final List<TreeMap<Integer, TreeMap<Long, Integer>>> marks = new ArrayList<>();
    private final Kernel k;

    public FrameMarks(Kernel k) {
        this.k = k;
    }

    /** Records the frames of every live process's pages; returns the mark's number (1, 2, ...). */
    public int mark() {
        TreeMap<Integer, TreeMap<Long, Integer>> m = new TreeMap<>();
        for (Task t : k.tasks()) {
            if (!t.exited() && t.mm() != null) {
                m.put(t.pid(), frames(t.mm()));
            }
        }
        marks.add(m);
        return marks.size();
    }

    /**
     * The pages of [start, start + len) of {@code task} present at mark {@code mark} and now,
     * whose frame differs; -1 if there is no such mark.
     */
    public long moved(Task task, int mark, long start, long len) {
        if (mark < 1 || mark > marks.size()) {
            return -1;
        }
        TreeMap<Long, Integer> then = marks.get(mark - 1).get(task.pid());
        if (then == null || task.mm() == null) {
            return 0;
        }
        long lo = start & ~4095L;
        long hi = (start + len + 4095) & ~4095L;
        TreeMap<Long, Integer> now = frames(task.mm());
        long n = 0;
        for (var e : then.subMap(lo, hi).entrySet()) {
            Integer p = now.get(e.getKey());
            if (p != null && !p.equals(e.getValue())) {
                n++;
            }
        }
        return n;
    }

    /** Address -> pfn of the present pages of {@code mm}, the zero page and special PTEs left out. */
    private TreeMap<Long, Integer> frames(Mm mm) {
        TreeMap<Long, Integer> out = new TreeMap<>();
        int zero = k.mem().zeroPfn();
        VmaTree vmas = mm.vmas();
        for (int i = 0; i < vmas.size(); i++) {
            mm.pageTable().walk(vmas.get(i).start(), vmas.get(i).end(), (addr, e) -> {
                if (Pte.present(e) && !Pte.special(e) && Pte.pfn(e) != zero) {
                    out.put(addr, Pte.pfn(e));
                }
            });
        }
        return out;
    }
}
