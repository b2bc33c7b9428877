//! The agent graph as Grafana Node Graph panel data frames.
//!
//! Grafana's Node Graph panel reads two frames: nodes (`id`, `title`, `subtitle`, `mainstat`,
//! `secondarystat`, `arc__*` fractions summing to 1, `detail__*` tooltip fields, `highlighted`)
//! and edges (`id`, `source`, `target`, `mainstat`, `secondarystat`, `detail__*`,
//! `highlighted`). These rows map one to one onto the columns of `agenttrace.graph_nodes()` and
//! `agenttrace.graph_edges()`.
use super::agent::{AgentGraph, EdgeKind, GraphNode, NodeKind};
use super::json::{ms, ms_f};

#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub id: String,
    pub title: String,
    pub subtitle: String,
    /// Wall time active (agents, tools) or messages sent (user).
    pub mainstat: String,
    /// Tokens (agents), calls (tools).
    pub secondarystat: String,
    /// Share of the node's spans without / with an error; sums to 1.
    pub arc_ok: f64,
    pub arc_error: f64,
    pub kind: &'static str,
    pub span_count: i64,
    pub llm_calls: i64,
    pub tool_calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub errors: i64,
    pub total_time_ms: f64,
    pub self_time_ms: f64,
    pub critical_path_ms: f64,
    pub in_degree: i64,
    pub out_degree: i64,
    pub betweenness: f64,
    pub on_cycle: bool,
    /// On a loop, or the agent dominating the critical path.
    pub highlighted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeRow {
    pub id: String,
    pub source: String,
    pub target: String,
    /// Count and kind (`3 handoffs`, `2 messages`, `5 calls`).
    pub mainstat: String,
    /// Mean reaction latency (agent edges) or call duration (tool edges).
    pub secondarystat: String,
    pub kind: &'static str,
    pub count: i64,
    pub messages: i64,
    pub handoffs: i64,
    pub delegations: i64,
    pub tool_results: i64,
    pub broadcasts: i64,
    pub errors: i64,
    pub first_ns: u64,
    pub last_ns: u64,
    pub mean_latency_ms: Option<f64>,
    /// Both ends on the same loop.
    pub highlighted: bool,
}

/// `0.42 ms`, `2.91 ms`, `45.3 ms`, `123 ms`, `4.21 s`, `2m 05s`, `1h 02m`.
pub fn human_duration(ns: f64) -> String {
    let ms = ns / 1e6;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1e3)
    } else {
        let s = (ms / 1e3).round() as u64;
        if s < 3_600 {
            format!("{}m {:02}s", s / 60, s % 60)
        } else {
            format!("{}h {:02}m", s / 3_600, (s % 3_600) / 60)
        }
    }
}

/// `950`, `12.3k`, `4.5M`.
pub fn human_count(v: i64) -> String {
    let a = v.unsigned_abs() as f64;
    if a < 1e3 {
        v.to_string()
    } else if a < 1e6 {
        format!("{:.1}k", v as f64 / 1e3)
    } else {
        format!("{:.1}M", v as f64 / 1e6)
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn node_row(g: &AgentGraph, n: &GraphNode) -> NodeRow {
    let dominant = g.metrics.critical_path.dominant_agent.as_deref() == Some(n.name.as_str()) && n.kind == NodeKind::Agent;
    let (subtitle, mainstat, secondarystat) = match n.kind {
        NodeKind::User => ("entry point".to_string(), plural(n.messages_out, "message", "messages"), String::new()),
        NodeKind::Tool => ("tool".to_string(), human_duration(n.total_time_ns as f64), plural(n.tool_calls, "call", "calls")),
        NodeKind::Agent => {
            let mut sub = "agent".to_string();
            if n.on_cycle {
                sub += " · loop";
            }
            if dominant {
                sub += " · critical";
            }
            let second = if n.tokens() > 0 { format!("{} tokens", human_count(n.tokens())) } else { plural(n.span_count, "span", "spans") };
            (sub, human_duration(n.total_time_ns as f64), second)
        }
    };
    let arc_error = if n.span_count > 0 { (n.errors.clamp(0, n.span_count) as f64) / n.span_count as f64 } else { 0.0 };
    NodeRow {
        id: n.id.clone(),
        title: n.name.clone(),
        subtitle,
        mainstat,
        secondarystat,
        arc_ok: 1.0 - arc_error,
        arc_error,
        kind: n.kind.as_str(),
        span_count: n.span_count,
        llm_calls: n.llm_calls,
        tool_calls: n.tool_calls,
        input_tokens: n.input_tokens,
        output_tokens: n.output_tokens,
        errors: n.errors,
        total_time_ms: ms(n.total_time_ns),
        self_time_ms: ms(n.self_time_ns),
        critical_path_ms: ms(n.critical_path_ns),
        in_degree: n.in_degree as i64,
        out_degree: n.out_degree as i64,
        betweenness: (n.betweenness * 1e6).round() / 1e6,
        on_cycle: n.on_cycle,
        highlighted: n.on_cycle || dominant,
    }
}

/// Rows of the nodes frame, in graph order.
pub fn node_rows(g: &AgentGraph) -> Vec<NodeRow> {
    g.nodes.iter().map(|n| node_row(g, n)).collect()
}

/// Rows of the edges frame, in graph order.
pub fn edge_rows(g: &AgentGraph) -> Vec<EdgeRow> {
    g.edges
        .iter()
        .map(|e| {
            let mainstat = match e.kind {
                EdgeKind::Tool => plural(e.count, "call", "calls"),
                _ => {
                    let kinds = [
                        (e.handoffs, "handoff", "handoffs"),
                        (e.delegations, "delegation", "delegations"),
                        (e.messages, "message", "messages"),
                        (e.tool_results, "tool result", "tool results"),
                        (e.broadcasts, "broadcast", "broadcasts"),
                    ];
                    let present: Vec<_> = kinds.iter().filter(|k| k.0 > 0).collect();
                    match present.as_slice() {
                        [(c, one, many)] => plural(*c, one, many),
                        _ => plural(e.count, "message", "messages"),
                    }
                }
            };
            let secondarystat = match (e.kind, e.mean_latency_ns) {
                (EdgeKind::Tool, Some(l)) => format!("avg {}", human_duration(l)),
                (_, Some(l)) => format!("reacts in {}", human_duration(l)),
                (_, None) => String::new(),
            };
            EdgeRow {
                id: e.id.clone(),
                source: e.source.clone(),
                target: e.target.clone(),
                mainstat,
                secondarystat,
                kind: e.kind.as_str(),
                count: e.count,
                messages: e.messages,
                handoffs: e.handoffs,
                delegations: e.delegations,
                tool_results: e.tool_results,
                broadcasts: e.broadcasts,
                errors: e.errors,
                first_ns: e.first_ns,
                last_ns: e.last_ns,
                mean_latency_ms: e.mean_latency_ns.map(ms_f),
                highlighted: e.on_cycle,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_duration(420_000.0), "0.42 ms");
        assert_eq!(human_duration(2_909_000.0), "2.91 ms");
        assert_eq!(human_duration(45_260_000.0), "45.3 ms");
        assert_eq!(human_duration(123_400_000.0), "123 ms");
        assert_eq!(human_duration(4_210_000_000.0), "4.21 s");
        assert_eq!(human_duration(125e9), "2m 05s");
        assert_eq!(human_duration(3_720e9), "1h 02m");
        assert_eq!(human_count(950), "950");
        assert_eq!(human_count(12_345), "12.3k");
    }
}
