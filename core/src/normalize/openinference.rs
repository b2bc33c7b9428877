//! OpenInference (Arize): `openinference.span.kind`, `llm.*`, `tool.*`, `agent.name`,
//! `graph.node.*`, `input.value` / `output.value`, flattened `llm.input_messages.N.message.*`.
use super::messages;
use super::util::{first, first_int, s, truncate, MAX_TEXT};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::SpanRecord;

pub struct OpenInference;

impl Vocabulary for OpenInference {
    fn name(&self) -> &'static str {
        "openinference"
    }

    fn detect(&self, span: &SpanRecord) -> bool {
        span.attributes.contains_key("openinference.span.kind") || span.scope_name.starts_with("openinference.")
    }

    fn apply(&self, span: &SpanRecord, f: &mut SpanFacts) {
        f.instrumentation = Some("openinference".into());
        let kind = s(span, "openinference.span.kind").unwrap_or_default().to_ascii_uppercase();
        f.category = match kind.as_str() {
            "LLM" => SpanCategory::Llm,
            "TOOL" => SpanCategory::Tool,
            "AGENT" => SpanCategory::Agent,
            "CHAIN" => SpanCategory::Chain,
            "RETRIEVER" | "EMBEDDING" | "RERANKER" => SpanCategory::Retrieval,
            "GUARDRAIL" => SpanCategory::Guardrail,
            _ => f.category,
        };
        let node = s(span, "graph.node.id");
        if node.is_some() {
            f.graph_node = node.clone();
        }
        if let Some(a) = s(span, "agent.name") {
            f.agent_name = Some(a);
        } else if f.category == SpanCategory::Agent {
            f.agent_name = node.or_else(|| Some(span.name.split('.').next().unwrap_or(&span.name).trim().to_string()))
                .filter(|n| !n.is_empty());
        }

        if let Some(m) = first(span, &["llm.model_name", "embedding.model_name"]) {
            f.model = Some(m);
        }
        if let Some(p) = first(span, &["llm.provider", "llm.system"]) {
            f.provider = Some(p);
        }
        let set = |slot: &mut Option<i64>, v: Option<i64>| {
            if v.is_some() {
                *slot = v;
            }
        };
        set(&mut f.input_tokens, first_int(span, &["llm.token_count.prompt"]));
        set(&mut f.output_tokens, first_int(span, &["llm.token_count.completion"]));
        set(&mut f.total_tokens, first_int(span, &["llm.token_count.total"]));
        set(&mut f.cached_tokens, first_int(span, &["llm.token_count.prompt_details.cache_read"]));
        set(&mut f.reasoning_tokens, first_int(span, &["llm.token_count.completion_details.reasoning"]));

        let input = s(span, "input.value").map(|t| truncate(&t, MAX_TEXT));
        let output = s(span, "output.value").map(|t| truncate(&t, MAX_TEXT));
        if f.category == SpanCategory::Tool {
            if let Some(t) = s(span, "tool.name") {
                f.tool_name = Some(t);
            } else if f.tool_name.is_none() {
                f.tool_name = Some(span.name.clone());
            }
            if let Some(id) = first(span, &["tool_call.id", "tool.call_id", "tool.id"]) {
                f.tool_call_id = Some(id);
            }
            f.tool_arguments = input.clone().or_else(|| s(span, "tool_call.function.arguments"));
            f.tool_result = output.clone();
        }
        let inm = messages::flattened(&span.attributes, "llm.input_messages");
        if !inm.is_empty() {
            f.input_messages = inm;
        }
        let outm = messages::flattened(&span.attributes, "llm.output_messages");
        if !outm.is_empty() {
            f.output_messages = outm;
        }
        if let Some(i) = input {
            f.input_text = Some(match f.category {
                SpanCategory::Tool | SpanCategory::Llm => i,
                _ => messages::last_text(&messages::from_json_text(&i)).unwrap_or(i),
            });
        }
        if let Some(o) = output {
            // JSON outputs carry messages (LLM generations, LangGraph node state updates);
            // prefer the readable text of the last one.
            f.output_text = Some(match messages::last_text(&f.output_messages) {
                Some(t) if f.category == SpanCategory::Llm => t,
                _ if f.category == SpanCategory::Tool => o,
                _ => messages::last_text(&messages::from_json_text(&o)).unwrap_or(o),
            });
        } else if f.output_text.is_none() {
            f.output_text = messages::last_text(&f.output_messages);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

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
