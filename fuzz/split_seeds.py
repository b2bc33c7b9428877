#!/usr/bin/env python3
"""Splits OTLP trace requests into one small request per span (fuzzers mutate small inputs
much faster and deeper than 100 KB captures). Protobuf is walked at the wire level (no
protobuf library needed): ExportTraceServiceRequest.resource_spans(1) -> ResourceSpans
{resource(1), scope_spans(2)} -> ScopeSpans{scope(1), spans(2)}.
Usage: split_seeds.py OUT_DIR PREFIX FILE..."""
import gzip
import json
import os
import sys


def varint(b, i):
    n = s = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return n, i


def enc_varint(n):
    out = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        out.append(c | (0x80 if n else 0))
        if not n:
            return bytes(out)


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            _, j = varint(b, i)
        elif wt == 1:
            j = i + 8
        elif wt == 5:
            j = i + 4
        elif wt == 2:
            ln, i = varint(b, i)
            j = i + ln
        else:
            raise ValueError("bad wire type")
        yield num, wt, b[i:j] if wt == 2 else None, key, b[i:j]
        i = j


def ld(num, payload):
    return enc_varint(num << 3 | 2) + enc_varint(len(payload)) + payload


def split_pb(b):
    for num, wt, rs, _, _ in fields(b):
        if num != 1 or wt != 2:
            continue
        resource = b"".join(ld(1, p) for n, w, p, _, _ in fields(rs) if n == 1 and w == 2)
        for n, w, ss, _, _ in fields(rs):
            if n != 2 or w != 2:
                continue
            scope = b"".join(ld(1, p) for n2, w2, p, _, _ in fields(ss) if n2 == 1 and w2 == 2)
            for n2, w2, sp, _, _ in fields(ss):
                if n2 == 2 and w2 == 2:
                    yield ld(1, resource + ld(2, scope + ld(2, sp)))


def split_json(doc):
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                one = {"resourceSpans": [{"resource": rs.get("resource", {}), "scopeSpans": [{"scope": ss.get("scope", {}), "spans": [sp]}]}]}
                yield json.dumps(one, separators=(",", ":")).encode()


def main():
    out, prefix, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    seen = set()
    for f in files:
        raw = open(f, "rb").read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        parts = split_json(json.loads(raw)) if f.endswith(".json") else split_pb(raw)
        for k, p in enumerate(parts):
            if p in seen:
                continue
            seen.add(p)
            name = f"{prefix}{os.path.basename(os.path.dirname(f))}_{k:03d}"
            with open(os.path.join(out, name), "wb") as fh:
                fh.write(p)
    print(len(seen))


if __name__ == "__main__":
    main()
