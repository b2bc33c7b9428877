"""OTLP logs through agenttrace-ingress: the real OpenTelemetry Python log exporters
over HTTP (protobuf, gzip) and gRPC store each record once, GenAI content events join their span,
bad log bodies get the answers bad trace bodies get, and metrics keep the unsupported-signal
answers."""
import gzip
import json
import logging

import grpc
import pytest
import requests
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

from conftest import span_id_db, unique_service

INPUT = [{"role": "user", "parts": [{"type": "text", "content": "What is the capital of France?"}]}]
OUTPUT = [{"role": "assistant", "parts": [{"type": "text", "content": "Paris."}], "finish_reason": "stop"}]


def log_exporter(kind: str, ingress):
    if kind == "grpc":
        return GrpcLogExporter(endpoint=ingress.grpc_target, insecure=True, timeout=30)
    return HttpLogExporter(endpoint=ingress.url + "/v1/logs", timeout=30,
                           compression=Compression.Gzip if kind == "http+gzip" else Compression.NoCompression)


def run(svc: str, ingress, kind: str):
    resource = Resource.create({"service.name": svc})
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=ingress.url + "/v1/traces", timeout=30), schedule_delay_millis=50))
    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(BatchLogRecordProcessor(log_exporter(kind, ingress), schedule_delay_millis=50))
    tracer, logger = tp.get_tracer("agenttrace.tests.logs"), lp.get_logger("agenttrace.tests.logs")
    applog = logging.getLogger(f"app.{svc}")
    applog.propagate = False
    applog.addHandler(LoggingHandler(level=logging.INFO, logger_provider=lp))
    applog.setLevel(logging.INFO)
    with tracer.start_as_current_span("invoke_agent geo", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "geo"}):
        with tracer.start_as_current_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": 14, "gen_ai.usage.output_tokens": 2,
        }) as chat:
            # What opentelemetry-util-genai emits in EVENT_ONLY mode: structured attributes.
            logger.emit(LogRecord(event_name="gen_ai.client.inference.operation.details", severity_number=SeverityNumber.INFO,
                                  attributes={"gen_ai.operation.name": "chat", "gen_ai.input.messages": INPUT,
                                              "gen_ai.output.messages": OUTPUT}))
            applog.warning("slow answer, api key sk-abcdefghijklmnopqrstuvwxyz0123")
    applog.info("outside any span")
    assert tp.force_flush(30_000) and lp.force_flush(30_000)
    tp.shutdown()
    lp.shutdown()
    return chat.get_span_context()


@pytest.mark.parametrize("kind", ["http", "http+gzip", "grpc"])
def test_sdk_log_exporter_records_are_stored_once_and_join_their_span(ingress, db, kind):
    svc = unique_service("logs-" + kind.replace("+", "-"))
    chat = run(svc, ingress, kind)
    rows = db.execute(
        "SELECT trace_id::text, span_id, event_name, severity_number, body, genai IS NOT NULL "
        "FROM agenttrace.log_records WHERE service_name = %s ORDER BY time, record_index", (svc,)).fetchall()
    assert len(rows) == 3, rows
    event = [r for r in rows if r[2] == "gen_ai.client.inference.operation.details"]
    assert len(event) == 1 and event[0][5], rows
    assert event[0][0].replace("-", "") == f"{chat.trace_id:032x}" and event[0][1] == span_id_db(chat.span_id)
    warn = [r for r in rows if r[3] == 13]
    assert len(warn) == 1 and "[REDACTED:openai_key]" in json.dumps(warn[0][4]), warn
    assert warn[0][1] == span_id_db(chat.span_id), "stdlib logging inside the span carries its context"
    outside = [r for r in rows if r[0] is None]
    assert len(outside) == 1 and outside[0][4] == "outside any span"
    # The content of the event is the chat span's input and output.
    span = db.execute("SELECT input_text, output_text, category FROM agenttrace.spans WHERE service_name = %s AND name = 'chat gpt-4o-mini'",
                      (svc,)).fetchone()
    assert span == ("What is the capital of France?", "Paris.", "llm"), span


def test_bad_log_bodies_get_the_answers_of_bad_trace_bodies(ingress, db):
    for path in ("/v1/traces", "/v1/logs"):
        r = requests.post(ingress.url + path, data=b"\x0a\x10\x01", headers={"Content-Type": "application/x-protobuf"}, timeout=30)
        assert r.status_code == 400, (path, r.status_code, r.content)
        r = requests.post(ingress.url + path, data=b'{"resource', headers={"Content-Type": "application/json"}, timeout=30)
        assert r.status_code == 400 and r.json()["code"] == 3, (path, r.text)
        r = requests.post(ingress.url + path, data=b"x", headers={"Content-Type": "text/plain"}, timeout=30)
        assert r.status_code == 415, path
        r = requests.post(ingress.url + path, data=gzip.compress(b" " * (64 << 20)), timeout=60,
                          headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        assert r.status_code == 413, path
    last = db.execute("SELECT signal, error_message FROM agenttrace.dead_letters ORDER BY dead_letter_id DESC LIMIT 1").fetchone()
    assert last[0] == "logs" and last[1].startswith("invalid OTLP/JSON ExportLogsServiceRequest"), last
    # JSON partial success names log records.
    body = {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": "0102", "body": {"stringValue": "x"}}, {"body": {"stringValue": "y"}}]}]}]}
    r = requests.post(ingress.url + "/v1/logs", json=body, timeout=30)
    assert r.status_code == 200 and r.json()["partialSuccess"]["rejectedLogRecords"] == "1", r.text
    # Metrics: not a signal the ingress accepts (404; gRPC UNIMPLEMENTED): exporters drop, no retry.
    assert requests.post(ingress.url + "/v1/metrics", data=b"", headers={"Content-Type": "application/x-protobuf"}, timeout=30).status_code == 404
    with grpc.insecure_channel(ingress.grpc_target) as ch:
        for method, code in [("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", grpc.StatusCode.UNIMPLEMENTED),
                             ("/opentelemetry.proto.collector.logs.v1.LogsService/Export", grpc.StatusCode.INVALID_ARGUMENT)]:
            with pytest.raises(grpc.RpcError) as e:
                ch.unary_unary(method)(b"\x0a\x10\x01", timeout=30)
            assert e.value.code() == code, (method, e.value)
    text = requests.get(ingress.url + "/metrics", timeout=10).text
    assert 'agenttrace_signal_export_requests_total{signal="logs",protocol="grpc"}' in text
    assert 'agenttrace_signal_export_requests_total{signal="logs",protocol="http"}' in text
