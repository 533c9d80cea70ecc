package org.pinsim.core.fs;

import java.util.TreeMap;

import org.pinsim.core.mm.Inode;

/**
 * A name in the tree (fs/dcache.c struct dentry): its parent, its inode and, for a
 * directory, the names in it. There are no hard links, symlinks or removals, so a path
 * names at most one dentry and an inode has at most one name.
 */
public final class Dentry {
    private final String name;
    private final Dentry parent;
    private final Inode inode;
    /** In the /tmp subtree (the scenario's files), as opposed to the machine's own files. */
    private final boolean scratch;
    private final TreeMap<String, Dentry> children = new TreeMap<>();

    Dentry(String name, Dentry parent, Inode inode, boolean scratch) {
        this.name = name;
        this.parent = parent == null ? this : parent;
        this.inode = inode;
        this.scratch = scratch;
    }

    public Inode inode() {
        return inode;
    }

    public boolean scratch() {
        return scratch;
    }

    /** The parent; the root is its own parent ("/.." is "/"). */
    Dentry parent() {
        return parent;
    }

    Dentry child(String n) {
        return children.get(n);
    }

    java.util.Collection<Dentry> children() {
        return children.values();
    }

    Dentry add(String n, Inode i, boolean inScratch) {
        Dentry d = new Dentry(n, this, i, inScratch);
        children.put(n, d);
        return d;
    }

    /** The absolute path, as d_path prints it. */
    public String path() {
        if (parent == this) {
            return "/";
        }
        String p = parent.path();
        return (p.equals("/") ? "" : p) + "/" + name;
    }
}
