//! Agent communication graphs and span trees of one run.
//!
//! Input is deliberately light: [`GraphSpan`] carries only the normalized columns stored in
//! `agenttrace.spans` (no attribute re-parsing), plus the run's [`AgentMessage`](crate::normalize::AgentMessage)s as stored in
//! `agenttrace.agent_messages`. A run may be several linked traces; all of them form one graph.
//!
//! * [`agent_graph`]: nodes (agents, the user entry point, optionally tools) with span/LLM/tool
//!   counts, tokens, errors, total/self/critical time; edges (who sent work to whom) with kind
//!   counts, first/last time and the receiver's mean reaction latency; metrics: degrees,
//!   betweenness, cycles (loops), the critical path and the agent dominating it, orchestrator
//!   fan-out and the longest handoff chain.
//! * [`span_tree`]: the waterfall (depth, self time, critical-path flag).
//! * [`grafana`]: the graph as Grafana Node Graph panel frames.
use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::{MessageKind, SpanCategory, SpanFacts};

mod agent;
pub mod grafana;
mod json;
pub mod metrics;
mod tree;

pub use agent::{
    agent_graph, AgentGraph, CriticalPath, CriticalSpan, Cycle, EdgeKind, FanOut, GraphEdge, GraphMetrics, GraphNode, GraphOptions,
    NodeKind,
};
pub use json::rfc3339;
pub use tree::{span_tree, Segment, SpanTree, SpanTreeRow};

/// One span as the graph needs it: the stored, normalized columns of `agenttrace.spans`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphSpan {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub name: String,
    pub start_ns: u64,
    pub end_ns: u64,
    /// The span's own agent (`spans.agent_name`); descendants inherit it in the graph.
    pub agent_name: Option<String>,
    pub category: SpanCategory,
    pub tool_name: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub is_error: bool,
}

impl GraphSpan {
    /// From a decoded span and its normalizer facts (tests, corpus, benchmarks). Use the facts of
    /// [`crate::analyze::analyze_run`] (which refines categories run-wide), as ingest stores them.
    pub fn from_record(r: &SpanRecord, f: &SpanFacts) -> GraphSpan {
        GraphSpan {
            trace_id: r.trace_id,
            span_id: r.span_id,
            parent_span_id: r.parent_span_id,
            name: r.name.clone(),
            start_ns: r.start_time_unix_nano,
            end_ns: r.end_time_unix_nano,
            agent_name: f.agent_name.clone(),
            category: f.category,
            tool_name: f.tool_name.clone(),
            input_tokens: f.input_tokens.unwrap_or(0),
            output_tokens: f.output_tokens.unwrap_or(0),
            is_error: f.is_error,
        }
    }

    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// `spans.category` text back to the enum (unknown text is `Other`).
pub fn parse_category(s: &str) -> SpanCategory {
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

/// `agent_messages.kind` text back to the enum (unknown text is `Message`).
pub fn parse_message_kind(s: &str) -> MessageKind {
    match s {
        "handoff" => MessageKind::Handoff,
        "delegation" => MessageKind::Delegation,
        "tool_result" => MessageKind::ToolResult,
        "broadcast" => MessageKind::Broadcast,
        _ => MessageKind::Message,
    }
}
