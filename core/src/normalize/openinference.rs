//! OpenInference (Arize): `openinference.span.kind`, `llm.*`, `tool.*`, `agent.name`,
//! `graph.node.*`, `input.value` / `output.value`, flattened `llm.input_messages.N.message.*`.
use super::ctx::{k, JKey, Sp};
use super::messages;
use super::util::{truncate, MAX_TEXT};
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct OpenInference;

impl Vocabulary for OpenInference {
    fn name(&self) -> &'static str {
        "openinference"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.has(k!("openinference.span.kind")) || sp.span.scope_name.starts_with("openinference.")
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.instrumentation = Some("openinference".into());
        let kind = sp.s(k!("openinference.span.kind")).unwrap_or_default();
        let is = |lit: &str| kind.eq_ignore_ascii_case(lit);
        f.category = if is("LLM") {
            SpanCategory::Llm
        } else if is("TOOL") {
            SpanCategory::Tool
        } else if is("AGENT") {
            SpanCategory::Agent
        } else if is("CHAIN") {
            SpanCategory::Chain
        } else if is("RETRIEVER") || is("EMBEDDING") || is("RERANKER") {
            SpanCategory::Retrieval
        } else if is("GUARDRAIL") {
            SpanCategory::Guardrail
        } else {
            f.category
        };
        let node = sp.string(k!("graph.node.id"));
        if node.is_some() {
            f.graph_node = node.clone();
        }
        if let Some(a) = sp.string(k!("agent.name")) {
            f.agent_name = Some(a);
        } else if f.category == SpanCategory::Agent {
            f.agent_name =
                node.or_else(|| Some(span.name.split('.').next().unwrap_or(&span.name).trim().to_string())).filter(|n| !n.is_empty());
        }

        if let Some(m) = sp.first(&[k!("llm.model_name"), k!("embedding.model_name")]) {
            f.model = Some(m);
        }
        if let Some(p) = sp.first(&[k!("llm.provider"), k!("llm.system")]) {
            f.provider = Some(p);
        }
        let set = |slot: &mut Option<i64>, v: Option<i64>| {
            if v.is_some() {
                *slot = v;
            }
        };
        set(&mut f.input_tokens, sp.int(k!("llm.token_count.prompt")));
        set(&mut f.output_tokens, sp.int(k!("llm.token_count.completion")));
        set(&mut f.total_tokens, sp.int(k!("llm.token_count.total")));
        set(&mut f.cached_tokens, sp.int(k!("llm.token_count.prompt_details.cache_read")));
        set(&mut f.reasoning_tokens, sp.int(k!("llm.token_count.completion_details.reasoning")));

        let input_raw = sp.s(k!("input.value"));
        let output_raw = sp.s(k!("output.value"));
        let input = input_raw.as_deref().map(|t| truncate(t, MAX_TEXT));
        let output = output_raw.as_deref().map(|t| truncate(t, MAX_TEXT));
        if f.category == SpanCategory::Tool {
            if let Some(t) = sp.string(k!("tool.name")) {
                f.tool_name = Some(t);
            } else if f.tool_name.is_none() {
                f.tool_name = Some(span.name.clone());
            }
            if let Some(id) = sp.first(&[k!("tool_call.id"), k!("tool.call_id"), k!("tool.id")]) {
                f.tool_call_id = Some(id);
            }
            f.tool_arguments = input.as_deref().map(unwrap_call_arguments).or_else(|| sp.string(k!("tool_call.function.arguments")));
            f.tool_result = output.clone();
        }
        if sp.flat.llm_input {
            let inm = messages::flattened(&span.attributes, "llm.input_messages");
            if !inm.is_empty() {
                f.input_messages = inm;
            }
        }
        if sp.flat.llm_output {
            let outm = messages::flattened(&span.attributes, "llm.output_messages");
            if !outm.is_empty() {
                f.output_messages = outm;
            }
        }
        if let (Some(i), Some(raw)) = (input, input_raw.as_deref()) {
            f.input_text = Some(match f.category {
                SpanCategory::Tool | SpanCategory::Llm => i,
                // An agent's run method recorded as its call: the task argument.
                SpanCategory::Agent => last_text_of(sp, JKey::InputValue, raw).or_else(|| task_argument(raw)).unwrap_or(i),
                _ => last_text_of(sp, JKey::InputValue, raw).unwrap_or(i),
            });
        }
        if let (Some(o), Some(raw)) = (output, output_raw.as_deref()) {
            // JSON outputs carry messages (LLM generations, LangGraph node state updates);
            // prefer the readable text of the last one.
            let llm_text = if f.category == SpanCategory::Llm { messages::last_text(&f.output_messages) } else { None };
            f.output_text = Some(match llm_text {
                Some(t) => t,
                None if f.category == SpanCategory::Tool => o,
                None => last_text_of(sp, JKey::OutputValue, raw).unwrap_or(o),
            });
        } else if f.output_text.is_none() {
            f.output_text = messages::last_text(&f.output_messages);
        }
    }
}

/// `last_text(from_json_text(truncate(raw, MAX_TEXT)))`: a truncated text is never valid JSON.
fn last_text_of(sp: &Sp, jk: JKey, raw: &str) -> Option<String> {
    if raw.len() > MAX_TEXT {
        return None;
    }
    messages::last_text_owned(messages::from_j(sp.json_text(jk)?))
}

/// The task of an agent call recorded as its arguments (`{"task": "...", "stream": false, ...}`).
fn task_argument(raw: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    ["task", "input", "query", "question", "prompt"]
        .iter()
        .find_map(|k| v.get(*k).and_then(serde_json::Value::as_str))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| truncate(t, MAX_TEXT))
}

/// The arguments a tool was called with, when `input.value` records the Python call instead
/// (`{"args": [], "kwargs": {...}}`, smolagents adding `sanitize_inputs_outputs`): the keyword
/// arguments when there are no positional ones. Other values unchanged.
pub(crate) fn unwrap_call_arguments(input: &str) -> String {
    let unwrapped = || {
        let v: serde_json::Value = serde_json::from_str(input).ok()?;
        let o = v.as_object()?;
        let kwargs = o.get("kwargs")?.as_object()?;
        let no_args = o.get("args").is_none_or(|a| a.as_array().is_some_and(|a| a.is_empty()));
        let known = o.keys().all(|k| matches!(k.as_str(), "args" | "kwargs" | "sanitize_inputs_outputs"));
        (no_args && known).then(|| serde_json::Value::Object(kwargs.clone()).to_string())
    };
    unwrapped().unwrap_or_else(|| input.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

    #[test]
    fn call_wrapper_unwrapped() {
        let w = r#"{"args": [], "sanitize_inputs_outputs": true, "kwargs": {"city": "Paris"}}"#;
        assert_eq!(super::unwrap_call_arguments(w), r#"{"city":"Paris"}"#);
        // Positional arguments, or other keys: the value as recorded.
        let p = r#"{"args": ["Paris"], "kwargs": {}}"#;
        assert_eq!(super::unwrap_call_arguments(p), p);
        assert_eq!(super::unwrap_call_arguments(r#"{"kwargs": {}, "city": 1}"#), r#"{"kwargs": {}, "city": 1}"#);
    }

    #[test]
    fn kinds_and_malformed_values() {
        let f = span_facts(&span(
            "generation",
            &[
                ("openinference.span.kind", json!("LLM")),
                ("llm.model_name", json!("gpt")),
                ("llm.token_count.prompt", json!("12")),
                ("llm.token_count.completion", json!({"bad": 1})),
                ("llm.output_messages.0.message.role", json!("assistant")),
                ("llm.output_messages.0.message.content", json!("hello")),
            ],
        ));
        assert_eq!(f.category, SpanCategory::Llm);
        assert_eq!(f.instrumentation.as_deref(), Some("openinference"));
        assert_eq!(f.input_tokens, Some(12));
        assert_eq!(f.output_tokens, None);
        assert_eq!(f.output_text.as_deref(), Some("hello"));

        let f = span_facts(&span("lookup", &[("openinference.span.kind", json!("TOOL")), ("input.value", json!("{\"q\":1}"))]));
        assert_eq!(f.category, SpanCategory::Tool);
        assert_eq!(f.tool_name.as_deref(), Some("lookup"));
        assert_eq!(f.tool_arguments.as_deref(), Some("{\"q\":1}"));

        let f = span_facts(&span("Bob.run", &[("openinference.span.kind", json!("AGENT"))]));
        assert_eq!(f.agent_name.as_deref(), Some("Bob"));

        let f = span_facts(&span("x", &[("openinference.span.kind", json!(5)), ("agent.name", json!(""))]));
        assert_eq!(f.category, SpanCategory::Other);
        assert_eq!(f.agent_name, None);
    }
}
