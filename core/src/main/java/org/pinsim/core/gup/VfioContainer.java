package org.pinsim.core.gup;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.pinsim.core.mm.Mm;

/**
 * The stand-in vfio container a process has (drivers/vfio/vfio_iommu_type1.c struct
 * vfio_iommu, TYPE1v2, with one IOMMU domain whose smallest page is 4 KiB and whose
 * aperture is 48 bits, less the x86 MSI window): its DMA mappings by IOVA. pinsim gives each
 * process one, opened at its first vfio call, as if the program had opened /dev/vfio/vfio,
 * attached a group and set the IOMMU type; the IOVA of a mapping is its user address.
 * Threads sharing the file table share it; a forked child does not inherit it; it is
 * closed, unmapping everything, when the last task holding the file table exits.
 */
public final class VfioContainer {
    /**
     * struct vfio_dma: a mapping, the frames it pinned, and what it charged.
     *
     * @param mm the mm charged (6.x dma->mm; 3.10 charged current->mm, the mapper's)
     * @param lockCap dma->lock_cap: CAP_IPC_LOCK at map time (6.x)
     * @param lockedPages pages charged to {@code mm}'s locked_vm (dma->locked_vm)
     */
    public record Dma(long iova, long size, int[] pfns, Mm mm, boolean lockCap, long lockedPages) {
        long end() {
            return iova + size;
        }
    }

    /** drivers/vfio/vfio_iommu_type1.c dma_entry_limit default: U16_MAX mappings per container. */
    static final int DMA_ENTRY_LIMIT = 65535;

    final TreeMap<Long, Dma> dmas = new TreeMap<>(Long::compareUnsigned);
    int dmaAvail = DMA_ENTRY_LIMIT;
    boolean closed;

    VfioContainer() {
    }

    /** The mappings, in IOVA order. */
    public List<Dma> dmas() {
        return new ArrayList<>(dmas.values());
    }

    public boolean closed() {
        return closed;
    }

    /** vfio_find_dma: a mapping that intersects [start, start+size), or null. */
    Dma find(long start, long size) {
        java.util.Map.Entry<Long, Dma> below = dmas.floorEntry(start);
        if (below != null && Long.compareUnsigned(start, below.getValue().end()) < 0) {
            return below.getValue();
        }
        java.util.Map.Entry<Long, Dma> above = dmas.higherEntry(start);
        if (above != null && Long.compareUnsigned(above.getKey(), start + size) < 0) {
            return above.getValue();
        }
        return null;
    }
}
