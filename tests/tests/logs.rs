//! agenttrace.ingest_logs and GenAI content events joined to their spans, against the
//! real extension in a real PostgreSQL.
use agenttrace_tests::*;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::{json, Value};

fn s(v: &str) -> AnyValue {
    AnyValue { value: Some(any_value::Value::StringValue(v.into())) }
}
fn i(v: i64) -> AnyValue {
    AnyValue { value: Some(any_value::Value::IntValue(v)) }
}
fn kv(k: &str, v: AnyValue) -> KeyValue {
    KeyValue { key: k.into(), value: Some(v) }
}
/// JSON -> AnyValue (structured, as the Python SDK sends lists of dicts).
fn any(v: &Value) -> AnyValue {
    let value = match v {
        Value::Null => None,
        Value::Bool(b) => Some(any_value::Value::BoolValue(*b)),
        Value::Number(n) => {
            Some(n.as_i64().map(any_value::Value::IntValue).unwrap_or_else(|| any_value::Value::DoubleValue(n.as_f64().unwrap())))
        }
        Value::String(t) => Some(any_value::Value::StringValue(t.clone())),
        Value::Array(a) => Some(any_value::Value::ArrayValue(ArrayValue { values: a.iter().map(any).collect() })),
        Value::Object(o) => Some(any_value::Value::KvlistValue(KeyValueList { values: o.iter().map(|(k, v)| kv(k, any(v))).collect() })),
    };
    AnyValue { value }
}

fn ingest_logs(db: &mut postgres::Client, body: &[u8], content_type: &str, content_encoding: Option<&str>) -> IngestResult {
    let row = db
        .query_one("SELECT * FROM agenttrace.ingest_logs($1, $2, $3)", &[&body, &content_type, &content_encoding])
        .expect("agenttrace.ingest_logs");
    IngestResult { accepted: row.get(0), rejected: row.get(1), error: row.get(2) }
}

fn resource(salt: [u8; 8]) -> Option<Resource> {
    Some(Resource {
        attributes: vec![kv("service.name", s("logs-e2e")), kv("test.salt", s(&agenttrace_core::ids::to_hex(&salt)))],
        ..Default::default()
    })
}

fn trace_id(salt: [u8; 8]) -> Vec<u8> {
    let mut t = salt.to_vec();
    t.extend_from_slice(&[0x17; 8]);
    t
}

const T0: u64 = 1_760_000_000_000_000_000;
const AGENT: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 1];
const CHAT: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 2];
const TOOL: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 3];
const CHAT2: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 4];

fn input_messages() -> Value {
    json!([{"role": "user", "parts": [{"type": "text", "content": "What is the weather in Paris?"}]}])
}
fn output_messages() -> Value {
    json!([{"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}],
            "finish_reason": "tool_calls"}])
}
fn input_messages2() -> Value {
    json!([{"role": "user", "parts": [{"type": "text", "content": "What is the weather in Paris?"}]},
           {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rain, 12C"}]}])
}
fn output_messages2() -> Value {
    json!([{"role": "assistant", "parts": [{"type": "text", "content": "It rains in Paris, 12C."}], "finish_reason": "stop"}])
}
fn system_instructions() -> Value {
    json!([{"type": "text", "content": "You are a weather agent. Answer briefly."}])
}

/// A small agent run: invoke_agent -> chat (asks for a tool) -> execute_tool -> chat (answers).
/// `content`: message content in the chat spans' attributes (SPAN_ONLY) or not (EVENT_ONLY).
fn spans(salt: [u8; 8], content: bool) -> ExportTraceServiceRequest {
    let tid = trace_id(salt);
    let span = |id: [u8; 8], parent: Option<[u8; 8]>, name: &str, start: u64, end: u64, attrs: Vec<KeyValue>| Span {
        trace_id: tid.clone(),
        span_id: id.to_vec(),
        parent_span_id: parent.map(|p| p.to_vec()).unwrap_or_default(),
        name: name.into(),
        kind: 3,
        start_time_unix_nano: T0 + start,
        end_time_unix_nano: T0 + end,
        attributes: attrs,
        ..Default::default()
    };
    let chat = |id, start, end, input: Value, output: Value, tokens: (i64, i64)| {
        let mut a = vec![
            kv("gen_ai.operation.name", s("chat")),
            kv("gen_ai.provider.name", s("openai")),
            kv("gen_ai.request.model", s("gpt-4o-mini")),
            kv("gen_ai.response.model", s("gpt-4o-mini-2024-07-18")),
            kv("gen_ai.usage.input_tokens", i(tokens.0)),
            kv("gen_ai.usage.output_tokens", i(tokens.1)),
        ];
        if content {
            a.push(kv("gen_ai.input.messages", s(&input.to_string())));
            a.push(kv("gen_ai.output.messages", s(&output.to_string())));
            a.push(kv("gen_ai.system_instructions", s(&system_instructions().to_string())));
        }
        span(id, Some(AGENT), "chat gpt-4o-mini", start, end, a)
    };
    let all = vec![
        span(
            AGENT,
            None,
            "invoke_agent weather",
            0,
            10_000_000,
            vec![kv("gen_ai.operation.name", s("invoke_agent")), kv("gen_ai.agent.name", s("weather"))],
        ),
        chat(CHAT, 1_000_000, 3_000_000, input_messages(), output_messages(), (40, 12)),
        span(
            TOOL,
            Some(AGENT),
            "execute_tool get_weather",
            3_500_000,
            4_000_000,
            vec![
                kv("gen_ai.operation.name", s("execute_tool")),
                kv("gen_ai.tool.name", s("get_weather")),
                kv("gen_ai.tool.call.id", s("call_1")),
            ],
        ),
        chat(CHAT2, 5_000_000, 9_000_000, input_messages2(), output_messages2(), (60, 9)),
    ];
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(salt),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope { name: "opentelemetry.instrumentation.openai_v2".into(), ..Default::default() }),
                spans: all,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// `gen_ai.client.inference.operation.details` events of the two chat calls (EVENT_ONLY), plus an
/// application log inside the agent span and one without trace context.
fn events(salt: [u8; 8]) -> ExportLogsServiceRequest {
    let tid = trace_id(salt);
    let details = |span: [u8; 8], t: u64, input: Value, output: Value| LogRecord {
        time_unix_nano: T0 + t,
        observed_time_unix_nano: T0 + t,
        severity_number: 9,
        event_name: "gen_ai.client.inference.operation.details".into(),
        attributes: vec![
            kv("gen_ai.operation.name", s("chat")),
            kv("gen_ai.request.model", s("gpt-4o-mini")),
            kv("gen_ai.input.messages", any(&input)),
            kv("gen_ai.output.messages", any(&output)),
            kv("gen_ai.system_instructions", any(&system_instructions())),
        ],
        trace_id: tid.clone(),
        span_id: span.to_vec(),
        ..Default::default()
    };
    let records = vec![
        details(CHAT, 3_000_000, input_messages(), output_messages()),
        details(CHAT2, 9_000_000, input_messages2(), output_messages2()),
        LogRecord {
            time_unix_nano: T0 + 2_000_000,
            severity_number: 13,
            severity_text: "WARN".into(),
            body: Some(s("retrying weather lookup, token sk-abcdefghijklmnopqrstuvwx")),
            attributes: vec![kv("code.function", s("lookup"))],
            trace_id: tid.clone(),
            span_id: AGENT.to_vec(),
            ..Default::default()
        },
        LogRecord { time_unix_nano: T0, severity_number: 9, body: Some(s("process started")), ..Default::default() },
    ];
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(salt),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope { name: "opentelemetry.instrumentation.openai_v2".into(), ..Default::default() }),
                log_records: records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

fn uuid_of(salt: [u8; 8]) -> String {
    agenttrace_core::ids::to_hex(&trace_id(salt))
}

/// Every derived row of the run of `salt`'s trace, without ids (they differ between salts).
fn derived(db: &mut postgres::Client, salt: [u8; 8]) -> Vec<String> {
    let t = uuid_of(salt);
    let run: String =
        db.query_one("SELECT run_id::text FROM agenttrace.traces WHERE trace_id = $1::text::uuid", &[&t]).expect("trace stored").get(0);
    let q = |db: &mut postgres::Client, sql: &str| -> Vec<String> {
        db.query(&format!("SELECT x::text FROM ({sql}) x"), &[&run])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let mut out = Vec::new();
    out.extend(q(db, "SELECT name, category, agent_name, model, provider, input_tokens, output_tokens, tool_name, tool_call_id, is_error, input_text, output_text
                      FROM agenttrace.spans WHERE run_id = $1::text::uuid ORDER BY start_time"));
    out.extend(q(
        db,
        "SELECT seq, from_agent, to_agent, kind, content FROM agenttrace.agent_messages WHERE run_id = $1::text::uuid ORDER BY seq",
    ));
    out.extend(q(db, "SELECT agent_name, tool_name, call_id, arguments, result, is_error FROM agenttrace.tool_calls WHERE run_id = $1::text::uuid ORDER BY start_time"));
    out.extend(q(db, "SELECT agent_name, role, framework, span_count, llm_calls, tool_calls, input_tokens, output_tokens, errors FROM agenttrace.agents WHERE run_id = $1::text::uuid ORDER BY agent_name"));
    out.extend(q(db, "SELECT framework, status, status_reason, failing_agent, span_count, agent_count, llm_calls, tool_calls, input_tokens, output_tokens FROM agenttrace.run_summaries WHERE run_id = $1::text::uuid"));
    out.extend(q(db, "SELECT document FROM agenttrace.run_search WHERE run_id = $1::text::uuid"));
    out.extend(q(db, "SELECT kind, agent_name, step FROM agenttrace.checkpoints WHERE run_id = $1::text::uuid ORDER BY checkpoint_id"));
    out.extend(q(db, "SELECT mode_id, agent_name, severity FROM agenttrace.classify($1::text::uuid) ORDER BY 1, 2"));
    out
}

#[test]
fn genai_events_give_the_same_run_as_span_attributes_in_either_order() {
    for url in [database_url(), plain_database_url()] {
        let mut db = connect_to(&url);
        // SPAN_ONLY: content in the chat spans' attributes.
        let a = fresh_salt();
        assert_eq!(ingest(&mut db, &spans(a, true).encode_to_vec(), "application/x-protobuf", None).error, None);
        let expected = derived(&mut db, a);
        assert!(expected.iter().any(|r| r.contains("It rains in Paris")), "content derived from span attributes: {expected:#?}");

        // EVENT_ONLY, span first, then its events.
        let b = fresh_salt();
        assert_eq!(ingest(&mut db, &spans(b, false).encode_to_vec(), "application/x-protobuf", None).error, None);
        let before = derived(&mut db, b);
        assert_ne!(before, expected, "without its events the run has no content");
        let r = ingest_logs(&mut db, &events(b).encode_to_vec(), "application/x-protobuf", None);
        assert_eq!(r, IngestResult { accepted: 4, rejected: 0, error: None });
        assert_eq!(derived(&mut db, b), expected, "span first, events later ({url})");
        // The records read next to the span tree: two content events on the chat spans, the
        // application log on the agent span.
        let tb = uuid_of(b);
        let joined: Vec<(String, Option<String>)> = db
            .query(
                "SELECT s.name, l.event_name FROM agenttrace.span_logs($1::text::uuid) l
                   JOIN agenttrace.span_tree($1::text::uuid) s USING (trace_id, span_id) ORDER BY l.time",
                &[&tb],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert_eq!(
            joined,
            vec![
                ("invoke_agent weather".to_string(), None),
                ("chat gpt-4o-mini".to_string(), Some("gen_ai.client.inference.operation.details".to_string())),
                ("chat gpt-4o-mini".to_string(), Some("gen_ai.client.inference.operation.details".to_string())),
            ]
        );

        // EVENT_ONLY, events first (OTLP/JSON this time is not needed: same decoder), then the span.
        let c = fresh_salt();
        assert_eq!(ingest_logs(&mut db, &events(c).encode_to_vec(), "application/x-protobuf", None).accepted, 4);
        assert_eq!(ingest(&mut db, &spans(c, false).encode_to_vec(), "application/x-protobuf", None).error, None);
        assert_eq!(derived(&mut db, c), expected, "events first, span later ({url})");

        // The span keeps the attributes it was sent with; renormalize() gives the same rows.
        let t = uuid_of(c);
        let has: bool = db
            .query_one("SELECT bool_or(attributes ? 'gen_ai.input.messages') FROM agenttrace.spans WHERE trace_id = $1::text::uuid", &[&t])
            .unwrap()
            .get(0);
        assert!(!has, "event content is not copied into stored span attributes");
        let run: String = db.query_one("SELECT run_id::text FROM agenttrace.traces WHERE trace_id = $1::text::uuid", &[&t]).unwrap().get(0);
        db.execute("SELECT agenttrace.renormalize($1::text::uuid)", &[&run]).unwrap();
        assert_eq!(derived(&mut db, c), expected, "renormalize ({url})");
    }
}

#[test]
fn log_records_are_stored_once_redacted_and_searchable() {
    let mut db = connect();
    let salt = fresh_salt();
    let req = events(salt);
    let body = req.encode_to_vec();
    assert_eq!(ingest_logs(&mut db, &body, "application/x-protobuf", None).accepted, 4);
    let t = uuid_of(salt);
    let salt_hex = agenttrace_core::ids::to_hex(&salt);
    let n = |db: &mut postgres::Client| -> i64 {
        db.query_one(
            "SELECT count(*) FROM agenttrace.log_records l JOIN agenttrace.resources r USING (resource_hash)
              WHERE r.attributes->>'test.salt' = $1",
            &[&salt_hex],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(n(&mut db), 4);
    // Re-delivery (same bytes, gzip, or the same records as OTLP/JSON) stores nothing new.
    assert_eq!(ingest_logs(&mut db, &body, "application/x-protobuf", None).accepted, 4);
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&body).unwrap();
        e.finish().unwrap()
    };
    assert_eq!(ingest_logs(&mut db, &gz, "application/x-protobuf", Some("gzip")).error, None);
    let json = logs_json(&req);
    assert_eq!(ingest_logs(&mut db, json.as_bytes(), "application/json", None), IngestResult { accepted: 4, rejected: 0, error: None });
    assert_eq!(n(&mut db), 4, "re-delivery is a no-op");

    // Columns: context, severity, event name, body, redaction.
    let rows = db
        .query(
            "SELECT trace_id::text, agenttrace.span_id_hex(span_id), severity_number, severity_text, event_name, body::text, genai IS NOT NULL, service_name
               FROM agenttrace.log_records l WHERE l.resource_hash IN (SELECT resource_hash FROM agenttrace.resources WHERE attributes->>'test.salt' = $1)
              ORDER BY time, record_index",
            &[&salt_hex],
        )
        .unwrap();
    let no_context: Vec<_> = rows.iter().filter(|r| r.get::<_, Option<String>>(0).is_none()).collect();
    assert_eq!(no_context.len(), 1, "a record without trace context is kept");
    assert_eq!(no_context[0].get::<_, String>(7), "logs-e2e");
    let warn = rows.iter().find(|r| r.get::<_, Option<String>>(3).as_deref() == Some("WARN")).unwrap();
    assert_eq!(warn.get::<_, Option<String>>(1).as_deref(), Some("0000000000000001"));
    let body: String = warn.get(5);
    assert!(body.contains("[REDACTED:openai_key]") && !body.contains("sk-abcdef"), "{body}");
    assert_eq!(rows.iter().filter(|r| r.get::<_, bool>(6)).count(), 2, "two GenAI content events");
    assert!(rows.iter().any(|r| r.get::<_, Option<String>>(4).as_deref() == Some("gen_ai.client.inference.operation.details")));
    assert!(rows.iter().all(|r| r.get::<_, Option<String>>(0).is_none_or(|id| id.replace('-', "") == t)));

    // A record with a malformed trace id is rejected alone (partial success).
    let mut bad = events(fresh_salt());
    bad.resource_logs[0].scope_logs[0].log_records[3].trace_id = vec![1, 2, 3];
    let r = ingest_logs(&mut db, &bad.encode_to_vec(), "application/x-protobuf", None);
    assert_eq!((r.accepted, r.rejected), (3, 1));
    assert!(r.error.unwrap().contains("trace_id must be 16 bytes"));
}

/// The OTLP/JSON form of a logs request (hex ids, as the spec says).
fn logs_json(req: &ExportLogsServiceRequest) -> String {
    fn anyj(v: &AnyValue) -> Value {
        match &v.value {
            None => json!({}),
            Some(any_value::Value::StringValue(s)) => json!({"stringValue": s}),
            Some(any_value::Value::IntValue(i)) => json!({"intValue": i.to_string()}),
            Some(any_value::Value::BoolValue(b)) => json!({"boolValue": b}),
            Some(any_value::Value::DoubleValue(d)) => json!({"doubleValue": d}),
            Some(any_value::Value::BytesValue(_)) => unreachable!(),
            Some(any_value::Value::ArrayValue(a)) => json!({"arrayValue": {"values": a.values.iter().map(anyj).collect::<Vec<_>>()}}),
            Some(any_value::Value::KvlistValue(k)) => json!({"kvlistValue": {"values": kvs(&k.values)}}),
        }
    }
    fn kvs(k: &[KeyValue]) -> Vec<Value> {
        k.iter().map(|kv| json!({"key": kv.key, "value": kv.value.as_ref().map(anyj)})).collect()
    }
    let rl: Vec<Value> = req
        .resource_logs
        .iter()
        .map(|rl| {
            json!({
                "resource": {"attributes": kvs(&rl.resource.as_ref().unwrap().attributes)},
                "scopeLogs": rl.scope_logs.iter().map(|sl| json!({
                    "scope": {"name": sl.scope.as_ref().unwrap().name},
                    "logRecords": sl.log_records.iter().map(|r| {
                        let mut o = json!({
                            "timeUnixNano": r.time_unix_nano.to_string(),
                            "observedTimeUnixNano": r.observed_time_unix_nano.to_string(),
                            "severityNumber": r.severity_number,
                            "severityText": r.severity_text,
                            "eventName": r.event_name,
                            "attributes": kvs(&r.attributes),
                            "traceId": agenttrace_core::ids::to_hex(&r.trace_id),
                            "spanId": agenttrace_core::ids::to_hex(&r.span_id),
                        });
                        if let Some(b) = &r.body {
                            o["body"] = anyj(b);
                        }
                        o
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"resourceLogs": rl}).to_string()
}

/// A bad log body: what it is, the body, its content type and encoding, the expected error and
/// the SQLSTATE its dead letter records.
type BadLogBody<'a> = (&'a str, Vec<u8>, &'a str, Option<&'a str>, &'a str, &'a str);

#[test]
fn bad_log_bodies_are_dead_lettered_like_trace_bodies() {
    let mut db = connect();
    let cases: Vec<BadLogBody> = vec![
        (
            "truncated protobuf",
            vec![0x0a, 0x10, 0x01],
            "application/x-protobuf",
            None,
            "invalid protobuf ExportLogsServiceRequest",
            "22P03",
        ),
        ("invalid JSON", br#"{"resourceLogs":["#.to_vec(), "application/json", None, "invalid OTLP/JSON ExportLogsServiceRequest", "22P02"),
        ("corrupt gzip", b"\x1f\x8b\x08\x00garbage".to_vec(), "application/x-protobuf", Some("gzip"), "invalid gzip body", "22P03"),
        ("unknown type", b"x".to_vec(), "text/plain", None, "unsupported content type", "22023"),
    ];
    for (what, body, ct, ce, msg, state) in cases {
        let before: i64 = db.query_one("SELECT coalesce(max(dead_letter_id), 0) FROM agenttrace.dead_letters", &[]).unwrap().get(0);
        let r = ingest_logs(&mut db, &body, ct, ce);
        assert!(r.error.as_deref().is_some_and(|e| e.starts_with(msg)), "{what}: {r:?}");
        assert_eq!((r.accepted, r.rejected), (0, 0), "{what}");
        let row = db
            .query_one("SELECT signal, sqlstate, error_message FROM agenttrace.dead_letters WHERE dead_letter_id > $1 ORDER BY dead_letter_id DESC LIMIT 1", &[&before])
            .unwrap_or_else(|e| panic!("{what}: no dead letter: {e}"));
        assert_eq!((row.get::<_, String>(0), row.get::<_, String>(1)), ("logs".to_string(), state.to_string()), "{what}");
    }
    // Trace bodies keep signal 'traces'.
    assert!(ingest(&mut db, b"\xff\xff", "application/x-protobuf", None).error.is_some());
    let sig: String = db.query_one("SELECT signal FROM agenttrace.dead_letters ORDER BY dead_letter_id DESC LIMIT 1", &[]).unwrap().get(0);
    assert_eq!(sig, "traces");
}

#[test]
fn staged_batches_mix_signals_and_log_records_are_a_hypertable() {
    let mut db = connect();
    let salt = fresh_salt();
    let mut tx = db.transaction().unwrap();
    let batch: i64 = tx.query_one("SELECT nextval('agenttrace.ingest_batch_id_seq')", &[]).unwrap().get(0);
    let staged: [(i32, Vec<u8>, Option<&str>); 3] = [
        (0, events(salt).encode_to_vec(), Some("logs")),
        (1, spans(salt, false).encode_to_vec(), None),
        (2, b"\xff\xff".to_vec(), Some("logs")),
    ];
    for (seq, body, signal) in &staged {
        tx.execute(
            "INSERT INTO agenttrace.ingest_staging (batch_id, seq, body, content_type, signal) VALUES ($1, $2, $3, 'application/x-protobuf', $4)",
            &[&batch, seq, body, signal],
        )
        .unwrap();
    }
    let rows = tx.query("SELECT seq, accepted_spans, rejected_spans, status FROM agenttrace.ingest_staged($1)", &[&batch]).unwrap();
    tx.commit().unwrap();
    let got: Vec<(i32, i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(3))).collect();
    assert_eq!(got, vec![(0, 4, "ok".into()), (1, 4, "ok".into()), (2, 0, "invalid".into())]);
    // The content joined the span although both came in one batch (traces are stored first).
    let t = uuid_of(salt);
    let out: Option<String> =
        db.query_one("SELECT output_text FROM agenttrace.spans WHERE trace_id = $1::text::uuid AND span_id = 4", &[&t]).unwrap().get(0);
    assert_eq!(out.as_deref(), Some("It rains in Paris, 12C."));
    let hyper: bool = db
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = 'agenttrace' AND hypertable_name = 'log_records')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(hyper, "log_records is a hypertable with TimescaleDB");
}

#[test]
fn retention_removes_old_log_records_with_and_without_timescaledb() {
    for tsdb in [true, false] {
        let (name, _, mut db) = scratch_db("logs_retention", tsdb, None);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // events(): records of 2025-10 (old); one more from now.
            assert_eq!(ingest_logs(&mut db, &events(fresh_salt()).encode_to_vec(), "application/x-protobuf", None).accepted, 4);
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
            let fresh = ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    scope_logs: vec![ScopeLogs {
                        log_records: vec![LogRecord { time_unix_nano: now, body: Some(s("fresh")), ..Default::default() }],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            assert_eq!(ingest_logs(&mut db, &fresh.encode_to_vec(), "application/x-protobuf", None).accepted, 1);
            let removed: Vec<(String, i64)> = db
                .query("SELECT table_name, rows_removed FROM agenttrace.apply_retention(interval '1 day')", &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            assert!(removed.iter().any(|(t, n)| t.starts_with("log_records") && *n > 0), "{removed:?}");
            let left: Vec<String> =
                db.query("SELECT body #>> '{}' FROM agenttrace.log_records", &[]).unwrap().iter().map(|r| r.get(0)).collect();
            assert_eq!(left, vec!["fresh".to_string()], "tsdb={tsdb}");
        }));
        drop(db);
        drop_db(&name);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
    }
}

#[test]
fn span_and_its_events_committed_concurrently_always_join() {
    // Span ingest and log ingest of the same trace in two sessions at once: both take the trace's
    // advisory lock, so whichever commits second sees the other (no lost content).
    for round in 0..24 {
        let salt = fresh_salt();
        let (spans_body, logs_body) = (spans(salt, false).encode_to_vec(), events(salt).encode_to_vec());
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let b2 = barrier.clone();
        let logs_first = round % 2 == 0;
        let t = std::thread::spawn(move || {
            let mut db = connect();
            b2.wait();
            if !logs_first {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            assert_eq!(ingest_logs(&mut db, &logs_body, "application/x-protobuf", None).error, None);
        });
        let mut db = connect();
        barrier.wait();
        if logs_first {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(ingest(&mut db, &spans_body, "application/x-protobuf", None).error, None);
        t.join().unwrap();
        let out: Option<String> = db
            .query_one("SELECT output_text FROM agenttrace.spans WHERE trace_id = $1::text::uuid AND span_id = 4", &[&uuid_of(salt)])
            .unwrap()
            .get(0);
        assert_eq!(out.as_deref(), Some("It rains in Paris, 12C."), "round {round}");
    }
}
