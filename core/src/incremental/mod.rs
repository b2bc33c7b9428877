//! Incremental derivation: what a batch of new spans changes in a run's derived rows,
//! computed from a compact per-run state and keyed look-ups instead of the run's whole history.
//!
//! Whole-run analysis ([`crate::normalize::analyze_run`]) leaves a [`RunSketch`] beside its
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
//! `docs/design.md` explains the state and why each case is exact.
mod agents;
mod extend;
pub mod forest;
mod outcome;
mod search;
mod state;
mod turns;

use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::run::excerpt;
use crate::normalize::{AgentMessage, AgentSummary, SpanCategory, SpanFacts, ToolCall};
pub use agents::{AgentAcc, SpanView, ToolNodeCounts};
pub use extend::{extend, WholeRun};
pub use search::{SearchAcc, DOCUMENT_MAX, KEYWORDS_MAX};
pub use state::{Entry, ErrState, Key, OrderKey, RunSketch, RunState, ToolStrings};
pub use turns::{explicit_messages, implicit_messages, turn_sketch, TopTurn, TurnRow};

/// Bumped whenever the state's meaning changes: a state of another version is not extended
/// (its run is analysed whole once, which writes a current state).
pub const STATE_VERSION: u32 = 4;

pub type SpanKey = (TraceId, SpanId);
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
    fn order(&self) -> OrderKey {
        OrderKey::new(self.trace_id, self.span_id, self.start, self.end)
    }
}

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

/// Own agent, else the nearest ancestor's; memoised, iterative, cycle-safe.
pub(crate) fn resolve_owners(own: &[Option<String>], parent: &[Option<usize>]) -> Vec<Option<String>> {
    let n = own.len();
    let mut out: Vec<Option<String>> = vec![None; n];
    let mut state = vec![0u8; n];
    let mut path = Vec::new();
    for start in 0..n {
        if state[start] == 2 {
            continue;
        }
        path.clear();
        let mut cur = Some(start);
        let mut found: Option<String> = None;
        while let Some(i) = cur {
            if state[i] == 2 {
                found = out[i].clone();
                break;
            }
            if state[i] == 1 {
                break;
            }
            if let Some(a) = &own[i] {
                out[i] = Some(a.clone());
                state[i] = 2;
                found = Some(a.clone());
                break;
            }
            state[i] = 1;
            path.push(i);
            cur = parent[i];
        }
        for &i in &path {
            out[i] = found.clone();
            state[i] = 2;
        }
    }
    out
}

/// A message span whose message its span alone decides (it names its sender and carries its
/// content): appended as it comes. Others take their sender from a linked span's agent or their
/// content from the turns around them, which may arrive later: their runs are analysed whole.
pub fn message_is_final(f: &SpanFacts) -> bool {
    f.sender.is_some() && excerpt(f.message_content.as_ref()).is_some()
}

/// A tool span that records nothing of its call but its id: whole-run analysis reads its
/// arguments and result from the run's model messages (`normalize::run::calls_from_messages`),
/// which may arrive in any later batch. Its run is analysed whole from then on.
pub fn tool_content_elsewhere(f: &SpanFacts) -> bool {
    f.category == SpanCategory::Tool && f.tool_call_id.is_some() && f.tool_arguments.is_none() && f.tool_result.is_none()
}

/// The short string values of a tool call's JSON-object arguments (those that could name an
/// agent).
fn tool_strings(f: &SpanFacts) -> Vec<String> {
    if f.category != SpanCategory::Tool {
        return Vec::new();
    }
    let Some(Ok(serde_json::Value::Object(o))) = f.tool_arguments.as_deref().map(serde_json::from_str::<serde_json::Value>) else {
        return Vec::new();
    };
    o.values().filter_map(serde_json::Value::as_str).filter(|v| !v.is_empty() && v.len() <= 128).map(str::to_string).collect()
}

/// Adds the strings of a tool call's arguments that could name an agent to `set` (see
/// [`RunSketch::tool_strings`]).
pub fn add_tool_strings(set: &mut ToolStrings, f: &SpanFacts) {
    for v in tool_strings(f) {
        set.add(&v);
    }
}

/// A tool span whose arguments hold an instruction (`normalize::run::instruction_text`): a
/// sub-agent turn without input below it is handed that instruction.
pub fn tasked_tool(f: &SpanFacts) -> bool {
    f.category == SpanCategory::Tool && f.tool_arguments.as_deref().and_then(crate::normalize::run::instruction_text).is_some()
}

/// What [`RunSketch::tasked_tools`] holds of a span: its trace and span id.
pub fn tasked_key(k: &SpanKey) -> String {
    format!("{}{}", crate::ids::to_hex(&k.0), crate::ids::to_hex(&k.1))
}

/// Adds the span to [`RunSketch::tasked_tools`] when it is a [`tasked_tool`].
pub fn add_tasked_tool(set: &mut ToolStrings, s: &SpanRecord, f: &SpanFacts) {
    if tasked_tool(f) {
        set.add(&tasked_key(&(s.trace_id, s.span_id)));
    }
}

/// Adds a span's call ids to the run's sets: a tool span's that records nothing of its call to
/// [`RunSketch::calls_waiting`], a model span's messages' to [`RunSketch::calls_in_messages`].
pub fn add_call_ids(sk: &mut RunSketch, f: &SpanFacts) {
    if tool_content_elsewhere(f) {
        if let Some(id) = &f.tool_call_id {
            sk.calls_waiting.add(id);
        }
    }
    for id in message_call_ids(f) {
        sk.calls_in_messages.add(id);
    }
}

/// The call ids a model span's messages request (assistant tool calls) or answer (tool
/// messages).
pub fn message_call_ids(f: &SpanFacts) -> Vec<&str> {
    if !crate::normalize::messages::records_tool_calls(f) {
        return Vec::new();
    }
    let requested = f.output_messages.iter().flat_map(|m| &m.tool_calls).filter_map(|t| t.id.as_deref());
    let answered = f.input_messages.iter().filter_map(|m| m.tool_call_id.as_deref());
    requested.chain(answered).collect()
}

/// A tool call whose arguments name one of `agents` (a handoff tool such as `handoff_to_agent`):
/// whole-run analysis gives the handoff its instruction (`normalize::run::tool_handoffs`).
pub fn names_an_agent<'a>(f: &SpanFacts, mut agents: impl Iterator<Item = &'a str>) -> bool {
    let named = tool_strings(f);
    !named.is_empty() && agents.any(|a| named.iter().any(|n| n == a))
}

/// Extends `state` with `new` (spans of one run not stored yet, deduplicated). `None`: the batch
/// needs whole-run analysis.
pub fn apply<S: RunStore>(state: &RunState, run: TraceId, new: &[SpanRecord], store: &mut S) -> Result<Option<Delta>, S::Error> {
    Ok(extend(state, run, new, store)?.ok())
}
