#!/usr/bin/env bash
# Builds and installs TimescaleDB (Apache-licensed part) for the PostgreSQL of $1 (pg_config)
# from Debian trixie's source package; bookworm has no TimescaleDB package. Needs cmake, a C
# compiler and that PostgreSQL's server headers (postgresql-server-dev-15 for Debian's 15; the
# wheels of scripts/install-pg.sh carry theirs). Installs into $1's pkglibdir and sharedir.
# Used by scripts/setup.sh (15), scripts/install-pg.sh (16, 17) and the Dockerfile. The source
# package is downloaded once into the work directory; each PostgreSQL version builds in its own
# directory there.
set -euo pipefail
PG_CONFIG="${1:-/usr/lib/postgresql/15/bin/pg_config}"
TSDB_DEB_VERSION="${TSDB_DEB_VERSION:-2.19.3+dfsg-1+deb13u1}"
W="${TSDB_WORKDIR:-/var/tmp/timescaledb-build}"
mkdir -p "$W/lists/partial"
cat > "$W/trixie.sources" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
A=(-o "Dir::Etc::sourcelist=$W/trixie.sources" -o Dir::Etc::sourceparts=/nonexistent -o "Dir::State::Lists=$W/lists")
cd "$W"
# The pinned source package already downloaded (and verified by apt against its .dsc) is reused.
pinned_dsc="$W/timescaledb_${TSDB_DEB_VERSION#*:}.dsc"
if [ ! -f "$pinned_dsc" ]; then
  apt-get "${A[@]}" update -q
  if ! apt-get "${A[@]}" source --download-only "timescaledb=$TSDB_DEB_VERSION"; then
    echo "pinned timescaledb $TSDB_DEB_VERSION is gone from trixie; trying the current one" >&2
    apt-get "${A[@]}" source --download-only timescaledb || { echo "ERROR: no timescaledb source package in Debian trixie" >&2; exit 1; }
  fi
fi
orig=$(ls "$W"/timescaledb_*.orig.tar.* | sort -V | tail -n1)
major="$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')"
src="$W/src-pg$major"
rm -rf "$src" && mkdir -p "$src"
tar xf "$orig" -C "$src" --strip-components=1
cd "$src"
./bootstrap -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DAPACHE_ONLY=ON -DWARNINGS_AS_ERRORS=OFF \
  -DUSE_TELEMETRY=OFF -DPG_CONFIG="$PG_CONFIG" >/dev/null
make -C build -j"$(nproc)" >/dev/null
make -C build install >/dev/null
echo "TimescaleDB installed for $("$PG_CONFIG" --version)"
