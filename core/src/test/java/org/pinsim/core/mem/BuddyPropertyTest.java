package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random alloc/free sequences of orders 0..10 keep every invariant after every step, never
 * hand out overlapping or misaligned blocks, and, once everything is freed, leave the same
 * /proc/buddyinfo as right after boot (the buddy system merges back to a unique layout).
 */
class BuddyPropertyTest {

    private static final long MIB = 1L << 20;

    /** One step: allocate {@code order} preferring {@code nid}, or free the block at {@code index}. */
    record Op(boolean alloc, int order, int nid, int index) {
    }

    /** A block the test holds. */
    record Block(int pfn, int order) {
    }

    @Provide
    Arbitrary<Op> ops() {
        return Combinators.combine(
                Arbitraries.integers().between(0, 99).map(p -> p < 60),
                Arbitraries.integers().between(0, 10).edgeCases(c -> c.add(0)),
                Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, Integer.MAX_VALUE)).as(Op::new);
    }

    @Property(tries = 200)
    void randomAllocFree_keepsInvariants_andFreeingAllRestoresBootBuddyinfo(
            @ForAll @IntRange(min = 0, max = 2) int machine,
            @ForAll @Size(max = 120) List<@net.jqwik.api.From("ops") Op> ops) {
        PhysMem mem = boot(machine);
        String bootBuddyinfo = mem.buddyinfo();
        List<Block> held = new ArrayList<>();
        BitSet used = new BitSet(mem.nrFrames());

        for (Op op : ops) {
            step(mem, op, held, used);
            mem.checkInvariants();
            assertThat(mem.freePagesCount() + used.cardinality()).isEqualTo(mem.totalPages());
        }
        while (!held.isEmpty()) {
            Block b = held.remove(held.size() - 1);
            mem.freePages(b.pfn(), b.order());
        }

        mem.checkInvariants();
        assertThat(mem.buddyinfo()).isEqualTo(bootBuddyinfo);
        assertThat(mem.freePagesCount()).isEqualTo(mem.totalPages());
    }

    private static PhysMem boot(int machine) {
        switch (machine) {
            case 0:
                return new PhysMem(8 * MIB, 1);
            case 1:
                return new PhysMem(32 * MIB, 2);
            default:
                return new PhysMem(22 * MIB, 2); // nodes of 10 MiB: blocks cut at an unaligned node end
        }
    }

    private static void step(PhysMem mem, Op op, List<Block> held, BitSet used) {
        if (op.alloc() || held.isEmpty()) {
            int nid = op.nid() % mem.nrNodes();
            int pfn = mem.allocPages(op.order(), nid);
            if (pfn != FrameTable.NO_FRAME) {
                int size = 1 << op.order();
                assertThat(pfn & (size - 1)).as("alignment").isZero();
                assertThat(used.get(pfn, pfn + size).isEmpty()).as("overlap").isTrue();
                used.set(pfn, pfn + size);
                held.add(new Block(pfn, op.order()));
            }
        } else {
            Block b = held.remove(op.index() % held.size());
            mem.freePages(b.pfn(), b.order());
            used.clear(b.pfn(), b.pfn() + (1 << b.order()));
        }
    }
}
