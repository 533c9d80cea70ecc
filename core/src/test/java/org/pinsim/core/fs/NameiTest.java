package org.pinsim.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Fcntl.AT_FDCWD;
import static org.pinsim.core.uapi.Fcntl.O_CREAT;
import static org.pinsim.core.uapi.Fcntl.O_DIRECTORY;
import static org.pinsim.core.uapi.Fcntl.O_EXCL;
import static org.pinsim.core.uapi.Fcntl.O_PATH;
import static org.pinsim.core.uapi.Fcntl.O_RDONLY;
import static org.pinsim.core.uapi.Fcntl.O_RDWR;
import static org.pinsim.core.uapi.Fcntl.O_TMPFILE;
import static org.pinsim.core.uapi.Fcntl.O_TRUNC;
import static org.pinsim.core.uapi.Fcntl.O_WRONLY;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.task.Caps;
import org.pinsim.core.uapi.Errno;

/** open(2) as fs/open.c and fs/namei.c do it, on pinsim's /tmp (each case measured on 6.18). */
class NameiTest {
    private static final long KIB = 1024;

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    private static Task spawn(Kernel k, String name, int uid, long caps) {
        return k.spawn(new ProcessSpec(name, uid, caps, 64 * KIB, 64 * KIB, ProcessSpec.Layout.EMPTY));
    }

    private static long open(Task t, String path, long flags, long mode) {
        return t.openat(AT_FDCWD, path, flags, mode).ret();
    }

    @Test
    void openat_missingFileWithoutOCreat_failsEnoent_andOExclOfAnExistingOneEexist() {
        Task t = spawn(boot(), "app", 1000, Caps.NONE);
        assertThat(open(t, "/tmp/missing", O_RDONLY, 0)).isEqualTo(-Errno.ENOENT);
        assertThat(open(t, "/tmp/f", O_RDWR | O_CREAT | O_EXCL, 0600)).isEqualTo(3);
        assertThat(open(t, "/tmp/f", O_RDWR | O_CREAT | O_EXCL, 0600)).isEqualTo(-Errno.EEXIST);
        assertThat(open(t, "/tmp/f/", O_RDONLY, 0)).isEqualTo(-Errno.ENOTDIR);
        assertThat(open(t, "/tmp/f", O_RDONLY | O_DIRECTORY, 0)).isEqualTo(-Errno.ENOTDIR);
        assertThat(open(t, "/tmp/f", O_RDWR | O_CREAT | O_DIRECTORY, 0600)).isEqualTo(-Errno.EINVAL);
        assertThat(open(t, "/tmp/nodir/f", O_RDWR | O_CREAT, 0600)).isEqualTo(-Errno.ENOENT);
        assertThat(open(t, "/tmp", O_RDWR, 0)).isEqualTo(-Errno.EISDIR);
    }

    @Test
    void openat_accessModeThree_checksReadAndWrite_butGivesNeitherFmode() {
        Task t = spawn(boot(), "app", 1000, Caps.NONE);
        int fd = (int) open(t, "/tmp/f", O_RDWR | O_CREAT, 0600);
        t.ftruncate(fd, 4 * KIB);
        int f3 = (int) open(t, "/tmp/f", O_WRONLY | O_RDWR, 0);
        assertThat(t.mmap(0, 4 * KIB, PROT_READ, MAP_PRIVATE, f3, 0).ret()).isEqualTo(-Errno.EACCES);
        assertThat(t.ftruncate(f3, 0).ret()).isEqualTo(-Errno.EINVAL);
    }

    @Test
    void openat_readOnlyTrunc_truncatesAndUnmaps_butNeedsWritePermission() {
        Kernel k = boot();
        Task t = spawn(k, "app", 1000, Caps.NONE);
        int fd = (int) open(t, "/tmp/f", O_RDWR | O_CREAT, 0600);
        t.ftruncate(fd, 16 * KIB);
        long s = t.mmap(0, 16 * KIB, PROT_READ, MAP_SHARED, fd, 0).ret();
        t.touch(s, 16 * KIB, false);
        assertThat(open(t, "/tmp/f", O_RDONLY | O_TRUNC, 0)).isPositive();
        assertThat(t.touch(s, 4 * KIB, false).ret()).isEqualTo(-Errno.EFAULT); // SIGBUS beyond EOF
        assertThat(open(t, "/tmp/ro", O_RDONLY | O_CREAT | O_TRUNC, 0400)).isPositive(); // created: no check
        assertThat(open(t, "/tmp/ro", O_RDONLY | O_TRUNC, 0)).isEqualTo(-Errno.EACCES);
        k.checkInvariants();
    }

    @Test
    void openat_permissions_ownerBits_thenDacOverride() {
        Kernel k = boot();
        Task root = spawn(k, "root", 0, Caps.ALL);
        Task user = spawn(k, "user", 1000, Caps.NONE);
        assertThat(open(root, "/tmp/r", O_RDWR | O_CREAT, 0640)).isPositive();
        assertThat(open(user, "/tmp/r", O_RDONLY, 0)).isEqualTo(-Errno.EACCES);
        assertThat(open(user, "/tmp/r", O_PATH, 0)).isPositive();
        assertThat(open(user, "/tmp/u", O_RDWR | O_CREAT, 0)).isPositive();
        assertThat(open(user, "/tmp/u", O_RDONLY, 0)).isEqualTo(-Errno.EACCES);
        assertThat(open(root, "/tmp/u", O_RDWR, 0)).isPositive();
    }

    @Test
    void oPathAndDirectoryFds_mmapRefusesThem_andADirfdResolvesRelativeNames() {
        Task t = spawn(boot(), "app", 1000, Caps.NONE);
        int dir = (int) open(t, "/tmp", O_RDONLY | O_DIRECTORY, 0);
        assertThat(t.openat(dir, "f", O_RDWR | O_CREAT, 0600).ret()).isPositive();
        assertThat(t.openat(dir, "f", O_RDWR, 0).ret()).isPositive();
        assertThat(t.openat(99, "f", O_RDWR, 0).ret()).isEqualTo(-Errno.EBADF);
        int p = (int) open(t, "/tmp/f", O_PATH, 0);
        assertThat(t.mmap(0, 4 * KIB, PROT_READ, MAP_PRIVATE, p, 0).ret()).isEqualTo(-Errno.EBADF);
        assertThat(t.ftruncate(p, 0).ret()).isEqualTo(-Errno.EBADF);
        assertThat(t.mmap(0, 4 * KIB, PROT_READ, MAP_PRIVATE, dir, 0).ret()).isEqualTo(-Errno.ENODEV);
        assertThat(t.mmap(0, 4 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, dir, 0).ret()).isEqualTo(-Errno.EACCES);
    }

    @Test
    void oTmpfile_needsADirectoryAndWriteAccess_andItsPagesGoWithTheLastReference() {
        Kernel k = boot();
        Task t = spawn(k, "app", 1000, Caps.NONE);
        assertThat(open(t, "/tmp", O_RDONLY | O_TMPFILE, 0600)).isEqualTo(-Errno.EINVAL);
        int fd = (int) open(t, "/tmp", O_RDWR | O_TMPFILE, 0600);
        t.ftruncate(fd, 16 * KIB);
        long m = t.mmap(0, 16 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0).ret();
        t.touch(m, 16 * KIB, true);
        long cached = k.vmstat().get(org.pinsim.core.vmstat.NodeStat.NR_FILE_PAGES);
        t.close(fd);
        t.munmap(m, 16 * KIB);
        assertThat(k.vmstat().get(org.pinsim.core.vmstat.NodeStat.NR_FILE_PAGES)).isEqualTo(cached - 4);
        k.checkInvariants();
    }

    @Test
    void madvisePageout_ofAFileTheCallerNeitherOwnsNorMayWrite_leavesTheSharedPages() {
        // mm/madvise.c can_do_file_pageout, measured on 6.18: root's 0644 file, mapped by uid 1000
        Kernel k = boot();
        Task root = spawn(k, "root", 0, Caps.ALL);
        Task user = spawn(k, "user", 1000, Caps.NONE);
        int fd = (int) open(root, "/tmp/x", O_RDWR | O_CREAT, 0644);
        root.ftruncate(fd, 16 * KIB);
        int ro = (int) open(user, "/tmp/x", O_RDONLY, 0);
        long s = user.mmap(0, 16 * KIB, PROT_READ, MAP_SHARED, ro, 0).ret();
        user.touch(s, 16 * KIB, false);
        assertThat(user.madvise(s, 16 * KIB, org.pinsim.core.uapi.Mman.MADV_PAGEOUT).ret()).isZero();
        assertThat(k.proc().region(user, s, 16 * KIB).rssBytes()).isEqualTo(16 * KIB);
        long rs = root.mmap(0, 16 * KIB, PROT_READ, MAP_SHARED, fd, 0).ret();
        root.touch(rs, 16 * KIB, false);
        user.munmap(s, 16 * KIB);
        root.madvise(rs, 16 * KIB, org.pinsim.core.uapi.Mman.MADV_PAGEOUT);
        assertThat(k.proc().region(root, rs, 16 * KIB).rssBytes()).isZero();
        k.checkInvariants();
    }

    @Test
    void machinePaths_areFoundAsTheCallNeeds() {
        Task t = spawn(boot(), "app", 1000, Caps.NONE);
        assertThat(open(t, "/etc/ld.so.cache", O_RDONLY, 0)).isPositive();
        assertThat(open(t, "/etc/ld.so.cache", O_RDONLY | O_CREAT | O_EXCL, 0600)).isEqualTo(-Errno.EEXIST);
        assertThat(open(t, "/home/u/new", O_RDWR | O_CREAT | O_EXCL, 0600)).isPositive();
        assertThat(Namei.namesTmp("/tmp/x")).isTrue();
        assertThat(Namei.namesTmp("/tmp/../etc/x")).isFalse();
        assertThat(Namei.namesTmp("/etc/x")).isFalse();
    }
}
