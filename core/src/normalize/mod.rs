//! Framework normalizers: what each span means to a person debugging a multi-agent run.
//!
//! [`span_facts`] reads one span (any vocabulary, detected per span) into [`SpanFacts`];
//! [`analyze_run`] reads all spans of one run into agents, agent-to-agent messages, tool calls
//! and the run's outcome. The pg_agenttrace extension stores these results at ingest.
use serde::Serialize;

use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;

mod ag2;
mod agent_framework;
mod autogen;
mod crewai;
pub(crate) mod ctx;
mod errors;
mod events;
mod genai;
mod generic;
mod json;
mod langgraph;
mod langsmith;
pub mod messages;
mod openai_agents;
mod openinference;
pub(crate) mod outside;
pub(crate) mod run;
pub(crate) mod scope;
mod traceloop;
mod util;

/// One attribute vocabulary (an instrumentation or a framework's own conventions).
///
/// [`span_facts`] runs every registered vocabulary whose `detect` accepts the span, in registry
/// order: base vocabularies first (generic OTel, GenAI semconv, OpenInference, Traceloop,
/// LangSmith), then framework overlays that refine what the base ones found. Adding a framework
/// is one file implementing this trait plus one line in [`REGISTRY`].
///
/// Both methods get the span as a [`ctx::Sp`]: attribute lookups by compile-time hashed key and
/// JSON text attributes parsed at most once per span, shared by all vocabularies.
pub(crate) trait Vocabulary: Sync {
    fn name(&self) -> &'static str;
    fn detect(&self, sp: &ctx::Sp) -> bool;
    fn apply(&self, sp: &ctx::Sp, facts: &mut SpanFacts);
}

static REGISTRY: &[&dyn Vocabulary] = &[
    &generic::Generic,
    &genai::GenAi,
    &openinference::OpenInference,
    &traceloop::Traceloop,
    &langsmith::LangSmith,
    &langgraph::LangGraph,
    &autogen::AutoGen,
    &ag2::Ag2,
    &crewai::CrewAi,
    &openai_agents::OpenAiAgents,
    &agent_framework::AgentFramework,
    &scope::Scope,
];

/// Names of the registered vocabularies, in the order they are applied.
pub fn vocabularies() -> Vec<&'static str> {
    REGISTRY.iter().map(|v| v.name()).collect()
}

/// What kind of step a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SpanCategory {
    /// An agent invocation / agent turn.
    Agent,
    /// A model call.
    Llm,
    /// A tool / function execution.
    Tool,
    /// Control passing from one agent to another.
    Handoff,
    /// A chain / workflow / graph node / task step that is not itself an agent.
    Chain,
    /// A guardrail check.
    Guardrail,
    /// Retrieval / embedding / reranking.
    Retrieval,
    /// Runtime messaging (publish/send/process between agents).
    Messaging,
    #[default]
    Other,
}

impl SpanCategory {
    /// The category stored as `spans.category` ([`SpanCategory::as_str`]); unknown text is Other.
    pub fn parse(s: &str) -> SpanCategory {
        match s {
            "agent" => SpanCategory::Agent,
            "llm" => SpanCategory::Llm,
            "tool" => SpanCategory::Tool,
            "handoff" => SpanCategory::Handoff,
            "chain" => SpanCategory::Chain,
            "guardrail" => SpanCategory::Guardrail,
            "retrieval" => SpanCategory::Retrieval,
            "messaging" => SpanCategory::Messaging,
            _ => SpanCategory::Other,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SpanCategory::Agent => "agent",
            SpanCategory::Llm => "llm",
            SpanCategory::Tool => "tool",
            SpanCategory::Handoff => "handoff",
            SpanCategory::Chain => "chain",
            SpanCategory::Guardrail => "guardrail",
            SpanCategory::Retrieval => "retrieval",
            SpanCategory::Messaging => "messaging",
            SpanCategory::Other => "other",
        }
    }
}

/// A chat message as seen in an LLM span's input or output.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

/// A tool call requested inside a chat message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ToolCallRef {
    pub id: Option<String>,
    pub name: String,
    pub arguments: String,
}

/// Everything one span says, in one vocabulary-independent shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SpanFacts {
    /// `langgraph`, `autogen`, `ag2`, `crewai`, `openai_agents`, `microsoft_agent_framework`, ... or `None`.
    pub framework: Option<String>,
    /// `openinference`, `traceloop`, `langsmith`, `genai_semconv`, `autogen_core`, ... or `None`.
    pub instrumentation: Option<String>,
    pub category: SpanCategory,
    pub agent_name: Option<String>,
    pub agent_id: Option<String>,
    /// Role or description of the agent (CrewAI role/goal, `gen_ai.agent.description`, ...).
    pub agent_role: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub tool_name: Option<String>,
    pub tool_call_id: Option<String>,
    pub tool_arguments: Option<String>,
    pub tool_result: Option<String>,
    pub input_text: Option<String>,
    pub output_text: Option<String>,
    pub input_messages: Vec<ChatMessage>,
    pub output_messages: Vec<ChatMessage>,
    pub handoff_from: Option<String>,
    pub handoff_to: Option<String>,
    pub is_error: bool,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// LangGraph node (or OpenInference `graph.node.id`) this span belongs to.
    pub graph_node: Option<String>,
    /// LangGraph superstep.
    pub graph_step: Option<i64>,
    /// Runtime messaging: the agent that sent the message this span delivers/processes.
    pub sender: Option<String>,
    /// Runtime messaging: the agent receiving it.
    pub recipient: Option<String>,
    /// Set when this span is evidence of an agent-to-agent message (with `sender`/`recipient`).
    pub message_kind: Option<MessageKind>,
    /// Content of that message (excerpt).
    pub message_content: Option<String>,
    /// Id of that message when the framework gives one (the same broadcast delivered to each
    /// recipient carries the same id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// A turn / iteration / recursion limit this span reports having hit.
    pub stop_reason: Option<String>,
    /// Control-flow signal: `termination`, `workflow_started`, `workflow_completed`, `workflow_failed`.
    pub control: Option<String>,
    /// The agent / orchestrator this span belongs to is a group-chat manager or similar router.
    pub orchestrator: bool,
}

/// One agent of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct AgentSummary {
    pub agent_name: String,
    pub agent_id: Option<String>,
    pub role: Option<String>,
    pub framework: Option<String>,
    pub span_count: i64,
    pub llm_calls: i64,
    pub tool_calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub errors: i64,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Handoff,
    Delegation,
    Message,
    ToolResult,
    Broadcast,
}

impl MessageKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            MessageKind::Handoff => "handoff",
            MessageKind::Delegation => "delegation",
            MessageKind::Message => "message",
            MessageKind::ToolResult => "tool_result",
            MessageKind::Broadcast => "broadcast",
        }
    }
}

/// Work or a message passed from one agent to another, in run order.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AgentMessage {
    /// 0-based order within the run.
    pub seq: i32,
    /// The span that is the evidence for this message.
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub time_ns: u64,
    /// `None` when the sender is the user / the run's entry point.
    pub from_agent: Option<String>,
    pub to_agent: String,
    pub kind: MessageKind,
    pub content: Option<String>,
}

/// One tool execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub agent_name: Option<String>,
    pub tool_name: String,
    pub call_id: Option<String>,
    pub arguments: Option<String>,
    pub result: Option<String>,
    pub is_error: bool,
    pub error_message: Option<String>,
    pub start_ns: u64,
    pub duration_ns: u64,
}

impl ToolCall {
    /// The call a tool span records, for the agent it works for.
    pub fn of(s: &SpanRecord, f: &SpanFacts, agent: Option<String>) -> Self {
        ToolCall {
            trace_id: s.trace_id,
            span_id: s.span_id,
            agent_name: agent,
            tool_name: f.tool_name.clone().unwrap_or_else(|| s.name.clone()),
            call_id: f.tool_call_id.clone(),
            arguments: f.tool_arguments.clone(),
            result: f.tool_result.clone(),
            is_error: f.is_error,
            error_message: f.error_message.clone(),
            start_ns: s.start_time_unix_nano,
            duration_ns: s.duration_ns(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    #[default]
    Success,
    Failure,
    /// Stopped by a turn/iteration/recursion limit or similar, without an explicit error.
    StoppedEarly,
}

impl OutcomeStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OutcomeStatus::Success => "success",
            OutcomeStatus::Failure => "failure",
            OutcomeStatus::StoppedEarly => "stopped_early",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct RunOutcome {
    pub status: OutcomeStatus,
    pub reason: Option<String>,
    pub failing_agent: Option<String>,
    pub failing_span: Option<(TraceId, SpanId)>,
}

/// Everything derived from one run's spans.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunAnalysis {
    /// Parallel to the input spans.
    pub facts: Vec<SpanFacts>,
    pub framework: Option<String>,
    pub agents: Vec<AgentSummary>,
    pub messages: Vec<AgentMessage>,
    pub tool_calls: Vec<ToolCall>,
    pub outcome: RunOutcome,
    /// What incremental ingest keeps of the analysis ([`crate::incremental::RunState`]).
    pub sketch: crate::incremental::RunSketch,
}

/// Facts of a single span. Never panics, whatever the attribute values.
pub fn span_facts(span: &SpanRecord) -> SpanFacts {
    // Content recorded as span events reads like the same content in attributes.
    let folded = events::overlay(span);
    let span = folded.as_ref().unwrap_or(span);
    let sp = ctx::Sp::new(span);
    let mut f = SpanFacts::default();
    for v in REGISTRY {
        if v.detect(&sp) {
            v.apply(&sp, &mut f);
        }
    }
    errors::apply(&sp, &mut f);
    f
}

/// Analysis of all spans of one run (possibly several linked traces), in any order.
pub fn analyze_run(spans: &[SpanRecord]) -> RunAnalysis {
    run::analyze(spans)
}

#[cfg(test)]
pub(crate) mod test_util {

    use serde_json::Value;

    use crate::model::{Attributes, SpanEvent, SpanRecord};

    pub fn span(name: &str, attrs: &[(&str, Value)]) -> SpanRecord {
        let mut a = Attributes::new();
        for (k, v) in attrs {
            a.insert((*k).to_string(), v.clone());
        }
        SpanRecord { start_time_unix_nano: 1, end_time_unix_nano: 2, ..SpanRecord::new([1; 16], [1; 8], name.to_string(), a) }
    }

    pub fn exception(ty: &str, msg: &str) -> SpanEvent {
        let mut a = Attributes::new();
        a.insert("exception.type".into(), Value::from(ty));
        a.insert("exception.message".into(), Value::from(msg));
        SpanEvent { time_unix_nano: 1, name: "exception".into(), attributes: a, dropped_attributes_count: 0 }
    }

    /// Span with ids / parent / times set, for run-level tests.
    pub fn at(mut s: SpanRecord, id: u8, parent: Option<u8>, start: u64, end: u64) -> SpanRecord {
        s.span_id = [0, 0, 0, 0, 0, 0, 0, id];
        s.parent_span_id = parent.map(|p| [0, 0, 0, 0, 0, 0, 0, p]);
        s.start_time_unix_nano = start;
        s.end_time_unix_nano = end;
        s
    }
}
