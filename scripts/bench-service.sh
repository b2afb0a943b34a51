#!/usr/bin/env bash
# 为企服务 benchmark (issue 14): N problems (default 1,000,000) written into a fresh SQLite database
# (or the empty database of HUIQI_DATABASE_URL if set), then the 清单 of one unit (its open problems,
# most urgent first, one page of 50 with the total) and the city statistics (the rates of the year
# by unit, county, category and month, and one county's), each through the use cases the pages
# call, timed 7 times (best, median, worst).
# Usage: scripts/bench-service.sh [N]        (PROFILE=dev to use the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then
  cargo build --release -q -p huiqi-cli
  bin=target/release/huiqi
else
  cargo build -q -p huiqi-cli
  bin=target/debug/huiqi
fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export HUIQI_DATABASE_URL="${HUIQI_DATABASE_URL:-sqlite:$dir/bench.sqlite}"
"$bin" service bench "$N"
