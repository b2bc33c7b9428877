"""Spec OTLP/JSON over HTTP (the Python exporter has no JSON mode, so requests does the POST)."""
import gzip
import json
import time
import uuid

import requests

from conftest import unique_service


def span(trace_hex, span_hex, name, parent="", attrs=None):
    now = time.time_ns()
    return {
        "traceId": trace_hex,
        "spanId": span_hex,
        "parentSpanId": parent,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(now - 5_000_000),
        "endTimeUnixNano": str(now),
        "attributes": attrs or [],
        "status": {"code": 1},
    }


def request_body(svc, spans):
    return {
        "resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
            "scopeSpans": [{"scope": {"name": "agenttrace.tests.json"}, "spans": spans}],
        }]
    }


def post(url, body: bytes, encoding=None):
    headers = {"Content-Type": "application/json"}
    if encoding:
        headers["Content-Encoding"] = encoding
    return requests.post(url + "/v1/traces", data=body, headers=headers, timeout=30)


def test_json_and_gzip_json(ingress, db):
    svc = unique_service("json")
    trace = uuid.uuid4().hex
    attrs = [
        {"key": "gen_ai.agent.name", "value": {"stringValue": "researcher"}},
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "77"}},
        {"key": "retrieval.score", "value": {"doubleValue": 0.75}},
        {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"stringValue": "b"}]}}},
    ]
    plain = json.dumps(request_body(svc, [span(trace, "00000000000000a1", "plain json", attrs=attrs)])).encode()
    r = post(ingress.url, plain)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {}
    gz = gzip.compress(json.dumps(request_body(svc, [span(trace, "00000000000000a2", "gzip json", parent="00000000000000a1")])).encode())
    r = post(ingress.url, gz, "gzip")
    assert r.status_code == 200, r.text
    rows = dict(db.execute(
        "SELECT name, attributes FROM agenttrace.spans WHERE service_name = %s AND trace_id = %s::uuid", (svc, trace)
    ).fetchall())
    assert set(rows) == {"plain json", "gzip json"}
    a = rows["plain json"]
    assert a["gen_ai.agent.name"] == "researcher"
    assert int(a["gen_ai.usage.input_tokens"]) == 77
    assert a["retrieval.score"] == 0.75
    assert a["tags"] == ["a", "b"]


def test_partial_success_reports_rejected_spans(ingress, db):
    svc = unique_service("partial")
    trace = uuid.uuid4().hex
    body = request_body(svc, [
        span(trace, "00000000000000b1", "good"),
        span(trace, "0102", "bad span id"),
    ])
    r = post(ingress.url, json.dumps(body).encode())
    assert r.status_code == 200, r.text
    ps = r.json()["partialSuccess"]
    assert int(ps["rejectedSpans"]) == 1
    assert ps["errorMessage"]
    names = [n for (n,) in db.execute("SELECT name FROM agenttrace.spans WHERE service_name = %s", (svc,))]
    assert names == ["good"]


def test_empty_requests_succeed(ingress):
    r = requests.post(ingress.url + "/v1/traces", data=b"", headers={"Content-Type": "application/x-protobuf"}, timeout=10)
    assert r.status_code == 200 and r.content == b""
    r = post(ingress.url, b"{}")
    assert r.status_code == 200 and r.json() == {}
