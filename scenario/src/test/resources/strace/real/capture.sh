#!/bin/sh
# Captures the real strace logs of this directory (see README.md). Run as root from an empty
# directory that uid 60001 may write; writes NAME.{root,user}.{full,filtered}.strace there.
set -u
unpriv() {   # uid 60001, no capabilities, no CAP_IPC_LOCK in the bounding set, memlock 64 KiB soft and hard
    prlimit --memlock=65536:65536 setpriv --reuid=60001 --regid=60001 --clear-groups \
        --inh-caps=-ipc_lock --bounding-set=-ipc_lock "$@"
}
capture() {  # NAME COMMAND...
    name=$1; shift
    timeout 120 strace -f -o "$name.root.full.strace" "$@" >/dev/null 2>&1
    timeout 120 strace -f -e trace=%memory,%process -o "$name.root.filtered.strace" "$@" >/dev/null 2>&1
    unpriv timeout 120 strace -f -o "$name.user.full.strace" "$@" >/dev/null 2>&1
    unpriv timeout 120 strace -f -e trace=%memory,%process -o "$name.user.filtered.strace" "$@" >/dev/null 2>&1
}
capture stress-mlock stress-ng --mlock 1 --mlock-ops 2 -t 5
capture stress-mlockmany stress-ng --mlockmany 1 --mlockmany-ops 1 --mlockmany-procs 1 --pathological -t 1
capture stress-mremap stress-ng --mremap 1 --mremap-ops 2 --mremap-bytes 1M -t 5
capture stress-mmap stress-ng --mmap 1 --mmap-ops 1 --mmap-bytes 64K -t 5
capture cyclictest cyclictest -m -l 100 -q
capture memtester memtester 256K 1
capture stress-pthread stress-ng --pthread 1 --pthread-ops 4 --pthread-max 2 -t 5
