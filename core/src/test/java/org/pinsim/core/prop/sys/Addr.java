package org.pinsim.core.prop.sys;

/**
 * An address argument, resolved when its op runs, so that it still means "the same place"
 * after shrinking has removed ops before it.
 */
public sealed interface Addr {

    /** A simpler form for shrinking, or null. */
    default Addr simpler() {
        return null;
    }

    /**
     * {@code offset} bytes from the region the op with id {@code region} returned (an mmap or
     * mremap); {@code fallback} when that op is gone or failed.
     */
    record InRegion(int region, long offset, long fallback) implements Addr {
        @Override
        public Addr simpler() {
            return offset == 0 ? null : new InRegion(region, 0, fallback - offset);
        }
    }

    /**
     * The start of VMA {@code index} (modulo their number) of the calling process when the op
     * runs: reaches the layout's own mappings (text, heap, stack); {@code fallback} when the
     * process has none.
     */
    record VmaStart(int index, long fallback) implements Addr {
    }

    /** A plain address. */
    record Literal(long value) implements Addr {
    }
}
