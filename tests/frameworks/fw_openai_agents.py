"""OpenAI Agents SDK: a coordinator using the researcher (get_weather) and the writer as tools
(Agent.as_tool), on the chat-completions model against the scripted server; traced by
openinference-instrumentation-openai-agents (mode "oi"). The SDK's own trace export is off."""
import asyncio
import sys

import harness as h

mode = sys.argv[1] if len(sys.argv) > 1 else "oi"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"openai_agents_{mode}_{scenario}"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-openai-agents")

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_trace_processors  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor  # noqa: E402

set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tp)

rules = h.delegation_rules(["ask_researcher", {"input": h.RESEARCH_TASK}], ["ask_writer", {"input": h.WRITE_TASK}])
model_server = h.ModelServer(rules)
client = AsyncOpenAI(base_url=model_server.base_url, api_key="sk-test")


def model():
    return OpenAIChatCompletionsModel(model="scripted-model", openai_client=client)


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return h.get_weather_impl(city)


researcher = Agent(name="researcher", model=model(), tools=[get_weather],
                   instructions="You are the researcher. Use get_weather and report notes.")
writer = Agent(name="writer", model=model(), instructions="You are the writer. Write short briefs from notes.")
coordinator = Agent(
    name="coordinator", model=model(),
    instructions="You are the coordinator. Delegate research and writing, then answer.",
    tools=[researcher.as_tool(tool_name="ask_researcher", tool_description="Ask the researcher."),
           writer.as_tool(tool_name="ask_writer", tool_description="Ask the writer.")])


async def main():
    return await Runner.run(coordinator, h.TASK)


result = asyncio.run(main())
print(result.final_output)
h.finish(tp, lp, model_server, out, f"{name}: openai-agents, agents as tools\nfinal: {result.final_output}")
