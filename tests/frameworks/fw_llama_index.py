"""LlamaIndex AgentWorkflow: coordinator, researcher (get_weather) and writer FunctionAgents that
hand off with LlamaIndex's `handoff` tool, on OpenAILike against the scripted server; traced by
openinference-instrumentation-llama-index (mode "oi", content always on)."""
import asyncio
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "oi"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"llama_index_{mode}_{scenario}"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-llama-index")

from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent  # noqa: E402
from llama_index.llms.openai_like import OpenAILike  # noqa: E402
from openinference.instrumentation.llama_index import LlamaIndexInstrumentor  # noqa: E402

LlamaIndexInstrumentor().instrument(tracer_provider=tp)

rules = [
    {"system": "You are the coordinator", "contains": "Draft brief:", "text": h.FINAL},
    {"system": "You are the coordinator", "contains": "Research notes:",
     "calls": [["handoff", {"to_agent": "writer", "reason": h.WRITE_TASK}]]},
    {"system": "You are the coordinator", "calls": [["handoff", {"to_agent": "researcher", "reason": h.RESEARCH_TASK}]]},
    {"system": "You are the researcher", "contains": h.WEATHER,
     "calls": [["handoff", {"to_agent": "coordinator", "reason": h.RESEARCH_NOTES}]]},
    {"system": "You are the researcher", "calls": [["get_weather", {"city": "Paris"}]]},
    {"system": "You are the writer", "calls": [["handoff", {"to_agent": "coordinator", "reason": h.DRAFT}]]},
]
model_server = h.ModelServer(rules)


def llm():
    return OpenAILike(model="scripted-model", api_base=model_server.base_url, api_key="sk-test",
                      is_chat_model=True, is_function_calling_model=True, context_window=32000)


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return h.get_weather_impl(city)


coordinator = FunctionAgent(name="coordinator", description="Coordinates the team.", llm=llm(),
                            system_prompt="You are the coordinator. Delegate research and writing, then answer.",
                            can_handoff_to=["researcher", "writer"])
researcher = FunctionAgent(name="researcher", description="Looks up facts such as the weather.", llm=llm(),
                           system_prompt="You are the researcher. Use get_weather and report notes.",
                           tools=[get_weather], can_handoff_to=["coordinator"])
writer = FunctionAgent(name="writer", description="Writes short briefs.", llm=llm(),
                       system_prompt="You are the writer. Write short briefs from notes.", can_handoff_to=["coordinator"])
workflow = AgentWorkflow(agents=[coordinator, researcher, writer], root_agent="coordinator")


async def main():
    return await workflow.run(user_msg=h.TASK)


result = asyncio.run(main())
print(result)
h.finish(tp, lp, model_server, out, f"{name}: llama-index AgentWorkflow\nfinal: {result}")
