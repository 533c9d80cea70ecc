package org.pinsim.core.vmstat;

/**
 * The state counters the mechanisms maintain (node_stat_item / zone_stat_item in
 * include/linux/mmzone.h), named as /proc/vmstat prints them. LRU sizes and free pages are
 * read from the LRU and the buddy allocator instead of being duplicated here.
 */
public enum NodeStat {
    NR_MLOCK("nr_mlock"),
    NR_ANON_MAPPED("nr_anon_pages"),
    NR_FILE_MAPPED("nr_mapped"),
    /** Pages of anonymous folios mapped by a PMD; /proc/vmstat shows it in huge pages. */
    NR_ANON_THPS("nr_anon_transparent_hugepages"),
    NR_FILE_PAGES("nr_file_pages"),
    NR_SHMEM("nr_shmem"),
    NR_PAGETABLE("nr_page_table_pages"),
    NR_FOLL_PIN_ACQUIRED("nr_foll_pin_acquired"),
    NR_FOLL_PIN_RELEASED("nr_foll_pin_released");

    private final String procName;

    NodeStat(String procName) {
        this.procName = procName;
    }

    public String procName() {
        return procName;
    }
}
