"""CrewAI hierarchical crew: a coordinator manager agent delegating to a researcher
(get_weather) and a writer, LLM (CrewAI's native OpenAI client) against the scripted server; traced by
openinference-instrumentation-crewai (mode "oi"). CrewAI's own telemetry is off."""
import os
import sys

import harness as h

os.environ["CREWAI_DISABLE_TELEMETRY"] = "true"
os.environ["OTEL_SDK_DISABLED"] = "false"
mode = sys.argv[1] if len(sys.argv) > 1 else "oi"
scenario = sys.argv[2] if len(sys.argv) > 2 else "success"
name = f"crewai_{mode}_{scenario}"
out = h.out_dir_for(name)
recv = h.CaptureReceiver(out)
tp, lp = h.otel_setup(recv.endpoint, "fw-crewai")

from crewai import LLM, Agent, Crew, Process, Task  # noqa: E402
from crewai.tools import tool  # noqa: E402
from openinference.instrumentation.crewai import CrewAIInstrumentor  # noqa: E402

CrewAIInstrumentor().instrument(tracer_provider=tp)


DELEGATE = "delegate_work_to_coworker"
rules = [
    {"system": "You are the coordinator", "contains": "Draft brief:", "text": h.FINAL},
    {"system": "You are the coordinator", "contains": "Research notes:",
     "calls": [[DELEGATE, {"task": h.WRITE_TASK, "context": "Notes: Paris is 18C and sunny, light wind.", "coworker": "writer"}]]},
    {"system": "You are the coordinator",
     "calls": [[DELEGATE, {"task": h.RESEARCH_TASK, "context": "The brief is for commuters.", "coworker": "researcher"}]]},
    {"system": "You are the researcher", "contains": h.WEATHER, "text": h.RESEARCH_NOTES},
    {"system": "You are the researcher", "calls": [["get_weather", {"city": "Paris"}]]},
    {"system": "You are the writer", "text": h.DRAFT},
]
model_server = h.ModelServer(rules)


def llm():
    return LLM(model="openai/scripted-model", base_url=model_server.base_url, api_key="sk-test")


@tool("get_weather")
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return h.get_weather_impl(city)


coordinator = Agent(role="coordinator", goal="Deliver the weather brief.", backstory="You are the coordinator. Delegate research and writing, then answer.",
                    llm=llm(), allow_delegation=True)
researcher = Agent(role="researcher", goal="Find weather facts.", backstory="You are the researcher. Use get_weather and report notes.",
                   llm=llm(), tools=[get_weather])
writer = Agent(role="writer", goal="Write short briefs.", backstory="You are the writer. Write short briefs from notes.", llm=llm())
task = Task(description=h.TASK, expected_output="A two-sentence brief.")
crew = Crew(agents=[researcher, writer], tasks=[task], process=Process.hierarchical, manager_agent=coordinator)
result = crew.kickoff()
print(result)
h.finish(tp, lp, model_server, out, f"{name}: crewai hierarchical crew\nfinal: {result}")
