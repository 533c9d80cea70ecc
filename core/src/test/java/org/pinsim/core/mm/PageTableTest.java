package org.pinsim.core.mm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PageTableTest {
    private static final long MIB2 = 1L << 21;
    private static final long GIB = 1L << 30;

    /** Table pages from a counter: the walk's answers do not depend on where tables live. */
    private static PageTable table() {
        return new PageTable(new PageTable.TablePages() {
            private int next = 100;

            @Override
            public int allocTablePage() {
                return next++;
            }

            @Override
            public void freeTablePage(int pfn) {
            }
        });
    }

    @Test
    void nextLeaf_noTables_returnsEnd() {
        PageTable pt = table();

        assertThat(pt.nextLeaf(0x7f0000000000L, 0x7f0040000000L)).isEqualTo(0x7f0040000000L);
    }

    @Test
    void nextLeaf_findsTheFirstPteTableAtOrAfterAddr() {
        PageTable pt = table();
        long base = 0x7f0000000000L;
        pt.leaf(base + 5 * MIB2 + 4096, true); // a table for the sixth 2 MiB
        pt.leaf(base + 3 * GIB, true); // and one three PUD entries on

        assertThat(pt.nextLeaf(base, base + 4 * GIB)).isEqualTo(base + 5 * MIB2);
        assertThat(pt.nextLeaf(base + 5 * MIB2 + 8192, base + 4 * GIB)).isEqualTo(base + 5 * MIB2 + 8192);
        assertThat(pt.nextLeaf(base + 6 * MIB2, base + 4 * GIB)).isEqualTo(base + 3 * GIB);
        assertThat(pt.nextLeaf(base + 6 * MIB2, base + 3 * GIB)).isEqualTo(base + 3 * GIB);
        assertThat(pt.nextLeaf(base + 3 * GIB + MIB2, base + 4 * GIB)).isEqualTo(base + 4 * GIB);
    }

    @Test
    void nextLeaf_matchesALeafLookupPer2MiB() {
        PageTable pt = table();
        long base = 0x7f0000000000L - GIB / 2;
        long[] touched = {3, 4, 100, 511, 512, 513, 700};
        for (long t : touched) {
            pt.leaf(base + t * MIB2, true);
        }
        long end = base + 1024 * MIB2;
        long a = base;
        for (long slot = 0; slot < 1024; slot++) {
            long at = base + slot * MIB2;
            if (pt.leaf(at, false) != null) {
                assertThat(pt.nextLeaf(a, end)).isEqualTo(at);
                a = at + MIB2;
            }
        }
        assertThat(pt.nextLeaf(a, end)).isEqualTo(end);
    }
}
