package org.pinsim.core;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sysctls the model reads, with their Linux defaults. An unknown name fails at once
 * with the list of known ones.
 */
public final class Sysctl {
    public static final String MAX_MAP_COUNT = "vm.max_map_count";
    public static final String OVERCOMMIT_MEMORY = "vm.overcommit_memory";
    public static final String MMAP_MIN_ADDR = "vm.mmap_min_addr";
    public static final String COMPACT_UNEVICTABLE_ALLOWED = "vm.compact_unevictable_allowed";
    public static final String EXTFRAG_THRESHOLD = "vm.extfrag_threshold";
    public static final String COMPACTION_PROACTIVENESS = "vm.compaction_proactiveness";
    public static final String PERF_EVENT_MLOCK_KB = "kernel.perf_event_mlock_kb";
    public static final String PERF_EVENT_PARANOID = "kernel.perf_event_paranoid";
    public static final String IO_URING_DISABLED = "kernel.io_uring_disabled";
    public static final String MEMFD_NOEXEC = "vm.memfd_noexec";
    public static final String DEFRAG_MODE = "vm.defrag_mode";

    private final TreeMap<String, Long> values = new TreeMap<>();

    public Sysctl() {
        values.put(MAX_MAP_COUNT, 65530L); // include/linux/mm.h DEFAULT_MAX_MAP_COUNT
        values.put(OVERCOMMIT_MEMORY, 0L); // OVERCOMMIT_GUESS
        values.put(MMAP_MIN_ADDR, 65536L); // CONFIG_DEFAULT_MMAP_MIN_ADDR on x86-64 distros
        values.put(COMPACT_UNEVICTABLE_ALLOWED, 1L);
        values.put(EXTFRAG_THRESHOLD, 500L); // mm/compaction.c sysctl_extfrag_threshold
        values.put(COMPACTION_PROACTIVENESS, 20L); // mm/compaction.c sysctl_compaction_proactiveness
        values.put(PERF_EVENT_MLOCK_KB, 516L); // 512 + PAGE_SIZE / 1024
        values.put(PERF_EVENT_PARANOID, 2L);
        values.put(IO_URING_DISABLED, 0L); // io_uring/io_uring.c sysctl_io_uring_disabled
        values.put(MEMFD_NOEXEC, 0L); // mm/memfd.c: MEMFD_NOEXEC_SCOPE_EXEC
        values.put(DEFRAG_MODE, 0L); // mm/page_alloc.c defrag_mode (Linux 6.15)
    }

    public long get(String name) {
        Long v = values.get(name);
        if (v == null) {
            throw unknown(name);
        }
        return v;
    }

    public void set(String name, long value) {
        if (!values.containsKey(name)) {
            throw unknown(name);
        }
        values.put(name, value);
    }

    public Map<String, Long> all() {
        return Collections.unmodifiableMap(values);
    }

    private IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown sysctl '" + name + "' (known: " + String.join(", ", values.keySet()) + ")");
    }
}
