#!/usr/bin/env bash
# A local Citus cluster for pg_agenttrace: a coordinator and 2 workers on one machine, each its own
# PostgreSQL 15 instance (data directory, port), owned by `postgres`, with
# shared_preload_libraries = 'citus'.
#   citus.sh start    initialises (first time), starts, registers the nodes, creates database
#                     $CITUS_DATABASE with citus + pg_agenttrace (nothing is distributed here:
#                     SELECT agenttrace.distribute() does that; tests do it themselves)
#   citus.sh stop | status | psql [args] (psql on the coordinator)
#   citus.sh restart-worker N   (fast stop + start of worker N, for fault tests)
# Citus itself: scripts/install-citus.sh. Nothing here deletes data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
: "${CITUS_DIR:=/var/tmp/pg_agenttrace/citus}"
: "${CITUS_PORT:=5450}"            # coordinator; workers on CITUS_PORT+1, CITUS_PORT+2
: "${CITUS_DATABASE:=agenttrace}"
: "${CITUS_WORKERS:=2}"
export PGHOST=127.0.0.1 PGUSER=postgres

as_pg() {
  if [ "$(id -un)" = "postgres" ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
nodes() { local i; echo "coordinator $CITUS_PORT"; for i in $(seq 1 "$CITUS_WORKERS"); do echo "worker$i $((CITUS_PORT + i))"; done; }
pgctl() { as_pg "$PG_BINDIR/pg_ctl" -D "$CITUS_DIR/$1" "${@:2}"; }

init_node() { # name port
  local d="$CITUS_DIR/$1"
  [ -f "$d/PG_VERSION" ] && return 0
  echo "initialising $1 in $d (port $2)"
  mkdir -p "$CITUS_DIR" && chown postgres:postgres "$CITUS_DIR"
  as_pg "$PG_BINDIR/initdb" -D "$d" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$d/postgresql.conf" <<CONF
# --- pg_agenttrace local Citus cluster ($1)
port = $2
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
shared_preload_libraries = 'citus'
max_connections = 200
max_prepared_transactions = 200
shared_buffers = 256MB
work_mem = 32MB
max_wal_size = 2GB
wal_level = logical
citus.log_remote_commands = off
log_min_messages = warning
CONF
}

psql_port() { local port=$1; shift; psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

create_db() { # on every node: the database with citus; pg_agenttrace only on the coordinator (propagated)
  local name port
  while read -r name port; do
    if ! psql_port "$port" -d postgres -c "select 1 from pg_database where datname='$CITUS_DATABASE'" | grep -q 1; then
      psql_port "$port" -d postgres -c "CREATE DATABASE $CITUS_DATABASE"
    fi
    psql_port "$port" -d "$CITUS_DATABASE" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS citus"
  done < <(nodes)
  psql_port "$CITUS_PORT" -d "$CITUS_DATABASE" -c "SET client_min_messages = warning" \
    -c "SELECT citus_set_coordinator_host('127.0.0.1', $CITUS_PORT)" >/dev/null
  local i
  for i in $(seq 1 "$CITUS_WORKERS"); do
    psql_port "$CITUS_PORT" -d "$CITUS_DATABASE" -c "SET client_min_messages = warning" \
      -c "SELECT citus_add_node('127.0.0.1', $((CITUS_PORT + i))) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $((CITUS_PORT + i)))" >/dev/null
  done
  psql_port "$CITUS_PORT" -d "$CITUS_DATABASE" -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" -c "CREATE EXTENSION IF NOT EXISTS pg_agenttrace"
}

case "${1:-status}" in
  start)
    [ -f "$PG_SHAREDIR/extension/citus.control" ] || { echo "Citus is not installed for $PG_CONFIG: run scripts/install-citus.sh" >&2; exit 1; }
    while read -r name port; do
      init_node "$name" "$port"
      if pgctl "$name" status >/dev/null 2>&1; then echo "$name already running on port $port"; continue; fi
      pgctl "$name" -l "$CITUS_DIR/$name.log" -w -t 60 start >/dev/null
      echo "$name started on port $port"
    done < <(nodes)
    create_db
    echo "Citus cluster ready: postgres://postgres@127.0.0.1:$CITUS_PORT/$CITUS_DATABASE (workers on $((CITUS_PORT + 1))..$((CITUS_PORT + CITUS_WORKERS)))"
    ;;
  stop)
    while read -r name port; do
      if [ -f "$CITUS_DIR/$name/PG_VERSION" ] && pgctl "$name" status >/dev/null 2>&1; then
        pgctl "$name" -m fast -w stop >/dev/null; echo "$name stopped"
      fi
    done < <(nodes)
    ;;
  status)
    rc=0
    while read -r name port; do
      if [ -f "$CITUS_DIR/$name/PG_VERSION" ] && pgctl "$name" status >/dev/null 2>&1; then echo "$name running on port $port"
      else echo "$name not running (port $port)"; rc=3; fi
    done < <(nodes)
    if [ $rc = 0 ]; then
      psql_port "$CITUS_PORT" -d "$CITUS_DATABASE" -c "SELECT nodename || ':' || nodeport || ' ' || CASE WHEN groupid = 0 THEN 'coordinator' ELSE 'worker' END || CASE WHEN isactive THEN '' ELSE ' (inactive)' END FROM pg_dist_node ORDER BY groupid" 2>/dev/null || true
    fi
    exit $rc
    ;;
  restart-worker)
    n="${2:?worker number}"
    pgctl "worker$n" -m fast -w -l "$CITUS_DIR/worker$n.log" restart >/dev/null
    echo "worker$n restarted"
    ;;
  psql) shift; exec psql -h 127.0.0.1 -p "$CITUS_PORT" -U postgres -d "$CITUS_DATABASE" "$@" ;;
  *) echo "usage: $0 start|stop|status|restart-worker N|psql [args]" >&2; exit 2 ;;
esac
