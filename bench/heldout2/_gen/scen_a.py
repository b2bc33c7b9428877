"""Scenarios 1-5."""
from common import tool, turn, run


# --------------------------------------------------------------------------
# 1. Insurance claims -- OpenAI Agents SDK handoffs (transfer_to_<agent>)
# --------------------------------------------------------------------------
def insurance_hail_claim(fail):
    task = ("Hi, I'm Dana Whitfield, policy AP-7741902. A hailstorm on May 14 dented the hood and roof of my "
            "2021 Subaru Outback and cracked the sunroof. The body shop estimate is on file as BS-55810. Can you "
            "process my claim and tell me what I'll be paid?")
    agents = {
        "TriageAgent": "You are the first point of contact for Northfield Mutual auto claims. Identify the claim "
                       "type and hand off to the right specialist with the transfer tools; never quote coverage "
                       "or amounts yourself.",
        "CoverageAgent": "You verify policy coverage for a reported loss. Look up the policy, determine which "
                         "coverage applies and its deductible and limit, state them explicitly, then hand off to "
                         "SettlementAgent.",
        "SettlementAgent": "You calculate and issue claim payments. Payment = approved estimate minus the "
                           "deductible stated by CoverageAgent, capped at the coverage limit; issue it with "
                           "issue_payment and explain the figure to the customer.",
    }
    turns = [
        turn("TriageAgent", task,
             "Thanks, Dana, and I'm sorry about the storm damage. This is a weather (hail) loss to your insured "
             "vehicle, so I'm passing you to our coverage specialist to confirm what your policy covers before "
             "we settle it.",
             [tool("transfer_to_coverage_agent", {}, {"assistant": "CoverageAgent"})]),
        turn("CoverageAgent",
             "Handoff from TriageAgent: hail damage to insured vehicle (hood, roof, sunroof glass), policy "
             "AP-7741902, date of loss 2025-05-14, repair estimate BS-55810.",
             "Coverage confirmed. Policy AP-7741902 is active on the loss date (term 2024-11-01 to 2025-11-01) "
             "and lists the 2021 Subaru Outback, VIN 4S4BTANC5M3190245. Hail is a Comprehensive peril, not "
             "Collision. Comprehensive deductible: $1,000. Limit: actual cash value, currently $24,300 (NADA, "
             "May 2025). The policy has no glass buyback, so the sunroof glass falls under the same $1,000 "
             "deductible. Handing off to SettlementAgent.",
             [tool("lookup_policy", {"policy_number": "AP-7741902"},
                   {"policy_number": "AP-7741902", "status": "active", "term": "2024-11-01/2025-11-01",
                    "insured": "Dana Whitfield",
                    "vehicles": [{"vin": "4S4BTANC5M3190245", "desc": "2021 Subaru Outback 2.5i Premium"}],
                    "coverages": {"collision": {"deductible": 500, "limit": "ACV"},
                                  "comprehensive": {"deductible": 1000, "limit": "ACV",
                                                    "perils": ["fire", "theft", "hail", "flood", "glass",
                                                               "animal strike"]},
                                  "glass_buyback": False}}),
              tool("get_vehicle_acv", {"vin": "4S4BTANC5M3190245"},
                   {"vin": "4S4BTANC5M3190245", "acv": 24300, "source": "NADA 2025-05", "mileage": 41210}),
              tool("transfer_to_settlement_agent", {}, {"assistant": "SettlementAgent"})]),
    ]
    estimate = tool("get_estimate", {"estimate_id": "BS-55810"},
                    {"estimate_id": "BS-55810", "shop": "Ridgeline Collision, Boise ID",
                     "lines": [{"item": "Hood PDR (paintless dent repair)", "amount": 1150.00},
                               {"item": "Roof PDR", "amount": 1480.00},
                               {"item": "Sunroof glass replace (OEM)", "amount": 1635.00},
                               {"item": "Labor, R&I headliner", "amount": 385.00},
                               {"item": "Shop supplies", "amount": 200.00}],
                     "total": 4850.00, "approved_by_adjuster": True, "adjuster": "K. Moreno"})
    s_in = ("Handoff from CoverageAgent: Comprehensive applies, deductible $1,000, limit ACV $24,300. Claim "
            "CLM-2025-118406, estimate BS-55810.")
    if fail:
        amt, memo_ded = 4350.00, "less $500 deductible"
        s_out = ("Estimate BS-55810 from Ridgeline Collision totals $4,850.00 and is adjuster-approved. Applying "
                 "the $500 deductible leaves $4,350.00, well under the $24,300 ACV limit. Payment PAY-903312 "
                 "for $4,350.00 issued by ACH, expected to settle May 22.")
        final = ("Dana, your claim CLM-2025-118406 is approved. Your repair estimate from Ridgeline Collision is "
                 "$4,850.00; after your $500 deductible we've paid you $4,350.00 by direct deposit (payment "
                 "PAY-903312), which should arrive by May 22. You can take the car to Ridgeline whenever "
                 "you're ready.")
    else:
        amt, memo_ded = 3850.00, "less $1,000 comprehensive deductible"
        s_out = ("Estimate BS-55810 from Ridgeline Collision totals $4,850.00 and is adjuster-approved. Applying "
                 "the $1,000 Comprehensive deductible leaves $3,850.00, well under the $24,300 ACV limit. "
                 "Payment PAY-903312 for $3,850.00 issued by ACH, expected to settle May 22.")
        final = ("Dana, your claim CLM-2025-118406 is approved. Hail is covered under your Comprehensive "
                 "coverage. Your repair estimate from Ridgeline Collision is $4,850.00; after your $1,000 "
                 "Comprehensive deductible we've paid you $3,850.00 by direct deposit (payment PAY-903312), "
                 "which should arrive by May 22. You can take the car to Ridgeline whenever you're ready.")
    turns.append(turn("SettlementAgent", s_in, s_out, [
        estimate,
        tool("issue_payment", {"claim_id": "CLM-2025-118406", "payee": "Dana Whitfield", "amount": amt,
                               "memo": "Hail loss 05/14/2025, est BS-55810 " + memo_ded},
             {"payment_id": "PAY-903312", "status": "issued", "amount": amt, "method": "ACH",
              "expected_settlement": "2025-05-22"})]))
    turns.append(turn("SettlementAgent", "Compose the reply to the customer.", final))
    why = ("CoverageAgent (turn 1) stated 'Comprehensive deductible: $1,000' and lookup_policy returned "
           "\"comprehensive\": {\"deductible\": 1000, ...} with hail as a listed peril; SettlementAgent (turn 2) "
           "instead wrote 'Applying the $500 deductible leaves $4,350.00' (the collision deductible) and issued "
           "PAY-903312 for $4,350.00; correct payout is $4,850.00 - $1,000 = $3,850.00.")
    return run("ins-hail-claim", fail, task, agents, turns, final,
               ("SettlementAgent", 2, ["FM-2.5"], why))


# --------------------------------------------------------------------------
# 2. Manufacturing QA -- LangGraph linear pipeline (StateGraph nodes)
# --------------------------------------------------------------------------
def mfg_torque_lot(fail):
    task = ("Run incoming QA on lot L-24-0917 (M6 flange bolts, part 88-3140-06) from Kessler Fastening and "
            "disposition it. Release to LINE-3 only if every sampled bolt meets the drawing torque-to-yield "
            "spec; otherwise hold it for MRB.")
    agents = {
        "MeasurementAgent": "Node fetch_measurements. Pull the governing spec from the drawing database and the "
                            "lot's sample measurements from the QMS; report them verbatim without judging them.",
        "SpecCheckAgent": "Node spec_check. Compare every measured sample against the spec limits; return PASS "
                          "only if all samples are within limits, and list any out-of-limit sample IDs.",
        "DispositionAgent": "Node disposition. Act on the spec_check verdict: PASS -> release_lot to the "
                            "requested line; FAIL -> hold_lot routed to MRB. Do not re-evaluate measurements.",
        "ReportAgent": "Node report. Write the final QA summary for the supplier quality engineer from the "
                       "graph state.",
    }
    meas_out = ("Spec 88-3140-06 rev C: torque-to-yield, nominal 12.0 N·m, LSL 11.5, USL 12.5; sampling "
                "n=8, c=0. Lot L-24-0917 (5,000 pcs, Kessler Fastening, received 2025-06-02). Samples (N·m): "
                "S1 12.1, S2 11.9, S3 12.3, S4 12.0, S5 11.8, S6 12.2, S7 12.7, S8 12.1. Gauge TQ-220, "
                "calibration due 2025-09-30.")
    turns = [
        turn("MeasurementAgent", "state: {lot: 'L-24-0917', part: '88-3140-06', destination: 'LINE-3'}",
             meas_out,
             [tool("get_spec", {"part": "88-3140-06", "rev": "C"},
                   {"part": "88-3140-06", "rev": "C", "characteristic": "torque-to-yield", "unit": "N·m",
                    "nominal": 12.0, "lsl": 11.5, "usl": 12.5, "sample_plan": "n=8, c=0"}),
              tool("get_measurements", {"lot": "L-24-0917"},
                   {"lot": "L-24-0917", "supplier": "Kessler Fastening", "qty": 5000, "received": "2025-06-02",
                    "samples": [{"id": "S1", "value": 12.1}, {"id": "S2", "value": 11.9},
                                {"id": "S3", "value": 12.3}, {"id": "S4", "value": 12.0},
                                {"id": "S5", "value": 11.8}, {"id": "S6", "value": 12.2},
                                {"id": "S7", "value": 12.7}, {"id": "S8", "value": 12.1}],
                    "gauge": "TQ-220", "gauge_cal_due": "2025-09-30"})]),
    ]
    sc_in = "state.measurements + state.spec from fetch_measurements: " + meas_out
    if fail:
        turns.append(turn("SpecCheckAgent", sc_in,
                          "Checked 8/8 samples against 11.5–12.5 N·m. Observed range 11.8–12.3 N·m, mean 12.14 "
                          "N·m. All samples within limits; 0 nonconforming against c=0. Out-of-limit IDs: none. "
                          "verdict = PASS"))
        turns.append(turn("DispositionAgent", "state.verdict = PASS; state.out_of_limit = []; destination LINE-3",
                          "Verdict PASS. Lot L-24-0917 released to LINE-3.",
                          [tool("release_lot", {"lot": "L-24-0917", "destination": "LINE-3"},
                                {"lot": "L-24-0917", "status": "released", "destination": "LINE-3",
                                 "timestamp": "2025-06-03T14:22:08Z"})]))
        final = ("Incoming QA – lot L-24-0917 (88-3140-06, Kessler Fastening, 5,000 pcs): 8 of 8 samples within "
                 "the 11.5–12.5 N·m torque-to-yield spec (range 11.8–12.3, mean 12.14). Accepted at c=0 and "
                 "released to LINE-3 at 14:22 UTC on 2025-06-03. No supplier action required.")
        turns.append(turn("ReportAgent", "state: verdict PASS, release status released to LINE-3", final))
    else:
        turns.append(turn("SpecCheckAgent", sc_in,
                          "Checked 8/8 samples against 11.5–12.5 N·m. S7 = 12.7 N·m exceeds the USL of 12.5 by "
                          "0.2 N·m; the other seven are in limits. Observed range 11.8–12.7 N·m, mean 12.14 N·m. "
                          "1 nonconforming against c=0. Out-of-limit IDs: [S7]. verdict = FAIL"))
        turns.append(turn("DispositionAgent", "state.verdict = FAIL; state.out_of_limit = ['S7']",
                          "Verdict FAIL. Lot L-24-0917 placed on hold and routed to MRB (case MRB-2025-0412).",
                          [tool("hold_lot", {"lot": "L-24-0917", "route": "MRB",
                                             "reason": "S7 torque-to-yield 12.7 N·m > USL 12.5 N·m (n=8, c=0)"},
                                {"lot": "L-24-0917", "status": "on_hold", "mrb_case": "MRB-2025-0412",
                                 "timestamp": "2025-06-03T14:22:08Z"})]))
        final = ("Incoming QA – lot L-24-0917 (88-3140-06, Kessler Fastening, 5,000 pcs): REJECTED at c=0. "
                 "Sample S7 measured 12.7 N·m, above the 12.5 N·m USL; the other 7 samples were within limits "
                 "(range 11.8–12.7, mean 12.14). Lot is on hold under MRB-2025-0412 and was not released to "
                 "LINE-3. Recommend a SCAR to Kessler Fastening pending MRB review.")
        turns.append(turn("ReportAgent", "state: verdict FAIL, hold status on_hold, mrb_case MRB-2025-0412", final))
    why = ("get_measurements returned {\"id\": \"S7\", \"value\": 12.7} and the spec says \"usl\": 12.5 with "
           "c=0, but SpecCheckAgent reported 'Observed range 11.8–12.3 N·m ... All samples within limits ... "
           "verdict = PASS', so DispositionAgent released a nonconforming lot to LINE-3.")
    return run("mfg-torque-lot", fail, task, agents, turns, final,
               ("SpecCheckAgent", 1, ["FM-3.3"], why))


# --------------------------------------------------------------------------
# 3. Education admin -- CrewAI planner + workers (planning=True)
# --------------------------------------------------------------------------
def edu_prereq_enroll(fail):
    task = ("Please enroll Maya Okafor (student ID S-20417) in CS 341 Operating Systems for Fall 2025, section "
            "002. Department policy requires CS 241 with a grade of C or better. If she doesn't meet that, don't "
            "enroll her; submit a prerequisite waiver request to Dr. Lindqvist instead.")
    agents = {
        "PlanningAgent": "You are the crew planner. Turn the request into a numbered step-by-step plan, "
                         "assigning each step to RecordsSpecialist or EnrollmentSpecialist; the workers execute "
                         "the plan exactly as written.",
        "RecordsSpecialist": "You look up student records and course sections in the SIS and report exactly "
                             "what you find for the plan steps assigned to you.",
        "EnrollmentSpecialist": "You perform registrations and waiver submissions in the SIS for the plan steps "
                                "assigned to you, then report the outcome to the requester.",
    }
    student = tool("get_student", {"student_id": "S-20417"},
                   {"student_id": "S-20417", "name": "Maya Okafor", "status": "active",
                    "program": "BS Computer Science", "holds": [],
                    "completed_courses": [{"course": "CS 141", "term": "Fall 2023", "grade": "B+"},
                                          {"course": "MATH 221", "term": "Spring 2024", "grade": "B"},
                                          {"course": "CS 241", "term": "Fall 2024", "grade": "C-"},
                                          {"course": "CS 251", "term": "Spring 2025", "grade": "B-"}]})
    section = tool("get_section", {"course": "CS 341", "section": "002", "term": "Fall 2025"},
                   {"course": "CS 341", "section": "002", "term": "Fall 2025", "capacity": 45, "enrolled": 41,
                    "waitlist": 0, "instructor": "Dr. E. Lindqvist", "meets": "MWF 10:00-10:50"})
    if fail:
        plan = ("Plan:\n1. (RecordsSpecialist) Confirm S-20417 is an active student with no registration holds "
                "for Fall 2025.\n2. (RecordsSpecialist) Check seat availability in CS 341-002, Fall 2025.\n"
                "3. (EnrollmentSpecialist) Enroll S-20417 in CS 341-002 and record the confirmation number.\n"
                "4. (EnrollmentSpecialist) Report the result to the requester.")
        turns = [turn("PlanningAgent", task, plan),
                 turn("RecordsSpecialist", "Execute plan steps 1-2.\n" + plan,
                      "Step 1: S-20417 Maya Okafor, BS Computer Science, status active, no holds.\n"
                      "Step 2: CS 341-002 (Dr. E. Lindqvist, MWF 10:00-10:50) has 41/45 enrolled, 4 seats open, "
                      "no waitlist.", [student, section]),
                 turn("EnrollmentSpecialist", "Execute plan step 3. Records found: active, no holds; 4 seats open.",
                      "Step 3: Enrolled S-20417 in CS 341-002, Fall 2025. Confirmation REG-F25-778120 (4 credits).",
                      [tool("enroll_student", {"student_id": "S-20417", "course": "CS 341", "section": "002",
                                               "term": "Fall 2025"},
                            {"confirmation": "REG-F25-778120", "status": "enrolled", "credits": 4})])]
        final = ("Done: Maya Okafor (S-20417) is enrolled in CS 341 Operating Systems, section 002, Fall 2025 "
                 "(MWF 10:00-10:50, Dr. Lindqvist). Confirmation REG-F25-778120, 4 credits. She had no holds "
                 "and the section had 4 open seats.")
    else:
        plan = ("Plan:\n1. (RecordsSpecialist) Confirm S-20417 is an active student with no registration holds "
                "for Fall 2025.\n2. (RecordsSpecialist) Pull her CS 241 grade and compare it with the "
                "C-or-better requirement.\n3. (RecordsSpecialist) Check seat availability in CS 341-002, Fall "
                "2025.\n4. (EnrollmentSpecialist) If step 2 is satisfied and a seat is open, enroll S-20417 in "
                "CS 341-002. If step 2 is NOT satisfied, skip enrollment and submit a prerequisite waiver "
                "request to Dr. Lindqvist.\n5. (EnrollmentSpecialist) Report the result to the requester.")
        turns = [turn("PlanningAgent", task, plan),
                 turn("RecordsSpecialist", "Execute plan steps 1-3.\n" + plan,
                      "Step 1: S-20417 Maya Okafor, BS Computer Science, status active, no holds.\n"
                      "Step 2: CS 241 taken Fall 2024, grade C-. C- is below the required C, so the "
                      "prerequisite is NOT met.\n"
                      "Step 3: CS 341-002 (Dr. E. Lindqvist, MWF 10:00-10:50) has 41/45 enrolled, 4 seats open, "
                      "no waitlist.", [student, section]),
                 turn("EnrollmentSpecialist",
                      "Execute plan step 4. Records found: active, no holds; CS 241 grade C- (prerequisite not "
                      "met); 4 seats open.",
                      "Step 4: Prerequisite not met, so I skipped the enrollment branch as the plan says. "
                      "Submitted waiver WVR-3391 to Dr. E. Lindqvist for CS 341, Fall 2025.",
                      [tool("submit_waiver", {"student_id": "S-20417", "course": "CS 341", "section": "002",
                                              "term": "Fall 2025", "approver": "Dr. E. Lindqvist",
                                              "reason": "CS 241 grade C- (Fall 2024); policy requires C or better"},
                            {"waiver_id": "WVR-3391", "status": "submitted", "routed_to": "Dr. E. Lindqvist",
                             "submitted_at": "2025-06-02T10:14:00-07:00"})])]
        final = ("Maya Okafor (S-20417) was NOT enrolled in CS 341-002: her CS 241 grade (Fall 2024) is C-, below "
                 "the required C or better. As requested, I submitted prerequisite waiver WVR-3391 to Dr. "
                 "Lindqvist. Section 002 currently has 4 open seats; if the waiver is approved she can be "
                 "enrolled then.")
    turns.append(turn("EnrollmentSpecialist", "Execute the final plan step: report the result to the requester.",
                      final))
    why = ("The task says 'Department policy requires CS 241 with a grade of C or better. If she doesn't meet "
           "that, don't enroll her', but PlanningAgent's plan (turn 0) has no prerequisite step and goes straight "
           "to 'Enroll S-20417 in CS 341-002'; get_student shows {\"course\": \"CS 241\", ..., \"grade\": \"C-\"}, "
           "and the workers followed the plan and enrolled her (REG-F25-778120) instead of filing a waiver.")
    return run("edu-prereq-enroll", fail, task, agents, turns, final,
               ("PlanningAgent", 0, ["FM-1.1"], why))


# --------------------------------------------------------------------------
# 4. E-commerce catalog -- AutoGen group chat with a code executor
# --------------------------------------------------------------------------
def ecom_tent_markdown(fail):
    task = ("Apply a 15% markdown to every SKU in the 'Outdoor > Tents' category that has more than 40 units on "
            "hand (catalog export catalog_2025-06-02.csv). Round new prices to 2 decimals and write sku,old_price,"
            "new_price to tents_markdown.csv for tonight's catalog import.")
    agents = {
        "Engineer": "You solve catalog tasks by writing Python (pandas) in a single ```python block, saying what "
                    "the code does first. When the Critic replies APPROVED, summarize the result and end with "
                    "TERMINATE.",
        "Executor": "UserProxyAgent with code_execution_config. Executes the latest code block in the chat and "
                    "replies with the exit code and the output verbatim.",
        "Critic": "Review the Engineer's code and the executed output against the task's exact criteria. Reply "
                  "APPROVED, or list concrete problems.",
    }
    turns = [
        turn("Engineer", task,
             "First let me look at the Tents rows and their stock levels.\n```python\nimport pandas as pd\n"
             "df = pd.read_csv('catalog_2025-06-02.csv')\ntents = df[df['category'] == 'Outdoor > Tents']\n"
             "print(tents[['sku', 'name', 'price', 'stock']].to_string(index=False))\n```"),
        turn("Executor", "Execute the code block from Engineer.",
             "exitcode: 0 (execution succeeded)\nCode output:\n"
             "     sku                           name  price  stock\n"
             "TNT-2201  Ridgeback 2P Backpacking Tent  289.0     57\n"
             "TNT-2204  Ridgeback 3P Backpacking Tent  349.0     12\n"
             "TNT-2207        Basecamp 6P Family Tent  429.0     40\n"
             "TNT-2210         Alpine UL 1P Bivy Tent  219.0     88\n"
             "TNT-2215     Canopy 10x10 Shade Shelter  149.0     41\n"
             "TNT-2218        Basecamp 8P Family Tent  499.0      0"),
    ]
    if fail:
        turns += [
            turn("Engineer", "Executor output above. Continue.",
                 "Six tents SKUs. Now filter to stock strictly above 40, apply price * 0.85, round to 2 dp and "
                 "write the import file.\n```python\nimport pandas as pd\ndf = pd.read_csv('catalog_2025-06-02.csv')"
                 "\nmask = (df['category'] == 'Outdoor > Tents') & (df['stock'] >= 40)\nout = df.loc[mask, ['sku', "
                 "'price']].rename(columns={'price': 'old_price'})\nout['new_price'] = (out['old_price'] * 0.85)"
                 ".round(2)\nout.to_csv('tents_markdown.csv', index=False)\nprint(out.to_string(index=False))\n"
                 "print('rows written:', len(out))\n```"),
            turn("Executor", "Execute the code block from Engineer.",
                 "exitcode: 0 (execution succeeded)\nCode output:\n"
                 "     sku  old_price  new_price\n"
                 "TNT-2201      289.0     245.65\n"
                 "TNT-2207      429.0     364.65\n"
                 "TNT-2210      219.0     186.15\n"
                 "TNT-2215      149.0     126.65\n"
                 "rows written: 4"),
            turn("Critic", "Review the Engineer's code and output.",
                 "Checked the arithmetic: 289.00×0.85=245.65, 429.00×0.85=364.65, 219.00×0.85=186.15, "
                 "149.00×0.85=126.65. Only 'Outdoor > Tents' rows are included, the zero-stock TNT-2218 and the "
                 "12-unit TNT-2204 are excluded, and the file has the sku,old_price,new_price columns the import "
                 "expects. APPROVED"),
        ]
        final = ("tents_markdown.csv is ready for tonight's import with 4 SKUs marked down 15%: TNT-2201 "
                 "289.00→245.65, TNT-2207 429.00→364.65, TNT-2210 219.00→186.15, TNT-2215 149.00→126.65. "
                 "TNT-2204 (12 units) and TNT-2218 (0 units) are unchanged.")
    else:
        turns += [
            turn("Engineer", "Executor output above. Continue.",
                 "Six tents SKUs. Now filter to stock strictly above 40, apply price * 0.85, round to 2 dp and "
                 "write the import file.\n```python\nimport pandas as pd\ndf = pd.read_csv('catalog_2025-06-02.csv')"
                 "\nmask = (df['category'] == 'Outdoor > Tents') & (df['Stock'] > 40)\nout = df.loc[mask, ['sku', "
                 "'price']].rename(columns={'price': 'old_price'})\nout['new_price'] = (out['old_price'] * 0.85)"
                 ".round(2)\nout.to_csv('tents_markdown.csv', index=False)\nprint(out.to_string(index=False))\n"
                 "print('rows written:', len(out))\n```"),
            turn("Executor", "Execute the code block from Engineer.",
                 "exitcode: 1 (execution failed)\nCode output:\nTraceback (most recent call last):\n"
                 "  File \"tmp_code_5e1c.py\", line 3, in <module>\n"
                 "    mask = (df['category'] == 'Outdoor > Tents') & (df['Stock'] > 40)\n"
                 "  ...\nKeyError: 'Stock'"),
            turn("Engineer", "Executor output above. Continue.",
                 "Typo: the column is lowercase 'stock'. Same logic, fixed column name.\n```python\nimport pandas "
                 "as pd\ndf = pd.read_csv('catalog_2025-06-02.csv')\nmask = (df['category'] == 'Outdoor > Tents') "
                 "& (df['stock'] > 40)\nout = df.loc[mask, ['sku', 'price']].rename(columns={'price': "
                 "'old_price'})\nout['new_price'] = (out['old_price'] * 0.85).round(2)\nout.to_csv("
                 "'tents_markdown.csv', index=False)\nprint(out.to_string(index=False))\nprint('rows written:', "
                 "len(out))\n```"),
            turn("Executor", "Execute the code block from Engineer.",
                 "exitcode: 0 (execution succeeded)\nCode output:\n"
                 "     sku  old_price  new_price\n"
                 "TNT-2201      289.0     245.65\n"
                 "TNT-2210      219.0     186.15\n"
                 "TNT-2215      149.0     126.65\n"
                 "rows written: 3"),
            turn("Critic", "Review the Engineer's code and output.",
                 "Checked the arithmetic: 289.00×0.85=245.65, 219.00×0.85=186.15, 149.00×0.85=126.65. The "
                 "filter is strictly > 40, so TNT-2207 at exactly 40 units is correctly left out, as are "
                 "TNT-2204 (12) and TNT-2218 (0). Columns sku,old_price,new_price match the import. APPROVED"),
        ]
        final = ("tents_markdown.csv is ready for tonight's import with 3 SKUs marked down 15%: TNT-2201 "
                 "289.00→245.65, TNT-2210 219.00→186.15, TNT-2215 149.00→126.65. TNT-2207 (exactly 40 units), "
                 "TNT-2204 (12) and TNT-2218 (0) are unchanged.")
    turns.append(turn("Engineer", "Critic replied APPROVED.", final + "\nTERMINATE"))
    why = ("The task says 'more than 40 units on hand' and the Engineer (turn 2) says 'filter to stock strictly "
           "above 40', but its code uses (df['stock'] >= 40); the executor output then includes 'TNT-2207 429.0 "
           "364.65' although turn 1 shows TNT-2207 has stock 40, so a non-qualifying SKU is marked down.")
    return run("ecom-tent-markdown", fail, task, agents, turns, final,
               ("Engineer", 2, ["FM-2.6"], why))


# --------------------------------------------------------------------------
# 5. Bioinformatics -- Pydantic AI style tool agent + reviewer agent
# --------------------------------------------------------------------------
def _gc(seq):
    return round(100 * sum(c in "GC" for c in seq) / len(seq))


def bio_primer_design(fail):
    task = ("Design a PCR primer pair to amplify exon 4 of human TP53 (NM_000546.6) for Sanger sequencing. Lab "
            "SOP constraints: primer Tm 58–62 °C, GC content 40–60%, amplicon 400–600 bp. Order the approved "
            "pair from IDT at 25 nmol scale, standard desalting.")
    agents = {
        "PrimerDesigner": "Pydantic AI agent with tools design_primers and order_oligos. Run primer3 and return "
                          "the top three candidate pairs unfiltered with all reported properties; after "
                          "PrimerReviewer approves a pair, order exactly that pair.",
        "PrimerReviewer": "Pydantic AI agent (output_type=ReviewResult). Check each candidate pair against every "
                          "SOP constraint in the task (Tm, GC content, amplicon size), show the check per "
                          "constraint, and approve the highest-ranked pair that meets all of them.",
    }
    p = [  # (left, right, tm_l, tm_r, size, penalty)
        ("GACCTATGGAAACTACTTCC", "CAGGCATTGAAGTCTCATGG", 59.8, 60.4, 712, 0.21),
        ("CTGCTCACCAGACTAGATTC", "GTCACCAGGATGAAGGCTCA", 59.1, 60.7, 538, 0.48),
        ("CCCTTCCCAGAAAACCTACC", "GCGCCAGTCTTGAGCACATG", 63.4, 61.2, 455, 0.91),
    ]
    pairs = [{"rank": i + 1, "left": l, "right": r, "left_tm": tl, "right_tm": tr, "left_gc": _gc(l),
              "right_gc": _gc(r), "product_size": s, "penalty": pen}
             for i, (l, r, tl, tr, s, pen) in enumerate(p)]
    cand_txt = "; ".join(
        f"Pair {c['rank']}: F {c['left']} (Tm {c['left_tm']}, GC {c['left_gc']}%), R {c['right']} (Tm "
        f"{c['right_tm']}, GC {c['right_gc']}%), amplicon {c['product_size']} bp, penalty {c['penalty']}"
        for c in pairs)
    turns = [
        turn("PrimerDesigner", task,
             "primer3 returned 3 pairs for TP53 exon 4 (NM_000546.6), ranked by penalty, unfiltered: " + cand_txt
             + ". Passing to PrimerReviewer.",
             [tool("design_primers", {"template": "NM_000546.6", "target": "exon4",
                                      "product_size_range": "300-800", "primer_opt_tm": 60.0, "num_return": 3},
                   {"template": "NM_000546.6", "target": "exon4", "pairs": pairs,
                    "primer3_version": "2.6.1"})]),
    ]
    gc = {c["rank"]: (c["left_gc"], c["right_gc"]) for c in pairs}
    if fail:
        rev = (f"Pair 1: Tm 59.8 / 60.4 °C -> within 58–62 ✓; GC {gc[1][0]}% / {gc[1][1]}% -> within 40–60 ✓. "
               "Meets the SOP and is the top-ranked (lowest penalty, 0.21). "
               "ReviewResult(approved_pair=1, notes='Pair 1 passes; pairs 2-3 not needed.')")
        pick = pairs[0]
    else:
        rev = (f"Pair 1: Tm 59.8 / 60.4 ✓; GC {gc[1][0]}% / {gc[1][1]}% ✓; amplicon 712 bp ✗ (above the 600 bp "
               f"maximum) -> rejected. Pair 2: Tm 59.1 / 60.7 ✓; GC {gc[2][0]}% / {gc[2][1]}% ✓; amplicon 538 bp "
               "✓ -> meets all constraints. (Pair 3: left Tm 63.4 ✗.) "
               "ReviewResult(approved_pair=2, notes='Pair 1 amplicon 712 bp exceeds 600 bp; pair 2 approved.')")
        pick = pairs[1]
    turns.append(turn("PrimerReviewer", "Review these candidates against the SOP: " + cand_txt, rev))
    n = pick["rank"]
    turns.append(turn("PrimerDesigner", f"PrimerReviewer approved pair {n}. Place the order.",
                      f"Ordered pair {n} from IDT, 25 nmol, standard desalting: order IDT-14582267.",
                      [tool("order_oligos", {"vendor": "IDT", "scale": "25nm", "purification": "STD",
                                             "oligos": [{"name": "TP53_ex4_F", "seq": pick["left"]},
                                                        {"name": "TP53_ex4_R", "seq": pick["right"]}]},
                            {"order_id": "IDT-14582267", "status": "submitted", "oligos": 2,
                             "est_ship": "2025-06-05"})]))
    final = (f"TP53 exon 4 primers ordered (IDT-14582267, 25 nmol, standard desalting, ships 2025-06-05): "
             f"TP53_ex4_F {pick['left']} (Tm {pick['left_tm']} °C, GC {pick['left_gc']}%), TP53_ex4_R "
             f"{pick['right']} (Tm {pick['right_tm']} °C, GC {pick['right_gc']}%), expected amplicon "
             f"{pick['product_size']} bp. Reviewed against the lab SOP"
             + (" and approved." if fail else "; pair 1 was rejected for its 712 bp amplicon."))
    turns.append(turn("PrimerDesigner", "Summarize for the user.", final))
    why = ("The task requires 'amplicon 400–600 bp' and PrimerReviewer's instructions say to check 'every SOP "
           "constraint ... (Tm, GC content, amplicon size)', but the review of Pair 1 checks only Tm and GC and "
           "approves it while design_primers reported \"product_size\": 712 for that pair; the 712 bp pair was "
           "ordered (IDT-14582267) instead of Pair 2 (538 bp).")
    return run("bio-primer-design", fail, task, agents, turns, final,
               ("PrimerReviewer", 1, ["FM-3.2"], why))
