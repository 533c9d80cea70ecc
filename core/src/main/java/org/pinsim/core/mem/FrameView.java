package org.pinsim.core.mem;

/**
 * An immutable snapshot of one frame of the {@link FrameTable}, for cold paths: error
 * messages, reports and tests (in the spirit of the kernel's dump_page()).
 *
 * @param mapcount the kernel's {@code _mapcount + 1}: 0 means mapped by no PTE
 */
public record FrameView(int pfn, int flags, int refcount, int mapcount, long owner,
        int lruPrev, int lruNext) {

    public boolean test(int bit) {
        return (flags & (1 << bit)) != 0;
    }

    @Override
    public String toString() {
        return "pfn " + pfn + " (0x" + Integer.toHexString(pfn) + ") flags=" + FrameTable.flagNames(flags)
                + " refcount=" + refcount + " mapcount=" + mapcount
                + (owner == FrameTable.NO_OWNER ? "" : " owner=" + owner)
                + " lru=[" + lruPrev + "," + lruNext + "]";
    }
}
