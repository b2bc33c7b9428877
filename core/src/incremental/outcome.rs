//! The run's outcome from its error spans alone (what `normalize::run::outcome` decides from
//! the whole run, for runs without stop reasons or control events).
use std::collections::{BTreeSet, HashMap, HashSet};

use super::{ErrState, OrderKey, SpanKey, StoredSpan};
use crate::ids::SpanId;
use crate::model::SpanRecord;
use crate::normalize::run::reason_from;
use crate::normalize::{OutcomeStatus, RunOutcome, SpanCategory, SpanFacts};

pub(super) struct ErrSpan {
    key: SpanKey,
    parent: Option<SpanId>,
    order: OrderKey,
    end: u64,
    category: SpanCategory,
    owner: Option<String>,
    error_type: Option<String>,
    error_message: Option<String>,
}

impl ErrSpan {
    pub(super) fn stored(s: &StoredSpan, owner: Option<String>) -> Self {
        ErrSpan {
            key: s.key(),
            parent: s.parent,
            order: s.order(),
            end: s.end,
            category: s.category,
            owner,
            error_type: s.error_type.clone(),
            error_message: s.error_message.clone(),
        }
    }
    pub(super) fn new(s: &SpanRecord, f: &SpanFacts, owner: Option<String>) -> Self {
        ErrSpan {
            key: (s.trace_id, s.span_id),
            parent: s.parent_span_id,
            order: OrderKey::of(s),
            end: s.end_time_unix_nano,
            category: f.category,
            owner,
            error_type: f.error_type.clone(),
            error_message: f.error_message.clone(),
        }
    }
    fn reason(&self) -> Option<String> {
        reason_from(self.error_type.as_deref(), self.error_message.as_deref())
    }
}

/// A span of the run found by key: its key, parent and whether it is an error.
pub(super) type Found = (SpanKey, Option<SpanId>, bool);

/// Levels of ancestors walked above an error (deeper chains are cut, like whole-run analysis
/// cuts cycles).
const MAX_DEPTH: usize = 4096;

/// `lookup(keys)` answers `(key, parent, is_error)` for the spans of the run among `keys`.
pub(super) fn recompute<S: super::RunStore>(
    mut errs: Vec<ErrSpan>,
    last_healthy: Option<u64>,
    store: &mut S,
    lookup: impl Fn(&[SpanKey], &mut S) -> Result<Vec<Found>, S::Error>,
    new_turns: &[(OrderKey, String)],
) -> Result<(RunOutcome, ErrState), S::Error> {
    errs.sort_by_key(|e| e.order);
    let n = errs.len();
    let parent_key = |k: SpanKey, p: Option<SpanId>| p.filter(|p| *p != k.1).map(|p| (k.0, p));
    // Ancestor chains, one level for all errors at a time.
    let mut known: HashMap<SpanKey, Option<(Option<SpanId>, bool)>> = HashMap::new();
    let mut chains: Vec<Vec<SpanKey>> = vec![Vec::new(); n];
    let mut cursor: Vec<Option<SpanKey>> = errs.iter().map(|e| parent_key(e.key, e.parent)).collect();
    let mut visited: Vec<HashSet<SpanKey>> = vec![HashSet::new(); n];
    for _ in 0..MAX_DEPTH {
        let mut ask: Vec<SpanKey> = cursor.iter().flatten().filter(|k| !known.contains_key(*k)).copied().collect();
        if cursor.iter().all(Option::is_none) {
            break;
        }
        ask.sort_unstable();
        ask.dedup();
        if !ask.is_empty() {
            for k in &ask {
                known.insert(*k, None);
            }
            for (k, p, e) in lookup(&ask, store)? {
                known.insert(k, Some((p, e)));
            }
        }
        for (i, c) in cursor.iter_mut().enumerate() {
            let Some(k) = *c else { continue };
            match known.get(&k).copied().flatten() {
                Some((p, _)) if visited[i].insert(k) => {
                    chains[i].push(k);
                    *c = parent_key(k, p);
                }
                _ => *c = None,
            }
        }
    }
    let is_error_key: HashMap<SpanKey, usize> = errs.iter().enumerate().map(|(i, e)| (e.key, i)).collect();
    let unrecovered = |e: &ErrSpan| last_healthy.is_none_or(|h| h < e.end);
    let mut state = ErrState { count: n as u64, last_healthy, ..Default::default() };
    let mut pending: BTreeSet<SpanKey> = BTreeSet::new();
    let mut fail_root = vec![false; n];
    for (i, e) in errs.iter().enumerate() {
        let is_root = chains[i].is_empty() || chains[i].first() != parent_key(e.key, e.parent).as_ref();
        if is_root {
            if let Some(p) = e.parent {
                pending.insert((e.key.0, p));
            }
        }
        let counts = !matches!(e.category, SpanCategory::Other | SpanCategory::Messaging);
        fail_root[i] = is_root || (counts && unrecovered(e));
        if unrecovered(e) {
            state.min_unrecovered_end = Some(state.min_unrecovered_end.map_or(e.end, |m| m.min(e.end)));
        }
    }
    state.pending_parents = pending;
    let roots: Vec<usize> = (0..n).filter(|&i| fail_root[i]).collect();
    if roots.is_empty() {
        return Ok((RunOutcome::default(), state));
    }
    let mut has_err_child = vec![false; n];
    for chain in &chains {
        for k in chain {
            if let Some(&j) = is_error_key.get(k) {
                has_err_child[j] = true;
            }
        }
    }
    let under_root = |i: usize| fail_root[i] || chains[i].iter().any(|k| is_error_key.get(k).is_some_and(|&j| fail_root[j]));
    let leaves: Vec<usize> = (0..n).filter(|&i| !has_err_child[i] && under_root(i)).collect();
    let decisive = leaves.iter().copied().find(|&i| unrecovered(&errs[i])).or_else(|| leaves.first().copied()).unwrap_or(roots[0]);
    let d = &errs[decisive];
    let agent = match &d.owner {
        Some(a) => Some(a.clone()),
        None => {
            state.owner_from_turns = true;
            // The latest stored turn starting at or before the failing span's end: the one just
            // before the first key that starts after it.
            let after = OrderKey { start: d.end.saturating_add(1), end_rev: 0, trace: [0; 16], span: i64::MIN };
            let stored = store.turns_before(&[after])?.pop().flatten();
            let fresh = new_turns.iter().filter(|(k, _)| k.start <= d.end).max_by_key(|(k, _)| *k).cloned();
            match (stored, fresh) {
                (Some(a), Some(b)) => Some(if b.0 > a.0 { b.1 } else { a.1 }),
                (a, b) => a.or(b).map(|(_, n)| n),
            }
        }
    };
    let reason = d.reason().or_else(|| roots.iter().find_map(|&r| errs[r].reason()));
    Ok((RunOutcome { status: OutcomeStatus::Failure, reason, failing_agent: agent, failing_span: Some(d.key) }, state))
}
