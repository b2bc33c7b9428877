//! Agent turns and the messages they imply: all of them in runs without explicit message
//! evidence, the replies no handoff records in runs with handoff spans only; appended when new
//! turns come after the stored ones, else rebuilt from all the run's turns.
use serde::{Deserialize, Serialize};

use super::{message_kind_for, Entry, OrderKey, RunSketch};
use crate::ids::{SpanId, TraceId};
use crate::normalize::{AgentMessage, MessageKind};

/// A top-level agent turn (no calling agent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopTurn {
    pub agent: String,
    pub key: OrderKey,
    pub input: Option<String>,
    pub output: Option<String>,
    /// The outputs of the same agent's top-level turns right before this one (oldest first, at
    /// most [`STREAK_MAX`] - 1): what it said before a routing line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<Option<String>>,
}

/// How many consecutive top-level turns of one agent are looked at for what it handed over.
const STREAK_MAX: usize = 8;

impl TopTurn {
    fn of(t: &TurnRow, prev: Option<&TopTurn>) -> TopTurn {
        let mut earlier = Vec::new();
        if let Some(p) = prev.filter(|p| p.agent == t.agent) {
            earlier = p.earlier.clone();
            earlier.push(p.output.clone());
            let cut = earlier.len().saturating_sub(STREAK_MAX - 1);
            earlier.drain(..cut);
        }
        TopTurn { agent: t.agent.clone(), key: t.key, input: t.input.clone(), output: t.output.clone(), earlier }
    }

    /// What this turn's agent handed over to `to` (see [`handed_over`]).
    fn handed_over(&self, to: &str) -> Option<String> {
        handed_over(&self.output, self.earlier.iter().rev(), to)
    }
}

/// What an agent handed over to `to`: its `output`, unless that only says `to` acts next ("Next
/// speaker WebSurfer"); then the latest of its outputs right before it (`earlier`, latest first)
/// that is not such a line (the instruction the routing line follows).
fn handed_over<'a>(output: &Option<String>, mut earlier: impl Iterator<Item = &'a Option<String>>, to: &str) -> Option<String> {
    let routing = |o: &Option<String>| o.as_deref().is_some_and(|o| super::text::is_routing_line(o, &[to]));
    if !routing(output) {
        return output.clone();
    }
    earlier.find(|o| o.as_deref().is_some_and(|o| !o.trim().is_empty()) && !routing(o)).cloned().unwrap_or_else(|| output.clone())
}

/// The outputs of the top-level turns of `top[k]`'s agent right before it, latest first (at most
/// [`STREAK_MAX`] - 1): what [`TopTurn::of`] keeps as `earlier`, read without building it.
fn streak_before<'a>(top: &'a [&TurnRow], k: usize) -> impl Iterator<Item = &'a Option<String>> {
    let agent = &top[k].agent;
    top[..k].iter().rev().take_while(move |t| t.agent == *agent).take(STREAK_MAX - 1).map(|t| &t.output)
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
    /// The last hand-over this turn made through a tool call (a tool whose arguments name
    /// another agent): that agent and the instruction in the arguments.
    pub handoff: Option<(String, String)>,
}

/// The messages of a run without explicit message evidence (handoff or message spans), from
/// its agent turns in time order: sub-agents called from inside another agent, consecutive
/// top-level turns of different agents, and the entry (the task handed to the first agent:
/// its input, else `first_input` when that came before it).
pub fn implicit_messages(turns: &[TurnRow], first_input: Option<&(OrderKey, Option<String>)>) -> Vec<AgentMessage> {
    let mut out: Vec<AgentMessage> = Vec::new();
    delegations(turns, &mut out);
    let top: Vec<&TurnRow> = turns.iter().filter(|t| t.caller.is_none()).collect();
    out.extend((0..top.len().saturating_sub(1)).filter_map(|k| order_message(&top, k)));
    if let Some(first) = top.first() {
        out.push(entry_message(first, first_input));
    }
    in_order(out)
}

/// The message from top-level turn `top[k]` to the next one, when their agents differ: what the
/// previous agent handed over, its handoff tool's instruction to this agent, else its output (what
/// it said before a line that only routes to this agent).
fn order_message(top: &[&TurnRow], k: usize) -> Option<AgentMessage> {
    let (p, t) = (top[k], *top.get(k + 1)?);
    if p.agent == t.agent {
        return None;
    }
    let said = p
        .handoff
        .as_ref()
        .filter(|(to, _)| *to == t.agent)
        .map(|(_, text)| text.clone())
        .or_else(|| handed_over(&p.output, streak_before(top, k), &t.agent));
    Some(message(t, Some(p.agent.clone()), t.agent.clone(), message_kind_for(t.framework.as_deref()), said))
}

/// Whether a handoff among `handoffs` (from, to, time) passes the turn from `from` (whose turn
/// started at `from_start`) to `to` (starting at `to_start`): from that agent to that one, between
/// the two starts.
fn handed_off(handoffs: &[OpenHandoff], from: &str, from_start: u64, to: &str, to_start: u64) -> bool {
    handoffs.iter().any(|(f, t, at)| f.as_deref() == Some(from) && t == to && (from_start..=to_start).contains(at))
}

/// A handoff as the turn order reads it: sender (if known), recipient, time.
pub type OpenHandoff = (Option<String>, String, u64);

fn as_open(m: &AgentMessage) -> Option<OpenHandoff> {
    (m.kind == MessageKind::Handoff).then(|| (m.from_agent.clone(), m.to_agent.clone(), m.time_ns))
}

/// Sub-agents called from inside another agent: the caller hands them their input.
fn delegations(turns: &[TurnRow], out: &mut Vec<AgentMessage>) {
    for t in turns {
        if let Some(c) = &t.caller {
            out.push(message(t, Some(c.clone()), t.agent.clone(), MessageKind::Delegation, t.input.clone()));
        }
    }
}

/// Stable by time (the entry, at time - 1, first), numbered.
fn in_order(mut out: Vec<AgentMessage>) -> Vec<AgentMessage> {
    out.sort_by_key(|m| m.time_ns);
    for (k, m) in out.iter_mut().enumerate() {
        m.seq = k.min(i32::MAX as usize) as i32;
    }
    out
}

/// The messages of a run with explicit message evidence (`explicit`: handoff and message spans,
/// in time order), completed with sub-agent delegations and, unless a message already hands the
/// first top-level agent its task, the entry message. When every explicit message is a handoff,
/// consecutive top-level turns of different agents that no handoff connects are messages as in
/// a run without explicit evidence (a worker's reply to the coordinator that handed it the work:
/// handoff spans record only the handing over).
pub fn explicit_messages(
    mut out: Vec<AgentMessage>,
    turns: &[TurnRow],
    first_input: Option<&(OrderKey, Option<String>)>,
) -> Vec<AgentMessage> {
    if handoffs_only(&out) {
        let open: Vec<OpenHandoff> = out.iter().filter_map(as_open).collect();
        let top: Vec<&TurnRow> = turns.iter().filter(|t| t.caller.is_none()).collect();
        for k in 0..top.len().saturating_sub(1) {
            let (p, t) = (top[k], top[k + 1]);
            if !handed_off(&open, &p.agent, p.key.start, &t.agent, t.key.start) {
                out.extend(order_message(&top, k));
            }
        }
    }
    delegations(turns, &mut out);
    if let Some(first) = turns.iter().find(|t| t.caller.is_none()) {
        if !out.iter().any(|m| m.from_agent.is_none() && m.to_agent == first.agent) {
            out.push(entry_message(first, first_input));
        }
    }
    in_order(out)
}

fn message(t: &TurnRow, from: Option<String>, to: String, kind: MessageKind, content: Option<String>) -> AgentMessage {
    AgentMessage { seq: 0, trace_id: t.trace_id, span_id: t.span_id, time_ns: t.key.start, from_agent: from, to_agent: to, kind, content }
}

/// The task handed to the first agent: its input, else the run's first input when that came before it.
fn entry_message(first: &TurnRow, first_input: Option<&(OrderKey, Option<String>)>) -> AgentMessage {
    let root_input = first_input.filter(|(k, _)| k.start <= first.key.start).and_then(|(_, t)| t.clone());
    let mut m = message(first, None, first.agent.clone(), MessageKind::Message, first.input.clone().or(root_input));
    m.time_ns = m.time_ns.saturating_sub(1);
    m
}

/// The turn and message fields of a sketch, from all turns (time order) and messages.
pub fn turn_sketch(sk: &mut RunSketch, turns: &[TurnRow], messages: &[AgentMessage]) {
    let top: Vec<&TurnRow> = turns.iter().filter(|t| t.caller.is_none()).collect();
    sk.max_turn = turns.last().map(|t| t.key);
    sk.first_top = top.first().map(|t| TopTurn::of(t, None));
    sk.last_top = top.len().checked_sub(1).map(|k| {
        let mut last = TopTurn::of(top[k], None);
        last.earlier = streak_before(&top, k).cloned().collect();
        last.earlier.reverse();
        last
    });
    // The handoff spans' messages since the last top-level turn began: what a next turn's
    // coverage reads (turn-order messages sit on the turn's own span).
    let since = sk.last_top.as_ref().map_or(0, |t| t.key.start);
    let on_turn = |m: &AgentMessage| turns.iter().any(|t| t.span_id == m.span_id && t.trace_id == m.trace_id);
    sk.open_handoffs = messages.iter().filter(|m| m.time_ns >= since && !on_turn(m)).filter_map(as_open).collect();
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
pub(crate) fn append_turns(sk: &RunSketch, rows: &[TurnRow]) -> Option<(RunSketch, Vec<AgentMessage>)> {
    let mut sk = sk.clone();
    if let (Some(max), Some(first)) = (sk.max_turn, rows.first()) {
        if first.key <= max {
            return None;
        }
    }
    let mut msgs: Vec<AgentMessage> = Vec::new();
    delegations(rows, &mut msgs);
    let mut entry: Option<AgentMessage> = None;
    for t in rows.iter().filter(|t| t.caller.is_none()) {
        let top = TopTurn::of(t, sk.last_top.as_ref());
        match &sk.last_top {
            Some(prev) => {
                if prev.agent != t.agent {
                    let kind = message_kind_for(t.framework.as_deref());
                    msgs.push(message(t, Some(prev.agent.clone()), t.agent.clone(), kind, prev.handed_over(&t.agent)));
                }
            }
            None => {
                entry = Some(entry_message(t, sk.first_input.as_ref()));
                sk.first_top = Some(top.clone());
            }
        }
        sk.last_top = Some(top);
    }
    if let Some(t) = rows.last() {
        sk.max_turn = Some(t.key);
    }
    match entry {
        Some(m) => {
            sk.entry = Some(Entry { content: m.content.clone() });
            msgs.push(m);
        }
        // The stored entry message (its content depends on the run's first input) stays.
        None if !entry_unchanged(&sk) => return None,
        None => {}
    }
    append_after(sk, msgs)
}

/// Whether the stored entry message is still what the first top-level turn and the run's first
/// input make it (true without a first turn).
fn entry_unchanged(sk: &RunSketch) -> bool {
    let Some(first) = &sk.first_top else { return true };
    let root_input = sk.first_input.as_ref().filter(|(k, _)| k.start <= first.key.start).and_then(|(_, t)| t.clone());
    sk.entry.as_ref().map(|e| &e.content) == Some(&first.input.clone().or(root_input))
}

/// New messages numbered after the stored ones: `None` unless all come after them in time.
fn append_after(mut sk: RunSketch, mut msgs: Vec<AgentMessage>) -> Option<(RunSketch, Vec<AgentMessage>)> {
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

/// Runs with handoff messages: the new handoffs and the new turns' delegations after every
/// stored message, the first top-level turn already known and still without a message that hands
/// it its task. `None` otherwise.
pub(crate) fn append_explicit(sk: &RunSketch, handoffs: Vec<AgentMessage>, rows: &[TurnRow]) -> Option<(RunSketch, Vec<AgentMessage>)> {
    let mut sk = sk.clone();
    if let (Some(max), Some(first)) = (sk.max_turn, rows.first()) {
        if first.key <= max {
            return None;
        }
    }
    let first = sk.first_top.clone()?;
    // A run of handoffs only whose first other explicit message arrives now had its turn-order
    // replies derived: analysed whole.
    if sk.handoffs_only && !handoffs_only(&handoffs) {
        return None;
    }
    let mut open = std::mem::take(&mut sk.open_handoffs);
    open.extend(handoffs.iter().filter_map(as_open));
    let mut msgs = handoffs;
    delegations(rows, &mut msgs);
    if msgs.iter().any(|m| m.from_agent.is_none() && m.to_agent == first.agent) || !entry_unchanged(&sk) {
        return None;
    }
    for t in rows.iter().filter(|t| t.caller.is_none()) {
        if let Some(p) = sk.last_top.as_ref().filter(|p| sk.handoffs_only && p.agent != t.agent) {
            if !handed_off(&open, &p.agent, p.key.start, &t.agent, t.key.start) {
                let kind = message_kind_for(t.framework.as_deref());
                msgs.push(message(t, Some(p.agent.clone()), t.agent.clone(), kind, p.handed_over(&t.agent)));
            }
        }
        sk.last_top = Some(TopTurn::of(t, sk.last_top.as_ref()));
    }
    let since = sk.last_top.as_ref().map_or(0, |t| t.key.start);
    open.retain(|(_, _, at)| *at >= since);
    sk.open_handoffs = open;
    if let Some(t) = rows.last() {
        sk.max_turn = Some(t.key);
    }
    append_after(sk, msgs)
}

/// Whether every explicit message is a handoff (no runtime or workflow message spans).
pub fn handoffs_only(explicit: &[AgentMessage]) -> bool {
    explicit.iter().all(|m| m.kind == MessageKind::Handoff)
}
