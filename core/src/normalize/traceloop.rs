//! Traceloop / OpenLLMetry: `traceloop.span.kind`, `traceloop.entity.*`, `traceloop.workflow.name`,
//! `traceloop.association.properties.*` (the LangGraph metadata is read by `langgraph.rs`),
//! legacy `llm.request.type` / `llm.usage.*`.
use super::ctx::{k, JKey, Sp};
use super::messages;
use super::util::{truncate, MAX_TEXT};
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct Traceloop;

impl Vocabulary for Traceloop {
    fn name(&self) -> &'static str {
        "traceloop"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.has(k!("traceloop.span.kind"))
            || sp.has(k!("traceloop.entity.name"))
            || sp.has(k!("traceloop.workflow.name"))
            || sp.has(k!("llm.request.type"))
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.instrumentation = Some("traceloop".into());
        let kind = sp.s(k!("traceloop.span.kind")).unwrap_or_default();
        let is = |lit: &str| kind.eq_ignore_ascii_case(lit);
        if is("workflow") || is("task") {
            f.category = SpanCategory::Chain;
        } else if is("agent") {
            f.category = SpanCategory::Agent;
            if f.agent_name.is_none() {
                f.agent_name = sp.string(k!("traceloop.entity.name")).or_else(|| strip_suffix(&span.name, ".agent"));
            }
        } else if is("tool") {
            f.category = SpanCategory::Tool;
            if f.tool_name.is_none() {
                f.tool_name = sp
                    .string(k!("traceloop.entity.name"))
                    .or_else(|| strip_suffix(&span.name, ".tool"))
                    .or_else(|| Some(span.name.clone()));
            }
        } else if is("handoff") {
            f.category = SpanCategory::Handoff;
            // `Triage → Writer.handoff` (older versions write `unknown` for the target).
            if let Some(body) = span.name.strip_suffix(".handoff") {
                if let Some((from, to)) = body.split_once('→') {
                    let (from, to) = (from.trim(), to.trim());
                    if f.handoff_from.is_none() && !from.is_empty() {
                        f.handoff_from = Some(from.to_string());
                    }
                    if f.handoff_to.is_none() && !to.is_empty() && to != "unknown" {
                        f.handoff_to = Some(to.to_string());
                    }
                }
            }
        }
        if let Some(t) = sp.s(k!("llm.request.type")) {
            if matches!(&*t, "chat" | "completion") {
                f.category = SpanCategory::Llm;
            } else if t == "embedding" {
                f.category = SpanCategory::Retrieval;
            }
        }
        if f.model.is_none() {
            f.model = sp.first(&[k!("llm.response.model"), k!("llm.request.model")]);
        }
        if f.total_tokens.is_none() {
            f.total_tokens = sp.int(k!("llm.usage.total_tokens"));
        }
        if let Some(t) = sp.s(JKey::EntityInput.key()) {
            if f.input_messages.is_empty() {
                if let Some(j) = sp.json_text(JKey::EntityInput) {
                    f.input_messages = messages::from_j(j);
                }
            }
            if f.input_text.is_none() {
                f.input_text = Some(truncate(&t, MAX_TEXT));
            }
        }
        if let Some(t) = sp.s(JKey::EntityOutput.key()) {
            if f.output_messages.is_empty() {
                if let Some(j) = sp.json_text(JKey::EntityOutput) {
                    f.output_messages = messages::from_j(j);
                }
            }
            if f.output_text.is_none() || f.category != SpanCategory::Llm {
                let last = if f.category != SpanCategory::Tool { messages::last_text(&f.output_messages) } else { None };
                f.output_text = Some(last.unwrap_or_else(|| truncate(&t, MAX_TEXT)));
            }
            if f.category == SpanCategory::Tool && f.tool_result.is_none() {
                f.tool_result = Some(truncate(&t, MAX_TEXT));
            }
        }
    }
}

fn strip_suffix(name: &str, suffix: &str) -> Option<String> {
    name.strip_suffix(suffix).map(str::trim).filter(|n| !n.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

    #[test]
    fn kinds() {
        let f = span_facts(&span("Triage.agent", &[("traceloop.span.kind", json!("agent"))]));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Agent, Some("Triage")));
        let f = span_facts(&span("Triage → unknown.handoff", &[("traceloop.span.kind", json!("handoff"))]));
        assert_eq!(f.category, SpanCategory::Handoff);
        assert_eq!((f.handoff_from.as_deref(), f.handoff_to.as_deref()), (Some("Triage"), None));
        let f = span_facts(&span("A → B.handoff", &[("traceloop.span.kind", json!("handoff"))]));
        assert_eq!(f.handoff_to.as_deref(), Some("B"));
        let f = span_facts(&span("x.tool", &[("traceloop.span.kind", json!("tool")), ("traceloop.entity.output", json!("{bad"))]));
        assert_eq!(f.tool_name.as_deref(), Some("x"));
        assert_eq!(f.tool_result.as_deref(), Some("{bad"));
        let f = span_facts(&span("w", &[("traceloop.span.kind", json!(["workflow"]))]));
        assert_eq!(f.category, SpanCategory::Other);
    }
}
