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
    PGLAZYFREE("pglazyfree"),
    PGFAULT("pgfault"),
    PGMAJFAULT("pgmajfault"),
    DROP_SLAB("drop_slab"),
    PGMIGRATE_SUCCESS("pgmigrate_success"),
    PGMIGRATE_FAIL("pgmigrate_fail"),
    THP_MIGRATION_SUCCESS("thp_migration_success"),
    THP_MIGRATION_FAIL("thp_migration_fail"),
    THP_MIGRATION_SPLIT("thp_migration_split"),
    COMPACTMIGRATE_SCANNED("compact_migrate_scanned"),
    COMPACTFREE_SCANNED("compact_free_scanned"),
    COMPACTISOLATED("compact_isolated"),
    COMPACTSTALL("compact_stall"),
    COMPACTFAIL("compact_fail"),
    COMPACTSUCCESS("compact_success"),
    KCOMPACTD_WAKE("compact_daemon_wake"),
    KCOMPACTD_MIGRATE_SCANNED("compact_daemon_migrate_scanned"),
    KCOMPACTD_FREE_SCANNED("compact_daemon_free_scanned"),
    UNEVICTABLE_PGCULLED("unevictable_pgs_culled"),
    UNEVICTABLE_PGSCANNED("unevictable_pgs_scanned"),
    UNEVICTABLE_PGRESCUED("unevictable_pgs_rescued"),
    UNEVICTABLE_PGMLOCKED("unevictable_pgs_mlocked"),
    UNEVICTABLE_PGMUNLOCKED("unevictable_pgs_munlocked"),
    UNEVICTABLE_PGCLEARED("unevictable_pgs_cleared"),
    UNEVICTABLE_PGSTRANDED("unevictable_pgs_stranded"),
    THP_FAULT_ALLOC("thp_fault_alloc"),
    THP_FAULT_FALLBACK("thp_fault_fallback"),
    THP_COLLAPSE_ALLOC("thp_collapse_alloc"),
    THP_COLLAPSE_ALLOC_FAILED("thp_collapse_alloc_failed"),
    THP_SPLIT_PAGE("thp_split_page"),
    THP_SPLIT_PAGE_FAILED("thp_split_page_failed"),
    THP_DEFERRED_SPLIT_PAGE("thp_deferred_split_page"),
    THP_SPLIT_PMD("thp_split_pmd"),
    THP_ZERO_PAGE_ALLOC("thp_zero_page_alloc");

    private final String procName;

    VmEvent(String procName) {
        this.procName = procName;
    }

    public String procName() {
        return procName;
    }
}
