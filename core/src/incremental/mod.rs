//! Incremental derivation: what a batch of new spans changes in a run's derived rows,
//! computed from a compact per-run state and keyed look-ups instead of the run's whole history.
//!
//! Whole-run analysis ([`crate::analyze::analyze_run`]) leaves a [`crate::run::RunSketch`] beside its
//! results: each agent's counters, the last agent turns, message positions, the error forest,
//! LangGraph tool nodes, the search accumulators. [`extend`] (and [`apply`]) extends that state
//! with a batch: owners of the new spans come from their parents (read by key), stored spans
//! waiting for a late parent get theirs, agent counters and run totals add up, tool calls,
//! checkpoints, messages and targeted handoffs are appended (or the messages rebuilt from the
//! run's turns), the outcome is updated from the error forest only when something it depends on
//! moved. Whatever it cannot extend exactly makes [`extend`] answer why ([`WholeRun`]; [`apply`] `None`),
//! and the caller analyses the run whole: runs with message spans whose sender or content comes
//! from other spans, handoffs without a target, stop reasons, control events or replays; and
//! per batch, among others, a run's first handoff, checkpoints or handoff messages before stored
//! ones, a tool node that appears or goes, a late parent of an agent span without an agent or of
//! too many stored spans, saturated token sums. Both paths give the same rows
//! (`core/tests/incremental.rs`, `tests/tests/arrival_order.rs`, `tests/tests/incremental.rs`);
//! `docs/design.md` explains the state and why each case is exact. What the two analyses share
//! (keys, the error forest, agent counters, turns, the state) is the run model, [`crate::run`].
mod extend;
mod outcome;

use crate::ids::TraceId;
use crate::model::SpanRecord;
use crate::normalize::{AgentMessage, AgentSummary, SpanFacts, ToolCall};
use crate::run::{OrderKey, RunState, SpanKey, StoredSpan};
pub use extend::{extend, WholeRun};

/// Keyed reads of one run's stored spans (the extension answers them with indexed SQL).
pub trait RunStore {
    type Error;
    /// Stored spans with these keys.
    fn spans(&mut self, keys: &[SpanKey]) -> Result<Vec<StoredSpan>, Self::Error>;
    /// Stored spans whose parent is one of these.
    fn children(&mut self, parents: &[SpanKey]) -> Result<Vec<StoredSpan>, Self::Error>;
    /// The run's stored error spans.
    fn errors(&mut self) -> Result<Vec<StoredSpan>, Self::Error>;
    /// The run's stored agent turns (agent spans working for an agent), with their input and
    /// output text.
    #[allow(clippy::type_complexity)]
    fn turns(&mut self) -> Result<Vec<(StoredSpan, Option<String>, Option<String>)>, Self::Error>;
    /// For each key, the latest stored agent turn strictly before it in time order, and its agent.
    #[allow(clippy::type_complexity)]
    fn turns_before(&mut self, keys: &[OrderKey]) -> Result<Vec<Option<(OrderKey, String)>>, Self::Error>;
}

/// What a batch changes, to be written by the caller.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    /// Facts of the new spans (parallel to them), with their owners.
    pub facts: Vec<SpanFacts>,
    /// Stored spans that now work for an agent (a late parent brought it).
    pub owners: Vec<(SpanKey, String)>,
    pub tool_calls: Vec<ToolCall>,
    /// Stored tool calls that turn out to be their parent's call recorded twice.
    pub dropped_tool_calls: Vec<SpanKey>,
    /// Appended after the stored ones (seq continues), or all of them (`replace_messages`).
    pub messages: Vec<AgentMessage>,
    pub replace_messages: bool,
    /// Agents whose row changed, whole.
    pub agents: Vec<AgentSummary>,
    /// Checkpoints of the new spans (seq continues).
    pub checkpoints: Vec<crate::replay::Checkpoint>,
    pub state: RunState,
}

/// Extends `state` with `new` (spans of one run not stored yet, deduplicated). `None`: the batch
/// needs whole-run analysis.
pub fn apply<S: RunStore>(state: &RunState, run: TraceId, new: &[SpanRecord], store: &mut S) -> Result<Option<Delta>, S::Error> {
    Ok(extend(state, run, new, store)?.ok())
}
