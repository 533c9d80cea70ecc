/**
 * mm/compaction.c: memory compaction (the migrate and free scanners, skip hints, deferral,
 * compact_memory). See {@link org.pinsim.core.compaction.Compaction}.
 */
package org.pinsim.core.compaction;
