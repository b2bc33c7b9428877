#!/usr/bin/env python3
"""Write the 24 heldout7 runs (12 failing + 12 clean twins) and README.md.

Usage: python3 _gen/build.py   (from the output directory or anywhere)
Standard library only.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import s01_parcel, s02_vet, s03_irrigation, s04_concrete, s05_contract, s06_gpa  # noqa: E402
import s07_security, s08_rcv, s09_refund, s10_oee, s11_grant, s12_retention  # noqa: E402

MODULES = [s01_parcel, s02_vet, s03_irrigation, s04_concrete, s05_contract, s06_gpa,
           s07_security, s08_rcv, s09_refund, s10_oee, s11_grant, s12_retention]

README_HEAD = """# heldout7 — hand-written multi-agent runs (12 failing + 12 clean twins)

Held-out evaluation set for a multi-agent failure-analysis tool. Every run was written by hand (no LLM calls, no tool
code consulted) and is emitted by the stdlib-only generators in `_gen/`:

- `_gen/common.py` — tiny helpers (`T` for a turn, `tool` for a tool call, `run` for a record)
- `_gen/s01_*.py … s12_*.py` — one scenario each; `build()` returns the failing run, its clean twin, team shape and domain
- `_gen/build.py` — writes `<id>.json` for all 24 runs and regenerates this README
- `_gen/check.py` — validates schema, key order, twin pairing/shared prefix, culprit/step consistency, MAST codes,
  mode coverage, README rows, and scans failing runs for error/failure vocabulary

Rebuild and check:

```
python3 _gen/build.py
python3 _gen/check.py
```

## Design

- Failures are content-only: every tool call returns normally, exit codes are 0, nobody admits a problem; each run ends
  with a confident but wrong answer or action. The contradiction is visible inside the run (task text, agent
  instructions, a tool result, or an earlier message) and `label.why` quotes both sides.
- Each failing run `X` has a twin `X-ok` with the same task and agents and byte-identical turns before `label.step`;
  the twin diverges at that step and is fully correct (arithmetic re-checked). Twins contain benign messiness:
  clarifying questions, reviewer requests that get satisfied, polling of pending statuses, duplicate-name lookups,
  look-alike numbers/IP ranges, calendar placeholders, extra sanity checks.
- `label.step` is a 0-based index into `turns` and points at the first wrong turn, which belongs to `label.culprit`.
- Framework styles mixed: AG2 group chats with a code executor, Magentic-One, OpenAI Agents SDK handoffs, LangGraph
  supervisor and plan-and-execute graphs, CrewAI sequential and hierarchical crews, Google ADK, smolagents, and a
  planner/executor app. Culprits include coordinators, workers, verifiers/reviewers and routers.
- All 14 MAST failure modes (Cemri et al. 2025) are covered at least once; two runs carry two modes.

## Runs

| id | team shape | domain | outcome | culprit | step | modes | turns |
|---|---|---|---|---|---|---|---|
"""


def main():
    rows = []
    written = 0
    for m in MODULES:
        fail, ok, shape, domain = m.build()
        for rec in (fail, ok):
            path = os.path.join(OUT, rec["id"] + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(rec, f, indent=2, ensure_ascii=False)
                f.write("\n")
            written += 1
            lab = rec["label"]
            rows.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                rec["id"], shape, domain, lab["outcome"], lab["culprit"] or "-",
                "-" if lab["step"] is None else lab["step"], ", ".join(lab["modes"]) or "-", len(rec["turns"])))
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write(README_HEAD + "\n".join(rows) + "\n")
    print(f"wrote {written} runs to {OUT}")


if __name__ == "__main__":
    main()
