"""Operational endpoints: /health, /ready, /metrics; dual export; graceful shutdown."""
import http.server
import json
import threading
import time
import uuid

import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.export import SpanExportResult

from conftest import span_id_db, unique_service
from test_json import request_body, span

REQUIRED_SERIES = [
    "agenttrace_traces_received_total",
    "agenttrace_spans_received_total",
    "agenttrace_ingestion_errors_total",
    "agenttrace_ingestion_duration_seconds_bucket",
    "agenttrace_ingestion_duration_seconds_count",
    "agenttrace_batch_bodies_bucket",
    "agenttrace_batch_bytes_bucket",
    "agenttrace_queue_depth",
    "agenttrace_queue_bytes",
    "agenttrace_db_roundtrip_seconds_bucket",
    "agenttrace_db_connections",
]


def test_health_and_ready(ingress, db):
    r = requests.get(ingress.url + "/health", timeout=5)
    assert r.status_code == 200
    r = requests.get(ingress.url + "/ready", timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy" and body["database"] == "connected"
    assert body["version"] == db.execute("SELECT agenttrace.version()").fetchone()[0]


def test_metrics_expose_required_series(ingress):
    svc = unique_service("metrics")
    body = json.dumps(request_body(svc, [span(uuid.uuid4().hex, "00000000000000c1", "m")])).encode()
    assert requests.post(ingress.url + "/v1/traces", data=body, headers={"Content-Type": "application/json"}, timeout=10).status_code == 200
    requests.post(ingress.url + "/v1/traces", data=b"x", headers={"Content-Type": "text/plain"}, timeout=10)
    text = requests.get(ingress.url + "/metrics", timeout=5).text
    for series in REQUIRED_SERIES:
        assert series in text, f"{series} missing from /metrics"
    accepted = [l for l in text.splitlines() if l.startswith('agenttrace_spans_received_total{result="accepted"}')]
    assert accepted and float(accepted[0].split()[-1]) >= 1


class Sink(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Sink.received.append((self.path, self.headers.get("Content-Type"), self.headers.get("Content-Encoding"), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def test_dual_export_forwards_accepted_bodies_unchanged(make_ingress, db):
    import gzip
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        ing = make_ingress(env={"AGENTTRACE_FORWARD_ENDPOINT": f"http://127.0.0.1:{srv.server_address[1]}/v1/traces"})
        svc = unique_service("fwd")
        body = gzip.compress(json.dumps(request_body(svc, [span(uuid.uuid4().hex, "00000000000000d1", "fwd")])).encode())
        r = requests.post(ing.url + "/v1/traces", data=body,
                          headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}, timeout=10)
        assert r.status_code == 200
        bad = requests.post(ing.url + "/v1/traces", data=b"{", headers={"Content-Type": "application/json"}, timeout=10)
        assert bad.status_code == 400
        deadline = time.time() + 10
        while not Sink.received and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        assert Sink.received == [("/v1/traces", "application/json", "gzip", body)], "only the accepted body, byte for byte"
    finally:
        srv.shutdown()
    # forward endpoint gone: the database path is unaffected
    r = requests.post(ing.url + "/v1/traces", data=json.dumps(request_body(svc, [span(uuid.uuid4().hex, "00000000000000d2", "fwd2")])).encode(),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 200
    assert db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0] == 2


def make_spans(svc, n, first=0, worker=0):
    """n finished SDK spans (ReadableSpan) of service svc, for feeding an exporter directly."""
    provider = TracerProvider(resource=Resource.create({"service.name": svc}))
    mem = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(mem))
    tracer = provider.get_tracer("agenttrace.tests.load")
    for i in range(first, first + n):
        with tracer.start_as_current_span(f"invoke_agent worker-{i % 7}",
                                          attributes={"gen_ai.agent.name": f"worker-{i % 7}", "i": i, "w": worker}):
            pass
    return list(mem.get_finished_spans())


def test_graceful_shutdown_commits_everything_acknowledged(make_ingress, db):
    """SIGTERM mid-stream: every acknowledged export is stored; the process exits 0."""
    svc = unique_service("shutdown")
    ing = make_ingress("--flush-interval", "20ms")
    spans = make_spans(svc, 4000)
    batches = [spans[i:i + 50] for i in range(0, len(spans), 50)]
    acked, lock = [], threading.Lock()

    def worker(part):
        exp = OTLPSpanExporter(endpoint=ing.url + "/v1/traces", timeout=5)
        for b in part:
            try:
                ok = exp.export(b) == SpanExportResult.SUCCESS
            except Exception:  # noqa: BLE001 - connection refused after shutdown
                ok = False
            if ok:
                with lock:
                    acked.extend(b)

    threads = [threading.Thread(target=worker, args=(batches[k::8],)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    code = ing.stop()
    for t in threads:
        t.join()
    assert code == 0, ing.logs()[-3000:]
    assert "drained" in ing.logs()
    stored = {sid for (sid,) in db.execute("SELECT span_id FROM agenttrace.spans WHERE service_name = %s", (svc,))}
    missing = {span_id_db(s.context.span_id) for s in acked} - stored
    assert acked, "some exports should have been acknowledged before SIGTERM"
    assert not missing, f"{len(missing)} acknowledged spans lost on shutdown"
