//! OpenTelemetry GenAI semantic conventions, current and deprecated names
//! (`gen_ai.system` -> `gen_ai.provider.name`, `gen_ai.usage.prompt_tokens` -> `input_tokens`,
//! `completion_tokens` -> `output_tokens`, flattened `gen_ai.prompt.N.*`, ...).
use super::messages;
use super::util::{first, first_int, s, s_any, truncate, MAX_TEXT};
use super::{SpanCategory, SpanFacts, Vocabulary};
use crate::model::SpanRecord;

pub struct GenAi;

/// Category of a `gen_ai.operation.name` (or of the span-name prefix GenAI spans use).
pub fn category_of_operation(op: &str) -> Option<SpanCategory> {
    Some(match op {
        "chat" | "text_completion" | "generate_content" | "completion" | "generate" | "responses" => SpanCategory::Llm,
        "embeddings" | "embedding" | "retrieval" | "retrieve" | "rerank" => SpanCategory::Retrieval,
        "execute_tool" | "tool" => SpanCategory::Tool,
        "invoke_agent" | "agent" => SpanCategory::Agent,
        "agent_handoff" | "handoff" => SpanCategory::Handoff,
        "guardrail_check" | "guardrail" => SpanCategory::Guardrail,
        "invoke_workflow" | "workflow" | "execute_task" | "task" | "chain" | "conversation" => SpanCategory::Chain,
        "create_agent" => SpanCategory::Other,
        _ => return None,
    })
}

impl Vocabulary for GenAi {
    fn name(&self) -> &'static str {
        "genai"
    }

    fn detect(&self, span: &SpanRecord) -> bool {
        span.attributes.keys().any(|k| k.starts_with("gen_ai."))
    }

    fn apply(&self, span: &SpanRecord, f: &mut SpanFacts) {
        f.instrumentation = Some("genai_semconv".into());
        let op = s(span, "gen_ai.operation.name");
        let span_op = span.name.split_whitespace().next().unwrap_or("");
        let cat = op
            .as_deref()
            .and_then(category_of_operation)
            .or_else(|| category_of_operation(span_op));
        if let Some(c) = cat {
            f.category = c;
        } else if s(span, "gen_ai.tool.name").is_some() {
            f.category = SpanCategory::Tool;
        } else if s(span, "gen_ai.request.model").is_some() || s(span, "gen_ai.usage.input_tokens").is_some() {
            f.category = SpanCategory::Llm;
        }

        f.agent_name = s(span, "gen_ai.agent.name");
        if f.agent_name.is_none() && matches!(span_op, "invoke_agent" | "create_agent") {
            f.agent_name = name_suffix(&span.name);
        }
        f.agent_id = s(span, "gen_ai.agent.id");
        f.agent_role = s(span, "gen_ai.agent.description");
        if f.category == SpanCategory::Agent && f.agent_name.is_none() {
            // An agent invocation without an agent is a workflow / run wrapper.
            f.category = SpanCategory::Chain;
        }

        f.model = first(span, &["gen_ai.response.model", "gen_ai.request.model"]).filter(|m| m != "unknown");
        f.provider = first(span, &["gen_ai.provider.name", "gen_ai.system"]);
        f.input_tokens = first_int(span, &["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]);
        f.output_tokens = first_int(span, &["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]);
        f.cached_tokens = first_int(
            span,
            &["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_tokens"],
        );
        f.reasoning_tokens = first_int(span, &["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"]);
        f.total_tokens = first_int(span, &["gen_ai.usage.total_tokens", "llm.usage.total_tokens"]);

        f.tool_name = s(span, "gen_ai.tool.name");
        if f.tool_name.is_none() && f.category == SpanCategory::Tool {
            f.tool_name = name_suffix(&span.name);
        }
        f.tool_call_id = s(span, "gen_ai.tool.call.id");
        f.tool_arguments = s_any(span, "gen_ai.tool.call.arguments");
        f.tool_result = s_any(span, "gen_ai.tool.call.result");

        f.handoff_from = s(span, "gen_ai.handoff.from_agent");
        f.handoff_to = s(span, "gen_ai.handoff.to_agent");

        // Messages: JSON blobs (current), then legacy JSON gen_ai.prompt/completion, then flattened.
        for (key, is_input) in [("gen_ai.input.messages", true), ("gen_ai.prompt", true), ("gen_ai.output.messages", false), ("gen_ai.completion", false)] {
            let Some(text) = s(span, key) else { continue };
            let (msgs, txt) = if is_input { (&mut f.input_messages, &mut f.input_text) } else { (&mut f.output_messages, &mut f.output_text) };
            if msgs.is_empty() {
                *msgs = messages::from_json_text(&text);
            }
            if txt.is_none() {
                *txt = Some(messages::last_text(msgs).unwrap_or_else(|| truncate(&text, MAX_TEXT)));
            }
        }
        if f.input_messages.is_empty() {
            f.input_messages = messages::flattened(&span.attributes, "gen_ai.prompt");
        }
        if f.output_messages.is_empty() {
            f.output_messages = messages::flattened(&span.attributes, "gen_ai.completion");
        }
        if f.output_text.is_none() {
            f.output_text = messages::last_text(&f.output_messages);
        }
        if f.category == SpanCategory::Tool {
            if f.input_text.is_none() {
                f.input_text = f.tool_arguments.clone();
            }
            if f.output_text.is_none() {
                f.output_text = f.tool_result.clone();
            }
        }
    }
}

/// `invoke_agent Researcher` -> `Researcher`.
pub fn name_suffix(name: &str) -> Option<String> {
    let (_, rest) = name.split_once(' ')?;
    let rest = rest.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}
