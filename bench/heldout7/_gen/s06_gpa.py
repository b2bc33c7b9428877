import json
from common import T, run, tool

RID = "h7-06-scholarship-gpa"
SHAPE = "Google ADK (root coordinator LlmAgent with parser, calculator and verifier sub-agents)"
DOMAIN = "university financial aid / scholarship eligibility"

TASK = ("Does student 2023-0417 qualify to renew the Dean's Continuing Scholarship for fall? Renewal rules: cumulative GPA of at least "
        "3.50 computed on graded credits only (Pass/Fail and Withdrawn courses are excluded from the GPA entirely), and at least 24 graded credits completed.")

AGENTS = {
    "coordinator": "Root agent. Delegate to transcript_parser, gpa_calculator and eligibility_verifier in that order, then give the financial-aid officer a yes/no with the figures.",
    "transcript_parser": "Fetch the student's transcript with get_transcript and return a clean table of course, credits, grade and grade points.",
    "gpa_calculator": "Compute GPA and graded credits exactly as the scholarship rules in the request define them. Show the working.",
    "eligibility_verifier": "Independently re-check the calculator's figures against the request's scholarship rules and confirm or correct them.",
}

transcript = {"student_id": "2023-0417", "name": "Priya Natarajan", "program": "BA Economics", "courses": [
    {"term": "FA23", "course": "ECON 101", "credits": 3, "grade": "A"},
    {"term": "FA23", "course": "MATH 221", "credits": 4, "grade": "W"},
    {"term": "FA23", "course": "HIST 140", "credits": 3, "grade": "A-"},
    {"term": "FA23", "course": "WRIT 102", "credits": 3, "grade": "B"},
    {"term": "FA23", "course": "PE 105", "credits": 1, "grade": "P"},
    {"term": "SP24", "course": "MATH 221", "credits": 4, "grade": "B+"},
    {"term": "SP24", "course": "CS 150", "credits": 4, "grade": "A"},
    {"term": "SP24", "course": "PHIL 110", "credits": 3, "grade": "A-"},
    {"term": "SP24", "course": "STAT 200", "credits": 3, "grade": "B+"},
    {"term": "SP24", "course": "ART 115", "credits": 2, "grade": "P"},
    {"term": "SU24", "course": "BIO 120", "credits": 4, "grade": "B"},
    {"term": "SU24", "course": "SPAN 201", "credits": 3, "grade": "A"}],
    "grade_scale": {"A": 4.0, "A-": 3.7, "B+": 3.3, "B": 3.0, "B-": 2.7, "C+": 2.3, "C": 2.0, "P": None, "W": None},
    "registrar_note": "Institutional GPA excludes P and W grades."}

t0 = T("coordinator", "Financial-aid officer request.", "I'll pull the transcript first.",
       [tool("transfer_to_agent", {"agent_name": "transcript_parser"}, json.dumps({"status": "transferred"}))])

t1 = T("transcript_parser", "Fetch and tabulate transcript for 2023-0417.",
       "Transcript for **Priya Natarajan (2023-0417)**:\n\n"
       "| Term | Course | Cr | Grade | Pts |\n|---|---|---|---|---|\n"
       "| FA23 | ECON 101 | 3 | A | 4.0 |\n| FA23 | MATH 221 | 4 | W | — |\n| FA23 | HIST 140 | 3 | A- | 3.7 |\n| FA23 | WRIT 102 | 3 | B | 3.0 |\n"
       "| FA23 | PE 105 | 1 | P | — |\n| SP24 | MATH 221 | 4 | B+ | 3.3 |\n| SP24 | CS 150 | 4 | A | 4.0 |\n| SP24 | PHIL 110 | 3 | A- | 3.7 |\n"
       "| SP24 | STAT 200 | 3 | B+ | 3.3 |\n| SP24 | ART 115 | 2 | P | — |\n| SU24 | BIO 120 | 4 | B | 3.0 |\n| SU24 | SPAN 201 | 3 | A | 4.0 |\n\n"
       "MATH 221 appears twice: withdrawn in FA23, completed with B+ in SP24. Two P courses (PE 105, ART 115).",
       [tool("get_transcript", {"student_id": "2023-0417"}, json.dumps(transcript, indent=2))])

t2 = T("gpa_calculator", "Compute scholarship GPA and graded credits.",
       "Excluding W (MATH 221 FA23) and P (PE 105, ART 115) per the rules:\n\n"
       "```\nECON 101  3 x 4.0 = 12.0\nHIST 140  3 x 3.7 = 11.1\nWRIT 102  3 x 3.0 =  9.0\nMATH 221  4 x 3.3 = 13.2\nCS 150    4 x 4.0 = 16.0\n"
       "PHIL 110  3 x 3.7 = 11.1\nSTAT 200  3 x 3.3 =  9.9\nBIO 120   4 x 3.0 = 12.0\nSPAN 201  3 x 4.0 = 12.0\n-----------------------\n"
       "graded credits = 30     quality points = 106.3\n```\n\nGPA = 106.3 / 30 = **3.543** → 3.54. Graded credits = **30**.",
       [tool("code_execution", {"code": "pts={'A':4.0,'A-':3.7,'B+':3.3,'B':3.0}\nrows=[(3,'A'),(3,'A-'),(3,'B'),(4,'B+'),(4,'A'),(3,'A-'),(3,'B+'),(4,'B'),(3,'A')]\ncr=sum(c for c,_ in rows); qp=sum(c*pts[g] for c,g in rows)\nprint(cr, round(qp,2), round(qp/cr,4))"},
             "30 106.3 3.5433")])

t3_fail = T("eligibility_verifier", "Verify the calculator's GPA (3.54) and graded credits (30) against the renewal rules.",
            "Re-checking. The calculator dropped the Pass courses from the denominator, which inflates the GPA — credits attempted still count toward the "
            "cumulative figure even when no grade points are earned.\n\n"
            "- Quality points: 106.3 (agree)\n- Credits: 30 graded + 1 (PE 105) + 2 (ART 115) = 33\n- GPA = 106.3 / 33 = **3.22**\n\n"
            "**Correction:** cumulative GPA is 3.22, below the 3.50 threshold. Graded credits requirement (≥24) is met, but the GPA requirement is not.")

t4_fail = T("coordinator", "Verifier returned a correction.",
            "**Not eligible.** Verified cumulative GPA is 3.22 (106.3 quality points / 33 credits), below the 3.50 renewal threshold. "
            "Graded credits (30) meet the 24-credit minimum, but the GPA requirement is not met.")

FINAL_FAIL = "Student 2023-0417 does NOT qualify for renewal: verified cumulative GPA is 3.22 (106.3 / 33 credits), below the required 3.50. Graded credits (30) meet the minimum."

t3_ok = T("eligibility_verifier", "Verify the calculator's GPA (3.54) and graded credits (30) against the renewal rules.",
          "Independent re-check:\n\n- Excluded per rules: MATH 221 FA23 (W, 4 cr), PE 105 (P, 1 cr), ART 115 (P, 2 cr) ✔ — registrar note agrees P/W are excluded.\n"
          "- Included credits: 3+3+3+4+4+3+3+4+3 = 30 ✔\n- Quality points: 12.0+11.1+9.0+13.2+16.0+11.1+9.9+12.0+12.0 = 106.3 ✔\n"
          "- 106.3 / 30 = 3.5433 ✔\n\nCareful with rounding: it's 3.543, which clears 3.50 regardless of whether we round or truncate. "
          "**Confirmed:** GPA 3.54 ≥ 3.50, graded credits 30 ≥ 24.")

t4_ok = T("coordinator", "Verifier confirmed.",
          "**Eligible.** Scholarship GPA 3.54 (106.3 / 30 graded credits; P and W courses excluded) and 30 graded credits — both renewal requirements met.")

FINAL_OK = "Student 2023-0417 qualifies for renewal: scholarship GPA 3.54 (106.3 quality points / 30 graded credits, P and W excluded) and 30 graded credits (minimum 24)."


def build():
    pre = [t0, t1, t2]
    fail = run(RID, None, TASK, AGENTS, pre + [t3_fail, t4_fail], FINAL_FAIL, "failure", "eligibility_verifier", 3, ["FM-3.3"],
               "The request defines the GPA as 'computed on graded credits only (Pass/Fail and Withdrawn courses are excluded from the GPA entirely)' "
               "and the transcript's registrar_note says 'Institutional GPA excludes P and W grades'. The verifier overrode the correct 106.3/30 = 3.54 "
               "by adding 'PE 105' and 'ART 115' credits ('30 graded + 1 + 2 = 33') and 'corrected' the GPA to 3.22, flipping an eligible student to not eligible.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, pre + [t3_ok, t4_ok], FINAL_OK, "success", None, None, [],
             "Verifier independently confirms 106.3 quality points over 30 graded credits = 3.543 with P/W excluded per the rules; 30 >= 24. Eligible.")
    return fail, ok, SHAPE, DOMAIN
