package org.pinsim.core.gup;

import java.util.ArrayList;
import java.util.List;
import org.pinsim.core.mm.Mm;

/**
 * io_uring/io_uring_types.h struct io_ring_ctx, the parts memory accounting sees: who is
 * charged ({@code user}, null when the creator had CAP_IPC_LOCK; {@code mmAccount}, the
 * creator's mm, kept by mmgrab), the ring and SQE regions, and the registered buffer table.
 */
public final class IoRingCtx {
    /** One registered buffer (struct io_mapped_ubuf): its pinned frames and the pages it charged. */
    public record Buffer(int[] pfns, long acctPages) {
    }

    final UserStruct user;
    final Mm mmAccount;
    final int sqEntries;
    final int cqEntries;
    /** The frames of the ring region and of the SQE region, each held by the ring. */
    final int[] ringPfns;
    final int[] sqePfns;
    /** Pages the two regions charged: their sizes in pages, even where a compound allocation holds more frames. */
    final long regionCharged;
    /** ctx->buf_table: null when nothing is registered; a null entry is a sparse slot. */
    List<Buffer> bufTable;
    /** References to the ring's struct file (fds in every file table that holds it). */
    int fileRefs;
    boolean freed;

    IoRingCtx(UserStruct user, Mm mmAccount, int sqEntries, int cqEntries, int[] ringPfns, int[] sqePfns,
              long regionCharged) {
        this.user = user;
        this.mmAccount = mmAccount;
        this.sqEntries = sqEntries;
        this.cqEntries = cqEntries;
        this.ringPfns = ringPfns;
        this.sqePfns = sqePfns;
        this.regionCharged = regionCharged;
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
        return regionCharged;
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
}
