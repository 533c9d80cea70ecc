#!/usr/bin/env python3
"""Random differential scenarios for `./pinsim verify`: no expectations are written, so the
live kernel is the only oracle (every call is `= ?`, every check a vacuous `>= 0` whose
value verify compares between the kernel and pinsim).

    python3 conformance/probes/gen_fuzz.py FIRST_SEED LAST_SEED   # writes fz_NNN.pin here
    ./pinsim verify fz_*.pin
"""
import random, sys
def gen(seed):
    r = random.Random(seed)
    lim = r.choice(["64KiB", "256KiB", "1MiB", "8MiB"])
    caps = r.choice(["none", "none", "none", "ipc_lock"])
    L = ["# random differential scenario, seed %d" % seed,
         "process app uid=1000 caps=%s rlimit.memlock=%s" % (caps, lim)]
    names = []
    procs = ["app"]
    n = 0
    for i in range(40):
        p = r.choice(procs)
        pre = "" if p == "app" and len(procs) == 1 else p + ": "
        op = r.randrange(14)
        if op <= 2 or not names:
            n += 1; nm = "m%d" % n
            sz = r.choice([1,2,3,4,8,16,32]) 
            prot = r.choice(["PROT_READ|PROT_WRITE"]*4 + ["PROT_READ", "PROT_NONE"])
            fl = "MAP_PRIVATE|MAP_ANONYMOUS" if r.random() < 0.8 else "MAP_SHARED|MAP_ANONYMOUS"
            if r.random() < 0.2: fl += "|MAP_LOCKED"
            if r.random() < 0.15: fl += "|MAP_POPULATE"
            if r.random() < 0.1: fl += "|MAP_NORESERVE"
            L.append("%s%s = mmap(NULL, %dKiB, %s, %s, -1, 0)" % (pre, nm, sz*4, prot, fl))
            names.append((nm, sz, p))
            continue
        nm, sz, owner = r.choice(names)
        if owner != p and p != "app" and owner == "app":
            pass
        off = r.randrange(sz) * 4
        ln = r.randrange(1, sz - off//4 + 2) * 4
        a = "%s + %dKiB" % (nm, off) if off else nm
        if op == 3: L.append("%smlock(%s, %dKiB) = ?" % (pre, a, ln))
        elif op == 4: L.append("%smlock2(%s, %dKiB, MLOCK_ONFAULT) = ?" % (pre, a, ln))
        elif op == 5: L.append("%smunlock(%s, %dKiB) = ?" % (pre, a, ln))
        elif op == 6: L.append("%smprotect(%s, %dKiB, %s) = ?" % (pre, a, ln, r.choice(["PROT_READ","PROT_READ|PROT_WRITE","PROT_NONE"])))
        elif op == 7: L.append("%smunmap(%s, %dKiB) = ?" % (pre, a, ln))
        elif op == 8: L.append("%stouch(%s, %dKiB%s)" % (pre, a, ln, r.choice(["", ", write"])))
        elif op == 9: L.append("%smadvise(%s, %dKiB, %s) = ?" % (pre, a, ln, r.choice(["MADV_DONTNEED","MADV_DONTNEED_LOCKED","MADV_FREE","MADV_WILLNEED","MADV_DONTFORK"])))
        elif op == 10: L.append("%smlockall(%s) = ?" % (pre, r.choice(["MCL_CURRENT","MCL_FUTURE","MCL_CURRENT|MCL_FUTURE","MCL_CURRENT|MCL_ONFAULT","MCL_FUTURE|MCL_ONFAULT"])))
        elif op == 11: L.append("%smunlockall() = ?" % pre)
        elif op == 12 and len(procs) < 2:
            L.append("kid = fork()"); procs.append("kid")
        elif op == 13:
            n += 1; nn = "r%d" % n
            new = r.choice([1,2,4,8,16]) * 4
            L.append("%s%s = mremap(%s, %dKiB, %dKiB, MREMAP_MAYMOVE)" % (pre, nn, nm, sz*4, new))
        L.append("check %s VmLck >= 0 kB" % p)
        L.append("check %s vmas(%s, %dKiB) >= 0" % (p, nm, sz*4))
        L.append("check %s lck(%s, %dKiB) >= 0 kB" % (p, nm, sz*4))
        L.append("check %s rss(%s, %dKiB) >= 0 kB" % (p, nm, sz*4))
    return "\n".join(L) + "\n"
for s in range(int(sys.argv[1]), int(sys.argv[2])):
    open("fz_%03d.pin" % s, "w").write(gen(s))
