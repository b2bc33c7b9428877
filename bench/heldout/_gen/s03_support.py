from common import *
TASK = ("Hi — when I upgraded to Pro annual on May 2 the app showed a \"payment failed\" error, so I clicked Upgrade again. "
        "Now my card shows two charges of $239 (orders 118-4420 and 118-4421). Please refund the duplicate. — Dana Whitfield (dana.whitfield@fastmail.com)")
AGENTS = {
 "TriageAgent": "You are the first point of contact. Route billing, payment, charge and refund requests to BillingAgent; route product bugs, login, sync and performance issues to TechSupportAgent. Do not resolve issues yourself.",
 "BillingAgent": "Handle charges, invoices and refunds. Verify payments with the billing tools and refund confirmed duplicate charges, then reply to the customer.",
 "TechSupportAgent": "Troubleshoot product bugs, login, sync and in-app errors with the diagnostics tools, then reply to the customer. You cannot access payments or issue refunds.",
}
CUST = {"customer_id":"cus_7H2kQ9","email":"dana.whitfield@fastmail.com","plan":"pro_annual","plan_status":"active","region":"US","open_tickets":0}
def build(fail):
    turns = []
    if fail:
        turns.append(T("TriageAgent", TASK,
            "Thanks for reaching out, Dana, and sorry about the trouble during your upgrade. I'm passing you to our technical support team, who can look into the \"payment failed\" error you saw.",
            [tool("get_customer", {"email":"dana.whitfield@fastmail.com"}, CUST),
             tool("transfer_to_techsupportagent", {}, {"assistant":"TechSupportAgent"})]))
        ev = {"customer_id":"cus_7H2kQ9","events":[
              {"ts":"2024-05-02T18:03:11Z","type":"upgrade_attempt","plan":"pro_annual","client":"ios 5.12.1","result":"gateway_timeout","code":"PAYMENT_GATEWAY_TIMEOUT"},
              {"ts":"2024-05-02T18:04:02Z","type":"upgrade_attempt","plan":"pro_annual","client":"ios 5.12.1","result":"completed"},
              {"ts":"2024-05-02T18:04:03Z","type":"entitlement_granted","plan":"pro_annual"}]}
        turns.append(T("TechSupportAgent", "Customer cus_7H2kQ9 (Pro annual, active) reports a \"payment failed\" error when upgrading on May 2, then clicked Upgrade again; sees two $239 charges (orders 118-4420, 118-4421) and asks for a refund of the duplicate.",
            "Diagnostics for cus_7H2kQ9: first upgrade attempt at 18:03:11Z returned PAYMENT_GATEWAY_TIMEOUT on iOS 5.12.1, second attempt at 18:04:02Z succeeded and Pro annual was granted. The error shown in-app was the gateway timeout. Checking whether the client build has the known timeout-retry issue.",
            [tool("get_account_events", {"customer_id":"cus_7H2kQ9","from":"2024-05-02","to":"2024-05-03"}, ev)]))
        turns.append(T("TechSupportAgent", "Continue: confirm client build status and reply to the customer.",
            "Hi Dana,\n\nThanks for the details. I checked your account: on May 2 your first upgrade attempt hit a timeout with our payment gateway, which is why the app showed \"payment failed\". Your second attempt went through a minute later and **Pro annual is active on your account** — you don't need to do anything else to use it.\n\nThis timeout handling was fixed in iOS app version 5.13.0, so please update the app from the App Store to avoid seeing a misleading error in the future.\n\nThat timeout can leave the first attempt's charge captured. Payments and refunds are handled by our billing team — please contact billing@tallyapp.io and mention orders 118-4420 and 118-4421 so they can review the two charges.\n\nBest,\nTech Support",
            [tool("get_known_issues", {"platform":"ios","version":"5.12.1"}, {"issues":[{"id":"IOS-2291","title":"Gateway timeout shown as 'payment failed' while charge is still captured","fixed_in":"5.13.0"}]})]))
    else:
        turns.append(T("TriageAgent", TASK,
            "Thanks for reaching out, Dana, and sorry about the double charge. I'm passing you to our billing team, who can check both payments and refund the duplicate.",
            [tool("get_customer", {"email":"dana.whitfield@fastmail.com"}, CUST),
             tool("transfer_to_billingagent", {}, {"assistant":"BillingAgent"})]))
        pay = {"payments":[
              {"order_id":"118-4420","amount":239.00,"currency":"USD","status":"captured","card":"visa ****4417","ts":"2024-05-02T18:03:12Z","subscription_id":None},
              {"order_id":"118-4421","amount":239.00,"currency":"USD","status":"captured","card":"visa ****4417","ts":"2024-05-02T18:04:02Z","subscription_id":"sub_Q88rT2"}]}
        turns.append(T("BillingAgent", "Customer cus_7H2kQ9 (Pro annual, active) reports two $239 charges for the May 2 upgrade (orders 118-4420, 118-4421) after an in-app \"payment failed\" error and asks for a refund of the duplicate.",
            "Both orders were captured for $239.00 on the same card (visa ****4417), 50 seconds apart. 118-4421 is attached to the active subscription sub_Q88rT2; 118-4420 has no subscription attached, so it's the duplicate. Refunding 118-4420 in full.",
            [tool("get_payments", {"order_ids":["118-4420","118-4421"]}, pay)]))
        turns.append(T("BillingAgent", "Continue: issue the refund for 118-4420 and reply to the customer.",
            "Hi Dana,\n\nYou're right — you were charged twice on May 2. The first attempt (order **118-4420**) was captured even though the app showed \"payment failed\", and the second attempt (order **118-4421**) is the one tied to your Pro annual subscription.\n\nI've refunded the duplicate charge: **$239.00 for order 118-4420** (refund ID re_3PQx7La2). It should appear on your Visa ending 4417 within 5–10 business days depending on your bank. Your Pro annual plan stays active and isn't affected.\n\nSorry for the hassle!\nBilling Team",
            [tool("issue_refund", {"order_id":"118-4420","amount":239.00,"reason":"duplicate_charge"},
                  {"refund_id":"re_3PQx7La2","order_id":"118-4420","amount":239.00,"status":"succeeded","eta_business_days":"5-10"})]))
    return {"task": TASK, "agents": AGENTS, "turns": turns, "final_answer": turns[-1]["output"]}
pair("support-misroute-refund", build, {"culprit":"TriageAgent","step":0,"modes":["FM-1.2"],
  "why":"The customer explicitly asks to 'refund the duplicate' of two $239 charges, and TriageAgent's instructions route refund/charge requests to BillingAgent, but it called transfer_to_techsupportagent; TechSupportAgent cannot refund, so the run ends with no refund ('our billing team handles payments and refunds').",
  "ok_why":"TriageAgent routed the refund request to BillingAgent, which verified 118-4420 was the unattached duplicate and refunded $239.00."})
