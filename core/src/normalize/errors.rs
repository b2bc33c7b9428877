//! Error state of a span, whatever the convention: span status (OpenInference puts the Python
//! traceback into `status.message`, LangSmith leaves it empty), `exception` span events,
//! `error.type`, and task status attributes. Also the turn/iteration/recursion-limit detector.
use super::ctx::{k, Sp};
use super::util::{contains_ci, first_line, truncate, truncate_owned, MAX_TEXT};
use super::SpanFacts;
use crate::model::{status_code, SpanRecord};

pub fn apply(sp: &Sp, f: &mut SpanFacts) {
    let span = sp.span;
    if span.status_code == status_code::ERROR {
        f.is_error = true;
    }
    if let Some(t) = sp.s(k!("error.type")) {
        if t != "_OTHER" || f.is_error {
            f.is_error = true;
            if f.error_type.is_none() {
                f.error_type = Some(t.into_owned());
            }
        }
    }
    if let Some(st) = sp.s(k!("gen_ai.task.status")) {
        if ["failure", "failed", "error"].iter().any(|x| st.eq_ignore_ascii_case(x)) {
            f.is_error = true;
        }
    }
    // The last `exception` event is the one that escaped the span.
    if let Some(ev) = span.events.iter().rev().find(|e| e.name == "exception") {
        let get = |k: &str| ev.attributes.get(k).and_then(super::util::value_str);
        if let Some(t) = get("exception.type") {
            if f.error_type.is_none() || f.error_type.as_deref() == Some("Exception") && t != "Exception" {
                f.error_type = Some(t);
            }
        }
        if f.error_message.is_none() {
            f.error_message = get("exception.message").map(|m| truncate_owned(m, MAX_TEXT));
        }
        // Exceptions on a span with ERROR status, or recorded by instrumentations that leave the
        // status unset on failure, count; an exception event on an OK span was handled.
        if span.status_code == status_code::UNSET && get("exception.escaped").as_deref() == Some("true") {
            f.is_error = true;
        }
    }
    if f.is_error && !span.status_message.is_empty() {
        let (ty, msg) = parse_status_message(&span.status_message);
        if f.error_type.is_none() {
            f.error_type = ty;
        }
        if f.error_message.is_none() {
            f.error_message = Some(msg);
        }
    }
    if f.is_error && f.error_message.is_none() {
        f.error_message = f.error_type.clone();
    }
    if f.stop_reason.is_none() {
        f.stop_reason = detect_stop(span, f);
    }
}

/// `ConnectionError("msg")Traceback (most recent call last): ...` / `Traceback ... \nTimeoutError: msg` /
/// plain text -> (type, message).
pub fn parse_status_message(m: &str) -> (Option<String>, String) {
    const TB: &str = "Traceback (most recent call last):";
    let head = match m.find(TB) {
        Some(i) => &m[..i],
        None => m,
    };
    let head = head.trim();
    if let Some(open) = head.find('(') {
        let ty = &head[..open];
        if is_ident(ty) && head.ends_with(')') {
            let inner = head[open + 1..head.len() - 1].trim();
            let inner = inner.trim_matches(|c| c == '"' || c == '\'');
            return (Some(ty.to_string()), truncate(inner, MAX_TEXT));
        }
    }
    if head.is_empty() {
        // Only a traceback: its last line is `Type: message`.
        if let Some(last) = m.lines().rev().map(str::trim).find(|l| !l.is_empty()) {
            if let Some((ty, msg)) = last.split_once(": ") {
                if is_ident(ty.rsplit('.').next().unwrap_or(ty)) {
                    return (Some(ty.to_string()), truncate(msg, MAX_TEXT));
                }
            }
            return (None, first_line(last));
        }
    }
    if let Some((ty, msg)) = head.split_once(": ") {
        if is_ident(ty) && ty.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            return (Some(ty.to_string()), truncate(msg, MAX_TEXT));
        }
    }
    (None, truncate(head, MAX_TEXT))
}

fn is_ident(t: &str) -> bool {
    !t.is_empty()
        && t.len() < 100
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Phrases frameworks use when a run hits a configured limit (lower case).
const LIMIT_PHRASES: &[&str] = &[
    "maximum number of turns",    // AutoGen MaxTurns / team max_turns stop reason
    "maximum number of messages", // AutoGen MaxMessageTermination
    "max turns",                  // OpenAI Agents MaxTurnsExceeded: "Max turns (3) exceeded"
    "maxturnsexceeded",
    "recursion limit", // LangGraph GraphRecursionError
    "graphrecursionerror",
    "maximum iterations", // CrewAI / LangChain AgentExecutor
    "max iterations",
    "iteration limit",
    "maximum rounds", // AG2 max_round
    "max_round",
    "maximum number of rounds",
];

pub fn limit_phrase(t: &str) -> bool {
    // Phrases are lower-case ASCII: match them in the ASCII-lowered text (same bytes, same length).
    if t.len() < 8 {
        return LIMIT_PHRASES.iter().any(|p| contains_ci(t, p));
    }
    let lower = t.to_ascii_lowercase();
    LIMIT_PHRASES.iter().any(|p| lower.contains(p))
}

/// Bounded view of a possibly huge text: its head and tail.
fn head_tail(t: &str) -> [&str; 2] {
    const N: usize = 8 * 1024;
    if t.len() <= 2 * N {
        return [t, ""];
    }
    let mut a = N;
    while !t.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = t.len() - N;
    while !t.is_char_boundary(b) {
        b += 1;
    }
    [&t[..a], &t[b..]]
}

fn detect_stop(span: &SpanRecord, f: &SpanFacts) -> Option<String> {
    // Error texts: exception type / message / status.
    let mut texts: Vec<&str> = Vec::new();
    if let Some(t) = &f.error_type {
        texts.push(t);
    }
    if let Some(t) = &f.error_message {
        texts.push(t);
    }
    if f.is_error {
        texts.push(&span.status_message);
    }
    for t in texts {
        if head_tail(t).iter().any(|p| limit_phrase(p)) {
            let reason = match (&f.error_type, &f.error_message) {
                (Some(ty), Some(m)) if ty != m => format!("{ty}: {}", first_line(m)),
                (_, Some(m)) => first_line(m),
                (Some(ty), None) => ty.clone(),
                _ => first_line(t),
            };
            return Some(reason);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_messages() {
        let (t, m) = parse_status_message("ConnectionError(\"search backend unreachable\")Traceback (most recent call last):\n  File x\n");
        assert_eq!(t.as_deref(), Some("ConnectionError"));
        assert_eq!(m, "search backend unreachable");
        let (t, m) = parse_status_message("Traceback (most recent call last):\n  File \"a\", line 1\nTimeoutError: slow");
        assert_eq!((t.as_deref(), m.as_str()), (Some("TimeoutError"), "slow"));
        let (t, m) = parse_status_message("Error in agent run: {'error': 'x'}");
        assert_eq!(t, None);
        assert!(m.starts_with("Error in agent run"));
        let (t, _) = parse_status_message("");
        assert_eq!(t, None);
        let (t, _) = parse_status_message("(((");
        assert_eq!(t, None);
        assert!(limit_phrase("Max turns (3) exceeded"));
        assert!(limit_phrase("Recursion limit of 25 reached without hitting a stop condition"));
        assert!(!limit_phrase("all good"));
    }
}
