//! JSON rendering of an [`AgentGraph`] (what `agenttrace.agent_graph()` returns).
use serde_json::{json, Map, Value};

use super::agent::{AgentGraph, GraphEdge, GraphNode, NodeKind};
use crate::ids::to_hex;

/// Nanoseconds as milliseconds, rounded to the microsecond.
pub(crate) fn ms(ns: u64) -> f64 {
    (ns / 1_000) as f64 / 1_000.0
}

pub(crate) fn ms_f(ns: f64) -> f64 {
    (ns / 1_000.0).round() / 1_000.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Unix nanoseconds as RFC 3339 UTC with microseconds (`2025-01-31T12:00:00.123456Z`).
pub fn rfc3339(unix_ns: u64) -> String {
    let secs = unix_ns / 1_000_000_000;
    let micros = (unix_ns % 1_000_000_000) / 1_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant), valid for the whole u64 nanosecond range.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

fn node_json(n: &GraphNode) -> Value {
    json!({
        "id": n.id,
        "kind": n.kind.as_str(),
        "name": n.name,
        "span_count": n.span_count,
        "llm_calls": n.llm_calls,
        "tool_calls": n.tool_calls,
        "input_tokens": n.input_tokens,
        "output_tokens": n.output_tokens,
        "tokens": n.tokens(),
        "errors": n.errors,
        "total_time_ms": ms(n.total_time_ns),
        "self_time_ms": ms(n.self_time_ns),
        "critical_path_ms": ms(n.critical_path_ns),
        "first_seen": n.first_seen_ns.map(rfc3339),
        "last_seen": n.last_seen_ns.map(rfc3339),
        "in_degree": n.in_degree,
        "out_degree": n.out_degree,
        "messages_in": n.messages_in,
        "messages_out": n.messages_out,
        "betweenness": round6(n.betweenness),
        "betweenness_raw": round6(n.betweenness_raw),
        "on_cycle": n.on_cycle,
    })
}

fn edge_json(e: &GraphEdge) -> Value {
    json!({
        "id": e.id,
        "source": e.source,
        "target": e.target,
        "kind": e.kind.as_str(),
        "count": e.count,
        "messages": e.messages,
        "handoffs": e.handoffs,
        "delegations": e.delegations,
        "tool_results": e.tool_results,
        "broadcasts": e.broadcasts,
        "errors": e.errors,
        "first_time": rfc3339(e.first_ns),
        "last_time": rfc3339(e.last_ns),
        "mean_latency_ms": e.mean_latency_ns.map(ms_f),
        "on_cycle": e.on_cycle,
    })
}

impl AgentGraph {
    /// `{"nodes": [...], "edges": [...], "metrics": {...}}`; times are RFC 3339, durations ms.
    pub fn to_json(&self) -> Value {
        let m = &self.metrics;
        let cp = &m.critical_path;
        let dur = cp.duration_ns.max(1) as f64;
        let mut degree = Map::new();
        let mut betweenness = Map::new();
        for n in self.nodes.iter().filter(|n| n.kind == NodeKind::Agent) {
            degree.insert(n.name.clone(), json!({"in": n.in_degree, "out": n.out_degree}));
            betweenness.insert(n.name.clone(), json!(round6(n.betweenness)));
        }
        json!({
            "nodes": self.nodes.iter().map(node_json).collect::<Vec<_>>(),
            "edges": self.edges.iter().map(edge_json).collect::<Vec<_>>(),
            "metrics": {
                "span_count": m.span_count,
                "trace_count": m.trace_count,
                "agent_count": m.agent_count,
                "message_count": m.message_count,
                "error_count": m.error_count,
                "input_tokens": m.input_tokens,
                "output_tokens": m.output_tokens,
                "start_time": (m.span_count > 0).then(|| rfc3339(m.start_ns)),
                "end_time": (m.span_count > 0).then(|| rfc3339(m.end_ns)),
                "duration_ms": ms(m.end_ns.saturating_sub(m.start_ns)),
                "degree": degree,
                "betweenness": betweenness,
                "has_cycles": !m.cycles.is_empty(),
                "cycles": m.cycles.iter().map(|c| json!({
                    "agents": c.agents,
                    "path": c.path,
                    "messages": c.messages,
                    "iterations": c.iterations,
                })).collect::<Vec<_>>(),
                "agents_on_cycles": m.agents_on_cycles,
                "critical_path": {
                    "duration_ms": ms(cp.duration_ns),
                    "span_count": cp.span_count,
                    "dominant_agent": cp.dominant_agent,
                    "dominant_share": round6(cp.dominant_share),
                    "uncovered_ms": ms(cp.uncovered_ns),
                    "by_agent": cp.by_agent.iter().map(|(a, ns)| json!({
                        "agent": a, "ms": ms(*ns), "share": round6(*ns as f64 / dur),
                    })).collect::<Vec<_>>(),
                    "spans": cp.spans.iter().map(|s| json!({
                        "trace_id": to_hex(&s.trace_id),
                        "span_id": to_hex(&s.span_id),
                        "name": s.name,
                        "agent": s.agent,
                        "category": s.category.as_str(),
                        "start_time": rfc3339(s.start_ns),
                        "end_time": rfc3339(s.end_ns),
                        "critical_ms": ms(s.critical_ns),
                    })).collect::<Vec<_>>(),
                },
                "fan_out": m.fan_out.iter().map(|f| json!({
                    "agent": f.agent,
                    "fan_out": f.targets.len(),
                    "targets": f.targets,
                    "messages": f.messages,
                    "delegations": f.delegations,
                })).collect::<Vec<_>>(),
                "max_fan_out": m.max_fan_out,
                "handoff_chain_length": m.handoff_chain_length,
                "handoff_chain": m.handoff_chain,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(946_684_800_000_000_000), "2000-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_709_251_199_123_456_789), "2024-02-29T23:59:59.123456Z");
        assert_eq!(rfc3339(u64::MAX), "2554-07-21T23:34:33.709551Z");
    }
}
