package org.pinsim.core.vmstat;

/**
 * vm_event_item (include/linux/vm_event_item.h): event counters, in /proc/vmstat order,
 * named as /proc/vmstat prints them. Only the events the model produces are listed.
 */
public enum VmEvent {
    PGALLOC_DMA("pgalloc_dma"),
    PGALLOC_DMA32("pgalloc_dma32"),
    PGALLOC_NORMAL("pgalloc_normal"),
    PGALLOC_MOVABLE("pgalloc_movable"),
    PGFREE("pgfree"),
    PGFAULT("pgfault"),
    PGMAJFAULT("pgmajfault"),
    PGMIGRATE_SUCCESS("pgmigrate_success"),
    PGMIGRATE_FAIL("pgmigrate_fail"),
    UNEVICTABLE_PGCULLED("unevictable_pgs_culled"),
    UNEVICTABLE_PGSCANNED("unevictable_pgs_scanned"),
    UNEVICTABLE_PGRESCUED("unevictable_pgs_rescued"),
    UNEVICTABLE_PGMLOCKED("unevictable_pgs_mlocked"),
    UNEVICTABLE_PGMUNLOCKED("unevictable_pgs_munlocked"),
    UNEVICTABLE_PGCLEARED("unevictable_pgs_cleared"),
    UNEVICTABLE_PGSTRANDED("unevictable_pgs_stranded");

    private final String procName;

    VmEvent(String procName) {
        this.procName = procName;
    }

    public String procName() {
        return procName;
    }
}
