/*
 * pinsim-exec: runs the statements of a pinsim scenario on the live Linux kernel.
 *
 * A small line interpreter driven by `pinsim verify` (org.pinsim.cli.verify): the Java
 * side parses and resolves the scenario, evaluates every argument against the REAL
 * addresses this program returned, and sends one command per line on stdin; each answer is
 * one line on stdout (a few answers carry a counted block of lines after it).
 *
 * Process model.  This program (the master) only ever acts on its own descendants.  It
 * makes itself a process-group leader and a child subreaper, puts its scenario processes
 * in one process group of their own, and arms alarm(--timeout): on expiry it SIGKILLs
 * that group and its own (itself included).  `quit` kills and reaps every scenario process.  Each scenario process
 * is a fork of the master that applies the scenario's RLIMIT_MEMLOCK, uid and capabilities
 * (setrlimit, PR_CAPBSET_DROP, setresuid with PR_SET_KEEPCAPS, capset; it can only lower
 * what the master has, never raise it), faults in its own image so that it causes no page
 * faults of its own later, and then serves commands on its own socket.  A `fork` statement
 * forks that process; the child takes a spare socket ("slot") created up front.
 *
 * Master commands:
 *   hello                         -> ok pinsim-exec 1 RELEASE MEMLOCK_SOFT MEMLOCK_HARD CAPEFF_HEX ONLINE_CPUS
 *   init NSPAWN NSLOTS            -> ok            (slots 0..NSPAWN-1 for declared processes)
 *   spawn SLOT UID CAPS_HEX SOFT HARD -> ok PID CAPEFF_HEX | err WHAT ERRNO
 *   go                            -> ok            (closes the master's copies of child ends)
 *   to SLOT COMMAND...            -> the scenario process's answer, or `gone`
 *   status PID                    -> ok Name=kB ... maps=N | gone
 *   smaps PID                     -> ok, then a line per VMA: START END RSS_KB LOCKED_KB FLAGS SHARED_KB
 *                                    ANONHUGE_KB, then end
 *   rss PID N A1 L1 ... AN LN     -> ok BYTES     (pagemap present, not the zero page)
 *   pagemap PID                   -> ok, then a line per present page of its VMAs (not the zero page):
 *                                    ADDR PFN (hex), then end
 *   vmstat [drain]                -> ok N, then N lines: NAME VALUE (after a write to
 *                                    /proc/sys/vm/stat_refresh, so nr_* counters are exact;
 *                                    with `drain`, every CPU's LRU and mlock batches are
 *                                    drained first, so nothing earlier processes left queued
 *                                    on some CPU is counted later)
 *   quit                          -> every scenario process killed and reaped, then ok bye
 * Scenario-process commands (after `to SLOT`), answered `r RET ERRNO [OUT...] [; EVENT=DELTA...]`
 * (the vmstat event counters that changed between just before and just after the call):
 *   mmap A L PROT FLAGS FD OFF | munmap A L | mprotect A L PROT | mremap A OL NL FLAGS NA
 *   madvise A L ADV | brk A | mlock A L | mlock2 A L F | munlock A L | mlockall F | munlockall
 *   touch A L W | fork SLOT | exit N | setrlimit RES HAS CUR MAX | getrlimit RES
 *   prlimit64 PID RES HAS CUR MAX | openat DIRFD FLAGS MODE HEXPATH | memfd_create FLAGS HEXNAME
 *   ftruncate FD LEN | close FD | sleep MS (tests only)
 *   move_pages PID COUNT HASNODES FLAGS PAGE... [NODE...]  (answers with the COUNT status entries)
 *   mbind A L MODE MAXNODE FLAGS NWORDS [WORD...]  (the nodemask's words in a zeroed page; NULL if NWORDS < 0)
 *   set_mempolicy MODE MAXNODE NWORDS [WORD...]    (likewise)
 *   io_uring_setup ENTRIES        (zeroed struct io_uring_params; answers r FD 0 SQ_ENTRIES CQ_ENTRIES)
 *   io_uring_register FD OPCODE NR_ARGS NIOV [BASE LEN]...  (arg: NIOV struct iovec, or NULL if NIOV < 0)
 *   perf_event_open HEXATTR PID CPU GROUP_FD FLAGS  (HEXATTR: the struct perf_event_attr bytes, as laid out
 *                                 by the caller; the rest of a 512-byte buffer is zero)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/uio.h>

#define FD_BASE 200          /* our own descriptors live at or above this */
#define MAX_SLOTS 256
#define LINE_MAX_ 65536

static int slot_master[MAX_SLOTS];   /* master's end of each slot socket */
static int slot_child[MAX_SLOTS];    /* the scenario process's end */
static int nslots, nspawn;
static int my_sock = -1;             /* in a scenario process: its socket */
static int my_slot = -1;
static int timeout_s = 20;
static pid_t kids_pgid;             /* the scenario processes' own process group */

static char outbuf[1 << 16];
static size_t outlen;
static char rdbuf[1 << 16];
static char line[LINE_MAX_];

/* ------------------------------------------------------------------ I/O helpers */

static void wall(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(90);
        p += w;
        n -= (size_t)w;
    }
}

static void oflush(int fd) {
    wall(fd, outbuf, outlen);
    outlen = 0;
}

static void oput(int fd, const char *s) {
    size_t n = strlen(s);
    if (outlen + n > sizeof outbuf) oflush(fd);
    if (n > sizeof outbuf) { wall(fd, s, n); return; }
    memcpy(outbuf + outlen, s, n);
    outlen += n;
}

static void oprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void oprintf(int fd, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    oput(fd, tmp);
}

/* Buffered line reader per fd (one reader at a time in each process). */
struct reader { int fd; size_t start, end; char buf[LINE_MAX_]; };
static struct reader rd;

/* Reads one line (without '\n') into `line`; returns 0 at EOF. */
static int readline(int fd) {
    if (rd.fd != fd) { rd.fd = fd; rd.start = rd.end = 0; }
    for (;;) {
        for (size_t i = rd.start; i < rd.end; i++) {
            if (rd.buf[i] == '\n') {
                size_t n = i - rd.start;
                if (n >= sizeof line) n = sizeof line - 1;
                memcpy(line, rd.buf + rd.start, n);
                line[n] = 0;
                rd.start = i + 1;
                return 1;
            }
        }
        if (rd.start > 0) {
            memmove(rd.buf, rd.buf + rd.start, rd.end - rd.start);
            rd.end -= rd.start;
            rd.start = 0;
        }
        if (rd.end == sizeof rd.buf) return 0;
        ssize_t r = read(fd, rd.buf + rd.end, sizeof rd.buf - rd.end);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        rd.end += (size_t)r;
    }
}

/* Reads one line from a socket byte by byte into dst (small answers only). */
static int sock_readline(int fd, char *dst, size_t cap) {
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        if (c == '\n') break;
        if (n + 1 < cap) dst[n++] = c;
    }
    dst[n] = 0;
    return 1;
}

static int split(char *s, char **tok, int max) {
    int n = 0;
    while (*s && n < max) {
        while (*s == ' ') s++;
        if (!*s) break;
        tok[n++] = s;
        while (*s && *s != ' ') s++;
        if (*s) *s++ = 0;
    }
    return n;
}

static long num(const char *s) {
    if (!s) return 0;
    if (s[0] == '-') return strtoll(s, NULL, 0);
    return (long)strtoull(s, NULL, 0);
}

static int unhex(const char *s, char *dst, size_t cap) {
    size_t n = 0;
    if (strcmp(s, "-") == 0) { dst[0] = 0; return 1; }
    for (; s[0] && s[1] && n + 1 < cap; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) return 0;
        dst[n++] = (char)v;
    }
    dst[n] = 0;
    return 1;
}

static size_t slurp(const char *path, char *dst, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return (size_t)-1;
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, dst + n, cap - 1 - n)) > 0) n += (size_t)r;
    close(fd);
    dst[n] = 0;
    return n;
}

/* ------------------------------------------------------------------ quiet start */

static char mapsbuf[1 << 15];

__attribute__((noinline)) static void stackgrow(void) {
    volatile char big[256 * 1024];
    for (size_t i = 0; i < sizeof big; i += 4096) big[i] = 0;
}

/* The image: what was mapped at the first prefault (the only ranges prefault ever touches,
 * so that a later prefault, after a fork, leaves the scenario's own mappings alone). */
#define IMG_MAX 128
static unsigned long img_s[IMG_MAX], img_e[IMG_MAX];
static int nimg = -1;

/* Faults in the process's own image (every readable page read, every private writable
 * page rewritten, 256 KiB of stack), so that serving commands causes no page faults. */
static void prefault(void) {
    stackgrow();
    if (slurp("/proc/self/maps", mapsbuf, sizeof mapsbuf) == (size_t)-1) return;
    int first = nimg < 0;
    if (first) nimg = 0;
    for (char *p = mapsbuf; p && *p;) {
        unsigned long s, e;
        char perms[8];
        char *nl = strchr(p, '\n');
        if (sscanf(p, "%lx-%lx %7s", &s, &e, perms) == 3 && perms[0] == 'r' && s < 0xffffffff0000UL) {
            int special = nl && (memmem(p, (size_t)(nl - p), "[vvar", 5) || memmem(p, (size_t)(nl - p), "[vdso", 5)
                                 || memmem(p, (size_t)(nl - p), "[vsys", 5));
            if (!special && first && nimg < IMG_MAX) {
                img_s[nimg] = s;
                img_e[nimg++] = e;
            }
            for (int k = 0; !special && k < nimg; k++) {
                unsigned long a0 = s > img_s[k] ? s : img_s[k], a1 = e < img_e[k] ? e : img_e[k];
                for (unsigned long a = a0; a < a1; a += 4096) {
                    volatile char *q = (volatile char *)a;
                    char c = *q;
                    if (perms[1] == 'w' && perms[3] == 'p') *q = c;
                }
            }
        }
        p = nl ? nl + 1 : NULL;
    }
}

/* ------------------------------------------------------------------ scenario process */

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touching;

static void on_fault(int sig) {
    (void)sig;
    if (touching) siglongjmp(touch_jmp, 1);
    _exit(97);
}

static char pathbuf[8192];

/*
 * vmstat windows: the event counters (every /proc/vmstat line not starting with nr_) are read
 * by the scenario process itself right before and right after each call, and the answer
 * carries the differences.  Summed, they are the events the scenario's calls caused, without
 * what the rest of the machine (the JVM driving us, say) did between two statements.
 */
#define VM_MAX 320
static char vbuf[1 << 15];
static char vnames[VM_MAX][48];
static long vbefore[VM_MAX], vafter[VM_MAX];
static int vcount;

static int vm_read(long *vals) {
    int fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    size_t n = 0;
    ssize_t r;
    while (n + 1 < sizeof vbuf && (r = read(fd, vbuf + n, sizeof vbuf - 1 - n)) > 0) n += (size_t)r;
    close(fd);
    vbuf[n] = 0;
    int i = 0;
    for (char *p = vbuf; *p && i < VM_MAX;) {
        char *sp = strchr(p, ' ');
        char *nl = strchr(p, '\n');
        if (!sp || !nl) break;
        if (vcount == 0 || i >= vcount) {
            size_t l = (size_t)(sp - p);
            if (l >= sizeof vnames[0]) l = sizeof vnames[0] - 1;
            memcpy(vnames[i], p, l);
            vnames[i][l] = 0;
        }
        vals[i++] = strtol(sp + 1, NULL, 10);
        p = nl + 1;
    }
    if (i > vcount) vcount = i;
    return i;
}

static void vm_begin(void) { vm_read(vbefore); }

static char replybuf[1 << 14];

/* Ends the window and sends the answer: "r RET ERRNO [OUT...] [; name=delta ...]". */
static void reply_full(long r, int e, int nout, unsigned long o1, unsigned long o2) {
    int n = vm_read(vafter);
    size_t len = (size_t)snprintf(replybuf, sizeof replybuf, "r %ld %d", r, r == -1 ? e : 0);
    if (nout) len += (size_t)snprintf(replybuf + len, sizeof replybuf - len, " %lu %lu", o1, o2);
    int sep = 0;
    for (int i = 0; i < n && len + 80 < sizeof replybuf; i++) {
        if (!strncmp(vnames[i], "nr_", 3) || vafter[i] == vbefore[i]) continue;
        if (!sep) { len += (size_t)snprintf(replybuf + len, sizeof replybuf - len, " ;"); sep = 1; }
        len += (size_t)snprintf(replybuf + len, sizeof replybuf - len, " %s=%ld", vnames[i], vafter[i] - vbefore[i]);
    }
    replybuf[len++] = '\n';
    wall(my_sock, replybuf, len);
}

static void reply(long r, int e) { reply_full(r, e, 0, 0, 0); }

/* As reply_full, with N ints written back (move_pages' status), each as an unsigned long. */
static void reply_ints(long r, int e, int n, const int *v) {
    int nv = vm_read(vafter);
    size_t len = (size_t)snprintf(replybuf, sizeof replybuf, "r %ld %d", r, r == -1 ? e : 0);
    for (int i = 0; i < n && len + 40 < sizeof replybuf; i++)
        len += (size_t)snprintf(replybuf + len, sizeof replybuf - len, " %lu", (unsigned long)(long)v[i]);
    int sep = 0;
    for (int i = 0; i < nv && len + 80 < sizeof replybuf; i++) {
        if (!strncmp(vnames[i], "nr_", 3) || vafter[i] == vbefore[i]) continue;
        if (!sep) { len += (size_t)snprintf(replybuf + len, sizeof replybuf - len, " ;"); sep = 1; }
        len += (size_t)snprintf(replybuf + len, sizeof replybuf - len, " %s=%ld", vnames[i], vafter[i] - vbefore[i]);
    }
    replybuf[len++] = '\n';
    wall(my_sock, replybuf, len);
}

#define MP_MAX 256
#define IOV_MAX_ 250
static struct iovec iovs[IOV_MAX_];
static unsigned char attrbuf[512];
/* The io_uring_setup output fields we report (struct io_uring_params: sq_entries, cq_entries first). */
struct uring_params_head { uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
                           uint64_t rest[10]; };
static unsigned long mp_pages[MP_MAX];
/* a nodemask: a whole zeroed page, so that get_nodes reads zeros past the words given, up to its
 * largest maxnode (PAGE_SIZE * BITS_PER_BYTE bits) */
static unsigned long nodemask_page[4096 / sizeof(unsigned long)] __attribute__((aligned(4096)));
static int mp_nodes[MP_MAX], mp_status[MP_MAX];

static void reply_out(long r, int e, unsigned long cur, unsigned long max) { reply_full(r, e, 1, cur, max); }

static void serve(void);
static int child_fresh;

static void become(int slot) {
    my_slot = slot;
    my_sock = slot_child[slot];
}

static void do_command(char **t, int n) {
    const char *c = t[0];
    long r;
    int e;
    vm_begin();
#define A(i) num((i) < n ? t[i] : NULL)
#define SYS(...) do { errno = 0; r = syscall(__VA_ARGS__); e = errno; reply(r, e); } while (0)
    if (!strcmp(c, "mmap")) SYS(SYS_mmap, A(1), A(2), A(3), A(4), A(5), A(6));
    else if (!strcmp(c, "munmap")) SYS(SYS_munmap, A(1), A(2));
    else if (!strcmp(c, "mprotect")) SYS(SYS_mprotect, A(1), A(2), A(3));
    else if (!strcmp(c, "mremap")) SYS(SYS_mremap, A(1), A(2), A(3), A(4), A(5));
    else if (!strcmp(c, "madvise")) SYS(SYS_madvise, A(1), A(2), A(3));
    else if (!strcmp(c, "brk")) SYS(SYS_brk, A(1));
    else if (!strcmp(c, "mlock")) SYS(SYS_mlock, A(1), A(2));
    else if (!strcmp(c, "mlock2")) SYS(SYS_mlock2, A(1), A(2), A(3));
    else if (!strcmp(c, "munlock")) SYS(SYS_munlock, A(1), A(2));
    else if (!strcmp(c, "mlockall")) SYS(SYS_mlockall, A(1));
    else if (!strcmp(c, "munlockall")) SYS(SYS_munlockall);
    else if (!strcmp(c, "ftruncate")) SYS(SYS_ftruncate, A(1), A(2));
    else if (!strcmp(c, "close")) {
        if (A(1) >= FD_BASE) reply(-1, EBADF); /* never let a scenario close our sockets */
        else SYS(SYS_close, A(1));
    } else if (!strcmp(c, "openat")) {
        if (n < 5 || !unhex(t[4], pathbuf, sizeof pathbuf)) { reply(-1, EINVAL); return; }
        SYS(SYS_openat, A(1), (long)pathbuf, A(2), A(3));
    } else if (!strcmp(c, "memfd_create")) {
        if (n < 3 || !unhex(t[2], pathbuf, sizeof pathbuf)) { reply(-1, EINVAL); return; }
        SYS(SYS_memfd_create, (long)pathbuf, A(1));
    } else if (!strcmp(c, "setrlimit")) {
        struct rlimit rl = { (rlim_t)A(3), (rlim_t)A(4) };
        SYS(SYS_setrlimit, A(1), A(2) ? (long)&rl : 0L);
    } else if (!strcmp(c, "getrlimit")) {
        struct rlimit rl = { 0, 0 };
        errno = 0;
        r = syscall(SYS_getrlimit, A(1), (long)&rl);
        e = errno;
        reply_out(r, e, rl.rlim_cur, rl.rlim_max);
    } else if (!strcmp(c, "prlimit64")) {
        struct rlimit nl = { (rlim_t)A(4), (rlim_t)A(5) }, old = { 0, 0 };
        errno = 0;
        r = syscall(SYS_prlimit64, A(1), A(2), A(3) ? (long)&nl : 0L, (long)&old);
        e = errno;
        reply_out(r, e, old.rlim_cur, old.rlim_max);
    } else if (!strcmp(c, "move_pages")) {
        /* move_pages PID COUNT HASNODES FLAGS PAGE... [NODE...]: status starts zeroed */
        long cnt = A(2);
        int has = A(3) != 0;
        if (cnt < 0 || cnt > MP_MAX || n < 5 + cnt * (has ? 2 : 1)) { reply(-1, EINVAL); return; }
        for (long i = 0; i < cnt; i++) {
            mp_pages[i] = (unsigned long)A(5 + i);
            mp_nodes[i] = has ? (int)A(5 + cnt + i) : 0;
            mp_status[i] = 0;
        }
        errno = 0;
        r = syscall(SYS_move_pages, A(1), cnt, (long)mp_pages, has ? (long)mp_nodes : 0L, (long)mp_status, A(4));
        e = errno;
        reply_ints(r, e, (int)cnt, mp_status);
    } else if (!strcmp(c, "mbind") || !strcmp(c, "set_mempolicy")) {
        int mb = !strcmp(c, "mbind");
        int wi = mb ? 6 : 3; /* index of NWORDS */
        long nw = A(wi);
        if (nw > (long)(sizeof nodemask_page / sizeof nodemask_page[0]) || n < wi + 1 + (nw > 0 ? nw : 0)) { reply(-1, EINVAL); return; }
        memset(nodemask_page, 0, sizeof nodemask_page);
        for (long i = 0; i < nw; i++) nodemask_page[i] = (unsigned long)A(wi + 1 + i);
        long nm = nw < 0 ? 0L : (long)nodemask_page;
        if (mb) SYS(SYS_mbind, A(1), A(2), A(3), nm, A(4), A(5));
        else SYS(SYS_set_mempolicy, A(1), nm, A(2));
    } else if (!strcmp(c, "io_uring_setup")) {
        /* raw SYS_io_uring_setup with zeroed params, as the probes call it (no liburing, no ring mmap) */
        struct uring_params_head p;
        memset(&p, 0, sizeof p);
        errno = 0;
        r = syscall(SYS_io_uring_setup, A(1), (long)&p);
        e = errno;
        reply_out(r, e, p.sq_entries, p.cq_entries);
    } else if (!strcmp(c, "io_uring_register")) {
        long niov = A(4);
        if (niov > IOV_MAX_ || n < 5 + 2 * (niov > 0 ? niov : 0)) { reply(-1, EINVAL); return; }
        for (long i = 0; i < niov; i++) {
            iovs[i].iov_base = (void *)A(5 + 2 * i);
            iovs[i].iov_len = (size_t)A(6 + 2 * i);
        }
        SYS(SYS_io_uring_register, A(1), A(2), niov < 0 ? 0L : (long)iovs, A(3));
    } else if (!strcmp(c, "perf_event_open")) {
        memset(attrbuf, 0, sizeof attrbuf);
        if (n < 6 || strlen(t[1]) > 2 * sizeof attrbuf) { reply(-1, EINVAL); return; }
        for (size_t i = 0; t[1][2 * i] && t[1][2 * i + 1]; i++) {
            unsigned v;
            if (sscanf(t[1] + 2 * i, "%2x", &v) != 1) { reply(-1, EINVAL); return; }
            attrbuf[i] = (unsigned char)v;
        }
        SYS(SYS_perf_event_open, (long)attrbuf, A(2), A(3), A(4), A(5));
    } else if (!strcmp(c, "touch")) {
        unsigned long start = (unsigned long)A(1) & ~4095UL;
        unsigned long end = ((unsigned long)A(1) + (unsigned long)A(2) + 4095UL) & ~4095UL;
        int wr = A(3) != 0;
        volatile unsigned long a = start;
        if (sigsetjmp(touch_jmp, 1)) {
            touching = 0;
            reply(-1, EFAULT);
            return;
        }
        touching = 1;
        for (; a < end; a += 4096) {
            volatile char *p = (volatile char *)a;
            if (wr) *p = 1; else (void)*p;
        }
        touching = 0;
        reply(0, 0);
    } else if (!strcmp(c, "fork")) {
        int slot = (int)A(1);
        if (slot < nspawn || slot >= nslots || slot_child[slot] < 0) { reply(-1, EINVAL); return; }
        errno = 0;
        pid_t pid = fork();
        e = errno;
        if (pid == 0) {
            /* the child: serves its own slot from now on; it breaks copy-on-write of its
             * whole image first (when it gets its first command, while everything else is
             * idle), so that its own writes fault nothing inside a later window */
            close(my_sock);
            slot_child[my_slot] = -1;
            become(slot);
            child_fresh = 1;
            serve();
            _exit(0);
        }
        if (pid > 0) { close(slot_child[slot]); slot_child[slot] = -1; }
        reply(pid, e);
        prefault(); /* the parent likewise, after the window */
        return;
    } else if (!strcmp(c, "exit")) {
        reply(0, 0);
        _exit((int)A(1));
    } else if (!strcmp(c, "sleep")) {
        struct timespec ts = { A(1) / 1000, (A(1) % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) && errno == EINTR) {}
        reply(0, 0);
    } else {
        reply(-1, ENOSYS);
    }
#undef A
#undef SYS
}

static char cmdline[LINE_MAX_];

static void serve(void) {
    for (;;) {
        if (!sock_readline(my_sock, cmdline, sizeof cmdline)) _exit(0); /* master gone */
        if (child_fresh) { child_fresh = 0; prefault(); }
        /* static: a 4 KiB array on the stack would grow the stack after the first statement */
        static char *t[8 + 2 * MP_MAX];
        int n = split(cmdline, t, (int)(sizeof t / sizeof t[0]));
        if (n == 0) { reply(-1, EINVAL); continue; }
        do_command(t, n);
    }
}

static unsigned long long capeff(void) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capget, &h, d)) return ~0ULL;
    return (unsigned long long)d[0].effective | ((unsigned long long)d[1].effective << 32);
}

/* Applies the scenario's credentials; returns 0 or an errno with *what set. */
static int apply_creds(long uid, unsigned long long caps, long soft, long hard, const char **what) {
    struct rlimit rl = { (rlim_t)soft, (rlim_t)hard };
    if (setrlimit(RLIMIT_MEMLOCK, &rl)) { *what = "setrlimit"; return errno; }
    unsigned long long have = capeff();
    caps &= have;
    for (int cap = 0; cap <= 63; cap++) {
        if (!(caps & (1ULL << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) {
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) { *what = "PR_CAPBSET_DROP"; return errno; }
        }
    }
    if (uid != 0) {
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) { *what = "PR_SET_KEEPCAPS"; return errno; }
        if (setgroups(0, NULL)) { *what = "setgroups"; return errno; }
        if (setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid)) { *what = "setresgid"; return errno; }
        if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid)) { *what = "setresuid"; return errno; }
    }
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    d[0].effective = d[0].permitted = (uint32_t)caps;
    d[1].effective = d[1].permitted = (uint32_t)(caps >> 32);
    if (syscall(SYS_capset, &h, d)) { *what = "capset"; return errno; }
    if (uid != 0) prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return 0;
}

static void child_main(int slot, long uid, unsigned long long caps, long soft, long hard) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    umask(022); /* pinsim's processes create files with the umask 022 (fs/namei.c: Namei.UMASK) */
    /* all scenario processes share one process group, apart from the master's */
    setpgid(0, kids_pgid ? kids_pgid : 0);
    for (int i = 0; i < nslots; i++) {
        if (slot_master[i] >= 0) close(slot_master[i]);
        slot_master[i] = -1;
        if (i < nspawn && i != slot && slot_child[i] >= 0) { close(slot_child[i]); slot_child[i] = -1; }
    }
    become(slot);
    int dn = open("/dev/null", O_RDWR);
    if (dn >= 0) { dup2(dn, 0); dup2(dn, 1); if (dn > 2) close(dn); }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    signal(SIGALRM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    alarm(0);
    const char *what = "";
    int err = apply_creds(uid, caps, soft, hard, &what);
    char tmp[160];
    if (err) {
        snprintf(tmp, sizeof tmp, "err %s %d\n", what, err);
        wall(my_sock, tmp, strlen(tmp));
        _exit(1);
    }
    prefault();
    vm_read(vbefore); /* learn the names, warm the code path */
    vm_read(vafter);
    snprintf(tmp, sizeof tmp, "ok %d %llx\n", (int)getpid(), capeff());
    wall(my_sock, tmp, strlen(tmp));
    serve();
}

/* ------------------------------------------------------------------ master: /proc readers */

static char procbuf[1 << 16];

static int is_gone(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (slurp(path, procbuf, sizeof procbuf) == (size_t)-1) return 1;
    char *s = strstr(procbuf, "\nState:");
    if (s && strchr(s + 7, 'Z') && strchr(s + 7, 'Z') < strchr(s + 7, '\n')) return 1;
    return strstr(procbuf, "\nVmSize:") == NULL;
}

static void cmd_status(int pid) {
    if (is_gone(pid)) { oput(1, "gone\n"); return; }
    oput(1, "ok");
    for (char *p = procbuf; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        char name[64];
        long v;
        char unit[8];
        if (sscanf(p, "%63[^:]: %ld %7s", name, &v, unit) == 3 && !strcmp(unit, "kB")) oprintf(1, " %s=%ld", name, v);
        p = nl ? nl + 1 : NULL;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long lines = 0;
    if (fd >= 0) {
        ssize_t r;
        while ((r = read(fd, rdbuf, sizeof rdbuf)) > 0)
            for (ssize_t i = 0; i < r; i++) lines += rdbuf[i] == '\n';
        close(fd);
    }
    oprintf(1, " maps=%ld\n", lines);
}

struct vma { unsigned long s, e; long rss, locked, shared, anonhuge, lazyfree; char flags[128]; };
static struct vma cur;
static int have_cur;

static void put_vma(void) {
    if (have_cur) oprintf(1, "%lx %lx %ld %ld %s %ld %ld %ld\n", cur.s, cur.e, cur.rss, cur.locked, cur.flags, cur.shared,
                          cur.anonhuge, cur.lazyfree);
    have_cur = 0;
}

static void cmd_smaps(int pid) {
    if (is_gone(pid)) { oput(1, "gone\n"); return; }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { oput(1, "gone\n"); return; }
    size_t have = 0;
    have_cur = 0;
    oput(1, "ok\n");
    for (;;) {
        ssize_t r = read(fd, rdbuf + have, sizeof rdbuf - 1 - have);
        if (r <= 0) break;
        have += (size_t)r;
        rdbuf[have] = 0;
        char *p = rdbuf, *nl;
        while ((nl = strchr(p, '\n'))) {
            *nl = 0;
            unsigned long s, e;
            long v;
            char k[64];
            char *dash = strchr(p, '-'), *sp = strchr(p, ' ');
            if (dash && sp && dash < sp && sscanf(p, "%lx-%lx ", &s, &e) == 2) {
                put_vma();
                have_cur = 1;
                cur.s = s;
                cur.e = e;
                cur.rss = cur.locked = cur.shared = cur.anonhuge = cur.lazyfree = 0;
                strcpy(cur.flags, "-");
            } else if (have_cur && !strncmp(p, "VmFlags:", 8)) {
                char *f = p + 8, *o = cur.flags;
                size_t m = 0;
                while (*f == ' ') f++;
                for (; *f && m + 1 < sizeof cur.flags; f++) {
                    if (*f == ' ') { if (m && o[m - 1] != ',') o[m++] = ','; }
                    else o[m++] = *f;
                }
                while (m && o[m - 1] == ',') m--;
                o[m] = 0;
                if (!m) strcpy(o, "-");
            } else if (have_cur && sscanf(p, "%63[^:]: %ld", k, &v) == 2) {
                if (!strcmp(k, "Rss")) cur.rss = v;
                else if (!strcmp(k, "Locked")) cur.locked = v;
                else if (!strcmp(k, "Shared_Clean") || !strcmp(k, "Shared_Dirty")) cur.shared += v;
                else if (!strcmp(k, "AnonHugePages")) cur.anonhuge = v;
                else if (!strcmp(k, "LazyFree")) cur.lazyfree = v;
            }
            p = nl + 1;
        }
        have = strlen(p);
        memmove(rdbuf, p, have);
    }
    close(fd);
    put_vma();
    oput(1, "end\n");
}

static uint64_t pm[4096];

static void cmd_rss(int pid, char **t, int n) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || kf < 0) {
        if (fd >= 0) close(fd);
        if (kf >= 0) close(kf);
        oput(1, "gone\n");
        return;
    }
    long bytes = 0;
    int nr = (int)num(t[2]);
    for (int i = 0; i < nr && 4 + 2 * i < n + 1; i++) {
        unsigned long a = (unsigned long)num(t[3 + 2 * i]), l = (unsigned long)num(t[4 + 2 * i]);
        unsigned long s = a & ~4095UL, e = (a + l + 4095UL) & ~4095UL;
        for (unsigned long p = s; p < e;) {
            size_t cnt = (e - p) / 4096;
            if (cnt > 4096) cnt = 4096;
            ssize_t r = pread(fd, pm, cnt * 8, (off_t)(p / 4096 * 8));
            if (r <= 0) break;
            size_t got = (size_t)r / 8;
            for (size_t j = 0; j < got; j++) {
                if (!(pm[j] >> 63)) continue;
                uint64_t pfn = pm[j] & ((1ULL << 55) - 1), fl = 0;
                if (pfn && pread(kf, &fl, 8, (off_t)(pfn * 8)) == 8 && ((fl >> 24) & 1)) continue; /* KPF_ZERO_PAGE */
                bytes += 4096;
            }
            p += got * 4096;
        }
    }
    close(fd);
    close(kf);
    oprintf(1, "ok %ld\n", bytes);
}

static void cmd_pagemap(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    if (slurp(path, procbuf, sizeof procbuf) == (size_t)-1) { oput(1, "gone\n"); return; }
    snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || kf < 0) {
        if (fd >= 0) close(fd);
        if (kf >= 0) close(kf);
        oput(1, "gone\n");
        return;
    }
    oput(1, "ok\n");
    for (char *p = procbuf; p && *p;) {
        unsigned long s, e;
        char *nl = strchr(p, '\n');
        if (sscanf(p, "%lx-%lx", &s, &e) == 2 && s < 0xffffffff0000UL) {
            for (unsigned long a = s; a < e;) {
                size_t cnt = (e - a) / 4096;
                if (cnt > 4096) cnt = 4096;
                ssize_t r = pread(fd, pm, cnt * 8, (off_t)(a / 4096 * 8));
                if (r <= 0) break;
                size_t got = (size_t)r / 8;
                for (size_t j = 0; j < got; j++) {
                    if (!(pm[j] >> 63)) continue;
                    uint64_t pfn = pm[j] & ((1ULL << 55) - 1), fl = 0;
                    if (pfn && pread(kf, &fl, 8, (off_t)(pfn * 8)) == 8 && ((fl >> 24) & 1)) continue; /* KPF_ZERO_PAGE */
                    oprintf(1, "%lx %llx\n", a + j * 4096, (unsigned long long)pfn);
                }
                a += got * 4096;
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    close(fd);
    close(kf);
    oput(1, "end\n");
}

static char drain_page[4096] __attribute__((aligned(4096)));

static void cmd_vmstat(int drain) {
    if (drain) {
        /* mm/migrate.c: kernel_move_pages -> do_pages_move calls lru_cache_disable(), i.e.
         * __lru_add_drain_all(), which drains the LRU and mlock folio batches of every CPU
         * (an exited process's munlocked pages stay counted in nr_mlock while they sit in the
         * batch of the CPU it ran on) */
        void *pages[1] = {drain_page};
        int nodes[1] = {0}, status[1] = {0};
        drain_page[0] = 1;
        (void)syscall(SYS_move_pages, 0, 1UL, pages, nodes, status, 0);
    }
    /* fold the per-cpu differentials first, so that nr_* state counters are exact */
    int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, "1\n", 2);
        close(fd);
    }
    if (slurp("/proc/vmstat", procbuf, sizeof procbuf) == (size_t)-1) { oput(1, "gone\n"); return; }
    int lines = 0;
    for (char *p = procbuf; *p; p++) lines += *p == '\n';
    oprintf(1, "ok %d\n", lines);
    oput(1, procbuf);
}

/* ------------------------------------------------------------------ master */

static void on_alarm(int sig) {
    (void)sig;
    static const char m[] = "pinsim-exec: timeout, killing the process group\n";
    (void)!write(2, m, sizeof m - 1);
    if (kids_pgid) kill(-kids_pgid, SIGKILL);
    kill(0, SIGKILL);
    _exit(124);
}

/* Kills every scenario process and reaps them all (orphans come back to us, the subreaper),
 * so that their address spaces are torn down before we answer. */
static void reap_all(void) {
    if (kids_pgid) kill(-kids_pgid, SIGKILL);
    alarm(10);
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR) {}
}

static int high_fd(int fd) {
    int h = fcntl(fd, F_DUPFD_CLOEXEC, FD_BASE);
    if (h < 0) return fd;
    close(fd);
    return h;
}

static char answer[LINE_MAX_];

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout_s = atoi(argv[++i]);
    }
    /* No address randomisation, as the probes ran (setarch -R): re-exec once. */
    int pers = personality(0xffffffff);
    if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE) && !getenv("PINSIM_EXEC_NORAND")) {
        if (personality((unsigned long)pers | ADDR_NO_RANDOMIZE) != -1) {
            setenv("PINSIM_EXEC_NORAND", "1", 1);
            execv("/proc/self/exe", argv);
        }
    }
    setpgid(0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    if (timeout_s > 0) alarm((unsigned)timeout_s);
    for (int i = 0; i < MAX_SLOTS; i++) slot_master[i] = slot_child[i] = -1;
    prefault();
    char *t[4 + 2 * 4096];
    while (readline(0)) {
        int n = split(line, t, (int)(sizeof t / sizeof t[0]));
        if (n == 0) continue;
        const char *c = t[0];
        if (!strcmp(c, "hello")) {
            struct utsname u;
            struct rlimit rl;
            uname(&u);
            getrlimit(RLIMIT_MEMLOCK, &rl);
            oprintf(1, "ok pinsim-exec 1 %s %ld %ld %llx %ld\n", u.release, (long)rl.rlim_cur, (long)rl.rlim_max, capeff(),
                    sysconf(_SC_NPROCESSORS_ONLN));
        } else if (!strcmp(c, "init") && n >= 3) {
            nspawn = (int)num(t[1]);
            nslots = (int)num(t[2]);
            if (nslots > MAX_SLOTS || nspawn > nslots) { oput(1, "err too-many-slots 22\n"); }
            else {
                int ok = 1;
                for (int i = 0; i < nslots; i++) {
                    int sv[2];
                    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) { ok = 0; break; }
                    slot_master[i] = high_fd(sv[0]);
                    slot_child[i] = high_fd(sv[1]);
                }
                if (!ok) oput(1, "err socketpair 24\n");
                else oput(1, "ok\n");
            }
        } else if (!strcmp(c, "spawn") && n >= 6) {
            int slot = (int)num(t[1]);
            if (slot < 0 || slot >= nspawn) { oput(1, "err slot 22\n"); }
            else {
                oflush(1);
                pid_t pid = fork();
                if (pid == 0) child_main(slot, num(t[2]), strtoull(t[3], NULL, 16), num(t[4]), num(t[5]));
                if (pid > 0) {
                    setpgid(pid, kids_pgid ? kids_pgid : pid); /* also here: no race with the child */
                    if (!kids_pgid) kids_pgid = pid;
                }
                if (pid < 0) oprintf(1, "err fork %d\n", errno);
                else if (!sock_readline(slot_master[slot], answer, sizeof answer)) oput(1, "err child-died 0\n");
                else { oput(1, answer); oput(1, "\n"); }
            }
        } else if (!strcmp(c, "go")) {
            for (int i = 0; i < nslots; i++) {
                if (slot_child[i] >= 0) close(slot_child[i]);
                slot_child[i] = -1;
            }
            oput(1, "ok\n");
        } else if (!strcmp(c, "to") && n >= 3) {
            int slot = (int)num(t[1]);
            if (slot < 0 || slot >= nslots || slot_master[slot] < 0) { oput(1, "gone\n"); }
            else {
                /* re-join the tokens after the slot */
                char *cmd = t[2];
                for (int i = 3; i < n; i++) t[i][-1] = ' ';
                size_t len = strlen(cmd);
                cmd[len] = '\n';
                ssize_t w;
                do { w = write(slot_master[slot], cmd, len + 1); } while (w < 0 && errno == EINTR);
                cmd[len] = 0;
                if (w != (ssize_t)len + 1 || !sock_readline(slot_master[slot], answer, sizeof answer)) oput(1, "gone\n");
                else { oput(1, answer); oput(1, "\n"); }
            }
        } else if (!strcmp(c, "status") && n >= 2) {
            cmd_status((int)num(t[1]));
        } else if (!strcmp(c, "smaps") && n >= 2) {
            cmd_smaps((int)num(t[1]));
        } else if (!strcmp(c, "pagemap") && n >= 2) {
            cmd_pagemap((int)num(t[1]));
        } else if (!strcmp(c, "rss") && n >= 3) {
            cmd_rss((int)num(t[1]), t, n);
        } else if (!strcmp(c, "vmstat")) {
            cmd_vmstat(n >= 2 && !strcmp(t[1], "drain"));
        } else if (!strcmp(c, "quit")) {
            reap_all();
            oput(1, "ok bye\n");
            oflush(1);
            _exit(0);
        } else {
            oprintf(1, "err unknown-command 22\n");
        }
        oflush(1);
    }
    reap_all();
    return 0;
}
