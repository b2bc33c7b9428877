"""AG2 expert group chat -- personal finance (interest-only mortgage)."""
from common import ag2_chat, ok_exec, make_run

RID = "h6-02-mortgage-io"

P = 280000.0
R = 0.065 / 12
PMT360 = P * R / (1 - (1 + R) ** -360)
TI360 = PMT360 * 360 - P
IO = P * R
PMT300 = P * R / (1 - (1 + R) ** -300)
TI_IO = IO * 60 + PMT300 * 300 - P


def m(x):
    return "{:,.2f}".format(x)


TASK = ("Using the loan terms in loan_terms.json (a fixed-rate home loan we are considering), tell me "
        "(a) the monthly payment I would be making in year 10 of the loan and (b) the total interest "
        "paid over the full life of the loan. Round to cents.")

AGENTS = {
    "Planning_Expert": "Task manager. Breaks the request into steps, assigns them to the experts, and posts the final answer when the group has verified it.",
    "Mortgage_Expert": "Specialist in consumer mortgage products (amortization, interest-only periods, ARMs, points). Reads loan documents and explains which terms drive the calculation.",
    "DataAnalysis_Expert": "Writes Python to compute payment schedules and totals from the loan terms, following the structure identified by the team.",
    "Verification_Expert": "Checks the computation independently against the loan terms before the group concludes; replies TERMINATE when satisfied.",
    "Computer_terminal": "Executes posted code blocks and returns the exit code and output.",
}

PLAN = """You are given: (1) a task and advice from your manager with a specific plan and (2) a general task.
Collect information from the general task, follow the suggestions from manager to solve the task.

# General Task
{task}

# Task and suggestions from manager
## Task description
Compute the year-10 monthly payment and the lifetime total interest for the loan described in loan_terms.json.

## Plan for solving the task
1. Mortgage_Expert reads loan_terms.json and identifies every term that affects the payment schedule.
2. DataAnalysis_Expert builds the month-by-month schedule honouring all of those terms.
3. Read off the payment in months 109-120 (year 10) and sum interest over all payments.
4. Verification_Expert checks the schedule (e.g. balance reaches zero at the final payment).

## Output format
- Year-10 monthly payment (USD, cents)
- Total interest over the life of the loan (USD, cents)

## Constraints and conditions for completion
- All terms in loan_terms.json must be reflected in the schedule.
- Principal and interest only (no escrow) unless the file says otherwise.
""".format(task=TASK)

READ = """I'll start with step 1 and just dump the file so we all work from the same terms.

```python
import json
with open("loan_terms.json") as f:
    terms = json.load(f)
print(json.dumps(terms, indent=2))
```"""

TERMS_JSON = """{
  "loan_id": "HL-2024-0613-88",
  "product": "30Y Fixed - Interest-Only 5",
  "principal": 280000,
  "annual_rate": 0.065,
  "rate_type": "fixed",
  "term_months": 360,
  "interest_only_months": 60,
  "payment_frequency": "monthly",
  "first_payment_date": "2024-08-01",
  "escrow_included": false,
  "prepayment_penalty": false,
  "notes": "Payments during the interest-only period cover accrued interest only; principal amortizes over the remaining term."
}"""

READ_OUT = ok_exec(TERMS_JSON + "\n")

STRUCTURE = """Here's what matters in these terms:

| Term | Value | Effect |
|---|---|---|
| principal | $280,000 | starting balance |
| annual_rate | 6.5% fixed | monthly rate = 0.065/12 |
| term_months | 360 | loan ends after 30 years |
| **interest_only_months** | **60** | months 1-60 pay interest only; balance stays at $280,000 |
| escrow_included | false | P&I only, as the plan assumes |

So this is **not** a plain 30-year amortizing loan. The schedule has two phases:

1. Months 1-60: payment = 280,000 x 0.065/12 (interest only).
2. Months 61-360: the full $280,000 amortizes over the **remaining 300 months** at 6.5%, so the payment steps up.

Year 10 (months 109-120) is in phase 2. Total interest = 60 interest-only payments + 300 amortizing payments - principal.

@DataAnalysis_Expert please build the schedule with both phases."""

FAIL_CALC = """Thanks. For a fixed-rate loan the monthly payment is constant, so I'll use the standard annuity formula rather than looping through 360 months:

M = P * r / (1 - (1 + r)^-n)

```python
P = 280_000
annual_rate = 0.065
n = 360
r = annual_rate / 12

payment = P * r / (1 - (1 + r) ** -n)
total_paid = payment * n
total_interest = total_paid - P

print(f"Monthly payment (all years, incl. year 10): ${payment:,.2f}")
print(f"Total paid: ${total_paid:,.2f}")
print(f"Total interest: ${total_interest:,.2f}")
```"""

FAIL_CALC_OUT = ok_exec("Monthly payment (all years, incl. year 10): ${}\nTotal paid: ${}\nTotal interest: ${}\n".format(
    m(PMT360), m(PMT360 * 360), m(TI360)))

FAIL_VERIFY = """Verification of the numbers above:

- Re-derived the payment by hand: r = 0.065/12 = 0.00541667; (1+r)^360 = 6.991798; M = 280,000 x 0.00541667 x 6.991798 / 5.991798 = **${pm}** - matches.
- Total interest = M x 360 - 280,000 (unrounded M = {pmx}) = **${ti}** - matches the code output.
- Rate is fixed, so the year-10 payment equals the first payment.

Both figures are consistent. TERMINATE""".format(pm=m(PMT360), ti=m(TI360), pmx="{:.4f}".format(PMT360))

FAIL_FINAL = """**Results for loan HL-2024-0613-88**

- (a) Monthly payment in year 10: **${}**
- (b) Total interest over the life of the loan: **${}**

TERMINATE""".format(m(PMT360), m(TI360))

OK_CALC = """Building the two-phase schedule Mortgage_Expert described. I'll compute it month by month so the year-10 payment and total interest come straight out of the schedule (and we can check the ending balance).

```python
import json

with open("loan_terms.json") as f:
    t = json.load(f)

P = t["principal"]
r = t["annual_rate"] / 12
n = t["term_months"]
io = t["interest_only_months"]

amort_n = n - io
io_payment = P * r
amort_payment = P * r / (1 - (1 + r) ** -amort_n)

balance = P
total_interest = 0.0
schedule = []
for month in range(1, n + 1):
    interest = balance * r
    payment = io_payment if month <= io else amort_payment
    principal_paid = payment - interest
    balance -= principal_paid
    total_interest += interest
    schedule.append((month, payment, interest, principal_paid, balance))

print(f"Interest-only payment (months 1-{io}): ${io_payment:,.2f}")
print(f"Amortizing payment (months {io+1}-{n}): ${amort_payment:,.2f}")
yr10 = {round(row[1], 2) for row in schedule[108:120]}
print("Distinct payments in months 109-120:", yr10)
print(f"Total interest: ${total_interest:,.2f}")
print(f"Ending balance: {balance:.6f}")
```"""

OK_CALC_OUT = ok_exec(
    "Interest-only payment (months 1-60): ${}\nAmortizing payment (months 61-360): ${}\nDistinct payments in months 109-120: {{{}}}\nTotal interest: ${}\nEnding balance: -0.000000\n".format(
        m(IO), m(PMT300), round(PMT300, 2), m(TI_IO)))

OK_VERIFY_Q = """A couple of checks before I sign off:

1. The ending balance is ~0 (the `-0.000000` is just float residue), so the schedule closes properly.
2. Question for @DataAnalysis_Expert: does `total_interest` include the 60 interest-only months? Those are pure interest and should be in the lifetime figure."""

OK_ANSWER = """Yes - the loop accrues `interest = balance * r` in every month 1-360, including the interest-only phase (where the whole payment is interest). Cross-check with the closed form:

60 x {io} + 300 x {p300} - 280,000 = {a} + {b} - 280,000 = **${ti}** (unrounded payments)

Same as the schedule.""".format(io="{:.4f}".format(IO), p300="{:.4f}".format(PMT300), a=m(IO * 60), b=m(PMT300 * 300), ti=m(TI_IO))

OK_VERIFY = """Good, that matches what I get independently:

- Phase 1: 280,000 x 0.065/12 = ${io}/month for 60 months.
- Phase 2: 300-month amortization of $280,000 at 6.5% -> ${p300}/month. Year 10 = months 109-120, all at ${p300}.
- Lifetime interest ${ti}. For reference, a plain 30-year amortizing loan would be ${p360}/month and ${ti360} interest - the interest-only period costs about ${d} more, which is the expected direction.

Verified. TERMINATE""".format(io=m(IO), p300=m(PMT300), ti=m(TI_IO), p360=m(PMT360), ti360=m(TI360), d=m(TI_IO - TI360))

OK_FINAL = """**Results for loan HL-2024-0613-88** (30-year fixed at 6.5% with a 5-year interest-only period)

- (a) Monthly payment in year 10: **${}** (months 61-360; the first 60 payments are ${} interest-only)
- (b) Total interest over the life of the loan: **${}**

TERMINATE""".format(m(PMT300), m(IO), m(TI_IO))


def build():
    prefix = [
        ("Planning_Expert", PLAN),
        ("Mortgage_Expert", READ),
        ("Computer_terminal", READ_OUT),
        ("Mortgage_Expert", STRUCTURE),
    ]
    fail_msgs = prefix + [
        ("DataAnalysis_Expert", FAIL_CALC),
        ("Computer_terminal", FAIL_CALC_OUT),
        ("Verification_Expert", FAIL_VERIFY),
        ("Planning_Expert", FAIL_FINAL),
    ]
    ok_msgs = prefix + [
        ("DataAnalysis_Expert", OK_CALC),
        ("Computer_terminal", OK_CALC_OUT),
        ("Verification_Expert", OK_VERIFY_Q),
        ("DataAnalysis_Expert", OK_ANSWER),
        ("Verification_Expert", OK_VERIFY),
        ("Planning_Expert", OK_FINAL),
    ]
    fail = make_run(
        RID, None, TASK, AGENTS, ag2_chat(TASK, fail_msgs),
        "(a) Monthly payment in year 10: ${}; (b) total interest over the life of the loan: ${}.".format(m(PMT360), m(TI360)),
        "failure", "DataAnalysis_Expert", 4, ["FM-2.5", "FM-3.2"],
        "Mortgage_Expert points out '\"interest_only_months\": 60' and says 'this is **not** a plain 30-year amortizing loan ... "
        "the full $280,000 amortizes over the **remaining 300 months** ... @DataAnalysis_Expert please build the schedule with both phases.' "
        "DataAnalysis_Expert replies 'Thanks' but uses 'the standard annuity formula' with 'n = 360' and no interest-only phase, "
        "reporting ${} for year 10 and ${} total interest. The correct two-phase figures are ${} (year 10) and ${}. "
        "Verification_Expert only re-derives the same 360-month formula ('Rate is fixed, so the year-10 payment equals the first payment') "
        "without checking it against the file's interest-only term.".format(m(PMT360), m(TI360), m(PMT300), m(TI_IO)),
    )
    ok = make_run(
        RID + "-ok", RID, TASK, AGENTS, ag2_chat(TASK, ok_msgs),
        "(a) Monthly payment in year 10: ${} (after the 60-month interest-only period at ${}); (b) total interest over the life of the loan: ${}.".format(
            m(PMT300), m(IO), m(TI_IO)),
        "success", None, None, [],
        "The schedule honours interest_only_months = 60: ${} interest-only for months 1-60, then ${} amortizing over 300 months; "
        "year 10 falls in phase 2; total interest 60x{} + 300x{} - 280,000 = ${}, ending balance ~0. The verifier's question about "
        "the interest-only months is answered and cross-checked.".format(m(IO), m(PMT300), m(IO), m(PMT300), m(TI_IO)),
    )
    return fail, ok
