"""Router app -- HR self-service (part-time vacation entitlement)."""
from common import turn, tool, make_run

RID = "h6-10-hr-vacation"

TASK = ("Employee chat (2025-06-10 09:14): \"Hi - how many vacation days do I have left for 2025? I've taken 4 so far this year. "
        "I started here in June 2019.\"")

AGENTS = {
    "HR_Router": "HR help-desk router. Gathers what is needed, routes the question to one specialist with a handoff note, and relays the answer. Specialists cannot see the employee's messages, so the handoff note must carry every detail that affects the answer.",
    "Leave_Policy_Agent": "Answers leave-entitlement questions from the official leave policy (get_leave_policy tool), using only the facts in the handoff note.",
    "Benefits_Agent": "Answers health, dental and retirement-plan questions.",
    "Employee": "The employee asking the question.",
}

POLICY = {
    "policy_id": "CA-LV-2024",
    "scope": "All Canadian offices (Toronto, Montreal, Vancouver)",
    "note": "Office-level policies are not maintained; returning country policy.",
    "sections": {
        "3.1 Entitlement (full-time)": "Full-time employees receive 15 vacation days per calendar year until they have completed 5 years of continuous service as of January 1 of that year, and 20 days per calendar year thereafter.",
        "3.2 Part-time employees": "Part-time employees receive the entitlement under 3.1 multiplied by their FTE, rounded to the nearest half day. For part-time employees a vacation day is one scheduled working day.",
        "3.3 Carryover": "Up to 5 unused days may be carried into the following year and must be used by March 31; unused carryover then lapses.",
        "3.4 Statutory minimum": "Entitlements under 3.1-3.2 meet or exceed the Ontario ESA minimum of 2 weeks after 1 year of service (pro-rated vacation pay for part-time).",
    },
}


def build():
    t0 = turn("HR_Router", TASK,
              "Happy to help with that! Vacation entitlement depends on your office and your work schedule - which office are you based in, "
              "and are you full-time?")
    t1 = turn("Employee", "HR_Router: which office are you based in, and are you full-time?",
              "Toronto. And I'm part-time actually - 0.6 FTE, I work Monday to Wednesday.")
    step_in = "Employee: \"Toronto. And I'm part-time actually - 0.6 FTE, I work Monday to Wednesday.\" Route the question with a handoff note."
    pol = tool("get_leave_policy", {"country": "CA", "office": "Toronto", "leave_type": "vacation"}, POLICY)

    fail = [
        t0, t1,
        turn("HR_Router", step_in,
             "Thanks! I've passed your question to our leave policy specialist - one moment.",
             [tool("route_to_specialist", {"agent": "Leave_Policy_Agent",
                                           "handoff_note": "Employee based in the Toronto office, hired June 2019. Has used 4 vacation days so far in 2025. Question: how many vacation days remain for 2025?"},
                   {"routed": True, "ticket": "HR-58213", "agent": "Leave_Policy_Agent"})]),
        turn("Leave_Policy_Agent", "Handoff HR-58213: Employee based in the Toronto office, hired June 2019. Has used 4 vacation days so far in 2025. Question: how many vacation days remain for 2025?",
             "Per policy CA-LV-2024:\n\n"
             "- **Service:** hired June 2019, so as of January 1, 2025 the employee has 5 completed years of continuous service -> the "
             "20-day tier of section 3.1 applies.\n"
             "- **Entitlement 2025:** 20 days (standard full-time schedule).\n"
             "- **Used:** 4 days.\n"
             "- Any 2024 carryover (3.3) had to be used by March 31, so it doesn't affect the balance today.\n\n"
             "**Remaining for 2025: 20 - 4 = 16 days.**",
             [pol]),
        turn("HR_Router", "Leave_Policy_Agent answered ticket HR-58213: remaining 16 days (20-day entitlement, 4 used). Relay to the employee.",
             "You have **16 vacation days** left for 2025. Since you've completed 5 years of service, you're in the 20-day tier, and you've "
             "used 4 so far. (Any days carried over from 2024 had to be used by March 31.) Anything else I can help with?"),
    ]
    ok = [
        t0, t1,
        turn("HR_Router", step_in,
             "Thanks! I've passed your question to our leave policy specialist, including your part-time schedule - one moment.",
             [tool("route_to_specialist", {"agent": "Leave_Policy_Agent",
                                           "handoff_note": "Employee based in the Toronto office, hired June 2019. PART-TIME, 0.6 FTE (works Mon-Wed). Has used 4 vacation days so far in 2025. Question: how many vacation days remain for 2025?"},
                   {"routed": True, "ticket": "HR-58213", "agent": "Leave_Policy_Agent"})]),
        turn("Leave_Policy_Agent", "Handoff HR-58213: Employee based in the Toronto office, hired June 2019. PART-TIME, 0.6 FTE (works Mon-Wed). Has used 4 vacation days so far in 2025. Question: how many vacation days remain for 2025?",
             "Per policy CA-LV-2024 (the tool notes there's no Toronto-specific policy; the Canadian policy applies):\n\n"
             "- **Service:** hired June 2019 -> 5 completed years as of January 1, 2025 -> full-time tier is 20 days (3.1).\n"
             "- **Part-time pro-ration (3.2):** 20 x 0.6 = **12 days** (already a whole number, no rounding needed). Each day = one "
             "scheduled working day (Mon-Wed).\n"
             "- **Used:** 4 days.\n"
             "- 2024 carryover (3.3) lapsed on March 31, so it doesn't change today's balance.\n\n"
             "**Remaining for 2025: 12 - 4 = 8 days.**",
             [pol]),
        turn("HR_Router", "Leave_Policy_Agent answered ticket HR-58213: remaining 8 days (20 x 0.6 = 12, minus 4 used). Relay to the employee.",
             "You have **8 vacation days** left for 2025. With 5+ years of service the full-time entitlement is 20 days; at 0.6 FTE that "
             "is pro-rated to 12 days, and you've used 4. (Any 2024 carryover had to be used by March 31.)"),
        turn("Employee", "HR_Router: 8 vacation days left for 2025 (12 pro-rated at 0.6 FTE, minus 4 used).",
             "Thanks! Is that 8 calendar days or 8 of my working days? I only work Mon-Wed."),
        turn("HR_Router", "Employee: \"Is that 8 calendar days or 8 of my working days? I only work Mon-Wed.\"",
             "Good question - it's **8 of your scheduled working days**. The policy counts a vacation day for part-time staff as one "
             "scheduled working day, so taking a Monday, Tuesday or Wednesday off uses one day; Thursdays and Fridays aren't workdays for "
             "you and don't use any. For example, a full week off (Mon-Wed) uses 3 of your 8 days."),
    ]
    f = make_run(
        RID, None, TASK, AGENTS, fail,
        "You have 16 vacation days left for 2025 (20-day tier for 5+ years of service, minus 4 used).",
        "failure", "HR_Router", 2, ["FM-2.4"],
        "The employee told HR_Router 'I'm part-time actually - 0.6 FTE, I work Monday to Wednesday', and HR_Router's instructions say "
        "'Specialists cannot see the employee's messages, so the handoff note must carry every detail that affects the answer'. The handoff "
        "note it sends is 'Employee based in the Toronto office, hired June 2019. Has used 4 vacation days ...' with no part-time status, "
        "so Leave_Policy_Agent applies the '20 days (standard full-time schedule)' and answers 16. Policy 3.2 pro-rates part-time "
        "entitlement by FTE: 20 x 0.6 = 12, minus 4 = 8 days.",
    )
    o = make_run(
        RID + "-ok", RID, TASK, AGENTS, ok,
        "You have 8 vacation days left for 2025: 20-day full-time entitlement pro-rated to 12 at 0.6 FTE, minus 4 used; these are 8 of your scheduled working days (Mon-Wed).",
        "success", None, None, [],
        "The handoff note carries 'PART-TIME, 0.6 FTE', the specialist applies 3.1 (20 days for 5+ years) and 3.2 (x 0.6 = 12), minus "
        "4 used = 8; the follow-up about working vs calendar days is answered from 3.2's definition.",
    )
    return f, o
