#!/usr/bin/env bash
# Runs the Python end-to-end tests of agenttrace-ingress against the real database.
#   tests/python/run.sh [pytest args]
# Env: DATABASE_URL (default: the project cluster), AGENTTRACE_INGRESS_BIN (default:
# target/release/agenttrace-ingress, built here when missing), AGENTTRACE_CORPUS,
# AGENTTRACE_SKIP_FAULT=1 to skip the PostgreSQL-restart test.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5433/agenttrace}"
export DATABASE_URL

# venv: created once; reinstalled only when requirements.txt changes (stamp holds its hash).
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$HERE/requirements.txt"
  echo "$WANT" > "$STAMP"
fi

if [ -z "${AGENTTRACE_INGRESS_BIN:-}" ]; then
  AGENTTRACE_INGRESS_BIN="$ROOT/target/release/agenttrace-ingress"
  if [ ! -x "$AGENTTRACE_INGRESS_BIN" ] || [ -n "$(find "$ROOT/ingress" "$ROOT/core/src" -newer "$AGENTTRACE_INGRESS_BIN" -name '*.rs' -print -quit 2>/dev/null)" ]; then
    (cd "$ROOT" && cargo build --release -p agenttrace-ingress)
  fi
fi
export AGENTTRACE_INGRESS_BIN

cd "$HERE"
exec "$VENV/bin/python" -m pytest -q "$@"
