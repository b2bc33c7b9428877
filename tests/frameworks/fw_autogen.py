"""AutoGen agentchat MagenticOneGroupChat: the Magentic-One orchestrator (the coordinator)
directs a researcher (AssistantAgent with get_weather) and a writer, then answers. Tracing:
autogen-core's own OTel spans (runtime messaging + GenAI agent/tool spans) on the global
tracer provider. Mode "default" (the only one: autogen has no content switch)."""
import asyncio
import json
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "default"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"autogen_m1_{mode}_{scenario}"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-autogen-magentic-one")

from autogen_agentchat.agents import AssistantAgent  # noqa: E402
from autogen_agentchat.teams import MagenticOneGroupChat  # noqa: E402
from autogen_ext.models.openai import OpenAIChatCompletionClient  # noqa: E402


def ledger(satisfied, speaker, instruction):
    return json.dumps({
        "is_request_satisfied": {"reason": "brief written" if satisfied else "not yet", "answer": satisfied},
        "is_in_loop": {"reason": "no repetition", "answer": False},
        "is_progress_being_made": {"reason": "steps complete", "answer": True},
        "next_speaker": {"reason": "next step", "answer": speaker},
        "instruction_or_question": {"reason": "what they need", "answer": instruction},
    })


rules = [
    {"last_contains": "To address this request we have assembled", "text": "- researcher: get the weather\n- writer: write the brief"},
    {"contains": "pre-survey", "text": "1. GIVEN OR VERIFIED FACTS\n- The city is Paris.\n2. FACTS TO LOOK UP\n- The weather."},
    {"last_contains": "We have completed the task.", "text": h.FINAL},
    {"last_contains": "pure JSON format", "contains": "Draft brief:", "text": ledger(True, "writer", "Nothing more.")},
    {"last_contains": "pure JSON format", "contains": "Research notes:", "text": ledger(False, "writer", h.WRITE_TASK)},
    {"last_contains": "pure JSON format", "text": ledger(False, "researcher", h.RESEARCH_TASK)},
    {"system": "You are the researcher", "contains": h.WEATHER, "text": h.RESEARCH_NOTES},
    {"system": "You are the researcher", "calls": [["get_weather", {"city": "Paris"}]]},
    {"system": "You are the writer", "text": h.DRAFT},
]
model_server = h.ModelServer(rules)


def client():
    return OpenAIChatCompletionClient(
        model="scripted-model", base_url=model_server.base_url, api_key="sk-test",
        model_info={"vision": False, "function_calling": True, "json_output": True, "family": "unknown",
                    "structured_output": False})


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return h.get_weather_impl(city)


async def main():
    researcher = AssistantAgent("researcher", model_client=client(), tools=[get_weather], reflect_on_tool_use=True,
                                description="Looks up facts such as the weather.",
                                system_message="You are the researcher. Use get_weather and report notes.")
    writer = AssistantAgent("writer", model_client=client(), description="Writes short briefs.",
                            system_message="You are the writer. Write short briefs from notes.")
    team = MagenticOneGroupChat([researcher, writer], model_client=client(), max_turns=12)
    result = await team.run(task=h.TASK)
    return result


result = asyncio.run(main())
last = result.messages[-1]
print(result.stop_reason, getattr(last, "content", ""))
h.finish(tp, lp, model_server, out,
         f"{name}: autogen-agentchat MagenticOneGroupChat\nstop_reason: {result.stop_reason}\nfinal: {getattr(last, 'content', '')}")
