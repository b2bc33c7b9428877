#!/usr/bin/env python3
"""Checker for heldout5. Usage: python3 _gen/check.py  (exit code 0 = all checks pass)."""
import glob
import json
import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

TOP_KEYS = ["id", "twin_of", "task", "agents", "turns", "final_answer", "label"]
LABEL_KEYS = ["outcome", "culprit", "step", "modes", "why"]
MODES = {f"FM-1.{i}" for i in range(1, 6)} | {f"FM-2.{i}" for i in range(1, 7)} | {f"FM-3.{i}" for i in range(1, 4)}
ERROR_WORDS = [
    "traceback", "exception", "error", "failed", "failure", "fatal", "exitcode: 1", "exitcode: 2",
    "non-zero", "unable to", "could not", "couldn't", "cannot", "can't", "timed out", "timeout",
    "denied", "not found", "invalid", "refused", "crash", "panic", "stack trace", "errno", "http 4", "http 5",
    "\"status\": \"error\"", "\"status\": \"failed\"",
]
AG2_PREFIX = "exitcode: 0 (execution succeeded)\nCode output: "
BANNED_DOMAINS = ["chemistry", "solution prep", "exoplanet", "weather", "royalt", "call number", "customs",
                  "dangerous goods", "wildlife", "modding", "zoning", "restaurant inventory", "patent", "peer review"]
STYLE = {"AG2 group chat": 3, "Magentic-One": 2, "OpenAI Agents SDK": 2, "LangGraph supervisor": 2,
         "CrewAI": 2, "Google ADK": 1}

problems = []


def bad(msg):
    problems.append(msg)


def texts_of(run):
    yield "final_answer", run["final_answer"]
    for i, t in enumerate(run["turns"]):
        yield f"turns[{i}].input", t["input"]
        yield f"turns[{i}].output", t["output"]
        for j, tc in enumerate(t.get("tools", [])):
            yield f"turns[{i}].tools[{j}].name", tc["name"]
            yield f"turns[{i}].tools[{j}].args", json.dumps(tc["args"], ensure_ascii=False)
            yield f"turns[{i}].tools[{j}].result", tc["result"]


def _norm(s):
    return re.sub(r"\s+", " ", s.replace("**", "").replace("\\n", " ")).strip()


def check_quotes(rid, r):
    """Every single-quoted passage (>= 10 chars) in a failing run's label.why must occur in the run's own text
    (task, agents, turns, tool args/results, final answer), modulo whitespace and markdown bold; '...' splits a quote."""
    blob = r["task"] + " " + json.dumps(r["agents"], ensure_ascii=False) + " " + r["final_answer"]
    for t in r["turns"]:
        blob += " " + t["input"] + " " + t["output"]
        for tc in t.get("tools", []):
            blob += " " + tc["result"] + " " + json.dumps(tc["args"], ensure_ascii=False)
    blob = _norm(blob)
    quotes = re.findall(r"'([^']{10,}?)'(?=[\s,.;:)]|$)", r["label"]["why"])
    if len(quotes) < 2:
        bad(f"{rid}: label.why should quote both sides (found {len(quotes)} quoted passages)")
    for q in quotes:
        for piece in re.split(r"\s*(?:\.\.\.|…)\s*", q):
            piece = _norm(piece)
            if len(piece) >= 6 and piece not in blob:
                bad(f"{rid}: quoted text not found in run: {piece[:80]!r}")


def check_schema(fn, r):
    if list(r.keys()) != TOP_KEYS:
        bad(f"{fn}: top-level keys {list(r.keys())}")
        return False
    if os.path.basename(fn) != r["id"] + ".json":
        bad(f"{fn}: id {r['id']} does not match filename")
    if not isinstance(r["id"], str) or not isinstance(r["task"], str) or not r["task"].strip():
        bad(f"{fn}: id/task")
    if r["twin_of"] is not None and not isinstance(r["twin_of"], str):
        bad(f"{fn}: twin_of type")
    if not isinstance(r["agents"], dict) or not r["agents"]:
        bad(f"{fn}: agents")
    for a, ins in r["agents"].items():
        if not isinstance(ins, str) or not ins.strip():
            bad(f"{fn}: agent {a} instructions")
        n_sent = len(re.findall(r"[.!?](\s|$)", ins))
        if n_sent < 1 or n_sent > 4:
            bad(f"{fn}: agent {a} instructions should be 1-3 sentences (found ~{n_sent})")
    if not isinstance(r["turns"], list) or not (3 <= len(r["turns"]) <= 12):
        bad(f"{fn}: turns count {len(r['turns']) if isinstance(r['turns'], list) else '?'}")
    for i, t in enumerate(r["turns"]):
        keys = list(t.keys())
        if keys not in (["agent", "input", "output"], ["agent", "input", "output", "tools"]):
            bad(f"{fn}: turn {i} keys {keys}")
            continue
        if t["agent"] not in r["agents"]:
            bad(f"{fn}: turn {i} agent {t['agent']} not in agents")
        for k in ("input", "output"):
            if not isinstance(t[k], str) or not t[k].strip():
                bad(f"{fn}: turn {i} {k} empty")
        if "tools" in t:
            if not isinstance(t["tools"], list) or not t["tools"]:
                bad(f"{fn}: turn {i} tools must be a non-empty list when present")
                continue
            for j, tc in enumerate(t["tools"]):
                if list(tc.keys()) != ["name", "args", "result"]:
                    bad(f"{fn}: turn {i} tool {j} keys {list(tc.keys())}")
                    continue
                if not isinstance(tc["name"], str) or not isinstance(tc["args"], dict) or not isinstance(tc["result"], str):
                    bad(f"{fn}: turn {i} tool {j} types")
                res = tc["result"].strip()
                if res[:1] in "{[":
                    try:
                        json.loads(res)
                    except ValueError:
                        bad(f"{fn}: turn {i} tool {j} result looks like JSON but does not parse")
        if t["agent"] == "Computer_terminal" and not t["output"].startswith(AG2_PREFIX):
            bad(f"{fn}: turn {i} Computer_terminal output lacks the AG2 exitcode prefix")
    if not isinstance(r["final_answer"], str) or not r["final_answer"].strip():
        bad(f"{fn}: final_answer empty")
    lab = r["label"]
    if not isinstance(lab, dict) or list(lab.keys()) != LABEL_KEYS:
        bad(f"{fn}: label keys {list(lab.keys()) if isinstance(lab, dict) else lab}")
        return False
    if not isinstance(lab["why"], str) or len(lab["why"]) < 40:
        bad(f"{fn}: label.why too short")
    return True


def main():
    files = sorted(glob.glob(os.path.join(OUT, "*.json")))
    if len(files) != 24:
        bad(f"expected 24 json files, found {len(files)}")
    runs = {}
    for fn in files:
        with open(fn, encoding="utf-8") as fh:
            try:
                r = json.load(fh)
            except ValueError as e:
                bad(f"{fn}: not valid JSON ({e})")
                continue
        if check_schema(fn, r):
            runs[r["id"]] = r

    fails = {k: v for k, v in runs.items() if v["label"]["outcome"] == "failure"}
    oks = {k: v for k, v in runs.items() if v["label"]["outcome"] == "success"}
    if len(fails) != 12 or len(oks) != 12:
        bad(f"expected 12 failing and 12 clean runs, got {len(fails)} / {len(oks)}")
    for k, r in runs.items():
        if r["label"]["outcome"] not in ("failure", "success"):
            bad(f"{k}: outcome {r['label']['outcome']}")

    covered = set()
    for fid, f in fails.items():
        lab = f["label"]
        if f["twin_of"] is not None:
            bad(f"{fid}: failing run must have twin_of null")
        if fid.endswith("-ok"):
            bad(f"{fid}: failing id ends with -ok")
        if lab["culprit"] not in f["agents"]:
            bad(f"{fid}: culprit {lab['culprit']} not an agent")
        step = lab["step"]
        if not isinstance(step, int) or isinstance(step, bool) or not (0 <= step < len(f["turns"])):
            bad(f"{fid}: bad step {step}")
            continue
        if f["turns"][step]["agent"] != lab["culprit"]:
            bad(f"{fid}: turn {step} belongs to {f['turns'][step]['agent']}, not culprit {lab['culprit']}")
        if not (1 <= len(lab["modes"]) <= 2) or len(set(lab["modes"])) != len(lab["modes"]):
            bad(f"{fid}: needs 1-2 distinct modes, got {lab['modes']}")
        for m in lab["modes"]:
            if m not in MODES:
                bad(f"{fid}: unknown mode {m}")
        covered.update(lab["modes"])
        check_quotes(fid, f)
        for where, txt in texts_of(f):
            low = txt.lower()
            for w in ERROR_WORDS:
                if w in low:
                    bad(f"{fid}: error-like word {w!r} in {where}")
        # twin
        tid = fid + "-ok"
        t = oks.get(tid)
        if t is None:
            bad(f"{fid}: missing clean twin {tid}")
            continue
        if t["twin_of"] != fid:
            bad(f"{tid}: twin_of {t['twin_of']} != {fid}")
        if t["task"] != f["task"]:
            bad(f"{tid}: task differs from {fid}")
        if json.dumps(t["agents"]) != json.dumps(f["agents"]):
            bad(f"{tid}: agents differ from {fid}")
        if len(t["turns"]) <= step:
            bad(f"{tid}: twin shorter than failing step")
            continue
        for i in range(step):
            if json.dumps(t["turns"][i], ensure_ascii=False) != json.dumps(f["turns"][i], ensure_ascii=False):
                bad(f"{fid}: turn {i} (before step {step}) differs from twin")
        if json.dumps(t["turns"][step]) == json.dumps(f["turns"][step]):
            bad(f"{fid}: turn {step} identical in twin; runs must diverge at the step")
        if t["final_answer"] == f["final_answer"]:
            bad(f"{fid}: final answers identical to twin")
    for tid, t in oks.items():
        lab = t["label"]
        if not tid.endswith("-ok") or t["twin_of"] != tid[:-3]:
            bad(f"{tid}: clean twin id/twin_of mismatch")
        if lab["culprit"] is not None or lab["step"] is not None or lab["modes"] != []:
            bad(f"{tid}: success label must have culprit null, step null, modes []")
        if t["twin_of"] not in fails:
            bad(f"{tid}: twin_of points to unknown failing run")

    missing = MODES - covered
    if missing:
        bad(f"MAST modes not covered by any failure: {sorted(missing)}")

    # scenario metadata checks (team shapes, domains, culprit roles, answers)
    import build  # noqa: E402
    fw_count, domains = {}, []
    coord, worker_reported = 0, 0
    for name in build.MODULES:
        meta = __import__(name).META
        fid = meta["id"]
        f, t = runs.get(fid), runs.get(fid + "-ok")
        if f is None or t is None:
            bad(f"{name}: runs missing")
            continue
        fw_count[meta["framework"]] = fw_count.get(meta["framework"], 0) + 1
        domains.append(meta["domain"])
        if any(b in meta["domain"].lower() for b in BANNED_DOMAINS):
            bad(f"{fid}: domain {meta['domain']} is on the excluded list")
        if meta["expect_fail"] not in f["final_answer"]:
            bad(f"{fid}: expected wrong value {meta['expect_fail']!r} not in failing final_answer")
        if meta["expect_ok"] not in t["final_answer"]:
            bad(f"{fid}: expected correct value {meta['expect_ok']!r} not in clean final_answer")
        if meta["expect_ok"] in f["final_answer"]:
            bad(f"{fid}: correct value {meta['expect_ok']!r} appears in failing final_answer")
        if f["turns"][-1]["agent"] != meta["reported_by"]:
            bad(f"{fid}: last turn by {f['turns'][-1]['agent']}, meta says reported_by {meta['reported_by']}")
        if meta["culprit_role"] == "coordinator":
            coord += 1
        if meta["culprit_role"] == "worker" and meta["reported_by"] != f["label"]["culprit"]:
            worker_reported += 1
        agents = set(f["agents"])
        fw = meta["framework"]
        if fw == "AG2 group chat":
            if not ({"Python_Expert", "Computer_terminal"} <= agents):
                bad(f"{fid}: AG2 run needs Python_Expert and Computer_terminal")
            if not any(x["agent"] == "Computer_terminal" for x in f["turns"]):
                bad(f"{fid}: AG2 run never executes code")
        elif fw == "Magentic-One":
            if agents != {"Orchestrator", "WebSurfer", "FileSurfer", "Coder", "ComputerTerminal"}:
                bad(f"{fid}: Magentic-One team {sorted(agents)}")
            if not any("is_request_satisfied" in x["output"] for x in f["turns"] if x["agent"] == "Orchestrator"):
                bad(f"{fid}: no progress ledger")
        elif fw in ("OpenAI Agents SDK", "LangGraph supervisor"):
            if not any(tc["name"].startswith("transfer_to_") for x in f["turns"] for tc in x.get("tools", [])):
                bad(f"{fid}: no transfer_to_* handoff tool call")
        elif fw == "Google ADK":
            if not any(tc["name"] == "transfer_to_agent" for x in f["turns"] for tc in x.get("tools", [])):
                bad(f"{fid}: no transfer_to_agent call")
    if fw_count != STYLE:
        bad(f"framework mix {fw_count} != {STYLE}")
    if len(set(domains)) != len(domains):
        bad("domains are not all different")
    if coord < 3:
        bad(f"only {coord} coordinator-culprit failures (need >= 3)")
    if worker_reported < 4:
        bad(f"only {worker_reported} worker-culprit failures reported by a later agent (need >= 4)")

    if problems:
        print("CHECK FAILED:")
        for p in problems:
            print(" -", p)
        sys.exit(1)
    print(f"OK: {len(runs)} runs ({len(fails)} failing, {len(oks)} clean twins), all 14 MAST modes covered, "
          f"{coord} coordinator culprits, {worker_reported} worker-wrong/later-reporter failures.")


if __name__ == "__main__":
    main()
