//! LangGraph: `langgraph_node` / `langgraph_step` / `langgraph_checkpoint_ns` metadata wherever an
//! instrumentation puts it (OpenInference `metadata` JSON, Traceloop association properties,
//! LangSmith metadata), plus Traceloop's `gen_ai.workflow.*` graph description.
//!
//! Each graph node is treated as an agent: the node's own span becomes an agent invocation and
//! every span inside it (LLM calls, routers, tools) is attributed to the node. For nested graphs
//! (subgraph / supervisor patterns) the outermost node in the checkpoint namespace is the agent.
use serde_json::Value;

use super::ctx::{k, JKey, JRef, Key, Sp};
use super::json::Jv;
use super::{SpanCategory, SpanFacts, Vocabulary};

pub struct LangGraph;

/// Keys under `traceloop.association.properties.` and `langsmith.metadata.`.
struct Prefixed {
    node: &'static Key,
    step: &'static Key,
    checkpoint_ns: &'static Key,
    integration: &'static Key,
}

const PREFIXES: [Prefixed; 2] = [
    Prefixed {
        node: k!("traceloop.association.properties.langgraph_node"),
        step: k!("traceloop.association.properties.langgraph_step"),
        checkpoint_ns: k!("traceloop.association.properties.langgraph_checkpoint_ns"),
        integration: k!("traceloop.association.properties.ls_integration"),
    },
    Prefixed {
        node: k!("langsmith.metadata.langgraph_node"),
        step: k!("langsmith.metadata.langgraph_step"),
        checkpoint_ns: k!("langsmith.metadata.langgraph_checkpoint_ns"),
        integration: k!("langsmith.metadata.ls_integration"),
    },
];

struct Meta {
    node: Option<String>,
    step: Option<i64>,
    checkpoint_ns: Option<String>,
    integration: Option<String>,
}

fn meta(sp: &Sp) -> Meta {
    let mut m = Meta { node: None, step: None, checkpoint_ns: None, integration: None };
    for p in &PREFIXES {
        if m.node.is_none() {
            m.node = sp.string(p.node);
        }
        if m.step.is_none() {
            m.step = sp.int(p.step);
        }
        if m.checkpoint_ns.is_none() {
            m.checkpoint_ns = sp.string(p.checkpoint_ns);
        }
        if m.integration.is_none() {
            m.integration = sp.string(p.integration);
        }
    }
    fn from_md<'v, J: Jv<'v>>(md: J, m: &mut Meta) {
        if !md.is_object() {
            return;
        }
        let g = |name: &str| md.get(name).and_then(J::str_val);
        if m.node.is_none() {
            m.node = g("langgraph_node");
        }
        if m.step.is_none() {
            m.step = md.get("langgraph_step").and_then(J::int);
        }
        if m.checkpoint_ns.is_none() {
            m.checkpoint_ns = g("langgraph_checkpoint_ns");
        }
        if m.integration.is_none() {
            m.integration = g("ls_integration");
        }
    }
    let complete = m.node.is_some() && m.step.is_some() && m.checkpoint_ns.is_some() && m.integration.is_some();
    if !complete {
        match sp.json_any(JKey::Metadata) {
            Some(JRef::V(md)) => from_md(md, &mut m),
            Some(JRef::L(md)) => from_md(md, &mut m),
            None => {}
        }
    }
    m
}

/// `researcher:uuid|agent:uuid` -> `researcher`.
fn outer_node(ns: &str) -> Option<String> {
    let first = ns.split('|').next()?.split(':').next()?.trim();
    (!first.is_empty()).then(|| first.to_string())
}

fn is_pseudo_node(n: &str) -> bool {
    n.starts_with("__") && n.ends_with("__")
}

impl Vocabulary for LangGraph {
    fn name(&self) -> &'static str {
        "langgraph"
    }

    fn detect(&self, sp: &Sp) -> bool {
        sp.has(k!("gen_ai.workflow.nodes"))
            || sp.is(k!("gen_ai.provider.name"), "langgraph")
            || PREFIXES.iter().any(|p| sp.has(p.node) || sp.is(p.integration, "langgraph"))
            || sp.get(JKey::Metadata.key()).and_then(Value::as_str).is_some_and(|m| m.contains("langgraph"))
    }

    fn apply(&self, sp: &Sp, f: &mut SpanFacts) {
        let span = sp.span;
        let m = meta(sp);
        let is_graph = m.node.is_some()
            || m.integration.as_deref() == Some("langgraph")
            || sp.has(k!("gen_ai.workflow.nodes"))
            || sp.is(k!("gen_ai.provider.name"), "langgraph");
        if !is_graph {
            return;
        }
        f.framework = Some("langgraph".into());
        f.graph_step = m.step;
        let inner = m.node.filter(|n| !is_pseudo_node(n));
        let agent = match (&m.checkpoint_ns, &inner) {
            (Some(ns), Some(_)) if ns.contains('|') => outer_node(ns).filter(|n| !is_pseudo_node(n)),
            _ => inner.clone(),
        };
        let Some(agent) = agent else {
            // The graph itself (root run) or a pseudo node: a workflow step, not an agent.
            if matches!(f.category, SpanCategory::Agent | SpanCategory::Other) {
                f.category = SpanCategory::Chain;
            }
            f.agent_name = None;
            f.agent_id = None;
            return;
        };
        f.graph_node = inner.clone();
        f.agent_name = Some(agent.clone());
        let own_names = [
            Some(span.name.as_str()),
            span.name.strip_prefix("execute_task "),
            sp.get(k!("traceloop.entity.name")).and_then(Value::as_str),
            sp.get(k!("gen_ai.task.name")).and_then(Value::as_str),
        ];
        let is_node_span = own_names.iter().flatten().any(|n| Some(*n) == inner.as_deref());
        let is_outer = inner.as_deref() == Some(agent.as_str());
        if is_node_span && matches!(f.category, SpanCategory::Chain | SpanCategory::Other | SpanCategory::Agent) {
            f.category = if is_outer { SpanCategory::Agent } else { SpanCategory::Chain };
        } else if f.category == SpanCategory::Agent {
            // e.g. a Traceloop `invoke_agent` inside a node: the node is the agent.
            f.category = SpanCategory::Chain;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::span;
    use super::super::{span_facts, SpanCategory};
    use serde_json::json;

    #[test]
    fn nodes_from_three_vocabularies() {
        let md = json!("{\"langgraph_node\": \"planner\", \"langgraph_step\": 1}");
        let f = span_facts(&span("planner", &[("openinference.span.kind", json!("CHAIN")), ("metadata", md.clone())]));
        assert_eq!((f.category, f.agent_name.as_deref(), f.graph_step), (SpanCategory::Agent, Some("planner"), Some(1)));
        assert_eq!(f.framework.as_deref(), Some("langgraph"));
        let f = span_facts(&span("planner_llm", &[("openinference.span.kind", json!("LLM")), ("metadata", md)]));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Llm, Some("planner")));
        let f = span_facts(&span(
            "execute_task writer",
            &[("traceloop.span.kind", json!("task")), ("traceloop.association.properties.langgraph_node", json!("writer"))],
        ));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Agent, Some("writer")));
        let f = span_facts(&span(
            "agent",
            &[
                ("langsmith.span.kind", json!("chain")),
                ("langsmith.metadata.langgraph_node", json!("agent")),
                ("langsmith.metadata.langgraph_checkpoint_ns", json!("researcher:1|agent:2")),
            ],
        ));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Chain, Some("researcher")));
        let f = span_facts(&span("g", &[("openinference.span.kind", json!("CHAIN")), ("metadata", json!("{langgraph broken"))]));
        assert_eq!(f.framework, None);
        let f = span_facts(&span(
            "invoke_agent team",
            &[
                ("gen_ai.operation.name", json!("invoke_agent")),
                ("gen_ai.agent.name", json!("team")),
                ("gen_ai.workflow.nodes", json!(["a"])),
            ],
        ));
        assert_eq!((f.category, f.agent_name.as_deref()), (SpanCategory::Chain, None));
    }
}
