import json, glob, os, re, sys
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
files = sorted(glob.glob(os.path.join(OUT, "*.json")))
runs = {}
for p in files:
    with open(p, encoding="utf-8") as f:
        r = json.load(f)
    assert os.path.basename(p) == r["id"] + ".json", p
    runs[r["id"]] = r
KEYS = ["id", "twin_of", "task", "agents", "turns", "final_answer", "label"]
MODES = {f"FM-1.{i}" for i in range(1, 6)} | {f"FM-2.{i}" for i in range(1, 7)} | {f"FM-3.{i}" for i in range(1, 4)}
BAD = re.compile(r"Traceback|exitcode: [1-9]|Exception|\berror\b|\"status\": \"(failed|error)\"|I (was unable|could not|failed)", re.I)
nf = ns = 0
for rid, r in runs.items():
    assert list(r.keys()) == KEYS, rid
    assert 3 <= len(r["turns"]) <= 12, (rid, len(r["turns"]))
    for t in r["turns"]:
        assert t["agent"] in r["agents"], (rid, t["agent"])
        assert set(t) <= {"agent", "input", "output", "tools"}
        for tl in t.get("tools", []):
            assert isinstance(tl["args"], dict)
            json.loads(tl["result"]) if tl["result"][:1] in "{[" else None
    L = r["label"]
    if L["outcome"] == "failure":
        nf += 1
        assert r["twin_of"] is None
        assert L["culprit"] in r["agents"] and 0 <= L["step"] < len(r["turns"]), rid
        assert r["turns"][L["step"]]["agent"] == L["culprit"], rid
        assert L["modes"] and set(L["modes"]) <= MODES, rid
        m = BAD.search(json.dumps(r, ensure_ascii=False))
        assert not m, (rid, m.group(0))
        tw = runs[rid + "-ok"]
        assert tw["twin_of"] == rid
        assert tw["task"] == r["task"] and tw["agents"] == r["agents"], rid
        s = L["step"]
        a = json.dumps(r["turns"][:s], ensure_ascii=False, sort_keys=True)
        b = json.dumps(tw["turns"][:s], ensure_ascii=False, sort_keys=True)
        assert a == b, (rid, "prefix differs")
        assert r["turns"][s] != tw["turns"][s], (rid, "no divergence at culprit step")
        print(f"OK pair {rid}: shared prefix {s} turns, diverges at {s} ({len(r['turns'])} vs {len(tw['turns'])} turns)")
    else:
        ns += 1
        assert L["culprit"] is None and L["step"] is None and L["modes"] == [] and r["twin_of"] in runs
print(len(runs), "files;", nf, "failures;", ns, "clean")
allm = sorted({m for r in runs.values() for m in r["label"]["modes"]})
print("modes covered:", len(allm), allm)
