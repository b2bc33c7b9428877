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

/// Whether `name` occurs in `lower` (already lowercased) as a whole word.
pub fn names_agent(lower: &str, name: &str) -> bool {
    let n = name.to_lowercase();
    if n.len() < 2 {
        return false;
    }
    let mut from = 0;
    while let Some(p) = lower[from..].find(&n) {
        let at = from + p;
        let before = lower[..at].chars().next_back();
        let after = lower[at + n.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
        if boundary(before) && boundary(after) {
            return true;
        }
        from = at + n.len();
    }
    false
}

/// A turn output that only says who acts next: it names another agent of the run and holds at
/// most three other words ("Next speaker WebSurfer", "-> Coder", "Transferring to billing_agent").
/// Only the first line counts: what a framework or its logging appends below it (warnings, a
/// traceback) does not make routing a turn of work.
pub fn is_routing_line(text: &str, others: &[&str]) -> bool {
    let t = text.trim().lines().next().unwrap_or("").trim();
    if t.is_empty() || t.len() > 160 {
        return false;
    }
    let lower = t.to_lowercase();
    let named: Vec<&str> = others.iter().copied().filter(|a| names_agent(&lower, a)).collect();
    if named.is_empty() {
        return false;
    }
    let mut rest = lower.clone();
    for a in named {
        rest = rest.replace(&a.to_lowercase(), " ");
    }
    rest.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count() <= 3
}
