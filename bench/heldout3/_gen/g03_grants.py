from common import T, tool, run, OK_LABEL

ID = "grants-rcaf25-screening"

APPS = {"call": "RCAF-25", "applications": [
    {"app_id": "APP-031", "org": "Harbourside Youth Theatre", "org_id": "NPO-10482", "total_cost_eur": 70000, "requested_eur": 50000, "cofunding_eur": 20000, "panel_score": 86},
    {"app_id": "APP-044", "org": "Northgate Mural Collective", "org_id": "NPO-11907", "total_cost_eur": 48000, "requested_eur": 42000, "cofunding_eur": 6000, "panel_score": 91},
    {"app_id": "APP-052", "org": "Riverside Folk Archive", "org_id": "NPO-09833", "total_cost_eur": 45000, "requested_eur": 34000, "cofunding_eur": 11000, "panel_score": 78}]}
REG = {"results": [
    {"org_id": "NPO-10482", "status": "registered", "registered_since": "2011-05-19"},
    {"org_id": "NPO-11907", "status": "registered", "registered_since": "2019-09-02"},
    {"org_id": "NPO-09833", "status": "registered", "registered_since": "2008-01-14"}]}

def build(fail):
    task = ("Screen the three applications to the 2025 Riverside Community Arts Fund (call RCAF-25) and recommend awards. Call rules: "
            "applicant must be a registered nonprofit; max award EUR 50,000; applicant co-funding must be at least 20% of total project cost; "
            "total pot EUR 120,000. Output a table of recommended awards with a one-line reason per applicant.")
    agents = {
        "Planner": "CrewAI planning agent. Turn the user's request into an ordered task list with explicit acceptance criteria for each crew member; the crew executes the plan as written.",
        "EligibilityAnalyst": "Check each application against the eligibility criteria listed in the plan, using the application and nonprofit-registry tools.",
        "BudgetAnalyst": "Set award amounts for eligible applications following the plan's budget rules and make sure the total fits the pot.",
        "ReportWriter": "Write the final recommendation table from the analysts' outputs, one line of reasoning per applicant.",
    }
    turns = []
    if fail:
        plan = ("Crew plan for RCAF-25:\n"
                "Task 1 - EligibilityAnalyst: load all RCAF-25 applications; confirm each applicant is a registered nonprofit. Acceptance: eligible/ineligible per applicant with registry evidence.\n"
                "Task 2 - BudgetAnalyst: for eligible applicants, rank by panel_score; award the requested amount capped at EUR 50,000; if the running total exceeds EUR 120,000, reduce the lowest-ranked award to fit. Acceptance: award per applicant and total <= EUR 120,000.\n"
                "Task 3 - ReportWriter: table (applicant | award | reason).")
    else:
        plan = ("Crew plan for RCAF-25:\n"
                "Task 1 - EligibilityAnalyst: load all RCAF-25 applications; confirm each applicant is a registered nonprofit AND that cofunding_eur / total_cost_eur >= 20%. Acceptance: eligible/ineligible per applicant with registry evidence and the co-funding %.\n"
                "Task 2 - BudgetAnalyst: for eligible applicants, rank by panel_score; award the requested amount capped at EUR 50,000; if the running total exceeds EUR 120,000, reduce the lowest-ranked award to fit. Acceptance: award per applicant and total <= EUR 120,000.\n"
                "Task 3 - ReportWriter: table (applicant | award | reason).")
    turns.append(T("Planner", task, plan))
    if fail:
        turns.append(T("EligibilityAnalyst", "Task 1 from the crew plan: confirm each RCAF-25 applicant is a registered nonprofit.",
          "Eligibility (criterion per plan: registered nonprofit):\n"
          "- APP-031 Harbourside Youth Theatre (NPO-10482): registered since 2011-05-19 -> ELIGIBLE\n"
          "- APP-044 Northgate Mural Collective (NPO-11907): registered since 2019-09-02 -> ELIGIBLE\n"
          "- APP-052 Riverside Folk Archive (NPO-09833): registered since 2008-01-14 -> ELIGIBLE\n"
          "All three proceed to budgeting.",
          [tool("list_applications", {"call": "RCAF-25"}, APPS), tool("check_npo_registry", {"org_ids": ["NPO-10482", "NPO-11907", "NPO-09833"]}, REG)]))
        turns.append(T("BudgetAnalyst", "Task 2 from the crew plan. Eligible: APP-031, APP-044, APP-052 (requested 50,000 / 42,000 / 34,000; panel scores 86 / 91 / 78).",
          "Ranked by panel score: APP-044 (91) EUR 42,000; APP-031 (86) EUR 50,000 (at cap); APP-052 (78) requested 34,000.\n"
          "Running total 42,000 + 50,000 + 34,000 = 126,000 > 120,000, so the lowest-ranked award is reduced by 6,000: APP-052 -> EUR 28,000.\n"
          "Awards: APP-044 42,000; APP-031 50,000; APP-052 28,000. Total EUR 120,000 (pot fully allocated)."))
        turns.append(T("ReportWriter", "Write the recommendation table from EligibilityAnalyst and BudgetAnalyst outputs.",
          "RCAF-25 award recommendations\n| Applicant | Award (EUR) | Reason |\n|---|---|---|\n"
          "| APP-044 Northgate Mural Collective | 42,000 | Highest panel score (91); registered nonprofit; full request funded. |\n"
          "| APP-031 Harbourside Youth Theatre | 50,000 | Score 86; request at the EUR 50,000 cap, funded in full. |\n"
          "| APP-052 Riverside Folk Archive | 28,000 | Score 78; reduced from 34,000 so the total fits the EUR 120,000 pot. |\n"
          "Total: EUR 120,000."))
        final = turns[-1]["output"]
        label = {"outcome": "failure", "culprit": "Planner", "step": 0, "modes": ["FM-1.1"],
                 "why": "The task states \"applicant co-funding must be at least 20% of total project cost\", but the Planner's plan only asks EligibilityAnalyst to \"confirm each applicant is a registered nonprofit\" and drops the co-funding rule. The crew follows the plan, and the final table funds APP-044 with EUR 42,000 although list_applications shows \"total_cost_eur\": 48000, \"cofunding_eur\": 6000 (12.5% < 20%). APP-052 is then cut to EUR 28,000 to make room."}
    else:
        turns.append(T("EligibilityAnalyst", "Task 1 from the crew plan: confirm each RCAF-25 applicant is a registered nonprofit and has co-funding >= 20% of total cost.",
          "Eligibility:\n"
          "- APP-031 Harbourside Youth Theatre (NPO-10482): registered since 2011-05-19; co-funding 20,000 / 70,000 = 28.6% -> ELIGIBLE\n"
          "- APP-044 Northgate Mural Collective (NPO-11907): registered since 2019-09-02; co-funding 6,000 / 48,000 = 12.5% -> INELIGIBLE (below 20%)\n"
          "- APP-052 Riverside Folk Archive (NPO-09833): registered since 2008-01-14; co-funding 11,000 / 45,000 = 24.4% -> ELIGIBLE\n"
          "APP-031 and APP-052 proceed to budgeting.",
          [tool("list_applications", {"call": "RCAF-25"}, APPS), tool("check_npo_registry", {"org_ids": ["NPO-10482", "NPO-11907", "NPO-09833"]}, REG)]))
        turns.append(T("BudgetAnalyst", "Task 2 from the crew plan. Eligible: APP-031 (requested 50,000, score 86), APP-052 (requested 34,000, score 78). APP-044 ineligible.",
          "Ranked by panel score: APP-031 (86) EUR 50,000 (at cap); APP-052 (78) EUR 34,000.\n"
          "Running total 50,000 + 34,000 = 84,000 <= 120,000, so the reduction step does not apply.\n"
          "Awards: APP-031 50,000; APP-052 34,000. Total EUR 84,000; EUR 36,000 of the pot remains unallocated."))
        turns.append(T("ReportWriter", "Write the recommendation table from EligibilityAnalyst and BudgetAnalyst outputs.",
          "RCAF-25 award recommendations\n| Applicant | Award (EUR) | Reason |\n|---|---|---|\n"
          "| APP-031 Harbourside Youth Theatre | 50,000 | Score 86; registered nonprofit; co-funding 28.6%; request at the EUR 50,000 cap, funded in full. |\n"
          "| APP-052 Riverside Folk Archive | 34,000 | Score 78; registered nonprofit; co-funding 24.4%; funded in full. |\n"
          "| APP-044 Northgate Mural Collective | 0 | Ineligible: co-funding 6,000 of 48,000 = 12.5%, below the 20% minimum (despite top score 91). |\n"
          "Total: EUR 84,000 of 120,000 (EUR 36,000 unallocated)."))
        final = turns[-1]["output"]
        label = OK_LABEL("Plan carries all four call rules; co-funding 28.6% / 12.5% / 24.4% correctly computed; APP-044 excluded; 50,000 + 34,000 = 84,000 within the pot, so the conditional reduction step is legitimately skipped.")
    return run(ID, fail, task, agents, turns, final, label)
