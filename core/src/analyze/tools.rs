//! Tool calls of a run: tool-executor nodes demoted, calls read from model messages, handoff
//! tools and their instructions.
use std::collections::BTreeMap;

use super::Ctx;
use crate::normalize::{SpanCategory, ToolCall};
use crate::run::fx::{FxMap, FxSet};
use crate::run::{instruction_text, OrderKey, ToolNodeCounts};

/// LangGraph tool-executor nodes (`ToolNode`): graph nodes that only run tools and never call a
/// model are not agents; their tool calls belong to the agent that requested them (the last
/// agent active before them).
pub(super) fn demote_tool_nodes(cx: &mut Ctx) -> Option<(BTreeMap<String, ToolNodeCounts>, Option<OrderKey>)> {
    // Counted with the same rule incremental ingest uses (`ToolNodeCounts::add`).
    let mut counts: FxMap<&str, ToolNodeCounts> = FxMap::default();
    for (i, f) in cx.facts.iter().enumerate() {
        let Some(a) = cx.owner[i].as_deref() else { continue };
        counts.entry(a).or_default().add(f, a);
    }
    let found: BTreeMap<String, ToolNodeCounts> =
        counts.into_iter().map(|(a, c)| (a.to_string(), c)).filter(|(_, c)| c.is_tool_node()).collect();
    if found.is_empty() {
        return None;
    }
    let tool_nodes: FxSet<String> = found.keys().cloned().collect();
    // The latest span a tool node owned: a real agent turn before it would re-attribute it.
    let latest = cx
        .tree
        .order
        .iter()
        .rev()
        .find(|&&i| cx.owner[i].as_ref().is_some_and(|a| tool_nodes.contains(a)))
        .map(|&i| OrderKey::of(&cx.spans[i]));
    // Node spans of tool nodes are workflow steps.
    for i in 0..cx.facts.len() {
        if cx.facts[i].category == SpanCategory::Agent && cx.owner[i].as_ref().is_some_and(|a| tool_nodes.contains(a)) {
            cx.facts[i].category = SpanCategory::Chain;
        }
    }
    // Re-attribute in time order to the last real agent seen.
    let mut last: Option<String> = None;
    for k in 0..cx.tree.order.len() {
        let i = cx.tree.order[k];
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
pub(super) fn calls_from_messages(cx: &mut Ctx) {
    let mut requested: FxMap<String, String> = FxMap::default();
    let mut answered: FxMap<String, String> = FxMap::default();
    for &i in &cx.tree.order {
        let f = &cx.facts[i];
        if !crate::normalize::messages::records_tool_calls(f) {
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
    for &i in &cx.tree.order {
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

pub(super) fn tool_calls(cx: &Ctx) -> Vec<ToolCall> {
    let mut out = Vec::new();
    for &i in &cx.tree.order {
        let f = &cx.facts[i];
        if f.category != SpanCategory::Tool {
            continue;
        }
        if let Some(p) = cx.tree.parent[i] {
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

/// Per agent span: the last tool call made in it whose arguments name another agent of the
/// run (a handoff tool: `handoff_to_agent`, `transfer_to_<agent>` with the agent in its
/// arguments), as (that agent, the instruction in the arguments).
pub(super) fn tool_handoffs(cx: &Ctx) -> FxMap<usize, (String, String)> {
    let agents: FxSet<&str> = cx.owner.iter().flatten().map(String::as_str).collect();
    let mut out: FxMap<usize, (String, String)> = FxMap::default();
    for &i in &cx.tree.order {
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
            cx.tree.order.iter().copied().rev().find(|&t| {
                cx.facts[t].category == SpanCategory::Agent
                    && cx.owner[t].as_deref() == Some(own)
                    && cx.spans[t].start_time_unix_nano <= start
            })
        };
        let Some(turn) = cx.tree.ancestor(i, |p| cx.facts[p].category == SpanCategory::Agent).or_else(latest) else { continue };
        // The instruction without the field naming the agent.
        let mut rest = o.clone();
        rest.retain(|_, v| v.as_str() != Some(to));
        let text = instruction_text(&serde_json::Value::Object(rest).to_string()).unwrap_or_default();
        out.insert(turn, (to.to_string(), text));
    }
    out
}
