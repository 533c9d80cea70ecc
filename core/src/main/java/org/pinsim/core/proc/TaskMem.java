package org.pinsim.core.proc;

import org.pinsim.core.mm.Mm;

/**
 * fs/proc/task_mmu.c task_mem and mm/hugetlb.c hugetlb_report_usage: the memory lines of
 * /proc/PID/status, in kB, in the kernel's order.
 */
final class TaskMem {
    /** The field names, in the order /proc/PID/status prints them. */
    static final String[] FIELDS = {
        "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem",
        "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages",
    };

    private static final long PAGE_SIZE = 4096;
    private static final long PAGE_MASK = ~(PAGE_SIZE - 1);
    /** pages << (PAGE_SHIFT - 10): pages to kB. */
    private static final int PAGES_TO_KB = 2;

    private TaskMem() {
    }

    /** The value of every field, in kB, indexed like {@link #FIELDS}. */
    static long[] values(Mm mm) {
        long anon = mm.rss(Mm.MM_ANONPAGES);
        long file = mm.rss(Mm.MM_FILEPAGES);
        long shmem = mm.rss(Mm.MM_SHMEMPAGES);
        long totalRss = anon + file + shmem;
        // split executable areas between text and lib
        long execBytes = mm.execVm() << 12;
        long text = pageAlign(mm.endCode()) - (mm.startCode() & PAGE_MASK);
        if (Long.compareUnsigned(text, execBytes) > 0) {
            text = execBytes;
        }
        long lib = execBytes - text;
        return new long[] {
            Math.max(mm.hiwaterVm(), mm.totalVm()) << PAGES_TO_KB,
            mm.totalVm() << PAGES_TO_KB,
            mm.lockedVm() << PAGES_TO_KB,
            mm.pinnedVm() << PAGES_TO_KB,
            Math.max(mm.hiwaterRss(), totalRss) << PAGES_TO_KB,
            totalRss << PAGES_TO_KB,
            anon << PAGES_TO_KB,
            file << PAGES_TO_KB,
            shmem << PAGES_TO_KB,
            mm.dataVm() << PAGES_TO_KB,
            mm.stackVm() << PAGES_TO_KB,
            text >>> 10,
            lib >>> 10,
            (mm.pageTable().tablePages() * PAGE_SIZE) >>> 10, // mm_pgtables_bytes(mm) >> 10
            mm.rss(Mm.MM_SWAPENTS) << PAGES_TO_KB,
            0, // HugetlbPages: hugetlb is not modelled (nr_hugepages = 0)
        };
    }

    /** The memory lines: {@code "VmPeak:\t    1052 kB\n"} ... {@code "HugetlbPages:\t       0 kB\n"}. */
    static void format(StringBuilder sb, Mm mm) {
        long[] v = values(mm);
        for (int i = 0; i < FIELDS.length; i++) {
            Seq.putDecimal(sb, FIELDS[i] + ":\t", v[i], 8).append(" kB\n");
        }
    }

    /** The index of a field in {@link #FIELDS}. */
    static int index(String name) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (FIELDS[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown /proc/PID/status field '" + name + "' (known: "
                + String.join(", ", FIELDS) + ")");
    }

    private static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & PAGE_MASK;
    }
}
