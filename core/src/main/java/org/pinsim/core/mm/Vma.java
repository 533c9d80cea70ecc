package org.pinsim.core.mm;

/**
 * One virtual memory area, {@code struct vm_area_struct}: [start, end), vm_flags, pgoff, the
 * backing inode (null for private anonymous memory) and the anon_vma identity that decides
 * which neighbours may merge (mm/vma.c is_mergeable_anon_vma, mm/rmap.c anon_vma_compatible).
 */
public final class Vma {
    /** No anon_vma yet: anon_vma_prepare has not run (no anonymous page was ever faulted in). */
    public static final int NO_ANON_VMA = 0;

    long start;
    long end;
    long flags;
    long pgoff;
    final Inode file;
    int anonVma;
    /**
     * False when this VMA's anon_vma_chain is not singular: it was forked from a parent's
     * faulted VMA (kernel/fork.c anon_vma_fork), which forbids some merges.
     */
    boolean anonChainSingular = true;
    /** A special mapping's name ([vvar], [vvar_vclock], [vdso]), or null. */
    final String specialName;
    /** The driver's vm_ops (a perf ring buffer), or null. */
    VmOps ops;
    /** vm_policy: the VMA's memory policy (mbind), null for none (the task's policy applies). */
    Mpol policy;

    public Vma(long start, long end, long flags, long pgoff, Inode file, String specialName) {
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.pgoff = pgoff;
        this.file = file;
        this.specialName = specialName;
    }

    /** A copy for split_vma / dup_mmap: same anon_vma, file and flags. */
    Vma copy() {
        Vma v = new Vma(start, end, flags, pgoff, file, specialName);
        v.ops = ops;
        v.policy = policy; // vma_dup_policy
        v.anonVma = anonVma;
        v.anonChainSingular = anonChainSingular;
        return v;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public long flags() {
        return flags;
    }

    public long pgoff() {
        return pgoff;
    }

    public Inode file() {
        return file;
    }

    public String specialName() {
        return specialName;
    }

    /** The driver's vm_ops, or null. */
    public VmOps ops() {
        return ops;
    }

    /** Sets the driver's vm_ops, as f_op->mmap does ({@code vma->vm_ops = ...}). */
    public void setOps(VmOps o) {
        ops = o;
    }

    /** vm_flags_set from a driver's f_op->mmap. */
    public void setFlags(long bits) {
        flags |= bits;
    }

    /**
     * Why the VMA cannot be split at {@code addr}: -EINVAL for a special mapping
     * (special_mapping_split) or what vm_ops->may_split says; 0 if it can.
     */
    int maySplit(long addr) {
        if (specialName != null) {
            return -org.pinsim.core.uapi.Errno.EINVAL;
        }
        return ops == null ? 0 : ops.maySplit(this, addr);
    }

    /** is_vm_hugetlb_page: the huge page size of a hugetlb VMA, else 0. */
    public long hugePageSize() {
        return ops == null ? 0 : ops.vmaHugePageSize();
    }

    /** mm/mempolicy.c vma_replace_policy: the VMA's new policy (null: none). */
    public void setPolicy(Mpol p) {
        policy = p;
    }

    /** vm_policy, or null (mm/mempolicy.c __get_vma_policy). */
    public Mpol policy() {
        return policy;
    }

    public int anonVma() {
        return anonVma;
    }

    public long pages() {
        return (end - start) >>> 12;
    }

    public boolean has(long bit) {
        return (flags & bit) != 0;
    }

    /** include/linux/mm.h vma_is_anonymous: no vm_ops, i.e. no file and not shmem. */
    public boolean isAnonymous() {
        return file == null && specialName == null && ops == null;
    }

    /** The page offset of {@code addr} within the backing object (linear_page_index). */
    public long pgoffOf(long addr) {
        return pgoff + ((addr - start) >>> 12);
    }

    /** include/linux/mm.h vm_start_gap: a stack's guard gap below it. */
    public long startGap(long stackGuardGap) {
        if ((flags & VmFlags.VM_GROWSDOWN) != 0) {
            long s = start - stackGuardGap;
            return s > start ? 0 : s;
        }
        return start;
    }

    @Override
    public String toString() {
        return String.format("%x-%x flags=%x pgoff=%x", start, end, flags, pgoff);
    }
}
