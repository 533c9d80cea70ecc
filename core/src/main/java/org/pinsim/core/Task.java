package org.pinsim.core;

import static org.pinsim.core.uapi.Errno.EBADF;
import static org.pinsim.core.uapi.Errno.EFAULT;
import static org.pinsim.core.uapi.Errno.EINVAL;
import static org.pinsim.core.uapi.Errno.ENOMEM;
import static org.pinsim.core.uapi.Errno.EPERM;
import static org.pinsim.core.uapi.Errno.ESRCH;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.pinsim.core.fs.Cred;
import org.pinsim.core.fs.Dcache;
import org.pinsim.core.fs.HugetlbFile;
import org.pinsim.core.fs.Namei;
import org.pinsim.core.fs.OpenFlags;
import org.pinsim.core.gup.IoRingCtx;
import org.pinsim.core.gup.PerfEvent;
import org.pinsim.core.mm.Caller;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.Mmap;
import org.pinsim.core.mm.PageTable;
import org.pinsim.core.mm.Pte;
import org.pinsim.core.mm.Vma;
import org.pinsim.core.mm.VmFlags;
import org.pinsim.core.task.Caps;
import org.pinsim.core.task.Rlimit;
import org.pinsim.core.task.Rlimits;
import org.pinsim.core.uapi.Fcntl;
import org.pinsim.core.uapi.Resource;
import org.pinsim.core.uapi.Sched;

/**
 * A task of the simulated machine and its Linux-shaped syscall entry points. Each returns a
 * {@link SysResult}: the value or -errno, and for a refusal the rule that refused.
 * Tasks created with CLONE_VM share the Mm; CLONE_THREAD tasks share the rlimits.
 */
public final class Task implements Caller, Cred {
    /**
     * An open file description: the inode and its access mode (FMODE_READ / FMODE_WRITE /
     * FMODE_PATH), or for an anonymous-inode file (io_uring, perf) or a hugetlbfs memfd the
     * object behind it, with {@code inode} null.
     */
    record OpenFile(Inode inode, int fmode, boolean cloexec, IoRingCtx ring, PerfEvent perf, HugetlbFile huge) {
        OpenFile(Inode inode, int fmode, boolean cloexec) {
            this(inode, fmode, cloexec, null, null, null);
        }

        OpenFile(Inode inode, int fmode, boolean cloexec, IoRingCtx ring, PerfEvent perf) {
            this(inode, fmode, cloexec, ring, perf, null);
        }

        OpenFile withCloexec(boolean c) {
            return new OpenFile(inode, fmode, c, ring, perf, huge);
        }

        /** fs/file.c fget: an O_PATH file is not found (EBADF) by calls that use the file. */
        boolean opath() {
            return (fmode & Mmap.FMODE_PATH) != 0;
        }
    }

    private final Kernel k;
    private final int pid;
    int tgid;
    private String name;
    private int uid;
    private long caps;
    private Rlimits rlim;
    private Mm mm;
    private TreeMap<Integer, OpenFile> files;
    /** The stand-in RDMA device and vfio container of the file table, opened at first use (null before). */
    private org.pinsim.core.gup.Uverbs[] uverbs;
    private org.pinsim.core.gup.VfioContainer[] vfio;
    private boolean exited;
    private String reason;
    private LimitCheck limitCheck;
    /** The virtual time until which this task sleeps in its last syscall (Clock ns). */
    private long busyUntil;
    /** Faults of this task that waited on a migration entry (mm/migrate.c migration_entry_wait). */
    private long migrationWaits;
    /**
     * The CPU the task runs on (task_cpu): its allocations and frees use that CPU's per-CPU
     * page lists. The model has no scheduler: every task is on CPU 0 unless {@link #setCpu}
     * moves it, and a child starts on CPU 0 too.
     */
    private int cpu;
    /** task->mempolicy (set_mempolicy), null for the default policy; copied at clone (mpol_dup). */
    private org.pinsim.core.mm.Mpol mempolicy;
    /** task->il_prev: the node of the last interleaved alloc_pages() (MAX_NUMNODES - 1 at the start). */
    private int ilPrev = org.pinsim.core.uapi.Mempolicy.MAX_NUMNODES - 1;

    Task(Kernel k, int pid, String name, int uid, long caps, Rlimits rlim, Mm mm, TreeMap<Integer, OpenFile> files) {
        this.k = k;
        this.pid = pid;
        this.name = name;
        this.uid = uid;
        this.caps = caps;
        this.rlim = rlim;
        this.mm = mm;
        this.files = files;
        this.uverbs = new org.pinsim.core.gup.Uverbs[1];
        this.vfio = new org.pinsim.core.gup.VfioContainer[1];
    }

    public int pid() {
        return pid;
    }

    public int tgid() {
        return tgid;
    }

    public String name() {
        return name;
    }

    /** Renames the task (a scenario binds a name to a forked child). */
    public void setName(String n) {
        name = n;
    }

    /**
     * Credentials and RLIMIT_MEMLOCK the task took by calls outside the model's view (a strace
     * log filtered without setresuid, capset or prlimit, given them with {@code --as 'PID: ...'}):
     * kernel/cred.c commit_creds replaces the uid and capabilities; kernel/sys.c do_prlimit the
     * limit, which the thread group shares (signal->rlim). Charges already made stay with the
     * user they were charged to, as the kernel keeps ctx->user and the mm's counters.
     */
    public void assume(int newUid, long newCaps, long memlockSoft, long memlockHard) {
        uid = newUid;
        caps = newCaps;
        rlim.set(org.pinsim.core.uapi.Resource.RLIMIT_MEMLOCK, memlockSoft, memlockHard);
    }

    public int uid() {
        return uid;
    }

    public long caps() {
        return caps;
    }

    public boolean exited() {
        return exited;
    }

    public Kernel kernel() {
        return k;
    }

    @Override
    public Mm mm() {
        return mm;
    }

    @Override
    public boolean capable(int cap) {
        return Caps.has(caps, cap);
    }

    @Override
    public long rlimit(int resource) {
        return rlim.cur(resource);
    }

    @Override
    public long rlimitMax(int resource) {
        return rlim.max(resource);
    }

    /** The current soft and hard limit of a resource (what getrlimit would return). */
    public Rlimit rlimitOf(int resource) {
        return rlim.get(resource);
    }

    @Override
    public void refuse(String why) {
        if (reason == null) {
            reason = why;
        }
    }

    @Override
    public void refuseLimit(LimitCheck check) {
        if (limitCheck == null) {
            limitCheck = check;
        }
    }

    private SysResult done(long ret) {
        boolean failed = ret < 0 && ret >= -SysResult.MAX_ERRNO;
        String r = failed ? reason : null;
        LimitCheck l = failed ? limitCheck : null;
        reason = null;
        limitCheck = null;
        return new SysResult(ret, r, l);
    }

    private void begin() {
        if (exited) {
            throw new IllegalStateException("task " + name + " (pid " + pid + ") has exited");
        }
        reason = null;
        limitCheck = null;
        if (busyUntil > k.clock().now()) {
            k.clock().runUntil(busyUntil); // the last syscall has not returned yet: its work ends first
        }
        k.setCurrent(this);
    }

    /** The task sleeps in the current syscall for {@code ns} more of virtual time (its work on the clock). */
    public void busyFor(long ns) {
        busyUntil = Math.max(busyUntil, k.clock().now() + ns);
    }

    /** The virtual time at which the task's last syscall returns (Clock ns). */
    public long busyUntil() {
        return busyUntil;
    }

    /** Faults of this task that waited for a page's migration to end. */
    public long migrationWaits() {
        return migrationWaits;
    }

    /** task->mempolicy, or null (the default policy). */
    public org.pinsim.core.mm.Mpol mempolicy() {
        return mempolicy;
    }

    /** do_set_mempolicy: the task's new policy. */
    public void setMempolicy(org.pinsim.core.mm.Mpol p) {
        mempolicy = p;
    }

    /** task->il_prev. */
    public int ilPrev() {
        return ilPrev;
    }

    public void setIlPrev(int nid) {
        ilPrev = nid;
    }

    /** Counts one fault that waited on a migration entry. */
    public void countMigrationWait() {
        migrationWaits++;
    }

    // ---- memory ----

    /** task_cpu(p). */
    public int cpu() {
        return cpu;
    }

    /** Moves the task to {@code c} (as set_cpus_allowed_ptr and a migration would). */
    public void setCpu(int c) {
        if (c < 0 || c >= k.mem().nrCpus()) {
            throw new IllegalArgumentException("cpu must be 0.." + (k.mem().nrCpus() - 1) + ", got " + c);
        }
        cpu = c;
    }

    public SysResult mmap(long addr, long len, long prot, long flags, long fd, long off) {
        begin();
        Inode file = null;
        int fmode = 0;
        if ((flags & org.pinsim.core.uapi.Mman.MAP_ANONYMOUS) == 0) {
            OpenFile of = files.get((int) fd);
            if (of == null || fd != (int) fd || of.opath()) {
                if ((off & 4095) != 0) {
                    return done(-EINVAL);
                }
                refuse("mmap: fd " + fd + (of == null ? " is not open" : " is an O_PATH file (fget)"));
                return done(-EBADF);
            }
            if (of.huge() != null) {
                return done(k.mmap.sysMmap(this, addr, len, prot, flags, null, of.huge(), of.fmode(), off));
            }
            if (of.perf() != null) {
                return done(k.mmap.sysMmap(this, addr, len, prot, flags, null, of.perf(), of.fmode(), off));
            }
            if (of.ring() != null) {
                return done(k.mmap.sysMmap(this, addr, len, prot, flags, null, of.ring(), of.fmode(), off));
            }
            file = of.inode();
            fmode = of.fmode();
        }
        return done(k.mmap.sysMmap(this, addr, len, prot, flags, file, fmode, off));
    }

    public SysResult munmap(long addr, long len) {
        begin();
        return done(k.vmas.doMunmap(this, addr, len));
    }

    public SysResult mprotect(long addr, long len, long prot) {
        begin();
        return done(k.mprotect.mprotect(this, addr, len, prot));
    }

    public SysResult mremap(long oldAddr, long oldLen, long newLen, long flags, long newAddr) {
        begin();
        return done(k.mremap.mremap(this, oldAddr, oldLen, newLen, flags, newAddr));
    }

    public SysResult madvise(long addr, long len, long advice) {
        begin();
        return done(k.madvise.madvise(this, addr, len, advice));
    }

    public SysResult brk(long addr) {
        begin();
        long ret = k.mmap.brk(this, addr);
        if (reason != null) {
            // mm/mmap.c SYSCALL_DEFINE1(brk): a refused brk returns the old break, not an errno;
            // keep the rule that refused it (check_brk_limits) so that it can be explained
            SysResult r = new SysResult(ret, reason, limitCheck);
            reason = null;
            limitCheck = null;
            return r;
        }
        return done(ret);
    }

    public SysResult mlock(long addr, long len) {
        begin();
        return done(k.mlock.mlock(this, addr, len));
    }

    public SysResult mlock2(long addr, long len, long flags) {
        begin();
        return done(k.mlock.mlock2(this, addr, len, flags));
    }

    public SysResult munlock(long addr, long len) {
        begin();
        return done(k.mlock.munlock(this, addr, len));
    }

    public SysResult mlockall(long flags) {
        begin();
        return done(k.mlock.mlockall(this, flags));
    }

    public SysResult munlockall() {
        begin();
        return done(k.mlock.munlockall(this));
    }

    /** [PROPOSAL] mpin(2), pinsim's reading of the VM_PINNED series ({@link org.pinsim.core.mlock.Mpin}); ENOSYS elsewhere. */
    public SysResult mpin(long addr, long len) {
        begin();
        return done(k.mpin.mpin(this, addr, len));
    }

    /** [PROPOSAL] munpin(2), pinsim's reading of the VM_PINNED series; ENOSYS elsewhere. */
    public SysResult munpin(long addr, long len) {
        begin();
        return done(k.mpin.munpin(this, addr, len));
    }

    /**
     * Accesses one byte per page of [addr, addr+len) as the CPU would: page faults happen,
     * a stack VMA grows. An access the hardware refuses returns -EFAULT with the signal named
     * in the reason (SIGSEGV or SIGBUS); the task is not killed, as if it caught the signal.
     */
    public SysResult touch(long addr, long len, boolean write) {
        begin();
        long start = addr & ~4095L;
        long end = (addr + len + 4095) & ~4095L;
        Memory memory = k.memory();
        final org.pinsim.core.mem.FrameTable ft = k.mem().frames();
        Vma vma = null;
        PageTable.Leaf leaf = null;
        long leafBase = -1;
        for (long a = start; Long.compareUnsigned(a, end) < 0; a += 4096) {
            if (vma == null || Long.compareUnsigned(a, vma.end()) >= 0 || Long.compareUnsigned(a, vma.start()) < 0) {
                vma = mm.vmas().lookup(a);
                if (vma == null) {
                    vma = growStack(a);
                    if (vma == null) {
                        refuse("SIGSEGV: no mapping at 0x" + Long.toHexString(a));
                        return done(-EFAULT);
                    }
                }
                if (write ? !vma.has(VmFlags.VM_WRITE) : (vma.flags() & VmFlags.VM_ACCESS_FLAGS) == 0) {
                    refuse("SIGSEGV: " + (write ? "write" : "read") + " not permitted at 0x" + Long.toHexString(a));
                    return done(-EFAULT);
                }
            }
            long base = a & ~((1L << 21) - 1);
            if (base != leafBase) {
                leaf = mm.pageTable().leaf(a, false); // the TLB and page-table walk, once per 2 MiB
                leafBase = base;
            }
            int pi = PageTable.pteIndex(a);
            long pte = leaf == null ? Pte.NONE : leaf.pte(pi);
            if (Pte.present(pte) && (!write || Pte.write(pte))) {
                leaf.setBits(pi, Pte.ACCESSED | (write ? Pte.DIRTY : 0)); // the MMU sets young and dirty
                if (write) {
                    ft.written(Pte.pfn(pte)); // the executor's touch writes a 1 into the page
                }
                continue;
            }
            leafBase = -1; // the fault may allocate the table
            int r = memory.handleFault(mm, vma, a, write);
            if (r == Memory.VM_FAULT_SIGBUS) {
                refuse("SIGBUS: access beyond the end of the file at 0x" + Long.toHexString(a));
                return done(-EFAULT);
            }
            if (r == Memory.VM_FAULT_SIGSEGV) {
                refuse("SIGSEGV: a guard region (MADV_GUARD_INSTALL) at 0x" + Long.toHexString(a));
                return done(-EFAULT);
            }
            if (r != Memory.VM_FAULT_OK) {
                refuse("out of memory (the OOM killer is not modelled)");
                return done(-ENOMEM);
            }
            if (write) { // the access retried after the fault writes the page
                leaf = mm.pageTable().leaf(a, false); // the walk the next page would take anyway
                leafBase = leaf == null ? -1 : base;
                long e = leaf == null ? Pte.NONE : leaf.pte(pi);
                if (Pte.present(e) && !Pte.special(e)) {
                    ft.written(Pte.pfn(e));
                }
            }
        }
        return done(0);
    }

    /** arch/x86/mm/fault.c: an access below a VM_GROWSDOWN VMA expands the stack. */
    private Vma growStack(long a) {
        Vma next = mm.vmas().find(a);
        if (next == null || !next.has(VmFlags.VM_GROWSDOWN)) {
            return null;
        }
        return k.mmap.expandStack(this, next, a) == 0 ? next : null;
    }

    /**
     * move_pages(2) (mm/migrate.c, see {@link org.pinsim.core.migrate.MovePages}): {@code nodes}
     * null queries the node of each page; {@code status} (one entry per page, written in place;
     * null for a status pointer the kernel cannot write) receives a node id or -errno per page.
     */
    public SysResult movePages(int targetPid, long[] pages, int[] nodes, int[] status, long flags) {
        begin();
        return done(k.movePages.movePages(this, targetPid, pages, nodes, status, flags));
    }

    /**
     * mbind(2) (mm/mempolicy.c, see {@link org.pinsim.core.migrate.Mbind}): {@code nmask} is the
     * nodemask's words (null for NULL).
     */
    public SysResult mbind(long start, long len, long mode, long[] nmask, long maxnode, long flags) {
        begin();
        return done(k.mbind.mbind(this, start, len, mode, nmask, maxnode, flags));
    }

    /** set_mempolicy(2): {@code nmask} is the nodemask's words (null for NULL). */
    public SysResult setMempolicy(long mode, long[] nmask, long maxnode) {
        begin();
        return done(k.mbind.setMempolicy(this, mode, nmask, maxnode));
    }

    /**
     * get_mempolicy(2): {@code policy} (one entry) and {@code nmask} (the caller's buffer, in
     * words) are written in place; null stands for NULL.
     */
    public SysResult getMempolicy(long[] policy, long[] nmask, long maxnode, long addr, long flags) {
        begin();
        return done(k.mbind.getMempolicy(this, policy, nmask, maxnode, addr, flags));
    }

    // ---- processes ----

    public SysResult fork() {
        return clone(Sched.SIGCHLD);
    }

    public SysResult vfork() {
        return clone(Sched.CLONE_VM | Sched.CLONE_VFORK | Sched.SIGCHLD);
    }

    /** kernel/fork.c clone3 (Linux 5.3), with the flags and exit signal of its struct clone_args. */
    public SysResult clone3(long flags) {
        if (!k.profile().hasClone3()) {
            begin();
            refuse("clone3: arrived in Linux 5.3, profile " + k.profile().id() + " lacks it");
            return done(-org.pinsim.core.uapi.Errno.ENOSYS);
        }
        return clone(flags);
    }

    /** kernel/fork.c copy_process with the flag checks that concern the model. */
    public SysResult clone(long flags) {
        begin();
        if ((flags & Sched.CLONE_THREAD) != 0 && (flags & Sched.CLONE_SIGHAND) == 0) {
            return done(-EINVAL);
        }
        if ((flags & Sched.CLONE_SIGHAND) != 0 && (flags & Sched.CLONE_VM) == 0) {
            return done(-EINVAL);
        }
        Mm childMm;
        if ((flags & Sched.CLONE_VM) != 0) {
            childMm = mm;
            mmGet(mm);
        } else {
            childMm = k.fork.dupMm(mm);
        }
        Rlimits r = (flags & Sched.CLONE_THREAD) != 0 ? rlim : rlim.copy();
        TreeMap<Integer, OpenFile> f = (flags & Sched.CLONE_FILES) != 0 ? files : new TreeMap<>(files);
        if (f != files) {
            for (OpenFile of : f.values()) {
                fileGet(of);
            }
        }
        Task child = new Task(k, k.newPid(), name + "-child", uid, caps, r, childMm, f);
        if (f == files) { // CLONE_FILES: one file table, so one device and one container
            child.uverbs = uverbs;
            child.vfio = vfio;
        }
        child.tgid = (flags & Sched.CLONE_THREAD) != 0 ? tgid : child.pid();
        child.mempolicy = mempolicy; // copy_process: mpol_dup(p->mempolicy)
        child.ilPrev = ilPrev; // dup_task_struct copies il_prev
        child.setName(String.valueOf(child.pid()));
        k.addTask(child);
        return done(child.pid());
    }

    private static void mmGet(Mm m) {
        m.mmget();
    }

    /** fs/exec.c: a fresh image of {@code path}; locks and MCL_FUTURE are gone with the old mm. */
    public SysResult execve(String path) {
        begin();
        Mm old = mm;
        Inode prog = k.file(path);
        mm = k.exec.newImage(prog, false);
        mmput(old);
        for (Map.Entry<Integer, OpenFile> e : new ArrayList<>(files.entrySet())) {
            if (e.getValue().cloexec()) {
                closeFd(e.getKey());
            }
        }
        return done(0);
    }

    public SysResult exit(int code) {
        begin();
        exitTask();
        return done(0);
    }

    /** Ends every task of this thread group. */
    public SysResult exitGroup(int code) {
        begin();
        for (Task t : k.tasks()) {
            if (t != this && t.tgid == tgid) {
                t.exitTask();
            }
        }
        exitTask();
        return done(0);
    }

    /** kernel/exit.c do_exit: exit_mm and exit_files. */
    private void exitTask() {
        if (!sharesFiles()) {
            // exit_files after exit_mm: the devices are released by a task without an mm
            if (uverbs[0] != null) {
                k.rdma.close(uverbs[0], this, true);
            }
            if (vfio[0] != null) {
                k.vfio.close(vfio[0], this, true);
            }
        }
        for (Integer fd : new ArrayList<>(files.keySet())) {
            if (!sharesFiles()) {
                closeFd(fd);
            }
        }
        mmput(mm);
        exited = true;
        k.removeTask(this);
    }

    private boolean sharesFiles() {
        for (Task t : k.tasks()) {
            if (t != this && t.files == files) {
                return true;
            }
        }
        return false;
    }

    private void mmput(Mm m) {
        if (m.mmput() == 0) {
            k.fork.exitMmap(m, k.vmas);
        }
    }

    // ---- limits ----

    public SysResult setrlimit(int resource, long cur, long max) {
        begin();
        return done(doPrlimit(this, resource, new Rlimit(cur, max)));
    }

    public SysResult getrlimit(int resource) {
        begin();
        if (resource < 0 || resource >= Resource.RLIM_NLIMITS) {
            return done(-EINVAL);
        }
        return done(0);
    }

    /** kernel/sys.c prlimit64: pid 0 is the caller. */
    public SysResult prlimit64(int targetPid, int resource, Rlimit newLimit) {
        begin();
        Task t = targetPid == 0 ? this : k.task(targetPid);
        if (t == null) {
            return done(-ESRCH);
        }
        if (t != this && t.uid != uid && !capable(Caps.CAP_SYS_RESOURCE)) {
            refuse("prlimit64: another user's process needs CAP_SYS_RESOURCE");
            return done(-EPERM);
        }
        if (newLimit == null) {
            return done(resource < 0 || resource >= Resource.RLIM_NLIMITS ? -EINVAL : 0);
        }
        return done(t.doPrlimit(this, resource, newLimit));
    }

    /**
     * Not a system call: the limit the task was started with, for a replayed strace log whose
     * first read of a limit (getrlimit, prlimit64) shows what the process inherited, which the
     * log's own calls did not set. No permission is checked (it is the starting state, as a
     * {@link ProcessSpec} gives the memlock limit); a CLONE_THREAD group shares it.
     */
    public void assumeRlimit(int resource, long cur, long max) {
        rlim.set(resource, cur, max);
    }

    /** kernel/sys.c do_prlimit. */
    private int doPrlimit(Task caller, int resource, Rlimit nl) {
        if (resource < 0 || resource >= Resource.RLIM_NLIMITS) {
            return -EINVAL;
        }
        if (nl.softAboveHard()) {
            caller.refuse("setrlimit: soft limit above hard limit");
            return -EINVAL;
        }
        if (resource == Resource.RLIMIT_NOFILE && Long.compareUnsigned(nl.max(), 1048576) > 0) {
            return -EPERM; // sysctl_nr_open
        }
        if (Long.compareUnsigned(nl.max(), rlim.max(resource)) > 0 && !caller.capable(Caps.CAP_SYS_RESOURCE)) {
            caller.refuse("setrlimit: raising the hard limit needs CAP_SYS_RESOURCE");
            return -EPERM;
        }
        rlim.set(resource, nl.cur(), nl.max());
        return 0;
    }

    // ---- files ----

    /**
     * fs/open.c do_sys_openat2: build_open_flags (EINVAL), getname (ENOENT, ENAMETOOLONG), the
     * starting directory (a relative name: the dirfd's, EBADF / ENOTDIR), then fs/namei.c
     * path_openat; O_TRUNC of an existing regular file truncates it (handle_truncate).
     */
    public SysResult openat(int dirfd, String path, long flags, long mode) {
        begin();
        OpenFlags op = OpenFlags.build(flags, mode, k.profile().hasTmpfile());
        if (op.err() != 0) {
            refuse("open: O_DIRECTORY with O_CREAT, or O_TMPFILE without O_DIRECTORY or write access (build_open_flags)");
            return done(op.err());
        }
        int err = Namei.getname(path);
        if (err != 0) {
            return done(err);
        }
        Object start = startDir(dirfd, path);
        if (start instanceof Integer e) {
            return done(e);
        }
        Namei.Opened o = k.namei().pathOpenat(this, (org.pinsim.core.fs.Dentry) start, path, op);
        if (o.err() != 0) {
            return done(o.err());
        }
        if (o.truncate()) {
            truncate(o.inode(), 0); // handle_truncate -> do_truncate(..., 0, ...)
        }
        return done(installFd(o.inode(), op.fmode(), op.cloexec()));
    }

    /** fs/namei.c path_init: where a relative name starts (an absolute one starts at the root). */
    private Object startDir(int dirfd, String path) {
        Dcache dc = k.namei().dcache();
        if (path.startsWith("/")) {
            return dc.root();
        }
        if (dirfd == Fcntl.AT_FDCWD) {
            return dc.cwd();
        }
        OpenFile of = files.get(dirfd);
        if (of == null) {
            return -EBADF;
        }
        org.pinsim.core.fs.Dentry d = of.inode() == null || !of.inode().isDir() ? null : dc.lookupDir(of.inode());
        return d == null ? (Object) (-org.pinsim.core.uapi.Errno.ENOTDIR) : d;
    }

    /**
     * mm/memfd.c memfd_create: its checks ({@link org.pinsim.core.fs.Memfd}), then a tmpfs
     * file, or with MFD_HUGETLB a hugetlbfs one ({@link HugetlbFile}); both O_RDWR.
     */
    public SysResult memfdCreate(String memfdName, long flags) {
        begin();
        if (!k.profile().hasMemfd()) {
            refuse("memfd_create: arrived in Linux 3.17, profile " + k.profile().id() + " lacks it");
            return done(-org.pinsim.core.uapi.Errno.ENOSYS);
        }
        long f = flags & 0xffffffffL; // unsigned int flags
        long scope = k.sysctl().get(Sysctl.MEMFD_NOEXEC);
        int err = org.pinsim.core.fs.Memfd.check(this, memfdName, f, scope);
        if (err != 0) {
            return done(err);
        }
        boolean cloexec = (f & Fcntl.MFD_CLOEXEC) != 0;
        if ((f & Fcntl.MFD_HUGETLB) != 0) {
            int fd = lowestFreeFd();
            files.put(fd, new OpenFile(null, Mmap.FMODE_READ | Mmap.FMODE_WRITE, cloexec, null, null,
                    new HugetlbFile(memfdName)));
            return done(fd);
        }
        // MFD_NOEXEC_SEAL clears the x bits (which none of the calls modelled looks at)
        int mode = org.pinsim.core.fs.Memfd.noexecSeal(f, scope) ? 0666 : 0777;
        return done(installFd(k.memfd(memfdName, mode, uid), Mmap.FMODE_READ | Mmap.FMODE_WRITE, cloexec));
    }

    private int installFd(Inode f, int fmode, boolean cloexec) {
        int fd = lowestFreeFd();
        files.put(fd, new OpenFile(f, fmode, cloexec));
        f.fdGet();
        return fd;
    }

    @Override
    public boolean ownsOrMayWrite(Inode file) {
        return uid == file.uid() || capable(Caps.CAP_FOWNER) || Namei.mayWrite(this, file);
    }

    /** The inodes this task's file descriptors hold, in descriptor order (for the invariant checker). */
    public List<Inode> openInodes() {
        List<Inode> out = new ArrayList<>();
        for (OpenFile of : files.values()) {
            if (of.inode() != null) {
                out.add(of.inode());
            }
        }
        return out;
    }

    /** fs/file.c alloc_fd: the lowest free descriptor from 3 (0-2 are the standard streams). */
    private int lowestFreeFd() {
        int fd = 3;
        while (files.containsKey(fd)) {
            fd++;
        }
        return fd;
    }

    /**
     * fs/open.c do_sys_ftruncate: a negative length is EINVAL before the fd is looked up
     * (EBADF, O_PATH files too); do_ftruncate: a file that is not regular or not open for
     * writing is EINVAL; the file system's maximum size is EFBIG (inode_newsize_ok: ext4's
     * s_maxbytes, tmpfs's MAX_LFS_FILESIZE); hugetlbfs takes whole huge pages only.
     */
    public SysResult ftruncate(int fd, long len) {
        begin();
        if (len < 0) {
            return done(-EINVAL);
        }
        OpenFile of = files.get(fd);
        if (of == null || of.opath()) {
            return done(-EBADF);
        }
        if ((of.fmode() & Mmap.FMODE_WRITE) == 0 || (of.huge() == null && (of.inode() == null || !of.inode().isReg()))) {
            refuse("ftruncate: not a regular file, or not open for writing (do_ftruncate)");
            return done(-EINVAL);
        }
        if (of.huge() != null) {
            return done(of.huge().truncate(len));
        }
        if (!of.inode().shmem() && len > EXT4_MAX_BYTES) {
            refuse("ftruncate: beyond ext4's maximum file size (s_maxbytes)");
            return done(-org.pinsim.core.uapi.Errno.EFBIG);
        }
        truncate(of.inode(), len);
        return done(0);
    }

    /** fs/ext4/super.c ext4_max_size for 4 KiB blocks and extents: 2^32 - 1 blocks. */
    static final long EXT4_MAX_BYTES = ((1L << 32) - 1) << 12;

    /**
     * mm/truncate.c truncate_pagecache: unmap_mapping_range(mapping, holebegin, 0, even_cows=1)
     * takes every page mapped beyond the new size out of every mapping of the file, the
     * private COW copies of MAP_PRIVATE mappings included, then the page cache beyond it goes.
     * A later access there is SIGBUS (filemap_fault, shmem_fault: beyond EOF).
     */
    private void truncate(Inode f, long size) {
        long keep = (size + 4095) >>> 12;
        if (size < f.size()) {
            for (Task t : k.tasks()) {
                zapFileBeyond(t.mm, f, keep);
            }
            for (long i = keep; i < f.cacheSpan(); i++) {
                k.memory().deleteFromPageCache(f, i);
            }
        }
        f.setSize(size);
    }

    private void zapFileBeyond(Mm m, Inode f, long keepPages) {
        for (Vma v : m.vmas().toArray()) {
            if (v.file() != f) {
                continue;
            }
            long from = v.start() + Math.max(0, (keepPages - v.pgoff()) << 12);
            if (from < v.end()) {
                zapMappedPages(m, v, from, v.end());
            }
        }
    }

    /** Unmaps every present page of a VMA range: page-cache pages and COW copies alike (even_cows). */
    private void zapMappedPages(Mm m, Vma v, long from, long to) {
        PageTable pt = m.pageTable();
        List<Long> pageAddrs = new ArrayList<>();
        pt.walk(from, to, (a, e) -> {
            if (Pte.present(e) && !Pte.special(e)) {
                pageAddrs.add(a);
            }
        });
        for (long a : pageAddrs) {
            k.memory().zapRange(m, v, a, a + 4096);
        }
    }

    public SysResult close(int fd) {
        begin();
        if (!files.containsKey(fd)) {
            return done(-EBADF);
        }
        closeFd(fd);
        return done(0);
    }

    // ---- descriptors: fs/file.c dup, dup2, dup3; fs/fcntl.c F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD ----

    /** fs/file.c dup: fget_raw (O_PATH files too), then the lowest free descriptor. */
    public SysResult dup(int oldfd) {
        begin();
        OpenFile of = files.get(oldfd);
        if (of == null) {
            refuse("dup: fd " + oldfd + " is not open (fget_raw)");
            return done(-EBADF);
        }
        return done(dupInto(of, allocFd(3), false));
    }

    /** fs/file.c dup2: oldfd == newfd returns newfd when it is open; otherwise ksys_dup3(oldfd, newfd, 0). */
    public SysResult dup2(int oldfd, int newfd) {
        begin();
        if (oldfd == newfd) {
            return done(files.containsKey(oldfd) ? oldfd : -EBADF);
        }
        return done(dup3Fd(oldfd, newfd, 0));
    }

    /** fs/file.c ksys_dup3: only O_CLOEXEC (EINVAL), oldfd == newfd EINVAL, newfd beyond RLIMIT_NOFILE EBADF. */
    public SysResult dup3(int oldfd, int newfd, long flags) {
        begin();
        if ((flags & ~(long) Fcntl.O_CLOEXEC) != 0) {
            refuse("dup3: flags other than O_CLOEXEC");
            return done(-EINVAL);
        }
        if (oldfd == newfd) {
            refuse("dup3: oldfd equals newfd");
            return done(-EINVAL);
        }
        return done(dup3Fd(oldfd, newfd, flags));
    }

    private int dup3Fd(int oldfd, int newfd, long flags) {
        if (newfd < 0 || Long.compareUnsigned(newfd, rlim.cur(Resource.RLIMIT_NOFILE)) >= 0) {
            refuse("dup3: newfd " + newfd + " is not below RLIMIT_NOFILE " + rlim.cur(Resource.RLIMIT_NOFILE));
            return -EBADF;
        }
        OpenFile of = files.get(oldfd);
        if (of == null) {
            refuse("dup3: fd " + oldfd + " is not open");
            return -EBADF;
        }
        if (files.containsKey(newfd)) {
            closeFd(newfd); // do_dup2: the file that was at newfd is closed (filp_close)
        }
        return dupInto(of, newfd, (flags & Fcntl.O_CLOEXEC) != 0);
    }

    /**
     * fs/fcntl.c do_fcntl for the descriptor commands: F_DUPFD and F_DUPFD_CLOEXEC (f_dupfd: the
     * lowest free descriptor from arg, EINVAL at or beyond RLIMIT_NOFILE), F_GETFD, F_SETFD.
     * Other commands are not modelled: the caller must not pass them.
     */
    public SysResult fcntl(int fd, int cmd, long arg) {
        begin();
        OpenFile of = files.get(fd);
        if (of == null) {
            refuse("fcntl: fd " + fd + " is not open (fdget_raw)");
            return done(-EBADF);
        }
        switch (cmd) {
            case Fcntl.F_DUPFD, Fcntl.F_DUPFD_CLOEXEC -> {
                long from = arg & 0xffffffffL; // (unsigned int) argi
                long nofile = rlim.cur(Resource.RLIMIT_NOFILE);
                if (Long.compareUnsigned(from, nofile) >= 0) {
                    refuse("fcntl: F_DUPFD from " + from + " is not below RLIMIT_NOFILE " + nofile + " (f_dupfd)");
                    return done(-EINVAL);
                }
                int nfd = allocFd((int) Math.max(from, 3));
                if (nfd >= nofile) {
                    refuse("fcntl: no free descriptor below RLIMIT_NOFILE " + nofile + " (alloc_fd)");
                    return done(-org.pinsim.core.uapi.Errno.EMFILE);
                }
                return done(dupInto(of, nfd, cmd == Fcntl.F_DUPFD_CLOEXEC));
            }
            case Fcntl.F_GETFD -> {
                return done(of.cloexec() ? Fcntl.FD_CLOEXEC : 0);
            }
            case Fcntl.F_SETFD -> {
                files.put(fd, of.withCloexec((arg & Fcntl.FD_CLOEXEC) != 0));
                return done(0);
            }
            default -> throw new IllegalArgumentException("fcntl command " + cmd + " is not modelled");
        }
    }

    /** fs/file.c alloc_fd: the lowest free descriptor from {@code from} (0-2, the standard streams, are taken). */
    private int allocFd(int from) {
        int fd = Math.max(from, 3);
        while (files.containsKey(fd)) {
            fd++;
        }
        return fd;
    }

    /** fd_install of a second reference to the same open file (get_file). */
    private int dupInto(OpenFile of, int fd, boolean cloexec) {
        fileGet(of);
        files.put(fd, of.withCloexec(cloexec));
        return fd;
    }

    private void closeFd(int fd) {
        OpenFile of = files.remove(fd);
        if (of.huge() != null) {
            return; // a hugetlbfs file without pages holds nothing
        }
        if (of.ring() != null) {
            k.ioUring.fput(of.ring());
            return;
        }
        if (of.perf() != null) {
            of.perf().fput();
            return;
        }
        of.inode().fdPut();
        k.mmContext().releaseIfUnused(of.inode());
    }

    /** get_file for each description a copied file table shares. */
    private static void fileGet(OpenFile of) {
        if (of.huge() != null) {
            return;
        }
        if (of.ring() != null) {
            of.ring().fget();
        } else if (of.perf() != null) {
            of.perf().fget();
        } else {
            of.inode().fdGet();
        }
    }

    // ---- RDMA and vfio (stand-in devices: gup.Uverbs, gup.VfioContainer) ----

    private org.pinsim.core.gup.Uverbs uverbs() {
        if (uverbs[0] == null) {
            uverbs[0] = k.openUverbs();
        }
        return uverbs[0];
    }

    private org.pinsim.core.gup.VfioContainer vfio() {
        if (vfio[0] == null) {
            vfio[0] = k.openVfio();
        }
        return vfio[0];
    }

    /** ibv_reg_mr on the process's stand-in device: the MR's handle ({@link org.pinsim.core.gup.RdmaOps}). */
    public SysResult rdmaRegMr(long addr, long len, long access) {
        begin();
        return done(k.rdma.regMr(this, uverbs(), addr, len, access));
    }

    /** ibv_dereg_mr. */
    public SysResult rdmaDeregMr(long handle) {
        begin();
        return done(k.rdma.deregMr(this, uverbs(), handle));
    }

    /** VFIO_IOMMU_MAP_DMA on the process's stand-in container, IOVA = vaddr ({@link org.pinsim.core.gup.VfioOps}). */
    public SysResult vfioMapDma(long vaddr, long size) {
        begin();
        return done(k.vfio.mapDma(this, vfio(), vaddr, size));
    }

    /** VFIO_IOMMU_UNMAP_DMA. */
    public SysResult vfioUnmapDma(long iova, long size) {
        begin();
        return done(k.vfio.unmapDma(this, vfio(), iova, size));
    }

    /** The MRs this process has registered, in handle order (none before its first RDMA call). */
    public List<org.pinsim.core.gup.Uverbs.Mr> mrs() {
        return uverbs[0] == null ? List.of() : uverbs[0].mrs();
    }

    /** The DMA mappings of this process's container, in IOVA order. */
    public List<org.pinsim.core.gup.VfioContainer.Dma> dmas() {
        return vfio[0] == null ? List.of() : vfio[0].dmas();
    }

    // ---- perf ----

    /**
     * kernel/events/core.c perf_event_open(attr, pid, cpu, group_fd, flags) for a software
     * event; {@code attr} is the struct's bytes as laid out by {@link org.pinsim.core.uapi.Perf#encode}.
     * Event groups (group_fd other than -1) are not modelled.
     */
    public SysResult perfEventOpen(byte[] attr, long pid, long cpu, long groupFd, long flags) {
        begin();
        boolean task;
        if (pid == 0 || pid == this.pid) {
            task = true;
        } else if (pid == -1) {
            task = false;
        } else {
            Task t = k.task((int) pid);
            if (t == null || pid != (int) pid) {
                refuse("perf_event_open: no task " + pid + " (find_lively_task_by_vpid)");
                return done(-ESRCH);
            }
            task = true;
        }
        if (groupFd != -1) {
            throw new UnsupportedOperationException("perf_event_open with a group_fd is not modelled");
        }
        PerfEvent[] out = new PerfEvent[1];
        int r = k.perf.open(this, attr, task, cpu, flags, out);
        if (r != 0) {
            return done(r);
        }
        k.addPerfEvent(out[0]);
        int fd = lowestFreeFd();
        // anon_inode_getfile("[perf_event]", &perf_fops, event, O_RDWR | f_flags)
        files.put(fd, new OpenFile(null, Mmap.FMODE_READ | Mmap.FMODE_WRITE,
                (flags & org.pinsim.core.uapi.Perf.PERF_FLAG_FD_CLOEXEC) != 0, null, out[0]));
        return done(fd);
    }

    // ---- io_uring ----

    /** io_uring/io_uring.c io_uring_setup(entries, params) with zeroed params: the ring's fd. */
    public SysResult ioUringSetup(long entries) {
        begin();
        if (!k.profile().hasIoUring()) {
            refuse("io_uring_setup: io_uring arrived in Linux 5.1, profile " + k.profile().id() + " lacks it");
            return done(-org.pinsim.core.uapi.Errno.ENOSYS);
        }
        // io_uring_allowed: kernel.io_uring_disabled
        long disabled = k.sysctl().get(Sysctl.IO_URING_DISABLED);
        if (disabled == 2 || (disabled == 1 && !capable(org.pinsim.core.task.Caps.CAP_SYS_ADMIN))) {
            refuse("io_uring_setup: kernel.io_uring_disabled is " + disabled + " (io_uring_allowed)");
            return done(-EPERM);
        }
        IoRingCtx[] out = new IoRingCtx[1];
        int r = k.ioUring.setup(this, k.user(uid), entries, out);
        if (r != 0) {
            return done(r);
        }
        k.addRing(out[0]);
        int fd = lowestFreeFd();
        files.put(fd, new OpenFile(null, Mmap.FMODE_READ | Mmap.FMODE_WRITE, true, out[0], null)); // O_RDWR | O_CLOEXEC
        return done(fd);
    }

    /**
     * io_uring/register.c io_uring_register for IORING_REGISTER_BUFFERS (iov: base, len pairs,
     * null for NULL) and IORING_UNREGISTER_BUFFERS; other opcodes are not modelled.
     */
    public SysResult ioUringRegister(int fd, long opcode, long[] iov, long nrArgs) {
        begin();
        if (!k.profile().hasIoUring()) {
            refuse("io_uring_register: io_uring arrived in Linux 5.1, profile " + k.profile().id() + " lacks it");
            return done(-org.pinsim.core.uapi.Errno.ENOSYS);
        }
        if ((opcode & 0xffffffffL) >= org.pinsim.core.uapi.IoUring.REGISTER_OPS.length
                && (opcode & org.pinsim.core.uapi.IoUring.IORING_REGISTER_USE_REGISTERED_RING) == 0) {
            refuse("io_uring_register: opcode " + opcode + " is not below IORING_REGISTER_LAST");
            return done(-EINVAL);
        }
        OpenFile of = files.get(fd);
        if (of == null || of.opath()) {
            return done(-EBADF);
        }
        if (of.ring() == null) {
            refuse("io_uring_register: fd " + fd + " is not an io_uring (io_uring_register_get_file)");
            return done(-org.pinsim.core.uapi.Errno.EOPNOTSUPP);
        }
        if (opcode == org.pinsim.core.uapi.IoUring.IORING_REGISTER_BUFFERS) {
            return done(k.ioUring.registerBuffers(this, of.ring(), iov, nrArgs));
        }
        if (opcode == org.pinsim.core.uapi.IoUring.IORING_UNREGISTER_BUFFERS) {
            return done(k.ioUring.unregisterBuffers(this, of.ring(), iov, nrArgs));
        }
        throw new UnsupportedOperationException("io_uring_register opcode " + opcode + " is not modelled");
    }

    @Override
    public String toString() {
        return name + "[" + pid + "]";
    }
}
