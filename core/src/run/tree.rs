//! The run's tree: span index, parent links, time order, owners and cycle-safe ancestor walks,
//! built once per analysis. Parent chains may be cyclic or dangling in hostile input: every walk
//! here is iterative and bounded.
use super::fx::FxMap;
use super::{OrderKey, SpanKey};
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
        let mut index: FxMap<SpanKey, usize> = FxMap::with_capacity_and_hasher(n, Default::default());
        for (i, s) in spans.iter().enumerate() {
            index.entry((s.trace_id, s.span_id)).or_insert(i);
        }
        let parent: Vec<Option<usize>> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| s.parent_span_id.and_then(|p| index.get(&(s.trace_id, p)).copied()).filter(|&p| p != i))
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (OrderKey::of(&spans[i]), i));
        SpanTree { index, parent, order }
    }

    /// Position of the span with this key.
    pub fn position(&self, key: &SpanKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Walks up from `i` (exclusive) and returns the first ancestor satisfying `pred`; bounded
    /// by the number of spans, so a cycle ends the walk.
    pub fn ancestor(&self, i: usize, pred: impl Fn(usize) -> bool) -> Option<usize> {
        let mut cur = self.parent[i];
        let mut steps = 0usize;
        while let Some(p) = cur {
            if pred(p) {
                return Some(p);
            }
            steps += 1;
            if steps > self.parent.len() {
                return None;
            }
            cur = self.parent[p];
        }
        None
    }

    /// Each span's agent: its own (`own`), else the nearest ancestor's.
    pub fn owners(&self, own: &[Option<String>]) -> Vec<Option<String>> {
        resolve_owners(own, &self.parent)
    }
}

/// Own agent, else the nearest ancestor's; memoised, iterative, cycle-safe.
pub fn resolve_owners(own: &[Option<String>], parent: &[Option<usize>]) -> Vec<Option<String>> {
    let n = own.len();
    let mut out: Vec<Option<String>> = vec![None; n];
    let mut state = vec![0u8; n];
    let mut path = Vec::new();
    for start in 0..n {
        if state[start] == 2 {
            continue;
        }
        path.clear();
        let mut cur = Some(start);
        let mut found: Option<String> = None;
        while let Some(i) = cur {
            if state[i] == 2 {
                found = out[i].clone();
                break;
            }
            if state[i] == 1 {
                break;
            }
            if let Some(a) = &own[i] {
                out[i] = Some(a.clone());
                state[i] = 2;
                found = Some(a.clone());
                break;
            }
            state[i] = 1;
            path.push(i);
            cur = parent[i];
        }
        for &i in &path {
            out[i] = found.clone();
            state[i] = 2;
        }
    }
    out
}
