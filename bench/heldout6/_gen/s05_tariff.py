"""AG2 expert group chat -- energy billing (time-of-use vs tiered tariff)."""
from common import ag2_chat, ok_exec, make_run

RID = "h6-05-electricity-bill"

TASK = ("Compute the electricity bill for account 40-7731-02 for the July-September 2024 quarter. The account record is "
        "in account_40773102.json and the utility's 2024 tariff sheet is tariffs_2024.json. Give the energy charge, fixed "
        "charges, tax and the total due.")

AGENTS = {
    "Planning_Expert": "Task manager. Lays out the billing steps, keeps the group on plan, and posts the final bill once verified.",
    "Energy_Expert": "Utility-tariff specialist. Reads account records and tariff sheets and determines which rate schedule and charges apply.",
    "DataAnalysis_Expert": "Writes the Python that computes the bill lines from the account data and the applicable tariff.",
    "Verification_Expert": "Checks the final bill against the account record, the tariff sheet and the team's earlier findings; replies TERMINATE when satisfied.",
    "Computer_terminal": "Executes posted code blocks and returns the exit code and output.",
}

ON, OFF = 420, 1380
E_TOU = round(ON * 0.298 + OFF * 0.118, 2)          # 288.00
E_R1 = round(900 * 0.142 + (ON + OFF - 900) * 0.187, 2)  # 296.10
FIXED = round(92 * 0.35, 2)                          # 32.20


def bill(energy):
    sub = round(energy + FIXED, 2)
    tax = round(sub * 0.06, 2)
    return sub, tax, round(sub + tax, 2)


SUB_F, TAX_F, TOT_F = bill(E_R1)
SUB_OK, TAX_OK, TOT_OK = bill(E_TOU)

PLAN = """You are given: (1) a task and advice from your manager with a specific plan and (2) a general task.
Collect information from the general task, follow the suggestions from manager to solve the task.

# General Task
{task}

# Task and suggestions from manager
## Task description
Produce the Q3 2024 bill for residential account 40-7731-02.

## Plan for solving the task
1. Load the account record and the tariff sheet.
2. Energy charge: apply the residential tiered schedule R-1 to the quarter's consumption.
3. Add the fixed daily charge for the days in the billing period, then sales tax on the subtotal; produce the full bill in one script (all lines, so it can be verified end to end).
4. Verification_Expert checks every line against the inputs.

## Output format
Energy charge, fixed charges, tax, total (USD).

## Constraints and conditions for completion
- Use only the rates in tariffs_2024.json and the account's own rate schedule.
""".format(task=TASK)

LOAD = """Step 1 - loading both files so we can see which schedule the account is actually on.

```python
import json
acct = json.load(open("account_40773102.json"))
tariffs = json.load(open("tariffs_2024.json"))
print(json.dumps(acct, indent=2))
print(json.dumps(tariffs, indent=2))
```"""

LOAD_OUT = ok_exec("""{
  "account": "40-7731-02",
  "customer_class": "residential",
  "rate_schedule": "TOU-D",
  "rate_schedule_since": "2023-11-15",
  "billing_period": {"start": "2024-07-01", "end": "2024-09-30"},
  "usage_kwh": {"on_peak": 420, "off_peak": 1380},
  "meter": "AMI-2291837"
}
{
  "effective": "2024-01-01",
  "sales_tax_rate": 0.06,
  "schedules": {
    "R-1": {
      "description": "Residential standard, tiered",
      "tier1_limit_kwh_per_quarter": 900,
      "tier1_rate": 0.142,
      "tier2_rate": 0.187,
      "fixed_daily": 0.35
    },
    "TOU-D": {
      "description": "Residential time-of-use",
      "on_peak_rate": 0.298,
      "off_peak_rate": 0.118,
      "fixed_daily": 0.35
    },
    "EV-2": {
      "description": "Residential with EV charging",
      "on_peak_rate": 0.331,
      "off_peak_rate": 0.095,
      "fixed_daily": 0.52
    }
  }
}
""")

CORRECTION = """Correction to step 2 of the plan: the account record says `"rate_schedule": "TOU-D"` (since 2023-11-15), so this customer is **not** billed on the tiered R-1 schedule. Energy has to be priced by time of use:

- on-peak 420 kWh x $0.298
- off-peak 1,380 kWh x $0.118

The fixed daily charge is $0.35 on TOU-D (same as R-1), and sales tax is 6% per the tariff sheet. EV-2 doesn't apply. Please use TOU-D for everything from here on."""

TOU_STEP = """Step 2 with the TOU-D schedule, as Energy_Expert pointed out:

```python
import json
acct = json.load(open("account_40773102.json"))
tariffs = json.load(open("tariffs_2024.json"))
sched = tariffs["schedules"][acct["rate_schedule"]]

on = acct["usage_kwh"]["on_peak"] * sched["on_peak_rate"]
off = acct["usage_kwh"]["off_peak"] * sched["off_peak_rate"]
print(f"schedule: {acct['rate_schedule']}")
print(f"on-peak:  {on:.2f}")
print(f"off-peak: {off:.2f}")
print(f"energy charge: {on + off:.2f}")
```"""

TOU_OUT = ok_exec("schedule: TOU-D\non-peak:  125.16\noff-peak: 162.84\nenergy charge: {:.2f}\n".format(E_TOU))


FAIL_FULL = """Energy charge step done. Step 3 - here's the complete bill in one script, following the plan's steps (energy -> fixed -> tax):

```python
import json
from datetime import date

acct = json.load(open("account_40773102.json"))
tariffs = json.load(open("tariffs_2024.json"))
r1 = tariffs["schedules"]["R-1"]

# --- energy charge (tiered) ---
kwh = acct["usage_kwh"]["on_peak"] + acct["usage_kwh"]["off_peak"]
tier1 = min(kwh, r1["tier1_limit_kwh_per_quarter"])
tier2 = max(kwh - r1["tier1_limit_kwh_per_quarter"], 0)
energy = round(tier1 * r1["tier1_rate"] + tier2 * r1["tier2_rate"], 2)

# --- fixed charges ---
start = date.fromisoformat(acct["billing_period"]["start"])
end = date.fromisoformat(acct["billing_period"]["end"])
days = (end - start).days + 1
fixed = round(days * r1["fixed_daily"], 2)

# --- tax ---
subtotal = round(energy + fixed, 2)
tax = round(subtotal * tariffs["sales_tax_rate"], 2)
total = round(subtotal + tax, 2)

print(f"kWh: {kwh} (tier1 {tier1}, tier2 {tier2})")
print(f"Energy charge: {energy:.2f}")
print(f"Fixed: {days} days x {r1['fixed_daily']} = {fixed:.2f}")
print(f"Subtotal: {subtotal:.2f}")
print(f"Tax: {tax:.2f}")
print(f"TOTAL DUE: {total:.2f}")
```"""

FAIL_FULL_OUT = ok_exec("kWh: 1800 (tier1 900, tier2 900)\nEnergy charge: {:.2f}\nFixed: 92 days x 0.35 = {:.2f}\nSubtotal: {:.2f}\nTax: {:.2f}\nTOTAL DUE: {:.2f}\n".format(
    E_R1, FIXED, SUB_F, TAX_F, TOT_F))

FAIL_VERIFY = """Verification of the final bill:

- Billing days: Jul 31 + Aug 31 + Sep 30 = 92 ✓ (inclusive of both endpoints, matches `days`).
- Fixed: 92 x $0.35 = $32.20 ✓
- Subtotal: {e:.2f} + 32.20 = {s:.2f} ✓
- Tax: 6% of {s:.2f} = {t:.2f} ✓ (rate from tariffs_2024.json)
- Total: {s:.2f} + {t:.2f} = **{tot:.2f}** ✓

Everything is computed from the two input files in a single script, as requested. TERMINATE""".format(e=E_R1, s=SUB_F, t=TAX_F, tot=TOT_F)

FAIL_FINAL = """**Bill for account 40-7731-02, Jul 1 - Sep 30, 2024**

| Line | Amount |
|---|---|
| Energy charge (1,800 kWh) | ${:.2f} |
| Fixed charge (92 days x $0.35) | ${:.2f} |
| Sales tax (6%) | ${:.2f} |
| **Total due** | **${:.2f}** |

TERMINATE""".format(E_R1, FIXED, TAX_F, TOT_F)

OK_FULL = """Energy charge step done ($288.00). Step 3 - complete bill in one script. Using the account's own schedule (TOU-D) throughout, per Energy_Expert's correction:

```python
import json
from datetime import date

acct = json.load(open("account_40773102.json"))
tariffs = json.load(open("tariffs_2024.json"))
sched = tariff["schedules"][acct["rate_schedule"]]   # TOU-D

# --- energy charge (time of use) ---
use = acct["usage_kwh"]
energy = round(use["on_peak"] * sched["on_peak_rate"] + use["off_peak"] * sched["off_peak_rate"], 2)

# --- fixed charges ---
start = date.fromisoformat(acct["billing_period"]["start"])
end = date.fromisoformat(acct["billing_period"]["end"])
days = (end - start).days + 1
fixed = round(days * sched["fixed_daily"], 2)

# --- tax ---
subtotal = round(energy + fixed, 2)
tax = round(subtotal * tariffs["sales_tax_rate"], 2)
total = round(subtotal + tax, 2)

print(f"Schedule: {acct['rate_schedule']}")
print(f"Energy charge: {energy:.2f}")
print(f"Fixed: {days} days x {sched['fixed_daily']} = {fixed:.2f}")
print(f"Subtotal: {subtotal:.2f}")
print(f"Tax: {tax:.2f}")
print(f"TOTAL DUE: {total:.2f}")
```"""

OK_FULL_ERR = """exitcode: 1 (execution failed)
Code output: Traceback (most recent call last):
  File "", line 6, in <module>
    sched = tariff["schedules"][acct["rate_schedule"]]   # TOU-D
            ^^^^^^
NameError: name 'tariff' is not defined. Did you mean: 'tariffs'?
"""

OK_FIX = """Typo on my side - the variable is `tariffs`. Fixed line 6, everything else unchanged:

```python
import json
from datetime import date

acct = json.load(open("account_40773102.json"))
tariffs = json.load(open("tariffs_2024.json"))
sched = tariffs["schedules"][acct["rate_schedule"]]   # TOU-D

use = acct["usage_kwh"]
energy = round(use["on_peak"] * sched["on_peak_rate"] + use["off_peak"] * sched["off_peak_rate"], 2)

start = date.fromisoformat(acct["billing_period"]["start"])
end = date.fromisoformat(acct["billing_period"]["end"])
days = (end - start).days + 1
fixed = round(days * sched["fixed_daily"], 2)

subtotal = round(energy + fixed, 2)
tax = round(subtotal * tariffs["sales_tax_rate"], 2)
total = round(subtotal + tax, 2)

print(f"Schedule: {acct['rate_schedule']}")
print(f"Energy charge: {energy:.2f}")
print(f"Fixed: {days} days x {sched['fixed_daily']} = {fixed:.2f}")
print(f"Subtotal: {subtotal:.2f}")
print(f"Tax: {tax:.2f}")
print(f"TOTAL DUE: {total:.2f}")
```"""

OK_FULL_OUT = ok_exec("Schedule: TOU-D\nEnergy charge: {:.2f}\nFixed: 92 days x 0.35 = {:.2f}\nSubtotal: {:.2f}\nTax: {:.2f}\nTOTAL DUE: {:.2f}\n".format(
    E_TOU, FIXED, SUB_OK, TAX_OK, TOT_OK))

OK_VERIFY = """Verification of the final bill:

- Schedule: TOU-D, matching `"rate_schedule": "TOU-D"` in the account record and Energy_Expert's correction ✓
- Energy: 420 x 0.298 = 125.16; 1,380 x 0.118 = 162.84; sum {e:.2f} ✓ (same as the step-2 result)
- Billing days: Jul 31 + Aug 31 + Sep 30 = 92 ✓; fixed 92 x $0.35 = $32.20 ✓
- Subtotal {s:.2f}; tax 6% = {t:.2f} ✓; total **{tot:.2f}** ✓

TERMINATE""".format(e=E_TOU, s=SUB_OK, t=TAX_OK, tot=TOT_OK)

OK_FINAL = """**Bill for account 40-7731-02 (schedule TOU-D), Jul 1 - Sep 30, 2024**

| Line | Amount |
|---|---|
| Energy charge (420 kWh on-peak, 1,380 kWh off-peak) | ${:.2f} |
| Fixed charge (92 days x $0.35) | ${:.2f} |
| Sales tax (6%) | ${:.2f} |
| **Total due** | **${:.2f}** |

TERMINATE""".format(E_TOU, FIXED, TAX_OK, TOT_OK)


def build():
    assert abs(E_TOU - 288.00) < 1e-9 and abs(E_R1 - 296.10) < 1e-9
    prefix = [
        ("Planning_Expert", PLAN),
        ("Energy_Expert", LOAD),
        ("Computer_terminal", LOAD_OUT),
        ("Energy_Expert", CORRECTION),
        ("DataAnalysis_Expert", TOU_STEP),
        ("Computer_terminal", TOU_OUT),
    ]
    fail_msgs = prefix + [
        ("DataAnalysis_Expert", FAIL_FULL),
        ("Computer_terminal", FAIL_FULL_OUT),
        ("Verification_Expert", FAIL_VERIFY),
        ("Planning_Expert", FAIL_FINAL),
    ]
    ok_msgs = prefix + [
        ("DataAnalysis_Expert", OK_FULL),
        ("Computer_terminal", OK_FULL_ERR),
        ("DataAnalysis_Expert", OK_FIX),
        ("Computer_terminal", OK_FULL_OUT),
        ("Verification_Expert", OK_VERIFY),
        ("Planning_Expert", OK_FINAL),
    ]
    fail = make_run(
        RID, None, TASK, AGENTS, ag2_chat(TASK, fail_msgs),
        "Bill for account 40-7731-02, Jul-Sep 2024: energy ${:.2f}, fixed ${:.2f}, tax ${:.2f}, total due ${:.2f}.".format(E_R1, FIXED, TAX_F, TOT_F),
        "failure", "DataAnalysis_Expert", 6, ["FM-1.4", "FM-3.2"],
        "Earlier in the chat Energy_Expert established '\"rate_schedule\": \"TOU-D\" ... this customer is **not** billed on the tiered "
        "R-1 schedule ... Please use TOU-D for everything from here on', and DataAnalysis_Expert's own step-2 script produced the TOU "
        "energy charge of $288.00. When rewriting the whole bill, DataAnalysis_Expert reverts to the original plan's schedule "
        "('r1 = tariffs[\"schedules\"][\"R-1\"]', tiered), giving 'Energy charge: 296.10' and 'TOTAL DUE: {:.2f}'. "
        "The correct bill is 288.00 + 32.20 = 320.20, tax 19.21, total ${:.2f}. Verification_Expert checks days, fixed charge, tax "
        "and addition but not which schedule the energy line used.".format(TOT_F, TOT_OK),
    )
    ok = make_run(
        RID + "-ok", RID, TASK, AGENTS, ag2_chat(TASK, ok_msgs),
        "Bill for account 40-7731-02 (TOU-D), Jul-Sep 2024: energy ${:.2f}, fixed ${:.2f}, tax ${:.2f}, total due ${:.2f}.".format(E_TOU, FIXED, TAX_OK, TOT_OK),
        "success", None, None, [],
        "The account is on TOU-D: 420 x 0.298 + 1,380 x 0.118 = 288.00; 92 days x 0.35 = 32.20; subtotal 320.20; 6% tax 19.21; "
        "total 339.41. The NameError on the first run of the full-bill script is a harmless typo fixed immediately; the verifier "
        "checks the schedule as well as the arithmetic.",
    )
    return fail, ok
