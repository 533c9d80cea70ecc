package org.pinsim.scenario;

import static org.pinsim.scenario.CallSpec.Binds.PROCESS;
import static org.pinsim.scenario.CallSpec.Binds.REGION;
import static org.pinsim.scenario.CallSpec.Binds.VALUE;
import static org.pinsim.scenario.CallSpec.Style.ADDRESS;
import static org.pinsim.scenario.CallSpec.Style.DECIMAL;
import static org.pinsim.scenario.CallSpec.Style.NORETURN;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pinsim.core.Kernel;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.task.Rlimit;
import org.pinsim.core.uapi.Errno;
import org.pinsim.core.uapi.Fcntl;
import org.pinsim.core.uapi.FlagNames;
import org.pinsim.scenario.CallSpec.Invoker;
import org.pinsim.scenario.CallSpec.Outcome;
import org.pinsim.scenario.CallSpec.Param;
import org.pinsim.scenario.CallSpec.Shape;
import org.pinsim.scenario.CallSpec.Type;

/**
 * The calls the language knows, keyed by name: the registry a new call joins with one line.
 * Parameters are as in the C API and strace; each flag-like parameter names the
 * {@link FlagNames} kind its flag words come from.
 */
final class Calls {

    /** Calls the language names whose model arrives later: counted as skipped, "not modelled yet". */
    static final List<String> NOT_MODELLED = List.of("accept");

    private static final Map<String, CallSpec> BY_NAME = new TreeMap<>();

    static {
        memory();
        locking();
        tasks();
        limits();
        files();
        numa();
        time();
        pins();
        for (String n : NOT_MODELLED) {
            BY_NAME.put(n, new CallSpec(n, List.of(), 0, Shape.POSITIONAL, DECIMAL, VALUE, null));
        }
    }

    private Calls() {
    }

    /** The call named {@code name}, or null for a name the language does not know. */
    static CallSpec byName(String name) {
        return BY_NAME.get(name);
    }

    /** Every known call name, sorted. */
    static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(BY_NAME.keySet()));
    }

    private static void memory() {
        def("mmap", 4, ADDRESS, REGION, (t, a, k) -> ok(t.mmap(a.num(0), a.num(1), a.num(2), a.num(3), a.num(4), a.num(5))),
                num("addr"), num("length"), flags("prot", FlagNames.PROT), flags("flags", FlagNames.MAP),
                opt("fd", -1), opt("offset", 0));
        def("munmap", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.munmap(a.num(0), a.num(1))), num("addr"), num("length"));
        def("mprotect", 3, DECIMAL, VALUE, (t, a, k) -> ok(t.mprotect(a.num(0), a.num(1), a.num(2))),
                num("addr"), num("len"), flags("prot", FlagNames.PROT));
        def("mremap", 3, ADDRESS, REGION, (t, a, k) -> ok(t.mremap(a.num(0), a.num(1), a.num(2), a.num(3), a.num(4))),
                num("old_address"), num("old_size"), num("new_size"), optFlags("flags", FlagNames.MREMAP),
                opt("new_address", 0));
        def("madvise", 3, DECIMAL, VALUE, (t, a, k) -> ok(t.madvise(a.num(0), a.num(1), a.num(2))),
                num("addr"), num("length"), flags("advice", FlagNames.MADV));
        def("brk", 1, ADDRESS, VALUE, (t, a, k) -> ok(t.brk(a.num(0))), num("addr"));
        def("touch", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.touch(a.num(0), a.num(1), a.bool(2))),
                num("addr"), num("len"), new Param("write", Type.BOOL, null, 0));
    }

    private static void locking() {
        def("mlock", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.mlock(a.num(0), a.num(1))), num("addr"), num("len"));
        def("mlock2", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.mlock2(a.num(0), a.num(1), a.num(2))),
                num("addr"), num("len"), optFlags("flags", FlagNames.MLOCK));
        def("munlock", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.munlock(a.num(0), a.num(1))), num("addr"), num("len"));
        def("mlockall", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.mlockall(a.num(0))), flags("flags", FlagNames.MCL));
        def("munlockall", 0, DECIMAL, VALUE, (t, a, k) -> ok(t.munlockall()));
        // [PROPOSAL] the VM_PINNED series' mpin/munpin, as pinsim reads them: ENOSYS outside mpin-2013
        def("mpin", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.mpin(a.num(0), a.num(1))), num("addr"), num("len"));
        def("munpin", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.munpin(a.num(0), a.num(1))), num("addr"), num("len"));
    }

    private static void tasks() {
        def("fork", 0, DECIMAL, PROCESS, (t, a, k) -> ok(t.fork()));
        def("vfork", 0, DECIMAL, PROCESS, (t, a, k) -> ok(t.vfork()));
        put(new CallSpec("clone", List.of(flags("flags", FlagNames.CLONE)), 1, Shape.CLONE, DECIMAL, PROCESS,
                (t, a, k) -> ok(t.clone(a.num(0)))));
        put(new CallSpec("clone3", List.of(flags("flags", FlagNames.CLONE)), 1, Shape.CLONE3, DECIMAL, PROCESS,
                (t, a, k) -> ok(t.clone3(a.num(0)))));
        def("execve", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.execve(a.text(0))),
                str("pathname"), ignored("argv"), ignored("envp"));
        def("exit", 1, NORETURN, VALUE, (t, a, k) -> ok(t.exit(a.integer(0))), num("status"));
        def("exit_group", 1, NORETURN, VALUE, (t, a, k) -> ok(t.exitGroup(a.integer(0))), num("status"));
    }

    private static void limits() {
        def("setrlimit", 2, DECIMAL, VALUE, Calls::setrlimit,
                flags("resource", FlagNames.RLIMIT), new Param("rlim", Type.RLIMIT_IN, FlagNames.RLIMIT, 0));
        def("getrlimit", 1, DECIMAL, VALUE, Calls::getrlimit,
                flags("resource", FlagNames.RLIMIT), new Param("rlim", Type.RLIMIT_OUT, FlagNames.RLIMIT, 0));
        def("prlimit64", 3, DECIMAL, VALUE, Calls::prlimit64, num("pid"), flags("resource", FlagNames.RLIMIT),
                new Param("new_limit", Type.RLIMIT_IN, FlagNames.RLIMIT, 0),
                new Param("old_limit", Type.RLIMIT_OUT, FlagNames.RLIMIT, 0));
    }

    private static void files() {
        def("openat", 3, DECIMAL, VALUE, (t, a, k) -> ok(t.openat(a.integer(0), a.text(1), a.num(2), a.num(3))),
                flags("dirfd", FlagNames.AT), str("pathname"), flags("flags", FlagNames.OPEN), opt("mode", 0));
        def("open", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.openat(Fcntl.AT_FDCWD, a.text(0), a.num(1), a.num(2))),
                str("pathname"), flags("flags", FlagNames.OPEN), opt("mode", 0));
        def("memfd_create", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.memfdCreate(a.text(0), a.num(1))),
                str("name"), optFlags("flags", FlagNames.MFD));
        def("ftruncate", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.ftruncate(a.integer(0), a.num(1))), num("fd"), num("length"));
        def("close", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.close(a.integer(0))), num("fd"));
        def("dup", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.dup(a.integer(0))), num("oldfd"));
        def("dup2", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.dup2(a.integer(0), a.integer(1))), num("oldfd"), num("newfd"));
        def("dup3", 3, DECIMAL, VALUE, (t, a, k) -> ok(t.dup3(a.integer(0), a.integer(1), a.num(2))),
                num("oldfd"), num("newfd"), flags("flags", FlagNames.OPEN));
        // F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD; the other commands are skipped (Validator)
        def("fcntl", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.fcntl(a.integer(0), a.integer(1), a.num(2))),
                num("fd"), flags("cmd", FlagNames.FCNTL), flags("arg", FlagNames.FD));
    }

    private static void time() {
        // simulated time passes; the kernel work that falls due runs (Kernel.advance)
        def("advance", 1, DECIMAL, VALUE, (t, a, k) -> {
            k.advance(a.num(0));
            return ok(SysResult.ok(0));
        }, new Param("duration", Type.DURATION, null, 0));
    }

    private static void numa() {
        // M = mark(): the frame of every page of every process, recorded for moved(R, M) checks
        def("mark", 0, DECIMAL, VALUE, (t, a, k) -> {
            k.settle(); // the state once the calls made so far have returned, as a check reads it
            return ok(SysResult.ok(k.frameMarks().mark()));
        });
        // compact(): echo 1 > /proc/sys/vm/compact_memory (mm/compaction.c compact_nodes)
        def("compact", 0, DECIMAL, VALUE, (t, a, k) -> {
            k.compactMemory();
            return ok(SysResult.ok(0));
        });
        // drop_caches(2): echo 2 > /proc/sys/vm/drop_caches (fs/drop_caches.c -> mm/vmscan.c drop_slab)
        def("drop_caches", 1, DECIMAL, VALUE, (t, a, k) -> {
            long r = k.dropCaches(a.num(0));
            return ok(r == 0 ? SysResult.ok(0) : SysResult.err((int) -r, "drop_caches: proc_dointvec_minmax: the value is outside 1..4"));
        }, num("value"));
        def("move_pages", 6, DECIMAL, VALUE, Calls::movePages, num("pid"), num("count"),
                new Param("pages", Type.ARRAY_IN, null, 0), new Param("nodes", Type.ARRAY_IN, null, 0),
                new Param("status", Type.ARRAY_OUT, FlagNames.MOVE_STATUS, 0), flags("flags", FlagNames.MPOL));
        // the nodemask: its unsigned long words as strace prints them ([0x0000000000000002]), or NULL
        def("mbind", 5, DECIMAL, VALUE,
                (t, a, k) -> ok(t.mbind(a.num(0), a.num(1), a.num(2), a.array(3), a.num(4), a.num(5))),
                num("addr"), num("len"), flags("mode", FlagNames.MPOL_MODE), new Param("nodemask", Type.ARRAY_IN, null, 0),
                num("maxnode"), optFlags("flags", FlagNames.MPOL));
        def("set_mempolicy", 3, DECIMAL, VALUE, (t, a, k) -> ok(t.setMempolicy(a.num(0), a.array(1), a.num(2))),
                flags("mode", FlagNames.MPOL_MODE), new Param("nodemask", Type.ARRAY_IN, null, 0), num("maxnode"));
    }

    private static void pins() {
        // drivers without a syscall of their own: the process's stand-in uverbs device and vfio container
        def("rdma_reg_mr", 2, DECIMAL, CallSpec.Binds.HANDLE, (t, a, k) -> ok(t.rdmaRegMr(a.num(0), a.num(1), a.num(2))),
                num("addr"), num("length"),
                new Param("access", Type.NUM, FlagNames.IB_ACCESS, org.pinsim.core.uapi.Verbs.IB_ACCESS_LOCAL_WRITE));
        def("rdma_dereg_mr", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.rdmaDeregMr(a.num(0))), num("mr"));
        def("vfio_map_dma", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.vfioMapDma(a.num(0), a.num(1))),
                num("addr"), num("size"));
        def("vfio_unmap_dma", 2, DECIMAL, VALUE, (t, a, k) -> ok(t.vfioUnmapDma(a.num(0), a.num(1))),
                num("addr"), num("size"));
        def("io_uring_setup", 1, DECIMAL, VALUE, (t, a, k) -> ok(t.ioUringSetup(a.num(0))), num("entries"),
                ignored("p"));
        def("io_uring_register", 4, DECIMAL, VALUE,
                (t, a, k) -> ok(t.ioUringRegister(a.integer(0), a.num(1), a.array(2), a.num(3))),
                num("fd"), flags("opcode", FlagNames.IORING_REGISTER), new Param("arg", Type.IOVEC_IN, null, 0),
                num("nr_args"));
        def("perf_event_open", 5, DECIMAL, VALUE, Calls::perfEventOpen, new Param("attr", Type.PERF_ATTR_IN, null, 0),
                num("pid"), num("cpu"), num("group_fd"), optFlags("flags", FlagNames.PERF_FLAG));
    }

    /** perf_event_open: the struct is laid out as the kernel reads it (Perf.encode). */
    private static Outcome perfEventOpen(Task t, Args a, Kernel k) {
        boolean[] given = new boolean[org.pinsim.core.uapi.Perf.FIELDS.size()];
        long[] v = a.struct(0, given);
        byte[] attr = org.pinsim.core.uapi.Perf.encode(v, given);
        return ok(t.perfEventOpen(attr, a.num(1), a.num(2), a.num(3), a.num(4)));
    }

    /**
     * move_pages: count entries of pages (and nodes, unless NULL) are read; status starts
     * zeroed and is what the kernel wrote. Arrays shorter than count would make the kernel
     * read past them: refused here as -EFAULT.
     */
    private static Outcome movePages(Task t, Args a, Kernel k) {
        long count = a.num(1);
        long[] pages = a.array(2);
        long[] nodes = a.array(3);
        if (count < 0 || count > 1 << 16 || pages == null || pages.length < count
                || (nodes != null && nodes.length < count)) {
            return ok(SysResult.err(Errno.EFAULT, "move_pages: pages or nodes has fewer than count entries"));
        }
        long[] p = Arrays.copyOf(pages, (int) count);
        int[] n = null;
        if (nodes != null) {
            n = new int[(int) count];
            for (int i = 0; i < count; i++) {
                n[i] = (int) nodes[i];
            }
        }
        int[] status = new int[(int) count];
        SysResult r = t.movePages(a.integer(0), p, n, status, a.num(5));
        long[] out = new long[status.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = status[i];
        }
        return new Outcome(r, null, out);
    }

    private static Outcome getrlimit(Task t, Args a, Kernel k) {
        SysResult r = t.getrlimit(a.integer(0));
        return new Outcome(r, r.isError() ? null : t.rlimitOf(a.integer(0)));
    }

    /** prlimit64 writes the limit as it was before the call into old_limit. */
    private static Outcome prlimit64(Task t, Args a, Kernel k) {
        int pid = a.integer(0);
        Task target = pid == 0 ? t : k.task(pid);
        Rlimit before = target == null ? null : target.rlimitOf(a.integer(1));
        SysResult r = t.prlimit64(pid, a.integer(1), a.limit(2));
        return new Outcome(r, r.isError() ? null : before);
    }

    /** A NULL rlim fails in copy_from_user, as on the real kernel. */
    private static Outcome setrlimit(Task t, Args a, Kernel k) {
        Rlimit l = a.limit(1);
        if (l == null) {
            return ok(SysResult.err(Errno.EFAULT, "setrlimit: rlim is NULL"));
        }
        return ok(t.setrlimit(a.integer(0), l.cur(), l.max()));
    }

    private static Outcome ok(SysResult r) {
        return new Outcome(r, null);
    }

    private static void def(String name, int minArgs, CallSpec.Style style, CallSpec.Binds binds, Invoker inv,
                            Param... params) {
        put(new CallSpec(name, Arrays.asList(params), minArgs, Shape.POSITIONAL, style, binds, inv));
    }

    private static void put(CallSpec spec) {
        BY_NAME.put(spec.name(), spec);
    }

    private static Param num(String name) {
        return new Param(name, Type.NUM, null, 0);
    }

    private static Param opt(String name, long dflt) {
        return new Param(name, Type.NUM, null, dflt);
    }

    private static Param flags(String name, FlagNames kind) {
        return new Param(name, Type.NUM, kind, 0);
    }

    private static Param optFlags(String name, FlagNames kind) {
        return new Param(name, Type.NUM, kind, 0);
    }

    private static Param str(String name) {
        return new Param(name, Type.STRING, null, 0);
    }

    private static Param ignored(String name) {
        return new Param(name, Type.IGNORED, null, 0);
    }
}
