//! Normalizer results on every capture of the shared corpus match hand-written fixtures
//! (`tests/fixtures/<capture>.json`), written from each run's `run.log`, the corpus README and a
//! human reading of the spans.
use std::collections::BTreeSet;
use std::path::PathBuf;

use agenttrace_core::analyze::{analyze_run, RunAnalysis};
use agenttrace_core::corpus::{captures, Capture};
use agenttrace_core::model::SpanRecord;
use agenttrace_core::otlp::{decode_body, Limits};
use serde_json::Value;

fn load(c: &Capture) -> Vec<SpanRecord> {
    let mut spans = Vec::new();
    for b in &c.bodies {
        let raw = std::fs::read(&b.bin).unwrap();
        let d = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()).unwrap();
        spans.extend(d.spans);
    }
    spans
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn summary(a: &RunAnalysis) -> String {
    let mut s = String::new();
    s += &format!("framework: {:?}\n", a.framework);
    for ag in &a.agents {
        s += &format!(
            "agent {} role={:?} spans={} llm={} tools={} tok={}/{} err={}\n",
            ag.agent_name, ag.role, ag.span_count, ag.llm_calls, ag.tool_calls, ag.input_tokens, ag.output_tokens, ag.errors
        );
    }
    for m in &a.messages {
        s += &format!(
            "msg {} {:?} -> {} {:?} {:?}\n",
            m.seq,
            m.from_agent,
            m.to_agent,
            m.kind,
            m.content.as_deref().map(|c| c.chars().take(60).collect::<String>())
        );
    }
    for t in &a.tool_calls {
        s += &format!(
            "tool {} by {:?} err={} {:?}\n",
            t.tool_name,
            t.agent_name,
            t.is_error,
            t.error_message.as_deref().map(|c| c.chars().take(60).collect::<String>())
        );
    }
    s += &format!("outcome {:?} reason={:?} agent={:?}\n", a.outcome.status, a.outcome.reason, a.outcome.failing_agent);
    s
}

#[test]
#[ignore]
fn dump() {
    for c in captures() {
        let spans = load(&c);
        let a = analyze_run(&spans);
        println!("==== {}\n{}", c.name, summary(&a));
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[test]
fn every_capture_matches_its_fixture() {
    let captures = captures();
    assert!(captures.len() >= 15, "shared OTLP corpus not found (set AGENTTRACE_CORPUS)");
    let mut missing = Vec::new();
    let mut failures = Vec::new();
    // The semantic captures (runs that go wrong only in their content) are scored by
    // tests/semantic_eval.rs.
    let semantic = agenttrace_core::mast::semantic_eval::labels().unwrap_or_default();
    for c in captures.iter().filter(|c| !semantic.contains_key(&c.name)) {
        let path = fixture_dir().join(format!("{}.json", c.name));
        let Ok(text) = std::fs::read_to_string(&path) else {
            missing.push(c.name.clone());
            continue;
        };
        let fx: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let spans = load(c);
        let a = analyze_run(&spans);
        let mut errs = Vec::new();

        if a.framework.as_deref() != fx["framework"].as_str() {
            errs.push(format!("framework {:?} != {:?}", a.framework, fx["framework"]));
        }
        let agents: BTreeSet<String> = a.agents.iter().map(|x| x.agent_name.clone()).collect();
        let want: BTreeSet<String> = strs(&fx["agents"]).into_iter().collect();
        if agents != want {
            errs.push(format!("agents {agents:?} != {want:?}"));
        }
        // Messages: ordered (from, to) pairs; "user" = the run's entry point.
        let got: Vec<String> =
            a.messages.iter().map(|m| format!("{}->{}", m.from_agent.as_deref().unwrap_or("user"), m.to_agent)).collect();
        let want_msgs = strs(&fx["messages"]);
        if got != want_msgs {
            errs.push(format!("messages {got:?} != {want_msgs:?}"));
        }
        if let Some(kinds) = fx.get("message_kinds") {
            let got: Vec<&str> = a.messages.iter().map(|m| m.kind.as_str()).collect();
            if got != strs(kinds) {
                errs.push(format!("message kinds {got:?} != {kinds}"));
            }
        }
        // Tool calls: ordered "agent:tool" (+ "!" when the call failed).
        let got: Vec<String> = a
            .tool_calls
            .iter()
            .map(|t| format!("{}:{}{}", t.agent_name.as_deref().unwrap_or("?"), t.tool_name, if t.is_error { "!" } else { "" }))
            .collect();
        let want_tools = strs(&fx["tool_calls"]);
        if got != want_tools {
            errs.push(format!("tool calls {got:?} != {want_tools:?}"));
        }
        let o = &fx["outcome"];
        if a.outcome.status.as_str() != o["status"].as_str().unwrap_or("") {
            errs.push(format!("outcome {:?} != {}", a.outcome.status, o["status"]));
        }
        if a.outcome.failing_agent.as_deref() != o["failing_agent"].as_str() {
            errs.push(format!("failing agent {:?} != {}", a.outcome.failing_agent, o["failing_agent"]));
        }
        if let Some(r) = o["reason_contains"].as_str() {
            if !a.outcome.reason.as_deref().unwrap_or("").contains(r) {
                errs.push(format!("reason {:?} lacks {r:?}", a.outcome.reason));
            }
        }
        if let Some(name) = o["failing_span_name"].as_str() {
            let span = a.outcome.failing_span.and_then(|(t, s)| spans.iter().find(|x| x.trace_id == t && x.span_id == s));
            if span.map(|s| s.name.as_str()) != Some(name) {
                errs.push(format!("failing span {:?} != {name}", span.map(|s| &s.name)));
            }
        }
        if o["status"] == "success" && (a.outcome.failing_span.is_some() || a.outcome.failing_agent.is_some()) {
            errs.push("success with a failing span/agent".into());
        }
        if a.facts.len() != spans.len() {
            errs.push("facts not parallel to spans".into());
        }
        if !errs.is_empty() {
            failures.push(format!("{}:\n  {}\n--- computed:\n{}", c.name, errs.join("\n  "), summary(&a)));
        }
    }
    assert!(missing.is_empty(), "captures without a fixture in tests/fixtures: {missing:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixtures_name_existing_captures() {
    let names: BTreeSet<String> = captures().into_iter().map(|c| c.name).collect();
    for e in std::fs::read_dir(fixture_dir()).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = n.strip_suffix(".json") {
            assert!(names.contains(stem), "fixture {n} has no capture");
        }
    }
}

#[test]
fn spans_in_any_order_give_the_same_analysis() {
    for c in captures() {
        let mut spans = load(&c);
        let a = analyze_run(&spans);
        spans.reverse();
        let b = analyze_run(&spans);
        assert_eq!(a.agents, b.agents, "{}", c.name);
        assert_eq!(a.outcome.status, b.outcome.status, "{}", c.name);
        let pairs = |r: &RunAnalysis| r.messages.iter().map(|m| (m.from_agent.clone(), m.to_agent.clone(), m.kind)).collect::<Vec<_>>();
        assert_eq!(pairs(&a), pairs(&b), "{}", c.name);
        assert_eq!(a.tool_calls.len(), b.tool_calls.len(), "{}", c.name);
    }
}
