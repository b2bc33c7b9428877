"""Build all 20 JSON files from the generators and verify twin prefixes and format."""
import importlib, json, os, re, sys
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
MODS = sorted(f[:-3] for f in os.listdir(HERE) if re.match(r"g\d\d_.*\.py$", f))
MODES = {f"FM-1.{i}" for i in range(1, 6)} | {f"FM-2.{i}" for i in range(1, 7)} | {f"FM-3.{i}" for i in range(1, 4)}
BAD = re.compile(r"traceback|exception|exitcode: [1-9]|\berror\b|status\": \"fail|i (could not|couldn't|was unable)", re.I)
dump = lambda o: json.dumps(o, ensure_ascii=False, sort_keys=True)
problems, rows, modes_seen, domains = [], [], set(), []

def check_file(r):
    assert set(r) == {"id", "twin_of", "task", "agents", "turns", "final_answer", "label"}, r.keys()
    assert 3 <= len(r["turns"]) <= 10, (r["id"], len(r["turns"]))
    for t in r["turns"]:
        assert t["agent"] in r["agents"], (r["id"], t["agent"])
        assert set(t) <= {"agent", "input", "output", "tools"}
        for tl in t.get("tools", []):
            assert isinstance(tl["args"], dict)
            json.loads(tl["result"])
    L = r["label"]
    assert set(L) == {"outcome", "culprit", "step", "modes", "why"}
    assert all(m in MODES for m in L["modes"])

for m in MODS:
    mod = importlib.import_module(m)
    f, ok = mod.build(True), mod.build(False)
    for r in (f, ok):
        check_file(r)
        with open(os.path.join(OUT, r["id"] + ".json"), "w", encoding="utf-8") as fh:
            json.dump(r, fh, ensure_ascii=False, indent=2)
    L = f["label"]
    s = L["step"]
    assert f["twin_of"] is None and ok["twin_of"] == f["id"] and ok["id"] == f["id"] + "-ok"
    assert L["outcome"] == "failure" and L["modes"] and isinstance(s, int)
    assert ok["label"]["outcome"] == "success" and ok["label"]["culprit"] is None and ok["label"]["step"] is None and ok["label"]["modes"] == []
    assert 0 <= s < len(f["turns"]) and f["turns"][s]["agent"] == L["culprit"], (f["id"], s)
    assert f["task"] == ok["task"] and dump(f["agents"]) == dump(ok["agents"])
    assert [dump(t) for t in f["turns"][:s]] == [dump(t) for t in ok["turns"][:s]], f"prefix mismatch {f['id']}"
    assert dump(f["turns"][s]) != dump(ok["turns"][s]), f"no divergence at step {f['id']}"
    assert f["turns"][s]["agent"] == ok["turns"][s]["agent"]
    assert f["final_answer"] != ok["final_answer"]
    # failure runs must be content-only
    txt = dump(f["turns"]) + f["final_answer"]
    hit = BAD.search(txt)
    if hit:
        problems.append((f["id"], hit.group(0)))
    modes_seen |= set(L["modes"])
    rows.append((f["id"], m, "failure", L["culprit"], s, ",".join(L["modes"]), len(f["turns"])))
    rows.append((ok["id"], m, "success", "-", "-", "-", len(ok["turns"])))

# reload from disk
for fn in sorted(os.listdir(OUT)):
    if fn.endswith(".json"):
        json.load(open(os.path.join(OUT, fn), encoding="utf-8"))
for r in rows:
    print(" | ".join(map(str, r)))
print("modes covered:", len(modes_seen), sorted(MODES - modes_seen))
print("content-lint hits:", problems)
print("files:", len([x for x in os.listdir(OUT) if x.endswith(".json")]))
