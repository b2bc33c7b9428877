# Shared settings for the project's scripts (sourced, not run).
# Override any of them in the environment.
: "${PG_CONFIG:=/usr/lib/postgresql/15/bin/pg_config}"
PG_BINDIR="$("$PG_CONFIG" --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
PG_SHAREDIR="$("$PG_CONFIG" --sharedir 2>/dev/null || echo /usr/share/postgresql/15)"
: "${AGENTTRACE_PGDATA:=/var/tmp/pg_agenttrace/pgdata}"
: "${PGHOST:=127.0.0.1}"
: "${PGPORT:=5433}"
: "${PGUSER:=postgres}"
: "${PGDATABASE:=agenttrace}"
: "${DATABASE_URL:=postgres://$PGUSER@$PGHOST:$PGPORT/$PGDATABASE}"
export PG_CONFIG PG_BINDIR PG_SHAREDIR AGENTTRACE_PGDATA PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
