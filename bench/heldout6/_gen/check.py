"""Validate the heldout6 set. Exit code 0 and 'check.py: OK' when everything passes."""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)

KEYS = ["id", "twin_of", "task", "agents", "turns", "final_answer", "label"]
LABEL_KEYS = ["outcome", "culprit", "step", "modes", "why"]
MODES = {"FM-1.1", "FM-1.2", "FM-1.3", "FM-1.4", "FM-1.5", "FM-2.1", "FM-2.2", "FM-2.3", "FM-2.4",
         "FM-2.5", "FM-2.6", "FM-3.1", "FM-3.2", "FM-3.3"}
ERROR_WORDS = re.compile(
    r"\berror\b|\berrors\b|exception|traceback|\bfail(ed|s|ure|ing)?\b|exitcode: [1-9]|exit code: [1-9]|"
    r"not found|\binvalid\b|timed? ?out|\bunable\b|\bcannot\b|permission denied|\"status\": \"error\"|"
    r"status code: [45]\d\d|could not|couldn't",
    re.I)

problems = []


def bad(msg):
    problems.append(msg)


def check_run(r, fname):
    if list(r.keys()) != KEYS:
        bad(f"{fname}: keys {list(r.keys())} != {KEYS}")
        return
    if r["id"] + ".json" != fname:
        bad(f"{fname}: id/file name mismatch")
    for k in ("id", "task", "final_answer"):
        if not isinstance(r[k], str) or not r[k].strip():
            bad(f"{fname}: {k} must be a non-empty string")
    if r["twin_of"] is not None and not isinstance(r["twin_of"], str):
        bad(f"{fname}: twin_of must be null or str")
    if not isinstance(r["agents"], dict) or not r["agents"]:
        bad(f"{fname}: agents must be a non-empty object")
    for a, d in r["agents"].items():
        if not isinstance(d, str) or not d.strip():
            bad(f"{fname}: agent {a} has no instructions")
        elif not 1 <= len(re.findall(r"[.!?](\s|$)", d.strip())) <= 3:
            bad(f"{fname}: agent {a} instructions should be 1-3 sentences")
    turns = r["turns"]
    if not isinstance(turns, list) or not 3 <= len(turns) <= 12:
        bad(f"{fname}: needs 3-12 turns, has {len(turns) if isinstance(turns, list) else '?'}")
        return
    for i, t in enumerate(turns):
        ks = list(t.keys())
        if ks not in (["agent", "input", "output"], ["agent", "input", "output", "tools"]):
            bad(f"{fname}: turn {i} keys {ks}")
            continue
        if t["agent"] not in r["agents"]:
            bad(f"{fname}: turn {i} agent {t['agent']} not in agents")
        for k in ("input", "output"):
            if not isinstance(t[k], str) or not t[k].strip():
                bad(f"{fname}: turn {i} {k} empty")
        if "tools" in t:
            if not isinstance(t["tools"], list) or not t["tools"]:
                bad(f"{fname}: turn {i} tools must be a non-empty list when present")
            for tc in t["tools"]:
                if list(tc.keys()) != ["name", "args", "result"] or not isinstance(tc["name"], str) \
                        or not isinstance(tc["args"], dict) or not isinstance(tc["result"], str):
                    bad(f"{fname}: turn {i} malformed tool call {tc}")
    lab = r["label"]
    if list(lab.keys()) != LABEL_KEYS:
        bad(f"{fname}: label keys {list(lab.keys())}")
        return
    if not isinstance(lab["why"], str) or len(lab["why"]) < 40:
        bad(f"{fname}: label.why too short")
    if lab["outcome"] == "failure":
        if r["twin_of"] is not None:
            bad(f"{fname}: failing run must have twin_of null")
        if lab["culprit"] not in r["agents"]:
            bad(f"{fname}: culprit {lab['culprit']} not an agent")
        if not isinstance(lab["step"], int) or not 0 <= lab["step"] < len(turns):
            bad(f"{fname}: step out of range")
        elif turns[lab["step"]]["agent"] != lab["culprit"]:
            bad(f"{fname}: turn {lab['step']} belongs to {turns[lab['step']]['agent']}, not culprit {lab['culprit']}")
        if not 1 <= len(lab["modes"]) <= 2 or len(set(lab["modes"])) != len(lab["modes"]):
            bad(f"{fname}: failing run needs 1-2 distinct modes")
        for m in lab["modes"]:
            if m not in MODES:
                bad(f"{fname}: unknown mode {m}")
        if lab["why"].count("'") + lab["why"].count('"') < 4:
            bad(f"{fname}: label.why should quote both sides")
        texts = [("final_answer", r["final_answer"])]
        for i, t in enumerate(turns):
            texts += [(f"turn {i} input", t["input"]), (f"turn {i} output", t["output"])]
            for tc in t.get("tools", []):
                texts.append((f"turn {i} tool {tc['name']}", tc["result"] + " " + json.dumps(tc["args"])))
        for where, txt in texts:
            m = ERROR_WORDS.search(txt)
            if m:
                bad(f"{fname}: error-like word {m.group(0)!r} in {where}")
    elif lab["outcome"] == "success":
        if not (isinstance(r["twin_of"], str) and r["id"] == r["twin_of"] + "-ok"):
            bad(f"{fname}: clean twin id must be <twin_of>-ok")
        if lab["culprit"] is not None or lab["step"] is not None or lab["modes"] != []:
            bad(f"{fname}: success label must have culprit/step null and modes []")
    else:
        bad(f"{fname}: bad outcome {lab['outcome']}")


def main():
    files = sorted(f for f in os.listdir(OUT) if f.endswith(".json"))
    runs = {}
    for fn in files:
        try:
            with open(os.path.join(OUT, fn), encoding="utf-8") as f:
                r = json.load(f)
        except ValueError as e:
            bad(f"{fn}: not valid JSON ({e})")
            continue
        check_run(r, fn)
        runs[r.get("id")] = r
    fails = [r for r in runs.values() if r["label"]["outcome"] == "failure"]
    oks = [r for r in runs.values() if r["label"]["outcome"] == "success"]
    if len(files) != 24 or len(fails) != 12 or len(oks) != 12:
        bad(f"expected 24 files (12 failing, 12 clean), got {len(files)} ({len(fails)}/{len(oks)})")
    for f in fails:
        ok = runs.get(f["id"] + "-ok")
        if ok is None:
            bad(f"{f['id']}: no clean twin")
            continue
        if ok["twin_of"] != f["id"]:
            bad(f"{ok['id']}: twin_of should be {f['id']}")
        if ok["task"] != f["task"]:
            bad(f"{f['id']}: twin task differs")
        if json.dumps(ok["agents"]) != json.dumps(f["agents"]):
            bad(f"{f['id']}: twin agents differ")
        s = f["label"]["step"]
        if not isinstance(s, int):
            continue
        if len(ok["turns"]) <= s:
            bad(f"{f['id']}: twin too short to diverge at step {s}")
            continue
        for i in range(s):
            if json.dumps(f["turns"][i], sort_keys=False) != json.dumps(ok["turns"][i], sort_keys=False):
                bad(f"{f['id']}: turn {i} (before step {s}) differs from twin")
        if json.dumps(f["turns"][s]) == json.dumps(ok["turns"][s]):
            bad(f"{f['id']}: twin does not diverge at step {s}")
        if f["turns"][s]["agent"] != ok["turns"][s]["agent"]:
            bad(f"{f['id']}: twin's turn {s} is by a different agent")
        if f["final_answer"].strip() == ok["final_answer"].strip():
            bad(f"{f['id']}: twin has the same final answer")
    covered = {m for f in fails for m in f["label"]["modes"]}
    if covered != MODES:
        bad(f"modes not covered: {sorted(MODES - covered)}")
    if problems:
        print("\n".join(problems))
        print(f"check.py: {len(problems)} problem(s)")
        sys.exit(1)
    print(f"check.py: OK ({len(files)} files, {len(fails)} failing + {len(oks)} clean, all 14 MAST modes covered)")


if __name__ == "__main__":
    main()
