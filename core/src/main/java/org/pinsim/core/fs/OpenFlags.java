package org.pinsim.core.fs;

import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Fcntl.O_ACCMODE;
import static org.pinsim.core.uapi.Fcntl.O_APPEND;
import static org.pinsim.core.uapi.Fcntl.O_CLOEXEC;
import static org.pinsim.core.uapi.Fcntl.O_CREAT;
import static org.pinsim.core.uapi.Fcntl.O_DIRECTORY;
import static org.pinsim.core.uapi.Fcntl.O_NOFOLLOW;
import static org.pinsim.core.uapi.Fcntl.O_PATH;
import static org.pinsim.core.uapi.Fcntl.O_TRUNC;
import static org.pinsim.core.uapi.Stat.MAY_APPEND;
import static org.pinsim.core.uapi.Stat.MAY_READ;
import static org.pinsim.core.uapi.Stat.MAY_WRITE;

import org.pinsim.core.mm.Mmap;
import org.pinsim.core.uapi.Stat;

/**
 * fs/open.c build_open_how and build_open_flags, as open(2) and openat(2) call them: what
 * the flags ask of the lookup and of the permission check, and the file's f_mode.
 *
 * @param err       0, or -EINVAL
 * @param flags     the open flags left after masking (O_PATH keeps only O_PATH_FLAGS)
 * @param mode      the creation mode (0 unless O_CREAT or O_TMPFILE), before the umask
 * @param accMode   MAY_READ / MAY_WRITE / MAY_APPEND the open must be allowed
 * @param fmode     OPEN_FMODE: FMODE_READ and FMODE_WRITE from O_ACCMODE (access mode 3
 *                  gives neither), or FMODE_PATH
 */
public record OpenFlags(int err, int flags, int mode, int accMode, int fmode) {
    /** include/linux/fcntl.h: O_NONBLOCK, O_DSYNC, FASYNC, O_DIRECT, O_LARGEFILE, ... */
    static final int VALID_OPEN_FLAGS = 03 | 0100 | 0200 | 0400 | 01000 | 02000 | 04000 | 010000 | 020000 | 040000
            | 0100000 | 0200000 | 0400000 | 01000000 | 02000000 | 04000000 | 010000000 | 020000000;
    static final int O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
    static final int O_TMPFILE_BIT = 020000000; // __O_TMPFILE (O_TMPFILE is it | O_DIRECTORY)
    /** include/linux/fs.h ACC_MODE: "\004\002\006\006"[flags & O_ACCMODE]. */
    private static final int[] ACC_MODE = {MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE, MAY_READ | MAY_WRITE};

    /**
     * fs/open.c build_open_how then build_open_flags, for open(2)'s int flags and umode_t
     * mode; a kernel before O_TMPFILE (3.11) ignores its bit as it does every unknown one.
     */
    public static OpenFlags build(long rawFlags, long rawMode, boolean hasTmpfile) {
        int flags = (int) rawFlags & (hasTmpfile ? VALID_OPEN_FLAGS : VALID_OPEN_FLAGS & ~O_TMPFILE_BIT);
        int mode = (int) rawMode & Stat.S_IALLUGO;
        if ((flags & O_PATH) != 0) {
            flags &= O_PATH_FLAGS; // "O_PATH beats everything else"
        }
        if (!willCreate(flags)) {
            mode = 0;
        }
        int acc = ACC_MODE[flags & O_ACCMODE];
        // "Block bugs where O_DIRECTORY | O_CREAT created regular files"
        if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT)) {
            return new OpenFlags(-EINVAL, flags, mode, 0, 0);
        }
        if ((flags & O_TMPFILE_BIT) != 0 && ((flags & O_DIRECTORY) == 0 || (acc & MAY_WRITE) == 0)) {
            return new OpenFlags(-EINVAL, flags, mode, 0, 0);
        }
        if ((flags & O_PATH) != 0) {
            return new OpenFlags(0, flags, mode, 0, Mmap.FMODE_PATH);
        }
        if ((flags & O_TRUNC) != 0) {
            acc |= MAY_WRITE; // "O_TRUNC implies we need access checks for write permissions"
        }
        if ((flags & O_APPEND) != 0) {
            acc |= MAY_APPEND;
        }
        return new OpenFlags(0, flags, mode, acc, openFmode(flags));
    }

    /** include/linux/fs.h OPEN_FMODE: ((flag + 1) & O_ACCMODE), so 3 has neither bit. */
    static int openFmode(int flags) {
        return (flags + 1) & O_ACCMODE;
    }

    /** include/linux/fcntl.h WILL_CREATE. */
    static boolean willCreate(int flags) {
        return (flags & (O_CREAT | O_TMPFILE_BIT)) != 0;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public boolean tmpfile() {
        return has(O_TMPFILE_BIT);
    }

    public boolean cloexec() {
        return has(O_CLOEXEC);
    }
}
