#!/usr/bin/env bash
# Project-local PostgreSQL cluster, owned by the `postgres` user (PostgreSQL refuses root).
#   db.sh start | stop | restart | status | create-db | psql [args]
# AGENTTRACE_PG=16|17|18 works on that version's own cluster (port 54NN, see scripts/env.sh);
# default 15, the project cluster on port 5433. TimescaleDB is preloaded and created where that
# PostgreSQL has it (15, 16, 17), otherwise the extension runs on plain tables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"

as_pg() {
  if [ "$(id -un)" = "postgres" ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$AGENTTRACE_PGDATA" "$@"; }

has_timescaledb() { [ -f "$PG_SHAREDIR/extension/timescaledb.control" ]; }

init_cluster() {
  [ -f "$AGENTTRACE_PGDATA/PG_VERSION" ] && return 0
  echo "initialising PostgreSQL $AGENTTRACE_PG cluster in $AGENTTRACE_PGDATA (port $PGPORT)"
  mkdir -p "$(dirname "$AGENTTRACE_PGDATA")"
  chown postgres:postgres "$(dirname "$AGENTTRACE_PGDATA")"
  as_pg "$PG_BINDIR/initdb" -D "$AGENTTRACE_PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$AGENTTRACE_PGDATA/postgresql.conf" <<CONF
# --- pg_agenttrace project cluster
port = $PGPORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
max_connections = 200
shared_buffers = $([ "$AGENTTRACE_PG" = 15 ] && echo 1GB || echo 256MB)
work_mem = 32MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
checkpoint_timeout = 15min
wal_compression = on
synchronous_commit = on
log_min_messages = warning
CONF
  if has_timescaledb; then
    printf "shared_preload_libraries = 'timescaledb'\ntimescaledb.telemetry_level = off\n" >> "$AGENTTRACE_PGDATA/postgresql.conf"
  fi
}

is_running() { pgctl status >/dev/null 2>&1; }

case "${1:-start}" in
  start)
    init_cluster
    if is_running; then echo "cluster already running on port $PGPORT"; exit 0; fi
    pgctl -l "$AGENTTRACE_PGDATA/server.log" -w -t 60 start >/dev/null
    echo "PostgreSQL $AGENTTRACE_PG cluster started on port $PGPORT"
    ;;
  stop) is_running && pgctl -m fast -w stop >/dev/null; echo "cluster stopped" ;;
  restart) pgctl -m fast -w -l "$AGENTTRACE_PGDATA/server.log" restart >/dev/null; echo "cluster restarted" ;;
  status) pgctl status ;;
  create-db)
    if ! psql -qAt -d postgres -c "select 1 from pg_database where datname='$PGDATABASE'" | grep -q 1; then
      psql -q -d postgres -c "CREATE DATABASE $PGDATABASE"
    fi
    tsdb=""
    has_timescaledb && tsdb="CREATE EXTENSION IF NOT EXISTS timescaledb;"
    psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" <<SQL
SET client_min_messages = warning;
$tsdb
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
    # An installed older version is updated in place (ALTER EXTENSION ... UPDATE keeps the data).
    # A rebuilt extension with an unchanged version number has a new install script but the
    # database still has the old objects: recreate it in this development database (releases
    # bump the version and ship an upgrade script instead).
    control="$PG_SHAREDIR/extension/pg_agenttrace.control"
    default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$control")
    script="$PG_SHAREDIR/extension/pg_agenttrace--$default.sql"
    sum=$(sha256sum "$script" | cut -d' ' -f1)
    marker="$AGENTTRACE_PGDATA/pg_agenttrace.$PGDATABASE.sha256"
    current=$(psql -qAt -d "$PGDATABASE" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_agenttrace'")
    if [ -n "$current" ] && [ "$current" != "$default" ]; then
      echo "updating pg_agenttrace $current -> $default in $PGDATABASE"
      psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -c "SET client_min_messages = warning; ALTER EXTENSION pg_agenttrace UPDATE TO '$default'"
    elif [ -n "$current" ] && [ "$(cat "$marker" 2>/dev/null)" != "$sum" ]; then
      echo "pg_agenttrace's install script changed at the same version: recreating it in $PGDATABASE (its agenttrace.* data is dropped)"
      psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -c "SET client_min_messages = warning; DROP EXTENSION pg_agenttrace CASCADE"
    fi
    psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_agenttrace"
    echo "$sum" > "$marker"
    ;;
  psql) shift; exec psql "$@" ;;
  *) echo "usage: $0 start|stop|restart|status|create-db|psql" >&2; exit 2 ;;
esac
