//! A generated long agent run (thousands of spans, exported in small requests as SDKs do) and a
//! session that hears when ingest analyses a run
//! whole: shared by the incremental tests on one node and on Citus.
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{status, ResourceSpans, ScopeSpans, Span, Status};

use crate::encode;

pub fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }) }
}
pub fn kvi(k: &str, v: i64) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::IntValue(v)) }) }
}

/// A long agent run exported the way SDKs export it (every span when it ends, the root last):
/// `turns` agent turns (model call, tool call — every 7th fails and the next model call
/// recovers —, every 5th turn a sub-agent called as a tool) under a root agent. With `fails`,
/// the last turn's tool call fails and the failure propagates: its turn and the root end in error.
pub fn long_run(trace: [u8; 16], turns: u64, fails: bool) -> Vec<Span> {
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
        out.push(span(
            &llm,
            &a,
            "chat m",
            t + 1,
            t + 100,
            vec![
                kv("gen_ai.operation.name", "chat"),
                kvi("gen_ai.usage.input_tokens", 100 + k as i64),
                kvi("gen_ai.usage.output_tokens", 10),
                kv("gen_ai.output.messages", &format!(r#"[{{"role":"assistant","parts":[{{"type":"text","content":"finding {k}"}}]}}]"#)),
            ],
            false,
        ));
        let tool = id();
        out.push(span(
            &tool,
            &a,
            "execute_tool search",
            t + 101,
            t + 150,
            vec![
                kv("gen_ai.operation.name", "execute_tool"),
                kv("gen_ai.tool.name", "search"),
                kv("gen_ai.tool.call.arguments", &format!(r#"{{"q":"topic {k}"}}"#)),
            ],
            k % 7 == 3 || (fails && k + 1 == turns),
        ));
        t += 151;
        if k % 5 == 4 {
            let (call, sub, sub_llm) = (id(), id(), id());
            out.push(span(
                &sub_llm,
                &sub,
                "chat m",
                t + 3,
                t + 20,
                vec![kv("gen_ai.operation.name", "chat"), kvi("gen_ai.usage.input_tokens", 7)],
                false,
            ));
            out.push(span(
                &sub,
                &call,
                "invoke_agent checker",
                t + 2,
                t + 25,
                vec![kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", "checker")],
                false,
            ));
            out.push(span(
                &call,
                &a,
                "execute_tool checker",
                t + 1,
                t + 26,
                vec![kv("gen_ai.operation.name", "execute_tool"), kv("gen_ai.tool.name", "checker")],
                false,
            ));
            t += 27;
        }
        out.push(span(
            &a,
            &root,
            &format!("invoke_agent {agent}"),
            start,
            t + 5,
            vec![kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", agent)],
            fails && k + 1 == turns,
        ));
        t += 10;
    }
    out.push(span(
        &root,
        &Vec::new(),
        "invoke_agent team",
        t0,
        t + 10,
        vec![kv("gen_ai.operation.name", "invoke_agent"), kv("gen_ai.agent.name", "team")],
        fails,
    ));
    out
}

/// One OTLP request (service `incremental-test`) carrying `spans`.
pub fn long_run_request(spans: &[Span]) -> Vec<u8> {
    encode(&ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![kv("service.name", "incremental-test")], ..Default::default() }),
            scope_spans: vec![ScopeSpans { spans: spans.to_vec(), ..Default::default() }],
            ..Default::default()
        }],
    })
}

/// A session at DEBUG1 and the `run … analysed whole: <why>` notices ingest gives it.
pub fn whole_run_notices(url: &str) -> (postgres::Client, Arc<Mutex<Vec<String>>>) {
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
