package org.pinsim.core.mm;

import org.pinsim.core.mem.Gfp;

/**
 * /sys/kernel/mm/transparent_hugepage/defrag (mm/huge_memory.c defrag_store): how hard a THP
 * fault's allocation tries when no free 2 MiB block is at hand. The default, {@code madvise},
 * is the boot default (transparent_hugepage_flags: TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG)
 * and the reference machine's setting ({@code always defer defer+madvise [madvise] never}).
 */
public enum ThpDefrag {
    /** TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG: "directly stall for all thp allocations". */
    ALWAYS("always"),
    /** TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG: "wake kswapd and fail if not immediately available". */
    DEFER("defer"),
    /** TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG: stall for MADV_HUGEPAGE, else wake kswapd. */
    DEFER_MADVISE("defer+madvise"),
    /** TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG: "directly stall for MADV_HUGEPAGE". */
    MADVISE("madvise"),
    /** No flag: "never stall for any thp allocation". */
    NEVER("never");

    private final String sysfsName;

    ThpDefrag(String sysfsName) {
        this.sysfsName = sysfsName;
    }

    /** The sysfs word. */
    public String sysfsName() {
        return sysfsName;
    }

    /** The setting a sysfs word names, or null. */
    public static ThpDefrag parse(String s) {
        for (ThpDefrag d : values()) {
            if (d.sysfsName.equals(s)) {
                return d;
            }
        }
        return null;
    }

    /**
     * mm/huge_memory.c vma_thp_gfp_mask: the gfp of a THP fault's allocation in a VMA with
     * ({@code madvised}) or without VM_HUGEPAGE. Only {@code always}, and {@code madvise} or
     * {@code defer+madvise} for a VM_HUGEPAGE VMA, let the fault enter direct reclaim and
     * direct compaction (__GFP_DIRECT_RECLAIM); {@code defer} and {@code defer+madvise} wake
     * kswapd (and through it kcompactd) instead.
     */
    public int gfpMask(boolean madvised) {
        return switch (this) {
            // "Always do synchronous compaction"
            case ALWAYS -> Gfp.GFP_TRANSHUGE | (madvised ? 0 : Gfp.__GFP_NORETRY);
            // "Kick kcompactd and fail quickly"
            case DEFER -> Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_KSWAPD_RECLAIM;
            // "Synchronous compaction if madvised, otherwise kick kcompactd"
            case DEFER_MADVISE -> Gfp.GFP_TRANSHUGE_LIGHT | (madvised ? Gfp.__GFP_DIRECT_RECLAIM : Gfp.__GFP_KSWAPD_RECLAIM);
            // "Only do synchronous compaction if madvised"
            case MADVISE -> Gfp.GFP_TRANSHUGE_LIGHT | (madvised ? Gfp.__GFP_DIRECT_RECLAIM : 0);
            case NEVER -> Gfp.GFP_TRANSHUGE_LIGHT;
        };
    }
}
