package org.pinsim.core.mm;

import java.util.Locale;

/**
 * /sys/kernel/mm/transparent_hugepage/enabled (mm/huge_memory.c enabled_store): when an
 * anonymous VMA may get PMD-size transparent huge pages at fault time. The per-size setting
 * hugepages-2048kB/enabled is "inherit" (its default), so this global mode decides
 * (include/linux/huge_mm.h thp_vma_allowable_orders: huge_anon_orders_inherit).
 * MADV_COLLAPSE ignores it (TVA_FORCED_COLLAPSE).
 */
public enum ThpEnabled {
    /** hugepage_global_always(): every eligible anonymous VMA. */
    ALWAYS,
    /** Only VMAs with VM_HUGEPAGE (MADV_HUGEPAGE); the Kconfig default and this machine's. */
    MADVISE,
    /** No huge page at fault time. */
    NEVER;

    /** The sysfs word. */
    public String sysfsName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode a sysfs word names, or null. */
    public static ThpEnabled parse(String s) {
        for (ThpEnabled t : values()) {
            if (t.sysfsName().equals(s)) {
                return t;
            }
        }
        return null;
    }
}
