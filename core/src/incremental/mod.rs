//! Incremental derivation (issue #15): what a batch of new spans changes in a run's derived rows,
//! computed from a compact per-run state and keyed look-ups instead of the run's whole history.
//!
//! Whole-run analysis ([`crate::normalize::analyze_run`]) leaves a [`RunSketch`] beside its
//! results: each agent's counters, the last agent turns, message positions, the error picture,
//! the search accumulators. [`apply`] extends that state with a batch: owners of the new spans
//! come from their parents (read by key), stored spans waiting for a late parent get theirs,
//! agent counters and run totals add up, tool calls and messages are appended, the outcome is
//! recomputed from the run's error spans only when something it depends on moved. Whatever the
//! fast path cannot extend exactly (explicit handoffs and message spans, stop reasons, control
//! events, checkpoints, replays, LangGraph tool nodes, turns that arrive out of time order, a
//! late parent of an agent turn) makes [`apply`] answer `None`, and the caller analyses the run
//! whole: both paths give the same rows (`tests/tests/arrival_order.rs`, `incremental.rs`).
mod outcome;
mod search;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::ids::{span_id_to_i64, SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::run::{excerpt, message_kind_for};
use crate::normalize::{span_facts, AgentMessage, AgentSummary, MessageKind, RunOutcome, SpanCategory, SpanFacts, ToolCall};
use crate::rows::{RunTotals, SpanRow};
pub use search::{SearchAcc, DOCUMENT_MAX, KEYWORDS_MAX};

/// Bumped whenever the state's meaning changes: a state of another version is not extended
/// (its run is analysed whole once, which writes a current state).
pub const STATE_VERSION: u32 = 1;

pub type SpanKey = (TraceId, SpanId);

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

/// Span keys stored as `"trace hex/span hex"`.
mod key_set {
    use std::collections::BTreeSet;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::SpanKey;
    use crate::ids::{from_hex, to_hex};

    pub fn serialize<S: Serializer>(keys: &BTreeSet<SpanKey>, s: S) -> Result<S::Ok, S::Error> {
        keys.iter().map(|(t, p)| format!("{}/{}", to_hex(t), to_hex(p))).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeSet<SpanKey>, D::Error> {
        let mut out = BTreeSet::new();
        for k in Vec::<String>::deserialize(d)? {
            let parsed = k.split_once('/').and_then(|(t, p)| Some((from_hex::<16>(t)?, from_hex::<8>(p)?)));
            out.insert(parsed.ok_or_else(|| serde::de::Error::custom("span key: trace hex/span hex"))?);
        }
        Ok(out)
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl OrderKey {
    pub fn new(trace: TraceId, span: SpanId, start: u64, end: u64) -> Self {
        OrderKey { start, end_rev: u64::MAX - end, trace, span: span_id_to_i64(&span) }
    }
    pub fn of(s: &SpanRecord) -> Self {
        Self::new(s.trace_id, s.span_id, s.start_time_unix_nano, s.end_time_unix_nano)
    }
}

/// One agent's counters, as whole-run analysis folds them over the spans it owns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentAcc {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub span_count: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub llm_calls: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tool_calls: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_tokens: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub output_tokens: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub errors: i64,
    pub first_seen_ns: Option<u64>,
    pub last_seen_ns: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<(OrderKey, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<(OrderKey, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<(OrderKey, String)>,
    /// Usage reported on the agent's own agent/chain spans (used when no model span counted).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own_input_tokens: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own_output_tokens: i64,
    /// LangGraph tool-node detection (`demote_tool_nodes`): raw category counts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raw_llm: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raw_tool: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub node_spans: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub agent_spans: i64,
}

/// What of a span the agent fold reads.
pub struct SpanView<'a> {
    pub category: SpanCategory,
    pub framework: Option<&'a str>,
    /// The span's own agent (not inherited).
    pub own_agent: Option<&'a str>,
    pub role: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub graph_node: Option<&'a str>,
    pub is_error: bool,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub tool_name: Option<&'a str>,
}

impl<'a> From<&'a SpanFacts> for SpanView<'a> {
    fn from(f: &'a SpanFacts) -> Self {
        SpanView {
            category: f.category,
            framework: f.framework.as_deref(),
            own_agent: f.agent_name.as_deref(),
            role: f.agent_role.as_deref(),
            agent_id: f.agent_id.as_deref(),
            graph_node: f.graph_node.as_deref(),
            is_error: f.is_error,
            input_tokens: f.input_tokens,
            output_tokens: f.output_tokens,
            tool_name: f.tool_name.as_deref(),
        }
    }
}

impl<'a> From<&'a StoredSpan> for SpanView<'a> {
    /// A stored span that inherits its agent (own agent, role and id are not stored).
    fn from(s: &'a StoredSpan) -> Self {
        SpanView {
            category: s.category,
            framework: s.framework.as_deref(),
            own_agent: None,
            role: None,
            agent_id: None,
            graph_node: None,
            is_error: s.is_error,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            tool_name: s.tool_name.as_deref(),
        }
    }
}

fn first(slot: &mut Option<(OrderKey, String)>, key: OrderKey, v: Option<&str>) {
    if let Some(v) = v {
        if slot.as_ref().is_none_or(|(k, _)| key < *k) {
            *slot = Some((key, v.to_string()));
        }
    }
}

impl AgentAcc {
    /// Adds a span owned by `agent`; `parent` is its parent's (category, tool name) when the
    /// parent is in the run (a model call inside a model call, or a tool inside the same tool,
    /// is the same call recorded twice).
    pub fn absorb(&mut self, key: OrderKey, end: u64, f: SpanView<'_>, agent: &str, parent: Option<(SpanCategory, Option<&str>)>) {
        self.span_count += 1;
        self.first_seen_ns = Some(self.first_seen_ns.map_or(key.start, |t| t.min(key.start)));
        self.last_seen_ns = self.last_seen_ns.max(end);
        self.errors += f.is_error as i64;
        first(&mut self.framework, key, f.framework);
        let own = f.own_agent == Some(agent);
        if own {
            first(&mut self.role, key, f.role);
            first(&mut self.agent_id, key, f.agent_id);
        }
        let dup = parent.is_some_and(|(c, _)| c == f.category);
        match f.category {
            SpanCategory::Llm => {
                self.raw_llm += 1;
                if !dup {
                    self.llm_calls += 1;
                    // Saturating: token counts are sender-controlled.
                    self.input_tokens = self.input_tokens.saturating_add(f.input_tokens.unwrap_or(0).max(0));
                    self.output_tokens = self.output_tokens.saturating_add(f.output_tokens.unwrap_or(0).max(0));
                }
            }
            SpanCategory::Tool => {
                self.raw_tool += 1;
                if !(dup && parent.is_some_and(|(_, t)| t == f.tool_name)) {
                    self.tool_calls += 1;
                }
            }
            SpanCategory::Agent | SpanCategory::Chain if own => {
                if f.category == SpanCategory::Agent {
                    self.agent_spans += 1;
                    if f.graph_node == Some(agent) && f.framework == Some("langgraph") {
                        self.node_spans += 1;
                    }
                }
                self.own_input_tokens = self.own_input_tokens.saturating_add(f.input_tokens.unwrap_or(0).max(0));
                self.own_output_tokens = self.own_output_tokens.saturating_add(f.output_tokens.unwrap_or(0).max(0));
            }
            SpanCategory::Agent => self.agent_spans += 1,
            _ => {}
        }
    }

    /// A stored model or tool span that counted, now that its parent arrived, is the same call
    /// as its parent's. False when the sums saturated (not reversible).
    fn uncount(&mut self, s: &StoredSpan) -> bool {
        match s.category {
            SpanCategory::Llm => {
                if self.input_tokens == i64::MAX || self.output_tokens == i64::MAX {
                    return false;
                }
                self.llm_calls -= 1;
                self.input_tokens -= s.input_tokens.unwrap_or(0).max(0);
                self.output_tokens -= s.output_tokens.unwrap_or(0).max(0);
            }
            SpanCategory::Tool => self.tool_calls -= 1,
            _ => {}
        }
        true
    }

    /// A LangGraph node that only runs tools: not an agent (`demote_tool_nodes`).
    pub fn is_tool_node(&self) -> bool {
        self.raw_llm == 0 && self.raw_tool > 0 && self.node_spans > 0 && self.node_spans == self.agent_spans
    }

    pub fn summary(&self, name: &str) -> AgentSummary {
        let (input_tokens, output_tokens) = if self.llm_calls == 0 {
            // No model spans (uninstrumented client): usage reported on agent spans.
            (self.own_input_tokens, self.own_output_tokens)
        } else {
            (self.input_tokens, self.output_tokens)
        };
        AgentSummary {
            agent_name: name.to_string(),
            agent_id: self.agent_id.as_ref().map(|(_, v)| v.clone()),
            role: self.role.as_ref().map(|(_, v)| v.clone()),
            framework: self.framework.as_ref().map(|(_, v)| v.clone()),
            span_count: self.span_count,
            llm_calls: self.llm_calls,
            tool_calls: self.tool_calls,
            input_tokens,
            output_tokens,
            errors: self.errors,
            first_seen_ns: self.first_seen_ns.unwrap_or(0),
            last_seen_ns: self.last_seen_ns,
        }
    }
}

/// A top-level agent turn (no calling agent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopTurn {
    pub agent: String,
    pub key: OrderKey,
    pub input: Option<String>,
    pub output: Option<String>,
}

/// An agent turn as message derivation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnRow {
    pub key: OrderKey,
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub agent: String,
    /// The agent whose span encloses this one (agent-as-tool / sub-agent), if different.
    pub caller: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub framework: Option<String>,
}

/// The messages of a run without explicit message evidence (handoff or message spans), from
/// its agent turns in time order: sub-agents called from inside another agent, consecutive
/// top-level turns of different agents, and the entry (the task handed to the first agent:
/// its input, else `first_input` when that came before it).
pub fn implicit_messages(turns: &[TurnRow], first_input: Option<&(OrderKey, Option<String>)>) -> Vec<AgentMessage> {
    let mk = |t: &TurnRow, from: Option<String>, to: String, kind: MessageKind, content: Option<String>| AgentMessage {
        seq: 0,
        trace_id: t.trace_id,
        span_id: t.span_id,
        time_ns: t.key.start,
        from_agent: from,
        to_agent: to,
        kind,
        content,
    };
    let mut out: Vec<AgentMessage> = Vec::new();
    for t in turns {
        if let Some(c) = &t.caller {
            out.push(mk(t, Some(c.clone()), t.agent.clone(), MessageKind::Delegation, t.input.clone()));
        }
    }
    let top: Vec<&TurnRow> = turns.iter().filter(|t| t.caller.is_none()).collect();
    for w in top.windows(2) {
        let (p, t) = (w[0], w[1]);
        if p.agent != t.agent {
            out.push(mk(t, Some(p.agent.clone()), t.agent.clone(), message_kind_for(t.framework.as_deref()), p.output.clone()));
        }
    }
    if let Some(first) = top.first() {
        let root_input = first_input.filter(|(k, _)| k.start <= first.key.start).and_then(|(_, t)| t.clone());
        let mut m = mk(first, None, first.agent.clone(), MessageKind::Message, first.input.clone().or(root_input));
        m.time_ns = m.time_ns.saturating_sub(1);
        out.push(m);
    }
    // Stable: entry (time - 1) first, then evidence order.
    out.sort_by_key(|m| m.time_ns);
    for (k, m) in out.iter_mut().enumerate() {
        m.seq = k.min(i32::MAX as usize) as i32;
    }
    out
}

/// The turn and message fields of a sketch, from all turns (time order) and messages.
pub fn turn_sketch(sk: &mut RunSketch, turns: &[TurnRow], messages: &[AgentMessage]) {
    let top = |t: &TurnRow| TopTurn { agent: t.agent.clone(), key: t.key, input: t.input.clone(), output: t.output.clone() };
    sk.max_turn = turns.last().map(|t| t.key);
    sk.first_top = turns.iter().find(|t| t.caller.is_none()).map(top);
    sk.last_top = turns.iter().rev().find(|t| t.caller.is_none()).map(top);
    sk.messages = messages.len().min(i32::MAX as usize) as i32;
    sk.last_message_ns = messages.last().map(|m| m.time_ns);
    sk.entry = messages.iter().find(|m| m.from_agent.is_none()).map(|m| Entry { content: m.content.clone() });
    sk.search.messages.clear();
    sk.search.messages_full = false;
    for m in messages {
        sk.search.add_message(m.content.as_deref());
    }
}

/// New turns after every stored one extend the messages: `None` when they do not (a turn
/// before a stored one, a changed entry, a message before a stored message).
fn append_turns(sk: &RunSketch, rows: &[TurnRow]) -> Option<(RunSketch, Vec<AgentMessage>)> {
    let mut sk = sk.clone();
    if let (Some(max), Some(first)) = (sk.max_turn, rows.first()) {
        if first.key <= max {
            return None;
        }
    }
    let mk = |t: &TurnRow, from: Option<String>, to: String, kind: MessageKind, content: Option<String>| AgentMessage {
        seq: 0,
        trace_id: t.trace_id,
        span_id: t.span_id,
        time_ns: t.key.start,
        from_agent: from,
        to_agent: to,
        kind,
        content,
    };
    let mut msgs: Vec<AgentMessage> = Vec::new();
    for t in rows {
        if let Some(c) = &t.caller {
            msgs.push(mk(t, Some(c.clone()), t.agent.clone(), MessageKind::Delegation, t.input.clone()));
        }
    }
    let mut entry: Option<AgentMessage> = None;
    for t in rows.iter().filter(|t| t.caller.is_none()) {
        let top = TopTurn { agent: t.agent.clone(), key: t.key, input: t.input.clone(), output: t.output.clone() };
        match &sk.last_top {
            Some(prev) => {
                if prev.agent != t.agent {
                    let kind = message_kind_for(t.framework.as_deref());
                    msgs.push(mk(t, Some(prev.agent.clone()), t.agent.clone(), kind, prev.output.clone()));
                }
            }
            None => {
                let mut m = mk(t, None, t.agent.clone(), MessageKind::Message, None);
                m.time_ns = m.time_ns.saturating_sub(1);
                entry = Some(m);
                sk.first_top = Some(top.clone());
            }
        }
        sk.last_top = Some(top);
    }
    if let Some(t) = rows.last() {
        sk.max_turn = Some(t.key);
    }
    if let Some(first) = &sk.first_top {
        let root_input = sk.first_input.as_ref().filter(|(k, _)| k.start <= first.key.start).and_then(|(_, t)| t.clone());
        let content = first.input.clone().or(root_input);
        match entry.as_mut() {
            Some(m) => {
                m.content = content.clone();
                sk.entry = Some(Entry { content });
            }
            None if sk.entry.as_ref().map(|e| &e.content) != Some(&content) => return None,
            None => {}
        }
    }
    msgs.extend(entry);
    msgs.sort_by_key(|m| m.time_ns);
    if let (Some(last), Some(m)) = (sk.last_message_ns, msgs.first()) {
        if m.time_ns <= last {
            return None;
        }
    }
    for m in &mut msgs {
        m.seq = sk.messages;
        sk.messages = sk.messages.saturating_add(1);
        sk.last_message_ns = Some(m.time_ns);
        sk.search.add_message(m.content.as_deref());
    }
    Some((sk, msgs))
}

/// The run's error picture, enough to know when the outcome may change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrState {
    pub count: u64,
    /// Latest start of healthy agent / model work: errors ending before it were recovered from.
    pub last_healthy: Option<u64>,
    /// Parents (not stored yet) of error spans: such an error counts as a root until its parent comes.
    #[serde(with = "key_set")]
    pub pending_parents: BTreeSet<SpanKey>,
    /// The earliest end of an error not recovered from yet.
    pub min_unrecovered_end: Option<u64>,
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
    pub outcome: RunOutcome,
    pub search: SearchAcc,
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
        let mut best: Option<(&String, u64)> = None;
        for (n, c) in &self.sketch.frameworks {
            if best.is_none_or(|(_, b)| *c > b) {
                best = Some((n, *c));
            }
        }
        best.map(|(n, _)| n.clone())
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
    /// The latest stored agent turn that started at or before `t` (time order), and its agent.
    fn last_turn_before(&mut self, t: u64) -> Result<Option<(OrderKey, String)>, Self::Error>;
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
    pub state: RunState,
}

/// Bound on the stored spans a late parent may hand its agent to in one batch (deeper or wider
/// waiting subtrees are analysed whole).
const WALK_MAX: usize = 100_000;

/// Parent links and owners over the batch and the stored spans it touches.
struct Graph {
    keys: Vec<SpanKey>,
    own: Vec<Option<String>>,
    parent: Vec<Option<usize>>,
    category: Vec<SpanCategory>,
    tool: Vec<Option<String>>,
}

fn resolve_owners(own: &[Option<String>], parent: &[Option<usize>]) -> Vec<Option<String>> {
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

/// Extends `state` with `new` (spans of one run not stored yet, deduplicated). `None`: the batch
/// needs whole-run analysis.
pub fn apply<S: RunStore>(state: &RunState, run: TraceId, new: &[SpanRecord], store: &mut S) -> Result<Option<Delta>, S::Error> {
    Ok(extend(state, run, new, store)?.ok())
}

/// [`apply`], saying why a batch needs whole-run analysis.
pub fn extend<S: RunStore>(state: &RunState, run: TraceId, new: &[SpanRecord], store: &mut S) -> Result<Result<Delta, &'static str>, S::Error> {
    if state.version != STATE_VERSION {
        return Ok(Err("state of another version"));
    }
    if state.sketch.blocked {
        return Ok(Err("run has handoff, message, stop, control, checkpoint, replay or tool-node spans"));
    }
    if new.is_empty() {
        return Ok(Err("no new spans"));
    }
    let facts: Vec<SpanFacts> = new.iter().map(span_facts).collect();
    for (s, f) in new.iter().zip(&facts) {
        if f.category == SpanCategory::Handoff
            || (f.message_kind.is_some() && f.recipient.is_some())
            || f.stop_reason.is_some()
            || f.control.is_some()
            || crate::replay::yields_checkpoint(s, f)
        {
            return Ok(Err("batch has handoff, message, stop, control or checkpoint spans"));
        }
    }
    if crate::replay::replay_origin(new).is_some() {
        return Ok(Err("batch names a replay origin"));
    }
    let n = new.len();
    let mut g = Graph { keys: Vec::new(), own: Vec::new(), parent: Vec::new(), category: Vec::new(), tool: Vec::new() };
    let mut index: HashMap<SpanKey, usize> = HashMap::with_capacity(n * 2);
    for (s, f) in new.iter().zip(&facts) {
        index.insert((s.trace_id, s.span_id), g.keys.len());
        g.keys.push((s.trace_id, s.span_id));
        g.own.push(f.agent_name.clone());
        g.parent.push(None);
        g.category.push(f.category);
        g.tool.push(f.tool_name.clone());
    }
    // Stored spans waiting for a new span (its children, and their descendants without an agent).
    let mut walk: Vec<StoredSpan> = Vec::new();
    let mut direct: Vec<usize> = Vec::new(); // indices into `walk` of the new spans' children
    let mut frontier: Vec<SpanKey> = g.keys.clone();
    let mut depth = 0usize;
    let mut rebuild_turns = false;
    while !frontier.is_empty() {
        let kids = store.children(&frontier)?;
        frontier.clear();
        for k in kids {
            if index.contains_key(&k.key()) {
                continue;
            }
            let waiting = k.owner.is_none();
            if k.category == SpanCategory::Agent {
                if waiting {
                    // An agent span that becomes a turn: whole-run analysis.
                    return Ok(Err("late parent of an agent span without an agent"));
                }
                // A stored turn under a new or newly owned span: its caller may change, the
                // messages are rebuilt from the turns.
                rebuild_turns = true;
            }
            if depth > 0 && !waiting {
                continue;
            }
            if waiting {
                frontier.push(k.key());
            }
            if depth == 0 {
                direct.push(walk.len());
            }
            index.insert(k.key(), g.keys.len());
            g.keys.push(k.key());
            // Stored with an agent: terminal (its owner is final); waiting: inherits.
            g.own.push(k.owner.clone());
            g.parent.push(None);
            g.category.push(k.category);
            g.tool.push(k.tool_name.clone());
            walk.push(k);
            if walk.len() > WALK_MAX {
                return Ok(Err("late parent of too many stored spans"));
            }
        }
        depth += 1;
    }
    // Stored parents of the new spans (terminal: their stored owner is final unless walked).
    let missing: Vec<SpanKey> = {
        let mut v: Vec<SpanKey> = new
            .iter()
            .filter_map(|s| s.parent_span_id.map(|p| (s.trace_id, p)))
            .filter(|k| !index.contains_key(k))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let parents = if missing.is_empty() { Vec::new() } else { store.spans(&missing)? };
    for p in &parents {
        if index.contains_key(&p.key()) {
            continue;
        }
        index.insert(p.key(), g.keys.len());
        g.keys.push(p.key());
        g.own.push(p.owner.clone());
        g.parent.push(None);
        g.category.push(p.category);
        g.tool.push(p.tool_name.clone());
    }
    // Parent links of new and walked spans.
    for (i, s) in new.iter().enumerate() {
        g.parent[i] = s.parent_span_id.and_then(|p| index.get(&(s.trace_id, p)).copied()).filter(|&p| p != i);
    }
    for (w, s) in walk.iter().enumerate() {
        let i = n + w;
        g.parent[i] = s.parent.and_then(|p| index.get(&(s.trace_id, p)).copied()).filter(|&p| p != i);
    }
    let owner = resolve_owners(&g.own, &g.parent);
    let parent_info = |i: usize| g.parent[i].map(|p| (g.category[p], g.tool[p].as_deref()));

    let mut sk = state.sketch.clone();
    let mut totals = state.totals.clone();
    let mut changed: BTreeSet<String> = BTreeSet::new();
    let mut delta = Delta::default();

    // Agents: new spans, stored spans that got an owner, stored children now duplicates of a new parent.
    for i in 0..n {
        if let Some(a) = &owner[i] {
            let s = &new[i];
            sk.agents.entry(a.clone()).or_default().absorb(OrderKey::of(s), s.end_time_unix_nano, (&facts[i]).into(), a, parent_info(i));
            changed.insert(a.clone());
        }
    }
    let mut fixed_errors = false;
    for (w, s) in walk.iter().enumerate() {
        let i = n + w;
        if s.owner.is_none() {
            if let Some(a) = &owner[i] {
                sk.agents.entry(a.clone()).or_default().absorb(s.order(), s.end, s.into(), a, parent_info(i));
                changed.insert(a.clone());
                delta.owners.push((s.key(), a.clone()));
                fixed_errors |= s.is_error;
            }
        }
    }
    for &w in &direct {
        let s = &walk[w];
        let Some(p) = g.parent[n + w] else { continue };
        let same = g.category[p] == s.category
            && match s.category {
                SpanCategory::Llm => true,
                SpanCategory::Tool => g.tool[p] == s.tool_name,
                _ => false,
            };
        if !same {
            continue;
        }
        if s.category == SpanCategory::Tool {
            delta.dropped_tool_calls.push(s.key());
        }
        // Counted under its stored owner while its parent was missing.
        if let Some(a) = &s.owner {
            if !sk.agents.get_mut(a).is_some_and(|acc| acc.uncount(s)) {
                return Ok(Err("saturated token sums"));
            }
            changed.insert(a.clone());
        }
    }
    if sk.agents.values().any(|a| a.is_tool_node() || a.input_tokens == i64::MAX || a.output_tokens == i64::MAX) {
        return Ok(Err("tool node or saturated token sums"));
    }

    // Per-span accumulators of the new spans, in time order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| OrderKey::of(&new[i]));
    let mut healthy_moved = false;
    let mut new_errors = false;
    for &i in &order {
        let (s, f) = (&new[i], &facts[i]);
        let key = OrderKey::of(s);
        if let Some(fw) = &f.framework {
            *sk.frameworks.entry(fw.clone()).or_default() += 1;
        }
        if f.category != SpanCategory::Llm {
            if let Some(t) = &f.input_text {
                if sk.first_input.as_ref().is_none_or(|(k, _)| key < *k) {
                    sk.first_input = Some((key, excerpt(Some(t))));
                }
            }
        }
        sk.search.add_span(s, f);
        if s.parent_span_id.is_none() || f.category == SpanCategory::Agent {
            sk.search.add_output(s, f);
        }
        if f.is_error {
            new_errors = true;
        } else if matches!(f.category, SpanCategory::Agent | SpanCategory::Llm) {
            let t = s.start_time_unix_nano;
            if sk.errors.last_healthy.is_none_or(|h| t > h) {
                sk.errors.last_healthy = Some(t);
                healthy_moved = true;
            }
        }
    }

    // Tool calls of the new spans (a tool inside the same tool is one call).
    for &i in &order {
        let (s, f) = (&new[i], &facts[i]);
        if f.category != SpanCategory::Tool {
            continue;
        }
        if let Some(p) = g.parent[i] {
            if g.category[p] == SpanCategory::Tool && g.tool[p] == f.tool_name {
                continue;
            }
        }
        delta.tool_calls.push(ToolCall {
            trace_id: s.trace_id,
            span_id: s.span_id,
            agent_name: owner[i].clone(),
            tool_name: f.tool_name.clone().unwrap_or_else(|| s.name.clone()),
            call_id: f.tool_call_id.clone(),
            arguments: f.tool_arguments.clone(),
            result: f.tool_result.clone(),
            is_error: f.is_error,
            error_message: f.error_message.clone(),
            start_ns: s.start_time_unix_nano,
            duration_ns: s.duration_ns(),
        });
    }

    // Turns of the new spans: appended after the stored ones, else the messages are rebuilt
    // from all the run's turns (stored ones read back without their spans' other columns).
    let turns: Vec<(usize, String, Option<String>)> = order
        .iter()
        .filter(|&&i| facts[i].category == SpanCategory::Agent)
        .filter_map(|&i| {
            let agent = owner[i].clone()?;
            let caller = g.parent[i].and_then(|p| owner[p].clone()).filter(|c| *c != agent);
            Some((i, agent, caller))
        })
        .collect();
    let rows: Vec<TurnRow> = turns
        .iter()
        .map(|(i, agent, caller)| TurnRow {
            key: OrderKey::of(&new[*i]),
            trace_id: new[*i].trace_id,
            span_id: new[*i].span_id,
            agent: agent.clone(),
            caller: caller.clone(),
            input: excerpt(facts[*i].input_text.as_ref()),
            output: excerpt(facts[*i].output_text.as_ref()),
            framework: facts[*i].framework.clone(),
        })
        .collect();
    match (!rebuild_turns).then(|| append_turns(&sk, &rows)).flatten() {
        Some((appended, msgs)) => {
            sk = appended;
            delta.messages = msgs;
        }
        None => {
            let stored = store.turns()?;
            // Callers: the owners of the turns' parents, as this batch leaves them.
            let want: Vec<SpanKey> = {
                let mut v: Vec<SpanKey> = stored
                    .iter()
                    .filter_map(|(t, _, _)| t.parent.filter(|p| *p != t.span_id).map(|p| (t.trace_id, p)))
                    .filter(|k| !index.contains_key(k))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let fetched: HashMap<SpanKey, Option<String>> =
                if want.is_empty() { HashMap::new() } else { store.spans(&want)?.into_iter().map(|s| (s.key(), s.owner)).collect() };
            let mut all: Vec<TurnRow> = rows;
            for (t, input, output) in stored {
                let Some(agent) = t.owner.clone() else { continue };
                let parent = t.parent.filter(|p| *p != t.span_id).map(|p| (t.trace_id, p));
                let parent_owner = parent.and_then(|k| match index.get(&k) {
                    Some(&i) => owner[i].clone(),
                    None => fetched.get(&k).cloned().flatten(),
                });
                all.push(TurnRow {
                    key: t.order(),
                    trace_id: t.trace_id,
                    span_id: t.span_id,
                    caller: parent_owner.filter(|c| *c != agent),
                    agent,
                    input: excerpt(input.as_ref()),
                    output: excerpt(output.as_ref()),
                    framework: t.framework.clone(),
                });
            }
            all.sort_by_key(|t| t.key);
            let msgs = implicit_messages(&all, sk.first_input.as_ref());
            turn_sketch(&mut sk, &all, &msgs);
            delta.messages = msgs;
            delta.replace_messages = true;
        }
    }

    // Outcome: recomputed from the run's error spans when anything it depends on moved.
    let parent_came = new.iter().any(|s| sk.errors.pending_parents.contains(&(s.trace_id, s.span_id)));
    let recovered = healthy_moved
        && sk.errors.min_unrecovered_end.is_some_and(|e| sk.errors.last_healthy.is_some_and(|h| h >= e));
    if new_errors || parent_came || recovered || fixed_errors || (sk.errors.owner_from_turns && !turns.is_empty()) {
        let fixed: HashMap<SpanKey, String> = delta.owners.iter().cloned().collect();
        let mut errs: Vec<outcome::ErrSpan> = Vec::new();
        for s in store.errors()? {
            if index.get(&s.key()).is_some_and(|&i| i < n) {
                continue; // re-delivered: the new copy is used
            }
            let owner = s.owner.clone().or_else(|| fixed.get(&s.key()).cloned());
            errs.push(outcome::ErrSpan::stored(&s, owner));
        }
        for i in (0..n).filter(|&i| facts[i].is_error) {
            errs.push(outcome::ErrSpan::new(&new[i], &facts[i], owner[i].clone()));
        }
        let new_turns: Vec<(OrderKey, String)> = turns.iter().map(|(i, a, _)| (OrderKey::of(&new[*i]), a.clone())).collect();
        let lookup = |keys: &[SpanKey], store: &mut S| -> Result<Vec<(SpanKey, Option<SpanId>, bool)>, S::Error> {
            let mut out = Vec::new();
            let mut rest = Vec::new();
            for k in keys {
                match index.get(k) {
                    Some(&i) if i < n => out.push((*k, new[i].parent_span_id, facts[i].is_error)),
                    Some(&i) if i < n + walk.len() => {
                        let w = &walk[i - n];
                        out.push((*k, w.parent, w.is_error))
                    }
                    _ => rest.push(*k),
                }
            }
            if !rest.is_empty() {
                out.extend(store.spans(&rest)?.into_iter().map(|s| (s.key(), s.parent, s.is_error)));
            }
            Ok(out)
        };
        let (o, errors) = outcome::recompute(errs, sk.errors.last_healthy, store, lookup, &new_turns)?;
        sk.outcome = o;
        sk.errors = ErrState { last_healthy: sk.errors.last_healthy, ..errors };
    }

    for (s, f) in new.iter().zip(&facts) {
        totals.add(&SpanRow::without_attributes(s, f, run));
    }
    let mut out_facts = facts;
    for (f, o) in out_facts.iter_mut().zip(&owner) {
        if o.is_some() {
            f.agent_name = o.clone();
        }
    }
    delta.facts = out_facts;
    delta.agents = changed.iter().filter_map(|a| sk.agents.get(a).map(|acc| acc.summary(a))).collect();
    delta.state = RunState::new(sk, totals);
    Ok(Ok(delta))
}
