//! Incremental ingest (issue #15): a long agent run exported the way SDKs export it (every span
//! when it ends, in small requests, the run's root last) is extended request by request — no
//! request after the first re-analyses the run whole (ingest says so at DEBUG1) — and what it
//! stores is exactly what `agenttrace.renormalize()` derives from the spans afterwards.
use std::sync::{Arc, Mutex};

use agenttrace_tests::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{status, ResourceSpans, ScopeSpans, Span, Status};

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }) }
}
fn kvi(k: &str, v: i64) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::IntValue(v)) }) }
}

/// `turns` agent turns (model call, tool call — every 7th fails and the next model call
/// recovers —, every 5th turn a sub-agent called as a tool) under a root agent, in end order.
fn run(trace: [u8; 16], turns: u64) -> Vec<Span> {
    run_ending(trace, turns, false)
}

/// [`run`]; with `fails`, the last turn's tool call fails and the failure propagates: its turn
/// and the run's root end in error.
fn run_ending(trace: [u8; 16], turns: u64, fails: bool) -> Vec<Span> {
    let agents = ["planner", "researcher", "writer"];
    let mut out = Vec::new();
    let mut next = 0u64;
    let mut id = || {
        next += 1;
        next.to_be_bytes().to_vec()
    };
    let root = id();
    let t0 = 1_790_000_000_000_000_000u64;
    let mut t = t0 + 1_000;
    let span = |id: &Vec<u8>, parent: &Vec<u8>, name: &str, start: u64, end: u64, attrs: Vec<KeyValue>, error: bool| Span {
        trace_id: trace.to_vec(),
        span_id: id.clone(),
        parent_span_id: parent.clone(),
        name: name.into(),
        kind: 1,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes: attrs,
        status: Some(if error {
            Status { code: status::StatusCode::Error as i32, message: "TimeoutError: tool timed out".into() }
        } else {
            Status::default()
        }),
        ..Default::default()
    };
    for k in 0..turns {
        let agent = agents[(k % 3) as usize];
        let a = id();
        let start = t;
        let llm = id();
        out.push(span(&llm, &a, "chat m", t + 1, t + 100, vec![kv("gen_ai.operation.name", "chat"), kvi("gen_ai.usage.input_tokens", 100 + k as i64), kvi("gen_ai.usage.output_tokens", 10),
            kv("gen_ai.output.messages", &format!(r#"[{{"role":"assistant","parts":[{{"type":"text","content":"finding {k}"}}]}}]"#))], false));
        let tool = id();
        out.push(span(&tool, &a, "execute_tool search", t + 101, t + 150, vec![kv("gen_ai.operation.name", "execute_tool"), kv("gen_ai.tool.name", "search"),
            kv("gen_ai.tool.call.arguments", &format!(r#"{{"q":"topic {k}"}}"#))], k % 7 == 3 || (fails && k + 1 == turns)));
        t += 151;
        if k % 5 == 4 {
            let (call, sub, sub_llm) = (id(), id(), id());
            out.push(span(&sub_llm, &sub, "chat m", t + 3, t + 20, vec![kv("gen_ai.operation.name", "chat"), kvi("gen_ai.usage.input_tokens", 7)], false));
            out.push(span(&sub, &call, "invoke_agent checker", t + 2, t + 25, vec![kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", "checker")], false));
            out.push(span(&call, &a, "execute_tool checker", t + 1, t + 26, vec![kv("gen_ai.operation.name", "execute_tool"), kv("gen_ai.tool.name", "checker")], false));
            t += 27;
        }
        out.push(span(&a, &root, &format!("invoke_agent {agent}"), start, t + 5, vec![kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", agent)], fails && k + 1 == turns));
        t += 10;
    }
    out.push(span(&root, &Vec::new(), "invoke_agent team", t0, t + 10, vec![kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", "team")], fails));
    out
}

fn request(spans: &[Span]) -> Vec<u8> {
    encode(&ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![kv("service.name", "incremental-test")], ..Default::default() }),
            scope_spans: vec![ScopeSpans { spans: spans.to_vec(), ..Default::default() }],
            ..Default::default()
        }],
    })
}

const DERIVED: &[&str] = &["spans", "traces", "run_summaries", "agents", "agent_messages", "tool_calls", "checkpoints", "run_search", "run_state"];

fn derived(db: &mut postgres::Client) -> Vec<(String, i64, String)> {
    let tables: Vec<(String, Vec<String>)> = tables_and_columns(db)
        .into_iter()
        .filter(|(t, _)| DERIVED.contains(&t.as_str()))
        .map(|(t, cols)| (t, cols.into_iter().filter(|c| !matches!(c.as_str(), "ingested_at" | "updated_at" | "first_seen")).collect()))
        .collect();
    data_fingerprint(db, &tables)
}

#[test]
fn long_run_in_export_order_is_extended_and_equals_renormalize() {
    check(run([0x15; 16], 120), "export order", ("success", None));
}

/// A run that fails at its end, the failure propagating from a tool call through its turn to the
/// root (each exported before its parent): the error forest decides the outcome from the state,
/// and names the tool call's agent, as whole-run analysis does.
#[test]
fn long_failing_run_in_export_order_is_extended_and_equals_renormalize() {
    // The last turn (k = 99) is the planner's: agents[99 % 3].
    check(run_ending([0x17; 16], 100, true), "failing run", ("failure", Some("planner")));
}

/// Parents before children (the root first): every turn arrives before the stored ones in time
/// and every span finds its parent stored; messages are rebuilt from the turns, still no request
/// analyses the run whole.
#[test]
fn long_run_in_reverse_order_is_extended_and_equals_renormalize() {
    let mut spans = run([0x16; 16], 60);
    spans.reverse();
    check(spans, "reverse order", ("success", None));
}

/// A session at DEBUG1 and the `run … analysed whole: <why>` notices ingest gives it.
fn whole_run_notices(url: &str) -> (postgres::Client, Arc<Mutex<Vec<String>>>) {
    let whole = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = whole.clone();
    let mut db = url
        .parse::<postgres::Config>()
        .unwrap()
        .notice_callback(move |n| {
            if n.message().contains("analysed whole") {
                seen.lock().unwrap().push(n.message().to_string());
            }
        })
        .connect(postgres::NoTls)
        .unwrap();
    db.batch_execute("SET client_min_messages = debug1").unwrap();
    (db, whole)
}

fn check(spans: Vec<Span>, what: &str, outcome: (&str, Option<&str>)) {
    let (name, url, _) = scratch_db("incremental", timescaledb_tested(), None);
    let (mut db, whole) = whole_run_notices(&url);
    for chunk in spans.chunks(16) {
        let r = ingest(&mut db, &request(chunk), "application/x-protobuf", None);
        assert_eq!(r.error, None);
    }
    // Re-delivered requests change nothing and are not analysed whole either.
    for chunk in spans.chunks(16).step_by(9) {
        assert_eq!(ingest(&mut db, &request(chunk), "application/x-protobuf", None).error, None);
    }
    db.batch_execute("SET client_min_messages = warning").unwrap();
    // Until the run has more than agenttrace.state_min_spans (64) spans it keeps no state and its
    // requests read it back whole: the 2nd to 5th of these 16-span requests; none after.
    let whole = whole.lock().unwrap().clone();
    assert!(whole.iter().all(|m| m.contains("no state")), "{what}: requests re-analysed the run whole: {whole:?}");
    assert!(whole.len() <= 4, "{what}: {} requests analysed whole for lack of a state: {whole:?}", whole.len());
    let row = db
        .query_one(
            "SELECT s.span_count, s.agent_count, s.status, s.failing_agent, (SELECT count(*) FROM agenttrace.agent_messages m WHERE m.run_id = s.run_id),
                    (SELECT count(*) FROM agenttrace.run_state r WHERE r.run_id = s.run_id)
               FROM agenttrace.run_summaries s",
            &[],
        )
        .unwrap();
    let (n, agents, status, failing): (i32, i32, String, Option<String>) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(n as usize, spans.len());
    assert_eq!(agents, 5, "planner, researcher, writer, checker, team");
    // Without a failing end, the last tool error (turn 115) was followed by model calls: recovered.
    assert_eq!((status.as_str(), failing.as_deref()), outcome, "{what}");
    assert!(row.get::<_, i64>(4) as usize > spans.len() / 4, "delegations from team and checker calls");
    assert_eq!(row.get::<_, i64>(5), 1);
    let incremental = derived(&mut db);
    db.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
    let renormalized = derived(&mut db);
    for (a, b) in incremental.iter().zip(&renormalized) {
        assert_eq!(a, b, "{what}: {} differs from renormalize()", a.0);
    }
    drop(db);
    drop_db(&name);
}

/// Every capture of the corpus exported span by span in end order, three spans per request (so
/// the incremental path meets late parents, handoffs, checkpoints, tool nodes and errors of real
/// frameworks through its SQL), stores what `renormalize()` derives.
#[test]
fn corpus_in_export_order_equals_renormalize() {
    let (name, url, _) = scratch_db("incremental_corpus", timescaledb_tested(), None);
    let mut db = connect_to(&url);
    // Every run keeps a state from its first request, however short: the incremental path meets
    // every capture (by default runs of up to 64 spans are read back whole instead).
    db.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
    let mut spans: Vec<(ResourceSpans, ScopeSpans, Span)> = Vec::new();
    for c in all_captures() {
        for b in &c.bodies {
            let req = request_of(b);
            for rs in &req.resource_spans {
                for ss in &rs.scope_spans {
                    for s in &ss.spans {
                        let shell = ResourceSpans { scope_spans: Vec::new(), ..rs.clone() };
                        spans.push((shell, ScopeSpans { spans: Vec::new(), ..ss.clone() }, s.clone()));
                    }
                }
            }
        }
    }
    spans.sort_by_key(|(_, _, s)| (s.end_time_unix_nano, s.start_time_unix_nano));
    for chunk in spans.chunks(3) {
        let req = ExportTraceServiceRequest {
            resource_spans: chunk
                .iter()
                .map(|(rs, ss, s)| ResourceSpans { scope_spans: vec![ScopeSpans { spans: vec![s.clone()], ..ss.clone() }], ..rs.clone() })
                .collect(),
        };
        assert_eq!(ingest(&mut db, &encode(&req), "application/x-protobuf", None).error, None);
    }
    let extended: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert!(extended > 50, "runs with a state: {extended}");
    let incremental = derived(&mut db);
    db.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
    let renormalized = derived(&mut db);
    for (a, b) in incremental.iter().zip(&renormalized) {
        assert_eq!(a, b, "corpus in export order: {} differs from renormalize()", a.0);
    }
    drop(db);
    drop_db(&name);
}

/// A short run (at most agenttrace.state_min_spans spans) keeps no state: its next request reads
/// it back whole (and says so at DEBUG1), and what it stores is what renormalize() derives.
#[test]
fn short_run_keeps_no_state_and_equals_renormalize() {
    let (name, url, _) = scratch_db("incremental_short", timescaledb_tested(), None);
    let (mut db, whole) = whole_run_notices(&url);
    let spans = run([0x17; 16], 6);
    assert!(spans.len() <= 64, "{} spans", spans.len());
    for chunk in spans.chunks(8) {
        assert_eq!(ingest(&mut db, &request(chunk), "application/x-protobuf", None).error, None);
    }
    db.batch_execute("SET client_min_messages = warning").unwrap();
    let whole = whole.lock().unwrap().clone();
    assert_eq!(whole.len(), spans.len().div_ceil(8) - 1, "{whole:?}");
    assert!(whole.iter().all(|m| m.contains("no state")), "{whole:?}");
    let states: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert_eq!(states, 0);
    let stored = derived(&mut db);
    db.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
    assert_eq!(stored, derived(&mut db));
    // With a lower threshold the same run keeps a state.
    db.batch_execute("SET agenttrace.state_min_spans = 0").unwrap();
    db.query_one("SELECT agenttrace.renormalize()", &[]).unwrap();
    let states: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert_eq!(states, 1);
    drop(db);
    drop_db(&name);
}
