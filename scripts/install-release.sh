#!/usr/bin/env bash
# Installs released versions of pg_agenttrace next to the current one, so a database can be
# created at an old version and updated with ALTER EXTENSION pg_agenttrace UPDATE (what
# tests/tests/upgrade.rs does). For each line of sql/releases/versions: builds that commit's
# library (cached under /var/tmp/pg_agenttrace/releases) and installs it under its released
# file name, with the frozen install script and its secondary control file.
#   scripts/install-release.sh            # every released version
#   scripts/install-release.sh 0.1.0      # one
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
export PATH="$HOME/.cargo/bin:$PATH"
CACHE="${AGENTTRACE_RELEASE_CACHE:-/var/tmp/pg_agenttrace/releases}"
PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
EXTDIR="$PG_SHAREDIR/extension"
mkdir -p "$CACHE"

grep -vE '^\s*(#|$)' "$ROOT/sql/releases/versions" | while read -r version commit libname; do
  [ -n "${1:-}" ] && [ "$1" != "$version" ] && continue
  lib="$CACHE/$version/$libname.so"
  if [ ! -f "$lib" ]; then
    echo "building pg_agenttrace $version (commit $commit) ..."
    src="$CACHE/$version/src"
    rm -rf "$src" && mkdir -p "$src"
    if ! git -C "$ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
      # A shallow clone lacks the released commit: fetch the history.
      git -C "$ROOT" fetch --quiet --unshallow 2>/dev/null || git -C "$ROOT" fetch --quiet origin "$commit" || true
    fi
    git -C "$ROOT" cat-file -e "$commit^{commit}" || { echo "commit $commit of $version is not in this clone" >&2; exit 1; }
    git -C "$ROOT" archive "$commit" | tar -x -C "$src"
    # One target directory for every release keeps the dependency builds shared.
    (cd "$src" && CARGO_TARGET_DIR="$CACHE/target" PGRX_PG_CONFIG_PATH="$PG_CONFIG" \
      cargo build --release --locked -p pg_agenttrace 2>&1 | grep -vE '^\s+(Compiling|Checking|Downloaded|Downloading)' | tail -n 3)
    cp "$CACHE/target/release/libpg_agenttrace.so" "$lib.tmp" && mv "$lib.tmp" "$lib"
  fi
  if ! cmp -s "$lib" "$PKGLIBDIR/$libname.so"; then
    install -m 755 "$lib" "$PKGLIBDIR/$libname.so"
  fi
  install -m 644 "$ROOT/sql/releases/pg_agenttrace--$version.sql" "$EXTDIR/pg_agenttrace--$version.sql"
  if [ -f "$ROOT/sql/releases/pg_agenttrace--$version.control" ]; then
    install -m 644 "$ROOT/sql/releases/pg_agenttrace--$version.control" "$EXTDIR/pg_agenttrace--$version.control"
  fi
  echo "pg_agenttrace $version installed ($PKGLIBDIR/$libname.so)"
done
