//! Generic causes of false alarms on runs of systems the rules were not written against, each
//! as a small synthetic run (GenAI semantic-convention spans) or input, with a twin where the
//! rule must still fire (or the redaction still happen).
mod common;

use agenttrace_core::mast::{Finding, MastReport};
use agenttrace_core::redact::Redactor;
use common::B;
use serde_json::json;

fn by_rule<'r>(r: &'r MastReport, rule: &str) -> Option<&'r Finding> {
    r.findings.iter().find(|f| f.rule == rule)
}

// ---- Instructions recorded on agent spans and workflow roots ----------------------------

const ROUTER_INSTR: &str =
    "You are intake. Your only job is to route the request: expense questions to expense_specialist. Never answer the question yourself.";
const ROUTER_TASK: &str = "My expense report ER-2291 was rejected twice, why? I need it paid this month.";
const ROUTER_ANSWER: &str = "Expense reports usually get rejected when receipts are missing or the cost centre is wrong. Just resubmit it with all receipts attached and pick cost centre 4410, then mark it urgent and it should be paid within the month.";

/// A router whose instructions are recorded where `on` says (agent span or workflow root),
/// never in its model call's input; it answers itself or routes.
fn router_run(on_root: bool, routes: bool) -> MastReport {
    let mut b = if on_root { B::workflow(ROUTER_TASK, ROUTER_INSTR) } else { B::new(ROUTER_TASK) };
    let agent_instr = (!on_root).then_some(ROUTER_INSTR);
    if routes {
        b.turn_with("intake", agent_instr, &[("user", ROUTER_TASK)], "Routing to expense_specialist.");
    } else {
        b.turn_with("intake", agent_instr, &[("user", ROUTER_TASK)], ROUTER_ANSWER);
    }
    b.report()
}

#[test]
fn instructions_on_the_agent_span_are_read() {
    let r = router_run(false, false);
    let f = by_rule(&r, "role_boundary_crossed").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("intake"));
    assert!(f.explanation.contains("route the request"), "{}", f.explanation);
    let ok = router_run(false, true);
    assert!(by_rule(&ok, "role_boundary_crossed").is_none(), "{:?}", ok.findings);
}

#[test]
fn instructions_on_the_workflow_root_are_read() {
    let r = router_run(true, false);
    let f = by_rule(&r, "role_boundary_crossed").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("intake"));
    let ok = router_run(true, true);
    assert!(by_rule(&ok, "role_boundary_crossed").is_none(), "{:?}", ok.findings);
}

/// A roster agent picks one of two people a lookup returned; its instructions (on its agent
/// span only) either make choosing its job or not.
fn roster_run(agent_instr: &str, candidates: &str) -> MastReport {
    let task = "Please add Alex to the on-call rotation for next week.";
    let mut b = B::new(task);
    let a = b.turn_with("roster_agent", Some(agent_instr), &[("user", task)], "Looking up Alex.");
    b.tool(a, "find_person", r#"{"name": "Alex"}"#, candidates);
    let c = b.turn_with("roster_agent", Some(agent_instr), &[("user", task)], "Adding Alex now.");
    b.tool(c, "add_to_rotation", r#"{"person_id": "u-alex.ruiz", "week": "next"}"#, "added");
    b.report()
}

const TWO_PEOPLE: &str = r#"{"people": [{"id": "u-alex.kim", "name": "Alex Kim", "team": "Payments"}, {"id": "u-alex.ruiz", "name": "Alexandra Ruiz", "team": "Search"}]}"#;

#[test]
fn agent_span_instructions_that_delegate_the_choice_are_honoured() {
    // Choosing among the matches is this agent's job: no clarification was owed.
    let r =
        roster_run("You are roster_agent. When a name matches several people, pick any of them; the rota is swapped later.", TWO_PEOPLE);
    assert!(by_rule(&r, "acted_on_ambiguity").is_none(), "{:?}", r.findings);
    // Twin: instructions that do not delegate the choice; acting on one of two is still found.
    let r = roster_run("You are roster_agent. Add people to the rotation with add_to_rotation.", TWO_PEOPLE);
    let f = by_rule(&r, "acted_on_ambiguity").unwrap_or_else(|| panic!("FM-2.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("roster_agent"));
}

// ---- Identical candidates -----------------------------------------------------------------

#[test]
fn identical_candidates_are_no_ambiguity() {
    let instr = "You are roster_agent. Add people to the rotation with add_to_rotation.";
    // The same person listed twice (the copies differ only in case and spacing): either is right.
    let same = r#"{"people": [{"id": "u-alex.ruiz", "name": "Alexandra Ruiz", "team": "Search"}, {"id": "U-Alex.Ruiz ", "name": "alexandra  ruiz", "team": "search"}]}"#;
    let r = roster_run(instr, same);
    assert!(by_rule(&r, "acted_on_ambiguity").is_none(), "{:?}", r.findings);
    // Twin: a duplicate of one candidate next to a different person is still ambiguous.
    let mixed = r#"{"people": [{"id": "u-alex.kim", "name": "Alex Kim", "team": "Payments"}, {"id": "u-alex.ruiz", "name": "Alexandra Ruiz", "team": "Search"}, {"id": "U-Alex.Ruiz ", "name": "alexandra ruiz", "team": "Search"}]}"#;
    let r = roster_run(instr, mixed);
    assert!(by_rule(&r, "acted_on_ambiguity").is_some(), "{:?}", r.findings);
    let r = roster_run(instr, TWO_PEOPLE);
    assert!(by_rule(&r, "acted_on_ambiguity").is_some(), "{:?}", r.findings);
}

// ---- Arguments compared in full ------------------------------------------------------------

/// A booking agent calls `book_seat` three times with the given arguments (each call succeeds).
fn booking_run(args: [&str; 3]) -> MastReport {
    let task = "Book the team's seats for the offsite trip.";
    let mut b = B::new(task);
    let a = b.turn("travel_agent", &[("system", "You are travel_agent. Book seats with book_seat."), ("user", task)], "Booking.");
    for (k, x) in args.iter().enumerate() {
        b.tool(a, "book_seat", x, &format!("booking BK-{} confirmed", 700 + k));
    }
    b.turn("travel_agent", &[("system", "You are travel_agent."), ("user", task)], "The seats are booked.");
    b.report()
}

#[test]
fn arguments_that_differ_late_are_not_the_same_call() {
    // Different dates (the texts differ only in digits).
    let dates = [
        r#"{"route": "OSL-BGO", "passenger": "Kari Nordmann", "date": "2025-03-01"}"#,
        r#"{"route": "OSL-BGO", "passenger": "Kari Nordmann", "date": "2025-03-02"}"#,
        r#"{"route": "OSL-BGO", "passenger": "Kari Nordmann", "date": "2025-03-03"}"#,
    ];
    let r = booking_run(dates);
    assert!(by_rule(&r, "repeated_tool_calls").is_none(), "{:?}", r.findings);
    // Different passengers after a long common part.
    let notes = "window seat, vegetarian meal, extra legroom if available; ".repeat(12);
    let late: Vec<String> = ["Ann Berg", "Bo Lund", "Cem Aydin"]
        .iter()
        .map(|p| json!({"notes": notes, "route": "OSL-BGO", "passenger": p}).to_string())
        .collect();
    let r = booking_run([&late[0], &late[1], &late[2]]);
    assert!(by_rule(&r, "repeated_tool_calls").is_none(), "{:?}", r.findings);
    // Twin: the same booking three times is repetition, whatever the key order and spacing.
    let same = [
        r#"{"route": "OSL-BGO", "passenger": "Kari Nordmann", "date": "2025-03-01"}"#,
        r#"{"date":"2025-03-01","route":"OSL-BGO","passenger":"Kari Nordmann"}"#,
        r#"{ "passenger": "Kari Nordmann", "date": "2025-03-01", "route": "OSL-BGO" }"#,
    ];
    let r = booking_run(same);
    let f = by_rule(&r, "repeated_tool_calls").unwrap_or_else(|| panic!("FM-1.3 expected: {:?}", r.findings));
    assert!(f.explanation.contains("3 times"), "{}", f.explanation);
    // Twin: long arguments repeated in full.
    let r = booking_run([&late[1], &late[1], &late[1]]);
    assert!(by_rule(&r, "repeated_tool_calls").is_some(), "{:?}", r.findings);
    // Arguments that are not JSON are compared as full text.
    let plain = [
        "book OSL-BGO for Kari Nordmann on 1 March",
        "book OSL-BGO for Kari Nordmann on 2 March",
        "book OSL-BGO for Kari Nordmann on 3 March",
    ];
    assert!(by_rule(&booking_run(plain), "repeated_tool_calls").is_none());
    let plain = ["book OSL-BGO for Kari Nordmann on 1 March"; 3];
    assert!(by_rule(&booking_run(plain), "repeated_tool_calls").is_some());
}

// ---- Verification judged from what the check shows ------------------------------------------

/// A developer fixes a function; a verifier runs a test file and approves on its result.
fn verify_run(test_file: &str, result: &str) -> MastReport {
    let task =
        "Fix parse_price() in pricing/parse.py: '1.234,56' with locale de_DE must give 1234.56. Get the fix verified before merging.";
    let mut b = B::new(task);
    let d = b.turn("developer", &[("system", "You are developer. Fix the issue with apply_patch."), ("user", task)], "Patching.");
    b.tool(
        d,
        "apply_patch",
        r#"{"path": "pricing/parse.py", "diff": "- text.replace(',', '')\n+ text.replace('.', '').replace(',', '.')"}"#,
        "patched pricing/parse.py",
    );
    b.turn("developer", &[("system", "You are developer."), ("user", task)], "Patched pricing/parse.py. Ready for verification.");
    let instr = "You are verifier. Check the developer's fix by running the tests with run_tests, and approve only if they pass. Reply APPROVED or REJECTED.";
    let v = b.turn("verifier", &[("system", instr), ("user", "Patched pricing/parse.py. Ready for verification.")], "Running the tests.");
    b.tool(v, "run_tests", &json!({"path": test_file}).to_string(), result);
    b.turn("verifier", &[("system", instr), ("user", result)], "The tests pass. APPROVED for merge.");
    b.report()
}

#[test]
fn a_test_file_name_alone_proves_nothing_about_what_it_tested() {
    // The output says only how many tests passed: whether they call parse_price is not shown.
    let r = verify_run("tests/test_money.py", "collected 6 items\n6 passed in 0.04s");
    assert!(by_rule(&r, "approved_despite_evidence").is_none(), "{:?}", r.findings);
    let r = verify_run("tests/test_money.py", "tests/test_money.py ...... [100%]\n6 passed in 0.04s");
    assert!(by_rule(&r, "approved_despite_evidence").is_none(), "{:?}", r.findings);
    // Twin: the output lists the tests it ran, and none of them is about parse_price.
    let listed = "tests/test_money.py::test_format_price_en PASSED\ntests/test_money.py::test_format_price_de PASSED\ntests/test_money.py::test_round_half_even PASSED\n3 passed in 0.03s";
    let r = verify_run("tests/test_money.py", listed);
    let f = by_rule(&r, "approved_despite_evidence").unwrap_or_else(|| panic!("FM-3.3 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("verifier"));
    // ... and when they are about it, the approval stands.
    let listed = "tests/test_money.py::test_parse_price_en PASSED\ntests/test_money.py::test_parse_price_de PASSED\n2 passed in 0.03s";
    let r = verify_run("tests/test_money.py", listed);
    assert!(by_rule(&r, "approved_despite_evidence").is_none(), "{:?}", r.findings);
}

// ---- Redaction of passwords in URLs ----------------------------------------------------------

fn redacted(s: &str) -> String {
    let mut r = Redactor::with_defaults();
    let mut x = s.to_string();
    r.redact_str(&mut x);
    x
}

#[test]
fn prose_with_urls_is_not_a_url_password() {
    let prose = [
        "see https://example.com/a:b@c for details",
        "time: 10:30@home",
        "https://example.com?time=10:30@home",
        "https://example.com#notes:todo@later",
        r#"{"url":"https://example.com","contact":"info@example.com"}"#,
        "{'site':'https://shop.example.org','email':'sales@example.org'}",
        "[the docs](https://docs.example.com):ask@team-chat",
        "**https://example.com**:reach us at help@example.com",
        "https://example.com,see:me@there",
        "run it on http://localhost:3000@latest",
        "open https://shop.example.com:8443@home for deals",
        "mailto:jane.doe@example.com or https://example.com/contact",
        "ftp://files.example.com/pub: mirror@ two hosts",
        "https://user:pass@ the rest is prose",
    ];
    for p in prose {
        assert_eq!(redacted(p), p, "prose redacted");
    }
}

#[test]
fn passwords_in_urls_are_still_redacted() {
    let cases = [
        ("postgres://app:s3cr3t@db:5432/x", "[REDACTED:url_password]db:5432/x"),
        ("amqp://guest:guest@rabbit.internal//", "[REDACTED:url_password]rabbit.internal//"),
        ("fetch https://deploy:p%40ss-w0rd@git.example.com/repo.git now", "fetch [REDACTED:url_password]git.example.com/repo.git now"),
        ("redis://:hunter2@cache:6379/0", "[REDACTED:url_password]cache:6379/0"),
        ("mongodb+srv://admin:Tr0ub4dor&3@cluster0.example.net/db", "[REDACTED:url_password]cluster0.example.net/db"),
        (r#"{"dsn":"mysql://root:toor@10.0.0.5:3306/app"}"#, r#"{"dsn":"[REDACTED:url_password]10.0.0.5:3306/app"}"#),
        ("ldap://cn=admin:secret!@[2001:db8::1]:389", "[REDACTED:url_password][2001:db8::1]:389"),
        ("smtp://mailer:9f8e7d6c5b@mail.example.com:587", "[REDACTED:url_password]mail.example.com:587"),
    ];
    for (input, want) in cases {
        assert_eq!(redacted(input), want, "{input}");
    }
}

/// A run whose final output is a crash dump, with no error recorded on any span: the agent that
/// passed the error on is the one whose output holds the crash's line, not the first agent whose
/// page text happened to hold an error word; a crash that ends the run's output fails the run.
/// Twins: the same crash followed by an answer, and a last output without an error.
#[test]
fn the_passer_of_an_error_holds_its_line_not_just_an_error_word() {
    let run = |last: &str| {
        let mut b = B::new("Find the opening hours of the harbour museum.");
        b.turn("lead", &[("user", "Find the opening hours of the harbour museum.")], "Next speaker reader");
        b.turn(
            "reader",
            &[("user", "Read the museum's visitor page.")],
            "The visitor page says: Booking error: please call ahead on public holidays. Hours are listed below.",
        );
        b.turn("lead", &[("user", "Read the museum's visitor page.")], "Next speaker browser");
        b.turn("browser", &[("user", "Open the hours section.")], last);
        b.report()
    };
    let crashed = "I opened the hours section.\nTraceback (most recent call last):\n  File \"client.py\", line 12, in fetch\nopenai.BadRequestError: Error code: 400 - content filtered";
    let r = run(crashed);
    let f = by_rule(&r, "error_reached_final_output_unchecked").expect("the crash dump in the final output is a finding");
    assert_eq!(f.agent_name.as_deref(), Some("browser"), "{f:?}");
    assert!(f.explanation.contains("first passed on by browser"), "{}", f.explanation);
    // Nothing was said after the crash: the run failed, whatever the framework reported.
    assert!(f.semantic && f.quote.as_deref().is_some_and(|q| q.contains("BadRequestError")), "{f:?}");
    assert!(r.verdict.failed, "{:?}", r.verdict);

    // A crash that was logged and then answered after is not the run's end: no content finding.
    let r = run(&format!("{crashed}\nRetried without the page text.\nFINAL ANSWER: open 10:00 to 17:00"));
    assert!(!r.verdict.failed, "{:?}", r.findings);
    assert!(r.findings.iter().all(|f| !f.semantic), "{:?}", r.findings);

    let r = run("I opened the hours section: open 10:00 to 17:00, Tuesday to Sunday.");
    assert!(by_rule(&r, "error_reached_final_output_unchecked").is_none(), "{:?}", r.findings);
}

// ---- Message text --------------------------------------------------------------------------

/// An agent span that records what it was given and what it said (GenAI `invoke_agent` input
/// and output messages); returns its span id.
fn say(b: &mut B, agent: &str, input: &str, output: &str) -> u64 {
    let (id, t) = b.next();
    let attrs = json!({
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent,
        "gen_ai.input.messages": common::msgs(&[("user", input)]),
        "gen_ai.output.messages": common::msgs(&[("assistant", output)]),
    });
    b.spans.push(common::rec(id, Some(1), &format!("invoke_agent {agent}"), attrs, t, t + 8));
    id
}

/// A message derived from turn order carries what the previous agent handed over: after its
/// instruction, a coordinator's line that only names the next speaker is not the message; the
/// instruction is. Twin: without the routing line the last output is the message, as before.
#[test]
fn a_derived_message_carries_the_instruction_not_the_routing_line() {
    let task = "List the opening hours of the harbour museum.";
    let instruction = "Please open the museum's visitor page and read the opening hours for each weekday.";
    let run = |route: bool| {
        let mut b = B::new(task);
        say(&mut b, "lead", task, "Plan: the browser reads the museum's page.");
        say(&mut b, "lead", task, instruction);
        if route {
            say(&mut b, "lead", task, "Next speaker browser");
        }
        say(&mut b, "browser", instruction, "Open Tuesday to Sunday, 10:00 to 17:00.");
        agenttrace_core::analyze::analyze_run(&b.spans)
    };
    for route in [true, false] {
        let a = run(route);
        let m = a.messages.iter().find(|m| m.to_agent == "browser").expect("a message to the browser");
        assert_eq!(m.from_agent.as_deref(), Some("lead"));
        assert_eq!(m.content.as_deref(), Some(instruction), "routing line present: {route}");
    }
}

/// Handoff spans record only the handing over. A worker's reply to the coordinator that handed
/// it the work is still a message (the turn order, as in a run without handoff spans), carrying
/// the worker's output, and the graph has the edge back. Twin: a hand-over to an agent that then
/// answers the user (a triage agent handing over to billing) is the handoff alone: nothing goes
/// back.
#[test]
fn replies_to_handed_over_work_are_messages() {
    let task = "List the opening hours of the harbour museum.";
    let handoff = |b: &mut B, turn: u64, from: &str, to: &str| {
        let at = b.spans.iter().find(|s| s.span_id == turn.to_be_bytes()).map(|s| s.start_time_unix_nano).unwrap();
        let (id, _) = b.next();
        let attrs = json!({"gen_ai.operation.name": "agent_handoff", "gen_ai.handoff.from_agent": from, "gen_ai.handoff.to_agent": to});
        b.spans.push(common::rec(id, Some(turn), "agent_handoff", attrs, at + 3, at + 4));
    };
    let mut b = B::new(task);
    let lead = say(&mut b, "lead", task, "Please open the museum's visitor page and read the opening hours.");
    handoff(&mut b, lead, "lead", "browser");
    say(&mut b, "browser", "Please open the museum's visitor page.", "Open Tuesday to Sunday, 10:00 to 17:00.");
    let lead2 = say(&mut b, "lead", "Open Tuesday to Sunday, 10:00 to 17:00.", "Please check the holiday closures too.");
    handoff(&mut b, lead2, "lead", "browser");
    say(&mut b, "browser", "Please check the holiday closures too.", "Closed on 25 and 26 December.");
    say(&mut b, "lead", "Closed on 25 and 26 December.", "FINAL ANSWER: Tuesday to Sunday 10:00-17:00, closed 25-26 December.");
    let a = agenttrace_core::analyze::analyze_run(&b.spans);
    let pairs: Vec<(Option<&str>, &str)> = a.messages.iter().map(|m| (m.from_agent.as_deref(), m.to_agent.as_str())).collect();
    assert_eq!(
        pairs,
        vec![(None, "lead"), (Some("lead"), "browser"), (Some("browser"), "lead"), (Some("lead"), "browser"), (Some("browser"), "lead")],
        "{:?}",
        a.messages
    );
    let back: Vec<&str> =
        a.messages.iter().filter(|m| m.to_agent == "lead" && m.from_agent.is_some()).filter_map(|m| m.content.as_deref()).collect();
    assert_eq!(back, ["Open Tuesday to Sunday, 10:00 to 17:00.", "Closed on 25 and 26 December."]);

    // Twin: triage hands over to billing, which answers the user.
    let mut b = B::new("Why was I charged twice in March?");
    let triage = say(&mut b, "triage", "Why was I charged twice in March?", "");
    handoff(&mut b, triage, "triage", "billing");
    say(&mut b, "billing", "Why was I charged twice in March?", "The second charge was a pre-authorisation; it is released within 5 days.");
    let a = agenttrace_core::analyze::analyze_run(&b.spans);
    let pairs: Vec<(Option<&str>, &str)> = a.messages.iter().map(|m| (m.from_agent.as_deref(), m.to_agent.as_str())).collect();
    assert_eq!(pairs, vec![(None, "triage"), (Some("triage"), "billing")], "{:?}", a.messages);
}

// ---- Options to choose from are no ambiguity ------------------------------------------------

/// Instructions that give the criterion to choose by ("the cheapest option that ...") delegate
/// the choice among search results. Twin: the same instructions without a criterion, and the
/// candidates named alike, are still an ambiguity.
#[test]
fn a_criterion_to_choose_by_delegates_the_choice() {
    let r = roster_run("You are roster_agent. Add the cheapest option that meets the request to the rotation.", TWO_PEOPLE);
    assert!(by_rule(&r, "acted_on_ambiguity").is_none(), "{:?}", r.findings);
    let r = roster_run("You are roster_agent. Add the person to the rotation.", TWO_PEOPLE);
    assert!(by_rule(&r, "acted_on_ambiguity").is_some(), "{:?}", r.findings);
}

/// The request's word inside each candidate's identifier code or long title describes what was
/// searched for, not which one was meant. Twin: the word in a short name field is a reference.
#[test]
fn a_word_inside_codes_or_titles_is_no_reference() {
    let instr = "You are roster_agent. Add people to the rotation with add_to_rotation.";
    let coded = r#"{"people": [{"id": "u-1042", "badge": "OPS-ALEX-0612-0940", "team": "Payments"}, {"id": "u-alex.ruiz", "badge": "OPS-ALEX-0613-1410", "team": "Search"}]}"#;
    let r = roster_run(instr, coded);
    assert!(by_rule(&r, "acted_on_ambiguity").is_none(), "{:?}", r.findings);
    let titled = r#"{"people": [{"id": "u-1042", "bio": "Alex joined the payments on-call rotation in the spring of last year", "team": "Payments"}, {"id": "u-alex.ruiz", "bio": "Alex moved to the search team after running the on-call rotation", "team": "Search"}]}"#;
    let r = roster_run(instr, titled);
    assert!(by_rule(&r, "acted_on_ambiguity").is_none(), "{:?}", r.findings);
    let r = roster_run(instr, TWO_PEOPLE);
    assert!(by_rule(&r, "acted_on_ambiguity").is_some(), "{:?}", r.findings);
}

// ---- A call's own outcome is not a withheld finding -----------------------------------------

/// A carrier agent checks a shipment, then cancels a leg; `result` is the cancel call's answer.
fn cancel_run(tool: &str, result: &str) -> MastReport {
    let task = "Shipment SH-7731 is late: move it to the backup carrier and report what you did.";
    let mut b = B::new(task);
    let a = b.turn("carrier_agent", &[("user", task)], "Checking SH-7731 and moving it.");
    b.tool(
        a,
        "track_shipment",
        r#"{"shipment_id": "SH-7731"}"#,
        r#"{"shipment_id": "SH-7731", "carrier": "ArcticHaul", "status": "delayed", "eta": "Jun 13 09:30"}"#,
    );
    b.tool(a, tool, r#"{"carrier": "ArcticHaul", "pro_number": "AH-5520193"}"#, result);
    let c = b.turn(
        "carrier_agent",
        &[("user", task)],
        "SH-7731 with ArcticHaul (pro AH-5520193) had an ETA of Jun 13 09:30, past the deadline; moved it to FrostLine, new ETA Jun 12 14:45.",
    );
    let _ = c;
    b.turn(
        "ops_lead",
        &[("user", "SH-7731 moved to FrostLine, new ETA Jun 12 14:45.")],
        "Done: SH-7731 rides with FrostLine, ETA Jun 12 14:45.",
    );
    b.report()
}

#[test]
fn the_outcome_a_call_asked_for_is_no_withheld_finding() {
    let result = r#"{"status": "cancelled", "pro_number": "AH-5520193", "carrier": "ArcticHaul", "transfer_at": "Little Rock, AR", "note": "leg closed at the carrier"}"#;
    let r = cancel_run("cancel_leg", result);
    assert!(by_rule(&r, "blocking_fact_withheld").is_none(), "{:?}", r.findings);
    // Twin: the same word in the answer of a call that did not ask for it (a status check that
    // finds the backup booking cancelled) is a finding withheld.
    let r = cancel_run("check_backup_booking", result);
    assert!(by_rule(&r, "blocking_fact_withheld").is_some(), "{:?}", r.findings);
}
