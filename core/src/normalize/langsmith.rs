//! LangSmith OTel export (`LANGSMITH_TRACING_MODE=otel`): `langsmith.span.kind`,
//! `langsmith.trace.name`, `langsmith.metadata.*` (LangGraph keys read by `langgraph.rs`),
//! `gen_ai.prompt` / `gen_ai.completion` JSON blobs (parsed by `genai.rs`).
use super::util::{json, s};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::SpanRecord;

pub struct LangSmith;

impl Vocabulary for LangSmith {
    fn name(&self) -> &'static str {
        "langsmith"
    }

    fn detect(&self, span: &SpanRecord) -> bool {
        span.attributes.contains_key("langsmith.span.kind") || span.scope_name == "langsmith"
    }

    fn apply(&self, span: &SpanRecord, f: &mut SpanFacts) {
        f.instrumentation = Some("langsmith".into());
        match s(span, "langsmith.span.kind").unwrap_or_default().to_ascii_lowercase().as_str() {
            "llm" => f.category = SpanCategory::Llm,
            "tool" => f.category = SpanCategory::Tool,
            "chain" => f.category = SpanCategory::Chain,
            "retriever" | "embedding" => f.category = SpanCategory::Retrieval,
            "prompt" | "parser" => f.category = SpanCategory::Other,
            _ => {}
        }
        if f.category == SpanCategory::Tool && f.tool_name.is_none() {
            f.tool_name = s(span, "langsmith.trace.name").or_else(|| Some(span.name.clone()));
        }
        if f.category == SpanCategory::Tool {
            if f.tool_arguments.is_none() {
                f.tool_arguments = f.input_text.clone();
            }
            if f.tool_result.is_none() {
                f.tool_result = f.output_text.clone();
            }
        }
        if let Some(u) = json(span, "langsmith.metadata.usage_metadata") {
            let get = |k: &str| u.get(k).and_then(super::util::value_int);
            super::util::fill(&mut f.input_tokens, get("input_tokens"));
            super::util::fill(&mut f.output_tokens, get("output_tokens"));
            super::util::fill(&mut f.total_tokens, get("total_tokens"));
        }
        if f.provider.as_deref() == Some("langchain") {
            if let Some(p) = s(span, "langsmith.metadata.ls_provider") {
                f.provider = Some(p);
            }
        }
        if f.model.is_none() {
            f.model = s(span, "langsmith.metadata.ls_model_name");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{exception, span};
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

    #[test]
    fn blobs_and_errors() {
        let mut sp = span(
            "web_search",
            &[
                ("langsmith.span.kind", json!("tool")),
                ("gen_ai.prompt", json!("{\"input\": \"q\"}")),
                ("langsmith.metadata.usage_metadata", json!("not json")),
            ],
        );
        sp.status_code = 2;
        sp.events.push(exception("Exception", "backend down"));
        let f = span_facts(&sp);
        assert_eq!(f.category, SpanCategory::Tool);
        assert_eq!(f.tool_name.as_deref(), Some("web_search"));
        assert!(f.is_error);
        assert_eq!(f.error_message.as_deref(), Some("backend down"));
        assert_eq!(f.instrumentation.as_deref(), Some("langsmith"));
    }
}
