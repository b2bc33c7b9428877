import json, glob, os
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = {"chem": "AG2 group chat + code executor", "astro": "AG2 group chat + code executor", "weather": "AG2 group chat + code executor",
         "royalty": "AG2 group chat + code executor", "library": "OpenAI Agents SDK handoffs", "customs": "LangGraph supervisor",
         "wildlife": "CrewAI crew", "gamemod": "Magentic-One orchestrator", "zoning": "Google ADK (transfer_to_agent)",
         "restaurant": "smolagents CodeAgent + managed agent", "patent": "CrewAI crew", "pc": "OpenAI Agents SDK handoffs"}
DOMAIN = {"chem": "chemistry (solution prep)", "astro": "astronomy catalogue", "weather": "weather station records", "royalty": "music royalties",
          "library": "library cataloguing", "customs": "export customs / dangerous goods", "wildlife": "wildlife survey", "gamemod": "game modding",
          "zoning": "urban planning / zoning", "restaurant": "restaurant inventory", "patent": "patent novelty", "pc": "conference peer-review assignment"}
order = ["chem", "astro", "weather", "royalty", "library", "customs", "wildlife", "gamemod", "zoning", "restaurant", "patent", "pc"]
runs = [json.load(open(p)) for p in glob.glob(os.path.join(OUT, "*.json"))]
key = lambda r: (order.index(r["id"].split("-")[0]), r["twin_of"] is not None)
rows = []
for r in sorted(runs, key=key):
    k = r["id"].split("-")[0]; L = r["label"]
    rows.append(f"| {r['id']} | {SHAPE[k]} | {DOMAIN[k]} | {L['outcome']} | {L['culprit'] or '—'} | {'—' if L['step'] is None else L['step']} | {', '.join(L['modes']) or '—'} | {len(r['turns'])} |")
text = f"""# heldout-final3 — hand-written held-out multi-agent runs

## How it was made

- Written by hand for evaluating a failure-analysis tool. **The author did not see the tool** — none of its code, prompts,
  outputs, tests or earlier evaluation sets. The only outside reference was the author's own knowledge of the public MAST taxonomy
  (Cemri et al. 2025, "Why Do Multi-Agent LLM Systems Fail?", arXiv:2503.13657).
- 12 scenarios, each in a different domain. Each scenario is one Python generator function with a `fail` flag
  (`_gen/scen_ag2.py`, `_gen/scen_b.py`, `_gen/scen_c.py`). `fail=True` produces the failing run and `fail=False` its clean twin (`-ok`).
- `python3 _gen/build.py` writes the 24 JSON files. `python3 _gen/check.py` checks that every file loads with `json`, checks the schema,
  and checks that each pair has the same `task` and `agents` and byte-identical turns before the culprit step
  (`turns[:step]`), with a difference at `turns[step]`. It also checks that each failing run's turn `step` belongs to the labelled culprit, that modes are valid
  MAST codes, that there are 3–12 turns, and that failing runs contain no tracebacks, non-zero exit codes or error statuses.
  `python3 _gen/readme.py` regenerates this file.
- Failures are content-only. Every tool call succeeds and the run ends with a confident but wrong answer or action. You can see the mistake from the run's own
  text (a tool result, an earlier message, the task or the agent's instructions), and `label.why` quotes both sides.
- Clean twins are fully correct runs (arithmetic re-checked). Some contain harmless messiness: a locked-record save that succeeds on retry, a clarifying question that gets answered,
  polling until an order is confirmed, a reviewer rejecting a wrong draft that is then fixed, a conditional plan step that is correctly skipped, and agents repeating a status line.

## Runs

12 failing runs and 12 clean twins; all 14 MAST failure modes appear at least once among the failures.

| id | team shape | domain | outcome | culprit | step | modes | turns |
|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + """

## File format

Each `<id>.json` is a single JSON object:

```
{
  "id": str,
  "twin_of": null | str,            # on a -ok twin: the failing run's id
  "task": str,                      # the user's request
  "agents": {AgentName: str},       # 1-3 sentence instructions/system prompt per agent
  "turns": [{
      "agent": AgentName,
      "input": str,                 # what the agent was given/asked this turn
      "output": str,                # what it said/produced
      "tools": [{"name": str, "args": {...}, "result": str}]   # optional; result is a JSON string as tools return it
  }],
  "final_answer": str,              # what the user got
  "label": {
      "outcome": "failure" | "success",
      "culprit": AgentName | null,
      "step": int | null,           # 0-based index into turns where the run FIRST goes wrong
      "modes": ["FM-x.y", ...],     # MAST codes; [] for success
      "why": str                    # quotes both sides of the contradiction (for success: why it is correct)
  }
}
```
"""
open(os.path.join(OUT, "README.md"), "w").write(text)
print(text)
