package org.pinsim.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pinsim.core.uapi.Mman.MADV_HUGEPAGE;
import static org.pinsim.core.uapi.Mman.MAP_ANONYMOUS;
import static org.pinsim.core.uapi.Mman.MAP_FIXED_NOREPLACE;
import static org.pinsim.core.uapi.Mman.MAP_LOCKED;
import static org.pinsim.core.uapi.Mman.MAP_POPULATE;
import static org.pinsim.core.uapi.Mman.MAP_PRIVATE;
import static org.pinsim.core.uapi.Mman.MAP_SHARED;
import static org.pinsim.core.uapi.Mman.PROT_READ;
import static org.pinsim.core.uapi.Mman.PROT_WRITE;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pinsim.core.Kernel;
import org.pinsim.core.MachineConfig;
import org.pinsim.core.ProcessSpec;
import org.pinsim.core.Task;
import org.pinsim.core.uapi.Fcntl;

/**
 * /proc/PID/maps and smaps against what Linux 6.18 printed on the reference box for the same
 * state. The expected texts were produced by small C programs (mmap with
 * MAP_FIXED_NOREPLACE at the same addresses, the same touches) reading /proc/self/smaps;
 * inode numbers, which differ between the two, are masked.
 */
class ProcFsMapsTest {
    private static final long A = 0x7f0000000000L;

    private static Kernel boot() {
        return Kernel.boot(MachineConfig.defaults().withMemory(64L << 20));
    }

    private static Task spawnEmpty(Kernel k) {
        return k.spawn(ProcessSpec.defaults("app", k.profile()).withLayout(ProcessSpec.Layout.EMPTY));
    }

    private static String text(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    /** Masks the inode number of a maps line, keeping the column the name starts in. */
    private static String maskIno(String s) {
        return s.replaceAll("(?m)^(\\S+ \\S+ \\S+ \\S+ )(\\d+)( +)", "$1INO$3");
    }

    private static List<String> block(String... fields) {
        return Arrays.asList(fields);
    }

    /**
     * The anonymous state of golden.c: 64 KiB rw (4 pages written, 2 read: the zero page),
     * 32 KiB MAP_LOCKED|MAP_POPULATE, 16 KiB MAP_SHARED|MAP_ANONYMOUS with 2 pages written,
     * 12 KiB read-only untouched.
     */
    private static Task anonState(Kernel k) {
        Task t = spawnEmpty(k);
        long rw = PROT_READ | PROT_WRITE;
        t.mmap(A, 0x10000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        t.touch(A, 4 * 4096, true);
        t.touch(A + 4 * 4096, 2 * 4096, false);
        t.mmap(A + 0x100000, 0x8000, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE | MAP_FIXED_NOREPLACE,
                -1, 0);
        t.mmap(A + 0x200000, 0x4000, rw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        t.touch(A + 0x200000, 1, true);
        t.touch(A + 0x201000, 1, true);
        t.mmap(A + 0x300000, 0x3000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        return t;
    }

    private static final String LINUX_ANON_MAPS = text(
            "7f0000000000-7f0000010000 rw-p 00000000 00:00 0 ",
            "7f0000100000-7f0000108000 rw-p 00000000 00:00 0 ",
            "7f0000200000-7f0000204000 rw-s 00000000 00:01 1028                       /dev/zero (deleted)",
            "7f0000300000-7f0000303000 r--p 00000000 00:00 0 ");

    @Test
    void maps_anonymousPrivateSharedAndLocked_matchesLinux() {
        Kernel k = boot();
        Task t = anonState(k);

        assertThat(maskIno(k.proc().maps(t))).isEqualTo(maskIno(LINUX_ANON_MAPS));
        assertThat(k.proc().mapCount(t)).isEqualTo(4);
        k.checkInvariants();
    }

    private static String smapsBlock(String header, long sizeKb, long rss, long pss, long pssDirty, long sharedClean,
            long sharedDirty, long privateClean, long privateDirty, long anon, long locked, String vmFlags) {
        return text(header,
                "Size:           " + w(sizeKb) + " kB",
                "KernelPageSize:        4 kB",
                "MMUPageSize:           4 kB",
                "Rss:            " + w(rss) + " kB",
                "Pss:            " + w(pss) + " kB",
                "Pss_Dirty:      " + w(pssDirty) + " kB",
                "Shared_Clean:   " + w(sharedClean) + " kB",
                "Shared_Dirty:   " + w(sharedDirty) + " kB",
                "Private_Clean:  " + w(privateClean) + " kB",
                "Private_Dirty:  " + w(privateDirty) + " kB",
                "Referenced:     " + w(rss) + " kB",
                "Anonymous:      " + w(anon) + " kB",
                "KSM:                   0 kB",
                "LazyFree:              0 kB",
                "AnonHugePages:         0 kB",
                "ShmemPmdMapped:        0 kB",
                "FilePmdMapped:         0 kB",
                "Shared_Hugetlb:        0 kB",
                "Private_Hugetlb:       0 kB",
                "Swap:                  0 kB",
                "SwapPss:               0 kB",
                "Locked:         " + w(locked) + " kB",
                "THPeligible:           0",
                "ProtectionKey:         0",
                "VmFlags: " + vmFlags);
    }

    private static String w(long v) {
        return String.format("%8d", v);
    }

    /** Linux's smaps for the anonymous state, verbatim (checked by a test below). */
    private static final String LINUX_ANON_SMAPS = text(
            "7f0000000000-7f0000010000 rw-p 00000000 00:00 0 ",
            "Size:                 64 kB",
            "KernelPageSize:        4 kB",
            "MMUPageSize:           4 kB",
            "Rss:                  16 kB",
            "Pss:                  16 kB",
            "Pss_Dirty:            16 kB",
            "Shared_Clean:          0 kB",
            "Shared_Dirty:          0 kB",
            "Private_Clean:         0 kB",
            "Private_Dirty:        16 kB",
            "Referenced:           16 kB",
            "Anonymous:            16 kB",
            "KSM:                   0 kB",
            "LazyFree:              0 kB",
            "AnonHugePages:         0 kB",
            "ShmemPmdMapped:        0 kB",
            "FilePmdMapped:         0 kB",
            "Shared_Hugetlb:        0 kB",
            "Private_Hugetlb:       0 kB",
            "Swap:                  0 kB",
            "SwapPss:               0 kB",
            "Locked:                0 kB",
            "THPeligible:           0",
            "ProtectionKey:         0",
            "VmFlags: rd wr mr mw me ac ",
            "7f0000100000-7f0000108000 rw-p 00000000 00:00 0 ",
            "Size:                 32 kB",
            "KernelPageSize:        4 kB",
            "MMUPageSize:           4 kB",
            "Rss:                  32 kB",
            "Pss:                  32 kB",
            "Pss_Dirty:            32 kB",
            "Shared_Clean:          0 kB",
            "Shared_Dirty:          0 kB",
            "Private_Clean:         0 kB",
            "Private_Dirty:        32 kB",
            "Referenced:           32 kB",
            "Anonymous:            32 kB",
            "KSM:                   0 kB",
            "LazyFree:              0 kB",
            "AnonHugePages:         0 kB",
            "ShmemPmdMapped:        0 kB",
            "FilePmdMapped:         0 kB",
            "Shared_Hugetlb:        0 kB",
            "Private_Hugetlb:       0 kB",
            "Swap:                  0 kB",
            "SwapPss:               0 kB",
            "Locked:               32 kB",
            "THPeligible:           0",
            "ProtectionKey:         0",
            "VmFlags: rd wr mr mw me lo ac ",
            "7f0000200000-7f0000204000 rw-s 00000000 00:01 1028                       /dev/zero (deleted)",
            "Size:                 16 kB",
            "KernelPageSize:        4 kB",
            "MMUPageSize:           4 kB",
            "Rss:                   8 kB",
            "Pss:                   8 kB",
            "Pss_Dirty:             8 kB",
            "Shared_Clean:          0 kB",
            "Shared_Dirty:          0 kB",
            "Private_Clean:         0 kB",
            "Private_Dirty:         8 kB",
            "Referenced:            8 kB",
            "Anonymous:             0 kB",
            "KSM:                   0 kB",
            "LazyFree:              0 kB",
            "AnonHugePages:         0 kB",
            "ShmemPmdMapped:        0 kB",
            "FilePmdMapped:         0 kB",
            "Shared_Hugetlb:        0 kB",
            "Private_Hugetlb:       0 kB",
            "Swap:                  0 kB",
            "SwapPss:               0 kB",
            "Locked:                0 kB",
            "THPeligible:           0",
            "ProtectionKey:         0",
            "VmFlags: rd wr sh mr mw me ms ",
            "7f0000300000-7f0000303000 r--p 00000000 00:00 0 ",
            "Size:                 12 kB",
            "KernelPageSize:        4 kB",
            "MMUPageSize:           4 kB",
            "Rss:                   0 kB",
            "Pss:                   0 kB",
            "Pss_Dirty:             0 kB",
            "Shared_Clean:          0 kB",
            "Shared_Dirty:          0 kB",
            "Private_Clean:         0 kB",
            "Private_Dirty:         0 kB",
            "Referenced:            0 kB",
            "Anonymous:             0 kB",
            "KSM:                   0 kB",
            "LazyFree:              0 kB",
            "AnonHugePages:         0 kB",
            "ShmemPmdMapped:        0 kB",
            "FilePmdMapped:         0 kB",
            "Shared_Hugetlb:        0 kB",
            "Private_Hugetlb:       0 kB",
            "Swap:                  0 kB",
            "SwapPss:               0 kB",
            "Locked:                0 kB",
            "THPeligible:           0",
            "ProtectionKey:         0",
            "VmFlags: rd mr mw me ");

    @Test
    void smaps_anonymousState_matchesLinuxLineByLine() {
        Kernel k = boot();
        Task t = anonState(k);

        String[] expected = maskIno(LINUX_ANON_SMAPS).split("\n", -1);
        String[] actual = maskIno(k.proc().smaps(t)).split("\n", -1);
        for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
            assertThat(actual[i]).as("smaps line %d", i + 1).isEqualTo(expected[i]);
        }
        assertThat(actual).hasSameSizeAs(expected);
        k.checkInvariants();
    }

    @Test
    void smapsBlockHelper_rebuildsLinuxText() {
        String first = smapsBlock("7f0000000000-7f0000010000 rw-p 00000000 00:00 0 ", 64, 16, 16, 16, 0, 0, 0, 16, 16,
                0, "rd wr mr mw me ac ");
        assertThat(LINUX_ANON_SMAPS).startsWith(first);
    }

    @Test
    void smaps_afterFork_sharedAnonymousPagesHalveThePss_asLinux() {
        Kernel k = boot();
        Task t = anonState(k);
        t.fork();

        String smaps = k.proc().smaps(t);

        // golden.c after fork(): the private pages are mapped twice, the MAP_SHARED|MAP_ANONYMOUS
        // VMA's PTEs are not copied (vma_needs_copy), so its pages stay private
        assertThat(smaps).contains(smapsBlock("7f0000000000-7f0000010000 rw-p 00000000 00:00 0 ", 64, 16, 8, 8, 0,
                16, 0, 0, 16, 0, "rd wr mr mw me ac "));
        assertThat(maskIno(smaps)).contains(maskIno(smapsBlock(
                "7f0000200000-7f0000204000 rw-s 00000000 00:01 1028                       /dev/zero (deleted)",
                16, 8, 8, 8, 0, 0, 0, 8, 0, 0, "rd wr sh mr mw me ms ")));
        k.checkInvariants();
    }

    /** golden2.c: a 16 KiB file mapped MAP_SHARED and MAP_PRIVATE, every page of both touched. */
    private static Task fileState(Kernel k) {
        Task t = spawnEmpty(k);
        int fd = (int) t.openat(Fcntl.AT_FDCWD, "/tmp/pt-gfile", Fcntl.O_RDWR | Fcntl.O_CREAT, 0600).ret();
        t.ftruncate(fd, 16384);
        long s = A;
        long p = A + 0x100000;
        t.mmap(s, 16384, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
        t.mmap(p, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
        t.close(fd);
        t.touch(s, 1, true);
        t.touch(s + 4096, 3 * 4096, false);
        t.touch(p, 2 * 4096, false);
        t.touch(p + 3 * 4096, 1, false);
        t.touch(p + 2 * 4096, 1, true);
        return t;
    }

    private static final String LINUX_FILE_SHARED = smapsBlock(
            "7f0000000000-7f0000004000 rw-s 00000000 fe:00 2147319                    /tmp/pt-gfile",
            16, 16, 10, 2, 8, 4, 4, 0, 0, 0, "rd wr sh mr mw me ms ");
    private static final String LINUX_FILE_PRIVATE = smapsBlock(
            "7f0000100000-7f0000104000 rw-p 00000000 fe:00 2147319                    /tmp/pt-gfile",
            16, 16, 10, 6, 8, 4, 0, 4, 4, 0, "rd wr mr mw me ac ");

    /** Every number masked: the shape of each line, its label and its columns. */
    private static String shape(String smaps) {
        return maskIno(smaps).replaceAll("(?m)^([A-Za-z_]+: +)(\\d+)", "$1N").replaceAll(" +N", " N");
    }

    @Test
    void smaps_fileMappings_haveLinuxFormat() {
        Kernel k = boot();
        Task t = fileState(k);

        assertThat(shape(k.proc().smaps(t))).isEqualTo(shape(LINUX_FILE_SHARED + LINUX_FILE_PRIVATE));
        k.checkInvariants();
    }

    @Test
    void smaps_sharedFilePage_countsMapcountTwoAsShared() {
        Kernel k = boot();
        Task t = fileState(k);

        String smaps = maskIno(k.proc().smaps(t));

        assertThat(smaps).contains(maskIno(LINUX_FILE_SHARED));
    }

    @Test
    void smaps_fileMappings_matchLinuxNumbers() {
        Kernel k = boot();
        Task t = fileState(k);

        assertThat(maskIno(k.proc().smaps(t))).isEqualTo(maskIno(LINUX_FILE_SHARED + LINUX_FILE_PRIVATE));
    }

    @Test
    void maps_defaultLayout_namesAndGateLineAsLinux() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));

        String[] lines = k.proc().maps(t).split("\n");

        // verbatim from the reference box's /proc/self/maps
        assertThat(lines[lines.length - 1])
                .isEqualTo("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");
        for (String l : lines) {
            int name = l.indexOf(" [");
            if (name < 0) {
                name = l.indexOf(" /");
            }
            if (name >= 0) {
                assertThat(name).as("name column of %s", l).isEqualTo(72);
            } else {
                assertThat(l).as("anonymous line").matches("[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} "
                        + "[0-9a-f]{2}:[0-9a-f]{2} \\d+ ");
            }
        }
        assertThat(k.proc().maps(t)).contains("[heap]", "[stack]", "[vvar]", "[vdso]", "/usr/local/bin/app");
        assertThat(k.proc().hasGateVma(t)).isTrue();
        assertThat(k.proc().mapCount(t)).isEqualTo(lines.length).isEqualTo(t.mm().vmas().size() + 1);
    }

    @Test
    void smaps_gateVma_isAllZeroWithVmFlagsEx() {
        Kernel k = boot();
        Task t = k.spawn(ProcessSpec.defaults("app", k.profile()));

        String smaps = k.proc().smaps(t);

        // verbatim from the reference box's /proc/self/smaps
        assertThat(smaps).endsWith(smapsBlock(
                "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
                4, 0, 0, 0, 0, 0, 0, 0, 0, 0, "ex "));
    }

    @Test
    void maps_emptyLayout_hasNoGateAndNoLines() {
        Kernel k = boot();
        Task t = spawnEmpty(k);

        assertThat(k.proc().maps(t)).isEmpty();
        assertThat(k.proc().hasGateVma(t)).isFalse();
        assertThat(k.proc().mapCount(t)).isZero();
    }

    @Test
    void maps_anonymousVmaTouchingStartBrk_isNotTheHeap() {
        // vma_is_initial_heap is strict in 6.18: checked on the reference box with an
        // anonymous mapping ending at start_brk and one starting at brk
        Kernel k = boot();
        Task t = spawnEmpty(k);
        long startBrk = t.mm().startBrk();
        t.mmap(startBrk - 0x2000, 0x2000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        t.mmap(startBrk, 0x3000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

        assertThat(t.mm().vmas().size()).isEqualTo(2);
        assertThat(k.proc().maps(t)).doesNotContain("[heap]");
    }

    @Test
    void maps_heapAfterBrk_isNamedHeap() {
        Kernel k = boot();
        Task t = spawnEmpty(k);
        long startBrk = t.mm().startBrk();
        t.brk(startBrk + 0x3000);

        String maps = k.proc().maps(t);

        assertThat(maps).contains("[heap]");
        assertThat(maps.split("\n")[0]).startsWith(String.format("%08x-", startBrk));
    }

    @Test
    void smaps_thpEligible_followsMadvHugepageAndPmdAlignment_asLinux() {
        // the reference box (transparent_hugepage/enabled = madvise) printed 1, 0, 0 for these
        Kernel k = boot();
        Task t = spawnEmpty(k);
        long rw = PROT_READ | PROT_WRITE;
        long flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
        long[][] vmas = {{A, 4 << 20}, {A + 0x1000000, 1 << 20}, {A + 0x2001000, 2 << 20}};
        for (long[] v : vmas) {
            t.mmap(v[0], v[1], rw, flags, -1, 0);
            t.madvise(v[0], v[1], MADV_HUGEPAGE);
        }

        String[] thp = k.proc().smaps(t).lines().filter(l -> l.startsWith("THPeligible:")).toArray(String[]::new);

        assertThat(thp).containsExactly("THPeligible:           1", "THPeligible:           0",
                "THPeligible:           0");
        assertThat(k.proc().smaps(t)).contains("VmFlags: rd wr mr mw me ac hg \n");
    }
}
