from common import make_pair, turn, tool

RID = "h5-10-crew-lisbon"
META = {
    "id": RID,
    "framework": "CrewAI",
    "shape": "CrewAI sequential crew: Lisbon City Researcher -> Itinerary Planner -> Travel Concierge",
    "domain": "leisure travel itinerary",
    "culprit_role": "worker",
    "reported_by": "Travel Concierge",
    "expect_fail": "Monday 9 Sept: Museu Nacional do Azulejo",
    "expect_ok": "Monday 9 Sept: Calouste Gulbenkian Museum",
}

TASK = ("Plan a 3-day Lisbon itinerary for two adults, Monday 9 to Wednesday 11 September 2024. Visit exactly one of "
        "these each day, in whatever order works: the Museu Nacional do Azulejo, the Calouste Gulbenkian Museum and the "
        "Oceanário de Lisboa, plus a lunch suggestion near each. Give the day-by-day plan and the total ticket cost for "
        "both of us.")

AGENTS = {
    "Lisbon City Researcher": "Role: Lisbon City Researcher. Goal: find accurate opening days, hours and adult ticket prices for the requested attractions, plus nearby lunch options. Backstory: a Lisbon-based guide who always double-checks official sites for closure days.",
    "Itinerary Planner": "Role: Itinerary Planner. Goal: turn the researcher's notes into a day-by-day plan that respects every opening day and hour, and compute the ticket total. Backstory: a meticulous trip planner who hates sending clients to closed doors.",
    "Travel Concierge": "Role: Travel Concierge. Goal: review the plan for feasibility and cost accuracy and deliver the final client-ready itinerary. Backstory: a senior concierge who signs off every itinerary before it goes to the client; may delegate fixes to the planner.",
}

SEARCH1 = """[
  {"title": "Museu Nacional do Azulejo - Visit", "link": "https://www.museudoazulejo.gov.pt/en-GB/visit", "snippet": "Opening hours: Tuesday to Sunday, 10:00-18:00 (last admission 17:30). Closed on Mondays, 1 January, Easter Sunday, 1 May, 13 June and 25 December. General admission: 8 €."},
  {"title": "Calouste Gulbenkian Museum | Opening hours and tickets", "link": "https://gulbenkian.pt/museu/en/visit/", "snippet": "The Museum is open every day from 10:00 to 18:00 except Tuesdays. Ticket (Founder's Collection + Modern Collection): 10 €. Free on Sundays after 14:00."},
  {"title": "Oceanário de Lisboa - Tickets & Schedule", "link": "https://www.oceanario.pt/en/visit", "snippet": "Open every day, 10:00-20:00 (last entry 19:00). Adult ticket (permanent + temporary exhibition): 25 €. Child 4-12: 15 €."}
]"""

SEARCH2 = """[
  {"title": "Where to eat near the Tile Museum (Xabregas)", "link": "https://www.lisbonlux.com/lisbon/xabregas-restaurants", "snippet": "Tasca do Convento, 5 minutes' walk from the Azulejo museum: daily fish, mains 12-16 €, closed Sunday evenings."},
  {"title": "Gulbenkian garden café", "link": "https://gulbenkian.pt/en/visit/cafeteria", "snippet": "The Cafetaria do Jardim inside the Gulbenkian park serves a lunch buffet 12:00-15:00, about 14 € per person."},
  {"title": "Parque das Nações: lunch by the river", "link": "https://www.visitlisboa.com/en/eat/parque-das-nacoes", "snippet": "Doca Oriente Grill, 6 minutes from the Oceanário on the riverside promenade; grilled fish and meat, 15-20 €."}
]"""

T0 = """## Thought: I need official opening days, hours and adult prices for the three attractions first, then lunch options.
## Using tool: Search the internet
## Tool Input: {"search_query": "Museu Nacional do Azulejo Gulbenkian Museum Oceanario Lisboa opening hours closed days ticket price 2024"}

## Thought: Got the official pages. Now lunch near each.
## Using tool: Search the internet
## Tool Input: {"search_query": "lunch near Museu do Azulejo Xabregas, Gulbenkian cafe, Parque das Nacoes restaurants near Oceanario"}

## Final Answer:
**Attraction facts (official sites, checked for Sept 2024)**

| Attraction | Open | **Closed** | Adult ticket |
|---|---|---|---|
| Museu Nacional do Azulejo (Xabregas) | Tue–Sun 10:00–18:00, last entry 17:30 | **Mondays** | €8 |
| Calouste Gulbenkian Museum (Avenidas Novas) | 10:00–18:00 | **Tuesdays** | €10 (Founder's + Modern Collection) |
| Oceanário de Lisboa (Parque das Nações) | Every day 10:00–20:00, last entry 19:00 | none | €25 |

Scheduling constraint for 9–11 Sept (Mon–Wed): **the Azulejo museum must not go on Monday 9th**, and **the Gulbenkian must not go on Tuesday 10th**.

**Lunch near each**
- Azulejo: *Tasca do Convento*, 5 min walk, daily fish, mains €12–16
- Gulbenkian: *Cafetaria do Jardim* in the Gulbenkian park, buffet 12:00–15:00, ~€14 pp
- Oceanário: *Doca Oriente Grill*, riverside, 6 min walk, €15–20"""

PREFIX = [
    turn("Lisbon City Researcher",
         "Task: Research opening days, hours and adult ticket prices for Museu Nacional do Azulejo, Calouste Gulbenkian Museum and Oceanário de Lisboa for 9-11 September 2024, and one lunch option near each.\nExpected output: a fact table with closure days and prices, and lunch suggestions.",
         T0,
         [tool("Search the internet", {"search_query": "Museu Nacional do Azulejo Gulbenkian Museum Oceanario Lisboa opening hours closed days ticket price 2024"}, SEARCH1),
          tool("Search the internet", {"search_query": "lunch near Museu do Azulejo Xabregas, Gulbenkian cafe, Parque das Nacoes restaurants near Oceanario"}, SEARCH2)]),
]

PLANNER_INPUT = ("Task: Using the researcher's notes, build a day-by-day plan for Mon 9 - Wed 11 Sept 2024, one attraction per day "
                 "with a nearby lunch, and compute the total ticket cost for two adults.\nExpected output: itinerary table and ticket total.\n\n"
                 "Context (from Lisbon City Researcher):\n" + T0.split("## Final Answer:\n", 1)[1])

# ---------------- failing continuation ----------------
F1 = """## Thought: Group the east-side sights together early in the trip, then finish in the centre.

## Final Answer:
**Lisbon, 9–11 September 2024 (2 adults)**

| Day | Morning | Lunch | Afternoon |
|---|---|---|---|
| **Monday 9 Sept: Museu Nacional do Azulejo** | Arrive 10:00, tile collection + the gilded chapel of Madre de Deus (allow 2 h) | Tasca do Convento (5 min walk) | Tram 28 ride + Alfama viewpoints (Miradouro de Santa Luzia) |
| **Tuesday 10 Sept: Oceanário de Lisboa** | Arrive 10:00 to beat school groups (allow 2.5 h) | Doca Oriente Grill (6 min) | Cable car along the river, Vasco da Gama promenade |
| **Wednesday 11 Sept: Calouste Gulbenkian Museum** | Founder's Collection from 10:00 | Cafetaria do Jardim (in the park) | Modern Collection + Gulbenkian garden |

**Tickets (2 adults)**
- Azulejo: 2 × €8 = €16
- Oceanário: 2 × €25 = €50
- Gulbenkian: 2 × €10 = €20
- **Total: €86**"""

F2 = """## Thought: Check the ticket arithmetic, travel times between stops and that lunches are realistic.

## Final Answer:
Your Lisbon itinerary is ready.

**Monday 9 Sept: Museu Nacional do Azulejo**
Start at 10:00 with Portugal's national tile collection and the Madre de Deus chapel. Lunch at Tasca do Convento, five minutes' walk away. In the afternoon, ride Tram 28 up to Alfama for the Santa Luzia viewpoint.

**Tuesday 10 Sept: Oceanário de Lisboa**
Arrive at opening (10:00) to beat the school groups. Lunch at Doca Oriente Grill on the river, then take the cable car along the Parque das Nações waterfront.

**Wednesday 11 Sept: Calouste Gulbenkian Museum**
Founder's Collection in the morning, lunch buffet at the Cafetaria do Jardim, then the Modern Collection and a walk in the garden.

**Ticket total for two adults: €86** (Azulejo €16 + Oceanário €50 + Gulbenkian €20). Travel between each stop is under 20 minutes by metro or taxi, and every lunch spot is within a short walk. Enjoy Lisbon!"""

FAIL_REST = [
    turn("Itinerary Planner", PLANNER_INPUT, F1),
    turn("Travel Concierge",
         "Task: Review the itinerary for feasibility and cost accuracy and produce the final client-ready version.\n\nContext (from Itinerary Planner):\n" + F1.split("## Final Answer:\n", 1)[1],
         F2),
]

# ---------------- clean continuation ----------------
O1 = """## Thought: Azulejo is closed Mondays and the Gulbenkian is closed Tuesdays. So Monday must be Gulbenkian or Oceanário, Tuesday must be Azulejo or Oceanário. Putting the Gulbenkian on Monday keeps Tuesday free for Azulejo and saves the Oceanário for Wednesday.

## Final Answer:
**Lisbon, 9–11 September 2024 (2 adults)**

| Day | Morning | Lunch | Afternoon |
|---|---|---|---|
| **Monday 9 Sept: Calouste Gulbenkian Museum** (open Mon) | Founder's Collection from 10:00 | Cafetaria do Jardim (in the park) | Modern Collection + garden |
| **Tuesday 10 Sept: Museu Nacional do Azulejo** (open Tue) | Arrive 10:00, tiles + Madre de Deus chapel | Time Out Market (Cais do Sodré) | Tram 28 + Alfama viewpoints |
| **Wednesday 11 Sept: Oceanário de Lisboa** (open daily) | Arrive 10:00 | Doca Oriente Grill (6 min) | Cable car along the river |

**Tickets (2 adults)**
- Gulbenkian: 2 × €10 = €20
- Azulejo: 2 × €8 = €16
- Oceanário: 2 × €25 = €50
- **Total: €86**"""

DELEGATE_RESULT = ("Revised Tuesday: lunch at Tasca do Convento (5 min walk from the Azulejo museum, mains €12-16) instead of Time Out "
                   "Market, which is about 25 minutes away by bus. Everything else unchanged: Mon Gulbenkian, Tue Azulejo, Wed "
                   "Oceanário; total €86 for two adults.")

O2 = """## Thought: Opening days check out (Gulbenkian on a Monday is fine, Azulejo on a Tuesday is fine, Oceanário is daily). Ticket sum: 20 + 16 + 50 = 86. ✔ But the Tuesday lunch is at Time Out Market, which is across town from Xabregas; the researcher listed Tasca do Convento right next to the museum. I'll ask the planner to swap it.
## Using tool: Delegate work to coworker
## Tool Input: {"task": "Replace Tuesday's lunch with a spot near the Azulejo museum", "context": "Time Out Market is ~25 min from Xabregas; researcher suggested Tasca do Convento 5 min away.", "coworker": "Itinerary Planner"}

## Final Answer:
Your Lisbon itinerary is ready.

**Monday 9 Sept: Calouste Gulbenkian Museum**
Founder's Collection from 10:00, lunch buffet at the Cafetaria do Jardim in the park, then the Modern Collection and the garden. (The Gulbenkian closes on Tuesdays, so Monday is the right day for it.)

**Tuesday 10 Sept: Museu Nacional do Azulejo**
Tiles and the gilded Madre de Deus chapel from 10:00 (the museum is closed Mondays). Lunch at Tasca do Convento, five minutes' walk. Afternoon: Tram 28 and the Alfama viewpoints.

**Wednesday 11 Sept: Oceanário de Lisboa**
Arrive at 10:00, lunch at Doca Oriente Grill on the river, then the cable car along the waterfront.

**Ticket total for two adults: €86** (Gulbenkian €20 + Azulejo €16 + Oceanário €50)."""

OK_REST = [
    turn("Itinerary Planner", PLANNER_INPUT, O1),
    turn("Travel Concierge",
         "Task: Review the itinerary for feasibility and cost accuracy and produce the final client-ready version.\n\nContext (from Itinerary Planner):\n" + O1.split("## Final Answer:\n", 1)[1],
         O2,
         [tool("Delegate work to coworker",
               {"task": "Replace Tuesday's lunch with a spot near the Azulejo museum", "context": "Time Out Market is ~25 min from Xabregas; researcher suggested Tasca do Convento 5 min away.", "coworker": "Itinerary Planner"},
               DELEGATE_RESULT)]),
]

WHY_FAIL = ("The search result for the Museu Nacional do Azulejo says 'Closed on Mondays', and the researcher's notes pass "
            "this on explicitly: '**the Azulejo museum must not go on Monday 9th**'. The Itinerary Planner "
            "ignores this and schedules '**Monday 9 Sept: Museu Nacional do Azulejo**'. The Travel Concierge only checks "
            "'ticket arithmetic, travel times ... and that lunches are realistic', never the opening days, and delivers the "
            "plan with the couple arriving at a closed museum on Monday.")
WHY_OK = ("Mon Gulbenkian (closed only Tuesdays), Tue Azulejo (closed only Mondays), Wed Oceanário (daily) respects every "
          "closure; tickets 2 x (10 + 8 + 25) = €86. The concierge's delegation only swaps a far-away lunch spot for the "
          "one the researcher listed next to the museum.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F2.split("## Final Answer:\n", 1)[1], O2.split("## Final Answer:\n", 1)[1],
                     "Itinerary Planner", ["FM-2.5", "FM-3.2"], WHY_FAIL, WHY_OK)
