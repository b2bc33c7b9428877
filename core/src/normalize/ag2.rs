//! AG2 (the AutoGen 0.2 line): `ag2.span.type` (`conversation`, `agent`, `tool`, `llm`,
//! `handoff`, `speaker_selection`, ...) on GenAI-semconv spans, plus
//! `gen_ai.conversation.max_turns` / `gen_ai.conversation.turns`.
use super::ctx::{k, Sp};
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct Ag2;

impl Vocabulary for Ag2 {
    fn name(&self) -> &'static str {
        "ag2"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.has(k!("ag2.span.type")) || sp.span.scope_name.contains("instrumentation.ag2")
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        f.framework = Some("ag2".into());
        if f.instrumentation.is_none() || f.instrumentation.as_deref() == Some("genai_semconv") {
            f.instrumentation = Some("ag2".into());
        }
        match sp.s(k!("ag2.span.type")).as_deref().unwrap_or_default() {
            "conversation" => f.category = SpanCategory::Chain,
            "agent" => f.category = if f.agent_name.is_some() { SpanCategory::Agent } else { SpanCategory::Chain },
            "tool" | "code_execution" => f.category = SpanCategory::Tool,
            "llm" => f.category = SpanCategory::Llm,
            "handoff" => f.category = SpanCategory::Handoff,
            "speaker_selection" => {
                f.category = SpanCategory::Chain;
                f.orchestrator = true;
            }
            _ => {}
        }
        if let (Some(max), Some(turns)) = (sp.int(k!("gen_ai.conversation.max_turns")), sp.int(k!("gen_ai.conversation.turns"))) {
            if max > 0 && turns >= max {
                f.stop_reason = Some(format!("maximum number of turns {max} reached"));
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
    fn conversation_limits() {
        let f = span_facts(&span(
            "conversation",
            &[
                ("ag2.span.type", json!("conversation")),
                ("gen_ai.operation.name", json!("conversation")),
                ("gen_ai.conversation.max_turns", json!(3)),
                ("gen_ai.conversation.turns", json!("3")),
            ],
        ));
        assert_eq!(f.category, SpanCategory::Chain);
        assert_eq!(f.framework.as_deref(), Some("ag2"));
        assert!(f.stop_reason.is_some());
        let f = span_facts(&span(
            "invoke_agent a",
            &[("ag2.span.type", json!("agent")), ("gen_ai.agent.name", json!("a")), ("gen_ai.conversation.max_turns", json!("x"))],
        ));
        assert_eq!((f.category, f.agent_name.as_deref(), f.stop_reason), (SpanCategory::Agent, Some("a"), None));
    }
}
