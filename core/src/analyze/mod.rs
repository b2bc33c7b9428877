//! Whole-run analysis: agents, agent-to-agent messages, tool calls and the outcome of one run,
//! from all of its spans at once, in any order; and the sketch of it that incremental ingest
//! extends ([`crate::run::RunSketch`]).
//!
//! Everything here is O(n log n) in the number of spans, iterative (parent chains may be cyclic
//! or dangling in hostile input) and panic-free.
mod messages;
mod outcome;
mod outside;
#[cfg(test)]
mod tests;
mod tools;

use std::collections::BTreeMap;

use serde::Serialize;

use messages::{first_input, turn_rows, turns};
use tools::{calls_from_messages, demote_tool_nodes, tool_calls};

use crate::model::SpanRecord;
use crate::normalize::{span_facts, AgentMessage, AgentSummary, RunOutcome, SpanCategory, SpanFacts, ToolCall};
use crate::run::fx::FxSet;
use crate::run::{turn_sketch, AgentAcc, OrderKey, RunSketch, SpanTree, TurnRow};

/// Everything derived from one run's spans.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunAnalysis {
    /// Parallel to the input spans.
    pub facts: Vec<SpanFacts>,
    pub framework: Option<String>,
    pub agents: Vec<AgentSummary>,
    pub messages: Vec<AgentMessage>,
    pub tool_calls: Vec<ToolCall>,
    pub outcome: RunOutcome,
    /// What incremental ingest keeps of the analysis ([`crate::run::RunState`]).
    pub sketch: RunSketch,
}

/// Analysis of all spans of one run (possibly several linked traces), in any order.
pub fn analyze_run(spans: &[SpanRecord]) -> RunAnalysis {
    analyze(spans)
}

struct Ctx<'a> {
    spans: &'a [SpanRecord],
    facts: Vec<SpanFacts>,
    tree: SpanTree,
    /// Agent each span belongs to (own agent, else nearest ancestor's).
    owner: Vec<Option<String>>,
}

fn analyze(spans: &[SpanRecord]) -> RunAnalysis {
    let facts: Vec<SpanFacts> = spans.iter().map(span_facts).collect();
    let tree = SpanTree::new(spans);
    let owner = tree.owners(&facts.iter().map(|f| f.agent_name.clone()).collect::<Vec<_>>());
    let mut cx = Ctx { spans, facts, tree, owner };
    let demoted = demote_tool_nodes(&mut cx);
    let outside_tools = outside::owners_of_outside_tools(cx.spans, &cx.facts, &cx.tree.parent, &mut cx.owner, &cx.tree.order);
    // Tool spans whose call only the model messages record, and the call ids those messages
    // name: a pair is filled below (and later batches may bring either side); incremental ingest
    // sends a batch that brings the second side of a pair to whole-run analysis (the filled calls
    // stay as stored). Taken before the fill.
    let mut call_ids = RunSketch::default();
    for f in &cx.facts {
        crate::run::add_call_ids(&mut call_ids, f);
    }
    calls_from_messages(&mut cx);

    let turns = turns(&cx);
    let tool_calls = tool_calls(&cx);
    let first_input = first_input(&cx);
    let turn_rows = turn_rows(&cx, &turns);
    // A sub-agent's task read from the tool call that started it: incremental ingest does not
    // read tool arguments back, so such runs are analysed whole.
    let tool_tasks =
        turns.iter().zip(&turn_rows).any(|(t, r)| r.input.is_some() && crate::run::excerpt(cx.facts[t.idx].input_text.as_ref()).is_none());
    let (messages, explicit, handoffs_only) = messages::messages(&cx, &turns, &turn_rows, first_input.as_ref());
    let agent_accs = agent_accs(&cx);
    let agents = summaries(&agent_accs);
    let outcome = outcome::outcome(&cx, &turns, &messages);
    let mut sketch = sketch(&cx, &turn_rows, &messages, &outcome, agent_accs, first_input);
    sketch.explicit = explicit;
    sketch.handoffs_only = explicit && handoffs_only;
    sketch.blocked |= tool_tasks || outside_tools;
    sketch.calls_waiting = call_ids.calls_waiting;
    sketch.calls_in_messages = call_ids.calls_in_messages;
    // Tool calls whose arguments name an agent of the run (handoff tools; `tool_handoffs`).
    let run_agents: FxSet<&str> = cx.owner.iter().flatten().map(String::as_str).collect();
    sketch.blocked |= cx.facts.iter().any(|f| crate::run::names_an_agent(f, run_agents.iter().copied()));
    for (s, f) in cx.spans.iter().zip(&cx.facts) {
        crate::run::add_tool_strings(&mut sketch.tool_strings, f);
        crate::run::add_tasked_tool(&mut sketch.tasked_tools, s, f);
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

/// Each agent's counters, folded over its spans with the same rules incremental ingest uses
/// ([`AgentAcc::absorb`]).
fn agent_accs(cx: &Ctx) -> BTreeMap<String, AgentAcc> {
    let mut by: BTreeMap<String, AgentAcc> = BTreeMap::new();
    for &i in &cx.tree.order {
        let Some(a) = &cx.owner[i] else { continue };
        let f = &cx.facts[i];
        let parent = cx.tree.parent[i].map(|p| (cx.facts[p].category, cx.facts[p].tool_name.as_deref()));
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
    for &i in &cx.tree.order {
        let (s, f) = (&cx.spans[i], &cx.facts[i]);
        if let Some(fw) = &f.framework {
            *sk.frameworks.entry(fw.clone()).or_default() += 1;
        }
        if (f.category == SpanCategory::Handoff && f.handoff_to.is_none())
            || (f.message_kind.is_some() && f.recipient.is_some() && !crate::run::message_is_final(f))
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
    sk.errors.forest = outcome::error_forest(cx, sk.errors.last_healthy);
    sk.errors.count = cx.facts.iter().filter(|f| f.is_error).count() as u64;
    if let Some((t, s)) = outcome.failing_span {
        sk.errors.owner_from_turns = cx.spans.iter().position(|x| x.trace_id == t && x.span_id == s).is_some_and(|i| cx.owner[i].is_none());
    }
    sk.outcome = outcome.clone();
    sk
}
