//! Agent turns and the messages between agents: explicit (handoff spans, runtime messages) or
//! derived from the turns.
use super::tools::tool_handoffs;
use super::Ctx;
use crate::normalize::{AgentMessage, MessageKind, SpanCategory};
use crate::run::fx::{FxMap, FxSet};
use crate::run::turns::handoffs_only;
use crate::run::{excerpt, explicit_messages, implicit_messages, instruction_text, OrderKey, TurnRow};

pub(super) struct Turn {
    pub(super) idx: usize,
    pub(super) agent: String,
    pub(super) start: u64,
    /// Agent whose span encloses this one (agent-as-tool / sub-agent), if different.
    pub(super) caller: Option<String>,
}

/// Agent invocations in time order.
pub(super) fn turns(cx: &Ctx) -> Vec<Turn> {
    let mut out = Vec::new();
    for &i in &cx.tree.order {
        if cx.facts[i].category != SpanCategory::Agent {
            continue;
        }
        let Some(agent) = cx.owner[i].clone() else { continue };
        let caller = cx.tree.parent[i].and_then(|p| cx.owner[p].clone()).filter(|c| *c != agent);
        out.push(Turn { idx: i, agent, start: cx.spans[i].start_time_unix_nano, caller });
    }
    out
}

/// The first input of a non-model span in time order (the task as the run received it).
pub(super) fn first_input(cx: &Ctx) -> Option<(OrderKey, Option<String>)> {
    cx.tree
        .order
        .iter()
        .find(|&&i| cx.facts[i].input_text.is_some() && cx.facts[i].category != SpanCategory::Llm)
        .map(|&i| (OrderKey::of(&cx.spans[i]), excerpt(cx.facts[i].input_text.as_ref())))
}

/// The tool call that started a sub-agent's turn (an agent run as a tool: Google ADK's
/// `AgentTool`, the OpenAI Agents SDK's `as_tool`): the nearest tool span above the turn's span,
/// below any agent span.
pub(super) fn calling_tool(cx: &Ctx, i: usize) -> Option<usize> {
    let p = cx.tree.ancestor(i, |p| matches!(cx.facts[p].category, SpanCategory::Tool | SpanCategory::Agent))?;
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

pub(super) fn turn_rows(cx: &Ctx, turns: &[Turn]) -> Vec<TurnRow> {
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

pub(super) fn messages(
    cx: &Ctx,
    turns: &[Turn],
    turn_rows: &[TurnRow],
    first_input: Option<&(OrderKey, Option<String>)>,
) -> (Vec<AgentMessage>, bool, bool) {
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
    for &i in &cx.tree.order {
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
            let from = f.sender.clone().or_else(|| {
                cx.spans[i].links.iter().find_map(|l| cx.tree.index.get(&(l.trace_id, l.span_id)).and_then(|&j| cx.owner[j].clone()))
            });
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
        return (implicit_messages(turn_rows, first_input), false, false);
    }
    // 2. and 4. (sub-agent delegations, the entry unless a message already hands the first agent
    // its task; with handoffs only, the turn order where no handoff passes the turn), shared with
    // incremental ingest.
    let only = handoffs_only(&out);
    (explicit_messages(out, turn_rows, first_input), true, only)
}
