#!/usr/bin/env bash
# Reads from replicas (issue 18): a PostgreSQL primary and a streaming replica of it on this
# machine (two clusters of their own, two ports; the server on 5432 is not touched), then the web
# test suite against the pair: HUIQI_TEST_POSTGRES_URL names the primary and
# HUIQI_TEST_POSTGRES_REPLICA_URL the replica, so every test's pages and API reads go to the
# replica (huiqi_store::testing::replica_of) and its writes to the primary.
#
# The replica is synchronous with remote_apply (synchronous_standby_names = '*',
# synchronous_commit = remote_apply on the primary): a commit returns once the replica has
# applied it, so a test that writes and then reads a page sees its write — the suite checks the
# routing, not the replication lag. Both clusters run with fsync off: they are thrown away.
#
#   scripts/pg-replica.sh [CARGO TEST ARGS…]     (default: -p huiqi-cli --test web)
#
# Environment: PRIMARY_PORT (5433), REPLICA_PORT (5434), KEEP=1 leaves both clusters running
# (then: pg_dropcluster --stop VERSION huiqi_primary; pg_dropcluster --stop VERSION huiqi_replica).
# Needs the server binaries of PostgreSQL (Debian: postgresql-common's pg_createcluster when run
# as root — CI —, else initdb/pg_ctl/pg_basebackup on PATH, run as the current user).
set -euo pipefail
cd "$(dirname "$0")/.."
PRIMARY_PORT="${PRIMARY_PORT:-5433}"
REPLICA_PORT="${REPLICA_PORT:-5434}"
if [ $# -eq 0 ]; then set -- -p huiqi-cli --test web; fi
T0=$(date +%s)

for port in "$PRIMARY_PORT" "$REPLICA_PORT"; do
  if pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
    echo "端口 $port 上已有 PostgreSQL 在运行：请先停止它，或设 PRIMARY_PORT/REPLICA_PORT" >&2
    exit 1
  fi
done

# The clusters: Debian's pg_createcluster as root (it runs the server as user postgres), else
# initdb in a temporary folder as the current user.
if [ "$(id -u)" = 0 ] && command -v pg_createcluster >/dev/null; then
  MODE=debian
  VER="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  BIN="/usr/lib/postgresql/$VER/bin"
  PDATA="/var/lib/postgresql/$VER/huiqi_primary"
  RDATA="/var/lib/postgresql/$VER/huiqi_replica"
  AS=(runuser -u postgres --)
else
  MODE=initdb
  BIN="$(dirname "$(command -v initdb)")"
  WORK="$(mktemp -d)"
  PDATA="$WORK/primary"
  RDATA="$WORK/replica"
  AS=()
fi

cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: primary on $PRIMARY_PORT, replica on $REPLICA_PORT still running"
    return
  fi
  if [ "$MODE" = debian ]; then
    pg_dropcluster --stop "$VER" huiqi_replica 2>/dev/null || true
    pg_dropcluster --stop "$VER" huiqi_primary 2>/dev/null || true
  else
    "$BIN/pg_ctl" -D "$RDATA" -m immediate stop >/dev/null 2>&1 || true
    "$BIN/pg_ctl" -D "$PDATA" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

PRIMARY_CONF=(
  "listen_addresses = '127.0.0.1'"
  "port = $PRIMARY_PORT"
  "wal_level = replica"
  "max_wal_senders = 4"
  "synchronous_standby_names = '*'"
  "synchronous_commit = remote_apply"
  "fsync = off"
  "full_page_writes = off"
  "max_connections = 200"
)
REPLICA_CONF=(
  "listen_addresses = '127.0.0.1'"
  "port = $REPLICA_PORT"
  "hot_standby = on"
  "fsync = off"
  "max_connections = 200"
  "cluster_name = 'huiqi_replica'"
)
HBA="local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust"

if [ "$MODE" = debian ]; then
  # Left over from an interrupted run.
  pg_dropcluster --stop "$VER" huiqi_replica 2>/dev/null || true
  pg_dropcluster --stop "$VER" huiqi_primary 2>/dev/null || true
  pg_createcluster -q "$VER" huiqi_primary -p "$PRIMARY_PORT" -- --auth=trust >/dev/null
  printf '%s\n' "${PRIMARY_CONF[@]}" > "/etc/postgresql/$VER/huiqi_primary/conf.d/huiqi-replica.conf"
  printf '%s\n' "$HBA" > "/etc/postgresql/$VER/huiqi_primary/pg_hba.conf"
  pg_ctlcluster "$VER" huiqi_primary start
  # The replica: a cluster whose data folder is a base backup of the primary (-R: standby.signal
  # and primary_conninfo), streaming the WAL.
  pg_createcluster -q "$VER" huiqi_replica -p "$REPLICA_PORT" -- --auth=trust >/dev/null
  find "$RDATA" -mindepth 1 -delete
  "${AS[@]}" "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$RDATA" -R -X stream -c fast
  printf '%s\n' "${REPLICA_CONF[@]}" > "/etc/postgresql/$VER/huiqi_replica/conf.d/huiqi-replica.conf"
  printf '%s\n' "$HBA" > "/etc/postgresql/$VER/huiqi_replica/pg_hba.conf"
  pg_ctlcluster "$VER" huiqi_replica start
else
  "$BIN/initdb" -q -A trust -U postgres -D "$PDATA" >/dev/null
  printf '%s\n' "${PRIMARY_CONF[@]}" >> "$PDATA/postgresql.conf"
  printf '%s\n' "$HBA" > "$PDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PDATA" -l "$WORK/primary.log" -w start >/dev/null
  "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$RDATA" -R -X stream -c fast
  printf '%s\n' "${REPLICA_CONF[@]}" >> "$RDATA/postgresql.conf"
  "$BIN/pg_ctl" -D "$RDATA" -l "$WORK/replica.log" -w start >/dev/null
fi

# Streaming, synchronous, and in recovery on the replica side.
state=""
for _ in $(seq 1 100); do
  state="$(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc \
    "SELECT state || ' ' || sync_state FROM pg_stat_replication" 2>/dev/null || true)"
  [ "$state" = "streaming sync" ] && break
  sleep 0.2
done
if [ "$state" != "streaming sync" ]; then
  echo "副本未进入同步流复制状态（pg_stat_replication：${state:-无}）" >&2
  exit 1
fi
[ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()')" = t ]
# A write on the primary is visible on the replica when the commit returns.
psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qc "CREATE TABLE replica_check AS SELECT 42 AS v"
[ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc 'SELECT v FROM replica_check')" = 42 ]
echo "primary 127.0.0.1:$PRIMARY_PORT → replica 127.0.0.1:$REPLICA_PORT: streaming, synchronous (remote_apply); ready after $(( $(date +%s) - T0 )) s"

HUIQI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres" \
HUIQI_TEST_POSTGRES_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres" \
  cargo test "$@"
echo "web suite against the primary/replica pair passed in $(( $(date +%s) - T0 )) s in all"
