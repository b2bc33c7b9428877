//! A run as a readable transcript: the task, each agent's instructions, and every step in time
//! order (messages between agents, model calls with what they saw and said, tool calls with
//! arguments and results, handoffs, agent outputs), then the final output.
//!
//! Built once from a [`RunView`] (which is built from the normalized span facts), so the
//! content rules and the LLM-judge prompt never read raw attributes. Texts are bounded.
use std::collections::HashMap;

use serde::Serialize;

use super::text::{readable, tool_result_text};
use super::RunView;
use crate::ids::to_hex;
use crate::normalize::SpanCategory;

/// Longest text kept per step (bytes, cut at a char boundary).
const MAX_STEP_TEXT: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A message from one agent (or the user) to another.
    Message,
    /// A model call: `text` is what the model answered, `tool_requests` what it asked to call.
    LlmCall,
    /// A tool execution: `arguments` and `result`.
    ToolCall,
    Handoff,
    /// What an agent turn produced.
    AgentOutput,
}

/// A tool call the model asked for inside its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolRequest {
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    /// Index of the span in the run's span slice.
    #[serde(skip)]
    pub span: usize,
    pub span_id: String,
    pub time_ns: u64,
    /// The acting agent (sender, caller, model owner).
    pub agent: Option<String>,
    /// Receiver of a message or handoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Main text: message content, model answer, tool result, agent output.
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_requests: Vec<ToolRequest>,
    /// Model calls: non-system messages in the input (how much history the call saw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_messages: Option<usize>,
    pub is_error: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    pub agent: String,
    pub text: String,
    #[serde(skip)]
    pub span: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    pub task: Option<String>,
    #[serde(skip)]
    pub task_span: Option<usize>,
    pub instructions: Vec<Instruction>,
    pub steps: Vec<Step>,
    pub final_output: Option<String>,
    pub final_agent: Option<String>,
    /// Each agent's role from its behaviour: coordinator, worker or executor ([`super::roles`]).
    pub roles: std::collections::BTreeMap<String, &'static str>,
    /// Indices of the steps where an agent says something (model answers with text, agent
    /// outputs, messages it sent), in time order; a text repeated by the same agent in
    /// consecutive such steps is listed once.
    #[serde(skip)]
    pub said: Vec<usize>,
    #[serde(skip)]
    pub final_span: Option<usize>,
}

fn bound(t: &str) -> String {
    let t = t.trim();
    if t.len() <= MAX_STEP_TEXT {
        return t.to_string();
    }
    let mut end = MAX_STEP_TEXT;
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &t[..end])
}

impl Transcript {
    pub fn new(run: &RunView) -> Self {
        let instructions = instructions(run);
        let mut steps = steps(run);
        steps.sort_by_key(|s| (s.time_ns, s.kind as u8));
        let said = said(&steps);
        Transcript {
            task: run.task.as_ref().map(|t| bound(&t.text)),
            task_span: run.task.as_ref().map(|t| t.span),
            instructions,
            steps,
            final_output: run.final_output.as_ref().map(|f| bound(&f.text)),
            final_agent: run.final_output.as_ref().and_then(|f| f.agent.clone()),
            roles: run.roles().iter().map(|(a, r)| (a.clone(), r.as_str())).collect(),
            final_span: run.final_output.as_ref().map(|f| f.span),
            said,
        }
    }

    /// Utterances (see [`Transcript::said`]) as steps.
    pub fn utterances(&self) -> impl Iterator<Item = &Step> {
        self.said.iter().map(|&k| &self.steps[k])
    }

    /// Tool executions, in time order.
    pub fn tool_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.kind == StepKind::ToolCall)
    }

    /// Instructions of one agent.
    pub fn instructions_of(&self, agent: &str) -> Option<&Instruction> {
        self.instructions.iter().find(|x| x.agent == agent)
    }

    /// Plain-text rendering (one line per step, texts quoted up to `max_chars` each).
    pub fn render(&self, max_chars: usize) -> String {
        let mut s = String::new();
        if let Some(t) = &self.task {
            s += &format!("TASK: {}\n", flat(t, max_chars));
        }
        for i in &self.instructions {
            s += &format!("INSTRUCTIONS of {}: {}\n", i.agent, flat(&i.text, max_chars));
        }
        if self.roles.len() > 1 {
            let roles: Vec<String> = self.roles.iter().map(|(a, r)| format!("{a} ({r})")).collect();
            s += &format!("ROLES (from behaviour): {}\n", roles.join(", "));
        }
        for (n, st) in self.steps.iter().enumerate() {
            s += &st.render(n + 1, max_chars);
            s.push('\n');
        }
        if let Some(f) = &self.final_output {
            s += &format!("FINAL OUTPUT ({}): {}\n", self.final_agent.as_deref().unwrap_or("?"), flat(f, max_chars));
        }
        s
    }
}

impl Step {
    pub fn render(&self, n: usize, max_chars: usize) -> String {
        let a = self.agent.as_deref().unwrap_or("user");
        let err = if self.is_error { " [ERROR]" } else { "" };
        match self.kind {
            StepKind::Message => {
                format!("[{n}] message {a} -> {}{err}: {}", self.to.as_deref().unwrap_or("?"), flat(&self.text, max_chars))
            }
            StepKind::LlmCall => {
                let mut s = format!(
                    "[{n}] {a} model call (saw {} messages){err}: {}",
                    self.input_messages.unwrap_or(0),
                    flat(&self.text, max_chars)
                );
                for r in &self.tool_requests {
                    s += &format!(" | requests {}({})", r.name, flat(&r.arguments, 200));
                }
                s
            }
            StepKind::ToolCall => format!(
                "[{n}] {a} tool {}({}){err} -> {}",
                self.tool.as_deref().unwrap_or("?"),
                flat(self.arguments.as_deref().unwrap_or(""), 300),
                flat(&self.text, max_chars)
            ),
            StepKind::Handoff => format!("[{n}] handoff {a} -> {}", self.to.as_deref().unwrap_or("?")),
            StepKind::AgentOutput => {
                format!("[{n}] {a} output{err}: {}", flat(&self.text, max_chars))
            }
        }
    }
}

/// One-line excerpt: line breaks shown as ` / `, at most `n` chars.
pub fn flat(t: &str, n: usize) -> String {
    let one: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut q: String = one.chars().take(n).collect();
    if one.chars().count() > n {
        q.push('…');
    }
    q
}

/// Tool arguments as the tool got them: wrappers that carry them as a Python-repr string
/// (`{"input_str": "{'plate': 'KX-204'}", "tags": ...}`, LangChain via Traceloop) unwrapped
/// to JSON; other text unchanged.
pub fn tool_args_text(raw: &str) -> String {
    let t = raw.trim();
    if !t.starts_with('{') || !t.contains("input_str") {
        return t.to_string();
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(t) else { return t.to_string() };
    let Some(inner) = v.get("input_str").and_then(|x| x.as_str()) else { return t.to_string() };
    if serde_json::from_str::<serde_json::Value>(inner).is_ok() {
        return inner.to_string();
    }
    // Python literal -> JSON (quotes and constants); kept only when it parses.
    let mut out = String::with_capacity(inner.len());
    let mut in_str: Option<char> = None;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (None, '\'') => {
                in_str = Some('\'');
                out.push('"');
            }
            (None, '"') => {
                in_str = Some('"');
                out.push('"');
            }
            (Some(q), c) if c == q => {
                in_str = None;
                out.push('"');
            }
            (Some('\''), '"') => out.push_str("\\\""),
            (Some(_), '\\') => match chars.next() {
                Some('\'') => out.push('\''),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => {}
            },
            _ => out.push(c),
        }
    }
    let out = out.replace(": True", ": true").replace(": False", ": false").replace(": None", ": null");
    if serde_json::from_str::<serde_json::Value>(&out).is_ok() {
        out
    } else {
        inner.to_string()
    }
}

/// One step of span `i`, with its text bounded.
fn step(run: &RunView, kind: StepKind, i: usize, agent: Option<String>, text: String) -> Step {
    Step {
        kind,
        span: i,
        span_id: to_hex(&run.spans[i].span_id),
        time_ns: run.start(i),
        agent,
        to: None,
        tool: None,
        arguments: None,
        text: bound(&text),
        tool_requests: Vec::new(),
        input_messages: None,
        is_error: run.analysis.facts[i].is_error,
    }
}

/// Each agent's instructions, in time order.
fn instructions(run: &RunView) -> Vec<Instruction> {
    let facts = &run.analysis.facts;
    // Instructions: the system messages an agent's model calls saw; else the instructions
    // recorded on the agent's own spans (`gen_ai.system_instructions` on an agent
    // invocation), or on a workflow span above a run of one agent; else the agent's role.
    let mut instr: HashMap<String, (String, usize)> = HashMap::new();
    let system_text = |i: usize| {
        let sys: Vec<&str> = facts[i]
            .input_messages
            .iter()
            .filter(|m| m.role == "system" && !m.content.trim().is_empty())
            .map(|m| m.content.trim())
            .collect();
        (!sys.is_empty()).then(|| bound(&sys.join("\n")))
    };
    for &i in &run.llm {
        let Some(a) = run.owner[i].as_deref() else { continue };
        if instr.contains_key(a) {
            continue;
        }
        if let Some(text) = system_text(i) {
            instr.insert(a.to_string(), (text, i));
        }
    }
    // Agent invocations and workflow spans only (a guardrail's or a tool's own model
    // instructions are not the agent's). A workflow span that works for no agent speaks
    // for the agent only when the run has one.
    let only_agent = match &run.analysis.agents[..] {
        [one] => Some(one.agent_name.as_str()),
        _ => None,
    };
    for inherited in [false, true] {
        for &i in &run.order {
            if !matches!(facts[i].category, SpanCategory::Agent | SpanCategory::Chain) || facts[i].input_messages.is_empty() {
                continue;
            }
            let Some(a) = (if inherited { only_agent.filter(|_| run.owner[i].is_none()) } else { run.owner[i].as_deref() }) else {
                continue;
            };
            if instr.contains_key(a) {
                continue;
            }
            if let Some(text) = system_text(i) {
                instr.insert(a.to_string(), (text, i));
            }
        }
    }
    for s in &run.analysis.agents {
        if let (false, Some(r)) = (instr.contains_key(&s.agent_name), s.role.as_deref()) {
            if let Some(t) = run.turns.iter().find(|t| t.agent == s.agent_name) {
                instr.insert(s.agent_name.clone(), (bound(r), t.idx));
            }
        }
    }
    let mut instructions: Vec<Instruction> = instr.into_iter().map(|(agent, (text, span))| Instruction { agent, text, span }).collect();
    instructions.sort_by_key(|x| (run.start(x.span), x.agent.clone()));
    instructions
}

/// The run's steps (model calls, tool calls, messages, handoffs, agent outputs), unsorted.
fn steps(run: &RunView) -> Vec<Step> {
    let facts = &run.analysis.facts;
    let mut steps = Vec::new();
    let step = |kind, i: usize, agent: Option<String>, text: String| step(run, kind, i, agent, text);
    for &i in &run.llm {
        let f = &facts[i];
        let text = f.output_messages.iter().map(|m| m.content.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join("\n");
        let text = if text.is_empty() {
            f.output_text
                .as_deref()
                .and_then(|t| readable(t, true))
                .filter(|t| !t.starts_with('{') && !t.starts_with('['))
                .unwrap_or_default()
        } else {
            text
        };
        let mut s = step(StepKind::LlmCall, i, run.owner[i].clone(), text);
        s.tool_requests = f
            .output_messages
            .iter()
            .flat_map(|m| m.tool_calls.iter())
            .map(|t| ToolRequest { name: t.name.clone(), arguments: bound(&t.arguments) })
            .collect();
        s.input_messages = Some(f.input_messages.iter().filter(|m| m.role != "system").count());
        steps.push(s);
    }
    for (k, t) in run.analysis.tool_calls.iter().enumerate() {
        let Some(&i) = run.tool_span.get(k) else { continue };
        let res = t.result.as_deref().or(t.error_message.as_deref()).unwrap_or("");
        let mut s = step(StepKind::ToolCall, i, t.agent_name.clone(), tool_result_text(res));
        s.tool = Some(t.tool_name.clone());
        s.arguments = t.arguments.as_deref().map(|a| bound(&tool_args_text(a)));
        s.is_error = t.is_error;
        steps.push(s);
    }
    for m in &run.analysis.messages {
        let Some(&i) = run.index.get(&(m.trace_id, m.span_id)) else { continue };
        // The span's full message text when it has one (message excerpts are cut).
        let full = facts[i].message_content.as_deref().filter(|c| c.len() > m.content.as_deref().map_or(0, str::len));
        let Some(c) = full.or(m.content.as_deref()).filter(|c| !c.trim().is_empty()) else { continue };
        // Framework envelopes (`{"inputs": {"messages": [...]}}`) become their message text.
        let c = if c.trim_start().starts_with('{') { readable(c, false).unwrap_or_else(|| c.to_string()) } else { c.to_string() };
        let mut s = step(StepKind::Message, i, m.from_agent.clone(), c);
        s.time_ns = m.time_ns;
        s.to = Some(m.to_agent.clone());
        steps.push(s);
    }
    for &i in &run.order {
        if facts[i].category == SpanCategory::Handoff {
            let f = &facts[i];
            let from = f.handoff_from.clone().or_else(|| run.owner[i].clone());
            let mut s = step(StepKind::Handoff, i, from, String::new());
            s.to = f.handoff_to.clone();
            steps.push(s);
        }
    }
    for t in &run.turns {
        if let Some((o, j)) = &t.output {
            let mut s = step(StepKind::AgentOutput, *j, Some(t.agent.clone()), o.clone());
            s.time_ns = t.end;
            steps.push(s);
        }
    }
    steps
}

/// The steps where an agent says something (see [`Transcript::said`]).
fn said(steps: &[Step]) -> Vec<usize> {
    let mut said: Vec<usize> = Vec::new();
    let mut last_text: HashMap<&str, &str> = HashMap::new();
    for (k, s) in steps.iter().enumerate() {
        let speaks = matches!(s.kind, StepKind::LlmCall | StepKind::AgentOutput | StepKind::Message);
        let Some(a) = s.agent.as_deref() else { continue };
        if !speaks || s.text.is_empty() {
            continue;
        }
        if last_text.get(a) == Some(&s.text.as_str()) {
            continue;
        }
        last_text.insert(a, s.text.as_str());
        said.push(k);
    }
    said
}

#[cfg(test)]
mod tests {
    use super::tool_args_text;

    #[test]
    fn wrapped_python_arguments_become_json() {
        let raw = r#"{"input_str": "{'plate': 'KX-204', 'days': 5, 'note': 'it\\'s \"ok\"', 'paid': True}", "tags": ["seq:step:1"]}"#;
        let v: serde_json::Value = serde_json::from_str(&tool_args_text(raw)).expect("json");
        assert_eq!(v["plate"], "KX-204");
        assert_eq!(v["days"], 5);
        assert_eq!(v["paid"], true);
        assert_eq!(tool_args_text(r#"{"zone": "SR-1"}"#), r#"{"zone": "SR-1"}"#);
    }
}
