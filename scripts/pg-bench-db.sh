# Sourced by the PostgreSQL benchmark scripts: PG (default postgres://postgres@127.0.0.1:5432) is
# the server; pg_fresh DB... drops and creates each database, pg_drop DB... drops each (quietly:
# for a script's cleanup on exit).
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
pg_drop() {
  for db in "$@"; do
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
  done
}
pg_fresh() {
  for db in "$@"; do
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE $db"
  done
}
