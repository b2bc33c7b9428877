"""An older `opentelemetry-instrumentation-openai-v2` (2.1b0) that sends message content only as
per-message events (gen_ai.system.message, gen_ai.user.message, gen_ai.assistant.message,
gen_ai.tool.message, gen_ai.choice) through the Events API, against the scripted OpenAI-compatible
server: the events join their chat spans, so the run gets its messages and texts.
Runs in its own venv (.venv-legacy, requirements-legacy.txt: it needs the 1.30 OpenTelemetry API)."""
import hashlib
import pathlib
import subprocess
import sys

import pytest

from conftest import unique_service
from test_genai_content_modes import AGENT, llm_server  # noqa: F401  (fixture)

HERE = pathlib.Path(__file__).resolve().parent
VENV = HERE / ".venv-legacy"


@pytest.fixture(scope="module")
def legacy_python():
    req = HERE / "requirements-legacy.txt"
    want = hashlib.sha256(req.read_bytes()).hexdigest()
    stamp = VENV / ".requirements.sha256"
    py = VENV / "bin" / "python"
    if not py.exists() or not stamp.exists() or stamp.read_text().strip() != want:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(req)], check=True, timeout=900)
        stamp.write_text(want)
    return str(py)


def test_legacy_per_message_events_join_their_spans(ingress, db, llm_server, legacy_python):  # noqa: F811
    svc = unique_service("openai-legacy-events")
    agent = AGENT.replace(
        "_logs.set_logger_provider(lp)\n",
        "_logs.set_logger_provider(lp)\nfrom opentelemetry import _events\n"
        "from opentelemetry.sdk._events import EventLoggerProvider\n_events.set_event_logger_provider(EventLoggerProvider(lp))\n")
    env = {"PATH": "/usr/bin:/bin", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"}
    out = subprocess.run([legacy_python, "-c", agent, svc, ingress.url, llm_server], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-4000:]
    events = [r[0] for r in db.execute("SELECT event_name FROM agenttrace.log_records WHERE service_name = %s AND genai IS NOT NULL "
                                       "ORDER BY time, record_index", (svc,)).fetchall()]
    assert events == ["gen_ai.system.message", "gen_ai.user.message", "gen_ai.choice",
                      "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
                      "gen_ai.choice"], events
    chats = db.execute("SELECT input_text, output_text FROM agenttrace.spans WHERE service_name = %s AND category = 'llm' "
                       "ORDER BY start_time", (svc,)).fetchall()
    assert len(chats) == 2, chats
    assert chats[0][0] == "What is the weather in Paris?" and "get_weather" in chats[0][1], chats
    assert chats[1] == ("rain, 12C", "It rains in Paris, 12C."), chats
    run = db.execute("SELECT DISTINCT run_id FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchone()[0]
    assert db.execute("SELECT count(*) FROM agenttrace.tool_calls WHERE run_id = %s AND tool_name = 'get_weather'", (run,)).fetchone()[0] == 1
