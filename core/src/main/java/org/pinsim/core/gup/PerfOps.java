package org.pinsim.core.gup;

import static org.pinsim.core.uapi.Errno.E2BIG;
import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOENT;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EPERM;

import java.util.function.IntFunction;
import org.pinsim.core.Profile;
import org.pinsim.core.Sysctl;
import org.pinsim.core.account.PerfAccounting;
import org.pinsim.core.mem.FrameTable;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Perf;
import org.pinsim.core.uapi.Resource;

/**
 * kernel/events/core.c: perf_event_open for software events, and mmap of the event's ring
 * buffer (perf_mmap, perf_mmap_rb, perf_mmap_calc_limits, perf_mmap_account,
 * perf_mmap_close) as memory accounting sees it.
 *
 * <p>Linux 6.18: the buffer's pages go first to the per-uid user->locked_vm, up to
 * kernel.perf_event_mlock_kb times the online CPUs, and the rest ("extra") to the mapping
 * mm's pinned_vm, which is checked against RLIMIT_MEMLOCK unless the caller has
 * CAP_IPC_LOCK or kernel.perf_event_paranoid is -1. The buffer's pages are mapped at mmap
 * time with remap_pfn_range (VM_IO | VM_PFNMAP, special PTEs: no RSS), and the VMA is
 * VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP and refuses every split. A second mmap of the
 * same event charges user->locked_vm again by all its pages, which perf_mmap_close never
 * returns (the leak 6.18 has, since "perf: Further simplify perf_mmap()").
 *
 * <p>linux-3.1 and linux-3.2 keep the 3.x accounting: the whole buffer goes to
 * user->locked_vm, the part beyond the allowance is also charged to the mm (locked_vm in
 * 3.1, pinned_vm from 3.2) and checked with it against RLIMIT_MEMLOCK; a second mmap charges
 * nothing. [PROPOSAL] mpin-2013 follows "mm,perf: Make use of VM_PINNED" (2014): the whole
 * buffer to user->locked_vm, the VMA VM_PINNED (so mmap_region charges it to pinned_vm, each
 * mapping of it, and munmap uncharges it), EPERM only past both the allowance and
 * RLIMIT_MEMLOCK on mm_locked_pages. Simplified: the older profiles use 6.18's VMA
 * mechanics (pages mapped at once, VM_DONTCOPY); in 3.x the pages were faulted in lazily and
 * counted as file RSS, and fork copied the mapping. Only PERF_TYPE_SOFTWARE events, without
 * groups, inherited counters across fork or AUX areas, are modelled.
 */
public final class PerfOps {
    /** include/uapi/linux/perf_event.h PERF_SAMPLE_MAX (6.18) and PERF_FORMAT_MAX. */
    static final long PERF_SAMPLE_MAX = 1L << 25;
    static final long PERF_FORMAT_MAX = 1L << 5;
    static final long PERF_FLAG_ALL = Perf.PERF_FLAG_FD_NO_GROUP | Perf.PERF_FLAG_FD_OUTPUT | Perf.PERF_FLAG_PID_CGROUP
            | Perf.PERF_FLAG_FD_CLOEXEC;
    /** kernel/events/core.c sysctl_perf_event_sample_rate default (DEFAULT_MAX_SAMPLE_RATE). */
    static final long MAX_SAMPLE_RATE = 100000;

    private final Memory memory;
    private final Sysctl sysctl;
    private final Profile profile;
    private final int cpus;

    private final IntFunction<UserStruct> users;

    /** {@code users}: the user_struct of a uid (current_user() of the calling task). */
    public PerfOps(Memory memory, Sysctl sysctl, Profile profile, int cpus, IntFunction<UserStruct> users) {
        this.memory = memory;
        this.sysctl = sysctl;
        this.profile = profile;
        this.cpus = cpus;
        this.users = users;
    }

    /**
     * SYSCALL_DEFINE5(perf_event_open) for a software event: the checks in the kernel's order
     * (flags, perf_copy_attr, perf_allow_kernel, the task and cpu, the PMU).
     *
     * @param attr the struct as the caller's memory holds it (PERF_ATTR_SIZE_VER8 bytes)
     * @param task whether pid names a task (0 or a live pid), false for pid -1
     * @param out receives the new event
     */
    public int open(Caller c, byte[] attr, boolean task, long cpuArg, long flags, PerfEvent[] out) {
        if ((flags & ~PERF_FLAG_ALL) != 0) {
            c.refuse("perf_event_open: unknown flags");
            return -EINVAL;
        }
        // perf_copy_attr: "if (!size) size = PERF_ATTR_SIZE_VER0"; copy_struct_from_user copies min(size, ours)
        long size = Perf.get(attr, "size");
        if (size == 0) {
            size = Perf.PERF_ATTR_SIZE_VER0;
        }
        if (size < Perf.PERF_ATTR_SIZE_VER0 || size > MmContext.PAGE_SIZE) {
            c.refuse("perf_event_open: attr.size " + size + " outside PERF_ATTR_SIZE_VER0..PAGE_SIZE (perf_copy_attr)");
            return -E2BIG;
        }
        byte[] a = attr.clone();
        for (int i = (int) Math.min(size, a.length); i < a.length; i++) {
            a[i] = 0;
        }
        if ((Perf.get(a, "sample_type") & ~(PERF_SAMPLE_MAX - 1)) != 0
                || (Perf.get(a, "read_format") & ~(PERF_FORMAT_MAX - 1)) != 0
                || (Perf.get(a, "inherit_thread") != 0 && Perf.get(a, "inherit") == 0)
                || (Perf.get(a, "remove_on_exec") != 0 && Perf.get(a, "enable_on_exec") != 0)
                || (Perf.get(a, "sigtrap") != 0 && Perf.get(a, "remove_on_exec") == 0)) {
            c.refuse("perf_event_open: attr has unknown sample_type/read_format bits or a bad flag combination"
                    + " (perf_copy_attr)");
            return -EINVAL;
        }
        boolean perfmon = c.capable(Caps.CAP_PERFMON) || c.capable(Caps.CAP_SYS_ADMIN);
        long paranoid = sysctl.get(Sysctl.PERF_EVENT_PARANOID);
        if (Perf.get(a, "exclude_kernel") == 0 && paranoid > 1 && !perfmon) {
            c.refuse("perf_event_open: counting the kernel (exclude_kernel=0) with kernel.perf_event_paranoid "
                    + paranoid + " needs CAP_PERFMON (perf_allow_kernel)");
            return -EACCES;
        }
        if (Perf.get(a, "namespaces") != 0 && !perfmon) {
            c.refuse("perf_event_open: namespaces events need CAP_PERFMON");
            return -EACCES;
        }
        if (Perf.get(a, "freq") != 0 ? Perf.get(a, "sample_freq") > MAX_SAMPLE_RATE
                : (Perf.get(a, "sample_period") & (1L << 63)) != 0) {
            c.refuse("perf_event_open: sample_freq above the maximum sample rate, or sample_period with bit 63");
            return -EINVAL;
        }
        // perf_event_alloc: "if ((unsigned)cpu >= nr_cpu_ids) { if (!task || cpu != -1) return -EINVAL; }"
        int cpu = (int) cpuArg;
        if (Integer.compareUnsigned(cpu, cpus) >= 0 && (!task || cpu != -1)) {
            c.refuse("perf_event_open: cpu " + cpu + " is not an online CPU, or pid -1 with cpu -1");
            return -EINVAL;
        }
        if (Perf.get(a, "sigtrap") != 0 && !task) {
            c.refuse("perf_event_open: sigtrap needs a task (perf_event_alloc)");
            return -EINVAL;
        }
        int type = (int) Perf.get(a, "type");
        long config = Perf.get(a, "config");
        if (type != Perf.PERF_TYPE_SOFTWARE) {
            throw new UnsupportedOperationException("perf_event_open of type " + type + " is not modelled");
        }
        if (Long.compareUnsigned(config, Perf.PERF_COUNT_SW_MAX) >= 0) {
            c.refuse("perf_event_open: software event " + config + " is not below PERF_COUNT_SW_MAX (perf_swevent_init)");
            return -ENOENT;
        }
        // find_get_context -> perf_allow_cpu for a CPU-wide event
        if (!task && paranoid > 0 && !perfmon) {
            c.refuse("perf_event_open: a CPU-wide event (pid -1) with kernel.perf_event_paranoid " + paranoid
                    + " needs CAP_PERFMON (perf_allow_cpu)");
            return -EACCES;
        }
        PerfEvent ev = new PerfEvent(this, type, config, Perf.get(a, "inherit") != 0, task ? -1 : cpu);
        ev.fileRefs = 1;
        out[0] = ev;
        return 0;
    }

    /** perf_mmap -> perf_mmap_rb, then the VMA setup and map_range. */
    int mmap(Caller c, PerfEvent ev, Vma vma) {
        if (ev.cpu == -1 && ev.inherit) {
            c.refuse("perf mmap: a per-task inherited counter cannot be mapped");
            return -EINVAL;
        }
        if (!vma.has(VmFlags.VM_SHARED)) {
            c.refuse("perf mmap: MAP_SHARED is required");
            return -EINVAL;
        }
        long vmaPages = vma.pages();
        if (vma.pgoff() != 0) {
            // perf_mmap_aux: the data buffer must be mapped first, and a software event has no AUX area
            c.refuse("perf mmap: an offset selects the AUX area, which a software event does not have");
            return -EINVAL;
        }
        long nrPages = vmaPages - 1;
        if (nrPages != 0 && Long.bitCount(nrPages) != 1) {
            c.refuse("perf mmap: " + vmaPages + " pages is not 1 + 2^n (perf_mmap_rb)");
            return -EINVAL;
        }
        Mm mm = c.mm();
        UserStruct user = users.apply(c.uid()); // current_user()
        if (ev.rb != null) {
            if (ev.rb.dataPages() != nrPages) {
                c.refuse("perf mmap: the event's buffer has " + ev.rb.dataPages() + " data pages, not " + nrPages);
                return -EINVAL;
            }
            ev.rb.mmapCount++;
            ev.mmapCount++;
            if (profile.perf() == PerfAccounting.USER_THEN_PINNED_VM) {
                // perf_mmap_account(vma, user_extra, 0) with user_extra = every page of the VMA:
                // charged to current_user() and never uncharged (perf_mmap_close uncharges once)
                user.addLockedVm(vmaPages);
                leaked.merge(user, vmaPages, Long::sum);
            }
        } else {
            long userExtra = vmaPages;
            long extra = 0;
            long userLockLimit = (sysctl.get(Sysctl.PERF_EVENT_MLOCK_KB) >> (MmContext.PAGE_SHIFT - 10)) * cpus;
            long userLocked = user.lockedVm();
            boolean sixEighteen = profile.perf() == PerfAccounting.USER_THEN_PINNED_VM;
            if (sixEighteen && userLocked > userLockLimit) {
                userLocked = userLockLimit; // perf_mmap_calc_limits: "sysctl may have shrunk"
            }
            userLocked += userExtra;
            if (userLocked > userLockLimit) {
                extra = userLocked - userLockLimit;
                if (sixEighteen) {
                    userExtra -= extra;
                }
            }
            long lockLimit = c.rlimit(Resource.RLIMIT_MEMLOCK) >>> MmContext.PAGE_SHIFT;
            boolean paranoid = sysctl.get(Sysctl.PERF_EVENT_PARANOID) > -1;
            if (profile.perf() == PerfAccounting.VM_PINNED) {
                if (vmPinnedRefused(c, mm, userLocked > userLockLimit, vmaPages, lockLimit, paranoid)) {
                    return -EPERM;
                }
                extra = 0; // "rb->mmap_locked = extra" is gone: the VMA's VM_PINNED carries the charge
            }
            long mmCounter = chargesLockedVm() ? mm.lockedVm() : mm.pinnedVm();
            long locked = mmCounter + extra;
            if (profile.perf() != PerfAccounting.VM_PINNED // the 2014 patch replaced this check
                    && Long.compareUnsigned(locked, lockLimit) > 0 && paranoid && !c.capable(Caps.CAP_IPC_LOCK)) {
                c.refuse("perf mmap: " + (chargesLockedVm() ? "locked_vm" : "pinned_vm") + " " + mmCounter
                        + " + " + extra + " pages beyond the perf_event_mlock_kb allowance > RLIMIT_MEMLOCK " + lockLimit
                        + " pages, without CAP_IPC_LOCK (perf_mmap_calc_limits)");
                c.refuseLimit(new org.pinsim.core.LimitCheck(
                        sixEighteen ? "kernel/events/core.c: perf_mmap_calc_limits" : "kernel/events/core.c: perf_mmap",
                        "the " + vmaPages + "-page ring buffer's pages beyond the perf_event_mlock_kb allowance",
                        chargesLockedVm() ? "locked_vm" : "pinned_vm", mmCounter, extra, 0, lockLimit, locked,
                        "CAP_IPC_LOCK or kernel.perf_event_paranoid -1", user.uid(), user.lockedVm(), userLockLimit));
                return -EPERM;
            }
            int[] pfns = new int[(int) vmaPages];
            for (int i = 0; i < pfns.length; i++) {
                pfns[i] = memory.allocKernelPages(0); // rb_alloc -> perf_mmap_alloc_page
                if (pfns[i] == FrameTable.NO_FRAME) {
                    for (int j = 0; j < i; j++) {
                        memory.freeKernelPage(pfns[j]);
                    }
                    c.refuse("perf mmap: out of memory for the ring buffer");
                    return -ENOMEM;
                }
            }
            PerfEvent.Rb rb = new PerfEvent.Rb(pfns);
            rb.mmapCount = 1;
            rb.mmapUser = user;
            rb.mmapLocked = extra;
            rb.userCharged = userExtra;
            // perf_mmap_account
            user.addLockedVm(userExtra);
            chargeMm(mm, extra);
            ev.rb = rb;
            ev.mmapCount = 1;
        }
        // "Since pinned accounting is per vm we cannot allow fork() to copy our vma"
        vma.setFlags(VmFlags.VM_DONTCOPY | VmFlags.VM_DONTEXPAND | VmFlags.VM_DONTDUMP);
        if (profile.perf() == PerfAccounting.VM_PINNED) {
            // "vma->vm_flags |= VM_PINNED | ...": mmap_region then charges the VMA to pinned_vm,
            // every mapping of the buffer (a second mmap too), and do_munmap uncharges it
            vma.setFlags(VmFlags.VM_PINNED);
        }
        vma.setOps(ev);
        ev.fget(); // vma->vm_file
        // map_range -> remap_pfn_range: VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP, special PTEs
        vma.setFlags(VmFlags.VM_IO | VmFlags.VM_PFNMAP);
        for (int i = 0; i < vmaPages && i < ev.rb.pfns.length; i++) {
            if (!memory.remapPfn(mm, vma.start() + ((long) i << MmContext.PAGE_SHIFT), ev.rb.pfns[i])) {
                throw new IllegalStateException("out of memory for page tables mapping a perf buffer");
            }
        }
        return 0;
    }

    /**
     * [PROPOSAL] "mm,perf: Make use of VM_PINNED" (2014): "if ((user_locked > user_lock_limit
     * && locked > lock_limit) && perf_paranoid_tracepoint_raw() && !capable(CAP_IPC_LOCK))",
     * with locked = mm_locked_pages(mm) + nr_pages + 1: EPERM only past both limits.
     */
    private boolean vmPinnedRefused(Caller c, Mm mm, boolean overUser, long lockExtra, long lockLimit,
                                    boolean paranoid) {
        long locked = mm.lockedVm() + mm.pinnedVm() + lockExtra;
        if (overUser && Long.compareUnsigned(locked, lockLimit) > 0 && paranoid && !c.capable(Caps.CAP_IPC_LOCK)) {
            c.refuse("perf mmap: beyond the perf_event_mlock_kb allowance and mm_locked_pages " + (locked - lockExtra)
                    + " + " + lockExtra + " pages > RLIMIT_MEMLOCK " + lockLimit + " pages, without CAP_IPC_LOCK");
            c.refuseLimit(new org.pinsim.core.LimitCheck("perf_mmap ([PROPOSAL] \"mm,perf: Make use of VM_PINNED\", 2014)",
                    "the ring buffer, past the perf_event_mlock_kb allowance", "mm_locked_pages (locked_vm + pinned_vm)",
                    locked - lockExtra, lockExtra, 0, lockLimit, locked, "CAP_IPC_LOCK or kernel.perf_event_paranoid -1",
                    c.uid(), -1, -1));
            return true;
        }
        return false;
    }

    private void chargeMm(Mm mm, long pages) {
        if (pages != 0) {
            charged.merge(mm, pages, Long::sum);
        }
        if (chargesLockedVm()) {
            mm.addDriverLockedVm(pages);
        } else {
            mm.addPinnedVm(pages);
        }
    }

    /** perf_mmap_may_split: "Forbid splitting perf mappings to prevent refcount leaks". */
    int maySplit(Vma vma, long addr) {
        return -EINVAL;
    }

    /** perf_mmap_open: one more mapping of the event's buffer (no accounting). */
    void vmOpen(PerfEvent ev) {
        ev.mmapCount++;
        ev.rb.mmapCount++;
        ev.fget();
    }

    /**
     * perf_mmap_close: the last mapping of the buffer uncharges what its first mmap charged
     * (from rb->mmap_user and from the mm of the VMA going away) and frees the buffer.
     */
    void vmClose(PerfEvent ev, Mm mm) {
        PerfEvent.Rb rb = ev.rb;
        boolean detachRest = --rb.mmapCount == 0;
        if (--ev.mmapCount == 0 && detachRest) {
            // 6.18: "(size >> PAGE_SHIFT) + 1 - mmap_locked"; 3.x: "(size >> PAGE_SHIFT) + 1"
            rb.mmapUser.addLockedVm(-rb.userCharged);
            chargeMm(mm, -rb.mmapLocked);
            ev.rb = null;
            for (int pfn : rb.pfns) {
                memory.freeKernelPage(pfn);
            }
        }
        ev.fput();
    }

    /** fput of the event's file: at the last reference the event goes (perf_release). */
    void fput(PerfEvent ev) {
        ev.fileRefs--;
    }

    /** Pages charged to user->locked_vm by second mmaps that no close will return, per user. */
    public long leaked(UserStruct u) {
        return leaked.getOrDefault(u, 0L);
    }

    private final java.util.IdentityHashMap<UserStruct, Long> leaked = new java.util.IdentityHashMap<>();
    private final java.util.IdentityHashMap<Mm, Long> charged = new java.util.IdentityHashMap<>();

    /** Pages perf buffers have charged to {@code mm} (pinned_vm, or locked_vm in linux-3.1) and not returned. */
    public long charged(Mm mm) {
        return charged.getOrDefault(mm, 0L);
    }

    /** Whether this profile's perf charges an mm's locked_vm (linux-3.1) rather than its pinned_vm. */
    public boolean chargesLockedVm() {
        return profile.perf() == PerfAccounting.LOCKED_VM;
    }
}
