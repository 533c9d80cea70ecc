#!/bin/sh
# Builds the live-kernel executor for `pinsim verify`: sh executor/build.sh OUT
# Without gcc: one line, exit 0 (verify then says "live kernel not available: gcc missing").
out=${1:-target/pinsim-exec}
src=$(dirname "$0")/pinsim-exec.c
if ! command -v gcc >/dev/null 2>&1; then
  echo "pinsim-exec: gcc missing, not built (pinsim verify will skip the live kernel)"
  exit 0
fi
mkdir -p "$(dirname "$out")"
# static when the C library's archive is there (as the probes are built), else dynamic
gcc -O2 -static -Wall -o "$out.tmp" "$src" 2>/dev/null || gcc -O2 -Wall -o "$out.tmp" "$src" || exit 1
mv -f "$out.tmp" "$out"
