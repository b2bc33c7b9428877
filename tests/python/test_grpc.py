"""OTLP/gRPC front door (TraceService/Export on the gRPC port) with the real OpenTelemetry gRPC
exporter and grpcio: spans land in the database, the corpus stores the same rows as over HTTP,
bad input and auth get the OTLP status codes, and the server keeps serving."""
import gzip
import json
import os
import uuid

import grpc
import pytest
import requests
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from conftest import grpc_export_raw, span_id_db, unique_service
from test_corpus import Remap, captures, corpus_dir, remap_protobuf, rows_by_trace

TOKEN = "grpc-token-" + os.urandom(8).hex()


def run_agent(svc: str, target: str, compression: grpc.Compression, headers=None):
    provider = TracerProvider(resource=Resource.create({"service.name": svc}))
    exporter = OTLPSpanExporter(endpoint=target, insecure=True, compression=compression, timeout=30, headers=headers)
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512, schedule_delay_millis=50))
    tracer = provider.get_tracer("agenttrace.tests.grpc", "1.0")
    with tracer.start_as_current_span("invoke_agent planner", kind=SpanKind.INTERNAL,
                                      attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}) as root:
        with tracer.start_as_current_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 123, "gen_ai.usage.output_tokens": 45,
        }) as chat:
            pass
        with tracer.start_as_current_span("execute_tool web_search", attributes={"gen_ai.tool.name": "web_search"}) as tool:
            tool.set_status(Status(StatusCode.ERROR, "search backend timed out"))
        for i in range(300):  # more than one export batch's worth in total
            with tracer.start_as_current_span(f"step {i}", attributes={"i": i}):
                pass
    assert provider.force_flush(30_000)
    provider.shutdown()
    return root.get_span_context(), chat.get_span_context(), tool.get_span_context()


@pytest.mark.parametrize("compression", [grpc.Compression.NoCompression, grpc.Compression.Gzip], ids=["identity", "gzip"])
def test_grpc_exporter_spans_are_stored(ingress, db, compression):
    svc = unique_service("grpc-sdk")
    root, chat, tool = run_agent(svc, ingress.grpc_target, compression)
    rows = db.execute(
        "SELECT trace_id::text, span_id, parent_span_id, name, attributes, status_code, status_message "
        "FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchall()
    assert len(rows) == 303, len(rows)
    by_name = {r[3]: r for r in rows}
    assert by_name["invoke_agent planner"][1] == span_id_db(root.span_id)
    assert by_name["invoke_agent planner"][0].replace("-", "") == f"{root.trace_id:032x}"
    c = by_name["chat gpt-4o-mini"]
    assert (c[1], c[2]) == (span_id_db(chat.span_id), span_id_db(root.span_id))
    attrs = c[4] if isinstance(c[4], dict) else json.loads(c[4])
    assert attrs["gen_ai.request.model"] == "gpt-4o-mini" and int(attrs["gen_ai.usage.input_tokens"]) == 123
    t = by_name["execute_tool web_search"]
    assert t[1] == span_id_db(tool.span_id) and t[5] == 2 and t[6] == "search backend timed out"
    m = requests.get(ingress.url + "/metrics", timeout=5).text
    assert 'agenttrace_export_requests_total{protocol="grpc"}' in m
    assert 'agenttrace_grpc_responses_total{code="OK"}' in m


@pytest.mark.skipif(not captures(), reason=f"no OTLP corpus at {corpus_dir()}")
def test_grpc_corpus_matches_http(ingress, db):
    """Every capture, sent as the gRPC message (gzip-compressed where the capture was gzip), stores
    exactly the rows the same capture stores over HTTP; partial successes match too."""
    grpc_map, http_map = Remap(), Remap()
    spans = 0
    for bin_path in captures():
        meta = json.loads(bin_path.with_name(bin_path.name.replace(".bin", ".meta.json")).read_text())
        enc = meta.get("content_encoding")
        raw = bin_path.read_bytes()
        plain = gzip.decompress(raw) if enc == "gzip" else raw

        http_body = remap_protobuf(plain, http_map)
        r = requests.post(ingress.url + "/v1/traces", data=gzip.compress(http_body) if enc == "gzip" else http_body,
                          headers={"Content-Type": "application/x-protobuf", **({"Content-Encoding": "gzip"} if enc == "gzip" else {})},
                          timeout=60)
        assert r.status_code == 200, f"{bin_path}: {r.status_code} {r.content[:300]!r}"
        http_resp = ExportTraceServiceResponse()
        http_resp.ParseFromString(r.content)

        code, body, details, _ = grpc_export_raw(
            ingress.grpc_target, remap_protobuf(plain, grpc_map),
            compression=grpc.Compression.Gzip if enc == "gzip" else grpc.Compression.NoCompression)
        assert code == grpc.StatusCode.OK, f"{bin_path}: {code} {details}"
        grpc_resp = ExportTraceServiceResponse()
        grpc_resp.ParseFromString(body)
        assert grpc_resp.partial_success.rejected_spans == http_resp.partial_success.rejected_spans, bin_path
        assert grpc_resp.HasField("partial_success") == http_resp.HasField("partial_success"), bin_path
        req = ExportTraceServiceRequest()
        req.ParseFromString(plain)
        spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)

    assert spans > 0
    for table in ("spans", "span_events", "span_links"):
        over_http = rows_by_trace(db, table, http_map)
        if over_http is None:
            continue
        assert rows_by_trace(db, table, grpc_map) == over_http, f"{table}: gRPC differs from HTTP"
    n = db.execute("SELECT count(*) FROM agenttrace.spans WHERE trace_id = ANY(%s)",
                   ([uuid.UUID(bytes=v) for v in grpc_map.ids.values()],)).fetchone()[0]
    assert n > 0


@pytest.fixture(scope="module")
def strict(database):
    from conftest import Ingress
    ing = Ingress("--max-body-bytes", "1MiB", env={"AGENTTRACE_AUTH_TOKEN": TOKEN})
    yield ing
    assert ing.stop() == 0
    assert TOKEN not in ing.logs(), "the token must never be logged"


def valid_request(svc: str) -> bytes:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(KeyValue(key="service.name", value=AnyValue(string_value=svc)))
    s = rs.scope_spans.add().spans.add()
    s.trace_id, s.span_id, s.name = os.urandom(16), os.urandom(8), "still serving"
    s.start_time_unix_nano, s.end_time_unix_nano = 1700000000000000000, 1700000000000001000
    return req.SerializeToString()


def test_grpc_bad_input_and_auth(strict, db):
    auth = (("authorization", f"Bearer {TOKEN}"),)
    svc = unique_service("grpc-bad")
    # UNAUTHENTICATED: missing, wrong token, wrong scheme
    assert grpc_export_raw(strict.grpc_target, valid_request(svc))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert grpc_export_raw(strict.grpc_target, valid_request(svc), (("authorization", "Bearer nope"),))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert grpc_export_raw(strict.grpc_target, valid_request(svc), (("authorization", f"Basic {TOKEN}"),))[0] == grpc.StatusCode.UNAUTHENTICATED
    # the real exporter with its headers option is let in
    exp = OTLPSpanExporter(endpoint=strict.grpc_target, insecure=True, timeout=10, headers={"authorization": f"Bearer {TOKEN}"})
    from test_ops import make_spans
    from opentelemetry.sdk.trace.export import SpanExportResult
    assert exp.export(make_spans(svc + "-sdk", 5)) == SpanExportResult.SUCCESS
    exp.shutdown()

    # INVALID_ARGUMENT: truncated protobuf (a real capture cut short), garbage
    caps = [c for c in captures() if "gzip" not in c.parent.name]
    truncated = caps[0].read_bytes()[:-7] if caps else b"\x0a\xff\xff\xff\x0f\x01"
    code, _, details, md = grpc_export_raw(strict.grpc_target, truncated, auth)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, (code, details)
    assert details and "google.rpc.retryinfo-bin" not in md, "permanent errors carry no RetryInfo"
    code, _, details, _ = grpc_export_raw(strict.grpc_target, b"\xff\xff\xff\xff", auth)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, (code, details)

    # RESOURCE_EXHAUSTED without RetryInfo (not retryable): over the limit plain, and a gzip bomb
    code, _, details, md = grpc_export_raw(strict.grpc_target, os.urandom((1 << 20) + 1), auth)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "google.rpc.retryinfo-bin" not in md, (code, details)
    bomb = b"\x0a" + b"\x00" * (32 << 20)
    code, _, details, md = grpc_export_raw(strict.grpc_target, bomb, auth, compression=grpc.Compression.Gzip)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "google.rpc.retryinfo-bin" not in md, (code, details)

    # still serving: a valid export (plain and gzip) is stored
    code, body, details, _ = grpc_export_raw(strict.grpc_target, valid_request(svc), auth)
    assert code == grpc.StatusCode.OK, details
    code, body, details, _ = grpc_export_raw(strict.grpc_target, valid_request(svc), auth, compression=grpc.Compression.Gzip)
    assert code == grpc.StatusCode.OK, details
    assert db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0] == 2
    m = requests.get(strict.url + "/metrics", timeout=5).text
    for c in ("UNAUTHENTICATED", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "OK"):
        assert f'agenttrace_grpc_responses_total{{code="{c}"}}' in m, m


def test_grpc_unavailable_with_retry_info_when_database_is_unreachable(make_ingress):
    """No database: UNAVAILABLE carrying RetryInfo (in grpc-status-details-bin and the bare
    trailer the Python exporter reads)."""
    from google.rpc import error_details_pb2, status_pb2
    from conftest import free_port
    down = make_ingress("--database-url", f"postgres://nobody@127.0.0.1:{free_port()}/none",
                        "--retry-after-secs", "3", wait_ready=False)
    code, _, details, md = grpc_export_raw(down.grpc_target, valid_request("down"), timeout=10)
    assert code == grpc.StatusCode.UNAVAILABLE, (code, details)
    ri = error_details_pb2.RetryInfo()
    ri.ParseFromString(md["google.rpc.retryinfo-bin"])
    assert ri.retry_delay.seconds == 3
    st = status_pb2.Status()
    st.ParseFromString(md["grpc-status-details-bin"])
    assert st.code == 14 and st.details[0].Unpack(ri) and ri.retry_delay.seconds == 3
