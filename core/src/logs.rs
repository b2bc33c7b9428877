//! OTLP log records, and the GenAI content events among them.
//!
//! GenAI instrumentations can move message content out of spans into log events carrying the
//! span's trace and span id (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=EVENT_ONLY`):
//! * `gen_ai.client.inference.operation.details` (current semconv, `opentelemetry-util-genai`):
//!   `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`,
//!   `gen_ai.tool.definitions` as structured attributes (or in the body);
//! * the older per-message events `gen_ai.system.message`, `gen_ai.user.message`,
//!   `gen_ai.assistant.message`, `gen_ai.tool.message` (prompt, in order) and `gen_ai.choice`
//!   (completion choices), each with its message in the body.
//!
//! [`genai_content`] reads one record into a small normalized JSON (stored with the record);
//! [`span_overlay`] folds the stored content of one span's records into the span attributes the
//! span would have carried in `SPAN_ONLY` mode (JSON text under the same keys). The normalizers
//! then see the same input whichever way the content travelled, so the facts are the same.
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::ids::{SpanId, TraceId};
use crate::model::{Attributes, Resource, SpanRecord};

/// One OTLP log record, flattened like [`crate::model::SpanRecord`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// `None`: the record has no trace context (application logs outside a span).
    pub trace_id: Option<TraceId>,
    pub span_id: Option<SpanId>,
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    pub severity_number: i32,
    pub severity_text: String,
    /// The body as JSON (`AnyValue` maps onto JSON one to one); `Null` when absent.
    pub body: Value,
    pub attributes: Attributes,
    pub dropped_attributes_count: u32,
    pub flags: u32,
    /// `LogRecord.event_name`, or the `event.name` attribute of older SDKs; empty for plain logs.
    pub event_name: String,
    pub resource: Arc<Resource>,
    pub scope_name: String,
    pub scope_version: String,
    /// Natural key (FNV-1a of the record's content and context): re-delivery is a no-op.
    pub record_hash: i64,
    /// Position in its request: orders records of equal time (per-message events).
    pub index: u32,
    /// GenAI content attributes sent structured, as the JSON text a span-mode instrumentation
    /// writes (keys in the order sent, compact, non-ASCII escaped: Python's `json.dumps`): the
    /// attribute values above are JSON objects with sorted keys, which would give the normalizers'
    /// raw-text fallbacks another text than the span would have had. Dropped when redaction
    /// changed the record (the sorted form is redacted, this text might not be).
    pub genai_text: Vec<(String, String)>,
}

impl LogRecord {
    /// The record's time: `time_unix_nano`, else the observed time (the spec's fallback).
    pub fn time_ns(&self) -> u64 {
        if self.time_unix_nano != 0 {
            self.time_unix_nano
        } else {
            self.observed_time_unix_nano
        }
    }
}

/// A record that could not be stored, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedLog {
    pub event_name: String,
    pub reason: String,
}

/// One decoded logs export request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedLogs {
    pub resources: Vec<Arc<Resource>>,
    pub records: Vec<LogRecord>,
    pub rejected: Vec<RejectedLog>,
}

impl DecodedLogs {
    /// Partial-success message in the OTLP style: count plus the first reasons.
    pub fn rejection_message(&self) -> Option<String> {
        if self.rejected.is_empty() {
            return None;
        }
        let mut reasons: Vec<&str> = self.rejected.iter().map(|r| r.reason.as_str()).collect();
        reasons.sort_unstable();
        reasons.dedup();
        reasons.truncate(3);
        Some(format!("{} log record(s) rejected: {}", self.rejected.len(), reasons.join("; ")))
    }

    /// Redacts secrets in every record (body, attributes, severity text) and resource, like spans.
    pub fn redact(&mut self, redactor: &mut crate::redact::Redactor) {
        let mut redacted_resources: Vec<(i64, Arc<Resource>)> = Vec::new();
        for r in &mut self.resources {
            let mut attrs = r.attributes.clone();
            let before = redactor.redacted;
            redactor.redact_attributes(&mut attrs);
            if redactor.redacted != before {
                let new = Arc::new(Resource::new(attrs, r.schema_url.clone()));
                redacted_resources.push((r.hash, new.clone()));
                *r = new;
            }
        }
        for rec in &mut self.records {
            if let Some((_, new)) = redacted_resources.iter().find(|(h, _)| *h == rec.resource.hash) {
                rec.resource = new.clone();
            }
            let before = redactor.redacted;
            redactor.redact_value(&mut rec.body);
            redactor.redact_attributes(&mut rec.attributes);
            redactor.redact_str(&mut rec.severity_text);
            if redactor.redacted != before {
                rec.genai_text.clear();
            }
        }
    }
}

pub const OPERATION_DETAILS: &str = "gen_ai.client.inference.operation.details";

/// The span attribute keys GenAI content events fill in.
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
pub const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
pub const TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";

/// The attributes of a details event that carry content.
pub fn is_content_key(k: &str) -> bool {
    matches!(k, INPUT_MESSAGES | OUTPUT_MESSAGES | SYSTEM_INSTRUCTIONS | TOOL_DEFINITIONS)
}

/// A value that may arrive structured or as JSON text: structured either way.
fn structured(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('[') || t.starts_with('{') {
                serde_json::from_str(s).unwrap_or_else(|_| v.clone())
            } else {
                v.clone()
            }
        }
        other => other.clone(),
    }
}

/// Message of an older per-message event: the body (an object, or plain text), with its role.
fn legacy_message(role: &str, body: &Value) -> Value {
    let mut m = match structured(body) {
        Value::Object(o) => o,
        Value::Null => Map::new(),
        other => {
            let mut o = Map::new();
            o.insert("content".into(), other);
            o
        }
    };
    if !m.contains_key("role") || role != "assistant" {
        m.insert("role".into(), Value::String(role.into()));
    }
    if role == "tool" {
        // gen_ai.tool.message names the call it answers `id`.
        if let Some(id) = m.remove("id") {
            m.entry("tool_call_id").or_insert(id);
        }
    }
    Value::Object(m)
}

/// The GenAI content one record carries, normalized for storage (`None` for other records):
/// `{"kind":"details", "input": [...], "output": [...], "system": ..., "tools": ...}`,
/// `{"kind":"input", "message": {...}}` or `{"kind":"output", "index": n, "message": {...}}`.
pub fn genai_content(r: &LogRecord) -> Option<Value> {
    content_of(&r.event_name, &r.attributes, &r.body, &r.genai_text)
}

/// [`genai_content`] of a span event (`body`: its attributes as an object).
pub fn event_content(name: &str, attributes: &Attributes, body: &Value) -> Option<Value> {
    content_of(name, attributes, body, &[])
}

fn content_of(name: &str, attributes: &Attributes, body: &Value, genai_text: &[(String, String)]) -> Option<Value> {
    match name {
        OPERATION_DETAILS => {
            let obj = body.as_object();
            let get = |k: &str| attributes.get(k).or_else(|| obj.and_then(|b| b.get(k))).filter(|v| !v.is_null()).map(structured);
            let mut o = Map::new();
            o.insert("kind".into(), "details".into());
            for (k, short) in
                [(INPUT_MESSAGES, "input"), (OUTPUT_MESSAGES, "output"), (SYSTEM_INSTRUCTIONS, "system"), (TOOL_DEFINITIONS, "tools")]
            {
                if let Some(v) = get(k) {
                    o.insert(short.into(), v);
                    if let Some((_, text)) = genai_text.iter().find(|(key, _)| key == k) {
                        o.insert(format!("{short}_text"), Value::String(text.clone()));
                    }
                }
            }
            (o.len() > 1).then_some(Value::Object(o))
        }
        "gen_ai.system.message" | "gen_ai.user.message" | "gen_ai.assistant.message" | "gen_ai.tool.message" => {
            let role = &name["gen_ai.".len()..name.len() - ".message".len()];
            Some(json!({"kind": "input", "message": legacy_message(role, body)}))
        }
        "gen_ai.choice" => {
            let body = structured(body);
            let index = body.get("index").and_then(Value::as_i64).unwrap_or(0);
            let mut msg = match body.get("message") {
                Some(m) => legacy_message("assistant", m),
                None => legacy_message("assistant", &Value::Null),
            };
            if let (Some(fr), Value::Object(m)) = (body.get("finish_reason"), &mut msg) {
                m.insert("finish_reason".into(), fr.clone());
            }
            Some(json!({"kind": "output", "index": index, "message": msg}))
        }
        _ => None,
    }
}

/// Folds the GenAI content of one span's records (in record order) into span attributes:
/// JSON text under `gen_ai.input.messages`, `gen_ai.output.messages`,
/// `gen_ai.system_instructions` and `gen_ai.tool.definitions`, as span-mode instrumentations
/// write them. A details event sets the whole call; per-message events add up.
pub fn span_overlay<'a>(contents: impl IntoIterator<Item = &'a Value>) -> Attributes {
    let mut input: Option<Value> = None;
    let mut output: Option<Value> = None;
    let mut system: Option<Value> = None;
    let mut tools: Option<Value> = None;
    let mut legacy_in: Vec<Value> = Vec::new();
    let mut legacy_out: Vec<(i64, Value)> = Vec::new();
    for c in contents {
        match c.get("kind").and_then(Value::as_str) {
            Some("details") => {
                for (short, slot) in [("input", &mut input), ("output", &mut output), ("system", &mut system), ("tools", &mut tools)] {
                    // The text as sent when there is one (see LogRecord::genai_text).
                    if let Some(v) = c.get(format!("{short}_text").as_str()).or_else(|| c.get(short)) {
                        *slot = Some(v.clone());
                    }
                }
            }
            Some("input") => {
                if let Some(m) = c.get("message") {
                    legacy_in.push(m.clone());
                }
            }
            Some("output") => {
                if let Some(m) = c.get("message") {
                    legacy_out.push((c.get("index").and_then(Value::as_i64).unwrap_or(0), m.clone()));
                }
            }
            _ => {}
        }
    }
    if input.is_none() && !legacy_in.is_empty() {
        input = Some(Value::Array(legacy_in));
    }
    if output.is_none() && !legacy_out.is_empty() {
        legacy_out.sort_by_key(|(i, _)| *i);
        output = Some(Value::Array(legacy_out.into_iter().map(|(_, m)| m).collect()));
    }
    let mut attrs = Attributes::new();
    for (k, v) in [(INPUT_MESSAGES, input), (OUTPUT_MESSAGES, output), (SYSTEM_INSTRUCTIONS, system), (TOOL_DEFINITIONS, tools)] {
        if let Some(v) = v {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            attrs.insert(k.into(), Value::String(text));
        }
    }
    attrs
}

/// Adds the overlay to a span's attributes where the span has no value of its own (content the
/// span carries itself, as in `SPAN_AND_EVENT` mode, wins). Returns whether anything was added.
pub fn apply_overlay(span: &mut SpanRecord, overlay: &Attributes) -> bool {
    let mut added = false;
    for (k, v) in overlay {
        if !span.attributes.contains_key(k) {
            span.attributes.insert(k.clone(), v.clone());
            added = true;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::analyze_run;
    use crate::model::Resource;

    fn record(event: &str, attributes: Value, body: Value, index: u32) -> LogRecord {
        LogRecord {
            trace_id: Some([1; 16]),
            span_id: Some([2; 8]),
            time_unix_nano: 1_700_000_000_000_000_000 + u64::from(index),
            observed_time_unix_nano: 0,
            severity_number: 9,
            severity_text: String::new(),
            body,
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            dropped_attributes_count: 0,
            flags: 0,
            event_name: event.into(),
            resource: Arc::new(Resource::new(Attributes::new(), String::new())),
            scope_name: String::new(),
            scope_version: String::new(),
            record_hash: index as i64,
            index,
            genai_text: Vec::new(),
        }
    }

    fn llm_span(attrs: Value) -> SpanRecord {
        let mut a = json!({"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai",
                           "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 5});
        for (k, v) in attrs.as_object().unwrap() {
            a[k] = v.clone();
        }
        SpanRecord {
            trace_id: [1; 16],
            span_id: [2; 8],
            parent_span_id: None,
            trace_state: String::new(),
            flags: 0,
            name: "chat gpt-4o-mini".into(),
            kind: 3,
            start_time_unix_nano: 1_700_000_000_000_000_000,
            end_time_unix_nano: 1_700_000_001_000_000_000,
            attributes: a.as_object().cloned().unwrap(),
            dropped_attributes_count: 0,
            events: vec![],
            dropped_events_count: 0,
            links: vec![],
            dropped_links_count: 0,
            status_code: 0,
            status_message: String::new(),
            resource: Arc::new(Resource::new(Attributes::new(), String::new())),
            scope_name: "opentelemetry.instrumentation.openai_v2".into(),
            scope_version: String::new(),
        }
    }

    fn input() -> Value {
        json!([{"role": "user", "parts": [{"type": "text", "content": "What is the capital of France?"}]}])
    }
    fn output() -> Value {
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Paris."}], "finish_reason": "stop"}])
    }
    fn system() -> Value {
        json!([{"type": "text", "content": "You are terse."}])
    }

    #[test]
    fn details_event_gives_the_facts_span_attributes_give() {
        // SPAN_ONLY: JSON text on the span.
        let in_span = llm_span(json!({
            INPUT_MESSAGES: input().to_string(), OUTPUT_MESSAGES: output().to_string(), SYSTEM_INSTRUCTIONS: system().to_string()
        }));
        // EVENT_ONLY: structured attributes on a details event, the span without content.
        let rec = record(
            OPERATION_DETAILS,
            json!({"gen_ai.operation.name": "chat", INPUT_MESSAGES: input(), OUTPUT_MESSAGES: output(), SYSTEM_INSTRUCTIONS: system()}),
            Value::Null,
            0,
        );
        let content = genai_content(&rec).unwrap();
        let mut from_event = llm_span(json!({}));
        assert!(apply_overlay(&mut from_event, &span_overlay([&content])));
        let (a, b) = (analyze_run(&[in_span]), analyze_run(&[from_event]));
        assert_eq!(a.facts[0].input_text.as_deref(), Some("What is the capital of France?"));
        assert_eq!(a.facts[0].output_text.as_deref(), Some("Paris."));
        assert_eq!(format!("{:?}", a.facts), format!("{:?}", b.facts));
    }

    #[test]
    fn details_content_in_the_body_or_as_text() {
        let body = json!({INPUT_MESSAGES: input().to_string(), TOOL_DEFINITIONS: [{"type": "function", "name": "search"}]});
        let c = genai_content(&record(OPERATION_DETAILS, json!({}), body, 0)).unwrap();
        assert_eq!(c["input"], input(), "JSON text becomes structured");
        let overlay = span_overlay([&c]);
        assert_eq!(serde_json::from_str::<Value>(overlay[INPUT_MESSAGES].as_str().unwrap()).unwrap(), input());
        assert!(overlay[TOOL_DEFINITIONS].as_str().unwrap().contains("search"));
        // Without content a details event is not content.
        assert_eq!(genai_content(&record(OPERATION_DETAILS, json!({"gen_ai.operation.name": "chat"}), Value::Null, 0)), None);
        assert_eq!(genai_content(&record("app.log", json!({}), json!("hello"), 0)), None);
    }

    #[test]
    fn legacy_per_message_events_fold_into_messages() {
        let recs = [
            record("gen_ai.system.message", json!({}), json!({"content": "You are terse."}), 0),
            record("gen_ai.user.message", json!({}), json!({"content": "Weather in Paris?"}), 1),
            record(
                "gen_ai.assistant.message",
                json!({}),
                json!({"tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}),
                2,
            ),
            record("gen_ai.tool.message", json!({}), json!({"content": "rain", "id": "call_1"}), 3),
            record("gen_ai.choice", json!({}), json!({"index": 0, "finish_reason": "stop", "message": {"content": "It rains."}}), 4),
        ];
        let contents: Vec<Value> = recs.iter().filter_map(genai_content).collect();
        assert_eq!(contents.len(), 5);
        let overlay = span_overlay(&contents);
        let input: Value = serde_json::from_str(overlay[INPUT_MESSAGES].as_str().unwrap()).unwrap();
        assert_eq!(input.as_array().unwrap().len(), 4);
        assert_eq!(input[3]["role"], "tool");
        assert_eq!(input[3]["tool_call_id"], "call_1");
        let mut span = llm_span(json!({}));
        apply_overlay(&mut span, &overlay);
        let an = analyze_run(&[span]);
        assert_eq!(an.facts[0].input_text.as_deref(), Some("rain"));
        assert_eq!(an.facts[0].output_text.as_deref(), Some("It rains."));
        assert_eq!(an.facts[0].input_messages.len(), 4);
        assert_eq!(an.facts[0].input_messages[2].tool_calls[0].name, "get_weather");
    }

    #[test]
    fn span_content_wins_over_events() {
        let mut span = llm_span(json!({INPUT_MESSAGES: "[{\"role\":\"user\",\"content\":\"from the span\"}]"}));
        let c =
            genai_content(&record(OPERATION_DETAILS, json!({INPUT_MESSAGES: input(), OUTPUT_MESSAGES: output()}), Value::Null, 0)).unwrap();
        assert!(apply_overlay(&mut span, &span_overlay([&c])));
        assert!(span.attributes[INPUT_MESSAGES].as_str().unwrap().contains("from the span"));
        assert!(span.attributes.contains_key(OUTPUT_MESSAGES));
    }

    #[test]
    fn redaction_covers_bodies_and_attributes() {
        let mut d = DecodedLogs {
            records: vec![record(
                "app.log",
                json!({"api_key": "x", "msg": "token sk-abcdefghijklmnopqrstuvwxyz"}),
                json!({"text": "Bearer abcdefghijklmnop"}),
                0,
            )],
            ..Default::default()
        };
        d.redact(&mut crate::redact::Redactor::with_defaults());
        let r = &d.records[0];
        assert_eq!(r.attributes["api_key"], "[REDACTED:secret_key]");
        assert!(r.attributes["msg"].as_str().unwrap().contains("[REDACTED:openai_key]"));
        assert!(r.body["text"].as_str().unwrap().contains("[REDACTED:bearer_token]"));
    }
}
