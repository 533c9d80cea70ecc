package org.pinsim.bench.jmh;

import java.nio.charset.StandardCharsets;

/**
 * A deterministic strace log shaped like {@code strace -f stress-ng --mmap 1 --mmap-bytes 64K}
 * (docs/PERFORMANCE.md, "Replaying a strace log"): a parent that starts, sets its break and
 * forks two workers ({@code clone} with SIGCHLD, the second call split into {@code <unfinished
 * ...>} and {@code resumed}), the workers' lines interleaved, each worker repeating stress-ng's
 * loop: map 64 KiB, populate and re-protect it, advise and unmap it page by page in a
 * scrambled order, a one-page shared mapping re-protected and unmapped, now and then a
 * break grown and shrunk, and calls pinsim does not model (getpid, rt_sigprocmask), which it
 * skips as it skips them in a real log. Then each worker exits, the parent reaps them, exits.
 * The addresses are the ones the real kernel would return (the 64 KiB mapping at the same
 * place every round, as top-down placement puts it after the previous round's unmap).
 */
public final class StressMmapLog {
    static final String[] ADVICE = {"MADV_RANDOM", "MADV_DONTFORK", "MADV_MERGEABLE", "MADV_PAGEOUT",
        "MADV_NOHUGEPAGE", "MADV_DOFORK", "MADV_DODUMP", "MADV_UNMERGEABLE", "MADV_DONTDUMP", "MADV_HUGEPAGE",
        "MADV_WILLNEED", "MADV_COLD", "MADV_SEQUENTIAL", "MADV_NORMAL", "MADV_POPULATE_WRITE", "MADV_POPULATE_READ"};
    static final int PARENT = 4100;
    static final int[] WORKERS = {4101, 4102};

    private StressMmapLog() {
    }

    /** The log, exactly {@code lines} lines (at least 64). */
    public static byte[] generate(int lines) {
        if (lines < 64) {
            throw new IllegalArgumentException("at least 64 lines");
        }
        Out out = new Out(lines);
        int p = PARENT;
        out.line(p, "execve(\"/usr/bin/stress-ng\", [\"stress-ng\", \"--mmap\", \"1\", \"--mmap-bytes\", \"64K\"],"
                + " 0x7ffcb4d9e0e8 /* 39 vars */) = 0");
        out.line(p, "brk(NULL)                         = 0x5618d1e84000");
        out.line(p, "brk(0x5618d1ea5000)               = 0x5618d1ea5000");
        out.line(p, "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fe49af54000");
        out.line(p, "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
                + "child_tidptr=0x7fe499c56fd0) = " + WORKERS[0]);
        out.line(p, "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>");
        out.line(WORKERS[0], "getpid()                          = " + WORKERS[0]);
        out.line(p, "<... clone resumed>, child_tidptr=0x7fe499c56fd0) = " + WORKERS[1]);
        // the end: 2 lines per worker (exit_group, +++), 2 for the parent's reaping, 2 for its exit
        int tail = 2 * WORKERS.length + 2 * WORKERS.length + 2;
        long[] brk = {0x5618d1ea5000L, 0x5618d1ea5000L};
        int round = 0;
        while (out.count < lines - tail) {
            int w = round % WORKERS.length;
            int pid = WORKERS[w];
            int n = round / WORKERS.length;
            round(out, pid, n, brk, w, lines - tail);
            round++;
        }
        for (int pid : WORKERS) {
            out.line(pid, "exit_group(0)                     = ?");
            out.line(pid, "+++ exited with 0 +++");
        }
        for (int pid : WORKERS) {
            out.line(p, "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = " + pid);
            out.line(p, "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=" + pid + ", si_uid=0, si_status=0} ---");
        }
        out.line(p, "exit_group(0)                     = ?");
        out.line(p, "+++ exited with 0 +++");
        return out.sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One round of a worker's loop, cut short at {@code limit} lines. */
    private static void round(Out out, int pid, int n, long[] brk, int w, int limit) {
        long a = 0x7fe499c2f000L - ((long) w << 24);
        String len = "65536";
        String[] body = new String[64];
        int k = 0;
        body[k++] = "mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " + hex(a);
        body[k++] = "madvise(" + hex(a) + ", " + len + ", MADV_DONTDUMP) = 0";
        body[k++] = "madvise(" + hex(a) + ", " + len + ", MADV_POPULATE_WRITE) = 0";
        body[k++] = "mprotect(" + hex(a) + ", " + len + ", PROT_READ) = 0";
        body[k++] = "mprotect(" + hex(a) + ", " + len + ", PROT_READ|PROT_WRITE) = 0";
        for (int i = 0; i < 16; i++) {
            int page = (i * 7 + n) & 15; // a permutation of the 16 pages, different each round
            long at = a + page * 4096L;
            body[k++] = "madvise(" + hex(at) + ", 4096, " + ADVICE[(i + n) % ADVICE.length] + ") = 0";
            body[k++] = "munmap(" + hex(at) + ", 4096)          = 0";
        }
        body[k++] = "munmap(" + hex(a) + ", 0)             = -1 EINVAL (Invalid argument)";
        body[k++] = "munmap(" + hex(a) + ", 65536)         = 0";
        long b = a + 0xf000;
        body[k++] = "mmap(NULL, 4096, PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = " + hex(b);
        body[k++] = "mprotect(" + hex(b) + ", 4096, PROT_READ) = 0";
        body[k++] = "munmap(" + hex(b) + ", 4096)          = 0";
        body[k++] = "rt_sigprocmask(SIG_BLOCK, NULL, [], 8) = 0";
        body[k++] = "getpid()                          = " + pid;
        if (n % 4 == 3) {
            body[k++] = "brk(NULL)                         = " + hex(brk[w]);
            body[k++] = "brk(" + hex(brk[w] + 0x21000) + ")               = " + hex(brk[w] + 0x21000);
            body[k++] = "brk(" + hex(brk[w]) + ")               = " + hex(brk[w]);
        }
        for (int i = 0; i < k && out.count < limit; i++) {
            out.line(pid, body[i]);
        }
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static final class Out {
        final StringBuilder sb;
        int count;

        Out(int lines) {
            sb = new StringBuilder(lines * 72);
        }

        void line(int pid, String call) {
            sb.append(pid).append("  ").append(call).append('\n');
            count++;
        }
    }
}
