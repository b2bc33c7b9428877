"""Every captured body of the shared corpus, replayed over HTTP, stores the same rows as
agenttrace.ingest called directly with the same body.

The captures have fixed trace ids and ingest is idempotent, so to compare in a fresh state each
variant gets its own fresh trace ids (a per-run mapping; span ids are kept): variant "http"
(protobuf as captured, gzip where it was), "json" (the capture's .otlp.json), and "direct"
(agenttrace.ingest). Rows are compared per original trace, without the ids that differ by design.
"""
import gzip
import json
import pathlib
import uuid

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from conftest import corpus_dir

# Ids differ between the copies by construction; facts_hash covers run_id.
EXCLUDED = ("trace_id", "run_id", "ingested_at", "linked_trace_id", "facts_hash")


def captures():
    root = corpus_dir()
    if not root.is_dir():
        return []
    return sorted(root.glob("*/*.v1_traces.bin"))


class Remap:
    def __init__(self):
        self.ids = {}

    def __call__(self, old: bytes) -> bytes:
        if len(old) != 16 or old == bytes(16):
            return old
        return self.ids.setdefault(old, uuid.uuid4().bytes)

    def hex(self, old_hex: str) -> str:
        try:
            raw = bytes.fromhex(old_hex)
        except ValueError:
            return old_hex
        return self(raw).hex()


def remap_protobuf(raw: bytes, remap: Remap) -> bytes:
    req = ExportTraceServiceRequest()
    req.ParseFromString(raw)
    for rs in req.resource_spans:
        for ss in rs.scope_spans:
            for s in ss.spans:
                s.trace_id = remap(s.trace_id)
                for link in s.links:
                    link.trace_id = remap(link.trace_id)
    return req.SerializeToString()


def remap_json(doc: dict, remap: Remap) -> dict:
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                s["traceId"] = remap.hex(s["traceId"])
                for link in s.get("links", []):
                    link["traceId"] = remap.hex(link["traceId"])
    return doc


def table_columns(db, table):
    return [r[0] for r in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'agenttrace' AND table_name = %s "
        "ORDER BY ordinal_position", (table,)
    )]


def rows_by_trace(db, table, remap: Remap):
    """{original trace id: sorted rows as JSON text, minus the id columns that differ by design}."""
    cols = table_columns(db, table)
    if "trace_id" not in cols:
        return None
    keep = ", ".join(f'"{c}"' for c in cols if c not in EXCLUDED)
    back = {uuid.UUID(bytes=new): old.hex() for old, new in remap.ids.items()}
    out = {}
    for tid, row in db.execute(
        f"SELECT trace_id, to_jsonb(t) FROM (SELECT trace_id, {keep} FROM agenttrace.{table} WHERE trace_id = ANY(%s)) t",
        (list(back),),
    ):
        row.pop("trace_id", None)
        out.setdefault(back[tid], []).append(json.dumps(row, sort_keys=True))
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.skipif(not captures(), reason=f"no OTLP corpus at {corpus_dir()}")
def test_corpus_replay_matches_direct_ingest(ingress, db):
    http_map, json_map, direct_map = Remap(), Remap(), Remap()
    total_spans = 0
    for bin_path in captures():
        meta = json.loads(bin_path.with_name(bin_path.name.replace(".bin", ".meta.json")).read_text())
        ctype = meta.get("content_type") or "application/x-protobuf"
        enc = meta.get("content_encoding")
        raw = bin_path.read_bytes()
        plain = gzip.decompress(raw) if enc == "gzip" else raw

        def encoded(body):
            return gzip.compress(body) if enc == "gzip" else body

        http_body = encoded(remap_protobuf(plain, http_map))
        headers = {"Content-Type": ctype}
        if enc:
            headers["Content-Encoding"] = enc
        r = requests.post(ingress.url + "/v1/traces", data=http_body, headers=headers, timeout=60)
        assert r.status_code == 200, f"{bin_path}: {r.status_code} {r.content[:300]!r}"

        direct_body = encoded(remap_protobuf(plain, direct_map))
        accepted, rejected, err = db.execute(
            "SELECT accepted_spans, rejected_spans, error_message FROM agenttrace.ingest(%s, %s, %s)",
            (direct_body, ctype, enc),
        ).fetchone()
        assert err is None or rejected > 0, f"{bin_path}: direct ingest failed: {err}"
        total_spans += accepted
        if rejected:
            # The response must carry the same partial success the function reports.
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
            resp = ExportTraceServiceResponse()
            resp.ParseFromString(r.content)
            assert resp.partial_success.rejected_spans == rejected

        json_path = bin_path.with_name(bin_path.name.replace(".bin", ".otlp.json"))
        if json_path.exists():
            doc = remap_json(json.loads(json_path.read_text()), json_map)
            r = requests.post(ingress.url + "/v1/traces", data=json.dumps(doc).encode(),
                              headers={"Content-Type": "application/json"}, timeout=60)
            assert r.status_code == 200, f"{json_path}: {r.status_code} {r.text[:300]}"

    assert total_spans > 0
    for table in ("spans", "span_events", "span_links"):
        direct = rows_by_trace(db, table, direct_map)
        if direct is None:
            continue
        assert rows_by_trace(db, table, http_map) == direct, f"{table}: protobuf over HTTP differs from direct ingest"
        assert rows_by_trace(db, table, json_map) == direct, f"{table}: OTLP/JSON over HTTP differs from direct ingest"
    n = db.execute("SELECT count(*) FROM agenttrace.spans WHERE trace_id = ANY(%s)",
                   ([uuid.UUID(bytes=v) for v in http_map.ids.values()],)).fetchone()[0]
    assert n == total_spans
