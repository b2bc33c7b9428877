"""Listener hardening against the real binary: oversized headers (431), connection limit,
per-client rate limit (429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo), TLS on both ports;
after each the server keeps serving."""
import json
import socket
import subprocess
import time
import uuid

import grpc
import pytest
import requests

from conftest import grpc_export_raw, unique_service
from test_json import request_body, span


def post_json(ing, svc, **kw):
    body = json.dumps(request_body(svc, [span(uuid.uuid4().hex, "00000000000000e1", "limits")])).encode()
    return requests.post(ing.url + "/v1/traces", data=body, headers={"Content-Type": "application/json"}, timeout=10, **kw)


def test_oversized_headers_get_431(make_ingress, db):
    ing = make_ingress("--max-header-bytes", "8KiB")
    r = requests.get(ing.url + "/health", headers={"X-Big": "a" * (16 << 10)}, timeout=10)
    assert r.status_code == 431
    r = requests.post(ing.url + "/v1/traces", data=b"{}", headers={"Content-Type": "application/json", "X-Big": "a" * (16 << 10)}, timeout=10)
    assert r.status_code == 431
    # gRPC: the header list limit refuses the call
    code, _, _, _ = grpc_export_raw(ing.grpc_target, b"", metadata=(("x-big", "a" * (16 << 10)),), timeout=10)
    assert code != grpc.StatusCode.OK
    # normal requests are still served on both ports
    svc = unique_service("hdr")
    assert post_json(ing, svc).status_code == 200
    assert grpc_export_raw(ing.grpc_target, b"", timeout=10)[0] == grpc.StatusCode.OK
    assert db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0] == 1


def test_connection_limit_is_honoured(make_ingress):
    ing = make_ingress("--max-connections", "3")
    # /ready in the fixture has closed its connections; hold 3 keep-alive connections open
    held = []
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", ing.port), timeout=5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        held.append(s)
    extra = socket.create_connection(("127.0.0.1", ing.port), timeout=5)
    extra.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    extra.settimeout(0.5)
    with pytest.raises(socket.timeout):
        extra.recv(4096)  # not served while 3 are open
    held.pop().close()
    extra.settimeout(5)
    assert extra.recv(4096).startswith(b"HTTP/1.1 200"), "served once a slot was freed"
    extra.close()
    for s in held:
        s.close()
    m = requests.get(ing.url + "/metrics", timeout=5).text
    assert "agenttrace_connection_limit_waits_total" in m


def test_per_client_rate_limit_429_with_retry_after(make_ingress, db):
    # one token per 5 s: no token comes back during the burst below, however slow the machine is
    ing = make_ingress("--rate-limit", "0.2", "--rate-limit-burst", "5")
    svc = unique_service("rate")
    codes = [post_json(ing, svc).status_code for _ in range(12)]
    assert codes[:5] == [200] * 5, codes
    assert 429 in codes[5:], codes
    r = post_json(ing, svc)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json()["code"] == 8
    # gRPC shares the client's bucket: RESOURCE_EXHAUSTED with RetryInfo
    code, _, _, md = grpc_export_raw(ing.grpc_target, b"", timeout=10)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "google.rpc.retryinfo-bin" in md
    # monitoring is not limited, and after the advertised wait the client is served again
    assert requests.get(ing.url + "/health", timeout=5).status_code == 200
    time.sleep(int(r.headers["Retry-After"]))
    assert post_json(ing, svc).status_code == 200
    stored = db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0]
    assert stored >= 1  # same span id each time: idempotent ingest keeps one
    m = requests.get(ing.url + "/metrics", timeout=5).text
    assert 'agenttrace_ingestion_errors_total{reason="rate_limited"}' in m


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(crt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"openssl unavailable: {r.stderr}")
    return crt, key


def test_tls_on_both_ports(make_ingress, db, cert):
    ing = make_ingress(tls=cert)
    svc = unique_service("tls")
    assert post_json(ing, svc, verify=str(cert[0])).status_code == 200
    with pytest.raises(requests.RequestException):
        requests.get(ing.url.replace("https", "http") + "/health", timeout=3)  # plaintext is refused
    creds = grpc.ssl_channel_credentials(root_certificates=cert[0].read_bytes())
    from test_grpc import valid_request
    code, _, details, _ = grpc_export_raw(ing.grpc_target, valid_request(svc), credentials=creds, timeout=10)
    assert code == grpc.StatusCode.OK, details
    # the real exporter over TLS
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult
    from test_ops import make_spans
    exp = OTLPSpanExporter(endpoint=f"https://{ing.grpc_target}", credentials=creds, timeout=10)
    assert exp.export(make_spans(svc, 3)) == SpanExportResult.SUCCESS
    exp.shutdown()
    assert db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0] == 5
