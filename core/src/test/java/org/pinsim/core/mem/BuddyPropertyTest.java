package org.pinsim.core.mem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.pinsim.core.prop.Failure;
import org.pinsim.core.prop.PropConfig;
import org.pinsim.core.prop.Property;
import org.pinsim.core.prop.PropertyRunner;

/**
 * Random alloc/free sequences of orders 0..10 with mixed GFP masks (unmovable, reclaimable,
 * movable, GFP_USER, GFP_TRANSHUGE_LIGHT) on random CPUs keep every invariant after every
 * step (each frame free in exactly one buddy or pcp list, or in use), never hand out
 * overlapping or misaligned blocks, and, once everything is freed and the pcp lists drained
 * (drain_all_pages), leave the same /proc/buddyinfo as right after boot: pageblock types
 * may have changed, but the pcp types all merge with each other (migratetype_is_mergeable),
 * so the buddy system merges back to a unique layout. 200 tries of up to 120 ops over 4
 * machine shapes, one with ZONE_MOVABLE and a CMA area.
 */
class BuddyPropertyTest {

    private static final long MIB = 1L << 20;

    /** One step: allocate {@code order} preferring {@code nid}, or free the block at {@code index}. */
    record Op(boolean alloc, int order, int nid, int index, int gfp, int cpu) {
        Op(boolean alloc, int order, int nid, int index) {
            this(alloc, order, nid, index, 0, 0);
        }
    }

    /** The masks the ops draw from. */
    static final int[] GFPS = {Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_KERNEL, Gfp.GFP_KERNEL_RECLAIMABLE, Gfp.GFP_USER,
        Gfp.GFP_TRANSHUGE_LIGHT, Gfp.GFP_PGTABLE_USER};

    /** A block the test holds. */
    record Block(int pfn, int order) {
    }

    @Test
    void randomAllocFree_keepsInvariants_andFreeingAllRestoresBootBuddyinfo(TestInfo info) {
        PropertyRunner.check(PropConfig.of(info, 200, 120), new AllocFree());
    }

    /** The world is the machine shape (0..2), the ops allocations and frees. */
    static final class AllocFree implements Property<Integer, Op> {

        @Override
        public Case<Integer, Op> generate(SplittableRandom rnd, int steps) {
            int machine = rnd.nextInt(4);
            List<Op> ops = new ArrayList<>();
            for (int n = rnd.nextInt(steps + 1); n > 0; n--) {
                int order = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(11); // order 0 more often: the common case
                ops.add(new Op(rnd.nextInt(100) < 60, order, rnd.nextInt(2), rnd.nextInt(Integer.MAX_VALUE),
                        rnd.nextInt(GFPS.length), rnd.nextInt(2)));
            }
            return new Case<>(machine, ops);
        }

        @Override
        public Failure run(Integer machine, List<Op> ops) {
            PhysMem mem = boot(machine);
            mem.drainAllPages(null); // CMA activation leaves a pageblock on CPU 0's pcp list
            String bootBuddyinfo = mem.buddyinfo();
            List<Block> held = new ArrayList<>();
            BitSet used = new BitSet(mem.nrFrames());
            for (int i = 0; i < ops.size(); i++) {
                try {
                    step(mem, ops.get(i), held, used);
                    mem.checkInvariants();
                    assertThat(mem.freePagesCount() + mem.pcpPagesCount() + used.cardinality()).isEqualTo(mem.totalPages());
                } catch (AssertionError | RuntimeException e) {
                    return new Failure(i, e);
                }
            }
            try {
                freeAll(mem, held);
                mem.checkInvariants();
                mem.drainAllPages(null);
                mem.checkInvariants();
                assertThat(mem.buddyinfo()).isEqualTo(bootBuddyinfo);
                assertThat(mem.freePagesCount()).isEqualTo(mem.totalPages());
            } catch (AssertionError | RuntimeException e) {
                return new Failure(ops.size(), e);
            }
            return null;
        }

        @Override
        public List<Op> simpler(Op op) {
            if (op.alloc() && op.order() > 0) {
                return List.of(new Op(true, 0, op.nid(), op.index(), op.gfp(), op.cpu()),
                        new Op(true, op.order() - 1, op.nid(), op.index(), op.gfp(), op.cpu()));
            }
            return !op.alloc() && op.index() != 0 ? List.of(new Op(false, op.order(), op.nid(), 0, op.gfp(), op.cpu()))
                    : List.of();
        }

        @Override
        public String render(Integer machine, List<Op> ops) {
            StringBuilder sb = new StringBuilder("machine " + machine + " (0: 8 MiB 1 node, 1: 32 MiB 2 nodes, "
                    + "2: 22 MiB 2 nodes, 3: 64 MiB 2 CPUs movable 25% cma 8 MiB)\n");
            for (Op op : ops) {
                String alloc = "alloc order " + op.order() + " nid " + op.nid() + " gfp#" + op.gfp() + " cpu " + op.cpu();
                sb.append(op.alloc() ? alloc : "free held block " + op.index() + " % held (" + alloc + " if none)")
                        .append('\n');
            }
            return sb.append("free all held blocks, compare buddyinfo with boot's\n").toString();
        }
    }

    private static PhysMem boot(int machine) {
        switch (machine) {
            case 0:
                return new PhysMem(8 * MIB, 1);
            case 1:
                return new PhysMem(32 * MIB, 2);
            case 3:
                return new PhysMem(64 * MIB, 1, 2, 0, 25, 8 * MIB);
            default:
                return new PhysMem(22 * MIB, 2); // nodes of 10 MiB: blocks cut at an unaligned node end
        }
    }

    private static void step(PhysMem mem, Op op, List<Block> held, BitSet used) {
        mem.setCpu(op.cpu() % mem.nrCpus());
        if (op.alloc() || held.isEmpty()) {
            int nid = op.nid() % mem.nrNodes();
            int pfn = mem.allocPages(op.order(), nid, GFPS[op.gfp()]);
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

    private static void freeAll(PhysMem mem, List<Block> held) {
        while (!held.isEmpty()) {
            Block b = held.remove(held.size() - 1);
            mem.freePages(b.pfn(), b.order());
        }
    }
}
