//! The agent communication graph of one run and its metrics.
use std::collections::{HashMap, HashSet};

use super::metrics;
use super::tree::{end_of, SpanTree};
use super::GraphSpan;
use crate::ids::{SpanId, TraceId};
use crate::normalize::{AgentMessage, MessageKind, SpanCategory};

/// What [`agent_graph`] includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GraphOptions {
    /// Add one node per tool, with `agent -> tool` edges.
    pub include_tools: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Agent,
    /// The run's entry point (messages with no sender).
    User,
    Tool,
}

impl NodeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            NodeKind::Agent => "agent",
            NodeKind::User => "user",
            NodeKind::Tool => "tool",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// Agent to agent (messages, handoffs, delegations, ...).
    Agent,
    /// The user / entry point to the first agent.
    Entry,
    /// Agent to tool (only with [`GraphOptions::include_tools`]).
    Tool,
}

impl EdgeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EdgeKind::Agent => "agent",
            EdgeKind::Entry => "entry",
            EdgeKind::Tool => "tool",
        }
    }
}

pub const USER_NODE_ID: &str = "user";

/// `agent:<name>` / `tool:<name>` / `user`: unique even when an agent and a tool share a name.
pub fn node_id(kind: NodeKind, name: &str) -> String {
    match kind {
        NodeKind::User => USER_NODE_ID.to_string(),
        k => format!("{}:{name}", k.as_str()),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    pub id: String,
    pub kind: NodeKind,
    pub name: String,
    /// Spans owned (the agent's own spans and their descendants up to another agent); tool calls for tools.
    pub span_count: i64,
    pub llm_calls: i64,
    pub tool_calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Owned spans marked as errors.
    pub errors: i64,
    /// Wall time during which at least one owned span was open.
    pub total_time_ns: u64,
    /// Sum of owned spans' self time (excludes time in children, so sub-agents' time is theirs).
    pub self_time_ns: u64,
    /// Time of the run's critical path spent in owned spans.
    pub critical_path_ns: u64,
    pub first_seen_ns: Option<u64>,
    pub last_seen_ns: Option<u64>,
    /// Distinct agents sending to / receiving from this one (agent-to-agent edges, no self-loops).
    pub in_degree: usize,
    pub out_degree: usize,
    pub messages_in: i64,
    pub messages_out: i64,
    /// Directed betweenness over the agent graph, normalized to [0, 1].
    pub betweenness: f64,
    /// The same, not normalized (sum over source/target pairs).
    pub betweenness_raw: f64,
    /// On a loop of the agent graph.
    pub on_cycle: bool,
}

impl GraphNode {
    fn new(kind: NodeKind, name: &str) -> Self {
        GraphNode {
            id: node_id(kind, name),
            kind,
            name: name.to_string(),
            span_count: 0,
            llm_calls: 0,
            tool_calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            errors: 0,
            total_time_ns: 0,
            self_time_ns: 0,
            critical_path_ns: 0,
            first_seen_ns: None,
            last_seen_ns: None,
            in_degree: 0,
            out_degree: 0,
            messages_in: 0,
            messages_out: 0,
            betweenness: 0.0,
            betweenness_raw: 0.0,
            on_cycle: false,
        }
    }

    fn seen(&mut self, start: u64, end: u64) {
        self.first_seen_ns = Some(self.first_seen_ns.map_or(start, |f| f.min(start)));
        self.last_seen_ns = Some(self.last_seen_ns.map_or(end, |l| l.max(end)));
    }

    pub fn tokens(&self) -> i64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    /// `<source id>-><target id>`.
    pub id: String,
    pub source: String,
    pub target: String,
    pub kind: EdgeKind,
    /// Messages (agent/entry edges) or calls (tool edges).
    pub count: i64,
    pub messages: i64,
    pub handoffs: i64,
    pub delegations: i64,
    pub tool_results: i64,
    pub broadcasts: i64,
    /// Failed calls (tool edges).
    pub errors: i64,
    pub first_ns: u64,
    pub last_ns: u64,
    /// Agent/entry edges: mean time from a message to the receiver's next span start.
    /// Tool edges: mean call duration.
    pub mean_latency_ns: Option<f64>,
    pub on_cycle: bool,
}

/// A loop of the agent graph: a strongly connected component (or a self-loop).
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// Members, in the order of `path`.
    pub agents: Vec<String>,
    /// A shortest loop through the member that acted first: `a, b, ..., a`.
    pub path: Vec<String>,
    /// Messages between members.
    pub messages: i64,
    /// How often `path` was completed: the fewest messages on any of its edges.
    pub iterations: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CriticalSpan {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub name: String,
    pub agent: Option<String>,
    pub category: SpanCategory,
    pub start_ns: u64,
    pub end_ns: u64,
    /// Time of the critical path spent in this span itself.
    pub critical_ns: u64,
}

/// At most this many spans are listed in [`CriticalPath::spans`] (the count is always exact).
pub const MAX_CRITICAL_SPANS: usize = 200;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CriticalPath {
    /// The run's wall time, which the critical path covers end to end.
    pub duration_ns: u64,
    /// Spans the critical path passes through.
    pub span_count: usize,
    /// Agent whose spans hold the largest share of the critical path.
    pub dominant_agent: Option<String>,
    pub dominant_share: f64,
    /// Critical time per agent, largest first.
    pub by_agent: Vec<(String, u64)>,
    /// Critical time no span covers (gaps between linked traces).
    pub uncovered_ns: u64,
    /// Spans with critical time, in time order (first [`MAX_CRITICAL_SPANS`]).
    pub spans: Vec<CriticalSpan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FanOut {
    pub agent: String,
    /// Distinct agents it sent work to, in order of first message.
    pub targets: Vec<String>,
    pub messages: i64,
    pub delegations: i64,
}

/// Longest handoff chain listed up to this many agents (the length is always exact).
pub const MAX_CHAIN_LISTED: usize = 100;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphMetrics {
    pub span_count: usize,
    pub trace_count: usize,
    pub agent_count: usize,
    pub message_count: usize,
    pub error_count: usize,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub start_ns: u64,
    pub end_ns: u64,
    pub cycles: Vec<Cycle>,
    pub agents_on_cycles: Vec<String>,
    pub critical_path: CriticalPath,
    /// Orchestrators: agents sending handoffs, delegations or messages (not group-chat
    /// broadcasts) to two or more others, widest first.
    pub fan_out: Vec<FanOut>,
    /// Most distinct agents any one agent directed work to (same rule).
    pub max_fan_out: usize,
    /// Longest chain of passing control: turns (one sender's consecutive handoffs, messages or
    /// broadcasts), in run order, each taken by a receiver of the previous turn
    /// (A->B, B->C, C->A = 3). The entry message and delegations (nested calls) do not count.
    pub handoff_chain_length: usize,
    /// Senders along that chain, then the final receiver when it is a single agent.
    pub handoff_chain: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentGraph {
    /// The user node (when any message has no sender) first, then agents by first activity, then tools.
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub metrics: GraphMetrics,
}

impl AgentGraph {
    pub fn node(&self, id: &str) -> Option<&GraphNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn agent(&self, name: &str) -> Option<&GraphNode> {
        self.nodes.iter().find(|n| n.kind == NodeKind::Agent && n.name == name)
    }

    pub fn edge(&self, source: &str, target: &str) -> Option<&GraphEdge> {
        self.edges.iter().find(|e| e.source == source && e.target == target)
    }
}

/// Total length of the union of intervals (sorted in place).
fn union_len(iv: &mut [(u64, u64)]) -> u64 {
    iv.sort_unstable();
    let mut total = 0u64;
    let mut cur: Option<(u64, u64)> = None;
    for &(s, e) in iv.iter() {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total += ce - cs;
    }
    total
}

/// The graph's nodes while it is built: one per (kind, name), in order of creation.
struct Builder {
    nodes: Vec<GraphNode>,
    ix: HashMap<(NodeKind, String), usize>,
}

impl Builder {
    fn node(&mut self, kind: NodeKind, name: &str) -> usize {
        if let Some(&i) = self.ix.get(&(kind, name.to_string())) {
            return i;
        }
        self.nodes.push(GraphNode::new(kind, name));
        self.ix.insert((kind, name.to_string()), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// The sender's node: its agent, else the user entry point.
    fn sender(&mut self, m: &AgentMessage) -> usize {
        match m.from_agent.as_deref().filter(|f| !f.is_empty()) {
            Some(f) => self.node(NodeKind::Agent, f),
            None => self.node(NodeKind::User, USER_NODE_ID),
        }
    }
}

/// The graph's edges while it is built: one per (source node, target node).
#[derive(Default)]
struct Edges {
    edges: Vec<GraphEdge>,
    /// Node indices, parallel to `edges`.
    ends: Vec<(usize, usize)>,
    ix: HashMap<(usize, usize), usize>,
}

impl Edges {
    /// The edge `from -> to`, created with `kind` and first seen at `at_ns` if new.
    fn edge(&mut self, nodes: &[GraphNode], from: usize, to: usize, kind: EdgeKind, at_ns: u64) -> usize {
        let Edges { edges, ends, ix } = self;
        *ix.entry((from, to)).or_insert_with(|| {
            edges.push(GraphEdge {
                id: format!("{}->{}", nodes[from].id, nodes[to].id),
                source: nodes[from].id.clone(),
                target: nodes[to].id.clone(),
                kind,
                count: 0,
                messages: 0,
                handoffs: 0,
                delegations: 0,
                tool_results: 0,
                broadcasts: 0,
                errors: 0,
                first_ns: at_ns,
                last_ns: at_ns,
                mean_latency_ns: None,
                on_cycle: false,
            });
            ends.push((from, to));
            edges.len() - 1
        })
    }
}

/// Builds the agent communication graph of one run from its spans and stored messages.
pub fn agent_graph(spans: &[GraphSpan], messages: &[AgentMessage], opts: &GraphOptions) -> AgentGraph {
    let tree = SpanTree::build(spans);
    agent_graph_with_tree(spans, &tree, messages, opts)
}

/// [`agent_graph`] reusing an already built [`SpanTree`] of the same spans.
pub fn agent_graph_with_tree(spans: &[GraphSpan], tree: &SpanTree, messages: &[AgentMessage], opts: &GraphOptions) -> AgentGraph {
    let mut msgs: Vec<&AgentMessage> = messages.iter().filter(|m| !m.to_agent.is_empty()).collect();
    msgs.sort_by_key(|m| (m.seq, m.time_ns));
    let (mut b, agent_node) = agent_nodes(tree, &msgs);
    let mut metrics = GraphMetrics { span_count: spans.len(), start_ns: tree.run_start_ns, end_ns: tree.run_end_ns, ..Default::default() };
    let owned = absorb_spans(&mut b, &agent_node, spans, tree, &mut metrics);
    metrics.trace_count = spans.iter().map(|s| s.trace_id).collect::<HashSet<TraceId>>().len();

    let mut edges = Edges::default();
    let agent_pairs = message_edges(&mut b, &mut edges, &msgs, &owned.starts);
    metrics.message_count = msgs.len();
    let agents = AgentSubgraph::new(&b.nodes, &agent_pairs);
    agents.centrality(&mut b.nodes);
    metrics.agent_count = agents.nodes.len();
    agents.cycles(&mut b.nodes, &mut edges, &mut metrics);
    fan_out(&b.nodes, &edges, &agents.nodes, &mut metrics);
    handoff_chain(&msgs, &mut metrics);
    metrics.critical_path = critical_path(spans, tree);
    if opts.include_tools {
        tool_nodes(&mut b, &mut edges, &agent_node, spans, tree, &owned.tool_spans);
    }
    ordered(b.nodes, edges.edges, metrics)
}

/// Nodes before any span is read: the user entry point when a message has no sender, agents
/// in waterfall order of first appearance, then agents only seen in messages. Returns the
/// builder and each tree agent's node.
fn agent_nodes(tree: &SpanTree, msgs: &[&AgentMessage]) -> (Builder, Vec<usize>) {
    let mut b = Builder { nodes: Vec::new(), ix: HashMap::new() };
    if msgs.iter().any(|m| m.from_agent.as_deref().is_none_or(str::is_empty)) {
        b.node(NodeKind::User, USER_NODE_ID);
    }
    let agent_node: Vec<usize> = tree.agents.iter().map(|a| b.node(NodeKind::Agent, a)).collect();
    for m in msgs {
        if let Some(f) = m.from_agent.as_deref().filter(|f| !f.is_empty()) {
            b.node(NodeKind::Agent, f);
        }
        b.node(NodeKind::Agent, &m.to_agent);
    }
    (b, agent_node)
}

/// What [`absorb_spans`] leaves for the later steps.
struct Owned {
    /// Per node, the sorted start times of its owned spans (a receiver's reaction latency).
    starts: Vec<Vec<u64>>,
    /// Tool spans that are not their parent's call recorded twice, in span order.
    tool_spans: Vec<usize>,
}

/// Every span counted into the run's totals and into the node of the agent that owns it:
/// spans, errors, self and critical time, model calls and tokens (a model or tool span directly
/// under the same call is that call recorded twice and is not counted again), wall time.
fn absorb_spans(b: &mut Builder, agent_node: &[usize], spans: &[GraphSpan], tree: &SpanTree, metrics: &mut GraphMetrics) -> Owned {
    let mut intervals: Vec<Vec<(u64, u64)>> = vec![Vec::new(); b.nodes.len()];
    let mut starts: Vec<Vec<u64>> = vec![Vec::new(); b.nodes.len()];
    let mut fallback_tokens: Vec<(i64, i64)> = vec![(0, 0); b.nodes.len()];
    let mut tool_spans: Vec<usize> = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        let f_end = end_of(s);
        let parent = tree.parent[i];
        let dup_llm = s.category == SpanCategory::Llm && parent.is_some_and(|p| spans[p].category == SpanCategory::Llm);
        let dup_tool = s.category == SpanCategory::Tool
            && parent.is_some_and(|p| spans[p].category == SpanCategory::Tool && spans[p].tool_name == s.tool_name);
        if s.is_error {
            metrics.error_count += 1;
        }
        if s.category == SpanCategory::Llm && !dup_llm {
            metrics.input_tokens = metrics.input_tokens.saturating_add(s.input_tokens.max(0));
            metrics.output_tokens = metrics.output_tokens.saturating_add(s.output_tokens.max(0));
        }
        if s.category == SpanCategory::Tool && !dup_tool {
            tool_spans.push(i);
        }
        let Some(a) = tree.owner[i] else { continue };
        let k = agent_node[a];
        let node = &mut b.nodes[k];
        node.span_count += 1;
        node.seen(s.start_ns, f_end);
        node.errors += s.is_error as i64;
        node.self_time_ns += tree.self_ns[i];
        node.critical_path_ns += tree.critical_ns[i];
        match s.category {
            SpanCategory::Llm if !dup_llm => {
                node.llm_calls += 1;
                node.input_tokens = node.input_tokens.saturating_add(s.input_tokens.max(0));
                node.output_tokens = node.output_tokens.saturating_add(s.output_tokens.max(0));
            }
            SpanCategory::Tool if !dup_tool => node.tool_calls += 1,
            SpanCategory::Agent | SpanCategory::Chain if s.agent_name.as_deref() == Some(tree.agents[a].as_str()) => {
                let t = &mut fallback_tokens[k];
                t.0 = t.0.saturating_add(s.input_tokens.max(0));
                t.1 = t.1.saturating_add(s.output_tokens.max(0));
            }
            _ => {}
        }
        intervals[k].push((s.start_ns, f_end));
        starts[k].push(s.start_ns);
    }
    for (k, node) in b.nodes.iter_mut().enumerate() {
        node.total_time_ns = union_len(&mut intervals[k]);
        starts[k].sort_unstable();
        if node.llm_calls == 0 {
            // No model spans (uninstrumented client): usage reported on the agent's own spans.
            node.input_tokens = fallback_tokens[k].0;
            node.output_tokens = fallback_tokens[k].1;
        }
    }
    Owned { starts, tool_spans }
}

/// Agent and entry edges from the messages, in order, with their kind counts, first and last
/// time and the receiver's mean reaction latency (from a message to its first span starting at
/// or after it). Returns the (sender, receiver) nodes of every agent-to-agent message.
fn message_edges(b: &mut Builder, edges: &mut Edges, msgs: &[&AgentMessage], starts: &[Vec<u64>]) -> Vec<(usize, usize)> {
    let mut latency_sum: Vec<(f64, i64)> = Vec::new();
    let mut agent_pairs: Vec<(usize, usize)> = Vec::new();
    for m in msgs {
        let from = b.sender(m);
        let to = b.node(NodeKind::Agent, &m.to_agent);
        let kind = if b.nodes[from].kind == NodeKind::User { EdgeKind::Entry } else { EdgeKind::Agent };
        let e = edges.edge(&b.nodes, from, to, kind, m.time_ns);
        latency_sum.resize(edges.edges.len(), (0.0, 0));
        let edge = &mut edges.edges[e];
        edge.count += 1;
        match m.kind {
            MessageKind::Message => edge.messages += 1,
            MessageKind::Handoff => edge.handoffs += 1,
            MessageKind::Delegation => edge.delegations += 1,
            MessageKind::ToolResult => edge.tool_results += 1,
            MessageKind::Broadcast => edge.broadcasts += 1,
        }
        edge.first_ns = edge.first_ns.min(m.time_ns);
        edge.last_ns = edge.last_ns.max(m.time_ns);
        if let Some(st) = starts.get(to) {
            let k = st.partition_point(|&s| s < m.time_ns);
            if let Some(&next) = st.get(k) {
                latency_sum[e].0 += (next - m.time_ns) as f64;
                latency_sum[e].1 += 1;
            }
        }
        b.nodes[from].messages_out += 1;
        b.nodes[to].messages_in += 1;
        if kind == EdgeKind::Agent {
            agent_pairs.push((from, to));
        }
    }
    for (e, (sum, cnt)) in edges.edges.iter_mut().zip(&latency_sum) {
        if *cnt > 0 {
            e.mean_latency_ns = Some(sum / *cnt as f64);
        }
    }
    agent_pairs
}

/// The agent nodes alone, renumbered 0.. (the graph algorithms' input), with the
/// agent-to-agent messages between them.
struct AgentSubgraph {
    /// Node index of each local agent.
    nodes: Vec<usize>,
    /// Node index -> local index.
    local: HashMap<usize, usize>,
    /// One (sender, receiver) pair per agent-to-agent message, local indices.
    edges: Vec<(usize, usize)>,
}

impl AgentSubgraph {
    fn new(nodes: &[GraphNode], agent_pairs: &[(usize, usize)]) -> Self {
        let agents: Vec<usize> = (0..nodes.len()).filter(|&k| nodes[k].kind == NodeKind::Agent).collect();
        let mut local: HashMap<usize, usize> = HashMap::with_capacity(agents.len());
        for (l, &k) in agents.iter().enumerate() {
            local.insert(k, l);
        }
        let edges = agent_pairs.iter().filter_map(|(a, c)| Some((*local.get(a)?, *local.get(c)?))).collect();
        AgentSubgraph { nodes: agents, local, edges }
    }

    /// Degrees and betweenness of every agent node.
    fn centrality(&self, nodes: &mut [GraphNode]) {
        let na = self.nodes.len();
        let (in_deg, out_deg) = metrics::degrees(na, &self.edges);
        let raw = metrics::betweenness(na, &self.edges);
        let norm = metrics::normalize_betweenness(&raw);
        for (l, &k) in self.nodes.iter().enumerate() {
            let node = &mut nodes[k];
            node.in_degree = in_deg[l];
            node.out_degree = out_deg[l];
            node.betweenness_raw = raw[l];
            node.betweenness = norm[l];
        }
    }

    /// Loops: one [`Cycle`] per cyclic component (its path starting at the member seen first),
    /// in order of first activity; the agents and edges on them are marked.
    fn cycles(&self, nodes: &mut [GraphNode], edges: &mut Edges, metrics: &mut GraphMetrics) {
        let (agents, local_edges) = (&self.nodes, &self.edges);
        let na = agents.len();
        let adj = metrics::adjacency(na, local_edges);
        let mut pair_count: HashMap<(usize, usize), i64> = HashMap::new();
        for &p in local_edges {
            *pair_count.entry(p).or_default() += 1;
        }
        let seen_key: Vec<(u64, String)> =
            agents.iter().map(|&k| (nodes[k].first_seen_ns.unwrap_or(u64::MAX), nodes[k].name.clone())).collect();
        let first_seen = |l: usize| seen_key[l].clone();
        let mut comp_of: Vec<Option<usize>> = vec![None; na];
        let mut cycles: Vec<(u64, Cycle)> = Vec::new();
        for (ci, comp) in metrics::cyclic_components(na, local_edges).into_iter().enumerate() {
            for &l in &comp {
                comp_of[l] = Some(ci);
            }
            let Some(&start) = comp.iter().min_by_key(|&&l| first_seen(l)) else { continue };
            let path = metrics::cycle_through(&adj, &comp, start).unwrap_or_else(|| vec![start, start]);
            let iterations = path.windows(2).map(|w| pair_count.get(&(w[0], w[1])).copied().unwrap_or(0)).min().unwrap_or(0);
            let inside = |x: usize| comp.binary_search(&x).is_ok();
            let messages = local_edges.iter().filter(|(a, c)| inside(*a) && inside(*c)).count() as i64;
            let mut members: Vec<usize> = path[..path.len().saturating_sub(1)].to_vec();
            for &l in &comp {
                if !members.contains(&l) {
                    members.push(l);
                }
            }
            let name = |l: usize| seen_key[l].1.clone();
            for &l in &comp {
                nodes[agents[l]].on_cycle = true;
            }
            cycles.push((
                first_seen(start).0,
                Cycle {
                    agents: members.iter().map(|&l| name(l)).collect(),
                    path: path.iter().map(|&l| name(l)).collect(),
                    messages,
                    iterations,
                },
            ));
        }
        cycles.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.agents.cmp(&b.1.agents)));
        metrics.cycles = cycles.into_iter().map(|c| c.1).collect();
        let mut on_cycle: Vec<usize> = (0..na).filter(|&l| comp_of[l].is_some()).collect();
        on_cycle.sort_by_key(|&l| first_seen(l));
        metrics.agents_on_cycles = on_cycle.iter().map(|&l| nodes[agents[l]].name.clone()).collect();
        for (e, (s, t)) in edges.edges.iter_mut().zip(&edges.ends) {
            let (Some(&ls), Some(&lt)) = (self.local.get(s), self.local.get(t)) else { continue };
            e.on_cycle = comp_of[ls].is_some() && comp_of[ls] == comp_of[lt];
        }
    }
}

/// Fan-out of orchestrators: agents directing work to two or more others (group-chat
/// broadcasts are not direction), widest first.
fn fan_out(nodes: &[GraphNode], edges: &Edges, agents: &[usize], metrics: &mut GraphMetrics) {
    let mut fan: Vec<FanOut> = Vec::new();
    for &k in agents {
        let mut out: Vec<(&GraphEdge, usize)> = edges
            .edges
            .iter()
            .zip(&edges.ends)
            .filter(|(e, (s, t))| *s == k && *t != k && e.kind == EdgeKind::Agent && e.count > e.broadcasts)
            .map(|(e, (_, t))| (e, *t))
            .collect();
        metrics.max_fan_out = metrics.max_fan_out.max(out.len());
        if out.len() < 2 {
            continue;
        }
        out.sort_by_key(|(e, _)| e.first_ns);
        let mut targets = Vec::new();
        let (mut messages, mut delegations) = (0i64, 0i64);
        for (e, t) in out {
            targets.push(nodes[t].name.clone());
            messages += e.count - e.broadcasts;
            delegations += e.delegations;
        }
        fan.push(FanOut { agent: nodes[k].name.clone(), targets, messages, delegations });
    }
    fan.sort_by(|a, b| b.targets.len().cmp(&a.targets.len()).then_with(|| a.agent.cmp(&b.agent)));
    metrics.fan_out = fan;
}

/// Longest handoff chain: consecutive turns (a sender's run of messages), each taken by a
/// receiver of the previous turn.
fn handoff_chain(msgs: &[&AgentMessage], metrics: &mut GraphMetrics) {
    let control: Vec<(&str, &str)> = msgs
        .iter()
        .filter(|m| matches!(m.kind, MessageKind::Handoff | MessageKind::Message | MessageKind::Broadcast))
        .filter_map(|m| Some((m.from_agent.as_deref().filter(|f| !f.is_empty())?, m.to_agent.as_str())))
        .filter(|(f, t)| f != t)
        .collect();
    let mut turns: Vec<(&str, Vec<&str>)> = Vec::new();
    for &(f, t) in &control {
        match turns.last_mut() {
            Some((sender, to)) if *sender == f => to.push(t),
            _ => turns.push((f, vec![t])),
        }
    }
    let (mut best, mut best_end, mut run) = (0usize, 0usize, 0usize);
    for (i, (sender, _)) in turns.iter().enumerate() {
        run = if i > 0 && turns[i - 1].1.contains(sender) { run + 1 } else { 1 };
        if run > best {
            best = run;
            best_end = i;
        }
    }
    metrics.handoff_chain_length = best;
    if best > 0 {
        let first = best_end + 1 - best;
        let mut chain: Vec<String> = turns[first..=best_end].iter().map(|(s, _)| s.to_string()).collect();
        if let [only] = turns[best_end].1.as_slice() {
            chain.push(only.to_string());
        }
        chain.truncate(MAX_CHAIN_LISTED);
        metrics.handoff_chain = chain;
    }
}

/// The critical path's length, spans (the first [`MAX_CRITICAL_SPANS`]), uncovered time and
/// the time each agent holds of it.
fn critical_path(spans: &[GraphSpan], tree: &SpanTree) -> CriticalPath {
    let mut cp = CriticalPath {
        duration_ns: tree.critical_path_ns(),
        span_count: tree.on_critical_path.iter().filter(|&&x| x).count(),
        ..Default::default()
    };
    let mut by_agent: HashMap<usize, u64> = HashMap::new();
    let mut listed: HashSet<usize> = HashSet::new();
    for seg in &tree.segments {
        match seg.span {
            None => cp.uncovered_ns += seg.len_ns(),
            Some(i) => {
                if let Some(a) = tree.owner[i] {
                    *by_agent.entry(a).or_default() += seg.len_ns();
                }
                if cp.spans.len() < MAX_CRITICAL_SPANS && listed.insert(i) {
                    let s = &spans[i];
                    cp.spans.push(CriticalSpan {
                        trace_id: s.trace_id,
                        span_id: s.span_id,
                        name: s.name.clone(),
                        agent: tree.owner_name(i).map(str::to_string),
                        category: s.category,
                        start_ns: s.start_ns,
                        end_ns: end_of(s),
                        critical_ns: tree.critical_ns[i],
                    });
                }
            }
        }
    }
    let mut by: Vec<(String, u64)> = by_agent.into_iter().map(|(a, ns)| (tree.agents[a].clone(), ns)).collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if let Some((a, ns)) = by.first() {
        cp.dominant_agent = Some(a.clone());
        cp.dominant_share = if cp.duration_ns > 0 { *ns as f64 / cp.duration_ns as f64 } else { 0.0 };
    }
    cp.by_agent = by;
    cp
}

/// Tool nodes (by tool name, else span name) and the edges from the agents that called them,
/// with call and error counts and the mean call duration.
fn tool_nodes(b: &mut Builder, edges: &mut Edges, agent_node: &[usize], spans: &[GraphSpan], tree: &SpanTree, tool_spans: &[usize]) {
    let mut tool_iv: HashMap<usize, Vec<(u64, u64)>> = HashMap::new();
    let mut tool_lat: HashMap<usize, (f64, i64)> = HashMap::new();
    for &i in tool_spans {
        let s = &spans[i];
        let name = s.tool_name.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| s.name.clone());
        let t = b.node(NodeKind::Tool, &name);
        let node = &mut b.nodes[t];
        node.span_count += 1;
        node.tool_calls += 1;
        node.errors += s.is_error as i64;
        node.self_time_ns += tree.self_ns[i];
        node.critical_path_ns += tree.critical_ns[i];
        node.seen(s.start_ns, end_of(s));
        tool_iv.entry(t).or_default().push((s.start_ns, end_of(s)));
        let Some(a) = tree.owner[i] else { continue };
        let from = agent_node[a];
        let e = edges.edge(&b.nodes, from, t, EdgeKind::Tool, s.start_ns);
        let edge = &mut edges.edges[e];
        edge.count += 1;
        edge.errors += s.is_error as i64;
        edge.first_ns = edge.first_ns.min(s.start_ns);
        edge.last_ns = edge.last_ns.max(s.start_ns);
        let l = tool_lat.entry(e).or_default();
        l.0 += (end_of(s) - s.start_ns) as f64;
        l.1 += 1;
    }
    for (t, mut iv) in tool_iv {
        b.nodes[t].total_time_ns = union_len(&mut iv);
    }
    for (e, (sum, cnt)) in tool_lat {
        if cnt > 0 {
            edges.edges[e].mean_latency_ns = Some(sum / cnt as f64);
        }
    }
}

/// The finished graph in display order: user, agents by first activity, tools by first
/// activity; entry, agent, then tool edges by first time.
fn ordered(mut nodes: Vec<GraphNode>, mut edges: Vec<GraphEdge>, metrics: GraphMetrics) -> AgentGraph {
    let rank = |nd: &GraphNode| match nd.kind {
        NodeKind::User => 0,
        NodeKind::Agent => 1,
        NodeKind::Tool => 2,
    };
    nodes.sort_by(|x, y| {
        rank(x)
            .cmp(&rank(y))
            .then_with(|| x.first_seen_ns.unwrap_or(u64::MAX).cmp(&y.first_seen_ns.unwrap_or(u64::MAX)))
            .then_with(|| x.name.cmp(&y.name))
    });
    edges.sort_by(|x, y| {
        let r = |e: &GraphEdge| match e.kind {
            EdgeKind::Entry => 0,
            EdgeKind::Agent => 1,
            EdgeKind::Tool => 2,
        };
        r(x).cmp(&r(y)).then_with(|| x.first_ns.cmp(&y.first_ns)).then_with(|| x.id.cmp(&y.id))
    });
    AgentGraph { nodes, edges, metrics }
}
