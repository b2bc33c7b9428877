//! Agent graphs and span trees of hand-built runs with known answers.

// In a `graph` module so `cargo test graph` selects these tests.
mod graph {
    use agenttrace_core::graph::grafana::{edge_rows, node_rows};
    use agenttrace_core::graph::{agent_graph, span_tree, GraphOptions, GraphSpan, NodeKind, Segment, SpanTree};
    use agenttrace_core::ids::{SpanId, TraceId};
    use agenttrace_core::normalize::{AgentMessage, MessageKind, SpanCategory};

    const T1: TraceId = [1; 16];
    const T2: TraceId = [2; 16];

    fn sid(n: u16) -> SpanId {
        let mut s = [0u8; 8];
        s[6..].copy_from_slice(&n.to_be_bytes());
        s
    }

    fn span(id: u16, parent: Option<u16>, start: u64, end: u64, cat: SpanCategory, agent: Option<&str>) -> GraphSpan {
        GraphSpan {
            trace_id: T1,
            span_id: sid(id),
            parent_span_id: parent.map(sid),
            name: format!("s{id}"),
            start_ns: start,
            end_ns: end,
            agent_name: agent.map(str::to_string),
            category: cat,
            ..Default::default()
        }
    }

    fn llm(id: u16, parent: u16, start: u64, end: u64, inp: i64, out: i64) -> GraphSpan {
        GraphSpan { input_tokens: inp, output_tokens: out, ..span(id, Some(parent), start, end, SpanCategory::Llm, None) }
    }

    fn tool(id: u16, parent: u16, start: u64, end: u64, name: &str, err: bool) -> GraphSpan {
        GraphSpan { tool_name: Some(name.into()), is_error: err, ..span(id, Some(parent), start, end, SpanCategory::Tool, None) }
    }

    fn msg(seq: i32, t: u64, from: Option<&str>, to: &str, kind: MessageKind) -> AgentMessage {
        AgentMessage {
            seq,
            trace_id: T1,
            span_id: sid(0),
            time_ns: t,
            from_agent: from.map(str::to_string),
            to_agent: to.into(),
            kind,
            content: None,
        }
    }

    /// planner -> researcher -> writer under one workflow root.
    fn pipeline() -> (Vec<GraphSpan>, Vec<AgentMessage>) {
        let spans = vec![
            span(1, None, 0, 100, SpanCategory::Chain, None),
            span(2, Some(1), 1, 20, SpanCategory::Agent, Some("planner")),
            llm(3, 2, 2, 10, 10, 2),
            span(4, Some(1), 21, 60, SpanCategory::Agent, Some("researcher")),
            tool(5, 4, 22, 30, "search", true),
            llm(6, 4, 31, 50, 20, 5),
            span(7, Some(1), 61, 95, SpanCategory::Agent, Some("writer")),
            llm(8, 7, 62, 90, 30, 7),
        ];
        let messages = vec![
            msg(0, 0, None, "planner", MessageKind::Message),
            msg(1, 20, Some("planner"), "researcher", MessageKind::Handoff),
            msg(2, 60, Some("researcher"), "writer", MessageKind::Handoff),
        ];
        (spans, messages)
    }

    #[test]
    fn pipeline_nodes_and_edges() {
        let (spans, messages) = pipeline();
        let g = agent_graph(&spans, &messages, &GraphOptions::default());
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["user", "agent:planner", "agent:researcher", "agent:writer"]);
        let edges: Vec<&str> = g.edges.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(edges, ["user->agent:planner", "agent:planner->agent:researcher", "agent:researcher->agent:writer"]);

        let r = g.agent("researcher").unwrap();
        assert_eq!((r.span_count, r.llm_calls, r.tool_calls, r.input_tokens, r.output_tokens, r.errors), (3, 1, 1, 20, 5, 1));
        assert_eq!(r.total_time_ns, 39);
        assert_eq!(r.self_time_ns, 39, "no sub-agent: self time is all of it");
        assert_eq!((r.in_degree, r.out_degree, r.messages_in, r.messages_out), (1, 1, 1, 1));
        // The only agent between two others on a path.
        assert!((r.betweenness - 1.0 / 2.0).abs() < 1e-12, "{}", r.betweenness);
        assert_eq!(g.agent("planner").unwrap().betweenness, 0.0);

        let e = g.edge("agent:planner", "agent:researcher").unwrap();
        assert_eq!((e.count, e.handoffs, e.messages, e.first_ns, e.last_ns), (1, 1, 0, 20, 20));
        assert_eq!(e.mean_latency_ns, Some(1.0), "researcher starts 1 ns after the handoff");
        assert!(!e.on_cycle);
        assert!(g.metrics.cycles.is_empty());
        assert_eq!(g.metrics.handoff_chain_length, 2);
        assert_eq!(g.metrics.handoff_chain, ["planner", "researcher", "writer"]);
        assert_eq!(g.metrics.max_fan_out, 1);
        assert_eq!(g.metrics.agent_count, 3);
        assert_eq!((g.metrics.input_tokens, g.metrics.output_tokens, g.metrics.error_count), (60, 14, 1));

        // Sequential agents: all of each is critical; researcher's 39 ns is the largest share.
        let cp = &g.metrics.critical_path;
        assert_eq!(cp.duration_ns, 100);
        assert_eq!(cp.dominant_agent.as_deref(), Some("researcher"));
        assert!((cp.dominant_share - 0.39).abs() < 1e-12);
        assert_eq!(cp.by_agent, vec![("researcher".to_string(), 39), ("writer".to_string(), 34), ("planner".to_string(), 19)]);

        let json = g.to_json();
        assert_eq!(json["nodes"][2]["name"], "researcher");
        assert_eq!(json["edges"][1]["handoffs"], 1);
        assert_eq!(json["metrics"]["critical_path"]["dominant_agent"], "researcher");
        assert_eq!(json["metrics"]["has_cycles"], false);
    }

    #[test]
    fn grafana_frames() {
        let (spans, messages) = pipeline();
        let g = agent_graph(&spans, &messages, &GraphOptions { include_tools: true });
        let nodes = node_rows(&g);
        let edges = edge_rows(&g);
        assert!(nodes.iter().any(|n| n.id == "tool:search" && n.kind == "tool" && n.errors == 1 && n.arc_error == 1.0));
        for n in &nodes {
            assert!((n.arc_ok + n.arc_error - 1.0).abs() < 1e-12);
        }
        for e in &edges {
            assert!(nodes.iter().any(|n| n.id == e.source), "{}", e.source);
            assert!(nodes.iter().any(|n| n.id == e.target), "{}", e.target);
        }
        let r = nodes.iter().find(|n| n.id == "agent:researcher").unwrap();
        assert!((r.arc_error - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.subtitle, "agent · critical");
        assert!(r.highlighted);
        let w = nodes.iter().find(|n| n.id == "agent:writer").unwrap();
        assert!(!w.highlighted && w.subtitle == "agent");
        assert_eq!(w.mainstat, "0.00 ms");
        assert_eq!(w.secondarystat, "37 tokens");
        let t = edges.iter().find(|e| e.id == "agent:researcher->tool:search").unwrap();
        assert_eq!((t.kind, t.count, t.errors, t.mainstat.as_str()), ("tool", 1, 1, "1 call"));
        assert_eq!(t.mean_latency_ms, Some(0.0)); // 8 ns
        let h = edges.iter().find(|e| e.id == "agent:planner->agent:researcher").unwrap();
        assert_eq!(h.mainstat, "1 handoff");
    }

    #[test]
    fn revise_loop_is_a_cycle() {
        // writer -> planner -> researcher -> writer, twice round.
        let mut spans = vec![span(1, None, 0, 1000, SpanCategory::Chain, None)];
        let order = ["planner", "researcher", "writer", "planner", "researcher", "writer"];
        for (k, a) in order.iter().enumerate() {
            let k = k as u16;
            spans.push(span(10 + k, Some(1), 100 * k as u64 + 1, 100 * k as u64 + 90, SpanCategory::Agent, Some(a)));
            spans.push(llm(20 + k, 10 + k, 100 * k as u64 + 2, 100 * k as u64 + 80, 5, 5));
        }
        let mut messages = vec![msg(0, 0, None, "planner", MessageKind::Message)];
        for k in 1..order.len() {
            messages.push(msg(k as i32, 100 * k as u64 + 1, Some(order[k - 1]), order[k], MessageKind::Handoff));
        }
        let g = agent_graph(&spans, &messages, &GraphOptions::default());
        assert_eq!(g.metrics.cycles.len(), 1);
        let c = &g.metrics.cycles[0];
        assert_eq!(c.path, ["planner", "researcher", "writer", "planner"]);
        assert_eq!(c.agents, ["planner", "researcher", "writer"]);
        assert_eq!(c.iterations, 1);
        assert_eq!(c.messages, 5);
        assert_eq!(g.metrics.agents_on_cycles, ["planner", "researcher", "writer"]);
        assert!(g.nodes.iter().filter(|n| n.kind == NodeKind::Agent).all(|n| n.on_cycle));
        assert!(g.edges.iter().filter(|e| e.source != "user").all(|e| e.on_cycle));
        assert!(!g.edge("user", "agent:planner").unwrap().on_cycle);
        assert_eq!(g.metrics.handoff_chain_length, 5);
        // A 3-cycle: every agent lies on exactly one of the 6 ordered-pair shortest paths' interiors... twice.
        for n in g.nodes.iter().filter(|n| n.kind == NodeKind::Agent) {
            assert!((n.betweenness_raw - 1.0).abs() < 1e-12, "{} {}", n.name, n.betweenness_raw);
        }
        assert_eq!(g.to_json()["metrics"]["cycles"][0]["path"][3], "planner");
    }

    #[test]
    fn self_messages_and_fan_out() {
        let spans = vec![
            span(1, None, 0, 100, SpanCategory::Agent, Some("boss")),
            span(2, Some(1), 10, 20, SpanCategory::Agent, Some("a")),
            span(3, Some(1), 15, 40, SpanCategory::Agent, Some("b")),
            span(4, Some(1), 30, 50, SpanCategory::Agent, Some("c")),
        ];
        let messages = vec![
            msg(0, 0, None, "boss", MessageKind::Message),
            msg(1, 10, Some("boss"), "a", MessageKind::Delegation),
            msg(2, 15, Some("boss"), "b", MessageKind::Delegation),
            msg(3, 30, Some("boss"), "c", MessageKind::Delegation),
            msg(4, 60, Some("boss"), "boss", MessageKind::Message),
        ];
        let g = agent_graph(&spans, &messages, &GraphOptions::default());
        assert_eq!(g.metrics.max_fan_out, 3);
        assert_eq!(g.metrics.fan_out.len(), 1);
        assert_eq!(g.metrics.fan_out[0].agent, "boss");
        assert_eq!(g.metrics.fan_out[0].targets, ["a", "b", "c"]);
        assert_eq!(g.metrics.fan_out[0].delegations, 3);
        assert_eq!(g.metrics.cycles.len(), 1, "a self-loop is a loop");
        assert_eq!(g.metrics.cycles[0].path, ["boss", "boss"]);
        assert_eq!(g.metrics.handoff_chain_length, 0, "delegations are not handoffs");
        let boss = g.agent("boss").unwrap();
        assert_eq!(boss.total_time_ns, 100);
        // Self time excludes the sub-agents' (overlapping) time: 100 - |[10,50]| = 60.
        assert_eq!(boss.self_time_ns, 60);
        assert_eq!(boss.out_degree, 3);
    }

    #[test]
    fn known_critical_path() {
        // R [0,100]: A [0,30], B [20,80] (B1 [25,50], B2 [40,75]), C [85,95].
        let spans = vec![
            span(1, None, 0, 100, SpanCategory::Chain, None),
            span(2, Some(1), 0, 30, SpanCategory::Agent, Some("x")),
            span(3, Some(1), 20, 80, SpanCategory::Agent, Some("y")),
            span(4, Some(3), 25, 50, SpanCategory::Llm, None),
            span(5, Some(3), 40, 75, SpanCategory::Llm, None),
            span(6, Some(1), 85, 95, SpanCategory::Agent, Some("z")),
        ];
        let t = SpanTree::build(&spans);
        let seg = |i: Option<usize>, s, e| Segment { span: i, start_ns: s, end_ns: e };
        assert_eq!(
            t.segments,
            vec![
                seg(Some(0), 0, 20),
                seg(Some(2), 20, 40),
                seg(Some(4), 40, 75),
                seg(Some(2), 75, 80),
                seg(Some(0), 80, 85),
                seg(Some(5), 85, 95),
                seg(Some(0), 95, 100)
            ]
        );
        assert_eq!(t.on_critical_path, vec![true, false, true, false, true, true]);
        assert_eq!(t.critical_ns, vec![30, 0, 25, 0, 35, 10]);
        assert_eq!(t.critical_path_ns(), 100);
        let g = agent_graph(&spans, &[], &GraphOptions::default());
        assert_eq!(g.metrics.critical_path.dominant_agent.as_deref(), Some("y"));
        assert!((g.metrics.critical_path.dominant_share - 0.6).abs() < 1e-12);
        assert_eq!(g.metrics.critical_path.by_agent, vec![("y".to_string(), 60), ("z".to_string(), 10)]);
        let names: Vec<&str> = g.metrics.critical_path.spans.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["s1", "s3", "s5", "s6"]);
    }

    #[test]
    fn waterfall_rows() {
        let (spans, _) = pipeline();
        let rows = span_tree(&spans);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]);
        let depth: Vec<u32> = rows.iter().map(|r| r.depth).collect();
        assert_eq!(depth, [0, 1, 2, 1, 2, 2, 1, 2]);
        let r4 = &rows[3];
        assert_eq!((r4.duration_ns, r4.self_time_ns, r4.agent_name.as_deref()), (39, 12, Some("researcher")));
        assert_eq!(rows[4].agent_name.as_deref(), Some("researcher"), "children inherit the agent");
        assert_eq!(rows[0].agent_name, None);
        assert_eq!(rows[0].self_time_ns, 100 - 19 - 39 - 34);
        assert!(rows.iter().all(|r| r.on_critical_path), "sequential agents: everything is critical");
        assert_eq!(rows.iter().map(|r| r.critical_ns).sum::<u64>(), 100);
    }

    #[test]
    fn linked_traces_form_one_run() {
        // Trace 2 starts after a 10 ns gap (a queue between linked traces).
        let mut spans = vec![span(1, None, 0, 50, SpanCategory::Agent, Some("a")), span(2, Some(1), 5, 45, SpanCategory::Llm, None)];
        let mut s3 = span(1, None, 60, 100, SpanCategory::Agent, Some("b"));
        s3.trace_id = T2;
        let mut s4 = span(2, Some(1), 61, 99, SpanCategory::Tool, None);
        s4.trace_id = T2;
        s4.tool_name = Some("t".into());
        spans.extend([s3, s4]);
        let messages = vec![msg(0, 0, None, "a", MessageKind::Message), msg(1, 55, Some("a"), "b", MessageKind::Message)];
        let g = agent_graph(&spans, &messages, &GraphOptions::default());
        assert_eq!(g.metrics.trace_count, 2);
        assert_eq!(g.metrics.critical_path.duration_ns, 100);
        assert_eq!(g.metrics.critical_path.uncovered_ns, 10);
        assert_eq!(g.agent("b").unwrap().tool_calls, 1, "span ids repeat across traces; parents stay per trace");
        assert_eq!(g.edge("agent:a", "agent:b").unwrap().mean_latency_ns, Some(5.0));
        let rows = span_tree(&spans);
        assert_eq!(rows.iter().map(|r| (r.trace_id[0], r.depth)).collect::<Vec<_>>(), [(1, 0), (1, 1), (2, 0), (2, 1)]);
    }

    #[test]
    fn tool_executor_nodes_are_not_agents() {
        // LangGraph's "tools" node owns a tool span but no agent/model span: its work is researcher's.
        let spans = vec![
            span(1, None, 0, 100, SpanCategory::Chain, None),
            span(2, Some(1), 1, 20, SpanCategory::Agent, Some("researcher")),
            llm(3, 2, 2, 19, 1, 1),
            span(4, Some(1), 21, 40, SpanCategory::Chain, Some("tools")),
            tool(5, 4, 22, 39, "web_search", false),
        ];
        let g = agent_graph(&spans, &[], &GraphOptions { include_tools: true });
        assert!(g.agent("tools").is_none());
        assert_eq!(g.agent("researcher").unwrap().tool_calls, 1);
        assert!(g.edge("agent:researcher", "tool:web_search").is_some());
        assert_eq!(span_tree(&spans)[4].agent_name.as_deref(), Some("researcher"));
    }

    #[test]
    fn garbage_parents_do_not_hang() {
        // 1 <-> 2 cycle, 3 is its own parent, 4's parent is missing, 5 under the cycle, end < start.
        let spans = vec![
            span(1, Some(2), 0, 10, SpanCategory::Agent, Some("a")),
            span(2, Some(1), 1, 5, SpanCategory::Llm, None),
            span(3, Some(3), 2, 3, SpanCategory::Tool, None),
            span(4, Some(99), 4, 8, SpanCategory::Chain, None),
            span(5, Some(2), 9, 2, SpanCategory::Llm, Some("b")),
        ];
        let rows = span_tree(&spans);
        assert_eq!(rows.len(), 5);
        let t = SpanTree::build(&spans);
        assert_eq!(t.roots.len(), 3);
        assert_eq!(t.critical_path_ns(), 10);
        let _ = agent_graph(&spans, &[msg(0, 0, Some(""), "", MessageKind::Broadcast)], &GraphOptions { include_tools: true }).to_json();
        assert!(agent_graph(&[], &[], &GraphOptions::default()).nodes.is_empty());
        assert!(span_tree(&[]).is_empty());
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let n = 200_000u32;
        let spans: Vec<GraphSpan> = (0..n)
            .map(|i| GraphSpan {
                trace_id: T1,
                span_id: (i as u64 + 1).to_be_bytes(),
                parent_span_id: (i > 0).then(|| (i as u64).to_be_bytes()),
                start_ns: i as u64,
                end_ns: 2 * n as u64 - i as u64,
                agent_name: (i % 1000 == 0).then(|| format!("a{}", i / 1000)),
                category: SpanCategory::Agent,
                ..Default::default()
            })
            .collect();
        let messages: Vec<AgentMessage> =
            (1..200).map(|k| msg(k, k as u64, Some(&format!("a{}", k - 1)), &format!("a{k}"), MessageKind::Handoff)).collect();
        let g = agent_graph(&spans, &messages, &GraphOptions::default());
        assert_eq!(g.metrics.critical_path.duration_ns, 2 * n as u64);
        assert_eq!(g.metrics.handoff_chain_length, 199);
        assert_eq!(span_tree(&spans).last().map(|r| r.depth), Some(n - 1));
    }
}
