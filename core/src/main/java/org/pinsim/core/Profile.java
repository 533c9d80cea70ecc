package org.pinsim.core;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.pinsim.core.account.Linux31;
import org.pinsim.core.account.Linux32;
import org.pinsim.core.account.Linux618;
import org.pinsim.core.account.MlockAccounting;
import org.pinsim.core.account.Mpin2013;
import org.pinsim.core.account.Mpin2013Dedup;
import org.pinsim.core.account.PerfAccounting;
import org.pinsim.core.account.RdmaAccounting;
import org.pinsim.core.account.VfioAccounting;

/**
 * A kernel profile: which calls and flags exist, how each pin owner is charged, and the
 * behaviour switches where the kernels differ. A profile is data plus small policy objects,
 * not a fork of the model: the mechanisms consult it. Adding one is a small class in
 * {@code org.pinsim.core.account} and a line in {@link #REGISTRY}.
 *
 * <p>The call and flag set follows the kernel version the profile models ({@link #version()},
 * encoded as LINUX_VERSION_CODE: {@code KERNEL_VERSION(a, b, 0)}), so that a call or flag its
 * kernel lacked fails as that kernel failed it. The accounting of each pin owner (mlock,
 * RDMA, vfio, perf, io_uring, mpin) is one of the enums in {@code org.pinsim.core.account};
 * docs/PROFILES.md tells what each profile follows.
 */
public abstract class Profile {
    /** Before the locked/pinned split: RDMA and perf pins charged to locked_vm. */
    public static final Profile LINUX_3_1 = new Linux31();
    /** Christoph Lameter's split (commit bc3e53f682d9): a separate pinned_vm. */
    public static final Profile LINUX_3_2 = new Linux32();
    /** Peter Zijlstra's VM_PINNED / mm_mpin proposal (May 2013, May 2014), never merged, on 3.10. */
    public static final Profile MPIN_2013 = new Mpin2013();
    /** mpin-2013 with the admission check the thread intended: a locked and pinned page counts once. */
    public static final Profile MPIN_2013_DEDUP = new Mpin2013Dedup();
    /** Today's kernel. */
    public static final Profile LINUX_6_18 = new Linux618();

    /** Every profile, oldest first: the registry a new profile joins with one line. */
    private static final List<Profile> REGISTRY = List.of(LINUX_3_1, LINUX_3_2, MPIN_2013, MPIN_2013_DEDUP,
            LINUX_6_18);

    private final String id;
    private final int version;

    protected Profile(String id, int version) {
        this.id = id;
        this.version = version;
    }

    /** include/generated/uapi/linux/version.h KERNEL_VERSION(a, b, 0). */
    public static int kernelVersion(int major, int minor) {
        return (major << 16) + (minor << 8);
    }

    public final String id() {
        return id;
    }

    /** The LINUX_VERSION_CODE of the kernel modelled (for a proposal: the kernel it was posted against). */
    public final int version() {
        return version;
    }

    /** Whether the kernel modelled is {@code major.minor} or later. */
    public final boolean since(int major, int minor) {
        return version >= kernelVersion(major, minor);
    }

    /** "3.10" for a version code. */
    public final String versionName() {
        return (version >> 16) + "." + ((version >> 8) & 0xff);
    }

    /** One line: what the profile models. */
    public abstract String summary();

    // ---- calls and flags of the era ----

    /** mlock2(2), MLOCK_ONFAULT, MCL_ONFAULT and VM_LOCKONFAULT: Linux 4.4. */
    public boolean hasOnfault() {
        return since(4, 4);
    }

    /** mm/mlock.c: count_mm_mlocked_page_nr, commit 0cf2f6f6dc60 in Linux 4.9. */
    public boolean mlockSubtractsOverlap() {
        return since(4, 9);
    }

    /** MAP_FIXED_NOREPLACE: Linux 4.17; before it the bit is unknown and ignored (a hint). */
    public boolean hasFixedNoreplace() {
        return since(4, 17);
    }

    /** MAP_DROPPABLE / VM_DROPPABLE: Linux 6.11. */
    public boolean hasMapDroppable() {
        return since(6, 11);
    }

    /** MAP_SHARED_VALIDATE (and with it MAP_SYNC): Linux 4.15; before it a mapping type of 3 is EINVAL. */
    public boolean hasMapSharedValidate() {
        return since(4, 15);
    }

    /** io_uring_setup(2) and io_uring_register(2): Linux 5.1. */
    public boolean hasIoUring() {
        return since(5, 1);
    }

    /** O_TMPFILE: Linux 3.11; before it __O_TMPFILE is an unknown open flag, ignored. */
    public boolean hasTmpfile() {
        return since(3, 11);
    }

    /** memfd_create(2): Linux 3.17. */
    public boolean hasMemfd() {
        return since(3, 17);
    }

    /** clone3(2): Linux 5.3. */
    public boolean hasClone3() {
        return since(5, 3);
    }

    /** MREMAP_DONTUNMAP: Linux 5.7; before it the flag is unknown (EINVAL). */
    public boolean hasMremapDontunmap() {
        return since(5, 7);
    }

    /**
     * Linux 6.17's mremap rework (mm/mremap.c check_mremap_params, check_prep_vma): a new
     * length beyond TASK_SIZE is EINVAL for every call, and the VMA is validated before
     * MREMAP_FIXED unmaps the destination, so a refused move leaves it mapped. Before, the
     * VMA was validated (vma_to_resize, remap_is_valid) after that unmap.
     */
    public boolean mremapChecksFirst() {
        return since(6, 17);
    }

    /** mm/mremap.c remap_move: MREMAP_FIXED without resize may move several VMAs: Linux 6.17. */
    public boolean mremapMovesVmaRange() {
        return since(6, 17);
    }

    /** vfio and its type1 IOMMU backend (drivers/vfio/vfio_iommu_type1.c): Linux 3.6. */
    public boolean hasVfio() {
        return vfio() != VfioAccounting.NONE;
    }

    /** mpin(2)/munpin(2) and VM_PINNED: only the proposal's profiles. */
    public boolean hasMpin() {
        return mlock() != MlockAccounting.LOCKED_VM;
    }

    /** MLOCK_LIMIT: 8 MiB since Linux 5.16, 64 KiB before (include/uapi/linux/resource.h). */
    public long defaultMemlock() {
        return since(5, 16) ? 8L << 20 : 64L << 10;
    }

    /** kernel.perf_event_paranoid default: 2 since Linux 4.6 (commit 0161028b7c8a), 1 before. */
    public long defaultPerfParanoid() {
        return since(4, 6) ? 2 : 1;
    }

    /**
     * Whether fork copies the parent's pinned_vm into the child: kernel/fork.c dup_mm's
     * {@code memcpy(mm, oldmm, sizeof(*mm))} followed by a dup_mmap that resets only
     * locked_vm, from pinned_vm's arrival in 3.2 until "fork: reset mm->pinned_vm" (Vladimir
     * Davydov, posted June 2014). Since 6.x mm_init sets it to 0.
     */
    public boolean forkCopiesPinnedVm() {
        return false;
    }

    // ---- accounting of every owner of unevictable memory ----

    /** How mlock and the VMA flags charge the mm (and whether VM_PINNED exists). */
    public abstract MlockAccounting mlock();

    /** How RDMA memory registration (ib_umem_get) charges and checks. */
    public abstract RdmaAccounting rdma();

    /** How vfio type1 DMA mapping charges and checks, or NONE before vfio existed. */
    public abstract VfioAccounting vfio();

    /** How perf ring buffers charge and check. */
    public abstract PerfAccounting perf();

    // ---- the registry ----

    /** Every profile, oldest first. */
    public static Profile[] values() {
        return REGISTRY.toArray(new Profile[0]);
    }

    /** The profile named {@code id}; an unknown name fails at once with the list of known ones. */
    public static Profile byId(String id) {
        for (Profile p : REGISTRY) {
            if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown kernel profile '" + id + "' (known: " + known() + ")");
    }

    public static String known() {
        return Arrays.stream(values()).map(Profile::id).collect(Collectors.joining(", "));
    }

    @Override
    public final String toString() {
        return id;
    }
}
