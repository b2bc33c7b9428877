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
//! moved. Whatever it cannot extend exactly makes [`extend`] answer why (and [`apply`] `None`),
//! and the caller analyses the run whole: runs with message spans whose sender or content comes
//! from other spans, handoffs without a target, stop reasons, control events or replays; and
//! per batch, among others, a run's first handoff, checkpoints or handoff messages before stored
//! ones, a tool node that appears or goes, a late parent of an agent span without an agent or of
//! too many stored spans, saturated token sums. Both paths give the same rows
//! (`core/tests/incremental.rs`, `tests/tests/arrival_order.rs`, `tests/tests/incremental.rs`);
//! `docs/design.md` explains the state and why each case is exact.
mod agents;
pub mod forest;
mod outcome;
mod search;
mod state;
mod turns;

use std::collections::{BTreeSet, HashMap};

use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::run::excerpt;
use crate::normalize::{span_facts, AgentMessage, AgentSummary, MessageKind, SpanCategory, SpanFacts, ToolCall};
use crate::rows::SpanRow;
pub use agents::{AgentAcc, SpanView, ToolNodeCounts};
pub use search::{SearchAcc, DOCUMENT_MAX, KEYWORDS_MAX};
pub use state::{Entry, ErrState, Key, OrderKey, RunSketch, RunState};
use turns::{append_explicit, append_turns};
pub use turns::{explicit_messages, implicit_messages, turn_sketch, TopTurn, TurnRow};

/// Bumped whenever the state's meaning changes: a state of another version is not extended
/// (its run is analysed whole once, which writes a current state).
pub const STATE_VERSION: u32 = 2;

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

/// LangGraph tool nodes (`normalize::run::demote_tool_nodes`): the new and newly owned spans a
/// tool node owns work for the last real agent turn before them, its agent spans are workflow
/// steps. `Err` when that cannot be decided from the batch: a real turn before a span a tool node
/// already owns, a node that stops being a tool node, a span whose agent comes from a stored
/// span (stored agents are re-attributed already).
fn demote_tool_nodes<S: RunStore>(
    sk: &mut RunSketch,
    new: &[SpanRecord],
    facts: &mut [SpanFacts],
    g: &mut Graph,
    walk: &[StoredSpan],
    owner: &mut [Option<String>],
    store: &mut S,
) -> Result<Result<(), &'static str>, S::Error> {
    let n = new.len();
    let stored_from = n + walk.len();
    let nodes: BTreeSet<String> = sk.tool_nodes.keys().cloned().collect();
    let in_tool_node = |o: &Option<String>| o.as_ref().is_some_and(|a| nodes.contains(a));
    // Whose agent came from a stored span (a terminal of the owner walk).
    for i in 0..n {
        let mut cur = i;
        let mut steps = 0;
        while g.own[cur].is_none() && steps <= g.keys.len() {
            match g.parent[cur] {
                Some(p) => cur = p,
                None => break,
            }
            steps += 1;
        }
        if cur >= stored_from && g.own[cur].is_some() {
            return Ok(Err("span under a stored span of a run with tool nodes"));
        }
    }
    let key_of = |i: usize| if i < n { OrderKey::of(&new[i]) } else { walk[i - n].order() };
    let mut demote: Vec<usize> = Vec::new();
    let mut real: Vec<(OrderKey, String)> = Vec::new();
    for i in 0..stored_from {
        let fixed = i < n || walk[i - n].owner.is_none();
        if !fixed {
            continue;
        }
        let category = if i < n { facts[i].category } else { walk[i - n].category };
        if in_tool_node(&owner[i]) {
            let a = owner[i].clone().unwrap_or_default();
            let counts = sk.tool_nodes.entry(a.clone()).or_default();
            if i < n {
                counts.add(&facts[i], &a);
            } else if !counts.add_stored(category) {
                return Ok(Err("late parent of an agent span without an agent"));
            }
            demote.push(i);
        } else if category == SpanCategory::Agent {
            if let Some(a) = &owner[i] {
                let key = key_of(i);
                if sk.tool_node_max.is_some_and(|m| key < m) {
                    return Ok(Err("agent turn before a tool node's span"));
                }
                real.push((key, a.clone()));
            }
        }
    }
    if !sk.tool_nodes.values().all(|c| c.is_tool_node()) {
        return Ok(Err("a tool node changes"));
    }
    if demote.is_empty() {
        return Ok(Ok(()));
    }
    real.sort();
    let keys: Vec<OrderKey> = demote.iter().map(|&i| key_of(i)).collect();
    let stored = store.turns_before(&keys)?;
    for ((&i, key), before) in demote.iter().zip(&keys).zip(stored) {
        let k = real.partition_point(|(r, _)| r < key);
        let fresh = k.checked_sub(1).map(|k| &real[k]);
        let last = match (before, fresh) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 { b.1.clone() } else { a.1 }),
            (a, b) => a.map(|a| a.1).or_else(|| b.map(|b| b.1.clone())),
        };
        if i < n && facts[i].category == SpanCategory::Agent {
            facts[i].category = SpanCategory::Chain;
            g.category[i] = SpanCategory::Chain;
        }
        owner[i] = last;
        sk.tool_node_max = Some(sk.tool_node_max.map_or(*key, |m| m.max(*key)));
    }
    Ok(Ok(()))
}

/// A message span whose message its span alone decides (it names its sender and carries its
/// content): appended as it comes. Others take their sender from a linked span's agent or their
/// content from the turns around them, which may arrive later: their runs are analysed whole.
pub fn message_is_final(f: &SpanFacts) -> bool {
    f.sender.is_some() && excerpt(f.message_content.as_ref()).is_some()
}

/// Extends `state` with `new` (spans of one run not stored yet, deduplicated). `None`: the batch
/// needs whole-run analysis.
pub fn apply<S: RunStore>(state: &RunState, run: TraceId, new: &[SpanRecord], store: &mut S) -> Result<Option<Delta>, S::Error> {
    Ok(extend(state, run, new, store)?.ok())
}

/// [`apply`], saying why a batch needs whole-run analysis.
pub fn extend<S: RunStore>(
    state: &RunState,
    run: TraceId,
    new: &[SpanRecord],
    store: &mut S,
) -> Result<Result<Delta, &'static str>, S::Error> {
    if state.version != STATE_VERSION {
        return Ok(Err("state of another version"));
    }
    if state.sketch.blocked {
        return Ok(Err("run has message, stop, control or replay spans, or a handoff without its target"));
    }
    if new.is_empty() {
        return Ok(Err("no new spans"));
    }
    let mut facts: Vec<SpanFacts> = new.iter().map(span_facts).collect();
    for f in &facts {
        if (f.category == SpanCategory::Handoff && f.handoff_to.is_none())
            || (f.message_kind.is_some() && f.recipient.is_some() && !message_is_final(f))
            || f.stop_reason.is_some()
            || f.control.is_some()
        {
            return Ok(Err("batch has message, stop or control spans, or a handoff without its target"));
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
        let mut v: Vec<SpanKey> =
            new.iter().filter_map(|s| s.parent_span_id.map(|p| (s.trace_id, p))).filter(|k| !index.contains_key(k)).collect();
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
    let mut owner = resolve_owners(&g.own, &g.parent);
    let mut sk = state.sketch.clone();
    if !sk.tool_nodes.is_empty() {
        if let Err(why) = demote_tool_nodes(&mut sk, new, &mut facts, &mut g, &walk, &mut owner, store)? {
            return Ok(Err(why));
        }
    }
    let parent_info = |i: usize| g.parent[i].map(|p| (g.category[p], g.tool[p].as_deref()));

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
                if s.category == SpanCategory::Handoff {
                    // Its message's sender may be its agent.
                    return Ok(Err("late parent of a handoff span"));
                }
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
        delta.tool_calls.push(ToolCall::of(s, f, owner[i].clone()));
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
            // Not derived at ingest yet (needs the turn's tool spans): the output is the message.
            handoff: None,
        })
        .collect();
    // Explicit messages of the new spans, in time order: handoffs (their target named) and
    // message spans that name their sender and carry their content (others are blocked above).
    let handoffs: Vec<AgentMessage> = order
        .iter()
        .filter_map(|&i| {
            let f = &facts[i];
            let (from, to, kind) = if f.category == SpanCategory::Handoff {
                (f.handoff_from.clone().or_else(|| owner[i].clone()), f.handoff_to.clone()?, MessageKind::Handoff)
            } else {
                (f.sender.clone(), f.recipient.clone()?, f.message_kind?)
            };
            (from.as_ref() != Some(&to)).then(|| AgentMessage {
                seq: 0,
                trace_id: new[i].trace_id,
                span_id: new[i].span_id,
                time_ns: new[i].start_time_unix_nano,
                from_agent: from,
                to_agent: to,
                kind,
                content: excerpt(f.message_content.as_ref()),
            })
        })
        .collect();
    if sk.explicit {
        // Handoffs, delegations and the entry: appended after the stored messages, else the run
        // is analysed whole (its stored handoffs are not kept beside their messages).
        match (!rebuild_turns).then(|| append_explicit(&sk, handoffs, &rows)).flatten() {
            Some((appended, msgs)) => {
                sk = appended;
                delta.messages = msgs;
            }
            None => return Ok(Err("handoff messages out of order")),
        }
    } else if !handoffs.is_empty() {
        return Ok(Err("first handoff of the run"));
    } else {
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
                        handoff: None,
                    });
                }
                all.sort_by_key(|t| t.key);
                let msgs = implicit_messages(&all, sk.first_input.as_ref());
                turn_sketch(&mut sk, &all, &msgs);
                delta.messages = msgs;
                delta.replace_messages = true;
            }
        }
    }

    // Outcome: the error forest extended with the batch's errors and the missing ancestors it
    // brings, then decided again, when anything it depends on moved.
    let old_h = state.sketch.errors.last_healthy;
    let h = sk.errors.last_healthy;
    let arrived_keys: Vec<SpanKey> =
        new.iter().map(|s| (s.trace_id, s.span_id)).filter(|k| sk.errors.forest.groups.contains_key(&state::Key(*k))).collect();
    let recovering = healthy_moved
        && sk.errors.forest.live.iter().any(|l| forest::unrecovered(old_h, l.span.end) && !forest::unrecovered(h, l.span.end));
    let forest_moves = new_errors || !arrived_keys.is_empty() || recovering || fixed_errors || sk.errors.forest.irregular;
    if forest_moves || (sk.errors.owner_from_turns && !turns.is_empty()) {
        let lookup = |keys: &[SpanKey], store: &mut S| -> Result<Vec<forest::Found>, S::Error> {
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
        if forest_moves {
            let errs: Vec<usize> = (0..n).filter(|&i| facts[i].is_error).collect();
            let mut starts: Vec<Option<SpanKey>> =
                errs.iter().map(|&i| forest::parent_key((new[i].trace_id, new[i].span_id), new[i].parent_span_id)).collect();
            starts.extend(arrived_keys.iter().map(|k| Some(*k)));
            let mut chains = forest::chains(&starts, store, lookup)?;
            let arrived: Vec<(SpanKey, forest::Chain)> = arrived_keys.into_iter().zip(chains.split_off(errs.len())).collect();
            let nodes: Vec<forest::ErrNode> = errs
                .iter()
                .zip(chains)
                .map(|(&i, chain)| forest::ErrNode {
                    span: outcome::new_leaf(&new[i], &facts[i], owner[i].clone()),
                    counts: forest::counts(facts[i].category),
                    chain,
                })
                .collect();
            let fixed: HashMap<SpanKey, String> = delta.owners.iter().cloned().collect();
            sk.errors.count += nodes.len() as u64;
            sk.errors.forest = match forest::apply(&sk.errors.forest, h, &nodes, &arrived, &fixed) {
                Some(f) => f,
                None => {
                    let stored: Vec<(StoredSpan, Option<String>)> = store
                        .errors()?
                        .into_iter()
                        .filter(|s| index.get(&s.key()).is_none_or(|&i| i >= n))
                        .map(|s| {
                            let owner = s.owner.clone().or_else(|| fixed.get(&s.key()).cloned());
                            (s, owner)
                        })
                        .collect();
                    outcome::rebuild(stored, nodes, h, store, lookup)?
                }
            };
        }
        let new_turns: Vec<(OrderKey, String)> = turns.iter().map(|(i, a, _)| (OrderKey::of(&new[*i]), a.clone())).collect();
        let (o, from_turns) = outcome::decide(&sk.errors.forest, h, store, &new_turns)?;
        sk.outcome = o;
        sk.errors.owner_from_turns = from_turns;
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
    // Checkpoints of the new spans, after the stored ones in time order.
    let cps = crate::replay::extract_checkpoints(new, &out_facts);
    if let Some(first) = cps.first() {
        let key = |t: u64, tr: &TraceId, sp: &SpanId| (t, crate::ids::to_hex(tr), crate::ids::to_hex(sp));
        if sk.last_checkpoint.as_ref().is_some_and(|last| key(first.time_ns, &first.trace_id, &first.span_id) <= *last) {
            return Ok(Err("checkpoint before a stored checkpoint"));
        }
        for mut c in cps {
            c.seq = sk.checkpoints;
            sk.checkpoints += 1;
            sk.last_checkpoint = Some(key(c.time_ns, &c.trace_id, &c.span_id));
            delta.checkpoints.push(c);
        }
    }
    delta.facts = out_facts;
    delta.agents = changed.iter().filter_map(|a| sk.agents.get(a).map(|acc| acc.summary(a))).collect();
    delta.state = RunState::new(sk, totals);
    Ok(Ok(delta))
}
