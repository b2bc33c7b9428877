"""The optional LLM judge (agenttrace-judge) against a scripted OpenAI-compatible server on
loopback: the real binary, its real HTTP client, the real database.

Each test gets its own database with the extension and a few corpus runs, so judge_pending sees
exactly those runs. The scripted server answers from a list (status, headers, body, delay) and
records every request.
"""
import json
import os
import pathlib
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from conftest import DATABASE_URL, ROOT, corpus_dir

JUDGE_BIN = os.environ.get("AGENTTRACE_JUDGE_BIN", str(ROOT / "target" / "release" / "agenttrace-judge"))


def completion(content: str, tokens: int = 100) -> bytes:
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": tokens - 10, "completion_tokens": 10, "total_tokens": tokens},
    }).encode()


FAILED = json.dumps({
    "failed": True,
    "modes": [{"mode": "FM-3.2", "agent": "reviewer", "step": 1, "evidence": "approved without a check", "confidence": 0.8},
              {"mode": "fm-2.4", "agent": "worker", "step": None, "evidence": "the finding was not passed on", "confidence": 0.6}],
    "responsible_agent": "reviewer", "decisive_step": 1, "summary": "approved unchecked work",
})
CLEAN = json.dumps({"failed": False, "modes": [], "responsible_agent": None, "decisive_step": None, "summary": "fine"})


class Scripted:
    """An OpenAI-compatible /v1/chat/completions that answers from a script."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": json.loads(body)})
                status, headers, payload, delay = outer.script.pop(0) if outer.script else (500, {}, b"script exhausted", 0)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def judge_db(database):
    """A fresh database with pg_agenttrace and three corpus runs (one per capture)."""
    name = f"agenttrace_judge_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    url = DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SET client_min_messages = warning")
            c.execute("CREATE EXTENSION pg_agenttrace")
            caps = sorted(p for p in corpus_dir().glob("sem_*/*.v1_traces.bin"))[:3]
            assert len(caps) == 3, "shared corpus with sem_* captures not found"
            for p in caps:
                c.execute("SELECT accepted_spans FROM agenttrace.ingest(%s)", (p.read_bytes(),))
            assert c.execute("SELECT count(*) FROM agenttrace.run_summaries").fetchone()[0] >= 3
        yield url
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_judge(url, server, *args, key_file=None, timeout=120):
    env = dict(os.environ, DATABASE_URL=url, AGENTTRACE_JUDGE_URL=server.url, AGENTTRACE_JUDGE_MODEL="scripted-judge",
               RUST_LOG="info")
    env.pop("AGENTTRACE_JUDGE_API_KEY", None)
    cmd = [JUDGE_BIN, "--once", "--idle", "0s", "--backoff", "50ms", "--rate-per-minute", "6000", *args]
    if key_file:
        cmd += ["--api-key-file", str(key_file)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"agenttrace-judge exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    summary = dict(kv.split("=") for kv in p.stdout.strip().splitlines()[-1].split())
    return summary, p.stderr


def test_judge_stores_verdicts_and_retries_429_and_5xx(judge_db, tmp_path):
    key = tmp_path / "key"
    key.write_text("sk-test-123\n")
    ok = (200, {}, completion(FAILED, 120), 0)
    server = Scripted([
        (429, {"Retry-After": "0"}, b'{"error": {"message": "rate limited"}}', 0),
        (503, {}, b'{"error": "overloaded"}', 0),
        ok,
        (200, {}, completion(CLEAN, 80), 0),
        ok,
    ])
    try:
        summary, logs = run_judge(judge_db, server, key_file=key)
    finally:
        server.close()
    assert summary == {"judged": "3", "failed": "0", "annotations": "4", "tokens": "320", "stopped_by_cap": "false"}, logs
    assert len(server.requests) == 5  # 3 runs + a 429 and a 503 retried
    for r in server.requests:
        assert r["path"] == "/v1/chat/completions"
        assert r["headers"]["authorization"] == "Bearer sk-test-123"
        assert r["body"]["model"] == "scripted-judge"
        roles = [m["role"] for m in r["body"]["messages"]]
        assert roles == ["system", "user"]
        assert "FM-3.3" in r["body"]["messages"][0]["content"] and "TRANSCRIPT" in r["body"]["messages"][1]["content"]
    with psycopg.connect(judge_db) as c:
        rows = c.execute("SELECT status, failed, responsible_agent, total_tokens FROM agenttrace.judge_runs ORDER BY total_tokens").fetchall()
        assert rows == [("judged", False, None, 80), ("judged", True, "reviewer", 120), ("judged", True, "reviewer", 120)]
        ann = c.execute("""SELECT mode_id, agent_name, rule, evidence IS NOT NULL, explanation
                             FROM agenttrace.failures WHERE source = 'llm-judge' ORDER BY run_id, mode_id""").fetchall()
        assert [a[0] for a in ann] == ["FM-2.4", "FM-3.2"] * 2
        assert all(a[2] == "llm_judge" and "LLM judge:" in a[4] for a in ann)
        # the step number became an evidence span; the mode without a step falls back to the decisive step
        assert all(a[3] for a in ann)
        # rule findings are untouched by the judge; judged runs are not pending any more
        assert c.execute("SELECT count(*) FROM agenttrace.judge_pending(0, 100)").fetchone()[0] == 0
        side = c.execute("SELECT count(*) FROM agenttrace.run_verdicts WHERE judge_status = 'judged'").fetchone()[0]
        assert side == 3


def test_judge_timeouts_and_malformed_output_are_recorded_then_retried(judge_db):
    server = Scripted([
        (200, {}, completion(CLEAN), 3.0),          # slower than --timeout 1s
        (200, {}, completion("I think the run failed."), 0),   # malformed after the retry
        (401, {}, b'{"error": {"message": "invalid api key"}}', 0),  # not retryable
        (200, {}, completion('{"failed": true, "modes": [{"mode": "FM-9.9", "evidence": "x"}]}'), 0),
    ])
    try:
        summary, logs = run_judge(judge_db, server, "--timeout", "1s", "--max-retries", "1")
    finally:
        server.close()
    assert summary["judged"] == "0" and summary["failed"] == "3", logs
    assert len(server.requests) == 4
    with psycopg.connect(judge_db) as c:
        errors = [r[0] for r in c.execute("SELECT error FROM agenttrace.judge_runs WHERE status = 'error' ORDER BY judged_at").fetchall()]
        assert len(errors) == 3
        assert "malformed judge answer: judge answer holds no JSON object" in errors[0]
        assert "HTTP 401" in errors[1]
        assert 'unknown MAST mode "FM-9.9"' in errors[2]
        assert c.execute("SELECT count(*) FROM agenttrace.failures WHERE source = 'llm-judge'").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM agenttrace.judge_pending(0, 100)").fetchone()[0] == 3
    # a second pass judges them (attempts < 3)
    server = Scripted([(200, {}, completion(CLEAN), 0)] * 3)
    try:
        summary, logs = run_judge(judge_db, server)
    finally:
        server.close()
    assert summary["judged"] == "3", logs
    with psycopg.connect(judge_db) as c:
        assert c.execute("SELECT count(*) FROM agenttrace.judge_runs WHERE status = 'judged' AND attempts = 0").fetchone()[0] == 3


def test_judge_spend_cap_stops_sending(judge_db):
    server = Scripted([(200, {}, completion(CLEAN, 500), 0)] * 3)
    try:
        summary, logs = run_judge(judge_db, server, "--max-tokens", "400")
    finally:
        server.close()
    assert summary["judged"] == "1" and summary["stopped_by_cap"] == "true", logs
    assert len(server.requests) == 1
    assert "spend cap reached" in logs


def test_judge_exhausted_retries_are_an_error_not_a_crash(judge_db):
    server = Scripted([(500, {}, b"boom", 0)] * 20)
    try:
        summary, logs = run_judge(judge_db, server, "--max-retries", "2", "--max-runs", "1")
    finally:
        server.close()
    assert summary["failed"] == "1" and summary["stopped_by_cap"] == "true", logs
    assert len(server.requests) == 3
    with psycopg.connect(judge_db) as c:
        (err,) = c.execute("SELECT error FROM agenttrace.judge_runs").fetchone()
        assert "failed after 3 attempts" in err and "HTTP 500" in err
