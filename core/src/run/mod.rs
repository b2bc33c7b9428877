//! The run model: what one run is made of, shared by the two analyses built on it.
//!
//! * [`key`]: the span key, its stored form and the time order ([`OrderKey`]) every derivation
//!   walks in;
//! * [`tree`]: the run's span index, parents, owners and cycle-safe ancestor walks;
//! * [`agents`]: each agent's counters, folded span by span; [`turns`]: agent turns and the
//!   messages derived from them; [`forest`]: the error forest the outcome is decided from;
//!   [`search`]: the search row's accumulators; [`text`]: excerpts and failure reasons;
//! * [`state`]: the sketch of a run that incremental ingest keeps ([`RunSketch`], [`RunState`]),
//!   and [`blocking`]: the span facts that only whole-run analysis derives.
//!
//! Whole-run analysis ([`crate::analyze`]) and incremental extension ([`crate::incremental`]) are
//! siblings on top of this model and never import each other: what both must agree on lives here.
pub mod agents;
pub mod blocking;
pub mod forest;
pub mod fx;
pub mod key;
pub mod search;
pub mod state;
pub mod text;
pub mod tree;
pub mod turns;

use crate::ids::{SpanId, TraceId};
use crate::normalize::SpanCategory;
pub use agents::{AgentAcc, SpanView, ToolNodeCounts};
pub use blocking::{
    add_call_ids, add_tasked_tool, add_tool_strings, message_call_ids, message_is_final, names_an_agent, tasked_key, tasked_tool,
    tool_content_elsewhere,
};
pub use key::{Key, OrderKey, SpanKey};
pub use search::{SearchAcc, DOCUMENT_MAX, KEYWORDS_MAX};
pub use state::{Entry, ErrState, RunSketch, RunState, ToolStrings};
pub use text::{excerpt, instruction_text, message_kind_for, reason_from, reason_of};
pub use tree::{resolve_owners, SpanTree};
pub use turns::{explicit_messages, implicit_messages, turn_sketch, TopTurn, TurnRow};

/// Bumped whenever the state's meaning changes: a state of another version is not extended
/// (its run is analysed whole once, which writes a current state).
pub const STATE_VERSION: u32 = 6;

/// What the fast path reads of a stored span.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSpan {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent: Option<SpanId>,
    pub start: u64,
    pub end: u64,
    pub category: SpanCategory,
    /// The agent it works for (`spans.agent_name`: own, else inherited).
    pub owner: Option<String>,
    pub tool_name: Option<String>,
    pub framework: Option<String>,
    pub is_error: bool,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
}

impl StoredSpan {
    pub fn key(&self) -> SpanKey {
        (self.trace_id, self.span_id)
    }
    pub fn order(&self) -> OrderKey {
        OrderKey::new(self.trace_id, self.span_id, self.start, self.end)
    }
}
