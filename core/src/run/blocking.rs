//! Span facts that only whole-run analysis turns into rows: a run (or a batch) holding them is
//! analysed whole. Both analyses read them from here, so they agree on what is extendable.
use super::{excerpt, instruction_text, RunSketch, SpanKey, ToolStrings};
use crate::model::SpanRecord;
use crate::normalize::{SpanCategory, SpanFacts};

/// A message span whose message its span alone decides (it names its sender and carries its
/// content): appended as it comes. Others take their sender from a linked span's agent or their
/// content from the turns around them, which may arrive later: their runs are analysed whole.
pub fn message_is_final(f: &SpanFacts) -> bool {
    f.sender.is_some() && excerpt(f.message_content.as_ref()).is_some()
}

/// A tool span that records nothing of its call but its id: whole-run analysis reads its
/// arguments and result from the run's model messages (`analyze::calls_from_messages`),
/// which may arrive in any later batch. Its run is analysed whole from then on.
pub fn tool_content_elsewhere(f: &SpanFacts) -> bool {
    f.category == SpanCategory::Tool && f.tool_call_id.is_some() && f.tool_arguments.is_none() && f.tool_result.is_none()
}

/// The short string values of a tool call's JSON-object arguments (those that could name an
/// agent).
pub fn tool_strings(f: &SpanFacts) -> Vec<String> {
    if f.category != SpanCategory::Tool {
        return Vec::new();
    }
    let Some(Ok(serde_json::Value::Object(o))) = f.tool_arguments.as_deref().map(serde_json::from_str::<serde_json::Value>) else {
        return Vec::new();
    };
    o.values().filter_map(serde_json::Value::as_str).filter(|v| !v.is_empty() && v.len() <= 128).map(str::to_string).collect()
}

/// Adds the strings of a tool call's arguments that could name an agent to `set` (see
/// [`RunSketch::tool_strings`]).
pub fn add_tool_strings(set: &mut ToolStrings, f: &SpanFacts) {
    for v in tool_strings(f) {
        set.add(&v);
    }
}

/// A tool span whose arguments hold an instruction ([`instruction_text`]): a sub-agent turn
/// without input below it is handed that instruction.
pub fn tasked_tool(f: &SpanFacts) -> bool {
    f.category == SpanCategory::Tool && f.tool_arguments.as_deref().and_then(instruction_text).is_some()
}

/// What [`RunSketch::tasked_tools`] holds of a span: its trace and span id.
pub fn tasked_key(k: &SpanKey) -> String {
    format!("{}{}", crate::ids::to_hex(&k.0), crate::ids::to_hex(&k.1))
}

/// Adds the span to [`RunSketch::tasked_tools`] when it is a [`tasked_tool`].
pub fn add_tasked_tool(set: &mut ToolStrings, s: &SpanRecord, f: &SpanFacts) {
    if tasked_tool(f) {
        set.add(&tasked_key(&(s.trace_id, s.span_id)));
    }
}

/// Adds a span's call ids to the run's sets: a tool span's that records nothing of its call to
/// [`RunSketch::calls_waiting`], a model span's messages' to [`RunSketch::calls_in_messages`].
pub fn add_call_ids(sk: &mut RunSketch, f: &SpanFacts) {
    if tool_content_elsewhere(f) {
        if let Some(id) = &f.tool_call_id {
            sk.calls_waiting.add(id);
        }
    }
    for id in message_call_ids(f) {
        sk.calls_in_messages.add(id);
    }
}

/// The call ids a model span's messages request (assistant tool calls) or answer (tool
/// messages).
pub fn message_call_ids(f: &SpanFacts) -> Vec<&str> {
    if !crate::normalize::messages::records_tool_calls(f) {
        return Vec::new();
    }
    let requested = f.output_messages.iter().flat_map(|m| &m.tool_calls).filter_map(|t| t.id.as_deref());
    let answered = f.input_messages.iter().filter_map(|m| m.tool_call_id.as_deref());
    requested.chain(answered).collect()
}

/// A tool call whose arguments name one of `agents` (a handoff tool such as `handoff_to_agent`):
/// whole-run analysis gives the handoff its instruction (`analyze::tool_handoffs`).
pub fn names_an_agent<'a>(f: &SpanFacts, mut agents: impl Iterator<Item = &'a str>) -> bool {
    let named = tool_strings(f);
    !named.is_empty() && agents.any(|a| named.iter().any(|n| n == a))
}
