package org.pinsim.core.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import org.pinsim.core.mm.Inode;
import org.pinsim.core.uapi.Stat;

/**
 * The names the model knows (fs/dcache.c): the root, the scratch directory /tmp, and what
 * was created or looked up since boot.
 *
 * <p>/tmp is an ext4 directory owned by root, mode 1777, and empty at boot: a file in it
 * exists once a scenario created it (O_CREAT, fs.protected_regular = 0 as on the live
 * machine). Everything outside /tmp belongs to the machine, whose files pinsim does not know:
 * such a name is found as whatever the call needs (a directory to walk through or to open
 * with O_DIRECTORY, else a regular file; created by O_CREAT when first named with it), with
 * permissions that refuse nobody, and a size that follows its mappings when the model never
 * saw it created. A real trace's libraries and data files open so.
 */
public final class Dcache {
    public static final String TMP = "/tmp";
    /** Device of the stand-in ext4 file system (maps prints fe:00). */
    static final int EXT4_DEV = 0xfe00;

    private final IntSupplier nextIno;
    private final Dentry root;
    private final Dentry tmp;

    public Dcache(IntSupplier nextIno) {
        this.nextIno = nextIno;
        this.root = new Dentry("", null, dirInode("/", 0777), false);
        this.tmp = root.add("tmp", dirInode(TMP, Stat.S_ISVTX | 0777), true);
    }

    public Dentry root() {
        return root;
    }

    /** Every process's working directory: the root, so a relative name is the machine's. */
    public Dentry cwd() {
        return root;
    }

    /** The dentry of a directory inode (its one name), for a dirfd; null if it has none. */
    public Dentry lookupDir(Inode dir) {
        Dentry d = root;
        for (String part : dir.path().split("/")) {
            if (!part.isEmpty()) {
                d = d == null ? null : d.child(part);
            }
        }
        return d != null && d.inode() == dir ? d : null;
    }

    /** The machine's file at an absolute path (a program image): found as open(2) would. */
    public Inode machineFile(String path) {
        Dentry d = root;
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            Dentry c = d.child(parts[i]);
            d = c != null ? c : machineEntry(d, parts[i], i < parts.length - 1);
        }
        return d.inode();
    }

    /** A name of the machine the model had not seen: a directory or an existing file. */
    Dentry machineEntry(Dentry dir, String name, boolean directory) {
        String path = child(dir, name);
        Inode i = directory ? dirInode(path, 0777) : newInode(path, true).own(Stat.S_IFREG | 0666, 0);
        return dir.add(name, i, false);
    }

    /** A new empty regular file made by O_CREAT (fs/namei.c lookup_open -> vfs_create). */
    Dentry create(Dentry dir, String name, int mode, int uid) {
        Inode i = newInode(child(dir, name), false).own(Stat.S_IFREG | mode, uid);
        return dir.add(name, i, dir.scratch());
    }

    /** An unnamed regular file in {@code dir} (vfs_tmpfile): ext4 names it "#ino (deleted)". */
    Inode tmpfile(Dentry dir, int mode, int uid) {
        int ino = nextIno.getAsInt() + 2146000;
        String path = child(dir, "#" + ino) + " (deleted)";
        Inode i = new Inode(ino, path, false, EXT4_DEV, 0, false).own(Stat.S_IFREG | mode, uid);
        i.setUnlinked();
        return i;
    }

    /** Every inode with a name, in path order (depth first, names sorted). */
    public List<Inode> inodes() {
        List<Inode> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(Dentry d, List<Inode> out) {
        out.add(d.inode());
        for (Dentry c : d.children()) {
            collect(c, out);
        }
    }

    /**
     * A directory, root's: it has no pages and nothing shows its inode number, so it takes
     * none from the sequence the files' numbers (shown in maps) come from.
     */
    private static Inode dirInode(String path, int perm) {
        return new Inode(DIR_INO, path, false, EXT4_DEV, 0, false).own(Stat.S_IFDIR | perm, 0);
    }

    /** ext4's root directory inode number, given to every directory. */
    private static final int DIR_INO = 2;

    private Inode newInode(String path, boolean sizeFollowsMappings) {
        return new Inode(nextIno.getAsInt() + 2146000, path, false, EXT4_DEV, 0, sizeFollowsMappings);
    }

    private static String child(Dentry dir, String name) {
        String p = dir.path();
        return (p.equals("/") ? "" : p) + "/" + name;
    }
}
