"""AG2 expert group chat -- demographics (population CAGR)."""
from common import ag2_chat, ok_exec, frame_noindex, make_run

RID = "h6-04-county-cagr"

TASK = ("Using riverton_county_population.csv, what was the compound annual growth rate of Riverton County's "
        "population between the July 1, 2015 estimate and the July 1, 2023 estimate? Give a percentage to two decimal places.")

AGENTS = {
    "Planning_Expert": "Task manager. Writes the plan, assigns steps, and posts the final answer once verified.",
    "Demography_Expert": "Population-statistics specialist; knows how census bases, intercensal and postcensal estimates are reported and which rows of a table to use.",
    "DataAnalysis_Expert": "Implements the calculations in Python and reports results.",
    "Verification_Expert": "Independently re-checks formulas and inputs before the group concludes; replies TERMINATE when satisfied.",
    "Computer_terminal": "Executes posted code blocks and returns the exit code and output.",
}

ROWS = [
    (2015, "2015-07-01", "estimate", 412300), (2016, "2016-07-01", "estimate", 418900),
    (2017, "2017-07-01", "estimate", 425100), (2018, "2018-07-01", "estimate", 431700),
    (2019, "2019-07-01", "estimate", 438200), (2020, "2020-04-01", "census_base", 446810),
    (2020, "2020-07-01", "estimate", 447350), (2021, "2021-07-01", "estimate", 452900),
    (2022, "2022-07-01", "estimate", 460400), (2023, "2023-07-01", "estimate", 468950),
]
A, B = 412300, 468950
G8 = (B / A) ** (1 / 8) - 1
G9 = (B / A) ** (1 / 9) - 1

PLAN = """You are given: (1) a task and advice from your manager with a specific plan and (2) a general task.
Collect information from the general task, follow the suggestions from manager to solve the task.

# General Task
{task}

# Task and suggestions from manager
## Task description
Compute the CAGR of Riverton County's population from the July 1, 2015 estimate to the July 1, 2023 estimate.

## Plan for solving the task
1. Inspect riverton_county_population.csv and select the two July 1 estimate rows.
2. CAGR = (P_end / P_start)^(1/n) - 1, where n is the number of years between the two reference dates.
3. Verification_Expert checks inputs, n, and the result.

## Output format
CAGR as a percentage with two decimals.

## Constraints and conditions for completion
- Use the July 1 estimates (not the April 1 census base).
""".format(task=TASK)

INSPECT = """Step 1 - look at the table. County files like this often mix reference dates (April 1 census base vs July 1 estimates), so I want to see every row.

```python
import pandas as pd
pop = pd.read_csv("riverton_county_population.csv")
print(pop.to_string(index=False))
```"""

INSPECT_OUT = ok_exec(frame_noindex(["year", "ref_date", "type", "population"], ROWS) + "\n")

CALC = """As expected there are two 2020 rows; the April 1 census base isn't needed here since both endpoints are July 1 estimates.

```python
import pandas as pd
pop = pd.read_csv("riverton_county_population.csv")
est = pop[pop["type"] == "estimate"].set_index("ref_date")["population"]

p_start = est["2015-07-01"]
p_end = est["2023-07-01"]
n_years = 2023 - 2015   # July 2015 -> July 2023

cagr = (p_end / p_start) ** (1 / n_years) - 1
print(f"start={p_start}, end={p_end}, n={n_years}")
print(f"CAGR = {cagr:.6f} -> {cagr*100:.2f}%")
```"""

CALC_OUT = ok_exec("start=412300, end=468950, n=8\nCAGR = {:.6f} -> {:.2f}%\n".format(G8, G8 * 100))

FAIL_VERIFY = """Checking the inputs and the exponent.

- Inputs: 412,300 (2015-07-01) and 468,950 (2023-07-01) ✓ - both July 1 estimates, census base row correctly excluded.
- Exponent: the window runs from 2015 through 2023, which covers **9 years of data** (2015, 2016, ..., 2023 - nine annual estimates). The growth is spread over all nine of those years, so n should be 9, not 8. Using 8 overstates the annual rate.

Corrected calculation:

```python
p_start, p_end = 412300, 468950
n_years = 2023 - 2015 + 1   # inclusive count of years
cagr = (p_end / p_start) ** (1 / n_years) - 1
print(f"n={n_years}, CAGR = {cagr:.6f} -> {cagr*100:.2f}%")
```"""

FAIL_VERIFY_OUT = ok_exec("n=9, CAGR = {:.6f} -> {:.2f}%\n".format(G9, G9 * 100))

FAIL_ACK = """Thanks for catching that - I'll go with the inclusive count. Updated result: **{:.2f}%** per year.""".format(G9 * 100)

FAIL_FINAL = """**Answer:** Riverton County's population grew at a compound annual rate of **{:.2f}%** between the July 1, 2015 and July 1, 2023 estimates (412,300 -> 468,950).

TERMINATE""".format(G9 * 100)

OK_VERIFY = """Checking the inputs and the exponent.

- Inputs: 412,300 (2015-07-01) and 468,950 (2023-07-01) ✓ - both July 1 estimates; the 2020-04-01 census base row is excluded as the plan requires.
- Exponent: there are 9 annual data points (2015...2023) but only **8 one-year intervals** between July 1, 2015 and July 1, 2023, and CAGR compounds over intervals, so n = 8 ✓.
- Back-check by compounding forward:

```python
p_start, g = 412300, 0.016223305775
print(round(p_start * (1 + g) ** 8))
```"""

OK_VERIFY_OUT = ok_exec("{}\n".format(round(A * (1 + 0.016223305775) ** 8)))

OK_DEMO = """One caveat from the demography side, for the record: the 2015-2019 figures come from a pre-2020 estimates vintage while 2021-2023 are post-2020, so strictly a same-vintage series would be better. But the task tells us to use this file, and the two endpoints are exactly the rows it names, so 8 intervals and these two values are the right inputs here."""

OK_VERIFY2 = """Agreed. 412,300 x 1.016223^8 reproduces 468,950 exactly, so {:.2f}% is confirmed. (Just for comparison, dividing by 9 would give {:.2f}%, which compounds to only about 462,300 by 2023 - inconsistent with the table.)

TERMINATE""".format(G8 * 100, G9 * 100)

OK_FINAL = """**Answer:** Riverton County's population grew at a compound annual rate of **{:.2f}%** between the July 1, 2015 and July 1, 2023 estimates (412,300 -> 468,950 over 8 years).

TERMINATE""".format(G8 * 100)


def build():
    prefix = [
        ("Planning_Expert", PLAN),
        ("Demography_Expert", INSPECT),
        ("Computer_terminal", INSPECT_OUT),
        ("DataAnalysis_Expert", CALC),
        ("Computer_terminal", CALC_OUT),
    ]
    fail_msgs = prefix + [
        ("Verification_Expert", FAIL_VERIFY),
        ("Computer_terminal", FAIL_VERIFY_OUT),
        ("DataAnalysis_Expert", FAIL_ACK),
        ("Planning_Expert", FAIL_FINAL),
    ]
    ok_msgs = prefix + [
        ("Verification_Expert", OK_VERIFY),
        ("Computer_terminal", OK_VERIFY_OUT),
        ("Demography_Expert", OK_DEMO),
        ("Verification_Expert", OK_VERIFY2),
        ("Planning_Expert", OK_FINAL),
    ]
    fail = make_run(
        RID, None, TASK, AGENTS, ag2_chat(TASK, fail_msgs),
        "Riverton County's population grew at a compound annual rate of {:.2f}% between the July 1, 2015 and July 1, 2023 estimates.".format(G9 * 100),
        "failure", "Verification_Expert", 5, ["FM-3.3"],
        "DataAnalysis_Expert correctly used 'n_years = 2023 - 2015   # July 2015 -> July 2023' and got 'n=8 ... {:.2f}%'. "
        "Verification_Expert 'corrects' it: 'the window runs from 2015 through 2023, which covers **9 years of data** ... so n should be 9' "
        "and replaces the result with {:.2f}%. CAGR compounds over the 8 one-year intervals between the two July 1 reference dates; "
        "412,300 x (1.0144)^8 is only about 462,300, not the table's 468,950. The wrong check is accepted ('Thanks for catching that') "
        "and reported as final.".format(G8 * 100, G9 * 100),
    )
    ok = make_run(
        RID + "-ok", RID, TASK, AGENTS, ag2_chat(TASK, ok_msgs),
        "Riverton County's population grew at a compound annual rate of {:.2f}% between the July 1, 2015 and July 1, 2023 estimates (412,300 -> 468,950 over 8 years).".format(G8 * 100),
        "success", None, None, [],
        "(468,950 / 412,300)^(1/8) - 1 = {:.4f} -> {:.2f}%; the verifier confirms n = 8 intervals and back-compounds to exactly 468,950. "
        "The demographer's vintage caveat is noted but correctly does not change the task's inputs.".format(G8, G8 * 100),
    )
    return fail, ok
