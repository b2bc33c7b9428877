from common import *
TASK = ("Draft the paid-annual-leave paragraph for the offer letter of Lena Vogt, who joins full-time as a Senior Analyst in our Munich office on 1 September 2024. "
        "Use the entitlement that applies to her entity and location, including how 2024 is prorated.")
AGENTS = {
 "PeopleOpsRouter": "Pull the new hire's record from the HRIS and pass the facts relevant to the request to PolicyResearcher.",
 "PolicyResearcher": "Look up the applicable leave policy in the policy library for the hire's legal entity and country, and state the exact entitlement figures, including proration.",
 "LetterDrafter": "Write offer-letter text using exactly the entitlement figures PolicyResearcher provides. Do not substitute other figures. Formal, warm tone.",
}
HIRE = {"employee":"Lena Vogt","title":"Senior Analyst","legal_entity":"Acme Analytics GmbH","work_location":"Munich, DE","fte":1.0,"workweek_days":5,"start_date":"2024-09-01","contract":"unbefristet (permanent)"}
POL = {"policy_id":"HR-DE-LV-2024","entity":"Acme Analytics GmbH","annual_leave_days":28,"basis":"working days, 5-day week","statutory_minimum_days":20,
       "first_year":"prorated 1/12 per full month of employment in the calendar year","rounding":"round up to the next full day",
       "carryover":"untaken leave may be carried over until 31 March of the following year"}
FACTS = ("New hire facts for the leave paragraph:\n- Lena Vogt, Senior Analyst, **Acme Analytics GmbH**, Munich (DE)\n- Full-time (1.0 FTE, 5-day week), permanent contract\n- Start date **2024-09-01**\n\nPolicyResearcher: please confirm the applicable leave entitlement and 2024 proration.")
RES = ("Applicable policy: **HR-DE-LV-2024** (Acme Analytics GmbH).\n\n"
       "- Annual entitlement: **28 working days** per calendar year (5-day week). (Statutory minimum under German law is 20 days; our policy grants 28.)\n"
       "- 2024 proration: 1/12 per full month → Sep–Dec = 4 months → 28 × 4/12 = 9.33 → rounded up to **10 days** for 2024.\n"
       "- Carry-over: untaken leave may be carried over until **31 March** of the following year.")
def build(fail):
    turns = [T("PeopleOpsRouter", TASK, FACTS, [tool("hris_get_hire", {"name":"Lena Vogt","start_date":"2024-09-01"}, HIRE)]),
             T("PolicyResearcher", FACTS, RES, [tool("policy_lookup", {"topic":"annual_leave","entity":"Acme Analytics GmbH","country":"DE"}, POL)])]
    if fail:
        para = ("**Annual Leave**\n\nYou will be entitled to **20 working days** of paid annual leave per calendar year, based on a five-day working week. "
                "As your employment begins on 1 September 2024, your entitlement for 2024 will be prorated at one-twelfth per full month of employment, giving you **7 days** of paid leave for the 2024 calendar year. "
                "Leave not taken by the end of a calendar year may be carried over until 31 March of the following year. "
                "Leave should be agreed with your manager in advance and recorded in the HR system.")
    else:
        para = ("**Annual Leave**\n\nYou will be entitled to **28 working days** of paid annual leave per calendar year, based on a five-day working week. "
                "As your employment begins on 1 September 2024, your entitlement for 2024 will be prorated at one-twelfth per full month of employment and rounded up to the next full day, giving you **10 days** of paid leave for the 2024 calendar year. "
                "Leave not taken by the end of a calendar year may be carried over until 31 March of the following year. "
                "Leave should be agreed with your manager in advance and recorded in the HR system.")
    turns.append(T("LetterDrafter", RES, para))
    return {"task": TASK, "agents": AGENTS, "turns": turns, "final_answer": para}
pair("hr-leave-ignored-policy", build, {"culprit":"LetterDrafter","step":2,"modes":["FM-2.5"],
  "why":"PolicyResearcher stated 'Annual entitlement: 28 working days' and '10 days for 2024', but LetterDrafter wrote '20 working days' (the statutory minimum) and '7 days' for 2024, disregarding the figures it was instructed to use.",
  "ok_why":"LetterDrafter used PolicyResearcher's figures exactly: 28 working days, 10 days prorated for 2024, carry-over to 31 March."})
