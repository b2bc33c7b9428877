//! OpenTelemetry GenAI semantic conventions, current and deprecated names
//! (`gen_ai.system` -> `gen_ai.provider.name`, `gen_ai.usage.prompt_tokens` -> `input_tokens`,
//! `completion_tokens` -> `output_tokens`, flattened `gen_ai.prompt.N.*`, ...).
use super::ctx::{k, JKey, Sp};
use super::messages;
use super::util::{s_any_v, truncate, MAX_TEXT};
use super::{SpanCategory, SpanFacts, Vocabulary};

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

    fn detect(&self, sp: &Sp) -> bool {
        sp.has_gen_ai
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        f.instrumentation = Some("genai_semconv".into());
        let op = sp.s(k!("gen_ai.operation.name"));
        let span_op = span.name.split_whitespace().next().unwrap_or("");
        let cat = op.as_deref().and_then(category_of_operation).or_else(|| category_of_operation(span_op));
        let tool_name = sp.string(k!("gen_ai.tool.name"));
        if let Some(c) = cat {
            f.category = c;
        } else if tool_name.is_some() {
            f.category = SpanCategory::Tool;
        } else if sp.s(k!("gen_ai.request.model")).is_some() || sp.s(k!("gen_ai.usage.input_tokens")).is_some() {
            f.category = SpanCategory::Llm;
        }

        f.agent_name = sp.string(k!("gen_ai.agent.name"));
        if f.agent_name.is_none() && matches!(span_op, "invoke_agent" | "create_agent") {
            f.agent_name = name_suffix(&span.name);
        }
        f.agent_id = sp.string(k!("gen_ai.agent.id"));
        f.agent_role = sp.string(k!("gen_ai.agent.description"));
        if f.category == SpanCategory::Agent && f.agent_name.is_none() {
            // An agent invocation without an agent is a workflow / run wrapper.
            f.category = SpanCategory::Chain;
        }

        f.model = sp.first(&[k!("gen_ai.response.model"), k!("gen_ai.request.model")]).filter(|m| m != "unknown");
        f.provider = sp.first(&[k!("gen_ai.provider.name"), k!("gen_ai.system")]);
        f.input_tokens = sp.first_int(&[k!("gen_ai.usage.input_tokens"), k!("gen_ai.usage.prompt_tokens")]);
        f.output_tokens = sp.first_int(&[k!("gen_ai.usage.output_tokens"), k!("gen_ai.usage.completion_tokens")]);
        f.cached_tokens = sp.first_int(&[
            k!("gen_ai.usage.cache_read.input_tokens"),
            k!("gen_ai.usage.cache_read_input_tokens"),
            k!("gen_ai.usage.cached_tokens"),
        ]);
        f.reasoning_tokens = sp.first_int(&[k!("gen_ai.usage.reasoning.output_tokens"), k!("gen_ai.usage.reasoning_tokens")]);
        f.total_tokens = sp.first_int(&[k!("gen_ai.usage.total_tokens"), k!("llm.usage.total_tokens")]);

        f.tool_name = tool_name;
        if f.tool_name.is_none() && f.category == SpanCategory::Tool {
            f.tool_name = name_suffix(&span.name);
        }
        f.tool_call_id = sp.string(k!("gen_ai.tool.call.id"));
        f.tool_arguments = s_any_v(sp.get(k!("gen_ai.tool.call.arguments")));
        f.tool_result = s_any_v(sp.get(k!("gen_ai.tool.call.result")));

        f.handoff_from = sp.string(k!("gen_ai.handoff.from_agent"));
        f.handoff_to = sp.string(k!("gen_ai.handoff.to_agent"));

        // Messages: JSON blobs (current), then legacy JSON gen_ai.prompt/completion, then flattened.
        for (jk, is_input) in [
            (JKey::GenAiInputMessages, true),
            (JKey::GenAiPrompt, true),
            (JKey::GenAiOutputMessages, false),
            (JKey::GenAiCompletion, false),
        ] {
            let (msgs, txt) =
                if is_input { (&mut f.input_messages, &mut f.input_text) } else { (&mut f.output_messages, &mut f.output_text) };
            if !msgs.is_empty() && txt.is_some() {
                continue;
            }
            let Some(text) = sp.s(jk.key()) else { continue };
            if msgs.is_empty() {
                if let Some(j) = sp.json_text(jk) {
                    *msgs = messages::from_j(j);
                }
            }
            if txt.is_none() {
                *txt = Some(messages::last_text(msgs).unwrap_or_else(|| truncate(&text, MAX_TEXT)));
            }
        }
        // System instructions recorded apart from the input messages (GenAI semconv).
        if let Some(si) = sp.s(k!("gen_ai.system_instructions")) {
            if !f.input_messages.iter().any(|m| m.role == "system") {
                let text = instruction_text(&si);
                if !text.trim().is_empty() {
                    f.input_messages.insert(0, super::ChatMessage { role: "system".into(), content: text, ..Default::default() });
                }
            }
        }
        if f.input_messages.is_empty() && sp.flat.gen_ai_prompt {
            f.input_messages = messages::flattened(&span.attributes, "gen_ai.prompt");
        }
        if f.output_messages.is_empty() && sp.flat.gen_ai_completion {
            f.output_messages = messages::flattened(&span.attributes, "gen_ai.completion");
        }
        if f.output_messages.iter().any(|m| m.content.starts_with("{'content': ")) {
            f.output_messages.iter_mut().for_each(messages::fix_python_repr);
            if f.output_text.as_deref().is_some_and(|t| t.starts_with("{'content': ")) {
                f.output_text = messages::last_text(&f.output_messages);
            }
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

/// `gen_ai.system_instructions`: a JSON list of parts (`{"type":"text","content":...}`) or text.
fn instruction_text(si: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
        match v {
            serde_json::Value::String(s) if depth > 0 => out.push(s.clone()),
            serde_json::Value::Array(a) if depth < 4 => a.iter().for_each(|x| walk(x, out, depth + 1)),
            serde_json::Value::Object(o) if depth < 4 => {
                for k in ["content", "text"] {
                    if let Some(x) = o.get(k) {
                        walk(x, out, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(si) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => {
            let mut out = Vec::new();
            walk(&v, &mut out, 0);
            out.join("\n")
        }
        Err(_) => si.to_string(),
    }
}
