#!/usr/bin/env python3
"""Writes the 24 heldout5 runs (12 failing + 12 clean twins) and README.md into the parent directory.
Usage: python3 _gen/build.py   (stdlib only)"""
import importlib
import json
import os
import sys
sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

MODULES = [
    "s01_ag2_obp", "s02_ag2_mortgage", "s03_ag2_solar",
    "s04_m1_transit", "s05_m1_fleet",
    "s06_oai_airline", "s07_oai_telecom",
    "s08_lg_rental", "s09_lg_pto",
    "s10_crew_lisbon", "s11_crew_earbuds",
    "s12_adk_dental",
]


def load():
    runs = []
    for name in MODULES:
        mod = importlib.import_module(name)
        fail, ok = mod.build()
        runs.append((mod.META, fail, ok))
    return runs


def write_json(obj):
    path = os.path.join(OUT, obj["id"] + ".json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


README_HEAD = """# heldout5: hand-written multi-agent runs (12 failing + 12 clean twins)

A held-out evaluation set for failure analysis of multi-agent LLM systems. Every file is one run,
written by hand (no model was executed) and serialized by the generator scripts in `_gen/`.

## How it was made

* Each scenario lives in its own module `_gen/sNN_*.py`, which holds the task, the agents' instructions,
  a shared **prefix** of turns, a failing continuation and a clean continuation.
  `common.make_pair()` builds both runs from the same prefix objects, so the turns before the labelled
  step are byte-identical between a failing run and its twin, and the failing run's first diverging turn
  belongs to the culprit.
* The failures are content-only: every tool call succeeds, terminals report `exitcode: 0`, nobody says
  anything failed. Each run ends with a confident but wrong answer or action, and the contradiction
  can be seen in the run's own text (a tool result, an earlier message, the task or an agent's
  instructions); `label.why` quotes both sides.
* Clean twins are fully correct (the arithmetic was checked by script) and carry harmless messiness:
  re-plans that keep the facts, clarifying questions that get answered, reviewers sending a draft
  back, self-corrections, look-alike numbers that are all used correctly, long tool results of which
  only a part is used, "processing" then "submitted" status polling.
* Team shapes follow real traces: AG2 group chats (domain expert, Python_Expert, Verification_Expert and
  a Computer_terminal whose outputs start `exitcode: 0 (execution succeeded)\\nCode output: `),
  Magentic-One (Orchestrator with fact sheet, progress-ledger JSON and re-planning; WebSurfer,
  FileSurfer, Coder, ComputerTerminal), OpenAI Agents SDK handoff apps (`transfer_to_*` tools),
  LangGraph supervisor graphs (`transfer_to_*` / `transfer_back_to_supervisor`), CrewAI sequential
  crews (`## Thought / ## Using tool / ## Final Answer`, "Delegate work to coworker"), and a Google ADK
  app (root agent with sub_agents and `transfer_to_agent`).
* Labels use the MAST taxonomy (Cemri et al., 2025). All 14 modes appear at least once across the
  failures; 4 failures have the coordinator/orchestrator as culprit, and in 6 a worker quietly produces
  the wrong value that a different, later agent reports as the final answer.

Rebuild and check:

```
python3 _gen/build.py
python3 _gen/check.py
```

## Runs

| id | team shape | domain | outcome | culprit | step | modes | turns |
|---|---|---|---|---|---|---|---|
"""


def main():
    runs = load()
    # remove stale run files
    for fn in os.listdir(OUT):
        if fn.endswith(".json"):
            os.remove(os.path.join(OUT, fn))
    rows = []
    for meta, fail, ok in runs:
        write_json(fail)
        write_json(ok)
        for r in (fail, ok):
            lab = r["label"]
            rows.append("| {id} | {shape} | {domain} | {outcome} | {culprit} | {step} | {modes} | {turns} |".format(
                id=r["id"], shape=meta["shape"], domain=meta["domain"], outcome=lab["outcome"],
                culprit=lab["culprit"] if lab["culprit"] else "-",
                step=lab["step"] if lab["step"] is not None else "-",
                modes=", ".join(lab["modes"]) if lab["modes"] else "-",
                turns=len(r["turns"])))
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as fh:
        fh.write(README_HEAD + "\n".join(rows) + "\n")
    print(f"wrote {2 * len(runs)} runs and README.md to {OUT}")


if __name__ == "__main__":
    main()
