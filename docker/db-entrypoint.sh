#!/usr/bin/env bash
# First start: initdb with TimescaleDB preloaded, a database with both extensions (without
# TimescaleDB on PostgreSQL 18, which TimescaleDB 2.19 does not support: plain tables).
# Later starts with a newer image: ALTER EXTENSION pg_agenttrace UPDATE in every database that has
# an older version (each as the first statement of its own session), data kept.
# Every start: run PostgreSQL in the foreground. Set POSTGRES_PASSWORD to require passwords
# from the network (trust only on the local socket).
set -euo pipefail
BIN=/usr/lib/postgresql/${PG_MAJOR:-15}/bin
TSDB=""
if [ -f "/usr/share/postgresql/${PG_MAJOR:-15}/extension/timescaledb.control" ]; then TSDB=yes; fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  "$BIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
CONF
  if [ -n "$TSDB" ]; then
    printf "shared_preload_libraries = 'timescaledb'\ntimescaledb.telemetry_level = off\n" >> "$PGDATA/postgresql.conf"
  fi
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  psql -v ON_ERROR_STOP=1 -d postgres -c "ALTER USER postgres PASSWORD '${POSTGRES_PASSWORD:-postgres}'" \
       -c "CREATE DATABASE \"$POSTGRES_DB\""
  if [ -n "$TSDB" ]; then psql -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -c "CREATE EXTENSION timescaledb"; fi
  psql -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -c "CREATE EXTENSION pg_trgm" -c "CREATE EXTENSION pg_agenttrace"
  "$BIN/pg_ctl" -D "$PGDATA" -w stop >/dev/null
else
  "$BIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  for db in $(psql -qAt -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn"); do
    if psql -qAt -d "$db" -c "SELECT 1 FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
                               WHERE e.extname = 'pg_agenttrace' AND e.extversion <> a.default_version" | grep -q 1; then
      echo "updating pg_agenttrace in $db"
      psql -v ON_ERROR_STOP=1 -d "$db" -c "ALTER EXTENSION pg_agenttrace UPDATE"
    fi
  done
  "$BIN/pg_ctl" -D "$PGDATA" -w stop >/dev/null
fi
exec "$BIN/postgres" -D "$PGDATA"
