import json
from common import T, run, tool

RID = "h7-03-orchard-irrigation"
SHAPE = "CrewAI sequential crew (field data analyst -> agronomist -> scheduler -> report writer)"
DOMAIN = "orchard irrigation scheduling"

TASK = ("Build the drip irrigation schedule for Block 7 (almonds, 40 ac) for Mon Jul 8 - Sun Jul 14. The schedule must cover this "
        "week's crop water use AND bring the root zone back to field capacity from wherever it is now. Block 7's drip system "
        "applies a net 0.05 in/hr. Give total run hours for the week and hours per day.")

AGENTS = {
    "Field Data Analyst": "Role: Field Data Analyst. Goal: report the current root-zone soil water status for the requested block from the probe network. Backstory: you maintain the orchard's soil moisture probes.",
    "Agronomist": "Role: Agronomist. Goal: estimate crop evapotranspiration (ETc = ETo x Kc) for the block and week using the forecast service and the crop coefficient table.",
    "Irrigation Scheduler": "Role: Irrigation Scheduler. Goal: turn the water requirement from your coworkers' outputs into valve run hours given the system's application rate. Use all context passed to you.",
    "Report Writer": "Role: Report Writer. Goal: format the scheduler's plan into a short ops memo for the irrigation crew. Do not change numbers.",
}

probe_res = json.dumps({"block": "7", "timestamp": "2024-07-07T18:00:00", "root_zone_depth_in": 36,
    "probes": [
        {"id": "B7-P1", "vwc_pct": 21.8, "deficit_below_fc_in": 0.55},
        {"id": "B7-P2", "vwc_pct": 20.9, "deficit_below_fc_in": 0.68},
        {"id": "B7-P3", "vwc_pct": 21.6, "deficit_below_fc_in": 0.57}],
    "block_mean_deficit_in": 0.60,
    "notes": "Pump 2 outage Jul 3-5; Block 7 missed two sets."}, indent=2)

t0 = T("Field Data Analyst", "Task: Report current root-zone water status for Block 7 as of Sunday evening.",
       "**Block 7 soil water status (Sun Jul 7, 18:00)**\n\n"
       "| Probe | VWC % | Deficit below FC |\n|---|---|---|\n| B7-P1 | 21.8 | 0.55 in |\n| B7-P2 | 20.9 | 0.68 in |\n| B7-P3 | 21.6 | 0.57 in |\n\n"
       "Block mean: the 36-in root zone is **0.60 in below field capacity**. Cause: the Pump 2 outage Jul 3-5 meant Block 7 missed two sets, "
       "so the block is starting the week dry. This deficit needs to be made up on top of normal use.",
       [tool("probe_network_query", {"block": "7", "as_of": "2024-07-07T18:00"}, probe_res)])

eto_res = json.dumps({"station": "CIMIS-206 (nearest)", "units": "in/day",
    "forecast": [{"date": "2024-07-08", "eto": 0.27}, {"date": "2024-07-09", "eto": 0.28}, {"date": "2024-07-10", "eto": 0.29},
                  {"date": "2024-07-11", "eto": 0.29}, {"date": "2024-07-12", "eto": 0.28}, {"date": "2024-07-13", "eto": 0.27},
                  {"date": "2024-07-14", "eto": 0.28}], "week_total": 1.96}, indent=2)

t1 = T("Agronomist", "Task: Estimate ETc for Block 7 (mature almonds) for Jul 8-14. Context: Field Data Analyst output.",
       "Forecast reference ET for the week is **1.96 in** (0.27-0.29 in/day). For mature almonds in early-mid July I'm using "
       "**Kc = 1.10** (full canopy, hull-split not yet started).\n\n"
       "ETc = 1.96 × 1.10 = **2.156 in** for the week (~0.31 in/day).\n\n"
       "No rain in the forecast, so effective precipitation = 0.",
       [tool("eto_forecast", {"station": "CIMIS-206", "start": "2024-07-08", "end": "2024-07-14"}, eto_res),
        tool("kc_table_lookup", {"crop": "almond", "stage": "mid-season", "month": 7}, json.dumps({"crop": "almond", "month": 7, "kc": 1.10}))])

t2_fail = T("Irrigation Scheduler", "Task: Convert the week's water requirement for Block 7 into run hours. Context: Field Data Analyst and Agronomist outputs.",
            "**Water requirement**\n\nAssuming the block starts the week at field capacity, the requirement is this week's crop use:\n\n"
            "- ETc = 2.156 in\n- Effective rain = 0\n- Net requirement = **2.156 in**\n\n"
            "**Run time**\n\n2.156 in ÷ 0.05 in/hr = **43.1 hr** for the week → **6.2 hr/day** across 7 days.\n\n"
            "Suggested sets: 6 hr 10 min nightly starting 22:00 to stay in off-peak pumping.")

t3_fail = T("Report Writer", "Task: Format the scheduler's plan as an ops memo.",
            "**OPS MEMO — Block 7 Irrigation, Jul 8–14**\n\n- Weekly net requirement: 2.156 in (ETc, Kc 1.10)\n- System rate: 0.05 in/hr\n"
            "- **Total run time: 43.1 hr**\n- **Daily: 6 hr 10 min**, start 22:00 (off-peak)\n\nQuestions → irrigation desk.")

FINAL_FAIL = "Block 7, Jul 8-14: apply 2.156 in (ETc at Kc 1.10). Total run time 43.1 hr, i.e., 6 hr 10 min per night starting 22:00."

ask_res = "Inches of water (depth), averaged over the 36-in root zone — not a VWC percentage. So 0.60 in of water needs to go back in."

t2_ok = T("Irrigation Scheduler", "Task: Convert the week's water requirement for Block 7 into run hours. Context: Field Data Analyst and Agronomist outputs.",
          "Quick check with the Field Data Analyst on units before I add the deficit.\n\n"
          "**Water requirement**\n\n- Crop use this week (ETc): 2.156 in\n- Refill current deficit to field capacity: 0.60 in\n- Effective rain: 0\n"
          "- Net requirement = 2.156 + 0.60 = **2.756 in**\n\n**Run time**\n\n2.756 in ÷ 0.05 in/hr = **55.1 hr** for the week → 55.12 / 7 = **7.9 hr/day**.\n\n"
          "Suggested sets: 7 hr 52 min nightly starting 21:30 so it still finishes before the 06:00 peak window. If the crew prefers, front-load "
          "the refill: 9 hr on Mon/Tue and ~7.4 hr the other five nights — same 55.1 hr total.",
          [tool("Ask question to coworker", {"coworker": "Field Data Analyst", "question": "Is the 0.60 in block mean deficit a depth of water or a VWC %?", "context": "Need it to size the refill."}, ask_res)])

t3_ok = T("Report Writer", "Task: Format the scheduler's plan as an ops memo.",
          "**OPS MEMO — Block 7 Irrigation, Jul 8–14**\n\n- Crop use (ETc, Kc 1.10): 2.156 in\n- Refill after Pump 2 outage: 0.60 in\n"
          "- Net requirement: 2.756 in @ 0.05 in/hr\n- **Total run time: 55.1 hr**\n- **Daily: 7 hr 52 min**, start 21:30 (done before 06:00 peak)\n"
          "- Alt: 9 hr Mon & Tue, ~7.4 hr Wed–Sun (same total)\n\nQuestions → irrigation desk.")

FINAL_OK = ("Block 7, Jul 8-14: apply 2.756 in (2.156 in ETc + 0.60 in refill to field capacity). Total run time 55.1 hr, about 7.9 hr "
            "(7 hr 52 min) per night starting 21:30.")


def build():
    pre = [t0, t1]
    fail = run(RID, None, TASK, AGENTS, pre + [t2_fail, t3_fail], FINAL_FAIL, "failure", "Irrigation Scheduler", 2, ["FM-2.5"],
               "The Field Data Analyst reported 'the 36-in root zone is 0.60 in below field capacity ... This deficit needs to be made up on top "
               "of normal use', and the task requires the schedule to 'bring the root zone back to field capacity from wherever it is now'. The "
               "Scheduler instead wrote 'Assuming the block starts the week at field capacity' and scheduled only 2.156 in (43.1 hr) instead of "
               "2.756 in (55.1 hr).")
    ok = run(RID + "-ok", RID, TASK, AGENTS, pre + [t2_ok, t3_ok], FINAL_OK, "success", None, None, [],
             "Scheduler adds the analyst's 0.60 in deficit to ETc 1.96x1.10=2.156 in: 2.756 in / 0.05 in/hr = 55.12 hr, 7.87 hr/day. The "
             "coworker question about units is harmless and answered; the alternative front-loaded split also totals 55.1 hr (2x9 + 5x7.42).")
    return fail, ok, SHAPE, DOMAIN
