package org.pinsim.core.mem;

import static org.pinsim.core.mem.FrameTable.NO_FRAME;
import static org.pinsim.core.mem.FrameTable.PG_lru;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Machine aging, the {@code age=N%} machine key: before any process runs, kernel and
 * page-cache allocations churn through N% of memory and leave long-lived kernel pages
 * scattered over the pageblocks, as Gorman's fragmentation tests age a box (updatedb's
 * slab plus streaming page cache at 150% of memory, grouping pages by mobility v30 and
 * "Fragmentation avoidance improvements v5"). Deterministic: one stream seeded by the
 * machine seed. Off (N = 0) by default.
 *
 * <p>The recipe, exactly: each step allocates one object through the real allocator path
 * ({@link PhysMem#allocPages(int, int, int)} on node 0, CPU 0):
 * <ul>
 * <li>70%: a page-cache page, order 0, GFP_HIGHUSER_MOVABLE. It is PG_lru while it lives
 *     (so claims count it movable, as prep_move_freepages_block does). Page cache lives in
 *     LRU order: when it exceeds 85% of the memory free at the start, the oldest page is
 *     dropped, the model's stand-in for reclaim.</li>
 * <li>20%: a reclaimable slab page (dentries, inodes), GFP_KERNEL | __GFP_RECLAIMABLE, order
 *     0, or order 1-3 one time in four (slab caches use higher-order slabs).</li>
 * <li>10%: an unmovable kernel page (skbs, page tables, kmalloc), GFP_KERNEL, orders as for
 *     slab.</li>
 * </ul>
 * When an allocation reaches the slow path, its direct reclaim drops the oldest page cache,
 * 32 pages (SWAP_CLUSTER_MAX) at a time, and retries while there is cache to drop (what
 * vm.defrag_mode relies on before it lets a fallback fragment a pageblock).
 * One kernel object in 32 is long-lived and kept for good (about 0.5% of memory at
 * age=150%; the reference box's pagetypeinfo shows 91 non-movable pageblocks of 4544, 2%,
 * so the residue is of the same order); the others are freed 1024 objects later (first
 * in, first out). The run stops when N% of the managed pages have
 * been allocated (or an allocation fails even after dropping page cache); then all page
 * cache and all short-lived kernel objects are freed (drop_caches, and time passing), and
 * the pcp lists are drained. What stays: the long-lived kernel pages, held by this object
 * (refcount 1 each frame, no owner, not on an LRU: unmovable, as compaction sees them).
 */
public final class Ager {

    private static final int SHORT_LIVED_QUEUE = 1024;
    private static final long STREAM = 0x6167652d76310aL; // "age-v1": the aging stream of the seed

    private final PhysMem mem;
    private final long seed;
    /** Frames of the kept kernel objects. */
    private BitSet held = new BitSet(0);
    private long heldPages;

    public Ager(PhysMem mem, long seed) {
        this.mem = mem;
        this.seed = seed;
    }

    /** References the kept kernel objects hold on {@code pfn} (0 or 1). */
    public int refs(int pfn) {
        return held.get(pfn) ? 1 : 0;
    }

    /** Pages the kept kernel objects hold. */
    public long heldPages() {
        return heldPages;
    }

    /** Runs the recipe over {@code percent}% of memory; 0 does nothing. */
    public void age(int percent) {
        age(percent, 85, false);
    }

    /**
     * The recipe with page cache allowed to grow to {@code cachePercent}% of the memory free
     * at the start (85 for the {@code age=} key); at 100 or more the cache grows until the
     * allocator's slow path reclaims it, and memory runs full as on a busy box. With
     * {@code randomReclaim} the page dropped is any page of the cache, each as likely (files
     * deleted and written in no order, as Gorman's tests delete every second file), instead
     * of the oldest: freed pages then no longer come back in the order they were taken.
     */
    public void age(int percent, int cachePercent, boolean randomReclaim) {
        if (percent <= 0) {
            return;
        }
        held = new BitSet(mem.nrFrames());
        final SplittableRandom rnd = new SplittableRandom(seed ^ STREAM);
        final long budget = mem.totalPages() * percent / 100;
        final long cacheLimit = cachePercent >= 100 ? Long.MAX_VALUE
                : (mem.freePagesCount() + mem.pcpPagesCount()) * cachePercent / 100;
        final Fifo cache = new Fifo(randomReclaim ? new SplittableRandom(seed ^ STREAM ^ 1) : null);
        final Fifo shortLived = new Fifo();
        long allocated = 0;
        final int saved = mem.cpu();
        mem.setCpu(0);
        // mm/vmscan.c try_to_free_pages: the slow path reclaims the oldest page cache,
        // SWAP_CLUSTER_MAX pages at a time, while there is some
        mem.setDirectReclaim(() -> dropCache(cache, PhysMem.SWAP_CLUSTER_MAX));
        while (allocated < budget) {
            final int kind = rnd.nextInt(100);
            final int order = kind < 70 || rnd.nextInt(4) != 0 ? 0 : 1 + rnd.nextInt(3);
            final int gfp = kind < 70 ? Gfp.GFP_HIGHUSER_MOVABLE : kind < 90 ? Gfp.GFP_KERNEL_RECLAIMABLE : Gfp.GFP_KERNEL;
            int pfn = mem.allocPages(order, 0, gfp);
            for (int tries = 0; pfn == NO_FRAME && cache.size() > 0 && tries < 64; tries++) {
                dropCache(cache, 32); // reclaim a batch of page cache and retry
                pfn = mem.allocPages(order, 0, gfp);
            }
            if (pfn == NO_FRAME) {
                break;
            }
            allocated += 1L << order;
            if (kind < 70) {
                mem.frames().setFlag(pfn, PG_lru);
                cache.push(pfn, 0);
                if (cache.size() > cacheLimit) {
                    dropCache(cache, 1);
                }
            } else if (rnd.nextInt(32) == 0) {
                keep(pfn, order);
            } else {
                shortLived.push(pfn, order);
                if (shortLived.size() > SHORT_LIVED_QUEUE) {
                    freeOldest(shortLived);
                }
            }
        }
        mem.setDirectReclaim(null);
        dropCache(cache, Integer.MAX_VALUE);
        while (shortLived.size() > 0) {
            freeOldest(shortLived);
        }
        mem.drainAllPages(null);
        mem.setCpu(saved);
    }

    private void keep(int pfn, int order) {
        held.set(pfn, pfn + (1 << order));
        heldPages += 1L << order;
    }

    /** Frees the {@code n} oldest page-cache pages (fewer if there are fewer); returns how many. */
    private int dropCache(Fifo cache, int n) {
        int i = 0;
        for (; i < n && cache.size() > 0; i++) {
            final long e = cache.pop();
            final int pfn = (int) (e >>> 8);
            mem.frames().clearFlag(pfn, PG_lru);
            mem.freePage(pfn);
        }
        return i;
    }

    private void freeOldest(Fifo q) {
        final long e = q.pop();
        mem.freePages((int) (e >>> 8), (int) (e & 0xff));
    }

    /** A growable ring of (pfn << 8 | order), oldest first; with a random source, pop takes any entry. */
    private static final class Fifo {
        private final SplittableRandom pick;
        private long[] a = new long[1024];
        private int head;
        private int size;

        Fifo() {
            this(null);
        }

        Fifo(SplittableRandom pick) {
            this.pick = pick;
        }

        int size() {
            return size;
        }

        void push(int pfn, int order) {
            if (size == a.length) {
                final long[] b = new long[a.length * 2];
                for (int i = 0; i < size; i++) {
                    b[i] = a[(head + i) % a.length];
                }
                a = b;
                head = 0;
            }
            a[(head + size) % a.length] = (long) pfn << 8 | order;
            size++;
        }

        long pop() {
            if (pick != null && size > 1) { // swap a random entry to the head
                final int j = (head + pick.nextInt(size)) % a.length;
                final long t = a[j];
                a[j] = a[head];
                a[head] = t;
            }
            final long e = a[head];
            head = (head + 1) % a.length;
            size--;
            return e;
        }
    }
}
