package org.pinsim.core.mm;

/**
 * include/linux/mm.h struct vm_operations_struct, for the driver mappings the model has (a
 * perf ring buffer): what the mm code asks a VMA's driver. A VMA with ops is not anonymous
 * and never merges; its pages are mapped by the driver with special PTEs (remap_pfn_range),
 * which hold no reference and count in no RSS counter.
 */
public interface VmOps {
    /** vm_ops->may_split: 0, or -errno refusing a split at {@code addr} (__split_vma). */
    int maySplit(Vma vma, long addr);

    /** vm_ops->open: {@code vma} is a new copy (split, fork, mremap's copy_vma). */
    void open(Vma vma);

    /** vm_ops->close: {@code vma} leaves {@code mm} (munmap, exit, mremap's old VMA). */
    void close(Vma vma, Mm mm);

    /** vm_ops->pfn_mkwrite: may a write fault make the special PTE at {@code addr} writable. */
    boolean pfnMkwrite(Vma vma, long addr);

    /** What /proc/PID/maps shows as the path ({@code anon_inode:[perf_event]}). */
    String name();

    /** A hugetlb VMA's huge page size (hstate_vma), 0 for any other mapping. */
    default long vmaHugePageSize() {
        return 0;
    }
}
