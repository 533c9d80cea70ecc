package org.pinsim.core.mm;

/**
 * include/linux/fs.h struct file_operations, the mmap hook of a driver file (a perf event, an
 * io_uring, a hugetlbfs file):
 * called by mmap_region on the new VMA before it joins the tree (mm/vma.c
 * __mmap_new_file_vma -> mmap_file). It may set VM flags, install {@link VmOps} and map the
 * driver's pages, or refuse; a refusal unmaps the VMA and fails the mmap.
 */
public interface FileOps {
    /** f_op->mmap: 0, or -errno. */
    int mmap(Caller c, Mm mm, Vma vma);

    /**
     * f_op->get_unmapped_area, asked before anything is mapped: -errno to refuse, else the
     * address hint to place the mapping with (the generic top-down search; {@code addr} when
     * the file has no such hook).
     */
    default long getUnmappedArea(Caller c, long addr, long len, long pgoff, long flags) {
        return addr;
    }

    /**
     * The huge page size of a hugetlbfs file (is_file_hugepages, huge_page_size), 0 for any
     * other file: mmap rounds the length up to it and places the mapping on its boundary.
     */
    default long hugePageSize() {
        return 0;
    }

    /**
     * Whether the file has an f_op->get_unmapped_area of its own that may not obey
     * MAP_FIXED (mm/mremap.c vma_multi_allowed: such a mapping moves only alone).
     */
    default boolean hasGetUnmappedArea() {
        return false;
    }
}
