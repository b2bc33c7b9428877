//! Graph metrics over a small directed graph given as `n` nodes and `(from, to)` edges.
//!
//! Duplicate edges are ignored (metrics are about who talks to whom, not how often); edges
//! naming nodes `>= n` are ignored. Iterative throughout, no panics.
use std::collections::VecDeque;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Deduplicated adjacency lists (self-loops kept), neighbours ascending.
pub fn adjacency(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a < n && b < n {
            adj[a].push(b);
        }
    }
    for l in &mut adj {
        l.sort_unstable();
        l.dedup();
    }
    adj
}

/// Distinct successors and predecessors per node, self-loops excluded.
pub fn degrees(n: usize, edges: &[(usize, usize)]) -> (Vec<usize>, Vec<usize>) {
    let adj = adjacency(n, edges);
    let mut out_deg = vec![0; n];
    let mut in_deg = vec![0; n];
    for (a, l) in adj.iter().enumerate() {
        for &b in l {
            if a != b {
                out_deg[a] += 1;
                in_deg[b] += 1;
            }
        }
    }
    (in_deg, out_deg)
}

/// Betweenness centrality of a directed, unweighted graph (Brandes 2001), O(V·E), not
/// normalized: node `v` scores the sum over ordered pairs `s != v != t` of the fraction of
/// shortest `s -> t` paths that pass through `v`. Divide by `(n-1)(n-2)` to normalize
/// ([`normalize_betweenness`]).
pub fn betweenness(n: usize, edges: &[(usize, usize)]) -> Vec<f64> {
    let adj = adjacency(n, edges);
    let mut cb = vec![0.0f64; n];
    let mut stack: Vec<usize> = Vec::with_capacity(n);
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0.0f64; n];
    let mut queue = VecDeque::with_capacity(n);
    for s in 0..n {
        stack.clear();
        for p in &mut preds {
            p.clear();
        }
        sigma.iter_mut().for_each(|x| *x = 0.0);
        dist.iter_mut().for_each(|x| *x = -1);
        delta.iter_mut().for_each(|x| *x = 0.0);
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            stack.push(v);
            for &w in &adj[v] {
                if dist[w] < 0 {
                    dist[w] = dist[v] + 1;
                    queue.push_back(w);
                }
                if dist[w] == dist[v] + 1 {
                    sigma[w] += sigma[v];
                    preds[w].push(v);
                }
            }
        }
        while let Some(w) = stack.pop() {
            for &v in &preds[w] {
                if sigma[w] > 0.0 {
                    delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
                }
            }
            if w != s {
                cb[w] += delta[w];
            }
        }
    }
    cb
}

/// Scales raw directed betweenness into `[0, 1]` (divides by `(n-1)(n-2)`; all zero when n < 3).
pub fn normalize_betweenness(raw: &[f64]) -> Vec<f64> {
    let n = raw.len();
    if n < 3 {
        return vec![0.0; n];
    }
    let scale = ((n - 1) * (n - 2)) as f64;
    raw.iter().map(|x| (x / scale).clamp(0.0, 1.0)).collect()
}

/// Strongly connected components that contain a cycle: more than one node, or one node with a
/// self-loop. Members ascending; components ordered by their smallest member.
pub fn cyclic_components(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let adj = adjacency(n, edges);
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, edges.len());
    for _ in 0..n {
        g.add_node(());
    }
    for (a, l) in adj.iter().enumerate() {
        for &b in l {
            g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
    }
    let mut out: Vec<Vec<usize>> = kosaraju_scc(&g)
        .into_iter()
        .map(|c| {
            let mut c: Vec<usize> = c.into_iter().map(|x| x.index()).collect();
            c.sort_unstable();
            c
        })
        .filter(|c| c.len() > 1 || c.first().is_some_and(|&x| adj[x].binary_search(&x).is_ok()))
        .collect();
    out.sort();
    out
}

/// A shortest cycle through `start` using only nodes of `members` (ascending), as the node
/// sequence `start, ..., start`. `None` when there is none.
pub fn cycle_through(adj: &[Vec<usize>], members: &[usize], start: usize) -> Option<Vec<usize>> {
    let inside = |x: usize| members.binary_search(&x).is_ok();
    if !inside(start) || start >= adj.len() {
        return None;
    }
    if adj[start].binary_search(&start).is_ok() {
        return Some(vec![start, start]);
    }
    let mut prev: Vec<Option<usize>> = vec![None; adj.len()];
    let mut seen = vec![false; adj.len()];
    let mut queue = VecDeque::new();
    seen[start] = true;
    queue.push_back(start);
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v] {
            if !inside(w) {
                continue;
            }
            if w == start {
                // Rebuild start -> ... -> v, then close the loop.
                let mut path = vec![start, v];
                let mut cur = v;
                while let Some(p) = prev[cur] {
                    path.push(p);
                    cur = p;
                }
                // path = start, v, ..., first hop, (start is not in prev chain)
                let mut body: Vec<usize> = path[1..].to_vec();
                body.reverse();
                let mut cycle = vec![start];
                cycle.extend(body);
                cycle.push(start);
                return Some(cycle);
            }
            if !seen[w] {
                seen[w] = true;
                prev[w] = if v == start { None } else { Some(v) };
                queue.push_back(w);
            }
        }
    }
    None
}
