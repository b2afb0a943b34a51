#!/usr/bin/env bash
# Candidate-list benchmark (issue 17): `huiqi cultivate candidates --kind above_scale` over a
# SQLite registry of N generated enterprises (facts of 2024), the whole command (open, query,
# filter, JSON out) timed wall-clock; best of RUNS runs.
#
#   scripts/bench-cultivate.sh [N=1000000] [RUNS=3]
#
# Builds the release binary first. The registry is generated and imported once (not timed).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
RUNS="${2:-3}"

cargo build --release -q -p huiqi-cli
BIN="$PWD/target/release/huiqi"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HUIQI_DATABASE_URL="sqlite:$WORK/huiqi.sqlite"

"$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv" >/dev/null
"$BIN" db init >/dev/null
"$BIN" import --source facts --year 2024 "$WORK/facts.csv" >/dev/null 2>&1
echo "registry: $N enterprises and individual businesses (facts of 2024)"

now() { date +%s.%N; }
best=""
for run in $(seq 1 "$RUNS"); do
  t0=$(now)
  "$BIN" cultivate candidates --kind above_scale --year 2024 --format json >"$WORK/out.json"
  t1=$(now)
  s=$(awk "BEGIN { print $t1 - $t0 }")
  rows=$(grep -c '"uscc"' "$WORK/out.json" || true)
  printf 'run %d: %.3f s, %d candidates\n' "$run" "$s" "$rows"
  if [ -z "$best" ] || awk "BEGIN { exit !($s < $best) }"; then best=$s; fi
done
printf 'best: %.3f s for %d enterprises (goal < 1 s)\n' "$best" "$N"
