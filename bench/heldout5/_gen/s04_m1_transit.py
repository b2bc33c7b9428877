import copy
from common import make_pair, turn, tool, m1_ledger, M1_TEAM, M1_AGENTS

RID = "h5-04-m1-transit"
META = {
    "id": RID,
    "framework": "Magentic-One",
    "shape": "Magentic-One: Orchestrator, WebSurfer, FileSurfer, Coder, ComputerTerminal",
    "domain": "public transit ridership statistics",
    "culprit_role": "coordinator",
    "reported_by": "Orchestrator",
    "expect_fail": "37,057",
    "expect_ok": "46,661",
}

TASK = ("According to the Bayport Regional Transit Authority's 2023 Annual Ridership Report, what was the combined "
        "average weekday boardings at the three downtown stations on the Harbor Line (Pier Street, Civic Center and "
        "Marlow Square)? Give a single number.")

AGENTS = copy.deepcopy(M1_AGENTS)

T0 = f"""We are working to address the following user request:

{TASK}

To answer this request we have assembled the following team:

{M1_TEAM}

Here is an initial fact sheet to consider:

1. GIVEN OR VERIFIED FACTS
- The source is the Bayport Regional Transit Authority (BRTA) 2023 Annual Ridership Report.
- The stations of interest are Pier Street, Civic Center and Marlow Square, all on the Harbor Line, downtown segment.
- The metric is average weekday boardings.

2. FACTS TO LOOK UP
- Average weekday boardings in 2023 for Pier Street.
- Average weekday boardings in 2023 for Civic Center.
- Average weekday boardings in 2023 for Marlow Square.

3. FACTS TO DERIVE
- The sum of the three station values.

4. EDUCATED GUESSES
- Annual reports usually present a station-level table, possibly split across several pages or as an appendix.
- Downtown stations of a regional line plausibly see between 5,000 and 30,000 weekday boardings each.

Here is the plan to follow as best as possible:

- WebSurfer: search for the BRTA 2023 Annual Ridership Report and open the station-level boardings table.
- WebSurfer: read the average weekday boardings for all three stations; the table may continue over more than one page.
- Orchestrator: add the three values and report the total."""

T1 = m1_ledger(
    ("No station figures have been gathered yet.", False),
    ("This is the first action of the task.", False),
    ("The task has just started and a plan is in place.", True),
    ("The report must be found on the web.", "WebSurfer"),
    ("WebSurfer should locate the report.",
     "Please search for the Bayport Regional Transit Authority 2023 Annual Ridership Report and open it. We need the station-level table of average weekday boardings."),
) + "\n\nNext speaker WebSurfer"

SEARCH_RESULT = """[
  {"title": "2023 Annual Ridership Report | Bayport Regional Transit Authority", "url": "https://www.bayporttransit.org/about/reports/ridership-2023", "snippet": "Systemwide ridership grew 6.1% in 2023. Explore station boardings, line summaries and the downloadable data tables."},
  {"title": "BRTA ridership rebounds in 2023 - Bayport Ledger", "url": "https://www.bayportledger.com/news/2023-brta-ridership", "snippet": "Harbor Line weekday boardings topped 118,000 for the first time since 2019..."},
  {"title": "Ridership Data & Reports - BRTA", "url": "https://www.bayporttransit.org/about/reports", "snippet": "Monthly ridership, annual reports 2015-2023, open data downloads."}
]"""

T2 = """I typed 'Bayport Regional Transit Authority 2023 Annual Ridership Report' into the browser search bar.

Here is a screenshot of [Bayport Regional Transit Authority 2023 Annual Ridership Report - Search](https://www.bing.com/search?q=Bayport+Regional+Transit+Authority+2023+Annual+Ridership+Report). The viewport shows 31% of the webpage, and is positioned at the top of the page.
The following metadata was extracted from the webpage:

{"meta_tags": {"referrer": "origin-when-cross-origin", "og:description": "Intelligent search from Bing makes it easier to quickly find what you're looking for and rewards you."}}

Automatic OCR of the page screenshot has detected the following text:

2023 Annual Ridership Report | Bayport Regional Transit Authority
bayporttransit.org › about › reports › ridership-2023
Systemwide ridership grew 6.1% in 2023. Explore station boardings, line summaries and the downloadable data tables.
BRTA ridership rebounds in 2023 - Bayport Ledger
Harbor Line weekday boardings topped 118,000 for the first time since 2019...
Ridership Data & Reports - BRTA
Monthly ridership, annual reports 2015-2023, open data downloads."""

T3 = m1_ledger(
    ("The report has been located in search results but no station figures have been read.", False),
    ("Only one search has been made.", False),
    ("The official report link is in the results.", True),
    ("WebSurfer needs to open the report.", "WebSurfer"),
    ("Open the official page and get to the station table.",
     "Click the first result (bayporttransit.org, 2023 Annual Ridership Report) and navigate to the station boardings table. Report the average weekday boardings for Pier Street, Civic Center and Marlow Square."),
) + "\n\nNext speaker WebSurfer"

PAGE1 = """Station Boardings — Table 4: Average Weekday Boardings by Station, 2023
Station | Line(s) | 2022 | 2023 | Change
Alder Junction | Crosstown | 6,118 | 6,540 | +6.9%
Bayview | Harbor | 8,902 | 9,311 | +4.6%
Brookfield | Northern | 3,377 | 3,415 | +1.1%
Canal Street | Crosstown | 11,064 | 11,880 | +7.4%
Civic Center | Harbor, Crosstown | 21,390 | 22,845 | +6.8%
Dunmore | Northern | 2,240 | 2,198 | -1.9%
Eastgate | Crosstown | 7,733 | 8,021 | +3.7%
Fulton Yards | Harbor | 4,506 | 4,880 | +8.3%
Grand Terminal | All lines | 41,208 | 43,977 | +6.7%
Hillcrest | Northern | 5,012 | 5,160 | +3.0%
Kingsway | Crosstown | 9,845 | 10,233 | +3.9%
Lakeside | Northern | 3,981 | 4,102 | +3.0%
Showing stations A–L · Page 1 of 2 · Next ›"""

T4 = """I clicked '2023 Annual Ridership Report | Bayport Regional Transit Authority', then clicked 'Station Boardings (Table 4)' in the report's left-hand menu.

Here is a screenshot of [2023 Annual Ridership Report — Station Boardings | BRTA](https://www.bayporttransit.org/about/reports/ridership-2023/stations?page=1). The viewport shows 64% of the webpage, and is positioned at the top of the page.
The following metadata was extracted from the webpage:

{"jsonld": {"@type": "Dataset", "name": "BRTA Average Weekday Boardings by Station, 2023", "temporalCoverage": "2023"}, "meta_tags": {"description": "Average weekday boardings for every BRTA station, 2022 and 2023."}}

Automatic OCR of the page screenshot has detected the following text:

Harbor Line — Downtown segment highlights
Pier Street: 14,212 average weekday boardings (2023), up 5.2% from 13,509
Civic Center: 22,845 average weekday boardings (2023), transfer to Crosstown Line
Full station list in Table 4 below.

""" + PAGE1 + """

Summary: On this page I found Pier Street = 14,212 (from the downtown highlights box) and Civic Center = 22,845 (in both the highlights box and Table 4). Marlow Square does not appear on this page: Table 4 is alphabetical and this page only covers stations A–L; the footer says 'Page 1 of 2' with a 'Next ›' link, so Marlow Square should be on page 2. Let me know if you want me to open it."""

T4_TOOLS = [
    tool("visit_url", {"url": "https://www.bayporttransit.org/about/reports/ridership-2023"},
         "Navigated to https://www.bayporttransit.org/about/reports/ridership-2023 (title: '2023 Annual Ridership Report | Bayport Regional Transit Authority')"),
    tool("click", {"target": "Station Boardings (Table 4)"},
         "Navigated to https://www.bayporttransit.org/about/reports/ridership-2023/stations?page=1"),
]

PREFIX = [
    turn("Orchestrator", TASK, T0),
    turn("Orchestrator", "(internal) update progress ledger", T1),
    turn("WebSurfer", "Please search for the Bayport Regional Transit Authority 2023 Annual Ridership Report and open it. We need the station-level table of average weekday boardings.", T2,
         [tool("web_search", {"query": "Bayport Regional Transit Authority 2023 Annual Ridership Report"}, SEARCH_RESULT)]),
    turn("Orchestrator", "WebSurfer: " + T2[:300] + " …", T3),
    turn("WebSurfer", "Click the first result (bayporttransit.org, 2023 Annual Ridership Report) and navigate to the station boardings table. Report the average weekday boardings for Pier Street, Civic Center and Marlow Square.", T4, T4_TOOLS),
]

# ---------------- failing continuation ----------------
F5 = m1_ledger(
    ("WebSurfer has read the official 2023 weekday boardings for the Harbor Line downtown segment from the report's 'Downtown segment highlights': Pier Street 14,212 and Civic Center 22,845. Summing them answers the request.", True),
    ("No repeated actions.", False),
    ("The required figures were obtained from the official report.", True),
    ("The request is satisfied; the final answer can be given.", "Orchestrator"),
    ("No further instruction is needed.", "Prepare the final answer: 14,212 + 22,845."),
)

F6 = """The BRTA 2023 Annual Ridership Report's Harbor Line downtown-segment figures are Pier Street (14,212 average weekday boardings) and Civic Center (22,845). Combined: 14,212 + 22,845 = 37,057.

FINAL ANSWER: 37057"""

FAIL_REST = [
    turn("Orchestrator", "WebSurfer: " + T4[-420:], F5),
    turn("Orchestrator", "(internal) request satisfied; prepare final answer", F6),
]

# ---------------- clean continuation ----------------
O5 = m1_ledger(
    ("Two of the three stations have figures (Pier Street 14,212; Civic Center 22,845). Marlow Square is still missing; WebSurfer reports it is on page 2 of Table 4.", False),
    ("No repeated actions so far.", False),
    ("Two of three values were found in the last step.", True),
    ("WebSurfer is on the table and can page forward.", "WebSurfer"),
    ("Get the remaining station value.",
     "Click 'Next ›' at the bottom of Table 4 and read the 2023 average weekday boardings for Marlow Square (Harbor Line). Be careful not to confuse it with similarly named stations."),
) + "\n\nNext speaker WebSurfer"

PAGE2 = """Station Boardings — Table 4: Average Weekday Boardings by Station, 2023 (continued)
Station | Line(s) | 2022 | 2023 | Change
Marlow Square | Harbor | 9,170 | 9,604 | +4.7%
Marlowe Park | Crosstown | 9,012 | 9,406 | +4.4%
Northgate | Northern | 7,441 | 7,690 | +3.3%
Oakmont | Northern | 2,918 | 3,006 | +3.0%
Pier Street | Harbor | 13,509 | 14,212 | +5.2%
Quarry Road | Crosstown | 3,550 | 3,712 | +4.6%
Riverside | Harbor | 6,884 | 7,301 | +6.1%
Southport | Harbor | 5,927 | 6,240 | +5.3%
Union Square | Crosstown, Northern | 18,720 | 19,954 | +6.6%
Westfield | Northern | 4,410 | 4,478 | +1.5%
Showing stations M–Z · Page 2 of 2 · ‹ Previous"""

O6 = """I clicked 'Next ›'.

Here is a screenshot of [2023 Annual Ridership Report — Station Boardings | BRTA](https://www.bayporttransit.org/about/reports/ridership-2023/stations?page=2). The viewport shows 58% of the webpage, and is positioned at the top of the page.

Automatic OCR of the page screenshot has detected the following text:

""" + PAGE2 + """

Summary: Marlow Square (Harbor Line) = 9,604 average weekday boardings in 2023. Note there is also a 'Marlowe Park' on the Crosstown Line with 9,406, which is a different station. Pier Street appears here too with 14,212, matching the highlights box."""

O7 = m1_ledger(
    ("All three values are now known: Pier Street 14,212, Civic Center 22,845, Marlow Square 9,604. Only the sum remains.", False),
    ("No loop.", False),
    ("The last missing value was just found.", True),
    ("A quick computation will avoid an arithmetic slip.", "Coder"),
    ("Add the three numbers.", "Please write a one-line Python script that prints 14212 + 22845 + 9604."),
) + "\n\nNext speaker Coder"

O8 = """```python
values = {"Pier Street": 14212, "Civic Center": 22845, "Marlow Square": 9604}
print(sum(values.values()))
```"""

O9 = "46661\n"

O10 = m1_ledger(
    ("All three station values were read from the official report and summed: 46,661.", True),
    ("No loop.", False),
    ("Task completed.", True),
    ("Ready for the final answer.", "Orchestrator"),
    ("None.", "Report the final answer."),
) + """

Pier Street (14,212) + Civic Center (22,845) + Marlow Square (9,604) = 46,661 average weekday boardings in 2023.

FINAL ANSWER: 46661"""

OK_REST = [
    turn("Orchestrator", "WebSurfer: " + T4[-420:], O5),
    turn("WebSurfer", "Click 'Next ›' at the bottom of Table 4 and read the 2023 average weekday boardings for Marlow Square (Harbor Line). Be careful not to confuse it with similarly named stations.", O6,
         [tool("click", {"target": "Next ›"}, "Navigated to https://www.bayporttransit.org/about/reports/ridership-2023/stations?page=2")]),
    turn("Orchestrator", "WebSurfer: " + O6[-300:], O7),
    turn("Coder", "Please write a one-line Python script that prints 14212 + 22845 + 9604.", O8),
    turn("ComputerTerminal", O8, O9),
    turn("Orchestrator", "ComputerTerminal: 46661", O10),
]

WHY_FAIL = ("The task asks for three stations ('Pier Street, Civic Center and Marlow Square') and the Orchestrator's own plan "
            "says 'read the average weekday boardings for all three stations; the table may continue over more than one page'. "
            "WebSurfer reports 'Marlow Square does not appear on this page' and 'so Marlow Square "
            "should be on page 2'. The Orchestrator nevertheless marks is_request_satisfied true with only two stations and "
            "answers 'FINAL ANSWER: 37057' (14,212 + 22,845), omitting Marlow Square (9,604); correct total is 46,661.")
WHY_OK = ("The Orchestrator keeps the request open until the third value is read from page 2 (Marlow Square 9,604, not "
          "Marlowe Park 9,406). 14,212 + 22,845 + 9,604 = 46,661, confirmed by the ComputerTerminal.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     "37,057 combined average weekday boardings (Pier Street 14,212 + Civic Center 22,845)",
                     "46,661 combined average weekday boardings (Pier Street 14,212 + Civic Center 22,845 + Marlow Square 9,604)",
                     "Orchestrator", ["FM-3.1", "FM-2.5"], WHY_FAIL, WHY_OK)
