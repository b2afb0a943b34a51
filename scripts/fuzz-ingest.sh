#!/usr/bin/env bash
# Fuzzes huiqi's file readers (CSV, .xlsx, .xls, and the fact-row parser of `huiqi match`) with
# cargo-fuzz / libFuzzer for a bounded time per target. Not part of CI: run it after changing
# huiqi-ingest or huiqi-domain's facts_csv, and commit any crash input to
# crates/huiqi-ingest/tests/corpus/ with the fix (the corpus test replays it in CI).
#
#   scripts/fuzz-ingest.sh [SECONDS_PER_TARGET] [TARGET...]    (default 60 s; all four targets)
#
# Targets: read_csv, read_xlsx, read_xls, fact_lines (fuzz/fuzz_targets/). Each starts from the
# seed files of crates/huiqi-ingest/tests/corpus/ of its kind; libFuzzer stops at an input that
# panics, takes over 10 s, or makes the process exceed 1 GB of memory (-rss_limit_mb), and leaves
# it in fuzz/artifacts/TARGET/. Needs the nightly toolchain (rustup) and cargo-fuzz (installed
# from crates.io when missing) and a C++ compiler (libFuzzer is built from source).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(read_csv read_xlsx read_xls fact_lines)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz-ingest: needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked
fi

seeds=crates/huiqi-ingest/tests/corpus
status=0
for t in "${targets[@]}"; do
  case $t in
    read_csv | fact_lines) ext=csv ;;
    read_xlsx) ext=xlsx ;;
    read_xls) ext=xls ;;
    *) echo "fuzz-ingest: unknown target $t" >&2; exit 2 ;;
  esac
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus"
  cp "$seeds"/*."$ext" "$corpus"/
  echo "== $t: ${secs} s from $(ls "$corpus" | wc -l) corpus files"
  if ! (cd fuzz && cargo +nightly fuzz run "$t" "corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -max_len=1048576 \
      -print_final_stats=1); then
    echo "== $t FOUND A PROBLEM: see fuzz/artifacts/$t/" >&2
    status=1
  fi
done
exit $status
