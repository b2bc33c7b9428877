import json
from common import T, run, tool

RID = "h7-04-garage-slab-order"
SHAPE = "Planner/Executor app (planner LLM writes steps, executor LLM runs tools)"
DOMAIN = "residential construction / ready-mix ordering"

TASK = ("Draft the ready-mix order for the detached garage slab at 1184 Alder Rd: 24 ft x 30 ft slab, 4 in thick, 4000 psi mix, "
        "add 10% for waste/over-excavation and round up to the supplier's ordering increment. Check the project notes first in case "
        "anything changed, and give me the yardage and the concrete cost.")

AGENTS = {
    "Planner": "You break the request into numbered steps, keep the working set of confirmed facts up to date, and decide when the job is done.",
    "Executor": "You carry out the Planner's current step using the available tools (project notes, supplier quotes, order drafts) and report results. Work from the Planner's confirmed facts.",
}

notes_res = json.dumps({"project": "1184 Alder Rd - detached garage", "notes": [
    {"date": "2024-02-27", "author": "J. Whitfield (GC)", "text": "Slab layout staked 24x30. Vapor barrier + 4in compacted base."},
    {"date": "2024-03-11", "author": "R. Osei, PE (structural)", "text": "REVISION: owner adding 2-post vehicle lift. Increase slab thickness to 6 in throughout, #4 rebar @ 16 in o.c. each way. Thickened edge not required."},
    {"date": "2024-03-14", "author": "J. Whitfield (GC)", "text": "Owner approved structural revision. Pour window Mar 25-29."}]}, indent=2)

t0 = T("Planner", "User request received.",
       "Checked the project notes first as asked.\n\n**Confirmed facts**\n- Footprint 24 ft × 30 ft\n- **Thickness: 6 in** (structural revision 2024-03-11 for the vehicle lift, owner-approved 03-14; supersedes the 4 in in the request)\n"
       "- Mix: 4000 psi\n- Waste allowance: +10%, round up to supplier increment\n\n**Plan**\n1. Get 4000 psi quote + ordering increment from supplier\n"
       "2. Compute volume with the confirmed facts, apply 10%, round up\n3. Create an order draft and report yardage + cost",
       [tool("get_project_notes", {"project_id": "ALDER-1184"}, notes_res)])

quote_res = json.dumps({"supplier": "Cascade Ready-Mix", "mix": "4000 psi, 3/4in agg, 5in slump", "price_per_yd3": 165.00,
    "order_increment_yd3": 0.25, "minimum_yd3": 1.0, "max_load_yd3": 10.0, "short_load_fee": {"applies_below_yd3": 8.0, "fee": 95.00},
    "environmental_fee_per_load": 12.00, "note": "Fuel surcharge waived through Apr 30"}, indent=2)

t1 = T("Executor", "Step 1: Get 4000 psi quote and ordering increment.",
       "Cascade Ready-Mix, 4000 psi: **$165.00/yd³**, ordering increment **0.25 yd³**, 1 yd³ minimum. Short-load fee $95 only applies below 8 yd³. "
       "There's also a $12 environmental fee per load (excluded from 'concrete cost' unless you want it in).",
       [tool("get_supplier_quote", {"supplier": "cascade", "mix": "4000psi"}, quote_res)])

t2 = T("Planner", "Executor finished step 1.",
       "Step 1 done. Proceed to **Step 2**: compute volume for 24 × 30 ft at the confirmed **6 in** thickness, +10%, round up to 0.25 yd³, then Step 3 order draft.")

t3_fail = T("Executor", "Step 2 + 3: compute volume with confirmed facts, then draft the order.",
            "Starting over from the original request to keep the numbers clean:\n\n"
            "- Slab: 24 ft × 30 ft × 4 in (0.333 ft) = 240 ft³\n- 240 / 27 = 8.89 yd³\n- +10% → 9.78 yd³\n- Round up to 0.25 increment → **10.00 yd³**\n\n"
            "10.00 yd³ × $165 = **$1,650.00**. Above the 8 yd³ short-load threshold, so no short-load fee. Draft created.",
            [tool("create_order_draft", {"supplier": "cascade", "mix": "4000psi", "volume_yd3": 10.0, "site": "1184 Alder Rd", "window": "2024-03-25/2024-03-29"},
                  json.dumps({"draft_id": "CRM-D-44120", "volume_yd3": 10.0, "concrete_subtotal": 1650.00, "status": "draft"}))])

t4_fail = T("Planner", "Executor finished steps 2-3.",
            "Order draft CRM-D-44120 created; all plan steps complete.\n\n**Done.** 10.00 yd³ of 4000 psi, concrete cost $1,650.00.")

FINAL_FAIL = "Order draft CRM-D-44120 (Cascade Ready-Mix, 4000 psi): 10.00 yd³ for the 24x30 garage slab incl. 10% waste. Concrete cost: $1,650.00."

t3_ok = T("Executor", "Step 2 + 3: compute volume with confirmed facts, then draft the order.",
          "Using the confirmed 6 in thickness:\n\n- 24 ft × 30 ft × 0.5 ft = 360 ft³\n- 360 / 27 = 13.33 yd³\n- +10% → 14.67 yd³\n- Round up to 0.25 → **14.75 yd³**\n\n"
          "14.75 × $165 = **$2,433.75**. Over 8 yd³, so no short-load fee. Draft created (status: draft).",
          [tool("create_order_draft", {"supplier": "cascade", "mix": "4000psi", "volume_yd3": 14.75, "site": "1184 Alder Rd", "window": "2024-03-25/2024-03-29"},
                json.dumps({"draft_id": "CRM-D-44121", "volume_yd3": 14.75, "concrete_subtotal": 2433.75, "status": "draft"}))])

t4_ok = T("Planner", "Executor finished steps 2-3.",
          "Verifying before I close: 24×30 = 720 ft² × 0.5 ft = 360 ft³ → 13.33 yd³ × 1.10 = 14.67 → next 0.25 = 14.75 ✔. 14.75 × 165 = 2,433.75 ✔. "
          "One more: a 14.75 yd³ pour is two trucks at Cascade's 10 yd³ max load, so the $12 environmental fee is per load — please confirm the draft shows the load split.")

t5_ok = T("Executor", "Confirm load split on draft CRM-D-44121.",
          "Draft shows 2 loads (10.00 + 4.75 yd³). Environmental fees = 2 × $12 = $24, listed separately from the concrete subtotal of $2,433.75.",
          [tool("get_order_draft", {"draft_id": "CRM-D-44121"}, json.dumps({"draft_id": "CRM-D-44121", "volume_yd3": 14.75, "loads": [10.0, 4.75], "concrete_subtotal": 2433.75, "environmental_fees": 24.0, "status": "draft"}, indent=2))])

t6_ok = T("Planner", "Executor confirmed load split.", "All steps complete. Reporting.")

FINAL_OK = ("Order draft CRM-D-44121 (Cascade Ready-Mix, 4000 psi): 14.75 yd³ for the 24x30 garage slab at the revised 6 in thickness "
            "(per the 2024-03-11 structural revision), including 10% waste. Concrete cost: $2,433.75 (plus $24 environmental fees for 2 loads).")


def build():
    pre = [t0, t1, t2]
    fail = run(RID, None, TASK, AGENTS, pre + [t3_fail, t4_fail], FINAL_FAIL, "failure", "Executor", 3, ["FM-1.4", "FM-2.1"],
               "The Planner's confirmed facts say 'Thickness: 6 in (structural revision 2024-03-11 ... supersedes the 4 in in the request)' and "
               "step 2 says 'at the confirmed 6 in thickness'. The Executor announced 'Starting over from the original request' and computed "
               "'24 ft x 30 ft x 4 in ... = 240 ft3', ordering 10.00 yd3 / $1,650 instead of 14.75 yd3 / $2,433.75.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, pre + [t3_ok, t4_ok, t5_ok, t6_ok], FINAL_OK, "success", None, None, [],
             "Executor uses the 6 in revision: 720x0.5=360 ft3 /27=13.33 yd3 x1.10=14.67 -> 14.75 yd3; 14.75x165=$2,433.75. The Planner's "
             "extra load-split check is harmless and consistent (10+4.75, 2x$12).")
    return fail, ok, SHAPE, DOMAIN
