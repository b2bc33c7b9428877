//! [`extend`]: a batch of new spans applied to a run's state, step by step. Each step either
//! extends the state exactly or says why it cannot ([`WholeRun`]); then the caller analyses the
//! run whole. The steps, in order:
//! 1. [`precheck`]: what the state or the batch rules out before anything is read;
//! 2. [`walk`]: the batch's spans with the stored spans they touch (children waiting for an
//!    agent, missing parents), their parent links and owners; LangGraph tool nodes demoted;
//! 3. [`absorb_agents`]: agent counters of new spans, stored spans that got an owner, stored
//!    children that turn out to duplicate a new parent;
//! 4. per-span accumulators (frameworks, first input, search, health), tool calls;
//! 5. [`extend_messages`]: turns and explicit messages appended, or the messages rebuilt;
//! 6. [`extend_outcome`]: the error forest extended and the outcome decided again when
//!    something it depends on moved;
//! 7. totals, owners into the facts, checkpoints appended.
use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::{outcome, Delta, RunStore};
use crate::ids::{SpanId, TraceId};
use crate::model::SpanRecord;
use crate::normalize::{span_facts, AgentMessage, MessageKind, SpanCategory, SpanFacts, ToolCall};
use crate::rows::SpanRow;
use crate::run::turns::{append_explicit, append_turns};
use crate::run::{
    excerpt, forest, implicit_messages, turn_sketch, OrderKey, RunSketch, RunState, SpanKey, StoredSpan, TurnRow, STATE_VERSION,
};

/// Why a batch is analysed whole instead of extending its run's state (the extension names it
/// at DEBUG1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WholeRun {
    OtherVersion,
    RunBlocked,
    NoNewSpans,
    BatchBlocked,
    ReplayOrigin,
    LateAgentParent,
    TooManyWaiting,
    LateHandoffParent,
    SaturatedTokens,
    ToolNodeOrSaturated,
    HandoffsOutOfOrder,
    FirstHandoff,
    CheckpointBeforeStored,
    UnderStoredSpanWithToolNodes,
    TurnBeforeToolNode,
    ToolNodeChanges,
    ToolContentElsewhere,
    HandoffTool,
    NewAgentAfterToolStrings,
    ToolDelegation,
    ToolOutsideAgents,
}

impl WholeRun {
    pub fn as_str(self) -> &'static str {
        match self {
            WholeRun::OtherVersion => "state of another version",
            WholeRun::RunBlocked => "run has message, stop, control or replay spans, or a handoff without its target",
            WholeRun::NoNewSpans => "no new spans",
            WholeRun::BatchBlocked => "batch has message, stop or control spans, or a handoff without its target",
            WholeRun::ReplayOrigin => "batch names a replay origin",
            WholeRun::LateAgentParent => "late parent of an agent span without an agent",
            WholeRun::TooManyWaiting => "late parent of too many stored spans",
            WholeRun::LateHandoffParent => "late parent of a handoff span",
            WholeRun::SaturatedTokens => "saturated token sums",
            WholeRun::ToolNodeOrSaturated => "tool node or saturated token sums",
            WholeRun::HandoffsOutOfOrder => "handoff messages out of order",
            WholeRun::FirstHandoff => "first handoff of the run",
            WholeRun::CheckpointBeforeStored => "checkpoint before a stored checkpoint",
            WholeRun::UnderStoredSpanWithToolNodes => "span under a stored span of a run with tool nodes",
            WholeRun::TurnBeforeToolNode => "agent turn before a tool node's span",
            WholeRun::ToolNodeChanges => "a tool node changes",
            WholeRun::ToolContentElsewhere => "tool span whose call is recorded only in the model messages",
            WholeRun::HandoffTool => "tool call naming another agent (a handoff tool)",
            WholeRun::NewAgentAfterToolStrings => "new agent named in a stored tool call's arguments",
            WholeRun::ToolDelegation => "sub-agent turn that may take its task from the tool call that started it",
            WholeRun::ToolOutsideAgents => "tool span outside every agent span",
        }
    }
}

impl fmt::Display for WholeRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step's answer: its value, or why the run is analysed whole; `E` the store's error.
type Step<T, E> = Result<Result<T, WholeRun>, E>;

/// A new agent turn: its index in the batch, its agent and the agent that called it.
type NewTurn = (usize, String, Option<String>);

/// Bound on the stored spans a late parent may hand its agent to in one batch (deeper or wider
/// waiting subtrees are analysed whole).
const WALK_MAX: usize = 100_000;

/// Bound on the stored ancestors read by key above a new sub-agent turn ([`tool_above`]).
const UP_MAX: usize = 16;

/// Parent links and owners over the batch and the stored spans it touches.
struct Graph {
    keys: Vec<SpanKey>,
    own: Vec<Option<String>>,
    parent: Vec<Option<usize>>,
    category: Vec<SpanCategory>,
    tool: Vec<Option<String>>,
}

/// The batch's spans (indices `0..n`), then the stored spans waiting for them (`walk`), then
/// their stored parents, as one graph.
struct Walked {
    g: Graph,
    index: HashMap<SpanKey, usize>,
    walk: Vec<StoredSpan>,
    /// Indices into `walk` of the new spans' stored children.
    direct: Vec<usize>,
    /// A stored turn is under a new or newly owned span: its caller may change.
    rebuild_turns: bool,
}

/// Extends `state` with `new` (spans of one run not stored yet, deduplicated): the [`Delta`] to
/// write, or why the run is analysed whole.
pub fn extend<S: RunStore>(state: &RunState, run: TraceId, new: &[SpanRecord], store: &mut S) -> Step<Delta, S::Error> {
    let mut facts = match precheck(state, new) {
        Ok(f) => f,
        Err(why) => return Ok(Err(why)),
    };
    let n = new.len();
    let mut w = match walk(new, &facts, store)? {
        Ok(w) => w,
        Err(why) => return Ok(Err(why)),
    };
    let mut owner = crate::run::resolve_owners(&w.g.own, &w.g.parent);
    let mut sk = state.sketch.clone();
    if !sk.tool_nodes.is_empty() {
        if let Err(why) = demote_tool_nodes(&mut sk, new, &mut facts, &mut w.g, &w.walk, &mut owner, store)? {
            return Ok(Err(why));
        }
    }
    if tool_delegation(new, &facts, &w, &owner, &sk, store)? {
        return Ok(Err(WholeRun::ToolDelegation));
    }
    if tool_outside_agents(new, &w.g, &owner) {
        return Ok(Err(WholeRun::ToolOutsideAgents));
    }
    let mut changed: BTreeSet<String> = BTreeSet::new();
    let mut delta = Delta::default();
    let fixed_errors = match absorb_agents(&mut sk, new, &facts, &w, &owner, &mut changed, &mut delta) {
        Ok(f) => f,
        Err(why) => return Ok(Err(why)),
    };

    // Per-span accumulators of the new spans, in time order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| OrderKey::of(&new[i]));
    let (healthy_moved, new_errors) = accumulate(&mut sk, new, &facts, &order);
    // Tool calls of the new spans (a tool inside the same tool is one call).
    for &i in &order {
        let (s, f) = (&new[i], &facts[i]);
        if f.category != SpanCategory::Tool {
            continue;
        }
        if let Some(p) = w.g.parent[i] {
            if w.g.category[p] == SpanCategory::Tool && w.g.tool[p] == f.tool_name {
                continue;
            }
        }
        delta.tool_calls.push(ToolCall::of(s, f, owner[i].clone()));
    }

    let turns = match extend_messages(&mut sk, new, &facts, &order, &w, &owner, store, &mut delta)? {
        Ok(t) => t,
        Err(why) => return Ok(Err(why)),
    };
    let moved = Moved { healthy: healthy_moved, new_errors, fixed_errors };
    extend_outcome(state, &mut sk, new, &facts, &w, &owner, &turns, moved, store, &delta)?;

    let mut totals = state.totals.clone();
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
            return Ok(Err(WholeRun::CheckpointBeforeStored));
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

/// What rules a batch out before anything is read: a state of another version, a run or batch
/// with spans whose messages other spans decide, stop or control spans, handoffs without a
/// target, a replay origin. The new spans' facts otherwise.
fn precheck(state: &RunState, new: &[SpanRecord]) -> Result<Vec<SpanFacts>, WholeRun> {
    if state.version != STATE_VERSION {
        return Err(WholeRun::OtherVersion);
    }
    if state.sketch.blocked {
        return Err(WholeRun::RunBlocked);
    }
    if new.is_empty() {
        return Err(WholeRun::NoNewSpans);
    }
    let facts: Vec<SpanFacts> = new.iter().map(span_facts).collect();
    // The batch's own call ids, with the stored ones (a copy of the sets, extended).
    let mut ids = RunSketch {
        calls_waiting: state.sketch.calls_waiting.clone(),
        calls_in_messages: state.sketch.calls_in_messages.clone(),
        ..Default::default()
    };
    for f in &facts {
        crate::run::add_call_ids(&mut ids, f);
    }
    for f in &facts {
        if (f.category == SpanCategory::Handoff && f.handoff_to.is_none())
            || (f.message_kind.is_some() && f.recipient.is_some() && !crate::run::message_is_final(f))
            || f.stop_reason.is_some()
            || f.control.is_some()
        {
            return Err(WholeRun::BatchBlocked);
        }
        // A tool call recorded only in model messages, and the messages that record it: a pair
        // (stored or in the batch) is derived by whole-run analysis.
        if crate::run::tool_content_elsewhere(f) && f.tool_call_id.as_deref().is_some_and(|id| ids.calls_in_messages.may_contain(id)) {
            return Err(WholeRun::ToolContentElsewhere);
        }
        if crate::run::message_call_ids(f).iter().any(|id| ids.calls_waiting.may_contain(id)) {
            return Err(WholeRun::ToolContentElsewhere);
        }
        let agents = state.sketch.agents.keys().map(String::as_str).chain(facts.iter().filter_map(|g| g.agent_name.as_deref()));
        if crate::run::names_an_agent(f, agents) {
            return Err(WholeRun::HandoffTool);
        }
        // A new agent may be what a stored tool call's arguments name.
        if f.agent_name.as_ref().is_some_and(|a| !state.sketch.agents.contains_key(a) && state.sketch.tool_strings.may_contain(a)) {
            return Err(WholeRun::NewAgentAfterToolStrings);
        }
    }
    if crate::replay::replay_origin(new).is_some() {
        return Err(WholeRun::ReplayOrigin);
    }
    Ok(facts)
}

/// The batch's graph: its spans, the stored spans waiting for an agent under them (children,
/// and their descendants without an agent, at most [`WALK_MAX`]), the stored parents of new
/// spans, and every parent link among them.
fn walk<S: RunStore>(new: &[SpanRecord], facts: &[SpanFacts], store: &mut S) -> Step<Walked, S::Error> {
    let n = new.len();
    let mut g = Graph { keys: Vec::new(), own: Vec::new(), parent: Vec::new(), category: Vec::new(), tool: Vec::new() };
    let mut index: HashMap<SpanKey, usize> = HashMap::with_capacity(n * 2);
    for (s, f) in new.iter().zip(facts) {
        index.insert((s.trace_id, s.span_id), g.keys.len());
        g.keys.push((s.trace_id, s.span_id));
        g.own.push(f.agent_name.clone());
        g.parent.push(None);
        g.category.push(f.category);
        g.tool.push(f.tool_name.clone());
    }
    // Stored spans waiting for a new span (its children, and their descendants without an agent).
    let mut walk: Vec<StoredSpan> = Vec::new();
    let mut direct: Vec<usize> = Vec::new();
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
                    return Ok(Err(WholeRun::LateAgentParent));
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
                return Ok(Err(WholeRun::TooManyWaiting));
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
    for (k, s) in walk.iter().enumerate() {
        let i = n + k;
        g.parent[i] = s.parent.and_then(|p| index.get(&(s.trace_id, p)).copied()).filter(|&p| p != i);
    }
    Ok(Ok(Walked { g, index, walk, direct, rebuild_turns }))
}

/// Whether whole-run analysis may give a sub-agent turn the task in the arguments of the tool
/// call that started it (`analyze::calling_tool`; tool arguments are not read back here):
/// a new turn with a caller and no input of its own below a tool span with an instruction
/// ([`tool_above`]); a new tool span with an instruction over a stored span that works for an
/// agent (a turn may be below it). (Stored turns whose caller changes: [`extend_messages`].)
fn tool_delegation<S: RunStore>(
    new: &[SpanRecord],
    facts: &[SpanFacts],
    w: &Walked,
    owner: &[Option<String>],
    sk: &RunSketch,
    store: &mut S,
) -> Result<bool, S::Error> {
    let n = new.len();
    let over_stored = |i: usize| {
        w.direct.iter().any(|&k| {
            let s = &w.walk[k];
            w.g.parent[n + k] == Some(i) && s.owner.is_some() && !matches!(s.category, SpanCategory::Llm | SpanCategory::Tool)
        })
    };
    if (0..n).any(|i| crate::run::tasked_tool(&facts[i]) && over_stored(i)) {
        return Ok(true);
    }
    for (i, f) in facts.iter().enumerate() {
        if f.category != SpanCategory::Agent || excerpt(f.input_text.as_ref()).is_some() {
            continue;
        }
        let (Some(agent), Some(first)) = (owner[i].as_deref(), w.g.parent[i]) else { continue };
        if owner[first].as_deref().is_some_and(|c| c != agent) && tool_above(w, new, facts, sk, first, store)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a new or walked tool span without an agent may be outside every agent span
/// (`analyze::outside`: whole-run analysis gives it the agent whose model call requested it):
/// its parents reach a root of the run in the batch, or a stored span without an agent whose
/// parents were not read. (A run that already has one is analysed whole.)
fn tool_outside_agents(new: &[SpanRecord], g: &Graph, owner: &[Option<String>]) -> bool {
    (0..g.keys.len()).filter(|&i| g.category[i] == SpanCategory::Tool && owner[i].is_none()).any(|i| {
        let mut cur = i;
        for _ in 0..=g.keys.len() {
            match g.parent[cur] {
                Some(p) => cur = p,
                None => break,
            }
        }
        cur >= new.len() || new[cur].parent_span_id.is_none()
    })
}

/// Whether the nearest tool span at or above `from`, below the nearest agent span, holds an
/// instruction in its arguments (a new one's facts say; a stored one's key is in
/// [`RunSketch::tasked_tools`]). Stored spans above the graph are read by key, at most
/// [`UP_MAX`] levels (deeper: assumed so). A root, or a parent not stored yet, ends the search (a
/// tool span that arrives later is seen then).
fn tool_above<S: RunStore>(
    w: &Walked,
    new: &[SpanRecord],
    facts: &[SpanFacts],
    sk: &RunSketch,
    from: usize,
    store: &mut S,
) -> Result<bool, S::Error> {
    let g = &w.g;
    let mut cur = from;
    for _ in 0..=g.keys.len() + UP_MAX {
        match g.category[cur] {
            SpanCategory::Tool if cur < new.len() => return Ok(crate::run::tasked_tool(&facts[cur])),
            SpanCategory::Tool => return Ok(sk.tasked_tools.may_contain(&crate::run::tasked_key(&g.keys[cur]))),
            SpanCategory::Agent => return Ok(false),
            _ => {}
        }
        if let Some(p) = g.parent[cur] {
            cur = p;
            continue;
        }
        if cur < new.len() {
            return Ok(false);
        }
        // A stored span whose parents the batch did not read: up by key.
        let mut key = g.keys[cur];
        let mut levels = 0;
        loop {
            let Some(s) = store.spans(&[key])?.pop() else { return Ok(false) };
            let Some(p) = s.parent.filter(|p| *p != s.span_id).map(|p| (s.trace_id, p)) else { return Ok(false) };
            if let Some(&j) = w.index.get(&p) {
                cur = j;
                break;
            }
            let Some(ps) = store.spans(&[p])?.pop() else { return Ok(false) };
            match ps.category {
                SpanCategory::Tool => return Ok(sk.tasked_tools.may_contain(&crate::run::tasked_key(&p))),
                SpanCategory::Agent => return Ok(false),
                _ => {}
            }
            levels += 1;
            if levels >= UP_MAX {
                return Ok(true);
            }
            key = p;
        }
    }
    Ok(true)
}

/// Agent counters: new spans, stored spans that got an owner (listed in `delta.owners`), stored
/// children that duplicate a new parent (uncounted; a duplicated tool call dropped). Returns
/// whether a stored error span got an owner.
fn absorb_agents(
    sk: &mut RunSketch,
    new: &[SpanRecord],
    facts: &[SpanFacts],
    w: &Walked,
    owner: &[Option<String>],
    changed: &mut BTreeSet<String>,
    delta: &mut Delta,
) -> Result<bool, WholeRun> {
    let n = new.len();
    let g = &w.g;
    let parent_info = |i: usize| g.parent[i].map(|p| (g.category[p], g.tool[p].as_deref()));
    for i in 0..n {
        if let Some(a) = &owner[i] {
            let s = &new[i];
            sk.agents.entry(a.clone()).or_default().absorb(OrderKey::of(s), s.end_time_unix_nano, (&facts[i]).into(), a, parent_info(i));
            changed.insert(a.clone());
        }
    }
    let mut fixed_errors = false;
    for (k, s) in w.walk.iter().enumerate() {
        let i = n + k;
        if s.owner.is_none() {
            if let Some(a) = &owner[i] {
                sk.agents.entry(a.clone()).or_default().absorb(s.order(), s.end, s.into(), a, parent_info(i));
                changed.insert(a.clone());
                delta.owners.push((s.key(), a.clone()));
                fixed_errors |= s.is_error;
                if s.category == SpanCategory::Handoff {
                    // Its message's sender may be its agent.
                    return Err(WholeRun::LateHandoffParent);
                }
            }
        }
    }
    for &k in &w.direct {
        let s = &w.walk[k];
        let Some(p) = g.parent[n + k] else { continue };
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
                return Err(WholeRun::SaturatedTokens);
            }
            changed.insert(a.clone());
        }
    }
    if sk.agents.values().any(|a| a.is_tool_node() || a.input_tokens == i64::MAX || a.output_tokens == i64::MAX) {
        return Err(WholeRun::ToolNodeOrSaturated);
    }
    Ok(fixed_errors)
}

/// Frameworks, first input, search words and the last healthy turn from the new spans (in time
/// order). Returns (the last healthy time moved, a new span is an error).
fn accumulate(sk: &mut RunSketch, new: &[SpanRecord], facts: &[SpanFacts], order: &[usize]) -> (bool, bool) {
    let mut healthy_moved = false;
    let mut new_errors = false;
    for &i in order {
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
        crate::run::add_tool_strings(&mut sk.tool_strings, f);
        crate::run::add_tasked_tool(&mut sk.tasked_tools, s, f);
        crate::run::add_call_ids(sk, f);
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
    (healthy_moved, new_errors)
}

/// Turns of the new spans: appended after the stored ones, else the messages are rebuilt from
/// all the run's turns (stored ones read back without their spans' other columns); explicit
/// messages (handoffs with their target, message spans that name sender and content) appended
/// after the stored ones. Returns the new turns: (index, agent, caller).
#[allow(clippy::too_many_arguments)]
fn extend_messages<S: RunStore>(
    sk: &mut RunSketch,
    new: &[SpanRecord],
    facts: &[SpanFacts],
    order: &[usize],
    w: &Walked,
    owner: &[Option<String>],
    store: &mut S,
    delta: &mut Delta,
) -> Step<Vec<NewTurn>, S::Error> {
    let g = &w.g;
    let turns: Vec<NewTurn> = order
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
        match (!w.rebuild_turns).then(|| append_explicit(sk, handoffs, &rows)).flatten() {
            Some((appended, msgs)) => {
                *sk = appended;
                delta.messages = msgs;
            }
            None => return Ok(Err(WholeRun::HandoffsOutOfOrder)),
        }
        return Ok(Ok(turns));
    }
    if !handoffs.is_empty() {
        return Ok(Err(WholeRun::FirstHandoff));
    }
    if let Some((appended, msgs)) = (!w.rebuild_turns).then(|| append_turns(sk, &rows)).flatten() {
        *sk = appended;
        delta.messages = msgs;
        return Ok(Ok(turns));
    }
    let stored = store.turns()?;
    // Callers: the owners of the turns' parents, as this batch leaves them.
    let want: Vec<SpanKey> = {
        let mut v: Vec<SpanKey> = stored
            .iter()
            .filter_map(|(t, _, _)| t.parent.filter(|p| *p != t.span_id).map(|p| (t.trace_id, p)))
            .filter(|k| !w.index.contains_key(k))
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
        let parent_owner = parent.and_then(|k| match w.index.get(&k) {
            Some(&i) => owner[i].clone(),
            None => fetched.get(&k).cloned().flatten(),
        });
        let caller = parent_owner.filter(|c| *c != agent);
        // A sub-agent turn without input of its own under new or newly owned spans, with a tool
        // span above it: whole-run analysis may read its task from that call's arguments. (A run
        // where it already did is analysed whole.)
        let parent_here = parent.and_then(|k| w.index.get(&k).copied());
        let from_tool = match parent_here {
            Some(p) if caller.is_some() && excerpt(input.as_ref()).is_none() => tool_above(w, new, facts, sk, p, store)?,
            _ => false,
        };
        if from_tool {
            return Ok(Err(WholeRun::ToolDelegation));
        }
        all.push(TurnRow {
            key: t.order(),
            trace_id: t.trace_id,
            span_id: t.span_id,
            caller,
            agent,
            input: excerpt(input.as_ref()),
            output: excerpt(output.as_ref()),
            framework: t.framework.clone(),
            handoff: None,
        });
    }
    all.sort_by_key(|t| t.key);
    let msgs = implicit_messages(&all, sk.first_input.as_ref());
    turn_sketch(sk, &all, &msgs);
    delta.messages = msgs;
    delta.replace_messages = true;
    Ok(Ok(turns))
}

/// What moved that the outcome depends on.
struct Moved {
    /// The last healthy agent or model span moved later.
    healthy: bool,
    /// A new span is an error.
    new_errors: bool,
    /// A stored error span got an owner.
    fixed_errors: bool,
}

/// The error forest extended with the batch's errors and the missing ancestors it brings (or
/// rebuilt from the stored errors), and the outcome decided again, when anything it depends on
/// moved.
#[allow(clippy::too_many_arguments)]
fn extend_outcome<S: RunStore>(
    state: &RunState,
    sk: &mut RunSketch,
    new: &[SpanRecord],
    facts: &[SpanFacts],
    w: &Walked,
    owner: &[Option<String>],
    turns: &[NewTurn],
    moved: Moved,
    store: &mut S,
    delta: &Delta,
) -> Result<(), S::Error> {
    let n = new.len();
    let old_h = state.sketch.errors.last_healthy;
    let h = sk.errors.last_healthy;
    let arrived_keys: Vec<SpanKey> =
        new.iter().map(|s| (s.trace_id, s.span_id)).filter(|k| sk.errors.forest.groups.contains_key(&crate::run::Key(*k))).collect();
    let recovering = moved.healthy
        && sk.errors.forest.live.iter().any(|l| forest::unrecovered(old_h, l.span.end) && !forest::unrecovered(h, l.span.end));
    let forest_moves = moved.new_errors || !arrived_keys.is_empty() || recovering || moved.fixed_errors || sk.errors.forest.irregular;
    let owner_moves = sk.errors.owner_from_turns && !turns.is_empty();
    if !forest_moves && !owner_moves {
        return Ok(());
    }
    let lookup = |keys: &[SpanKey], store: &mut S| -> Result<Vec<forest::Found>, S::Error> {
        let mut out = Vec::new();
        let mut rest = Vec::new();
        for k in keys {
            match w.index.get(k) {
                Some(&i) if i < n => out.push((*k, new[i].parent_span_id, facts[i].is_error)),
                Some(&i) if i < n + w.walk.len() => {
                    let s = &w.walk[i - n];
                    out.push((*k, s.parent, s.is_error))
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
                    .filter(|s| w.index.get(&s.key()).is_none_or(|&i| i >= n))
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
    Ok(())
}

/// LangGraph tool nodes (`analyze::demote_tool_nodes`): the new and newly owned spans a
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
) -> Result<Result<(), WholeRun>, S::Error> {
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
            return Ok(Err(WholeRun::UnderStoredSpanWithToolNodes));
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
                return Ok(Err(WholeRun::LateAgentParent));
            }
            demote.push(i);
        } else if category == SpanCategory::Agent {
            if let Some(a) = &owner[i] {
                let key = key_of(i);
                if sk.tool_node_max.is_some_and(|m| key < m) {
                    return Ok(Err(WholeRun::TurnBeforeToolNode));
                }
                real.push((key, a.clone()));
            }
        }
    }
    if !sk.tool_nodes.values().all(|c| c.is_tool_node()) {
        return Ok(Err(WholeRun::ToolNodeChanges));
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
