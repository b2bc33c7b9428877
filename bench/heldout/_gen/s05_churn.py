from common import *
import math
TASK = ("Using subscriptions.csv, compute the monthly churn rate for Jan–Jun 2024 for the 'annual' and 'monthly' plan cohorts, "
        "and test whether the difference in churn between the two cohorts is statistically significant (report the test used and the p-value).")
AGENTS = {
 "Planner": "Break the analysis into steps, tell Coder what to write, check Executor output against every part of the task, and reply TERMINATE with a final summary only when all parts are answered.",
 "Coder": "Write Python (pandas/scipy) for the step the Planner requests. Reply with a single ```python code block and nothing else.",
 "Executor": "Execute the code block from the previous message in the shared Jupyter kernel (state persists between blocks) and return exitcode and stdout verbatim.",
}
A = [(1840,22),(1862,25),(1871,19),(1890,27),(1904,21),(1915,24)]
M = [(3120,187),(3075,171),(3010,196),(2968,178),(2941,183),(2905,169)]
months = ["2024-01","2024-02","2024-03","2024-04","2024-05","2024-06"]
rows = ["plan     month    active_start  churned  churn_rate"]
for name, data in (("annual",A),("monthly",M)):
    for m,(n,c) in zip(months,data):
        rows.append(f"{name:<8} {m}  {n:>12}  {c:>7}  {c/n:>10.4f}")
table = "\n".join(rows)
def pooled(d): return sum(c for n,c in d), sum(n for n,c in d)
ca,na = pooled(A); cm,nm = pooled(M)
# chi-square 2x2 without continuity correction
obs = [[ca, na-ca],[cm, nm-cm]]; N = na+nm
chi2 = 0
for i,rt in enumerate((na,nm)):
    for j,ct in enumerate((ca+cm, N-ca-cm)):
        e = rt*ct/N; chi2 += (obs[i][j]-e)**2/e
p = math.erfc(math.sqrt(chi2/2))
ra, rm = ca/na, cm/nm
meanA = sum(c/n for n,c in A)/6; meanM = sum(c/n for n,c in M)/6
CODE1 = """```python
import pandas as pd

df = pd.read_csv("subscriptions.csv", parse_dates=["start_date", "end_date"])
months = pd.period_range("2024-01", "2024-06", freq="M")
rows = []
for plan, g in df.groupby("plan"):
    for m in months:
        start, end = m.start_time, m.end_time
        active = g[(g.start_date < start) & (g.end_date.isna() | (g.end_date >= start))]
        churned = active[active.end_date.between(start, end)]
        rows.append({"plan": plan, "month": str(m), "active_start": len(active),
                     "churned": len(churned), "churn_rate": len(churned) / len(active)})
out = pd.DataFrame(rows)
pd.set_option("display.float_format", "{:.4f}".format)
print(out.to_string(index=False))
```"""
PLAN0 = ("Plan:\n1. Coder: from subscriptions.csv, for each plan (annual, monthly) and each month Jan–Jun 2024, count subscribers active at the start of the month and how many churned (end_date inside the month); churn_rate = churned / active_start. Print the table.\n"
         "2. Coder: test whether churn differs between cohorts — chi-square test of independence on pooled churned vs retained subscriber-months (Jan–Jun), no continuity correction; print statistic, p-value and pooled rates.\n"
         "3. Planner: summarize both parts.\n\nCoder, start with step 1.")
def build(fail):
    turns = [T("Planner", TASK, PLAN0),
             T("Coder", PLAN0, CODE1),
             T("Executor", CODE1, f"exitcode: 0 (execution succeeded)\nCode output:\n{table}", [tool("run_python", {"code_block":1}, {"exitcode":0,"stdout":table})])]
    exec1 = turns[-1]["output"]
    if fail:
        fin = (f"Monthly churn, Jan–Jun 2024:\n\n| Month | Annual | Monthly |\n|---|---|---|\n" +
               "\n".join(f"| {m} | {a[1]/a[0]:.2%} | {b[1]/b[0]:.2%} |" for m,a,b in zip(months,A,M)) +
               f"\n\nAverage monthly churn is **{meanA:.2%}** for annual-plan subscribers vs **{meanM:.2%}** for monthly-plan subscribers — roughly {meanM/meanA:.1f}× higher on the monthly plan, and the gap is consistent in every month (monthly ranges {min(c/n for n,c in M):.2%}–{max(c/n for n,c in M):.2%}, annual {min(c/n for n,c in A):.2%}–{max(c/n for n,c in A):.2%}). "
               "The monthly cohort is clearly the churn driver; retention efforts should focus there.\n\nTERMINATE")
        turns.append(T("Planner", exec1, fin))
    else:
        turns.append(T("Planner", exec1, "Step 1 output looks right (12 rows, rates = churned/active_start). Coder, proceed with step 2: chi-square test on pooled Jan–Jun counts per plan (churned vs retained), correction=False. Print chi2, dof, p-value and pooled churn rates."))
        CODE2 = """```python
from scipy.stats import chi2_contingency

pooled = out.groupby("plan")[["active_start", "churned"]].sum()
pooled["retained"] = pooled.active_start - pooled.churned
chi2, p, dof, _ = chi2_contingency(pooled[["churned", "retained"]].values, correction=False)
print(pooled)
print("pooled churn:", (pooled.churned / pooled.active_start).round(4).to_dict())
print(f"chi2={chi2:.2f} dof={dof} p={p:.3e}")
```"""
        turns.append(T("Coder", turns[-1]["output"], CODE2))
        pt = ("         active_start  churned  retained\nplan\n"
              f"annual          {na:>5}      {ca:>3}     {na-ca:>5}\nmonthly         {nm:>5}     {cm:>4}     {nm-cm:>5}\n"
              f"pooled churn: {{'annual': {ra:.4f}, 'monthly': {rm:.4f}}}\nchi2={chi2:.2f} dof=1 p={p:.3e}")
        turns.append(T("Executor", CODE2, f"exitcode: 0 (execution succeeded)\nCode output:\n{pt}", [tool("run_python", {"code_block":2}, {"exitcode":0,"stdout":pt})]))
        fin = (f"Monthly churn, Jan–Jun 2024:\n\n| Month | Annual | Monthly |\n|---|---|---|\n" +
               "\n".join(f"| {m} | {a[1]/a[0]:.2%} | {b[1]/b[0]:.2%} |" for m,a,b in zip(months,A,M)) +
               f"\n\nAverage monthly churn is **{meanA:.2%}** for annual-plan subscribers vs **{meanM:.2%}** for monthly-plan subscribers — roughly {meanM/meanA:.1f}× higher on the monthly plan, and the gap is consistent in every month.\n\n"
               f"**Significance:** chi-square test of independence on pooled Jan–Jun subscriber-months (churned vs retained, no continuity correction): "
               f"annual {ca}/{na} ({ra:.2%}) vs monthly {cm}/{nm} ({rm:.2%}), χ²({1}) = {chi2:.2f}, **p = {p:.1e}**. The difference is statistically significant by a wide margin.\n\nTERMINATE")
        turns.append(T("Planner", turns[-1]["output"], fin))
    return {"task": TASK, "agents": AGENTS, "turns": turns, "final_answer": turns[-1]["output"]}
pair("churn-premature-terminate", build, {"culprit":"Planner","step":3,"modes":["FM-3.1"],
  "why":"The task and the Planner's own plan require step 2 ('chi-square test ... print statistic, p-value'), but after only the step-1 churn table the Planner replied with a summary and 'TERMINATE'; no test or p-value is ever reported.",
  "ok_why":"Planner ran both steps: churn table and a chi-square test with statistic and p-value, then terminated with all parts answered."})
