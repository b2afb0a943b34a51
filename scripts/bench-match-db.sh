#!/usr/bin/env bash
# Benchmark of `huiqi match --db` (a matching run over the registry: read the facts, evaluate,
# store the results) on a fresh copy of the same imported SQLite registry for every run, with
# wall time, user CPU and peak memory (GNU time). With a second binary (e.g. a build of an older
# commit), both are run in turn on fresh copies, so that a before/after comparison sees the same
# machine load.
# Each run of this build is timed twice: first after the import alone (the run reads the joined
# tables and writes the year's facts snapshot as it goes), then on a copy whose snapshot
# `huiqi db snapshot` prepared (the run reads the snapshot).
#
#   scripts/bench-match-db.sh [N=1000000] [RUNS=3] [OTHER_HUIQI_BINARY]
#
# Builds the release binary first. The registry is imported with OTHER_HUIQI_BINARY when given (it
# must be the older one: the newer binary migrates its schema forward), else with the build.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
RUNS="${2:-3}"
OTHER="${3:-}"

cargo build --release -q -p huiqi-cli
BIN="$PWD/target/release/huiqi"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv" >/dev/null
HUIQI_DATABASE_URL="sqlite:$WORK/pristine.sqlite" "${OTHER:-$BIN}" import --source facts --year 2024 \
  "$WORK/facts.csv" >/dev/null 2>&1
cp "$WORK/pristine.sqlite" "$WORK/snapshot.sqlite"
HUIQI_DATABASE_URL="sqlite:$WORK/snapshot.sqlite" "$BIN" db migrate >/dev/null
HUIQI_DATABASE_URL="sqlite:$WORK/snapshot.sqlite" "$BIN" db snapshot
echo "registry: $N enterprises; $(nproc) cores"

for run in $(seq 1 "$RUNS"); do
  for case in "$BIN first" "$BIN snapshot" ${OTHER:+"$OTHER first"}; do
    read -r bin from <<<"$case"
    rm -f "$WORK"/run.sqlite*
    if [ "$from" = snapshot ]; then
      cp "$WORK/snapshot.sqlite" "$WORK/run.sqlite"
    else
      cp "$WORK/pristine.sqlite" "$WORK/run.sqlite"
    fi
    export HUIQI_DATABASE_URL="sqlite:$WORK/run.sqlite"
    "$bin" db migrate >/dev/null
    load=$(cut -d' ' -f1 /proc/loadavg)
    label="$([ "$bin" = "$BIN" ] && echo this build || echo "$(basename "$bin") (other)") run $run, $([ "$from" = snapshot ] && echo 'snapshot prepared' || echo 'first after the import')"
    /usr/bin/time -f "$label: %e s wall, %U s user, %M KB peak (load $load)" \
      "$bin" match --db --at 2024-12-31 2>&1 >/dev/null | tail -1
  done
done
