//! The span hierarchy of one run: parents, depth, self time, owning agent and the critical path.
//!
//! Input is hostile-tolerant: parents may be missing (orphans become roots), a span may name
//! itself or form a parent cycle with others (the cycle is broken at the first span found on it),
//! ends may precede starts (treated as zero length), children may stick out of their parents
//! (clipped for the critical path). Everything is iterative, O(n log n), and never panics.
use std::collections::HashMap;

use crate::run::tree::{break_cycles, link_parents};

use super::GraphSpan;
use crate::ids::{SpanId, TraceId};
use crate::normalize::SpanCategory;

/// One stretch of the run's critical path. `span == None` is time between the traces of a
/// run that no span covers (e.g. a queue between two linked traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub span: Option<usize>,
    pub start_ns: u64,
    pub end_ns: u64,
}

impl Segment {
    pub fn len_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// The span tree of a run (all of its traces), indices parallel to the input spans.
#[derive(Debug, Clone, Default)]
pub struct SpanTree {
    /// Parent in the tree after dropping unknown parents and breaking parent cycles.
    pub parent: Vec<Option<usize>>,
    /// Children by start time.
    pub children: Vec<Vec<usize>>,
    /// Trace roots (and orphans) by start time: the children of the run.
    pub roots: Vec<usize>,
    /// Depth-first pre-order (roots and children by start time): waterfall order.
    pub preorder: Vec<usize>,
    /// 0 for roots.
    pub depth: Vec<u32>,
    /// Index into [`agents`](Self::agents): the span's own agent, else its nearest ancestor's.
    pub owner: Vec<Option<usize>>,
    /// Distinct owning agents, in waterfall order of first appearance.
    pub agents: Vec<String>,
    /// Duration minus the time covered by children (children clipped to the span).
    pub self_ns: Vec<u64>,
    /// Time during which this span itself (not a child) is on the critical path.
    pub critical_ns: Vec<u64>,
    /// The critical-path walk passed through this span.
    pub on_critical_path: Vec<bool>,
    /// The critical path, contiguous and in time order, covering `[run_start_ns, run_end_ns]`.
    pub segments: Vec<Segment>,
    /// Earliest start and latest end over all spans (0, 0 when there are none).
    pub run_start_ns: u64,
    pub run_end_ns: u64,
}

/// Ends before starts count as zero length.
#[inline]
pub(crate) fn end_of(s: &GraphSpan) -> u64 {
    s.end_ns.max(s.start_ns)
}

impl SpanTree {
    pub fn build(spans: &[GraphSpan]) -> SpanTree {
        let n = spans.len();
        if n == 0 {
            return SpanTree::default();
        }
        // 1. Parents: same trace, first occurrence of a duplicated id wins, never itself; 2. parent
        // cycles cut (the run model's walks, crate::run::tree).
        let (_, mut parent) = link_parents(n, |i| (spans[i].trace_id, spans[i].span_id), |i| spans[i].parent_span_id);
        break_cycles(&mut parent);

        // 3. Children and roots by start time.
        let by_start = |a: &usize, b: &usize| {
            let (x, y) = (&spans[*a], &spans[*b]);
            x.start_ns.cmp(&y.start_ns).then_with(|| end_of(y).cmp(&end_of(x))).then_with(|| a.cmp(b))
        };
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, p) in parent.iter().enumerate() {
            match *p {
                Some(p) => children[p].push(i),
                None => roots.push(i),
            }
        }
        for c in children.iter_mut().filter(|c| c.len() > 1) {
            c.sort_by(by_start);
        }
        roots.sort_by(by_start);

        // 4. Pre-order, depth, owners: explicit stack.
        let mut preorder = Vec::with_capacity(n);
        let mut depth = vec![0u32; n];
        let mut owner: Vec<Option<usize>> = vec![None; n];
        let mut agents: Vec<String> = Vec::new();
        let mut agent_ix: HashMap<&str, usize> = HashMap::new();
        let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            preorder.push(i);
            let p = parent[i];
            depth[i] = p.map_or(0, |p| depth[p].saturating_add(1));
            owner[i] = match spans[i].agent_name.as_deref().filter(|a| !a.is_empty()) {
                Some(a) => Some(*agent_ix.entry(a).or_insert_with(|| {
                    agents.push(a.to_string());
                    agents.len() - 1
                })),
                None => p.and_then(|p| owner[p]),
            };
            stack.extend(children[i].iter().rev());
        }

        reattribute_tool_executors(spans, &mut owner, &mut agents);

        // 5. Self time: duration minus the union of children clipped to the span.
        let mut self_ns = vec![0u64; n];
        for i in 0..n {
            let (s, e) = (spans[i].start_ns, end_of(&spans[i]));
            let mut covered = 0u64;
            let mut reach = s; // covered up to here
            for &c in &children[i] {
                let cs = spans[c].start_ns.clamp(reach, e);
                let ce = end_of(&spans[c]).clamp(cs, e);
                covered += ce - cs;
                reach = reach.max(ce);
            }
            self_ns[i] = (e - s).saturating_sub(covered);
        }

        let run_start_ns = spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
        let run_end_ns = spans.iter().map(end_of).max().unwrap_or(0);

        let mut tree = SpanTree {
            parent,
            children,
            roots,
            preorder,
            depth,
            owner,
            agents,
            self_ns,
            critical_ns: vec![0; n],
            on_critical_path: vec![false; n],
            segments: Vec::new(),
            run_start_ns,
            run_end_ns,
        };
        tree.critical_path(spans);
        tree
    }

    /// "Last finishing child" critical path (as Jaeger computes it), with the run as a virtual
    /// root over all trace roots: starting at the run's end, descend into the child that finishes
    /// last; when a span has no child finishing before the current point, its own time back to its
    /// start is critical and the walk returns to its parent at that start, which continues with
    /// the last child finishing before it. Children are clipped to their parent. O(n log n).
    fn critical_path(&mut self, spans: &[GraphSpan]) {
        let n = spans.len();
        let v = n; // the virtual run root
        let mut eff_s = vec![0u64; n + 1];
        let mut eff_e = vec![0u64; n + 1];
        eff_s[v] = self.run_start_ns;
        eff_e[v] = self.run_end_ns;
        for &i in &self.preorder {
            let p = self.parent[i].unwrap_or(v);
            let (ps, pe) = (eff_s[p], eff_e[p]);
            eff_s[i] = spans[i].start_ns.clamp(ps, pe);
            eff_e[i] = end_of(&spans[i]).clamp(eff_s[i], pe);
        }
        // Children by effective end, latest first; zero-length ones never carry the path.
        let by_end = |list: &[usize]| {
            let mut l: Vec<usize> = list.iter().copied().filter(|&c| eff_e[c] > eff_s[c]).collect();
            l.sort_by(|a, b| eff_e[*b].cmp(&eff_e[*a]).then_with(|| eff_s[*b].cmp(&eff_s[*a])).then_with(|| a.cmp(b)));
            l
        };
        let mut kids: Vec<Vec<usize>> = self.children.iter().map(|c| if c.is_empty() { Vec::new() } else { by_end(c) }).collect();
        kids.push(by_end(&self.roots));
        let mut next = vec![0usize; n + 1];
        let mut segs: Vec<Segment> = Vec::new();
        let span_of = |x: usize| (x != v).then_some(x);
        let (mut cur, mut cursor) = (v, eff_e[v]);
        // Each step advances a child pointer or climbs back over an edge it descended: <= 3n+3 steps.
        let mut budget = 3 * n + 3;
        while budget > 0 {
            budget -= 1;
            let list = &kids[cur];
            let mut k = next[cur];
            while k < list.len() && eff_e[list[k]] > cursor {
                k += 1;
            }
            if k < list.len() {
                let c = list[k];
                next[cur] = k + 1;
                if eff_e[c] < cursor {
                    segs.push(Segment { span: span_of(cur), start_ns: eff_e[c], end_ns: cursor });
                }
                self.on_critical_path[c] = true;
                cur = c;
                cursor = eff_e[c];
                continue;
            }
            next[cur] = k;
            if eff_s[cur] < cursor {
                segs.push(Segment { span: span_of(cur), start_ns: eff_s[cur], end_ns: cursor });
            }
            if cur == v {
                break;
            }
            cursor = eff_s[cur];
            cur = self.parent[cur].unwrap_or(v);
        }
        segs.reverse();
        for s in &segs {
            if let Some(i) = s.span {
                self.critical_ns[i] += s.len_ns();
            }
        }
        self.segments = segs;
    }

    /// Length of the critical path (the run's wall time).
    pub fn critical_path_ns(&self) -> u64 {
        self.segments.iter().map(Segment::len_ns).sum()
    }

    pub fn owner_name(&self, i: usize) -> Option<&str> {
        self.owner.get(i).copied().flatten().and_then(|a| self.agents.get(a)).map(String::as_str)
    }
}

/// Tool executors named like agents (LangGraph's `ToolNode` "tools" node: it owns tool spans but
/// no agent or model span) are not agents: as the normalizers do, their spans belong to the last
/// real agent that started an agent span before them. Only when real agents exist.
fn reattribute_tool_executors(spans: &[GraphSpan], owner: &mut [Option<usize>], agents: &mut Vec<String>) {
    let na = agents.len();
    if na < 2 {
        return;
    }
    let (mut has_agent, mut has_llm, mut has_tool) = (vec![false; na], vec![false; na], vec![false; na]);
    for (i, s) in spans.iter().enumerate() {
        let Some(a) = owner[i] else { continue };
        match s.category {
            SpanCategory::Agent => has_agent[a] = true,
            SpanCategory::Llm => has_llm[a] = true,
            SpanCategory::Tool => has_tool[a] = true,
            _ => {}
        }
    }
    let pseudo: Vec<bool> = (0..na).map(|a| !has_agent[a] && !has_llm[a] && has_tool[a]).collect();
    if !pseudo.iter().any(|&p| p) || !has_agent.iter().any(|&r| r) {
        return;
    }
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].start_ns, std::cmp::Reverse(end_of(&spans[i])), i));
    let mut last: Option<usize> = None;
    for i in order {
        match owner[i] {
            Some(a) if pseudo[a] => owner[i] = last,
            Some(a) if spans[i].category == SpanCategory::Agent => last = Some(a),
            _ => {}
        }
    }
    // Drop the pseudo agents from the list, keeping first-appearance order.
    let mut remap: Vec<Option<usize>> = vec![None; na];
    let mut kept = Vec::with_capacity(na);
    for (a, name) in agents.drain(..).enumerate() {
        if !pseudo[a] {
            remap[a] = Some(kept.len());
            kept.push(name);
        }
    }
    *agents = kept;
    for o in owner.iter_mut() {
        *o = o.and_then(|a| remap[a]);
    }
}

/// One row of [`span_tree`]: a waterfall / timeline line.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanTreeRow {
    /// Index into the input spans.
    pub index: usize,
    pub trace_id: TraceId,
    pub span_id: SpanId,
    /// The parent as recorded (even when not found in the run).
    pub parent_span_id: Option<SpanId>,
    pub name: String,
    /// The agent owning the span: its own, else its nearest ancestor's.
    pub agent_name: Option<String>,
    pub category: SpanCategory,
    pub start_ns: u64,
    pub end_ns: u64,
    pub duration_ns: u64,
    pub self_time_ns: u64,
    pub depth: u32,
    pub on_critical_path: bool,
    /// Time this span itself (not its children) is on the critical path.
    pub critical_ns: u64,
    pub is_error: bool,
}

/// The span hierarchy as rows in waterfall order (depth-first, children by start time).
pub fn span_tree(spans: &[GraphSpan]) -> Vec<SpanTreeRow> {
    let t = SpanTree::build(spans);
    t.preorder
        .iter()
        .map(|&i| {
            let s = &spans[i];
            SpanTreeRow {
                index: i,
                trace_id: s.trace_id,
                span_id: s.span_id,
                parent_span_id: s.parent_span_id,
                name: s.name.clone(),
                agent_name: t.owner_name(i).map(str::to_string),
                category: s.category,
                start_ns: s.start_ns,
                end_ns: end_of(s),
                duration_ns: end_of(s) - s.start_ns,
                self_time_ns: t.self_ns[i],
                depth: t.depth[i],
                on_critical_path: t.on_critical_path[i],
                critical_ns: t.critical_ns[i],
                is_error: s.is_error,
            }
        })
        .collect()
}
