//! Agent graph + metrics for a generated run (default 10,000 spans, 50 agents); prints timings.
//!
//! `cargo run --release -p agenttrace-bench --bin graph_bench [-- <spans> <agents> <iterations>]`
//!
//! The run: one workflow root per trace (4 linked traces), agent turns in sequence, each with
//! model and tool calls, one in five turns delegating to a sub-agent, handoffs between turns
//! that loop back (revise cycles). Numbers only, no assertions (target: < 100 ms).
use std::time::{Duration, Instant};

use agenttrace_core::graph::grafana::{edge_rows, node_rows};
use agenttrace_core::graph::{agent_graph, span_tree, GraphOptions, GraphSpan, SpanTree};
use agenttrace_core::normalize::{AgentMessage, MessageKind, SpanCategory};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn generate(n_spans: usize, n_agents: usize) -> (Vec<GraphSpan>, Vec<AgentMessage>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let traces = 4usize;
    let mut spans: Vec<GraphSpan> = Vec::with_capacity(n_spans);
    let mut messages = Vec::new();
    let ms = 1_000_000u64;
    let mut t = 1_700_000_000_000_000_000u64;
    let mut next_id = 1u64;
    let mut id = || {
        next_id += 1;
        next_id.to_be_bytes()
    };
    let per_trace = n_spans / traces;
    let mut prev_agent: Option<usize> = None;
    let mut seq = 0i32;
    for tr in 0..traces {
        let trace_id = [tr as u8 + 1; 16];
        let root = spans.len();
        spans.push(GraphSpan {
            trace_id,
            span_id: id(),
            name: "workflow".into(),
            start_ns: t,
            end_ns: t,
            category: SpanCategory::Chain,
            ..Default::default()
        });
        let limit = root + per_trace;
        while spans.len() + 8 < limit.min(n_spans) {
            // Next agent: mostly a fresh one, sometimes back to an earlier one (revise loop).
            let agent = match prev_agent {
                Some(p) if rng.below(4) == 0 => rng.below(p as u64 + 1) as usize,
                Some(p) => (p + 1 + rng.below(3) as usize) % n_agents,
                None => 0,
            };
            let name = format!("agent{agent:02}");
            let turn_start = t + rng.below(2 * ms);
            let turn = spans.len();
            spans.push(GraphSpan {
                trace_id,
                span_id: id(),
                parent_span_id: Some(spans[root].span_id),
                name: format!("invoke_agent {name}"),
                start_ns: turn_start,
                end_ns: turn_start,
                agent_name: Some(name.clone()),
                category: SpanCategory::Agent,
                ..Default::default()
            });
            messages.push(AgentMessage {
                seq,
                trace_id,
                span_id: spans[turn].span_id,
                time_ns: turn_start.saturating_sub(1),
                from_agent: prev_agent.map(|p| format!("agent{p:02}")),
                to_agent: name.clone(),
                kind: if prev_agent.is_some() { MessageKind::Handoff } else { MessageKind::Message },
                content: None,
            });
            seq += 1;
            let mut cursor = turn_start + ms / 10;
            let steps = 2 + rng.below(5);
            for _ in 0..steps {
                let dur = ms * (1 + rng.below(400));
                let is_tool = rng.below(3) == 0;
                spans.push(GraphSpan {
                    trace_id,
                    span_id: id(),
                    parent_span_id: Some(spans[turn].span_id),
                    name: if is_tool { "execute_tool search".into() } else { "chat gpt-4o".into() },
                    start_ns: cursor,
                    end_ns: cursor + dur,
                    category: if is_tool { SpanCategory::Tool } else { SpanCategory::Llm },
                    tool_name: is_tool.then(|| format!("tool{}", rng.below(12))),
                    input_tokens: if is_tool { 0 } else { 200 + rng.below(2000) as i64 },
                    output_tokens: if is_tool { 0 } else { 20 + rng.below(500) as i64 },
                    is_error: rng.below(50) == 0,
                    ..Default::default()
                });
                cursor += dur + rng.below(ms);
            }
            if rng.below(5) == 0 {
                // Delegation to a sub-agent, with its own model call.
                let sub = (agent + 1 + rng.below(n_agents as u64 - 1) as usize) % n_agents;
                let sub_name = format!("agent{sub:02}");
                let sub_span = spans.len();
                let dur = ms * (5 + rng.below(300));
                spans.push(GraphSpan {
                    trace_id,
                    span_id: id(),
                    parent_span_id: Some(spans[turn].span_id),
                    name: format!("invoke_agent {sub_name}"),
                    start_ns: cursor,
                    end_ns: cursor + dur,
                    agent_name: Some(sub_name.clone()),
                    category: SpanCategory::Agent,
                    ..Default::default()
                });
                spans.push(GraphSpan {
                    trace_id,
                    span_id: id(),
                    parent_span_id: Some(spans[sub_span].span_id),
                    name: "chat gpt-4o-mini".into(),
                    start_ns: cursor + ms,
                    end_ns: cursor + dur - ms,
                    category: SpanCategory::Llm,
                    input_tokens: 300,
                    output_tokens: 80,
                    ..Default::default()
                });
                messages.push(AgentMessage {
                    seq,
                    trace_id,
                    span_id: spans[sub_span].span_id,
                    time_ns: cursor,
                    from_agent: Some(name.clone()),
                    to_agent: sub_name,
                    kind: MessageKind::Delegation,
                    content: None,
                });
                seq += 1;
                cursor += dur;
            }
            spans[turn].end_ns = cursor + ms / 10;
            t = spans[turn].end_ns;
            prev_agent = Some(agent);
        }
        spans[root].end_ns = t + ms;
        t += 20 * ms; // queue between linked traces
    }
    // Fill up to exactly n_spans with small guardrail checks under the first root.
    while spans.len() < n_spans {
        let s = spans[0].start_ns + spans.len() as u64;
        spans.push(GraphSpan {
            trace_id: spans[0].trace_id,
            span_id: id(),
            parent_span_id: Some(spans[0].span_id),
            name: "guardrail".into(),
            start_ns: s,
            end_ns: s + 1_000,
            category: SpanCategory::Guardrail,
            ..Default::default()
        });
    }
    (spans, messages)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n_spans = args.first().copied().unwrap_or(10_000);
    let n_agents = args.get(1).copied().unwrap_or(50).max(2);
    let iterations = args.get(2).copied().unwrap_or(20).max(1);

    let t = Instant::now();
    let (spans, messages) = generate(n_spans, n_agents);
    let gen = t.elapsed();

    let (mut tree_t, mut graph_t, mut graph_tools_t, mut json_t, mut frames_t, mut rows_t) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..iterations {
        let t = Instant::now();
        let tree = SpanTree::build(&spans);
        tree_t.push(t.elapsed());
        std::hint::black_box(&tree);

        let t = Instant::now();
        let g = agent_graph(&spans, &messages, &GraphOptions::default());
        graph_t.push(t.elapsed());

        let t = Instant::now();
        let gt = agent_graph(&spans, &messages, &GraphOptions { include_tools: true });
        graph_tools_t.push(t.elapsed());

        let t = Instant::now();
        let j = gt.to_json().to_string();
        json_t.push(t.elapsed());
        std::hint::black_box(&j);

        let t = Instant::now();
        let f = (node_rows(&gt), edge_rows(&gt));
        frames_t.push(t.elapsed());
        std::hint::black_box(&f);

        let t = Instant::now();
        let r = span_tree(&spans);
        rows_t.push(t.elapsed());
        std::hint::black_box(&r);
        last = Some((g, j.len()));
    }
    let Some((g, json_bytes)) = last else { return };
    let m = &g.metrics;
    println!(
        "graph_bench: {} spans, {} agents, {} messages, {} traces, {iterations} iterations (median)",
        spans.len(),
        m.agent_count,
        messages.len(),
        m.trace_count
    );
    println!("  generate input                        {:>9.3} ms", ms(gen));
    println!("  span tree + critical path             {:>9.3} ms", ms(median(tree_t)));
    println!("  agent_graph (graph + all metrics)     {:>9.3} ms", ms(median(graph_t)));
    println!("  agent_graph, include_tools            {:>9.3} ms", ms(median(graph_tools_t)));
    println!("  to_json + serialize ({json_bytes} bytes)     {:>9.3} ms", ms(median(json_t)));
    println!("  Grafana node/edge frames              {:>9.3} ms", ms(median(frames_t)));
    println!("  span_tree rows                        {:>9.3} ms", ms(median(rows_t)));
    println!(
        "  result: {} nodes, {} edges, {} cycle(s) over {} agents, critical path {:.1} ms ({} spans, dominant {:?} {:.1}%), max fan-out {}, longest handoff chain {}",
        g.nodes.len(),
        g.edges.len(),
        m.cycles.len(),
        m.agents_on_cycles.len(),
        m.critical_path.duration_ns as f64 / 1e6,
        m.critical_path.span_count,
        m.critical_path.dominant_agent.as_deref().unwrap_or("-"),
        m.critical_path.dominant_share * 100.0,
        m.max_fan_out,
        m.handoff_chain_length
    );
}
