#!/usr/bin/env python3
"""Random differential scenarios aimed at the families of issue 8, for `./pinsim verify`.

Like gen_fuzz.py, no expectation is written: every call is `= ?` and every check a vacuous
`>= 0`, so the live kernel is the only oracle and verify compares its values with pinsim's.
The mix leans on what gen_fuzz.py never drew: every madvise advice a process can give
without privileges (transparent huge pages aside: MADV_HUGEPAGE and MADV_COLLAPSE are left
to the physical-memory work), mremap flag combinations (MAYMOVE, FIXED onto another
mapping, DONTUNMAP, hints, growth in place), files opened with assorted flags and mapped
private and shared, ftruncate and O_TRUNC under those mappings, touches past EOF, and
memfds.

    python3 conformance/probes/gen_fuzz_families.py FIRST_SEED LAST_SEED [DIR]   # writes ff_NNN.pin
    ./pinsim verify DIR/ff_*.pin
"""
import os
import random
import sys

ADVICE = ["MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_DONTNEED",
          "MADV_DONTNEED_LOCKED", "MADV_FREE", "MADV_REMOVE", "MADV_DONTFORK", "MADV_DOFORK",
          "MADV_MERGEABLE", "MADV_UNMERGEABLE", "MADV_NOHUGEPAGE", "MADV_DONTDUMP", "MADV_DODUMP",
          "MADV_WIPEONFORK", "MADV_KEEPONFORK", "MADV_COLD", "MADV_PAGEOUT", "MADV_POPULATE_READ",
          "MADV_POPULATE_WRITE", "MADV_GUARD_INSTALL", "MADV_GUARD_REMOVE"]
PROTS = ["PROT_READ|PROT_WRITE"] * 4 + ["PROT_READ", "PROT_NONE"]
OPEN_FLAGS = ["O_RDWR|O_CREAT", "O_RDWR|O_CREAT", "O_RDWR|O_CREAT|O_TRUNC", "O_RDONLY|O_CREAT",
              "O_WRONLY|O_CREAT", "O_RDWR", "O_RDONLY", "O_RDONLY|O_TRUNC", "O_RDWR|O_CREAT|O_EXCL"]


def gen(seed):
    r = random.Random(seed)
    lim = r.choice(["64KiB", "256KiB", "1MiB", "8MiB"])
    caps = r.choice(["none", "none", "none", "ipc_lock"])
    out = ["# random differential scenario (issue 8 families), seed %d" % seed,
           "process app uid=1000 caps=%s rlimit.memlock=%s" % (caps, lim)]
    regions = []     # (name, pages, proc)
    fds = []         # (name, pages of the file as sized, proc)
    procs = ["app"]
    n = [0]

    def fresh(prefix):
        n[0] += 1
        return "%s%d" % (prefix, n[0])

    def checks(p, nm, pages):
        out.append("check %s VmLck >= 0 kB" % p)
        out.append("check %s vmas(%s, %dKiB) >= 0" % (p, nm, pages * 4))
        out.append("check %s lck(%s, %dKiB) >= 0 kB" % (p, nm, pages * 4))
        out.append("check %s rss(%s, %dKiB) >= 0 kB" % (p, nm, pages * 4))

    for _ in range(36):
        p = r.choice(procs)
        pre = "" if len(procs) == 1 else p + ": "
        mine = [x for x in regions if x[2] == p]
        my_fds = [x for x in fds if x[2] == p or x[2] == "app"]
        op = r.randrange(20)
        if op <= 1 or not mine:
            nm = fresh("m")
            pages = r.choice([1, 2, 4, 8, 16])
            fl = r.choice(["MAP_PRIVATE|MAP_ANONYMOUS"] * 3 + ["MAP_SHARED|MAP_ANONYMOUS"])
            if r.random() < 0.15:
                fl += "|MAP_LOCKED"
            if r.random() < 0.15:
                fl += "|MAP_POPULATE"
            out.append("%s%s = mmap(NULL, %dKiB, %s, %s, -1, 0)" % (pre, nm, pages * 4, r.choice(PROTS), fl))
            regions.append((nm, pages, p))
            checks(p, nm, pages)
            continue
        if op == 2:
            # a file: opened with assorted flags, sized, mapped private or shared
            fd = fresh("fd")
            path = "/tmp/ff-%d-%d" % (seed, r.randrange(3))
            out.append("%s%s = openat(AT_FDCWD, \"%s\", %s, 0600) = ?" % (pre, fd, path, r.choice(OPEN_FLAGS)))
            pages = r.choice([1, 2, 4, 8])
            out.append("%sftruncate(%s, %dKiB) = ?" % (pre, fd, pages * 4))
            fds.append((fd, pages, p))
            nm = fresh("f")
            mp = r.choice([pages, pages, pages * 2])
            share = r.choice(["MAP_SHARED", "MAP_PRIVATE"])
            out.append("%s%s = mmap(NULL, %dKiB, %s, %s, %s, 0)" % (pre, nm, mp * 4, r.choice(PROTS), share, fd))
            regions.append((nm, mp, p))
            checks(p, nm, mp)
            continue
        if op == 3:
            fd = fresh("mfd")
            out.append("%s%s = memfd_create(\"ff%d\", %s) = ?" % (
                pre, fd, seed, r.choice(["0", "MFD_CLOEXEC", "MFD_ALLOW_SEALING", "MFD_NOEXEC_SEAL", "MFD_EXEC"])))
            pages = r.choice([1, 4, 8])
            out.append("%sftruncate(%s, %dKiB) = ?" % (pre, fd, pages * 4))
            fds.append((fd, pages, p))
            nm = fresh("s")
            out.append("%s%s = mmap(NULL, %dKiB, PROT_READ|PROT_WRITE, %s, %s, 0)" % (
                pre, nm, pages * 4, r.choice(["MAP_SHARED", "MAP_PRIVATE"]), fd))
            regions.append((nm, pages, p))
            checks(p, nm, pages)
            continue
        if op == 4 and my_fds:
            fd, pages, _ = r.choice(my_fds)
            new = r.choice([0, 1, 2, pages, pages * 2])
            out.append("%sftruncate(%s, %dKiB) = ?" % (pre, fd, new * 4))
            nm, rp, _ = r.choice(mine)
            checks(p, nm, rp)
            continue
        nm, pages, _ = r.choice(mine)
        off = r.randrange(pages) * 4
        ln = r.randrange(1, pages - off // 4 + 2) * 4
        a = "%s + %dKiB" % (nm, off) if off else nm
        if op in (5, 6, 7):
            out.append("%smadvise(%s, %dKiB, %s) = ?" % (pre, a, ln, r.choice(ADVICE)))
        elif op in (8, 9):
            kind = r.randrange(6)
            rn = fresh("r")
            if kind == 0:
                out.append("%s%s = mremap(%s, %dKiB, %dKiB, MREMAP_MAYMOVE) = ?" % (
                    pre, rn, nm, pages * 4, r.choice([1, 2, 4, 8, 16]) * 4))
            elif kind == 1:
                out.append("%s%s = mremap(%s, %dKiB, %dKiB, 0) = ?" % (pre, rn, nm, pages * 4, r.choice([1, 2, pages, pages * 2]) * 4))
            elif kind == 2:
                out.append("%s%s = mremap(%s, %dKiB, %dKiB, MREMAP_MAYMOVE|MREMAP_DONTUNMAP) = ?" % (
                    pre, rn, nm, pages * 4, pages * 4))
            elif kind == 3:
                # the source stays inside the named mapping: past its end lies whatever the
                # layout put there (the executor's own mappings on the live side, pinsim's
                # image on the other), and a multi-VMA move would carry that along
                other, op_pages, _ = r.choice(mine)
                inside = r.randrange(1, pages - off // 4 + 1) * 4
                out.append("%s%s = mremap(%s, %dKiB, %dKiB, MREMAP_MAYMOVE|MREMAP_FIXED, %s) = ?" % (
                    pre, rn, a, inside, r.choice([inside, inside * 2]), other))
            elif kind == 4:
                other, _, _ = r.choice(mine)
                out.append("%s%s = mremap(%s, %dKiB, %dKiB, MREMAP_MAYMOVE|MREMAP_DONTUNMAP|MREMAP_FIXED, %s) = ?" % (
                    pre, rn, nm, pages * 4, pages * 4, other))
            else:
                hint = r.choice([nm, "%s + 4KiB" % nm, "0x10000", "0x800000000000"])
                out.append("%s%s = mremap(%s, %dKiB, %dKiB, MREMAP_MAYMOVE|MREMAP_DONTUNMAP, %s) = ?" % (
                    pre, rn, nm, pages * 4, pages * 4, hint))
        elif op == 10:
            out.append("%stouch(%s, %dKiB%s)" % (pre, a, ln, r.choice(["", ", write"])))
        elif op == 11:
            out.append("%smlock(%s, %dKiB) = ?" % (pre, a, ln))
        elif op == 12:
            out.append("%smlock2(%s, %dKiB, MLOCK_ONFAULT) = ?" % (pre, a, ln))
        elif op == 13:
            out.append("%smunlock(%s, %dKiB) = ?" % (pre, a, ln))
        elif op == 14:
            out.append("%smprotect(%s, %dKiB, %s) = ?" % (pre, a, ln, r.choice(["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE"])))
        elif op == 15:
            out.append("%smunmap(%s, %dKiB) = ?" % (pre, a, ln))
        elif op == 16:
            out.append("%smlockall(%s) = ?" % (pre, r.choice(["MCL_CURRENT", "MCL_FUTURE", "MCL_CURRENT|MCL_ONFAULT"])))
        elif op == 17:
            out.append("%smunlockall() = ?" % pre)
        elif op == 18 and len(procs) < 2:
            out.append("kid = fork()")
            procs.append("kid")
            regions += [(x[0], x[1], "kid") for x in regions if x[2] == "app"]
            continue
        else:
            out.append("%stouch(%s, %dKiB, write)" % (pre, a, ln))
        checks(p, nm, pages)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    first, last = int(sys.argv[1]), int(sys.argv[2])
    where = sys.argv[3] if len(sys.argv) > 3 else "."
    for s in range(first, last):
        with open(os.path.join(where, "ff_%03d.pin" % s), "w") as f:
            f.write(gen(s))
