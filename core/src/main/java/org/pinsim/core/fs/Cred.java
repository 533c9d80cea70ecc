package org.pinsim.core.fs;

/** include/linux/cred.h, the parts permission checks read: fsuid (= uid; fsgid = uid) and capabilities. */
public interface Cred {
    int uid();

    boolean capable(int cap);
}
