package org.pinsim.core.fs;

import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;

import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.FileOps;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.mm.VmOps;

/**
 * fs/hugetlbfs/inode.c: a hugetlbfs file made by memfd_create(MFD_HUGETLB), on a machine
 * without huge pages (vm.nr_hugepages = 0 and no overcommit pages, as the live machine is;
 * its only huge page size is 2 MiB). What such a machine shows, and all pinsim models of
 * hugetlb:
 *
 * <ul>
 * <li>ftruncate to a size that is not a multiple of 2 MiB is EINVAL (hugetlbfs_setattr);
 * <li>mmap rounds the length up to 2 MiB (ksys_mmap_pgoff), places the mapping on a 2 MiB
 *     boundary (hugetlb_get_unmapped_area: EINVAL for an unaligned MAP_FIXED address),
 *     refuses an offset that is not a multiple of 2 MiB (EINVAL) and, unless MAP_NORESERVE,
 *     fails to reserve the pages (hugetlb_reserve_pages: ENOMEM), after MAP_FIXED has
 *     unmapped what it covered;
 * <li>a MAP_NORESERVE mapping exists (VM_HUGETLB | VM_DONTEXPAND | VM_NORESERVE) but no
 *     access can get a page: SIGBUS; mlock leaves it unlocked; it splits only at 2 MiB
 *     boundaries (hugetlb_vm_op_split: EINVAL); it never merges (hugetlb_vm_ops has a
 *     close); mremap cannot grow it (align_hugetlb) and MADV_DONTNEED must start on a
 *     huge page boundary (madvise_dontneed_free_valid_vma), both EINVAL.
 * </ul>
 * Not modelled: huge pages themselves (reserving, faulting, accounting them).
 */
public final class HugetlbFile implements FileOps, VmOps {
    /** The machine's only hstate: 2 MiB (x86-64 without 1 GiB pages). */
    public static final long HPAGE_SIZE = 2L << 20;
    private static final long HPAGE_MASK = ~(HPAGE_SIZE - 1);

    private final String name;

    public HugetlbFile(String memfdName) {
        this.name = "/memfd:" + memfdName + " (deleted)";
    }

    /** is_file_hugepages + huge_page_size: the file's huge page size. */
    @Override
    public long hugePageSize() {
        return HPAGE_SIZE;
    }

    /** hstate_vma: its mappings' huge page size. */
    @Override
    public long vmaHugePageSize() {
        return HPAGE_SIZE;
    }

    /** fs/hugetlbfs/inode.c hugetlb_get_unmapped_area: the hint rounded up to a huge page. */
    @Override
    public long getUnmappedArea(Caller c, long addr, long len, long pgoff, long flags) {
        if ((len & ~HPAGE_MASK) != 0) {
            return -EINVAL;
        }
        if ((flags & org.pinsim.core.uapi.Mman.MAP_FIXED) != 0) {
            if ((addr & ~HPAGE_MASK) != 0) {
                c.refuse("mmap: MAP_FIXED address of a hugetlb file not 2 MiB aligned");
                return -EINVAL;
            }
            return addr;
        }
        return addr == 0 ? 0 : (addr + HPAGE_SIZE - 1) & HPAGE_MASK;
    }

    /** fs/hugetlbfs/inode.c hugetlbfs_file_mmap. */
    @Override
    public int mmap(Caller c, Mm mm, Vma vma) {
        vma.setFlags(VmFlags.VM_HUGETLB | VmFlags.VM_DONTEXPAND);
        vma.setOps(this);
        if ((vma.pgoff() & ((HPAGE_SIZE >>> 12) - 1)) != 0) {
            c.refuse("mmap: offset into a hugetlb file not a multiple of 2 MiB");
            return -EINVAL; // "must be huge page aligned"
        }
        if (!vma.has(VmFlags.VM_NORESERVE)) {
            c.refuse("mmap: hugetlb_reserve_pages: " + (vma.pages() >>> 9)
                    + " huge pages to reserve, none free (vm.nr_hugepages = 0)");
            return -ENOMEM;
        }
        return 0;
    }

    /** fs/hugetlbfs/inode.c hugetlbfs_setattr: the size moves in whole huge pages. */
    public int truncate(long size) {
        return (size & ~HPAGE_MASK) != 0 ? -EINVAL : 0;
    }

    /** mm/hugetlb.c hugetlb_vm_op_split. */
    @Override
    public int maySplit(Vma vma, long addr) {
        return (addr & ~HPAGE_MASK) != 0 ? -EINVAL : 0;
    }

    @Override
    public void open(Vma vma) {
    }

    @Override
    public void close(Vma vma, Mm mm) {
    }

    @Override
    public boolean pfnMkwrite(Vma vma, long addr) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }
}
