package org.pinsim.core.fs;

import static org.pinsim.core.uapi.Errno.EACCES;
import static org.pinsim.core.uapi.Errno.EEXIST;
import static org.pinsim.core.uapi.Errno.EISDIR;
import static org.pinsim.core.uapi.Errno.ENAMETOOLONG;
import static org.pinsim.core.uapi.Errno.ENOENT;
import static org.pinsim.core.uapi.Errno.ENOTDIR;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Fcntl.O_CREAT;
import static org.pinsim.core.uapi.Fcntl.O_DIRECTORY;
import static org.pinsim.core.uapi.Fcntl.O_EXCL;
import static org.pinsim.core.uapi.Fcntl.O_NOATIME;
import static org.pinsim.core.uapi.Fcntl.O_PATH;
import static org.pinsim.core.uapi.Fcntl.O_TRUNC;
import static org.pinsim.core.uapi.Stat.MAY_EXEC;
import static org.pinsim.core.uapi.Stat.MAY_READ;
import static org.pinsim.core.uapi.Stat.MAY_WRITE;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.pinsim.core.mm.Inode;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Stat;

/**
 * fs/namei.c for open(2): the path walk (link_path_walk), the last component
 * (open_last_lookups, lookup_open), do_open with may_open and generic_permission, and the
 * O_TMPFILE and O_PATH variants (do_tmpfile, do_o_path). No symlinks, mounts or ACLs.
 */
public final class Namei {
    /** include/uapi/linux/limits.h; ext4's EXT4_NAME_LEN is the same 255. */
    public static final int NAME_MAX = 255;
    public static final int PATH_MAX = 4096;
    /** Every process's umask (verify's executor and measure.py's probes set 022). */
    public static final int UMASK = 022;

    private final Dcache dcache;

    public Namei(Dcache dcache) {
        this.dcache = dcache;
    }

    public Dcache dcache() {
        return dcache;
    }

    /**
     * What path_openat found.
     *
     * @param err      0 or -errno
     * @param inode    the file to open
     * @param truncate O_TRUNC of an existing regular file: handle_truncate cuts it to 0
     */
    public record Opened(int err, Inode inode, boolean truncate) {
        static Opened error(int err) {
            return new Opened(err, null, false);
        }
    }

    /** The walk up to the last component: its directory, the last name ("." for "/"), a trailing slash. */
    private record Walk(int err, Dentry dir, String last, boolean slash) {
    }

    /** fs/namei.c getname: an empty name is ENOENT, one of PATH_MAX bytes or more ENAMETOOLONG. */
    public static int getname(String path) {
        int len = path.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0) {
            return -ENOENT;
        }
        return len >= PATH_MAX ? -ENAMETOOLONG : 0;
    }

    /**
     * fs/namei.c path_openat from {@code start} (the dirfd's directory, or the working
     * directory; an absolute path starts at the root).
     */
    public Opened pathOpenat(Cred cred, Dentry start, String path, OpenFlags op) {
        if (op.tmpfile()) {
            return doTmpfile(cred, start, path, op);
        }
        Walk w = linkPathWalk(start, path);
        if (w.err != 0) {
            return Opened.error(w.err);
        }
        // a trailing slash asks for a directory, as O_DIRECTORY does (LOOKUP_DIRECTORY)
        boolean wantDir = w.slash || op.has(O_DIRECTORY);
        if (op.has(O_PATH)) {
            return doOPath(w, wantDir);
        }
        if (!op.has(O_CREAT) || isDots(w.last)) {
            Object d = lookup(w.dir, w.last, wantDir);
            return d instanceof Dentry found ? doOpen(cred, found, op, false, wantDir) : Opened.error((Integer) d);
        }
        return openCreate(cred, w, op);
    }

    /** fs/namei.c do_o_path: the lookup alone, no permission check; the file gets FMODE_PATH. */
    private Opened doOPath(Walk w, boolean wantDir) {
        Object d = lookup(w.dir, w.last, wantDir);
        if (!(d instanceof Dentry found)) {
            return Opened.error((Integer) d);
        }
        return wantDir && !found.inode().isDir() ? Opened.error(-ENOTDIR) : new Opened(0, found.inode(), false);
    }

    /** fs/namei.c open_last_lookups -> lookup_open with O_CREAT: find or create the last name. */
    private Opened openCreate(Cred cred, Walk w, OpenFlags op) {
        if (w.slash) {
            return Opened.error(-EISDIR); // "trailing slashes?"
        }
        if (w.last.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            return Opened.error(-ENAMETOOLONG);
        }
        Dentry d = w.dir.child(w.last);
        if (d != null) {
            return doOpen(cred, d, op, false, op.has(O_DIRECTORY));
        }
        int err = permission(cred, w.dir.inode(), MAY_WRITE | MAY_EXEC); // may_o_create
        if (err != 0) {
            return Opened.error(err);
        }
        d = dcache.create(w.dir, w.last, op.mode() & ~UMASK, cred.uid());
        return doOpen(cred, d, op, true, false);
    }

    /**
     * fs/namei.c do_open: O_EXCL of an existing name is EEXIST, O_CREAT of a directory EISDIR,
     * O_DIRECTORY of a non-directory ENOTDIR; a newly created file is neither checked nor
     * truncated; may_open; O_TRUNC of an existing regular file truncates it, whatever the
     * access mode (build_open_flags made it ask for MAY_WRITE).
     */
    private Opened doOpen(Cred cred, Dentry d, OpenFlags op, boolean created, boolean wantDir) {
        Inode i = d.inode();
        if (op.has(O_CREAT)) {
            if (op.has(O_EXCL) && !created) {
                return Opened.error(-EEXIST);
            }
            if (i.isDir()) {
                return Opened.error(-EISDIR);
            }
        }
        if (wantDir && !i.isDir()) {
            return Opened.error(-ENOTDIR);
        }
        int acc = created ? 0 : op.accMode();
        boolean truncate = !created && i.isReg() && op.has(O_TRUNC);
        int err = mayOpen(cred, i, acc, op.flags());
        return err != 0 ? Opened.error(err) : new Opened(0, i, truncate);
    }

    /** fs/namei.c do_tmpfile -> vfs_tmpfile: an unnamed file in the directory the path names. */
    private Opened doTmpfile(Cred cred, Dentry start, String path, OpenFlags op) {
        Walk w = linkPathWalk(start, path);
        if (w.err != 0) {
            return Opened.error(w.err);
        }
        Object d = lookup(w.dir, w.last, true);
        if (!(d instanceof Dentry dir)) {
            return Opened.error((Integer) d);
        }
        if (!dir.inode().isDir()) {
            return Opened.error(-ENOTDIR);
        }
        int err = permission(cred, dir.inode(), MAY_WRITE | MAY_EXEC);
        if (err != 0) {
            return Opened.error(err);
        }
        Inode i = dcache.tmpfile(dir, op.mode() & ~UMASK, cred.uid());
        err = mayOpen(cred, i, 0, op.flags());
        return err != 0 ? Opened.error(err) : new Opened(0, i, false);
    }

    /**
     * fs/namei.c link_path_walk: every component but the last, each of which must be a
     * directory (ENOTDIR) that exists (ENOENT).
     */
    private Walk linkPathWalk(Dentry start, String path) {
        Dentry d = path.startsWith("/") ? dcache.root() : start;
        List<String> parts = components(path);
        for (int i = 0; i < parts.size() - 1; i++) {
            Object next = lookup(d, parts.get(i), true);
            if (!(next instanceof Dentry nd)) {
                return new Walk((Integer) next, null, null, false);
            }
            if (!nd.inode().isDir()) {
                return new Walk(-ENOTDIR, null, null, false);
            }
            d = nd;
        }
        String last = parts.isEmpty() ? "." : parts.get(parts.size() - 1);
        return new Walk(0, d, last, !parts.isEmpty() && path.endsWith("/"));
    }

    /**
     * fs/namei.c walk_component / lookup_fast / ->lookup: ".", "..", a name in {@code dir}
     * (ENAMETOOLONG beyond NAME_MAX, ENOENT when missing in /tmp); a name of the machine
     * the model had not seen is found, as a directory when one is wanted.
     *
     * @return the Dentry, or the -errno as an Integer
     */
    private Object lookup(Dentry dir, String name, boolean wantDir) {
        if (name.equals(".")) {
            return dir;
        }
        if (name.equals("..")) {
            return dir.parent();
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            return -ENAMETOOLONG; // ext4_lookup
        }
        Dentry d = dir.child(name);
        if (d != null) {
            return d;
        }
        return dir.scratch() ? (Object) (-ENOENT) : dcache.machineEntry(dir, name, wantDir);
    }

    /**
     * fs/namei.c may_open: a directory cannot be opened for writing (EISDIR); then
     * inode_permission; O_NOATIME only by the owner or with CAP_FOWNER (EPERM).
     */
    static int mayOpen(Cred cred, Inode i, int accMode, int flags) {
        if (i.isDir()) {
            if ((accMode & MAY_WRITE) != 0) {
                return -EISDIR;
            }
            if ((accMode & MAY_EXEC) != 0) {
                return -EACCES;
            }
        }
        int err = permission(cred, i, accMode);
        if (err != 0) {
            return err;
        }
        if ((flags & O_NOATIME) != 0 && cred.uid() != i.uid() && !cred.capable(Caps.CAP_FOWNER)) {
            return -EPERM;
        }
        return 0;
    }

    /**
     * fs/namei.c generic_permission: the owner's bits for the owner, else the others' (the
     * model's processes have gid = uid and no other groups, so the group class is the
     * owner's); then CAP_DAC_READ_SEARCH for reading (and searching directories) and
     * CAP_DAC_OVERRIDE for reading and writing (executing: only if some x bit is set).
     */
    static int permission(Cred cred, Inode i, int mask) {
        mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
        int mode = i.mode();
        int bits = cred.uid() == i.uid() ? (mode >> 6) & 7 : mode & 7;
        if ((mask & ~bits) == 0) {
            return 0;
        }
        if (i.isDir()) {
            if ((mask & MAY_WRITE) == 0 && cred.capable(Caps.CAP_DAC_READ_SEARCH)) {
                return 0;
            }
            return cred.capable(Caps.CAP_DAC_OVERRIDE) ? 0 : -EACCES;
        }
        if (mask == MAY_READ && cred.capable(Caps.CAP_DAC_READ_SEARCH)) {
            return 0;
        }
        if (((mask & MAY_EXEC) == 0 || (mode & Stat.S_IXUGO) != 0) && cred.capable(Caps.CAP_DAC_OVERRIDE)) {
            return 0;
        }
        return -EACCES;
    }

    /** fs/namei.c inode_permission(MAY_WRITE) == 0 (file_permission for writing). */
    public static boolean mayWrite(Cred cred, Inode i) {
        return permission(cred, i, MAY_WRITE) == 0;
    }

    private static boolean isDots(String name) {
        return name.equals(".") || name.equals("..");
    }

    private static List<String> components(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return parts;
    }

    /**
     * Whether a path names something in /tmp without passing through ".." (relative names
     * start at the working directory, the root): what verify's executor can reproduce in its
     * private copy of /tmp.
     */
    public static boolean namesTmp(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : components(path)) {
            if (p.equals("..")) {
                return false;
            }
            if (!p.equals(".")) {
                parts.add(p);
            }
        }
        return !parts.isEmpty() && parts.get(0).equals(Dcache.TMP.substring(1));
    }
}
