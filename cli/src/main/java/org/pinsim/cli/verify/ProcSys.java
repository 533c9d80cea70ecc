package org.pinsim.cli.verify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads /proc files the way the kernel wants them read. A /proc/sys file answers the first
 * read(2) and then nothing for a read at a later offset (proc_sys_call_handler formats the
 * value for the offset asked; this kernel returns nothing past the first read), so a reader
 * that starts with a small buffer (Files.readString's first read of a file whose size is
 * reported as 0 asks for one byte) gets "5" of "516". One read of a large buffer gets all of it.
 */
public final class ProcSys {
    private static final int BUFFER = 64 * 1024;

    private ProcSys() {
    }

    /** The whole content of a /proc file, from one read(2) at offset 0. */
    public static String read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            int n = ch.read(buf, 0);
            return n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.UTF_8);
        }
    }

    /** The first number of a sysctl, e.g. {@code kernel.perf_event_mlock_kb}. */
    public static long sysctl(String name) throws IOException {
        String text = read(Path.of("/proc/sys", name.replace('.', '/'))).trim();
        try {
            return Long.parseLong(text.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            throw new IOException("sysctl " + name + " is not a number: '" + text + "'");
        }
    }
}
