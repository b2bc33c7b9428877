#!/usr/bin/env bash
# Builds and installs TimescaleDB (Apache-licensed part) for the PostgreSQL of $1 (pg_config)
# from Debian trixie's source package; bookworm has no TimescaleDB package. Needs cmake, a C
# compiler and postgresql-server-dev-NN. Used by scripts/setup.sh and the Dockerfile.
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
apt-get "${A[@]}" update -q
if ! apt-get "${A[@]}" source --download-only "timescaledb=$TSDB_DEB_VERSION"; then
  echo "pinned timescaledb $TSDB_DEB_VERSION is gone from trixie; trying the current one" >&2
  apt-get "${A[@]}" source --download-only timescaledb || { echo "ERROR: no timescaledb source package in Debian trixie" >&2; exit 1; }
fi
orig=$(ls "$W"/timescaledb_*.orig.tar.* | sort -V | tail -n1)
rm -rf "$W/src" && mkdir -p "$W/src"
tar xf "$orig" -C "$W/src" --strip-components=1
cd "$W/src"
./bootstrap -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DAPACHE_ONLY=ON -DWARNINGS_AS_ERRORS=OFF \
  -DUSE_TELEMETRY=OFF -DPG_CONFIG="$PG_CONFIG" >/dev/null
make -C build -j"$(nproc)" >/dev/null
make -C build install >/dev/null
echo "TimescaleDB installed for $("$PG_CONFIG" --version)"
