package org.pinsim.core.mm;

/**
 * vm_flags bits (include/linux/mm.h, x86-64 values) and the helpers the kernel defines on them.
 * VM_SOFTDIRTY is 0 here: the reference machine's kernel shows no {@code sd} in smaps
 * (CONFIG_MEM_SOFT_DIRTY off).
 */
public final class VmFlags {
    public static final long VM_NONE = 0;
    public static final long VM_READ = 0x1;
    public static final long VM_WRITE = 0x2;
    public static final long VM_EXEC = 0x4;
    public static final long VM_SHARED = 0x8;
    public static final long VM_MAYREAD = 0x10;
    public static final long VM_MAYWRITE = 0x20;
    public static final long VM_MAYEXEC = 0x40;
    public static final long VM_MAYSHARE = 0x80;
    public static final long VM_GROWSDOWN = 0x100;
    public static final long VM_UFFD_MISSING = 0x200;
    public static final long VM_PFNMAP = 0x400;
    /**
     * include/linux/mm.h VM_MAYBE_GUARD (smaps "gu"): MADV_GUARD_INSTALL set it on the VMA,
     * which may hold guard markers; sticky (never cleared, kept by merges) and copy-on-fork.
     * In the 6.18 stable kernels (with "mm: introduce VM_MAYBE_GUARD and make it sticky").
     */
    public static final long VM_MAYBE_GUARD = 0x800;
    /** [PROPOSAL] Peter Zijlstra's VM_PINNED (2013/2014), never merged; only the mpin-2013 profiles set it. */
    public static final long VM_PINNED = 0x1000;
    public static final long VM_UFFD_WP = 0x1000;
    public static final long VM_LOCKED = 0x2000;
    public static final long VM_IO = 0x4000;
    public static final long VM_SEQ_READ = 0x8000;
    public static final long VM_RAND_READ = 0x10000;
    public static final long VM_DONTCOPY = 0x20000;
    public static final long VM_DONTEXPAND = 0x40000;
    public static final long VM_LOCKONFAULT = 0x80000;
    public static final long VM_ACCOUNT = 0x100000;
    public static final long VM_NORESERVE = 0x200000;
    public static final long VM_HUGETLB = 0x400000;
    public static final long VM_SYNC = 0x800000;
    public static final long VM_ARCH_1 = 0x1000000;
    public static final long VM_WIPEONFORK = 0x2000000;
    public static final long VM_DONTDUMP = 0x4000000;
    public static final long VM_SOFTDIRTY = 0;
    public static final long VM_MIXEDMAP = 0x10000000;
    public static final long VM_HUGEPAGE = 0x20000000;
    public static final long VM_NOHUGEPAGE = 0x40000000;
    public static final long VM_MERGEABLE = 0x80000000L;
    /** include/linux/mm.h VM_DROPPABLE (64-bit, Linux 6.11+): MAP_DROPPABLE memory. */
    public static final long VM_DROPPABLE = 1L << 40;

    public static final long VM_STACK = VM_GROWSDOWN;
    public static final long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
    public static final long VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
    public static final long VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
    /** include/linux/mm.h VM_STICKY: flags a merge ignores and the merged VMA keeps (VM_IGNORE_MERGE). */
    public static final long VM_STICKY = VM_SOFTDIRTY | VM_MAYBE_GUARD;
    /**
     * include/linux/mm.h VM_COPY_ON_FORK: flags for which fork copies the page tables
     * (vma_needs_copy); VM_UFFD_WP is left out: userfaultfd is not modelled, and its value is
     * VM_PINNED's in the mpin-2013 profiles.
     */
    public static final long VM_COPY_ON_FORK = VM_PFNMAP | VM_MIXEDMAP | VM_MAYBE_GUARD;
    /** include/linux/mm.h: the only def_flags bits fork and exec keep. */
    public static final long VM_INIT_DEF_MASK = VM_NOHUGEPAGE;
    /** include/linux/mm.h VM_DATA_FLAGS_NON_EXEC: brk and heap VMAs. */
    public static final long VM_DATA_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    public static final long VM_STACK_DEFAULT_FLAGS = VM_DATA_DEFAULT_FLAGS | VM_GROWSDOWN | VM_ACCOUNT;

    private VmFlags() {
    }

    /** mm/internal.h is_exec_mapping. */
    public static boolean isExecMapping(long f) {
        return (f & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC;
    }

    /** mm/internal.h is_stack_mapping. */
    public static boolean isStackMapping(long f) {
        return (f & VM_STACK) == VM_STACK;
    }

    /** mm/internal.h is_data_mapping. */
    public static boolean isDataMapping(long f) {
        return (f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
    }

    /** include/linux/mm.h is_cow_mapping: private and may be written. */
    public static boolean isCowMapping(long f) {
        return (f & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
    }

    /** fs/proc/task_mmu.c show_smap_vma_flags, in the kernel's order. */
    public static String smapsMnemonics(long f) {
        StringBuilder sb = new StringBuilder();
        mn(sb, f, VM_READ, "rd");
        mn(sb, f, VM_WRITE, "wr");
        mn(sb, f, VM_EXEC, "ex");
        mn(sb, f, VM_SHARED, "sh");
        mn(sb, f, VM_MAYREAD, "mr");
        mn(sb, f, VM_MAYWRITE, "mw");
        mn(sb, f, VM_MAYEXEC, "me");
        mn(sb, f, VM_MAYSHARE, "ms");
        mn(sb, f, VM_GROWSDOWN, "gd");
        mn(sb, f, VM_PFNMAP, "pf");
        mn(sb, f, VM_MAYBE_GUARD, "gu");
        mn(sb, f, VM_PINNED, "pn"); // [PROPOSAL] pinsim's mnemonic: the series added none
        mn(sb, f, VM_LOCKED, "lo");
        mn(sb, f, VM_IO, "io");
        mn(sb, f, VM_SEQ_READ, "sr");
        mn(sb, f, VM_RAND_READ, "rr");
        mn(sb, f, VM_DONTCOPY, "dc");
        mn(sb, f, VM_DONTEXPAND, "de");
        mn(sb, f, VM_LOCKONFAULT, "lf");
        mn(sb, f, VM_ACCOUNT, "ac");
        mn(sb, f, VM_NORESERVE, "nr");
        mn(sb, f, VM_HUGETLB, "ht");
        mn(sb, f, VM_SYNC, "sf");
        mn(sb, f, VM_ARCH_1, "ar");
        mn(sb, f, VM_WIPEONFORK, "wf");
        mn(sb, f, VM_DONTDUMP, "dd");
        mn(sb, f, VM_MIXEDMAP, "mm");
        mn(sb, f, VM_HUGEPAGE, "hg");
        mn(sb, f, VM_NOHUGEPAGE, "nh");
        mn(sb, f, VM_MERGEABLE, "mg");
        mn(sb, f, VM_DROPPABLE, "dp");
        return sb.toString();
    }

    private static void mn(StringBuilder sb, long f, long bit, String name) {
        if (bit != 0 && (f & bit) != 0) {
            sb.append(name).append(' ');
        }
    }
}
