//! The run's tree: span index, parent links, time order, owners and cycle-safe ancestor walks,
//! built once per analysis. Parent chains may be cyclic or dangling in hostile input: every walk
//! here is iterative and bounded.
use super::fx::FxMap;
use super::{OrderKey, SpanKey};
use crate::ids::SpanId;
use crate::model::SpanRecord;

/// Index, parents and time order of a run's spans (positions into the slice it was built from).
#[derive(Debug, Clone, Default)]
pub struct SpanTree {
    /// Position of each span key (the first, if a key repeats).
    pub index: FxMap<SpanKey, usize>,
    /// The parent's position, if the parent is in the run (never the span itself).
    pub parent: Vec<Option<usize>>,
    /// Positions sorted by time, ties broken by the ids as stored (never by arrival): whatever
    /// order the spans come in, the same order (what incremental ingest relies on).
    pub order: Vec<usize>,
}

impl SpanTree {
    pub fn new(spans: &[SpanRecord]) -> Self {
        let n = spans.len();
        let (index, parent) = link_parents(n, |i| (spans[i].trace_id, spans[i].span_id), |i| spans[i].parent_span_id);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (OrderKey::of(&spans[i]), i));
        SpanTree { index, parent, order }
    }

    /// Position of the span with this key.
    pub fn position(&self, key: &SpanKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Walks up from `i` (exclusive) and returns the first ancestor satisfying `pred` ([`ancestor`]).
    pub fn ancestor(&self, i: usize, pred: impl Fn(usize) -> bool) -> Option<usize> {
        ancestor(&self.parent, i, pred)
    }

    /// Each span's agent: its own (`own`), else the nearest ancestor's.
    pub fn owners(&self, own: &[Option<String>]) -> Vec<Option<String>> {
        resolve_owners(own, &self.parent)
    }
}

/// Walks up from `i` (exclusive) and returns the first ancestor satisfying `pred`; bounded by
/// the number of spans, so a cycle ends the walk.
pub fn ancestor(parent: &[Option<usize>], i: usize, pred: impl Fn(usize) -> bool) -> Option<usize> {
    let mut cur = parent[i];
    let mut steps = 0usize;
    while let Some(p) = cur {
        if pred(p) {
            return Some(p);
        }
        steps += 1;
        if steps > parent.len() {
            return None;
        }
        cur = parent[p];
    }
    None
}

/// The span index (a key's first position) and each span's parent position: the span of the same
/// trace with its parent id, if in the run, never the span itself.
pub fn link_parents(
    n: usize,
    key: impl Fn(usize) -> SpanKey,
    parent_id: impl Fn(usize) -> Option<SpanId>,
) -> (FxMap<SpanKey, usize>, Vec<Option<usize>>) {
    let mut index: FxMap<SpanKey, usize> = FxMap::with_capacity_and_hasher(n, Default::default());
    for i in 0..n {
        index.entry(key(i)).or_insert(i);
    }
    let parent = (0..n).map(|i| parent_id(i).and_then(|p| index.get(&(key(i).0, p)).copied()).filter(|&p| p != i)).collect();
    (index, parent)
}

/// Cuts parent cycles: walking up from every span, a span met twice on one walk is on a cycle
/// and becomes a root. Each span is walked once.
pub fn break_cycles(parent: &mut [Option<usize>]) {
    // 0: not visited, 1: on the current walk, 2: reaches a root.
    let mut state = vec![0u8; parent.len()];
    let mut path: Vec<usize> = Vec::new();
    for start in 0..parent.len() {
        if state[start] == 2 {
            continue;
        }
        path.clear();
        let mut cur = start;
        loop {
            match state[cur] {
                2 => break,
                1 => {
                    parent[cur] = None;
                    break;
                }
                _ => {}
            }
            state[cur] = 1;
            path.push(cur);
            match parent[cur] {
                Some(p) => cur = p,
                None => break,
            }
        }
        for &i in &path {
            state[i] = 2;
        }
    }
}

/// Own agent, else the nearest ancestor's; memoised, iterative, cycle-safe.
pub fn resolve_owners(own: &[Option<String>], parent: &[Option<usize>]) -> Vec<Option<String>> {
    nearest(parent, |i| own[i].is_some()).into_iter().map(|j| j.and_then(|j| own[j].clone())).collect()
}

/// For every span, the nearest ancestor-or-self satisfying `pred`; iterative, memoised,
/// cycle-safe (a span on a cycle without a match above it gets `None`).
pub fn nearest(parent: &[Option<usize>], pred: impl Fn(usize) -> bool) -> Vec<Option<usize>> {
    let n = parent.len();
    let mut out: Vec<Option<usize>> = vec![None; n];
    // 0: not visited, 1: on the current path, 2: decided.
    let mut state = vec![0u8; n];
    let mut path = Vec::new();
    for start in 0..n {
        if state[start] == 2 {
            continue;
        }
        path.clear();
        let mut cur = Some(start);
        let mut found = None;
        while let Some(i) = cur {
            if state[i] == 2 {
                found = out[i];
                break;
            }
            if state[i] == 1 {
                break;
            }
            if pred(i) {
                out[i] = Some(i);
                state[i] = 2;
                found = Some(i);
                break;
            }
            state[i] = 1;
            path.push(i);
            cur = parent[i];
        }
        for &i in &path {
            out[i] = found;
            state[i] = 2;
        }
    }
    out
}
