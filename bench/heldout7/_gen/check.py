#!/usr/bin/env python3
"""Validate the heldout7 run files. Exit code 0 and 'check.py: OK' when everything passes."""
import glob
import json
import os
import re
import sys

OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = ["id", "twin_of", "task", "agents", "turns", "final_answer", "label"]
LABEL_KEYS = ["outcome", "culprit", "step", "modes", "why"]
MODES = {"FM-1.1", "FM-1.2", "FM-1.3", "FM-1.4", "FM-1.5", "FM-2.1", "FM-2.2", "FM-2.3", "FM-2.4",
         "FM-2.5", "FM-2.6", "FM-3.1", "FM-3.2", "FM-3.3"}
ERROR_PATTERNS = [r"traceback", r"\bexception\b", r"exitcode: [1-9]", r"non-zero exit", r"\"status\": \"(error|failed|failure)\"",
                  r"\"error\"\s*:", r"\berror:", r"failed to", r"i failed", r"unable to", r"could not", r"couldn't", r"execution failed",
                  r"timed out", r"permission denied", r"not found"]

errors = []


def err(msg):
    errors.append(msg)


def check_run(path, r):
    rid = os.path.basename(path)[:-5]
    if list(r.keys()) != KEYS:
        err(f"{rid}: keys {list(r.keys())}")
        return
    if r["id"] != rid:
        err(f"{rid}: id mismatch {r['id']}")
    for k in ("task", "final_answer"):
        if not isinstance(r[k], str) or not r[k].strip():
            err(f"{rid}: {k} empty")
    ag = r["agents"]
    if not isinstance(ag, dict) or not ag:
        err(f"{rid}: agents")
    for name, desc in ag.items():
        if not isinstance(desc, str) or not desc.strip():
            err(f"{rid}: agent {name} desc")
    turns = r["turns"]
    if not (3 <= len(turns) <= 12):
        err(f"{rid}: {len(turns)} turns")
    for i, t in enumerate(turns):
        tk = list(t.keys())
        if tk not in (["agent", "input", "output"], ["agent", "input", "output", "tools"]):
            err(f"{rid}: turn {i} keys {tk}")
            continue
        if t["agent"] not in ag:
            err(f"{rid}: turn {i} agent {t['agent']} not in agents")
        if not isinstance(t["input"], str) or not isinstance(t["output"], str) or not t["output"].strip():
            err(f"{rid}: turn {i} input/output")
        for tl in t.get("tools", []):
            if list(tl.keys()) != ["name", "args", "result"] or not isinstance(tl["args"], dict) or not isinstance(tl["result"], str):
                err(f"{rid}: turn {i} bad tool {tl}")
    lab = r["label"]
    if list(lab.keys()) != LABEL_KEYS:
        err(f"{rid}: label keys {list(lab.keys())}")
        return
    if not isinstance(lab["why"], str) or len(lab["why"]) < 40:
        err(f"{rid}: why too short")
    if rid.endswith("-ok"):
        if r["twin_of"] != rid[:-3]:
            err(f"{rid}: twin_of {r['twin_of']}")
        if lab["outcome"] != "success" or lab["culprit"] is not None or lab["step"] is not None or lab["modes"] != []:
            err(f"{rid}: success label malformed")
    else:
        if r["twin_of"] is not None:
            err(f"{rid}: failing run has twin_of")
        if lab["outcome"] != "failure":
            err(f"{rid}: outcome")
        if lab["culprit"] not in ag:
            err(f"{rid}: culprit {lab['culprit']} not an agent")
        s = lab["step"]
        if not isinstance(s, int) or not (0 <= s < len(turns)):
            err(f"{rid}: step {s}")
        elif turns[s]["agent"] != lab["culprit"]:
            err(f"{rid}: step {s} turn agent {turns[s]['agent']} != culprit {lab['culprit']}")
        if not (1 <= len(lab["modes"]) <= 2) or any(m not in MODES for m in lab["modes"]) or len(set(lab["modes"])) != len(lab["modes"]):
            err(f"{rid}: modes {lab['modes']}")
        blob = json.dumps(turns, ensure_ascii=False).lower() + " " + r["final_answer"].lower()
        for pat in ERROR_PATTERNS:
            m = re.search(pat, blob)
            if m:
                err(f"{rid}: error-like text {m.group(0)!r}")


def main():
    files = sorted(glob.glob(os.path.join(OUT, "*.json")))
    runs = {}
    for p in files:
        with open(p, encoding="utf-8") as f:
            r = json.load(f)
        check_run(p, r)
        runs[os.path.basename(p)[:-5]] = r
    fails = [k for k in runs if not k.endswith("-ok")]
    oks = [k for k in runs if k.endswith("-ok")]
    if len(fails) != 12 or len(oks) != 12:
        err(f"expected 12+12 runs, got {len(fails)}+{len(oks)}")
    covered = set()
    for fid in fails:
        f = runs[fid]
        okid = fid + "-ok"
        if okid not in runs:
            err(f"{fid}: no twin")
            continue
        o = runs[okid]
        if f["task"] != o["task"] or f["agents"] != o["agents"]:
            err(f"{fid}: task/agents differ from twin")
        s = f["label"]["step"]
        if isinstance(s, int):
            ft, ot = f["turns"], o["turns"]
            if len(ot) <= s:
                err(f"{fid}: twin shorter than step")
            else:
                for i in range(s):
                    if json.dumps(ft[i], sort_keys=False) != json.dumps(ot[i], sort_keys=False):
                        err(f"{fid}: turn {i} differs before step {s}")
                if json.dumps(ft[s]) == json.dumps(ot[s]):
                    err(f"{fid}: turns identical at step {s}")
                if ot[s]["agent"] != f["label"]["culprit"]:
                    err(f"{fid}: twin turn at step has different agent")
        if f["final_answer"] == o["final_answer"]:
            err(f"{fid}: same final answer as twin")
        covered.update(f["label"]["modes"])
    missing = MODES - covered
    if missing:
        err(f"modes not covered: {sorted(missing)}")
    readme = os.path.join(OUT, "README.md")
    if not os.path.exists(readme):
        err("README.md missing")
    else:
        txt = open(readme, encoding="utf-8").read()
        for k in runs:
            if f"| {k} |" not in txt:
                err(f"README missing row {k}")
    if errors:
        for e in errors:
            print("FAIL:", e)
        sys.exit(1)
    print(f"check.py: OK ({len(runs)} runs, {len(covered)} MAST modes covered)")


if __name__ == "__main__":
    main()
