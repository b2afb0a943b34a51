#!/usr/bin/env bash
# The API contract, tested from outside: schemathesis (an independent OpenAPI fuzzer, PyPI, pinned)
# reads the OpenAPI document the server serves (/api/v1/openapi.json, generated from the Rust
# types and routes) and sends generated requests — valid and invalid — to every /api/v1 operation
# of a demo server, once signed in (the working group's session cookie) and once anonymous. Checks:
# not_a_server_error, status_code_conformance, content_type_conformance,
# response_schema_conformance. Any failure fails the script.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES_PER_OPERATION]     (default 60)
#
# Uses target/debug/huiqi (built here if missing or stale), a venv under target/schemathesis-venv,
# a demo database under target/schemathesis-demo, a free port on 127.0.0.1; reports (JUnit) in
# target/schemathesis-report/. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${1:-60}"
ROOT="$PWD"
VENV="$ROOT/target/schemathesis-venv"
DATA="$ROOT/target/schemathesis-demo"
REPORT="$ROOT/target/schemathesis-report"

if ! [ -x "$VENV/bin/st" ] || [ "$("$VENV/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet -p huiqi-cli --bin huiqi
HUIQI="$ROOT/target/debug/huiqi"

rm -rf "$DATA" "$REPORT"
mkdir -p "$DATA" "$REPORT"
export HUIQI_DATABASE_URL="sqlite:$DATA/huiqi.sqlite"
"$HUIQI" demo --count 2000 --data "$DATA" --no-serve > "$DATA/demo.log"
PASSWORD="st-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"$HUIQI" users add --username st-admin --role admin --name 契约测试 --password "$PASSWORD" > /dev/null

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$HUIQI" serve --addr "127.0.0.1:$PORT" --at 2024-12-31 > "$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  sleep 0.2
done

COOKIE="$(curl -sS -o /dev/null -D - --data-urlencode "username=st-admin" --data-urlencode "password=$PASSWORD" \
  "$BASE/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(huiqi_session=[^;]*\).*/\1/p')"
if [ -z "$COOKIE" ]; then
  echo "schemathesis.sh: could not sign in to the demo server" >&2
  exit 1
fi

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run() {
  local who="$1"
  shift
  echo "== schemathesis $SCHEMATHESIS_VERSION, $who, $MAX_EXAMPLES examples per operation"
  # One worker: with two, schemathesis 4.32.5 raised an internal KeyError (a race in its own
  # strategy cache) on /api/v1/assessment, reported as an error of that operation.
  "$VENV/bin/st" run "$BASE/api/v1/openapi.json" \
    --checks "$CHECKS" \
    --max-examples "$MAX_EXAMPLES" \
    --seed 1 \
    --workers 1 \
    --report junit --report-junit-path "$REPORT/$who.xml" \
    "$@"
}
status=0
run signed-in -H "Cookie: $COOKIE" || status=1
run anonymous || status=1
# One closing line for CI's log: test cases (operation × phase) of both runs, from the JUnit reports.
python3 - "$REPORT"/*.xml <<'PY'
import sys, xml.etree.ElementTree as ET
cases = failed = 0
for path in sys.argv[1:]:
    for case in ET.parse(path).iter("testcase"):
        cases += 1
        failed += any(c.tag in ("failure", "error") for c in case)
print(f"schemathesis: {cases - failed} passed, {failed} failed")
PY
if [ "$status" -ne 0 ]; then
  echo "schemathesis: failures (server log: $DATA/serve.log)" >&2
fi
exit "$status"
