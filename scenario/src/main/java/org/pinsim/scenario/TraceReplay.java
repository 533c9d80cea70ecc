package org.pinsim.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pinsim.core.SysResult;
import org.pinsim.core.Task;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.uapi.Fcntl;
import org.pinsim.core.uapi.Mman;
import org.pinsim.core.uapi.Sched;

/**
 * What a replayed log needs besides its calls: the log was taken on a real machine whose
 * addresses, descriptors and images pinsim did not choose, so the run keeps three
 * correspondences, each stated in the transcript where it is first used.
 *
 * <ul>
 * <li><b>Addresses.</b> Where the layout chose an address (mmap without MAP_FIXED, a moving
 * mremap, brk(NULL)) and the log gives it, that real address names pinsim's: later literal
 * addresses inside it mean the same offset in pinsim's mapping. Kept per address space:
 * a fork copies the parent's, CLONE_VM shares it, execve starts a new one. Around the program
 * break the heap is taken to lie above the break brk(NULL) returned (1 GiB of it): a heap
 * grows up from start_brk (mm/mmap.c brk), and the program image lies below. munmap keeps a
 * correspondence: the hole it leaves is still named by its real address.
 * <li><b>Images.</b> execve maps the program and its interpreter and the log never shows it
 * (fs/binfmt_elf.c load_elf_binary). A literal address that nothing placed, used by a call the
 * log says succeeded, belongs to that image (below 0x7f0000000000 the program, up to
 * 0x7ff000000000 the interpreter, above it the stack): pinsim maps the pages the call names
 * there, at the same address, private and read-write, file-backed by the program (or
 * ld-linux) file; the stack's anonymous. Only the referenced pages are mapped, so VmSize
 * counts less of the image than the real process had.
 * <li><b>Descriptors.</b> A log's fd numbers say which descriptors were open; calls outside
 * the model (socket, pipe, eventfd, an open before the log starts) opened some of them. A
 * modelled call the log says succeeded on an fd pinsim does not have (close, mmap of a file,
 * dup, fcntl, ftruncate) first gets a stand-in file there, named by strace's -y decoration or
 * by the path the log opened at that fd, else {@code /pinsim-strace/fdN} (a name in /tmp, the
 * scenario's own empty directory, moves under /pinsim-strace too): a machine file that pinsim
 * had not seen, so its size follows the mappings made of it (large enough for every mapping
 * the log makes; the sizes fstat shows are not used). It opens with O_RDWR (the machine's
 * files allow it), so a stand-in can be mapped shared and writable. A call that creates a descriptor and returns N in the log first gets stand-ins at
 * the free numbers below N (fs/file.c alloc_fd takes the lowest free one), and a stand-in of
 * pinsim's own at N is closed (the log says N was free).
 * </ul>
 */
final class TraceReplay {

    /** How far above the program break its heap addresses are taken to lie. */
    private static final long BRK_WINDOW = 1L << 30;
    private static final long INTERP_FROM = 0x7f0000000000L;
    private static final long STACK_FROM = 0x7ff000000000L;
    static final String INTERPRETER = "/lib64/ld-linux-x86-64.so.2";

    /** {real start, real end, simulated start}, oldest first, per address space. */
    private final Map<Mm, List<long[]>> placed = new IdentityHashMap<>();
    /** The program execve mapped, per address space. */
    private final Map<Mm, String> images = new IdentityHashMap<>();
    private final Set<Mm> imageNoted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Per pinsim pid: the stand-in descriptors, and the paths the log opened at each fd. */
    private final Map<Integer, Set<Integer>> standIns = new HashMap<>();
    private final Map<Integer, Map<Integer, String>> paths = new HashMap<>();
    private final boolean log;
    /** True when --as or a process directive gave the memlock limit: the log's reads of it are then compared, not taken. */
    private final boolean memlockGiven;
    /** Resources a call of the log has set so far: reads of them are compared, not taken. */
    private final Set<Long> limitsSet = new HashSet<>();

    TraceReplay(boolean log, boolean memlockGiven) {
        this.log = log;
        this.memlockGiven = memlockGiven;
    }

    // ---------------------------------------------------------------- addresses

    long translate(Task t, long address) {
        List<long[]> list = t == null ? null : placed.get(t.mm());
        if (list == null) {
            return address;
        }
        for (int i = list.size() - 1; i >= 0; i--) {
            long[] p = list.get(i);
            if (Long.compareUnsigned(address, p[0]) >= 0 && Long.compareUnsigned(address, p[1]) < 0) {
                return p[2] + (address - p[0]);
            }
        }
        return address;
    }

    private List<long[]> list(Task t) {
        return placed.computeIfAbsent(t.mm(), m -> new ArrayList<>());
    }

    /**
     * Where the layout chose the address and the statement expects a literal address, that
     * address is the trace's name for pinsim's; munmap of a trace's range forgets it.
     */
    void place(Task t, Plan.CallStep step, Args args, SysResult r) {
        if (r.isError()) {
            return;
        }
        String name = step.spec().name();
        if (name.equals("execve")) {
            images.put(t.mm(), ((Arg.Text) step.args().get(0)).value());
            return;
        }
        if (step.expect().kind() != Plan.Expect.Kind.VALUE || !(step.expect().value() instanceof Val.Addr e)) {
            return;
        }
        long real = e.value();
        switch (name) {
            case "mmap" -> {
                if ((args.num(3) & (Mman.MAP_FIXED | Mman.MAP_FIXED_NOREPLACE)) == 0) {
                    add(t, real, real + ((args.num(1) + 4095) & ~4095L), r.ret());
                }
            }
            case "mremap" -> {
                // MREMAP_MAYMOVE lets the kernel choose: where the log's mapping went names where pinsim's
                // is, moved or grown in place (the two address spaces differ around it)
                if ((args.num(3) & Mman.MREMAP_FIXED) == 0 && (args.num(3) & Mman.MREMAP_MAYMOVE) != 0) {
                    add(t, real, real + ((args.num(2) + 4095) & ~4095L), r.ret());
                }
            }
            case "brk" -> {
                if (args.num(0) == 0) {
                    add(t, real, real + BRK_WINDOW, r.ret());
                }
            }
            default -> {
            }
        }
    }

    /**
     * A new correspondence. An older one it covers is dropped (the newest wins anyway); one it
     * does not cover stays: a range unmapped is still named by its real address (a program that
     * reserves an address with mmap and munmap, then mremaps there with MREMAP_FIXED, means the
     * same hole in pinsim's address space).
     */
    private void add(Task t, long start, long end, long sim) {
        List<long[]> l = list(t);
        l.removeIf(p -> Long.compareUnsigned(p[0], start) >= 0 && Long.compareUnsigned(p[1], end) <= 0);
        l.add(new long[] {start, end, sim});
    }

    /** A child made by a fork-like call: its own copy of the parent's address names unless it shares the mm. */
    void created(Task parent, Task child, long cloneFlags) {
        if (child.mm() != parent.mm()) {
            List<long[]> from = placed.get(parent.mm());
            if (from != null) {
                List<long[]> copy = new ArrayList<>();
                from.forEach(p -> copy.add(p.clone()));
                placed.put(child.mm(), copy);
            }
            String image = images.get(parent.mm());
            if (image != null) {
                images.put(child.mm(), image);
            }
        }
        boolean shareFiles = (cloneFlags & Sched.CLONE_FILES) != 0;
        Set<Integer> s = standIns.get(parent.pid());
        if (s != null) {
            standIns.put(child.pid(), shareFiles ? s : new HashSet<>(s));
        }
        Map<Integer, String> p = paths.get(parent.pid());
        if (p != null) {
            paths.put(child.pid(), shareFiles ? p : new HashMap<>(p));
        }
    }

    // ---------------------------------------------------------------- before a call of a log

    /** Makes the model's state agree with what the log shows before the call; returns notes. */
    List<String> prepare(Task t, Plan.CallStep step, Args args, Val.Env env) {
        List<String> notes = new ArrayList<>();
        if (!log || !expectsSuccess(step)) {
            return notes;
        }
        String name = step.spec().name();
        startingLimit(t, step, args, env, notes);
        switch (name) {
            case "mmap" -> {
                if ((args.num(3) & Mman.MAP_ANONYMOUS) == 0 && args.num(4) >= 0) {
                    standIn(t, (int) args.num(4), decoration(step.statement(), 4), notes);
                }
            }
            case "close", "dup", "dup2", "dup3", "fcntl", "ftruncate" ->
                    standIn(t, args.integer(0), decoration(step.statement(), 0), notes);
            default -> {
            }
        }
        if (name.equals("dup2") || name.equals("dup3")) {
            forget(t, args.integer(1));
        }
        Long fd = createdFd(step, args);
        if (fd != null) {
            holes(t, fd.intValue(), name.equals("fcntl") ? (int) Math.min(args.num(2), Integer.MAX_VALUE) : 3, notes);
        }
        image(t, step, args, notes);
        return notes;
    }

    /** After a call: the path the log opened at an fd, for naming a stand-in later. */
    void after(Task t, Plan.CallStep step, Args args, SysResult r) {
        if (r.isError()) {
            return;
        }
        String name = step.spec().name();
        if ((name.equals("openat") || name.equals("open")) && r.ret() >= 0) {
            String path = ((Arg.Text) step.args().get(name.equals("open") ? 0 : 1)).value();
            paths.computeIfAbsent(t.pid(), k -> new HashMap<>()).put((int) r.ret(), path);
        }
        if (name.equals("close")) {
            forget(t, args.integer(0));
            Map<Integer, String> p = paths.get(t.pid());
            if (p != null) {
                p.remove(args.integer(0));
            }
        }
    }

    /** Calls outside the model that return a new descriptor (their result names it). */
    private static final Set<String> FD_CALLS = Set.of("socket", "accept", "accept4", "eventfd", "eventfd2",
            "epoll_create", "epoll_create1", "timerfd_create", "signalfd", "signalfd4", "inotify_init", "inotify_init1",
            "fanotify_init", "pidfd_open", "pidfd_getfd", "userfaultfd", "creat", "openat2", "open_by_handle_at",
            "memfd_secret", "open_tree", "fsopen", "fsmount", "fspick", "bpf");

    /** A skipped call of a log that returned a descriptor: the name a later stand-in there takes. */
    void skipped(Task t, Statement.Call st) {
        if (!log || t == null || st.expectedText() == null || !FD_CALLS.contains(st.name())) {
            return;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)(?:<(.*)>)?").matcher(st.expectedText());
        if (m.find()) {
            int fd = Integer.parseInt(m.group(1));
            String deco = m.group(2);
            paths.computeIfAbsent(t.pid(), k -> new HashMap<>()).put(fd, deco != null ? deco : st.name());
        }
    }

    /**
     * The log's first read of a limit that no call of the log has set shows the limit the
     * process started with (inherited from whoever ran it): pinsim takes it. RLIMIT_MEMLOCK
     * is taken only when neither --as nor a process directive gave it.
     */
    private void startingLimit(Task t, Plan.CallStep step, Args args, Val.Env env, List<String> notes) {
        String name = step.spec().name();
        boolean read = name.equals("getrlimit") || (name.equals("prlimit64") && args.num(0) == 0);
        if (!read || step.expect().outCur() == null) {
            return;
        }
        long resource = args.num(name.equals("getrlimit") ? 0 : 1);
        if (resource < 0 || resource >= org.pinsim.core.uapi.Resource.RLIM_NLIMITS || limitsSet.contains(resource)
                || (resource == org.pinsim.core.uapi.Resource.RLIMIT_MEMLOCK && memlockGiven)) {
            return;
        }
        long cur = step.expect().outCur().eval(env);
        long max = step.expect().outMax().eval(env);
        org.pinsim.core.task.Rlimit now = t.rlimitOf((int) resource);
        if (now.cur() != cur || now.max() != max) {
            t.assumeRlimit((int) resource, cur, max);
            notes.add("the log reads a limit no call of it set: the process started with "
                    + Judge.limit(cur, max) + "; pinsim takes it");
        }
    }

    /** A call of the log that sets a limit: later reads of that resource are compared. */
    void limitSet(Plan.CallStep step, Args args) {
        String name = step.spec().name();
        if (name.equals("setrlimit")) {
            limitsSet.add(args.num(0));
        } else if (name.equals("prlimit64") && args.present(2)) {
            limitsSet.add(args.num(1));
        }
    }

    private static boolean expectsSuccess(Plan.CallStep step) {
        Plan.Expect.Kind k = step.expect().kind();
        return k == Plan.Expect.Kind.VALUE || k == Plan.Expect.Kind.SUCCESS;
    }

    /** The descriptor number a creating call returned in the log, or null. */
    private static Long createdFd(Plan.CallStep step, Args args) {
        String name = step.spec().name();
        boolean creates = switch (name) {
            case "openat", "open", "memfd_create", "dup", "io_uring_setup", "perf_event_open" -> true;
            case "fcntl" -> {
                long cmd = args.num(1);
                yield cmd == Fcntl.F_DUPFD || cmd == Fcntl.F_DUPFD_CLOEXEC;
            }
            default -> false;
        };
        if (!creates || step.expect().kind() != Plan.Expect.Kind.VALUE || !(step.expect().value() instanceof Val.Const c)) {
            return null;
        }
        return c.value() >= 3 && c.value() < 1 << 20 ? c.value() : null;
    }

    private static String decoration(Statement.Call st, int index) {
        List<Expr> pos = st.positional();
        return index < pos.size() && pos.get(index) instanceof Expr.Fd f ? f.path() : null;
    }

    private boolean open(Task t, int fd) {
        return !t.fcntl(fd, Fcntl.F_GETFD, 0).isError();
    }

    /** A stand-in at {@code fd} when pinsim has nothing there. */
    private void standIn(Task t, int fd, String deco, List<String> notes) {
        if (fd < 0 || fd >= 1 << 20 || open(t, fd)) {
            return;
        }
        String known = paths.getOrDefault(t.pid(), Map.of()).get(fd);
        String path = standInPath(deco != null ? deco : known, fd);
        if (install(t, fd, path)) {
            notes.add("fd " + fd + " is not open in pinsim (opened outside the log, or by a call outside the model): "
                    + "a stand-in file " + path + " is opened there");
        }
    }

    private static String standInPath(String path, int fd) {
        if (path == null) {
            return "/pinsim-strace/fd" + fd;
        }
        if (path.startsWith("/tmp/") || path.equals("/tmp")) {
            return "/pinsim-strace" + path; // /tmp is the scenario's, empty: a name there would not exist
        }
        if (path.startsWith("/") && !path.contains(" (deleted)")) {
            return path;
        }
        return "/pinsim-strace/" + path.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Stand-ins at the free numbers below the one the log's call returned, from {@code from}. */
    private void holes(Task t, int fd, int from, List<String> notes) {
        List<Integer> filled = new ArrayList<>();
        for (int i = Math.max(3, from); i < fd; i++) {
            if (!open(t, i) && install(t, i, standInPath(paths.getOrDefault(t.pid(), Map.of()).get(i), i))) {
                filled.add(i);
            }
        }
        Set<Integer> mine = standIns.get(t.pid());
        if (mine != null && mine.contains(fd) && open(t, fd)) {
            t.close(fd);
            mine.remove(fd);
            notes.add("fd " + fd + " is free in the log: pinsim's stand-in there is closed");
        }
        if (!filled.isEmpty()) {
            notes.add("the log's process had fd" + (filled.size() > 1 ? "s " : " ") + ranges(filled)
                    + " open (the call returns " + fd + ", the lowest free): stand-in files are opened there");
        }
    }

    private static String ranges(List<Integer> fds) {
        return fds.size() == 1 ? fds.get(0).toString() : fds.get(0) + "-" + fds.get(fds.size() - 1);
    }

    private boolean install(Task t, int fd, String path) {
        SysResult o = t.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDWR, 0);
        if (o.isError()) {
            o = t.openat(Fcntl.AT_FDCWD, path, Fcntl.O_RDONLY, 0);
        }
        if (o.isError()) {
            return false;
        }
        int got = (int) o.ret();
        if (got != fd) {
            t.dup2(got, fd);
            t.close(got);
        }
        standIns.computeIfAbsent(t.pid(), k -> new HashSet<>()).add(fd);
        return true;
    }

    private void forget(Task t, int fd) {
        Set<Integer> s = standIns.get(t.pid());
        if (s != null) {
            s.remove(fd);
        }
    }

    // ---------------------------------------------------------------- images execve mapped

    private static final Set<String> RANGE_CALLS = Set.of("mprotect", "mlock", "mlock2", "munlock", "madvise", "mremap");

    /** Maps the pages of an image that a succeeding call names and nothing placed. */
    private void image(Task t, Plan.CallStep step, Args args, List<String> notes) {
        String name = step.spec().name();
        if (!RANGE_CALLS.contains(name) || !(step.args().get(0) instanceof Arg.Num n && n.value() instanceof Val.Addr a)) {
            return;
        }
        long addr = a.value();
        if (translate(t, addr) != addr) {
            return;
        }
        long len = args.num(1);
        long start = addr & ~4095L;
        long end = (addr + len + 4095) & ~4095L;
        if (len <= 0 || Long.compareUnsigned(end, start) <= 0 || Long.compareUnsigned(end, 0x800000000000L) > 0) {
            return;
        }
        List<long[]> gaps = gaps(t.mm(), start, end);
        if (gaps.isEmpty()) {
            return;
        }
        String what = start >= STACK_FROM ? "the stack execve set up"
                : start >= INTERP_FROM ? "the interpreter execve mapped (" + INTERPRETER + ")"
                : "the program execve mapped (" + program(t) + ")";
        for (long[] g : gaps) {
            mapImage(t, g[0], g[1], start >= STACK_FROM ? null : start >= INTERP_FROM ? INTERPRETER : program(t));
        }
        if (imageNoted.add(t.mm())) {
            notes.add("0x" + Long.toHexString(start) + " is in no mapping the log placed: it belongs to " + what
                    + "; pinsim maps the pages such calls name there (private, read-write), here and from now on");
        }
    }

    private String program(Task t) {
        String p = images.get(t.mm());
        return p != null ? p : "/usr/local/bin/" + t.name();
    }

    private static List<long[]> gaps(Mm mm, long start, long end) {
        List<long[]> out = new ArrayList<>();
        long at = start;
        while (Long.compareUnsigned(at, end) < 0) {
            Vma v = mm.vmas().find(at);
            if (v == null || Long.compareUnsigned(v.start(), end) >= 0) {
                out.add(new long[] {at, end});
                break;
            }
            if (Long.compareUnsigned(v.start(), at) > 0) {
                out.add(new long[] {at, v.start()});
            }
            at = v.end();
        }
        return out;
    }

    private static void mapImage(Task t, long start, long end, String file) {
        long prot = Mman.PROT_READ | Mman.PROT_WRITE;
        if (file == null) {
            t.mmap(start, end - start, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, -1, 0);
            return;
        }
        SysResult fd = t.openat(Fcntl.AT_FDCWD, file, Fcntl.O_RDONLY, 0);
        if (fd.isError()) {
            t.mmap(start, end - start, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, -1, 0);
            return;
        }
        t.mmap(start, end - start, prot, Mman.MAP_PRIVATE | Mman.MAP_FIXED, fd.ret(), 0);
        t.close((int) fd.ret());
    }
}
