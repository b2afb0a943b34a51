#!/usr/bin/env bash
# Benchmark of `huiqi match`: the whole process, facts CSV in → results CSV out.
# Usage: scripts/bench-match.sh [ROWS] [RUNS]   (default 1000000 rows, 3 runs)
# Prints wall time, CPU time and peak memory of each run (GNU time), and rows per second.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
runs="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p huiqi-cli
bin=target/release/huiqi
"$bin" gen --count "$rows" --year 2024 --output "$work/facts.csv" >/dev/null
echo "input: $rows rows, $(du -m "$work/facts.csv" | cut -f1) MB; $(nproc) cores"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "run $i: %e s wall, %U s user, %S s sys, %M KB peak RSS" \
    "$bin" match --at 2024-12-31 --input "$work/facts.csv" --output "$work/out.csv" 2>&1 | grep '^run'
done
echo "rows/s (best run) = rows / best wall time above"
