//! CrewAI: OpenInference event-listener mode (`<Role>.<task>.execute`, `<Tool>.run` with
//! `tool.agent_role`, `<model>.llm_call`), OpenInference wrapper mode (`<Role>.<task>._execute_core`,
//! `<crew>.kickoff`), and Traceloop (`crewai.workflow`, `<description>.task`, `<Role>.agent`,
//! `crewai.*` attributes).
use super::util::{contains_ci, first, parse_json, s};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::SpanRecord;

pub struct CrewAi;

/// CrewAI's prompt once an agent exhausts `max_iter` (`force_final_answer`).
const FORCED_FINAL: &str = "must give your absolute best final answer";

impl Vocabulary for CrewAi {
    fn name(&self) -> &'static str {
        "crewai"
    }

    fn detect(&self, span: &SpanRecord) -> bool {
        let a = &span.attributes;
        span.scope_name.contains("crewai")
            || a.contains_key("crew_key")
            || a.contains_key("crewai.crew.id")
            || a.contains_key("crewai.agent.role")
            || a.contains_key("crewai.task.id")
            || s(span, "gen_ai.provider.name").as_deref() == Some("crewai")
    }

    fn apply(&self, span: &SpanRecord, f: &mut SpanFacts) {
        f.framework = Some("crewai".into());
        if let Some(role) = s(span, "crewai.agent.role") {
            f.category = SpanCategory::Agent;
            f.agent_name = Some(role);
            f.agent_id = s(span, "crewai.agent.id").or(f.agent_id.take());
            f.agent_role = first(span, &["crewai.agent.goal", "crewai.agent.backstory"]);
            if f.model.is_none() {
                f.model = s(span, "crewai.agent.llm");
            }
        } else if let Some(agent) = s(span, "crewai.task.agent") {
            f.category = SpanCategory::Chain;
            f.agent_name = Some(agent);
            f.input_text = s(span, "crewai.task.description").or(f.input_text.take());
        } else if span.attributes.contains_key("crewai.crew.id") || span.name.ends_with(".kickoff") || span.name == "crewai.workflow" {
            f.category = SpanCategory::Chain;
            f.agent_name = None;
            if let Some(r) = s(span, "crewai.crew.result") {
                f.output_text = Some(r);
            }
        }
        if f.category == SpanCategory::Agent {
            if let Some(id) = s(span, "agent_id") {
                f.agent_id = Some(id);
            }
            if f.agent_role.is_none() {
                f.agent_role = first(span, &["agent.goal", "agent.backstory"]);
            }
        }
        // Task outputs are serialized TaskOutput objects: keep their `raw` text.
        if let Some(raw) = s(span, "output.value").as_deref().and_then(parse_json).and_then(|v| v.get("raw").and_then(|r| r.as_str().map(str::to_string))) {
            f.output_text = Some(raw);
        }
        if f.category == SpanCategory::Tool {
            if let Some(role) = s(span, "tool.agent_role") {
                f.agent_name = Some(role);
            }
        }
        if f.category == SpanCategory::Llm {
            // max_iter exhausted: CrewAI injects its forced-final-answer prompt (no error anywhere).
            let forced = f.input_messages.iter().rev().take(4).any(|m| contains_ci(&m.content, FORCED_FINAL));
            if forced {
                f.stop_reason = Some("CrewAI max_iter reached: agent was forced to give its final answer".into());
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
    fn three_modes() {
        let mut t = span("Lookup Fact.run", &[("openinference.span.kind", json!("TOOL")), ("tool.name", json!("Lookup Fact")), ("tool.agent_role", json!("Researcher"))]);
        t.scope_name = "openinference.instrumentation.crewai._event_listener".into();
        let f = span_facts(&t);
        assert_eq!((f.category, f.agent_name.as_deref(), f.framework.as_deref()), (SpanCategory::Tool, Some("Researcher"), Some("crewai")));

        let f = span_facts(&span("Writer.agent", &[("traceloop.span.kind", json!("agent")), ("crewai.agent.role", json!("Writer")), ("crewai.agent.goal", json!(3))]));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Agent, Some("Writer")));
        assert_eq!(f.agent_role.as_deref(), Some("3"));

        let f = span_facts(&span("x.task", &[("traceloop.span.kind", json!("task")), ("crewai.task.agent", json!("Writer")), ("crewai.task.id", json!("1"))]));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Chain, Some("Writer")));

        let mut l = span(
            "m.llm_call",
            &[
                ("openinference.span.kind", json!("LLM")),
                ("llm.input_messages.0.message.role", json!("user")),
                ("llm.input_messages.0.message.content", json!("Now it's time you MUST give your absolute BEST final answer.")),
            ],
        );
        l.scope_name = "openinference.instrumentation.crewai".into();
        assert!(span_facts(&l).stop_reason.is_some());
    }
}
