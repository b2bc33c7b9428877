//! Microsoft Agent Framework: `workflow.build` / `workflow.run` (with `workflow.started`,
//! `workflow.completed`, `workflow.error` events), `executor.process <id>` (linked to the
//! `message.send` that delivered its input), `edge_group.process`, `message.send`, and GenAI
//! `invoke_agent` / `chat` / `execute_tool` spans.
use super::ctx::{k, Sp};
use super::util::{truncate_owned, value_str, MAX_TEXT};
use super::{MessageKind, SpanCategory, SpanFacts, Vocabulary};

pub struct AgentFramework;

impl Vocabulary for AgentFramework {
    fn name(&self) -> &'static str {
        "agent_framework"
    }

    fn detect(&self, sp: &Sp) -> bool {
        let span = sp.span;
        span.scope_name == "agent_framework"
            || span.scope_name.starts_with("agent_framework.")
            || sp.is(k!("gen_ai.provider.name"), "microsoft.agent_framework")
            || sp.has(k!("executor.id"))
            || sp.has(k!("edge_group.id"))
            || (span.name.starts_with("workflow.") && sp.has(k!("workflow.id")))
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.framework = Some("microsoft_agent_framework".into());
        if f.instrumentation.is_none() || f.instrumentation.as_deref() == Some("genai_semconv") {
            f.instrumentation = Some("agent_framework".into());
        }
        if span.name.starts_with("workflow.") {
            f.category = SpanCategory::Chain;
            for ev in &span.events {
                match ev.name.as_str() {
                    "workflow.completed" => f.control = Some("workflow_completed".into()),
                    "workflow.error" | "workflow.failed" => {
                        f.control = Some("workflow_failed".into());
                        f.is_error = true;
                        let get = |k: &str| ev.attributes.get(k).and_then(value_str);
                        if f.error_type.is_none() {
                            f.error_type = get("error.type").or_else(|| get("exception.type"));
                        }
                        if f.error_message.is_none() {
                            f.error_message =
                                get("error.message").or_else(|| get("exception.message")).map(|m| truncate_owned(m, MAX_TEXT));
                        }
                    }
                    "workflow.started" if f.control.is_none() => f.control = Some("workflow_started".into()),
                    _ => {}
                }
            }
        } else if let Some(id) = sp.string(k!("executor.id")) {
            f.category = SpanCategory::Chain;
            let is_agent = sp.s(k!("executor.type")).is_some_and(|t| t.contains("Agent"));
            if is_agent {
                f.agent_name = Some(id.clone());
                if !span.links.is_empty() {
                    f.recipient = Some(id);
                    f.message_kind = Some(MessageKind::Message);
                }
            }
        } else if span.name.starts_with("edge_group.") {
            f.category = SpanCategory::Chain;
        } else if span.name == "message.send" {
            f.category = SpanCategory::Messaging;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use crate::model::SpanEvent;
    use serde_json::json;

    #[test]
    fn workflow_and_executors() {
        let mut w = span("workflow.run", &[("workflow.id", json!("w"))]);
        w.scope_name = "agent_framework".into();
        w.events.push(SpanEvent {
            time_unix_nano: 1,
            name: "workflow.error".into(),
            attributes: Default::default(),
            dropped_attributes_count: 0,
        });
        let f = span_facts(&w);
        assert!(f.is_error);
        assert_eq!(f.control.as_deref(), Some("workflow_failed"));
        assert_eq!(f.framework.as_deref(), Some("microsoft_agent_framework"));

        let e = span("executor.process Writer", &[("executor.id", json!("Writer")), ("executor.type", json!("AgentExecutor"))]);
        let f = span_facts(&e);
        assert_eq!((f.category, f.agent_name.as_deref(), f.message_kind), (SpanCategory::Chain, Some("Writer"), None));
        let e = span("executor.process x", &[("executor.id", json!(["x"]))]);
        assert_eq!(span_facts(&e).agent_name, None);
    }
}
