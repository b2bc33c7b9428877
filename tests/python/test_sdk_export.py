"""The real OpenTelemetry Python SDK exports through agenttrace-ingress into the database."""
import json

import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from conftest import span_id_db, unique_service


def run_agent(svc: str, endpoint: str, compression: Compression):
    provider = TracerProvider(resource=Resource.create({"service.name": svc, "deployment.environment": "test"}))
    exporter = OTLPSpanExporter(endpoint=endpoint, compression=compression, timeout=30)
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512, schedule_delay_millis=50))
    tracer = provider.get_tracer("agenttrace.tests", "1.0")
    with tracer.start_as_current_span(
        "invoke_agent planner", kind=SpanKind.INTERNAL,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    ) as root:
        with tracer.start_as_current_span(
            "chat gpt-4o-mini", kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 123,
                "gen_ai.usage.output_tokens": 45,
                "gen_ai.request.temperature": 0.25,
                "gen_ai.response.finish_reasons": ["stop"],
                "test.flag": True,
            },
        ) as chat:
            pass
        with tracer.start_as_current_span(
            "execute_tool web_search", attributes={"gen_ai.tool.name": "web_search", "gen_ai.operation.name": "execute_tool"},
        ) as tool:
            tool.set_status(Status(StatusCode.ERROR, "search backend timed out"))
    assert provider.force_flush(30_000)
    provider.shutdown()
    return root.get_span_context(), chat.get_span_context(), tool.get_span_context()


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip], ids=["protobuf", "protobuf+gzip"])
def test_sdk_spans_are_stored_with_attributes(ingress, db, compression):
    svc = unique_service("sdk")
    root, chat, tool = run_agent(svc, ingress.url + "/v1/traces", compression)
    rows = db.execute(
        "SELECT trace_id::text, span_id, parent_span_id, name, attributes, status_code, status_message "
        "FROM agenttrace.spans WHERE service_name = %s",
        (svc,),
    ).fetchall()
    by_name = {r[3]: r for r in rows}
    assert set(by_name) == {"invoke_agent planner", "chat gpt-4o-mini", "execute_tool web_search"}, rows
    trace_hex = f"{root.trace_id:032x}"
    for r in rows:
        assert r[0].replace("-", "") == trace_hex
    assert by_name["invoke_agent planner"][1] == span_id_db(root.span_id)
    c = by_name["chat gpt-4o-mini"]
    assert c[1] == span_id_db(chat.span_id)
    assert c[2] == span_id_db(root.span_id), "parent link kept"
    attrs = c[4] if isinstance(c[4], dict) else json.loads(c[4])
    assert attrs["gen_ai.request.model"] == "gpt-4o-mini"
    assert int(attrs["gen_ai.usage.input_tokens"]) == 123
    assert float(attrs["gen_ai.request.temperature"]) == 0.25
    assert attrs["gen_ai.response.finish_reasons"] == ["stop"]
    assert attrs["test.flag"] is True
    t = by_name["execute_tool web_search"]
    assert t[1] == span_id_db(tool.span_id)
    assert t[5] == 2 and t[6] == "search backend timed out", "status ERROR with its message"
