//! OpenAI Agents SDK under its three instrumentations:
//! * OpenInference: the trace root is an `AGENT` span without `agent.name` (a workflow, not an
//!   agent); handoffs are `TOOL` spans named `handoff to <Agent>` with from/to in input/output.
//! * OTel contrib `openai-agents-v2`: non-agent spans carry the placeholder agent
//!   `OpenAI Agent` / `OpenAI Agents instrumentation`, workflow and turn spans are named `unknown`,
//!   handoffs are `agent_handoff` with `gen_ai.handoff.from_agent|to_agent`.
//! * Traceloop: `<Agent>.agent`, `<Agent> → unknown.handoff`, `<tool>.tool`, `openai.response`.
use serde_json::Value;

use super::ctx::{k, Sp};
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct OpenAiAgents;

const PLACEHOLDER_DESCRIPTION: &str = "OpenAI Agents instrumentation";
const PLACEHOLDER_NAME: &str = "OpenAI Agent";

/// `util::boolean`.
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(t) => {
            let t = t.trim();
            if ["true", "1", "yes"].iter().any(|x| t.eq_ignore_ascii_case(x)) {
                Some(true)
            } else if ["false", "0", "no"].iter().any(|x| t.eq_ignore_ascii_case(x)) {
                Some(false)
            } else {
                None
            }
        }
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

impl Vocabulary for OpenAiAgents {
    fn name(&self) -> &'static str {
        "openai_agents"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.span.scope_name.contains("openai_agents") || sp.is(k!("gen_ai.agent.description"), PLACEHOLDER_DESCRIPTION)
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.framework = Some("openai_agents".into());
        // Placeholder agent identity of the contrib instrumentation.
        if sp.is(k!("gen_ai.agent.description"), PLACEHOLDER_DESCRIPTION) {
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
        if span.name == "unknown" || sp.is(k!("gen_ai.operation.name"), "unknown") {
            f.category = SpanCategory::Chain;
        }
        // OpenInference: the trace root is an AGENT span without an agent.
        if f.category == SpanCategory::Agent
            && f.instrumentation.as_deref() == Some("openinference")
            && sp.s(k!("agent.name")).is_none()
            && sp.s(k!("graph.node.id")).is_none()
        {
            f.category = SpanCategory::Chain;
            f.agent_name = None;
        }
        if let Some(to) = span.name.strip_prefix("handoff to ") {
            f.category = SpanCategory::Handoff;
            f.tool_name = None;
            f.tool_arguments = None;
            f.tool_result = None;
            f.handoff_from = sp.string(k!("input.value")).or(f.handoff_from.take());
            f.handoff_to = sp.string(k!("output.value")).or_else(|| Some(to.trim().to_string()).filter(|t| !t.is_empty()));
        }
        if f.category == SpanCategory::Handoff && f.agent_name.is_none() {
            f.agent_name = f.handoff_from.clone();
        }
        let guardrail = sp.string(k!("gen_ai.guardrail.name"));
        if f.category == SpanCategory::Guardrail || guardrail.is_some() {
            f.category = SpanCategory::Guardrail;
            if f.tool_name.is_none() {
                f.tool_name = guardrail.or_else(|| Some(span.name.clone()));
            }
            if sp.get(k!("gen_ai.guardrail.triggered")).and_then(boolean) == Some(true) {
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
        let mut h = span(
            "handoff to Writer",
            &[("openinference.span.kind", json!("TOOL")), ("input.value", json!("Researcher")), ("output.value", json!("Writer"))],
        );
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

        let mut g = span(
            "guardrail_check",
            &[
                ("gen_ai.operation.name", json!("guardrail_check")),
                ("gen_ai.guardrail.name", json!("g")),
                ("gen_ai.guardrail.triggered", json!("true")),
            ],
        );
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
