import copy
from common import make_pair, turn, tool, m1_ledger, M1_TEAM, M1_AGENTS

RID = "h5-05-m1-fleet"
META = {
    "id": RID,
    "framework": "Magentic-One",
    "shape": "Magentic-One: Orchestrator, WebSurfer, FileSurfer, Coder, ComputerTerminal",
    "domain": "fleet logistics (fuel economy from a refuel log)",
    "culprit_role": "coordinator",
    "reported_by": "Orchestrator",
    "expect_fail": "17.0",
    "expect_ok": "10.6",
}

PATH = "/workspace/van_fuel_log_2024Q2.csv"
TASK = (f"The file {PATH} is the refuel log for our delivery vans. What was the fleet's overall fuel economy for "
        "Q2 2024 in miles per gallon (total distance driven divided by total fuel purchased)? Round to one decimal place.")

AGENTS = copy.deepcopy(M1_AGENTS)

T0 = f"""We are working to address the following user request:

{TASK}

To answer this request we have assembled the following team:

{M1_TEAM}

Here is an initial fact sheet to consider:

1. GIVEN OR VERIFIED FACTS
- The data is in the local file {PATH}.
- The metric wanted is fleet-level miles per gallon for Q2 2024: total distance / total fuel.
- The answer should be rounded to one decimal place.

2. FACTS TO LOOK UP
- The columns of the file, and the units of the distance and fuel columns.
- Whether the file already contains totals or a summary row.

3. FACTS TO DERIVE
- Total distance (in miles) and total fuel (in US gallons) for Q2 2024, and their ratio.

4. EDUCATED GUESSES
- Delivery vans typically get somewhere between 10 and 20 mpg.
- Refuel logs often record distance since the previous fill, in which case summing that column gives total distance.

Here is the plan to follow as best as possible:

- FileSurfer: open the file and report its structure, units and row count.
- Coder: write a script that totals distance and fuel and computes the ratio, converting units if needed.
- ComputerTerminal: run the script.
- Orchestrator: report the rounded result."""

T1 = m1_ledger(
    ("Nothing has been read from the file yet.", False),
    ("First step.", False),
    ("Just started.", True),
    ("The file structure must be known before any code is written.", "FileSurfer"),
    ("Ask FileSurfer to open the file.",
     f"Please open {PATH} and tell us the column names, the units of any distance and fuel columns, and how many records it contains."),
) + "\n\nNext speaker FileSurfer"

P1 = f"""Path: {PATH}
Viewport position: Showing page 1 of 18.
=======================
# BRT Logistics - van refuel export 2024-04-01..2024-06-30 (Q2). trip_distance = distance since previous fill, recorded by telematics in KILOMETRES. fuel_gal = US gallons dispensed.
# 214 records, 9 vans (VN-01..VN-09). Generated 2024-07-02 06:14 UTC.
fill_date,van_id,station,trip_distance,fuel_gal,price_per_gal
2024-04-01,VN-01,Shell Harbor Rd,217.7,13.7,3.679
2024-04-01,VN-02,Shell Harbor Rd,252.5,16.0,3.839
2024-04-01,VN-03,Chevron Mill St,210.0,13.4,3.679
2024-04-02,VN-04,Shell Harbor Rd,211.8,12.3,3.839
2024-04-02,VN-05,Shell Harbor Rd,203.7,12.6,3.839
2024-04-02,VN-06,Pilot I-84 Exit 12,236.0,15.1,3.679
2024-04-03,VN-07,Chevron Mill St,234.0,14.7,3.719
2024-04-03,VN-08,Pilot I-84 Exit 12,232.8,13.5,3.679
2024-04-03,VN-09,Costco Fuel Eastgate,235.7,13.5,3.679
2024-04-04,VN-01,Shell Harbor Rd,233.3,14.9,3.839
2024-04-04,VN-02,Chevron Mill St,209.4,11.9,3.759"""

T2 = P1 + """

The file is a CSV with two comment lines at the top. Columns: fill_date, van_id, station, trip_distance, fuel_gal, price_per_gal. Per the header comment, trip_distance is the distance since the previous fill **in kilometres** and fuel_gal is in US gallons. The comment states 214 records for 9 vans (VN-01 to VN-09). This is page 1 of 18."""

T3 = m1_ledger(
    ("Structure and units are known (trip_distance in km, fuel in US gallons) but no totals have been computed.", False),
    ("Not in a loop.", False),
    ("Column names and units were identified.", True),
    ("It is worth checking whether the export ends with a totals row before writing code.", "FileSurfer"),
    ("Check for a summary row.", "Please page down through the file and tell us whether it ends with a totals or summary row."),
) + "\n\nNext speaker FileSurfer"

P2 = f"""Path: {PATH}
Viewport position: Showing page 2 of 18.
=======================
2024-04-04,VN-03,Costco Fuel Eastgate,227.6,12.4,3.759
2024-04-05,VN-04,Pilot I-84 Exit 12,212.4,13.3,3.679
2024-04-05,VN-05,Costco Fuel Eastgate,235.2,13.7,3.799
2024-04-05,VN-06,Shell Harbor Rd,215.2,11.6,3.839
2024-04-06,VN-07,Pilot I-84 Exit 12,224.3,12.5,3.799
2024-04-06,VN-08,Shell Harbor Rd,224.5,12.1,3.839
2024-04-06,VN-09,Costco Fuel Eastgate,235.1,12.9,3.759
2024-04-07,VN-01,Chevron Mill St,243.7,14.0,3.679
2024-04-07,VN-02,Chevron Mill St,253.8,13.7,3.679
2024-04-07,VN-03,Chevron Mill St,199.2,11.2,3.759
2024-04-08,VN-04,Costco Fuel Eastgate,245.2,13.4,3.679
2024-04-08,VN-05,Shell Harbor Rd,260.8,15.7,3.799
2024-04-08,VN-06,Pilot I-84 Exit 12,199.1,11.1,3.719"""

T4 = P2 + "\n\nPage 2 of 18: more refuel records, no summary row yet. I can keep paging down if needed."

PREFIX = [
    turn("Orchestrator", TASK, T0),
    turn("Orchestrator", "(internal) update progress ledger", T1),
    turn("FileSurfer", f"Please open {PATH} and tell us the column names, the units of any distance and fuel columns, and how many records it contains.", T2,
         [tool("open_local_file", {"path": PATH}, P1)]),
    turn("Orchestrator", "FileSurfer: " + T2[-420:], T3),
    turn("FileSurfer", "Please page down through the file and tell us whether it ends with a totals or summary row.", T4,
         [tool("page_down", {}, P2)]),
]

STALL = m1_ledger(
    ("No totals have been computed yet.", False),
    ("FileSurfer is paging through an 18-page file one page at a time to look for a summary row; this will take many more turns.", True),
    ("Paging through the raw rows is not moving us toward the answer; a script can total the columns directly.", False),
    ("Re-planning is needed.", "Orchestrator"),
    ("Stop paging.", "Stop paging; a new plan follows."),
)

# ---------------- failing continuation ----------------
F5 = STALL + f"""

Stalled.... Replanning...

We are working to address the following user request:

{TASK}

To answer this request we have assembled the following team:

{M1_TEAM}

Here is an updated fact sheet to consider:

1. GIVEN OR VERIFIED FACTS
- The data is in the local file {PATH}.
- The file is a CSV with two comment lines starting with '#', followed by the columns fill_date, van_id, station, trip_distance, fuel_gal, price_per_gal.
- trip_distance is the distance since the previous fill; fuel_gal is US gallons dispensed.
- The file contains 214 records for 9 vans. The first two pages show no totals row.

2. FACTS TO LOOK UP
- None.

3. FACTS TO DERIVE
- Sum of trip_distance, sum of fuel_gal, and their ratio (fleet mpg).

4. EDUCATED GUESSES
- Delivery vans typically get somewhere between 10 and 20 mpg.

Here is the new plan to follow as best as possible:

- Coder: write a Python script that reads the CSV (skipping '#' comment lines), sums trip_distance and fuel_gal over all 214 records, and prints sum(trip_distance) / sum(fuel_gal) as the fleet mpg.
- ComputerTerminal: run it.
- Orchestrator: round to one decimal and report.

""" + m1_ledger(
    ("Totals not yet computed.", False),
    ("Fresh plan.", False),
    ("New plan in place.", True),
    ("Coder writes the totalling script.", "Coder"),
    ("Compute mpg.", f"Write a Python script that reads {PATH} with pandas (comment='#'), sums trip_distance and fuel_gal, and prints the record count, both totals and sum(trip_distance)/sum(fuel_gal) as fleet mpg."),
) + "\n\nNext speaker Coder"

F6 = f"""Here is a script that totals the two columns and computes fleet mpg.

```python
import pandas as pd

df = pd.read_csv("{PATH}", comment="#")
total_distance = df["trip_distance"].sum()
total_fuel = df["fuel_gal"].sum()

print(f"records: {{len(df)}}")
print(f"total trip_distance: {{total_distance:,.1f}}")
print(f"total fuel (gal): {{total_fuel:,.1f}}")
print(f"fleet mpg: {{total_distance / total_fuel:.2f}}")
```"""

F7 = """records: 214
total trip_distance: 48,912.6
total fuel (gal): 2,874.3
fleet mpg: 17.02
"""

F8 = m1_ledger(
    ("The script totalled all 214 records: 48,912.6 distance over 2,874.3 gallons = 17.02 mpg.", True),
    ("No.", False),
    ("Answer computed.", True),
    ("Done.", "Orchestrator"),
    ("None.", "Report 17.0 mpg."),
) + """

The fleet's Q2 2024 fuel economy, computed over all 214 refuel records, is 48,912.6 / 2,874.3 = 17.02 mpg.

FINAL ANSWER: 17.0"""

FAIL_REST = [
    turn("Orchestrator", "FileSurfer: " + T4[-200:], F5),
    turn("Coder", f"Write a Python script that reads {PATH} with pandas (comment='#'), sums trip_distance and fuel_gal, and prints the record count, both totals and sum(trip_distance)/sum(fuel_gal) as fleet mpg.", F6),
    turn("ComputerTerminal", F6, F7),
    turn("Orchestrator", "ComputerTerminal: " + F7, F8),
]

# ---------------- clean continuation ----------------
O5 = STALL + f"""

Stalled.... Replanning...

We are working to address the following user request:

{TASK}

To answer this request we have assembled the following team:

{M1_TEAM}

Here is an updated fact sheet to consider:

1. GIVEN OR VERIFIED FACTS
- The data is in the local file {PATH}.
- The file is a CSV with two comment lines starting with '#', followed by the columns fill_date, van_id, station, trip_distance, fuel_gal, price_per_gal.
- trip_distance is the distance since the previous fill, recorded in KILOMETRES (per the file's header comment); fuel_gal is US gallons dispensed.
- The file contains 214 records for 9 vans. The first two pages show no totals row.

2. FACTS TO LOOK UP
- None.

3. FACTS TO DERIVE
- Total distance converted to miles (1 km = 0.621371 mi), total fuel in gallons, and their ratio.

4. EDUCATED GUESSES
- Delivery vans typically get somewhere between 10 and 20 mpg.

Here is the new plan to follow as best as possible:

- Coder: write a Python script that reads the CSV (skipping '#' comment lines), sums trip_distance (km) and fuel_gal, converts the distance to miles, and prints miles / gallons.
- ComputerTerminal: run it.
- Orchestrator: round to one decimal and report.

""" + m1_ledger(
    ("Totals not yet computed.", False),
    ("Fresh plan.", False),
    ("New plan in place.", True),
    ("Coder writes the totalling script.", "Coder"),
    ("Compute mpg with unit conversion.", f"Write a Python script that reads {PATH} with pandas (comment='#'), sums trip_distance (kilometres) and fuel_gal (US gallons), converts the distance to miles with 0.621371, and prints the record count, the totals and miles per gallon."),
) + "\n\nNext speaker Coder"

O6 = f"""Script below. The distance column is in kilometres, so it is converted before dividing.

```python
import pandas as pd

KM_TO_MI = 0.621371

df = pd.read_csv("{PATH}", comment="#")
total_km = df["trip_distance"].sum()
total_mi = total_km * KM_TO_MI
total_gal = df["fuel_gal"].sum()

print(f"records: {{len(df)}}  vans: {{df['van_id'].nunique()}}")
print(f"total distance: {{total_km:,.1f}} km = {{total_mi:,.1f}} mi")
print(f"total fuel: {{total_gal:,.1f}} gal")
print(f"km per gallon (for reference): {{total_km / total_gal:.2f}}")
print(f"fleet mpg: {{total_mi / total_gal:.2f}}")
```"""

O7 = """records: 214  vans: 9
total distance: 48,912.6 km = 30,392.9 mi
total fuel: 2,874.3 gal
km per gallon (for reference): 17.02
fleet mpg: 10.57
"""

O8 = m1_ledger(
    ("Distance converted from km to miles: 30,392.9 mi / 2,874.3 gal = 10.57 mpg, which rounds to 10.6.", True),
    ("No.", False),
    ("Answer computed.", True),
    ("Done.", "Orchestrator"),
    ("None.", "Report 10.6 mpg."),
) + """

Across all 214 Q2 2024 refuels (9 vans), the vans covered 48,912.6 km = 30,392.9 miles on 2,874.3 US gallons, i.e. 10.57 mpg. (The 17.02 figure printed by the script is kilometres per gallon, shown only for reference.)

FINAL ANSWER: 10.6"""

OK_REST = [
    turn("Orchestrator", "FileSurfer: " + T4[-200:], O5),
    turn("Coder", f"Write a Python script that reads {PATH} with pandas (comment='#'), sums trip_distance (kilometres) and fuel_gal (US gallons), converts the distance to miles with 0.621371, and prints the record count, the totals and miles per gallon.", O6),
    turn("ComputerTerminal", O6, O7),
    turn("Orchestrator", "ComputerTerminal: " + O7, O8),
]

WHY_FAIL = ("FileSurfer reported from the file header 'trip_distance = distance since previous fill, recorded by telematics in "
            "KILOMETRES' and 'trip_distance is the distance since the previous fill **in kilometres**'. When the Orchestrator "
            "stalls and re-plans, its reset fact sheet keeps only 'trip_distance is the distance since the previous fill' and "
            "instructs the Coder to print 'sum(trip_distance) / sum(fuel_gal) as the fleet mpg'. The terminal's 17.02 is km per "
            "gallon (48,912.6 km / 2,874.3 gal); the Orchestrator reports 'FINAL ANSWER: 17.0' instead of "
            "48,912.6 x 0.621371 / 2,874.3 = 10.57 -> 10.6 mpg.")
WHY_OK = ("The re-plan carries the unit fact forward ('recorded in KILOMETRES ... 1 km = 0.621371 mi'); the script converts "
          "48,912.6 km to 30,392.9 mi and divides by 2,874.3 gal = 10.57 -> 10.6 mpg. The 17.02 km/gal line is printed "
          "only for reference and explicitly not reported.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     "Fleet fuel economy for Q2 2024: 17.0 mpg",
                     "Fleet fuel economy for Q2 2024: 10.6 mpg",
                     "Orchestrator", ["FM-2.1", "FM-1.4"], WHY_FAIL, WHY_OK)
