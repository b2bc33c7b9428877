#!/usr/bin/env bash
# The main job: PostgreSQL 15 + TimescaleDB with pg_agenttrace (scripts/setup.sh), then the
# OTLP ingress (HTTP :4318, gRPC :4317) in the foreground (Ctrl-C drains and stops it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
source "$ROOT/scripts/env.sh"
export PATH="$HOME/.cargo/bin:$PATH"
printf '\n==> building the ingress\n'
(cd "$ROOT" && cargo build --release -p agenttrace-ingress)
printf '\n==> ingress: OTLP/HTTP on %s, OTLP/gRPC on %s -> %s\n' "${AGENTTRACE_HTTP_ADDR:-0.0.0.0:4318}" "${AGENTTRACE_GRPC_ADDR:-0.0.0.0:4317}" "$DATABASE_URL"
exec "$ROOT/target/release/agenttrace-ingress"
