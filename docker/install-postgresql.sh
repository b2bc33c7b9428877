#!/bin/sh
# Installs PostgreSQL $1 (its server, with contrib modules such as pg_trgm) and the further apt
# packages named after it. 15 comes from Debian bookworm itself; other versions from the
# PostgreSQL project's apt repository, added with the script Debian's postgresql-common ships
# (its signing key is in that package). Used by the Dockerfile's build and db stages.
set -eu
major="$1"; shift
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ "$major" != 15 ]; then
  apt-get install -y -q --no-install-recommends postgresql-common ca-certificates
  /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y
fi
apt-get install -y -q --no-install-recommends "postgresql-$major" "$@"
rm -rf /var/lib/apt/lists/*
