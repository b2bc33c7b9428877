use super::analyze_run;
use crate::normalize::test_util::{at, exception, span};
use crate::normalize::{MessageKind, OutcomeStatus};
use serde_json::json;

fn agent(name: &str) -> crate::model::SpanRecord {
    span(&format!("invoke_agent {name}"), &[("gen_ai.operation.name", json!("invoke_agent")), ("gen_ai.agent.name", json!(name))])
}
fn tool(name: &str) -> crate::model::SpanRecord {
    span(&format!("execute_tool {name}"), &[("gen_ai.operation.name", json!("execute_tool")), ("gen_ai.tool.name", json!(name))])
}
fn chat() -> crate::model::SpanRecord {
    span(
        "chat m",
        &[("gen_ai.operation.name", json!("chat")), ("gen_ai.usage.input_tokens", json!(10)), ("gen_ai.usage.output_tokens", json!(2))],
    )
}
fn err(mut s: crate::model::SpanRecord, msg: &str) -> crate::model::SpanRecord {
    s.status_code = 2;
    s.status_message = msg.into();
    s
}

#[test]
fn empty_cyclic_and_orphaned_input() {
    assert_eq!(analyze_run(&[]).outcome.status, OutcomeStatus::Success);
    // a -> b -> a cycle, c's parent missing, d is its own parent.
    let spans = vec![
        at(agent("A"), 1, Some(2), 0, 10),
        at(chat(), 2, Some(1), 1, 2),
        at(tool("t"), 3, Some(99), 3, 4),
        at(chat(), 4, Some(4), 5, 6),
    ];
    let a = analyze_run(&spans);
    assert_eq!(a.facts.len(), 4);
    assert_eq!(a.agents.len(), 1);
    assert_eq!(a.agents[0].llm_calls, 1);
}

#[test]
fn recovered_tool_error_is_success_unrecovered_is_failure() {
    let ok = vec![
        at(span("wf", &[]), 1, None, 0, 100),
        at(agent("R"), 2, Some(1), 1, 50),
        at(err(tool("t"), "boom"), 3, Some(2), 2, 3),
        at(chat(), 4, Some(2), 4, 5),
        at(agent("W"), 5, Some(1), 51, 90),
    ];
    assert_eq!(analyze_run(&ok).outcome.status, OutcomeStatus::Success);

    // OpenAI Agents style: agent span ERROR, root OK, nothing after.
    let bad = vec![
        at(span("wf", &[]), 1, None, 0, 100),
        at(agent("T"), 2, Some(1), 1, 10),
        at(err(agent("R"), "Error in agent run"), 3, Some(1), 11, 50),
        at(chat(), 4, Some(3), 12, 13),
        at(err(tool("t"), "TimeoutError('kb down')"), 5, Some(3), 14, 15),
    ];
    let o = analyze_run(&bad).outcome;
    assert_eq!(o.status, OutcomeStatus::Failure);
    assert_eq!(o.failing_agent.as_deref(), Some("R"));
    assert_eq!(o.failing_span.map(|s| s.1[7]), Some(5));
    assert_eq!(o.reason.as_deref(), Some("TimeoutError: kb down"));
}

#[test]
fn limits_stop_early() {
    let mut root = at(span("graph", &[]), 1, None, 0, 100);
    root.status_code = 2;
    root.events.push(exception("GraphRecursionError", "Recursion limit of 25 reached without hitting a stop condition."));
    let spans = vec![root, at(agent("A"), 2, Some(1), 1, 10)];
    let o = analyze_run(&spans).outcome;
    assert_eq!(o.status, OutcomeStatus::StoppedEarly);
    assert!(o.reason.unwrap().contains("Recursion limit"));
}

#[test]
fn handoffs_delegations_and_turns() {
    let mut h = span("agent_handoff", &[("gen_ai.operation.name", json!("agent_handoff")), ("gen_ai.handoff.from_agent", json!("A"))]);
    h = at(h, 3, Some(2), 5, 6);
    let spans = vec![
        at(span("wf", &[]), 1, None, 0, 100),
        at(agent("A"), 2, Some(1), 1, 10),
        h,
        at(agent("B"), 4, Some(1), 11, 50),
        at(agent("C"), 5, Some(4), 12, 20), // called by B
    ];
    let a = analyze_run(&spans);
    let got: Vec<_> = a.messages.iter().map(|m| (m.from_agent.clone(), m.to_agent.clone(), m.kind)).collect();
    assert_eq!(
        got,
        vec![
            (None, "A".to_string(), MessageKind::Message),
            (Some("A".into()), "B".into(), MessageKind::Handoff),
            (Some("B".into()), "C".into(), MessageKind::Delegation),
        ]
    );
    assert_eq!(a.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![0, 1, 2]);
}

#[test]
fn ten_thousand_spans_are_fast() {
    let mut spans = vec![at(span("wf", &[]), 0, None, 0, u64::MAX)];
    for i in 1..10_000u32 {
        let mut s = if i % 3 == 0 {
            agent(&format!("agent{}", i % 7))
        } else if i % 3 == 1 {
            chat()
        } else {
            tool("t")
        };
        s.span_id = (i as u64 + 1).to_be_bytes();
        s.parent_span_id = Some(if i % 3 == 0 { [0; 8] } else { ((i - i % 3) as u64 + 1).to_be_bytes() });
        s.start_time_unix_nano = i as u64 * 10;
        s.end_time_unix_nano = i as u64 * 10 + 5;
        spans.push(s);
    }
    // Deep chain too.
    for i in 0..2_000u64 {
        let mut s = chat();
        s.trace_id = [9; 16];
        s.span_id = (i + 1).to_be_bytes();
        s.parent_span_id = Some((i + 2).to_be_bytes());
        spans.push(s);
    }
    let t = std::time::Instant::now();
    let a = analyze_run(&spans);
    let took = t.elapsed();
    assert_eq!(a.agents.len(), 7);
    eprintln!("analyze_run over {} spans took {took:?}", spans.len());
    assert!(took.as_millis() < 2_000, "took {took:?}");
}

#[test]
fn garbage_attributes_never_panic() {
    let vals = [
        json!(null),
        json!(""),
        json!("{"),
        json!("[[[["),
        json!(-1),
        json!(1e300),
        json!([1, "a", {}]),
        json!({"a": [null]}),
        json!("x".repeat(100_000)),
    ];
    let keys = [
        "gen_ai.operation.name",
        "gen_ai.agent.name",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.usage.input_tokens",
        "openinference.span.kind",
        "input.value",
        "output.value",
        "metadata",
        "llm.input_messages.0.message.content",
        "traceloop.span.kind",
        "traceloop.entity.output",
        "langsmith.span.kind",
        "gen_ai.prompt",
        "message",
        "message_context",
        "sender_agent_type",
        "recipient_agent_type",
        "messaging.operation",
        "executor.id",
        "executor.type",
        "ag2.span.type",
        "crewai.agent.role",
        "gen_ai.handoff.to_agent",
        "error.type",
        "gen_ai.conversation.max_turns",
    ];
    let mut spans = Vec::new();
    let mut id = 1u8;
    for k in keys {
        for v in &vals {
            let mut s = span("autogen process x", &[(k, v.clone()), ("messaging.operation", json!("process"))]);
            s.status_code = (id % 3) as i32;
            s.status_message = "Traceback (most recent call last):\n".into();
            spans.push(at(s, id, Some(id.wrapping_sub(1)), id as u64, 0));
            id = id.wrapping_add(1);
        }
    }
    let _ = analyze_run(&spans);
}
