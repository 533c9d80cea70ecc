/**
 * The file names the model has (fs/namei.c, fs/open.c, fs/dcache.c): the directory /tmp, in
 * which a scenario creates and opens its files (ext4, sticky and world-writable, starting
 * empty, as the live machine's /tmp and verify's private copy of it are), and the machine's
 * own files outside it, which pinsim does not know and so lets every call find; and the
 * hugetlbfs files of memfd_create(MFD_HUGETLB) on a machine without huge pages.
 */
package org.pinsim.core.fs;
