#!/usr/bin/env python3
"""Generate the host_* boundary/variation templates (conformance/probes/templates/host_*.pin)
that were written in bulk: RLIMIT_MEMLOCK boundaries (one page below / at / above, with and
without CAP_IPC_LOCK) for each way of locking, cumulative limits, byte rounding at the limit,
and a set of hand-written variations (fork/COW, shared anon, mprotect, madvise, munmap, ...).

usage: python3 conformance/probes/gen_host_variants.py
Existing templates of the same name are overwritten; the corpus files come from measure.py.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
T = {}

LIM = 64  # KiB
SIZES = [('below', LIM - 4), ('at', LIM), ('above', LIM + 4)]
ANON = 'PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0'


def proc(caps):
    return 'process app uid=1000 caps=%s rlimit.memlock=%dKiB' % (caps, LIM)


def boundary(mech, where, n, caps):
    """one file: lock n KiB by mechanism mech at a 64 KiB limit"""
    who = 'with CAP_IPC_LOCK (uid 1000, caps=ipc_lock): the limit is bypassed' if caps == 'ipc_lock' else 'unprivileged'
    ok = caps == 'ipc_lock' or n <= LIM
    big = max(128, 2 * n)
    L = []
    if mech == 'mlock':
        L.append('# RLIMIT_MEMLOCK boundary, mlock of %d KiB at a %d KiB limit (one page %s the limit), %s' % (n, LIM, where, who))
        L.append(proc(caps))
        L.append('buf = mmap(NULL, %dKiB, %s)' % (big, ANON))
        L.append('mlock(buf, %dKiB) = ?' % n)
        L += ['check app VmLck == ?', 'check app lck(buf) == ?', 'check app rss(buf) == ?',
              'check app locked_vmas(buf) == ?', 'check app vmas(buf) == ?', 'check vmstat.unevictable_pgs_mlocked == ?']
    elif mech == 'mlock2_onfault':
        L.append('# RLIMIT_MEMLOCK boundary, mlock2(MLOCK_ONFAULT) of %d KiB at a %d KiB limit (one page %s the limit), %s;' % (n, LIM, where, who))
        L.append('# the lock is charged without faulting anything in; touching then populates the locked part')
        L.append(proc(caps))
        L.append('buf = mmap(NULL, %dKiB, %s)' % (big, ANON))
        L.append('mlock2(buf, %dKiB, MLOCK_ONFAULT) = ?' % n)
        L += ['check app VmLck == ?', 'check app lck(buf) == ?', 'check app rss(buf) == ?', 'check vmstat.unevictable_pgs_mlocked == ?']
        L.append('touch(buf, %dKiB, write)' % n)
        L += ['check app rss(buf) == ?', 'check app smaps_locked(buf) == ?', 'check vmstat.unevictable_pgs_mlocked == ?']
    elif mech == 'map_locked':
        L.append('# RLIMIT_MEMLOCK boundary, mmap(MAP_LOCKED) of %d KiB at a %d KiB limit (one page %s the limit), %s' % (n, LIM, where, who))
        L.append(proc(caps))
        if ok:
            L.append('m = mmap(NULL, %dKiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)' % n)
            L += ['check app VmLck == ?', 'check app lck(m) == ?', 'check app rss(m) == ?', 'check app locked_vmas(m) == ?']
        else:
            L.append('mmap(NULL, %dKiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0) = ?' % n)
            L.append('check app VmLck == ?')
        L.append('check vmstat.unevictable_pgs_mlocked == ?')
    elif mech == 'mcl_future_mmap':
        L.append('# RLIMIT_MEMLOCK boundary, mlockall(MCL_FUTURE) then mmap of %d KiB at a %d KiB limit (one page %s the limit), %s' % (n, LIM, where, who))
        L.append(proc(caps))
        L.append('mlockall(MCL_FUTURE) = ?')
        if ok:
            L.append('m = mmap(NULL, %dKiB, %s)' % (n, ANON))
            L += ['check app VmLck == ?', 'check app lck(m) == ?', 'check app rss(m) == ?', 'check app locked_vmas(m) == ?']
        else:
            L.append('mmap(NULL, %dKiB, %s) = ?' % (n, ANON))
            L.append('check app VmLck == ?')
        L.append('check vmstat.unevictable_pgs_mlocked == ?')
    elif mech == 'mcl_future_brk':
        L.append('# RLIMIT_MEMLOCK boundary, mlockall(MCL_FUTURE) then brk growth by %d KiB at a %d KiB limit (one page %s the limit), %s;' % (n, LIM, where, who))
        L.append('# a refused growth returns the old break')
        L.append(proc(caps))
        L.append('mlockall(MCL_FUTURE) = ?')
        L.append('b0 = brk(NULL)')
        L.append('brk(b0 + %dKiB) = ?' % n)
        L += ['check app VmLck == ?', 'check app lck(b0, %dKiB) == ?' % n, 'check app rss(b0, %dKiB) == ?' % n,
              'check vmstat.unevictable_pgs_mlocked == ?']
    elif mech == 'mremap_grow':
        L.append('# RLIMIT_MEMLOCK boundary, mremap growing a locked 32 KiB mapping in place to %d KiB at a %d KiB limit (one page %s the limit), %s' % (n, LIM, where, who))
        L.append(proc(caps))
        L.append('r = mmap(NULL, %dKiB, %s)' % (big, ANON))
        L.append('munmap(r + 32KiB, %dKiB) = ?' % (big - 32))
        L.append('mlock(r, 32KiB) = ?')
        L.append('mremap(r, 32KiB, %dKiB, 0) = ?' % n)
        L += ['check app VmLck == ?', 'check app lck(r, %dKiB) == ?' % n, 'check app rss(r, %dKiB) == ?' % n,
              'check app vmas(r, %dKiB) == ?' % n, 'check vmstat.unevictable_pgs_mlocked == ?']
    return '\n'.join(L) + '\n'


for mech in ('mlock', 'mlock2_onfault', 'map_locked', 'mcl_future_mmap', 'mcl_future_brk', 'mremap_grow'):
    for where, n in SIZES:
        T['host_limit_%s_%s' % (mech, where)] = boundary(mech, where, n, 'none')
    T['host_limit_%s_above_ipc_lock' % mech] = boundary(mech, 'above', LIM + 4, 'ipc_lock')
    T['host_limit_%s_far_above_ipc_lock' % mech] = boundary(mech, 'far above', 4 * LIM, 'ipc_lock').replace(
        '(one page far above the limit)', '(four times the limit)')


def cumulative(mech, where, n):
    """32 KiB already locked with mlock on another mapping; lock n more with mech"""
    L = ['# cumulative RLIMIT_MEMLOCK: 32 KiB already locked by mlock on another mapping, then %s of %d KiB at a %d KiB limit'
         ' (total one page %s the limit), unprivileged' % (mech, n, LIM, where)]
    L.append(proc('none'))
    L.append('a = mmap(NULL, 32KiB, %s)' % ANON)
    L.append('mlock(a, 32KiB) = ?')
    ok = n + 32 <= LIM
    if mech == 'mlock':
        L.append('buf = mmap(NULL, 64KiB, %s)' % ANON)
        L.append('mlock(buf, %dKiB) = ?' % n)
        L += ['check app lck(buf) == ?', 'check app rss(buf) == ?']
    elif mech == 'mlock2_onfault':
        L.append('buf = mmap(NULL, 64KiB, %s)' % ANON)
        L.append('mlock2(buf, %dKiB, MLOCK_ONFAULT) = ?' % n)
        L += ['check app lck(buf) == ?', 'check app rss(buf) == ?']
    elif mech == 'map_locked':
        if ok:
            L.append('m = mmap(NULL, %dKiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)' % n)
            L += ['check app lck(m) == ?', 'check app rss(m) == ?']
        else:
            L.append('mmap(NULL, %dKiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0) = ?' % n)
    elif mech == 'mcl_future_mmap':
        L.append('mlockall(MCL_FUTURE) = ?')
        if ok:
            L.append('m = mmap(NULL, %dKiB, %s)' % (n, ANON))
            L += ['check app lck(m) == ?', 'check app rss(m) == ?']
        else:
            L.append('mmap(NULL, %dKiB, %s) = ?' % (n, ANON))
    L += ['check app VmLck == ?', 'check app lck(a) == ?']
    return '\n'.join(L) + '\n'


for mech in ('mlock', 'mlock2_onfault', 'map_locked', 'mcl_future_mmap'):
    for where, n in SIZES:
        T['host_limit_cumulative_%s_%s' % (mech, where)] = cumulative(mech, where, n - 32)

# byte rounding at the limit
T['host_limit_mlock_unaligned_fits'] = '''# mlock(buf + 1, 64KiB - 1) at a 64 KiB limit: the range rounds out to exactly 16 pages, which fits
%s
buf = mmap(NULL, 128KiB, %s)
mlock(buf + 1, 64KiB - 1) = ?
check app VmLck == ?
check app lck(buf) == ?
''' % (proc('none'), ANON)
T['host_limit_mlock_unaligned_crosses'] = '''# mlock(buf + 1, 64KiB) at a 64 KiB limit: one byte more makes the range span 17 pages, which does not fit; buf + 4095 with 60KiB + 1 ends exactly at buf + 64KiB (16 pages): fits
%s
buf = mmap(NULL, 128KiB, %s)
mlock(buf + 1, 64KiB) = ?
check app VmLck == ?
check app lck(buf) == ?
mlock(buf + 4095, 60KiB + 1) = ?
check app VmLck == ?
''' % (proc('none'), ANON)
T['host_limit_mlock2_onfault_unaligned_crosses'] = '''# mlock2(MLOCK_ONFAULT) byte rounding at a 64 KiB limit: buf + 1 with 64KiB - 1 fits (16 pages), buf + 4095 with 60KiB + 2 does not (17 pages)
%s
buf = mmap(NULL, 128KiB, %s)
mlock2(buf + 4095, 60KiB + 2, MLOCK_ONFAULT) = ?
check app VmLck == ?
mlock2(buf + 1, 64KiB - 1, MLOCK_ONFAULT) = ?
check app VmLck == ?
check app lck(buf) == ?
check app rss(buf) == ?
''' % (proc('none'), ANON)
T['host_limit_map_locked_unaligned_len'] = '''# mmap(MAP_LOCKED) with an unaligned length at a 64 KiB limit: 64KiB - 1 rounds up to 16 pages (fits), 64KiB + 1 to 17 (refused)
%s
mmap(NULL, 64KiB + 1, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0) = ?
check app VmLck == ?
m = mmap(NULL, 64KiB - 1, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)
check app VmLck == ?
check app lck(m, 64KiB) == ?
check app rss(m) == ?
''' % proc('none')

P64 = proc('none')
FILE = '''fd = openat(AT_FDCWD, "/tmp/pinsim-probe-file", O_RDWR|O_CREAT, 0600)
ftruncate(fd, 64KiB) = ?'''

T['host_relock_after_munlock_head'] = '''# at a 64 KiB limit: lock 64 KiB, munlock the first 16 KiB, relock the whole range (back to exactly the limit)
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
munlock(buf, 16KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app rss(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)
T['host_relock_after_munlock_middle'] = '''# munlock of the middle 16 KiB of a locked 64 KiB range splits it in 3 VMAs; relocking merges them back into one
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
munlock(buf + 24KiB, 16KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app rss(buf) == ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)
T['host_relock_after_munlock_tail_over_limit'] = '''# at a 64 KiB limit: lock 64 KiB, munlock the last 16 KiB, lock 16 KiB elsewhere (fits), then relocking the first range needs 16 more KiB: refused
%s
buf = mmap(NULL, 64KiB, %s)
b = mmap(NULL, 16KiB, %s)
mlock(buf, 64KiB) = ?
munlock(buf + 48KiB, 16KiB) = ?
mlock(b, 16KiB) = ?
check app VmLck == ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
check app lck(buf) == ?
mlock(buf, 48KiB) = ?
check app VmLck == ?
''' % (P64, ANON, ANON)
T['host_relock_onfault_after_partial_munlock'] = '''# mlock2(MLOCK_ONFAULT) 64 KiB, touch the first half, munlock the first half, then mlock (not on-fault) the whole range: all of it is populated
%s
buf = mmap(NULL, 64KiB, %s)
mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
touch(buf, 32KiB, write)
munlock(buf, 32KiB) = ?
check app VmLck == ?
check app rss(buf) == ?
check app vmas(buf) == ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
check app rss(buf) == ?
check app vmas(buf) == ?
check app smaps_locked(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)

T['host_lock_adjacent_rw_ro'] = '''# one mlock across two adjacent VMAs with different protections (RW then read-only private anon): both locked; the read-only half is populated with the shared zero page, so it is not resident
%s
buf = mmap(NULL, 64KiB, %s)
mprotect(buf + 32KiB, 32KiB, PROT_READ) = ?
check app vmas(buf) == ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
check app locked_vmas(buf) == ?
check app lck(buf) == ?
check app rss(buf) == ?
check app rss(buf + 32KiB, 32KiB) == ?
check vmstat.unevictable_pgs_mlocked == ?
''' % (P64, ANON)
T['host_lock_adjacent_none_rw'] = '''# one mlock across PROT_NONE then RW: populating the PROT_NONE VMA fails, so mlock returns ENOMEM, yet both VMAs stay locked and charged and nothing is populated; mprotect RW of the locked PROT_NONE part populates it
%s
buf = mmap(NULL, 64KiB, %s)
mprotect(buf, 32KiB, PROT_NONE) = ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
check app locked_vmas(buf) == ?
check app vmas(buf) == ?
check app rss(buf) == ?
check app rss(buf + 32KiB, 32KiB) == ?
mprotect(buf, 32KiB, PROT_READ|PROT_WRITE) = ?
check app vmas(buf) == ?
check app rss(buf) == ?
''' % (P64, ANON)
T['host_lock_adjacent_ro_rw_onfault'] = '''# mlock2(MLOCK_ONFAULT) across read-only then RW private anon: nothing populated; a read of the read-only half maps the zero page, a write of the RW half makes it resident
%s
buf = mmap(NULL, 64KiB, %s)
mprotect(buf, 32KiB, PROT_READ) = ?
mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
check app VmLck == ?
check app locked_vmas(buf) == ?
check app rss(buf) == ?
touch(buf, 32KiB, read)
touch(buf + 32KiB, 16KiB, write)
check app rss(buf) == ?
check app smaps_locked(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
''' % (P64, ANON)
T['host_lock_adjacent_anon_file'] = '''# one mlock across an anonymous VMA and an adjacent MAP_SHARED file VMA (MAP_FIXED into the second half)
%s
%s
buf = mmap(NULL, 128KiB, %s)
mmap(buf + 64KiB, 64KiB, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, fd, 0) = ?
mlock(buf + 32KiB, 64KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app lck(buf) == ?
check app rss(buf) == ?
''' % (P64, FILE, ANON)

T['host_mprotect_locked_split_middle'] = '''# mprotect(PROT_READ) of the middle of a locked range splits it into 3 locked VMAs (VmLck unchanged); mprotect back merges them
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
mprotect(buf + 16KiB, 16KiB, PROT_READ) = ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app VmLck == ?
check app rss(buf) == ?
mprotect(buf + 16KiB, 16KiB, PROT_READ|PROT_WRITE) = ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app VmLck == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)
T['host_mprotect_locked_none_and_back'] = '''# a locked, populated range mprotected to PROT_NONE stays locked and resident; back to RW it is unchanged
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
mprotect(buf, 64KiB, PROT_NONE) = ?
check app VmLck == ?
check app locked_vmas(buf) == ?
check app rss(buf) == ?
check app smaps_locked(buf) == ?
mprotect(buf, 64KiB, PROT_READ|PROT_WRITE) = ?
check app rss(buf) == ?
check app smaps_locked(buf) == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)
T['host_mprotect_onfault_split'] = '''# mlock2(MLOCK_ONFAULT) 64 KiB, touch 16 KiB, mprotect the second half read-only: 2 VMAs, both still locked on fault
%s
buf = mmap(NULL, 64KiB, %s)
mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
touch(buf, 16KiB, write)
mprotect(buf + 32KiB, 32KiB, PROT_READ) = ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app VmLck == ?
check app rss(buf) == ?
check app smaps_locked(buf) == ?
mprotect(buf + 32KiB, 32KiB, PROT_READ|PROT_WRITE) = ?
check app vmas(buf) == ?
touch(buf + 32KiB, 16KiB, write)
check app rss(buf) == ?
check app smaps_locked(buf) == ?
''' % (P64, ANON)
T['host_mprotect_partially_locked_merge'] = '''# lock the first half, mprotect the whole range read-only: the lock state keeps 2 VMAs; munlock of the first half lets them merge
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 32KiB) = ?
mprotect(buf, 64KiB, PROT_READ) = ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
munlock(buf, 32KiB) = ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app VmLck == ?
check app rss(buf) == ?
''' % (P64, ANON)

T['host_madvise_dontneed_locked_onfault'] = '''# MADV_DONTNEED_LOCKED on an on-fault locked range: pages dropped, lock kept; a read refault maps the zero page (not resident), a write makes pages resident again
%s
buf = mmap(NULL, 64KiB, %s)
mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
touch(buf, 64KiB, write)
madvise(buf, 32KiB, MADV_DONTNEED_LOCKED) = ?
check app rss(buf) == ?
check app VmLck == ?
check app locked_vmas(buf) == ?
touch(buf, 16KiB, read)
check app rss(buf) == ?
touch(buf, 32KiB, write)
check app rss(buf) == ?
check app smaps_locked(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)
T['host_madvise_dontneed_locked_map_locked'] = '''# MADV_DONTNEED_LOCKED on a MAP_LOCKED mapping: all pages dropped, VmLck unchanged, a write touch refaults them (locked again)
%s
m = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)
madvise(m, 64KiB, MADV_DONTNEED_LOCKED) = ?
check app VmLck == ?
check app rss(m) == ?
touch(m, 64KiB, write)
check app rss(m) == ?
check app smaps_locked(m) == ?
check vmstat.unevictable_pgs_mlocked == ?
''' % P64
T['host_madvise_dontneed_locked_partial'] = '''# MADV_DONTNEED_LOCKED of the middle 16 KiB of a locked range: the VMA stays whole and locked, the pages go; a write refaults them
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
madvise(buf + 24KiB, 16KiB, MADV_DONTNEED_LOCKED) = ?
check app vmas(buf) == ?
check app rss(buf) == ?
check app VmLck == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
check vmstat.unevictable_pgs_cleared == ?
touch(buf + 24KiB, 16KiB, write)
check app rss(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
''' % (P64, ANON)

T['host_fork_child_mlock_cow_shared'] = '''# fork after the parent touched 64 KiB (pages shared COW); the child mlocks them without writing: mlock populates a writable private VMA with write faults, breaking COW in the child
%s
buf = mmap(NULL, 64KiB, %s)
touch(buf, 64KiB, write)
kid = fork()
kid: mlock(buf, 64KiB) = ?
check kid VmLck == ?
check kid rss(buf) == ?
check kid smaps_locked(buf) == ?
check app VmLck == ?
check app rss(buf) == ?
check app locked_vmas(buf) == ?
''' % (P64, ANON)
T['host_fork_parent_locked_child_mlock_half'] = '''# the parent holds 64 KiB locked; fork (the child is not locked); the child locks half; the parent munlocks: each process's lock state is its own
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
kid = fork()
check kid VmLck == ?
check kid rss(buf) == ?
kid: mlock(buf, 32KiB) = ?
check kid VmLck == ?
check kid vmas(buf) == ?
app: munlock(buf, 64KiB) = ?
check app VmLck == ?
check kid VmLck == ?
check kid smaps_locked(buf) == ?
check app rss(buf) == ?
''' % (P64, ANON)
T['host_fork_child_mlock_file_private_ro'] = '''# a read-only MAP_PRIVATE file mapping read by the parent, then fork; the child mlocks it: no COW (not writable), the page cache pages are shared
%s
%s
buf = mmap(NULL, 64KiB, PROT_READ, MAP_PRIVATE, fd, 0)
touch(buf, 64KiB, read)
kid = fork()
kid: mlock(buf, 64KiB) = ?
check kid VmLck == ?
check kid rss(buf) == ?
check kid smaps_locked(buf) == ?
check app rss(buf) == ?
check app VmLck == ?
''' % (P64, FILE)

T['host_file_private_ro_mlock_then_write'] = '''# MAP_PRIVATE file mapping locked while read-only (page cache pages mapped), then mprotect RW and written: private COW copies replace them, still locked
%s
%s
buf = mmap(NULL, 64KiB, PROT_READ, MAP_PRIVATE, fd, 0)
mlock(buf, 64KiB) = ?
check app rss(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
mprotect(buf, 64KiB, PROT_READ|PROT_WRITE) = ?
touch(buf, 32KiB, write)
check app rss(buf) == ?
check app smaps_locked(buf) == ?
check app VmLck == ?
check app vmas(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, FILE)
T['host_file_private_rw_mlock_write_nofault'] = '''# writable MAP_PRIVATE file mapping: mlock populates it with write faults (COW done) and the later writes change nothing (the vmstat.pgfault delta that would show no new fault is system-wide and was not reproducible on the shared machine)
%s
%s
buf = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd, 0)
mlock(buf, 64KiB) = ?
check vmstat.pgfault == ?
touch(buf, 64KiB, write)
check vmstat.pgfault == ?
check app rss(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
''' % (P64, FILE)
T['host_file_private_onfault_read_then_write'] = '''# MAP_PRIVATE RW file mapping locked on fault: a read maps page cache pages (locked; fault-around may map more than the pages touched), a later write replaces them with private copies
%s
%s
buf = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd, 0)
mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
touch(buf, 32KiB, read)
check app rss(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
touch(buf, 32KiB, write)
check app rss(buf) == ?
check app smaps_locked(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, FILE)

T['host_shared_anon_parent_child_mlock'] = '''# MAP_SHARED|MAP_ANONYMOUS locked by the parent; after fork the child locks half; the parent munlocks: VmLck is per process, the shared pages stay resident in both
%s
buf = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0)
mlock(buf, 64KiB) = ?
kid = fork()
check kid VmLck == ?
check kid rss(buf) == ?
kid: mlock(buf, 32KiB) = ?
check kid VmLck == ?
check kid smaps_locked(buf) == ?
app: munlock(buf, 64KiB) = ?
check app VmLck == ?
check app rss(buf) == ?
check kid rss(buf) == ?
''' % P64
T['host_shared_anon_child_mlock_parent_unmapped'] = '''# untouched MAP_SHARED|MAP_ANONYMOUS, fork, the child mlocks it: the shmem pages exist now but are not mapped in the parent until it touches them
%s
buf = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0)
kid = fork()
kid: mlock(buf, 64KiB) = ?
check kid rss(buf) == ?
check kid VmLck == ?
check app rss(buf) == ?
app: touch(buf, 32KiB, read)
check app rss(buf) == ?
check app VmLck == ?
''' % P64
T['host_shared_anon_child_exit_locked'] = '''# the child locks a MAP_SHARED|MAP_ANONYMOUS region and exits: the parent's mapping and VmLck are unaffected
%s
buf = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0)
touch(buf, 16KiB, write)
kid = fork()
kid: mlock(buf, 64KiB) = ?
check kid VmLck == ?
kid: exit(0)
check app VmLck == ?
check app rss(buf) == ?
check app locked_vmas(buf) == ?
mlock(buf, 64KiB) = ?
check app VmLck == ?
''' % P64

T['host_munmap_middle_onfault'] = '''# munmap of the middle 16 KiB of an on-fault locked, half-touched 64 KiB range: VmLck drops by 16 KiB, two locked VMAs remain
%s
buf = mmap(NULL, 64KiB, %s)
mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
touch(buf, 32KiB, write)
munmap(buf + 24KiB, 16KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app rss(buf) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)
T['host_munmap_middle_map_locked'] = '''# munmap of the middle of a MAP_LOCKED mapping: VmLck drops, two locked VMAs remain; mlock over the new hole fails with ENOMEM
%s
m = mmap(NULL, 64KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)
munmap(m + 16KiB, 32KiB) = ?
check app VmLck == ?
check app vmas(m) == ?
check app locked_vmas(m) == ?
check app rss(m) == ?
check vmstat.unevictable_pgs_mlocked == ?
check vmstat.unevictable_pgs_munlocked == ?
mlock(m + 16KiB, 32KiB) = ?
''' % P64
T['host_munmap_middle_mcl_future'] = '''# mlockall(MCL_FUTURE) mapping, munmap of its middle, then a new mmap fills a hole elsewhere: VmLck follows
%s
mlockall(MCL_FUTURE) = ?
m = mmap(NULL, 48KiB, %s)
munmap(m + 16KiB, 16KiB) = ?
check app VmLck == ?
check app vmas(m) == ?
check app locked_vmas(m) == ?
n = mmap(NULL, 32KiB, %s)
check app VmLck == ?
mmap(NULL, 4KiB, %s) = ?
check app VmLck == ?
''' % (P64, ANON, ANON, ANON)
T['host_munmap_head_tail_locked'] = '''# munmap of the first and last 8 KiB of a locked 64 KiB range: one locked VMA of 48 KiB remains
%s
buf = mmap(NULL, 64KiB, %s)
mlock(buf, 64KiB) = ?
munmap(buf, 8KiB) = ?
munmap(buf + 56KiB, 8KiB) = ?
check app VmLck == ?
check app vmas(buf) == ?
check app lck(buf) == ?
check app rss(buf) == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON)

T['host_mlockall_current_onfault_touch_read'] = '''# mlockall(MCL_CURRENT|MCL_ONFAULT) then read-touching a private anon range: the zero page is mapped, nothing becomes resident
process app uid=1000 caps=none rlimit.memlock=8MiB
buf = mmap(NULL, 64KiB, %s)
mlockall(MCL_CURRENT|MCL_ONFAULT) = ?
touch(buf, 64KiB, read)
check app rss(buf) == ?
check app locked_vmas(buf) == ?
check app smaps_locked(buf) == ?
touch(buf, 16KiB, write)
check app rss(buf) == ?
check app smaps_locked(buf) == ?
''' % ANON
T['host_mlockall_current_onfault_then_mmap'] = '''# mlockall(MCL_CURRENT|MCL_ONFAULT) without MCL_FUTURE: existing mapping locked on fault, a new mapping not locked
process app uid=1000 caps=none rlimit.memlock=8MiB
buf = mmap(NULL, 64KiB, %s)
mlockall(MCL_CURRENT|MCL_ONFAULT) = ?
b = mmap(NULL, 64KiB, %s)
touch(buf, 64KiB, write)
touch(b, 64KiB, write)
check app locked_vmas(buf) == ?
check app locked_vmas(b) == ?
check app smaps_locked(buf) == ?
check app smaps_locked(b) == ?
''' % (ANON, ANON)
T['host_mlockall_current_onfault_munlock_part'] = '''# mlockall(MCL_CURRENT|MCL_ONFAULT), touch all, munlock the middle: split in 3, the middle unlocked but resident
process app uid=1000 caps=none rlimit.memlock=8MiB
buf = mmap(NULL, 64KiB, %s)
mlockall(MCL_CURRENT|MCL_ONFAULT) = ?
touch(buf, 64KiB, write)
munlock(buf + 16KiB, 32KiB) = ?
check app vmas(buf) == ?
check app locked_vmas(buf) == ?
check app lck(buf) == ?
check app rss(buf) == ?
check app smaps_locked(buf) == ?
''' % ANON

T['host_fork_child_exit_map_locked'] = '''# the child maps 32 KiB with MAP_LOCKED and exits: the parent VmLck and its own locked mapping are unaffected
%s
buf = mmap(NULL, 32KiB, %s)
mlock(buf, 32KiB) = ?
kid = fork()
kid: m = mmap(NULL, 32KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)
check kid VmLck == ?
kid: exit(0)
check app VmLck == ?
check app lck(buf) == ?
c = mmap(NULL, 32KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0)
check app VmLck == ?
''' % (P64, ANON)
T['host_fork_child_exit_mlockall'] = '''# the child calls mlockall(MCL_CURRENT|MCL_FUTURE) and exits: the parent's mappings are not locked, MCL_FUTURE is not set in the parent
process app uid=1000 caps=none rlimit.memlock=8MiB
buf = mmap(NULL, 64KiB, %s)
kid = fork()
kid: mlockall(MCL_CURRENT|MCL_FUTURE) = ?
check kid locked_vmas(buf) == ?
kid: exit(0)
check app VmLck == ?
check app locked_vmas(buf) == ?
b = mmap(NULL, 16KiB, %s)
check app locked_vmas(b) == ?
''' % (ANON, ANON)
T['host_fork_child_exit_onfault'] = '''# the child locks the shared COW range on fault and writes half of it, then exits: parent pages, rss and VmLck unchanged
%s
buf = mmap(NULL, 64KiB, %s)
touch(buf, 64KiB, write)
kid = fork()
kid: mlock2(buf, 64KiB, MLOCK_ONFAULT) = ?
kid: touch(buf, 32KiB, write)
check kid VmLck == ?
check kid smaps_locked(buf) == ?
kid: exit(0)
check app VmLck == ?
check app rss(buf) == ?
check app locked_vmas(buf) == ?
''' % (P64, ANON)

T['host_mremap_maymove_locked_at_limit'] = '''# a locked 32 KiB mapping with no room after it (its last page replaced by a read-only MAP_FIXED page) grown with MREMAP_MAYMOVE to exactly the 64 KiB limit (moves, stays locked), then one page more (refused)
%s
r = mmap(NULL, 36KiB, %s)
mmap(r + 32KiB, 4KiB, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = ?
mlock(r, 32KiB) = ?
g = mremap(r, 32KiB, 64KiB, MREMAP_MAYMOVE)
check app VmLck == ?
check app lck(g) == ?
check app rss(g) == ?
mremap(g, 64KiB, 68KiB, MREMAP_MAYMOVE) = ?
check app VmLck == ?
''' % (P64, ANON)
T['host_mremap_grow_onfault'] = '''# mremap growing an on-fault locked mapping in place: the growth is locked (and charged) but, being on-fault, not populated
%s
r = mmap(NULL, 64KiB, %s)
munmap(r + 32KiB, 32KiB) = ?
mlock2(r, 32KiB, MLOCK_ONFAULT) = ?
touch(r, 16KiB, write)
mremap(r, 32KiB, 64KiB, 0) = ?
check app VmLck == ?
check app lck(r, 64KiB) == ?
check app rss(r, 64KiB) == ?
check app vmas(r, 64KiB) == ?
''' % (P64, ANON)
T['host_mremap_shrink_then_grow_locked'] = '''# shrinking a locked mapping with mremap releases its charge; once another mapping takes the freed charge, growing it back in place is refused (EAGAIN)
%s
r = mmap(NULL, 64KiB, %s)
mlock(r, 64KiB) = ?
mremap(r, 64KiB, 16KiB, 0) = ?
check app VmLck == ?
b = mmap(NULL, 48KiB, %s)
mlock(b, 48KiB) = ?
mremap(r, 16KiB, 32KiB, 0) = ?
check app VmLck == ?
check vmstat.unevictable_pgs_munlocked == ?
''' % (P64, ANON, ANON)
T['host_mlockall_future_populate_at_limit'] = '''# mlockall(MCL_FUTURE) then MAP_POPULATE mappings: exactly at the 64 KiB limit works, one page more is refused
%s
mlockall(MCL_FUTURE) = ?
a = mmap(NULL, 60KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0)
check app VmLck == ?
mmap(NULL, 8KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = ?
b = mmap(NULL, 4KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0)
check app VmLck == ?
check app rss(b) == ?
''' % P64
T['host_brk_future_shrink_regrow_at_limit'] = '''# mlockall(MCL_FUTURE): brk grown to the 64 KiB limit, shrunk by 32 KiB (uncharged), regrown to the limit again
%s
mlockall(MCL_FUTURE) = ?
b0 = brk(NULL)
brk(b0 + 64KiB) = ?
check app VmLck == ?
brk(b0 + 32KiB) = ?
check app VmLck == ?
brk(b0 + 64KiB) = ?
check app VmLck == ?
brk(b0 + 68KiB) = ?
check app VmLck == ?
''' % P64
T['host_mlock2_onfault_munlock_relock_limit'] = '''# at a 64 KiB limit: mlock2(MLOCK_ONFAULT) of 64 KiB, munlock 32 KiB, lock 32 KiB elsewhere (full again), relocking on fault refused
%s
a = mmap(NULL, 64KiB, %s)
b = mmap(NULL, 32KiB, %s)
mlock2(a, 64KiB, MLOCK_ONFAULT) = ?
munlock(a + 32KiB, 32KiB) = ?
mlock(b, 32KiB) = ?
mlock2(a, 64KiB, MLOCK_ONFAULT) = ?
check app VmLck == ?
check app lck(a) == ?
check app rss(b) == ?
''' % (P64, ANON, ANON)


# vmstat counters are system-wide: on this shared build machine other processes (other probes
# among them) mlock, munlock and fault concurrently, and repeated measure.py runs gave differing
# unevictable_pgs_* and pgfault deltas in many of these files.  So these templates carry no vmstat
# checks; the per-process figures (VmLck, lck, rss, locked_vmas, vmas, smaps_locked) are exact.
for _name in T:
    T[_name] = ''.join(l for l in T[_name].splitlines(True) if not l.startswith('check vmstat.'))


def main():
    for name, text in sorted(T.items()):
        with open(os.path.join(HERE, 'templates', name + '.pin'), 'w') as f:
            f.write(text)
    print('wrote %d templates' % len(T))


if __name__ == '__main__':
    main()
