//! AutoGen (0.4+ / 0.7): autogen-core runtime tracing (`autogen publish|send|process|create|ack ...`
//! spans with `sender_agent_type` / `recipient_agent_type` / `messaging.*` / `message` JSON, split
//! into many traces joined by links), its GenAI spans (`invoke_agent`, `create_agent`,
//! `execute_tool`), and the OpenInference AgentChat instrumentation (`<agent>.on_messages_stream`,
//! `<Team>.run_stream` with the team's `stop_reason` in its output).
use std::borrow::Cow;

use super::ctx::{k, JKey, JRef, Sp};
use super::errors::limit_phrase;
use super::json::Jv;
use super::util::{strip_uuid_suffix, truncate, MAX_TEXT};
use super::{ChatMessage, MessageKind, SpanCategory, SpanFacts, ToolCallRef, Vocabulary};

pub struct AutoGen;

fn is_runtime_span(sp: &Sp) -> bool {
    sp.span.name.starts_with("autogen ") && sp.has(k!("messaging.operation"))
}

fn is_manager(agent_type: &str, class: Option<&str>) -> bool {
    class.is_some_and(|c| c.ends_with("Manager")) || agent_type.contains("GroupChatManager")
}

/// Text of an AgentChat message inside the runtime's `message` JSON.
fn message_text<'v, J: Jv<'v>>(v: J) -> Option<(String, Option<String>, Option<String>)> {
    if !v.is_object() {
        return None;
    }
    let msg = v
        .get("message")
        .or_else(|| v.get("response").and_then(|r| r.get("chat_message")))
        .or_else(|| v.get("messages").and_then(J::items).and_then(Iterator::last))
        .or_else(|| v.get("agent_response").and_then(|r| r.get("chat_message")))?;
    let ty = msg.get("type").and_then(J::as_str).map(str::to_string);
    let id = msg.get("id").and_then(J::as_str).map(str::to_string);
    let c = msg.get("content")?;
    // The whole message (bounded like other texts): content rules and termination phrases
    // need its end; message excerpts are cut separately.
    let content = match c.as_str() {
        Some(t) => truncate(t, MAX_TEXT),
        None => truncate(&c.render(), MAX_TEXT),
    };
    Some((content, ty, id))
}

fn stop_reason<'v, J: Jv<'v>>(out: J) -> Option<String> {
    let r = out.get("stop_reason").and_then(J::as_str)?;
    limit_phrase(r).then(|| r.to_string())
}

impl Vocabulary for AutoGen {
    fn name(&self) -> &'static str {
        "autogen"
    }

    fn detect(&self, sp: &Sp) -> bool {
        let sc = sp.span.scope_name.as_str();
        sc == "autogen-core"
            || sc.starts_with("autogen ")
            || sc.starts_with("openinference.instrumentation.autogen")
            || is_runtime_span(sp)
            || sp.is(k!("gen_ai.system"), "autogen")
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.framework = Some("autogen".into());
        if is_runtime_span(sp) {
            f.instrumentation = Some("autogen_core".into());
            f.category = SpanCategory::Messaging;
            f.agent_name = None;
            let op = sp.s(k!("messaging.operation")).unwrap_or_default();
            if op == "create" && sp.is(k!("messaging.message.type"), "GroupChatTermination") {
                f.control = Some("termination".into());
            }
            let sender_t = sp.s(k!("sender_agent_type"));
            let recip_t = sp.s(k!("recipient_agent_type"));
            let sender_c = sp.s(k!("sender_agent_class"));
            let recip_c = sp.s(k!("recipient_agent_class"));
            let side = |t: &Option<Cow<str>>, c: &Option<Cow<str>>| -> (Option<String>, bool) {
                match t {
                    Some(t) if is_manager(t, c.as_deref()) => (None, true),
                    Some(t) => (Some(strip_uuid_suffix(t)).filter(|n| !n.is_empty() && n != "None"), false),
                    None => (None, false),
                }
            };
            let (from, from_mgr) = side(&sender_t, &sender_c);
            let (to, to_mgr) = side(&recip_t, &recip_c);
            // An orchestrator agent (Magentic-One) directs the chat and speaks in it: an agent of
            // the run, owning the deliveries it processes.
            let is_orch = |c: &Option<Cow<str>>| c.as_deref().is_some_and(|c| c.contains("Orchestrator"));
            let to_orch = is_orch(&recip_c);
            f.orchestrator = from_mgr || to_mgr || to_orch;
            if to_orch && op == "process" {
                f.agent_name = to.clone();
            }
            if op == "process" {
                let parsed = match sp.json_any(JKey::Message) {
                    Some(JRef::V(v)) => message_text(v),
                    Some(JRef::L(v)) => message_text(v),
                    None => None,
                };
                let (content, ty, id) = parsed.map(|(c, t, id)| (Some(c), t, id)).unwrap_or((None, None, None));
                f.message_id = id;
                // Tool call request / execution events an agent shares with the chat: its calls
                // (read back by the tool spans), not messages to the others.
                if let Some(ev) = ty.as_deref().filter(|t| t.ends_with("Event")) {
                    tool_events(ev, content.as_deref(), f);
                    f.sender = from;
                    f.recipient = to;
                    return;
                }
                f.message_content = content.clone();
                f.input_text = content;
                if let (Some(a), Some(b)) = (&from, &to) {
                    if a != b {
                        let rpc = sp.json_text(JKey::MessageContext).and_then(|c| c.get("is_rpc").and_then(Jv::as_bool)).unwrap_or(false);
                        f.message_kind = Some(if rpc { MessageKind::Message } else { MessageKind::Broadcast });
                        if ty.as_deref() == Some("HandoffMessage") {
                            f.message_kind = Some(MessageKind::Handoff);
                        }
                    }
                }
                f.sender = from;
                f.recipient = to;
            }
            return;
        }
        if sp.is(k!("gen_ai.operation.name"), "create_agent") {
            f.category = SpanCategory::Other;
        }
        // OpenInference AgentChat: `<Team>.run_stream` output carries the stop reason.
        if f.category == SpanCategory::Chain || span.name.ends_with(".run_stream") || span.name.ends_with(".run") {
            let r = match sp.json_any(JKey::OutputValue) {
                Some(JRef::V(v)) => stop_reason(v),
                Some(JRef::L(v)) => stop_reason(v),
                None => None,
            };
            if r.is_some() {
                f.stop_reason = r;
            }
        }
        if f.category == SpanCategory::Tool && f.agent_name.is_none() {
            // `researcher.lookup_fact`
            if let Some((agent, _)) = span.name.split_once('.') {
                if !agent.is_empty() && Some(agent) != f.tool_name.as_deref() {
                    f.agent_name = Some(agent.to_string());
                }
            }
        }
    }
}

/// `ToolCallRequestEvent` content (`[{"id", "name", "arguments"}]`) as the assistant message
/// requesting the calls; `ToolCallExecutionEvent` (`[{"call_id", "content", "is_error"}]`) as the
/// tool messages answering them.
fn tool_events(ty: &str, content: Option<&str>, f: &mut SpanFacts) {
    let Some(items) = content.and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok()) else { return };
    let Some(items) = items.as_array() else { return };
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let s = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_str).map(str::to_string);
    match ty {
        "ToolCallRequestEvent" => {
            let calls = items
                .iter()
                .take(64)
                .filter_map(|c| Some(ToolCallRef { id: s(c.get("id")), name: s(c.get("name"))?, arguments: text(c.get("arguments")) }))
                .collect();
            f.output_messages = vec![ChatMessage { role: "assistant".into(), tool_calls: calls, ..Default::default() }];
        }
        "ToolCallExecutionEvent" => {
            f.input_messages = items
                .iter()
                .take(64)
                .map(|r| ChatMessage {
                    role: "tool".into(),
                    content: text(r.get("content")),
                    tool_call_id: s(r.get("call_id")),
                    ..Default::default()
                })
                .collect();
        }
        _ => {}
    }
}

/// Uppercase words termination conditions typically look for.
const DONE_WORDS: [&str; 3] = ["TERMINATE", "APPROVE", "FINISHED"];

/// Run-level rule: a group chat the manager terminated although the last chat message carries no
/// termination word (and is no handoff) ended on a limit (`max_turns`, `MaxMessageTermination`).
/// AutoGen's built-in tracing records no stop reason, so this is an inference.
/// A last message that repeats an upper-case phrase of two or more words the task announced
/// (`reply 'DEAL CLOSED at ...'`, `end with SCHEMA READY`) met a custom text termination.
pub fn group_chat_stopped(last_message: Option<&str>, task: Option<&str>, terminated: bool) -> Option<String> {
    if !terminated {
        return None;
    }
    let last = last_message?;
    if DONE_WORDS.iter().any(|w| last.contains(w)) {
        return None;
    }
    if task.is_some_and(|t| caps_phrases(t).iter().any(|p| last.contains(p.as_str()))) {
        return None;
    }
    Some("group chat terminated by its manager without a termination message (turn or message limit reached)".into())
}

/// Runs of two or more upper-case words (`DEAL CLOSED`), at least 6 letters in all.
fn caps_phrases(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let flush = |cur: &mut Vec<&str>, out: &mut Vec<String>| {
        if cur.len() >= 2 && cur.iter().map(|w| w.len()).sum::<usize>() >= 6 {
            out.push(cur.join(" "));
        }
        cur.clear();
    };
    for w in t.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if w.len() >= 2 && w.chars().all(|c| c.is_ascii_uppercase()) {
            cur.push(w);
        } else if !w.is_empty() || cur.is_empty() {
            flush(&mut cur, &mut out);
        }
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, MessageKind, SpanCategory};
    use serde_json::json;

    #[test]
    fn runtime_process_span() {
        let u = "afd806b0-c3a9-4648-9292-9f8fadfabc7e";
        let sp = span(
            &format!("autogen process writer_{u}.({u})-A"),
            &[
                ("messaging.operation", json!("process")),
                ("sender_agent_type", json!(format!("planner_{u}"))),
                ("sender_agent_class", json!("ChatAgentContainer")),
                ("recipient_agent_type", json!(format!("writer_{u}"))),
                ("recipient_agent_class", json!("ChatAgentContainer")),
                ("message_context", json!("{\"is_rpc\": false}")),
                ("message", json!("{\"response\":{\"chat_message\":{\"content\":\"Plan: x\",\"type\":\"TextMessage\"}}}")),
            ],
        );
        let f = span_facts(&sp);
        assert_eq!(f.category, SpanCategory::Messaging);
        assert_eq!(f.framework.as_deref(), Some("autogen"));
        assert_eq!((f.sender.as_deref(), f.recipient.as_deref()), (Some("planner"), Some("writer")));
        assert_eq!(f.message_kind, Some(MessageKind::Broadcast));
        assert_eq!(f.message_content.as_deref(), Some("Plan: x"));

        let sp = span(
            "autogen process X",
            &[
                ("messaging.operation", json!("process")),
                ("sender_agent_type", json!(format!("SelectorGroupChatManager_{u}"))),
                ("recipient_agent_type", json!(5)),
                ("message", json!("{garbage")),
            ],
        );
        let f = span_facts(&sp);
        assert!(f.orchestrator);
        assert_eq!(f.message_kind, None);
    }

    #[test]
    fn team_stop_reason() {
        let mut sp = span(
            "RoundRobinGroupChat.run_stream",
            &[
                ("openinference.span.kind", json!("CHAIN")),
                ("output.value", json!("{\"stop_reason\": \"Maximum number of turns 6 reached.\"}")),
            ],
        );
        sp.scope_name = "openinference.instrumentation.autogen_agentchat".into();
        let f = span_facts(&sp);
        assert_eq!(f.stop_reason.as_deref(), Some("Maximum number of turns 6 reached."));
        assert!(super::group_chat_stopped(Some("Draft 2"), None, true).is_some());
        assert!(super::group_chat_stopped(Some("ok TERMINATE"), None, true).is_none());
        assert!(super::group_chat_stopped(None, None, true).is_none());
        let task = Some("as soon as they agree, reply exactly 'DEAL CLOSED at EUR <price>' and stop");
        assert!(super::group_chat_stopped(Some("DEAL CLOSED at EUR 440"), task, true).is_none());
        assert!(super::group_chat_stopped(Some("Would you take EUR 410?"), task, true).is_some());
    }
}
