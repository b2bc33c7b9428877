//! The run's outcome from its error forest (what `analyze::outcome` decides from the
//! whole run, for runs without stop reasons or control events).

use crate::model::SpanRecord;
use crate::normalize::{OutcomeStatus, RunOutcome, SpanFacts};
use crate::run::forest::{self, ErrNode, Forest, Found, Leaf};
use crate::run::{reason_from, Key, OrderKey, SpanKey, StoredSpan};

pub(super) fn stored_leaf(s: &StoredSpan, owner: Option<String>) -> Leaf {
    Leaf {
        key: Key(s.key()),
        order: s.order(),
        end: s.end,
        owner,
        reason: reason_from(s.error_type.as_deref(), s.error_message.as_deref()),
    }
}

pub(super) fn new_leaf(s: &SpanRecord, f: &SpanFacts, owner: Option<String>) -> Leaf {
    Leaf {
        key: Key((s.trace_id, s.span_id)),
        order: OrderKey::of(s),
        end: s.end_time_unix_nano,
        owner,
        reason: reason_from(f.error_type.as_deref(), f.error_message.as_deref()),
    }
}

/// The forest built from all of the run's error spans: the stored ones (`stored`, each with
/// its owner) and the batch's (`new`, with their chains already walked).
pub(super) fn rebuild<S: super::RunStore>(
    stored: Vec<(StoredSpan, Option<String>)>,
    mut new: Vec<ErrNode>,
    last_healthy: Option<u64>,
    store: &mut S,
    lookup: impl Fn(&[SpanKey], &mut S) -> Result<Vec<Found>, S::Error>,
) -> Result<Forest, S::Error> {
    let starts: Vec<Option<SpanKey>> = stored.iter().map(|(s, _)| forest::parent_key(s.key(), s.parent)).collect();
    let chains = forest::chains(&starts, store, lookup)?;
    for ((s, owner), chain) in stored.into_iter().zip(chains) {
        new.push(ErrNode { counts: forest::counts(s.category), span: stored_leaf(&s, owner), chain });
    }
    Ok(forest::build(&new, last_healthy))
}

/// The outcome the forest decides, and whether its failing agent came from the turns (the
/// decisive span has no agent of its own). `new_turns`: the batch's turns, not stored yet.
pub(super) fn decide<S: super::RunStore>(
    f: &Forest,
    last_healthy: Option<u64>,
    store: &mut S,
    new_turns: &[(OrderKey, String)],
) -> Result<(RunOutcome, bool), S::Error> {
    let Some((d, reason)) = forest::verdict(f, last_healthy) else {
        return Ok((RunOutcome::default(), false));
    };
    let (agent, from_turns) = match &d.owner {
        Some(a) => (Some(a.clone()), false),
        None => {
            // The latest stored turn starting at or before the failing span's end: the one just
            // before the first key that starts after it.
            let after = OrderKey { start: d.end.saturating_add(1), end_rev: 0, trace: [0; 16], span: i64::MIN };
            let stored = store.turns_before(&[after])?.pop().flatten();
            let fresh = new_turns.iter().filter(|(k, _)| k.start <= d.end).max_by_key(|(k, _)| *k).cloned();
            let agent = match (stored, fresh) {
                (Some(a), Some(b)) => Some(if b.0 > a.0 { b.1 } else { a.1 }),
                (a, b) => a.or(b).map(|(_, n)| n),
            };
            (agent, true)
        }
    };
    Ok((RunOutcome { status: OutcomeStatus::Failure, reason, failing_agent: agent, failing_span: Some(d.key.0) }, from_turns))
}
