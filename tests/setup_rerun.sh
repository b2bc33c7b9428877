#!/usr/bin/env bash
# Re-running the README's commands keeps a user's data, and the same sources give the same
# install script byte for byte (otherwise a build may order the generated SQL blocks so that one
# lands before an object it uses, and CREATE EXTENSION fails for that build only).
#
#   1. the install script generated 5 times by `cargo pgrx schema` from the built library is
#      byte-identical (and, below, equal to the one setup.sh installs);
#   2. a database set up by scripts/setup.sh holds the corpus, sent through the ingress that
#      scripts/run.sh starts, plus an annotation and a dead letter;
#   3. scripts/setup.sh again (twice), scripts/run.sh again, a rebuild after touching a Rust file
#      (the library and the install script are generated again) and setup.sh once more:
#      after each, every row of every agenttrace table is still there (count + md5 per table),
#      and the installed install script is byte-identical to the first one;
#   4. reset-db refuses to run without its flag.
# Runs against its own database (agenttrace_rerun) in the project cluster, never the user's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PGDATABASE=agenttrace_rerun
export DATABASE_URL="postgres://postgres@127.0.0.1:${PGPORT:-5433}/$PGDATABASE"
export AGENTTRACE_HTTP_ADDR=127.0.0.1:14318 AGENTTRACE_GRPC_ADDR=127.0.0.1:14317
source "$ROOT/scripts/env.sh"
export PATH="$HOME/.cargo/bin:$PATH"
CORPUS="${AGENTTRACE_CORPUS:-$ROOT/../shared/otlp-corpus}"
[ -d "$CORPUS" ] || CORPUS=/work/shared/otlp-corpus
WORK=$(mktemp -d)
ingress_pid=""
cleanup() {
  [ -n "$ingress_pid" ] && kill "$ingress_pid" 2>/dev/null && wait "$ingress_pid" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '  [setup-rerun %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

script_path() {
  local v; v=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$PG_SHAREDIR/extension/pg_agenttrace.control")
  echo "$PG_SHAREDIR/extension/pg_agenttrace--$v.sql"
}

# Every table of schema agenttrace: rows and an md5 over all of them in primary-key-free order.
snapshot() {
  psql -qAt -v ON_ERROR_STOP=1 -d "$PGDATABASE" <<'SQL'
DO $$
DECLARE t record; n bigint; h text; out text := '';
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
           WHERE s.nspname = 'agenttrace' AND c.relkind IN ('r', 'p') ORDER BY c.relname LOOP
    EXECUTE format('SELECT count(*), coalesce(md5(string_agg(md5(x::text), '''' ORDER BY md5(x::text))), ''-'') FROM agenttrace.%I x', t.relname)
      INTO n, h;
    out := out || t.relname || ' ' || n || ' ' || h || E'\n';
  END LOOP;
  RAISE NOTICE '%', out;
END $$;
SQL
}
snap() { snapshot 2>&1 | sed -e 's/^psql:[^:]*:[0-9]*: //' -e 's/^NOTICE: *//' | sed '/^$/d'; }

start_ingress() {  # the main command's path: scripts/run.sh (set-up, then the ingress in the foreground)
  scripts/run.sh > "$WORK/run.log" 2>&1 &
  ingress_pid=$!
  for _ in $(seq 1 600); do
    curl -sf "http://$AGENTTRACE_HTTP_ADDR/ready" >/dev/null 2>&1 && return 0
    kill -0 "$ingress_pid" 2>/dev/null || { cat "$WORK/run.log"; fail "scripts/run.sh exited"; }
    sleep 1
  done
  cat "$WORK/run.log"; fail "ingress not ready"
}
stop_ingress() { kill -INT "$ingress_pid"; wait "$ingress_pid" 2>/dev/null || true; ingress_pid=""; }

check_same() {  # $1: what was just run
  snap > "$WORK/now.txt"
  if ! diff -u "$WORK/before.txt" "$WORK/now.txt"; then fail "rows changed after: $1"; fi
  cmp -s "$(script_path)" "$WORK/script.sql" || { diff "$WORK/script.sql" "$(script_path)" | head -40; fail "install script changed after: $1"; }
  say "after $1: $(wc -l < "$WORK/now.txt") tables, $(awk '{s+=$2} END {print s}' "$WORK/now.txt") rows unchanged; install script identical"
}

say "install script generated 5 times by cargo pgrx schema"
for i in 1 2 3 4 5; do
  (cd pg_agenttrace && cargo pgrx schema --release --skip-build --pg-config "$PG_CONFIG" -o "$WORK/schema.$i.sql" >/dev/null 2>&1) \
    || fail "cargo pgrx schema failed"
  [ "$i" = 1 ] || cmp "$WORK/schema.1.sql" "$WORK/schema.$i.sql" || fail "generated install scripts differ (run 1 vs $i)"
done
say "5 generations byte-identical ($(sha256sum < "$WORK/schema.1.sql" | cut -c1-16))"

say "fresh database $PGDATABASE (the test's own)"
psql -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE WITH (FORCE)"
rm -f "$AGENTTRACE_PGDATA/pg_agenttrace.$PGDATABASE.sha256"
start_ingress
cp "$(script_path)" "$WORK/script.sql"
cmp -s "$WORK/script.sql" "$WORK/schema.1.sql" || fail "installed script differs from the generated one"
sent=0
for bin in "$CORPUS"/*/*.bin; do
  meta="${bin%.bin}.meta.json"
  enc=()
  grep -qi '"content-encoding": *"gzip"' "$meta" 2>/dev/null && enc=(-H 'Content-Encoding: gzip')
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$AGENTTRACE_HTTP_ADDR/v1/traces" \
    -H 'Content-Type: application/x-protobuf' "${enc[@]}" --data-binary @"$bin")
  [ "$code" = 200 ] || fail "POST $bin -> $code"
  sent=$((sent + 1))
done
stop_ingress
psql -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" \
  -c "SELECT agenttrace.annotate((SELECT run_id FROM agenttrace.runs ORDER BY run_id LIMIT 1), 'FM-3.2', 'kept across set-up runs', 'human')" \
  -c "SELECT error_message FROM agenttrace.ingest('\x0a05'::bytea, 'application/x-protobuf')" >/dev/null
snap > "$WORK/before.txt"
spans=$(awk '$1 == "spans" {print $2}' "$WORK/before.txt")
[ "${spans:-0}" -gt 1000 ] || fail "expected the corpus in $PGDATABASE, found ${spans:-0} spans"
grep -q '^dead_letters [1-9]' "$WORK/before.txt" || fail "expected a dead letter"
say "stored: $sent requests through the ingress, $spans spans, $(awk '{s+=$2} END {print s}' "$WORK/before.txt") rows in $(wc -l < "$WORK/before.txt") tables"

scripts/setup.sh > "$WORK/setup.log" 2>&1 || { tail -30 "$WORK/setup.log"; fail "setup.sh"; }
check_same "scripts/setup.sh"
scripts/setup.sh > "$WORK/setup.log" 2>&1 || { tail -30 "$WORK/setup.log"; fail "setup.sh"; }
check_same "scripts/setup.sh (again)"
start_ingress; stop_ingress
check_same "scripts/run.sh"
touch pg_agenttrace/src/lib.rs
scripts/setup.sh > "$WORK/setup.log" 2>&1 || { tail -30 "$WORK/setup.log"; fail "setup.sh"; }
check_same "touching a Rust file and scripts/setup.sh (rebuild)"
scripts/setup.sh > "$WORK/setup.log" 2>&1 || { tail -30 "$WORK/setup.log"; fail "setup.sh"; }
check_same "scripts/setup.sh after the rebuild"

if scripts/db.sh reset-db > "$WORK/reset.log" 2>&1; then fail "reset-db ran without --delete-all-data"; fi
grep -q -- "--delete-all-data" "$WORK/reset.log" || fail "reset-db did not say how to run it"
check_same "scripts/db.sh reset-db (refused without its flag)"

psql -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE WITH (FORCE)"
rm -f "$AGENTTRACE_PGDATA/pg_agenttrace.$PGDATABASE.sha256"
say "passed"
