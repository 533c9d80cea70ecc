#!/bin/sh
# Real kernel vs pinsim, ns per 4 KiB page, measured in one command on this machine.
#
#   sh bench/run-compare.sh            (from the repo root, as root; about 2 minutes)
#
# 1. the real-kernel baseline: bench/kernel/run.sh (kbench.c, gcc -O2), one run,
#    sizes up to 1 GiB;
# 2. pinsim bench (./pinsim bench, or BenchRunner from bench/target/benchmarks.jar when
#    the launcher is missing), the same ops and sizes;
# 3. a markdown table joined on (op, bytes): kernel ns/page, pinsim ns/page, kernel/pinsim.
#
# Environment: CMP_OUT (default a new temp dir) keeps kernel.jsonl, pinsim.jsonl and
# compare.md; PINSIM_BENCH_ARGS is passed to the bench (e.g. "--size 64MiB"); PINSIM_JAR runs
# that pinsim.jar instead of the ./pinsim launcher (which rebuilds when a source changed).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kbench=bench/kernel/run.sh
out=${CMP_OUT:-$(mktemp -d)}
mkdir -p "$out"
[ "$(id -u)" = 0 ] || { echo "run-compare: kbench must run as root" >&2; exit 2; }
[ -f "$kbench" ] || { echo "run-compare: $kbench not found" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "run-compare: python3 is needed for the join" >&2; exit 2; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
	echo "java: $(java -version 2>&1 | head -1)"
} > "$out/machine.txt"

echo "run-compare: real kernel (kbench, 1 run, up to 1 GiB); load $(load)" >&2
echo "load average before kbench: $(load)" >> "$out/machine.txt"
kb_out=$(mktemp -d)
KB_OUT=$kb_out KB_MAX_MIB=1024 KB_RUNS=1 sh "$kbench"
cp "$kb_out/results.jsonl" "$out/kernel.jsonl"
echo "load average after kbench: $(load)" >> "$out/machine.txt"

echo "run-compare: pinsim bench; load $(load)" >&2
# shellcheck disable=SC2086
if [ -n "${PINSIM_JAR:-}" ]; then
	java -Xmx4g -jar "$PINSIM_JAR" bench ${PINSIM_BENCH_ARGS:-} > "$out/pinsim.jsonl"
elif [ -x ./pinsim ]; then
	./pinsim bench ${PINSIM_BENCH_ARGS:-} > "$out/pinsim.jsonl"
else
	[ -f bench/target/benchmarks.jar ] || mvn -q -B -pl bench -am package -DskipTests >&2
	java -Xmx4g -cp bench/target/benchmarks.jar org.pinsim.bench.BenchRunner ${PINSIM_BENCH_ARGS:-} > "$out/pinsim.jsonl"
fi
echo "load average after pinsim: $(load)" >> "$out/machine.txt"

python3 - "$out/kernel.jsonl" "$out/pinsim.jsonl" "$out/machine.txt" > "$out/compare.md" <<'PY'
import json, sys

def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]

kernel = {(d["op"], d["bytes"]): d for d in lines(sys.argv[1]) if "ns_total" in d}
pinsim = lines(sys.argv[2])
size = lambda b: f"{b >> 30} GiB" if b >= 1 << 30 else f"{b >> 20} MiB"
print("```")
print(open(sys.argv[3]).read().rstrip())
print("```")
print()
print("| op | size | kernel ns/page | pinsim ns/page | kernel/pinsim | >= 20x |")
print("|---|---:|---:|---:|---:|:---:|")
fixed = []
for d in pinsim:
    if "ns_total" not in d:
        continue
    k = kernel.get((d["op"], d["bytes"]))
    if d["pages"] == 0:
        fixed.append((d, k))
        continue
    if k is None:
        continue
    ratio = k["ns_per_page"] / d["ns_per_page"] if d["ns_per_page"] else float("inf")
    print(f"| {d['op']} | {size(d['bytes'])} | {k['ns_per_page']:.1f} | {d['ns_per_page']:.1f} "
          f"| {ratio:.1f} | {'yes' if ratio >= 20 else 'no'} |")
if fixed:
    print()
    print("| fixed cost (no region) | kernel us | pinsim us | kernel/pinsim |")
    print("|---|---:|---:|---:|")
    for d, k in fixed:
        if k is None:
            continue
        print(f"| {d['op']} | {k['ns_total'] / 1e3:.1f} | {d['ns_total'] / 1e3:.1f} "
              f"| {k['ns_total'] / d['ns_total']:.3g} |")
print()
for d in pinsim:
    if d["op"] in ("meta_heap_bytes_per_frame", "meta_heap_bytes_per_mapped_page"):
        print("- " + d["op"] + ": " + ", ".join(f"{k}={v}" for k, v in d.items() if k != "op"))
for d in pinsim:
    if d["op"] == "meta_skipped":
        print(f"- skipped {d['skipped_op']}: {d['reason']}")
PY
cat "$out/compare.md"
echo "run-compare: wrote $out/compare.md (raw: kernel.jsonl, pinsim.jsonl)" >&2
