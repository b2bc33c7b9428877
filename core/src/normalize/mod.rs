//! Framework normalizers: what each span means to a person debugging a multi-agent run.
//!
//! [`span_facts`] reads one span (any vocabulary, detected per span) into [`SpanFacts`];
//! [`analyze_run`] reads all spans of one run into agents, agent-to-agent messages, tool calls
//! and the run's outcome. The pg_agenttrace extension stores these results at ingest.
use serde::Serialize;

use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;

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
}

/// One agent of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
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

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
}

/// Facts of a single span. Never panics, whatever the attribute values.
pub fn span_facts(span: &SpanRecord) -> SpanFacts {
    let mut f = SpanFacts::default();
    f.is_error = span.status_code == crate::model::status_code::ERROR;
    if f.is_error && !span.status_message.is_empty() {
        f.error_message = Some(span.status_message.clone());
    }
    f
}

/// Analysis of all spans of one run (possibly several linked traces), in any order.
pub fn analyze_run(spans: &[SpanRecord]) -> RunAnalysis {
    RunAnalysis { facts: spans.iter().map(span_facts).collect(), ..Default::default() }
}
