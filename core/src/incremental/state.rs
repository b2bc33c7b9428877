//! The per-run state of incremental ingest: its time-order key, the sketch whole-run analysis
//! leaves, and the row stored in `agenttrace.run_state`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AgentAcc, SearchAcc, SpanKey, ToolNodeCounts, TopTurn, STATE_VERSION};
use crate::ids::{span_id_to_i64, SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::{AgentSummary, RunOutcome};
use crate::rows::RunTotals;

/// The time order of a run's spans: start, longer first, then the ids as stored (uuid bytes,
/// signed span id), so that ties never depend on arrival order. Stored as
/// `[start, end_rev, "trace hex", span]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    pub start: u64,
    pub end_rev: u64,
    pub trace: TraceId,
    pub span: i64,
}

impl Serialize for OrderKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.start, self.end_rev, crate::ids::to_hex(&self.trace), self.span).serialize(s)
    }
}

impl<'de> Deserialize<'de> for OrderKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (start, end_rev, trace, span) = <(u64, u64, String, i64)>::deserialize(d)?;
        let trace = crate::ids::from_hex::<16>(&trace).ok_or_else(|| serde::de::Error::custom("trace id: 32 hex digits"))?;
        Ok(OrderKey { start, end_rev, trace, span })
    }
}

impl OrderKey {
    pub fn new(trace: TraceId, span: SpanId, start: u64, end: u64) -> Self {
        OrderKey { start, end_rev: u64::MAX - end, trace, span: span_id_to_i64(&span) }
    }
    pub fn of(s: &SpanRecord) -> Self {
        Self::new(s.trace_id, s.span_id, s.start_time_unix_nano, s.end_time_unix_nano)
    }
}

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

/// A span key stored as `"trace hex/span hex"` (also as a JSON object key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(pub SpanKey);

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}/{}", crate::ids::to_hex(&self.0 .0), crate::ids::to_hex(&self.0 .1)))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = String::deserialize(d)?;
        let parsed = k.split_once('/').and_then(|(t, p)| Some((crate::ids::from_hex::<16>(t)?, crate::ids::from_hex::<8>(p)?)));
        parsed.map(Key).ok_or_else(|| serde::de::Error::custom("span key: trace hex/span hex"))
    }
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
    /// Its messages come from handoff spans (no consecutive-turn messages).
    #[serde(default)]
    pub explicit: bool,
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
