# Sourced by the benchmark scripts: sets BIN to the huiqi binary to measure. BIN=path uses that
# binary as given (no build); otherwise PROFILE=release (default) or dev builds huiqi-cli first.
PROFILE="${PROFILE:-release}"
if [ -n "${BIN:-}" ]; then
  : # a binary given (BIN=path): no build
elif [ "$PROFILE" = release ]; then
  cargo build --release -q -p huiqi-cli
  BIN="$PWD/target/release/huiqi"
else
  cargo build -q -p huiqi-cli
  BIN="$PWD/target/debug/huiqi"
fi
