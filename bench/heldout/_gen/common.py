import json, os
OUT = "/work/heldout"
def T(agent, inp, out, tools=None):
    d = {"agent": agent, "input": inp, "output": out}
    if tools: d["tools"] = tools
    return d
def tool(name, args, result):
    if not isinstance(result, str):
        result = json.dumps(result, indent=None)
    return {"name": name, "args": args, "result": result}
def write(run):
    assert 3 <= len(run["turns"]) <= 12, (run["id"], len(run["turns"]))
    lab = run["label"]
    if lab["outcome"] == "failure":
        assert run["turns"][lab["step"]]["agent"] == lab["culprit"], run["id"]
        assert lab["culprit"] in run["agents"]
    for t in run["turns"]:
        assert t["agent"] in run["agents"], (run["id"], t["agent"])
    with open(os.path.join(OUT, run["id"] + ".json"), "w", encoding="utf-8") as f:
        json.dump(run, f, indent=2, ensure_ascii=False)
def pair(fid, build, fail_label):
    f = build(True); f["id"] = fid; f["twin_of"] = None; f["label"] = dict(outcome="failure", **fail_label)
    s = build(False); s["id"] = fid + "-ok"; s["twin_of"] = fid
    s["label"] = {"outcome": "success", "culprit": None, "step": None, "modes": [], "why": fail_label.get("ok_why", "All steps consistent with the task and tool evidence.")}
    f["label"].pop("ok_why", None)
    for r in (f, s):
        r2 = {k: r[k] for k in ["id", "twin_of", "task", "agents", "turns", "final_answer", "label"]}
        write(r2)
