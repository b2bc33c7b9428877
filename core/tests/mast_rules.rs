//! Each MAST rule on small synthetic runs (GenAI semantic-convention spans), failure attribution
//! through the span tree, and the 10,000-span timing (printed, never asserted).

use agenttrace_core::mast::{classify_spans, rules, MastConfig, MODES};
use agenttrace_core::model::{Attributes, SpanEvent, SpanRecord};
use serde_json::{json, Value};

struct B {
    spans: Vec<SpanRecord>,
    t: u64,
}

fn rec(id: u64, parent: Option<u64>, name: &str, attrs: Value, start: u64, end: u64) -> SpanRecord {
    let mut a = Attributes::new();
    if let Value::Object(o) = attrs {
        a = o;
    }
    SpanRecord {
        parent_span_id: parent.map(|p| p.to_be_bytes()),
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        scope_name: "test".into(),
        ..SpanRecord::new([7; 16], id.to_be_bytes(), name, a)
    }
}

fn msgs(v: &[(&str, &str)]) -> String {
    Value::Array(v.iter().map(|(r, c)| json!({"role": r, "parts": [{"type": "text", "content": c}]})).collect()).to_string()
}

impl B {
    fn new() -> Self {
        B { spans: vec![rec(1, None, "workflow", json!({"input.value": "Write a short summary of OpenTelemetry."}), 0, 1_000_000)], t: 10 }
    }
    fn tick(&mut self) -> u64 {
        self.t += 10;
        self.t
    }
    fn id(&self) -> u64 {
        self.spans.len() as u64 + 1
    }
    /// An agent turn with one model call; returns the agent span id.
    fn turn(&mut self, agent: &str, input: &[(&str, &str)], output: &str) -> u64 {
        let s = self.tick();
        let aid = self.id();
        self.spans.push(rec(
            aid,
            Some(1),
            &format!("invoke_agent {agent}"),
            json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent}),
            s,
            s + 8,
        ));
        let lid = self.id();
        self.spans.push(rec(
            lid,
            Some(aid),
            "chat m",
            json!({"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.input.messages": msgs(input), "gen_ai.output.messages": msgs(&[("assistant", output)])}),
            s + 1,
            s + 2,
        ));
        aid
    }
    fn tool(&mut self, parent: u64, name: &str, args: &str, result: Option<&str>, err: Option<&str>) -> u64 {
        let s = self.tick();
        let id = self.id();
        let mut a = json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "gen_ai.tool.call.arguments": args});
        if let Some(r) = result {
            a["gen_ai.tool.call.result"] = json!(r);
        }
        let mut sp = rec(id, Some(parent), &format!("execute_tool {name}"), a, s, s + 3);
        if let Some(e) = err {
            sp.status_code = 2;
            sp.status_message = e.into();
        }
        self.spans.push(sp);
        id
    }
    fn modes(&self, cfg: &MastConfig) -> Vec<String> {
        let (_, r) = classify_spans(&self.spans, cfg);
        let mut v: Vec<String> = r.findings.iter().map(|f| f.mode_id.to_string()).collect();
        v.dedup();
        v
    }
}

#[test]
fn mast_registry_covers_the_taxonomy() {
    assert_eq!(MODES.len(), 14);
    let judged: std::collections::BTreeSet<&str> = rules::rules().iter().map(|r| r.1).collect();
    assert_eq!(judged.len(), 14, "every mode has at least one rule: {judged:?}");
}

#[test]
fn mast_revise_loop_until_recursion_limit() {
    let mut b = B::new();
    b.turn("planner", &[("user", "Write a short summary of OpenTelemetry.")], "PLAN: research then write");
    for _ in 0..5 {
        b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "REVISE: the draft lacks detail");
    }
    b.spans[0].status_code = 2;
    b.spans[0].events.push(SpanEvent {
        time_unix_nano: 999,
        name: "exception".into(),
        attributes: json!({"exception.type": "GraphRecursionError", "exception.message": "Recursion limit of 25 reached without hitting a stop condition."})
            .as_object()
            .cloned()
            .unwrap(),
        dropped_attributes_count: 0,
    });
    let (a, r) = classify_spans(&b.spans, &MastConfig::default());
    assert_eq!(a.outcome.status.as_str(), "stopped_early");
    let f13 = r.findings.iter().find(|f| f.mode_id == "FM-1.3").expect("FM-1.3");
    assert_eq!(f13.agent_name.as_deref(), Some("writer"));
    assert!(f13.explanation.contains("5 times") && f13.explanation.contains("REVISE"), "{}", f13.explanation);
    assert!(r.findings.iter().any(|f| f.mode_id == "FM-1.5"));
    let at = r.attribution.unwrap();
    assert_eq!(at.responsible_agent.as_deref(), Some("writer"));
    assert!(!at.candidates.is_empty());
}

/// The LangGraph revise loop of the loud-failure corpus: planner -> researcher -> writer, the
/// writer answers "REVISE" every round until the recursion limit; every agent repeats itself,
/// and the writer's repeated verdict drives the loop.
#[test]
fn mast_revise_loop_blames_the_agent_that_sends_work_back() {
    let mut b = B::new();
    for _ in 0..4 {
        b.turn("planner", &[("user", "Write a short summary of OpenTelemetry.")], "PLAN: research the topic, then write a summary");
        b.turn("researcher", &[("user", "PLAN: research the topic")], "NOTES: OpenTelemetry is a CNCF observability framework.");
        b.turn("writer", &[("user", "NOTES: OpenTelemetry is a CNCF observability framework.")], "REVISE");
    }
    b.spans[0].status_code = 2;
    b.spans[0].events.push(SpanEvent {
        time_unix_nano: 999,
        name: "exception".into(),
        attributes: json!({"exception.type": "GraphRecursionError", "exception.message": "Recursion limit of 12 reached without hitting a stop condition."})
            .as_object()
            .cloned()
            .unwrap(),
        dropped_attributes_count: 0,
    });
    let (a, r) = classify_spans(&b.spans, &MastConfig::default());
    assert_eq!(a.outcome.status.as_str(), "stopped_early");
    assert!(
        r.findings.iter().any(|f| f.mode_id == "FM-1.3" && f.agent_name.as_deref() == Some("writer")),
        "{:?}",
        r.findings.iter().map(|f| (f.mode_id, f.agent_name.clone())).collect::<Vec<_>>()
    );
    let at = r.attribution.unwrap();
    assert_eq!(at.responsible_agent.as_deref(), Some("writer"), "{:?}", at.candidates);
    assert_eq!(r.verdict.responsible_agent.as_deref(), Some("writer"));
    assert_eq!(r.verdict.verdict, "stopped_early");
}

#[test]
fn mast_tool_error_inside_researcher_is_researchers() {
    let mut b = B::new();
    b.turn("planner", &[("user", "Write a short summary of OpenTelemetry.")], "PLAN: look it up");
    let r = b.turn("researcher", &[("user", "PLAN: look it up")], "calling search");
    b.tool(r, "web_search", "{\"q\": \"otel\"}", None, Some("ConnectionError(\"backend down\")"));
    b.spans[r as usize - 1].status_code = 2; // the agent span turns red too
    b.spans[0].status_code = 2; // and the team
    let (_, rep) = classify_spans(&b.spans, &MastConfig::default());
    let at = rep.attribution.unwrap();
    assert_eq!(at.responsible_agent.as_deref(), Some("researcher"));
    assert_eq!(at.decisive_span.unwrap().name, "execute_tool web_search");
    assert!(rep.findings.iter().any(|f| f.mode_id == "FM-3.1"));
}

#[test]
fn mast_repeated_successful_tool_calls_but_not_retries() {
    let mut b = B::new();
    let r = b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry.")], "searching");
    for _ in 0..3 {
        b.tool(r, "lookup", "{\"topic\": \"OpenTelemetry\"}", Some("OpenTelemetry is a CNCF project for traces metrics logs"), None);
    }
    assert!(b.modes(&MastConfig::default()).contains(&"FM-1.3".to_string()));
    let mut b = B::new();
    let r = b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry.")], "searching");
    for _ in 0..3 {
        b.tool(r, "lookup", "{\"topic\": \"OpenTelemetry\"}", None, Some("TimeoutError(\"slow\")"));
    }
    b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "OpenTelemetry is a CNCF observability framework.");
    assert!(!b.modes(&MastConfig::default()).contains(&"FM-1.3".to_string()));
}

#[test]
fn mast_history_loss_and_reset() {
    let task = ("user", "Write a short summary of OpenTelemetry.");
    let mut b = B::new();
    b.turn(
        "writer",
        &[task, ("assistant", "draft one about tracing"), ("user", "add metrics please"), ("assistant", "draft two with metrics")],
        "draft three",
    );
    b.turn("writer", &[task, ("assistant", "draft two with metrics")], "draft four");
    assert_eq!(b.modes(&MastConfig::default()), vec!["FM-1.4"]);
    let mut b = B::new();
    b.turn(
        "writer",
        &[task, ("assistant", "draft one about tracing"), ("user", "add metrics please"), ("assistant", "draft two with metrics")],
        "draft three",
    );
    b.turn("writer", &[task], "OpenTelemetry draft again from scratch");
    assert_eq!(b.modes(&MastConfig::default()), vec!["FM-2.1"]);
}

#[test]
fn mast_conversation_id_switch() {
    let mut b = B::new();
    let a1 = b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "draft one");
    let a2 = b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "draft two");
    b.spans[a1 as usize - 1].attributes.insert("gen_ai.conversation.id".into(), json!("c-1"));
    b.spans[a2 as usize - 1].attributes.insert("gen_ai.conversation.id".into(), json!("c-2"));
    assert!(b.modes(&MastConfig::default()).contains(&"FM-2.1".to_string()));
}

#[test]
fn mast_reasoning_action_mismatch_react() {
    let mut b = B::new();
    let r = b.turn(
        "researcher",
        &[("user", "Write a short summary of OpenTelemetry.")],
        "Thought: look it up\nAction: Lookup Fact\nAction Input: {}",
    );
    b.tool(r, "Delete Records", "{}", Some("done deleting all the records now"), None);
    let (_, rep) = classify_spans(&b.spans, &MastConfig::default());
    let f = rep.findings.iter().find(|f| f.mode_id == "FM-2.6").expect("FM-2.6");
    assert!(f.explanation.contains("Lookup Fact") && f.explanation.contains("Delete Records"), "{}", f.explanation);
}

#[test]
fn mast_derailment_clarification_and_task_constraints() {
    let mut b = B::new();
    b.turn(
        "writer",
        &[("user", "Write a short summary of OpenTelemetry.")],
        "Here is a recipe for banana bread with walnuts and cinnamon.",
    );
    // Word-overlap derailment is off by default (too many clean runs end on a short
    // confirmation); enabled by setting its threshold.
    assert!(!b.modes(&MastConfig::default()).contains(&"FM-2.3".to_string()));
    let on = MastConfig { derailment_min_overlap: 0.2, ..MastConfig::default() };
    assert!(b.modes(&on).contains(&"FM-2.3".to_string()));

    let mut b = B::new();
    b.turn(
        "writer",
        &[("user", "Write a short summary of OpenTelemetry.")],
        "I assume you mean the tracing project. OpenTelemetry is a CNCF project.",
    );
    assert!(b.modes(&MastConfig::default()).contains(&"FM-2.2".to_string()));

    let mut b = B::new();
    b.spans[0].attributes.insert("input.value".into(), json!("Write a 1-sentence summary of OpenTelemetry."));
    b.turn(
        "writer",
        &[("user", "Write a 1-sentence summary of OpenTelemetry.")],
        "OpenTelemetry is a CNCF project. It does traces. It does metrics.",
    );
    assert!(b.modes(&MastConfig::default()).contains(&"FM-1.1".to_string()));
}

#[test]
fn mast_tool_result_ignored_and_withheld() {
    let fact = "OpenTelemetry graduated from the CNCF incubator providing traces metrics logs";
    // The caller's next model call never sees the result.
    let mut b = B::new();
    let r = b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry.")], "looking");
    b.tool(r, "lookup", "{}", Some(fact), None);
    b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry.")], "nothing found, guessing");
    b.turn("writer", &[("user", "nothing found, guessing")], "OpenTelemetry is software.");
    assert!(b.modes(&MastConfig::default()).contains(&"FM-2.5".to_string()));
    // The caller saw it, the writer after it never did.
    let mut b = B::new();
    let r = b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry.")], "looking");
    b.tool(r, "lookup", "{}", Some(fact), None);
    b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry."), ("tool", fact)], "done researching");
    b.turn("writer", &[("user", "done researching")], "OpenTelemetry is software.");
    let m = b.modes(&MastConfig::default());
    assert!(m.contains(&"FM-2.4".to_string()) && !m.contains(&"FM-2.5".to_string()), "{m:?}");
}

#[test]
fn mast_verification_modes() {
    // Error text reaches the final output with nobody checking: FM-3.2.
    let mut b = B::new();
    let r = b.turn("researcher", &[("user", "Write a short summary of OpenTelemetry.")], "looking");
    b.tool(r, "lookup", "{}", None, Some("TimeoutError(\"kb timed out\")"));
    b.turn(
        "researcher",
        &[("user", "Write a short summary of OpenTelemetry."), ("tool", "Error: Function failed.")],
        "Notes: Error: Function failed.",
    );
    b.turn("writer", &[("user", "Notes: Error: Function failed.")], "Summary: Error: Function failed.");
    assert_eq!(b.modes(&MastConfig::default()), vec!["FM-3.2"]);
    // A reviewer approves it instead: FM-3.3.
    b.turn("reviewer", &[("user", "Summary: Error: Function failed.")], "Approved, looks good: Summary: Error: Function failed.");
    let m = b.modes(&MastConfig::default());
    assert!(m.contains(&"FM-3.3".to_string()) && !m.contains(&"FM-3.2".to_string()), "{m:?}");
    // A tripped guardrail ends the run: FM-3.1.
    let mut b = B::new();
    let w = b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "OpenTelemetry secret internal roadmap.");
    let s = b.tick();
    let id = b.id();
    b.spans.push(rec(
        id,
        Some(w),
        "guardrail_check",
        json!({"gen_ai.operation.name": "guardrail_check", "gen_ai.guardrail.name": "no_confidential", "gen_ai.guardrail.triggered": true}),
        s,
        s + 1,
    ));
    assert!(b.modes(&MastConfig::default()).contains(&"FM-3.1".to_string()));
    // With no verifier at all, FM-3.3 is not judgeable and says why.
    let mut b = B::new();
    b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "OpenTelemetry is a CNCF project.");
    let (_, r) = classify_spans(&b.spans, &MastConfig::default());
    let st = r.modes.iter().find(|m| m.mode_id == "FM-3.3").unwrap();
    assert_eq!(st.status, "not_judgeable");
    assert!(st.reason.contains("no verifier"));
    // require_verification_step reports the missing step.
    let cfg = MastConfig { require_verification_step: true, ..Default::default() };
    assert_eq!(b.modes(&cfg), vec!["FM-3.2"]);
    // Disabled modes are skipped.
    let cfg = MastConfig { require_verification_step: true, disabled_modes: vec!["FM-3.2".into()], ..Default::default() };
    let (_, r) = classify_spans(&b.spans, &cfg);
    assert!(r.findings.is_empty());
    assert_eq!(r.modes.iter().find(|m| m.mode_id == "FM-3.2").unwrap().status, "disabled");
}

#[test]
fn mast_handoff_content_lost() {
    let mut b = B::new();
    let a = b.turn(
        "researcher",
        &[("user", "Write a short summary of OpenTelemetry.")],
        "Findings: OpenTelemetry graduated CNCF incubation, supports traces metrics logs",
    );
    let s = b.tick();
    let id = b.id();
    b.spans.push(rec(
        id,
        Some(a),
        "handoff",
        json!({"gen_ai.operation.name": "agent_handoff", "gen_ai.handoff.from_agent": "researcher", "gen_ai.handoff.to_agent": "writer"}),
        s,
        s + 1,
    ));
    b.turn("writer", &[("user", "Write a short summary of OpenTelemetry.")], "OpenTelemetry is software.");
    // The handoff carries no content of its own here; the rule only judges messages with content.
    let (an, _) = classify_spans(&b.spans, &MastConfig::default());
    assert!(an.messages.iter().any(|m| m.from_agent.as_deref() == Some("researcher") && m.to_agent == "writer"));
}

#[test]
fn mast_hostile_input_never_panics() {
    let mut spans = Vec::new();
    for i in 0..50u64 {
        let vals = [
            json!(null),
            json!(""),
            json!("{"),
            json!("[[[["),
            json!("Action:"),
            json!("content='"),
            json!({"messages": [1, "x", {"content": 5}]}),
        ];
        let v = vals[i as usize % vals.len()].clone();
        let op = ["invoke_agent", "chat", "execute_tool"][i as usize % 3];
        let a = json!({"gen_ai.operation.name": op, "gen_ai.agent.name": format!("a{}", i % 4),
            "gen_ai.input.messages": v.clone(), "gen_ai.output.messages": v.clone(), "gen_ai.tool.name": "t", "gen_ai.tool.call.result": v.clone(),
            "input.value": v.clone(), "gen_ai.conversation.id": v, "agent.tools": "[Tool(name='", "gen_ai.guardrail.triggered": "true"});
        spans.push(rec(i + 1, Some((i * 7) % 50 + 1), "x", a, i, i.wrapping_sub(3)));
    }
    let _ = classify_spans(&spans, &MastConfig::default());
    let _ = classify_spans(&[], &MastConfig::default());
}

#[test]
fn mast_ten_thousand_span_run_timing() {
    let spans = agenttrace_core::mast::eval::synthetic_run(10_000);
    let t = std::time::Instant::now();
    let a = agenttrace_core::analyze::analyze_run(&spans);
    let ta = t.elapsed();
    let t = std::time::Instant::now();
    let r = agenttrace_core::mast::classify(&spans, &a, &MastConfig::default());
    let tc = t.elapsed();
    eprintln!(
        "{} spans: analyze_run {ta:?}, MAST classify {tc:?} ({} findings; debug build — see mast_bench for release numbers)",
        spans.len(),
        r.findings.len()
    );
}
