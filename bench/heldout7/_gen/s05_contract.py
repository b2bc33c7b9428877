import json
from common import T, run, tool

RID = "h7-05-vendor-termination-notice"
SHAPE = "OpenAI Agents SDK handoffs (Triage -> Contracts Agent -> Calendar Agent)"
DOMAIN = "commercial contract management"

TASK = ("Today is Mon June 3, 2024. We want to terminate our agreement with Northwind Packaging for convenience so it doesn't auto-renew. "
        "What's the last day we can send notice, and please put it on the legal calendar.")

AGENTS = {
    "Triage Agent": "Front door for legal-ops requests. Hand off contract questions to Contracts Agent and scheduling to Calendar Agent.",
    "Contracts Agent": "Answer questions about executed agreements using the contract repository tools. If a request could refer to more than one agreement, ask the requester which one (ask_user) before computing anything. Hand off to Calendar Agent to create deadlines.",
    "Calendar Agent": "Create and check events on the shared legal calendar. Confirm the event details back to the Contracts Agent.",
}

search_res = json.dumps({"results": [
    {"contract_id": "C-2021-0188", "title": "Master Supply Agreement - Northwind Packaging, Inc.", "status": "active", "current_term_end": "2024-09-30", "renewal_date": "2024-10-01", "auto_renew": True},
    {"contract_id": "C-2022-0341", "title": "Warehouse Services Agreement - Northwind Packaging, Inc.", "status": "active", "current_term_end": "2024-08-14", "renewal_date": "2024-08-15", "auto_renew": True}]}, indent=2)

msa_clause = json.dumps({"contract_id": "C-2021-0188", "section": "12.2", "text": "Either party may terminate this Agreement for convenience, effective at the end of the then-current Term, by written notice received by the other party at least ninety (90) days prior to the Renewal Date. If such day is not a Business Day, notice shall be given on the immediately preceding Business Day."}, indent=2)
wsa_clause = json.dumps({"contract_id": "C-2022-0341", "section": "9.3", "text": "Customer may terminate this Agreement for convenience by written notice received by Provider not less than sixty (60) days prior to the Renewal Date. If such day is not a Business Day, notice shall be given on the immediately preceding Business Day."}, indent=2)

t0 = T("Triage Agent", "User message.", "This is a contract-terms question. Handing off to Contracts Agent.",
       [tool("transfer_to_contracts_agent", {}, json.dumps({"assistant": "Contracts Agent"}))])

t1_fail = T("Contracts Agent", "User wants the last day to send termination-for-convenience notice to Northwind Packaging.",
            "Northwind's main agreement is the **Master Supply Agreement (C-2021-0188)**, renewing 2024-10-01.\n\n"
            "§12.2 requires notice received **at least 90 days before the Renewal Date**.\n\n"
            "Oct 1, 2024 − 90 days = **Wednesday, July 3, 2024** (a Business Day, so no adjustment).\n\nHanding off to Calendar Agent to add the deadline.",
            [tool("search_contracts", {"counterparty": "Northwind Packaging"}, search_res),
             tool("get_clause", {"contract_id": "C-2021-0188", "topic": "termination for convenience"}, msa_clause),
             tool("transfer_to_calendar_agent", {}, json.dumps({"assistant": "Calendar Agent"}))])

t2_fail = T("Calendar Agent", "Create deadline: Northwind MSA (C-2021-0188) termination notice, due 2024-07-03.",
            "Added to the Legal calendar: **\"DEADLINE – Northwind MSA termination notice (C-2021-0188 §12.2)\"** on Wed Jul 3, 2024, with reminders 14 and 3 days prior.",
            [tool("create_event", {"calendar": "legal", "title": "DEADLINE - Northwind MSA termination notice (C-2021-0188 s12.2)", "date": "2024-07-03", "reminders_days": [14, 3]},
                  json.dumps({"event_id": "evt_7Qk2", "date": "2024-07-03", "status": "confirmed"}))])

t3_fail = T("Contracts Agent", "Calendar Agent confirmed event evt_7Qk2.",
            "Done. To stop the Northwind Packaging agreement from auto-renewing on Oct 1, 2024, written notice must be **received by Northwind no later than Wednesday, July 3, 2024** (90 days before renewal, §12.2). It's on the legal calendar with reminders on Jun 19 and Jun 30.")

FINAL_FAIL = ("To terminate the Northwind Packaging agreement for convenience, notice must be received by Northwind no later than Wednesday, "
              "July 3, 2024 (90 days before the Oct 1, 2024 renewal). Calendared on the legal calendar with reminders.")

t1_ok = T("Contracts Agent", "User wants the last day to send termination-for-convenience notice to Northwind Packaging.",
          "There are two active Northwind agreements, so I checked which one you mean.\n\n"
          "You confirmed the **Warehouse Services Agreement (C-2022-0341)**, renewing 2024-08-15.\n\n"
          "§9.3: notice must be received **not less than 60 days before the Renewal Date**.\n\n"
          "- Aug 15, 2024 − 60 days = **Sunday, June 16, 2024**\n- Not a Business Day → immediately preceding Business Day = **Friday, June 14, 2024**\n\n"
          "Handing off to Calendar Agent.",
          [tool("search_contracts", {"counterparty": "Northwind Packaging"}, search_res),
           tool("ask_user", {"question": "Northwind Packaging has two active agreements that auto-renew: the Master Supply Agreement (renews Oct 1) and the Warehouse Services Agreement (renews Aug 15). Which one do you want to terminate — or both?"},
                "The warehouse services one. We're bringing storage in-house; the supply agreement stays."),
           tool("get_clause", {"contract_id": "C-2022-0341", "topic": "termination for convenience"}, wsa_clause),
           tool("transfer_to_calendar_agent", {}, json.dumps({"assistant": "Calendar Agent"}))])

list_res = json.dumps({"events": [{"event_id": "evt_3Ab9", "title": "Northwind WSA - renewal review", "date": "2024-06-28"}]}, indent=2)

t2_ok = T("Calendar Agent", "Create deadline: Northwind WSA (C-2022-0341) termination notice, due Fri 2024-06-14.",
          "There was already a placeholder \"Northwind WSA - renewal review\" on Jun 28 — that's *after* the real deadline, so I left it but added the hard deadline:\n\n"
          "**\"DEADLINE – Northwind WSA termination notice (C-2022-0341 §9.3)\"** on Fri Jun 14, 2024, reminders 7 and 2 days prior (Jun 7, Jun 12).",
          [tool("list_events", {"calendar": "legal", "query": "Northwind"}, list_res),
           tool("create_event", {"calendar": "legal", "title": "DEADLINE - Northwind WSA termination notice (C-2022-0341 s9.3)", "date": "2024-06-14", "reminders_days": [7, 2]},
                json.dumps({"event_id": "evt_8Rm4", "date": "2024-06-14", "status": "confirmed"}))])

t3_ok = T("Contracts Agent", "Calendar Agent confirmed event evt_8Rm4.",
          "Done. For the **Warehouse Services Agreement (C-2022-0341)**, written notice must be **received by Northwind by Friday, June 14, 2024** "
          "(60 days before the Aug 15 renewal lands on Sunday Jun 16, so it moves to the preceding Business Day). Calendared with reminders on Jun 7 and Jun 12. "
          "Heads-up: the Jun 28 'renewal review' placeholder is too late to act on — you may want to delete it. The Master Supply Agreement is unaffected.")

FINAL_OK = ("For the Northwind Warehouse Services Agreement (C-2022-0341), termination notice must be received by Northwind by Friday, June 14, 2024 "
            "(Aug 15 renewal minus 60 days = Sun Jun 16, moved to the preceding Business Day). Calendared on the legal calendar; the Master Supply Agreement stays in place.")


def build():
    fail = run(RID, None, TASK, AGENTS, [t0, t1_fail, t2_fail, t3_fail], FINAL_FAIL, "failure", "Contracts Agent", 1, ["FM-2.2"],
               "search_contracts returned two active, auto-renewing Northwind agreements ('Master Supply Agreement' renewing 2024-10-01 and "
               "'Warehouse Services Agreement' renewing 2024-08-15), and the agent's instructions say 'If a request could refer to more than one "
               "agreement, ask the requester which one (ask_user) before computing anything'. The user only said 'our agreement with Northwind'. "
               "The Contracts Agent assumed 'Northwind's main agreement is the Master Supply Agreement' and calendared Jul 3, never surfacing the "
               "warehouse agreement whose notice deadline (Jun 14) comes first.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, [t0, t1_ok, t2_ok, t3_ok], FINAL_OK, "success", None, None, [],
             "Agent asks which agreement; user picks the Warehouse Services Agreement. Aug 15 2024 - 60 days = Sun Jun 16 -> preceding Business "
             "Day Fri Jun 14 per §9.3. Calendar placeholder found on Jun 28 is handled sensibly.")
    return fail, ok, SHAPE, DOMAIN
