#!/usr/bin/env python3
"""Memory of agenttrace-ingress with a large spool backlog, and its drain rate. Prints numbers.

  bench/spool_memory.py [--gib 1] [--body-mib 1]

Runs with the Python environment of the ingress tests (tests/python/.venv, made by
tests/python/run.sh or scripts/test.sh): started with another Python, it re-executes itself there.

1. The ingress starts with --spool-dir on an unreachable database and takes --gib GiB of OTLP
   protobuf bodies (distinct trace ids, --body-mib each, 8 concurrent clients): its peak RSS.
2. It is stopped and started again on the same spool against a scratch database
   (agenttrace_test_spool_memory, created fresh with the extension in the project's cluster,
   dropped at the end): the peak RSS while it drains, and the drain rate in spans/s.
"""
import argparse
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / "tests" / "python" / ".venv" / "bin" / "python"
try:
    import psycopg
    import requests
except ImportError:
    if VENV_PYTHON.exists() and pathlib.Path(sys.prefix).resolve() != VENV_PYTHON.parents[1].resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    sys.exit("needs the ingress tests' Python environment: run tests/python/run.sh once (it creates tests/python/.venv)")

sys.path.insert(0, str(ROOT / "tests" / "python"))
from conftest import free_ports  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

SCRATCH = "agenttrace_test_spool_memory"


def template_body(mib: float):
    """One protobuf body of about `mib` MiB: agent runs of 10 spans; returns it and its trace ids."""
    provider = TracerProvider(resource=Resource.create({"service.name": "spool-memory"}))
    mem = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(mem))
    tracer = provider.get_tracer("agenttrace.bench.spool")
    text = "OpenTelemetry is a CNCF observability framework for traces, metrics and logs. " * 3
    body, n = b"", 0
    while len(body) < mib * (1 << 20):
        for _ in range(20):
            with tracer.start_as_current_span("invoke_agent researcher", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"}):
                for k in range(9):
                    with tracer.start_as_current_span("chat gpt-4o-mini", attributes={
                            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 100 + k,
                            "gen_ai.output.messages": f'[{{"role":"assistant","parts":[{{"type":"text","content":"{text} {n} {k}"}}]}}]'}):
                        pass
            n += 1
        spans = mem.get_finished_spans()
        body = encode_spans(spans).SerializeToString()
    trace_ids = sorted({s.context.trace_id.to_bytes(16, "big") for s in spans})
    return body, trace_ids, len(spans)


def rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Peak:
    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, rss_mib(self.pid))
            except OSError:
                return
            time.sleep(0.1)

    def done(self):
        self.stop.set()
        self.t.join()
        return self.peak


def start(bin_, spool, url, log):
    http, grpc = free_ports(2)
    p = subprocess.Popen([bin_, "--http-addr", f"127.0.0.1:{http}", "--grpc-addr", f"127.0.0.1:{grpc}", "--spool-dir", spool,
                          "--spool-max-bytes", "8GiB", "--database-url", url],
                         stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": "info"})
    base = f"http://127.0.0.1:{http}"
    for _ in range(300):
        try:
            if requests.get(base + "/health", timeout=1).ok:
                return p, base
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("ingress did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=float, default=1.0)
    ap.add_argument("--body-mib", type=float, default=1.0)
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5433/agenttrace"))
    ap.add_argument("--ingress-bin", default=str(ROOT / "target" / "release" / "agenttrace-ingress"))
    a = ap.parse_args()

    body, trace_ids, spans_per_body = template_body(a.body_mib)
    bodies = int(a.gib * (1 << 30) / len(body))
    print(f"bodies: {bodies} of {len(body) / (1 << 20):.2f} MiB, {spans_per_body} spans each ({bodies * spans_per_body} spans)")

    admin = a.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {SCRATCH}")
    scratch = a.database_url.rsplit("/", 1)[0] + "/" + SCRATCH
    with psycopg.connect(scratch, autocommit=True) as c:
        c.execute("CREATE EXTENSION pg_agenttrace")

    spool = tempfile.mkdtemp(prefix="agenttrace-spool-memory-")
    log = open(os.path.join(spool, "..", os.path.basename(spool) + ".log"), "wb")
    try:
        p, base = start(a.ingress_bin, spool, "postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=1", log)
        peak = Peak(p.pid)
        rng = random.Random(1)
        counter = iter(range(bodies))
        lock = threading.Lock()
        refused = [0]

        def client():
            s = requests.Session()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                b = body
                for t in trace_ids:
                    b = b.replace(t, rng.randbytes(16))
                r = s.post(base + "/v1/traces", data=b, headers={"Content-Type": "application/x-protobuf"}, timeout=60)
                if r.status_code != 200:
                    with lock:
                        refused[0] += 1

        t0 = time.time()
        ts = [threading.Thread(target=client) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        spool_secs = time.time() - t0
        backlog = requests.get(base + "/ready", timeout=5).json()["spool"]
        spool_peak = peak.done()
        print(f"spooling (database unreachable): {bodies - refused[0]} bodies acknowledged in {spool_secs:.1f} s "
              f"({(bodies - refused[0]) * len(body) / spool_secs / (1 << 20):.0f} MiB/s), refused {refused[0]}; "
              f"backlog {backlog['unsent_bytes'] / (1 << 30):.2f} GiB in {backlog['segments']} segments; peak RSS {spool_peak:.0f} MiB")
        p.send_signal(signal.SIGTERM)
        p.wait(60)

        p, base = start(a.ingress_bin, spool, scratch, log)
        peak = Peak(p.pid)
        t0 = time.time()
        while True:
            s = requests.get(base + "/ready", timeout=5).json().get("spool", {})
            if s.get("unsent_bytes") == 0:
                break
            time.sleep(0.5)
        drain_secs = time.time() - t0
        drain_peak = peak.done()
        with psycopg.connect(scratch) as c:
            stored = c.execute("SELECT count(*) FROM agenttrace.spans").fetchone()[0]
        print(f"draining into the database: {stored} spans stored in {drain_secs:.1f} s = {stored / drain_secs:.0f} spans/s; peak RSS {drain_peak:.0f} MiB")
        p.send_signal(signal.SIGTERM)
        p.wait(60)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


if __name__ == "__main__":
    main()
