//! Tool calls that run outside every agent span: LlamaIndex's `AgentWorkflow` runs the tools an
//! agent step asked for as workflow steps of their own, beside the agent steps, under the
//! workflow's root. Such a tool call works for the agent whose model call requested it: the
//! latest model call before it that requested a tool of that name.
use crate::model::SpanRecord;

use super::{SpanCategory, SpanFacts};

/// Whether span `i`, without an agent, has none above it up to the root of its trace (its
/// ancestors are all in the run, the topmost a root span): nothing that arrives later can give it
/// one through its parents.
pub(crate) fn outside_agents(spans: &[SpanRecord], parent: &[Option<usize>], owner: &[Option<String>], i: usize) -> bool {
    if owner[i].is_some() {
        return false;
    }
    let mut cur = i;
    for _ in 0..=spans.len() {
        match parent[cur] {
            Some(p) => cur = p,
            None => return spans[cur].parent_span_id.is_none(),
        }
    }
    false
}

/// Gives each tool span outside every agent span ([`outside_agents`]) the agent whose model call
/// requested it (the latest model call, in time order, whose output requested a tool of that
/// name). Returns whether the run has such tool spans at all (incremental ingest leaves those runs
/// to whole-run analysis: a request or a root may arrive in any later batch).
pub(crate) fn owners_of_outside_tools(
    spans: &[SpanRecord],
    facts: &[SpanFacts],
    parent: &[Option<usize>],
    owner: &mut [Option<String>],
    order: &[usize],
) -> bool {
    let outside: Vec<usize> =
        order.iter().copied().filter(|&i| facts[i].category == SpanCategory::Tool && outside_agents(spans, parent, owner, i)).collect();
    if outside.is_empty() {
        return false;
    }
    let mut requested: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut next = outside.iter().peekable();
    for &i in order {
        if next.peek().is_some_and(|&&t| t == i) {
            next.next();
            if let Some(agent) = facts[i].tool_name.as_deref().and_then(|t| requested.get(t)) {
                found.push((i, agent.to_string()));
            }
            continue;
        }
        let f = &facts[i];
        let Some(agent) = owner[i].as_deref().filter(|_| f.category == SpanCategory::Llm) else { continue };
        for tc in f.output_messages.iter().flat_map(|m| &m.tool_calls) {
            requested.insert(tc.name.as_str(), agent);
        }
    }
    for (i, agent) in found {
        owner[i] = Some(agent);
    }
    true
}
