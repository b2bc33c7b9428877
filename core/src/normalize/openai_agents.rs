//! OpenAI Agents SDK under its three instrumentations:
//! * OpenInference: the trace root is an `AGENT` span without `agent.name` (a workflow, not an
//!   agent); handoffs are `TOOL` spans named `handoff to <Agent>` with from/to in input/output.
//! * OTel contrib `openai-agents-v2`: non-agent spans carry the placeholder agent
//!   `OpenAI Agent` / `OpenAI Agents instrumentation`, workflow and turn spans are named `unknown`,
//!   handoffs are `agent_handoff` with `gen_ai.handoff.from_agent|to_agent`.
//! * Traceloop: `<Agent>.agent`, `<Agent> → unknown.handoff`, `<tool>.tool`, `openai.response`.
use super::util::{boolean, s};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::SpanRecord;

pub struct OpenAiAgents;

const PLACEHOLDER_DESCRIPTION: &str = "OpenAI Agents instrumentation";
const PLACEHOLDER_NAME: &str = "OpenAI Agent";

impl Vocabulary for OpenAiAgents {
    fn name(&self) -> &'static str {
        "openai_agents"
    }

    fn detect(&self, span: &SpanRecord) -> bool {
        span.scope_name.contains("openai_agents") || s(span, "gen_ai.agent.description").as_deref() == Some(PLACEHOLDER_DESCRIPTION)
    }

    fn apply(&self, span: &SpanRecord, f: &mut SpanFacts) {
        f.framework = Some("openai_agents".into());
        // Placeholder agent identity of the contrib instrumentation.
        if s(span, "gen_ai.agent.description").as_deref() == Some(PLACEHOLDER_DESCRIPTION) {
            f.agent_role = None;
            if f.agent_id.as_deref() == Some("agent") {
                f.agent_id = None;
            }
            if f.category != SpanCategory::Agent || f.agent_name.as_deref() == Some(PLACEHOLDER_NAME) {
                if f.agent_name.as_deref() == Some(PLACEHOLDER_NAME) {
                    f.agent_name = None;
                }
                if f.category == SpanCategory::Agent {
                    f.category = SpanCategory::Chain;
                }
            }
        }
        if span.name == "unknown" || s(span, "gen_ai.operation.name").as_deref() == Some("unknown") {
            f.category = SpanCategory::Chain;
        }
        // OpenInference: the trace root is an AGENT span without an agent.
        if f.category == SpanCategory::Agent && f.instrumentation.as_deref() == Some("openinference") && s(span, "agent.name").is_none() && s(span, "graph.node.id").is_none() {
            f.category = SpanCategory::Chain;
            f.agent_name = None;
        }
        if let Some(to) = span.name.strip_prefix("handoff to ") {
            f.category = SpanCategory::Handoff;
            f.tool_name = None;
            f.tool_arguments = None;
            f.tool_result = None;
            f.handoff_from = s(span, "input.value").or(f.handoff_from.take());
            f.handoff_to = s(span, "output.value").or_else(|| Some(to.trim().to_string()).filter(|t| !t.is_empty()));
        }
        if f.category == SpanCategory::Handoff && f.agent_name.is_none() {
            f.agent_name = f.handoff_from.clone();
        }
        if f.category == SpanCategory::Guardrail || s(span, "gen_ai.guardrail.name").is_some() {
            f.category = SpanCategory::Guardrail;
            if f.tool_name.is_none() {
                f.tool_name = s(span, "gen_ai.guardrail.name").or_else(|| Some(span.name.clone()));
            }
            if boolean(span, "gen_ai.guardrail.triggered") == Some(true) {
                f.is_error = true;
                f.error_type.get_or_insert_with(|| "GuardrailTripwireTriggered".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

    #[test]
    fn three_instrumentations() {
        let mut h = span("handoff to Writer", &[("openinference.span.kind", json!("TOOL")), ("input.value", json!("Researcher")), ("output.value", json!("Writer"))]);
        h.scope_name = "openinference.instrumentation.openai_agents".into();
        let f = span_facts(&h);
        assert_eq!(f.category, SpanCategory::Handoff);
        assert_eq!((f.handoff_from.as_deref(), f.handoff_to.as_deref()), (Some("Researcher"), Some("Writer")));
        assert_eq!(f.tool_name, None);

        let mut root = span("research_workflow", &[("openinference.span.kind", json!("AGENT"))]);
        root.scope_name = "openinference.instrumentation.openai_agents".into();
        let f = span_facts(&root);
        assert_eq!((f.category, f.agent_name), (SpanCategory::Chain, None));

        let mut c = span(
            "chat gpt",
            &[
                ("gen_ai.operation.name", json!("chat")),
                ("gen_ai.agent.name", json!("OpenAI Agent")),
                ("gen_ai.agent.description", json!("OpenAI Agents instrumentation")),
            ],
        );
        c.scope_name = "opentelemetry.instrumentation.openai_agents".into();
        let f = span_facts(&c);
        assert_eq!((f.category, f.agent_name), (SpanCategory::Llm, None));

        let mut g = span("guardrail_check", &[("gen_ai.operation.name", json!("guardrail_check")), ("gen_ai.guardrail.name", json!("g")), ("gen_ai.guardrail.triggered", json!("true"))]);
        g.scope_name = "opentelemetry.instrumentation.openai_agents".into();
        let f = span_facts(&g);
        assert!(f.is_error);
        assert_eq!(f.category, SpanCategory::Guardrail);

        let mut e = span("Researcher", &[("openinference.span.kind", json!("AGENT")), ("agent.name", json!("Researcher"))]);
        e.scope_name = "openinference.instrumentation.openai_agents".into();
        e.status_code = 2;
        e.status_message = "Error in agent run: Max turns (2) exceeded".into();
        let f = span_facts(&e);
        assert!(f.is_error);
        assert!(f.stop_reason.is_some());
    }
}
