package org.pinsim.core.fs;

import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENODEV;
import static org.pinsim.core.uapi.Fcntl.MFD_ALLOW_SEALING;
import static org.pinsim.core.uapi.Fcntl.MFD_CLOEXEC;
import static org.pinsim.core.uapi.Fcntl.MFD_EXEC;
import static org.pinsim.core.uapi.Fcntl.MFD_HUGETLB;
import static org.pinsim.core.uapi.Fcntl.MFD_HUGE_MASK;
import static org.pinsim.core.uapi.Fcntl.MFD_HUGE_SHIFT;
import static org.pinsim.core.uapi.Fcntl.MFD_NOEXEC_SEAL;

import java.nio.charset.StandardCharsets;

import org.pinsim.core.mm.Caller;

/**
 * mm/memfd.c memfd_create's checks, in its order: the flags (sanitize_flags,
 * check_sysctl_memfd_noexec), the name, then hugetlb_file_setup's huge page size. The file
 * itself is a tmpfs inode, or a {@link HugetlbFile} with MFD_HUGETLB.
 */
public final class Memfd {
    /** NAME_MAX - strlen("memfd:"): longer names are EINVAL. */
    public static final int MFD_NAME_MAX_LEN = Namei.NAME_MAX - 6;
    private static final long MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;

    private Memfd() {
    }

    /**
     * @param flags       the unsigned int flags
     * @param noexecScope vm.memfd_noexec (the pid namespace's memfd_noexec_scope)
     * @return 0, or -EINVAL (unknown flags, MFD_EXEC with MFD_NOEXEC_SEAL, a name over
     *     MFD_NAME_MAX_LEN bytes), -EACCES (scope 2 without MFD_NOEXEC_SEAL), -ENODEV (a huge
     *     page size the machine has not)
     */
    public static int check(Caller c, String name, long flags, long noexecScope) {
        long all = MFD_ALL_FLAGS;
        if ((flags & MFD_HUGETLB) != 0) {
            all |= (long) MFD_HUGE_MASK << MFD_HUGE_SHIFT; // "Allow huge page size encoding in flags."
        }
        if ((flags & ~all) != 0) {
            c.refuse("memfd_create: unknown flags 0x" + Long.toHexString(flags & ~all) + " (sanitize_flags)");
            return -EINVAL;
        }
        if ((flags & MFD_EXEC) != 0 && (flags & MFD_NOEXEC_SEAL) != 0) {
            c.refuse("memfd_create: MFD_EXEC with MFD_NOEXEC_SEAL (sanitize_flags)");
            return -EINVAL; // "Invalid if both EXEC and NOEXEC_SEAL are set."
        }
        if (noexecScope >= 2 && !noexecSeal(flags, noexecScope)) {
            c.refuse("memfd_create: vm.memfd_noexec = 2 enforces MFD_NOEXEC_SEAL (check_sysctl_memfd_noexec)");
            return -EACCES;
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MFD_NAME_MAX_LEN) {
            c.refuse("memfd_create: name longer than " + MFD_NAME_MAX_LEN + " bytes (MFD_NAME_MAX_LEN)");
            return -EINVAL;
        }
        long sizeLog = (flags >>> MFD_HUGE_SHIFT) & MFD_HUGE_MASK;
        if ((flags & MFD_HUGETLB) != 0 && sizeLog != 0 && 1L << sizeLog != HugetlbFile.HPAGE_SIZE) {
            c.refuse("memfd_create: no huge page size of 2^" + sizeLog + " bytes here (hugetlb_file_setup)");
            return -ENODEV;
        }
        return 0;
    }

    /** check_sysctl_memfd_noexec: neither flag means MFD_NOEXEC_SEAL when vm.memfd_noexec >= 1. */
    public static boolean noexecSeal(long flags, long noexecScope) {
        if ((flags & (MFD_EXEC | MFD_NOEXEC_SEAL)) == 0) {
            return noexecScope >= 1;
        }
        return (flags & MFD_NOEXEC_SEAL) != 0;
    }
}
