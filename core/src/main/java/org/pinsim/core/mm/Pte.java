package org.pinsim.core.mm;

/**
 * Page-table entry encoding (x86-64 style, arch/x86/include/asm/pgtable_types.h):
 *
 * <pre>
 *  63        52 51                         12 11   10 9       6 5 4  2 1 0
 * +------------+-----------------------------+------+---------+---+---+-+-+
 * |  unused    |            pfn              |      | SPECIAL | D | A |W|P|
 * +------------+-----------------------------+------+---------+---+---+-+-+
 * </pre>
 *
 * 0 is pte_none. SPECIAL marks the shared zero page (vm_normal_page returns NULL for it).
 * A non-present, non-zero entry is either a PTE marker, of which the one modelled is
 * {@link #GUARD_MARKER} (bit 10 alone: no pfn, not present), or a migration entry.
 *
 * <h2>Migration entries (include/linux/swapops.h)</h2>
 * <pre>
 *  63        52 51                         12 11   10 9       6 5 4  2 1 0
 * +------------+-----------------------------+------+---------+---+---+-+-+
 * |  unused    |      pfn of the old frame   |MIGR=1|    0    | D | A |W|0|
 * +------------+-----------------------------+------+---------+---+---+-+-+
 * </pre>
 * try_to_migrate_one replaces each PTE of a folio under migration with one: not present,
 * carrying the pfn of the folio being migrated (swp_offset_pfn), whether the mapping was
 * writable (make_writable_migration_entry vs make_readable_migration_entry) and the young
 * and dirty bits (make_migration_entry_young / _dirty). The readable-exclusive flavour is
 * not distinguished: the model keeps no PG_anon_exclusive, and remove_migration_pte gives a
 * writable entry back RMAP_EXCLUSIVE either way. Swap entries are not modelled.
 */
public final class Pte {
    public static final long NONE = 0;
    public static final long PRESENT = 1L;
    public static final long WRITE = 1L << 1;
    public static final long ACCESSED = 1L << 5;
    public static final long DIRTY = 1L << 6;
    /**
     * _PAGE_PSE: a huge PMD entry (pmd_trans_huge) that maps a whole PMD-order folio. The
     * entries {@link PageTable.Leaf#pte} derives for the pages under such a PMD keep the bit,
     * so that a walk can tell a PMD-mapped page from a PTE-mapped one.
     */
    public static final long HUGE = 1L << 7;
    public static final long SPECIAL = 1L << 9;
    /**
     * include/linux/swapops.h make_pte_marker(PTE_MARKER_GUARD): a guard region's page
     * (MADV_GUARD_INSTALL). It maps nothing; an access faults with SIGSEGV
     * (mm/memory.c handle_pte_marker), ordinary zaps keep it and only an unmap drops it.
     */
    public static final long GUARD_MARKER = 1L << 10;
    /** Bit 11: a migration entry (the swap type SWP_MIGRATION_READ / _WRITE in the kernel). */
    public static final long MIGRATION = 1L << 11;
    private static final long PFN_MASK = ((1L << 40) - 1) << 12;

    private Pte() {
    }

    public static long make(int pfn, boolean write, boolean special) {
        long e = ((long) pfn << 12) | PRESENT | ACCESSED;
        if (write) {
            e |= WRITE | DIRTY;
        }
        if (special) {
            e |= SPECIAL;
        }
        return e;
    }

    /** A huge PMD (folio_mk_pmd + pmd_mkhuge), writable and dirty when {@code write}. */
    public static long makeHuge(int pfn, boolean write, boolean special) {
        return make(pfn, write, special) | HUGE;
    }

    /** pmd_trans_huge, or a page under one. */
    public static boolean huge(long e) {
        return (e & HUGE) != 0;
    }

    public static boolean present(long e) {
        return (e & PRESENT) != 0;
    }

    /** A guard-region PTE marker (mm/madvise.c is_guard_pte_marker). */
    public static boolean isGuardMarker(long e) {
        return e == GUARD_MARKER;
    }

    /**
     * include/linux/swapops.h make_writable_migration_entry / make_readable_migration_entry
     * for the present PTE {@code e} (which names the pfn), keeping young and dirty.
     */
    public static long makeMigrationEntry(long e) {
        return (e & (PFN_MASK | WRITE | ACCESSED | DIRTY)) | MIGRATION;
    }

    /** include/linux/swapops.h is_migration_entry (of a non-present PTE). */
    public static boolean isMigrationEntry(long e) {
        return (e & (MIGRATION | PRESENT)) == MIGRATION;
    }

    /** is_writable_migration_entry. */
    public static boolean isWritableMigrationEntry(long e) {
        return isMigrationEntry(e) && (e & WRITE) != 0;
    }

    /**
     * mm/migrate.c remove_migration_pte: the present PTE that replaces migration entry
     * {@code e}, mapping {@code pfn}: writable if the entry was, young and dirty as it was.
     */
    public static long fromMigrationEntry(long e, int pfn) {
        return ((long) pfn << 12) | PRESENT | (e & (WRITE | ACCESSED | DIRTY));
    }

    public static boolean write(long e) {
        return (e & WRITE) != 0;
    }

    public static boolean special(long e) {
        return (e & SPECIAL) != 0;
    }

    public static boolean dirty(long e) {
        return (e & DIRTY) != 0;
    }

    public static int pfn(long e) {
        return (int) ((e & PFN_MASK) >>> 12);
    }

    public static long wrprotect(long e) {
        return e & ~WRITE;
    }

    public static long mkwrite(long e) {
        return e | WRITE | DIRTY;
    }
}
