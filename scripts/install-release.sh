#!/usr/bin/env bash
# Installs released versions of pg_agenttrace next to the current one, so a database can be
# created at an old version and updated with ALTER EXTENSION pg_agenttrace UPDATE (what
# tests/tests/upgrade.rs does). For each line of sql/releases/versions: builds that commit's
# library (cached under /var/tmp/pg_agenttrace/releases) and installs it under its released
# file name, with the frozen install script and its secondary control file.
#   scripts/install-release.sh            # every released version
#   scripts/install-release.sh 0.1.0      # one
# For the PostgreSQL version of AGENTTRACE_PG (default 15; see scripts/env.sh): the library is
# built with that version's pgrx feature (a release whose Cargo.toml predates the feature gets
# it added to its copy of the source: only the pgrx binding differs, the released code is
# unchanged).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
export PATH="$HOME/.cargo/bin:$PATH"
CACHE="${AGENTTRACE_RELEASE_CACHE:-/var/tmp/pg_agenttrace/releases}"
PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
EXTDIR="$PG_SHAREDIR/extension"
mkdir -p "$CACHE"
# One build at a time in the shared cache (another checkout may be building another version).
exec 9>"$CACHE/.lock"
flock 9

grep -vE '^\s*(#|$)' "$ROOT/sql/releases/versions" | while read -r version commit libname; do
  [ -n "${1:-}" ] && [ "$1" != "$version" ] && continue
  lib="$CACHE/$version/pg$AGENTTRACE_PG/$libname.so"
  legacy="$CACHE/$version/$libname.so"   # where PostgreSQL 15 builds were cached before
  if [ ! -f "$lib" ] && [ "$AGENTTRACE_PG" = 15 ] && [ -f "$legacy" ]; then
    mkdir -p "$(dirname "$lib")" && cp "$legacy" "$lib"
  fi
  if [ ! -f "$lib" ]; then
    echo "building pg_agenttrace $version (commit $commit) for PostgreSQL $AGENTTRACE_PG ..."
    src="$CACHE/$version/src-pg$AGENTTRACE_PG"
    rm -rf "$src" && mkdir -p "$src"
    if ! git -C "$ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
      # A shallow clone lacks the released commit: fetch the history.
      git -C "$ROOT" fetch --quiet --unshallow 2>/dev/null || git -C "$ROOT" fetch --quiet origin "$commit" || true
    fi
    git -C "$ROOT" cat-file -e "$commit^{commit}" || { echo "commit $commit of $version is not in this clone" >&2; exit 1; }
    git -C "$ROOT" archive "$commit" | tar -x -C "$src"
    features=()
    if [ "$AGENTTRACE_PG" != 15 ]; then
      toml="$src/pg_agenttrace/Cargo.toml"
      grep -q "^pg$AGENTTRACE_PG = " "$toml" || sed -i "/^pg15 = /a pg$AGENTTRACE_PG = [\"pgrx/pg$AGENTTRACE_PG\"]" "$toml"
      features=(--no-default-features --features "pg$AGENTTRACE_PG")
    fi
    # One target directory for every release and PostgreSQL version keeps the dependency builds
    # shared (each version's pgrx and library are separate units: different features).
    (cd "$src" && CARGO_TARGET_DIR="$CACHE/target" PGRX_PG_CONFIG_PATH="$PG_CONFIG" \
      cargo build --release --locked -p pg_agenttrace "${features[@]}" 2>&1 | grep -vE '^\s+(Compiling|Checking|Downloaded|Downloading)' | tail -n 3)
    mkdir -p "$(dirname "$lib")"
    cp "$CACHE/target/release/libpg_agenttrace.so" "$lib.tmp" && mv "$lib.tmp" "$lib"
  fi
  if ! cmp -s "$lib" "$PKGLIBDIR/$libname.so"; then
    install -m 755 "$lib" "$PKGLIBDIR/$libname.so"
  fi
  install -m 644 "$ROOT/sql/releases/pg_agenttrace--$version.sql" "$EXTDIR/pg_agenttrace--$version.sql"
  if [ -f "$ROOT/sql/releases/pg_agenttrace--$version.control" ]; then
    install -m 644 "$ROOT/sql/releases/pg_agenttrace--$version.control" "$EXTDIR/pg_agenttrace--$version.control"
  fi
  echo "pg_agenttrace $version installed for PostgreSQL $AGENTTRACE_PG ($PKGLIBDIR/$libname.so)"
done
