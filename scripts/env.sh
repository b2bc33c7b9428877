# Shared settings for the project's scripts (sourced, not run).
# Override any of them in the environment.
#
# AGENTTRACE_PG selects the PostgreSQL major version the scripts work on:
#   15 (default)  Debian's postgresql-15; project cluster /var/tmp/pg_agenttrace/pgdata, port 5433
#   16, 17, 18    the wheels of scripts/pg-versions unpacked by scripts/install-pg.sh under
#                 $AGENTTRACE_PGROOT/<version>; cluster /var/tmp/pg_agenttrace/pgdata-NN, port 54NN
# e.g. `AGENTTRACE_PG=17 scripts/setup.sh` sets up PostgreSQL 17 with its own cluster on port 5417.
: "${AGENTTRACE_PG:=15}"
_agenttrace_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Settings a parent script exported for another version are recomputed for this one.
if [ -n "${AGENTTRACE_ENV_PG:-}" ] && [ "$AGENTTRACE_ENV_PG" != "$AGENTTRACE_PG" ]; then
  unset PG_CONFIG AGENTTRACE_PGDATA PGPORT DATABASE_URL
  [ -n "${AGENTTRACE_ENV_PATH:-}" ] && PATH="$AGENTTRACE_ENV_PATH"
fi
: "${AGENTTRACE_PGROOT:=/var/tmp/pg_agenttrace/pg}"
if [ "$AGENTTRACE_PG" = 15 ]; then
  : "${PG_CONFIG:=/usr/lib/postgresql/15/bin/pg_config}"
  : "${AGENTTRACE_PGDATA:=/var/tmp/pg_agenttrace/pgdata}"
  : "${PGPORT:=5433}"
else
  AGENTTRACE_PG_VERSION="$(awk -v m="$AGENTTRACE_PG" '$1 == m { print $2 }' "$_agenttrace_root/scripts/pg-versions")"
  if [ -z "$AGENTTRACE_PG_VERSION" ]; then
    echo "AGENTTRACE_PG=$AGENTTRACE_PG: not 15 and not in scripts/pg-versions" >&2
    return 1 2>/dev/null || exit 1
  fi
  export AGENTTRACE_PG_VERSION
  : "${PG_CONFIG:=$AGENTTRACE_PGROOT/$AGENTTRACE_PG_VERSION/bin/pg_config}"
  : "${AGENTTRACE_PGDATA:=/var/tmp/pg_agenttrace/pgdata-$AGENTTRACE_PG}"
  : "${PGPORT:=54$AGENTTRACE_PG}"
fi
PG_BINDIR="$("$PG_CONFIG" --bindir 2>/dev/null || dirname "$PG_CONFIG")"
PG_SHAREDIR="$("$PG_CONFIG" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$AGENTTRACE_PG")"
# The version's own client tools (psql, pg_dump) first; the PATH before that is kept so a child
# script for another version starts from it.
if [ "$AGENTTRACE_PG" != 15 ]; then
  : "${AGENTTRACE_ENV_PATH:=$PATH}"
  PATH="$PG_BINDIR:$AGENTTRACE_ENV_PATH"
  export AGENTTRACE_ENV_PATH PATH
fi
: "${PGHOST:=127.0.0.1}"
: "${PGUSER:=postgres}"
: "${PGDATABASE:=agenttrace}"
: "${DATABASE_URL:=postgres://$PGUSER@$PGHOST:$PGPORT/$PGDATABASE}"
AGENTTRACE_ENV_PG="$AGENTTRACE_PG"
export AGENTTRACE_PG AGENTTRACE_ENV_PG PG_CONFIG PG_BINDIR PG_SHAREDIR AGENTTRACE_PGDATA PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
