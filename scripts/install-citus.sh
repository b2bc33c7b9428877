#!/usr/bin/env bash
# Builds and installs Citus (open-source, AGPL-3.0; built and run, never copied into this project)
# for the PostgreSQL of $1 (pg_config). Debian has no Citus package, so it is built from a source
# tarball: $CITUS_SOURCE if set, else ../shared/vendor/citus-$CITUS_VERSION.tar.gz next to the
# repository (or next to the local checkout it was cloned from) when present, else the official
# release tarball from GitHub.
# Idempotent: when citus.control of $CITUS_VERSION is already installed it returns at once
# (CITUS_FORCE=1 rebuilds). About 6 minutes on 2 cores the first time.
# Used by scripts/test.sh (Citus tests) and scripts/citus.sh; nothing else needs it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_CONFIG="${1:-${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}}"
CITUS_VERSION="${CITUS_VERSION:-13.2.2}"
W="${CITUS_WORKDIR:-/var/tmp/citus-build}"
SHAREDIR="$("$PG_CONFIG" --sharedir)"
PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"

installed=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$SHAREDIR/extension/citus.control" 2>/dev/null || true)
if [ "${CITUS_FORCE:-0}" != 1 ] && [ -n "$installed" ] && [ -f "$PKGLIBDIR/citus.so" ]; then
  echo "Citus present for $("$PG_CONFIG" --version) (extension version $installed)"
  exit 0
fi

# Build dependencies (compression, TLS and GSSAPI headers the configure script probes for).
missing=()
for p in liblz4-dev libzstd-dev libssl-dev libkrb5-dev build-essential autoconf flex bison; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Citus build dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$W"
src="${CITUS_SOURCE:-}"
# The vendored tarball sits in ../shared/vendor next to the checkout; a clone made elsewhere
# (a CI clone in /tmp) finds it next to the checkout it was cloned from (its local origin).
origin="$(git -C "$ROOT" config --get remote.origin.url 2>/dev/null || true)"
for d in "$ROOT/.." ${origin:+"$origin/.."} /work; do
  if [ -z "$src" ] && [ -f "$d/shared/vendor/citus-$CITUS_VERSION.tar.gz" ]; then
    src="$d/shared/vendor/citus-$CITUS_VERSION.tar.gz"
  fi
done
if [ -z "$src" ]; then
  src="$W/citus-$CITUS_VERSION.tar.gz"
  if [ ! -s "$src" ]; then
    echo "downloading Citus $CITUS_VERSION source"
    curl -fsSL --retry 3 -o "$src.part" "https://github.com/citusdata/citus/archive/refs/tags/v$CITUS_VERSION.tar.gz"
    mv "$src.part" "$src"
  fi
fi
echo "building Citus from $src for $("$PG_CONFIG" --version)"
rm -rf "$W/src" && mkdir -p "$W/src"
tar xzf "$src" -C "$W/src" --strip-components=1
cd "$W/src"

# PostgreSQL 15.20+ exports have_createdb_privilege() from commands/dbcommands.h; Citus 13.2.2's
# compat header still defines a static inline copy for PG 15 ("static declaration follows
# non-static declaration"). Drop the copy only when the installed headers declare the function.
inc="$("$PG_CONFIG" --includedir-server)"
if grep -q 'have_createdb_privilege' "$inc/commands/dbcommands.h" 2>/dev/null \
   && grep -q 'have_createdb_privilege' src/include/pg_version_compat.h; then
  echo "applying the compat fix: PostgreSQL headers declare have_createdb_privilege()"
  python3 - src/include/pg_version_compat.h <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
# remove the whole "static inline bool have_createdb_privilege(void) { ... }" definition
n = re.sub(r'static inline bool\s*\n?\s*have_createdb_privilege\(void\)\s*\{.*?\n\}\n', '', s, count=1, flags=re.S)
if n == s:
    sys.exit("compat fix: definition of have_createdb_privilege() not found in " + p)
open(p, 'w').write(n)
PY
fi

PG_CONFIG="$PG_CONFIG" ./configure --without-libcurl >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "Citus $CITUS_VERSION installed for $("$PG_CONFIG" --version)"
