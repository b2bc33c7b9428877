//! Texts the run model derives from span facts: excerpts, failure reasons, message kinds.
use crate::normalize::util::{first_line, truncate, MAX_EXCERPT};
use crate::normalize::{MessageKind, SpanFacts};

/// A text as rows keep it: trimmed, cut at `MAX_EXCERPT` (500) bytes, `None` when empty.
pub fn excerpt(t: Option<&String>) -> Option<String> {
    t.map(|t| truncate(t.trim(), MAX_EXCERPT)).filter(|t| !t.is_empty())
}

/// The kind of a message derived between two agents' turns: group-chat frameworks speak in
/// messages, the others hand off.
pub fn message_kind_for(framework: Option<&str>) -> MessageKind {
    match framework {
        Some("autogen" | "ag2") => MessageKind::Message,
        _ => MessageKind::Handoff,
    }
}

/// A failure's reason from a span's error type and message.
pub fn reason_of(f: &SpanFacts) -> Option<String> {
    reason_from(f.error_type.as_deref(), f.error_message.as_deref())
}

/// A failure's reason from its error type and the first line of its message.
pub fn reason_from(error_type: Option<&str>, message: Option<&str>) -> Option<String> {
    let msg = message.map(first_line).filter(|m| !m.is_empty());
    match (error_type, msg) {
        (Some(t), Some(m)) if *t != m => Some(format!("{t}: {m}")),
        (_, Some(m)) => Some(m),
        (Some(t), None) => Some(t.to_string()),
        _ => None,
    }
}

/// The instruction in a call's arguments: a task-like field, else the only text field, else the
/// arguments as recorded.
pub fn instruction_text(args: &str) -> Option<String> {
    const KEYS: &[&str] = &["task", "request", "message", "instruction", "instructions", "query", "question", "prompt", "input", "reason"];
    let t = args.trim();
    if t.is_empty() {
        return None;
    }
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(t) else { return Some(t.to_string()) };
    let text = |v: &serde_json::Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(found) = KEYS.iter().find_map(|k| o.get(*k).and_then(text)) {
        return Some(found);
    }
    let texts: Vec<String> = o.values().filter_map(text).collect();
    match texts.as_slice() {
        [only] => Some(only.clone()),
        _ => Some(t.to_string()),
    }
}
