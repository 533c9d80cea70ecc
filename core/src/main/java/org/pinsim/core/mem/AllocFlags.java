package org.pinsim.core.mem;

/**
 * mm/internal.h: the page allocator's internal {@code ALLOC_*} flags, with the kernel's values
 * (ALLOC_MIN_RESERVE equals __GFP_HIGH and ALLOC_KSWAPD equals __GFP_KSWAPD_RECLAIM, as the
 * kernel's BUILD_BUG_ONs require). ALLOC_CPUSET and ALLOC_TRYLOCK have no mechanism here.
 */
public final class AllocFlags {
    public static final int ALLOC_WMARK_MIN = Zone.WMARK_MIN;
    public static final int ALLOC_WMARK_LOW = Zone.WMARK_LOW;
    public static final int ALLOC_WMARK_HIGH = Zone.WMARK_HIGH;
    public static final int ALLOC_NO_WATERMARKS = 0x04;
    public static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    public static final int ALLOC_OOM = 0x08;
    public static final int ALLOC_NON_BLOCK = 0x10;
    public static final int ALLOC_MIN_RESERVE = 0x20;
    public static final int ALLOC_CPUSET = 0x40;
    public static final int ALLOC_CMA = 0x80;
    public static final int ALLOC_NOFRAGMENT = 0x100;
    public static final int ALLOC_HIGHATOMIC = 0x200;
    public static final int ALLOC_KSWAPD = 0x800;
    public static final int ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

    private AllocFlags() {
    }
}
