package org.pinsim.core.gup;

import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.FileOps;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmOps;

/**
 * kernel/events/core.c struct perf_event, the parts mmap sees: its ring buffer (struct
 * perf_buffer, with the charge recorded in it) and the mapping counts. It is both the file's
 * f_op->mmap ({@link FileOps}) and the mapping's vm_ops ({@link VmOps}); {@link PerfOps} holds
 * the rules.
 */
public final class PerfEvent implements FileOps, VmOps {
    /** struct perf_buffer: data pages plus the user (control) page, and who paid for them. */
    static final class Rb {
        /** The user page first, then the data pages: order-0 kernel pages the buffer holds. */
        final int[] pfns;
        int mmapCount;
        UserStruct mmapUser;
        /** rb->mmap_locked: the pages charged to the mm (pinned_vm, or locked_vm before 3.2). */
        long mmapLocked;
        /**
         * The pages the first mmap charged to mmap_user's locked_vm, which perf_mmap_close
         * returns: all of them in 3.x, those within the allowance in 6.18 (pages - mmap_locked).
         */
        long userCharged;

        Rb(int[] pfns) {
            this.pfns = pfns;
        }

        int dataPages() {
            return pfns.length - 1;
        }
    }

    final PerfOps ops;
    final int type;
    final long config;
    final boolean inherit;
    final int cpu;
    Rb rb;
    /** event->mmap_count: live mappings of this event. */
    int mmapCount;
    /** References to the event's struct file: fds, plus one per VMA (vma->vm_file). */
    int fileRefs;

    PerfEvent(PerfOps ops, int type, long config, boolean inherit, int cpu) {
        this.ops = ops;
        this.type = type;
        this.config = config;
        this.inherit = inherit;
        this.cpu = cpu;
    }

    /** The ring buffer's frames (user page first), or an empty array when none is mapped. */
    public int[] rbPfns() {
        return rb == null ? new int[0] : rb.pfns.clone();
    }

    /** The user whose locked_vm the ring buffer charged, or null. */
    public UserStruct rbUser() {
        return rb == null ? null : rb.mmapUser;
    }

    /** Pages of the ring buffer charged to user->locked_vm by its first mmap. */
    public long rbUserPages() {
        return rb == null || rb.mmapUser == null ? 0 : rb.userCharged;
    }

    /** rb->mmap_locked. */
    public long rbMmapLocked() {
        return rb == null ? 0 : rb.mmapLocked;
    }

    /** get_file: one more fd table or VMA holds the event's file. */
    public void fget() {
        fileRefs++;
    }

    /** fput: the last reference releases the event (perf_release). */
    public void fput() {
        ops.fput(this);
    }

    public boolean freed() {
        return fileRefs == 0;
    }

    @Override
    public int mmap(Caller c, Mm mm, Vma vma) {
        return ops.mmap(c, this, vma);
    }

    @Override
    public int maySplit(Vma vma, long addr) {
        return ops.maySplit(vma, addr);
    }

    @Override
    public void open(Vma vma) {
        ops.vmOpen(this);
    }

    @Override
    public void close(Vma vma, Mm mm) {
        ops.vmClose(this, mm);
    }

    @Override
    public boolean pfnMkwrite(Vma vma, long addr) {
        return vma.pgoffOf(addr) == 0; // perf_mmap_pfn_mkwrite: "vmf->pgoff == 0 ? 0 : VM_FAULT_SIGBUS"
    }

    @Override
    public String name() {
        return "anon_inode:[perf_event]";
    }
}
