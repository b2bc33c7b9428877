//! Property tests of the graph algorithms on random (and hostile) input.

// In a `graph` module so `cargo test graph` selects these tests.
mod graph {
    use std::collections::{BTreeSet, VecDeque};

    use agenttrace_core::graph::grafana::{edge_rows, node_rows};
    use agenttrace_core::graph::metrics::{adjacency, betweenness, cycle_through, cyclic_components, normalize_betweenness};
    use agenttrace_core::graph::{agent_graph, span_tree, GraphOptions, GraphSpan, SpanTree};
    use agenttrace_core::normalize::{AgentMessage, MessageKind, SpanCategory};
    use proptest::prelude::*;

    fn digraph() -> impl Strategy<Value = (usize, Vec<(usize, usize)>)> {
        (1usize..9).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, 0..n), 0..(n * n + 1))))
    }

    /// BFS distances from s (usize::MAX = unreachable) and shortest-path counts.
    fn bfs(adj: &[Vec<usize>], s: usize) -> (Vec<usize>, Vec<f64>) {
        let n = adj.len();
        let mut d = vec![usize::MAX; n];
        let mut sigma = vec![0.0; n];
        d[s] = 0;
        sigma[s] = 1.0;
        let mut q = VecDeque::from([s]);
        while let Some(v) = q.pop_front() {
            for &w in &adj[v] {
                if d[w] == usize::MAX {
                    d[w] = d[v] + 1;
                    q.push_back(w);
                }
                if d[w] == d[v] + 1 {
                    sigma[w] += sigma[v];
                }
            }
        }
        (d, sigma)
    }

    /// Betweenness from the definition: sum over s != v != t of sigma_sv * sigma_vt / sigma_st
    /// for v on a shortest s-t path.
    fn naive_betweenness(n: usize, edges: &[(usize, usize)]) -> Vec<f64> {
        let adj = adjacency(n, edges);
        let all: Vec<(Vec<usize>, Vec<f64>)> = (0..n).map(|s| bfs(&adj, s)).collect();
        let mut b = vec![0.0; n];
        for s in 0..n {
            for t in 0..n {
                if s == t || all[s].0[t] == usize::MAX {
                    continue;
                }
                for v in 0..n {
                    if v == s || v == t || all[s].0[v] == usize::MAX || all[v].0[t] == usize::MAX {
                        continue;
                    }
                    if all[s].0[v] + all[v].0[t] == all[s].0[t] {
                        b[v] += all[s].1[v] * all[v].1[t] / all[s].1[t];
                    }
                }
            }
        }
        b
    }

    fn reaches(adj: &[Vec<usize>], from: usize, to: usize) -> bool {
        // Path of length >= 1.
        let mut seen = vec![false; adj.len()];
        let mut stack: Vec<usize> = adj[from].clone();
        while let Some(v) = stack.pop() {
            if v == to {
                return true;
            }
            if !std::mem::replace(&mut seen[v], true) {
                stack.extend(&adj[v]);
            }
        }
        false
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn betweenness_matches_definition((n, edges) in digraph()) {
            let fast = betweenness(n, &edges);
            let slow = naive_betweenness(n, &edges);
            for v in 0..n {
                prop_assert!((fast[v] - slow[v]).abs() < 1e-9, "node {}: {} vs {}", v, fast[v], slow[v]);
            }
        }

        #[test]
        fn betweenness_invariants((n, edges) in digraph()) {
            let raw = betweenness(n, &edges);
            let adj = adjacency(n, &edges);
            // Each reachable ordered pair contributes (distance - 1) interior nodes in total.
            let mut expect = 0.0;
            for s in 0..n {
                let (d, _) = bfs(&adj, s);
                for (t, dt) in d.iter().enumerate() {
                    if t != s && *dt != usize::MAX {
                        expect += (*dt - 1) as f64;
                    }
                }
            }
            let sum: f64 = raw.iter().sum();
            prop_assert!((sum - expect).abs() < 1e-6, "{} vs {}", sum, expect);
            let norm = normalize_betweenness(&raw);
            for v in 0..n {
                prop_assert!(raw[v] >= 0.0);
                prop_assert!((0.0..=1.0).contains(&norm[v]));
                let has_in = edges.iter().any(|&(a, b)| b == v && a != v);
                let has_out = edges.iter().any(|&(a, b)| a == v && b != v);
                if !has_in || !has_out {
                    prop_assert_eq!(raw[v], 0.0);
                }
            }
        }

        #[test]
        fn cycles_match_reachability((n, edges) in digraph()) {
            let adj = adjacency(n, &edges);
            let comps = cyclic_components(n, &edges);
            let on: BTreeSet<usize> = comps.iter().flatten().copied().collect();
            let naive: BTreeSet<usize> = (0..n).filter(|&v| reaches(&adj, v, v)).collect();
            prop_assert_eq!(&on, &naive);
            for c in &comps {
                for &a in c {
                    for &b in c {
                        prop_assert!(a == b || (reaches(&adj, a, b) && reaches(&adj, b, a)));
                    }
                }
                // A concrete loop through every member exists and uses real edges inside the component.
                for &s in c {
                    let p = cycle_through(&adj, c, s).expect("a member of a cyclic component is on a cycle");
                    prop_assert!(p.len() >= 2 && p[0] == s && p[p.len() - 1] == s);
                    for w in p.windows(2) {
                        prop_assert!(adj[w[0]].contains(&w[1]));
                        prop_assert!(c.contains(&w[1]));
                    }
                }
            }
            // Distinct components are disjoint.
            prop_assert_eq!(on.len(), comps.iter().map(Vec::len).sum::<usize>());
        }
    }

    /// Random spans: parents anywhere (or missing / self / cyclic), times anywhere (end < start too),
    /// two traces, a handful of agents.
    fn spans_strategy(max: usize) -> impl Strategy<Value = Vec<GraphSpan>> {
        prop::collection::vec(
            (
                0u8..2,
                prop::option::of(0u16..(max as u16 + 4)),
                0u64..1_000,
                0u64..1_000,
                prop::option::of(0u8..5),
                0u8..9,
                any::<bool>(),
                0i64..100,
            ),
            0..max,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (tr, parent, start, len_or_end, agent, cat, err, tok))| {
                    let cats = [
                        SpanCategory::Agent,
                        SpanCategory::Llm,
                        SpanCategory::Tool,
                        SpanCategory::Handoff,
                        SpanCategory::Chain,
                        SpanCategory::Guardrail,
                        SpanCategory::Retrieval,
                        SpanCategory::Messaging,
                        SpanCategory::Other,
                    ];
                    GraphSpan {
                        trace_id: [tr; 16],
                        span_id: (i as u64).to_be_bytes(),
                        parent_span_id: parent.map(|p| (p as u64).to_be_bytes()),
                        name: format!("s{i}"),
                        start_ns: start,
                        // Mostly well-formed, sometimes ending before the start.
                        end_ns: if len_or_end % 7 == 0 { start / 2 } else { start + len_or_end },
                        agent_name: agent.map(|a| format!("a{a}")),
                        category: cats[cat as usize],
                        tool_name: (cat == 2).then(|| format!("t{}", tok % 3)),
                        input_tokens: tok,
                        output_tokens: -tok,
                        is_error: err,
                    }
                })
                .collect()
        })
    }

    fn messages_strategy() -> impl Strategy<Value = Vec<AgentMessage>> {
        prop::collection::vec((prop::option::of(0u8..6), 0u8..6, 0u64..1_200, 0u8..5), 0..30).prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(k, (from, to, t, kind))| AgentMessage {
                    seq: k as i32,
                    trace_id: [0; 16],
                    span_id: [0; 8],
                    time_ns: t,
                    from_agent: from.map(|f| format!("a{f}")),
                    to_agent: format!("a{to}"),
                    kind: [
                        MessageKind::Handoff,
                        MessageKind::Delegation,
                        MessageKind::Message,
                        MessageKind::ToolResult,
                        MessageKind::Broadcast,
                    ][kind as usize],
                    content: None,
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn span_tree_invariants(spans in spans_strategy(60)) {
            let t = SpanTree::build(&spans);
            let n = spans.len();
            // Pre-order is a permutation, parents come first, depth follows parents.
            let mut pos = vec![usize::MAX; n];
            for (k, &i) in t.preorder.iter().enumerate() {
                prop_assert_eq!(pos[i], usize::MAX);
                pos[i] = k;
            }
            prop_assert!(pos.iter().all(|&p| p != usize::MAX));
            for i in 0..n {
                match t.parent[i] {
                    Some(p) => {
                        prop_assert!(pos[p] < pos[i]);
                        prop_assert_eq!(t.depth[i], t.depth[p] + 1);
                        prop_assert_eq!(spans[p].trace_id, spans[i].trace_id);
                    }
                    None => prop_assert_eq!(t.depth[i], 0),
                }
                prop_assert!(t.self_ns[i] <= spans[i].end_ns.max(spans[i].start_ns) - spans[i].start_ns);
            }
            // Critical path: contiguous segments covering the run, so as long as any span.
            let mut at = t.run_start_ns;
            for s in &t.segments {
                prop_assert_eq!(s.start_ns, at);
                prop_assert!(s.end_ns > s.start_ns);
                at = s.end_ns;
                if let Some(i) = s.span {
                    prop_assert!(t.on_critical_path[i]);
                }
            }
            if n > 0 {
                prop_assert_eq!(at, t.run_end_ns);
            }
            let total = t.critical_path_ns();
            prop_assert_eq!(total, t.run_end_ns - t.run_start_ns);
            for s in &spans {
                prop_assert!(total >= s.end_ns.max(s.start_ns) - s.start_ns);
            }
            // A valid chain: the path only descends from the run through parents already on it.
            for i in 0..n {
                if t.on_critical_path[i] {
                    if let Some(p) = t.parent[i] {
                        prop_assert!(t.on_critical_path[p], "span {} on the path, parent {} not", i, p);
                    }
                }
            }
            let crit_sum: u64 = t.critical_ns.iter().sum::<u64>() + t.segments.iter().filter(|s| s.span.is_none()).map(|s| s.len_ns()).sum::<u64>();
            prop_assert_eq!(crit_sum, total);
            prop_assert_eq!(span_tree(&spans).len(), n);
        }

        #[test]
        fn agent_graph_never_panics(spans in spans_strategy(60), messages in messages_strategy(), tools in any::<bool>()) {
            let g = agent_graph(&spans, &messages, &GraphOptions { include_tools: tools });
            let nodes = node_rows(&g);
            for n in &nodes {
                prop_assert!((n.arc_ok + n.arc_error - 1.0).abs() < 1e-9);
                prop_assert!((0.0..=1.0).contains(&n.betweenness));
            }
            let ids: BTreeSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
            prop_assert_eq!(ids.len(), nodes.len(), "node ids are unique");
            let mut edge_ids = BTreeSet::new();
            for e in edge_rows(&g) {
                prop_assert!(ids.contains(e.source.as_str()) && ids.contains(e.target.as_str()));
                prop_assert!(edge_ids.insert(e.id.clone()), "edge ids are unique");
            }
            let m = &g.metrics;
            prop_assert!(m.critical_path.dominant_share >= 0.0 && m.critical_path.dominant_share <= 1.0 + 1e-12);
            for c in &m.cycles {
                prop_assert_eq!(c.path.first(), c.path.last());
            }
            let json = g.to_json();
            prop_assert!(json["nodes"].is_array() && json["edges"].is_array() && json["metrics"].is_object());
        }
    }
}
