//! CrewAI: OpenInference event-listener mode (`<Role>.<task>.execute`, `<Tool>.run` with
//! `tool.agent_role`, `<model>.llm_call`), OpenInference wrapper mode (`<Role>.<task>._execute_core`,
//! `<crew>.kickoff`), and Traceloop (`crewai.workflow`, `<description>.task`, `<Role>.agent`,
//! `crewai.*` attributes).
use super::ctx::{k, JKey, Sp};
use super::json::Jv;
use super::util::contains_ci;
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct CrewAi;

/// CrewAI's prompt once an agent exhausts `max_iter` (`force_final_answer`).
const FORCED_FINAL: &str = "must give your absolute best final answer";

impl Vocabulary for CrewAi {
    fn name(&self) -> &'static str {
        "crewai"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.span.scope_name.contains("crewai")
            || sp.has(k!("crew_key"))
            || sp.has(k!("crewai.crew.id"))
            || sp.has(k!("crewai.agent.role"))
            || sp.has(k!("crewai.task.id"))
            || sp.is(k!("gen_ai.provider.name"), "crewai")
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.framework = Some("crewai".into());
        if let Some(role) = sp.string(k!("crewai.agent.role")) {
            f.category = SpanCategory::Agent;
            f.agent_name = Some(role);
            f.agent_id = sp.string(k!("crewai.agent.id")).or(f.agent_id.take());
            f.agent_role = sp.first(&[k!("crewai.agent.goal"), k!("crewai.agent.backstory")]);
            if f.model.is_none() {
                f.model = sp.string(k!("crewai.agent.llm"));
            }
        } else if let Some(agent) = sp.string(k!("crewai.task.agent")) {
            f.category = SpanCategory::Chain;
            f.agent_name = Some(agent);
            f.input_text = sp.string(k!("crewai.task.description")).or(f.input_text.take());
        } else if sp.has(k!("crewai.crew.id")) || span.name.ends_with(".kickoff") || span.name == "crewai.workflow" {
            f.category = SpanCategory::Chain;
            f.agent_name = None;
            if let Some(r) = sp.string(k!("crewai.crew.result")) {
                f.output_text = Some(r);
            }
        }
        if f.category == SpanCategory::Agent {
            if let Some(id) = sp.string(k!("agent_id")) {
                f.agent_id = Some(id);
            }
            if f.agent_role.is_none() {
                f.agent_role = sp.first(&[k!("agent.goal"), k!("agent.backstory")]);
            }
        }
        // Task outputs are serialized TaskOutput objects: keep their `raw` text.
        if let Some(raw) = sp.json_text(JKey::OutputValue).and_then(|v| v.get("raw")).and_then(Jv::as_str) {
            f.output_text = Some(raw.to_string());
        }
        if f.category == SpanCategory::Tool {
            if let Some(role) = sp.string(k!("tool.agent_role")) {
                f.agent_name = Some(role);
            }
            // The delegation tools (`Delegate work to coworker`, `Ask question to coworker`) run
            // the coworker's task inside the call: the span is the coworker's turn, called by the
            // agent that used the tool, and given the task (or question) with its context.
            if let Some((coworker, task)) = f.tool_arguments.as_deref().and_then(coworker_task) {
                f.category = SpanCategory::Agent;
                f.agent_name = Some(coworker);
                f.agent_id = None;
                f.agent_role = None;
                f.input_text = task;
                f.tool_name = None;
                f.tool_call_id = None;
                f.tool_arguments = None;
                f.tool_result = None;
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

/// The coworker a CrewAI delegation tool call names (`coworker` in its arguments) and what it
/// hands over: the task or question, with the context when there is one.
fn coworker_task(args: &str) -> Option<(String, Option<String>)> {
    let serde_json::Value::Object(o) = serde_json::from_str::<serde_json::Value>(args).ok()? else { return None };
    let text = |k: &str| o.get(k).and_then(serde_json::Value::as_str).map(str::trim).filter(|t| !t.is_empty());
    let coworker = text("coworker").filter(|c| c.len() <= 200)?;
    let task = match (text("task").or_else(|| text("question")), text("context")) {
        (Some(t), Some(c)) => Some(format!("{t}\n\n{c}")),
        (t, c) => t.or(c).map(str::to_string),
    };
    Some((coworker.to_string(), task))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

    #[test]
    fn three_modes() {
        let mut t = span(
            "Lookup Fact.run",
            &[("openinference.span.kind", json!("TOOL")), ("tool.name", json!("Lookup Fact")), ("tool.agent_role", json!("Researcher"))],
        );
        t.scope_name = "openinference.instrumentation.crewai._event_listener".into();
        let f = span_facts(&t);
        assert_eq!((f.category, f.agent_name.as_deref(), f.framework.as_deref()), (SpanCategory::Tool, Some("Researcher"), Some("crewai")));

        let f = span_facts(&span(
            "Writer.agent",
            &[("traceloop.span.kind", json!("agent")), ("crewai.agent.role", json!("Writer")), ("crewai.agent.goal", json!(3))],
        ));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Agent, Some("Writer")));
        assert_eq!(f.agent_role.as_deref(), Some("3"));

        let f = span_facts(&span(
            "x.task",
            &[("traceloop.span.kind", json!("task")), ("crewai.task.agent", json!("Writer")), ("crewai.task.id", json!("1"))],
        ));
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

    #[test]
    fn delegation_tool_is_the_coworkers_turn() {
        let mut d = span(
            "Ask question to coworker.run",
            &[
                ("openinference.span.kind", json!("TOOL")),
                ("tool.name", json!("Ask question to coworker")),
                ("input.value", json!(r#"{"question": "Is the bridge open?", "context": "Route A", "coworker": "Scout"}"#)),
                ("output.value", json!("Yes.")),
            ],
        );
        d.scope_name = "openinference.instrumentation.crewai".into();
        let f = span_facts(&d);
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Agent, Some("Scout")));
        assert_eq!(f.input_text.as_deref(), Some("Is the bridge open?\n\nRoute A"));
        assert_eq!((f.tool_name, f.tool_arguments), (None, None));
        // Any other tool stays a tool call.
        d.attributes.insert("input.value".into(), json!(r#"{"question": "Is the bridge open?"}"#));
        assert_eq!(span_facts(&d).category, SpanCategory::Tool);
    }
}
