#!/usr/bin/env bash
# Web load test (issue 6): the platform on a fresh SQLite registry of N generated enterprises,
# loaded with wrk over loopback only, for a bounded time per endpoint, 64 connections:
#   - the enterprise's own page /me (its benefits computed from the registry with their reasons),
#   - the registry search /enterprises?q=<a full USCC> as the working group,
#   - the registry search /enterprises?q=<a name fragment> as the working group,
#   - the registry search /enterprises?size=large (a rare size class, no name) as the working group;
# then single requests timed with curl: the push list page /push (one county and the whole city) and
# the what-if POST /admin/whatif, first (reads the registry) and second (facts in memory).
# Prints wrk's latency distribution (p50/p75/p90/p99) and errors.
#
#   scripts/bench-web.sh [N=1000000] [SECONDS=20] [CONNECTIONS=64]
#
# Needs wrk (Debian package wrk). Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
SECS="${2:-20}"
CONNS="${3:-64}"
ADDR=127.0.0.1:18390

cargo build --release -q -p huiqi-cli
BIN="$PWD/target/release/huiqi"
WORK="$(mktemp -d)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export HUIQI_DATABASE_URL="sqlite:$WORK/huiqi.sqlite"

"$BIN" gen --count "$N" --year 2024 --seed 2023 --output "$WORK/facts.csv" >/dev/null
"$BIN" import --source facts --year 2024 "$WORK/facts.csv" >/dev/null 2>&1
# A matching run, so that the size classes and push lists exist.
"$BIN" match --db --at 2024-12-31 >/dev/null
USCC="$(sed -n 2p "$WORK/facts.csv" | cut -d, -f1)"
# Two characters of the first enterprise's name after “六安” (URL-encoded), as a user would type.
NAME_Q="$(python3 -c 'import sys, urllib.parse; n = open(sys.argv[1], encoding="utf-8").readlines()[1].split(",")[1]; print(urllib.parse.quote(n[2:4]))' "$WORK/facts.csv")"
"$BIN" users add --username bench-admin --role admin --name 压测 --password bench-password-1 >/dev/null
"$BIN" users add --username bench-ent --role enterprise --scope "$USCC" --name 压测企业 --password bench-password-1 >/dev/null

"$BIN" serve --addr "$ADDR" --at 2024-12-31 2>"$WORK/serve.log" &
SERVER=$!
T0=$(date +%s.%N)
# Ready when the name index of the registry search is built (it is built in the background at start).
for _ in $(seq 1 600); do curl -fs "http://$ADDR/healthz" 2>/dev/null | grep -q "names: ready" && break; sleep 0.2; done

cookie() {
  curl -s -o /dev/null -D - -d "username=$1&password=bench-password-1" "http://$ADDR/login" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(huiqi_session=[^;]*\).*/\1/p'
}
echo "name index ready $(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$T0" "$(date +%s.%N)") s after start;" \
  "server memory: $(grep -E 'VmHWM|VmRSS' /proc/$SERVER/status | tr -s ' ' | tr '\n' ' ')"
ENT="$(cookie bench-ent)"
ADMIN="$(cookie bench-admin)"

echo "registry: $N enterprises; $CONNS connections, ${SECS}s per endpoint, 2 wrk threads, loopback"
run() {
  echo
  echo "== $1"
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: $2" "http://$ADDR$3" \
    | grep -E "Latency|50%|75%|90%|99%|requests in|Requests/sec|Non-2xx|Socket errors"
}
run "enterprise page /me" "$ENT" "/me"
run "registry search by USCC" "$ADMIN" "/enterprises?q=$USCC"
run "registry search by name fragment ($NAME_Q)" "$ADMIN" "/enterprises?q=$NAME_Q"
# A fragment no name contains.
run "registry search, no match" "$ADMIN" "/enterprises?q=%E6%97%A0%E6%AD%A4%E4%BC%81%E4%B8%9A"
run "registry search by size class only (large)" "$ADMIN" "/enterprises?size=large"
echo
timed() { curl -s -o /dev/null -w "%{http_code} %{time_total}s" "$@"; }
echo "== single requests (curl, no other load)"
echo "/push 六税两费, 金安区: $(timed -H "Cookie: $ADMIN" "http://$ADDR/push?measure=six_taxes_relief&county=341502")"
echo "/push 六税两费, whole city: $(timed -H "Cookie: $ADMIN" "http://$ADDR/push?measure=six_taxes_relief")"
CSRF="$(curl -s -H "Cookie: $ADMIN" "http://$ADDR/admin/whatif" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)"
for attempt in first second third; do
  echo "/admin/whatif startup.annual_limit=24000, $attempt: $(timed -H "Cookie: $ADMIN" --data-urlencode "csrf=$CSRF" \
    --data-urlencode "at=2024-12-31" --data-urlencode "param=startup.annual_limit" --data-urlencode "value=24000" "http://$ADDR/admin/whatif")"
done
echo
echo "server memory after the runs: $(grep -E 'VmHWM|VmRSS' /proc/$SERVER/status | tr -s ' ' | tr '\n' ' ')"
