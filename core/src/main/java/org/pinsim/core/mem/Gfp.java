package org.pinsim.core.mem;

/**
 * GFP flags: include/linux/gfp_types.h (bit numbers, the composite masks) and the two
 * functions of include/linux/gfp.h that turn a mask into where an allocation may come from:
 * {@link #gfpZone} (the highest zone) and {@link #gfpMigratetype} (the free lists it
 * prefers). The bit values are the kernel's, so a mask printed here reads like a trace's.
 *
 * <p>Flags the model has no mechanism for (__GFP_IO, __GFP_FS, __GFP_ZERO, __GFP_ACCOUNT,
 * __GFP_COMP, __GFP_NOWARN, ...) are defined so that the composite masks equal the kernel's;
 * the allocator reads only the zone bits, the mobility bits, __GFP_HIGH, __GFP_DIRECT_RECLAIM,
 * __GFP_KSWAPD_RECLAIM and __GFP_NOMEMALLOC.
 */
public final class Gfp {

    // include/linux/gfp_types.h: enum ___GFP_*_BIT (CONFIG_KASAN_HW_TAGS and LOCKDEP off)
    public static final int __GFP_DMA = 1 << 0;
    public static final int __GFP_HIGHMEM = 1 << 1;
    public static final int __GFP_DMA32 = 1 << 2;
    public static final int __GFP_MOVABLE = 1 << 3;
    public static final int __GFP_RECLAIMABLE = 1 << 4;
    public static final int __GFP_HIGH = 1 << 5;
    public static final int __GFP_IO = 1 << 6;
    public static final int __GFP_FS = 1 << 7;
    public static final int __GFP_ZERO = 1 << 8;
    public static final int __GFP_DIRECT_RECLAIM = 1 << 10;
    public static final int __GFP_KSWAPD_RECLAIM = 1 << 11;
    public static final int __GFP_WRITE = 1 << 12;
    public static final int __GFP_NOWARN = 1 << 13;
    public static final int __GFP_RETRY_MAYFAIL = 1 << 14;
    public static final int __GFP_NOFAIL = 1 << 15;
    public static final int __GFP_NORETRY = 1 << 16;
    public static final int __GFP_MEMALLOC = 1 << 17;
    public static final int __GFP_COMP = 1 << 18;
    public static final int __GFP_NOMEMALLOC = 1 << 19;
    public static final int __GFP_HARDWALL = 1 << 20;
    public static final int __GFP_THISNODE = 1 << 21;
    public static final int __GFP_ACCOUNT = 1 << 22;
    /** __GFP_SKIP_KASAN is 0 without CONFIG_KASAN_HW_TAGS, as on x86-64. */
    public static final int __GFP_SKIP_KASAN = 0;

    public static final int GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
    public static final int __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

    public static final int GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    public static final int GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
    public static final int GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
    public static final int GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
    public static final int GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
    public static final int GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN;
    public static final int GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC
            | __GFP_NOWARN) & ~__GFP_RECLAIM;
    public static final int GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;
    /** include/asm-generic/pgalloc.h: GFP_PGTABLE_KERNEL. */
    public static final int GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO;
    /** include/asm-generic/pgalloc.h: GFP_PGTABLE_USER, what page-table pages of a process use. */
    public static final int GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL | __GFP_ACCOUNT;
    /** Reclaimable slab (dentries, inodes): SLAB_RECLAIM_ACCOUNT caches allocate with this. */
    public static final int GFP_KERNEL_RECLAIMABLE = GFP_KERNEL | __GFP_RECLAIMABLE;

    /** include/linux/gfp.h: GFP_MOVABLE_SHIFT. */
    private static final int GFP_MOVABLE_SHIFT = 3;
    private static final int GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;

    private Gfp() {
    }

    /**
     * include/linux/gfp.h: gfp_migratetype: no mobility flag is UNMOVABLE, __GFP_MOVABLE
     * MOVABLE, __GFP_RECLAIMABLE RECLAIMABLE (both at once is a caller bug, VM_WARN_ON).
     */
    public static int gfpMigratetype(int gfp) {
        return (gfp & GFP_MOVABLE_MASK) >>> GFP_MOVABLE_SHIFT;
    }

    /**
     * include/linux/gfp.h: gfp_zone through GFP_ZONE_TABLE: the highest zone an allocation may
     * use. x86-64 has no ZONE_HIGHMEM, so OPT_ZONE_HIGHMEM is ZONE_NORMAL, and only
     * __GFP_MOVABLE together with __GFP_HIGHMEM reaches ZONE_MOVABLE.
     *
     * @throws IllegalArgumentException for a combination in GFP_ZONE_BAD (a VM_BUG_ON)
     */
    public static int gfpZone(int gfp) {
        return switch (gfp & GFP_ZONEMASK) {
            case 0, __GFP_HIGHMEM, __GFP_MOVABLE -> Zone.ZONE_NORMAL;
            case __GFP_DMA, __GFP_MOVABLE | __GFP_DMA -> Zone.ZONE_DMA;
            case __GFP_DMA32, __GFP_MOVABLE | __GFP_DMA32 -> Zone.ZONE_DMA32;
            case __GFP_MOVABLE | __GFP_HIGHMEM -> Zone.ZONE_MOVABLE;
            default -> throw new IllegalArgumentException("GFP_ZONE_BAD: gfp 0x" + Integer.toHexString(gfp));
        };
    }

    /** gfpflags_allow_blocking: the caller may enter direct reclaim (and so sleep). */
    public static boolean allowBlocking(int gfp) {
        return (gfp & __GFP_DIRECT_RECLAIM) != 0;
    }
}
