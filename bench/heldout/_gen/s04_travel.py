from common import *
TASK = ("Book me a round trip Chicago → Boston for the Harmon client workshop on Thursday June 13. I need to land at BOS before 14:00 — the workshop starts at 15:30 in Cambridge — "
        "and fly back Friday June 14 after 17:00. Economy is fine; keep airfare under $650, and a hotel near Kendall Square under $320/night.")
AGENTS = {
 "TripPlanner": "Turn the traveler's request into briefs for FlightAgent and HotelAgent that carry every constraint, then assemble the final itinerary for the traveler.",
 "FlightAgent": "Search flights for the brief you receive and place a hold on the cheapest option that satisfies all of the brief's constraints. Report the held itinerary.",
 "HotelAgent": "Find a hotel that fits the brief's location, dates and nightly budget, and place a refundable hold.",
}
def build(fail):
    if fail:
        brief = ("**Flight brief (FlightAgent):** ORD → BOS on Thu 2024-06-13; return BOS → ORD Fri 2024-06-14 departing after 17:00. Economy, round-trip airfare ≤ $650.\n\n"
                 "**Hotel brief (HotelAgent):** 1 night, check-in 06-13, check-out 06-14, within ~1 km of Kendall Square, Cambridge, ≤ $320/night, refundable.")
    else:
        brief = ("**Flight brief (FlightAgent):** ORD → BOS on Thu 2024-06-13, **outbound must land BOS before 14:00**; return BOS → ORD Fri 2024-06-14 departing after 17:00. Economy, round-trip airfare ≤ $650.\n\n"
                 "**Hotel brief (HotelAgent):** 1 night, check-in 06-13, check-out 06-14, within ~1 km of Kendall Square, Cambridge, ≤ $320/night, refundable.")
    turns = [T("TripPlanner", TASK, brief)]
    res = {"options":[
      {"id":"RT1","out":{"flight":"UA 1422","dep":"ORD 07:05","arr":"BOS 10:31"},"ret":{"flight":"UA 2317","dep":"BOS 18:40","arr":"ORD 20:12"},"fare":412.60,"cabin":"economy"},
      {"id":"RT2","out":{"flight":"B6 318","dep":"ORD 13:25","arr":"BOS 16:48"},"ret":{"flight":"B6 917","dep":"BOS 19:05","arr":"ORD 20:41"},"fare":338.20,"cabin":"economy"},
      {"id":"RT3","out":{"flight":"AA 1120","dep":"ORD 09:10","arr":"BOS 12:38"},"ret":{"flight":"AA 2291","dep":"BOS 17:55","arr":"ORD 19:35"},"fare":447.90,"cabin":"economy"},
      {"id":"RT4","out":{"flight":"UA 688","dep":"ORD 06:00","arr":"BOS 09:22"},"ret":{"flight":"UA 1790","dep":"BOS 15:10","arr":"ORD 16:48"},"fare":389.10,"cabin":"economy"}]}
    search = tool("search_flights", {"origin":"ORD","destination":"BOS","depart_date":"2024-06-13","return_date":"2024-06-14","cabin":"economy","max_fare":650}, res)
    if fail:
        hold = tool("hold_flight", {"option_id":"RT2"}, {"record_locator":"KQ7TZM","status":"held","fare":338.20,"hold_expires":"2024-06-08T23:59:00-05:00"})
        fo = ("Held **RT2** (record locator **KQ7TZM**, hold expires Jun 8 23:59 CT), round-trip economy **$338.20**:\n"
              "- Out Thu 6/13: JetBlue B6 318, ORD 13:25 → BOS 16:48\n- Back Fri 6/14: JetBlue B6 917, BOS 19:05 → ORD 20:41\n\n"
              "Cheapest option meeting the brief (RT4 excluded — its return departs 15:10, before 17:00). Alternatives: RT4 $389.10, RT1 $412.60, RT3 $447.90.")
    else:
        hold = tool("hold_flight", {"option_id":"RT1"}, {"record_locator":"MZ4QPL","status":"held","fare":412.60,"hold_expires":"2024-06-08T23:59:00-05:00"})
        fo = ("Held **RT1** (record locator **MZ4QPL**, hold expires Jun 8 23:59 CT), round-trip economy **$412.60**:\n"
              "- Out Thu 6/13: United UA 1422, ORD 07:05 → BOS 10:31\n- Back Fri 6/14: United UA 2317, BOS 18:40 → ORD 20:12\n\n"
              "Cheapest option meeting every constraint. Excluded: RT2 ($338.20) lands 16:48, after the 14:00 limit; RT4 ($389.10) returns at 15:10, before 17:00. RT3 ($447.90) also qualifies but costs more.")
    turns.append(T("FlightAgent", brief.split("\n\n")[0], fo, [search, hold]))
    hres = {"results":[{"hotel_id":"H-5512","name":"The Kendall Hotel at the Engine 7 Firehouse","distance_km":0.3,"rate":289.00,"refundable":True},
                       {"hotel_id":"H-2207","name":"Residence Inn Boston Cambridge","distance_km":0.6,"rate":304.00,"refundable":True},
                       {"hotel_id":"H-9031","name":"Hotel Veritas","distance_km":2.4,"rate":279.00,"refundable":True}]}
    ho = ("Held **The Kendall Hotel** (0.3 km from Kendall Square), check-in Thu 6/13, check-out Fri 6/14, **$289.00/night**, free cancellation until 6/12 18:00. Confirmation **KH-20931**.")
    turns.append(T("HotelAgent", brief.split("\n\n")[1], ho,
        [tool("search_hotels", {"near":"Kendall Square, Cambridge MA","checkin":"2024-06-13","checkout":"2024-06-14","max_rate":320,"refundable":True}, hres),
         tool("hold_room", {"hotel_id":"H-5512","checkin":"2024-06-13","checkout":"2024-06-14"}, {"confirmation":"KH-20931","status":"held","rate":289.00,"cancel_by":"2024-06-12T18:00:00-04:00"})]))
    if fail:
        fin = ("Here's your Boston trip for the Harmon workshop:\n\n**Flights** (held, record locator KQ7TZM — $338.20 round trip, economy)\n"
               "- Thu Jun 13: JetBlue 318, ORD 13:25 → BOS 16:48\n- Fri Jun 14: JetBlue 917, BOS 19:05 → ORD 20:41\n\n"
               "**Hotel** — The Kendall Hotel, Cambridge (0.3 km from Kendall Square), 1 night, $289.00, conf. KH-20931, free cancellation until Jun 12 18:00.\n\n"
               "Total: $627.20. Holds expire Jun 8 at 23:59 CT — reply \"confirm\" and I'll ticket.")
    else:
        fin = ("Here's your Boston trip for the Harmon workshop:\n\n**Flights** (held, record locator MZ4QPL — $412.60 round trip, economy)\n"
               "- Thu Jun 13: United 1422, ORD 07:05 → BOS 10:31 (lands well before your 14:00 cutoff)\n- Fri Jun 14: United 2317, BOS 18:40 → ORD 20:12\n\n"
               "**Hotel** — The Kendall Hotel, Cambridge (0.3 km from Kendall Square), 1 night, $289.00, conf. KH-20931, free cancellation until Jun 12 18:00.\n\n"
               "Total: $701.60. Holds expire Jun 8 at 23:59 CT — reply \"confirm\" and I'll ticket.")
    turns.append(T("TripPlanner", "FlightAgent:\n" + fo + "\n\nHotelAgent:\n" + ho, fin))
    return {"task": TASK, "agents": AGENTS, "turns": turns, "final_answer": fin}
pair("travel-lost-arrival-constraint", build, {"culprit":"TripPlanner","step":0,"modes":["FM-1.1"],
  "why":"The user requires 'land at BOS before 14:00', but TripPlanner's flight brief at step 0 omits it; FlightAgent then correctly picks the cheapest brief-compliant option, B6 318 arriving 'BOS 16:48', which the final itinerary books.",
  "ok_why":"The brief carried the 14:00 arrival limit; FlightAgent excluded RT2 (16:48) and held RT1 landing 10:31, under budget, returning after 17:00."})
