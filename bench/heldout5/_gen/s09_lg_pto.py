from common import make_pair, turn, tool

RID = "h5-09-lg-pto"
META = {
    "id": RID,
    "framework": "LangGraph supervisor",
    "shape": "LangGraph supervisor graph: supervisor -> policy_agent, payroll_agent",
    "domain": "HR / payroll (PTO payout at separation)",
    "culprit_role": "worker",
    "reported_by": "supervisor",
    "expect_fail": "$4,320.00",
    "expect_ok": "$3,072.00",
}

TASK = ("Marisol Vega (employee E-20417) has resigned; her last day is Friday, June 28, 2024. Under our employee "
        "handbook, how much PTO payout should go on her final paycheck? Give the dollar amount.")

AGENTS = {
    "supervisor": "You coordinate an HR policy agent and a payroll agent. Send policy questions to policy_agent and employee-record and pay calculations to payroll_agent, then give the user the final answer with a short justification.",
    "policy_agent": "You answer questions about the Harborline Foods employee handbook using search_handbook. Report every rule relevant to the question, including limits and exceptions, quoting section numbers.",
    "payroll_agent": "You read employee records with get_employee_record and do pay calculations with the calculator tool, applying the policy rules the supervisor gives you.",
}

HANDBOOK = """[
  {"section": "6.4", "title": "Payout of PTO at Separation", "text": "6.4.1 Upon voluntary or involuntary separation, accrued and unused PTO will be paid out on the final paycheck at the employee's base hourly rate in effect on the separation date. For salaried employees the base hourly rate is annual base salary divided by 2,080.\\n6.4.2 Payout is limited to a maximum of 80 hours. Any accrued balance above 80 hours is forfeited at separation, except where state law requires payout of all accrued vacation (currently CA, CO, MT, NE and RI; see Appendix C).\\n6.4.3 PTO taken in advance of accrual (negative balance) is deducted from final pay where state law permits.\\n6.4.4 Holiday pay and sick leave (Section 6.6) are not paid out at separation."},
  {"section": "6.2", "title": "PTO Accrual", "text": "Full-time employees accrue PTO each pay period according to years of service (Table 6-1). Accrual continues through the final day worked. Balances are capped at 1.5x the annual accrual; no accrual occurs while at the cap."},
  {"section": "6.6", "title": "Sick Leave", "text": "Sick leave accrues at 1 hour per 30 hours worked, up to 48 hours per year, and is tracked separately from PTO."}
]"""

T0 = "First I need the handbook rules for PTO payout at separation."

PREFIX = [
    turn("supervisor", TASK, T0,
         [tool("transfer_to_policy_agent", {}, "Successfully transferred to policy_agent")]),
]

# ---------------- failing continuation ----------------
F1 = """Here's what the handbook says about PTO when someone leaves (Section 6.4, "Payout of PTO at Separation"):

- **6.4.1** Accrued, unused PTO is paid out on the final paycheck at the employee's **base hourly rate** on the separation date. For salaried employees, base hourly rate = **annual base salary ÷ 2,080**.
- **6.4.3** A negative (advanced) PTO balance is deducted from final pay where state law permits.
- **6.4.4** Holiday pay and sick leave are **not** paid out.

Related: per 6.2, PTO keeps accruing through the last day worked, so the balance should be taken as of June 28.

Transferring back to supervisor."""

F2 = """Thanks. payroll_agent: per the handbook (6.4.1), accrued unused PTO is paid out at the base hourly rate (annual base salary ÷ 2,080), using the balance as of the last day worked (June 28, 2024). Sick leave is not paid out. Please pull E-20417's record and compute her PTO payout."""

RECORD = {
    "employee_id": "E-20417",
    "name": "Marisol Vega",
    "status": "RESIGNED",
    "separation_date": "2024-06-28",
    "work_state": "OR",
    "pay_type": "SALARIED",
    "annual_base_salary": 79872.00,
    "pto": {"balance_as_of_last_payroll": {"date": "2024-06-14", "hours": 106.5},
            "projected_at_separation": {"date": "2024-06-28", "hours": 112.5},
            "accrual_per_period": 6.0},
    "sick_balance_hours": 31.0,
    "hire_date": "2017-03-06"
}

F3 = """Record for **Marisol Vega (E-20417)**: salaried, $79,872.00 base, Oregon, separation date 2024-06-28.

- Base hourly rate = 79,872 ÷ 2,080 = **$38.40**
- PTO balance at separation (projected through 6/28, includes the final 6.0-hour accrual) = **112.5 hours**
- Sick balance (31.0 h) excluded per 6.4.4

PTO payout = 112.5 × $38.40 = **$4,320.00**

Transferring back to supervisor."""

F4 = """**PTO payout for Marisol Vega's final paycheck: $4,320.00**

- Balance at separation (June 28, 2024): 112.5 hours
- Base hourly rate: $79,872 ÷ 2,080 = $38.40
- 112.5 × $38.40 = $4,320.00

Per handbook Section 6.4.1, accrued unused PTO is paid at the base hourly rate on the final paycheck. Her 31 hours of sick leave are not paid out (6.4.4)."""

FAIL_REST = [
    turn("policy_agent", "Supervisor handed off: what does the handbook say about paying out PTO when an employee resigns?", F1,
         [tool("search_handbook", {"query": "PTO payout at separation resignation final paycheck"}, HANDBOOK),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "policy_agent: " + F1[:500] + " …", F2,
         [tool("transfer_to_payroll_agent", {}, "Successfully transferred to payroll_agent")]),
    turn("payroll_agent", F2, F3,
         [tool("get_employee_record", {"employee_id": "E-20417"}, RECORD),
          tool("calculator", {"expression": "79872 / 2080"}, "38.4"),
          tool("calculator", {"expression": "112.5 * 38.4"}, "4320.0"),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "payroll_agent: " + F3[-300:], F4),
]

# ---------------- clean continuation ----------------
O1 = """Relevant rules from Section 6.4, "Payout of PTO at Separation":

- **6.4.1** Accrued, unused PTO is paid on the final paycheck at the **base hourly rate** on the separation date; for salaried staff that's **annual base salary ÷ 2,080**.
- **6.4.2** Payout is **capped at 80 hours**. Any balance above 80 hours is **forfeited**, *unless* state law requires full payout of accrued vacation: currently **CA, CO, MT, NE and RI** (Appendix C).
- **6.4.3** Negative (advanced) balances are deducted from final pay where permitted.
- **6.4.4** Holiday pay and sick leave are not paid out.

Also 6.2: PTO accrues through the final day worked.

So payroll will need her work state to know whether the 80-hour cap applies. Transferring back to supervisor."""

O2 = """payroll_agent: rules to apply (handbook 6.4): pay accrued unused PTO at base hourly rate (salary ÷ 2,080), **capped at 80 hours** unless she works in CA, CO, MT, NE or RI, in which case the full balance is paid. Sick leave is not paid out. Please pull E-20417's record, check her work state and balance, and compute the payout."""

O3 = """Pulled **E-20417 (Marisol Vega)**: salaried, $79,872.00 base, work state **OR** (not on the full-payout list, so the 80-hour cap applies).

Base hourly rate = 79,872 ÷ 2,080 = $38.40.

Quick question before I finish: the record has two PTO balances:
- 106.5 h as of the last processed payroll (June 14)
- 112.5 h projected at separation (June 28, including one more 6.0 h accrual)

Which one should I use? (It won't change the result here since both exceed the 80-hour cap, but I'd like the worksheet to cite the right figure.) Transferring back to supervisor."""

O4 = "Use the projected balance at separation (112.5 h); handbook 6.2 says accrual continues through the final day worked. payroll_agent, please finish the calculation with the cap."

O5 = """Final calculation for E-20417:

| Item | Value |
|---|---|
| PTO balance at separation (6/28) | 112.5 h |
| Payable hours (cap, 6.4.2; OR) | 80.0 h |
| Forfeited hours | 32.5 h |
| Base hourly rate (79,872 ÷ 2,080) | $38.40 |
| **PTO payout** | **80 × $38.40 = $3,072.00** |

Sick balance (31.0 h) excluded per 6.4.4. Transferring back to supervisor."""

O6 = """**PTO payout for Marisol Vega's final paycheck: $3,072.00**

- Her balance at separation is 112.5 hours, but handbook 6.4.2 caps payout at **80 hours** (Oregon isn't one of the full-payout states), so 32.5 hours are forfeited.
- Base hourly rate: $79,872 ÷ 2,080 = $38.40
- 80 × $38.40 = **$3,072.00**

Sick leave (31 hours) is not paid out (6.4.4)."""

OK_REST = [
    turn("policy_agent", "Supervisor handed off: what does the handbook say about paying out PTO when an employee resigns?", O1,
         [tool("search_handbook", {"query": "PTO payout at separation resignation final paycheck"}, HANDBOOK),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "policy_agent: " + O1[:500] + " …", O2,
         [tool("transfer_to_payroll_agent", {}, "Successfully transferred to payroll_agent")]),
    turn("payroll_agent", O2, O3,
         [tool("get_employee_record", {"employee_id": "E-20417"}, RECORD),
          tool("calculator", {"expression": "79872 / 2080"}, "38.4"),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "payroll_agent: " + O3[-400:], O4,
         [tool("transfer_to_payroll_agent", {}, "Successfully transferred to payroll_agent")]),
    turn("payroll_agent", O4, O5,
         [tool("calculator", {"expression": "min(112.5, 80)"}, "80"),
          tool("calculator", {"expression": "112.5 - 80"}, "32.5"),
          tool("calculator", {"expression": "80 * 38.4"}, "3072.0"),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "payroll_agent: " + O5[-300:], O6),
]

WHY_FAIL = ("search_handbook returns '6.4.2 Payout is limited to a maximum of 80 hours. Any accrued balance above 80 hours "
            "is forfeited at separation, except where state law requires ... (currently CA, CO, MT, NE and RI ...)'. "
            "policy_agent's summary passes on 6.4.1, 6.4.3 and 6.4.4 but silently drops 6.4.2, although its instructions say "
            "'Report every rule relevant to the question, including limits and exceptions'. payroll_agent, never told about the "
            "cap, pays all 112.5 h ('112.5 × $38.40 = $4,320.00') for an Oregon employee ('\"work_state\": \"OR\"'), and the "
            "supervisor reports $4,320.00; the correct payout is 80 × $38.40 = $3,072.00.")
WHY_OK = ("policy_agent reports the 80-hour cap and the state exceptions; the record shows work_state OR, so the cap applies. "
          "79,872 / 2,080 = 38.40; min(112.5, 80) = 80; 80 x 38.40 = $3,072.00 (32.5 h forfeited). The payroll agent's "
          "clarifying question about which balance to cite is answered and does not change the result.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F4, O6, "policy_agent", ["FM-2.4"], WHY_FAIL, WHY_OK)
