package org.pinsim.cli.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the live machine does that a scenario's {@code machine} directive can describe, found
 * by trying it rather than by reading configuration.
 *
 * <p>The shared zero page: mainline x86 maps a read fault on untouched anonymous memory to the
 * zero page, which /proc counts nowhere (mm/memory.c: do_anonymous_page). A kernel whose
 * {@code mm_forbids_zeropage()} answers true allocates a zeroed page instead, and every RSS,
 * Locked and LRU figure after a read fault changes. Some virtual machines' guest kernels are
 * booted that way (a command-line switch such as {@code pvm_no_zero_page=1}), so verify asks
 * the kernel: one process maps a page, reads it, and /proc/PID/pagemap says whether a page
 * other than the zero page (KPF_ZERO_PAGE) now backs it.
 */
public record LiveMachine(boolean zeroPage, String cmdlineHint) {

    /** Runs the probe with the executor; throws when the executor cannot run it. */
    public static LiveMachine probe(Path binary, int timeoutSeconds) throws IOException {
        try (Executor ex = new Executor(binary, timeoutSeconds)) {
            String[] hello = ex.hello();
            ex.init(1, 1);
            long[] r = ex.spawn(0, 0, 0, Long.parseLong(hello[1]), Long.parseLong(hello[2]));
            ex.go();
            // PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
            Executor.Answer m = ex.call(0, "mmap 0 4096 3 34 -1 0");
            if (m == null || m.failed()) {
                throw new IOException("the zero-page probe could not map a page");
            }
            Executor.Answer t = ex.call(0, "touch " + Long.toUnsignedString(m.ret()) + " 4096 0");
            if (t == null || t.failed()) {
                throw new IOException("the zero-page probe could not read its page");
            }
            long rss = ex.rss(r[0], List.of(new long[] {m.ret(), 4096}));
            return new LiveMachine(rss == 0, readCmdlineHint());
        }
    }

    /** The kernel command-line word that explains a forbidden zero page, or null. */
    private static String readCmdlineHint() {
        try {
            String cmd = ProcSys.read(Path.of("/proc/cmdline"));
            for (String w : cmd.trim().split("\\s+")) {
                if (w.contains("zero_page") || w.contains("zeropage")) {
                    return w;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** How the summary line describes the machine. */
    public String describe() {
        if (zeroPage) {
            return "with the shared zero page";
        }
        return "without the shared zero page (read faults allocate pages" + (cmdlineHint == null ? ""
                : "; its command line has " + cmdlineHint) + ")";
    }
}
