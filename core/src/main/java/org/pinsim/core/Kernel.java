package org.pinsim.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.pinsim.core.mem.PhysMem;
import org.pinsim.core.mlock.Mlock;
import org.pinsim.core.mm.DeferredSplit;
import org.pinsim.core.mm.Exec;
import org.pinsim.core.mm.Fork;
import org.pinsim.core.mm.Gup;
import org.pinsim.core.mm.Inode;
import org.pinsim.core.mm.Madvise;
import org.pinsim.core.mm.Memory;
import org.pinsim.core.mm.Mm;
import org.pinsim.core.mm.MmContext;
import org.pinsim.core.mm.Mmap;
import org.pinsim.core.mm.Mprotect;
import org.pinsim.core.mm.Mremap;
import org.pinsim.core.mm.Vmas;
import org.pinsim.core.proc.ProcFs;
import org.pinsim.core.task.Rlimits;
import org.pinsim.core.vmscan.Lru;
import org.pinsim.core.vmstat.VmStat;

/**
 * One simulated machine: physical memory, the tasks and their address spaces, the stand-in
 * files, the sysctls and the profile. Single-threaded and deterministic: the same calls give
 * the same state.
 *
 * <pre>{@code
 * Kernel k = Kernel.boot(MachineConfig.defaults());
 * Task app = k.spawn(ProcessSpec.defaults("app", k.profile()).withMemlock(64 << 10, 64 << 10));
 * long buf = app.mmap(0, 128 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).ret();
 * SysResult r = app.mlock(buf, 128 << 10);   // r.errno() == ENOMEM, r.reason() says why
 * long vmlck = k.proc().statusField(app, "VmLck");
 * }</pre>
 */
public final class Kernel {
    private final MachineConfig config;
    private final PhysMem mem;
    /** The long-lived kernel pages that machine aging (the age= key) left behind. */
    private final org.pinsim.core.mem.Ager ager;
    private final Lru lru;
    private final VmStat vmstat = new VmStat();
    private final Sysctl sysctl = new Sysctl();
    private final Memory memory;
    private final MmContext ctx;
    final Vmas vmas;
    final Gup gup;
    final Mmap mmap;
    final Mprotect mprotect;
    final Mremap mremap;
    final Madvise madvise;
    final Mlock mlock;
    final org.pinsim.core.mlock.Mpin mpin;
    final Fork fork;
    final Exec exec;
    final org.pinsim.core.migrate.MovePages movePages;
    final org.pinsim.core.migrate.Mbind mbind;
    private final org.pinsim.core.time.Clock clock = new org.pinsim.core.time.Clock();
    private final org.pinsim.core.migrate.Migrate migrate;
    private final DeferredSplit deferredSplit;
    private final org.pinsim.core.compaction.Compaction compaction;
    private final org.pinsim.core.compaction.Kcompactd kcompactd;
    /** The task whose syscall or access runs (the kernel's {@code current}); null before any. */
    private Task current;
    private org.pinsim.core.proc.FrameMarks frameMarks;
    final org.pinsim.core.gup.Pins pins;
    final org.pinsim.core.gup.IoUringOps ioUring;
    final org.pinsim.core.gup.PerfOps perf;
    final org.pinsim.core.gup.RdmaOps rdma;
    final org.pinsim.core.gup.VfioOps vfio;
    private final List<org.pinsim.core.gup.Uverbs> uverbsDevices = new ArrayList<>();
    private final List<org.pinsim.core.gup.VfioContainer> vfioContainers = new ArrayList<>();
    private final List<org.pinsim.core.gup.PerfEvent> perfEvents = new ArrayList<>();
    private final TreeMap<Integer, org.pinsim.core.gup.UserStruct> users = new TreeMap<>();
    private final List<org.pinsim.core.gup.IoRingCtx> rings = new ArrayList<>();
    private final TreeMap<Integer, Task> tasks = new TreeMap<>();
    private final org.pinsim.core.fs.Namei namei;
    private int nextPid = 1000;
    private ProcFs proc;

    private Kernel(MachineConfig config, Map<String, Long> earlySysctls) {
        this.config = config;
        this.mem = new PhysMem(config.memoryBytes(), config.nodes(), config.cpus(), config.movableBytes(),
                config.movablePercent(), config.cmaBytes(),
                config.thp() != org.pinsim.core.mm.ThpEnabled.NEVER); // hugepage_pmd_enabled: khugepaged's min_free_kbytes
        mem.setNoFragment(config.noFragment());
        earlySysctls.forEach(this::setSysctl); // set before aging: the aging workload runs under them
        this.ager = new org.pinsim.core.mem.Ager(mem, config.seed());
        ager.age(config.agePercent());
        this.lru = new Lru(mem);
        this.memory = new Memory(mem, lru, vmstat, !config.zeroPage(), config.thp());
        this.ctx = new MmContext(memory, mem, sysctl, config.profile());
        this.namei = new org.pinsim.core.fs.Namei(new org.pinsim.core.fs.Dcache(ctx::nextIno));
        this.vmas = new Vmas(ctx);
        this.gup = new Gup(ctx);
        this.mmap = new Mmap(ctx, vmas, gup);
        this.mprotect = new Mprotect(ctx, vmas, mmap, gup);
        this.mremap = new Mremap(ctx, vmas, mmap, gup);
        this.madvise = new Madvise(ctx, vmas, gup);
        this.mlock = new Mlock(ctx, vmas, gup, memory.mlockFolio());
        this.mpin = new org.pinsim.core.mlock.Mpin(mlock, gup, config.profile());
        this.fork = new Fork(ctx);
        this.exec = new Exec(ctx);
        this.migrate = new org.pinsim.core.migrate.Migrate(mem, memory, lru, vmstat, clock, this::liveMms);
        this.deferredSplit = new DeferredSplit(memory, head -> migrate.splitFolio(head, null));
        memory.setFolioOps(head -> migrate.splitFolio(head, null), migrate::folioMaybeMappedShared);
        this.movePages = new org.pinsim.core.migrate.MovePages(this, migrate);
        this.mbind = new org.pinsim.core.migrate.Mbind(this, migrate);
        this.compaction = new org.pinsim.core.compaction.Compaction(mem, migrate, vmstat, clock, sysctl, this::inodeByIno);
        this.kcompactd = new org.pinsim.core.compaction.Kcompactd(mem, compaction, sysctl, vmstat, clock);
        // direct compaction and kcompactd from here on; boot and aging ran without them
        mem.setCompactor(compaction.compactor(kcompactd));
        memory.setThpDefrag(config.thpDefrag());
        if (config.profile().hasMpin()) {
            // [PROPOSAL] mpin-2013: mpin's pre-compaction into UNMOVABLE pageblocks (pinsim's reading)
            mpin.setPack(new org.pinsim.core.mlock.MpinPack(mem, memory, migrate, clock, vmstat, gup, this::inodeByIno));
        }
        memory.setPolicyAlloc(mbind); // mm/mempolicy.c: faults allocate by memory policy
        memory.setMigrationWaiter(this::migrationEntryWait);
        this.pins = new org.pinsim.core.gup.Pins(memory, gup, config.profile(), migrate, clock, this::inodeByIno);
        this.ioUring = new org.pinsim.core.gup.IoUringOps(memory, pins, clock);
        this.rdma = new org.pinsim.core.gup.RdmaOps(pins, mpin, config.profile());
        this.vfio = new org.pinsim.core.gup.VfioOps(pins, config.profile());
        this.perf = new org.pinsim.core.gup.PerfOps(memory, sysctl, config.profile(), config.cpus(), this::user);
        sysctl.set(Sysctl.PERF_EVENT_PARANOID, config.profile().defaultPerfParanoid());
        ctx.setLiveMms(this::liveMms);
    }

    /**
     * mm/migrate.c migration_entry_wait for a fault of the current task: counted as a
     * migration wait of that task, then the task sleeps until the migration ends.
     */
    private void migrationEntryWait(int pfn) {
        if (current != null) {
            current.countMigrationWait();
        }
        migrate.migrationEntryWait(pfn);
    }

    /** kcompactd (mm/compaction.c), run by {@link #advance}. */
    public org.pinsim.core.compaction.Kcompactd kcompactd() {
        return kcompactd;
    }

    /** [PROPOSAL] mpin's pre-compaction under the mpin-2013 profiles; null under the others. */
    public org.pinsim.core.mlock.MpinPack mpinPack() {
        return mpin.pack();
    }

    /** The migration engine's compaction (mm/compaction.c). */
    public org.pinsim.core.compaction.Compaction compaction() {
        return compaction;
    }

    /**
     * echo 1 > /proc/sys/vm/compact_memory (mm/compaction.c sysctl_compaction_handler ->
     * compact_nodes): the calls made so far return first (the state a writer sees), then
     * every zone of every node is compacted; the write returns when the last migration is done.
     */
    public void compactMemory() {
        settle();
        compaction.compactNodes();
    }

    /**
     * echo VALUE > /proc/sys/vm/drop_caches (fs/drop_caches.c drop_caches_sysctl_handler):
     * proc_dointvec_minmax with extra1 1 and extra2 4 (else -EINVAL); bit 2 runs drop_slab,
     * whose only modelled shrinker is the deferred split queue's ({@link DeferredSplit}), and
     * counts drop_slab. The calls made so far return first, as for compact_memory. Bit 1 (the
     * page cache) is not modelled: the scenario validator skips such a write.
     *
     * @return 0 or -EINVAL
     */
    public long dropCaches(long value) {
        if (value < 1 || value > 4) {
            return -org.pinsim.core.uapi.Errno.EINVAL;
        }
        if ((value & 1) != 0) {
            throw new IllegalArgumentException("drop_caches: dropping the page cache is not modelled");
        }
        settle();
        if ((value & 2) != 0) {
            deferredSplit.dropSlab();
            vmstat.count(org.pinsim.core.vmstat.VmEvent.DROP_SLAB);
        }
        return 0;
    }

    /** The deferred split queue of THPs and its shrinker. */
    public DeferredSplit deferredSplit() {
        return deferredSplit;
    }

    /** The stand-in file with inode number {@code ino}: mapped by a live mm, named or open; null if none. */
    private Inode inodeByIno(int ino) {
        for (Mm m : liveMms()) {
            org.pinsim.core.mm.VmaTree vmas = m.vmas();
            for (int j = 0; j < vmas.size(); j++) {
                Inode f = vmas.get(j).file();
                if (f != null && f.ino() == ino) {
                    return f;
                }
            }
        }
        for (Inode f : files()) {
            if (f.ino() == ino) {
                return f;
            }
        }
        return null;
    }

    /** The address spaces of the live tasks, each once, in pid order (threads share one). */
    private List<Mm> liveMms() {
        List<Mm> out = new ArrayList<>();
        for (Task t : tasks.values()) {
            Mm m = t.mm();
            if (m != null && !out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Boots a machine: all memory free in the buddy allocators, no tasks. */
    public static Kernel boot(MachineConfig config) {
        return boot(config, Map.of());
    }

    /**
     * Boots a machine with {@code sysctls} set before the machine ages (the {@code age=} key):
     * as a box is configured before its workload runs.
     *
     * @throws IllegalArgumentException for a sysctl the model does not know or a value it refuses
     */
    public static Kernel boot(MachineConfig config, Map<String, Long> sysctls) {
        long frames = config.memoryBytes() >>> 12;
        long need = frames * 33 + (64L << 20); // the frame table (32 bytes a frame) and some room
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && need > max) {
            throw new IllegalArgumentException("a machine of " + (config.memoryBytes() >> 20) + " MiB needs about "
                    + (need >> 20) + " MiB of Java heap, this JVM has " + (max >> 20)
                    + " MiB (raise it, e.g. PINSIM_JAVA_OPTS=-Xmx" + ((need >> 30) + 2) + "g ./pinsim ...)");
        }
        return new Kernel(config, sysctls);
    }

    public MachineConfig config() {
        return config;
    }

    public Profile profile() {
        return config.profile();
    }

    /** The kernel allocations that aging left (held until the machine goes away). */
    public org.pinsim.core.mem.Ager ager() {
        return ager;
    }

    public PhysMem mem() {
        return mem;
    }

    public Lru lru() {
        return lru;
    }

    public VmStat vmstat() {
        return vmstat;
    }

    public Memory memory() {
        return memory;
    }

    /** The virtual clock and its event queue. */
    public org.pinsim.core.time.Clock clock() {
        return clock;
    }

    /** pin_user_pages and its long-term path (mm/gup.c), with their counters. */
    public org.pinsim.core.gup.Pins pins() {
        return pins;
    }

    /** The migration engine (mm/migrate.c). */
    public org.pinsim.core.migrate.Migrate migrate() {
        return migrate;
    }

    /** The frame marks of the run (a scenario's {@code mark()}), made at first use. */
    public org.pinsim.core.proc.FrameMarks frameMarks() {
        if (frameMarks == null) {
            frameMarks = new org.pinsim.core.proc.FrameMarks(this);
        }
        return frameMarks;
    }

    /** The task whose syscall or access runs now (the kernel's {@code current}), or null before any. */
    public Task current() {
        return current;
    }

    /** mm/vma.c: splitting and merging VMAs. */
    public Vmas vmaOps() {
        return vmas;
    }

    /** Marks the task whose syscall runs now (current). */
    void setCurrent(Task t) {
        current = t;
    }

    /**
     * Time passes (the scenario's {@code advance}): the clock moves {@code ns} forward and the
     * kernel work that falls due runs, in order: the clock's events, and kcompactd's wakeups
     * and timeouts (a lazily evaluated periodic timer, {@link org.pinsim.core.compaction.Kcompactd}).
     */
    public void advance(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("time cannot go back: " + ns);
        }
        final long target = clock.now() + ns;
        kcompactd.runUntil(target);
        clock.runUntil(target);
    }

    /**
     * Lets every task's syscall in flight finish: the clock runs to the latest time a live
     * task sleeps until (what a check sees is the state after the calls made so far returned).
     */
    public void settle() {
        long until = clock.now();
        for (Task t : tasks.values()) {
            until = Math.max(until, t.busyUntil());
        }
        clock.runUntil(until);
    }

    public Sysctl sysctl() {
        return sysctl;
    }

    public void setSysctl(String name, long value) {
        if (name.equals(Sysctl.DEFRAG_MODE)) {
            if (value < 0 || value > 1) { // proc_dointvec_minmax, SYSCTL_ZERO..SYSCTL_ONE
                throw new IllegalArgumentException("vm.defrag_mode must be 0 or 1, got " + value);
            }
            mem.setDefragMode(value != 0);
        }
        sysctl.set(name, value);
    }

    /** The /proc views of this machine. */
    public ProcFs proc() {
        if (proc == null) {
            proc = new ProcFs(this);
        }
        return proc;
    }

    /** Creates a process as exec would: fresh credentials, limits and image. */
    public Task spawn(ProcessSpec spec) {
        if (Long.compareUnsigned(spec.memlockSoft(), spec.memlockHard()) > 0) {
            throw new IllegalArgumentException("rlimit.memlock soft limit above the hard limit");
        }
        Mm mm = exec.newImage(program(spec.name()), spec.layout() == ProcessSpec.Layout.EMPTY);
        Task t = new Task(this, nextPid++, spec.name(), spec.uid(), spec.caps(),
                new Rlimits(spec.memlockSoft(), spec.memlockHard()), mm, new TreeMap<>());
        t.tgid = t.pid();
        tasks.put(t.pid(), t);
        return t;
    }

    /** The inode of the program image {@code /usr/local/bin/NAME}. */
    Inode program(String name) {
        return file("/usr/local/bin/" + name);
    }

    /** The machine's file at an absolute path (fs/namei.c; the same path is the same file). */
    Inode file(String path) {
        return namei.dcache().machineFile(path);
    }

    /** The path walk and open(2) of this machine's files. */
    public org.pinsim.core.fs.Namei namei() {
        return namei;
    }

    /** mm/memfd.c memfd_create -> shmem_file_setup: a tmpfs inode (dev 00:01) named "memfd:NAME". */
    Inode memfd(String name, int mode, int uid) {
        return new Inode(ctx.nextIno() + 1000, "/memfd:" + name + " (deleted)", true, 0x0001, 0, false)
                .own(org.pinsim.core.uapi.Stat.S_IFREG | mode, uid);
    }

    MmContext mmContext() {
        return ctx;
    }

    int newPid() {
        return nextPid++;
    }

    void addTask(Task t) {
        tasks.put(t.pid(), t);
    }

    void removeTask(Task t) {
        tasks.remove(t.pid());
    }

    /** A live task by pid, or null. */
    public Task task(int pid) {
        return tasks.get(pid);
    }

    /** Live tasks in pid order. */
    public List<Task> tasks() {
        return Collections.unmodifiableList(new ArrayList<>(tasks.values()));
    }

    /**
     * {@link #tasks()} without the copy, for readers that run after every call and do not
     * change the task set while they iterate (the invariant checker).
     */
    public java.util.Collection<Task> tasksView() {
        return Collections.unmodifiableCollection(tasks.values());
    }

    /** {@link #users()} without the copy (the invariant checker). */
    public java.util.Collection<org.pinsim.core.gup.UserStruct> usersView() {
        return Collections.unmodifiableCollection(users.values());
    }

    /**
     * Whether any io_uring ring, perf event, uverbs device or vfio container is live: what
     * {@link #rings()}, {@link #perfEvents()}, {@link #uverbsDevices()} and
     * {@link #vfioContainers()} would list, without the copies.
     */
    public boolean hasPinHolders() {
        rings.removeIf(org.pinsim.core.gup.IoRingCtx::freed);
        perfEvents.removeIf(org.pinsim.core.gup.PerfEvent::freed);
        uverbsDevices.removeIf(org.pinsim.core.gup.Uverbs::closed);
        vfioContainers.removeIf(org.pinsim.core.gup.VfioContainer::closed);
        return !rings.isEmpty() || !perfEvents.isEmpty() || !uverbsDevices.isEmpty() || !vfioContainers.isEmpty();
    }

    /** kernel/user.c find_user / alloc_uid: the user_struct of {@code uid}, created on first use. */
    public org.pinsim.core.gup.UserStruct user(int uid) {
        return users.computeIfAbsent(uid, org.pinsim.core.gup.UserStruct::new);
    }

    /** The user_structs that exist, in uid order. */
    public List<org.pinsim.core.gup.UserStruct> users() {
        return new ArrayList<>(users.values());
    }

    /** io_uring rings not yet freed, in creation order. */
    public List<org.pinsim.core.gup.IoRingCtx> rings() {
        rings.removeIf(org.pinsim.core.gup.IoRingCtx::freed);
        return Collections.unmodifiableList(new ArrayList<>(rings));
    }

    void addRing(org.pinsim.core.gup.IoRingCtx r) {
        rings.add(r);
    }

    /** perf events whose file is still referenced (by an fd or a mapping), in creation order. */
    public List<org.pinsim.core.gup.PerfEvent> perfEvents() {
        perfEvents.removeIf(org.pinsim.core.gup.PerfEvent::freed);
        return Collections.unmodifiableList(new ArrayList<>(perfEvents));
    }

    void addPerfEvent(org.pinsim.core.gup.PerfEvent e) {
        perfEvents.add(e);
    }

    /** A new stand-in uverbs device for a process's first RDMA call. */
    org.pinsim.core.gup.Uverbs openUverbs() {
        org.pinsim.core.gup.Uverbs u = rdma.open();
        uverbsDevices.add(u);
        return u;
    }

    /** A new stand-in vfio container for a process's first vfio call. */
    org.pinsim.core.gup.VfioContainer openVfio() {
        org.pinsim.core.gup.VfioContainer v = vfio.open();
        vfioContainers.add(v);
        return v;
    }

    /** The stand-in uverbs devices still open, in creation order. */
    public List<org.pinsim.core.gup.Uverbs> uverbsDevices() {
        uverbsDevices.removeIf(org.pinsim.core.gup.Uverbs::closed);
        return Collections.unmodifiableList(new ArrayList<>(uverbsDevices));
    }

    /** The stand-in vfio containers still open, in creation order. */
    public List<org.pinsim.core.gup.VfioContainer> vfioContainers() {
        vfioContainers.removeIf(org.pinsim.core.gup.VfioContainer::closed);
        return Collections.unmodifiableList(new ArrayList<>(vfioContainers));
    }

    /** The perf rules of this machine (for the invariant checker). */
    public org.pinsim.core.gup.PerfOps perf() {
        return perf;
    }

    /**
     * Every stand-in file: those with a name, in path order, then those only open file
     * descriptors hold (memfds, O_TMPFILE files), by task and descriptor.
     */
    public List<Inode> files() {
        List<Inode> out = namei.dcache().inodes();
        for (Task t : tasks.values()) {
            out.addAll(t.openInodes());
        }
        return out;
    }

    /**
     * Checks every model invariant, recomputed from scratch; throws AssertionError naming the
     * first one broken. Machines up to 4 GiB get the full frame sweep, larger ones the
     * counter checks (-Dpinsim.checks=full|quick|off overrides; see Invariants.checkDefault).
     */
    public void checkInvariants() {
        org.pinsim.core.check.Invariants.checkDefault(this);
    }

    /** The full check whatever the machine size (tests). */
    public void checkInvariantsFull() {
        org.pinsim.core.check.Invariants.check(this);
    }
}
