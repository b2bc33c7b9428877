"""AG2 expert group chat -- sports statistics (medal table ranking)."""
from common import ag2_chat, ok_exec, frame, frame_noindex, make_run

RID = "h6-01-medal-table"

TASK = ("Using the attached medals_beijing2022.csv, which NOC finished 4th in the final medal table of the "
        "2022 Winter Olympics, and how many medals in total did it win? Rank the way the IOC's official table "
        "does: most golds first, ties broken by silvers, then bronzes.")

AGENTS = {
    "Planning_Expert": "Task manager for the group chat. Restates the task with a step-by-step plan and completion criteria, and posts the final answer once the group agrees.",
    "SportsStatistics_Expert": "Knows sports record-keeping conventions (medal tables, standings, tie-breaks) and helps interpret the data files; may post Python code.",
    "DataAnalysis_Expert": "Writes pandas code to load and analyse the provided files and reports the numbers the code produces.",
    "Verification_Expert": "Independently checks results against the task requirements and the data before the group concludes; says TERMINATE only when satisfied.",
    "Computer_terminal": "Executes the code blocks posted by the experts and returns the exit code and console output.",
}

# NOC, Name, G, S, B  (file is sorted alphabetically by NOC code)
DATA = [
    ("AUT", "Austria", 7, 7, 4), ("CAN", "Canada", 4, 8, 14), ("CHN", "China", 9, 4, 2),
    ("FIN", "Finland", 2, 2, 4), ("FRA", "France", 5, 7, 2), ("GBR", "Great Britain", 1, 1, 0),
    ("GER", "Germany", 12, 10, 5), ("ITA", "Italy", 2, 7, 8), ("JPN", "Japan", 3, 6, 9),
    ("KOR", "Republic of Korea", 2, 5, 2), ("NED", "Netherlands", 8, 5, 4), ("NOR", "Norway", 16, 8, 13),
    ("ROC", "ROC", 6, 12, 14), ("SLO", "Slovenia", 2, 3, 2), ("SUI", "Switzerland", 7, 2, 5),
    ("SWE", "Sweden", 8, 5, 5), ("USA", "United States", 8, 10, 7),
]
ROWS = [(n, nm, g, s, b, g + s + b) for (n, nm, g, s, b) in DATA]
COLS = ["NOC", "Name", "Gold", "Silver", "Bronze", "Total"]


def _ranked(key):
    # stable sort, like pandas' default for these keys (no full ties in this data)
    return sorted(ROWS, key=key)


BY_TOTAL = _ranked(lambda r: (-r[5], -r[2]))
BY_GOLD = _ranked(lambda r: (-r[2], -r[3], -r[4]))

PLAN = """You are given: (1) a task and advice from your manager with a specific plan and (2) a general task.
Collect information from the general task, follow the suggestions from manager to solve the task.

# General Task
{task} Please solve the problem carefully.

# Task and suggestions from manager
## Task description
Determine which NOC is 4th in the Beijing 2022 medal table using medals_beijing2022.csv and report that NOC's total medal count.

## Plan for solving the task
1. Load medals_beijing2022.csv and inspect the columns and encodings.
2. Rank NOCs by Gold (descending), then Silver (descending), then Bronze (descending).
3. Identify the NOC in 4th place and read its Total.
4. Verification_Expert confirms the ordering and the total.

## Output format
- NOC name
- Total medals (with the G/S/B breakdown)

## Constraints and conditions for completion
- Use only the provided file.
- The ordering must follow the gold-first convention stated in the task; Total is reported, not used to order.
""".format(task=TASK)

INSPECT = """Before ranking anything, let's confirm what the file actually contains: column names, whether `Total` is precomputed, and how the Russian team is encoded (it competed as "ROC" in 2022).

```python
import pandas as pd

df = pd.read_csv("medals_beijing2022.csv")
print(df.shape)
print(df.dtypes.to_dict())
print(df.to_string(index=False))
```"""

INSPECT_OUT = ok_exec("(17, 6)\n{'NOC': dtype('O'), 'Name': dtype('O'), 'Gold': dtype('int64'), 'Silver': dtype('int64'), 'Bronze': dtype('int64'), 'Total': dtype('int64')}\n"
                      + frame_noindex(COLS, ROWS) + "\n")

INSPECT_NOTE = None  # (not used)

FAIL_RANK = """The file is clean: 17 NOCs, integer medal columns, and `Total` is already present (it matches G+S+B on the rows I eyeballed). ROC is a single row, so no merging needed.

For the standings I'll order by total medal count, which is how the medal table is usually read in coverage of the Games, and break ties on golds. Then take row 4.

```python
import pandas as pd

df = pd.read_csv("medals_beijing2022.csv")
ranked = df.sort_values(["Total", "Gold"], ascending=[False, False]).reset_index(drop=True)
ranked.index = ranked.index + 1
print(ranked.head(8).to_string())

fourth = ranked.loc[4]
print(f"\\n4th place: {fourth['Name']} ({fourth['NOC']}) with {fourth['Total']} medals "
      f"({fourth['Gold']}G/{fourth['Silver']}S/{fourth['Bronze']}B)")
```"""


def _rank_out(rows):
    top = rows[:8]
    f = rows[3]
    return ok_exec(frame(COLS, top, index=range(1, 9)) + "\n\n4th place: {} ({}) with {} medals ({}G/{}S/{}B)\n".format(
        f[1], f[0], f[5], f[2], f[3], f[4]))


FAIL_VERIFY = """Verification:

- Canada's raw row is G=4, S=8, B=14 -> 4 + 8 + 14 = 26, consistent with the `Total` column.
- Rows above it also reconcile: Norway 16+8+13 = 37, ROC 6+12+14 = 32, Germany 12+10+5 = 27.
- No duplicated NOCs in the file (17 unique codes, 17 rows), so nothing is double counted.

The ordering in the output is consistent and the 4th row is Canada with 26 medals. I'm satisfied with this result.

TERMINATE"""

FAIL_FINAL = """**Final answer:** Canada (CAN) finished 4th in the Beijing 2022 medal table, with **26 medals** in total (4 gold, 8 silver, 14 bronze).

TERMINATE"""

OK_RANK = """File looks good: 17 rows, integer medal columns, `Total` already present. Per step 2 of the plan I'll sort by Gold, then Silver, then Bronze (all descending). Several NOCs sit on 8 golds, so the silver tie-break is going to matter around 4th place.

```python
import pandas as pd

df = pd.read_csv("medals_beijing2022.csv")
ranked = (df.sort_values(["Gold", "Silver", "Bronze"], ascending=[False, False, False])
            .reset_index(drop=True))
ranked.index = ranked.index + 1
print(ranked.head(8).to_string())

fourth = ranked.loc[4]
print(f"\\n4th place: {fourth['Name']} ({fourth['NOC']}) with {fourth['Total']} medals "
      f"({fourth['Gold']}G/{fourth['Silver']}S/{fourth['Bronze']}B)")
```"""

OK_VERIFY_CODE = """Let me check the tie block independently rather than trusting the sort output, and also confirm the `Total` column is consistent everywhere.

```python
import pandas as pd

df = pd.read_csv("medals_beijing2022.csv")
print("Total column consistent:", bool((df.Gold + df.Silver + df.Bronze == df.Total).all()))
print("NOCs with more golds than 8:", df.loc[df.Gold > 8, "NOC"].tolist())
print(df[df.Gold == 8].sort_values(["Silver", "Bronze"], ascending=False).to_string(index=False))
```"""

TIE = sorted([r for r in ROWS if r[2] == 8], key=lambda r: (-r[3], -r[4]))
ABOVE = [r[0] for r in ROWS if r[2] > 8]

OK_VERIFY_OUT = ok_exec("Total column consistent: True\nNOCs with more golds than 8: " + str(ABOVE) + "\n"
                        + frame_noindex(COLS, TIE) + "\n")

OK_VERIFY_MSG = """Checks out:

- Exactly three NOCs have more than 8 golds (China 9, Germany 12, Norway 16), so 4th place is the best of the 8-gold group.
- Within that group the silver tie-break decides it: United States 10 silvers vs Sweden 5 and Netherlands 5. (Sweden then edges the Netherlands on bronze, 5 vs 4, for 5th/6th.)
- USA total: 8 + 10 + 7 = 25, matches the file.

Side note so nobody trips over it later: if you ordered by total medals instead, ROC (32) and Canada (26) would jump into the top four, but the task explicitly asks for the gold-first IOC ordering, so that view is irrelevant here.

Confirmed: United States, 25 medals.

TERMINATE"""

OK_FINAL = """**Final answer:** The United States (USA) finished 4th in the Beijing 2022 medal table (gold-first ordering), with **25 medals** in total (8 gold, 10 silver, 7 bronze).

TERMINATE"""


def build():
    prefix = [
        ("Planning_Expert", PLAN),
        ("SportsStatistics_Expert", INSPECT),
        ("Computer_terminal", INSPECT_OUT),
    ]
    fail_msgs = prefix + [
        ("DataAnalysis_Expert", FAIL_RANK),
        ("Computer_terminal", _rank_out(BY_TOTAL)),
        ("Verification_Expert", FAIL_VERIFY),
        ("Planning_Expert", FAIL_FINAL),
    ]
    ok_msgs = prefix + [
        ("DataAnalysis_Expert", OK_RANK),
        ("Computer_terminal", _rank_out(BY_GOLD)),
        ("Verification_Expert", OK_VERIFY_CODE),
        ("Computer_terminal", OK_VERIFY_OUT),
        ("Verification_Expert", OK_VERIFY_MSG),
        ("Planning_Expert", OK_FINAL),
    ]
    assert BY_TOTAL[3][0] == "CAN" and BY_GOLD[3][0] == "USA"
    fail = make_run(
        RID, None, TASK, AGENTS, ag2_chat(TASK, fail_msgs),
        "Canada (CAN) finished 4th in the Beijing 2022 medal table, with 26 medals in total (4 gold, 8 silver, 14 bronze).",
        "failure", "DataAnalysis_Expert", 3, ["FM-1.1", "FM-3.2"],
        "The task says to 'Rank the way the IOC's official table does: most golds first, ties broken by silvers, then bronzes' "
        "(repeated in the plan: 'The ordering must follow the gold-first convention ... Total is reported, not used to order'), "
        "but DataAnalysis_Expert writes 'I'll order by total medal count ... and break ties on golds' and sorts on "
        "[\"Total\", \"Gold\"], which puts Canada (4-8-14, 26) 4th. Under the required gold-first order the file gives "
        "Norway 16, Germany 12, China 9, then the United States (8-10-7 = 25) ahead of Sweden and the Netherlands (8 golds, 5 silvers). "
        "Verification_Expert only re-adds the G+S+B totals ('The ordering in the output is consistent') and never checks the sort "
        "key against the task, so the wrong answer 'Canada ... 26 medals' is delivered.",
    )
    ok = make_run(
        RID + "-ok", RID, TASK, AGENTS, ag2_chat(TASK, ok_msgs),
        "The United States (USA) finished 4th in the Beijing 2022 medal table (gold-first ordering), with 25 medals in total (8 gold, 10 silver, 7 bronze).",
        "success", None, None, [],
        "Ranking by Gold, Silver, Bronze as the task requires gives Norway (16 G), Germany (12), China (9), then the 8-gold group "
        "where the United States' 10 silvers beat Sweden's and the Netherlands' 5; USA total 8+10+7 = 25. The verifier re-derives the "
        "tie block with its own code and explicitly notes that the total-medal ordering (Canada 4th) is not what was asked.",
    )
    return fail, ok
