"""Loopback harness for framework captures (stdlib only; imported by every fw_*.py script).

* ``ModelServer``: a scripted OpenAI-compatible ``/v1/chat/completions`` server. A script is a
  list of rules; the first rule whose conditions all hold for the request answers it, with text
  or tool calls. Conditions look at the request the framework sent (system prompt, whole text,
  offered tools, number of tool results), so the same script drives a framework whatever the
  order in which it builds its prompts.
* ``CaptureReceiver``: an OTLP/HTTP receiver writing each POST body as
  ``NNNN.v1_traces.bin`` / ``NNNN.v1_logs.bin`` with ``NNNN.<kind>.meta.json`` (path,
  content type, content encoding, user agent), the layout of the shared OTLP corpus.
"""
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _text(content):
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(p.get("text") if isinstance(p, dict) else p) for p in content)
    return json.dumps(content)


class ModelServer:
    """Rules: {"system": substr, "contains": substr, "not_contains": substr, "tool": offered tool
    name, "min_tool_results": n, "max_tool_results": n, "last_role": role} -> {"text": ...} or
    {"calls": [[name, {args}], ...]}. Every request and answer is appended to ``log``."""

    def __init__(self, rules, default_text="OK."):
        self.rules = rules
        self.default_text = default_text
        self.log = []
        self.lock = threading.Lock()
        server = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                body = json.dumps({"object": "list", "data": [{"id": "scripted", "object": "model"}]}).encode()
                self._send(200, body)

            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                req = json.loads(self.rfile.read(n) or b"{}")
                resp = server.answer(req)
                if req.get("stream"):
                    self._stream(resp)
                else:
                    self._send(200, json.dumps(resp).encode())

            def _send(self, code, body):
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, resp):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                choice = resp["choices"][0]
                msg = choice["message"]
                base = {"id": resp["id"], "object": "chat.completion.chunk", "created": resp["created"], "model": resp["model"]}
                delta = {"role": "assistant", "content": msg.get("content") or ""}
                if msg.get("tool_calls"):
                    delta["tool_calls"] = [dict(tc, index=i) for i, tc in enumerate(msg["tool_calls"])]
                chunks = [dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": None}]),
                          dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]),
                          dict(base, choices=[], usage=resp["usage"])]
                for c in chunks:
                    self.wfile.write(b"data: " + json.dumps(c).encode() + b"\n\n")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _matches(self, rule, req):
        msgs = req.get("messages") or []
        system = "\n".join(_text(m.get("content")) for m in msgs if m.get("role") in ("system", "developer"))
        everything = "\n".join(_text(m.get("content")) + json.dumps(m.get("tool_calls") or []) for m in msgs)
        tools = [t.get("function", {}).get("name") for t in req.get("tools") or []]
        tool_results = sum(1 for m in msgs if m.get("role") == "tool")
        last = msgs[-1] if msgs else {}
        if "system" in rule and rule["system"] not in system:
            return False
        if "contains" in rule and rule["contains"] not in everything:
            return False
        if "and_contains" in rule and rule["and_contains"] not in everything:
            return False
        if "not_contains" in rule and rule["not_contains"] in everything:
            return False
        if "last_contains" in rule and rule["last_contains"] not in _text(last.get("content")):
            return False
        if "tool" in rule and rule["tool"] not in tools:
            return False
        if "min_tool_results" in rule and tool_results < rule["min_tool_results"]:
            return False
        if "max_tool_results" in rule and tool_results > rule["max_tool_results"]:
            return False
        if "last_role" in rule and last.get("role") != rule["last_role"]:
            return False
        return True

    def answer(self, req):
        with self.lock:
            rule = next((r for r in self.rules if self._matches(r, req)), None)
            msg = {"role": "assistant", "content": None}
            finish = "stop"
            if rule and rule.get("calls"):
                msg["tool_calls"] = [
                    {"id": "call_" + uuid.uuid4().hex[:12], "type": "function",
                     "function": {"name": name, "arguments": json.dumps(args)}}
                    for name, args in rule["calls"]
                ]
                finish = "tool_calls"
            else:
                msg["content"] = rule["text"] if rule else self.default_text
            prompt_tokens = sum(len(_text(m.get("content")).split()) for m in req.get("messages") or []) + 10
            completion_tokens = len(_text(msg.get("content")).split()) + 5 * len(msg.get("tool_calls") or []) + 1
            resp = {
                "id": "chatcmpl-" + uuid.uuid4().hex[:16], "object": "chat.completion", "created": int(time.time()),
                "model": req.get("model") or "scripted",
                "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens},
            }
            self.log.append({"rule": self.rules.index(rule) if rule else None, "request": req, "response": resp})
            return resp

    def close(self):
        self.httpd.shutdown()


class CaptureReceiver:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        for f in os.listdir(out_dir):
            if f.endswith((".bin", ".meta.json")):
                os.remove(os.path.join(out_dir, f))
        self.seq = 0
        self.lock = threading.Lock()
        recv = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n)
                kind = self.path.strip("/").replace("/", "_")  # v1_traces, v1_logs, v1_metrics
                if kind in ("v1_traces", "v1_logs"):
                    with recv.lock:
                        recv.seq += 1
                        stem = os.path.join(recv.out_dir, f"{recv.seq:04d}.{kind}")
                        with open(stem + ".bin", "wb") as f:
                            f.write(body)
                        meta = {"path": self.path, "content_type": self.headers.get("content-type"),
                                "content_encoding": self.headers.get("content-encoding"),
                                "user_agent": self.headers.get("user-agent"), "bytes": len(body)}
                        with open(stem + ".meta.json", "w") as f:
                            json.dump(meta, f, indent=1)
                self.send_response(200)
                self.send_header("content-type", self.headers.get("content-type") or "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def otel_setup(endpoint, service, logs=False):
    """The stock OTel SDK with OTLP/HTTP protobuf exporters to ``endpoint``, set globally."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": service})
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint + "/v1/traces")))
    trace.set_tracer_provider(tp)
    lp = None
    if logs:
        from opentelemetry._logs import set_logger_provider
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

        lp = LoggerProvider(resource=resource)
        lp.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=endpoint + "/v1/logs")))
        set_logger_provider(lp)
        try:
            from opentelemetry._events import set_event_logger_provider
            from opentelemetry.sdk._events import EventLoggerProvider

            set_event_logger_provider(EventLoggerProvider(lp))
        except ImportError:
            pass
    return tp, lp


def finish(tp, lp, model, out_dir, note):
    tp.force_flush()
    if lp is not None:
        lp.force_flush()
    time.sleep(0.5)
    with open(os.path.join(out_dir, "run.log"), "w") as f:
        f.write(note.rstrip() + "\n\n")
        for i, e in enumerate(model.log):
            msg = e["response"]["choices"][0]["message"]
            said = msg.get("content") or json.dumps([tc["function"] for tc in msg.get("tool_calls") or []])
            msgs = e["request"].get("messages") or [{}]
            heard = _text(msgs[-1].get("content")).replace("\n", " ")
            f.write(f"model call {i + 1}: [{msgs[-1].get('role')}: {heard[:160]}] rule {e['rule']} -> {said[:300]}\n")


# The shared scenario: a coordinator hands the work to a researcher (who calls get_weather) and a
# writer, then gives the final answer.
TASK = "Write a two-sentence weather brief for Paris for tomorrow morning's commuters."
RESEARCH_TASK = "Find the current weather in Paris using the weather tool."
WRITE_TASK = "Write a two-sentence commuter brief from these notes: Paris is 18C and sunny, light wind."
WEATHER = "Paris: 18C, sunny, wind 10 km/h"
RESEARCH_NOTES = "Research notes: Paris is 18C and sunny with a light wind (10 km/h)."
DRAFT = "Draft brief: Commuters in Paris can expect a sunny 18C morning. A light breeze makes it a good day to walk or cycle."
FINAL = "Final answer: Paris will be sunny and 18C tomorrow morning with a light breeze, so expect an easy commute on foot or by bike."


def get_weather_impl(city: str) -> str:
    return WEATHER if city.lower().startswith("paris") else f"{city}: no data"


def out_dir_for(name):
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "captures", name)


def delegation_rules(research_call, write_call, coordinator="You are the coordinator",
                     researcher="You are the researcher", writer="You are the writer"):
    """The scenario for frameworks that delegate through tool calls: ``research_call`` and
    ``write_call`` are (tool name, arguments) the coordinator's model calls."""
    return [
        {"system": coordinator, "contains": "Research notes:", "and_contains": "Draft brief:", "text": FINAL},
        {"system": coordinator, "contains": "Research notes:", "calls": [write_call]},
        {"system": coordinator, "calls": [research_call]},
        {"system": researcher, "contains": WEATHER, "text": RESEARCH_NOTES},
        {"system": researcher, "calls": [["get_weather", {"city": "Paris"}]]},
        {"system": writer, "text": DRAFT},
    ]
