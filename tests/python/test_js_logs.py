"""The real OpenTelemetry JS log exporters (OTLP/HTTP protobuf and OTLP/gRPC, tests/js) through the
ingress: every record stored once. Skipped when node/npm are not installed."""
import json
import pathlib
import shutil
import subprocess

import pytest

from conftest import unique_service

JS = pathlib.Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="node/npm not installed")


@pytest.fixture(scope="module")
def js_deps():
    if not (JS / "node_modules" / "@opentelemetry" / "sdk-logs").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=600, capture_output=True)
    return JS


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_js_log_exporter_records_are_stored_once(ingress, db, js_deps, protocol):
    svc = unique_service(f"js-logs-{protocol}")
    endpoint = ingress.url + "/v1/logs" if protocol == "http" else "http://" + ingress.grpc_target
    out = subprocess.run(["node", "logs.mjs", svc, protocol, endpoint, "250"], cwd=js_deps, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = db.execute("SELECT (attributes->>'seq')::int, severity_text, event_name, body FROM agenttrace.log_records "
                      "WHERE service_name = %s ORDER BY 1", (svc,)).fetchall()
    assert [r[0] for r in rows] == list(range(250)), "every record once"
    assert rows[0][2] == "app.started" and rows[0][1] == "WARN"
    body = rows[7][3] if isinstance(rows[7][3], dict) else json.loads(rows[7][3])
    assert body == {"text": "record 7", "i": 7}, body
