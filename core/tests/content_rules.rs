//! The content rules on small synthetic runs of domains the labelled captures do not have
//! (GenAI semantic-convention spans): each failure shape is found with its agent and quote, and
//! the same run done right gets no finding.
use std::sync::Arc;

use agenttrace_core::mast::{classify_spans, MastConfig, MastReport};
use agenttrace_core::model::{Attributes, Resource, SpanRecord};
use serde_json::{json, Value};

struct B {
    spans: Vec<SpanRecord>,
    t: u64,
}

fn rec(id: u64, parent: Option<u64>, name: &str, attrs: Value, start: u64, end: u64) -> SpanRecord {
    SpanRecord {
        trace_id: [9; 16],
        span_id: id.to_be_bytes(),
        parent_span_id: parent.map(|p| p.to_be_bytes()),
        trace_state: String::new(),
        flags: 0,
        name: name.into(),
        kind: 1,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes: attrs.as_object().cloned().unwrap_or_else(Attributes::new),
        dropped_attributes_count: 0,
        events: Vec::new(),
        dropped_events_count: 0,
        links: Vec::new(),
        dropped_links_count: 0,
        status_code: 0,
        status_message: String::new(),
        resource: Arc::new(Resource::new(Attributes::new(), String::new())),
        scope_name: "test".into(),
        scope_version: String::new(),
    }
}

fn msgs(v: &[(&str, &str)]) -> String {
    Value::Array(v.iter().map(|(r, c)| json!({"role": r, "parts": [{"type": "text", "content": c}]})).collect()).to_string()
}

impl B {
    fn new(task: &str) -> Self {
        B { spans: vec![rec(1, None, "workflow", json!({"input.value": task}), 0, 1_000_000)], t: 10 }
    }
    fn next(&mut self) -> (u64, u64) {
        self.t += 10;
        (self.spans.len() as u64 + 1, self.t)
    }
    /// An agent turn: one model call seeing `input`, answering `output`; returns the agent span.
    fn turn(&mut self, agent: &str, input: &[(&str, &str)], output: &str) -> u64 {
        let (aid, s) = self.next();
        self.spans.push(rec(aid, Some(1), &format!("invoke_agent {agent}"), json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent}), s, s + 8));
        let (lid, _) = self.next();
        self.spans.push(rec(lid, Some(aid), "chat m", json!({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.input.messages": msgs(input), "gen_ai.output.messages": msgs(&[("assistant", output)])}), s + 1, s + 2));
        aid
    }
    fn tool(&mut self, parent: u64, name: &str, args: &str, result: &str) {
        let (id, s) = self.next();
        self.spans.push(rec(id, Some(parent), &format!("execute_tool {name}"), json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "gen_ai.tool.call.arguments": args, "gen_ai.tool.call.result": result}), s, s + 3));
    }
    fn report(&self) -> MastReport {
        classify_spans(&self.spans, &MastConfig::default()).1
    }
}

fn finding<'r>(r: &'r MastReport, mode: &str) -> Option<&'r agenttrace_core::mast::Finding> {
    r.findings.iter().find(|f| f.mode_id == mode)
}

/// A clerk summarises an account lookup without the freeze; the payments agent then pays.
fn account_run(summary: &str) -> B {
    let task = "Pay supplier invoice SUP-88 of EUR 2,400 from account ACC-77 today.";
    let mut b = B::new(task);
    let c = b.turn("ledger_clerk", &[("system", "You are ledger_clerk. Look up the account and brief payments_agent."), ("user", task)], "Looking up ACC-77.");
    b.tool(c, "account_status", r#"{"account": "ACC-77"}"#, "ACC-77 | balance EUR 15,300 | owner Nordic Tools AB | status: frozen by compliance, outgoing payments blocked until review CR-12 closes");
    let c2 = b.turn("ledger_clerk", &[("system", "You are ledger_clerk."), ("user", task)], summary);
    let _ = c2;
    let p = b.turn("payments_agent", &[("system", "You are payments_agent. Pay invoices from the account the clerk cleared."), ("user", summary)], "Paying SUP-88.");
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

    let ok = account_run("ACC-77 (Nordic Tools AB) has EUR 15,300 but is frozen by compliance: outgoing payments are blocked until review CR-12 closes.").report();
    assert!(finding(&ok, "FM-2.4").is_none(), "{:?}", ok.findings);
}

fn refund_run(args: &str) -> MastReport {
    let task = "Customer asks for a refund of EUR 45 on order ORD-19 (damaged lamp).";
    let mut b = B::new(task);
    let a = b.turn("refund_agent", &[("system", "You are refund_agent. Refund orders with issue_refund."), ("user", task)], "Refunding EUR 45 on order ORD-19 now.");
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
    let q = b.turn("qa_gate", &[("system", instr), ("user", "Release 4.2 is built; qa_gate please sign off.")], if check { "Running the smoke suite." } else { "Looks fine to me. Approved for release." });
    if check {
        b.tool(q, "smoke_suite", r#"{"release": "4.2"}"#, "42 passed, 0 failed");
        b.turn("qa_gate", &[("system", instr), ("user", "smoke_suite: 42 passed, 0 failed")], "smoke_suite on 4.2: 42 passed, 0 failed. Approved for release.");
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
    let a = b.turn("climate_analyst", &[("system", "You are climate_analyst. Answer with the station data from station_series."), ("user", task)], "Fetching the series.");
    b.tool(a, "station_series", r#"{"station": "WX-4", "month": "March"}"#, r#"{"station": "WX-4", "month": "March", "rain_mm": 83.4, "mean_mm": 61.0, "rank": 7}"#);
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
