package org.pinsim.bench;

import static org.pinsim.core.uapi.Mman.MADV_NOHUGEPAGE;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.Locale;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.task.Caps;

/**
 * Heap cost of the model, the counterpart of kbench's {@code const_struct_page_bytes} and
 * {@code const_pagetable_bytes_per_page}: used heap (after full GCs) before and after booting
 * a machine, per simulated 4 KiB frame; and before and after populating a region, per mapped
 * page. The target is at most 32 bytes per frame (the kernel's struct page is 64).
 */
final class HeapProbe {
    static final long TARGET_BYTES_PER_FRAME = 32;
    private static final int GC_ROUNDS = 4;

    private HeapProbe() {
    }

    /** {@code meta_heap_bytes_per_frame} for a freshly booted default machine (16 GiB, one node). */
    static String heapBytesPerFrameLine() {
        MachineConfig config = MachineConfig.defaults();
        long before = usedHeapAfterGc();
        Kernel k = Kernel.boot(config);
        long after = usedHeapAfterGc();
        FrameTable ft = k.mem().frames();
        long frames = ft.nrFrames();
        long tableBytes = ft.heapBytes();
        Reference.reachabilityFence(k);
        return "{\"op\":\"meta_heap_bytes_per_frame\",\"machine_bytes\":" + config.memoryBytes()
                + ",\"frames\":" + frames
                + ",\"heap_bytes_boot\":" + (after - before)
                + ",\"bytes_per_frame\":" + fmt((double) (after - before) / frames)
                + ",\"frame_table_heap_bytes\":" + tableBytes
                + ",\"frame_table_bytes_per_frame\":" + fmt((double) tableBytes / frames)
                + ",\"target_bytes_per_frame\":" + TARGET_BYTES_PER_FRAME + ",\"gc\":\"" + gcNames() + "\"}";
    }

    /**
     * {@code meta_heap_bytes_per_mapped_page}: heap that populating a 1 GiB private anonymous
     * region adds (page tables and any per-mapping state), per page; kbench measured 8.016
     * bytes of real page tables per page.
     */
    static String heapBytesPerMappedPageLine() {
        long bytes = 1L << 30;
        Kernel k = Kernel.boot(MachineConfig.defaults());
        Task t = k.spawn(ProcessSpec.defaults("heap", k.profile()).withCaps(Caps.ALL));
        long p = t.mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
        if (p < 0 || t.madvise(p, bytes, MADV_NOHUGEPAGE).isError()) {
            throw new IllegalStateException("heap probe: mmap of 1 GiB failed");
        }
        long before = usedHeapAfterGc();
        if (t.touch(p, bytes, true).isError()) {
            throw new IllegalStateException("heap probe: touch of 1 GiB failed");
        }
        long after = usedHeapAfterGc();
        Reference.reachabilityFence(k);
        long pages = bytes / Workloads.PAGE_SIZE;
        return "{\"op\":\"meta_heap_bytes_per_mapped_page\",\"bytes\":" + bytes + ",\"pages\":" + pages
                + ",\"heap_bytes_populate\":" + (after - before)
                + ",\"bytes_per_page\":" + fmt((double) (after - before) / pages) + "}";
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * The collectors in use. Under G1 each frame-table array (a power of two of elements plus
     * a 16-byte header) is a humongous object that fills whole regions, so the measured figure
     * exceeds the arrays' payload by up to one region per array; ParallelGC shows the payload.
     */
    private static String gcNames() {
        StringBuilder sb = new StringBuilder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sb.append(sb.length() == 0 ? "" : "+").append(gc.getName());
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
