//! The run's outcome (limits, errors, group-chat stops) and its error forest.
use super::messages::Turn;
use super::Ctx;
use crate::normalize::{autogen, AgentMessage, OutcomeStatus, RunOutcome, SpanCategory};
use crate::run::forest::Forest;
use crate::run::fx::FxSet;
use crate::run::{reason_of, Key, OrderKey};

pub(super) fn last_turn_before(turns: &[Turn], t: u64) -> Option<String> {
    let k = turns.partition_point(|x| x.start <= t);
    turns[..k].last().map(|x| x.agent.clone())
}

pub(super) fn outcome(cx: &Ctx, turns: &[Turn], messages: &[AgentMessage]) -> RunOutcome {
    let span_ref = |i: usize| Some((cx.spans[i].trace_id, cx.spans[i].span_id));
    // 1. Limits.
    let stops: Vec<usize> = cx.tree.order.iter().copied().filter(|&i| cx.facts[i].stop_reason.is_some()).collect();
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
    let errors: Vec<usize> = cx.tree.order.iter().copied().filter(|&i| cx.facts[i].is_error).collect();
    // Latest start of healthy agent / model work: errors that end before it were recovered from.
    let last_healthy = cx
        .tree
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
        let is_root = cx.tree.parent[i].is_none();
        let counts = crate::run::forest::counts(f.category);
        if is_root || f.control.as_deref() == Some("workflow_failed") || (counts && unrecovered(i) && !completed) {
            fail_roots.push(i);
        }
    }
    if fail_roots.is_empty() {
        // AutoGen group chats stopped by max_turns record no reason at all.
        let terminated = cx.tree.order.iter().copied().find(|&i| cx.facts[i].control.as_deref() == Some("termination"));
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
        let mut cur = cx.tree.parent[i];
        let mut steps = 0;
        while let Some(p) = cur {
            if has_err_child[p] || steps > cx.spans.len() {
                break;
            }
            has_err_child[p] = true;
            steps += 1;
            cur = cx.tree.parent[p];
        }
    }
    let mut is_root = vec![false; cx.spans.len()];
    for &r in &fail_roots {
        is_root[r] = true;
    }
    let under_root = |i: usize| is_root[i] || cx.tree.ancestor(i, |p| is_root[p]).is_some();
    let leaves: Vec<usize> = errors.iter().copied().filter(|&i| !has_err_child[i] && under_root(i)).collect();
    let decisive = leaves.iter().copied().find(|&i| unrecovered(i)).or_else(|| leaves.first().copied()).unwrap_or(fail_roots[0]);
    let agent = cx.owner[decisive].clone().or_else(|| last_turn_before(turns, cx.spans[decisive].end_time_unix_nano));
    let reason = reason_of(&cx.facts[decisive]).or_else(|| fail_roots.iter().find_map(|&r| reason_of(&cx.facts[r])));
    RunOutcome { status: OutcomeStatus::Failure, reason, failing_agent: agent, failing_span: span_ref(decisive) }
}

/// The run's error forest ([`crate::run::forest`]), from the same parent links.
pub(super) fn error_forest(cx: &Ctx, last_healthy: Option<u64>) -> Forest {
    use crate::run::forest::{build, parent_key, End, ErrNode, Leaf, MAX_DEPTH};
    let key = |i: usize| (cx.spans[i].trace_id, cx.spans[i].span_id);
    let nodes: Vec<ErrNode> = (0..cx.spans.len())
        .filter(|&i| cx.facts[i].is_error)
        .map(|i| {
            let mut chain = Vec::new();
            let mut visited = FxSet::default();
            let mut last = i;
            let mut end = None;
            while let Some(p) = cx.tree.parent[last] {
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
            ErrNode { span, counts: crate::run::forest::counts(f.category), chain: (chain, end) }
        })
        .collect();
    build(&nodes, last_healthy)
}
