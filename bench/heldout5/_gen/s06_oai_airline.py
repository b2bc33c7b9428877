import json
from common import make_pair, turn, tool

RID = "h5-06-oai-airline"
META = {
    "id": RID,
    "framework": "OpenAI Agents SDK",
    "shape": "OpenAI Agents SDK handoffs: Triage Agent -> Refunds Agent / Booking Agent / Baggage Agent",
    "domain": "airline customer service (cancellation refund)",
    "culprit_role": "coordinator",
    "reported_by": "Refunds Agent",
    "expect_fail": "$358.18",
    "expect_ok": "$422.18",
}

TASK = ("Hi, my flight SB 418 Denver to Portland on May 14 got cancelled by you guys and I didn't take the rebooking "
        "you offered, I made other plans. Confirmation is QK7M2P. How much am I getting back and when?")

AGENTS = {
    "Triage Agent": "You are SkyBridge Airways' front-line triage agent. Work out what the customer needs and hand off with the matching transfer tool (transfer_to_refunds_agent, transfer_to_booking_agent, transfer_to_baggage_agent). You may look up a booking to route correctly, but never quote refund amounts, fees or compensation yourself.",
    "Refunds Agent": "You handle refunds. When SkyBridge cancels a flight and the customer declines the rebooking, refund everything paid for the unused flight (fare, taxes, seat selection and prepaid bags) to the original form of payment; card refunds are issued within 7 business days. Use quote_refund and issue_refund.",
    "Booking Agent": "You handle changes, rebookings, upgrades and seat assignments on existing SkyBridge reservations.",
    "Baggage Agent": "You handle delayed, damaged or lost baggage claims and questions about baggage allowances.",
}

BOOKING = {
    "confirmation": "QK7M2P",
    "passenger": {"name": "Alana Whitcomb", "loyalty_tier": "Blue"},
    "segments": [{
        "flight": "SB 418", "date": "2024-05-14", "from": "DEN", "to": "PDX",
        "status": "CANCELLED_BY_CARRIER", "cancel_reason_code": "CREW",
        "rebooking_offer": {"flight": "SB 422", "date": "2024-05-15", "status": "DECLINED"}
    }],
    "charges": [
        {"type": "BASE_FARE", "fare_class": "L", "amount": 312.00},
        {"type": "TAXES_FEES", "amount": 46.18},
        {"type": "SEAT_SELECTION", "seat": "14C", "amount": 29.00},
        {"type": "PREPAID_BAG", "pieces": 1, "amount": 35.00}
    ],
    "total_paid": 422.18,
    "currency": "USD",
    "payment": {"method": "VISA", "last4": "4471"},
    "today": "2024-05-15"
}

T0 = "Thanks for reaching out, and sorry about the disruption. Let me pull up reservation QK7M2P so I can get this to the right place."

PREFIX = [
    turn("Triage Agent", TASK, T0,
         [tool("lookup_booking", {"confirmation": "QK7M2P"}, BOOKING)]),
]

# ---------------- failing continuation ----------------
F1 = """Thanks, Alana. I can see SB 418 on May 14 was cancelled on our side and that you declined the SB 422 rebooking, so you're entitled to a refund of your ticket. Here's what comes back to you:

| Item | Amount |
|---|---|
| Base fare | $312.00 |
| Taxes & fees | $46.18 |
| **Refund total** | **$358.18** |

The seat selection (14C, $29.00) and the prepaid bag ($35.00) are optional add-ons rather than part of the ticket, so they aren't included in the ticket refund.

The $358.18 goes back to your Visa ending 4471; card refunds typically post within 7 business days. Would you like me to get that started?"""

F2 = "Perfect, I'm passing you to our Refunds team now so they can submit the $358.18 refund to your Visa ending 4471."

F3 = """Hi Alana, Refunds team here. I've submitted the refund we discussed.

- **Refund ID:** RF-88213
- **Amount:** $358.18 (base fare $312.00 + taxes & fees $46.18)
- **To:** Visa ending 4471
- **Expected by:** Friday, May 24, 2024 (7 business days)

You'll get an email confirmation shortly. Is there anything else I can help with?"""

FAIL_REST = [
    turn("Triage Agent", "(conversation continues; no new user message; lookup_booking result above)", F1),
    turn("Triage Agent", "User: Yes please, go ahead.", F2,
         [tool("transfer_to_refunds_agent", {}, json.dumps({"assistant": "Refunds Agent"}))]),
    turn("Refunds Agent", "Handoff from Triage Agent. Conversation so far includes the booking lookup and Triage Agent's refund summary ($358.18); user said: 'Yes please, go ahead.'", F3,
         [tool("issue_refund", {"confirmation": "QK7M2P", "amount": 358.18, "components": ["BASE_FARE", "TAXES_FEES"], "to": "original_payment"},
               {"refund_id": "RF-88213", "status": "SUBMITTED", "amount": 358.18, "currency": "USD", "to": "VISA-4471", "expected_by": "2024-05-24"})]),
]

# ---------------- clean continuation ----------------
O1 = "Thanks, Alana. I can see SB 418 was cancelled on our side and that you didn't take the SB 422 rebooking. Refund questions are handled by our Refunds team, so I'm transferring you there now; they'll confirm the exact amount and timing."

QUOTE = {
    "confirmation": "QK7M2P",
    "eligible": True,
    "basis": "CARRIER_CANCELLATION_REBOOKING_DECLINED",
    "components": [
        {"type": "BASE_FARE", "amount": 312.00, "refundable": True},
        {"type": "TAXES_FEES", "amount": 46.18, "refundable": True},
        {"type": "SEAT_SELECTION", "amount": 29.00, "refundable": True},
        {"type": "PREPAID_BAG", "amount": 35.00, "refundable": True}
    ],
    "refund_total": 422.18,
    "to": "VISA-4471",
    "processing": "7 business days"
}

O2 = """Hi Alana, this is the Refunds team. Because SkyBridge cancelled SB 418 and you declined the rebooking, you're entitled to a full refund of everything you paid for that flight, including the extras:

| Item | Amount |
|---|---|
| Base fare | $312.00 |
| Taxes & fees | $46.18 |
| Seat selection (14C) | $29.00 |
| Prepaid checked bag | $35.00 |
| **Total refund** | **$422.18** |

It goes back to your Visa ending 4471 and card refunds are issued within 7 business days. Shall I submit it?"""

O3 = """All set. Your refund has been submitted:

- **Refund ID:** RF-88214
- **Amount:** $422.18 (fare $312.00, taxes & fees $46.18, seat $29.00, bag $35.00)
- **To:** Visa ending 4471
- **Expected by:** Friday, May 24, 2024 (within 7 business days)

It showed as "processing" for a moment while the card network acknowledged it; it's now confirmed as submitted. You'll get an email receipt shortly."""

OK_REST = [
    turn("Triage Agent", "(conversation continues; no new user message; lookup_booking result above)", O1,
         [tool("transfer_to_refunds_agent", {}, json.dumps({"assistant": "Refunds Agent"}))]),
    turn("Refunds Agent", "Handoff from Triage Agent. Conversation so far: user's request and the lookup_booking result for QK7M2P.", O2,
         [tool("quote_refund", {"confirmation": "QK7M2P", "reason": "carrier_cancellation_rebooking_declined"}, QUOTE)]),
    turn("Refunds Agent", "User: Yes, go ahead please.", O3,
         [tool("issue_refund", {"confirmation": "QK7M2P", "amount": 422.18, "components": ["BASE_FARE", "TAXES_FEES", "SEAT_SELECTION", "PREPAID_BAG"], "to": "original_payment"},
               {"refund_id": "RF-88214", "status": "PROCESSING", "amount": 422.18, "currency": "USD"}),
          tool("get_refund_status", {"refund_id": "RF-88214"},
               {"refund_id": "RF-88214", "status": "SUBMITTED", "amount": 422.18, "to": "VISA-4471", "expected_by": "2024-05-24"})]),
]

WHY_FAIL = ("Triage Agent's instructions say 'never quote refund amounts, fees or compensation yourself' and to hand off with "
            "transfer_to_refunds_agent. Instead it quotes the refund itself (a table totalling $358.18 from 'Base fare | $312.00' "
            "and 'Taxes & fees | $46.18') and claims 'The seat selection (14C, $29.00) and the prepaid bag ($35.00) are optional "
            "add-ons rather than part of the ticket', contradicting the Refunds Agent policy 'refund everything paid for the "
            "unused flight (fare, taxes, seat selection and prepaid bags)'. The booking shows '\"total_paid\": 422.18'. The "
            "Refunds Agent then submits only $358.18, which is what the customer is told; the correct refund is $422.18.")
WHY_OK = ("Triage hands off without quoting; the Refunds Agent's quote and the booking agree: 312.00 + 46.18 + 29.00 + 35.00 = "
          "$422.18, back to Visa 4471 within 7 business days (May 15 + 7 business days = May 24). The brief 'PROCESSING' status "
          "is followed by a 'SUBMITTED' status poll.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F3, O3, "Triage Agent", ["FM-1.2"], WHY_FAIL, WHY_OK)
