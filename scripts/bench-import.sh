#!/usr/bin/env bash
# Import benchmark (issue 4): `huiqi import --source facts` of N generated rows into a fresh SQLite
# registry, against the sqlite3 shell's own `.import` of the same CSV into a fresh table (no key,
# no index, all TEXT: the shell's fastest path), and the same file imported a second time (nothing
# changes; goal: at most the first import's time). Best of RUNS runs each, wall-clock seconds.
#
#   scripts/bench-import.sh [N=1000000] [RUNS=3]
#
# Needs /usr/bin/sqlite3 (Debian package sqlite3). Builds the release binary first; BIN=PATH
# measures a given binary instead (to run two builds in turn), PROFILE=dev the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
RUNS="${2:-3}"

. scripts/huiqi-bin.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv" >/dev/null
echo "file: $N rows, $(du -h "$WORK/facts.csv" | cut -f1)"

now() { date +%s.%N; }
best_huiqi=""
best_shell=""
best_again=""
for run in $(seq 1 "$RUNS"); do
  rm -f "$WORK"/huiqi.sqlite* "$WORK"/shell.sqlite*
  export HUIQI_DATABASE_URL="sqlite:$WORK/huiqi.sqlite"
  "$BIN" db init >/dev/null
  t0=$(now)
  "$BIN" import --source facts --year 2024 "$WORK/facts.csv" >/dev/null 2>&1
  t1=$(now)
  sqlite3 "$WORK/shell.sqlite" ".mode csv" ".import $WORK/facts.csv facts"
  t2=$(now)
  # The same file again into the same registry: every row looked up and compared, nothing written.
  "$BIN" import --source facts --year 2024 "$WORK/facts.csv" >/dev/null 2>&1
  t3=$(now)
  h=$(awk "BEGIN { print $t1 - $t0 }")
  s=$(awk "BEGIN { print $t2 - $t1 }")
  a=$(awk "BEGIN { print $t3 - $t2 }")
  printf 'run %d: huiqi import %.2f s, sqlite3 .import %.2f s, the same file again %.2f s (%.2f of the first; load %s)\n' \
    "$run" "$h" "$s" "$a" "$(awk "BEGIN { print $a / $h }")" "$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -z "$best_huiqi" ] || awk "BEGIN { exit !($h < $best_huiqi) }"; then best_huiqi=$h; fi
  if [ -z "$best_shell" ] || awk "BEGIN { exit !($s < $best_shell) }"; then best_shell=$s; fi
  if [ -z "$best_again" ] || awk "BEGIN { exit !($a < $best_again) }"; then best_again=$a; fi
done
rows=$(sqlite3 "$WORK/huiqi.sqlite" "SELECT COUNT(*) FROM enterprise_facts")
[ "$rows" = "$N" ] || { echo "huiqi imported $rows rows, expected $N" >&2; exit 1; }
printf 'best: huiqi %.2f s, sqlite3 .import %.2f s, ratio %.2f (goal: at most 2.00); the same file again %.2f s, %.2f of the first (goal: at most 1.00)\n' \
  "$best_huiqi" "$best_shell" "$(awk "BEGIN { print $best_huiqi / $best_shell }")" \
  "$best_again" "$(awk "BEGIN { print $best_again / $best_huiqi }")"
