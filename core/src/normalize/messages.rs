//! Chat messages in the shapes instrumentations record them:
//! * OpenInference flattened keys: `llm.input_messages.N.message.role|content|name|tool_call_id`,
//!   `...message.contents.M.message_content.text`, `...message.tool_calls.M.tool_call.{id,function.name,function.arguments}`;
//! * legacy Traceloop flattened keys: `gen_ai.prompt.N.role|content`, `gen_ai.completion.N.*`;
//! * JSON blobs: GenAI semconv (`role` + `parts`), OpenAI chat (`role`, `content`, `tool_calls`),
//!   LangChain (`type`: human/ai/tool, serialized `lc` constructors, `{"messages": ...}`,
//!   `{"generations": ...}`, `{"inputs"/"outputs": ...}` wrappers).
use std::collections::BTreeMap;

use serde_json::Value;

use super::json::{self, Jv, Kind};
use super::util::{truncate, truncate_owned, value_str, MAX_TEXT};
use super::{ChatMessage, ToolCallRef};
use crate::model::Attributes;

/// Most messages read from one attribute (a chat history can be long; the tail matters least).
const MAX_MESSAGES: usize = 256;
const MAX_INDEX: usize = 10_000;
const MAX_DEPTH: usize = 8;

/// Whether a span's messages are a model's own exchange, from which tool calls are read by call
/// id (requested in its output, answered in its input): model calls, and runtime deliveries of a
/// model's tool-call events (AutoGen's `ToolCallRequestEvent` / `ToolCallExecutionEvent`, read by
/// the AutoGen vocabulary into the same messages). Agent and workflow spans that record a
/// conversation are not read: their messages repeat the model calls'.
pub fn records_tool_calls(f: &super::SpanFacts) -> bool {
    matches!(f.category, super::SpanCategory::Llm | super::SpanCategory::Messaging)
}

/// Flattened indexed messages under `prefix` (e.g. `llm.input_messages`). Works for both the
/// OpenInference `N.message.field` layout and the legacy `N.field` layout.
pub fn flattened(attrs: &Attributes, prefix: &str) -> Vec<ChatMessage> {
    let mut by_index: BTreeMap<usize, ChatMessage> = BTreeMap::new();
    for (k, v) in attrs.iter() {
        let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else { continue };
        let Some((idx, field)) = rest.split_once('.') else { continue };
        let Ok(idx) = idx.parse::<usize>() else { continue };
        if idx > MAX_INDEX || (by_index.len() >= MAX_MESSAGES && !by_index.contains_key(&idx)) {
            continue;
        }
        let field = field.strip_prefix("message.").unwrap_or(field);
        let m = by_index.entry(idx).or_default();
        let Some(text) = value_str(v) else { continue };
        match field {
            "role" => m.role = text,
            "content" => m.content = truncate(&text, MAX_TEXT),
            "name" => m.name = Some(text),
            "tool_call_id" => m.tool_call_id = Some(text),
            f if f.starts_with("contents.") && f.ends_with(".text") => {
                if !m.content.is_empty() {
                    m.content.push('\n');
                }
                m.content.push_str(&truncate(&text, MAX_TEXT));
            }
            f if f.starts_with("tool_calls.") => {
                let rest = &f["tool_calls.".len()..];
                let Some((ti, tf)) = rest.split_once('.') else { continue };
                let Ok(ti) = ti.parse::<usize>() else { continue };
                if ti > 64 {
                    continue;
                }
                while m.tool_calls.len() <= ti {
                    m.tool_calls.push(ToolCallRef::default());
                }
                let tc = &mut m.tool_calls[ti];
                match tf.strip_prefix("tool_call.").unwrap_or(tf) {
                    "id" => tc.id = Some(text),
                    "function.name" | "name" => tc.name = text,
                    "function.arguments" | "arguments" => tc.arguments = truncate(&text, MAX_TEXT),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    by_index.into_values().filter(|m| !m.role.is_empty() || !m.content.is_empty() || !m.tool_calls.is_empty()).collect()
}

/// Messages from a JSON text of any of the supported shapes. Invalid JSON gives no messages.
pub fn from_json_text(t: &str) -> Vec<ChatMessage> {
    match json::parse(t) {
        Some(v) => from_j(v.root()),
        None => Vec::new(),
    }
}

pub fn from_json(v: &Value) -> Vec<ChatMessage> {
    from_j(v)
}

/// [`from_json`] for either JSON representation.
pub(crate) fn from_j<'v, J: Jv<'v>>(v: J) -> Vec<ChatMessage> {
    let mut out = Vec::new();
    collect(v, &mut out, 0);
    out
}

fn collect<'v, J: Jv<'v>>(v: J, out: &mut Vec<ChatMessage>, depth: usize) {
    if depth > MAX_DEPTH || out.len() >= MAX_MESSAGES {
        return;
    }
    match v.kind() {
        Kind::Arr => {
            for it in v.items().into_iter().flatten() {
                collect(it, out, depth + 1);
                if out.len() >= MAX_MESSAGES {
                    break;
                }
            }
        }
        Kind::Obj => {
            if let Some(m) = one_message(v) {
                out.push(m);
                return;
            }
            // Wrappers.
            for key in ["messages", "generations", "inputs", "outputs", "output", "input", "message", "chat_message", "response"] {
                if let Some(inner) = v.get(key) {
                    collect(inner, out, depth + 1);
                    if !out.is_empty() {
                        return;
                    }
                }
            }
        }
        _ => {}
    }
}

fn role_of_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "human" | "HumanMessage" | "HumanMessageChunk" | "user" => "user",
        "ai" | "AIMessage" | "AIMessageChunk" | "assistant" => "assistant",
        "system" | "SystemMessage" => "system",
        "tool" | "ToolMessage" | "function" | "FunctionMessage" => "tool",
        _ => return None,
    })
}

fn text_of<'v, J: Jv<'v>>(v: J) -> String {
    match v.kind() {
        Kind::Str(t) => truncate(t, MAX_TEXT),
        Kind::Arr => {
            let mut s = String::new();
            for p in v.items().into_iter().flatten().take(64) {
                let piece: &str = match p.kind() {
                    Kind::Str(t) => t,
                    Kind::Obj => p.get("text").or_else(|| p.get("content")).and_then(J::as_str).unwrap_or(""),
                    _ => "",
                };
                if !piece.is_empty() {
                    if !s.is_empty() {
                        s.push('\n');
                    }
                    s.push_str(piece);
                }
                if s.len() > MAX_TEXT {
                    break;
                }
            }
            truncate_owned(s, MAX_TEXT)
        }
        Kind::Null => String::new(),
        _ => truncate_owned(v.render(), MAX_TEXT),
    }
}

fn args_text<'v, J: Jv<'v>>(v: Option<J>) -> String {
    match v.map(J::kind) {
        None | Some(Kind::Null) => String::new(),
        Some(Kind::Str(t)) => truncate(t, MAX_TEXT),
        Some(_) => truncate_owned(v.map(J::render).unwrap_or_default(), MAX_TEXT),
    }
}

fn tool_call_of<'v, J: Jv<'v>>(o: J) -> Option<ToolCallRef> {
    let func = o.get("function").filter(|f| f.is_object());
    let name = func.and_then(|f| f.get("name")).or_else(|| o.get("name")).and_then(J::as_str)?.to_string();
    let arguments = args_text(func.and_then(|f| f.get("arguments")).or_else(|| o.get("arguments")).or_else(|| o.get("args")));
    let id = o.get("id").and_then(J::as_str).map(str::to_string);
    Some(ToolCallRef { id, name, arguments })
}

/// `o` is an object.
fn one_message<'v, J: Jv<'v>>(o: J) -> Option<ChatMessage> {
    // LangChain serialized constructor: {"lc":1,"type":"constructor","id":[...,"AIMessage"],"kwargs":{...}}
    if let Some(id) = o.get("id").and_then(J::items) {
        if let Some(kw) = o.get("kwargs").filter(|k| k.is_object()) {
            let cls = id.last().and_then(J::as_str).unwrap_or("");
            let role = role_of_type(cls).or_else(|| kw.get("type").and_then(J::as_str).and_then(role_of_type))?;
            let mut m = from_parts_object(kw, role);
            m.role = role.to_string();
            return Some(m);
        }
    }
    // LangChain generation: {"text": "...", "message": {...}}
    if let Some(msg) = o.get("message").filter(|m| m.is_object() && (o.get("text").is_some() || o.get("generation_info").is_some())) {
        if let Some(m) = one_message(msg) {
            return Some(m);
        }
        let mut m = ChatMessage { role: "assistant".into(), ..Default::default() };
        m.content = o.get("text").map(text_of).unwrap_or_default();
        return Some(m);
    }
    // LangChain dict message: {"type":"ai","data":{...}} or {"type":"human","content":...}
    if let Some(role) = o.get("type").and_then(J::as_str).and_then(role_of_type) {
        if o.get("role").is_none() {
            let body = o.get("data").filter(|d| d.is_object()).unwrap_or(o);
            let mut m = from_parts_object(body, role);
            m.role = role.to_string();
            return Some(m);
        }
    }
    let role = o.get("role").and_then(J::as_str)?;
    Some(from_parts_object(o, role))
}

fn from_parts_object<'v, J: Jv<'v>>(o: J, role: &str) -> ChatMessage {
    let mut m = ChatMessage { role: role.to_string(), ..Default::default() };
    if let Some(parts) = o.get("parts").and_then(J::items) {
        // GenAI semconv parts.
        let mut texts: Vec<String> = Vec::new();
        for p in parts.take(64) {
            if !p.is_object() {
                continue;
            }
            match p.get("type").and_then(J::as_str).unwrap_or("text") {
                "tool_call" => {
                    if let Some(tc) = tool_call_of(p) {
                        m.tool_calls.push(tc);
                    }
                }
                "tool_call_response" => {
                    fill_id(&mut m.tool_call_id, p.get("id"));
                    let r = p.get("response").or_else(|| p.get("result")).map(text_of).unwrap_or_default();
                    if !r.is_empty() {
                        texts.push(r);
                    }
                }
                _ => {
                    let t = p.get("content").or_else(|| p.get("text")).map(text_of).unwrap_or_default();
                    if !t.is_empty() {
                        texts.push(t);
                    }
                }
            }
        }
        m.content = if texts.len() == 1 {
            truncate_owned(texts.pop().unwrap_or_default(), MAX_TEXT)
        } else {
            truncate_owned(texts.join("\n"), MAX_TEXT)
        };
    } else if let Some(c) = o.get("content") {
        m.content = text_of(c);
    }
    if let Some(calls) = o.get("tool_calls").and_then(J::items) {
        for c in calls.take(64) {
            if !c.is_object() {
                continue;
            }
            if let Some(tc) = tool_call_of(c) {
                m.tool_calls.push(tc);
            }
        }
    }
    if m.tool_call_id.is_none() {
        fill_id(&mut m.tool_call_id, o.get("tool_call_id"));
    }
    m.name = o.get("name").and_then(J::as_str).filter(|n| !n.is_empty()).map(str::to_string);
    m
}

fn fill_id<'v, J: Jv<'v>>(slot: &mut Option<String>, v: Option<J>) {
    if slot.is_none() {
        *slot = v.and_then(J::as_str).filter(|t| !t.is_empty()).map(str::to_string);
    }
}

/// Text of the last message, or of the last assistant message when there is one.
pub fn last_text(msgs: &[ChatMessage]) -> Option<String> {
    msgs.iter().rev().find(|m| !m.content.is_empty()).map(|m| m.content.clone())
}

/// [`last_text`] consuming the messages.
pub(crate) fn last_text_owned(msgs: Vec<ChatMessage>) -> Option<String> {
    msgs.into_iter().rev().find(|m| !m.content.is_empty()).map(|m| m.content)
}

/// Some instrumentations record an assistant message as the Python repr of the SDK object
/// (`{'content': None, 'role': 'assistant', 'tool_calls': [{... 'function': {'arguments': '{}',
/// 'name': 'transfer_to_x'} ...}]}`). Turns such a content into its text and tool calls.
pub fn fix_python_repr(m: &mut ChatMessage) {
    let c = m.content.trim_start();
    if !c.starts_with("{'content': ") {
        return;
    }
    static CALL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = CALL.get_or_init(|| regex::Regex::new(r"'arguments': '((?:[^'\\]|\\.)*)', 'name': '([^']+)'").expect("regex"));
    let body = &c["{'content': ".len()..];
    let text = if body.starts_with("None") {
        String::new()
    } else if let Some(rest) = body.strip_prefix('\'').or_else(|| body.strip_prefix('"')) {
        let end = rest.find("', 'refusal'").or_else(|| rest.find("\", 'refusal'")).unwrap_or(0);
        rest[..end].replace("\\n", "\n").replace("\\'", "'")
    } else {
        return;
    };
    let calls: Vec<ToolCallRef> =
        re.captures_iter(c).map(|cap| ToolCallRef { id: None, name: cap[2].to_string(), arguments: cap[1].replace("\\'", "'") }).collect();
    if m.tool_calls.is_empty() {
        m.tool_calls = calls;
    }
    m.content = text;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattened_openinference() {
        let mut a = Attributes::new();
        a.insert("llm.input_messages.0.message.role".into(), json!("system"));
        a.insert("llm.input_messages.0.message.content".into(), json!("be brief"));
        a.insert("llm.input_messages.1.message.role".into(), json!("assistant"));
        a.insert("llm.input_messages.1.message.tool_calls.0.tool_call.id".into(), json!("c1"));
        a.insert("llm.input_messages.1.message.tool_calls.0.tool_call.function.name".into(), json!("f"));
        a.insert("llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments".into(), json!("{}"));
        a.insert("llm.input_messages.x.message.role".into(), json!("junk"));
        a.insert("llm.input_messages.2.message.role".into(), json!(["wrong", "type"]));
        a.insert("llm.input_messages.99999999999999999999.message.role".into(), json!("huge"));
        let m = flattened(&a, "llm.input_messages");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].content, "be brief");
        assert_eq!(m[1].tool_calls[0].name, "f");
        assert_eq!(m[1].tool_calls[0].id.as_deref(), Some("c1"));
    }

    #[test]
    fn json_shapes() {
        let semconv = r#"[{"role":"assistant","parts":[{"type":"tool_call","id":"c","name":"lookup","arguments":{"q":1}}]},
                          {"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":"ok"}]}]"#;
        let m = from_json_text(semconv);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].tool_calls[0].arguments, r#"{"q":1}"#);
        assert_eq!(m[1].tool_call_id.as_deref(), Some("c"));
        assert_eq!(m[1].content, "ok");

        let lc = r#"{"messages":[[{"lc":1,"type":"constructor","id":["langchain","schema","messages","HumanMessage"],"kwargs":{"content":"hi","type":"human"}}]]}"#;
        let m = from_json_text(lc);
        assert_eq!((m[0].role.as_str(), m[0].content.as_str()), ("user", "hi"));

        let gens = r#"{"generations":[[{"text":"yo","generation_info":null,"message":{"lc":1,"id":["x","AIMessage"],"kwargs":{"content":"yo"}}}]]}"#;
        assert_eq!(from_json_text(gens)[0].content, "yo");

        let oai = r#"[{"role":"assistant","content":null,"tool_calls":[{"id":"t","function":{"name":"go","arguments":"{}"}}]}]"#;
        assert_eq!(from_json_text(oai)[0].tool_calls[0].name, "go");

        let lcdict = r#"{"messages":[{"type":"ai","data":{"content":"plan"}}]}"#;
        assert_eq!(from_json_text(lcdict)[0].content, "plan");

        assert!(from_json_text("{not json").is_empty());
        assert!(from_json_text("").is_empty());
        assert!(from_json_text("42").is_empty());
        assert!(from_json_text(r#"[{"role": 5}]"#).is_empty());
        assert!(from_json_text(r#"[{"parts": "x", "role": "user"}]"#)[0].content.is_empty());
    }
}
