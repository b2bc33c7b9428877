"""Validate every run file and the fail/ok shared-prefix contract."""
import json, glob, os, re
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
files = sorted(glob.glob(os.path.join(OUT, "*.json")))
runs = {}
for p in files:
    with open(p) as f:
        r = json.load(f)
    runs[r["id"]] = r
    assert set(r) == {"id", "twin_of", "task", "agents", "turns", "final_answer", "label"}, p
    assert 3 <= len(r["turns"]) <= 9, (p, len(r["turns"]))
    for i, t in enumerate(r["turns"]):
        assert t["agent"] in r["agents"], (p, i, t["agent"])
        assert isinstance(t["input"], str) and isinstance(t["output"], str)
        for tc in t.get("tools", []):
            assert set(tc) == {"name", "args", "result"} and isinstance(tc["args"], dict)
            json.loads(tc["result"])  # result must be a JSON string
    L = r["label"]
    assert set(L) == {"outcome", "culprit", "step", "modes", "why"}
    if L["outcome"] == "failure":
        assert r["twin_of"] is None and L["culprit"] in r["agents"]
        assert 0 <= L["step"] < len(r["turns"]) and r["turns"][L["step"]]["agent"] == L["culprit"]
        assert L["modes"] and all(re.fullmatch(r"FM-[123]\.\d", m) for m in L["modes"])
        blob = json.dumps(r["turns"]).lower() + r["final_answer"].lower()
        for bad in ["error", "exception", "traceback", "exitcode: 1", "failed", "status\": \"fail", "sorry, i could"]:
            assert bad not in blob, (p, bad)
    else:
        assert L["culprit"] is None and L["step"] is None and L["modes"] == []
fails = [r for r in runs.values() if r["label"]["outcome"] == "failure"]
assert len(fails) == 10 and len(runs) == 20
for fr in fails:
    ok = runs[fr["id"] + "-ok"]
    assert ok["twin_of"] == fr["id"]
    assert ok["task"] == fr["task"] and ok["agents"] == fr["agents"]
    s = fr["label"]["step"]
    for i in range(s):
        assert json.dumps(fr["turns"][i], sort_keys=True) == json.dumps(ok["turns"][i], sort_keys=True), (fr["id"], i)
    assert json.dumps(fr["turns"][s]) != json.dumps(ok["turns"][s]), fr["id"]
    assert ok["final_answer"] != fr["final_answer"]
    print(f"OK {fr['id']:22s} prefix {s} turns identical; fail={len(fr['turns'])} ok={len(ok['turns'])} turns")
print("all", len(runs), "files valid")
