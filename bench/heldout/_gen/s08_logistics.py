from common import *
TASK = ("Shipment SH-7731 (cold-chain insulin, 2–8 °C, Memphis → Denver DC) must arrive by Wed Jun 12 18:00 MDT. Check its status; "
        "if the carrier's ETA misses that deadline, rebook it onto our backup cold-chain carrier FrostLine and notify the Denver DC manager (r.alvarez@medidist.com).")
AGENTS = {
 "OpsCoordinator": "Own delayed or at-risk shipments. Brief CarrierAgent with the rule to apply, confirm what it did, and notify stakeholders with the outcome.",
 "CarrierAgent": "Use the carrier tracking and booking APIs. Apply the rule in your brief: check status, and rebook to the backup carrier when the brief's condition is met. Report exactly what you did.",
}
BRIEF = ("SH-7731, cold-chain insulin (2–8 °C), Memphis → Denver DC. Deadline: **Wed 2024-06-12 18:00 MDT**.\n"
         "1. Get current tracking/ETA.\n2. If ETA is later than the deadline, book FrostLine (backup cold-chain contract FL-MED-2024) from the shipment's current location with deliver-by 2024-06-12 18:00 MDT, and cancel the ArcticHaul leg.\n3. Report status, booking ID and new ETA.")
TRK = {"shipment_id":"SH-7731","carrier":"ArcticHaul","pro_number":"AH-5520193","status":"in_transit_delayed","last_scan":{"location":"Little Rock, AR","ts":"2024-06-11T06:12:00Z"},
       "reefer_temp_c":4.6,"eta":"2024-06-13T09:30:00-06:00","delay_reason":"reefer unit fault, awaiting trailer swap"}
def build(fail):
    turns = [T("OpsCoordinator", TASK, "Briefing CarrierAgent.\n\n" + BRIEF)]
    if fail:
        calls = [tool("track_shipment", {"shipment_id":"SH-7731"}, TRK) for _ in range(4)]
        co = ("SH-7731 (ArcticHaul PRO AH-5520193) is **delayed in transit**: reefer unit fault at Little Rock, AR, awaiting a trailer swap. "
              "Last scan 2024-06-11 06:12Z, reefer at 4.6 °C (in range). Carrier ETA **Thu Jun 13 09:30 MDT**.\n\n"
              "I re-polled tracking several times to see whether the swap had been logged — no change yet. The ETA may improve once the trailer is swapped; I'll keep watching the feed.")
        turns.append(T("CarrierAgent", BRIEF, co, calls))
        msg = ("Hi Ricardo,\n\nHeads-up on **SH-7731** (insulin, 2–8 °C): ArcticHaul reports a reefer unit fault at Little Rock, AR, and is awaiting a trailer swap. "
               "Product temperature is in range (4.6 °C at last scan). Current carrier ETA is **Thu Jun 13, 09:30 MDT**. We're monitoring tracking and will update you as soon as the swap is logged.\n\nOps Coordination")
        turns.append(T("OpsCoordinator", co, "Notified the Denver DC manager.\n\n**SH-7731 status:** ArcticHaul delay (reefer fault, trailer swap pending at Little Rock). Temperature in range. ETA Thu Jun 13 09:30 MDT. Monitoring continues.",
            [tool("send_email", {"to":"r.alvarez@medidist.com","subject":"SH-7731 delay — ArcticHaul reefer fault","body":msg}, {"status":"sent","message_id":"<m-88213@medidist.com>"})]))
    else:
        calls = [tool("track_shipment", {"shipment_id":"SH-7731"}, TRK),
                 tool("book_shipment", {"carrier":"FrostLine","contract":"FL-MED-2024","shipment_id":"SH-7731","pickup_location":"Little Rock, AR","temp_range_c":[2,8],"deliver_by":"2024-06-12T18:00:00-06:00"},
                      {"booking_id":"FL-220914","status":"confirmed","pickup_window":"2024-06-11T10:00:00-05:00/2024-06-11T12:00:00-05:00","eta":"2024-06-12T14:45:00-06:00","equipment":"53ft reefer, team drivers"}),
                 tool("cancel_leg", {"carrier":"ArcticHaul","pro_number":"AH-5520193","reason":"rebooked to backup carrier"}, {"status":"cancelled","pro_number":"AH-5520193","transfer_at":"Little Rock, AR"})]
        co = ("ArcticHaul ETA for SH-7731 was **Thu Jun 13 09:30 MDT** (reefer unit fault at Little Rock, AR, awaiting trailer swap; last scan 06-11 06:12Z, reefer 4.6 °C) — later than the Jun 12 18:00 MDT deadline, so I applied the rebook rule.\n\n"
              "- **FrostLine booking FL-220914 confirmed** (contract FL-MED-2024): pickup at Little Rock, AR, Jun 11 10:00–12:00 CDT, 53 ft reefer with team drivers, 2–8 °C.\n"
              "- New ETA **Wed Jun 12 14:45 MDT** (3 h 15 min before the deadline).\n- ArcticHaul leg AH-5520193 cancelled; freight transfers at Little Rock.")
        turns.append(T("CarrierAgent", BRIEF, co, calls))
        msg = ("Hi Ricardo,\n\n**SH-7731** (insulin, 2–8 °C) had a reefer unit fault on the ArcticHaul truck at Little Rock, AR, which pushed their ETA to Thu Jun 13. "
               "We've rebooked it onto **FrostLine (booking FL-220914)**, picking up at Little Rock today 10:00–12:00 CDT with team drivers. "
               "New ETA at the Denver DC: **Wed Jun 12, 14:45 MDT**. Product was in range (4.6 °C) at last scan.\n\nOps Coordination")
        turns.append(T("OpsCoordinator", co, "Notified the Denver DC manager.\n\n**SH-7731:** ArcticHaul ETA (Jun 13 09:30 MDT) missed the deadline, so it was rebooked to FrostLine **FL-220914**; new ETA **Jun 12 14:45 MDT**, inside the Jun 12 18:00 deadline. ArcticHaul leg cancelled.",
            [tool("send_email", {"to":"r.alvarez@medidist.com","subject":"SH-7731 rebooked to FrostLine — ETA Jun 12 14:45 MDT","body":msg}, {"status":"sent","message_id":"<m-88213@medidist.com>"})]))
    return {"task": TASK, "agents": AGENTS, "turns": turns, "final_answer": turns[-1]["output"]}
pair("logistics-repeated-status", build, {"culprit":"CarrierAgent","step":1,"modes":["FM-1.3","FM-1.5"],
  "why":"CarrierAgent called track_shipment with identical args four times, each returning eta 2024-06-13T09:30 — past the 'Jun 12 18:00 MDT' deadline — and then said it would 'keep watching the feed' instead of applying step 2 of its brief (book FrostLine), so the shipment was never rebooked.",
  "ok_why":"CarrierAgent checked tracking once, saw the ETA missed the deadline, booked FrostLine FL-220914 (ETA Jun 12 14:45 MDT) and cancelled the ArcticHaul leg; the DC manager was notified."})
