package org.pinsim.core.prop.sys;

import static org.pinsim.core.prop.sys.Pin.hex;
import static org.pinsim.core.prop.sys.Pin.size;
import static org.pinsim.core.uapi.Mman.MAP_FIXED;
import static org.pinsim.core.uapi.Mman.MAP_LOCKED;
import static org.pinsim.core.uapi.Mman.MAP_NORESERVE;
import static org.pinsim.core.uapi.Mman.MAP_POPULATE;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.uapi.Fcntl;
import org.pinsim.core.uapi.FlagNames;
import org.pinsim.core.uapi.IoUring;
import org.pinsim.core.uapi.Perf;
import org.pinsim.core.uapi.Resource;

/**
 * The ops of the random syscall sequences, one record per call: {@code run} makes the call
 * on the model, {@code render} writes it as the scenario language does. A new call (RDMA's
 * {@code rdma_reg_mr}, vfio's {@code vfio_map_dma}, {@code mpin}, {@code execve}) is one more
 * record here and one weighted line in {@link SysGen}.
 */
public final class SysOps {

    static final long PAGE = 4096;

    private SysOps() {
    }

    // ---------------------------------------------------------------- address space

    /** mmap: anonymous ({@code fd} null), of a file, of an io_uring ring or of a perf event. */
    public record Mmap(int id, Proc proc, Addr addr, long len, long prot, long flags, Fd fd, long off)
            implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mmap(addr == null ? 0 : c.addr(addr, t), len, prot, flags, fd == null ? -1 : c.fd(fd), off);
        }

        public String render(SysRun c, Task t) {
            return "mmap(" + (addr == null ? "NULL" : c.addrText(addr, t)) + ", " + size(len) + ", "
                    + Pin.flags(FlagNames.PROT, prot) + ", " + Pin.flags(FlagNames.MAP, flags) + ", "
                    + (fd == null ? "-1" : c.fdText(fd)) + ", " + (off == 0 ? "0" : hex(off)) + ")";
        }

        public String bindPrefix() {
            return "m";
        }

        public long regionLength() {
            return len;
        }

        public Style style() {
            return Style.ADDRESS;
        }

        public List<SysOp> simpler() {
            List<SysOp> out = new ArrayList<>();
            if (len != PAGE) {
                out.add(new Mmap(id, proc, addr, PAGE, prot, flags, fd, off));
            }
            for (long f : new long[] {MAP_LOCKED, MAP_POPULATE, MAP_NORESERVE, MAP_FIXED}) {
                if ((flags & f) != 0) {
                    out.add(new Mmap(id, proc, f == MAP_FIXED ? null : addr, len, prot, flags & ~f, fd, off));
                }
            }
            return out;
        }
    }

    public record Munmap(int id, Proc proc, Addr addr, long len) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.munmap(c.addr(addr, t), len);
        }

        public String render(SysRun c, Task t) {
            return "munmap(" + c.addrText(addr, t) + ", " + size(len) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Munmap(id, proc, a, l));
        }
    }

    public record Mprotect(int id, Proc proc, Addr addr, long len, long prot) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mprotect(c.addr(addr, t), len, prot);
        }

        public String render(SysRun c, Task t) {
            return "mprotect(" + c.addrText(addr, t) + ", " + size(len) + ", " + Pin.flags(FlagNames.PROT, prot) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Mprotect(id, proc, a, l, prot));
        }
    }

    public record Madvise(int id, Proc proc, Addr addr, long len, long advice) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.madvise(c.addr(addr, t), len, advice);
        }

        public String render(SysRun c, Task t) {
            return "madvise(" + c.addrText(addr, t) + ", " + size(len) + ", " + Pin.flags(FlagNames.MADV, advice) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Madvise(id, proc, a, l, advice));
        }
    }

    /** mremap; {@code addr} is page aligned (an unaligned one only ever gets EINVAL). */
    public record Mremap(int id, Proc proc, Addr addr, long oldLen, long newLen, long flags) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mremap(c.addr(addr, t), oldLen, newLen, flags, 0);
        }

        public String render(SysRun c, Task t) {
            return "mremap(" + c.addrText(addr, t) + ", " + size(oldLen) + ", " + size(newLen) + ", "
                    + Pin.flags(FlagNames.MREMAP, flags) + ", 0)";
        }

        public String bindPrefix() {
            return "r";
        }

        public long regionLength() {
            return newLen;
        }

        public Style style() {
            return Style.ADDRESS;
        }

        public List<SysOp> simpler() {
            Addr a = addr.simpler();
            return a == null ? List.of() : List.of(new Mremap(id, proc, a, oldLen, newLen, flags));
        }
    }

    /** brk to the current break plus {@code delta}: the address is taken when the op runs. */
    public record Brk(int id, Proc proc, long delta) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.brk(t.mm().brk() + delta);
        }

        public String render(SysRun c, Task t) {
            return "brk(" + hex(t.mm().brk() + delta) + ")";
        }

        public Style style() {
            return Style.ADDRESS;
        }
    }

    /** The process touches one byte per page, as a program would: faults, COW, stack growth. */
    public record Touch(int id, Proc proc, Addr addr, long len, boolean write) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.touch(c.addr(addr, t), len, write);
        }

        public String render(SysRun c, Task t) {
            return "touch(" + c.addrText(addr, t) + ", " + size(len) + ", " + (write ? "write" : "read") + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Touch(id, proc, a, l, write));
        }
    }

    // ---------------------------------------------------------------- locking

    public record Mlock(int id, Proc proc, Addr addr, long len) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mlock(c.addr(addr, t), len);
        }

        public String render(SysRun c, Task t) {
            return "mlock(" + c.addrText(addr, t) + ", " + size(len) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Mlock(id, proc, a, l));
        }
    }

    public record Mlock2(int id, Proc proc, Addr addr, long len, long flags) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mlock2(c.addr(addr, t), len, flags);
        }

        public String render(SysRun c, Task t) {
            return "mlock2(" + c.addrText(addr, t) + ", " + size(len) + ", " + Pin.flags(FlagNames.MLOCK, flags) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Mlock2(id, proc, a, l, flags));
        }
    }

    public record Munlock(int id, Proc proc, Addr addr, long len) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.munlock(c.addr(addr, t), len);
        }

        public String render(SysRun c, Task t) {
            return "munlock(" + c.addrText(addr, t) + ", " + size(len) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Munlock(id, proc, a, l));
        }
    }

    public record Mlockall(int id, Proc proc, long flags) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mlockall(flags);
        }

        public String render(SysRun c, Task t) {
            return "mlockall(" + Pin.flags(FlagNames.MCL, flags) + ")";
        }
    }

    public record Munlockall(int id, Proc proc) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.munlockall();
        }

        public String render(SysRun c, Task t) {
            return "munlockall()";
        }
    }

    // ---------------------------------------------------------------- processes and limits

    public record Fork(int id, Proc proc) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.fork();
        }

        public String render(SysRun c, Task t) {
            return "fork()";
        }

        public String bindPrefix() {
            return "c";
        }

        public Style style() {
            return Style.PROCESS;
        }
    }

    public record Exit(int id, Proc proc) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.exit(0);
        }

        public String render(SysRun c, Task t) {
            return "exit(0)";
        }
    }

    public record SetrlimitMemlock(int id, Proc proc, long cur, long max) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.setrlimit(Resource.RLIMIT_MEMLOCK, cur, max);
        }

        public String render(SysRun c, Task t) {
            return "setrlimit(RLIMIT_MEMLOCK, {rlim_cur=" + size(cur) + ", rlim_max=" + size(max) + "})";
        }
    }

    // ---------------------------------------------------------------- files

    /** openat(AT_FDCWD, path, O_RDWR|O_CREAT, 0600): a stand-in file per path. */
    public record Openat(int id, Proc proc, String path) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDWR | Fcntl.O_CREAT, 0600);
        }

        public String render(SysRun c, Task t) {
            return "openat(AT_FDCWD, \"" + path + "\", " + Pin.flags(FlagNames.OPEN, Fcntl.O_RDWR | Fcntl.O_CREAT) + ", 0600)";
        }

        public String bindPrefix() {
            return "f";
        }
    }

    public record Ftruncate(int id, Proc proc, Fd fd, long len) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.ftruncate((int) c.fd(fd), len);
        }

        public String render(SysRun c, Task t) {
            return "ftruncate(" + c.fdText(fd) + ", " + size(len) + ")";
        }
    }

    public record Close(int id, Proc proc, Fd fd) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.close((int) c.fd(fd));
        }

        public String render(SysRun c, Task t) {
            return "close(" + c.fdText(fd) + ")";
        }
    }

    // ---------------------------------------------------------------- pins

    public record IoUringSetup(int id, Proc proc, long entries) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.ioUringSetup(entries);
        }

        public String render(SysRun c, Task t) {
            return "io_uring_setup(" + entries + ", {})";
        }

        public String bindPrefix() {
            return "u";
        }

        public List<SysOp> simpler() {
            return entries == 1 ? List.of() : List.of(new IoUringSetup(id, proc, 1));
        }
    }

    /** One buffer of IORING_REGISTER_BUFFERS. */
    public record Iov(Addr base, long len) {
    }

    public record IoUringRegister(int id, Proc proc, Fd fd, List<Iov> iovs) implements SysOp {
        public IoUringRegister {
            iovs = List.copyOf(iovs);
        }

        public SysResult run(SysRun c, Task t) {
            long[] iov = new long[2 * iovs.size()];
            for (int i = 0; i < iovs.size(); i++) {
                iov[2 * i] = c.addr(iovs.get(i).base(), t);
                iov[2 * i + 1] = iovs.get(i).len();
            }
            return t.ioUringRegister((int) c.fd(fd), IoUring.IORING_REGISTER_BUFFERS, iov, iovs.size());
        }

        public String render(SysRun c, Task t) {
            List<String> items = new ArrayList<>();
            for (Iov v : iovs) {
                items.add("{iov_base=" + c.addrText(v.base(), t) + ", iov_len=" + v.len() + "}");
            }
            return "io_uring_register(" + c.fdText(fd) + ", IORING_REGISTER_BUFFERS, [" + String.join(", ", items)
                    + "], " + iovs.size() + ")";
        }

        public List<SysOp> simpler() {
            List<SysOp> out = new ArrayList<>();
            for (int i = 0; iovs.size() > 1 && i < iovs.size(); i++) {
                out.add(new IoUringRegister(id, proc, fd, List.of(iovs.get(i))));
            }
            return out;
        }
    }

    public record IoUringUnregister(int id, Proc proc, Fd fd) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.ioUringRegister((int) c.fd(fd), IoUring.IORING_UNREGISTER_BUFFERS, null, 0);
        }

        public String render(SysRun c, Task t) {
            return "io_uring_register(" + c.fdText(fd) + ", IORING_UNREGISTER_BUFFERS, NULL, 0)";
        }
    }

    /** A software dummy event of the calling process, not counting the kernel. */
    public record PerfEventOpen(int id, Proc proc) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            long[] v = new long[Perf.FIELDS.size()];
            boolean[] given = new boolean[v.length];
            set(v, given, "type", Perf.PERF_TYPE_SOFTWARE);
            set(v, given, "size", Perf.PERF_ATTR_SIZE_VER8);
            set(v, given, "config", 9); // PERF_COUNT_SW_DUMMY
            set(v, given, "exclude_kernel", 1);
            return t.perfEventOpen(Perf.encode(v, given), 0, -1, -1, 0);
        }

        public String render(SysRun c, Task t) {
            return "perf_event_open({type=PERF_TYPE_SOFTWARE, size=PERF_ATTR_SIZE_VER8, config=PERF_COUNT_SW_DUMMY, "
                    + "exclude_kernel=1}, 0, -1, -1, 0)";
        }

        public String bindPrefix() {
            return "e";
        }

        private static void set(long[] v, boolean[] given, String field, long value) {
            int i = Perf.field(field);
            v[i] = value;
            given[i] = true;
        }
    }

    // ---------------------------------------------------------------- RDMA, vfio, mpin, exec

    /** An RDMA memory registration on the process's stand-in device; later ops name its handle as an {@link Fd}. */
    public record RdmaRegMr(int id, Proc proc, Addr addr, long len, long access) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.rdmaRegMr(c.addr(addr, t), len, access);
        }

        public String render(SysRun c, Task t) {
            return "rdma_reg_mr(" + c.addrText(addr, t) + ", " + size(len) + ", " + Pin.flags(FlagNames.IB_ACCESS, access)
                    + ")";
        }

        public String bindPrefix() {
            return "q";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new RdmaRegMr(id, proc, a, l, access));
        }
    }

    public record RdmaDeregMr(int id, Proc proc, Fd mr) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.rdmaDeregMr(c.fd(mr));
        }

        public String render(SysRun c, Task t) {
            return "rdma_dereg_mr(" + c.fdText(mr) + ")";
        }
    }

    public record VfioMapDma(int id, Proc proc, Addr addr, long len) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.vfioMapDma(c.addr(addr, t), len);
        }

        public String render(SysRun c, Task t) {
            return "vfio_map_dma(" + c.addrText(addr, t) + ", " + size(len) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new VfioMapDma(id, proc, a, l));
        }
    }

    public record VfioUnmapDma(int id, Proc proc, Addr addr, long len) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.vfioUnmapDma(c.addr(addr, t), len);
        }

        public String render(SysRun c, Task t) {
            return "vfio_unmap_dma(" + c.addrText(addr, t) + ", " + size(len) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new VfioUnmapDma(id, proc, a, l));
        }
    }

    /** mpin, or munpin when {@code unpin}: ENOSYS outside the VM_PINNED profiles. */
    public record Mpin(int id, Proc proc, Addr addr, long len, boolean unpin) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return unpin ? t.munpin(c.addr(addr, t), len) : t.mpin(c.addr(addr, t), len);
        }

        public String render(SysRun c, Task t) {
            return (unpin ? "munpin(" : "mpin(") + c.addrText(addr, t) + ", " + size(len) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Mpin(id, proc, a, l, unpin));
        }
    }

    /** execve of a program: a fresh image; the MRs and DMA mappings of the process stay. */
    public record Execve(int id, Proc proc, String path) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.execve(path);
        }

        public String render(SysRun c, Task t) {
            return "execve(\"" + path + "\", NULL, NULL)";
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The same op run by process {@code p}. */
    // ---------------------------------------------------------------- NUMA

    /** drop_caches(2): echo 2 > /proc/sys/vm/drop_caches, whichever process writes it. */
    public record DropCaches(int id, Proc proc) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return org.pinsim.core.SysResult.ok(c.kernel().dropCaches(2));
        }

        public String render(SysRun c, Task t) {
            return "drop_caches(2)";
        }
    }

    /** compact(): echo 1 > /proc/sys/vm/compact_memory, whichever process writes it. */
    public record Compact(int id, Proc proc) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            c.kernel().compactMemory();
            return org.pinsim.core.SysResult.ok(0);
        }

        public String render(SysRun c, Task t) {
            return "compact()";
        }
    }

    /** move_pages(0, n, [a, a + 4KiB, ...], [node, ...], status, flags) of n pages from {@code addr}. */
    public record MovePages(int id, Proc proc, Addr addr, int n, int node, long flags) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            long a = c.addr(addr, t);
            long[] pages = new long[n];
            int[] nodes = new int[n];
            for (int i = 0; i < n; i++) {
                pages[i] = a + i * PAGE;
                nodes[i] = node;
            }
            return t.movePages(0, pages, nodes, new int[n], flags);
        }

        public String render(SysRun c, Task t) {
            List<String> pages = new ArrayList<>();
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pages.add(c.addrText(addr, t) + (i == 0 ? "" : " + " + size(i * PAGE)));
                nodes.add(Integer.toString(node));
            }
            return "move_pages(0, " + n + ", [" + String.join(", ", pages) + "], [" + String.join(", ", nodes)
                    + "], [...], " + Pin.flags(FlagNames.MPOL, flags) + ")";
        }

        public List<SysOp> simpler() {
            return n == 1 ? List.of() : List.of(new MovePages(id, proc, addr, 1, node, flags));
        }
    }

    /** mbind(addr, len, mode, [nodemask], 3, flags): a two-node machine's nodemask in one word. */
    public record Mbind(int id, Proc proc, Addr addr, long len, long mode, long nodemask, long flags) implements SysOp {
        public SysResult run(SysRun c, Task t) {
            return t.mbind(c.addr(addr, t), len, mode, nodemask == 0 ? null : new long[] {nodemask},
                    nodemask == 0 ? 0 : 3, flags);
        }

        public String render(SysRun c, Task t) {
            return "mbind(" + c.addrText(addr, t) + ", " + size(len) + ", " + Pin.flags(FlagNames.MPOL_MODE, mode) + ", "
                    + (nodemask == 0 ? "NULL, 0" : "[0x" + Long.toHexString(nodemask) + "], 3") + ", "
                    + Pin.flags(FlagNames.MPOL, flags) + ")";
        }

        public List<SysOp> simpler() {
            return range(addr, len, (a, l) -> new Mbind(id, proc, a, l, mode, nodemask, flags));
        }
    }

    static SysOp withProc(SysOp op, Proc p) {
        return mapArgs(op, v -> v instanceof Proc ? p : v);
    }

    /**
     * The op with every argument passed through {@code f}, also those inside lists and
     * records ({@link Iov}): rebuilt through the records' canonical constructors, so that an
     * op needs no withers for shrinking.
     */
    static SysOp mapArgs(SysOp op, UnaryOperator<Object> f) {
        return (SysOp) rebuild((Record) op, f);
    }

    private static Object map(Object v, UnaryOperator<Object> f) {
        if (v instanceof List<?> l) {
            return l.stream().map(x -> map(x, f)).toList();
        }
        if (v instanceof Record r && !(v instanceof Proc || v instanceof Addr || v instanceof Fd)) {
            return rebuild(r, f);
        }
        return f.apply(v);
    }

    private static Object rebuild(Record r, UnaryOperator<Object> f) {
        RecordComponent[] parts = r.getClass().getRecordComponents();
        Object[] values = new Object[parts.length];
        Class<?>[] types = new Class<?>[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                types[i] = parts[i].getType();
                values[i] = map(parts[i].getAccessor().invoke(r), f);
            }
            return r.getClass().getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("an op must be a public record: " + r.getClass(), e);
        }
    }

    /** The simpler forms of an (address, length) op: one page long, then at the region's start. */
    static List<SysOp> range(Addr addr, long len, BiFunction<Addr, Long, SysOp> make) {
        List<SysOp> out = new ArrayList<>();
        if (len != PAGE) {
            out.add(make.apply(addr, PAGE));
        }
        Addr a = addr.simpler();
        if (a != null) {
            out.add(make.apply(a, len));
        }
        return out;
    }
}
