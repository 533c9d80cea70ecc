package org.pinsim.core.proc;

import static org.pinsim.core.mem.FrameTable.PG_anon;
import static org.pinsim.core.mem.FrameTable.PG_dirty;
import static org.pinsim.core.mem.FrameTable.PG_swapbacked;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.NodeStat;
import org.pinsim.core.vmstat.VmStat;

/**
 * fs/proc/meminfo.c meminfo_proc_show: the lines the model can state, in the kernel's order
 * and format ({@code show_val_kb}: a 16-column label, the kB value right-aligned in 8).
 *
 * <p>Printed: every line the model determines, either because it models the counter or
 * because the feature it counts does not exist in the model (swap, zswap, hugetlb, THP,
 * writeback, bounce buffers, NFS, secondary page tables, balloon: all 0). Left out, not
 * printed as 0: kernel-internal memory the model does not simulate (KReclaimable, Slab,
 * SReclaimable, SUnreclaim, KernelStack, Vmalloc*, Percpu, DirectMap*) and the commit
 * accounting (CommitLimit, Committed_AS).
 *
 * <p>MemAvailable is si_mem_available() on a machine without watermarks
 * (totalreserve_pages = 0, wmark_low = 0) and without slab: MemFree + Active(file) +
 * Inactive(file). Dirty counts page-cache pages of regular files with PG_dirty
 * (NR_FILE_DIRTY; shmem's dirty flag is not accounted, as noop_dirty_folio does not): it is
 * the one line that sweeps the frame table.
 */
final class Meminfo {
    /** One line: its name, the text before the number, the number's width, the text after it. */
    private record Line(String name, String prefix, int width, String suffix, LongSupplier value) {
    }

    private static final int PAGES_TO_KB = 2;

    private final List<Line> lines = new ArrayList<>();
    private final PhysMem mem;
    private final Lru lru;

    Meminfo(PhysMem mem, Lru lru, VmStat stat) {
        this.mem = mem;
        this.lru = lru;
        kb("MemTotal", mem::totalPages);
        kb("MemFree", mem::freePagesCount);
        kb("MemAvailable", this::available);
        kb("Buffers", () -> 0);
        kb("Cached", () -> stat.get(NodeStat.NR_FILE_PAGES)); // minus swapcache (none) and buffers (none)
        kb("SwapCached", () -> 0);
        kb("Active", () -> lru(Lru.LRU_ACTIVE_ANON) + lru(Lru.LRU_ACTIVE_FILE));
        kb("Inactive", () -> lru(Lru.LRU_INACTIVE_ANON) + lru(Lru.LRU_INACTIVE_FILE));
        kb("Active(anon)", () -> lru(Lru.LRU_ACTIVE_ANON));
        kb("Inactive(anon)", () -> lru(Lru.LRU_INACTIVE_ANON));
        kb("Active(file)", () -> lru(Lru.LRU_ACTIVE_FILE));
        kb("Inactive(file)", () -> lru(Lru.LRU_INACTIVE_FILE));
        kb("Unevictable", () -> lru(Lru.LRU_UNEVICTABLE));
        kb("Mlocked", () -> stat.get(NodeStat.NR_MLOCK));
        kb("SwapTotal", () -> 0);
        kb("SwapFree", () -> 0);
        kb("Zswap", () -> 0);
        kb("Zswapped", () -> 0);
        kb("Dirty", this::fileDirty);
        kb("Writeback", () -> 0);
        kb("AnonPages", () -> stat.get(NodeStat.NR_ANON_MAPPED));
        kb("Mapped", () -> stat.get(NodeStat.NR_FILE_MAPPED));
        kb("Shmem", () -> stat.get(NodeStat.NR_SHMEM));
        kb("PageTables", () -> stat.get(NodeStat.NR_PAGETABLE));
        kb("SecPageTables", () -> 0);
        kb("NFS_Unstable", () -> 0);
        kb("Bounce", () -> 0);
        kb("WritebackTmp", () -> 0);
        kb("AnonHugePages", () -> stat.get(NodeStat.NR_ANON_THPS)); // global_node_page_state(NR_ANON_THPS)
        kb("ShmemHugePages", () -> 0);
        kb("ShmemPmdMapped", () -> 0);
        kb("FileHugePages", () -> 0);
        kb("FilePmdMapped", () -> 0);
        kb("Balloon", () -> 0);
        // mm/hugetlb.c hugetlb_report_meminfo: no huge pages are configured
        lines.add(new Line("HugePages_Total", "HugePages_Total:   ", 5, "\n", () -> 0));
        lines.add(new Line("HugePages_Free", "HugePages_Free:    ", 5, "\n", () -> 0));
        lines.add(new Line("HugePages_Rsvd", "HugePages_Rsvd:    ", 5, "\n", () -> 0));
        lines.add(new Line("HugePages_Surp", "HugePages_Surp:    ", 5, "\n", () -> 0));
        lines.add(new Line("Hugepagesize", "Hugepagesize:   ", 8, " kB\n", () -> 2048));
        lines.add(new Line("Hugetlb", "Hugetlb:        ", 8, " kB\n", () -> 0));
    }

    /** show_val_kb(m, "NAME:    ", pages). */
    private void kb(String name, LongSupplier pages) {
        StringBuilder label = new StringBuilder(name).append(':');
        while (label.length() < 16) {
            label.append(' ');
        }
        lines.add(new Line(name, label.toString(), 8, " kB\n", () -> pages.getAsLong() << PAGES_TO_KB));
    }

    String show() {
        StringBuilder sb = new StringBuilder(lines.size() * 28);
        for (Line l : lines) {
            Seq.putDecimal(sb, l.prefix(), l.value().getAsLong(), l.width()).append(l.suffix());
        }
        return sb.toString();
    }

    /** The number a line shows (kB, or a count for HugePages_*). */
    long field(String name) {
        for (Line l : lines) {
            if (l.name().equals(name)) {
                return l.value().getAsLong();
            }
        }
        throw new IllegalArgumentException("unknown /proc/meminfo field '" + name + "' (known: " + names() + ")");
    }

    private String names() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(sb.length() == 0 ? "" : ", ").append(l.name());
        }
        return sb.toString();
    }

    private long lru(int list) {
        return lru.nrPages(list);
    }

    /**
     * mm/show_mem.c si_mem_available: free pages minus totalreserve_pages, plus the page
     * cache less min(half of it, the zones' low watermarks); no reclaimable slab is modelled.
     */
    private long available() {
        final long wmarkLow = mem.lowWmarkPagesTotal();
        long available = mem.freePagesCount() - mem.totalreservePages();
        long pagecache = lru(Lru.LRU_ACTIVE_FILE) + lru(Lru.LRU_INACTIVE_FILE);
        pagecache -= Math.min(pagecache / 2, wmarkLow);
        available += pagecache;
        return Math.max(available, 0);
    }

    /** NR_FILE_DIRTY: dirty page-cache pages of regular files (not shmem, not anonymous). */
    private long fileDirty() {
        FrameTable ft = mem.frames();
        int n = ft.nrFrames();
        int mask = 1 << PG_dirty | 1 << PG_anon | 1 << PG_swapbacked;
        long count = 0;
        for (int pfn = 0; pfn < n; pfn++) {
            if ((ft.flags(pfn) & mask) == 1 << PG_dirty && ft.refcount(pfn) > 0
                    && Memory.ownerIsFile(ft.owner(pfn))) {
                count++;
            }
        }
        return count;
    }
}
