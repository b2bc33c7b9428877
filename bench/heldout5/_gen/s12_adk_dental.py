from common import make_pair, turn, tool

RID = "h5-12-adk-dental"
META = {
    "id": RID,
    "framework": "Google ADK",
    "shape": "Google ADK: root LlmAgent claims_coordinator with sub_agents policy_agent, calc_agent (transfer_to_agent)",
    "domain": "dental insurance claim (member out-of-pocket)",
    "culprit_role": "worker",
    "reported_by": "claims_coordinator",
    "expect_fail": "$880.00",
    "expect_ok": "$780.00",
}

USER1 = ("Hi, I had a crown done on tooth #19 (code D2740) on June 3 with Dr. Okafor, who isn't in your network. The bill "
         "was $1,380. Member ID BD-55120. What will I end up owing after insurance?")
USER2 = ("Oh wait, sorry, I just looked at the actual invoice. The $1,380 was the estimate; they gave me a courtesy "
         "discount and the final bill was $1,280.")

TASK = USER1

AGENTS = {
    "claims_coordinator": "Root agent for BrightDent member support. Talk to the member, delegate benefit lookups to policy_agent and cost calculations to calc_agent via transfer_to_agent, and give the member a clear final answer.",
    "policy_agent": "Looks up the member's plan benefits and fee schedules (get_member_benefits, get_fee_schedule) and summarises the rules that apply to the procedure. Does not compute the member's bill.",
    "calc_agent": "Computes plan payment and member responsibility from the session's facts (billed amount, allowed amount, deductible, coinsurance, annual maximum) using the calculate tool, showing each step.",
}

BENEFITS = {
    "member_id": "BD-55120",
    "plan": "BrightDent PPO 1500",
    "plan_year": "2024-01-01/2024-12-31",
    "deductible": {"individual": 50.00, "met_ytd": 0.00, "applies_to": ["BASIC", "MAJOR"]},
    "coinsurance": {"PREVENTIVE": 1.00, "BASIC": 0.80, "MAJOR": 0.50},
    "annual_maximum": {"amount": 1500.00, "used_ytd": 310.00, "remaining": 1190.00},
    "out_of_network": {"reimbursement_basis": "MAX_ALLOWABLE_CHARGE", "balance_billing": "member responsible for billed amount minus plan payment"},
    "waiting_periods": {"MAJOR": "satisfied 2023-07-01"}
}

FEE = {"code": "D2740", "description": "Crown - porcelain/ceramic substrate", "category": "MAJOR",
       "in_network_allowed": 1120.00, "oon_max_allowable_charge": 1050.00, "frequency_limit": "1 per tooth per 5 years",
       "last_service_same_tooth": None}

T1 = """Here's what applies to the D2740 crown on tooth #19 for member BD-55120 (BrightDent PPO 1500):

- **Category:** Major services → plan pays **50%** coinsurance
- **Deductible:** $50 individual, **$0 met so far in 2024**, so the full $50 applies to this claim
- **Out-of-network basis:** the plan pays from the **maximum allowable charge of $1,050.00** for D2740 (not the dentist's fee). The member is responsible for the **billed amount minus the plan payment** (balance billing).
- **Annual maximum:** $1,500, $310 used, **$1,190 remaining**
- Frequency (1 per tooth per 5 years) and major-services waiting period are both satisfied.

Handing back to the coordinator."""

PREFIX = [
    turn("claims_coordinator", USER1,
         "Thanks for the details! Let me pull up your plan benefits for that crown first.",
         [tool("transfer_to_agent", {"agent_name": "policy_agent"}, "{}")]),
    turn("policy_agent", "Session so far: member's question about D2740 crown, out-of-network, billed $1,380, member BD-55120.", T1,
         [tool("get_member_benefits", {"member_id": "BD-55120"}, BENEFITS),
          tool("get_fee_schedule", {"code": "D2740", "network": "OUT_OF_NETWORK", "plan": "BrightDent PPO 1500"}, FEE),
          tool("transfer_to_agent", {"agent_name": "claims_coordinator"}, "{}")]),
    turn("claims_coordinator", USER2,
         "No problem, thanks for checking the invoice. I'll have the numbers run now.",
         [tool("transfer_to_agent", {"agent_name": "calc_agent"}, "{}")]),
]

# ---------------- failing continuation ----------------
F3 = """Calculating the member's responsibility for the D2740 crown:

1. Allowed amount (OON max allowable charge): **$1,050.00**
2. Less remaining deductible: 1,050.00 − 50.00 = **$1,000.00**
3. Plan pays 50% (major): 1,000.00 × 0.50 = **$500.00**
4. Annual max check: $500.00 ≤ $1,190.00 remaining ✔
5. Member owes: billed **$1,380.00** − plan payment $500.00 = **$880.00**

Summary: plan pays $500.00; member responsibility $880.00 (includes the $50 deductible, 50% coinsurance and $330 balance billing above the allowable). Transferring back to claims_coordinator."""

F4 = """Here's the breakdown for your crown on tooth #19:

| | Amount |
|---|---|
| Dr. Okafor's bill | $1,380.00 |
| BrightDent allowable for D2740 (out-of-network) | $1,050.00 |
| Your deductible | −$50.00 |
| Plan pays 50% of $1,000.00 | **$500.00** |
| **You owe** | **$880.00** |

Because Dr. Okafor is out of network, the plan pays based on its $1,050 allowable, and you're responsible for the rest of the dentist's bill. This payment also uses $500 of your annual maximum, leaving $690 for the rest of 2024.

Anything else I can help with?"""

FAIL_REST = [
    turn("calc_agent", "Session so far: member's original question (billed $1,380), policy_agent's benefit summary, member's follow-up message, coordinator's transfer.", F3,
         [tool("calculate", {"expression": "1050.00 - 50.00"}, "1000.0"),
          tool("calculate", {"expression": "1000.00 * 0.50"}, "500.0"),
          tool("calculate", {"expression": "1380.00 - 500.00"}, "880.0"),
          tool("transfer_to_agent", {"agent_name": "claims_coordinator"}, "{}")]),
    turn("claims_coordinator", "calc_agent: " + F3[-260:], F4),
]

# ---------------- clean continuation ----------------
O3 = """Calculating the member's responsibility for the D2740 crown.

Billed amount: the member's first message said $1,380, but their latest message corrects it: $1,380 was the estimate and the **final invoice is $1,280.00**. Using $1,280.00.

1. Allowed amount (OON max allowable charge): **$1,050.00**. The billed $1,280 is above it, so the allowable is what the plan pays from.
2. Less deductible: 1,050.00 − 50.00 = **$1,000.00**
3. Plan pays 50% (major): 1,000.00 × 0.50 = **$500.00**
4. Annual max check: $500.00 ≤ $1,190.00 remaining ✔ (after this claim: $690.00 left)
5. Member owes: 1,280.00 − 500.00 = **$780.00**
   - of which deductible $50.00 + coinsurance $500.00 + balance billing $230.00 = $780.00 ✔

Transferring back to claims_coordinator."""

O4 = """Thanks for the corrected invoice. Here's your breakdown using the final bill of **$1,280**:

| | Amount |
|---|---|
| Dr. Okafor's final bill | $1,280.00 |
| BrightDent allowable for D2740 (out-of-network) | $1,050.00 |
| Your deductible | −$50.00 |
| Plan pays 50% of $1,000.00 | **$500.00** |
| **You owe** | **$780.00** |

That $780 is your $50 deductible, your 50% share of the allowable ($500), and the $230 difference between Dr. Okafor's fee and the plan's allowable, since he's out of network. The plan's $500 payment leaves $690 of your 2024 annual maximum.

Anything else I can help with?"""

OK_REST = [
    turn("calc_agent", "Session so far: member's original question (billed $1,380), policy_agent's benefit summary, member's follow-up message, coordinator's transfer.", O3,
         [tool("calculate", {"expression": "1050.00 - 50.00"}, "1000.0"),
          tool("calculate", {"expression": "1000.00 * 0.50"}, "500.0"),
          tool("calculate", {"expression": "1280.00 - 500.00"}, "780.0"),
          tool("calculate", {"expression": "1190.00 - 500.00"}, "690.0"),
          tool("transfer_to_agent", {"agent_name": "claims_coordinator"}, "{}")]),
    turn("claims_coordinator", "calc_agent: " + O3[-260:], O4),
]

WHY_FAIL = ("Later in the session the member corrects the bill: 'The $1,380 was the estimate; they gave me a courtesy "
            "discount and the final bill was $1,280.' calc_agent, which sees the whole session, works from the first message "
            "instead: 'Member owes: billed **$1,380.00** − plan payment $500.00 = **$880.00**'. The coordinator passes it on "
            "('Dr. Okafor's bill | $1,380.00', 'You owe | $880.00'); with the corrected invoice the member owes "
            "1,280 − 500 = $780.00.")
WHY_OK = ("calc_agent uses the corrected $1,280 invoice. Plan payment (1,050 - 50) x 0.50 = 500 (within the $1,190 "
          "remaining maximum); member owes 1,280 - 500 = $780.00 = 50 deductible + 500 coinsurance + 230 balance billing. "
          "Similar-looking figures ($1,050 allowable vs $1,500 maximum; $1,120 in-network allowable) are all used correctly.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F4, O4, "calc_agent", ["FM-1.4"], WHY_FAIL, WHY_OK)
