//! The per-run state of incremental ingest: the sketch whole-run analysis leaves, and the row
//! stored in `agenttrace.run_state`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AgentAcc, OrderKey, SearchAcc, ToolNodeCounts, TopTurn, STATE_VERSION};
use crate::normalize::{AgentSummary, RunOutcome};
use crate::rows::RunTotals;

/// The run's error picture: enough to decide its outcome and to extend it with a batch
/// (see [`super::forest`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrState {
    pub count: u64,
    /// Latest start of healthy agent / model work: errors ending before it were recovered from.
    pub last_healthy: Option<u64>,
    #[serde(default)]
    pub forest: super::forest::Forest,
    /// The failing agent was taken from the turn before the failing span (it has no owner).
    pub owner_from_turns: bool,
}

/// The run's entry message, by its content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub content: Option<String>,
}

/// What incremental ingest keeps of a run's analysis (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSketch {
    /// The run has something only whole-run analysis derives: every batch re-analyses it.
    pub blocked: bool,
    /// Its messages come from handoff or message spans.
    #[serde(default)]
    pub explicit: bool,
    /// ... and those are all handoffs: consecutive top-level turns that no handoff connects are
    /// messages too (`turns::explicit_messages`).
    #[serde(default)]
    pub handoffs_only: bool,
    /// Handoffs at or after the start of the last top-level turn (sender, recipient, time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_handoffs: Vec<super::turns::OpenHandoff>,
    /// The short strings of the run's tool-call arguments (values that could name an agent),
    /// hashed: an agent that appears later with one of these names turns that call into a
    /// handoff, which whole-run analysis derives.
    #[serde(default, skip_serializing_if = "ToolStrings::is_empty")]
    pub tool_strings: ToolStrings,
    /// Tool spans whose arguments hold an instruction (trace and span id, hashed): an agent
    /// turn without input below one is handed that instruction (whole-run analysis only).
    #[serde(default, skip_serializing_if = "ToolStrings::is_empty")]
    pub tasked_tools: ToolStrings,
    /// Call ids of tool spans that record nothing of their call (hashed): a model message with
    /// one of them gives that call its arguments or result (whole-run analysis only).
    #[serde(default, skip_serializing_if = "ToolStrings::is_empty")]
    pub calls_waiting: ToolStrings,
    /// Call ids the run's model messages request or answer (hashed).
    #[serde(default, skip_serializing_if = "ToolStrings::is_empty")]
    pub calls_in_messages: ToolStrings,
    /// LangGraph tool nodes (their spans work for the last real agent before them) with their
    /// counts, and the latest span they owned.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tool_nodes: BTreeMap<String, ToolNodeCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_node_max: Option<OrderKey>,
    pub frameworks: BTreeMap<String, u64>,
    pub agents: BTreeMap<String, AgentAcc>,
    pub max_turn: Option<OrderKey>,
    pub first_top: Option<TopTurn>,
    pub last_top: Option<TopTurn>,
    pub messages: i32,
    pub last_message_ns: Option<u64>,
    /// The entry message (the task handed to the first agent), when there is one.
    pub entry: Option<Entry>,
    /// The first input of a non-model span (the task as the run received it).
    pub first_input: Option<(OrderKey, Option<String>)>,
    pub errors: ErrState,
    /// How many checkpoints the run has and the time-order key of the last
    /// (time, trace hex, span hex).
    #[serde(default)]
    pub checkpoints: i64,
    #[serde(default)]
    pub last_checkpoint: Option<(u64, String, String)>,
    pub outcome: RunOutcome,
    pub search: SearchAcc,
}

impl RunSketch {
    /// The framework most spans name; on a tie the first by name (never by arrival order).
    pub fn framework(&self) -> Option<String> {
        let mut best: Option<(&String, u64)> = None;
        for (n, c) in &self.frameworks {
            if best.is_none_or(|(_, b)| *c > b) {
                best = Some((n, *c));
            }
        }
        best.map(|(n, _)| n.clone())
    }
}

/// The per-run state row (`agenttrace.run_state`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub version: u32,
    pub sketch: RunSketch,
    pub totals: RunTotals,
}

impl RunState {
    pub fn new(sketch: RunSketch, totals: RunTotals) -> Self {
        RunState { version: STATE_VERSION, sketch, totals }
    }

    /// The framework most spans name; on a tie the first by name.
    pub fn framework(&self) -> Option<String> {
        self.sketch.framework()
    }

    /// Agents as whole-run analysis lists them (first seen first).
    pub fn agents(&self) -> Vec<AgentSummary> {
        let mut out: Vec<AgentSummary> = self.sketch.agents.iter().map(|(n, a)| a.summary(n)).collect();
        out.sort_by(|a, b| a.first_seen_ns.cmp(&b.first_seen_ns).then_with(|| a.agent_name.cmp(&b.agent_name)));
        out
    }

    /// `(keywords, document)` of the run's search row.
    pub fn search_text(&self) -> (String, String) {
        let agents = self.agents();
        let names: Vec<&str> = agents.iter().map(|a| a.agent_name.as_str()).collect();
        self.sketch.search.build(self.framework().as_deref(), self.sketch.outcome.reason.as_deref(), &names)
    }
}

/// A bounded set of hashed strings ([`RunSketch::tool_strings`]): past [`ToolStrings::MAX`] it
/// only says "full" and every name may be in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolStrings {
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub hashes: std::collections::BTreeSet<u64>,
    #[serde(default)]
    pub full: bool,
}

impl ToolStrings {
    pub const MAX: usize = 512;

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty() && !self.full
    }

    /// FNV-1a: stored in run states, so it must not change between builds.
    pub fn hash(s: &str) -> u64 {
        s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    }

    pub fn add(&mut self, s: &str) {
        if self.full {
            return;
        }
        self.hashes.insert(Self::hash(s));
        if self.hashes.len() > Self::MAX {
            self.hashes.clear();
            self.full = true;
        }
    }

    pub fn may_contain(&self, s: &str) -> bool {
        self.full || self.hashes.contains(&Self::hash(s))
    }
}
