#!/usr/bin/env bash
# PostgreSQL at province scale (issue 18): N generated enterprises (default 8,000,000) imported
# into a fresh PostgreSQL registry, a matching run, then the platform on it timed:
#   - `huiqi gen`, `huiqi import --source facts` in files of 2,000,000 rows (the first by COPY into the
#     empty registry, the rest as upserts), `huiqi match --db` (results by COPY);
#   - the dashboard /dashboard?period=2024-09 (single requests, curl; goal ≤ 200 ms);
#   - the push list of one county /push?measure=six_taxes_relief&county=341502 (single requests);
#   - the registry search by code and by a name fragment: wrk, CONNECTIONS (64) connections,
#     SECONDS each, p50/p90/p99 (goal p99 ≤ 50 ms);
#   - the what-if: `huiqi whatif` on the command line and POST /admin/whatif first/second/third.
# Every line says the machine's load average; the end prints date, commit and machine.
#
#   scripts/bench-pg-province.sh [N=8000000] [SECONDS=10] [CONNECTIONS=64]
#
# PG (default postgres://postgres@127.0.0.1:5432) is the server; the database huiqi_bench_province
# is created and dropped (KEEP=1 keeps it), the CSV is deleted. PROFILE=dev uses the debug build; BIN=PATH a given binary.
# Needs wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-8000000}"
SECS="${2:-10}"
CONNS="${3:-64}"
. scripts/pg-bench-db.sh
DB=huiqi_bench_province
ADDR=127.0.0.1:18391
. scripts/huiqi-bin.sh
WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  if [ "${KEEP:-0}" != 1 ]; then
    pg_drop "$DB"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.2f\", $2 - $1 }"; }
step() { # label, command…: runs it, prints wall time, peak memory and load
  local label="$1"; shift
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%M" -o "$WORK/mem" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  t1=$(now)
  printf '%-44s %8s s  peak %5d MB  load %s\n' "$label" "$(secs "$t0" "$t1")" "$(( $(tail -1 "$WORK/mem") / 1024 ))" "$(load)"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo); $(psql "$PG/postgres" -Atc 'SHOW server_version' | cut -d' ' -f1) PostgreSQL; load $(load)"
pg_fresh "$DB"
export HUIQI_DATABASE_URL="$PG/$DB"
"$BIN" db init >/dev/null

step "gen $N enterprises" "$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv"
echo "  file $(du -h "$WORK/facts.csv" | cut -f1)"
# One file holds at most 2,000,000 rows and 1 GB (huiqi-ingest's limits for a file on the command line),
# so a province comes in parts of 2,000,000 rows, as departments would deliver it: the first into the empty
# registry (COPY), the others through the upserts of a registry that already holds rows.
SECOND="$(sed -n '2{p;q}' "$WORK/facts.csv")"
tail -n +2 "$WORK/facts.csv" | split -l 2000000 -d -a 2 - "$WORK/part-"
for part in "$WORK"/part-??; do
  { head -1 "$WORK/facts.csv"; cat "$part"; } > "$part.csv"
  rm -f "$part"
done
rm -f "$WORK/facts.csv"
for part in "$WORK"/part-??.csv; do
  step "import --source facts $(basename "$part") ($(( $(wc -l < "$part") - 1 )) rows)" \
    "$BIN" import --source facts --year 2024 "$part"
  rm -f "$part"
done
USCC="$(echo "$SECOND" | cut -d, -f1)"
# Two characters of that enterprise's name after “六安” (URL-encoded), as a user would type.
NAME_Q="$(echo "$SECOND" | cut -d, -f2 | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip()[2:4]))')"
step "match --db (goal ≤ 60 s)" "$BIN" match --db --at 2024-12-31
step "whatif startup.annual_limit=24000 (CLI)" "$BIN" whatif --at 2024-12-31 --set startup.annual_limit=24000@2024-01-01
echo "  database $(psql "$PG/postgres" -Atc "SELECT pg_size_pretty(pg_database_size('$DB'))")"

"$BIN" users add --username bench-admin --role admin --name 压测 --password bench-password-1 >/dev/null
"$BIN" users add --username bench-county --role county --scope 341502 --name 压测县区 --password bench-password-1 >/dev/null
"$BIN" serve --addr "$ADDR" --at 2024-12-31 2>"$WORK/serve.log" >/dev/null &
SERVER=$!
T0=$(now)
for _ in $(seq 1 3000); do curl -fs "http://$ADDR/healthz" 2>/dev/null | grep -q "names: ready" && break; sleep 0.2; done
echo "server: name index ready $(secs "$T0" "$(now)") s after start; $(grep -E 'VmHWM' /proc/$SERVER/status | tr -s ' ')"
cookie() {
  curl -s -o /dev/null -D - -d "username=$1&password=bench-password-1" "http://$ADDR/login" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(huiqi_session=[^;]*\).*/\1/p'
}
ADMIN="$(cookie bench-admin)"
COUNTY="$(cookie bench-county)"
timed() { curl -s -o /dev/null -w "%{http_code} %{time_total}s" "$@"; }
echo
echo "== single requests (curl), three each; load $(load)"
for who in ADMIN COUNTY; do
  c="${!who}"
  echo "/dashboard?period=2024-09 as $who (goal ≤ 200 ms): $(for _ in 1 2 3; do timed -H "Cookie: $c" "http://$ADDR/dashboard?period=2024-09"; echo -n '; '; done)"
done
echo "/push 六税两费, 金安区: $(for _ in 1 2 3; do timed -H "Cookie: $ADMIN" "http://$ADDR/push?measure=six_taxes_relief&county=341502"; echo -n '; '; done)"
echo "/push 六税两费, whole city: $(for _ in 1 2 3; do timed -H "Cookie: $ADMIN" "http://$ADDR/push?measure=six_taxes_relief"; echo -n '; '; done)"
CSRF="$(curl -s -H "Cookie: $ADMIN" "http://$ADDR/admin/whatif" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)"
for attempt in first second third; do
  echo "POST /admin/whatif startup.annual_limit=24000, $attempt: $(timed -H "Cookie: $ADMIN" --data-urlencode "csrf=$CSRF" \
    --data-urlencode "at=2024-12-31" --data-urlencode "param=startup.annual_limit" --data-urlencode "value=24000" "http://$ADDR/admin/whatif")"
done
run() {
  echo
  echo "== $1 ($CONNS connections, ${SECS} s; load before $(load))"
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: $2" "http://$ADDR$3" \
    | grep -E "Latency|50%|90%|99%|requests in|Requests/sec|Non-2xx|Socket errors"
}
run "registry search by USCC (goal p99 ≤ 50 ms)" "$ADMIN" "/enterprises?q=$USCC"
run "registry search by name fragment ($NAME_Q) (goal p99 ≤ 50 ms)" "$ADMIN" "/enterprises?q=$NAME_Q"
echo
echo "server memory after the runs: $(grep -E 'VmHWM|VmRSS' /proc/$SERVER/status | tr -s ' ' | tr '\n' ' ')"
echo "measured $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $N enterprises, binary $BIN, load $(load)"
