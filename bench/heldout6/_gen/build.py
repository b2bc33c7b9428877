"""Write the 24 heldout6 run files (12 failing runs + 12 clean twins) and README.md.

Usage: python3 _gen/build.py      (from the heldout6 directory or anywhere)
Python 3 standard library only.
"""
import json
import os
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import s01_medals, s02_mortgage, s03_nutrition, s04_population, s05_tariff, s06_incidence  # noqa: E402
import s07_museum, s08_deps, s09_airline, s10_hr, s11_cloudcost, s12_hotel  # noqa: E402

SCENARIOS = [
    (s01_medals, "AG2 expert group chat", "sports statistics"),
    (s02_mortgage, "AG2 expert group chat", "personal finance / mortgages"),
    (s03_nutrition, "AG2 expert group chat", "food nutrition labelling"),
    (s04_population, "AG2 expert group chat", "demographics"),
    (s05_tariff, "AG2 expert group chat", "utility energy billing"),
    (s06_incidence, "AG2 expert group chat", "epidemiology / public health"),
    (s07_museum, "Magentic-One", "art museum collections"),
    (s08_deps, "Magentic-One", "software dependency security"),
    (s09_airline, "router + specialists", "airline customer service"),
    (s10_hr, "router + specialists", "HR leave policy"),
    (s11_cloudcost, "planner + executors", "cloud cost estimation"),
    (s12_hotel, "planner + executors", "travel / hotel booking"),
]


def write(run):
    path = os.path.join(OUT, run["id"] + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(run, f, ensure_ascii=False, indent=2)
        f.write("\n")


README_HEAD = """# heldout6 - hand-written multi-agent runs (12 failing + 12 clean twins)

Held-out evaluation set for a multi-agent failure-analysis tool. Every run is hand-written (no LLM calls, no
tool executions): the text of each scenario lives in `_gen/sNN_*.py`, numbers that appear in tool/terminal outputs
are computed by the generator so they are internally consistent, and `_gen/build.py` writes the JSON files and this
README. `_gen/check.py` validates the set. Python 3 standard library only.

```
python3 _gen/build.py   # writes 24 <id>.json files + README.md
python3 _gen/check.py   # schema, twin prefixes, labels, MAST codes, error-word scan, mode coverage
```

## How it was made

* 12 scenarios, each in a different domain. Team shapes: 6 AG2 "expert group chat" runs of the CaptainAgent kind
  (a planning/task-manager expert posts the task and plan, 2-3 domain experts, a Verification_Expert, and a
  Computer_terminal whose replies start `exitcode: 0 (execution succeeded)\\nCode output: ...`), 2 Magentic-One runs
  (Orchestrator with fact sheet / plan / progress ledger, WebSurfer, FileSurfer, Coder, ComputerTerminal),
  2 router apps (a triage/router agent hands off to specialists) and 2 planner/executor apps (numbered plan,
  executors carry out steps with tools).
* Each failing run has a clean twin (`<id>-ok`, `twin_of` = failing id) with the same task and agents and
  byte-identical turns before the labelled step; the twins diverge at that step (same agent, different turn).
* Failures are content-only: every tool call and code execution in a failing run succeeds, nobody reports a
  problem, and the run ends with a confident wrong answer or action. The mistake is visible from the run's own
  text (a tool result, an earlier message, the task or an agent's instructions); `label.why` quotes both sides.
* `label.step` is the 0-based index of the first turn where the run goes wrong and is always a turn of
  `label.culprit`. `label.modes` holds 1-2 MAST codes (Cemri et al. 2025); the first is the culprit's own failure,
  a second code (where present) names a contributing failure later in the run (e.g. a verifier approving without
  checking the faulty part).
* Clean twins contain harmless messiness that should not be flagged: a NameError fixed and re-run, a
  `price_changed` hold re-submitted, a `syncing` estimate sheet polled again, a re-plan that keeps its facts,
  clarifying questions that get answered, a verifier that questions a correct result and accepts the answer,
  a demographer's caveat that correctly does not change the result, similar-looking but correct numbers.
* All 14 MAST modes (FM-1.1..FM-1.5, FM-2.1..FM-2.6, FM-3.1..FM-3.3) occur at least once among the failures.

## Runs

| id | team shape | domain | outcome | culprit | step | modes | turns |
|---|---|---|---|---|---|---|---|
"""


def main():
    rows = []
    for mod, shape, domain in SCENARIOS:
        fail, ok = mod.build()
        for run in (fail, ok):
            write(run)
            lab = run["label"]
            rows.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                run["id"], shape, domain, lab["outcome"], lab["culprit"] or "-",
                "-" if lab["step"] is None else lab["step"], ", ".join(lab["modes"]) or "-", len(run["turns"])))
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write(README_HEAD + "\n".join(rows) + "\n")
    print("wrote", 2 * len(SCENARIOS), "runs to", OUT)


if __name__ == "__main__":
    main()
