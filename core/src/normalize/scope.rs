//! The framework a span comes from, when no framework vocabulary named it: from its
//! instrumentation scope (the tracer name a framework's own instrumentation uses, or the
//! OpenInference instrumentor named after the framework) or the GenAI system it reports.
//!
//! Also what an agent span says of the task it was given, where the framework records it in its
//! own shape: Pydantic AI's `pydantic_ai.all_messages` (the agent's conversation: its first user
//! message is the task), smolagents' managed-agent prompt (the manager's task inside a template).
use super::ctx::{k, Sp};
use super::messages;
use super::util::{truncate, MAX_TEXT};
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct Scope;

/// Instrumentation scope name (exact, or a prefix ending in `.`) -> framework.
const SCOPES: &[(&str, &str)] = &[
    ("pydantic-ai", "pydantic_ai"),
    ("gcp.vertex.agent", "google_adk"),
    ("strands.telemetry.", "strands"),
    ("openinference.instrumentation.smolagents", "smolagents"),
    ("openinference.instrumentation.pydantic_ai", "pydantic_ai"),
    ("openinference.instrumentation.google_adk", "google_adk"),
    ("openinference.instrumentation.llama_index", "llama_index"),
    ("openinference.instrumentation.agno", "agno"),
    ("openinference.instrumentation.beeai", "beeai"),
];

/// `gen_ai.system` / `gen_ai.provider.name` values that name a framework, not a model provider.
const SYSTEMS: &[(&str, &str)] = &[("strands-agents", "strands")];

pub fn framework_of_scope(scope: &str) -> Option<&'static str> {
    SCOPES.iter().find(|(s, _)| if s.ends_with('.') { scope.starts_with(s) } else { scope == *s }).map(|(_, f)| *f)
}

impl Vocabulary for Scope {
    fn name(&self) -> &'static str {
        "scope"
    }

    fn detect(&self, _sp: &Sp) -> bool {
        true
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        if f.framework.is_some() {
            return;
        }
        let by_system = || {
            let system = sp.first(&[k!("gen_ai.system"), k!("gen_ai.provider.name")])?;
            SYSTEMS.iter().find(|(s, _)| *s == system).map(|(_, f)| *f)
        };
        f.framework = framework_of_scope(&sp.span.scope_name).or_else(by_system).map(str::to_string);
        // LlamaIndex AgentWorkflow: each agent step runs in `<Workflow>.run_agent_step`, whose
        // recorded input event names the agent (`current_agent_name='researcher'`).
        if f.framework.as_deref() == Some("llama_index") {
            llama_index_step(sp, f);
        }
        if f.category == SpanCategory::Agent {
            match f.framework.as_deref() {
                Some("pydantic_ai") if f.input_text.is_none() => f.input_text = first_user_message(sp),
                Some("smolagents") => {
                    if let Some(task) = f.input_text.as_deref().and_then(managed_agent_task) {
                        f.input_text = Some(task);
                    }
                }
                _ => {}
            }
        }
    }
}

/// LlamaIndex `AgentWorkflow` under OpenInference:
/// * each agent step runs in `<Workflow>.run_agent_step`, whose recorded input event names the
///   agent (`current_agent_name='researcher'`) and holds the conversation it was given as a Python
///   repr: the step's input is the last user message's text, when the repr holds it whole;
/// * a streamed model call is two LLM spans, the call (no output) and the stream inside it (the
///   output and the token counts): the outer one, without output or token counts and not
///   failed, is no call of its own; nor is `<LLM>._prepare_chat_with_tools`, which only builds the request.
fn llama_index_step(sp: &Sp, f: &mut SpanFacts) {
    let name = sp.span.name.as_str();
    if name.ends_with(".run_agent_step") {
        let input = sp.s(k!("input.value"));
        if let Some(agent) = input.as_deref().and_then(llama_index_agent) {
            f.category = SpanCategory::Agent;
            f.agent_name = Some(agent);
            if let Some(text) = input.as_deref().and_then(llama_index_user_text) {
                f.input_text = Some(truncate(&text, MAX_TEXT));
            }
        }
    } else if f.category == SpanCategory::Llm {
        // Outputs hidden by the instrumentation's settings leave the token counts.
        let tokens = f.input_tokens.is_some() || f.output_tokens.is_some() || f.total_tokens.is_some();
        let no_output = !sp.has(k!("output.value")) && f.output_messages.is_empty() && !tokens && sp.span.status_code != 2;
        if name.ends_with("._prepare_chat_with_tools") || no_output {
            f.category = SpanCategory::Chain;
        }
    }
}

/// The text of the last user message in a LlamaIndex workflow event's repr (the `ev` of a step's
/// recorded input): `ChatMessage(role=<MessageRole.USER: 'user'>, ..., blocks=[TextBlock(...,
/// text='...')])`. `None` unless the Python string literal is there whole.
fn llama_index_user_text(input: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(input).ok()?;
    let ev = v.get("ev")?.as_str()?;
    let (_, rest) = ev.rsplit_once("MessageRole.USER: 'user'>")?;
    let message = rest.split("ChatMessage(").next()?;
    let (_, lit) = message.split_once("text=")?;
    python_str(lit).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A Python string literal (`'...'` or `"..."`, repr escapes) at the start of `s`.
fn python_str(s: &str) -> Option<String> {
    let mut chars = s.chars();
    let q = chars.next().filter(|c| *c == '\'' || *c == '"')?;
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if c == q => return Some(out),
            '\\' => {
                let e = chars.next()?;
                let hex = |n: usize, chars: &mut std::str::Chars| -> Option<char> {
                    let h: String = chars.take(n).collect();
                    char::from_u32(u32::from_str_radix(&h, 16).ok()?)
                };
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'x' => hex(2, &mut chars)?,
                    'u' => hex(4, &mut chars)?,
                    'U' => hex(8, &mut chars)?,
                    other => other,
                });
            }
            c => out.push(c),
        }
    }
    None
}

fn llama_index_agent(input: &str) -> Option<String> {
    let (_, rest) = input.rsplit_once("current_agent_name='")?;
    let (name, _) = rest.split_once('\'')?;
    (!name.is_empty() && name.len() <= 200).then(|| name.to_string())
}

fn first_user_message(sp: &Sp) -> Option<String> {
    let text = sp.s(k!("pydantic_ai.all_messages"))?;
    let msgs = messages::from_json_text(&text);
    msgs.into_iter().find(|m| m.role == "user").map(|m| m.content).filter(|c| !c.trim().is_empty())
}

/// smolagents hands a managed agent its manager's task inside a prompt
/// (`... You have been submitted this task by your manager.\n---\nTask:\n<task>\n---\n...`).
fn managed_agent_task(input: &str) -> Option<String> {
    let (_, rest) = input.split_once("submitted this task by your manager.")?;
    let rest = rest.trim_start().strip_prefix("---")?.trim_start().strip_prefix("Task:")?;
    let task = rest.split("\n---").next()?.trim();
    (!task.is_empty()).then(|| truncate(task, MAX_TEXT))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::span_facts;
    use super::super::test_util::span;

    #[test]
    fn llama_index_step_names_its_agent() {
        assert_eq!(super::llama_index_agent("{\"ev\": \"AgentSetup(input=[], current_agent_name='writer')\"}").as_deref(), Some("writer"));
        assert_eq!(super::llama_index_agent("no agent"), None);
        let ev = r#"AgentSetup(input=[ChatMessage(role=<MessageRole.USER: 'user'>, blocks=[TextBlock(block_type='text', text="It's \\u00e9t\u00e9\n")]), ChatMessage(role=<MessageRole.ASSISTANT: 'assistant'>, blocks=[TextBlock(block_type='text', text='x')])], current_agent_name='w')"#;
        let input = json!({"ctx": "<Context>", "ev": ev}).to_string();
        assert_eq!(super::llama_index_user_text(&input).as_deref(), Some("It's \\u00e9t\u{e9}"));
        // Cut by the instrumentation: not there whole.
        let cut = json!({"ev": "AgentSetup(input=[ChatMessage(role=<MessageRole.USER: 'user'>, blocks=[TextBlock(block_type='text', text='Write a bri..."}).to_string();
        assert_eq!(super::llama_index_user_text(&cut), None);
    }

    #[test]
    fn managed_agent_task_read_from_its_prompt() {
        let p = "You're a helpful agent named 'r'.\nYou have been submitted this task by your manager.\n---\nTask:\nFind it.\n---\nYou're helping";
        assert_eq!(super::managed_agent_task(p).as_deref(), Some("Find it."));
        assert_eq!(super::managed_agent_task("Find it."), None);
    }

    #[test]
    fn scope_and_system_name_the_framework() {
        let mut s = span("chat m", &[("gen_ai.operation.name", json!("chat"))]);
        assert_eq!(span_facts(&s).framework, None);
        s.scope_name = "pydantic-ai".into();
        assert_eq!(span_facts(&s).framework.as_deref(), Some("pydantic_ai"));
        s.scope_name = "strands.telemetry.tracer".into();
        assert_eq!(span_facts(&s).framework.as_deref(), Some("strands"));
        s.scope_name = "my.lib".into();
        s.attributes.insert("gen_ai.system".into(), json!("strands-agents"));
        assert_eq!(span_facts(&s).framework.as_deref(), Some("strands"));
    }
}
