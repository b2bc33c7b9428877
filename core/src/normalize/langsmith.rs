//! LangSmith OTel export (`LANGSMITH_TRACING_MODE=otel`): `langsmith.span.kind`,
//! `langsmith.trace.name`, `langsmith.metadata.*` (LangGraph keys read by `langgraph.rs`),
//! `gen_ai.prompt` / `gen_ai.completion` JSON blobs (parsed by `genai.rs`).
use super::ctx::{k, JKey, JRef, Sp};
use super::json::Jv;
use super::util::fill;
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct LangSmith;

impl Vocabulary for LangSmith {
    fn name(&self) -> &'static str {
        "langsmith"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.has(k!("langsmith.span.kind")) || sp.span.scope_name == "langsmith"
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.instrumentation = Some("langsmith".into());
        let kind = sp.s(k!("langsmith.span.kind")).unwrap_or_default();
        let is = |lit: &str| kind.eq_ignore_ascii_case(lit);
        if is("llm") {
            f.category = SpanCategory::Llm;
        } else if is("tool") {
            f.category = SpanCategory::Tool;
        } else if is("chain") {
            f.category = SpanCategory::Chain;
        } else if is("retriever") || is("embedding") {
            f.category = SpanCategory::Retrieval;
        } else if is("prompt") || is("parser") {
            f.category = SpanCategory::Other;
        }
        if f.category == SpanCategory::Tool && f.tool_name.is_none() {
            f.tool_name = sp.string(k!("langsmith.trace.name")).or_else(|| Some(span.name.clone()));
        }
        if f.category == SpanCategory::Tool {
            if f.tool_arguments.is_none() {
                f.tool_arguments = f.input_text.clone();
            }
            if f.tool_result.is_none() {
                f.tool_result = f.output_text.clone();
            }
        }
        fn usage<'v, J: Jv<'v>>(u: J, f: &mut SpanFacts) {
            let get = |k: &str| u.get(k).and_then(J::int);
            fill(&mut f.input_tokens, get("input_tokens"));
            fill(&mut f.output_tokens, get("output_tokens"));
            fill(&mut f.total_tokens, get("total_tokens"));
        }
        match sp.json_any(JKey::UsageMetadata) {
            Some(JRef::V(u)) => usage(u, f),
            Some(JRef::L(u)) => usage(u, f),
            None => {}
        }
        if f.provider.as_deref() == Some("langchain") {
            if let Some(p) = sp.string(k!("langsmith.metadata.ls_provider")) {
                f.provider = Some(p);
            }
        }
        if f.model.is_none() {
            f.model = sp.string(k!("langsmith.metadata.ls_model_name"));
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
