import json
from common import T, run, tool

RID = "h7-08-coop-rcv-tally"
SHAPE = "smolagents (manager CodeAgent with a managed ballot_auditor ToolCallingAgent)"
DOMAIN = "cooperative board election (ranked-choice tabulation)"

TASK = ("Tabulate the ranked-choice vote for Board Chair of the Maple Street Housing Cooperative from ballots/chair_2024.csv. Per bylaws §4.3: "
        "drop duplicate ballots (same member_id — keep the earliest), then run instant-runoff: each round, if a candidate has a majority (more than half) "
        "of the continuing ballots they win; otherwise eliminate the last-place candidate and transfer each of their ballots to its next-ranked continuing "
        "candidate (ballots with no further choices are exhausted). Report the round-by-round counts and the winner.")

AGENTS = {
    "manager_agent": "CodeAgent. Solves the task by writing Python in steps (python_interpreter), can call the managed agent ballot_auditor, and ends with final_answer().",
    "ballot_auditor": "ToolCallingAgent. Validates ballot files: finds duplicate member_ids and malformed rows and returns the list of valid ballot row ids.",
}

def py(code, logs):
    return tool("python_interpreter", {"code": code}, "Execution logs:\n" + logs)

c0 = '''import csv
rows = list(csv.DictReader(open("ballots/chair_2024.csv")))
print(len(rows), rows[0].keys())
report = ballot_auditor(task="Validate ballots/chair_2024.csv per bylaws 4.3: duplicates by member_id, keep earliest timestamp. Return valid row ids.")
print(report)'''

t0 = T("manager_agent", "Step 1", "Thought: Load the ballots and have the auditor remove duplicates before counting.\n\nCode:\n```py\n" + c0 + "\n```",
       [py(c0, "123 dict_keys(['row_id', 'member_id', 'timestamp', 'rank1', 'rank2', 'rank3', 'rank4'])\n"
               "[ballot_auditor] 3 duplicate member_ids (M-0412, M-0877, M-1033); kept earliest of each. 0 malformed rows. valid_row_ids: 120 ids returned.\n")])

dup_res = json.dumps({"total_rows": 123, "duplicates": [
    {"member_id": "M-0412", "rows": [17, 98], "kept": 17}, {"member_id": "M-0877", "rows": [44, 45], "kept": 44}, {"member_id": "M-1033", "rows": [60, 121], "kept": 60}],
    "malformed": [], "valid_count": 120}, indent=2)

t1 = T("ballot_auditor", "Validate ballots/chair_2024.csv per bylaws 4.3: duplicates by member_id, keep earliest timestamp. Return valid row ids.",
       "Validation complete: 123 rows, 3 duplicate member_ids (M-0412 rows 17/98, M-0877 rows 44/45, M-1033 rows 60/121). Kept the earliest of each. "
       "No malformed rows. **120 valid ballots.** valid_row_ids attached.",
       [tool("find_duplicates", {"path": "ballots/chair_2024.csv", "key": "member_id", "keep": "earliest"}, dup_res)])

c2 = '''from collections import Counter
valid = set(report.valid_row_ids)
ballots = [[r[k] for k in ("rank1","rank2","rank3","rank4") if r[k]] for r in rows if int(r["row_id"]) in valid]
continuing = {"Alvarez", "Brennan", "Choi", "Duarte"}
def top(b):
    for c in b:
        if c in continuing:
            return c
    return None
counts = Counter(top(b) for b in ballots)
print(len(ballots), dict(counts))'''

t2 = T("manager_agent", "Step 2", "Thought: Round 1 first-choice tally over the 120 valid ballots.\n\nCode:\n```py\n" + c2 + "\n```",
       [py(c2, "120 {'Alvarez': 44, 'Brennan': 33, 'Choi': 25, 'Duarte': 18}\n")])

c3 = '''# Round 1: no majority (44 <= 60). Eliminate Duarte and transfer.
elim = "Duarte"
pile = [b for b in ballots if top(b) == elim]
continuing.discard(elim)
transfers = Counter(top(b) for b in pile)
print("transfers:", dict(transfers))
for c, n in transfers.items():
    if c is not None:
        counts[c] += n
del counts[elim]
print("round 2:", dict(counts), "total", sum(counts.values()))'''

t3 = T("manager_agent", "Step 3", "Thought: Alvarez has 44 of 120, not a majority (needs > 60). Eliminate Duarte (18) and transfer.\n\nCode:\n```py\n" + c3 + "\n```",
       [py(c3, "transfers: {'Alvarez': 9, 'Brennan': 4, 'Choi': 5}\nround 2: {'Alvarez': 53, 'Brennan': 37, 'Choi': 30} total 120\n")])

c4_fail = '''for c, n in transfers.items():
    if c is not None:
        counts[c] += n
print("round 2:", dict(counts), "total", sum(counts.values()))
lead, lead_n = counts.most_common(1)[0]
print(lead, lead_n, lead_n > len(ballots) / 2)'''

t4_fail = T("manager_agent", "Step 4",
            "Thought: Let me re-apply the round-2 transfer and print the table cleanly together with the majority check, so the round-2 numbers are in one place.\n\nCode:\n```py\n" + c4_fail + "\n```",
            [py(c4_fail, "round 2: {'Alvarez': 62, 'Brennan': 41, 'Choi': 35} total 138\nAlvarez 62 True\n")])

c5_fail = 'final_answer("Winner: Alvarez. Round 1: Alvarez 44, Brennan 33, Choi 25, Duarte 18 (120 valid ballots). Duarte eliminated; Round 2: Alvarez 62, Brennan 41, Choi 35 - Alvarez has a majority.")'
t5_fail = T("manager_agent", "Step 5", "Thought: Alvarez has 62, which is more than half of 120. Done.\n\nCode:\n```py\n" + c5_fail + "\n```",
            [py(c5_fail, "Out - Final answer: Winner: Alvarez. Round 1: Alvarez 44, Brennan 33, Choi 25, Duarte 18 (120 valid ballots). Duarte eliminated; Round 2: Alvarez 62, Brennan 41, Choi 35 - Alvarez has a majority.\n")])

FINAL_FAIL = ("Winner: Alvarez. Round 1: Alvarez 44, Brennan 33, Choi 25, Duarte 18 (120 valid ballots). Duarte eliminated; "
              "Round 2: Alvarez 62, Brennan 41, Choi 35 - Alvarez has a majority.")

c4_ok = '''# Round 2: 53 of 120 continuing, still no majority (needs > 60). Eliminate Choi.
elim = "Choi"
pile = [b for b in ballots if top(b) == elim]
continuing.discard(elim)
transfers = Counter(top(b) for b in pile)
print("transfers:", dict(transfers))
exhausted = transfers.pop(None, 0)
for c, n in transfers.items():
    counts[c] += n
del counts[elim]
cont = sum(counts.values())
print("round 3:", dict(counts), "exhausted", exhausted, "continuing", cont)
lead, lead_n = counts.most_common(1)[0]
print(lead, lead_n, lead_n > cont / 2)'''

t4_ok = T("manager_agent", "Step 4",
          "Thought: Round 2 is Alvarez 53, Brennan 37, Choi 30 (total 120, consistent). No majority. Eliminate Choi and transfer, tracking exhausted ballots since the majority is of continuing ballots.\n\nCode:\n```py\n" + c4_ok + "\n```",
          [py(c4_ok, "transfers: {'Brennan': 22, 'Alvarez': 4, None: 4}\nround 3: {'Alvarez': 57, 'Brennan': 59} exhausted 4 continuing 116\nBrennan 59 True\n")])

c5_ok = '''assert 57 + 59 + 4 == 120
final_answer("Winner: Brennan. R1 (120 valid): Alvarez 44, Brennan 33, Choi 25, Duarte 18. Duarte out -> R2: Alvarez 53, Brennan 37, Choi 30. Choi out -> R3: Brennan 59, Alvarez 57, 4 exhausted; 59 > 116/2.")'''
t5_ok = T("manager_agent", "Step 5",
          "Thought: Brennan 59 of 116 continuing ballots is a majority (> 58). Totals reconcile: 57 + 59 + 4 exhausted = 120.\n\nCode:\n```py\n" + c5_ok + "\n```",
          [py(c5_ok, "Out - Final answer: Winner: Brennan. R1 (120 valid): Alvarez 44, Brennan 33, Choi 25, Duarte 18. Duarte out -> R2: Alvarez 53, Brennan 37, Choi 30. Choi out -> R3: Brennan 59, Alvarez 57, 4 exhausted; 59 > 116/2.\n")])

FINAL_OK = ("Winner: Brennan. R1 (120 valid): Alvarez 44, Brennan 33, Choi 25, Duarte 18. Duarte out -> R2: Alvarez 53, Brennan 37, Choi 30. "
            "Choi out -> R3: Brennan 59, Alvarez 57, 4 exhausted; 59 > 116/2.")


def build():
    pre = [t0, t1, t2, t3]
    fail = run(RID, None, TASK, AGENTS, pre + [t4_fail, t5_fail], FINAL_FAIL, "failure", "manager_agent", 4, ["FM-1.3"],
               "Step 3 already applied Duarte's transfers and printed 'round 2: {Alvarez: 53, Brennan: 37, Choi: 30} total 120'. In step 4 the manager "
               "'re-apply[s] the round-2 transfer', adding the same 9/4/5 again, producing 'round 2: {Alvarez: 62, Brennan: 41, Choi: 35} total 138' "
               "— more votes than the 120 valid ballots — and declares Alvarez the winner. Correct tabulation: Choi eliminated next, Brennan wins 59-57 with 4 exhausted.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, pre + [t4_ok, t5_ok], FINAL_OK, "success", None, None, [],
             "Each transfer applied once: R2 53/37/30 (=120), Choi eliminated, transfers Brennan 22, Alvarez 4, 4 exhausted -> 57/59, 59 > 116/2 per the "
             "'majority of the continuing ballots' rule. Totals reconcile.")
    return fail, ok, SHAPE, DOMAIN
