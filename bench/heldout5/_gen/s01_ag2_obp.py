from common import make_pair, turn, term, clip

RID = "h5-01-ag2-obp"
META = {
    "id": RID,
    "framework": "AG2 group chat",
    "shape": "AG2 group chat: BaseballStats_Expert, Python_Expert, Verification_Expert, Computer_terminal",
    "domain": "sports statistics (baseball OBP)",
    "culprit_role": "worker",
    "reported_by": "Verification_Expert",
    "expect_fail": ".361",
    "expect_ok": ".357",
}

TASK = ("The attached file hollis_2023_batting.csv is a game-by-game batting log for Riverton Otters "
        "catcher Dana Hollis. What was her on-base percentage for the 2023 regular season only "
        "(postseason games are in the same file)? Give it to three decimal places in the usual "
        "baseball format, e.g. .345.")

AGENTS = {
    "BaseballStats_Expert": "You are an expert in baseball statistics and official scoring rules. Lay out the method, define every formula precisely, and make sure the team's number follows the official MLB definitions.",
    "Python_Expert": "You write Python (pandas is available) to load the data and compute the requested statistics. Put code in a single ```python block so Computer_terminal can run it, and explain briefly what it does.",
    "Verification_Expert": "You check the method and the numbers against the task and the data before anything is reported. When the result is verified, state the final answer and reply TERMINATE.",
    "Computer_terminal": "Executes code blocks posted by the other participants and returns the exit code and output. Does not write code or give opinions.",
}

MANAGER_INPUT = f"""You are given: (1) a task and suggestions from a manager for solving the task, (2) a general task description.

# Task and suggestions from manager
## Task description
{TASK}

## Plan for solving the task
1. Load the CSV and confirm the column names and how postseason games are marked.
2. Keep only regular-season games.
3. Compute OBP using the official definition.
4. Verify the number before reporting it.

## Output format
A single value in .xxx format.

## Constraints and conditions for completion
- Only regular-season games count.
- Use the official OBP formula; do not substitute batting average or a simplified version."""

T0_OUT = """Let me pin down the definition first so we all compute the same thing.

**On-base percentage (official, Rule 9.21(e)):**

$$OBP = \\frac{H + BB + HBP}{AB + BB + HBP + SF}$$

Notes that matter for a game log like this:
- **BB includes intentional walks.** If the file has an `IBB` column, it is a *subset* of `BB`, do not add it again.
- **Sacrifice flies (SF) are in the denominator**; sacrifice bunts (SH) are **not** in either part.
- Reaching on a fielding misplay, a fielder's choice or catcher's interference does **not** count as times on base.

Plan:
1. @Python_Expert please load the CSV, print the columns, the distinct values of whatever column marks regular season vs postseason, and the summed counting stats per season type.
2. Then compute OBP on the regular-season rows only with the formula above.
3. @Verification_Expert to check the components against the totals before we report."""

T1_OUT = """Sure, first a quick look at the structure and the per-split totals.

```python
import pandas as pd

df = pd.read_csv("hollis_2023_batting.csv")
print(df.shape)
print(df.columns.tolist())
print(df["season_type"].value_counts())
print(df.head(5).to_string(index=False))

cols = ["PA", "AB", "H", "BB", "IBB", "HBP", "SF", "SH"]
print(df.groupby("season_type")[cols].sum())
```"""

T2_OUT = term("""(138, 17)
['date', 'opp', 'season_type', 'G', 'PA', 'AB', 'R', 'H', '2B', '3B', 'HR', 'RBI', 'BB', 'IBB', 'HBP', 'SF', 'SH']
REG     131
POST      7
Name: season_type, dtype: int64
      date  opp season_type  G  PA  AB  R  H  2B  3B  HR  RBI  BB  IBB  HBP  SF  SH
2023-04-01  GVL         REG  1   4   4  0  1   0   0   0    0   0    0    0   0   0
2023-04-02  GVL         REG  1   4   3  1  1   1   0   0    1   1    0    0   0   0
2023-04-04 @SCR         REG  1   5   4  0  2   0   0   0    1   0    0    1   0   0
2023-04-05 @SCR         REG  1   3   3  0  0   0   0   0    0   0    0    0   0   0
2023-04-06 @SCR         REG  1   4   3  1  1   0   0   1    2   0    0    0   1   0
              PA   AB    H  BB  IBB  HBP  SF  SH
season_type
POST          35   31    8   3    0    0   1   0
REG          534  468  131  52    4    7   5   2
""")

PREFIX = [
    turn("BaseballStats_Expert", MANAGER_INPUT, T0_OUT),
    turn("Python_Expert", "BaseballStats_Expert: " + clip(T0_OUT, 600), T1_OUT),
    turn("Computer_terminal", T1_OUT, T2_OUT),
]

# ---------------- failing continuation ----------------
F3 = """The data is clean: 131 regular-season games and 7 postseason games, marked in `season_type`. PA for REG reconciles too (468 + 52 + 7 + 5 + 2 = 534).

Now the regular-season OBP using OBP = (H + BB + HBP) / (AB + BB + HBP + SF):

```python
import pandas as pd

df = pd.read_csv("hollis_2023_batting.csv")
reg = df[df["season_type"] == "REG"]

on_base = reg["H"].sum() + reg["BB"].sum() + reg["HBP"].sum()
opportunities = reg["AB"].sum() + reg["BB"].sum() + reg["HBP"].sum()

obp = on_base / opportunities
print(f"Times on base: {on_base}")
print(f"Denominator:   {opportunities}")
print(f"OBP (raw):     {obp:.5f}")
print("OBP:", f"{obp:.3f}".lstrip("0"))
```"""

F4 = term("""Times on base: 190
Denominator:   527
OBP (raw):     0.36053
OBP: .361
""")

F5 = """Verification of the regular-season OBP:

| Check | Result |
|---|---|
| Only `season_type == "REG"` rows used | ✅ 131 games |
| Numerator H + BB + HBP = 131 + 52 + 7 | ✅ 190 |
| IBB not double-counted (already inside BB) | ✅ |
| Postseason line (31 AB, 8 H) excluded | ✅ |
| Denominator from the script | 527 |
| Rounding 0.36053 → three decimals | ✅ .361 |

The computation follows the formula BaseballStats_Expert specified and uses only regular-season games, so I'm satisfied with the result.

**Final answer: .361**

TERMINATE"""

FAIL_REST = [
    turn("Python_Expert", "Computer_terminal: " + clip(T2_OUT, 900), F3),
    turn("Computer_terminal", F3, F4),
    turn("Verification_Expert", "Computer_terminal: " + F4, F5),
]

# ---------------- clean continuation ----------------
O3 = """Good, the file is tidy: `season_type` is either `REG` (131 games) or `POST` (7 games), and the REG plate appearances reconcile (468 AB + 52 BB + 7 HBP + 5 SF + 2 SH = 534 PA).

Regular-season OBP with the official formula (H + BB + HBP) / (AB + BB + HBP + SF):

```python
import pandas as pd

df = pd.read_csv("hollis_2023_batting.csv")
reg = df[df["season_type"] == "REG"]

on_base = reg["H"].sum() + reg["BB"].sum() + reg["HBP"].sum()
opportunities = reg["AB"].sum() + reg["BB"].sum() + reg["HBP"].sum() + reg["SF"].sum()

obp = on_base / opportunities
print(f"Times on base: {on_base}")
print(f"Denominator:   {opportunities}")
print(f"OBP (raw):     {obp:.5f}")
print("OBP:", f"{obp:.3f}".lstrip("0"))
```"""

O4 = term("""Times on base: 190
Denominator:   532
OBP (raw):     0.35714
OBP: .357
""")

O5 = """Before I sign off I'd like to rule out the two usual ways this number goes wrong, because they land very close to each other:

1. accidentally including postseason rows, and
2. putting sacrifice bunts (SH) in the denominator (some scripts use PA − IBB or plain PA).

@Python_Expert could you print OBP for (a) REG only, official formula, (b) all 138 games, (c) REG with SH added to the denominator? If (a) is still .357 we're done."""

O6 = """Sure, side by side:

```python
import pandas as pd

df = pd.read_csv("hollis_2023_batting.csv")

def obp(frame, include_sh=False):
    num = frame["H"].sum() + frame["BB"].sum() + frame["HBP"].sum()
    den = frame["AB"].sum() + frame["BB"].sum() + frame["HBP"].sum() + frame["SF"].sum()
    if include_sh:
        den += frame["SH"].sum()
    return num, den, num / den

reg = df[df["season_type"] == "REG"]
for label, frame, sh in [("(a) REG official", reg, False),
                         ("(b) all games", df, False),
                         ("(c) REG + SH in denom", reg, True)]:
    n, d, v = obp(frame, sh)
    print(f"{label:<22} {n}/{d} = {v:.5f}")
```"""

O7 = term("""(a) REG official       190/532 = 0.35714
(b) all games          201/567 = 0.35450
(c) REG + SH in denom  190/534 = 0.35581
""")

O8 = """Thanks, that settles it.

- (a) 190 / 532 = 0.35714 is the official regular-season figure. Components check out against the split totals: H 131, BB 52 (the 4 IBB are already inside it), HBP 7, AB 468, SF 5.
- (b) .355 would only be right if the 7 postseason games were meant to be included; the task says regular season only.
- (c) .356 is the sacrifice-bunt mistake; SH are not part of OBP.

**Final answer: .357**

TERMINATE"""

OK_REST = [
    turn("Python_Expert", "Computer_terminal: " + clip(T2_OUT, 900), O3),
    turn("Computer_terminal", O3, O4),
    turn("Verification_Expert", "Computer_terminal: " + O4, O5),
    turn("Python_Expert", "Verification_Expert: " + O5, O6),
    turn("Computer_terminal", O6, O7),
    turn("Verification_Expert", "Computer_terminal: " + O7, O8),
]

WHY_FAIL = ("Python_Expert announces 'OBP = (H + BB + HBP) / (AB + BB + HBP + SF)' but its code sets "
            "'opportunities = reg[\"AB\"].sum() + reg[\"BB\"].sum() + reg[\"HBP\"].sum()', leaving out the 5 "
            "sacrifice flies shown in the REG totals ('SF ... 5'). The terminal prints 'Denominator: 527' instead of "
            "468+52+7+5 = 532, so OBP comes out 190/527 = .361 instead of 190/532 = .357. Verification_Expert ticks "
            "the numerator but never checks the denominator ('Denominator from the script | 527') and reports "
            "'Final answer: .361'.")
WHY_OK = ("Regular-season totals from the terminal are H 131, BB 52, HBP 7, AB 468, SF 5; the code uses all four "
          "denominator terms, giving 190/532 = 0.35714 -> .357. The verifier's side-by-side run shows the similar "
          "values .355 (all games) and .356 (SH in denominator) only to rule them out; .357 is correct.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     "Dana Hollis's 2023 regular-season on-base percentage: .361",
                     "Dana Hollis's 2023 regular-season on-base percentage: .357",
                     "Python_Expert", ["FM-2.6", "FM-3.2"], WHY_FAIL, WHY_OK)
