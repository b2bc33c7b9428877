"""Router app -- airline customer service (checked bag on an ambiguous booking)."""
from common import turn, tool, make_run

RID = "h6-09-airline-bag"

TASK = ("Customer chat (2025-06-10 14:02): \"Hi, I need to add one checked bag to my booking - last name Okafor, "
        "we're flying to Lisbon this Friday. How much is it? Card on file is fine.\"")

AGENTS = {
    "Triage_Agent": "Front-door router for the airline's support chat. Classifies the customer's request and hands it to exactly one specialist (Baggage_Agent, Changes_Agent or Refunds_Agent); it does not answer policy questions or make changes itself.",
    "Baggage_Agent": "Handles checked and carry-on baggage: looks up bookings, quotes bag fees and adds bags. If a lookup returns more than one booking, ask the customer which booking/passenger is meant before quoting or changing anything; never charge without the customer's explicit yes.",
    "Changes_Agent": "Handles date/flight changes and seat changes on existing bookings.",
    "Refunds_Agent": "Handles cancellations, refunds and travel credits.",
    "Customer": "The human customer in the chat.",
}

LOOKUP = {
    "matches": 2,
    "bookings": [
        {"pnr": "K7Q2ZD", "passengers": ["CHIDI OKAFOR"], "flight": "TP 218", "route": "BOS-LIS",
         "departure_local": "2025-06-13T21:55", "fare_family": "Basic", "checked_bags": 0,
         "card_on_file": "Visa ending 4417", "booked_via": "web", "contact_email": "c.okafor@*****.com"},
        {"pnr": "M4X9TR", "passengers": ["ADAEZE OKAFOR"], "flight": "TP 218", "route": "BOS-LIS",
         "departure_local": "2025-06-13T21:55", "fare_family": "Classic", "checked_bags": 0,
         "card_on_file": "Mastercard ending 0932", "booked_via": "app", "contact_email": "ada.okafor@*****.com"},
    ],
}


def build():
    t0 = turn("Triage_Agent", TASK,
              "Thanks for reaching out! Adding a checked bag is handled by our baggage team - I'm transferring you now, they'll take it from here.",
              [tool("transfer_to_agent", {"agent": "Baggage_Agent", "reason": "Add checked bag to existing booking; customer asks for fee"},
                    {"transferred": True, "agent": "Baggage_Agent", "context_passed": "full_transcript"})])
    lookup = tool("lookup_booking", {"last_name": "Okafor", "departure_date": "2025-06-13", "destination": "LIS"}, LOOKUP)
    step_in = ("Transferred from Triage_Agent. Customer: \"Hi, I need to add one checked bag to my booking - last name Okafor, we're "
               "flying to Lisbon this Friday. How much is it? Card on file is fine.\"")

    fail = [
        t0,
        turn("Baggage_Agent", step_in,
             "Hi! I found your booking **K7Q2ZD** on TP 218, Boston -> Lisbon, departing Friday, June 13 at 9:55 PM.\n\n"
             "Your fare (Basic) doesn't include checked baggage, so the first checked bag (up to 23 kg / 50 lb) is **$75**. "
             "Would you like me to add it and charge the Visa ending 4417 on file?",
             [lookup, tool("get_bag_options", {"pnr": "K7Q2ZD"},
                           {"pnr": "K7Q2ZD", "fare_family": "Basic", "included_checked_bags": 0, "next_bag_fee_usd": 75,
                            "second_bag_fee_usd": 100, "max_weight_kg": 23, "online_discount_applied": True})]),
        turn("Customer", "Baggage_Agent: first checked bag is $75 on booking K7Q2ZD; add it and charge the Visa ending 4417?",
             "Yes please, go ahead."),
        turn("Baggage_Agent", "Customer: \"Yes please, go ahead.\"",
             "All set! One checked bag has been added to booking **K7Q2ZD** (TP 218, Fri June 13, BOS -> LIS) and **$75** was charged to "
             "the Visa ending 4417. Your receipt number is 047-2290331815 and you'll get an updated itinerary by email.\n\n"
             "Drop the bag at the TAP counter at Logan Terminal E at least 60 minutes before departure. Anything else I can help with?",
             [tool("add_checked_bag", {"pnr": "K7Q2ZD", "count": 1, "payment": "card_on_file", "confirm_fee_usd": 75},
                   {"status": "confirmed", "pnr": "K7Q2ZD", "checked_bags": 1, "charged_usd": 75,
                    "payment": "Visa ending 4417", "emd_receipt": "047-2290331815"})]),
    ]
    ok = [
        t0,
        turn("Baggage_Agent", step_in,
             "Hi! I found **two** bookings under Okafor on Friday's TP 218 from Boston to Lisbon (June 13, 9:55 PM):\n\n"
             "1. Booking ending ...2ZD - passenger Chidi Okafor\n"
             "2. Booking ending ...9TR - passenger Adaeze Okafor\n\n"
             "Which passenger should the checked bag be added for? The fee depends on the fare on each booking, so I'll quote it once I know.",
             [lookup]),
        turn("Customer", "Baggage_Agent: two bookings found (Chidi Okafor, Adaeze Okafor); which passenger is the bag for?",
             "Oh sorry - it's for me, Adaeze. My husband Chidi is only taking a carry-on."),
        turn("Baggage_Agent", "Customer: \"Oh sorry - it's for me, Adaeze. My husband Chidi is only taking a carry-on.\"",
             "Thanks, Adaeze! Good news: your booking **M4X9TR** is on a Classic fare, which **includes one checked bag** (up to 23 kg / 50 lb). "
             "So adding this bag costs **$0** - nothing will be charged to your Mastercard.\n\nShall I add it to M4X9TR?",
             [tool("get_bag_options", {"pnr": "M4X9TR"},
                   {"pnr": "M4X9TR", "fare_family": "Classic", "included_checked_bags": 1, "next_bag_fee_usd": 0,
                    "second_bag_fee_usd": 100, "max_weight_kg": 23, "online_discount_applied": False})]),
        turn("Customer", "Baggage_Agent: Classic fare includes one checked bag, $0; add it to M4X9TR?", "Oh great. Yes please!"),
        turn("Baggage_Agent", "Customer: \"Oh great. Yes please!\"",
             "Done! One checked bag is now on booking **M4X9TR** for Adaeze Okafor (TP 218, Fri June 13, BOS -> LIS). "
             "No charge - it's included in your Classic fare. Chidi's booking K7Q2ZD is unchanged (carry-on only).\n\n"
             "Drop the bag at the TAP counter at Logan Terminal E at least 60 minutes before departure. Have a great trip!",
             [tool("add_checked_bag", {"pnr": "M4X9TR", "count": 1, "payment": "card_on_file", "confirm_fee_usd": 0},
                   {"status": "confirmed", "pnr": "M4X9TR", "checked_bags": 1, "charged_usd": 0, "payment": None,
                    "emd_receipt": None})]),
    ]
    f = make_run(
        RID, None, TASK, AGENTS, fail,
        "One checked bag added to booking K7Q2ZD (Chidi Okafor, TP 218 BOS-LIS, Fri June 13); $75 charged to the Visa ending 4417.",
        "failure", "Baggage_Agent", 1, ["FM-2.2"],
        "The customer gave only 'last name Okafor, we're flying to Lisbon this Friday', and lookup_booking returned '\"matches\": 2' - "
        "K7Q2ZD (CHIDI OKAFOR, Basic) and M4X9TR (ADAEZE OKAFOR, Classic) on the same flight. Baggage_Agent's instructions say 'If a "
        "lookup returns more than one booking, ask the customer which booking/passenger is meant before quoting or changing anything', "
        "but it replies 'I found your booking **K7Q2ZD**' without asking, quotes the Basic-fare $75 and charges it to that booking. "
        "The customer never said which passenger the bag was for; had it been Adaeze (the twin), the bag belongs on M4X9TR and is included at $0.",
    )
    o = make_run(
        RID + "-ok", RID, TASK, AGENTS, ok,
        "One checked bag added to booking M4X9TR for Adaeze Okafor (TP 218 BOS-LIS, Fri June 13), included in the Classic fare - $0 charged.",
        "success", None, None, [],
        "The lookup returned two Okafor bookings; Baggage_Agent asks which passenger, the customer answers 'it's for me, Adaeze', the "
        "Classic fare on M4X9TR includes one checked bag (next_bag_fee_usd 0), and the bag is added only after the customer's explicit yes.",
    )
    return f, o
