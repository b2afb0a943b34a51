#!/usr/bin/env bash
# PostgreSQL import benchmark (issue 18): `huiqi import --source facts` of N generated rows into a
# fresh PostgreSQL registry (the bulk path: COPY into the empty tables, with their keys, indexes
# and foreign keys), against `psql \copy` of the same CSV into an unindexed table of TEXT columns
# (PostgreSQL's fastest path). Best of RUNS runs each, wall-clock seconds; prints the ratio
# (goal: at most 3) and the machine's load.
#
#   scripts/bench-pg-import.sh [N=1000000] [RUNS=1]
#
# PG (default postgres://postgres@127.0.0.1:5432) is the server; the script creates and drops the
# databases huiqi_bench_import and huiqi_bench_copy on it. PROFILE=dev uses the debug build; BIN=PATH a given binary.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
RUNS="${2:-1}"
. scripts/pg-bench-db.sh
. scripts/huiqi-bin.sh
WORK="$(mktemp -d)"
cleanup() {
  pg_drop huiqi_bench_import huiqi_bench_copy
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv" >/dev/null
echo "file: $N rows, $(du -h "$WORK/facts.csv" | cut -f1); $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
COLUMNS_SQL="$(head -1 "$WORK/facts.csv" | tr -d '\r' | sed 's/^\xEF\xBB\xBF//' | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i }')"

now() { date +%s.%N; }
best_huiqi=""
best_psql=""
for run in $(seq 1 "$RUNS"); do
  pg_fresh huiqi_bench_import huiqi_bench_copy
  export HUIQI_DATABASE_URL="$PG/huiqi_bench_import"
  "$BIN" db init >/dev/null
  psql "$PG/huiqi_bench_copy" -qc "CREATE TABLE facts ($COLUMNS_SQL)"
  t0=$(now)
  "$BIN" import --source facts --year 2024 "$WORK/facts.csv" >/dev/null 2>&1
  t1=$(now)
  psql "$PG/huiqi_bench_copy" -qc "\\copy facts FROM '$WORK/facts.csv' WITH (FORMAT csv, HEADER true)"
  t2=$(now)
  h=$(awk "BEGIN { print $t1 - $t0 }")
  s=$(awk "BEGIN { print $t2 - $t1 }")
  printf 'run %d: huiqi import %.2f s, psql \\copy %.2f s (load %s)\n' "$run" "$h" "$s" "$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -z "$best_huiqi" ] || awk "BEGIN { exit !($h < $best_huiqi) }"; then best_huiqi=$h; fi
  if [ -z "$best_psql" ] || awk "BEGIN { exit !($s < $best_psql) }"; then best_psql=$s; fi
done
rows=$(psql "$PG/huiqi_bench_import" -Atc "SELECT COUNT(*) FROM enterprise_facts")
[ "$rows" = "$N" ] || { echo "huiqi imported $rows rows, expected $N" >&2; exit 1; }
copied=$(psql "$PG/huiqi_bench_copy" -Atc "SELECT COUNT(*) FROM facts")
[ "$copied" = "$N" ] || { echo "psql copied $copied rows, expected $N" >&2; exit 1; }
printf 'best: huiqi %.2f s, psql \\copy %.2f s, ratio %.2f (goal: at most 3.00); load after: %s; commit %s\n' \
  "$best_huiqi" "$best_psql" "$(awk "BEGIN { print $best_huiqi / $best_psql }")" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(git rev-parse --short HEAD)"
