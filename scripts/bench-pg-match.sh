#!/usr/bin/env bash
# Benchmark of `huiqi match --db` on PostgreSQL (issue 18): N generated enterprises imported into a
# fresh database, then RUNS matching runs (each reads the year's facts, evaluates and stores 1 row
# per enterprise and 1 per benefit), wall time, user CPU and peak memory (GNU time). The first run
# after the import reads the joined tables and keeps the facts snapshot; the later ones read it.
# With OTHER_HUIQI_BINARY (e.g. a build of an older commit), that binary gets a database of its own,
# imported by itself, and the two are run in turn, so that a before/after comparison sees the same
# machine load.
#
#   scripts/bench-pg-match.sh [N=1000000] [RUNS=3] [OTHER_HUIQI_BINARY]
#
# PG (default postgres://postgres@127.0.0.1:5432) is the server; the script creates and drops the
# databases huiqi_bench_match and huiqi_bench_match_other on it. BIN=PATH measures a given binary.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
RUNS="${2:-3}"
OTHER="${3:-}"
. scripts/pg-bench-db.sh
. scripts/huiqi-bin.sh
WORK="$(mktemp -d)"
cleanup() {
  pg_drop huiqi_bench_match huiqi_bench_match_other
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv" >/dev/null
cases=("$BIN huiqi_bench_match")
[ -n "$OTHER" ] && cases+=("$OTHER huiqi_bench_match_other")
for case in "${cases[@]}"; do
  read -r bin db <<<"$case"
  pg_fresh "$db"
  HUIQI_DATABASE_URL="$PG/$db" "$bin" import --source facts --year 2024 "$WORK/facts.csv" >/dev/null 2>&1
done
echo "registry: $N enterprises; $(nproc) cores; $(psql "$PG/postgres" -Atc 'SHOW server_version')"

for run in $(seq 1 "$RUNS"); do
  for case in "${cases[@]}"; do
    read -r bin db <<<"$case"
    load=$(cut -d' ' -f1 /proc/loadavg)
    label="$([ "$bin" = "$BIN" ] && echo this build || echo "$(basename "$bin") (other)") run $run"
    if [ "$run" = 1 ]; then label="$label, first after the import"; fi
    HUIQI_DATABASE_URL="$PG/$db" /usr/bin/time -f "$label: %e s wall, %U s user, %M KB peak (load $load)" \
      "$bin" match --db --at 2024-12-31 2>&1 >/dev/null | tail -1
  done
done
