"""Fixtures for the end-to-end tests of agenttrace-ingress: the real binary, the real database.

Every test marks its data with a unique service.name (or fresh trace ids), so the suite does not
need a clean database and can run beside other work on the same cluster.
"""
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import psycopg
import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5433/agenttrace")


def corpus_dir() -> pathlib.Path:
    env = os.environ.get("AGENTTRACE_CORPUS")
    if env:
        return pathlib.Path(env)
    for cand in (ROOT.parent / "shared" / "otlp-corpus", pathlib.Path("/work/shared/otlp-corpus")):
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared" / "otlp-corpus"


def ingress_bin() -> str:
    return os.environ.get("AGENTTRACE_INGRESS_BIN", str(ROOT / "target" / "release" / "agenttrace-ingress"))


def free_ports(n: int) -> list:
    """n distinct free ports: all sockets stay bound until every port is chosen (two ports asked
    for one after the other can be the same one)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


def span_id_db(span_id: int) -> int:
    """Span id (unsigned 64-bit) as stored: bigint of the big-endian bytes."""
    return int.from_bytes(span_id.to_bytes(8, "big"), "big", signed=True)


def unique_service(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Ingress:
    """The agenttrace-ingress binary on free loopback ports (OTLP/HTTP and OTLP/gRPC), logging to a
    temp file. `tls=(cert, key)` serves both over TLS (then `verify` is the CA file for clients)."""

    def __init__(self, *args: str, env: dict | None = None, wait_ready: bool = True, grpc: bool = True,
                 tls: tuple | None = None, ports: tuple | None = None):
        # ports=(http, grpc): the same ports again, e.g. to restart an ingress its exporters know
        self.port, grpc_port = ports or free_ports(2)
        self.grpc_port = grpc_port if grpc else None
        self.verify = str(tls[0]) if tls else True
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        # host:port for grpc channels / the OTLP gRPC exporter
        self.grpc_target = f"127.0.0.1:{self.grpc_port}" if grpc else None
        self.log = tempfile.NamedTemporaryFile(prefix="agenttrace-ingress-", suffix=".log", delete=False)
        full_env = dict(os.environ)
        full_env.setdefault("RUST_LOG", "info")
        full_env.update(env or {})
        full_env["DATABASE_URL"] = DATABASE_URL
        if tls:
            full_env["AGENTTRACE_TLS_CERT"], full_env["AGENTTRACE_TLS_KEY"] = str(tls[0]), str(tls[1])
        grpc_args = ["--grpc-addr", f"127.0.0.1:{self.grpc_port}" if grpc else "off"]
        self.proc = subprocess.Popen(
            [ingress_bin(), "--http-addr", f"127.0.0.1:{self.port}", *grpc_args, *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=full_env,
        )
        self._wait(ready=wait_ready)

    def _wait(self, ready: bool, timeout: float = 30.0):
        deadline = time.time() + timeout
        path = "/ready" if ready else "/health"
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ingress exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if requests.get(self.url + path, timeout=2, verify=self.verify).status_code == 200:
                    # /ready uses its own probe connection; wait for a writer too.
                    if not ready or self.writers_connected() > 0:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"ingress not {path} after {timeout}s:\n{self.logs()}")

    def writers_connected(self) -> int:
        try:
            return int(requests.get(self.url + "/ready", timeout=3, verify=self.verify).json().get("writers_connected", 0))
        except (requests.RequestException, ValueError):
            return 0

    def logs(self) -> str:
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


EXPORT_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def grpc_export_raw(target: str, body: bytes, metadata=(), compression=None, timeout: float = 60.0,
                    credentials=None):
    """Sends `body` (serialized ExportTraceServiceRequest bytes, sent as they are) to
    TraceService/Export with grpcio. Returns (status code, response bytes or None, error details,
    trailing metadata dict)."""
    import grpc
    opts = [("grpc.max_send_message_length", 512 << 20), ("grpc.max_receive_message_length", 64 << 20)]
    ch = grpc.secure_channel(target, credentials, options=opts) if credentials else grpc.insecure_channel(target, options=opts)
    with ch:
        call = ch.unary_unary(EXPORT_METHOD)  # no serializers: bytes in, bytes out
        try:
            resp, c = call.with_call(body, metadata=metadata, compression=compression, timeout=timeout)
            return c.code(), resp, "", dict(c.trailing_metadata() or ())
        except grpc.RpcError as e:
            return e.code(), None, e.details(), dict(e.trailing_metadata() or ())


@pytest.fixture(scope="session")
def database():
    try:
        with psycopg.connect(DATABASE_URL, connect_timeout=5) as c:
            version = c.execute("SELECT agenttrace.version()").fetchone()[0]
    except Exception as e:  # noqa: BLE001 - any failure means: no database to test against
        if os.environ.get("AGENTTRACE_REQUIRE_DB") == "1":
            raise
        pytest.skip(f"database with pg_agenttrace not reachable at {DATABASE_URL}: {e}")
    return version


@pytest.fixture
def db(database):
    with psycopg.connect(DATABASE_URL, autocommit=True) as c:
        yield c


@pytest.fixture(scope="session")
def ingress(database):
    ing = Ingress()
    yield ing
    code = ing.stop()
    assert code == 0, f"ingress exited {code} on SIGTERM:\n{ing.logs()[-4000:]}"


@pytest.fixture
def make_ingress(database):
    started = []

    def make(*args, **kw):
        ing = Ingress(*args, **kw)
        started.append(ing)
        return ing

    yield make
    for ing in started:
        ing.stop()
