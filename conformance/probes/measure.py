#!/usr/bin/env python3
"""Measure pinsim scenario templates on the live Linux kernel.

usage: python3 conformance/probes/measure.py [--runs N] [--keep] [TEMPLATE.pin ...]

Without TEMPLATE arguments every conformance/probes/templates/*.pin is measured
and written to conformance/src/test/resources/corpus/<same name>.pin.

Each template is transpiled into one C program (raw syscalls through
syscall(2)), compiled with `gcc -O2 -static`, and run under the credentials
and RLIMIT_MEMLOCK of its `process` directive, inside `setarch -R` (no ASLR).
This script is the supervisor: it runs as root with full capabilities and
computes every `check` from /proc while the probe is stopped at that check.
See README.md for the exact definitions.  Must run as root.
"""
import errno as errno_mod
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TEMPLATES = os.path.join(HERE, 'templates')
CORPUS = os.path.join(REPO, 'conformance', 'src', 'test', 'resources', 'corpus')
PAGE = 4096
PROBE_FILE = '/tmp/pinsim-probe-file'

UNITS = {'KiB': 1 << 10, 'MiB': 1 << 20, 'GiB': 1 << 30, 'TiB': 1 << 40,
         'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}
TOKEN_RE = re.compile(r'\s*(?:(?P<str>"[^"]*")|(?P<num>0[xX][0-9a-fA-F]+|\d+(?:KiB|MiB|GiB|TiB|K|M|G|T)?(?![A-Za-z_0-9]))'
                      r'|(?P<id>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>[-+|*&()~<>]+|,))')

SYSCALLS = {'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'brk', 'mlock', 'mlock2',
            'munlock', 'mlockall', 'munlockall', 'setrlimit', 'getrlimit', 'prlimit64',
            'openat', 'open', 'ftruncate', 'close', 'memfd_create', 'move_pages', 'mbind', 'set_mempolicy',
            'io_uring_setup', 'io_uring_register', 'perf_event_open'}
ADDR_CALLS = {'mmap', 'mremap', 'brk'}


class TemplateError(Exception):
    pass


# ---------------------------------------------------------------- parsing

def split_top(s, sep=','):
    out, depth, cur, instr = [], 0, '', False
    for ch in s:
        if ch == '"':
            instr = not instr
        if not instr:
            if ch in '({[':
                depth += 1
            elif ch in ')}]':
                depth -= 1
            elif ch == sep and depth == 0:
                out.append(cur.strip())
                cur = ''
                continue
        cur += ch
    if cur.strip() or out:
        out.append(cur.strip())
    return out


def strip_comment(line):
    instr = False
    for i, ch in enumerate(line):
        if ch == '"':
            instr = not instr
        elif ch == '#' and not instr:
            return line[:i].rstrip(), line[i:]
    return line.rstrip(), ''


def num_value(tok):
    m = re.fullmatch(r'(\d+)(KiB|MiB|GiB|TiB|K|M|G|T)', tok)
    if m:
        return int(m.group(1)) * UNITS[m.group(2)]
    if tok.lower().startswith('0x'):
        return int(tok, 16)
    if len(tok) > 1 and tok.startswith('0'):
        return int(tok, 8)
    return int(tok)


def tokens(expr):
    pos, out = 0, []
    expr = expr.strip()
    while pos < len(expr):
        m = TOKEN_RE.match(expr, pos)
        if not m or m.end() == pos:
            raise TemplateError('cannot tokenise %r at %r' % (expr, expr[pos:]))
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def parse_duration_ns(text):
    """advance's argument: a number with a unit (ns, us, ms, s), in nanoseconds."""
    m = re.fullmatch(r'\s*(\d+)(ns|us|ms|s)\s*', text)
    if not m:
        raise TemplateError('expected a duration like 10ms, found %r' % text)
    return int(m.group(1)) * {'ns': 1, 'us': 1000, 'ms': 1000000, 's': 1000000000}[m.group(2)]


def c_expr(expr, names):
    parts = []
    for kind, tok in tokens(expr):
        if kind == 'num':
            if len(tok) > 1 and tok.startswith('0') and not tok.lower().startswith('0x'):
                parts.append('%sUL' % tok)
            else:
                parts.append('%dUL' % num_value(tok))
        elif kind == 'id':
            if tok in names:
                parts.append('V[%d]' % names[tok])
            elif tok == 'NULL':
                parts.append('0UL')
            elif tok == 'unlimited':
                parts.append('RLIM_INFINITY')
            else:
                parts.append(tok)
        else:
            parts.append(tok)
    return '(long)(' + ' '.join(parts) + ')'


def py_eval(expr, values):
    parts = []
    for kind, tok in tokens(expr):
        if kind == 'num':
            parts.append(str(num_value(tok)))
        elif kind == 'id':
            if tok == 'NULL':
                parts.append('0')
            elif tok in values:
                parts.append(str(values[tok]))
            else:
                raise TemplateError('unknown name %r in %r' % (tok, expr))
        else:
            parts.append(tok)
    return eval(' '.join(parts), {}, {}) & ((1 << 64) - 1)


def parse_struct(s):
    s = s.strip()
    if not (s.startswith('{') and s.endswith('}')):
        raise TemplateError('expected a struct: %r' % s)
    fields = {}
    for part in split_top(s[1:-1]):
        k, _, v = part.partition('=')
        fields[k.strip()] = v.strip()
    return fields


class Stmt:
    pass


def parse_template(path):
    items = []
    process = {'name': 'app', 'uid': 1000, 'caps': 'none', 'memlock': None}
    for lineno, raw in enumerate(open(path, encoding='utf-8').read().split('\n'), 1):
        st = Stmt()
        st.lineno, st.raw = lineno, raw
        code, comment = strip_comment(raw)
        st.comment = comment
        s = code.strip()
        st.doc_check = False
        dm = re.match(r'\s*#\s*measured:\s*(check\s.*?==\s*(?:\?|\d+\s*kB|\d+))\s*(.*)$', raw)
        if dm and not s:
            # '# measured: check ... == V (note)': a check that is measured and compared
            # with V (or '?'), but stays out of the corpus (pinsim cannot check it yet)
            s, st.doc_check, st.doc_note, st.comment = dm.group(1), True, dm.group(2), ''
        if not s:
            st.kind = 'text'
        elif s.startswith('process '):
            st.kind = 'text'
            f = s.split()
            process['name'] = f[1]
            for kv in f[2:]:
                k, _, v = kv.partition('=')
                if k == 'uid':
                    process['uid'] = int(v)
                elif k == 'caps':
                    process['caps'] = v
                elif k == 'rlimit.memlock':
                    process['memlock'] = v
                elif k == 'layout':
                    pass
                else:
                    raise TemplateError('%s:%d: unknown process key %s' % (path, lineno, k))
        elif s.startswith('check '):
            st.kind = 'check'
            m = re.match(r'check\s+(?:(?P<proc>[A-Za-z_]\w*)\s+)?(?P<field>[A-Za-z_][\w.]*)\s*(?:\((?P<region>.*)\))?\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<rhs>.*)$', s)
            if not m:
                raise TemplateError('%s:%d: bad check' % (path, lineno))
            st.proc = m.group('proc')
            st.field = m.group('field')
            st.region = m.group('region')
            st.prefix = s[:m.start('op')].rstrip()
            st.op = m.group('op')
            st.rhs = m.group('rhs').strip()
            if st.field.startswith('vmstat.'):
                st.proc = None
            elif st.proc is None:
                st.proc = process['name']
        elif s.startswith('machine') or s.startswith('kernel') or s.startswith('sysctl'):
            st.kind = 'text'
        else:
            st.kind = 'call'
            m = re.match(r'(?:(?P<proc>[A-Za-z_]\w*)\s*:\s*)?(?:(?P<bind>[A-Za-z_]\w*)\s*=(?!=)\s*)?(?P<call>[A-Za-z_]\w*)\s*\(', s)
            if not m:
                raise TemplateError('%s:%d: cannot parse %r' % (path, lineno, s))
            depth, i = 0, m.end() - 1
            for i in range(m.end() - 1, len(s)):
                if s[i] == '(':
                    depth += 1
                elif s[i] == ')':
                    depth -= 1
                    if depth == 0:
                        break
            st.proc = m.group('proc')
            st.bind = m.group('bind')
            st.call = m.group('call')
            st.args = split_top(s[m.end():i])
            st.head = s[:m.start('call')]
            rest = s[i + 1:].strip()
            if rest and not rest.startswith('='):
                raise TemplateError('%s:%d: trailing text %r' % (path, lineno, rest))
        items.append(st)
    return process, items


# ---------------------------------------------------------------- C generation

C_PRELUDE = r'''
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <sys/uio.h>
#include <setjmp.h>
#include <signal.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#ifndef PERF_ATTR_SIZE_VER8
#define PERF_ATTR_SIZE_VER8 136
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif
#ifndef MPOL_MF_STRICT
#define MPOL_MF_STRICT (1 << 0)
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif
#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL (1 << 2)
#endif
#ifndef MPOL_DEFAULT
/* include/uapi/linux/mempolicy.h */
enum { MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY,
       MPOL_WEIGHTED_INTERLEAVE };
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_MF_LAZY (1 << 3)
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_1GB (30U << 26)
#endif

static long V[NVARS + 1];
static int me = 0;
static int P[NPROCS][2];
static int RES = -1, REQ = -1, ACK = -1;
static char obuf[512];
static char vbuf[1 << 16];
static const char *VNAMES[] = { VMSTAT_NAMES NULL };
static long VBASE[NVMSTAT + 1];

static void wall(int fd, const void *b, size_t n) {
    const char *p = b;
    while (n) { ssize_t w = write(fd, p, n); if (w <= 0) { if (errno == EINTR) continue; _exit(90); } p += w; n -= w; }
}
static void rall(int fd, void *b, size_t n) {
    char *p = b;
    while (n) { ssize_t r = read(fd, p, n); if (r <= 0) { if (r < 0 && errno == EINTR) continue; _exit(91); } p += r; n -= r; }
}
static void out(const char *fmt, ...) {
    va_list ap; va_start(ap, fmt);
    int n = vsnprintf(obuf, sizeof obuf, fmt, ap);
    va_end(ap);
    wall(RES, obuf, n);
}
static void sendtok(int p) { wall(P[p][1], V, sizeof V); }
static void recvtok(void) { rall(P[me][0], V, sizeof V); }
static void request(int line) {
    char c;
    int n = snprintf(obuf, sizeof obuf, "C %d %d\n", line, (int)getpid());
    wall(REQ, obuf, n);
    rall(ACK, &c, 1);
}
static long vmstat_get(const char *name) {
    int fd = open("/proc/vmstat", O_RDONLY);
    if (fd < 0) _exit(92);
    size_t n = 0; ssize_t r;
    while ((r = read(fd, vbuf + n, sizeof vbuf - 1 - n)) > 0) n += r;
    close(fd);
    vbuf[n] = 0;
    size_t l = strlen(name);
    for (char *p = vbuf; p && *p; ) {
        if (!strncmp(p, name, l) && p[l] == ' ') return strtol(p + l + 1, NULL, 10);
        p = strchr(p, '\n'); if (p) p++;
    }
    return -1;
}
static void vmcheck(int line, int idx) {
    long v = vmstat_get(VNAMES[idx]);
    out("V %d %ld\n", line, v - VBASE[idx]);
}
/* run the vmcheck code path once so that its first use faults nothing */
static void vmcheck_warm(int idx) {
    long v = vmstat_get(VNAMES[idx]);
    int n = snprintf(obuf, sizeof obuf, "V %d %ld\n", 0, v);
    (void)n;
}
/* touch: -1 when an access faults (SIGSEGV, SIGBUS: a guard region, beyond the end of a file), as pinsim's touch reports EFAULT */
static sigjmp_buf touch_jmp;
static void touch_fault(int sig) { (void)sig; siglongjmp(touch_jmp, 1); }
static int touch(long addr, long len, int wr) {
    struct sigaction sa, osegv, obus;
    volatile int r = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = touch_fault;
    sigaction(SIGSEGV, &sa, &osegv);
    sigaction(SIGBUS, &sa, &obus);
    if (sigsetjmp(touch_jmp, 1) == 0) {
        for (long a = addr; a < addr + len; a += 4096) {
            volatile char *p = (volatile char *)a;
            if (wr) *p = 1; else (void)*p;
        }
    } else {
        r = -1;
    }
    sigaction(SIGSEGV, &osegv, 0);
    sigaction(SIGBUS, &obus, 0);
    return r;
}
static char mapsbuf[1 << 16];
__attribute__((noinline)) static void stackgrow(void) {
    volatile char big[256 * 1024];
    for (size_t i = 0; i < sizeof big; i += 4096) big[i] = 0;
}
/* Fault in the probe's own image so that it causes no faults later. */
static void prefault(void) {
    stackgrow();
    int fd = open("/proc/self/maps", O_RDONLY);
    size_t n = 0; ssize_t r;
    while ((r = read(fd, mapsbuf + n, sizeof mapsbuf - 1 - n)) > 0) n += r;
    close(fd);
    mapsbuf[n] = 0;
    for (char *p = mapsbuf; p && *p; ) {
        unsigned long s, e; char perms[8];
        if (sscanf(p, "%lx-%lx %7s", &s, &e, perms) == 3 && perms[0] == 'r'
            && !strstr(p, "[v") && s < 0xffffffff0000UL) {
            char *nl = strchr(p, '\n');
            int isvv = nl && (memmem(p, nl - p, "[vvar", 5) || memmem(p, nl - p, "[vdso", 5) || memmem(p, nl - p, "[vsys", 5));
            if (!isvv)
                for (unsigned long a = s; a < e; a += 4096) {
                    volatile char *q = (volatile char *)a;
                    char c = *q;
                    if (perms[1] == 'w' && perms[3] == 'p') *q = c;
                }
        }
        p = strchr(p, '\n'); if (p) p++;
    }
}

int main(void) {
    const char *fds = getenv("PINSIM_FDS");
    if (!fds || sscanf(fds, "%d,%d,%d", &RES, &REQ, &ACK) != 3) return 93;
    for (int i = 0; i < NPROCS; i++) if (pipe(P[i])) return 94;
    prefault();
    V[0] = getpid();
    out("P 0 %ld\n", V[0]);
    request(0);
    for (int i = 0; i < NVMSTAT; i++) { vmcheck_warm(i); VBASE[i] = vmstat_get(VNAMES[i]); }
'''


def gen_c(process, items):
    names = {process['name']: 0}
    procs = {process['name']: 0}
    vm_names = []
    for st in items:
        if st.kind == 'call' and st.bind and st.bind not in names:
            names[st.bind] = len(names)
        if st.kind == 'call' and st.call in ('fork', 'vfork') and st.bind:
            procs[st.bind] = len(procs)
        if st.kind == 'check' and st.field.startswith('vmstat.'):
            n = st.field[len('vmstat.'):]
            if n not in vm_names:
                vm_names.append(n)
    # owner of each step
    steps = []
    holder = process['name']
    for st in items:
        if st.kind == 'call':
            st.owner = st.proc or holder
            if st.owner not in procs:
                raise TemplateError('line %d: unknown process %s' % (st.lineno, st.owner))
            holder = st.owner
            if st.call in ('exit', 'exit_group'):
                holder = process['name']
            steps.append(st)
        elif st.kind == 'check':
            st.owner = holder
            steps.append(st)
    body = []
    prev = process['name']
    for k, st in enumerate(steps):
        nxt = steps[k + 1].owner if k + 1 < len(steps) else None
        o = procs[st.owner]
        L = st.lineno
        pre = '' if st.owner == prev else 'recvtok();'
        post = '' if nxt is None or nxt == st.owner else 'sendtok(%d);' % procs[nxt]
        if nxt is None:
            post = 'out("E 0\\n"); { int n = snprintf(obuf, sizeof obuf, "E\\n"); wall(REQ, obuf, n); }'
        prev = st.owner
        body.append('  /* line %d: %s */' % (L, st.raw.strip().replace('*/', '* /')))
        if st.kind == 'check':
            if st.field.startswith('vmstat.'):
                code = 'vmcheck(%d, %d);' % (L, vm_names.index(st.field[7:]))
            else:
                code = 'request(%d);' % L
            body.append('  if (me == %d) { %s %s %s }' % (o, pre, code, post))
            continue
        c, a = st.call, st.args
        bind = 'V[%d] = r;' % names[st.bind] if st.bind else ''
        if c in ('fork', 'vfork'):
            kid = procs[st.bind] if st.bind else None
            body.append('  if (me == %d) { %s long r = fork(); int e = errno; if (r == 0) { me = %s; V[%d] = getpid(); } else { %s out("R %d %%ld %%d\\n", r, r < 0 ? e : 0); } }'
                        % (o, pre, kid if kid is not None else -1, names.get(st.bind, NVARS_PLACEHOLDER), bind, L))
            body.append('  if (me == %d) { %s }' % (o, post))
            continue
        if c in ('exit', 'exit_group'):
            body.append('  if (me == %d) { %s out("X %d\\n"); %s _exit(%s); }' % (o, pre, L, post, c_expr(a[0] if a else '0', names)))
            continue
        if c == 'touch':
            wr = '1' if len(a) > 2 and a[2].strip() in ('write', '1', 'WRITE') else '0'
            body.append('  if (me == %d) { %s int t = touch(%s, %s, %s); out("T %d %%d\\n", t); %s }' % (o, pre, c_expr(a[0], names), c_expr(a[1], names), wr, L, post))
            continue
        if c == 'mark':
            # M = mark(): the frames of every process's pages, read from pagemap by measure.py
            # (a request, as a check is); the call returns the mark's number, as pinsim's does
            mark_no = sum(1 for x in steps[:k + 1] if x.kind == 'call' and x.call == 'mark')
            body.append('  if (me == %d) { %s request(%d); long r = %d; %s out("R %d %%ld 0\\n", r); %s }'
                        % (o, pre, L, mark_no, bind, L, post))
            continue
        if c == 'drop_caches':
            # drop_caches(N): measure.py (root) writes N to /proc/sys/vm/drop_caches while the
            # process waits on the request; the call returns 0 (only values 1..4 are accepted)
            body.append('  if (me == %d) { %s request(%d); long r = 0; %s out("R %d %%ld 0\\n", r); %s }'
                        % (o, pre, L, bind, L, post))
            continue
        if c == 'compact':
            # compact(): measure.py (root) writes /proc/sys/vm/compact_memory while the process
            # waits on the request; the call returns 0, as pinsim's does
            body.append('  if (me == %d) { %s request(%d); long r = 0; %s out("R %d %%ld 0\\n", r); %s }'
                        % (o, pre, L, bind, L, post))
            continue
        if c == 'advance':
            # simulated time on pinsim's side, real time here: sleep as long (kernel work queued meanwhile runs)
            ns = parse_duration_ns(a[0])
            body.append('  if (me == %d) { %s usleep(%d); out("R %d 0 0\\n"); %s }' % (o, pre, (ns + 999) // 1000, L, post))
            continue
        if c not in SYSCALLS:
            raise TemplateError('line %d: call %s not supported by the probe' % (L, c))
        decl, cargs, after = [], [], ''
        for j, arg in enumerate(a):
            if c == 'move_pages' and arg.startswith('['):
                # pages (void *[]) and nodes (int[]): the arrays as written
                items = [x for x in split_top(arg.strip()[1:-1]) if x]
                ctype = 'unsigned long' if j == 2 else 'int'
                decl.append('%s s%d[%d] = { %s };' % (ctype, j, max(1, len(items)), ', '.join(c_expr(x, names) for x in items) or '0'))
                cargs.append('(long)s%d' % j)
            elif c in ('mbind', 'set_mempolicy') and arg.startswith('['):
                # the nodemask (unsigned long[]): the words as written, in a zeroed page, so that
                # get_nodes reads zeros past them (as the live executor passes it)
                items = [x for x in split_top(arg.strip()[1:-1]) if x]
                decl.append('static unsigned long s%d[512]; memset(s%d, 0, sizeof s%d);' % (j, j, j))
                decl.append(' '.join('s%d[%d] = (unsigned long)(%s);' % (j, k, c_expr(x, names)) for k, x in enumerate(items)))
                cargs.append('(long)s%d' % j)
            elif c == 'move_pages' and arg == '?':
                # status (int[]): starts zeroed; every entry is reported after the call
                cnt = len([x for x in split_top(a[2].strip()[1:-1]) if x]) if a[2].strip().startswith('[') else 0
                decl.append('int s%d[%d] = { 0 };' % (j, max(1, cnt)))
                cargs.append('(long)s%d' % j)
                after += (' { int k; char b[4096]; int n = snprintf(b, sizeof b, "O %d %d"); for (k = 0; k < %d; k++)'
                          ' n += snprintf(b + n, sizeof b - n, " %%d", s%d[k]); out("%%s\\n", b); }' % (L, j, cnt, j))
            elif c == 'io_uring_setup' and arg.startswith('{'):
                # struct io_uring_params: zeroed (the fields strace shows are outputs)
                decl.append('struct io_uring_params s%d; memset(&s%d, 0, sizeof s%d);' % (j, j, j))
                cargs.append('(long)&s%d' % j)
            elif c == 'io_uring_register' and arg.startswith('['):
                # [{iov_base=A, iov_len=N}, ...]: a struct iovec array
                vecs = [parse_struct(x) for x in split_top(arg.strip()[1:-1]) if x]
                decl.append('struct iovec s%d[%d] = { %s };' % (j, max(1, len(vecs)), ', '.join(
                    '{ (void *)%s, (size_t)%s }' % (c_expr(v['iov_base'], names), c_expr(v['iov_len'], names))
                    for v in vecs) or '{ 0, 0 }'))
                cargs.append('(long)s%d' % j)
            elif c == 'perf_event_open' and arg.startswith('{'):
                # struct perf_event_attr: zeroed, then every field the template names (bit
                # fields by their perf_event.h names); strace's trailing ... is left zero
                f = parse_struct(arg)
                decl.append('struct perf_event_attr s%d; memset(&s%d, 0, sizeof s%d);' % (j, j, j))
                for k, v in f.items():
                    if k and k != '...' and v:
                        decl.append('s%d.%s = %s;' % (j, k, c_expr(v, names)))
                cargs.append('(long)&s%d' % j)
            elif arg.startswith('{'):
                f = parse_struct(arg)
                decl.append('struct rlimit s%d = { .rlim_cur = %s, .rlim_max = %s };' % (j, c_expr(f['rlim_cur'], names), c_expr(f['rlim_max'], names)))
                cargs.append('(long)&s%d' % j)
            elif arg == '?':
                decl.append('struct rlimit s%d = { 0, 0 };' % j)
                cargs.append('(long)&s%d' % j)
                after += ' if (r == 0) out("O %d %d %%lu %%lu\\n", (unsigned long)s%d.rlim_cur, (unsigned long)s%d.rlim_max);' % (L, j, j, j)
            elif arg.startswith('"'):
                cargs.append('(long)%s' % arg)
            else:
                cargs.append(c_expr(arg, names))
        call = 'syscall(SYS_%s%s)' % (c, ''.join(', ' + x for x in cargs))
        body.append('  if (me == %d) { %s %s errno = 0; long r = %s; int e = errno; %s out("R %d %%ld %%d\\n", r, r == -1 ? e : 0);%s %s }'
                    % (o, pre, ' '.join(decl), call, bind, L, after, post))
    if not steps:
        body.append('  out("E 0\\n"); { int n = snprintf(obuf, sizeof obuf, "E\\n"); wall(REQ, obuf, n); }')
    src = C_PRELUDE.replace('NVARS', str(len(names))).replace('NPROCS', str(len(procs))) \
        .replace('VMSTAT_NAMES', ''.join('"%s", ' % n for n in vm_names)).replace('NVMSTAT', str(len(vm_names)))
    src += '\n'.join(body) + '\n  for (;;) pause();\n}\n'
    return src, names, procs


NVARS_PLACEHOLDER = 0

# ---------------------------------------------------------------- credentials


def wrapper(process):
    cmd = ['setarch', 'x86_64', '-R']
    ml = process['memlock']
    if ml is not None:
        soft, _, hard = ml.partition(':')
        s = num_value(soft) if soft != 'unlimited' else 'unlimited'
        h = (num_value(hard) if hard != 'unlimited' else 'unlimited') if hard else 8 << 20
        cmd += ['prlimit', '--memlock=%s:%s' % (s, h)]
    else:
        cmd += ['prlimit', '--memlock=%d:%d' % (8 << 20, 8 << 20)]
    uid = process['uid']
    caps = [c.strip() for c in process['caps'].split(',') if c.strip()]
    have = set()
    allcaps = uid == 0
    for c in caps:
        if c == 'none':
            allcaps, have = False, set()
        elif c == 'all':
            allcaps, have = True, set()
        elif c.startswith('-'):
            have.add(c)
        else:
            have.add(c.lstrip('+'))
    sp = ['setpriv']
    if uid != 0:
        sp += ['--reuid=%d' % uid, '--regid=%d' % uid, '--clear-groups']
    if allcaps:
        drops = sorted(c[1:] for c in have if c.startswith('-'))
        if drops:
            d = ','.join('-' + x for x in drops)
            sp += ['--inh-caps=' + d, '--bounding-set=' + d]
    else:
        adds = sorted(c for c in have if not c.startswith('-'))
        if adds:
            a = ','.join('+' + x for x in adds)
            sp += ['--inh-caps=-all,' + a, '--ambient-caps=' + a, '--bounding-set=-all,' + a]
        else:
            sp += ['--inh-caps=-all', '--bounding-set=-all']
    if len(sp) > 1:
        cmd += sp
    return cmd


# ---------------------------------------------------------------- /proc readers

def status_field(pid, field):
    for line in open('/proc/%d/status' % pid):
        if line.startswith(field + ':'):
            return int(line.split()[1])
    raise KeyError(field)


def smaps(pid):
    vmas, cur = [], None
    for line in open('/proc/%d/smaps' % pid):
        m = re.match(r'([0-9a-f]+)-([0-9a-f]+) ', line)
        if m:
            cur = {'start': int(m.group(1), 16), 'end': int(m.group(2), 16), 'flags': [], 'Locked': 0, 'Rss': 0,
                   'Shared_Clean': 0, 'Shared_Dirty': 0}
            vmas.append(cur)
            continue
        k, _, v = line.partition(':')
        if k == 'VmFlags':
            cur['flags'] = v.split()
        elif k in ('Locked', 'Rss', 'Shared_Clean', 'Shared_Dirty', 'AnonHugePages', 'LazyFree'):
            cur[k] = int(v.split()[0])
    return vmas


def rss_bytes(pid, addr, length):
    start = addr & ~(PAGE - 1)
    end = (addr + length + PAGE - 1) & ~(PAGE - 1)
    n = 0
    with open('/proc/%d/pagemap' % pid, 'rb') as pm, open('/proc/kpageflags', 'rb') as kf:
        pm.seek(start // PAGE * 8)
        data = pm.read((end - start) // PAGE * 8)
        for i in range(0, len(data), 8):
            e = int.from_bytes(data[i:i + 8], 'little')
            if not (e >> 63) & 1:
                continue
            pfn = e & ((1 << 55) - 1)
            if pfn == 0:
                raise RuntimeError('pagemap shows no PFN: not running as root?')
            kf.seek(pfn * 8)
            flags = int.from_bytes(kf.read(8), 'little')
            if (flags >> 24) & 1:      # KPF_ZERO_PAGE
                continue
            n += PAGE
    return n


def pagemap(pid):
    """Address -> PFN of every present page of the process's VMAs (not the shared zero page)."""
    out = {}
    with open('/proc/%d/maps' % pid) as maps, open('/proc/%d/pagemap' % pid, 'rb') as pm, \
            open('/proc/kpageflags', 'rb') as kf:
        for line in maps:
            s, e = (int(x, 16) for x in line.split()[0].split('-'))
            if s >= 0xffffffff0000:
                continue                # [vsyscall]
            pm.seek(s // PAGE * 8)
            data = pm.read((e - s) // PAGE * 8)
            for i in range(0, len(data), 8):
                v = int.from_bytes(data[i:i + 8], 'little')
                if not (v >> 63) & 1:
                    continue
                pfn = v & ((1 << 55) - 1)
                kf.seek(pfn * 8)
                if (int.from_bytes(kf.read(8), 'little') >> 24) & 1:      # KPF_ZERO_PAGE
                    continue
                out[s + i // 8 * PAGE] = pfn
    return out


def fmt_size(v):
    for unit, mul in (('GiB', 1 << 30), ('MiB', 1 << 20), ('KiB', 1 << 10)):
        if v and v % mul == 0:
            return '%d%s' % (v // mul, unit)
    return str(v)


def fmt_limit(v):
    if v == (1 << 64) - 1:
        return 'unlimited'
    return fmt_size(v)


# ---------------------------------------------------------------- run one


class Run:
    def __init__(self, process, items, names, procs):
        self.process, self.items, self.names, self.procs = process, items, names, procs
        self.bylineno = {st.lineno: st for st in items}
        self.values = {}      # name -> value
        self.lengths = {}     # name -> region length
        self.addrnames = []   # names bound to addresses, in order
        self.pids = {}
        self.results = {}     # lineno -> (r, e)
        self.outs = {}
        self.checks = {}
        self.marks = {}       # mark name -> {process name -> {addr: pfn}}
        self.resbuf = b''
        self.respos = 0

    def absorb(self, resfile):
        resfile.seek(self.respos)
        data = resfile.read()
        self.respos += len(data)
        self.resbuf += data
        while b'\n' in self.resbuf:
            line, self.resbuf = self.resbuf.split(b'\n', 1)
            f = line.decode().split()
            kind, L = f[0], int(f[1])
            if kind == 'P':
                self.pids[self.process['name']] = int(f[2])
            elif kind == 'R':
                r, e = int(f[2]), int(f[3])
                self.results[L] = (r, e)
                st = self.bylineno[L]
                if st.bind and not (r == -1 and e):
                    self.values[st.bind] = r & ((1 << 64) - 1) if st.call in ADDR_CALLS else r
                    if st.call in ('fork', 'vfork'):
                        self.pids[st.bind] = r
                    if st.call == 'mmap':
                        self.lengths[st.bind] = py_eval(st.args[1], self.values)
                        self.addrnames.append(st.bind)
                    elif st.call == 'mremap':
                        self.lengths[st.bind] = py_eval(st.args[2], self.values)
                        self.addrnames.append(st.bind)
                    elif st.call == 'brk':
                        self.addrnames.append(st.bind)
                if st.call in ADDR_CALLS:
                    st.snapshot = dict(self.values)
            elif kind == 'O':
                self.outs[(L, int(f[2]))] = tuple(int(x) for x in f[3:])
            elif kind == 'V':
                self.checks[L] = int(f[2])
            elif kind == 'T' and len(f) > 2 and int(f[2]) < 0:
                self.results[L] = (-1, errno_mod.EFAULT)  # the access faulted
            elif kind in ('T', 'X', 'E'):
                self.results.setdefault(L, None)

    def region(self, spec):
        parts = split_top(spec)
        if len(parts) == 1:
            name = parts[0].strip()
            if name not in self.lengths:
                raise TemplateError('region %r: not a name bound by mmap/mremap' % name)
            return self.values[name], self.lengths[name]
        return py_eval(parts[0], self.values), py_eval(parts[1], self.values)

    def do_check(self, st):
        if st.kind == 'call' and st.call == 'mark':
            self.marks[st.bind] = {name: pagemap(pid) for name, pid in self.pids.items() if os.path.exists('/proc/%d' % pid)}
            return None
        if st.kind == 'call' and st.call == 'drop_caches':
            value = py_eval(st.args[0], self.values)
            if value not in (2, 4):
                raise TemplateError('drop_caches(%d): only 2 and 4 are measured (1 drops the page cache)' % value)
            with open('/proc/sys/vm/drop_caches', 'w') as f:  # fs/drop_caches.c drop_caches_sysctl_handler
                f.write('%d\n' % value)
            return None
        if st.kind == 'call' and st.call == 'compact':
            with open('/proc/sys/vm/compact_memory', 'w') as f:  # mm/compaction.c sysctl_compaction_handler
                f.write('1\n')
            return None
        pid = self.pids[st.proc]
        f = st.field
        if f == 'moved':
            parts = split_top(st.region)
            mark = parts[-1].strip()
            a, l = self.region(', '.join(parts[:-1]))
            lo, hi = a & ~(PAGE - 1), (a + l + PAGE - 1) & ~(PAGE - 1)
            then = self.marks[mark].get(st.proc, {})
            now = pagemap(pid)
            return str(sum(1 for addr, pfn in then.items() if lo <= addr < hi and addr in now and now[addr] != pfn))
        if st.region is None:
            if f in ('VmLck', 'VmPin') or f.startswith('Vm') or f.startswith('Rss'):
                return '%d kB' % status_field(pid, f)
            raise TemplateError('line %d: unsupported whole-process check %s' % (st.lineno, f))
        a, l = self.region(st.region)
        e = a + l
        if f == 'rss':
            return '%d kB' % (rss_bytes(pid, a, l) // 1024)
        vm = [v for v in smaps(pid) if v['start'] < e and v['end'] > a]
        if f == 'vmas':
            return str(len(vm))
        if f == 'locked_vmas':
            return str(sum(1 for v in vm if 'lo' in v['flags']))
        if f == 'lck':
            if a % PAGE or l % PAGE:
                # lck counts bytes of the region; with a region that is not page-aligned the
                # figure depends on whether one rounds the region out to pages (pinsim) or not
                raise TemplateError('line %d: lck() of a region that is not page-aligned is ambiguous' % st.lineno)
            return '%d kB' % (sum(min(e, v['end']) - max(a, v['start']) for v in vm if 'lo' in v['flags']) // 1024)
        if f == 'smaps_locked':
            return '%d kB' % sum(v['Locked'] for v in vm)
        if f == 'smaps_shared':
            return '%d kB' % sum(v['Shared_Clean'] + v['Shared_Dirty'] for v in vm)
        if f == 'thp':
            return '%d kB' % sum(v.get('AnonHugePages', 0) for v in vm)
        if f == 'lazyfree':
            return '%d kB' % sum(v.get('LazyFree', 0) for v in vm)
        raise TemplateError('line %d: unsupported region check %s' % (st.lineno, f))


def template_files(items):
    """The /tmp/pinsim-files-* names in the template's string arguments (pinsim's /tmp starts empty)."""
    out = []
    for st in items:
        for arg in getattr(st, 'args', None) or ():
            m = re.match(r'"(?:/tmp/)?(pinsim-files-[^"/]+)"$', arg.strip())  # relative: to a /tmp dirfd
            if m and '/tmp/' + m.group(1) not in out:
                out.append('/tmp/' + m.group(1))
    return out


def run_once(process, items, binary, timeout=30):
    _, names, procs = gen_cache[id(items)]
    run = Run(process, items, names, procs)
    # every run starts from the same /tmp: the shared probe file and the /tmp/pinsim-files-*
    # names the template opens (regular files; the probes cannot make directories) are removed
    for path in [PROBE_FILE] + template_files(items):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    resfd, respath = tempfile.mkstemp(prefix='pinsim-res-')
    os.unlink(respath)
    resfile = os.fdopen(os.dup(resfd), 'rb')
    req_r, req_w = os.pipe()
    ack_r, ack_w = os.pipe()
    env = dict(os.environ, PINSIM_FDS='%d,%d,%d' % (resfd, req_w, ack_r))
    cmd = wrapper(process) + [binary]
    p = subprocess.Popen(cmd, pass_fds=(resfd, req_w, ack_r), env=env, start_new_session=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(req_w)
    os.close(ack_r)
    os.close(resfd)
    deadline = time.time() + timeout
    buf = b''
    done = False
    try:
        while not done:
            import select
            rl, _, _ = select.select([req_r], [], [], max(0.1, deadline - time.time()))
            if not rl:
                raise RuntimeError('probe timed out; results so far %r' % run.results)
            chunk = os.read(req_r, 4096)
            if not chunk:
                raise RuntimeError('probe died (rc=%s, stderr=%r); results so far: %r' % (p.poll(), p.stderr.read() if p.poll() is not None else b'', run.results))
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                f = line.decode().split()
                if os.environ.get('PINSIM_DEBUG'):
                    print('REQ', f, file=sys.stderr)
                run.absorb(resfile)
                if f[0] == 'E':
                    done = True
                    break
                L = int(f[1])
                if L != 0:
                    run.checks[L] = run.do_check(run.bylineno[L])
                os.write(ack_w, b'k')
        time.sleep(0.01)
        run.absorb(resfile)
    finally:
        try:
            os.killpg(p.pid, 9)
        except ProcessLookupError:
            pass
        p.wait()
        os.close(req_r)
        os.close(ack_w)
        resfile.close()
    return run


gen_cache = {}


# ---------------------------------------------------------------- output


def addr_expr(st, r, run):
    vals = getattr(st, 'snapshot', run.values)
    # Only results the kernel's semantics pin down are written as expressions:
    # brk, MAP_FIXED / MAP_FIXED_NOREPLACE / hinted mmap, mremap that stays in
    # place, and an unbound MREMAP_FIXED (a bound one names its result itself).
    # Placement chosen by the kernel (top-down search) is layout-specific.
    if st.call == 'mmap':
        if not ('MAP_FIXED' in st.args[3] or st.args[0].strip() not in ('NULL', '0')):
            return None
    elif st.call == 'mremap' and (st.bind or not (len(st.args) > 3 and 'MREMAP_FIXED' in st.args[3])):
        try:
            old = py_eval(st.args[0], vals)
        except TemplateError:
            return None
        if r != old:
            return None
    best = None
    for n in run.addrnames:
        if n not in vals or n == st.bind:
            continue
        v = vals[n]
        off = r - v
        if off == 0:
            return n
        if abs(off) <= 16 << 20 and off % PAGE == 0:
            if best is None or abs(off) < abs(best[1]):
                best = (n, off)
    if best:
        n, off = best
        return '%s %s %s' % (n, '+' if off > 0 else '-', fmt_size(abs(off)))
    return None


def check_value(text):
    text = text.strip()
    m = re.fullmatch(r'(\d+)\s*kB', text)
    if m:
        return int(m.group(1)) * 1024
    return py_eval(text, {})


def relation_holds(measured, op, rhs):
    a, b = check_value(measured), check_value(rhs)
    return {'!=': a != b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b}[op]


def live_zero_page():
    """Whether a read fault on anonymous memory maps the shared zero page on this kernel.

    mm/memory.c do_anonymous_page maps the zero page unless mm_forbids_zeropage() is true;
    some virtual machines' guest kernels forbid it (e.g. booted with pvm_no_zero_page=1).
    One private anonymous page is read, and pagemap + kpageflags say what backs it."""
    import ctypes
    import mmap as mmap_mod
    m = mmap_mod.mmap(-1, PAGE, flags=mmap_mod.MAP_PRIVATE | mmap_mod.MAP_ANONYMOUS,
                      prot=mmap_mod.PROT_READ | mmap_mod.PROT_WRITE)
    try:
        holder = ctypes.c_char.from_buffer(m)
        addr = ctypes.addressof(holder)
        _ = m[0]                              # the read fault
        used = rss_bytes(os.getpid(), addr, PAGE) == 0
        del holder
        return used
    finally:
        m.close()


def template_zero_page(items):
    """The template's `machine zero_page=on|off`, or None when it does not say."""
    for st in items:
        if st.kind == 'text' and st.raw.split() and st.raw.split()[0] == 'machine':
            for w in st.raw.split()[1:]:
                if w.startswith('zero_page='):
                    return w.split('=', 1)[1] == 'on'
    return None


def render(process, items, run, uname):
    out = []
    header_done = False
    zero = live_zero_page()
    said = template_zero_page(items)
    if said is not None and said != zero:
        raise RuntimeError('the template is for a machine %s the shared zero page; this kernel %s one'
                           % ('with' if said else 'without', 'has' if zero else 'lacks'))
    for st in items:
        if not header_done and not st.raw.startswith('#'):
            out.append('# measured on Linux %s by conformance/probes/measure.py' % uname)
            if not zero and said is None:
                # the answers below are this machine's: say so, so that pinsim and verify read
                # them as answers of a kernel whose mm_forbids_zeropage() is true
                out.append('machine zero_page=off')
            header_done = True
        if st.kind == 'text':
            out.append(st.raw)
            continue
        cm = ('  ' + st.comment) if st.comment else ''
        if st.kind == 'check':
            v = run.checks.get(st.lineno)
            if v is None:
                raise RuntimeError('line %d: check not measured' % st.lineno)
            if st.doc_check:
                # documented in the template only; the value written there must be the measured one
                if st.rhs != '?' and check_value(st.rhs) != check_value(v):
                    raise RuntimeError('line %d: template documents %s == %s, measured %s'
                                       % (st.lineno, st.prefix, st.rhs, v))
                if st.rhs == '?':
                    print('NOTE line %d: measured %s == %s (write it into the template)'
                          % (st.lineno, st.prefix, v), file=sys.stderr)
                continue
            if st.op != '==':
                # a bound written by the template author (the original test's own
                # check, e.g. VmLck > 0): kept as written if the kernel satisfies it
                if not relation_holds(v, st.op, st.rhs):
                    raise RuntimeError('line %d: measured %s, which does not satisfy %s %s'
                                       % (st.lineno, v, st.op, st.rhs))
                out.append('%s %s %s%s' % (st.prefix, st.op, st.rhs, cm))
                continue
            out.append('%s == %s%s' % (st.prefix, v, cm))
            continue
        args = list(st.args)
        for j, arg in enumerate(args):
            if arg == '?' and st.call == 'move_pages':
                o = run.outs.get((st.lineno, j), ())
                args[j] = '[%s]' % ', '.join('-' + errno_mod.errorcode[-v] if v < 0 else str(v) for v in o)
            elif arg == '?':
                o = run.outs.get((st.lineno, j))
                args[j] = '{rlim_cur=%s, rlim_max=%s}' % (fmt_limit(o[0]), fmt_limit(o[1])) if o else 'NULL'
        text = '%s%s(%s)' % (st.head, st.call, ', '.join(args))
        if st.call == 'touch' and run.results.get(st.lineno):
            out.append(text + ' = -1 EFAULT' + cm)  # a touch that faulted; one that did not carries no value
            continue
        if st.call in ('exit', 'exit_group', 'touch'):
            out.append(text + cm)
            continue
        res = run.results.get(st.lineno)
        if res is None:
            raise RuntimeError('line %d: no result' % st.lineno)
        r, e = res
        if r == -1 and e:
            exp = '-1 ' + errno_mod.errorcode[e]
        elif st.call in ADDR_CALLS:
            exp = addr_expr(st, r & ((1 << 64) - 1), run)
            if exp is None and not st.bind:
                exp = '?'
        elif st.call in ('fork', 'vfork', 'openat', 'open', 'memfd_create', 'io_uring_setup', 'perf_event_open'):
            exp = None if st.bind else '?'
        else:
            exp = str(r)
        out.append(text + (' = ' + exp if exp else '') + cm)
    while out and out[-1] == '':
        out.pop()
    return '\n'.join(out)


def measure(path, runs, workdir, uname, keep=False):
    process, items = parse_template(path)
    src, names, procs = gen_c(process, items)
    gen_cache[id(items)] = (src, names, procs)
    base = os.path.splitext(os.path.basename(path))[0]
    cpath = os.path.join(workdir, base + '.c')
    binary = os.path.join(workdir, base)
    with open(cpath, 'w') as f:
        f.write(src)
    subprocess.run(['gcc', '-O2', '-static', '-w', '-o', binary, cpath], check=True)
    os.chmod(binary, 0o755)
    texts = []
    # io_uring frees a ring (and returns its charges to the per-uid user->locked_vm) on a
    # workqueue after the process exits (io_ring_exit_work): give it time before the next run
    # of the same uid, or the next run starts with the previous run's charges
    settle = 0.5 if 'io_uring_setup' in open(path, encoding='utf-8').read() else 0
    for k in range(runs):
        if k and settle:
            time.sleep(settle)
        run = run_once(process, items, binary)
        texts.append(render(process, items, run, uname).split('\n'))
    final, problems = [], []
    for i, line in enumerate(texts[0]):
        variants = [t[i] for t in texts]
        if all(v == line for v in variants):
            final.append(line)
        elif line.startswith('check vmstat.'):
            vals = [v.rsplit('==', 1)[1].strip() for v in variants]
            problems.append('%s: dropped unstable %s (%s)' % (base, line.split('==')[0].strip(), ', '.join(vals)))
            final.append('# dropped (not reproducible over %d runs: %s): %s' % (runs, ', '.join(vals), line.split('==')[0].strip()))
        else:
            problems.append('%s: UNSTABLE line %r vs %r' % (base, line, variants))
            final.append(line)
    return '\n'.join(final) + '\n', problems


def main(argv):
    runs, keep, files, outdir = 3, False, [], CORPUS
    it = iter(argv)
    for a in it:
        if a == '--runs':
            runs = int(next(it))
        elif a == '--keep':
            keep = True
        elif a == '--out':
            outdir = next(it)
        else:
            files.append(a)
    if os.geteuid() != 0:
        sys.exit('measure.py must run as root (it reads /proc/PID/pagemap and /proc/kpageflags)')
    os.umask(0o022)  # the probes create files as pinsim's processes do (fs/namei.c: Namei.UMASK)
    if not files:
        files = sorted(os.path.join(TEMPLATES, f) for f in os.listdir(TEMPLATES) if f.endswith('.pin'))
    uname = os.uname().release
    workdir = tempfile.mkdtemp(prefix='pinsim-probes-')
    os.chmod(workdir, 0o755)
    os.makedirs(outdir, exist_ok=True)
    allprob, failed = [], []
    for path in files:
        try:
            text, problems = measure(path, runs, workdir, uname, keep)
        except Exception as ex:  # keep going, report at the end
            failed.append('%s: %s' % (path, ex))
            print('FAILED', path, ex, file=sys.stderr)
            continue
        allprob += problems
        dst = os.path.join(outdir, os.path.basename(path))
        with open(dst, 'w') as f:
            f.write(text)
        print('measured', os.path.relpath(dst, REPO), ('(%d warnings)' % len(problems)) if problems else '')
    for p in allprob:
        print('WARNING', p, file=sys.stderr)
    if not keep:
        subprocess.run(['rm', '-rf', workdir])
    else:
        print('probe sources kept in', workdir)
    if failed:
        sys.exit('%d templates failed' % len(failed))


if __name__ == '__main__':
    main(sys.argv[1:])
