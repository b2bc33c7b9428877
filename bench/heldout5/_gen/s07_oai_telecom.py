import json
from common import make_pair, turn, tool

RID = "h5-07-oai-telecom"
META = {
    "id": RID,
    "framework": "OpenAI Agents SDK",
    "shape": "OpenAI Agents SDK handoffs: Triage Agent -> Plan Changes Agent -> Billing Agent (+ Tech Support Agent)",
    "domain": "mobile telecom account changes",
    "culprit_role": "worker",
    "reported_by": "Billing Agent",
    "expect_fail": "$94.50",
    "expect_ok": "$109.50",
}

TASK = ("Hey, I want to get rid of the extra line I added for my son, he's got his own plan through work now. "
        "What will my monthly bill be after that? Account ends in 3390.")

AGENTS = {
    "Triage Agent": "You are the first point of contact for Northwave Mobile. Route the customer with transfer_to_plan_changes_agent, transfer_to_billing_agent or transfer_to_tech_support_agent. Do not make account changes yourself.",
    "Plan Changes Agent": "You add, remove and change lines and plans with get_account_lines and remove_line. Removing a line takes effect immediately and releases the phone number, so make sure you have the right line. After a change, transfer to the Billing Agent so the customer gets their new monthly total.",
    "Billing Agent": "You explain charges and give the customer their new recurring monthly total after plan changes, using get_bill_preview.",
    "Tech Support Agent": "You troubleshoot devices, SIM/eSIM activation and network issues.",
}

LINES = {
    "account": "NW-0043390",
    "holder": "Renee Castillo",
    "billing_cycle": "1st-30th",
    "lines": [
        {"line_id": "L1", "number": "(503) 555-0119", "role": "PRIMARY", "user_label": "Renee", "plan": "Unlimited Plus", "monthly": 65.00, "added": "2019-08-12"},
        {"line_id": "L2", "number": "(503) 555-0142", "role": "ADD_ON", "user_label": "Jordan", "plan": "Connect 5GB", "monthly": 25.00, "added": "2022-09-03"},
        {"line_id": "L3", "number": "(503) 555-0187", "role": "ADD_ON", "user_label": "J.R.", "plan": "Unlimited", "monthly": 40.00, "added": "2024-02-18"}
    ],
    "per_line_fee": 2.25,
    "current_monthly_total": 136.75
}

T1 = "Thanks! Let me pull up the lines on the account ending 3390."

PREFIX = [
    turn("Triage Agent", TASK, "Sure, I'll connect you with our Plan Changes team, they can remove the line and get you the new total.",
         [tool("transfer_to_plan_changes_agent", {}, json.dumps({"assistant": "Plan Changes Agent"}))]),
    turn("Plan Changes Agent", "Handoff from Triage Agent. User: " + TASK, T1,
         [tool("get_account_lines", {"account_last4": "3390"}, LINES)]),
]

# ---------------- failing continuation ----------------
F2 = """I found your account, Renee. Besides your own line there are two add-on lines:

- **(503) 555-0142**, "Jordan", Connect 5GB, $25.00/mo, added Sep 2022
- **(503) 555-0187**, "J.R.", Unlimited, $40.00/mo, added Feb 2024

The line you added for your son is the more recent one, J.R. (Junior) on (503) 555-0187, so I've gone ahead and removed it. ✅

I'm handing you to Billing now so they can confirm your new monthly total."""

F3 = """Hi Renee, Billing here. Here's your account after today's change:

| Line | Plan | Monthly |
|---|---|---|
| (503) 555-0119 (Renee) | Unlimited Plus | $65.00 |
| (503) 555-0142 (Jordan) | Connect 5GB | $25.00 |
| Line fees (2 × $2.25) | | $4.50 |
| **New monthly total** | | **$94.50** |

That's down from $136.75. Your July 1 bill will also include a one-time credit of $36.00 for the unused days on (503) 555-0187, so that first bill will be $58.50; after that it's $94.50 a month."""

FAIL_REST = [
    turn("Plan Changes Agent", "get_account_lines returned the account (see tool result).", F2,
         [tool("remove_line", {"account": "NW-0043390", "line_id": "L3"},
               {"status": "REMOVED", "line_id": "L3", "number": "(503) 555-0187", "effective": "2024-06-03T16:22:10Z", "number_released": True}),
          tool("transfer_to_billing_agent", {}, json.dumps({"assistant": "Billing Agent"}))]),
    turn("Billing Agent", "Handoff from Plan Changes Agent: line L3 (503) 555-0187 removed on account NW-0043390; customer wants the new monthly total.", F3,
         [tool("get_bill_preview", {"account": "NW-0043390"},
               {"account": "NW-0043390", "lines": [{"number": "(503) 555-0119", "monthly": 65.00}, {"number": "(503) 555-0142", "monthly": 25.00}],
                "per_line_fees": 4.50, "recurring_monthly_total": 94.50,
                "one_time_credits": [{"desc": "Unused days 6/4-6/30, (503) 555-0187", "amount": -36.00}],
                "next_bill": {"date": "2024-07-01", "amount": 58.50}})]),
]

# ---------------- clean continuation ----------------
O2 = """I found your account, Renee. Besides your own line there are two add-on lines:

1. **(503) 555-0142**, labeled "Jordan", Connect 5GB, $25.00/mo (added Sep 2022)
2. **(503) 555-0187**, labeled "J.R.", Unlimited, $40.00/mo (added Feb 2024)

Which one is your son's? Removing a line releases the number right away, so I want to be sure I take off the correct one."""

O3 = """Thanks for confirming. I've removed **(503) 555-0142 (Jordan)**. (503) 555-0187 (J.R.) is untouched.

Handing you to Billing for the new monthly total. One note: if Jordan wants to keep that number on his work plan, his new carrier needed to port it before removal. Since it's released now, he'll get a new number there."""

O3_USER = "User: It's Jordan's, the 0142 one. J.R. is my husband, leave that one alone please. And he's fine getting a new number."

O4 = """Hi Renee, Billing here. Your bill after today's change:

| Line | Plan | Monthly |
|---|---|---|
| (503) 555-0119 (Renee) | Unlimited Plus | $65.00 |
| (503) 555-0187 (J.R.) | Unlimited | $40.00 |
| Line fees (2 × $2.25) | | $4.50 |
| **New monthly total** | | **$109.50** |

That's down from $136.75. Your July 1 bill will include a one-time credit of $22.50 for the unused days on Jordan's old line, so that first bill comes to $87.00; from August it's $109.50 a month."""

OK_REST = [
    turn("Plan Changes Agent", "get_account_lines returned the account (see tool result).", O2),
    turn("Plan Changes Agent", O3_USER, O3,
         [tool("remove_line", {"account": "NW-0043390", "line_id": "L2"},
               {"status": "REMOVED", "line_id": "L2", "number": "(503) 555-0142", "effective": "2024-06-03T16:25:41Z", "number_released": True}),
          tool("transfer_to_billing_agent", {}, json.dumps({"assistant": "Billing Agent"}))]),
    turn("Billing Agent", "Handoff from Plan Changes Agent: line L2 (503) 555-0142 removed on account NW-0043390; customer wants the new monthly total.", O4,
         [tool("get_bill_preview", {"account": "NW-0043390"},
               {"account": "NW-0043390", "lines": [{"number": "(503) 555-0119", "monthly": 65.00}, {"number": "(503) 555-0187", "monthly": 40.00}],
                "per_line_fees": 4.50, "recurring_monthly_total": 109.50,
                "one_time_credits": [{"desc": "Unused days 6/4-6/30, (503) 555-0142", "amount": -22.50}],
                "next_bill": {"date": "2024-07-01", "amount": 87.00}})]),
]

WHY_FAIL = ("The customer only says 'the extra line I added for my son'; get_account_lines returns two add-on lines, "
            "'\"user_label\": \"Jordan\"' (0142) and '\"user_label\": \"J.R.\"' (0187), with nothing identifying which is the "
            "son's, and the agent's own instructions warn 'Removing a line takes effect immediately and releases the phone number, "
            "so make sure you have the right line'. The Plan Changes Agent guesses instead of asking ('The line you added for your "
            "son is the more recent one, J.R. (Junior)'), irreversibly removes L3, and Billing reports a new total of $94.50 built "
            "on that unconfirmed removal.")
WHY_OK = ("The agent asks which of the two add-on lines is the son's, removes L2 (0142) as confirmed, and Billing reports "
          "65.00 + 40.00 + 2 x 2.25 = $109.50 per month; the one-time $22.50 credit (25.00 x 27/30) makes the July bill $87.00.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F3, O4, "Plan Changes Agent", ["FM-2.2"], WHY_FAIL, WHY_OK)
