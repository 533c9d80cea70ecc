package org.pinsim.core.proc;

import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.HugeMemory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;

/**
 * fs/proc/task_mmu.c: /proc/PID/maps (show_map_vma, get_vma_name) and /proc/PID/smaps
 * (show_smap), including the gate VMA ({@code [vsyscall]}) that m_start appends after the
 * last VMA.
 */
final class TaskMmu {
    /** arch/x86/include/asm/vsyscall.h VSYSCALL_ADDR: the gate VMA's one page. */
    static final long GATE_START = 0xffffffffff600000L;
    static final long GATE_END = GATE_START + 4096;
    /** arch/x86/entry/vsyscall/vsyscall_64.c gate_vma: vsyscall=xonly (the default) maps it VM_EXEC. */
    static final long GATE_FLAGS = VmFlags.VM_EXEC;
    static final String GATE_NAME = "[vsyscall]";

    private static final long PMD_SIZE = 1L << 21;

    private TaskMmu() {
    }

    /**
     * get_gate_vma(mm): the model gives an mm the vsyscall page when it has an exec image,
     * i.e. layout=default sets start_code; layout=empty leaves it 0 and shows no gate.
     */
    static boolean hasGate(Mm mm) {
        return mm.startCode() != 0;
    }

    /** show_map_vma: the header line of one VMA, newline included. */
    static void showMapVma(StringBuilder sb, Mm mm, Vma v) {
        Inode f = v.file();
        long pgoff = f == null ? 0 : v.pgoff() << 12;
        int dev = f == null ? 0 : f.dev();
        long ino = f == null ? 0 : f.ino();
        int lineStart = sb.length();
        headerPrefix(sb, v.start(), v.end(), v.flags(), pgoff, dev, ino);
        String name = vmaName(mm, v);
        if (name != null) {
            Seq.pad(sb, lineStart, Seq.MAPS_NAME_COLUMN).append(name);
        }
        sb.append('\n');
    }

    /** The gate VMA's header line. */
    static void showGate(StringBuilder sb) {
        int lineStart = sb.length();
        headerPrefix(sb, GATE_START, GATE_END, GATE_FLAGS, 0, 0, 0);
        Seq.pad(sb, lineStart, Seq.MAPS_NAME_COLUMN).append(GATE_NAME).append('\n');
    }

    /** show_vma_header_prefix: {@code %08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu }. */
    private static void headerPrefix(StringBuilder sb, long start, long end, long flags, long pgoff, int dev,
            long ino) {
        Seq.putHex(sb, null, start, 8);
        Seq.putHex(sb, "-", end, 8);
        sb.append(' ')
                .append((flags & VmFlags.VM_READ) != 0 ? 'r' : '-')
                .append((flags & VmFlags.VM_WRITE) != 0 ? 'w' : '-')
                .append((flags & VmFlags.VM_EXEC) != 0 ? 'x' : '-')
                .append((flags & VmFlags.VM_MAYSHARE) != 0 ? 's' : 'p');
        Seq.putHex(sb, " ", pgoff, 8);
        Seq.putHex(sb, " ", (dev >>> 8) & 0xff, 2); // MAJOR(dev)
        Seq.putHex(sb, ":", dev & 0xff, 2); // MINOR(dev)
        sb.append(' ').append(ino).append(' ');
    }

    /**
     * get_vma_name: the file's path (a shared anonymous mapping's shmem inode is already
     * named "/dev/zero (deleted)", a memfd "/memfd:NAME (deleted)"), else a special
     * mapping's name, else [heap] or [stack], else none.
     */
    static String vmaName(Mm mm, Vma v) {
        if (v.file() != null) {
            return v.file().path();
        }
        if (v.specialName() != null) {
            return v.specialName();
        }
        if (v.ops() != null) {
            return v.ops().name(); // the driver file's anon inode, "anon_inode:[perf_event]"
        }
        if (isInitialHeap(mm, v)) {
            return "[heap]";
        }
        if (isInitialStack(mm, v)) {
            return "[stack]";
        }
        return null;
    }

    /**
     * include/linux/mm.h vma_is_initial_heap, strict on both ends in 6.18 (the older
     * {@code <=}/{@code >=} form named neighbours of the heap too): a VMA that merely touches
     * [start_brk, brk) is not the heap, and an empty heap (brk == start_brk) names nothing.
     * Checked on the 6.18 reference box: an anonymous mapping ending at start_brk, or
     * starting at brk, is unnamed.
     */
    static boolean isInitialHeap(Mm mm, Vma v) {
        return Long.compareUnsigned(v.start(), mm.brk()) < 0 && Long.compareUnsigned(v.end(), mm.startBrk()) > 0;
    }

    /** include/linux/mm.h vma_is_initial_stack: the VMA holding start_stack (inclusive both ends). */
    static boolean isInitialStack(Mm mm, Vma v) {
        return Long.compareUnsigned(v.start(), mm.startStack()) <= 0
                && Long.compareUnsigned(v.end(), mm.startStack()) >= 0;
    }

    /** show_smap for one VMA. */
    static void showSmap(StringBuilder sb, Mm mm, Vma v, FrameTable ft, HugeMemory huge) {
        MemSizeStats mss = MemSizeStats.gather(mm, v, ft);
        showMapVma(sb, mm, v);
        // thp_vma_allowable_orders(vma, vma->vm_flags, TVA_SMAPS, THP_ORDERS_ALL)
        smapBody(sb, v.end() - v.start(), mss, huge.allowable(v, v.flags(), HugeMemory.TVA_SMAPS), v.flags());
    }

    /** show_smap for the gate VMA: no page of it is in the process's page table. */
    static void showGateSmap(StringBuilder sb) {
        showGate(sb);
        smapBody(sb, GATE_END - GATE_START, new MemSizeStats(), false, GATE_FLAGS);
    }

    private static void smapBody(StringBuilder sb, long size, MemSizeStats mss, boolean thp, long flags) {
        Seq.putDecimal(sb, "Size:           ", size >>> 10, 8);
        Seq.putDecimal(sb, " kB\nKernelPageSize: ", 4, 8);
        Seq.putDecimal(sb, " kB\nMMUPageSize:    ", 4, 8);
        sb.append(" kB\n");
        mss.format(sb);
        Seq.putDecimal(sb, "THPeligible:    ", thp ? 1 : 0, 8).append('\n');
        // arch_pkeys_enabled() is true on the reference box; the model has no pkeys: key 0
        Seq.putDecimal(sb, "ProtectionKey:  ", 0, 8).append('\n');
        sb.append("VmFlags: ").append(VmFlags.smapsMnemonics(flags)).append('\n');
    }
}
