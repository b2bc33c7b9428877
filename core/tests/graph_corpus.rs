//! Agent graphs of the shared OTLP corpus (one capture per framework / instrumentation run):
//! expected nodes and edges per framework's success run, the LangGraph revise loop as a cycle,
//! and sane critical paths everywhere.

// In a `graph` module so `cargo test graph` selects these tests.
mod graph {
    use std::collections::BTreeSet;

    use agenttrace_core::analyze::analyze_run;
    use agenttrace_core::corpus::{captures, Capture};
    use agenttrace_core::graph::{agent_graph, span_tree, AgentGraph, GraphOptions, GraphSpan, NodeKind};
    use agenttrace_core::model::SpanRecord;
    use agenttrace_core::otlp::{decode_body, Limits};

    fn load(c: &Capture) -> Vec<SpanRecord> {
        let mut spans = Vec::new();
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            let d = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()).unwrap();
            spans.extend(d.spans);
        }
        spans
    }

    /// What ingest stores, then what the extension builds from it.
    fn graph_of(c: &Capture, include_tools: bool) -> (Vec<GraphSpan>, AgentGraph) {
        let spans = load(c);
        let a = analyze_run(&spans);
        let gs: Vec<GraphSpan> = spans.iter().zip(&a.facts).map(|(r, f)| GraphSpan::from_record(r, f)).collect();
        let g = agent_graph(&gs, &a.messages, &GraphOptions { include_tools });
        (gs, g)
    }

    struct Expect {
        prefix: &'static str,
        agents: &'static [&'static str],
        /// `source->target (count)` over agent and entry edges; `user` is the entry point.
        edges: &'static [(&'static str, &'static str, i64)],
        tools: &'static [(&'static str, &'static str)],
        cycle: Option<&'static [&'static str]>,
    }

    const EXPECT: &[Expect] = &[
        Expect {
            prefix: "ag_native_success",
            agents: &["planner", "researcher", "writer"],
            edges: &[
                ("user", "planner", 1),
                ("planner", "researcher", 1),
                ("planner", "writer", 1),
                ("researcher", "planner", 1),
                ("researcher", "writer", 1),
                ("writer", "planner", 1),
                ("writer", "researcher", 1),
            ],
            tools: &[("researcher", "lookup_fact")],
            cycle: Some(&["planner", "researcher", "writer"]),
        },
        Expect {
            prefix: "ag_oi_success",
            agents: &["planner", "researcher", "writer"],
            edges: &[("user", "planner", 1), ("planner", "researcher", 1), ("researcher", "writer", 1)],
            tools: &[("researcher", "lookup_fact")],
            cycle: None,
        },
        Expect {
            prefix: "crew_ev_success",
            agents: &["Researcher", "Writer"],
            edges: &[("user", "Researcher", 1), ("Researcher", "Writer", 1)],
            tools: &[("Researcher", "Lookup Fact")],
            cycle: None,
        },
        Expect {
            prefix: "crew_tl_success",
            agents: &["Researcher", "Writer"],
            edges: &[("user", "Researcher", 1), ("Researcher", "Writer", 1)],
            tools: &[],
            cycle: None,
        },
        Expect {
            prefix: "crew_wr_success",
            agents: &["Researcher", "Writer"],
            edges: &[("user", "Researcher", 1), ("Researcher", "Writer", 1)],
            tools: &[],
            cycle: None,
        },
        Expect {
            prefix: "lg_",
            agents: &["planner", "researcher", "writer"],
            edges: &[("user", "planner", 1), ("planner", "researcher", 2), ("researcher", "writer", 2), ("writer", "planner", 1)],
            tools: &[("researcher", "web_search")],
            cycle: Some(&["planner", "researcher", "writer"]),
        },
        Expect {
            prefix: "maf_success",
            agents: &["Researcher", "Writer"],
            edges: &[("user", "Researcher", 1), ("Researcher", "Writer", 1)],
            tools: &[("Researcher", "lookup_fact")],
            cycle: None,
        },
        Expect {
            prefix: "oai_",
            agents: &["Triage", "Researcher", "Writer"],
            edges: &[("user", "Triage", 1), ("Triage", "Researcher", 1), ("Researcher", "Writer", 1)],
            tools: &[("Researcher", "lookup_fact")],
            cycle: None,
        },
    ];

    fn id(name: &str) -> String {
        if name == "user" {
            "user".into()
        } else {
            format!("agent:{name}")
        }
    }

    #[test]
    fn success_runs_have_the_expected_graph() {
        let caps = captures();
        assert!(caps.len() >= 15, "shared OTLP corpus not found (set AGENTTRACE_CORPUS)");
        let mut checked = 0;
        let mut failures = Vec::new();
        for c in caps.iter().filter(|c| c.name.contains("_success")) {
            let Some(want) = EXPECT.iter().find(|e| c.name.starts_with(e.prefix)) else {
                failures.push(format!("{}: no expectation", c.name));
                continue;
            };
            checked += 1;
            let (_, g) = graph_of(c, true);
            let mut errs = Vec::new();
            let agents: BTreeSet<&str> = g.nodes.iter().filter(|n| n.kind == NodeKind::Agent).map(|n| n.name.as_str()).collect();
            if agents != want.agents.iter().copied().collect() {
                errs.push(format!("agents {agents:?}"));
            }
            let got: BTreeSet<(String, String, i64)> = g
                .edges
                .iter()
                .filter(|e| e.source == "user" || e.source.starts_with("agent:") && e.target.starts_with("agent:"))
                .map(|e| (e.source.clone(), e.target.clone(), e.count))
                .collect();
            let expect: BTreeSet<(String, String, i64)> = want.edges.iter().map(|(s, t, n)| (id(s), id(t), *n)).collect();
            if got != expect {
                errs.push(format!("edges {got:?} != {expect:?}"));
            }
            let tools: BTreeSet<(String, String)> =
                g.edges.iter().filter(|e| e.target.starts_with("tool:")).map(|e| (e.source.clone(), e.target.clone())).collect();
            let want_tools: BTreeSet<(String, String)> = want.tools.iter().map(|(a, t)| (id(a), format!("tool:{t}"))).collect();
            if tools != want_tools {
                errs.push(format!("tool edges {tools:?} != {want_tools:?}"));
            }
            match (want.cycle, g.metrics.cycles.as_slice()) {
                (None, []) => {}
                (Some(members), [cyc]) => {
                    let got: BTreeSet<&str> = cyc.agents.iter().map(String::as_str).collect();
                    if got != members.iter().copied().collect() {
                        errs.push(format!("cycle members {:?}", cyc.agents));
                    }
                    if cyc.path.first() != cyc.path.last() || cyc.iterations < 1 {
                        errs.push(format!("cycle {cyc:?}"));
                    }
                }
                (w, got) => errs.push(format!("cycles {got:?}, expected {w:?}")),
            }
            // Every success run's graph: the user hands the task to the first agent, nobody errs.
            if g.nodes.first().map(|n| n.kind) != Some(NodeKind::User) {
                errs.push("no entry node".into());
            }
            if !errs.is_empty() {
                failures.push(format!("{}:\n  {}", c.name, errs.join("\n  ")));
            }
        }
        assert!(checked >= 12, "only {checked} success captures");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn langgraph_revise_loop_is_a_cycle() {
        let lg: Vec<Capture> = captures().into_iter().filter(|c| c.name.starts_with("lg_") && c.name.ends_with("_success")).collect();
        assert!(lg.len() >= 3, "LangGraph success captures missing");
        for c in &lg {
            let (_, g) = graph_of(c, false);
            let m = &g.metrics;
            assert_eq!(m.cycles.len(), 1, "{}", c.name);
            assert_eq!(m.cycles[0].path, ["planner", "researcher", "writer", "planner"], "{}", c.name);
            assert_eq!(m.agents_on_cycles, ["planner", "researcher", "writer"], "{}", c.name);
            assert_eq!(m.handoff_chain_length, 5, "{}: planner->researcher->writer->planner->researcher->writer", c.name);
            assert!(g.edges.iter().filter(|e| e.source != "user").all(|e| e.on_cycle), "{}", c.name);
            let j = g.to_json();
            assert_eq!(j["metrics"]["has_cycles"], true);
        }
    }

    #[test]
    fn every_capture_has_a_sane_graph_and_tree() {
        for c in captures() {
            let (spans, g) = graph_of(&c, true);
            let m = &g.metrics;
            let wall = m.end_ns - m.start_ns;
            assert_eq!(m.critical_path.duration_ns, wall, "{}", c.name);
            assert!(spans.iter().all(|s| s.duration_ns() <= wall), "{}", c.name);
            let dominant = m.critical_path.dominant_agent.as_deref().expect("some agent is critical");
            assert!(g.agent(dominant).is_some(), "{}: {dominant}", c.name);
            assert!(m.critical_path.dominant_share > 0.0 && m.critical_path.dominant_share <= 1.0, "{}", c.name);
            // Agents in the graph are exactly the agents the normalizers report.
            let a = analyze_run(&load(&c));
            let want: BTreeSet<&str> = a.agents.iter().map(|x| x.agent_name.as_str()).collect();
            let got: BTreeSet<&str> = g.nodes.iter().filter(|n| n.kind == NodeKind::Agent).map(|n| n.name.as_str()).collect();
            assert_eq!(got, want, "{}", c.name);
            for ag in &a.agents {
                let n = g.agent(&ag.agent_name).unwrap();
                assert_eq!((n.llm_calls, n.tool_calls, n.errors), (ag.llm_calls, ag.tool_calls, ag.errors), "{} {}", c.name, ag.agent_name);
                assert_eq!((n.input_tokens, n.output_tokens), (ag.input_tokens, ag.output_tokens), "{} {}", c.name, ag.agent_name);
            }
            let rows = span_tree(&spans);
            assert_eq!(rows.len(), spans.len());
            assert!(rows.iter().any(|r| r.on_critical_path));
            assert!(rows.iter().filter(|r| r.depth == 0).count() >= m.trace_count, "{}: every trace has a root", c.name);
        }
    }

    #[test]
    #[ignore]
    fn graph_dump() {
        for c in captures() {
            let (_, g) = graph_of(&c, true);
            println!("==== {}\n{}", c.name, serde_json::to_string_pretty(&g.to_json()).unwrap());
        }
    }
}
