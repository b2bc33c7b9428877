//! The content rules on small synthetic runs of domains the labelled captures do not have
//! (GenAI semantic-convention spans): each failure shape is found with its agent and quote, and
//! the same run done right gets no finding.
mod common;

use agenttrace_core::mast::{classify_spans, MastConfig, MastReport};
use common::B;
use serde_json::json;

fn finding<'r>(r: &'r MastReport, mode: &str) -> Option<&'r agenttrace_core::mast::Finding> {
    r.findings.iter().find(|f| f.mode_id == mode)
}

/// A clerk summarises an account lookup without the freeze; the payments agent then pays.
fn account_run(summary: &str) -> B {
    let task = "Pay supplier invoice SUP-88 of EUR 2,400 from account ACC-77 today.";
    let mut b = B::new(task);
    let c = b.turn(
        "ledger_clerk",
        &[("system", "You are ledger_clerk. Look up the account and brief payments_agent."), ("user", task)],
        "Looking up ACC-77.",
    );
    b.tool(c, "account_status", r#"{"account": "ACC-77"}"#, "ACC-77 | balance EUR 15,300 | owner Nordic Tools AB | status: frozen by compliance, outgoing payments blocked until review CR-12 closes");
    let c2 = b.turn("ledger_clerk", &[("system", "You are ledger_clerk."), ("user", task)], summary);
    let _ = c2;
    let p = b.turn(
        "payments_agent",
        &[("system", "You are payments_agent. Pay invoices from the account the clerk cleared."), ("user", summary)],
        "Paying SUP-88.",
    );
    b.tool(p, "send_payment", r#"{"invoice": "SUP-88", "account": "ACC-77", "amount_eur": 2400}"#, "payment PM-5521 sent");
    b
}

#[test]
fn withheld_blocking_fact_is_found_and_its_relay_is_clean() {
    let r = account_run("ACC-77 (Nordic Tools AB) has a balance of EUR 15,300, enough for SUP-88. Go ahead with the payment.").report();
    let f = finding(&r, "FM-2.4").expect("FM-2.4");
    assert_eq!(f.agent_name.as_deref(), Some("ledger_clerk"));
    assert!(f.quote.as_deref().unwrap_or("").contains("frozen"), "{:?}", f.quote);
    assert!(r.verdict.failed && r.verdict.silent_failure);
    assert_eq!(r.verdict.responsible_agent.as_deref(), Some("ledger_clerk"));

    let ok = account_run(
        "ACC-77 (Nordic Tools AB) has EUR 15,300 but is frozen by compliance: outgoing payments are blocked until review CR-12 closes.",
    )
    .report();
    assert!(finding(&ok, "FM-2.4").is_none(), "{:?}", ok.findings);
}

fn refund_run(args: &str) -> MastReport {
    let task = "Customer asks for a refund of EUR 45 on order ORD-19 (damaged lamp).";
    let mut b = B::new(task);
    let a = b.turn(
        "refund_agent",
        &[("system", "You are refund_agent. Refund orders with issue_refund."), ("user", task)],
        "Refunding EUR 45 on order ORD-19 now.",
    );
    b.tool(a, "issue_refund", args, "refund RF-3 booked");
    b.report()
}

#[test]
fn said_versus_did_compares_ids_and_amounts() {
    let r = refund_run(r#"{"order_id": "ORD-91", "amount_eur": 45}"#);
    let f = finding(&r, "FM-2.6").expect("id mismatch");
    assert!(f.explanation.contains("ORD-19") && f.explanation.contains("ORD-91"), "{}", f.explanation);
    let r = refund_run(r#"{"order_id": "ORD-19", "amount_eur": 450}"#);
    assert!(finding(&r, "FM-2.6").is_some(), "amount mismatch: {:?}", r.findings);
    let ok = refund_run(r#"{"order_id": "ORD-19", "amount_eur": 45}"#);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
    assert!(!ok.verdict.failed);
}

fn release_run(check: bool) -> MastReport {
    let task = "Ship release 4.2 of the mobile app after QA sign-off.";
    let mut b = B::new(task);
    b.turn("release_manager", &[("system", "You are release_manager."), ("user", task)], "Release 4.2 is built; qa_gate please sign off.");
    let instr = "You are qa_gate. Before approving any release you must run smoke_suite on it and approve only if it passes.";
    let q = b.turn(
        "qa_gate",
        &[("system", instr), ("user", "Release 4.2 is built; qa_gate please sign off.")],
        if check { "Running the smoke suite." } else { "Looks fine to me. Approved for release." },
    );
    if check {
        b.tool(q, "smoke_suite", r#"{"release": "4.2"}"#, "42 passed, 0 failed");
        b.turn(
            "qa_gate",
            &[("system", instr), ("user", "smoke_suite: 42 passed, 0 failed")],
            "smoke_suite on 4.2: 42 passed, 0 failed. Approved for release.",
        );
    }
    b.report()
}

#[test]
fn approval_without_the_required_check() {
    let r = release_run(false);
    let f = finding(&r, "FM-3.2").expect("FM-3.2");
    assert_eq!(f.agent_name.as_deref(), Some("qa_gate"));
    assert!(f.explanation.contains("smoke_suite"));
    let ok = release_run(true);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
}

fn weather_run(answer: &str) -> MastReport {
    let task = "What rainfall did station WX-4 record in March, and how does it compare with the long-term mean?";
    let mut b = B::new(task);
    let a = b.turn(
        "climate_analyst",
        &[("system", "You are climate_analyst. Answer with the station data from station_series."), ("user", task)],
        "Fetching the series.",
    );
    b.tool(
        a,
        "station_series",
        r#"{"station": "WX-4", "month": "March"}"#,
        r#"{"station": "WX-4", "month": "March", "rain_mm": 83.4, "mean_mm": 61.0, "rank": 7}"#,
    );
    b.turn("climate_analyst", &[("system", "You are climate_analyst."), ("user", task)], answer);
    b.report()
}

#[test]
fn tool_data_ignored_is_derailment() {
    let r = weather_run("Rainfall is a fascinating topic. Clouds form when warm air rises and cools, water vapour condenses around tiny particles, and droplets merge until they are heavy enough to fall. Many cultures have rain festivals and myths, and gardeners love a wet spring for their vegetables and flowers.");
    let f = finding(&r, "FM-2.3").expect("FM-2.3");
    assert_eq!(f.agent_name.as_deref(), Some("climate_analyst"));
    let ok = weather_run("WX-4 recorded 83.4 mm of rain in March against a long-term mean of 61.0 mm, the 7th wettest March on record: clearly above normal, by roughly a third, which is in line with the wet pattern across the region this spring.");
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
}

#[test]
fn json_only_answers_are_checked() {
    let run = |answer: &str| {
        let task = "List the open incidents of team Atlas. Reply with JSON only, no other text.";
        let mut b = B::new(task);
        b.turn("ops_bot", &[("system", "You are ops_bot."), ("user", task)], answer);
        b.report()
    };
    let r = run("Sure! Here are the open incidents: INC-4 and INC-9.");
    assert!(finding(&r, "FM-1.1").is_some(), "{:?}", r.findings);
    let ok = run(r#"{"team": "Atlas", "open": ["INC-4", "INC-9"]}"#);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
}

#[test]
fn contradicting_an_upstream_exclusion() {
    let run = |region: &str| {
        let task = "Deploy build 7.3 of the billing API.";
        let mut b = B::new(task);
        b.turn(
            "change_board",
            &[("system", "You are change_board. Approve deployments with their conditions."), ("user", task)],
            "Approved: deploy 7.3 only to eu-west-1, never to us-east-1 (data residency), with canary_pct=10.",
        );
        let d = b.turn(
            "deployer",
            &[
                ("system", "You are deployer. Deploy exactly as the change board approved."),
                ("user", "Approved: deploy 7.3 only to eu-west-1, never to us-east-1 (data residency), with canary_pct=10."),
            ],
            "Deploying 7.3.",
        );
        b.tool(d, "deploy", &format!(r#"{{"build": "7.3", "region": "{region}", "canary_pct": 10}}"#), "deployment DEP-4 started");
        b.report()
    };
    let r = run("us-east-1");
    let f = finding(&r, "FM-2.5").expect("FM-2.5");
    assert_eq!(f.agent_name.as_deref(), Some("deployer"));
    let ok = run("eu-west-1");
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);

    // Only what reached an agent can be ignored by it: a deployer whose recorded input never held
    // the board's exclusion did not ignore it (nobody passed it on).
    let task = "Deploy build 7.3 of the billing API.";
    let mut b = B::new(task);
    b.turn("change_board", &[("user", task)], "Approved: deploy 7.3 only to eu-west-1, never to us-east-1 (data residency).");
    let d = b.turn("deployer", &[("system", "You are deployer."), ("user", "Deploy build 7.3 of the billing API.")], "Deploying 7.3.");
    b.tool(d, "deploy", r#"{"build": "7.3", "region": "us-east-1"}"#, "deployment DEP-4 started");
    let r = b.report();
    assert!(r.findings.iter().all(|f| f.rule != "upstream_constraint_contradicted"), "{:?}", r.findings);
}

#[test]
fn acting_on_one_of_several_matches_without_asking() {
    let run = |asks: bool| {
        let task = "Please add Alex to the on-call rotation for next week.";
        let mut b = B::new(task);
        let a = b.turn(
            "roster_agent",
            &[
                ("system", "You are roster_agent. Find the person with find_person; ask when the request could mean several people."),
                ("user", task),
            ],
            "Looking up Alex.",
        );
        b.tool(a, "find_person", r#"{"name": "Alex"}"#, r#"{"people": [{"id": "u-alex.kim", "name": "Alex Kim", "team": "Payments"}, {"id": "u-alex.ruiz", "name": "Alexandra Ruiz", "team": "Search"}]}"#);
        if asks {
            b.turn(
                "roster_agent",
                &[("system", "You are roster_agent."), ("user", task)],
                "There are two people called Alex: Alex Kim (Payments) and Alexandra Ruiz (Search). Which one do you mean?",
            );
        } else {
            let c = b.turn("roster_agent", &[("system", "You are roster_agent."), ("user", task)], "Adding Alex now.");
            b.tool(c, "add_to_rotation", r#"{"person_id": "u-alex.ruiz", "week": "next"}"#, "added");
        }
        b.report()
    };
    let r = run(false);
    let f = finding(&r, "FM-2.2").expect("FM-2.2");
    assert_eq!(f.agent_name.as_deref(), Some("roster_agent"));
    assert!(run(true).findings.is_empty());
}

#[test]
fn items_of_the_task_left_open() {
    let run = |all: bool| {
        let task = "Renew the TLS certificates of all three gateways (gw-north, gw-south, gw-east) before Friday.";
        let mut b = B::new(task);
        let a = b.turn("cert_agent", &[("system", "You are cert_agent."), ("user", task)], "Renewing.");
        let gws: &[&str] = if all { &["gw-north", "gw-south", "gw-east"] } else { &["gw-north"] };
        for g in gws {
            b.tool(a, "renew_cert", &format!(r#"{{"gateway": "{g}"}}"#), "renewed, valid 90 days");
        }
        b.turn(
            "cert_agent",
            &[("system", "You are cert_agent."), ("user", task)],
            "Certificate renewal done, all gateways are covered for the next 90 days.",
        );
        b.report()
    };
    let r = run(false);
    let f = finding(&r, "FM-3.1").expect("FM-3.1");
    assert!(f.explanation.contains("gw-south") && f.explanation.contains("gw-east"), "{}", f.explanation);
    let ok = run(true);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
}

/// A clean run of ordinary shape and wording: triage hands off, a specialist uses tools and
/// answers with the figures, a reviewer runs its check and approves. No finding at all.
#[test]
fn a_clean_run_gets_no_finding() {
    let task = "Our Lisbon office printer PR-12 prints blank pages since yesterday. Can you fix it? Do not reinstall the driver on the print server.";
    let mut b = B::new(task);
    b.turn(
        "triage",
        &[("system", "You are triage. Never fix anything yourself: hand every ticket to the right specialist."), ("user", task)],
        "Printer ticket, handing to print_specialist.",
    );
    let s = b.turn(
        "print_specialist",
        &[("system", "You are print_specialist. Diagnose with printer_status and fix with the maintenance tools."), ("user", task)],
        "Checking PR-12.",
    );
    b.tool(
        s,
        "printer_status",
        r#"{"printer": "PR-12"}"#,
        r#"{"printer": "PR-12", "toner_black_pct": 0, "pages_today": 212, "last_error": "toner empty"}"#,
    );
    b.tool(s, "order_toner", r#"{"printer": "PR-12", "color": "black"}"#, "order TN-551 placed, delivery tomorrow 09:00");
    b.turn("print_specialist", &[("system", "You are print_specialist."), ("user", task), ("tool", r#"{"printer": "PR-12", "toner_black_pct": 0, "pages_today": 212, "last_error": "toner empty"}"#), ("tool", "order TN-551 placed, delivery tomorrow 09:00")], "PR-12 ran out of black toner (0%, 212 pages today). I ordered toner TN-551, delivered tomorrow at 09:00; the driver was not touched.");
    let r = b.turn("reviewer", &[("system", "You are reviewer. Check the fix with ticket_audit before closing; approve only if it passes."), ("user", "PR-12 ran out of black toner (0%, 212 pages today). I ordered toner TN-551, delivered tomorrow at 09:00; the driver was not touched.")], "Auditing.");
    b.tool(r, "ticket_audit", r#"{"printer": "PR-12", "order": "TN-551"}"#, "audit passed: order TN-551 matches printer PR-12");
    b.turn(
        "reviewer",
        &[("system", "You are reviewer."), ("tool", "audit passed: order TN-551 matches printer PR-12")],
        "ticket_audit passed for PR-12 / TN-551. Approved, ticket can be closed once the toner is in.",
    );
    let rep = b.report();
    assert!(rep.findings.is_empty(), "{:#?}", rep.findings.iter().map(|f| (f.mode_id, f.rule, &f.explanation)).collect::<Vec<_>>());
    assert!(!rep.verdict.failed);
}

/// A clean group-chat-like run with lists, negations, approvals and a choice among candidates
/// that the task delegates. No finding at all.
#[test]
fn a_clean_selection_run_gets_no_finding() {
    let task = "Book a venue for the team offsite of 12 people in Porto on 12 May (budget EUR 6,000): venue_scout finds the cheapest suitable venue, budget_checker checks the cost, planner writes the plan and ends with PLAN READY.";
    let mut b = B::new(task);
    let v = b.turn("venue_scout", &[("system", "You are venue_scout."), ("user", task)], "Searching venues.");
    let venues = r#"{"venues": [{"id": "V-1", "name": "Casa Azul", "city": "Porto", "price_eur": 4200, "note": "not available on 12 May"}, {"id": "V-2", "name": "Quinta Rio", "city": "Porto", "price_eur": 5400}, {"id": "V-3", "name": "Hotel Ribeira", "city": "Porto", "price_eur": 7100}]}"#;
    b.tool(v, "search_venues", r#"{"city": "Porto", "date": "12 May", "people": 12}"#, venues);
    b.tool(v, "hold_venue", r#"{"venue_id": "V-2", "date": "12 May"}"#, "hold H-77 on Quinta Rio until 5 May");
    let summary = "Casa Azul (EUR 4,200) is not available on 12 May; Hotel Ribeira (EUR 7,100) is over budget. I put a hold H-77 on Quinta Rio (V-2) for EUR 5,400.";
    b.turn(
        "venue_scout",
        &[("system", "You are venue_scout."), ("user", task), ("tool", venues), ("tool", "hold H-77 on Quinta Rio until 5 May")],
        summary,
    );
    let instr =
        "You are budget_checker. Check the cost with cost_calc before approving; approve only if the total stays within the budget.";
    let c = b.turn("budget_checker", &[("system", instr), ("user", summary)], "Checking the total.");
    b.tool(c, "cost_calc", r#"{"venue_eur": 5400, "people": 12}"#, "total EUR 5,400 (EUR 450 per person), within budget EUR 6,000");
    let ok = "cost_calc: EUR 5,400 in total, EUR 450 per person, within the EUR 6,000 budget. Approved.";
    b.turn(
        "budget_checker",
        &[("system", instr), ("user", summary), ("tool", "total EUR 5,400 (EUR 450 per person), within budget EUR 6,000")],
        ok,
    );
    b.turn(
        "planner",
        &[("system", "You are planner."), ("user", task), ("user", summary), ("user", ok)],
        "Offsite plan: 12 people at Quinta Rio, Porto, on 12 May, EUR 5,400 (hold H-77 until 5 May). PLAN READY",
    );
    let rep = b.report();
    assert!(rep.findings.is_empty(), "{:#?}", rep.findings.iter().map(|f| (f.mode_id, f.rule, &f.explanation)).collect::<Vec<_>>());
    assert!(!rep.verdict.failed);
}

#[test]
fn polling_is_not_repetition_but_repeated_bookings_are() {
    let run = |tool: &str, results: [&str; 3]| {
        let task = "Export the March ledger to the data warehouse and tell me when it is done.";
        let mut b = B::new(task);
        let a = b.turn("export_agent", &[("system", "You are export_agent."), ("user", task)], "Working on it.");
        for r in results {
            b.tool(a, tool, r#"{"job": "EXP-31"}"#, r);
        }
        b.turn(
            "export_agent",
            &[("system", "You are export_agent."), ("user", task), ("tool", results[2])],
            "The March ledger export EXP-31 is done.",
        );
        b.report()
    };
    let poll = run("get_job_status", ["EXP-31 running", "EXP-31 running", "EXP-31 done"]);
    assert!(finding(&poll, "FM-1.3").is_none(), "{:?}", poll.findings);
    let dup = run("start_export", ["export EXP-31/1 started", "export EXP-31/2 started", "export EXP-31/3 started"]);
    let f = finding(&dup, "FM-1.3").expect("FM-1.3");
    assert!(f.semantic && dup.verdict.failed);
}

#[test]
fn named_targets_left_open_and_excluded_versions_used() {
    let run = |langs: &[&str]| {
        let task = "Translate the store-closing notice into French, German and Italian for the three shops.";
        let mut b = B::new(task);
        let a = b.turn("translator", &[("system", "You are translator."), ("user", task)], "Translating.");
        for l in langs {
            b.tool(a, "translate", &format!(r#"{{"target": "{l}"}}"#), "done");
        }
        b.turn("translator", &[("system", "You are translator."), ("user", task)], "All translations of the notice are ready.");
        b.report()
    };
    let r = run(&["French"]);
    assert!(finding(&r, "FM-3.1").is_some(), "{:?}", r.findings);
    assert!(run(&["French", "German", "Italian"]).findings.is_empty());

    let run = |year: &str| {
        let task = "Reprice the catalogue.";
        let mut b = B::new(task);
        b.turn(
            "pricing_lead",
            &[("system", "You are pricing_lead."), ("user", task)],
            "Use the 2025 price list, not the 2024 one: it has the new supplier costs.",
        );
        let a = b.turn(
            "catalog_agent",
            &[("system", "You are catalog_agent."), ("user", "Use the 2025 price list, not the 2024 one: it has the new supplier costs.")],
            "Repricing.",
        );
        b.tool(a, "apply_price_list", &format!(r#"{{"list": "{year}"}}"#), "1,240 items repriced");
        b.report()
    };
    assert_eq!(finding(&run("2024"), "FM-2.5").and_then(|f| f.agent_name.clone()).as_deref(), Some("catalog_agent"));
    assert!(run("2025").findings.is_empty());
}

#[test]
fn triage_that_answers_itself() {
    let run = |hands_off: bool| {
        let task = "My expense report ER-2291 was rejected twice, why? I need it paid this month.";
        let mut b = B::new(task);
        let instr = "You are intake. Your only job is to route the request: expense questions to expense_specialist. Never answer the question yourself.";
        if hands_off {
            b.turn("intake", &[("system", instr), ("user", task)], "Routing to expense_specialist.");
            b.turn(
                "expense_specialist",
                &[("system", "You are expense_specialist."), ("user", task)],
                "ER-2291 was rejected because the hotel receipt is missing; upload it and it will be paid in this month's run.",
            );
        } else {
            b.turn("intake", &[("system", instr), ("user", task)], "Expense reports usually get rejected when receipts are missing or the cost centre is wrong. Just resubmit it with all receipts attached and pick cost centre 4410, then mark it urgent and it should be paid within the month.");
        }
        b.report()
    };
    let r = run(false);
    assert_eq!(finding(&r, "FM-1.2").and_then(|f| f.agent_name.clone()).as_deref(), Some("intake"), "{:?}", r.findings);
    assert!(run(true).findings.is_empty());
}

#[test]
fn later_turn_that_starts_the_conversation_over() {
    let run = |fresh: bool| {
        let task = "Prepare the onboarding checklist for new hire Priya Nair (starts 3 March, team Data Platform).";
        let mut b = B::new(task);
        b.turn(
            "coordinator",
            &[("system", "You are coordinator."), ("user", task)],
            "it_agent: set up the laptop and accounts for Priya Nair, then report back.",
        );
        let i = b.turn(
            "it_agent",
            &[
                ("system", "You are it_agent."),
                ("user", task),
                ("assistant", "it_agent: set up the laptop and accounts for Priya Nair, then report back."),
            ],
            "Setting up.",
        );
        b.tool(i, "create_account", r#"{"user": "pnair", "team": "Data Platform"}"#, "account pnair created, laptop LT-9012 assigned");
        b.turn(
            "it_agent",
            &[
                ("system", "You are it_agent."),
                ("user", task),
                ("assistant", "it_agent: set up the laptop and accounts for Priya Nair, then report back."),
                ("tool", "account pnair created, laptop LT-9012 assigned"),
            ],
            "Account pnair is created and laptop LT-9012 is assigned to Priya Nair.",
        );
        let hist = [
            ("system", "You are coordinator."),
            ("user", task),
            ("assistant", "it_agent: set up the laptop and accounts."),
            ("user", "Account pnair is created and laptop LT-9012 is assigned to Priya Nair."),
        ];
        let last = if fresh {
            "Hi! I'm the onboarding coordinator. Who is the new hire, and which team and start date should I prepare the checklist for?"
        } else {
            "Checklist for Priya Nair (Data Platform, 3 March): account pnair and laptop LT-9012 ready; badge and welcome lunch to book."
        };
        b.turn("coordinator", &hist, last);
        b.report()
    };
    let r = run(true);
    assert_eq!(finding(&r, "FM-2.1").and_then(|f| f.agent_name.clone()).as_deref(), Some("coordinator"), "{:?}", r.findings);
    let ok = run(false);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
}

#[test]
fn approval_despite_failing_check_and_context_without_the_task() {
    let run = |result: &str, verdict: &str| {
        let task = "Merge PR-88 (retry logic for the payment webhook) once its tests are green.";
        let mut b = B::new(task);
        b.turn("developer", &[("system", "You are developer."), ("user", task)], "PR-88 is ready for review.");
        let r = b.turn(
            "reviewer",
            &[
                ("system", "You are reviewer. Verify pull requests with run_ci and approve only if CI is green."),
                ("user", task),
                ("assistant", "PR-88 is ready for review."),
            ],
            "Running CI.",
        );
        b.tool(r, "run_ci", r#"{"pr": "PR-88"}"#, result);
        b.turn(
            "reviewer",
            &[("system", "You are reviewer."), ("user", task), ("assistant", "PR-88 is ready for review."), ("tool", result)],
            verdict,
        );
        b.report()
    };
    let r = run("214 passed, 2 failed: test_webhook_retry_backoff, test_webhook_idempotency", "CI ran for PR-88. Approved, merging.");
    assert_eq!(finding(&r, "FM-3.3").and_then(|f| f.agent_name.clone()).as_deref(), Some("reviewer"), "{:?}", r.findings);
    let ok = run("216 passed, 0 failed", "CI is green for PR-88 (216 passed). Approved, merging.");
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);

    // A handed-over model call continues the conversation without the task.
    let run = |keep_task: bool| {
        let task = "Quote a 3-night stay for 2 adults at the Harbour Inn from 14 June; the guests need a ground-floor room (wheelchair).";
        let mut b = B::new(task);
        b.turn("front_desk", &[("system", "You are front_desk."), ("user", task)], "Passing to reservations.");
        let mut input = vec![("system", "You are reservations. Quote rooms with quote_room.")];
        if keep_task {
            input.push(("user", task));
        }
        input.push(("assistant", "Passing to reservations."));
        input.push(("user", "Please go ahead."));
        b.turn("reservations", &input, "Quoting a standard double room for 3 nights from 14 June: EUR 420.");
        b.report()
    };
    let r = run(false);
    assert_eq!(finding(&r, "FM-1.4").and_then(|f| f.agent_name.clone()).as_deref(), Some("reservations"), "{:?}", r.findings);
    assert!(run(true).findings.is_empty());
}

#[test]
fn agreement_ignored_until_the_limit_and_an_off_task_answer() {
    use agenttrace_core::model::SpanEvent;
    let mut b = B::new("Agree the delivery date for order PO-7 with the supplier; as soon as the supplier confirms a date before 20 May, say CONFIRMED and stop.");
    let lines = [
        ("buyer", "Can you deliver PO-7 before 20 May?"),
        ("supplier", "Yes, agreed: 16 May works for us."),
        ("buyer", "Great. Could you also do 15 May, just in case?"),
        ("supplier", "OK, 15 May is fine too."),
        ("buyer", "Thanks! And would a morning slot be possible?"),
        ("supplier", "Yes, morning is fine."),
        ("buyer", "Perfect. Should we also discuss the packaging?"),
    ];
    for (a, t) in lines {
        b.turn(a, &[("system", "You negotiate."), ("user", t)], t);
    }
    b.spans[0].status_code = 2;
    b.spans[0].events.push(SpanEvent {
        time_unix_nano: 999,
        name: "exception".into(),
        attributes: json!({"exception.type": "MaxTurnsExceeded", "exception.message": "Max turns (7) exceeded"})
            .as_object()
            .cloned()
            .unwrap(),
        dropped_attributes_count: 0,
    });
    let r = b.report();
    assert_eq!(r.verdict.verdict, "stopped_early");
    assert_eq!(r.verdict.responsible_agent.as_deref(), Some("buyer"), "{:?}", r.findings);

    let run = |answer: &str| {
        let task = "Summarise the incident INC-5531 of 2 April: what failed in the checkout service, for how long, and the fix.";
        let mut b = B::new(task);
        b.turn("writer", &[("system", "You are writer."), ("user", task)], answer);
        b.report()
    };
    let r = run("Good writing starts with empathy for the reader. Keep sentences short, prefer active verbs, avoid jargon and always end with a clear call to action. Many teams also adopt a style guide, review each other's drafts and read their text aloud before publishing it to catch awkward phrasing.");
    assert!(finding(&r, "FM-2.3").is_some(), "{:?}", r.findings);
    let ok = run("INC-5531 (2 April): the checkout service failed for 47 minutes because a database connection pool was exhausted after a config change; the fix rolled the change back and raised the pool limit, and an alert now fires at 80% pool use.");
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);
    // A crash dump in the place of the answer is not an answer that drifted off the task.
    let dump = "Next step\nError processing message\nTraceback (most recent call last):\n  File \"/srv/app/runtime.py\", line 410, in process\n    await asyncio.gather(*responses)\n  File \"/srv/app/runtime.py\", line 402, in on_message\n    return await agent.on_message(message, context)\n  File \"/srv/app/agent.py\", line 113, in on_message\n    return await self.handle(message, context)\n  File \"/srv/app/agent.py\", line 81, in handle\n    await future\nRuntimeError: event loop closed while the handler was still waiting for its future";
    let r = run(dump);
    assert!(finding(&r, "FM-2.3").is_none(), "{:?}", r.findings);
}

fn attribution(b: &B) -> agenttrace_core::mast::Attribution {
    let cfg = MastConfig::default();
    let (analysis, report) = classify_spans(&b.spans, &cfg);
    let view = agenttrace_core::mast::RunView::new(&b.spans, &analysis, &cfg);
    agenttrace_core::mast::attribute_failure(&view, &report.findings, &cfg)
}

/// A coordinator that names the next speaker before every turn is routing, not looping; the same
/// substantive turn three times still is a repetition.
#[test]
fn routing_lines_are_not_step_repetition() {
    let task = "Find the opening hours of the three libraries closest to the central station.";
    let mut b = B::new(task);
    b.turn("manager", &[("user", task)], "Plan: the researcher looks up the libraries, then their hours; I check the list.");
    let found = [
        "The main library on Kirchplatz opens 9-18 on weekdays.",
        "Nord branch: Tuesday to Saturday, 10-17.",
        "The children's library at the market is open afternoons only.",
    ];
    for line in found {
        b.turn("manager", &[("user", task)], "Next speaker researcher");
        b.turn("researcher", &[("user", "Look up the next library.")], line);
    }
    let r = b.report();
    assert!(r.findings.iter().all(|f| f.mode_id != "FM-1.3"), "{:?}", r.findings);
    // Log noise under the routing line changes nothing.
    let mut b = B::new(task);
    for line in found {
        b.turn("manager", &[("user", task)], "Next speaker researcher\n/usr/lib/python3/site.py:93: UserWarning: model mismatch");
        b.turn("researcher", &[("user", "Look up the next library.")], line);
    }
    assert!(b.report().findings.iter().all(|f| f.mode_id != "FM-1.3"));

    // Twin: the researcher gives the same answer three times.
    let mut b = B::new(task);
    for _ in 0..3 {
        b.turn("manager", &[("user", task)], "Next speaker researcher");
        b.turn(
            "researcher",
            &[("user", "Look up the next library.")],
            "I could not find any library near the central station, please check the spelling.",
        );
    }
    let r = b.report();
    let f = finding(&r, "FM-1.3").expect("the repeated answer is a repetition");
    assert_eq!(f.agent_name.as_deref(), Some("researcher"));
}

/// An agent that runs code others wrote is not blamed for that code: the author is.
#[test]
fn executors_are_not_blamed_for_the_code_they_run() {
    let task = "Compute the average order value of the March export and report it.";
    let failing = "exitcode: 1 (execution failed)\nCode output: Traceback (most recent call last):\n  File \"avg.py\", line 3\nZeroDivisionError: division by zero";
    let run = |with_code: bool| {
        let mut b = B::new(task);
        for k in 0..3 {
            let code = if with_code {
                format!("```python\n# attempt {k}\norders = load('march.csv')\nprint(sum(orders) / len([]))\n```")
            } else {
                format!("Attempt {k}: please work out the average order value of March for me.")
            };
            b.turn("coder", &[("user", task)], &code);
            b.turn("runner", &[("user", &code)], failing);
        }
        b
    };
    let b = run(true);
    let r = b.report();
    let f = finding(&r, "FM-1.3").expect("the runner's output repeats");
    assert_eq!(f.agent_name.as_deref(), Some("runner"), "the finding states what happened");
    let a = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("coder"), "{:?}", a.candidates);
    assert!(a.candidates[0].reasons.iter().any(|r| r.contains("runner ran code coder wrote")), "{:?}", a.candidates[0].reasons);
    assert!(a.decisive_span.as_ref().is_some_and(|s| s.name == "invoke_agent coder"), "{:?}", a.decisive_span);

    // Twin: the same outputs from an agent that was given no code are its own.
    let b = run(false);
    let a = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("runner"), "{:?}", a.candidates);
}

/// An analyst reads a total from the ledger and states it with two digits swapped; the figure it
/// read is nowhere in its memo. Twins: the figure stated as read, and stated rounded ("about
/// $186,000"), are no finding.
#[test]
fn a_figure_passed_on_with_two_digits_swapped() {
    let run = |stated: &str| {
        let task = "What liability cap applies to a claim this month under contract C-2291? It is the fees paid in the last 12 months.";
        let mut b = B::new(task);
        let a = b.turn("counsel", &[("user", task)], "Pulling the fees paid.");
        b.tool(
            a,
            "fees_paid",
            r#"{"contract_id": "C-2291", "months": 12}"#,
            r#"{"contract_id": "C-2291", "invoices": 12, "total_paid": 186400.0, "currency": "USD"}"#,
        );
        b.turn(
            "counsel",
            &[("user", task)],
            &format!("The cap is the fees paid in the 12 months before the claim: across 12 invoices that comes to {stated}, with nothing outstanding."),
        );
        b.turn("desk", &[("user", "cap")], &format!("For a claim this month the cap under C-2291 is {stated}."));
        b.report()
    };
    let r = run("$168,400");
    let f = finding(&r, "FM-2.6").expect("FM-2.6");
    assert_eq!(f.agent_name.as_deref(), Some("counsel"));
    assert!(f.explanation.contains("186400") && f.explanation.contains("168400"), "{}", f.explanation);
    assert!(run("$186,400").findings.is_empty());
    assert!(run("about $186,000").findings.is_empty());
}

/// A triage agent whose instructions route kinds of request to named agents hands a refund
/// request to the agent its routing keeps for login problems. Twins: the hand-off its routing
/// names, and a request that shares no word with any clause (nothing to hold it to).
#[test]
fn a_router_that_hands_off_against_its_own_routing() {
    let run = |task: &str, to: &str| {
        let mut b = B::new(task);
        let instr = "You are the front desk. Route invoice, payment and refund requests to LedgerDesk; route login, password and sync problems to AccessDesk. Never solve anything yourself.";
        let a = b.turn_with("FrontDesk", Some(instr), &[("user", task)], "Passing you to the right team.");
        b.tool(a, &format!("transfer_to_{}", to.to_lowercase()), "{}", &format!(r#"{{"assistant": "{to}"}}"#));
        b.turn(to, &[("user", task)], "Looking into it now; I will get back to you shortly with what I find.");
        b.report()
    };
    let refund = "I was charged twice for my May invoice, two payments of $49. Please refund one of them.";
    let r = run(refund, "AccessDesk");
    let f = r.findings.iter().find(|f| f.rule == "role_boundary_crossed").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("FrontDesk"));
    assert!(f.explanation.contains("LedgerDesk"), "{}", f.explanation);
    let r = run(refund, "LedgerDesk");
    assert!(r.findings.iter().all(|f| f.rule != "role_boundary_crossed"), "{:?}", r.findings);
    let r = run("My dashboard chart colours look odd since this morning.", "AccessDesk");
    assert!(r.findings.iter().all(|f| f.rule != "role_boundary_crossed"), "{:?}", r.findings);
}

/// A reviewer asks the coder to drop a filter the task writes as code; the coder's next version
/// drops it. Twins: a review that names the filter and keeps it, and one that asks for another
/// change, are no finding.
#[test]
fn a_review_that_undoes_what_the_task_demands() {
    let task = "Count the open tickets per team from tickets.csv; leave out spam (category == 'spam'). Report the counts.";
    let with = "```python\nimport pandas as pd\nt = pd.read_csv('tickets.csv')\nt = t[t.category != 'spam']\nprint(t[t.state == 'open'].groupby('team').size())\n```";
    let without = "```python\nimport pandas as pd\nt = pd.read_csv('tickets.csv')\nprint(t[t.state == 'open'].groupby('team').size())\n```";
    let run = |review: &str, second: &str| {
        let mut b = B::new(task);
        b.turn("coder", &[("user", task)], with);
        b.turn("runner", &[("user", with)], "exitcode: 0\nteam\nbilling    41\nsupport    77");
        b.turn("reviewer", &[("user", "exitcode: 0")], review);
        b.turn("coder", &[("user", review)], second);
        b.turn("runner", &[("user", second)], "exitcode: 0\nteam\nbilling    44\nsupport    90");
        b.turn("reviewer", &[("user", "exitcode: 0")], "APPROVED: billing and support counts as printed.");
        b.report()
    };
    let r = run("Changes requested: filtering out `category == 'spam'` hides real load; remove that filter and rerun.", without);
    let f = r.findings.iter().find(|f| f.rule == "review_undid_requirement").unwrap_or_else(|| panic!("FM-3.3 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("reviewer"));
    let r = run("The filter on `category == 'spam'` is right; please also print the total.", with);
    assert!(r.findings.iter().all(|f| f.rule != "review_undid_requirement"), "{:?}", r.findings);
    let r = run("Please sort the teams by count before printing.", without);
    assert!(r.findings.iter().all(|f| f.rule != "review_undid_requirement"), "{:?}", r.findings);
}

/// A lead's plan gives the analyst two steps; the analyst does the first, the lead ends the run.
/// Twins: the analyst does both steps; a plan whose items name no agent is not judged.
#[test]
fn a_plan_step_the_run_never_reached() {
    let task = "From visits.csv, compute weekly visits per store for March and test whether the two regions differ.";
    let run = |plan: &str, both: bool| {
        let mut b = B::new(task);
        b.turn("lead", &[("user", task)], plan);
        b.turn(
            "analyst",
            &[("user", plan)],
            "Weekly visits per store: North 1,204 / 1,187 / 1,251 / 1,230; South 1,102 / 1,095 / 1,143 / 1,120.",
        );
        if both {
            b.turn(
                "analyst",
                &[("user", plan)],
                "Welch two-sample comparison of the regional weekly means: t = 5.1, p = 0.003; the regions differ.",
            );
        }
        b.turn("lead", &[("user", "done")], "Weekly visits per store are above; North leads South every week.\nTERMINATE");
        b.report()
    };
    let assigned = "Plan:\n1. analyst: compute weekly visits per store for March.\n2. analyst: run a Welch two-sample comparison of regional weekly means, report statistic and significance.\n3. lead: summarise.";
    let r = run(assigned, false);
    let f = r.findings.iter().find(|f| f.rule == "plan_step_dropped").unwrap_or_else(|| panic!("FM-3.1 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("lead"));
    assert!(f.explanation.contains("step 2"), "{}", f.explanation);
    assert!(run(assigned, true).findings.iter().all(|f| f.rule != "plan_step_dropped"));
    let unassigned = "Plan:\n1. Compute weekly visits per store for March.\n2. Run a Welch two-sample comparison of regional weekly means, report statistic and significance.\n3. Summarise.";
    assert!(run(unassigned, false).findings.iter().all(|f| f.rule != "plan_step_dropped"));
}

/// A verifier confirms the rate and hands it over for the final answer; another expert goes on
/// with an analysis nobody asked for, and the run delivers its figure, never verified. Twins:
/// the confirmed rate delivered; the confirmed rate delivered with a figure derived after it; an
/// approval of an intermediate figure (not handed over) followed by the rest of the work.
#[test]
fn an_answer_replaced_after_the_verifier_handed_it_over() {
    let task = "What was the crude incidence rate of measles per 100,000 in District East in 2022? Count confirmed cases only.";
    let run = |approval: &str, after: &[(&str, &str)]| {
        let mut b = B::new(task);
        b.turn(
            "planner",
            &[("user", task)],
            "Plan: analyst counts cases and divides by the population; checker verifies; then I post the final answer.",
        );
        b.turn("analyst", &[("user", "compute")], "Cases 53, population 398,720: 53 / 398,720 x 100,000 = 13.29 -> 13.3 per 100,000.");
        b.turn("checker", &[("user", "verify")], approval);
        for (a, t) in after {
            b.turn(a, &[("user", "continue")], t);
        }
        b.report()
    };
    let handed = "VERIFIED. 53 confirmed cases; population 398,720; 53 / 398,720 x 100,000 = 13.3 per 100,000. @planner you can post the final answer.";
    let r = run(
        handed,
        &[
            (
                "epi_expert",
                "Before we close, the age-standardised rate is more informative: weighting the age bands gives 15.8 per 100,000.",
            ),
            ("planner", "Final answer: 15.8 per 100,000 (age-standardised)."),
        ],
    );
    let f = finding(&r, "FM-1.5").unwrap_or_else(|| panic!("FM-1.5 expected: {:?}", r.findings));
    assert_eq!(f.rule, "answer_replaced_after_approval");
    assert_eq!(f.agent_name.as_deref(), Some("epi_expert"));
    assert!(f.explanation.contains("13.3") && f.explanation.contains("15.8"), "{}", f.explanation);
    assert!(r.verdict.failed);

    let r = run(handed, &[("planner", "Final answer: 13.3 per 100,000.")]);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let r = run(handed, &[("planner", "Final answer: 13.3 per 100,000, that is 53 cases, about 1 in 7,523 residents.")]);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let r = run(
        "Verified: 53 confirmed cases and the population of 398,720 are right. Go on with the rate.",
        &[("analyst", "Rate: 13.29 per 100,000."), ("planner", "Final answer: 13.3 per 100,000.")],
    );
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

/// An executor may call `issue_voucher` only when the lead relays the manager's approval; asked
/// to `log_complaint`, it issues a voucher: the exception was not what it was given. Twins: the
/// lead relays the approval and names the voucher tool; the executor logs the complaint.
#[test]
fn a_tool_forbidden_unless_given_is_called_on_another_assignment() {
    let instr = "Logs complaints with log_complaint and files follow-ups. Must not call issue_voucher unless the lead relays the manager's approval.";
    let run = |given: &str, tool: &str| {
        let task = "A guest complains that room 412 was not cleaned on 3 May; record it.";
        let mut b = B::new(task);
        b.turn("lead", &[("user", task)], "Routing the complaint to the executor.");
        let k = b.turn_with("desk_executor", Some(instr), &[("user", given)], "Done.");
        b.tool(k, tool, r#"{"room": "412", "date": "2024-05-03"}"#, r#"{"status": "ok", "id": "C-8812"}"#);
        b.report()
    };
    let r = run("Log the complaint for room 412 with log_complaint. Nothing else.", "issue_voucher");
    let f = finding(&r, "FM-1.2").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("desk_executor"));
    assert!(f.explanation.contains("issue_voucher"), "{}", f.explanation);
    let r = run("The manager approved it: issue_voucher for room 412, then log_complaint.", "issue_voucher");
    assert!(finding(&r, "FM-1.2").is_none(), "{:?}", r.findings);
    let r = run("Log the complaint for room 412 with log_complaint. Nothing else.", "log_complaint");
    assert!(finding(&r, "FM-1.2").is_none(), "{:?}", r.findings);
}

/// An agent adds a line to an invoice, then adds it again with identical arguments: a second
/// line is created. Twins: a retry after a failed add; two adds that differ in one argument; a
/// read repeated.
#[test]
fn a_creating_call_repeated_with_the_same_arguments() {
    let run = |calls: &[(&str, &str, &str)]| {
        let task = "Invoice INV-77: one line for 12 hours of consulting at EUR 95, one for travel EUR 140.";
        let mut b = B::new(task);
        for (n, (tool, args, result)) in calls.iter().enumerate() {
            let k = b.turn(
                "billing_agent",
                &[("user", task)],
                ["Adding the first line.", "Now the travel line.", "Continuing with the lines."][n % 3],
            );
            b.tool(k, tool, args, result);
        }
        b.turn("billing_agent", &[("user", task)], "Invoice INV-77 is ready.");
        b.report()
    };
    let consult = r#"{"invoice": "INV-77", "label": "Consulting", "quantity": 12, "unit_price": 95}"#;
    let travel = r#"{"invoice": "INV-77", "label": "Travel", "quantity": 1, "unit_price": 140}"#;
    let r = run(&[
        ("add_line", consult, r#"{"line_id": "L1", "amount": 1140}"#),
        ("add_line", travel, r#"{"line_id": "L2", "amount": 140}"#),
        ("add_line", consult, r#"{"line_id": "L3", "amount": 1140}"#),
    ]);
    let f = finding(&r, "FM-1.3").unwrap_or_else(|| panic!("FM-1.3 expected: {:?}", r.findings));
    assert_eq!(f.rule, "write_repeated");
    assert!(f.explanation.contains("L1") && f.explanation.contains("L3"), "{}", f.explanation);

    let r = run(&[
        ("add_line", consult, r#"{"status": "error", "error": "invoice locked, retry"}"#),
        ("add_line", consult, r#"{"line_id": "L1", "amount": 1140}"#),
        ("add_line", travel, r#"{"line_id": "L2", "amount": 140}"#),
    ]);
    assert!(finding(&r, "FM-1.3").is_none(), "{:?}", r.findings);
    let r =
        run(&[("add_line", consult, r#"{"line_id": "L1", "amount": 1140}"#), ("add_line", travel, r#"{"line_id": "L2", "amount": 140}"#)]);
    assert!(finding(&r, "FM-1.3").is_none(), "{:?}", r.findings);
    let r = run(&[
        ("get_invoice", r#"{"invoice": "INV-77"}"#, r#"{"invoice_id": "INV-77", "lines": 0}"#),
        ("get_invoice", r#"{"invoice": "INV-77"}"#, r#"{"invoice_id": "INV-77b", "lines": 1}"#),
    ]);
    assert!(finding(&r, "FM-1.3").is_none(), "{:?}", r.findings);
}

/// An analyst writes the formula it will compute and leaves one of its terms out of the code.
/// Twins: the code uses every term; prose with an "=" that is no formula.
#[test]
fn a_formula_term_left_out_of_the_code() {
    let run = |out: &str| {
        let task = "What was the store's conversion rate in May? Use sessions.csv.";
        let mut b = B::new(task);
        b.turn("analyst", &[("user", task)], out);
        b.report()
    };
    let said = "Conversion = (ORD + PRE) / (SES - BOT + APP)\n\n";
    let r = run(&format!("{said}```python\nm = df[df.month == 5]\nrate = (m['ORD'].sum() + m['PRE'].sum()) / (m['SES'].sum() - m['BOT'].sum())\nprint(rate)\n```"));
    let f = finding(&r, "FM-2.6").unwrap_or_else(|| panic!("FM-2.6 expected: {:?}", r.findings));
    assert_eq!(f.rule, "formula_term_dropped");
    assert!(f.explanation.contains("APP"), "{}", f.explanation);
    let ok = run(&format!(
        "{said}```python\nm = df[df.month == 5]\nrate = (m['ORD'].sum() + m['PRE'].sum()) / (m['SES'].sum() - m['BOT'].sum() + m['APP'].sum())\nprint(rate)\n```"
    ));
    assert!(finding(&ok, "FM-2.6").is_none(), "{:?}", ok.findings);
    let prose = run("Status = done after the export and the upload are checked.\n\n```python\nprint(export_ok and upload_ok)\n```");
    assert!(finding(&prose, "FM-2.6").is_none(), "{:?}", prose.findings);
}

/// The task says the batch makes 24 cookies; the baker's code divides by 20. Twins: the code
/// sets 24; the text gives two different counts of the noun (no single figure to hold it to).
#[test]
fn a_count_in_code_that_no_text_gives() {
    let run = |task: &str, n: &str| {
        let mut b = B::new(task);
        b.turn(
            "baker_expert",
            &[("user", task)],
            &format!("Sugar per cookie from the batch total:\n```python\nbatch_sugar_g = 300\nn_cookies = {n}\nprint(batch_sugar_g / n_cookies)\n```"),
        );
        b.report()
    };
    let task = "A batch uses 300 g of sugar and makes 24 cookies. How much sugar is in one cookie?";
    let r = run(task, "20");
    let f = finding(&r, "FM-2.6").unwrap_or_else(|| panic!("FM-2.6 expected: {:?}", r.findings));
    assert_eq!(f.rule, "constant_contradicts_text");
    assert!(f.explanation.contains("24") && f.explanation.contains("n_cookies = 20"), "{}", f.explanation);
    assert!(finding(&run(task, "24"), "FM-2.6").is_none());
    let two =
        "A batch uses 300 g of sugar and makes 24 cookies, or 20 cookies when they are made larger. How much sugar is in one large cookie?";
    let r = run(two, "20");
    assert!(finding(&r, "FM-2.6").is_none(), "{:?}", r.findings);
}

/// An expert rules a tariff code out a few words after its negation ("is **not** billed on the
/// tiered R-1 schedule"); a later analyst's code prices with R-1. Twins: the code uses the
/// tariff named instead; a sentence that turns ("not only R-1 but also ...") excludes nothing.
#[test]
fn a_code_excluded_a_few_words_after_the_negation() {
    let run = |said: &str, code: &str| {
        let task = "Compute the Q3 bill for account 55-1200-09 from account.json and tariffs.json.";
        let mut b = B::new(task);
        b.turn("energy_expert", &[("user", task)], said);
        b.turn(
            "data_analyst",
            &[("user", said)],
            &format!("Here is the bill script:\n```python\nsched = tariffs['schedules']['{code}']\nprint(sched)\n```"),
        );
        b.report()
    };
    let said = "The account record says rate_schedule TOU-D, so this customer is **not** billed on the tiered R-1 schedule. Please use TOU-D from here on.";
    let r = run(said, "R-1");
    let f = finding(&r, "FM-2.5").unwrap_or_else(|| panic!("FM-2.5 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("data_analyst"));
    assert!(f.explanation.contains("R-1"), "{}", f.explanation);
    assert!(finding(&run(said, "TOU-D"), "FM-2.5").is_none());
    let turns = "The customer is billed not only on the R-1 schedule but also on a TOU-D rider.";
    assert!(finding(&run(turns, "R-1"), "FM-2.5").is_none());
}

/// A front desk may look prices up to route, but never quote them itself; it tells the guest two
/// amounts from the lookup. Twin: it hands over without an amount.
#[test]
fn an_agent_forbidden_to_quote_amounts_quotes_them() {
    let instr = "Front desk router. You may look up a reservation to route correctly, but never quote prices or fees yourself; hand off to billing.";
    let run = |said: &str| {
        let task = "How much would it cost to extend my stay at the Harbor Inn by one night? Reservation HB-2231.";
        let mut b = B::new(task);
        let k = b.turn_with("front_desk", Some(instr), &[("user", task)], said);
        b.tool(k, "lookup_reservation", r#"{"id": "HB-2231"}"#, r#"{"id": "HB-2231", "nightly_rate": 189.0, "resort_fee": 25.0}"#);
        b.report()
    };
    let r = run("Extending by one night comes to $189.00 for the room plus the $25.00 resort fee, so $214.00 in total. Shall I add it?");
    let f = finding(&r, "FM-1.2").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("front_desk"));
    assert!(f.explanation.contains("quote amounts"), "{}", f.explanation);
    let r = run("I found reservation HB-2231; our billing team will give you the price for the extra night. Transferring you now.");
    assert!(finding(&r, "FM-1.2").is_none(), "{:?}", r.findings);
}

/// A brief sets other markets' prices apart ("for reference only, do not use"); the writer uses
/// one, the editor polishes what it was handed. The writer is where it went wrong. Twins: the
/// writer uses the market's own price; an amount the brief also gives outside the block.
#[test]
fn an_amount_set_apart_as_not_to_use_is_used() {
    let run = |brief: &str, copy: &str| {
        let task = "Write the launch blurb for the Nordic store with the Nordic price.";
        let mut b = B::new(task);
        b.turn("analyst", &[("user", task)], brief);
        b.turn("writer", &[("user", &format!("Context:\n{brief}"))], copy);
        b.turn("editor", &[("user", &format!("Draft:\n{copy}"))], &format!("Polished:\n{copy}"));
        b.report()
    };
    let brief = "*Nordic store*\n- Price: €129\n- On sale 4 April\n\n*Other markets, for reference only, do not use in Nordic copy*\n- US: $139, 21 March\n- UK: £119\n\n*Claims*\n- 30 h battery";
    let r = run(brief, "Meet the Fjell buds: 30 h battery. Yours for $139 from 21 March.");
    let f = finding(&r, "FM-2.5").unwrap_or_else(|| panic!("FM-2.5 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("writer"), "{:?}", r.findings);
    assert!(f.explanation.contains("$139"), "{}", f.explanation);
    assert!(r.findings.iter().all(|f| f.agent_name.as_deref() != Some("editor")), "{:?}", r.findings);
    assert!(finding(&run(brief, "Meet the Fjell buds: 30 h battery. Yours for €129 from 4 April."), "FM-2.5").is_none());
    let both = "*Nordic store*\n- Price: $139 (USD billing)\n\n*Other markets, for reference only, do not use in Nordic copy*\n- US: $139, 21 March";
    assert!(finding(&run(both, "Yours for $139."), "FM-2.5").is_none());
}

/// The task asks for three warehouses; the reader reports one is not on the page it read, and
/// the lead answers with the other two. Twin: the reader reads the next page and finds it.
#[test]
fn an_item_reported_missing_is_left_out_of_the_answer() {
    let task = "What were the March shipments of the three northern warehouses (Lund Road, Brae Park and Corran Quay)? Give one total.";
    let run = |found: bool| {
        let mut b = B::new(task);
        b.turn("lead", &[("user", task)], "Reader: open the March report's warehouse table.");
        b.turn("reader", &[("user", "read the table")], "Page 1 of the table: Lund Road 1,240 and Brae Park 980. Corran Quay does not appear on this page; the table continues on page 2.");
        if found {
            b.turn("reader", &[("user", "next page")], "Page 2: Corran Quay 1,105.");
            b.turn("lead", &[("user", "total")], "FINAL ANSWER: 3,325 (Lund Road 1,240 + Brae Park 980 + Corran Quay 1,105)");
        } else {
            b.turn("lead", &[("user", "total")], "FINAL ANSWER: 2,220 (Lund Road 1,240 + Brae Park 980)");
        }
        b.report()
    };
    let r = run(false);
    let f = finding(&r, "FM-3.1").unwrap_or_else(|| panic!("FM-3.1 expected: {:?}", r.findings));
    assert_eq!(f.rule, "item_reported_missing");
    assert_eq!(f.agent_name.as_deref(), Some("lead"));
    assert!(f.explanation.contains("Corran Quay"), "{}", f.explanation);
    let ok = run(true);
    assert!(finding(&ok, "FM-3.1").is_none(), "{:?}", ok.findings);
}

/// The requester corrects the budget mid-run; a later agent still works from the old figure.
/// Twins: it works from the new one; a message without a correction word changes nothing.
#[test]
fn a_figure_the_conversation_replaced_is_still_used() {
    let task = "Plan a team offsite for 12 people; the budget is EUR 1,800.";
    let run = |message: &str, plan: &str| {
        let mut b = B::new(task);
        b.turn("coordinator", &[("user", task)], "Collecting venue options.");
        b.turn("coordinator", &[("user", message)], "Noted, passing it on.");
        b.turn("planner", &[("user", "plan the offsite")], plan);
        b.report()
    };
    let fix = "Sorry, correction from finance: the budget is EUR 2,400 instead of EUR 1,800.";
    let r = run(fix, "Within the EUR 1,800 budget: venue 1,100, catering 600, transport 100.");
    let f = finding(&r, "FM-1.4").unwrap_or_else(|| panic!("FM-1.4 expected: {:?}", r.findings));
    assert_eq!(f.rule, "superseded_figure_used");
    assert_eq!(f.agent_name.as_deref(), Some("planner"));
    assert!(f.explanation.contains("1800") && f.explanation.contains("2400"), "{}", f.explanation);
    let ok = run(fix, "Within the EUR 2,400 budget: venue 1,500, catering 700, transport 200.");
    assert!(finding(&ok, "FM-1.4").is_none(), "{:?}", ok.findings);
    let plain =
        run("Finance also booked a EUR 2,400 training in May.", "Within the EUR 1,800 budget: venue 1,100, catering 600, transport 100.");
    assert!(finding(&plain, "FM-1.4").is_none(), "{:?}", plain.findings);
}

/// The task gives a named parameter ("a shipping divisor of 139"); the coder's script sets it to
/// the carrier's usual 166. Twins: the script uses 139; a sentence that gives two values for the
/// parameter holds it to neither.
#[test]
fn a_named_parameter_set_to_another_figure_in_code() {
    let run = |task: &str, v: &str| {
        let mut b = B::new(task);
        b.turn(
            "coder",
            &[("user", task)],
            &format!("Billable weight per carton:\n```python\nimport math\nSHIPPING_DIVISOR = {v}\nprint(math.ceil(24 * 18 * 16 / SHIPPING_DIVISOR))\n```"),
        );
        b.report()
    };
    let task = "Our contract uses a shipping divisor of 139 (cubic inches per lb). What is the billable weight of a 24x18x16 in carton?";
    let r = run(task, "166");
    let f = finding(&r, "FM-2.6").unwrap_or_else(|| panic!("FM-2.6 expected: {:?}", r.findings));
    assert_eq!(f.rule, "constant_contradicts_text");
    assert!(f.explanation.contains("139") && f.explanation.contains("166"), "{}", f.explanation);
    assert!(finding(&run(task, "139"), "FM-2.6").is_none());
    let two = "The shipping divisor is 139 for ground and the shipping divisor is 166 for air. What is the air billable weight of a 24x18x16 in carton?";
    assert!(finding(&run(two, "166"), "FM-2.6").is_none());
}
