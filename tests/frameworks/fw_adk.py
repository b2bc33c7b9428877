"""Google ADK: a coordinator LlmAgent delegating through AgentTool to a researcher (get_weather)
and a writer, on LiteLlm against the scripted OpenAI-compatible server. Modes: default (ADK's
own content attributes), span_only / event_only (OTEL_SEMCONV_STABILITY_OPT_IN=
gen_ai_latest_experimental with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_ONLY or
EVENT_ONLY: content on the spans, or in OTel log events)."""
import asyncio
import os
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "default"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"adk_{mode}_{scenario}"
if mode in ("span_only", "event_only"):
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = mode.upper()
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-google-adk", logs=True)

from google.adk.agents import LlmAgent  # noqa: E402
from google.adk.models.lite_llm import LiteLlm  # noqa: E402
from google.adk.runners import InMemoryRunner  # noqa: E402
from google.adk.tools.agent_tool import AgentTool  # noqa: E402
from google.genai import types  # noqa: E402

rules = h.delegation_rules(["researcher", {"request": h.RESEARCH_TASK}], ["writer", {"request": h.WRITE_TASK}])
model_server = h.ModelServer(rules)


def model():
    return LiteLlm(model="openai/scripted-model", api_base=model_server.base_url, api_key="sk-test")


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return h.get_weather_impl(city)


researcher = LlmAgent(name="researcher", model=model(), description="Looks up facts such as the weather.",
                      instruction="You are the researcher. Use get_weather and report notes.", tools=[get_weather])
writer = LlmAgent(name="writer", model=model(), description="Writes short briefs.",
                  instruction="You are the writer. Write short briefs from notes.")
coordinator = LlmAgent(name="coordinator", model=model(), description="Coordinates the team.",
                       instruction="You are the coordinator. Delegate research and writing, then answer.",
                       tools=[AgentTool(agent=researcher), AgentTool(agent=writer)])


async def main():
    runner = InMemoryRunner(agent=coordinator, app_name="weather_brief")
    session = await runner.session_service.create_session(app_name="weather_brief", user_id="u1")
    final = ""
    async for event in runner.run_async(user_id="u1", session_id=session.id,
                                        new_message=types.Content(role="user", parts=[types.Part(text=h.TASK)])):
        if event.content and event.content.parts:
            text = "".join(p.text or "" for p in event.content.parts)
            if text:
                final = text
    return final


result = asyncio.run(main())
print(result)
h.finish(tp, lp, model_server, out, f"{name}: google-adk AgentTool delegation, mode={mode}\nfinal: {result}")
