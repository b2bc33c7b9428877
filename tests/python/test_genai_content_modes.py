"""The real `opentelemetry-instrumentation-openai-v2` (+ `opentelemetry-util-genai`) against a
scripted OpenAI-compatible server on loopback, exporting traces and logs through the ingress, once
with message content in spans (SPAN_ONLY) and once in log events (EVENT_ONLY): the derived runs,
agents, messages, tool calls, span facts, search documents and MAST findings must be the same."""
import json
import os
import pathlib
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import unique_service

HERE = pathlib.Path(__file__).resolve().parent


class ScriptedOpenAI(BaseHTTPRequestHandler):
    """POST /v1/chat/completions: asks for get_weather until a tool result is in the history,
    then answers with text. Deterministic ids, so both runs see the same responses."""

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        messages = body.get("messages", [])
        if any(m.get("role") == "tool" for m in messages):
            message = {"role": "assistant", "content": "It rains in Paris, 12C."}
            finish, usage = "stop", (61, 9)
        else:
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}
            finish, usage = "tool_calls", (43, 12)
        resp = {
            "id": f"chatcmpl-{len(messages)}", "object": "chat.completion", "created": 1760000000, "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
        }
        data = json.dumps(resp).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


AGENT = r'''
import sys
from opentelemetry import _logs, trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

svc, ingress, llm = sys.argv[1:4]
resource = Resource.create({"service.name": svc})
tp = TracerProvider(resource=resource)
tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=ingress + "/v1/traces", timeout=30)))
trace.set_tracer_provider(tp)
lp = LoggerProvider(resource=resource)
lp.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=ingress + "/v1/logs", timeout=30)))
_logs.set_logger_provider(lp)

from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
OpenAIInstrumentor().instrument()
import openai

client = openai.OpenAI(base_url=llm, api_key="sk-test-0123456789abcdefghij", max_retries=0)
tools = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
tracer = tp.get_tracer("weather-agent")
with tracer.start_as_current_span("invoke_agent weather", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather"}):
    messages = [{"role": "system", "content": "You are a weather agent. Answer briefly."},
                {"role": "user", "content": "What is the weather in Paris?"}]
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools)
    call = r.choices[0].message.tool_calls[0]
    messages.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": call.id, "type": "function", "function": {"name": call.function.name, "arguments": call.function.arguments}}]})
    with tracer.start_as_current_span("execute_tool get_weather", attributes={
            "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": call.id,
            "gen_ai.tool.call.arguments": call.function.arguments, "gen_ai.tool.call.result": "rain, 12C"}):
        result = "rain, 12C"
    messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    r2 = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools)
    print(r2.choices[0].message.content)
assert tp.force_flush(30000) and lp.force_flush(30000)
tp.shutdown()
lp.shutdown()
'''


@pytest.fixture(scope="module")
def llm_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedOpenAI)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()


def run_agent(mode: str, ingress, llm: str) -> str:
    svc = unique_service("openai-" + mode.lower().replace("_", "-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": mode,
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
    })
    out = subprocess.run([sys.executable, "-c", AGENT, svc, ingress.url, llm], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "It rains in Paris" in out.stdout
    return svc


def derived(db, svc: str):
    run = db.execute("SELECT DISTINCT run_id FROM agenttrace.spans WHERE service_name = %s", (svc,)).fetchall()
    assert len(run) == 1, run
    run = run[0][0]
    q = lambda sql: [tuple(r) for r in db.execute(sql, (run,)).fetchall()]  # noqa: E731
    return {
        "runs": q("SELECT framework, status, status_reason, failing_agent, span_count, agent_count, llm_calls, tool_calls, "
                  "input_tokens, output_tokens, agents FROM agenttrace.runs WHERE run_id = %s"),
        "agents": q("SELECT agent_name, role, span_count, llm_calls, tool_calls, input_tokens, output_tokens, errors "
                    "FROM agenttrace.agents WHERE run_id = %s ORDER BY agent_name"),
        "messages": q("SELECT seq, from_agent, to_agent, kind, content FROM agenttrace.agent_messages WHERE run_id = %s ORDER BY seq"),
        "tool_calls": q("SELECT agent_name, tool_name, call_id, arguments, result, is_error FROM agenttrace.tool_calls WHERE run_id = %s"),
        "spans": q("SELECT name, category, agent_name, model, provider, input_tokens, output_tokens, tool_name, is_error, "
                   "input_text, output_text FROM agenttrace.spans WHERE run_id = %s ORDER BY start_time"),
        "search": q("SELECT keywords, document FROM agenttrace.run_search WHERE run_id = %s"),
        "mast": q("SELECT mode_id, agent_name, severity FROM agenttrace.classify(%s) ORDER BY 1, 2"),
    }


def test_span_only_and_event_only_give_the_same_run(ingress, db, llm_server):
    span_svc = run_agent("SPAN_ONLY", ingress, llm_server)
    event_svc = run_agent("EVENT_ONLY", ingress, llm_server)
    # The two modes really differ on the wire: content in span attributes vs in log events.
    in_spans = db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s AND attributes ? 'gen_ai.input.messages'",
                          (span_svc,)).fetchone()[0]
    assert in_spans == 2
    assert db.execute("SELECT count(*) FROM agenttrace.spans WHERE service_name = %s AND attributes ? 'gen_ai.input.messages'",
                      (event_svc,)).fetchone()[0] == 0
    events = db.execute("SELECT event_name, genai IS NOT NULL, span_id IS NOT NULL FROM agenttrace.log_records WHERE service_name = %s",
                        (event_svc,)).fetchall()
    assert events == [("gen_ai.client.inference.operation.details", True, True)] * 2, events
    assert db.execute("SELECT count(*) FROM agenttrace.log_records WHERE service_name = %s", (span_svc,)).fetchone()[0] == 0

    a, b = derived(db, span_svc), derived(db, event_svc)
    chat = [s for s in a["spans"] if s[1] == "llm"]
    assert len(chat) == 2 and chat[1][10] == "It rains in Paris, 12C." and chat[0][9], a["spans"]
    for k in a:
        assert a[k] == b[k], f"{k}:\nSPAN_ONLY  {a[k]}\nEVENT_ONLY {b[k]}"
