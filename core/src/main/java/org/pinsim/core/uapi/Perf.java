package org.pinsim.core.uapi;

import java.util.List;

/**
 * include/uapi/linux/perf_event.h: struct perf_event_attr as a table of fields (byte offset
 * and bit width), so that one list of values both describes a scenario's attr and lays out
 * the bytes the live-kernel executor passes.
 */
public final class Perf {
    private Perf() {
    }

    public static final int PERF_TYPE_HARDWARE = 0;
    public static final int PERF_TYPE_SOFTWARE = 1;
    public static final int PERF_TYPE_TRACEPOINT = 2;
    public static final int PERF_TYPE_HW_CACHE = 3;
    public static final int PERF_TYPE_RAW = 4;
    public static final int PERF_TYPE_BREAKPOINT = 5;

    public static final int PERF_COUNT_SW_MAX = 12;

    public static final long PERF_FLAG_FD_NO_GROUP = 1;
    public static final long PERF_FLAG_FD_OUTPUT = 2;
    public static final long PERF_FLAG_PID_CGROUP = 4;
    public static final long PERF_FLAG_FD_CLOEXEC = 8;

    public static final int PERF_ATTR_SIZE_VER0 = 64;
    public static final int PERF_ATTR_SIZE_VER8 = 136;

    /** One field: its name as strace prints it, byte offset, and bit offset and width within that word. */
    public record Field(String name, int offset, int bit, int width, int bytes) {
    }

    private static Field f(String n, int off, int bytes) {
        return new Field(n, off, 0, bytes * 8, bytes);
    }

    private static Field bit(String n, int bit, int width) {
        return new Field(n, 40, bit, width, 8);
    }

    /** The fields of struct perf_event_attr up to PERF_ATTR_SIZE_VER8, unions under each of their names. */
    public static final List<Field> FIELDS = List.of(
            f("type", 0, 4), f("size", 4, 4), f("config", 8, 8), f("sample_period", 16, 8), f("sample_freq", 16, 8),
            f("sample_type", 24, 8), f("read_format", 32, 8),
            bit("disabled", 0, 1), bit("inherit", 1, 1), bit("pinned", 2, 1), bit("exclusive", 3, 1),
            bit("exclude_user", 4, 1), bit("exclude_kernel", 5, 1), bit("exclude_hv", 6, 1),
            bit("exclude_idle", 7, 1), bit("mmap", 8, 1), bit("comm", 9, 1), bit("freq", 10, 1),
            bit("inherit_stat", 11, 1), bit("enable_on_exec", 12, 1), bit("task", 13, 1), bit("watermark", 14, 1),
            bit("precise_ip", 15, 2), bit("mmap_data", 17, 1), bit("sample_id_all", 18, 1),
            bit("exclude_host", 19, 1), bit("exclude_guest", 20, 1), bit("exclude_callchain_kernel", 21, 1),
            bit("exclude_callchain_user", 22, 1), bit("mmap2", 23, 1), bit("comm_exec", 24, 1),
            bit("use_clockid", 25, 1), bit("context_switch", 26, 1), bit("write_backward", 27, 1),
            bit("namespaces", 28, 1), bit("ksymbol", 29, 1), bit("bpf_event", 30, 1), bit("aux_output", 31, 1),
            bit("cgroup", 32, 1), bit("text_poke", 33, 1), bit("build_id", 34, 1), bit("inherit_thread", 35, 1),
            bit("remove_on_exec", 36, 1), bit("sigtrap", 37, 1),
            f("wakeup_events", 48, 4), f("wakeup_watermark", 48, 4), f("bp_type", 52, 4),
            f("config1", 56, 8), f("bp_addr", 56, 8), f("kprobe_func", 56, 8), f("uprobe_path", 56, 8),
            f("config2", 64, 8), f("bp_len", 64, 8), f("kprobe_addr", 64, 8), f("probe_offset", 64, 8),
            f("branch_sample_type", 72, 8), f("sample_regs_user", 80, 8), f("sample_stack_user", 88, 4),
            f("clockid", 92, 4), f("sample_regs_intr", 96, 8), f("aux_watermark", 104, 4),
            f("sample_max_stack", 108, 2), f("aux_sample_size", 112, 4), f("sig_data", 120, 8),
            f("config3", 128, 8));

    /** The index of a field in {@link #FIELDS}, or -1. */
    public static int field(String name) {
        for (int i = 0; i < FIELDS.size(); i++) {
            if (FIELDS.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The value of field {@code name} in the laid-out bytes. */
    public static long get(byte[] attr, String name) {
        Field fd = FIELDS.get(field(name));
        long w = word(attr, fd);
        if (fd.width() == 64) {
            return w;
        }
        return (w >>> fd.bit()) & ((1L << fd.width()) - 1);
    }

    /** The little-endian word of {@code fd.bytes()} bytes that holds the field. */
    private static long word(byte[] attr, Field fd) {
        long w = 0;
        for (int b = fd.bytes() - 1; b >= 0; b--) {
            w = (w << 8) | (attr[fd.offset() + b] & 0xff);
        }
        return w;
    }

    /**
     * Lays out the struct: {@code values[i]} (or 0 where {@code given[i]} is false) for
     * {@code FIELDS.get(i)}, little-endian, in a buffer of PERF_ATTR_SIZE_VER8 bytes.
     */
    public static byte[] encode(long[] values, boolean[] given) {
        byte[] out = new byte[PERF_ATTR_SIZE_VER8];
        for (int i = 0; i < FIELDS.size(); i++) {
            if (!given[i]) {
                continue;
            }
            Field fd = FIELDS.get(i);
            long w = word(out, fd);
            if (fd.width() == fd.bytes() * 8) {
                w = values[i];
            } else {
                long mask = ((1L << fd.width()) - 1) << fd.bit();
                w = (w & ~mask) | ((values[i] << fd.bit()) & mask);
            }
            for (int b = 0; b < fd.bytes(); b++) {
                out[fd.offset() + b] = (byte) (w >>> (8 * b));
            }
        }
        return out;
    }
}
