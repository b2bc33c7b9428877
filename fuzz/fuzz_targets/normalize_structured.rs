//! Structured normalizer fuzzing: spans are built from the fuzzer's bytes with attribute maps
//! drawn from the vocabularies' own keys (see vocab.rs) holding arbitrary JSON values (also as
//! JSON text, as instrumentations send it), small id spaces so parents, cycles, duplicates and
//! links actually connect, and extreme times / token counts. This reaches the normalizer rules,
//! which random OTLP bytes almost never do.
#![no_main]
use std::sync::Arc;

use agenttrace_core::model::{Attributes, Resource, SpanEvent, SpanLink, SpanRecord};
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

#[path = "common.rs"]
mod common;
mod vocab;

/// Keys of the JSON message shapes (OpenAI chat, GenAI parts, LangChain) read inside JSON values.
const JSON_KEYS: &[&str] = &[
    "role", "content", "parts", "type", "text", "name", "id", "tool_calls", "tool_call_id", "function", "arguments",
    "args", "response", "result", "messages", "generations", "inputs", "outputs", "output", "input", "message",
    "chat_message", "lc", "kwargs", "data", "generation_info", "input_tokens", "output_tokens", "total_tokens",
    "sender", "recipient", "source", "target", "stop_reason", "models_usage", "prompt_tokens", "completion_tokens",
];

fn word(u: &mut Unstructured) -> Result<&'static str> {
    u.choose(vocab::WORDS).copied()
}

fn int(u: &mut Unstructured) -> Result<i64> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => i64::MAX,
        1 => i64::MIN,
        2 => -1,
        3 => u.int_in_range(0..=100)?,
        _ => u.arbitrary()?,
    })
}

fn time(u: &mut Unstructured) -> Result<u64> {
    Ok(match u.int_in_range(0..=4u8)? {
        0 => 0,
        1 => u64::MAX,
        2 => u.int_in_range(0..=20)?,
        _ => u.arbitrary()?,
    })
}

fn text(u: &mut Unstructured, depth: usize) -> Result<String> {
    Ok(match u.int_in_range(0..=9u8)? {
        0..=2 => word(u)?.to_string(),
        3 => u.arbitrary::<String>()?,
        4 => int(u)?.to_string(),
        // JSON text: what `input.value`, `gen_ai.input.messages`, ... usually hold.
        5 | 6 => value(u, depth + 1)?.to_string(),
        // Long text around the truncation limits, with multi-byte chars to hit char boundaries.
        7 => {
            let unit = *u.choose(&["é", "a", "\u{1F600}", "x\n", "Traceback (most recent call last):\n"])?;
            let n = u.int_in_range(0..=20_000usize)?;
            unit.repeat(n / unit.len().max(1))
        }
        8 => format!("{}: {}", word(u)?, word(u)?),
        _ => format!("{}_{}", word(u)?, "afd806b0-c3a9-4648-9292-9f8fadfabc7e"),
    })
}

fn value(u: &mut Unstructured, depth: usize) -> Result<Value> {
    let top = if depth >= 6 { 4 } else { 7u8 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(int(u)?.into()),
        3 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 => Value::String(text(u, depth)?),
        5 => Value::Number(u.arbitrary::<u64>()?.into()),
        6 => {
            let n = u.int_in_range(0..=4usize)?;
            Value::Array((0..n).map(|_| value(u, depth + 1)).collect::<Result<_>>()?)
        }
        _ => {
            let n = u.int_in_range(0..=5usize)?;
            let mut m = Map::new();
            for _ in 0..n {
                let k = if u.ratio(3, 4)? { u.choose(JSON_KEYS)?.to_string() } else { word(u)?.to_string() };
                m.insert(k, value(u, depth + 1)?);
            }
            Value::Object(m)
        }
    })
}

fn key(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=7u8)? {
        // Flattened message keys (OpenInference / legacy Traceloop).
        0 => {
            let prefix = *u.choose(&["llm.input_messages", "llm.output_messages", "gen_ai.prompt", "gen_ai.completion"])?;
            let idx: u32 = if u.ratio(7, 8)? { u.int_in_range(0..=3)? } else { u.arbitrary()? };
            let field = *u.choose(&[
                "message.role", "message.content", "role", "content", "message.name", "message.tool_call_id",
                "message.contents.0.message_content.text", "message.tool_calls.0.tool_call.function.name",
                "message.tool_calls.1.tool_call.function.arguments", "message.tool_calls.64.tool_call.id",
                "message.tool_calls.99999.tool_call.id",
            ])?;
            format!("{prefix}.{idx}.{field}")
        }
        1 => u.arbitrary::<String>()?,
        _ => u.choose(vocab::KEYS)?.to_string(),
    })
}

fn attrs(u: &mut Unstructured, max: usize) -> Result<Attributes> {
    let n = u.int_in_range(0..=max)?;
    let mut a = Attributes::new();
    for _ in 0..n {
        let k = key(u)?;
        let v = value(u, 0)?;
        a.insert(k, v);
    }
    Ok(a)
}

fn sid(n: u8) -> [u8; 8] {
    [0, 0, 0, 0, 0, 0, 0, n]
}

fn span(u: &mut Unstructured, resources: &[Arc<Resource>]) -> Result<SpanRecord> {
    // Tiny id spaces: parents resolve, cycles and duplicate ids happen.
    let trace_id = [u.int_in_range(1..=2u8)?; 16];
    let span_id = sid(u.int_in_range(1..=16)?);
    let parent_span_id = if u.ratio(1, 4)? { None } else { Some(sid(u.int_in_range(1..=17)?)) };
    let mut events = Vec::new();
    for _ in 0..u.int_in_range(0..=2u8)? {
        let mut a = attrs(u, 3)?;
        if u.ratio(1, 2)? {
            a.insert("exception.type".into(), Value::String(text(u, 0)?));
            a.insert("exception.message".into(), Value::String(text(u, 0)?));
        }
        events.push(SpanEvent {
            time_unix_nano: time(u)?,
            name: if u.ratio(1, 2)? { "exception".into() } else { word(u)?.into() },
            attributes: a,
            dropped_attributes_count: 0,
        });
    }
    let mut links = Vec::new();
    for _ in 0..u.int_in_range(0..=1u8)? {
        links.push(SpanLink {
            trace_id: [u.int_in_range(1..=2u8)?; 16],
            span_id: sid(u.int_in_range(1..=16)?),
            trace_state: String::new(),
            attributes: Attributes::new(),
            dropped_attributes_count: 0,
            flags: 0,
        });
    }
    let name = match u.int_in_range(0..=3u8)? {
        0 => u.arbitrary()?,
        1 => format!("{} {}", word(u)?, word(u)?),
        _ => word(u)?.to_string(),
    };
    Ok(SpanRecord {
        trace_id,
        span_id,
        parent_span_id,
        trace_state: String::new(),
        flags: 0,
        name,
        kind: u.int_in_range(0..=6)?,
        start_time_unix_nano: time(u)?,
        end_time_unix_nano: time(u)?,
        attributes: attrs(u, 12)?,
        dropped_attributes_count: 0,
        events,
        dropped_events_count: 0,
        links,
        dropped_links_count: 0,
        status_code: u.int_in_range(-1..=3)?,
        status_message: if u.ratio(1, 2)? { String::new() } else { text(u, 0)? },
        resource: u.choose(resources)?.clone(),
        scope_name: word(u)?.to_string(),
        scope_version: String::new(),
    })
}

fn run(u: &mut Unstructured) -> Result<Vec<SpanRecord>> {
    let mut resources = Vec::new();
    for _ in 0..u.int_in_range(1..=2u8)? {
        let mut a = attrs(u, 3)?;
        if u.ratio(1, 2)? {
            a.insert("service.name".into(), Value::String(word(u)?.into()));
        }
        resources.push(Arc::new(Resource::new(a, String::new())));
    }
    let n = u.int_in_range(0..=24usize)?;
    let mut spans = Vec::with_capacity(n);
    for _ in 0..n {
        spans.push(span(u, &resources)?);
    }
    Ok(spans)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(spans) = run(&mut u) else { return };
    let d = agenttrace_core::model::DecodedRequest { resources: Vec::new(), spans, rejected: Vec::new() };
    common::normalize(&d);
    for s in &d.spans {
        let _ = agenttrace_core::runs::is_setup_span(s);
    }
});
