package org.pinsim.core.proc;

import org.pinsim.core.Kernel;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmaTree;
import org.pinsim.core.mm.VmFlags;

/**
 * The read-only /proc views of one simulated machine, formatted byte for byte as Linux 6.18
 * prints them (fs/proc/task_mmu.c, fs/proc/array.c, fs/proc/meminfo.c, mm/vmstat.c), so
 * that pinsim's output diffs against a real box. Every view is computed on demand from the
 * model's state; nothing here changes it.
 *
 * <p>Per-process views of a task that has no mm (exited) are empty, as the kernel's are.
 */
public final class ProcFs {
    /** The vsyscall gate VMA's first address (arch/x86 VSYSCALL_ADDR). */
    public static final long GATE_VMA_START = TaskMmu.GATE_START;
    /** The vsyscall gate VMA's end. */
    public static final long GATE_VMA_END = TaskMmu.GATE_END;

    private final Kernel k;
    private Meminfo meminfo;
    private Vmstat vmstat;

    public ProcFs(Kernel k) {
        this.k = k;
    }

    // ---- /proc/PID/status ----

    /**
     * The {@code Name} and {@code Pid} lines of /proc/PID/status and its memory lines
     * (task_mem: VmPeak ... VmSwap, then HugetlbPages), as {@code "VmLck:\t      64 kB\n"}.
     */
    public String status(Task t) {
        StringBuilder sb = new StringBuilder(512);
        sb.append("Name:\t").append(escapeName(t.name())).append('\n');
        sb.append("Pid:\t").append(t.pid()).append('\n');
        if (t.mm() != null) {
            TaskMem.format(sb, t.mm());
        }
        return sb.toString();
    }

    /**
     * The kB value of one memory line of /proc/PID/status ({@code VmLck}, {@code VmRSS}, ...).
     *
     * @throws IllegalArgumentException for a name that is not one of those lines, listing them
     */
    public long statusField(Task t, String name) {
        int i = TaskMem.index(name);
        return t.mm() == null ? 0 : TaskMem.values(t.mm())[i];
    }

    // ---- /proc/PID/maps and smaps ----

    /** True if maps ends with the {@code [vsyscall]} gate line: the mm has an exec image (start_code != 0). */
    public boolean hasGateVma(Task t) {
        return t.mm() != null && TaskMmu.hasGate(t.mm());
    }

    /** /proc/PID/maps. */
    public String maps(Task t) {
        Mm mm = t.mm();
        if (mm == null) {
            return "";
        }
        VmaTree vmas = mm.vmas();
        StringBuilder sb = new StringBuilder((vmas.size() + 1) * 100);
        for (int i = 0; i < vmas.size(); i++) {
            TaskMmu.showMapVma(sb, mm, vmas.get(i));
        }
        if (TaskMmu.hasGate(mm)) {
            TaskMmu.showGate(sb);
        }
        return sb.toString();
    }

    /** /proc/PID/smaps: each maps line followed by its Size ... VmFlags block. */
    public String smaps(Task t) {
        Mm mm = t.mm();
        if (mm == null) {
            return "";
        }
        FrameTable ft = k.mem().frames();
        VmaTree vmas = mm.vmas();
        StringBuilder sb = new StringBuilder((vmas.size() + 1) * 900);
        for (int i = 0; i < vmas.size(); i++) {
            TaskMmu.showSmap(sb, mm, vmas.get(i), ft, k.memory().huge());
        }
        if (TaskMmu.hasGate(mm)) {
            TaskMmu.showGateSmap(sb);
        }
        return sb.toString();
    }

    /** The sum of the smaps {@code Locked:} lines, as printed (kB), in bytes. */
    public long smapsLockedTotal(Task t) {
        Mm mm = t.mm();
        if (mm == null) {
            return 0;
        }
        long kb = 0;
        VmaTree vmas = mm.vmas();
        for (int i = 0; i < vmas.size(); i++) {
            kb += smapsLockedKb(mm, vmas.get(i));
        }
        return kb << 10;
    }

    /** The number of lines of /proc/PID/maps: the VMAs, plus the gate VMA if there is one. */
    public int mapCount(Task t) {
        Mm mm = t.mm();
        if (mm == null) {
            return 0;
        }
        return mm.vmas().size() + (TaskMmu.hasGate(mm) ? 1 : 0);
    }

    /**
     * What the region checks read about [start, start + len), the start rounded down and the
     * end rounded up to pages; see {@link RegionStats}. The gate VMA is not a region.
     */
    public RegionStats region(Task t, long start, long len) {
        Mm mm = t.mm();
        long lo = start & ~4095L;
        long hi = (start + len + 4095) & ~4095L;
        if (mm == null || Long.compareUnsigned(hi, lo) <= 0) {
            return new RegionStats(0, 0, 0, 0, 0, 0);
        }
        int vmaCount = 0;
        int locked = 0;
        long lck = 0;
        long rss = 0;
        long smapsLockedKb = 0;
        long smapsSharedBytes = 0;
        long smapsAnonHugeBytes = 0;
        long smapsLazyFreeBytes = 0;
        VmaTree vmas = mm.vmas();
        for (int i = vmas.findIndex(lo); i < vmas.size() && Long.compareUnsigned(vmas.get(i).start(), hi) < 0; i++) {
            Vma v = vmas.get(i);
            long s = Math.max(lo, v.start());
            long e = Math.min(hi, v.end());
            vmaCount++;
            MemSizeStats st = MemSizeStats.gather(mm, v, k.mem().frames()); // one smaps walk of the VMA
            if (v.has(VmFlags.VM_LOCKED)) {
                locked++;
                lck += e - s;
                smapsLockedKb += st.lockedKb(); // pss_locked only grows in VM_LOCKED VMAs
            }
            rss += residentBytes(mm, s, e);
            smapsSharedBytes += st.sharedClean + st.sharedDirty;
            smapsAnonHugeBytes += (st.anonymousThp >>> 10) << 10; // as printed, in kB
            smapsLazyFreeBytes += (st.lazyfree >>> 10) << 10;
        }
        return new RegionStats(vmaCount, locked, lck, rss, smapsLockedKb << 10, smapsSharedBytes,
                smapsAnonHugeBytes, smapsLazyFreeBytes);
    }

    private long smapsLockedKb(Mm mm, Vma v) {
        if (!v.has(VmFlags.VM_LOCKED)) {
            return 0; // pss_locked only grows in VM_LOCKED VMAs
        }
        return MemSizeStats.gather(mm, v, k.mem().frames()).lockedKb();
    }

    /**
     * Bytes of [s, e) mapped by present PTEs to normal pages (not the zero page), or by
     * migration entries (smaps_pte_entry counts a page under migration in Rss).
     */
    private static long residentBytes(Mm mm, long s, long e) {
        long[] pages = new long[1];
        mm.pageTable().walk(s, e, (addr, pte) -> {
            if (Pte.present(pte) && !Pte.special(pte) || Pte.isMigrationEntry(pte)) {
                pages[0]++;
            }
        });
        return pages[0] << 12;
    }

    // ---- system-wide views ----

    /** /proc/meminfo, the lines the model can state; see {@link Meminfo}. */
    public String meminfo() {
        return meminfoView().show();
    }

    /**
     * The number one /proc/meminfo line shows: kB, or a count for the HugePages_* lines.
     *
     * @throws IllegalArgumentException for a line pinsim does not print, listing those it does
     */
    public long meminfoField(String name) {
        return meminfoView().field(name);
    }

    /** /proc/vmstat, the counters the model keeps, in the kernel's order; see {@link Vmstat}. */
    /** True when Linux 6.18 prints {@code name} in /proc/vmstat (modelled or not). */
    public static boolean isLinuxVmstatField(String name) {
        for (String n : Vmstat.KERNEL_ORDER) {
            if (n.equals(name)) {
                return true;
            }
        }
        return false;
    }

    public String vmstat() {
        return vmstatView().show();
    }

    /**
     * One /proc/vmstat counter (a page count or an event count).
     *
     * @throws IllegalArgumentException for a counter pinsim does not keep, listing those it does
     */
    public long vmstatField(String name) {
        return vmstatView().field(name);
    }

    /** /proc/buddyinfo. */
    public String buddyinfo() {
        return k.mem().buddyinfo();
    }

    /** /proc/pagetypeinfo; see {@link org.pinsim.core.mem.FragViews}. */
    public String pagetypeinfo() {
        return new org.pinsim.core.mem.FragViews(k.mem()).pagetypeinfo();
    }

    /** /proc/zoneinfo, the zones' own lines; see {@link org.pinsim.core.mem.FragViews}. */
    public String zoneinfo() {
        return new org.pinsim.core.mem.FragViews(k.mem()).zoneinfo();
    }

    /** debugfs extfrag/extfrag_index. */
    public String extfragIndex() {
        return new org.pinsim.core.mem.FragViews(k.mem()).extfragIndex();
    }

    /** debugfs extfrag/unusable_index. */
    public String unusableIndex() {
        return new org.pinsim.core.mem.FragViews(k.mem()).unusableIndex();
    }

    /**
     * One figure of the page allocator's files ({@code buddyinfo.0.Normal.9},
     * {@code physmem.order9_after_compaction}, ...); see {@link org.pinsim.core.mem.PhysMemFields}.
     */
    public long physmemField(String path) {
        return org.pinsim.core.mem.PhysMemFields.read(k.mem(), path,
                k.sysctl().get(org.pinsim.core.Sysctl.COMPACT_UNEVICTABLE_ALLOWED) != 0);
    }

    private Meminfo meminfoView() {
        if (meminfo == null) {
            meminfo = new Meminfo(k.mem(), k.lru(), k.vmstat());
        }
        return meminfo;
    }

    private Vmstat vmstatView() {
        if (vmstat == null) {
            vmstat = new Vmstat(k.mem(), k.lru(), k.vmstat(), k.profile().hasMpin());
        }
        return vmstat;
    }

    /** fs/proc/array.c proc_task_name: the comm, with escapes for '\\' and newlines. */
    private static String escapeName(String name) {
        return name.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
