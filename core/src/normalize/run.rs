//! Run-level derivation: agents, agent-to-agent messages, tool calls and the outcome of one run.
//!
//! Everything here is O(n log n) in the number of spans, iterative (parent chains may be cyclic
//! or dangling in hostile input) and panic-free.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::util::{truncate, MAX_EXCERPT};
use super::{
    autogen, span_facts, AgentMessage, AgentSummary, MessageKind, OutcomeStatus, RunAnalysis, RunOutcome, SpanCategory, SpanFacts, ToolCall,
};
use crate::ids::{SpanId, TraceId};
use crate::incremental::forest::Forest;
use crate::incremental::{explicit_messages, implicit_messages, turn_sketch, AgentAcc, Key, OrderKey, RunSketch, ToolNodeCounts, TurnRow};
use crate::model::SpanRecord;

/// FxHash-style hasher for the run-local maps (span ids, agent names): no DoS exposure across
/// requests, and much cheaper than SipHash for 24-byte ids.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
type FxSet<K> = HashSet<K, BuildHasherDefault<Fx>>;

struct Ctx<'a> {
    spans: &'a [SpanRecord],
    facts: Vec<SpanFacts>,
    parent: Vec<Option<usize>>,
    /// Agent each span belongs to (own agent, else nearest ancestor's).
    owner: Vec<Option<String>>,
    /// Span indices sorted by start time.
    order: Vec<usize>,
}

pub(crate) fn excerpt(t: Option<&String>) -> Option<String> {
    t.map(|t| truncate(t.trim(), MAX_EXCERPT)).filter(|t| !t.is_empty())
}

pub fn analyze(spans: &[SpanRecord]) -> RunAnalysis {
    let n = spans.len();
    let facts: Vec<SpanFacts> = spans.iter().map(span_facts).collect();
    let mut index: FxMap<(TraceId, SpanId), usize> = FxMap::with_capacity_and_hasher(n, Default::default());
    for (i, s) in spans.iter().enumerate() {
        index.entry((s.trace_id, s.span_id)).or_insert(i);
    }
    let parent: Vec<Option<usize>> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| s.parent_span_id.and_then(|p| index.get(&(s.trace_id, p)).copied()).filter(|&p| p != i))
        .collect();
    // Time order, ties broken by the ids as stored (never by arrival): whatever order the spans
    // come in, the same analysis (what incremental ingest relies on).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (OrderKey::of(&spans[i]), i));
    let owner = owners(&facts, &parent);
    let mut cx = Ctx { spans, facts, parent, owner, order };
    let demoted = demote_tool_nodes(&mut cx);
    let outside_tools = super::outside::owners_of_outside_tools(cx.spans, &cx.facts, &cx.parent, &mut cx.owner, &cx.order);
    // Tool spans whose call only the model messages record, and the call ids those messages
    // name: a pair is filled below (and later batches may bring either side); incremental ingest
    // sends a batch that brings the second side of a pair to whole-run analysis (the filled calls
    // stay as stored). Taken before the fill.
    let mut call_ids = RunSketch::default();
    for f in &cx.facts {
        crate::incremental::add_call_ids(&mut call_ids, f);
    }
    calls_from_messages(&mut cx);

    let turns = turns(&cx);
    let tool_calls = tool_calls(&cx);
    let first_input = first_input(&cx);
    let turn_rows = turn_rows(&cx, &turns);
    // A sub-agent's task read from the tool call that started it: incremental ingest does not
    // read tool arguments back, so such runs are analysed whole.
    let tool_tasks = turns.iter().zip(&turn_rows).any(|(t, r)| r.input.is_some() && excerpt(cx.facts[t.idx].input_text.as_ref()).is_none());
    let (messages, explicit) = messages(&cx, &turns, &index, &turn_rows, first_input.as_ref());
    let agent_accs = agent_accs(&cx);
    let agents = summaries(&agent_accs);
    let outcome = outcome(&cx, &turns, &messages);
    let mut sketch = sketch(&cx, &turn_rows, &messages, &outcome, agent_accs, first_input);
    sketch.explicit = explicit;
    sketch.blocked |= tool_tasks || outside_tools;
    sketch.calls_waiting = call_ids.calls_waiting;
    sketch.calls_in_messages = call_ids.calls_in_messages;
    // Tool calls whose arguments name an agent of the run (handoff tools; `tool_handoffs`).
    let run_agents: FxSet<&str> = cx.owner.iter().flatten().map(String::as_str).collect();
    sketch.blocked |= cx.facts.iter().any(|f| crate::incremental::names_an_agent(f, run_agents.iter().copied()));
    for (s, f) in cx.spans.iter().zip(&cx.facts) {
        crate::incremental::add_tool_strings(&mut sketch.tool_strings, f);
        crate::incremental::add_tasked_tool(&mut sketch.tasked_tools, s, f);
    }
    if let Some((tool_nodes, latest)) = demoted {
        sketch.tool_nodes = tool_nodes;
        sketch.tool_node_max = latest;
    }
    // Every span names the agent it worked for (its own, else the nearest agent ancestor's), so
    // per-span queries (tokens per agent, an LLM call's agent) need no tree walk.
    let Ctx { mut facts, owner, .. } = cx;
    for (f, o) in facts.iter_mut().zip(owner) {
        if o.is_some() {
            f.agent_name = o;
        }
    }
    let framework = sketch.framework();
    RunAnalysis { facts, framework, agents, messages, tool_calls, outcome, sketch }
}

/// Own agent, else the nearest ancestor's (the same walk incremental ingest does over a batch).
fn owners(facts: &[SpanFacts], parent: &[Option<usize>]) -> Vec<Option<String>> {
    let own: Vec<Option<String>> = facts.iter().map(|f| f.agent_name.clone()).collect();
    crate::incremental::resolve_owners(&own, parent)
}

/// Walks up from `i` (exclusive) and returns the first ancestor satisfying `pred`, bounded.
fn ancestor(cx: &Ctx, i: usize, pred: impl Fn(usize) -> bool) -> Option<usize> {
    let mut cur = cx.parent[i];
    let mut steps = 0usize;
    while let Some(p) = cur {
        if pred(p) {
            return Some(p);
        }
        steps += 1;
        if steps > cx.spans.len() {
            return None;
        }
        cur = cx.parent[p];
    }
    None
}

/// LangGraph tool-executor nodes (`ToolNode`): graph nodes that only run tools and never call a
/// model are not agents; their tool calls belong to the agent that requested them (the last
/// agent active before them).
fn demote_tool_nodes(cx: &mut Ctx) -> Option<(BTreeMap<String, ToolNodeCounts>, Option<OrderKey>)> {
    #[derive(Default)]
    struct C {
        llm: usize,
        tool: usize,
        node_spans: usize,
        agent_spans: usize,
    }
    let mut counts: FxMap<&str, C> = FxMap::default();
    for (i, f) in cx.facts.iter().enumerate() {
        let Some(a) = cx.owner[i].as_deref() else { continue };
        let c = counts.entry(a).or_default();
        match f.category {
            SpanCategory::Llm => c.llm += 1,
            SpanCategory::Tool => c.tool += 1,
            SpanCategory::Agent => {
                c.agent_spans += 1;
                if f.graph_node.as_deref() == Some(a) && f.framework.as_deref() == Some("langgraph") {
                    c.node_spans += 1;
                }
            }
            _ => {}
        }
    }
    let found: BTreeMap<String, ToolNodeCounts> = counts
        .iter()
        .map(|(a, c)| {
            (
                a.to_string(),
                ToolNodeCounts {
                    llm: c.llm as i64,
                    tool: c.tool as i64,
                    node_spans: c.node_spans as i64,
                    agent_spans: c.agent_spans as i64,
                },
            )
        })
        .filter(|(_, c)| c.is_tool_node())
        .collect();
    if found.is_empty() {
        return None;
    }
    let tool_nodes: FxSet<String> = found.keys().cloned().collect();
    // The latest span a tool node owned: a real agent turn before it would re-attribute it.
    let latest =
        cx.order.iter().rev().find(|&&i| cx.owner[i].as_ref().is_some_and(|a| tool_nodes.contains(a))).map(|&i| OrderKey::of(&cx.spans[i]));
    // Node spans of tool nodes are workflow steps.
    for i in 0..cx.facts.len() {
        if cx.facts[i].category == SpanCategory::Agent && cx.owner[i].as_ref().is_some_and(|a| tool_nodes.contains(a)) {
            cx.facts[i].category = SpanCategory::Chain;
        }
    }
    // Re-attribute in time order to the last real agent seen.
    let mut last: Option<String> = None;
    for k in 0..cx.order.len() {
        let i = cx.order[k];
        match &cx.owner[i] {
            Some(a) if tool_nodes.contains(a) => cx.owner[i] = last.clone(),
            Some(a) if cx.facts[i].category == SpanCategory::Agent => last = Some(a.clone()),
            _ => {}
        }
    }
    Some((found, latest))
}

/// Tool spans that do not carry their call (content sent only with the model call, as in
/// `EVENT_ONLY` mode, or a call id missing) read it from the model messages of the run: the
/// arguments from the assistant message that requested the call (by call id), the result from
/// the tool message that answered it.
fn calls_from_messages(cx: &mut Ctx) {
    let mut requested: FxMap<String, String> = FxMap::default();
    let mut answered: FxMap<String, String> = FxMap::default();
    for &i in &cx.order {
        let f = &cx.facts[i];
        if !super::messages::records_tool_calls(f) {
            continue;
        }
        for tc in f.output_messages.iter().flat_map(|m| &m.tool_calls) {
            let Some(id) = &tc.id else { continue };
            requested.entry(id.clone()).or_insert_with(|| tc.arguments.clone());
        }
        // Tool answers: role `tool`, or (Gemini-style) a user message of function responses.
        for m in &f.input_messages {
            if let Some(id) = &m.tool_call_id {
                answered.entry(id.clone()).or_insert_with(|| m.content.clone());
            }
        }
    }
    if requested.is_empty() {
        return;
    }
    for &i in &cx.order {
        if cx.facts[i].category != SpanCategory::Tool {
            continue;
        }
        let f = &mut cx.facts[i];
        let Some(id) = f.tool_call_id.clone() else { continue };
        // Only a span that records nothing of its call: one that has its arguments records
        // whatever result it got.
        if f.tool_arguments.is_some() || f.tool_result.is_some() {
            continue;
        }
        if f.tool_arguments.is_none() {
            f.tool_arguments = requested.get(&id).filter(|a| !a.is_empty()).cloned();
        }
        if f.tool_result.is_none() {
            f.tool_result = answered.get(&id).filter(|r| !r.is_empty()).cloned();
        }
    }
}

/// The instruction in a call's arguments: a task-like field, else the only text field, else the
/// arguments as recorded.
pub(crate) fn instruction_text(args: &str) -> Option<String> {
    const KEYS: &[&str] = &["task", "request", "message", "instruction", "instructions", "query", "question", "prompt", "input", "reason"];
    let t = args.trim();
    if t.is_empty() {
        return None;
    }
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(t) else { return Some(t.to_string()) };
    let text = |v: &serde_json::Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(found) = KEYS.iter().find_map(|k| o.get(*k).and_then(text)) {
        return Some(found);
    }
    let texts: Vec<String> = o.values().filter_map(text).collect();
    match texts.as_slice() {
        [only] => Some(only.clone()),
        _ => Some(t.to_string()),
    }
}

struct Turn {
    idx: usize,
    agent: String,
    start: u64,
    /// Agent whose span encloses this one (agent-as-tool / sub-agent), if different.
    caller: Option<String>,
}

/// Agent invocations in time order.
fn turns(cx: &Ctx) -> Vec<Turn> {
    let mut out = Vec::new();
    for &i in &cx.order {
        if cx.facts[i].category != SpanCategory::Agent {
            continue;
        }
        let Some(agent) = cx.owner[i].clone() else { continue };
        let caller = cx.parent[i].and_then(|p| cx.owner[p].clone()).filter(|c| *c != agent);
        out.push(Turn { idx: i, agent, start: cx.spans[i].start_time_unix_nano, caller });
    }
    out
}

fn tool_calls(cx: &Ctx) -> Vec<ToolCall> {
    let mut out = Vec::new();
    for &i in &cx.order {
        let f = &cx.facts[i];
        if f.category != SpanCategory::Tool {
            continue;
        }
        if let Some(p) = cx.parent[i] {
            // The same call recorded twice by nested instrumentations.
            if cx.facts[p].category == SpanCategory::Tool && cx.facts[p].tool_name == f.tool_name {
                continue;
            }
        }
        let s = &cx.spans[i];
        out.push(ToolCall::of(s, f, cx.owner[i].clone()));
    }
    out
}

pub(crate) fn message_kind_for(framework: Option<&str>) -> MessageKind {
    match framework {
        Some("autogen" | "ag2") => MessageKind::Message,
        _ => MessageKind::Handoff,
    }
}

/// The first input of a non-model span in time order (the task as the run received it).
fn first_input(cx: &Ctx) -> Option<(OrderKey, Option<String>)> {
    cx.order
        .iter()
        .find(|&&i| cx.facts[i].input_text.is_some() && cx.facts[i].category != SpanCategory::Llm)
        .map(|&i| (OrderKey::of(&cx.spans[i]), excerpt(cx.facts[i].input_text.as_ref())))
}

/// Per agent span: the last tool call made in it whose arguments name another agent of the
/// run (a handoff tool: `handoff_to_agent`, `transfer_to_<agent>` with the agent in its
/// arguments), as (that agent, the instruction in the arguments).
fn tool_handoffs(cx: &Ctx) -> FxMap<usize, (String, String)> {
    let agents: FxSet<&str> = cx.owner.iter().flatten().map(String::as_str).collect();
    let mut out: FxMap<usize, (String, String)> = FxMap::default();
    for &i in &cx.order {
        let f = &cx.facts[i];
        if f.category != SpanCategory::Tool {
            continue;
        }
        let Some(args) = f.tool_arguments.as_deref() else { continue };
        let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(args) else { continue };
        let own = cx.owner[i].as_deref();
        let Some(to) = o.values().filter_map(serde_json::Value::as_str).find(|v| agents.contains(v) && Some(*v) != own) else { continue };
        // The agent span it ran in, else (a tool run outside every agent span) its agent's latest
        // turn before it.
        let start = cx.spans[i].start_time_unix_nano;
        let latest = || {
            let own = own?;
            cx.order.iter().copied().rev().find(|&t| {
                cx.facts[t].category == SpanCategory::Agent
                    && cx.owner[t].as_deref() == Some(own)
                    && cx.spans[t].start_time_unix_nano <= start
            })
        };
        let Some(turn) = ancestor(cx, i, |p| cx.facts[p].category == SpanCategory::Agent).or_else(latest) else { continue };
        // The instruction without the field naming the agent.
        let mut rest = o.clone();
        rest.retain(|_, v| v.as_str() != Some(to));
        let text = instruction_text(&serde_json::Value::Object(rest).to_string()).unwrap_or_default();
        out.insert(turn, (to.to_string(), text));
    }
    out
}

/// The tool call that started a sub-agent's turn (an agent run as a tool: Google ADK's
/// `AgentTool`, the OpenAI Agents SDK's `as_tool`): the nearest tool span above the turn's span,
/// below any agent span.
fn calling_tool(cx: &Ctx, i: usize) -> Option<usize> {
    let p = ancestor(cx, i, |p| matches!(cx.facts[p].category, SpanCategory::Tool | SpanCategory::Agent))?;
    (cx.facts[p].category == SpanCategory::Tool).then_some(p)
}

/// What a turn was given: its own input, else, for a sub-agent started by a tool call, the
/// instruction in that call's arguments (the sub-agent's span records no input of its own).
fn turn_input(cx: &Ctx, t: &Turn) -> Option<String> {
    excerpt(cx.facts[t.idx].input_text.as_ref()).or_else(|| {
        let tool = calling_tool(cx, t.idx).filter(|_| t.caller.is_some())?;
        excerpt(cx.facts[tool].tool_arguments.as_deref().and_then(instruction_text).as_ref())
    })
}

fn turn_rows(cx: &Ctx, turns: &[Turn]) -> Vec<TurnRow> {
    let handoffs = tool_handoffs(cx);
    turns
        .iter()
        .map(|t| TurnRow {
            key: OrderKey::of(&cx.spans[t.idx]),
            trace_id: cx.spans[t.idx].trace_id,
            span_id: cx.spans[t.idx].span_id,
            agent: t.agent.clone(),
            caller: t.caller.clone(),
            input: turn_input(cx, t),
            output: excerpt(cx.facts[t.idx].output_text.as_ref()),
            framework: cx.facts[t.idx].framework.clone(),
            handoff: handoffs.get(&t.idx).cloned(),
        })
        .collect()
}

fn messages(
    cx: &Ctx,
    turns: &[Turn],
    index: &FxMap<(TraceId, SpanId), usize>,
    turn_rows: &[TurnRow],
    first_input: Option<&(OrderKey, Option<String>)>,
) -> (Vec<AgentMessage>, bool) {
    let mut out: Vec<AgentMessage> = Vec::new();
    let mk = |i: usize, from: Option<String>, to: String, kind: MessageKind, content: Option<String>| {
        let s = &cx.spans[i];
        AgentMessage {
            seq: 0,
            trace_id: s.trace_id,
            span_id: s.span_id,
            time_ns: s.start_time_unix_nano,
            from_agent: from,
            to_agent: to,
            kind,
            content,
        }
    };
    let top: Vec<&Turn> = turns.iter().filter(|t| t.caller.is_none()).collect();
    // Each agent's turns, in time order (`turns` is sorted by start).
    let mut by_agent: FxMap<&str, Vec<&Turn>> = FxMap::default();
    for t in turns {
        by_agent.entry(t.agent.as_str()).or_default().push(t);
    }
    // A broadcast delivered twice to the same member is one message; a sender that broadcasts and
    // then asks one member to speak (a content-less delivery: Magentic-One's orchestrator)
    // addressed its broadcast to that member.
    let mut seen: FxSet<(&str, &str)> = FxSet::default();
    let mut pending: FxMap<String, (&str, Vec<usize>)> = FxMap::default();
    let mut dropped: FxSet<usize> = FxSet::default();
    // 1. Explicit evidence: handoff spans and runtime/workflow messages.
    for &i in &cx.order {
        let f = &cx.facts[i];
        if f.category == SpanCategory::Handoff {
            let from = f.handoff_from.clone().or_else(|| cx.owner[i].clone());
            let to = f.handoff_to.clone().or_else(|| {
                // Target not recorded: the next agent to start.
                let start = cx.spans[i].start_time_unix_nano;
                let k = top.partition_point(|t| t.start < start);
                top[k..].iter().find(|t| Some(&t.agent) != from.as_ref()).map(|t| t.agent.clone())
            });
            if let Some(to) = to {
                if from.as_ref() != Some(&to) {
                    out.push(mk(i, from, to, MessageKind::Handoff, excerpt(f.message_content.as_ref())));
                }
            }
        } else if let (Some(kind), Some(to)) = (f.message_kind, &f.recipient) {
            let from = f
                .sender
                .clone()
                .or_else(|| cx.spans[i].links.iter().find_map(|l| index.get(&(l.trace_id, l.span_id)).and_then(|&j| cx.owner[j].clone())));
            if from.as_ref() == Some(to) {
                continue;
            }
            if kind == MessageKind::Broadcast {
                if let Some(id) = f.message_id.as_deref() {
                    if !seen.insert((id, to.as_str())) {
                        continue;
                    }
                    if let Some(from) = &from {
                        let p = pending.entry(from.clone()).or_insert((id, Vec::new()));
                        if p.0 != id {
                            *p = (id, Vec::new());
                        }
                        p.1.push(out.len());
                    }
                } else if let Some((_, p)) = from.as_ref().filter(|_| f.message_content.is_none()).and_then(|s| pending.remove(s)) {
                    if p.iter().any(|&k| out[k].to_agent == *to) {
                        dropped.extend(p.into_iter().filter(|&k| out[k].to_agent != *to));
                        continue;
                    }
                }
            }
            let at = cx.spans[i].start_time_unix_nano;
            let content = excerpt(f.message_content.as_ref()).or_else(|| match from.as_ref() {
                // Workflow edges carry the sender's last output ...
                Some(from) => {
                    let ts = by_agent.get(from.as_str())?;
                    let k = ts.partition_point(|t| t.start <= at);
                    excerpt(cx.facts[ts[..k].last()?.idx].output_text.as_ref())
                }
                // ... or, from the entry point, what the recipient was given.
                None => {
                    let ts = by_agent.get(to.as_str())?;
                    let k = ts.partition_point(|t| t.start < at);
                    excerpt(cx.facts[ts.get(k)?.idx].input_text.as_ref())
                }
            });
            out.push(mk(i, from, to.clone(), kind, content));
        }
    }
    if !dropped.is_empty() {
        let mut k = 0;
        out.retain(|_| {
            k += 1;
            !dropped.contains(&(k - 1))
        });
    }
    if out.is_empty() {
        // 2.-4. from the turns alone (what incremental ingest rebuilds them from).
        return (implicit_messages(turn_rows, first_input), false);
    }
    // 2. and 4. (sub-agent delegations, the entry unless a message already hands the first agent
    // its task), shared with incremental ingest.
    (explicit_messages(out, turn_rows, first_input), true)
}

/// Each agent's counters, folded over its spans with the same rules incremental ingest uses
/// ([`AgentAcc::absorb`]).
fn agent_accs(cx: &Ctx) -> BTreeMap<String, AgentAcc> {
    let mut by: BTreeMap<String, AgentAcc> = BTreeMap::new();
    for &i in &cx.order {
        let Some(a) = &cx.owner[i] else { continue };
        let f = &cx.facts[i];
        let parent = cx.parent[i].map(|p| (cx.facts[p].category, cx.facts[p].tool_name.as_deref()));
        let acc = match by.get_mut(a.as_str()) {
            Some(acc) => acc,
            None => by.entry(a.clone()).or_default(),
        };
        acc.absorb(OrderKey::of(&cx.spans[i]), cx.spans[i].end_time_unix_nano, f.into(), a, parent);
    }
    by
}

fn summaries(accs: &BTreeMap<String, AgentAcc>) -> Vec<AgentSummary> {
    let mut out: Vec<AgentSummary> = accs.iter().map(|(name, acc)| acc.summary(name)).collect();
    out.sort_by(|a, b| a.first_seen_ns.cmp(&b.first_seen_ns).then_with(|| a.agent_name.cmp(&b.agent_name)));
    out
}

pub(crate) fn reason_of(f: &SpanFacts) -> Option<String> {
    reason_from(f.error_type.as_deref(), f.error_message.as_deref())
}

/// A failure's reason from its error type and the first line of its message.
pub(crate) fn reason_from(error_type: Option<&str>, message: Option<&str>) -> Option<String> {
    let msg = message.map(super::util::first_line).filter(|m| !m.is_empty());
    match (error_type, msg) {
        (Some(t), Some(m)) if *t != m => Some(format!("{t}: {m}")),
        (_, Some(m)) => Some(m),
        (Some(t), None) => Some(t.to_string()),
        _ => None,
    }
}

fn last_turn_before(turns: &[Turn], t: u64) -> Option<String> {
    let k = turns.partition_point(|x| x.start <= t);
    turns[..k].last().map(|x| x.agent.clone())
}

fn outcome(cx: &Ctx, turns: &[Turn], messages: &[AgentMessage]) -> RunOutcome {
    let span_ref = |i: usize| Some((cx.spans[i].trace_id, cx.spans[i].span_id));
    // 1. Limits.
    let stops: Vec<usize> = cx.order.iter().copied().filter(|&i| cx.facts[i].stop_reason.is_some()).collect();
    if !stops.is_empty() {
        let i = stops.iter().copied().find(|&i| cx.owner[i].is_some()).unwrap_or(stops[0]);
        let agent = cx.owner[i].clone().or_else(|| last_turn_before(turns, cx.spans[i].end_time_unix_nano));
        return RunOutcome {
            status: OutcomeStatus::StoppedEarly,
            reason: cx.facts[i].stop_reason.clone(),
            failing_agent: agent,
            failing_span: span_ref(i),
        };
    }
    // 2. Errors.
    let errors: Vec<usize> = cx.order.iter().copied().filter(|&i| cx.facts[i].is_error).collect();
    // Latest start of healthy agent / model work: errors that end before it were recovered from.
    let last_healthy = cx
        .order
        .iter()
        .filter(|&&i| !cx.facts[i].is_error && matches!(cx.facts[i].category, SpanCategory::Agent | SpanCategory::Llm))
        .map(|&i| cx.spans[i].start_time_unix_nano)
        .max();
    let unrecovered = |i: usize| match last_healthy {
        Some(h) => h < cx.spans[i].end_time_unix_nano,
        None => true,
    };
    let completed = cx.facts.iter().any(|f| f.control.as_deref() == Some("workflow_completed"));
    let mut fail_roots: Vec<usize> = Vec::new();
    for &i in &errors {
        let f = &cx.facts[i];
        let is_root = cx.parent[i].is_none();
        let counts = crate::incremental::forest::counts(f.category);
        if is_root || f.control.as_deref() == Some("workflow_failed") || (counts && unrecovered(i) && !completed) {
            fail_roots.push(i);
        }
    }
    if fail_roots.is_empty() {
        // AutoGen group chats stopped by max_turns record no reason at all.
        let terminated = cx.order.iter().copied().find(|&i| cx.facts[i].control.as_deref() == Some("termination"));
        // The full text of the last message (message excerpts are cut).
        let last = messages.iter().rev().find(|m| m.from_agent.is_some());
        let full = last.and_then(|m| {
            let i = cx.spans.iter().position(|s| s.trace_id == m.trace_id && s.span_id == m.span_id)?;
            cx.facts[i].message_content.as_deref()
        });
        let last_msg = full.or(last.and_then(|m| m.content.as_deref()));
        // The orchestrator agent (Magentic-One) spoke last: it closed the chat with its answer.
        let orchestrator_answered = last.and_then(|m| m.from_agent.as_deref()).is_some_and(|from| {
            cx.facts.iter().any(|f| f.orchestrator && f.category == SpanCategory::Messaging && f.agent_name.as_deref() == Some(from))
        });
        if let Some(t) = terminated.filter(|_| !orchestrator_answered) {
            let first_msg = messages
                .iter()
                .find(|m| m.from_agent.is_none() || m.from_agent.as_deref() == Some("user"))
                .or(messages.first())
                .and_then(|m| m.content.as_deref());
            if let Some(reason) = autogen::group_chat_stopped(last_msg, first_msg, true) {
                let agent = last_turn_before(turns, cx.spans[t].end_time_unix_nano);
                return RunOutcome {
                    status: OutcomeStatus::StoppedEarly,
                    reason: Some(reason),
                    failing_agent: agent,
                    failing_span: span_ref(t),
                };
            }
        }
        return RunOutcome::default();
    }
    // Decisive span: the earliest error without error descendants under a failure root,
    // preferring ones nothing recovered from.
    let mut has_err_child = vec![false; cx.spans.len()];
    for &i in &errors {
        let mut cur = cx.parent[i];
        let mut steps = 0;
        while let Some(p) = cur {
            if has_err_child[p] || steps > cx.spans.len() {
                break;
            }
            has_err_child[p] = true;
            steps += 1;
            cur = cx.parent[p];
        }
    }
    let mut is_root = vec![false; cx.spans.len()];
    for &r in &fail_roots {
        is_root[r] = true;
    }
    let under_root = |i: usize| is_root[i] || ancestor(cx, i, |p| is_root[p]).is_some();
    let leaves: Vec<usize> = errors.iter().copied().filter(|&i| !has_err_child[i] && under_root(i)).collect();
    let decisive = leaves.iter().copied().find(|&i| unrecovered(i)).or_else(|| leaves.first().copied()).unwrap_or(fail_roots[0]);
    let agent = cx.owner[decisive].clone().or_else(|| last_turn_before(turns, cx.spans[decisive].end_time_unix_nano));
    let reason = reason_of(&cx.facts[decisive]).or_else(|| fail_roots.iter().find_map(|&r| reason_of(&cx.facts[r])));
    RunOutcome { status: OutcomeStatus::Failure, reason, failing_agent: agent, failing_span: span_ref(decisive) }
}

/// The run's error forest ([`crate::incremental::forest`]), from the same parent links.
fn error_forest(cx: &Ctx, last_healthy: Option<u64>) -> Forest {
    use crate::incremental::forest::{build, parent_key, End, ErrNode, Leaf, MAX_DEPTH};
    let key = |i: usize| (cx.spans[i].trace_id, cx.spans[i].span_id);
    let nodes: Vec<ErrNode> = (0..cx.spans.len())
        .filter(|&i| cx.facts[i].is_error)
        .map(|i| {
            let mut chain = Vec::new();
            let mut visited = FxSet::default();
            let mut last = i;
            let mut end = None;
            while let Some(p) = cx.parent[last] {
                if chain.len() >= MAX_DEPTH || !visited.insert(p) {
                    end = Some(End::Irregular);
                    break;
                }
                chain.push((key(p), cx.facts[p].is_error));
                last = p;
            }
            let end = end.unwrap_or_else(|| match parent_key(key(last), cx.spans[last].parent_span_id) {
                Some(k) => End::Top(k),
                None => End::Closed,
            });
            let (s, f) = (&cx.spans[i], &cx.facts[i]);
            let span = Leaf {
                key: Key(key(i)),
                order: OrderKey::of(s),
                end: s.end_time_unix_nano,
                owner: cx.owner[i].clone(),
                reason: reason_of(f),
            };
            ErrNode { span, counts: crate::incremental::forest::counts(f.category), chain: (chain, end) }
        })
        .collect();
    build(&nodes, last_healthy)
}

/// What incremental ingest keeps of this analysis to extend it without the run's spans
/// ([`crate::incremental`]): built here, from the same context, so both paths agree.
fn sketch(
    cx: &Ctx,
    turns: &[TurnRow],
    messages: &[AgentMessage],
    outcome: &RunOutcome,
    agents: BTreeMap<String, AgentAcc>,
    first_input: Option<(OrderKey, Option<String>)>,
) -> RunSketch {
    let mut sk = RunSketch { agents, first_input, ..Default::default() };
    turn_sketch(&mut sk, turns, messages);
    for &i in &cx.order {
        let (s, f) = (&cx.spans[i], &cx.facts[i]);
        if let Some(fw) = &f.framework {
            *sk.frameworks.entry(fw.clone()).or_default() += 1;
        }
        if (f.category == SpanCategory::Handoff && f.handoff_to.is_none())
            || (f.message_kind.is_some() && f.recipient.is_some() && !crate::incremental::message_is_final(f))
            || f.stop_reason.is_some()
            || f.control.is_some()
        {
            sk.blocked = true;
        }
        sk.search.add_span(s, f);
        if (s.parent_span_id.is_none() || f.category == SpanCategory::Agent) && f.output_text.is_some() {
            sk.search.add_output(s, f);
        }
        if !f.is_error && matches!(f.category, SpanCategory::Agent | SpanCategory::Llm) {
            sk.errors.last_healthy = Some(sk.errors.last_healthy.map_or(s.start_time_unix_nano, |h| h.max(s.start_time_unix_nano)));
        }
    }
    // Demoted tool nodes and replays: handled by whole-run analysis only.
    sk.blocked |= crate::replay::replay_origin(cx.spans).is_some();
    let cps = crate::replay::checkpoint_keys(cx.spans, &cx.facts);
    sk.checkpoints = cps.len() as i64;
    sk.last_checkpoint = cps.last().map(|(t, tr, sp)| (*t, crate::ids::to_hex(tr), crate::ids::to_hex(sp)));
    sk.errors.forest = error_forest(cx, sk.errors.last_healthy);
    sk.errors.count = cx.facts.iter().filter(|f| f.is_error).count() as u64;
    if let Some((t, s)) = outcome.failing_span {
        sk.errors.owner_from_turns = cx.spans.iter().position(|x| x.trace_id == t && x.span_id == s).is_some_and(|i| cx.owner[i].is_none());
    }
    sk.outcome = outcome.clone();
    sk
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{at, exception, span};
    use super::super::{analyze_run, MessageKind, OutcomeStatus};
    use serde_json::json;

    fn agent(name: &str) -> crate::model::SpanRecord {
        span(&format!("invoke_agent {name}"), &[("gen_ai.operation.name", json!("invoke_agent")), ("gen_ai.agent.name", json!(name))])
    }
    fn tool(name: &str) -> crate::model::SpanRecord {
        span(&format!("execute_tool {name}"), &[("gen_ai.operation.name", json!("execute_tool")), ("gen_ai.tool.name", json!(name))])
    }
    fn chat() -> crate::model::SpanRecord {
        span(
            "chat m",
            &[("gen_ai.operation.name", json!("chat")), ("gen_ai.usage.input_tokens", json!(10)), ("gen_ai.usage.output_tokens", json!(2))],
        )
    }
    fn err(mut s: crate::model::SpanRecord, msg: &str) -> crate::model::SpanRecord {
        s.status_code = 2;
        s.status_message = msg.into();
        s
    }

    #[test]
    fn empty_cyclic_and_orphaned_input() {
        assert_eq!(analyze_run(&[]).outcome.status, OutcomeStatus::Success);
        // a -> b -> a cycle, c's parent missing, d is its own parent.
        let spans = vec![
            at(agent("A"), 1, Some(2), 0, 10),
            at(chat(), 2, Some(1), 1, 2),
            at(tool("t"), 3, Some(99), 3, 4),
            at(chat(), 4, Some(4), 5, 6),
        ];
        let a = analyze_run(&spans);
        assert_eq!(a.facts.len(), 4);
        assert_eq!(a.agents.len(), 1);
        assert_eq!(a.agents[0].llm_calls, 1);
    }

    #[test]
    fn recovered_tool_error_is_success_unrecovered_is_failure() {
        let ok = vec![
            at(span("wf", &[]), 1, None, 0, 100),
            at(agent("R"), 2, Some(1), 1, 50),
            at(err(tool("t"), "boom"), 3, Some(2), 2, 3),
            at(chat(), 4, Some(2), 4, 5),
            at(agent("W"), 5, Some(1), 51, 90),
        ];
        assert_eq!(analyze_run(&ok).outcome.status, OutcomeStatus::Success);

        // OpenAI Agents style: agent span ERROR, root OK, nothing after.
        let bad = vec![
            at(span("wf", &[]), 1, None, 0, 100),
            at(agent("T"), 2, Some(1), 1, 10),
            at(err(agent("R"), "Error in agent run"), 3, Some(1), 11, 50),
            at(chat(), 4, Some(3), 12, 13),
            at(err(tool("t"), "TimeoutError('kb down')"), 5, Some(3), 14, 15),
        ];
        let o = analyze_run(&bad).outcome;
        assert_eq!(o.status, OutcomeStatus::Failure);
        assert_eq!(o.failing_agent.as_deref(), Some("R"));
        assert_eq!(o.failing_span.map(|s| s.1[7]), Some(5));
        assert_eq!(o.reason.as_deref(), Some("TimeoutError: kb down"));
    }

    #[test]
    fn limits_stop_early() {
        let mut root = at(span("graph", &[]), 1, None, 0, 100);
        root.status_code = 2;
        root.events.push(exception("GraphRecursionError", "Recursion limit of 25 reached without hitting a stop condition."));
        let spans = vec![root, at(agent("A"), 2, Some(1), 1, 10)];
        let o = analyze_run(&spans).outcome;
        assert_eq!(o.status, OutcomeStatus::StoppedEarly);
        assert!(o.reason.unwrap().contains("Recursion limit"));
    }

    #[test]
    fn handoffs_delegations_and_turns() {
        let mut h = span("agent_handoff", &[("gen_ai.operation.name", json!("agent_handoff")), ("gen_ai.handoff.from_agent", json!("A"))]);
        h = at(h, 3, Some(2), 5, 6);
        let spans = vec![
            at(span("wf", &[]), 1, None, 0, 100),
            at(agent("A"), 2, Some(1), 1, 10),
            h,
            at(agent("B"), 4, Some(1), 11, 50),
            at(agent("C"), 5, Some(4), 12, 20), // called by B
        ];
        let a = analyze_run(&spans);
        let got: Vec<_> = a.messages.iter().map(|m| (m.from_agent.clone(), m.to_agent.clone(), m.kind)).collect();
        assert_eq!(
            got,
            vec![
                (None, "A".to_string(), MessageKind::Message),
                (Some("A".into()), "B".into(), MessageKind::Handoff),
                (Some("B".into()), "C".into(), MessageKind::Delegation),
            ]
        );
        assert_eq!(a.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![0, 1, 2]);
    }

    #[test]
    fn ten_thousand_spans_are_fast() {
        let mut spans = vec![at(span("wf", &[]), 0, None, 0, u64::MAX)];
        for i in 1..10_000u32 {
            let mut s = if i % 3 == 0 {
                agent(&format!("agent{}", i % 7))
            } else if i % 3 == 1 {
                chat()
            } else {
                tool("t")
            };
            s.span_id = (i as u64 + 1).to_be_bytes();
            s.parent_span_id = Some(if i % 3 == 0 { [0; 8] } else { ((i - i % 3) as u64 + 1).to_be_bytes() });
            s.start_time_unix_nano = i as u64 * 10;
            s.end_time_unix_nano = i as u64 * 10 + 5;
            spans.push(s);
        }
        // Deep chain too.
        for i in 0..2_000u64 {
            let mut s = chat();
            s.trace_id = [9; 16];
            s.span_id = (i + 1).to_be_bytes();
            s.parent_span_id = Some((i + 2).to_be_bytes());
            spans.push(s);
        }
        let t = std::time::Instant::now();
        let a = analyze_run(&spans);
        let took = t.elapsed();
        assert_eq!(a.agents.len(), 7);
        eprintln!("analyze_run over {} spans took {took:?}", spans.len());
        assert!(took.as_millis() < 2_000, "took {took:?}");
    }

    #[test]
    fn garbage_attributes_never_panic() {
        let vals = [
            json!(null),
            json!(""),
            json!("{"),
            json!("[[[["),
            json!(-1),
            json!(1e300),
            json!([1, "a", {}]),
            json!({"a": [null]}),
            json!("x".repeat(100_000)),
        ];
        let keys = [
            "gen_ai.operation.name",
            "gen_ai.agent.name",
            "gen_ai.input.messages",
            "gen_ai.output.messages",
            "gen_ai.usage.input_tokens",
            "openinference.span.kind",
            "input.value",
            "output.value",
            "metadata",
            "llm.input_messages.0.message.content",
            "traceloop.span.kind",
            "traceloop.entity.output",
            "langsmith.span.kind",
            "gen_ai.prompt",
            "message",
            "message_context",
            "sender_agent_type",
            "recipient_agent_type",
            "messaging.operation",
            "executor.id",
            "executor.type",
            "ag2.span.type",
            "crewai.agent.role",
            "gen_ai.handoff.to_agent",
            "error.type",
            "gen_ai.conversation.max_turns",
        ];
        let mut spans = Vec::new();
        let mut id = 1u8;
        for k in keys {
            for v in &vals {
                let mut s = span("autogen process x", &[(k, v.clone()), ("messaging.operation", json!("process"))]);
                s.status_code = (id % 3) as i32;
                s.status_message = "Traceback (most recent call last):\n".into();
                spans.push(at(s, id, Some(id.wrapping_sub(1)), id as u64, 0));
                id = id.wrapping_add(1);
            }
        }
        let _ = analyze_run(&spans);
    }
}
