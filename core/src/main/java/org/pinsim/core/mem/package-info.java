/**
 * Physical memory, after mm/page_alloc.c, mm/mm_init.c, mm/memblock.c, mm/cma.c,
 * mm/vmstat.c and include/linux/mmzone.h: the frame table (struct page as parallel arrays),
 * nodes and zones with their watermarks and lowmem reserves, the buddy allocator of each
 * zone with one free list per order and migratetype, the per-CPU page lists, GFP masks,
 * ZONE_MOVABLE and CMA, the boot that hands memory to the allocator, machine aging, and the
 * read-only views (buddyinfo, pagetypeinfo, zoneinfo, extfrag). docs/PHYSICAL-MEMORY.md
 * describes the whole.
 *
 * <p>Entry point: {@link org.pinsim.core.mem.PhysMem}. Hot paths pass {@code int pfn} and
 * allocate nothing; {@link org.pinsim.core.mem.FrameView} is the cold-path snapshot.
 */
package org.pinsim.core.mem;
