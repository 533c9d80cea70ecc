/**
 * mm/gup.c pins and the drivers that take them: {@link org.pinsim.core.gup.Pins}
 * (pin_user_pages with FOLL_LONGTERM, unpin), the io_uring ring and its fixed buffers
 * ({@link org.pinsim.core.gup.IoRingCtx}, {@link org.pinsim.core.gup.IoUringOps}), perf
 * ring buffers ({@link org.pinsim.core.gup.PerfEvent}, {@link org.pinsim.core.gup.PerfOps}),
 * and the per-uid {@link org.pinsim.core.gup.UserStruct} their charges go to. Each driver
 * decides which counter it charges (user->locked_vm, mm->pinned_vm, mm->locked_vm): the
 * profiles differ there, which is what the 2013 argument was about.
 */
package org.pinsim.core.gup;
