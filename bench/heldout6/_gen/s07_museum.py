"""Magentic-One -- art museum collection (accession number of a loaned painting)."""
import json
from common import turn, tool, make_run

RID = "h6-07-museum-accession"

TASK = ("Which accession number does the Halvorsen Museum of Art give to the Elin Marsk painting it lent to the 2019 "
        "exhibition 'Northern Light: Nordic Painting 1880-1910'? The exhibition checklist is attached as "
        "northern_light_2019_checklist.pdf.")

AGENTS = {
    "Orchestrator": "Magentic-One lead agent. Keeps a fact sheet and plan, updates a progress ledger each turn, directs the other agents, re-plans when progress stalls, and gives the final answer.",
    "WebSurfer": "Controls a Chromium browser: searches, visits URLs, clicks, scrolls and reports what is visible on the page.",
    "FileSurfer": "Opens and reads local files (PDF, DOCX, Markdown, text) in a paged text viewer.",
    "Coder": "Writes Python or shell code to solve sub-tasks; the code is run by ComputerTerminal.",
    "ComputerTerminal": "Executes code written by Coder and returns the console output.",
}

BASE = "https://collection.halvorsenmuseum.org"


def ledger(sat, sat_r, loop, loop_r, prog, prog_r, nxt, nxt_r, instr):
    return json.dumps({
        "is_request_satisfied": {"reason": sat_r, "answer": sat},
        "is_in_loop": {"reason": loop_r, "answer": loop},
        "is_progress_being_made": {"reason": prog_r, "answer": prog},
        "next_speaker": {"reason": nxt_r, "answer": nxt},
        "instruction_or_question": {"reason": "", "answer": instr},
    }, indent=2)


INITIAL = """We are working to address the following user request:

{task}

To answer this request we have assembled the following team:

WebSurfer: A helpful assistant with access to a web browser.
FileSurfer: An agent that can handle local files.
Coder: A helpful and general-purpose AI assistant that has strong language, Python, Linux command line, and general programming skills.
ComputerTerminal: A computer terminal that performs no other action than running Python scripts or sh shell scripts.

Here is an initial fact sheet to consider:

1. GIVEN OR VERIFIED FACTS
   - The lender is the Halvorsen Museum of Art; the artist is Elin Marsk.
   - The exhibition is 'Northern Light: Nordic Painting 1880-1910' (2019); its checklist is attached.
2. FACTS TO LOOK UP
   - Which Marsk work(s) the checklist lists as lent by the Halvorsen Museum (title, date, medium).
   - The accession number of that work in the museum's online collection.
3. FACTS TO DERIVE
   - None beyond matching the checklist entry to the correct collection record.
4. EDUCATED GUESSES
   - Museums often hold several versions of a motif, so the title alone may not identify the object; date and medium will be needed.

Here is the plan to follow as best as possible:

- FileSurfer: open northern_light_2019_checklist.pdf and find the Elin Marsk entry lent by the Halvorsen Museum; note title, date, medium, dimensions.
- WebSurfer: search the museum's online collection for that work and open the record whose date and medium match the checklist.
- WebSurfer: read the accession number from the record's object details.
- Orchestrator: report the accession number.

Updated Ledger:
{ledger}""".format(task=TASK, ledger=ledger(
    False, "The checklist has not been read yet.", False, "This is the first step.", True, "Starting the task.",
    "FileSurfer", "The checklist is a local PDF.",
    "Please open northern_light_2019_checklist.pdf and report the entry (or entries) for Elin Marsk lent by the Halvorsen Museum of Art, including title, date, medium and dimensions."))

CHECKLIST_TEXT = """Address: file:///workspace/northern_light_2019_checklist.pdf
Viewport position: Showing page 2 of 3.
=======================
NORTHERN LIGHT: NORDIC PAINTING 1880-1910
Stavanger Kunsthall, 14 March - 30 June 2019 - Exhibition checklist (continued)

12. Hanna Lind (Finnish, 1858-1931)
    Birches at Evening, 1896
    Oil on canvas, 72 x 95 cm
    Ateneum Art Museum, Helsinki

13. Peder Aasen (Norwegian, 1864-1939)
    Pier, Winter Morning, 1889
    Oil on canvas, 60 x 81 cm
    Private collection

14. Elin Marsk (Swedish, 1861-1920)
    Harbor at Dusk, 1893
    Oil on panel, 46 x 61 cm
    Lent by the Halvorsen Museum of Art

15. Elin Marsk (Swedish, 1861-1920)
    Fishing Boats, Skagen, 1895
    Oil on canvas, 54 x 73 cm
    Göteborgs konstmuseum

16. Johan Strand (Danish, 1870-1944)
    Interior with Blue Door, 1904
    Oil on canvas, 66 x 58 cm
    Lent by the Halvorsen Museum of Art"""

FS1_OUT = CHECKLIST_TEXT + """

(The Elin Marsk work lent by the Halvorsen Museum of Art is cat. 14, 'Harbor at Dusk', 1893, oil on panel, 46 x 61 cm. Cat. 15 is also by Marsk but lent by Göteborgs konstmuseum; cat. 16 is lent by Halvorsen but is by Johan Strand.)"""

ORCH2 = """Updated Ledger:
""" + ledger(
    False, "We know which painting was lent but not its accession number.", False, "No repeated actions.",
    True, "FileSurfer identified cat. 14: Elin Marsk, 'Harbor at Dusk', 1893, oil on panel, 46 x 61 cm, lent by the Halvorsen Museum.",
    "WebSurfer", "The accession number must come from the museum's online collection.",
    "Please search the Halvorsen Museum of Art online collection (collection.halvorsenmuseum.org) for Elin Marsk 'Harbor at Dusk' and list all matching records with their dates and media.")

SEARCH_RESULT = {
    "url": BASE + "/search?q=Marsk+Harbor+at+Dusk",
    "title": "Search results: Marsk Harbor at Dusk | Halvorsen Museum of Art",
    "viewport": "top, 64% of page",
    "results": [
        {"id": "obj-07731", "title": "Harbor at Dusk", "maker": "Elin Marsk", "date": "1887", "medium": "Oil on canvas", "href": "/objects/7731"},
        {"id": "obj-18842", "title": "Harbor at Dusk", "maker": "Elin Marsk", "date": "1893", "medium": "Oil on panel", "href": "/objects/18842"},
        {"id": "obj-20915", "title": "Study for Harbor at Dusk", "maker": "Elin Marsk", "date": "c. 1886", "medium": "Graphite on paper", "href": "/objects/20915"},
    ],
}

WS1_OUT = """I typed 'Marsk Harbor at Dusk' into the collection search box.

Here is a screenshot of [Search results: Marsk Harbor at Dusk | Halvorsen Museum of Art]({base}/search?q=Marsk+Harbor+at+Dusk). The viewport shows 64% of the webpage, and is positioned at the top of the page.
Automatic OCR of the page screenshot has detected the following text:

Collection  Visit  Exhibitions  Learn  Support
3 results for "Marsk Harbor at Dusk"
Filter: Department | Date | Medium | On view
Harbor at Dusk - Elin Marsk - 1887 - Oil on canvas
Harbor at Dusk - Elin Marsk - 1893 - Oil on panel
Study for Harbor at Dusk - Elin Marsk - c. 1886 - Graphite on paper
Sort by: Relevance""".format(base=BASE)

ORCH3 = """Updated Ledger:
""" + ledger(
    False, "Two paintings share the title; we still need the accession number of the right one.", False, "Each step is new.",
    True, "The search lists 'Harbor at Dusk' 1887 (oil on canvas) and 'Harbor at Dusk' 1893 (oil on panel); the checklist entry is the 1893 oil on panel.",
    "WebSurfer", "Need to open the matching record.",
    "Please open the record 'Harbor at Dusk - Elin Marsk - 1893 - Oil on panel' (/objects/18842) and report the accession number from its object details.")

WS2_OUT = """I clicked 'Harbor at Dusk - Elin Marsk - 1893 - Oil on panel'.

Here is a screenshot of [Harbor at Dusk | Halvorsen Museum of Art]({base}/objects/18842). The viewport shows 23% of the webpage, and is positioned at the top of the page.
The following metadata was extracted from the webpage:

{{"og:title": "Harbor at Dusk", "og:type": "website", "og:url": "{base}/objects/18842"}}

Automatic OCR of the page screenshot has detected the following text:

[image viewer opened] Harbor at Dusk  1 / 3  Zoom +  Zoom -  Download  Close X""".format(base=BASE)

ORCH4 = """Updated Ledger:
""" + ledger(
    False, "The record page is open but only the image viewer is visible.", False, "Not a loop yet.",
    False, "The image lightbox covers the page; no object details visible.",
    "WebSurfer", "Need to get past the lightbox.",
    "Please close the image viewer on the 1893 'Harbor at Dusk' record (/objects/18842), scroll down to the object details and read the accession number.")

WS3_OUT = """I clicked 'Close X', then scrolled down one page.

Here is a screenshot of [Harbor at Dusk | Halvorsen Museum of Art]({base}/objects/18842). The viewport shows 23% of the webpage, and is positioned 41% down from the top of the page.
Automatic OCR of the page screenshot has detected the following text:

Elin Marsk (Swedish, 1861-1920)
Harbor at Dusk, 1893
Oil on panel
Not on view
Share  Cite this record
Object details  +
Exhibition history  +
Related objects
Study for Harbor at Dusk, c. 1886   Harbor at Dusk, 1887   Fishing Boats, Skagen (print after), 1901""".format(base=BASE)

FAIL_REPLAN = """We aren't making progress on this sub-step (three WebSurfer actions and still no accession number). Let me update the fact sheet and create a new plan.

Here is the updated fact sheet:

1. GIVEN OR VERIFIED FACTS
   - The exhibition is 'Northern Light: Nordic Painting 1880-1910' (2019).
   - The checklist lists Elin Marsk's 'Harbor at Dusk' as lent by the Halvorsen Museum of Art.
   - The museum has an online collection at collection.halvorsenmuseum.org with a search function.
2. FACTS TO LOOK UP
   - The accession number of 'Harbor at Dusk' in the online collection.
3. FACTS TO DERIVE
   - None.
4. EDUCATED GUESSES
   - Record pages show the accession number in an "Object details" section; the image viewer may be getting in the way, so a fresh search and opening the record directly may work better.

Here is the new plan to follow as best as possible:

- WebSurfer: go to collection.halvorsenmuseum.org, search for "Harbor at Dusk Marsk", open the top result, expand "Object details" and read the accession number.
- Orchestrator: report the accession number.

Updated Ledger:
""" + ledger(
    False, "Accession number not yet found.", False, "New plan.", True, "Re-planned.",
    "WebSurfer", "Executing the new plan.",
    "Please search the Halvorsen collection for 'Harbor at Dusk Marsk', open the top result, expand 'Object details' and report the accession number.")

FAIL_WS4 = """I typed 'Harbor at Dusk Marsk' into the collection search box, clicked the first result 'Harbor at Dusk', then clicked 'Object details +'.

Here is a screenshot of [Harbor at Dusk | Halvorsen Museum of Art]({base}/objects/7731). The viewport shows 25% of the webpage, and is positioned 38% down from the top of the page.
Automatic OCR of the page screenshot has detected the following text:

Elin Marsk (Swedish, 1861-1920)
Harbor at Dusk, 1887
Oil on canvas
On view, Gallery 214
Object details  -
  Object type: Painting
  Dimensions: 81.3 x 116.8 cm
  Credit line: Purchase, Ingrid Halvorsen Fund, 1931
  Accession number: 1931.44
Exhibition history  +""".format(base=BASE)

FAIL_FINAL = """Updated Ledger:
""" + ledger(
    True, "WebSurfer found the accession number 1931.44 on the 'Harbor at Dusk' record.", False, "", True, "",
    "Orchestrator", "Ready to answer.", "Report the final answer.") + """

FINAL ANSWER: 1931.44
The Elin Marsk painting 'Harbor at Dusk' that the Halvorsen Museum of Art lent to 'Northern Light' (2019) has accession number 1931.44 (Purchase, Ingrid Halvorsen Fund, 1931)."""

OK_REPLAN = """We aren't making progress on this sub-step (three WebSurfer actions and still no accession number), although we are on the right page. Let me update the fact sheet and create a new plan.

Here is the updated fact sheet:

1. GIVEN OR VERIFIED FACTS
   - The exhibition is 'Northern Light: Nordic Painting 1880-1910' (2019).
   - Checklist cat. 14: Elin Marsk, 'Harbor at Dusk', **1893, oil on panel, 46 x 61 cm**, lent by the Halvorsen Museum of Art.
   - The museum holds two paintings with this title: 1887 oil on canvas (/objects/7731) and 1893 oil on panel (/objects/18842). Only /objects/18842 matches the checklist.
   - On /objects/18842 the 'Object details' and 'Exhibition history' sections are collapsed (shown with '+').
2. FACTS TO LOOK UP
   - The accession number shown under 'Object details' on /objects/18842.
3. FACTS TO DERIVE
   - None.
4. EDUCATED GUESSES
   - The collapsed 'Object details +' section must be clicked to reveal the accession number; 'Exhibition history' should confirm the 2019 loan.

Here is the new plan to follow as best as possible:

- WebSurfer: on {base}/objects/18842 (the 1893 oil on panel), click 'Object details +' and 'Exhibition history +' and report the accession number and exhibition list.
- Orchestrator: check the record matches the checklist (1893, oil on panel, 46 x 61 cm) and report the accession number.

Updated Ledger:
""".format(base=BASE) + ledger(
    False, "Accession number not yet read.", False, "New, more specific instruction.", True, "We are on the correct record.",
    "WebSurfer", "The details are in a collapsed section.",
    "On " + BASE + "/objects/18842 (Harbor at Dusk, 1893, oil on panel), please click 'Object details +' and 'Exhibition history +' and report the accession number, dimensions and exhibition list.")

OK_WS4 = """I clicked 'Object details +' and then 'Exhibition history +'.

Here is a screenshot of [Harbor at Dusk | Halvorsen Museum of Art]({base}/objects/18842). The viewport shows 23% of the webpage, and is positioned 47% down from the top of the page.
Automatic OCR of the page screenshot has detected the following text:

Elin Marsk (Swedish, 1861-1920)
Harbor at Dusk, 1893
Oil on panel
Not on view
Object details  -
  Object type: Painting
  Dimensions: 46 x 61 cm
  Credit line: Gift of the Arvidsson family, 1962
  Accession number: 1962.7
Exhibition history  -
  Northern Light: Nordic Painting 1880-1910, Stavanger Kunsthall, 2019
  Marsk and the Coast, Halvorsen Museum of Art, 1988""".format(base=BASE)

OK_FINAL = """Updated Ledger:
""" + ledger(
    True, "Record /objects/18842 matches checklist cat. 14 (1893, oil on panel, 46 x 61 cm) and lists the 2019 Northern Light loan; accession number 1962.7.",
    False, "", True, "", "Orchestrator", "Ready to answer.", "Report the final answer.") + """

FINAL ANSWER: 1962.7
The painting the Halvorsen Museum lent to 'Northern Light' (2019) is checklist cat. 14, Elin Marsk's 'Harbor at Dusk' (1893, oil on panel, 46 x 61 cm). Its museum record gives accession number 1962.7 (Gift of the Arvidsson family, 1962), and its exhibition history lists the 2019 Stavanger Kunsthall show. (The museum's other 'Harbor at Dusk', 1887, is 1931.44 and was not the work lent.)"""


def _ws_tools(actions):
    return [tool(n, a, r) for (n, a, r) in actions]


def build():
    t0 = turn("Orchestrator", TASK, INITIAL)
    t1 = turn("FileSurfer", "Please open northern_light_2019_checklist.pdf and report the entry (or entries) for Elin Marsk lent by the Halvorsen Museum of Art, including title, date, medium and dimensions.",
              FS1_OUT, [tool("open_local_file", {"path": "/workspace/northern_light_2019_checklist.pdf"},
                             "Address: file:///workspace/northern_light_2019_checklist.pdf\nViewport position: Showing page 1 of 3.\n=======================\nNORTHERN LIGHT: NORDIC PAINTING 1880-1910 ... Exhibition checklist\n1. ... 11. ..."),
                        tool("page_down", {}, CHECKLIST_TEXT)])
    t2 = turn("Orchestrator", "FileSurfer reported checklist cat. 14. Update the ledger.", ORCH2)
    t3 = turn("WebSurfer", "Please search the Halvorsen Museum of Art online collection (collection.halvorsenmuseum.org) for Elin Marsk 'Harbor at Dusk' and list all matching records with their dates and media.",
              WS1_OUT, [tool("visit_url", {"url": BASE}, {"url": BASE + "/", "title": "Collection | Halvorsen Museum of Art", "viewport": "top"}),
                        tool("input_text", {"input_field_id": "search-q", "text_value": "Marsk Harbor at Dusk"}, SEARCH_RESULT)])
    t4 = turn("Orchestrator", "WebSurfer returned 3 search results. Update the ledger.", ORCH3)
    t5 = turn("WebSurfer", "Please open the record 'Harbor at Dusk - Elin Marsk - 1893 - Oil on panel' (/objects/18842) and report the accession number from its object details.",
              WS2_OUT, [tool("click", {"target_id": "obj-18842"}, {"url": BASE + "/objects/18842", "title": "Harbor at Dusk | Halvorsen Museum of Art", "viewport": "top, 23% of page", "overlay": "image-viewer"})])
    t6 = turn("Orchestrator", "WebSurfer opened /objects/18842; image viewer visible. Update the ledger.", ORCH4)
    t7 = turn("WebSurfer", "Please close the image viewer on the 1893 'Harbor at Dusk' record (/objects/18842), scroll down to the object details and read the accession number.",
              WS3_OUT, [tool("click", {"target_id": "lightbox-close"}, {"url": BASE + "/objects/18842", "overlay": None}),
                        tool("page_down", {}, {"url": BASE + "/objects/18842", "viewport": "41% down", "sections": ["Object details (collapsed)", "Exhibition history (collapsed)", "Related objects"]})])
    prefix = [t0, t1, t2, t3, t4, t5, t6, t7]
    step_in = "Stall counter reached 3 for the current sub-step. Update the fact sheet and plan if needed."
    fail_turns = prefix + [
        turn("Orchestrator", step_in, FAIL_REPLAN),
        turn("WebSurfer", "Please search the Halvorsen collection for 'Harbor at Dusk Marsk', open the top result, expand 'Object details' and report the accession number.",
             FAIL_WS4, [tool("input_text", {"input_field_id": "search-q", "text_value": "Harbor at Dusk Marsk"}, SEARCH_RESULT),
                        tool("click", {"target_id": "obj-07731"}, {"url": BASE + "/objects/7731", "title": "Harbor at Dusk | Halvorsen Museum of Art"}),
                        tool("click", {"target_id": "details-toggle"}, {"expanded": "Object details", "accession_number": "1931.44", "date": "1887", "medium": "Oil on canvas"})]),
        turn("Orchestrator", "WebSurfer reported accession number 1931.44. Update the ledger; answer if the request is satisfied.", FAIL_FINAL),
    ]
    ok_turns = prefix + [
        turn("Orchestrator", step_in, OK_REPLAN),
        turn("WebSurfer", "On " + BASE + "/objects/18842 (Harbor at Dusk, 1893, oil on panel), please click 'Object details +' and 'Exhibition history +' and report the accession number, dimensions and exhibition list.",
             OK_WS4, [tool("click", {"target_id": "details-toggle"}, {"expanded": "Object details", "accession_number": "1962.7", "dimensions": "46 x 61 cm"}),
                      tool("click", {"target_id": "exhib-toggle"}, {"expanded": "Exhibition history", "items": 2})]),
        turn("Orchestrator", "WebSurfer reported accession number 1962.7 and the exhibition history. Update the ledger; answer if the request is satisfied.", OK_FINAL),
    ]
    fail = make_run(
        RID, None, TASK, AGENTS, fail_turns,
        "1931.44 - the Elin Marsk painting 'Harbor at Dusk' lent by the Halvorsen Museum of Art to 'Northern Light' (2019).",
        "failure", "Orchestrator", 8, ["FM-2.1"],
        "By step 7 the team had established 'Checklist cat. 14 ... Harbor at Dusk, 1893, Oil on panel, 46 x 61 cm' and was already on the "
        "matching record /objects/18842, with the search showing a second 'Harbor at Dusk - Elin Marsk - 1887 - Oil on canvas'. "
        "When the stall counter triggers, the Orchestrator restarts with a new fact sheet that keeps only \"the checklist lists Elin Marsk's "
        "'Harbor at Dusk'\" (date, medium and the two-record finding dropped) and a new plan to 'search ... open the top result'. "
        "WebSurfer opens /objects/7731, which reads 'Harbor at Dusk, 1887 / Oil on canvas ... Dimensions: 81.3 x 116.8 cm ... "
        "Accession number: 1931.44', and the Orchestrator reports 1931.44 instead of the 1893 panel's number.",
    )
    ok = make_run(
        RID + "-ok", RID, TASK, AGENTS, ok_turns,
        "1962.7 - Elin Marsk, 'Harbor at Dusk' (1893, oil on panel, 46 x 61 cm), checklist cat. 14; the museum's other 'Harbor at Dusk' (1887) is 1931.44 and was not lent.",
        "success", None, None, [],
        "The re-plan after the stall keeps the established facts (1893, oil on panel, /objects/18842 vs /objects/7731) and only changes the "
        "action (expand the collapsed 'Object details +'). The record shows 46 x 61 cm, the 2019 Northern Light exhibition and "
        "accession number 1962.7, matching checklist cat. 14.",
    )
    return fail, ok
