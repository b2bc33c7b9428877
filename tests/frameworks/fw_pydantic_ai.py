"""Pydantic AI (Agent.instrument_all): a coordinator delegating through tools to a researcher
(get_weather) and a writer. Modes: default (content as span attributes), nocontent
(include_content=False); scenario "loop": the researcher calls get_weather with the same arguments again and again."""
import asyncio
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "default"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"pydantic_ai_{mode}_{scenario}"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-pydantic-ai", logs=False)

from pydantic_ai import Agent, RunContext  # noqa: E402
from pydantic_ai.models.instrumented import InstrumentationSettings  # noqa: E402
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

if mode == "nocontent":
    settings = InstrumentationSettings(include_content=False)
else:
    settings = InstrumentationSettings()
Agent.instrument_all(settings)

rules = h.delegation_rules(["delegate_to_researcher", {"task": h.RESEARCH_TASK}],
                           ["delegate_to_writer", {"task": h.WRITE_TASK}])
if scenario == "loop":
    # The researcher never takes the tool's answer: the same call, 12 times, then notes.
    rules = [r for r in rules if r.get("system") != "You are the researcher"]
    rules[3:3] = [
        {"system": "You are the researcher", "max_tool_results": 11, "calls": [["get_weather", {"city": "Paris"}]]},
        {"system": "You are the researcher", "text": h.RESEARCH_NOTES},
    ]
model_server = h.ModelServer(rules)
model = OpenAIChatModel("scripted-model", provider=OpenAIProvider(base_url=model_server.base_url, api_key="sk-test"))

researcher = Agent(model, name="researcher", system_prompt="You are the researcher. Use get_weather and report notes.")
writer = Agent(model, name="writer", system_prompt="You are the writer. Write short briefs from notes.")
coordinator = Agent(model, name="coordinator",
                    system_prompt="You are the coordinator. Delegate research and writing, then answer.")


@researcher.tool_plain
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return h.get_weather_impl(city)


@coordinator.tool
async def delegate_to_researcher(ctx: RunContext[None], task: str) -> str:
    """Ask the researcher agent."""
    r = await researcher.run(task, usage=ctx.usage)
    return r.output


@coordinator.tool
async def delegate_to_writer(ctx: RunContext[None], task: str) -> str:
    """Ask the writer agent."""
    r = await writer.run(task, usage=ctx.usage)
    return r.output


result = asyncio.run(coordinator.run(h.TASK))
print(result.output)
h.finish(tp, lp, model_server, out, f"{name}: pydantic-ai mode={mode} scenario={scenario}\nfinal output: {result.output}")
