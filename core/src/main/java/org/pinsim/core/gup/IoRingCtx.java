package org.pinsim.core.gup;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.FileOps;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmOps;

/**
 * io_uring/io_uring_types.h struct io_ring_ctx, the parts memory accounting sees: who is
 * charged ({@code user}, null when the creator had CAP_IPC_LOCK; {@code mmAccount}, the
 * creator's mm, kept by mmgrab), the ring and SQE regions, and the registered buffer table.
 */
public final class IoRingCtx implements FileOps, VmOps {
    /** One registered buffer (struct io_mapped_ubuf): its pinned frames and the pages it charged. */
    public record Buffer(int[] pfns, long acctPages) {
    }

    final IoUringOps ops;
    final UserStruct user;
    final Mm mmAccount;
    final int sqEntries;
    final int cqEntries;
    /** The frames of the ring region and of the SQE region, each held by the ring. */
    final int[] ringPfns;
    final int[] sqePfns;
    /** The regions' sizes in pages (io_mapped_region nr_pages): what is charged and what mmap maps. */
    final int ringNrPages;
    final int sqeNrPages;
    /** ctx->buf_table: null when nothing is registered; a null entry is a sparse slot. */
    List<Buffer> bufTable;
    /** References to the ring's struct file (fds in every file table that holds it). */
    int fileRefs;
    boolean freed;

    IoRingCtx(IoUringOps ops, UserStruct user, Mm mmAccount, int sqEntries, int cqEntries, int[] ringPfns,
              int ringNrPages, int[] sqePfns, int sqeNrPages) {
        this.ops = ops;
        this.user = user;
        this.mmAccount = mmAccount;
        this.sqEntries = sqEntries;
        this.cqEntries = cqEntries;
        this.ringPfns = ringPfns;
        this.sqePfns = sqePfns;
        this.ringNrPages = ringNrPages;
        this.sqeNrPages = sqeNrPages;
    }

    public UserStruct user() {
        return user;
    }

    public Mm mmAccount() {
        return mmAccount;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** Pages charged to user->locked_vm for the ring and SQE regions (when {@code user} is set). */
    public long regionPages() {
        return ringNrPages + sqeNrPages;
    }

    public int[] ringPfns() {
        return ringPfns.clone();
    }

    public int[] sqePfns() {
        return sqePfns.clone();
    }

    /** The registered buffers (sparse slots left out), or an empty list. */
    public List<Buffer> buffers() {
        List<Buffer> out = new ArrayList<>();
        if (bufTable != null) {
            for (Buffer b : bufTable) {
                if (b != null) {
                    out.add(b);
                }
            }
        }
        return out;
    }

    /** Pages this ring has charged for buffers (to user->locked_vm if set, and to mmAccount->pinned_vm). */
    public long bufferAcctPages() {
        long n = 0;
        for (Buffer b : buffers()) {
            n += b.acctPages();
        }
        return n;
    }

    /** get_file: one more file table holds the ring (fork). */
    public void fget() {
        fileRefs++;
    }

    public boolean freed() {
        return freed;
    }

    // ---- the ring's file: f_op (io_uring_mmap, io_uring_get_unmapped_area) and the VMA ----

    @Override
    public long getUnmappedArea(Caller c, long addr, long len, long pgoff, long flags) {
        return ops.getUnmappedArea(c, this, addr, pgoff);
    }

    /** io_uring_fops.get_unmapped_area = io_uring_get_unmapped_area. */
    @Override
    public boolean hasGetUnmappedArea() {
        return true;
    }

    @Override
    public int mmap(Caller c, Mm mm, Vma vma) {
        return ops.mmap(c, this, mm, vma);
    }

    /** No vm_ops->may_split: a ring mapping splits like any other. */
    @Override
    public int maySplit(Vma vma, long addr) {
        return 0;
    }

    /** vm_area_dup's get_file: the copy holds the ring's file too. */
    @Override
    public void open(Vma vma) {
        fget();
    }

    /** remove_vma's fput: the last reference releases the ring. */
    @Override
    public void close(Vma vma, Mm mm) {
        ops.fput(this);
    }

    /** The pages are normal pages (vm_insert_pages), never special PTEs. */
    @Override
    public boolean pfnMkwrite(Vma vma, long addr) {
        return false;
    }

    @Override
    public String name() {
        return "anon_inode:[io_uring]";
    }
}
