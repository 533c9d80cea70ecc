package org.pinsim.cli.verify;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.pinsim.core.fs.Namei;
import org.pinsim.scenario.ResolvedScenario;
import org.pinsim.scenario.ResolvedScenario.ArrayArg;
import org.pinsim.scenario.ResolvedScenario.Argument;
import org.pinsim.scenario.ResolvedScenario.LimitArg;
import org.pinsim.scenario.ResolvedScenario.NumArg;
import org.pinsim.scenario.ResolvedScenario.TextArg;

/**
 * The translation of a scenario's calls into the executor's commands (the protocol at the
 * top of conformance/executor/pinsim-exec.c): arguments evaluated against the live run's
 * bindings, files moved into the scenario's private directory, forks given their slots.
 * What the executor cannot run here is an {@link Unsupported} with the reason.
 */
final class Commands {
    private static final long CLONE_VM = 0x100;
    private static final long CLONE_VFORK = 0x4000;
    private static final long CLONE_THREAD = 0x10000;

    /** A call the executor does not run. */
    static final class Unsupported extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        Unsupported(String m) {
            super(m);
        }
    }

    private final Path workdir;
    private final Collection<Long> pids;
    private int nextSlot;
    private int lastForkSlot = -1;

    /**
     * @param workdir  the scenario's private directory for its files
     * @param pids     the live pids of the scenario's processes (a live view)
     * @param nextSlot the first executor slot free for forked children
     */
    Commands(Path workdir, Collection<Long> pids, int nextSlot) {
        this.workdir = workdir;
        this.pids = pids;
        this.nextSlot = nextSlot;
    }

    /** The slot the last fork command was given. */
    int lastForkSlot() {
        return lastForkSlot;
    }

    /** The value of the i-th argument, 0 when it is not a number. */
    static long num(ResolvedScenario.Call c, int i, ResolvedScenario.Env env) {
        Argument a = c.args().get(i);
        return a instanceof NumArg n ? n.value().eval(env) : 0;
    }


    /** The executor command for a call, with arguments evaluated against the live bindings. */
    String of(ResolvedScenario.Call c, ResolvedScenario.Env env) throws Unsupported {
        String n = c.call();
        switch (n) {
            case "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "mlock", "mlock2", "munlock", "mlockall",
                 "munlockall", "touch", "ftruncate", "close" -> {
                StringBuilder sb = new StringBuilder(n);
                for (int i = 0; i < c.args().size(); i++) {
                    sb.append(' ').append(num(c, i, env));
                }
                return sb.toString();
            }
            case "exit", "exit_group" -> {
                return "exit " + num(c, 0, env);
            }
            case "mark" -> { // the master reads every process's pagemap (Verifier.liveMark): nothing runs in the process
                return "mark";
            }
            case "compact" -> { // the master (root) writes /proc/sys/vm/compact_memory (Verifier.liveCompact)
                return "compact";
            }
            case "drop_caches" -> { // the master (root) writes /proc/sys/vm/drop_caches (Verifier.liveDropCaches)
                return "drop_caches " + num(c, 0, env);
            }
            case "advance" -> { // real time passes on the live machine: the executor sleeps (whole ms, rounded up)
                long ns = num(c, 0, env);
                return "sleep " + ((ns + 999_999) / 1_000_000);
            }
            case "setrlimit" -> {
                return "setrlimit " + num(c, 0, env) + " " + limitArgs(c.args().get(1), env);
            }
            case "getrlimit" -> {
                return "getrlimit " + num(c, 0, env);
            }
            case "prlimit64" -> {
                long target = num(c, 0, env);
                if (target != 0 && !pids.contains(target)) {
                    throw new Unsupported("prlimit64 names pid " + target + ", not a process of this scenario"
                            + " (the executor only acts on its own processes)");
                }
                return "prlimit64 " + num(c, 0, env) + " " + num(c, 1, env) + " " + limitArgs(c.args().get(2), env);
            }
            case "openat", "open" -> {
                int base = n.equals("openat") ? 1 : 0;
                long dirfd = n.equals("openat") ? num(c, 0, env) : -100;
                String path = ((TextArg) c.args().get(base)).value();
                long flags = num(c, base + 1, env);
                long mode = num(c, base + 2, env);
                return "openat " + dirfd + " " + flags + " " + mode + " " + hex(privatePath(path, dirfd));
            }
            case "memfd_create" -> {
                return "memfd_create " + num(c, 1, env) + " " + hex(((TextArg) c.args().get(0)).value());
            }
            case "fork", "clone", "clone3" -> {
                if (!n.equals("fork")) {
                    long flags = num(c, 0, env);
                    if ((flags & (CLONE_VM | CLONE_VFORK | CLONE_THREAD)) != 0) {
                        throw new Unsupported("the executor runs no threads or vfork children (" + n + " with CLONE_VM,"
                                + " CLONE_VFORK or CLONE_THREAD)");
                    }
                }
                lastForkSlot = nextSlot++;
                return "fork " + lastForkSlot;
            }
            case "move_pages" -> {
                long target = num(c, 0, env);
                if (target != 0 && !pids.contains(target)) {
                    throw new Unsupported("move_pages names pid " + target + ", not a process of this scenario"
                            + " (the executor only acts on its own processes)");
                }
                long count = num(c, 1, env);
                List<Long> pages = array(c.args().get(2), env);
                List<Long> nodes = c.args().get(3) instanceof ArrayArg ? array(c.args().get(3), env) : null;
                if (count < 0 || count > 256 || pages.size() < count || (nodes != null && nodes.size() < count)) {
                    throw new Unsupported("move_pages with count " + count + " and arrays of " + pages.size()
                            + " pages (the executor takes up to 256 entries, at least count in each array)");
                }
                StringBuilder sb = new StringBuilder("move_pages " + target + " " + count + " " + (nodes != null ? 1 : 0)
                        + " " + num(c, 5, env));
                for (int i = 0; i < count; i++) {
                    sb.append(' ').append(pages.get(i));
                }
                for (int i = 0; nodes != null && i < count; i++) {
                    sb.append(' ').append(nodes.get(i));
                }
                return sb.toString();
            }
            case "mbind", "set_mempolicy" -> {
                boolean mb = n.equals("mbind");
                int maskArg = mb ? 3 : 1;
                List<Long> words = c.args().get(maskArg) instanceof ArrayArg ? array(c.args().get(maskArg), env) : null;
                if (words != null && words.size() > 512) {
                    throw new Unsupported(n + " with a nodemask of " + words.size() + " words (the executor takes a page: 512)");
                }
                StringBuilder sb = new StringBuilder(mb
                        ? "mbind " + num(c, 0, env) + " " + num(c, 1, env) + " " + num(c, 2, env) + " " + num(c, 4, env) + " "
                                + num(c, 5, env)
                        : "set_mempolicy " + num(c, 0, env) + " " + num(c, 2, env));
                sb.append(' ').append(words == null ? -1 : words.size());
                for (int i = 0; words != null && i < words.size(); i++) {
                    sb.append(' ').append(Long.toUnsignedString(words.get(i)));
                }
                return sb.toString();
            }
            case "io_uring_setup" -> {
                return "io_uring_setup " + num(c, 0, env);
            }
            case "io_uring_register" -> {
                List<Long> iov = c.args().get(2) instanceof ArrayArg ? array(c.args().get(2), env) : null;
                if (iov != null && iov.size() / 2 > 250) {
                    throw new Unsupported("io_uring_register with " + iov.size() / 2 + " iovecs (the executor takes up to 250)");
                }
                StringBuilder sb = new StringBuilder("io_uring_register " + num(c, 0, env) + " " + num(c, 1, env) + " "
                        + num(c, 3, env) + " " + (iov == null ? -1 : iov.size() / 2));
                for (int i = 0; iov != null && i < iov.size(); i++) {
                    sb.append(' ').append(iov.get(i));
                }
                return sb.toString();
            }
            case "perf_event_open" -> {
                ResolvedScenario.StructArg st = (ResolvedScenario.StructArg) c.args().get(0);
                long[] v = new long[st.fields().size()];
                boolean[] given = new boolean[v.length];
                for (int i = 0; i < v.length; i++) {
                    ResolvedScenario.Num f = st.fields().get(i);
                    given[i] = f != null;
                    v[i] = f == null ? 0 : f.eval(env);
                }
                StringBuilder hexAttr = new StringBuilder();
                for (byte b : org.pinsim.core.uapi.Perf.encode(v, given)) {
                    hexAttr.append(String.format("%02x", b & 0xff));
                }
                long target = num(c, 1, env);
                if (target > 0 && !pids.contains(target)) {
                    throw new Unsupported("perf_event_open names pid " + target + ", not a process of this scenario"
                            + " (the executor only acts on its own processes)");
                }
                return "perf_event_open " + hexAttr + " " + target + " " + num(c, 2, env) + " " + num(c, 3, env) + " "
                        + num(c, 4, env);
            }
            case "rdma_reg_mr", "rdma_dereg_mr" -> throw new Unsupported("this machine has no RDMA device (pinsim's"
                    + " RDMA model follows drivers/infiniband/core/umem.c of each profile)");
            case "vfio_map_dma", "vfio_unmap_dma" -> throw new Unsupported("this machine has no vfio device (pinsim's"
                    + " vfio model follows drivers/vfio/vfio_iommu_type1.c of each profile)");
            case "mpin", "munpin" -> throw new Unsupported("mpin and munpin were never merged into Linux");
            case "vfork" -> throw new Unsupported("the executor runs no vfork children");
            case "execve" -> throw new Unsupported("the executor does not exec (it would replace the image)");
            default -> throw new Unsupported("the executor cannot run " + n + " on this machine");
        }
    }

    private static List<Long> array(Argument a, ResolvedScenario.Env env) {
        List<Long> out = new ArrayList<>();
        if (a instanceof ArrayArg arr) {
            for (ResolvedScenario.Num n : arr.items()) {
                out.add(n.eval(env));
            }
        }
        return out;
    }

    private static String limitArgs(Argument a, ResolvedScenario.Env env) {
        if (a instanceof LimitArg l) {
            return "1 " + l.cur().eval(env) + " " + l.max().eval(env);
        }
        return "0 0 0";
    }

    /**
     * The scenario's /tmp is a private directory of this run (pinsim's /tmp starts empty):
     * an absolute name in /tmp, or a relative one from the working directory (pinsim's is
     * the root), becomes the same name under it; a name relative to a directory fd is
     * passed as written. Names outside /tmp are the machine's files, which pinsim does not
     * know and the executor does not touch; so are names with ".." (they could leave the
     * private directory) and names the private prefix would make longer than PATH_MAX.
     */
    private String privatePath(String path, long dirfd) throws Unsupported {
        boolean fromCwd = path.startsWith("/") || dirfd == org.pinsim.core.uapi.Fcntl.AT_FDCWD;
        if (path.isEmpty()) {
            return path; // ENOENT on both sides
        }
        if (fromCwd ? !Namei.namesTmp(path) : List.of(path.split("/")).contains("..")) {
            throw new Unsupported("openat of \"" + (path.length() > 60 ? path.substring(0, 60) + "..." : path)
                    + "\" names a file outside /tmp or passes through \"..\" (the executor has only a private copy of /tmp)");
        }
        if (!fromCwd) {
            return path;
        }
        String p = workdir + (path.startsWith("/") ? "" : "/") + path;
        if (p.getBytes(StandardCharsets.UTF_8).length >= Namei.PATH_MAX
                && path.getBytes(StandardCharsets.UTF_8).length < Namei.PATH_MAX) {
            throw new Unsupported("openat of a name that the private directory's prefix makes longer than PATH_MAX");
        }
        return p;
    }

    private static String hex(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }
}
