//! Tool calls that run outside every agent span: LlamaIndex's `AgentWorkflow` runs the tools an
//! agent step asked for as workflow steps of their own, beside the agent steps, under the
//! workflow's root. Such a tool call works for the agent whose model call requested it: the
//! latest model call before it that requested a tool of that name.
use crate::model::SpanRecord;

use crate::normalize::{SpanCategory, SpanFacts};

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

#[cfg(test)]
mod tests {
    use super::super::analyze_run;
    use crate::normalize::test_util::{at, span};
    use serde_json::json;

    fn step(agent: &str) -> crate::model::SpanRecord {
        span("step", &[("gen_ai.operation.name", json!("invoke_agent")), ("gen_ai.agent.name", json!(agent))])
    }
    fn chat(tool: &str) -> crate::model::SpanRecord {
        let out = format!(r#"[{{"role":"assistant","parts":[{{"type":"tool_call","id":"c","name":"{tool}","arguments":{{}}}}]}}]"#);
        span("chat", &[("gen_ai.operation.name", json!("chat")), ("gen_ai.output.messages", json!(out))])
    }
    fn tool(name: &str) -> crate::model::SpanRecord {
        span(name, &[("gen_ai.operation.name", json!("execute_tool")), ("gen_ai.tool.name", json!(name))])
    }

    #[test]
    fn a_tool_outside_the_agents_works_for_the_agent_whose_model_requested_it() {
        let spans = vec![
            at(span("workflow", &[]), 1, None, 0, 100),
            at(step("a"), 2, Some(1), 1, 10),
            at(chat("lookup"), 3, Some(2), 2, 9),
            at(step("b"), 4, Some(1), 11, 20),
            at(chat("write"), 5, Some(4), 12, 19),
            at(tool("lookup"), 6, Some(1), 21, 22),
            at(tool("write"), 7, Some(1), 23, 24),
            // Its parent is not in the run: it may still get an agent from it.
            at(tool("lookup"), 8, Some(99), 25, 26),
        ];
        let a = analyze_run(&spans);
        let by: Vec<(u8, Option<&str>)> = a.tool_calls.iter().map(|t| (t.span_id[7], t.agent_name.as_deref())).collect();
        assert_eq!(by, [(6, Some("a")), (7, Some("b")), (8, None)]);
        assert!(a.sketch.blocked, "incremental ingest leaves such runs whole");
    }
}
