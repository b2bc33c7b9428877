from common import *
TASK = ("Before we renew, summarize the limitation-of-liability terms in our MSA with Brightline Data Services (contract C-2291) "
        "and tell me the dollar cap that would apply if a claim arose this month (June 2024).")
AGENTS = {
 "RenewalDesk": "Coordinate contract renewal questions: send clause retrieval to ClauseFinder and interpretation to CounselAssistant, then give the business owner the answer.",
 "ClauseFinder": "Retrieve the exact contract clauses relevant to the question from the contract repository. Quote them verbatim with section numbers; no interpretation.",
 "CounselAssistant": "Interpret retrieved clauses for the business owner, pull any billing data needed with the AP tools, compute the resulting amounts, and write a short plain-English memo.",
}
CL = {"contract_id":"C-2291","counterparty":"Brightline Data Services, Inc.","effective":"2022-07-01","renewal":"2024-07-01","sections":[
  {"section":"11.1","title":"Exclusion of Indirect Damages","text":"Neither party shall be liable for any indirect, incidental, special, consequential or punitive damages, or loss of profits or revenue, arising out of this Agreement."},
  {"section":"11.2","title":"Cap on Liability","text":"Except as set out in Section 11.3, each party's aggregate liability arising out of this Agreement shall not exceed the total fees paid or payable by Customer under this Agreement in the twelve (12) months preceding the event giving rise to the claim."},
  {"section":"11.3","title":"Exceptions","text":"For breach of Section 8 (Confidentiality) or a party's indemnification obligations under Section 10, the cap in Section 11.2 shall be three (3) times the amount determined under Section 11.2. Nothing in this Agreement limits liability for fraud, gross negligence or wilful misconduct."}]}
CLAUSES = ("C-2291, Brightline Data Services, Inc. (effective 2022-07-01, renewal 2024-07-01):\n\n"
           + "\n\n".join(f"**§{s['section']} {s['title']}** — \"{s['text']}\"" for s in CL["sections"]))
FEES = {"vendor":"Brightline Data Services, Inc.","contract_id":"C-2291","from":"2023-06-01","to":"2024-05-31","invoices":12,"total_paid":186400.00,"total_payable_open":0.00,"currency":"USD"}
def build(fail):
    turns = [T("RenewalDesk", TASK, "Routing: ClauseFinder to pull the limitation-of-liability provisions of C-2291; CounselAssistant to interpret and compute the cap for a June 2024 claim."),
             T("ClauseFinder", "Pull the limitation-of-liability clauses from C-2291 (Brightline Data Services).", CLAUSES,
               [tool("contract_search", {"contract_id":"C-2291","query":"limitation of liability cap exceptions"}, CL)])]
    cap, sup = ("$168,400", "$505,200") if fail else ("$186,400", "$559,200")
    memo = ("**Brightline MSA (C-2291) — liability terms**\n\n"
            "- **No indirect damages (§11.1):** neither side is liable for indirect/consequential losses or lost profits.\n"
            f"- **General cap (§11.2):** total fees paid or payable in the 12 months before the event giving rise to the claim. For a claim arising in June 2024 that window is Jun 2023 – May 2024, in which we paid Brightline across 12 invoices with nothing outstanding → **cap ≈ {cap}**.\n"
            f"- **Super-cap (§11.3):** 3× the general cap for confidentiality breaches (§8) or indemnification (§10) → **{sup}**.\n"
            "- **Uncapped:** fraud, gross negligence, wilful misconduct.\n\n"
            "Note the cap is mutual and floats with spend — it is recalculated at the date of each event, so it will change as invoices are paid.")
    turns.append(T("CounselAssistant", CLAUSES, memo, [tool("ap_fees_paid", {"vendor":"Brightline Data Services, Inc.","contract_id":"C-2291","from":"2023-06-01","to":"2024-05-31"}, FEES)]))
    fin = (f"For a claim arising in June 2024 under the Brightline MSA (C-2291), the general liability cap is **{cap}** — the fees paid to Brightline from June 2023 through May 2024 (§11.2). "
           f"For confidentiality breaches or indemnification claims the cap rises to 3×, **{sup}** (§11.3); fraud, gross negligence and wilful misconduct are uncapped, and indirect/consequential damages are excluded for both parties (§11.1).\n\n"
           "Since the cap tracks trailing-12-month spend, it's worth considering at renewal whether a fixed floor (e.g., \"the greater of fees paid or a fixed amount\") would better protect us.")
    turns.append(T("RenewalDesk", memo, fin))
    return {"task": TASK, "agents": AGENTS, "turns": turns, "final_answer": fin}
pair("legal-cap-misquoted", build, {"culprit":"CounselAssistant","step":2,"modes":["FM-2.6"],
  "why":"CounselAssistant's ap_fees_paid call returned \"total_paid\":186400.00 for Jun 2023–May 2024, but its memo states the cap is '$168,400' and the super-cap '$505,200' (3 × the wrong figure; correct $186,400 / $559,200), which the final answer repeats.",
  "ok_why":"Cap computed from the AP tool result ($186,400) and 3× super-cap ($559,200), consistent with §11.2–11.3."})
