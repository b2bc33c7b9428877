"""Strands Agents Swarm: a coordinator hands off (handoff_to_agent) to a researcher
(get_weather), who hands back; then to a writer, who hands back; the coordinator answers.
Modes: default (Strands' own GenAI spans, content in span events), latest
(OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental)."""
import os
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "default"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"strands_{mode}_{scenario}"
if mode == "latest":
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-strands")

from strands import Agent, tool  # noqa: E402
from strands.models.openai import OpenAIModel  # noqa: E402
from strands.multiagent import Swarm  # noqa: E402

rules = [
    # After a handoff the agent's own turn is still open: it ends it with a short text.
    {"last_contains": "Handing off to", "text": "Handed off."},
    # A Swarm node sees the handoff message and the shared context, not its own earlier turns.
    {"system": "You are the coordinator", "contains": "Draft brief:", "text": h.FINAL},
    {"system": "You are the coordinator", "contains": "Research notes:",
     "calls": [["handoff_to_agent", {"agent_name": "writer", "message": h.WRITE_TASK}]]},
    {"system": "You are the coordinator",
     "calls": [["handoff_to_agent", {"agent_name": "researcher", "message": h.RESEARCH_TASK}]]},
    {"system": "You are the researcher", "contains": h.WEATHER,
     "calls": [["handoff_to_agent", {"agent_name": "coordinator", "message": h.RESEARCH_NOTES}]]},
    {"system": "You are the researcher", "calls": [["get_weather", {"city": "Paris"}]]},
    {"system": "You are the writer", "calls": [["handoff_to_agent", {"agent_name": "coordinator", "message": h.DRAFT}]]},
]
if scenario == "loop":
    # The model does not end its turn after a handoff: it calls handoff_to_agent again with the
    # same arguments, 15 times, before it ends it (unbounded, the same happened until the swarm's
    # execution timeout, with 300 calls).
    rules.insert(0, {"system": "You are the coordinator", "last_contains": "Handing off to researcher", "max_tool_results": 14,
                     "calls": [["handoff_to_agent", {"agent_name": "researcher", "message": h.RESEARCH_TASK}]]})
model_server = h.ModelServer(rules)


def model():
    return OpenAIModel(client_args={"api_key": "sk-test", "base_url": model_server.base_url}, model_id="scripted-model")


@tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city to look up.
    """
    return h.get_weather_impl(city)


coordinator = Agent(name="coordinator", model=model(), description="Coordinates the team.",
                    system_prompt="You are the coordinator. Delegate research and writing, then answer.")
researcher = Agent(name="researcher", model=model(), tools=[get_weather], description="Looks up facts such as the weather.",
                   system_prompt="You are the researcher. Use get_weather and report notes.")
writer = Agent(name="writer", model=model(), description="Writes short briefs.",
               system_prompt="You are the writer. Write short briefs from notes.")
swarm = Swarm([coordinator, researcher, writer], entry_point=coordinator, max_handoffs=10, max_iterations=12, execution_timeout=120)
result = swarm(h.TASK)
print(result.status, [n.node_id for n in result.node_history])
h.finish(tp, lp, model_server, out, f"{name}: strands Swarm mode={mode}\nstatus: {result.status}\n"
         f"nodes: {[n.node_id for n in result.node_history]}")
