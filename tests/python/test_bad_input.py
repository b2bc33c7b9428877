"""Bad input over HTTP gets the right status and a google.rpc.Status body, and the server keeps
serving afterwards. Runs on its own ingress with auth on and a 1 MiB body limit."""
import gzip
import json
import os

import pytest
import requests
from google.rpc.status_pb2 import Status

from conftest import unique_service
from test_corpus import captures

TOKEN = "test-token-" + os.urandom(8).hex()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PB = {"Content-Type": "application/x-protobuf", **AUTH}
JS = {"Content-Type": "application/json", **AUTH}


@pytest.fixture(scope="module")
def strict(database, tmp_path_factory):
    from conftest import Ingress
    token_file = tmp_path_factory.mktemp("auth") / "token"
    token_file.write_text(TOKEN + "\n")
    ing = Ingress("--max-body-bytes", "1MiB", env={"AGENTTRACE_AUTH_TOKEN_FILE": str(token_file)})
    yield ing
    assert ing.stop() == 0
    assert TOKEN not in ing.logs(), "the token must never be logged"


def post(ing, body, headers):
    return requests.post(ing.url + "/v1/traces", data=body, headers=headers, timeout=30)


def pb_status(r):
    assert r.headers["Content-Type"] == "application/x-protobuf"
    s = Status()
    s.ParseFromString(r.content)
    return s


def valid_json(svc):
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
        "scopeSpans": [{"spans": [{"traceId": os.urandom(16).hex(), "spanId": os.urandom(8).hex(), "name": "still serving",
                                   "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000000001000"}]}],
    }]}).encode()


def test_bad_inputs_then_still_serving(strict, db):
    # 401: missing, wrong scheme, wrong token
    r = post(strict, b"", {"Content-Type": "application/x-protobuf"})
    assert r.status_code == 401 and pb_status(r).code == 16
    assert post(strict, b"", {"Content-Type": "application/x-protobuf", "Authorization": "Bearer nope"}).status_code == 401
    assert post(strict, b"", {"Content-Type": "application/x-protobuf", "Authorization": f"Basic {TOKEN}"}).status_code == 401

    # 415: unknown content type (answered as JSON Status), unknown content encoding
    r = post(strict, b"hello", {"Content-Type": "text/plain", **AUTH})
    assert r.status_code == 415
    assert r.json()["code"] == 3 and "text/plain" in r.json()["message"]
    r = post(strict, b"x", {**PB, "Content-Encoding": "br"})
    assert r.status_code == 415

    # 400: truncated protobuf (a real capture cut short), invalid JSON, corrupt gzip
    caps = [c for c in captures() if "gzip" not in c.parent.name]
    truncated = caps[0].read_bytes()[:-7] if caps else b"\x0a\xff\xff\xff\x0f\x01"
    r = post(strict, truncated, PB)
    assert r.status_code == 400, r.content
    assert pb_status(r).code == 3 and pb_status(r).message
    r = post(strict, b'{"resourceSpans": [', JS)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/json") and r.json()["message"]
    r = post(strict, b"\x1f\x8b\x08\x00not gzip at all", {**PB, "Content-Encoding": "gzip"})
    assert r.status_code == 400

    # 413: gzip bomb (tiny on the wire, 256 MiB inflated) and a plain oversized body
    bomb = gzip.compress(b"\0" * (256 << 20), 9)
    assert len(bomb) < 1 << 20
    r = post(strict, bomb, {**PB, "Content-Encoding": "gzip"})
    assert r.status_code == 413 and pb_status(r).code == 8
    r = post(strict, os.urandom((1 << 20) + 1), PB)
    assert r.status_code == 413
    r = post(strict, b" " * (2 << 20), JS)
    assert r.status_code == 413 and r.json()["code"] == 8

    # retryable errors are not produced by bad data
    assert requests.get(strict.url + "/health", timeout=5).status_code == 200
    svc = unique_service("after-bad")
    r = post(strict, valid_json(svc), JS)
    assert r.status_code == 200, r.text
    assert db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0] == 1
    r = post(strict, gzip.compress(valid_json(svc + "-gz")), {**JS, "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text

    m = requests.get(strict.url + "/metrics", timeout=5).text
    for reason in ("unauthorized", "unsupported_media_type", "bad_request", "too_large"):
        assert f'agenttrace_ingestion_errors_total{{reason="{reason}"}}' in m, m
