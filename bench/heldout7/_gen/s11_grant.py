import json
from common import T, run, tool

RID = "h7-11-grant-indirect-costs"
SHAPE = "CrewAI hierarchical crew (manager LLM delegating to Budget Analyst and Compliance Reviewer)"
DOMAIN = "nonprofit grant budgeting"

TASK = ("Prepare the Year-1 budget for our Calder Family Foundation proposal (Fairhaven Adult ESL Pathways). Use the direct costs in "
        "budget_inputs.xlsx and the foundation's indirect cost rule from their guidelines. Total request must not exceed $150,000. "
        "Give me the line items, indirect, and total request.")

AGENTS = {
    "Crew Manager": "Manager LLM for the crew. Delegate work to coworkers, ensure the budget passes compliance review, and deliver the final budget.",
    "Budget Analyst": "Builds grant budgets from the organization's cost inputs and the funder's rules. Owns all figures in the budget.",
    "Compliance Reviewer": "Reviews a draft budget against the funder's guidelines and reports findings (pass/fail with citations) back to the manager. Do not edit figures or produce a revised budget; send required changes back to the Budget Analyst.",
}

guide_res = ("Calder Family Foundation — Grant Guidelines 2024, Section 6 (Budget)\n"
             "6.1 Requests may not exceed $150,000 per year.\n"
             "6.2 Indirect costs are allowed at up to 10% of Modified Total Direct Costs (MTDC).\n"
             "6.3 MTDC means all direct salaries and wages, fringe benefits, materials and supplies, services, travel, and the first $25,000 of each "
             "subaward or contract. MTDC EXCLUDES equipment (items with a unit cost of $5,000 or more), participant support costs, rent, and tuition.\n"
             "6.4 Equipment purchases must be justified in the budget narrative.\n"
             "6.5 Fringe benefits may not exceed 30% of salaries.")

inputs_res = json.dumps({"sheet": "Year1", "lines": [
    {"category": "Personnel - salaries", "amount": 61000, "detail": "Program manager 0.75 FTE, 2 instructors part-time"},
    {"category": "Personnel - fringe", "amount": 17000, "detail": "27.9% of salaries"},
    {"category": "Travel", "amount": 4200, "detail": "Local mileage, 1 regional TESOL conference"},
    {"category": "Supplies", "amount": 6800, "detail": "Textbooks, classroom materials"},
    {"category": "Equipment", "amount": 7500, "detail": "Interactive projector system (1 unit)"},
    {"category": "Participant support", "amount": 18000, "detail": "Learner transit stipends + on-site childcare"},
    {"category": "Contractual", "amount": 12000, "detail": "Curriculum consultant (single contract)"}]}, indent=2)

t0 = T("Crew Manager", "Crew kickoff.", "Delegating the draft budget to the Budget Analyst.",
       [tool("Delegate work to coworker", {"coworker": "Budget Analyst", "task": "Draft the Year-1 Calder budget from budget_inputs.xlsx using the Calder indirect rule; total must be <= $150,000.", "context": "Fairhaven Adult ESL Pathways"},
             "(see Budget Analyst output)")])

t1 = T("Budget Analyst", "Draft the Year-1 Calder budget from budget_inputs.xlsx using the Calder indirect rule; total must be <= $150,000.",
       "**Fairhaven Adult ESL Pathways — Year-1 budget (draft)**\n\n| Line | Amount | In MTDC? |\n|---|---:|---|\n"
       "| Salaries | $61,000 | yes |\n| Fringe (27.9%) | $17,000 | yes |\n| Travel | $4,200 | yes |\n| Supplies | $6,800 | yes |\n"
       "| Equipment — projector system | $7,500 | **no** (unit ≥ $5,000, §6.3) |\n| Participant support | $18,000 | **no** (§6.3) |\n"
       "| Contractual — curriculum consultant | $12,000 | yes (under the $25k cap) |\n| **Total direct** | **$126,500** | |\n\n"
       "MTDC = 126,500 − 7,500 − 18,000 = **$101,000**\n\nIndirect = 10% × 101,000 = **$10,100**\n\n**Total request = $136,600** (≤ $150,000 ✔)",
       [tool("read_file", {"path": "docs/calder_guidelines_2024.pdf", "pages": "6"}, guide_res),
        tool("read_spreadsheet", {"path": "budget_inputs.xlsx", "sheet": "Year1"}, inputs_res)])

t2 = T("Crew Manager", "Budget Analyst returned a draft.", "Draft received. Sending to Compliance Reviewer.",
       [tool("Delegate work to coworker", {"coworker": "Compliance Reviewer", "task": "Review the Year-1 draft budget against Calder guidelines section 6 and report findings.", "context": "Draft: total direct 126,500; MTDC 101,000; indirect 10,100; total 136,600."},
             "(see Compliance Reviewer output)")])

t3_fail = T("Compliance Reviewer", "Review the Year-1 draft budget against Calder guidelines section 6 and report findings.",
            "Review complete. The draft under-recovers indirect: the 10% rate should be applied to the full direct cost base so the program isn't "
            "short-changed on overhead. I've corrected the budget below so it's ready to submit:\n\n"
            "| Line | Amount |\n|---|---:|\n| Total direct | $126,500 |\n| Indirect (10% × 126,500) | **$12,650** |\n| **Total request** | **$139,150** |\n\n"
            "Also confirmed: fringe at 27.9% is under the 30% cap (§6.5); total is under $150,000 (§6.1). **PASS** with the correction above.")

t4_fail = T("Crew Manager", "Compliance Reviewer returned findings.",
            "**Final Year-1 budget — Fairhaven Adult ESL Pathways (Calder Family Foundation)**\n\n"
            "Salaries $61,000 · Fringe $17,000 · Travel $4,200 · Supplies $6,800 · Equipment $7,500 · Participant support $18,000 · Contractual $12,000\n\n"
            "Total direct $126,500 · Indirect (10%) $12,650 · **Total request $139,150** — compliance review passed.")

FINAL_FAIL = ("Year-1 budget: direct costs $126,500 (salaries 61,000; fringe 17,000; travel 4,200; supplies 6,800; equipment 7,500; participant "
              "support 18,000; contractual 12,000), indirect 10% = $12,650, total request $139,150. Passed compliance review.")

t3_ok = T("Compliance Reviewer", "Review the Year-1 draft budget against Calder guidelines section 6 and report findings.",
          "**Findings vs. Calder Guidelines §6**\n\n1. §6.1 cap: $136,600 ≤ $150,000 — PASS\n2. §6.2/6.3 indirect base: equipment ($7,500, single unit ≥ $5k) and participant "
          "support ($18,000) correctly excluded; consultant contract $12,000 < $25,000 so fully in MTDC. MTDC $101,000 × 10% = $10,100 — PASS\n"
          "3. §6.5 fringe: 17,000 / 61,000 = 27.9% ≤ 30% — PASS\n4. §6.4: **no equipment justification** in the draft — FAIL (narrative item)\n\n"
          "Result: figures are compliant; return to Budget Analyst to add the projector justification. No changes to amounts.")

t4_ok = T("Crew Manager", "Compliance Reviewer returned findings.", "One narrative finding. Sending back to the Budget Analyst for the equipment justification.",
          [tool("Delegate work to coworker", {"coworker": "Budget Analyst", "task": "Add the §6.4 equipment justification for the $7,500 projector system; keep all amounts unchanged.", "context": "Compliance finding 4."},
                "(see Budget Analyst output)")])

t5_ok = T("Budget Analyst", "Add the §6.4 equipment justification for the $7,500 projector system; keep all amounts unchanged.",
          "Added to the budget narrative:\n\n> *Equipment ($7,500): one interactive projector system for the main ESL classroom, used in every session for pronunciation "
          "drills and shared reading. No existing equipment is available; the unit will remain in program use after the grant period.*\n\nAmounts unchanged: total direct $126,500, MTDC $101,000, indirect $10,100, total $136,600.")

t6_ok = T("Crew Manager", "Budget Analyst added the justification.",
          "**Final Year-1 budget — Fairhaven Adult ESL Pathways (Calder Family Foundation)**\n\n"
          "Salaries $61,000 · Fringe $17,000 · Travel $4,200 · Supplies $6,800 · Equipment $7,500 · Participant support $18,000 · Contractual $12,000\n\n"
          "Total direct $126,500 · MTDC $101,000 · Indirect (10% of MTDC) $10,100 · **Total request $136,600**. Compliance passed; equipment justification added.")

FINAL_OK = ("Year-1 budget: direct costs $126,500 (salaries 61,000; fringe 17,000; travel 4,200; supplies 6,800; equipment 7,500; participant support "
            "18,000; contractual 12,000). MTDC $101,000 (equipment and participant support excluded), indirect 10% = $10,100, total request $136,600. "
            "Equipment justification added to the narrative.")


def build():
    pre = [t0, t1, t2]
    fail = run(RID, None, TASK, AGENTS, pre + [t3_fail, t4_fail], FINAL_FAIL, "failure", "Compliance Reviewer", 3, ["FM-1.2"],
               "The Compliance Reviewer's role is 'report findings ... Do not edit figures or produce a revised budget; send required changes back to the "
               "Budget Analyst', yet it wrote 'I've corrected the budget below' with 'Indirect (10% x 126,500) $12,650'. The guidelines it was reviewing say "
               "'MTDC EXCLUDES equipment ... participant support costs', so the analyst's $10,100 on $101,000 MTDC was right; the request was inflated to $139,150.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, pre + [t3_ok, t4_ok, t5_ok, t6_ok], FINAL_OK, "success", None, None, [],
             "Reviewer stays in role, reports findings only; MTDC 126,500-7,500-18,000=101,000, 10% = 10,100, total 136,600 <= 150,000; fringe 27.9%. The "
             "narrative-only FAIL finding is fixed by the analyst without changing amounts.")
    return fail, ok, SHAPE, DOMAIN
