//! GenAI content carried in span events instead of span attributes.
//!
//! Older GenAI semantic conventions (and Strands Agents by default) record a call's messages as
//! span events: `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
//! `gen_ai.tool.message` and `gen_ai.choice`, with the message in the event attributes
//! (`content`, `role`, `id`, `message`, `finish_reason`); current ones may attach a
//! `gen_ai.client.inference.operation.details` event. [`overlay`] folds them into the span
//! attributes the span-attribute mode would have written, the same way log events are folded
//! ([`crate::logs::span_overlay`]), so the vocabularies read one shape.
//!
//! On a tool span (`execute_tool`), `gen_ai.tool.message` is the call (its arguments) and
//! `gen_ai.choice` its result.
use serde_json::{json, Value};

use crate::logs::{event_content, span_overlay};
use crate::model::{Attributes, SpanRecord};

/// Events read per span (a long conversation repeats its history in every call).
const MAX_EVENTS: usize = 512;

fn is_content_event(name: &str) -> bool {
    matches!(
        name,
        "gen_ai.system.message"
            | "gen_ai.user.message"
            | "gen_ai.assistant.message"
            | "gen_ai.tool.message"
            | "gen_ai.choice"
            | crate::logs::OPERATION_DETAILS
    )
}

/// The span with the GenAI content of its events added as attributes, or `None` when its events
/// carry none (or everything they carry is already on the span).
pub(crate) fn overlay(span: &SpanRecord) -> Option<SpanRecord> {
    if !span.events.iter().any(|e| is_content_event(&e.name)) {
        return None;
    }
    let is_tool = span.attributes.get("gen_ai.operation.name").and_then(Value::as_str) == Some("execute_tool")
        || span.attributes.contains_key("gen_ai.tool.name");
    let attrs = if is_tool { tool_overlay(span) } else { message_overlay(span) };
    if attrs.keys().all(|k| span.attributes.contains_key(k)) {
        return None;
    }
    let mut out = span.clone();
    crate::logs::apply_overlay(&mut out, &attrs);
    Some(out)
}

fn message_overlay(span: &SpanRecord) -> Attributes {
    let contents: Vec<Value> = span
        .events
        .iter()
        .filter(|e| is_content_event(&e.name))
        .take(MAX_EVENTS)
        .filter_map(|e| {
            let body = Value::Object(e.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
            event_content(&e.name, &e.attributes, &body)
        })
        .map(with_semconv_parts)
        .collect();
    span_overlay(&contents)
}

fn tool_overlay(span: &SpanRecord) -> Attributes {
    let mut attrs = Attributes::new();
    let content = |name: &str, key: &str| {
        span.events.iter().find(|e| e.name == name).and_then(|e| e.attributes.get(key)).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    if let Some(args) = content("gen_ai.tool.message", "content") {
        attrs.insert("gen_ai.tool.call.arguments".into(), Value::String(args));
    }
    if let Some(result) = content("gen_ai.choice", "message").or_else(|| content("gen_ai.choice", "content")) {
        attrs.insert("gen_ai.tool.call.result".into(), Value::String(plain_text(&result).unwrap_or(result)));
    }
    attrs
}

/// Text of a content-block list (`[{"text": "..."}, ...]`), when the value is one.
fn plain_text(s: &str) -> Option<String> {
    let v: Value = serde_json::from_str(s).ok()?;
    let texts: Vec<&str> = v.as_array()?.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// Content given as JSON text of content blocks (Bedrock Converse shape: `text`, `toolUse`,
/// `toolResult`), as GenAI semconv parts; other messages unchanged.
fn with_semconv_parts(mut content: Value) -> Value {
    if let Some(m) = content.get_mut("message").and_then(Value::as_object_mut) {
        if let Some(parts) = m.get("content").and_then(block_parts) {
            m.remove("content");
            m.insert("parts".into(), Value::Array(parts));
        }
    }
    content
}

fn block_parts(content: &Value) -> Option<Vec<Value>> {
    let parsed;
    let blocks = match content {
        Value::Array(a) => a,
        Value::String(s) if s.trim_start().starts_with('[') => {
            parsed = serde_json::from_str::<Vec<Value>>(s).ok()?;
            &parsed
        }
        _ => return None,
    };
    let mut parts = Vec::new();
    for b in blocks.iter().take(64) {
        let o = b.as_object()?;
        if let Some(text) = o.get("text").and_then(Value::as_str) {
            parts.push(json!({"type": "text", "content": text}));
        } else if let Some(u) = o.get("toolUse").and_then(Value::as_object) {
            parts.push(json!({"type": "tool_call", "id": u.get("toolUseId"), "name": u.get("name"), "arguments": u.get("input")}));
        } else if let Some(r) = o.get("toolResult").and_then(Value::as_object) {
            let text = r.get("content").map(|c| plain_text(&c.to_string()).unwrap_or_else(|| c.to_string())).unwrap_or_default();
            parts.push(json!({"type": "tool_call_response", "id": r.get("toolUseId"), "response": text}));
        } else {
            return None;
        }
    }
    (!parts.is_empty()).then_some(parts)
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;
    use crate::model::SpanEvent;
    use crate::normalize::span_facts;
    use crate::normalize::test_util::span;

    fn event(name: &str, attrs: &[(&str, &str)]) -> SpanEvent {
        let mut a = Map::new();
        for (k, v) in attrs {
            a.insert((*k).into(), Value::String((*v).into()));
        }
        SpanEvent { time_unix_nano: 0, name: name.into(), attributes: a, dropped_attributes_count: 0 }
    }

    #[test]
    fn tool_span_events_are_the_call() {
        let mut s = span("execute_tool get_weather", &[("gen_ai.operation.name", json!("execute_tool"))]);
        s.events.push(event("gen_ai.tool.message", &[("role", "tool"), ("content", r#"{"city": "Paris"}"#), ("id", "c1")]));
        s.events.push(event("gen_ai.choice", &[("message", r#"[{"text": "sunny"}]"#), ("id", "c1")]));
        let f = span_facts(&s);
        assert_eq!(f.tool_arguments.as_deref(), Some(r#"{"city": "Paris"}"#));
        assert_eq!(f.tool_result.as_deref(), Some("sunny"));
    }

    #[test]
    fn model_span_events_are_its_messages() {
        let mut s = span("chat", &[("gen_ai.operation.name", json!("chat"))]);
        s.events.push(event("gen_ai.user.message", &[("content", r#"[{"text": "weather?"}]"#)]));
        s.events.push(event(
            "gen_ai.choice",
            &[("message", r#"[{"toolUse": {"toolUseId": "c1", "name": "get_weather", "input": {"city": "Paris"}}}]"#)],
        ));
        let f = span_facts(&s);
        assert_eq!(f.input_text.as_deref(), Some("weather?"));
        assert_eq!(f.output_messages[0].tool_calls[0].name, "get_weather");
        assert_eq!(f.output_messages[0].tool_calls[0].id.as_deref(), Some("c1"));
        // Attributes the span carries itself win.
        s.attributes.insert("gen_ai.input.messages".into(), json!(r#"[{"role":"user","content":"own"}]"#));
        assert_eq!(span_facts(&s).input_text.as_deref(), Some("own"));
    }
}
