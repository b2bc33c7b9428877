#!/usr/bin/env bash
# Project-local PostgreSQL cluster, owned by the `postgres` user (PostgreSQL refuses root).
#   db.sh start | stop | restart | status | create-db | psql [args]
#   db.sh reset-db --delete-all-data
# Nothing here but reset-db deletes data: start, create-db (run by setup.sh, run.sh and test.sh)
# keep every stored trace across re-runs, restarts, rebuilds and upgrades.
# reset-db is for developers only: it drops pg_agenttrace (and with it every trace, run,
# annotation and setting in schema agenttrace of $PGDATABASE) and creates it again from the
# installed script; it refuses to run without --delete-all-data.
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
# full-page images in WAL: lz4 where the build has it (pglz took ~3 % of ingest CPU)
wal_compression = $("$PG_BINDIR/pg_config" --configure 2>/dev/null | grep -q -- --with-lz4 && [ "$AGENTTRACE_PG" -ge 15 ] && echo lz4 || echo on)
synchronous_commit = on
log_min_messages = warning
CONF
  if has_timescaledb; then
    printf "shared_preload_libraries = 'timescaledb'\ntimescaledb.telemetry_level = off\n" >> "$AGENTTRACE_PGDATA/postgresql.conf"
  fi
}

is_running() { pgctl status >/dev/null 2>&1; }

# The installed install script of the default version, and which one each database was created from.
control="$PG_SHAREDIR/extension/pg_agenttrace.control"
default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$control" 2>/dev/null || true)
script="$PG_SHAREDIR/extension/pg_agenttrace--$default.sql"
sum=$(sha256sum "$script" 2>/dev/null | cut -d' ' -f1 || true)
marker="$AGENTTRACE_PGDATA/pg_agenttrace.$PGDATABASE.sha256"

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
    # The same version with a different install script (a developer changed SQL without a new
    # version and upgrade script) is left as it is, with a warning: data is never dropped here.
    current=$(psql -qAt -d "$PGDATABASE" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_agenttrace'")
    if [ -n "$current" ] && [ "$current" != "$default" ]; then
      echo "updating pg_agenttrace $current -> $default in $PGDATABASE (data kept)"
      psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -c "SET client_min_messages = warning; ALTER EXTENSION pg_agenttrace UPDATE TO '$default'"
    elif [ -n "$current" ] && [ -f "$marker" ] && [ "$(cat "$marker")" != "$sum" ]; then
      echo "WARNING: $PGDATABASE has pg_agenttrace $current from an earlier build of the same version whose install script differs from the one installed now."
      echo "         Its objects and all of its data are kept as they are. A release ships the change as a new version with an upgrade script;"
      echo "         to rebuild this development database from the new script instead, deleting its traces: scripts/db.sh reset-db --delete-all-data"
      exit 0
    fi
    psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_agenttrace"
    echo "$sum" > "$marker"
    ;;
  reset-db)
    if [ "${2:-}" != "--delete-all-data" ]; then
      echo "reset-db drops pg_agenttrace in database $PGDATABASE with every trace, run, annotation and setting it stores," >&2
      echo "then creates it again from the installed script. Run it as: $0 reset-db --delete-all-data" >&2
      exit 2
    fi
    echo "deleting pg_agenttrace and all of its data in $PGDATABASE, then creating it again"
    psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -c "SET client_min_messages = warning" \
      -c "DROP EXTENSION IF EXISTS pg_agenttrace CASCADE" -c "CREATE EXTENSION pg_agenttrace"
    echo "$sum" > "$marker"
    ;;
  psql) shift; exec psql "$@" ;;
  *) echo "usage: $0 start|stop|restart|status|create-db|psql [args]|reset-db --delete-all-data" >&2; exit 2 ;;
esac
