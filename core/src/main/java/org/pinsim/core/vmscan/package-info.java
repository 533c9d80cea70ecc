/**
 * Page reclaim, after mm/vmscan.c, mm/swap.c and include/linux/mm_inline.h. For now the
 * LRU lists ({@link org.pinsim.core.vmscan.Lru}), including the 5.18+ unevictable "list"
 * that is only a count with mlock_count overlaid on lru.prev. Swap and kswapd come later.
 */
package org.pinsim.core.vmscan;
