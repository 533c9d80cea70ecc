/**
 * Physical memory, after mm/page_alloc.c, mm/mm_init.c, mm/memblock.c and
 * include/linux/mmzone.h: the frame table (struct page as parallel arrays), nodes and
 * zones, the buddy allocator of each zone, pageblock migratetypes, and the boot that hands
 * memory to the allocator.
 *
 * <p>Entry point: {@link org.pinsim.core.mem.PhysMem}. Hot paths pass {@code int pfn} and
 * allocate nothing; {@link org.pinsim.core.mem.FrameView} is the cold-path snapshot.
 */
package org.pinsim.core.mem;
