package org.pinsim.core.mm;

import java.util.List;

import org.pinsim.core.Profile;
import org.pinsim.core.Sysctl;
import org.pinsim.core.mem.PhysMem;

/** What every mm mechanism shares: the page layer, the machine, the sysctls and the profile. */
public final class MmContext {
    public static final long PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    /** arch/x86/include/asm/page_64_types.h TASK_SIZE_MAX with 4-level paging. */
    public static final long TASK_SIZE = 0x7ffffffff000L;
    /** mm/mmap.c stack_guard_gap default: 256 pages. */
    public static final long STACK_GUARD_GAP = 256L << PAGE_SHIFT;
    public static final long PMD_SIZE = 1L << 21;

    final Memory memory;
    final PhysMem mem;
    final Sysctl sysctl;
    final Profile profile;
    private int nextMmId = 1;
    private int nextIno = 1;
    private java.util.function.Supplier<List<Mm>> liveMms = List::of;

    public MmContext(Memory memory, PhysMem mem, Sysctl sysctl, Profile profile) {
        this.memory = memory;
        this.mem = mem;
        this.sysctl = sysctl;
        this.profile = profile;
    }

    public Memory memory() {
        return memory;
    }

    public Profile profile() {
        return profile;
    }

    public Sysctl sysctl() {
        return sysctl;
    }

    public PhysMem mem() {
        return mem;
    }

    /**
     * Charges (or, negative, uncharges) {@code pages} of a VMA with {@code vmFlags} to the
     * counter its lock bits name: locked_vm for VM_LOCKED; under a profile with VM_PINNED
     * ([PROPOSAL] mpin-2013), pinned_vm for VM_PINNED whether or not VM_LOCKED is set too,
     * so a locked and pinned page counts once ("mm: Introduce VM_PINNED and interfaces":
     * mmap_region "if (vm_flags & VM_PINNED) mm->pinned_vm += ...; else if (vm_flags &
     * VM_LOCKED)", and do_munmap likewise). The posted series patched only mmap_region,
     * mlock_fixup, do_munmap and dup_mmap; brk, stack growth and mremap follow the same rule
     * here, as its intent is (docs/PROFILES.md).
     */
    public void accountLock(Mm mm, long vmFlags, long pages) {
        if ((vmFlags & VmFlags.VM_PINNED) != 0 && profile.mlock().hasVmPinned()) {
            mm.addVmaPinnedVm(pages);
        } else if ((vmFlags & VmFlags.VM_LOCKED) != 0) {
            mm.addLockedVm(pages);
        }
    }

    /** Whether a VMA with {@code vmFlags} counts in locked_vm or (VM_PINNED, mpin-2013) pinned_vm. */
    public boolean countsLocked(long vmFlags) {
        return (vmFlags & VmFlags.VM_LOCKED) != 0
                || ((vmFlags & VmFlags.VM_PINNED) != 0 && profile.mlock().hasVmPinned());
    }

    /**
     * What the RLIMIT_MEMLOCK checks of mlock(2), mmap and brk (mlock_future_ok), stack
     * growth and mm_mpin add the request to: locked_vm, or under mpin-2013
     * mm_locked_pages(mm) = pinned_vm + locked_vm.
     */
    public long lockedForLimit(Mm mm) {
        return profile.mlock().checksLockedPlusPinned() ? mm.lockedVm() + mm.pinnedVm() : mm.lockedVm();
    }

    /** "locked_vm" or "locked_vm + pinned_vm": how refusals name {@link #lockedForLimit}. */
    public String lockedForLimitName() {
        return profile.mlock().checksLockedPlusPinned() ? "mm_locked_pages (locked_vm + pinned_vm)" : "locked_vm";
    }

    /** Sets where {@link #liveMms} comes from: the kernel's live tasks. */
    public void setLiveMms(java.util.function.Supplier<List<Mm>> mms) {
        liveMms = mms;
    }

    /**
     * Every address space in use, each once, in the pid order of the first task using it:
     * what the rmap of a file (mapping->i_mmap) reaches.
     */
    public List<Mm> liveMms() {
        return liveMms.get();
    }

    public Mm newMm() {
        return new Mm(nextMmId++, memory);
    }

    public int nextIno() {
        return nextIno++;
    }

    /**
     * A shmem object (MAP_SHARED|MAP_ANONYMOUS, memfd) that no mapping and no fd holds is
     * gone: its pages are freed (mm/shmem.c shmem_evict_inode), and so is an unlinked
     * O_TMPFILE file's page cache (fs/inode.c iput_final -> evict). Regular files with a name
     * keep their page cache, as a real machine does.
     */
    public void releaseIfUnused(Inode f) {
        if ((f.shmem() || f.unlinked()) && f.mapRefs == 0 && f.fdRefs == 0) {
            for (int i = 0; i < f.cacheSpan(); i++) {
                memory.deleteFromPageCache(f, i);
            }
        }
    }

    static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }

    static boolean offsetInPage(long x) {
        return (x & (PAGE_SIZE - 1)) != 0;
    }

    long maxMapCount() {
        return sysctl.get(Sysctl.MAX_MAP_COUNT);
    }

    /** mm/util.c __vm_enough_memory, OVERCOMMIT_GUESS: pages > totalram + swap fails. */
    boolean enoughMemory(long pages) {
        long mode = sysctl.get(Sysctl.OVERCOMMIT_MEMORY);
        if (mode == 1) {
            return true;
        }
        return pages <= mem.totalPages();
    }
}
