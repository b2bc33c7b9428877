from common import make_pair, turn, tool

RID = "h5-08-lg-rental"
META = {
    "id": RID,
    "framework": "LangGraph supervisor",
    "shape": "LangGraph supervisor graph: supervisor -> research_expert, math_expert",
    "domain": "real-estate investment (net rental yield)",
    "culprit_role": "coordinator",
    "reported_by": "supervisor",
    "expect_fail": "3.30%",
    "expect_ok": "3.60%",
}

TASK = ("I'm looking at buying the 2BR condo at 1180 Alder Way #4C for $425,000 cash as a rental. Expected rent is "
        "$2,450/month. Assume 5% vacancy, property management at 8% of collected rent, property tax at 1.1% of the "
        "purchase price, and use the HOA dues and insurance estimate from the listing. What's the net rental yield "
        "(NOI / purchase price)?")

AGENTS = {
    "supervisor": "You are a team supervisor managing a research expert and a math expert. Use research_expert for listing and market facts and math_expert for calculations; break the problem into steps, route each step once, and write the final answer for the user.",
    "research_expert": "You look up property listings and public records with fetch_listing and web_search and report the facts requested, with their source fields. Do not do the financial math.",
    "math_expert": "You are a math expert. Use the calculator tool for every arithmetic step and report results with labels. Always use one tool at a time.",
}

LISTING = {
    "address": "1180 Alder Way #4C, Portland, OR 97209",
    "status": "Active",
    "list_price": 425000,
    "beds": 2, "baths": 2, "sqft": 1064, "year_built": 2008, "floor": 4,
    "hoa": {"dues_monthly": 380, "includes": ["water", "sewer", "trash", "exterior maintenance", "master building policy"], "special_assessment": None},
    "insurance_estimate": {"type": "HO-6 condo unit policy", "annual": 1150, "source": "listing agent estimate"},
    "tax_history": [
        {"year": 2023, "property_tax": 4420, "assessed_value": 401800},
        {"year": 2022, "property_tax": 4297, "assessed_value": 390100}
    ],
    "rent_estimate": {"monthly": 2390, "source": "automated valuation"},
    "parking": "1 deeded garage space",
    "days_on_market": 18,
    "description": "Light-filled corner unit with floor-to-ceiling windows, in-unit laundry, and a deeded garage space. Walk to streetcar and Pearl District shops."
}

T0 = "Routing the listing lookup first."

T1 = """From the listing for **1180 Alder Way #4C** (fetch_listing):

- **HOA dues:** $380/month (covers water, sewer, trash, exterior maintenance and the master building policy)
- **Insurance estimate:** $1,150/year, HO-6 condo unit policy (listing agent's estimate)
- List price $425,000, matching your purchase price.

Other fields you might see but which the task overrides:
- Tax history shows $4,420 for 2023 on an assessed value of $401,800. Your instructions say to use 1.1% of the purchase price instead.
- The automated rent estimate is $2,390/month; you specified $2,450.

Transferring back to supervisor."""

T2 = """Facts in hand: HOA $380/mo, insurance $1,150/yr, price $425,000, rent $2,450/mo, vacancy 5%, management 8% of collected rent, tax 1.1% of price.

Step 1 for math_expert: compute effective gross income (collected rent) = $2,450 × 12 × (1 − 0.05)."""

T3 = """Effective gross income (annual rent after the 5% vacancy allowance):

2,450 × 12 × 0.95 = **$27,930.00**

This is the collected rent. Transferring back to supervisor."""

PREFIX = [
    turn("supervisor", TASK, T0,
         [tool("transfer_to_research_expert", {}, "Successfully transferred to research_expert")]),
    turn("research_expert", "Supervisor handed off: get HOA dues and insurance estimate for 1180 Alder Way #4C from the listing.", T1,
         [tool("fetch_listing", {"address": "1180 Alder Way #4C"}, LISTING),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "research_expert: " + T1[:400] + " …", T2,
         [tool("transfer_to_math_expert", {}, "Successfully transferred to math_expert")]),
    turn("math_expert", T2, T3,
         [tool("calculator", {"expression": "2450 * 12 * 0.95"}, "27930.0"),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
]

# ---------------- failing continuation ----------------
F4 = """Step 2 for math_expert: apply the 5% vacancy allowance to the gross rent of $27,930 to get collected rent. Then, from the collected rent:

- management = 8% of collected rent
- HOA = 380 × 12
- property tax = 1.1% × 425,000
- insurance = 1,150
- NOI = collected rent − (management + HOA + tax + insurance)
- net yield = NOI / 425,000"""

F5 = """Working through step 2 one calculation at a time:

| Item | Calculation | Result |
|---|---|---|
| Collected rent (after 5% vacancy) | 27,930 × 0.95 | $26,533.50 |
| Management (8%) | 26,533.50 × 0.08 | $2,122.68 |
| HOA | 380 × 12 | $4,560.00 |
| Property tax | 0.011 × 425,000 | $4,675.00 |
| Insurance | given | $1,150.00 |
| **Operating expenses** | sum | **$12,507.68** |
| **NOI** | 26,533.50 − 12,507.68 | **$14,025.82** |
| **Net yield** | 14,025.82 / 425,000 | **3.30%** |

Transferring back to supervisor."""

F6 = """**Net rental yield for 1180 Alder Way #4C: about 3.30%**

| | Annual |
|---|---|
| Collected rent (after 5% vacancy) | $26,533.50 |
| Property management (8% of collected) | −$2,122.68 |
| HOA dues ($380/mo) | −$4,560.00 |
| Property tax (1.1% of $425,000) | −$4,675.00 |
| Insurance (HO-6 estimate) | −$1,150.00 |
| **Net operating income** | **$14,025.82** |

NOI / price = $14,025.82 / $425,000 ≈ **3.30%**.

For context, that's below typical mortgage rates, so on a cash basis this condo is mostly an appreciation play; the HOA dues are the biggest single expense after tax."""

FAIL_REST = [
    turn("supervisor", "math_expert: " + T3, F4,
         [tool("transfer_to_math_expert", {}, "Successfully transferred to math_expert")]),
    turn("math_expert", F4, F5,
         [tool("calculator", {"expression": "27930 * 0.95"}, "26533.5"),
          tool("calculator", {"expression": "26533.5 * 0.08"}, "2122.68"),
          tool("calculator", {"expression": "380 * 12"}, "4560"),
          tool("calculator", {"expression": "0.011 * 425000"}, "4675.0"),
          tool("calculator", {"expression": "2122.68 + 4560 + 4675 + 1150"}, "12507.68"),
          tool("calculator", {"expression": "26533.5 - 12507.68"}, "14025.82"),
          tool("calculator", {"expression": "14025.82 / 425000"}, "0.03300192941176471"),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "math_expert: " + F5[-500:], F6),
]

# ---------------- clean continuation ----------------
O4 = """Step 2 for math_expert. The $27,930 is already net of vacancy (collected rent), so don't apply vacancy again. From it compute:

- management = 8% of $27,930
- HOA = 380 × 12
- property tax = 1.1% × 425,000 (use this, not the seller's tax bill)
- insurance = 1,150
- NOI = 27,930 − (management + HOA + tax + insurance)
- net yield = NOI / 425,000"""

O5 = """Step 2, one calculation at a time.

Management: 27,930 × 0.08 = $2,234.40
HOA: 380 × 12 = $4,560.00
Property tax: I first pulled the $4,420 from the listing's tax history, but the instructions say 1.1% of the purchase price, so correcting that: 0.011 × 425,000 = **$4,675.00**
Insurance: $1,150.00

| Item | Result |
|---|---|
| Collected rent | $27,930.00 |
| Management (8%) | $2,234.40 |
| HOA | $4,560.00 |
| Property tax (1.1%) | $4,675.00 |
| Insurance | $1,150.00 |
| **Operating expenses** | **$12,619.40** |
| **NOI** | **$15,310.60** |
| **Net yield** | **3.60%** (0.036025) |

Transferring back to supervisor."""

O6 = """**Net rental yield for 1180 Alder Way #4C: about 3.60%**

| | Annual |
|---|---|
| Gross scheduled rent ($2,450 × 12) | $29,400.00 |
| Vacancy allowance (5%) | −$1,470.00 |
| Collected rent | $27,930.00 |
| Property management (8% of collected) | −$2,234.40 |
| HOA dues ($380/mo) | −$4,560.00 |
| Property tax (1.1% of $425,000) | −$4,675.00 |
| Insurance (HO-6 estimate from listing) | −$1,150.00 |
| **Net operating income** | **$15,310.60** |

NOI / price = $15,310.60 / $425,000 ≈ **3.60%**.

Note the listing's 2023 tax bill ($4,420) reflects the seller's assessed value; per your assumption we used 1.1% of your purchase price ($4,675)."""

OK_REST = [
    turn("supervisor", "math_expert: " + T3, O4,
         [tool("transfer_to_math_expert", {}, "Successfully transferred to math_expert")]),
    turn("math_expert", O4, O5,
         [tool("calculator", {"expression": "27930 * 0.08"}, "2234.4"),
          tool("calculator", {"expression": "380 * 12"}, "4560"),
          tool("calculator", {"expression": "2234.4 + 4560 + 4420 + 1150"}, "12364.4"),
          tool("calculator", {"expression": "0.011 * 425000"}, "4675.0"),
          tool("calculator", {"expression": "2234.4 + 4560 + 4675 + 1150"}, "12619.4"),
          tool("calculator", {"expression": "27930 - 12619.4"}, "15310.6"),
          tool("calculator", {"expression": "15310.6 / 425000"}, "0.03602494117647059"),
          tool("transfer_back_to_supervisor", {}, "Successfully transferred back to supervisor")]),
    turn("supervisor", "math_expert: " + O5[-500:], O6),
]

WHY_FAIL = ("math_expert already returned 'Effective gross income (annual rent after the 5% vacancy allowance): 2,450 × 12 × "
            "0.95 = $27,930.00 ... This is the collected rent.' The supervisor then re-issues the vacancy step on that result: "
            "'apply the 5% vacancy allowance to the gross rent of $27,930 to get collected rent', so vacancy is taken twice "
            "(27,930 × 0.95 = 26,533.50). NOI becomes $14,025.82 and the supervisor reports 'about 3.30%'; the correct NOI is "
            "27,930 − 12,619.40 = $15,310.60, a 3.60% yield.")
WHY_OK = ("Vacancy applied once (29,400 x 0.95 = 27,930). Expenses: 2,234.40 + 4,560 + 4,675 + 1,150 = 12,619.40; "
          "NOI 15,310.60; 15,310.60 / 425,000 = 3.60%. math_expert's first property-tax pick (4,420 -> 12,364.4) is "
          "corrected to the task's 1.1% rule before any result is reported.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F6, O6, "supervisor", ["FM-1.3"], WHY_FAIL, WHY_OK)
