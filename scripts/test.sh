#!/usr/bin/env bash
# Runs every test: sets up (idempotent), then
#   0. the fast tier's checks (below): formatting and clippy
#   1. cargo test for the pure-Rust crates (core, ingress unit tests)
#   2. end-to-end tests against fresh databases with the installed extension on PostgreSQL 15
#      (agenttrace_test with TimescaleDB, agenttrace_test_plain without, and a local Citus
#      cluster built by scripts/install-citus.sh: tests/tests/citus.rs)
#   3. the ingress over real HTTP with the real OpenTelemetry Python exporter
#   4. the other PostgreSQL versions of scripts/pg-versions, each set up by
#      `AGENTTRACE_PG=NN scripts/setup.sh` (its wheel, TimescaleDB where supported, the extension
#      built with --features pgNN, its own cluster on port 54NN) and tested in fresh databases:
#      17 the whole end-to-end suite with TimescaleDB; 16 (with TimescaleDB) and 18 (plain tables:
#      no TimescaleDB for 18) the corpus, upgrade and bad-input tests
#   5. the corpus gives the same results on every version (tests/tests/versions.rs)
#   6. re-runs of setup.sh / run.sh and a rebuild keep every stored row, and the install script is
#      byte-identical (tests/setup_rerun.sh, on PostgreSQL 15)
#   (after step 2, on PostgreSQL 15: every command the README shows runs as written,
#      tests/readme_commands.sh)
# AGENTTRACE_TEST_PG picks the versions (default "15 16 17 18"; steps 1-3 are the 15 in it, step 5
# needs two or more), e.g. AGENTTRACE_TEST_PG="15 17".
# Only the test databases this script creates (agenttrace_test, agenttrace_test_plain, and the
# agenttrace_test_* scratch databases the tests create and drop) are ever dropped.
#
# scripts/test.sh --quick runs the fast tier only, without any database, in a few minutes once
# built: `cargo fmt --check`, clippy with warnings as errors on every workspace package and target
# (pg_agenttrace with its default feature, pg15), the check that the newest upgrade script repeats
# the current definitions of what it copies from sql/*.sql (scripts/check-upgrade-sql.py), that
# module dependencies point one way (scripts/check-layers.py) and no function outgrows a sitting
# (scripts/check-fn-length.py), and the core and ingress unit tests (step 1).
# It sets up only what those need: the apt packages (`scripts/setup.sh --apt-only`: compilers,
# libclang and PostgreSQL 15's pg_config and headers, from which pgrx generates its bindings) and
# the rustfmt and clippy components; not cargo-pgrx, TimescaleDB, a cluster, the other PostgreSQL
# versions or Citus. `make check` runs it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
quick=""
case "${1:-}" in
  --quick) quick=yes ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
: "${AGENTTRACE_TEST_PG=15 16 17 18}"
has15=""
for v in $AGENTTRACE_TEST_PG; do [ "$v" = 15 ] && has15=yes; done
export AGENTTRACE_PG=15   # steps 1-3; the other versions get their own settings below
if [ -n "$quick" ]; then "$ROOT/scripts/setup.sh" --apt-only
elif [ -n "$has15" ]; then "$ROOT/scripts/setup.sh"
else "$ROOT/scripts/setup.sh" --deps-only; fi
source "$ROOT/scripts/env.sh"
export PATH="$HOME/.cargo/bin:$PATH"
T0=$SECONDS
TIMES=()
step() { printf '\n==> [test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
timed() { TIMES+=("$(printf '%5ss  %s' "$1" "$2")"); }
summary() {
  step "all tests passed in $((SECONDS - T0)) s (after set-up):"
  printf '  %s\n' "${TIMES[@]}"
}
unit_tests() {
  local s=$SECONDS
  step "unit tests (core, ingress)"
  cargo test --release -p agenttrace-core -p agenttrace-ingress
  timed $((SECONDS - s)) "unit tests"
}

# The fast tier's checks, first in both tiers. pgrx's build script reads PostgreSQL 15's pg_config
# from PGRX_PG_CONFIG_PATH, so clippy needs neither cargo-pgrx nor `cargo pgrx init` (the variable
# is the same in both tiers, and every other build of the extension is a release build, so nothing
# reruns pgrx's bindings generation in between). --keep-going reports every package's warnings, not
# only the first failing one's.
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
s=$SECONDS
step "formatting (cargo fmt --check; rustfmt.toml)"
cargo fmt --all -- --check
step "clippy, warnings as errors (every workspace package and target; pg_agenttrace for PostgreSQL 15)"
PGRX_PG_CONFIG_PATH="$PG_CONFIG" cargo clippy --workspace --all-targets --keep-going -- -D warnings
step "upgrade scripts repeat sql/*.sql's current definitions (scripts/check-upgrade-sql.py)"
python3 "$ROOT/scripts/check-upgrade-sql.py"
step "module dependencies point one way (scripts/check-layers.py)"
python3 "$ROOT/scripts/check-layers.py"
step "no function over 150 lines (scripts/check-fn-length.py)"
python3 "$ROOT/scripts/check-fn-length.py"
timed $((SECONDS - s)) "formatting, clippy, upgrade-script, layer and function-length checks"
if [ -n "$quick" ]; then
  unit_tests
  summary
  exit 0
fi

# The end-to-end tests each version other than 15 runs (`all`: the whole suite).
declare -A SUITE=([16]="ingest normalize bad_input upgrade" [17]="all" [18]="ingest normalize bad_input upgrade")

# Fresh agenttrace_test (TimescaleDB where this version has it) and agenttrace_test_plain in the
# cluster of the current AGENTTRACE_PG, and the URLs the tests read.
fresh_test_dbs() {
  local tsdb="" db
  [ -f "$PG_SHAREDIR/extension/timescaledb.control" ] && tsdb="CREATE EXTENSION timescaledb;"
  for db in agenttrace_test agenttrace_test_plain; do
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  done
  psql -q -v ON_ERROR_STOP=1 -d agenttrace_test -c "SET client_min_messages = warning; $tsdb" \
    -c "CREATE EXTENSION pg_trgm" -c "CREATE EXTENSION pg_agenttrace"
  psql -q -v ON_ERROR_STOP=1 -d agenttrace_test_plain -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION pg_agenttrace"
  export AGENTTRACE_TEST_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/agenttrace_test"
  export AGENTTRACE_TEST_PLAIN_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/agenttrace_test_plain"
  if [ -n "$tsdb" ]; then export AGENTTRACE_TEST_TIMESCALEDB=1; else export AGENTTRACE_TEST_TIMESCALEDB=0; fi
}
describe() {
  echo "PostgreSQL $(psql -qAt -d agenttrace_test -c 'show server_version') with pg_agenttrace $(psql -qAt -d agenttrace_test -c 'select agenttrace.version()')$([ "$AGENTTRACE_TEST_TIMESCALEDB" = 1 ] && echo ' and TimescaleDB' || echo ', plain tables')"
}

VERSION_URLS=""
if [ -n "$has15" ]; then
unit_tests

s=$SECONDS
step "released versions (for the upgrade test)"
"$ROOT/scripts/install-release.sh"

step "fresh test databases"
fresh_test_dbs

timed $((SECONDS - s)) "PostgreSQL 15: released versions"

# Citus: built once (about 6 minutes; then seconds), a local coordinator + 2 workers;
# tests/tests/citus.rs then compares the corpus on distributed tables with a single node.
# AGENTTRACE_SKIP_CITUS=1 leaves it out (those tests then report themselves skipped).
if [ "${AGENTTRACE_SKIP_CITUS:-0}" != 1 ]; then
  s=$SECONDS
  step "Citus $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$PG_SHAREDIR/extension/citus.control" 2>/dev/null || echo '(building)'): install (idempotent) and a local 3-node cluster"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO "$ROOT/scripts/install-citus.sh" "$PG_CONFIG"
  CITUS_DATABASE=agenttrace_citus_test "$ROOT/scripts/citus.sh" start
  export AGENTTRACE_CITUS_DATABASE_URL="postgres://postgres@127.0.0.1:${CITUS_PORT:-5450}/agenttrace_citus_test"
  cargo build --release -p agenttrace-ingress   # citus.rs runs the ingress against the coordinator too
  export AGENTTRACE_INGRESS_BIN="$ROOT/target/release/agenttrace-ingress"
  timed $((SECONDS - s)) "Citus: build (first time) and cluster start"
fi
s=$SECONDS
step "end-to-end tests against $(describe)$([ -n "${AGENTTRACE_CITUS_DATABASE_URL:-}" ] && echo ', and Citus')"
cargo test --release -p agenttrace-tests
if [ -n "${AGENTTRACE_CITUS_DATABASE_URL:-}" ]; then
  # GenAI content events joined to their spans in either order and committed concurrently
  # (tests/tests/logs.rs) on distributed tables: log_records by trace, the events' traces listed
  # on the coordinator (genai_event_traces). In the Citus test database, rebuilt here.
  psql -q -v ON_ERROR_STOP=1 "$AGENTTRACE_CITUS_DATABASE_URL" -c "SET client_min_messages = warning" \
    -c "DROP EXTENSION IF EXISTS pg_agenttrace CASCADE" -c "CREATE EXTENSION pg_agenttrace" \
    -c "SELECT count(*) FROM agenttrace.distribute(shard_count => 4)" >/dev/null
  AGENTTRACE_TEST_DATABASE_URL="$AGENTTRACE_CITUS_DATABASE_URL" AGENTTRACE_TEST_PLAIN_DATABASE_URL="$AGENTTRACE_CITUS_DATABASE_URL" \
    AGENTTRACE_TEST_TIMESCALEDB=0 cargo test --release -p agenttrace-tests --test logs -- \
    genai_events_give_the_same_run_as_span_attributes_in_either_order span_and_its_events_committed_concurrently_always_join \
    log_records_are_stored_once_redacted_and_searchable
  "$ROOT/scripts/citus.sh" stop
  unset AGENTTRACE_CITUS_DATABASE_URL   # the other versions' suites run without Citus
fi
timed $((SECONDS - s)) "PostgreSQL 15: end-to-end suite (with Citus)"

# Every command the README shows runs as written (tests/readme_commands.sh): scripts, cargo
# packages/binaries/options, and the README's SQL in rolled-back transactions against the test
# database the suite just filled (a real run id for its placeholders). The ingress is built first
# (the next stage builds it anyway) so the ingress and judge options are checked against --help.
s=$SECONDS
step "README commands run as written"
cargo build --release -p agenttrace-ingress
"$ROOT/tests/readme_commands.sh"
"$ROOT/tests/readme_commands.sh" --self-test
timed $((SECONDS - s)) "PostgreSQL 15: README commands"

if [ -x "$ROOT/tests/python/run.sh" ]; then
  s=$SECONDS
  step "ingress tests with the real OpenTelemetry exporter"
  cargo build --release -p agenttrace-ingress
  DATABASE_URL="$AGENTTRACE_TEST_DATABASE_URL" AGENTTRACE_INGRESS_BIN="$ROOT/target/release/agenttrace-ingress" "$ROOT/tests/python/run.sh"
  timed $((SECONDS - s)) "PostgreSQL 15: ingress tests (Python)"
fi
s=$SECONDS
step "re-running the set-up and the main command keeps the data; the install script is deterministic"
"$ROOT/tests/setup_rerun.sh"
timed $((SECONDS - s)) "PostgreSQL 15: set-up re-runs keep data"
VERSION_URLS="15=postgres://$PGUSER@$PGHOST:$PGPORT/postgres"
fi

for v in $AGENTTRACE_TEST_PG; do
  [ "$v" = 15 ] && continue
  s=$SECONDS
  step "PostgreSQL $v: set-up (wheel, TimescaleDB, extension build, cluster)"
  AGENTTRACE_PG=$v "$ROOT/scripts/setup.sh"
  AGENTTRACE_PG=$v "$ROOT/scripts/install-release.sh"
  timed $((SECONDS - s)) "PostgreSQL $v: set-up and released versions"
  s=$SECONDS
  (
    export AGENTTRACE_PG=$v
    source "$ROOT/scripts/env.sh"
    fresh_test_dbs
    suite="${SUITE[$v]:-all}"
    step "PostgreSQL $v: end-to-end tests ($suite) against $(describe)"
    if [ "$suite" = all ]; then
      cargo test --release -p agenttrace-tests
    else
      args=()
      for t in $suite; do args+=(--test "$t"); done
      cargo test --release -p agenttrace-tests "${args[@]}"
    fi
  )
  timed $((SECONDS - s)) "PostgreSQL $v: end-to-end tests (${SUITE[$v]:-all})"
  VERSION_URLS+="${VERSION_URLS:+ }$v=$(AGENTTRACE_PG=$v bash -c 'source scripts/env.sh && echo "postgres://$PGUSER@$PGHOST:$PGPORT/postgres"')"
done

if [ "$(echo "$AGENTTRACE_TEST_PG" | wc -w)" -ge 2 ]; then
  s=$SECONDS
  step "the corpus gives the same results on PostgreSQL $(echo $AGENTTRACE_TEST_PG)"
  AGENTTRACE_TEST_VERSION_URLS="$VERSION_URLS" cargo test --release -p agenttrace-tests --test versions -- --include-ignored --nocapture
  timed $((SECONDS - s)) "corpus compared across versions"
fi
summary
