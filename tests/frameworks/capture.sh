#!/usr/bin/env bash
# Re-captures the framework runs under tests/frameworks/captures with the real packages (pinned in
# requirements-<fw>.txt), a scripted OpenAI-compatible model server and an OTLP/HTTP capture
# receiver, both on loopback (harness.py). Needs python3 (3.10+) and pip access to PyPI; no model,
# no key, no other network. Venvs live under /var/tmp/pg_agenttrace/fw-venvs and are reused.
#
#   tests/frameworks/capture.sh                 # every framework, every mode
#   tests/frameworks/capture.sh autogen strands # some
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venvs="${FW_VENVS:-/var/tmp/pg_agenttrace/fw-venvs}"
all=(pydantic_ai autogen smolagents strands adk llama_index openai_agents crewai)
fws=("$@")
[ ${#fws[@]} -eq 0 ] && fws=("${all[@]}")

# framework -> "mode scenario" runs
runs() {
  case "$1" in
    pydantic_ai) echo "default success;nocontent success;default loop" ;;
    autogen) echo "default success" ;;
    smolagents) echo "oi success" ;;
    strands) echo "default success;latest success;default loop" ;;
    adk) echo "default success;span_only success;event_only success" ;;
    llama_index) echo "oi success" ;;
    openai_agents) echo "oi success" ;;
    crewai) echo "oi success" ;;
    *) echo "unknown framework $1" >&2; return 1 ;;
  esac
}

for fw in "${fws[@]}"; do
  plan="$(runs "$fw")"
  venv="$venvs/$fw"
  req="$here/requirements-$fw.txt"
  stamp="$venv/.requirements"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  if ! cmp -s "$req" "$stamp"; then
    "$venv/bin/pip" install -q -r "$req"
    cp "$req" "$stamp"
  fi
  IFS=';' read -ra items <<<"$plan"
  for item in "${items[@]}"; do
    read -r mode scenario <<<"$item"
    echo "== $fw $mode $scenario"
    (cd "$here" && timeout 300 "$venv/bin/python" "fw_$fw.py" "$mode" "$scenario" >/dev/null)
  done
done
