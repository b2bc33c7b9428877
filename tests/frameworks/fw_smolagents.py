"""smolagents + openinference-instrumentation-smolagents: a coordinator ToolCallingAgent with
two managed agents (researcher with get_weather, writer), each answering through smolagents'
final_answer tool. Mode "oi" (OpenInference always exports content)."""
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "oi"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"smolagents_{mode}_{scenario}"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-smolagents")

from openinference.instrumentation.smolagents import SmolagentsInstrumentor  # noqa: E402
from smolagents import OpenAIServerModel, ToolCallingAgent, tool  # noqa: E402

SmolagentsInstrumentor().instrument(tracer_provider=tp)

rules = [
    {"system": "You are the coordinator", "contains": "Research notes:", "and_contains": "Draft brief:",
     "calls": [["final_answer", {"answer": h.FINAL}]]},
    {"system": "You are the coordinator", "contains": "Research notes:", "calls": [["writer", {"task": h.WRITE_TASK}]]},
    {"system": "You are the coordinator", "calls": [["researcher", {"task": h.RESEARCH_TASK}]]},
    {"system": "You are the researcher", "contains": h.WEATHER, "calls": [["final_answer", {"answer": h.RESEARCH_NOTES}]]},
    {"system": "You are the researcher", "calls": [["get_weather", {"city": "Paris"}]]},
    {"system": "You are the writer", "calls": [["final_answer", {"answer": h.DRAFT}]]},
]
model_server = h.ModelServer(rules)


def model():
    return OpenAIServerModel(model_id="scripted-model", api_base=model_server.base_url, api_key="sk-test")


@tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city to look up.
    """
    return h.get_weather_impl(city)


researcher = ToolCallingAgent(tools=[get_weather], model=model(), name="researcher", max_steps=5,
                              description="Looks up facts such as the weather.",
                              instructions="You are the researcher. Use get_weather and report notes.")
writer = ToolCallingAgent(tools=[], model=model(), name="writer", max_steps=5, description="Writes short briefs.",
                          instructions="You are the writer. Write short briefs from notes.")
coordinator = ToolCallingAgent(tools=[], model=model(), managed_agents=[researcher, writer], name="coordinator",
                               max_steps=6, instructions="You are the coordinator. Delegate research and writing, then answer.")
result = coordinator.run(h.TASK)
print(result)
h.finish(tp, lp, model_server, out, f"{name}: smolagents + openinference\nfinal: {result}")
