//! Writing decoded spans and what the normalizers derive from them, set-based.
//!
//! Per batch: lock the batch's processes, traces and runs (`crate::locks`, one sorted statement),
//! stitch traces into runs (span links, set-up traces and the runs already stored), then
//! * runs that keep a state (`run_state`) are extended from the batch and keyed reads
//!   ([`incremental`]): their cost does not grow with the run;
//! * the others (new runs, merged runs, short runs, raw mode) are analysed whole from their
//!   stored spans and the batch.
//!
//! Every table is written with one statement per batch (`crate::columns`). Re-delivered spans
//! are not inserted again: a plain insert runs first and falls back to `ON CONFLICT DO NOTHING`
//! on a unique violation (one server), or the batch's stored spans are read first (Citus).
//!
//! This file orders the steps; what each table is written from lives beside it:
//! [`spans`] (span rows, events, links, resources), [`runs`] (run stitching and `traces` rows),
//! [`route`] (stitching by key on Citus), [`derived`] (agents, messages, tool calls,
//! checkpoints, run summaries, search documents, run state), [`overlay`] (GenAI content from
//! log events).
mod derived;
mod incremental;
mod overlay;
mod route;
mod runs;
mod spans;

use std::collections::{HashMap, HashSet};

use agenttrace_core::analyze::{analyze_run, RunAnalysis};
use agenttrace_core::ids::{i64_to_span_id, TraceId};
use agenttrace_core::model::{Attributes, SpanRecord};
use agenttrace_core::replay::is_replay_link;
use agenttrace_core::rows::{status_facts, RunTotals, SpanRow};
use agenttrace_core::runs::{attach_setup_traces, is_setup_span, RunStitcher, TraceShape};
use pgrx::spi::{SpiClient, SpiResult};

use crate::columns::{execute_cached, trace_id, uuid, Columns, IngestPlanning};
use derived::write_derived;
use runs::{stored_closure, stored_setup_partners, trace_shapes, upsert_traces_incremental, StoredTrace, TraceAdd};
use spans::{insert_events_links, insert_span_rows, load_spans_and_facts_hashes, refresh_span_facts};
pub(crate) use spans::{insert_resources, load_span, load_spans};

use agenttrace_core::run::SpanKey;

fn uuids<'a>(ids: impl IntoIterator<Item = &'a TraceId>) -> Vec<pgrx::Uuid> {
    ids.into_iter().map(uuid).collect()
}

/// Stores new spans (any mix of traces and runs) and refreshes everything derived from them.
/// Returns the ids of the runs whose derived rows were rebuilt.
pub fn store_spans(client: &mut SpiClient<'_>, new_spans: Vec<SpanRecord>, normalize: bool) -> SpiResult<Vec<TraceId>> {
    if new_spans.is_empty() {
        return Ok(Vec::new());
    }
    // Citus: the keyed writes go to their shard groups at the end, one command per group
    // (crate::shard_writes; a statement that reads a table with deferred writes sends them first).
    // Started before the planner settings below: its catalog look-up scans small tables.
    let deferral = if crate::columns::citus_present() { crate::shard_writes::Deferral::start(client)? } else { None };
    // Every statement below is a keyed look-up or write of this batch: plan them as such.
    let _plan = IngestPlanning::start();
    let written = store_batch(client, new_spans, normalize)?;
    if let Some(d) = deferral {
        d.finish(client)?;
    }
    Ok(written)
}

/// [`store_spans`]' steps.
fn store_batch(client: &mut SpiClient<'_>, mut new_spans: Vec<SpanRecord>, normalize: bool) -> SpiResult<Vec<TraceId>> {
    // 1. Stitch: batch traces, their links, and the runs already stored for any of them.
    let mut st = stitch_batch(client, &new_spans)?;
    // Runs whose state is current are extended from this batch and keyed reads
    // (store/incremental.rs); the rest, and raw mode, go on below.
    let mut extended: Vec<TraceId> = Vec::new();
    if normalize {
        let run_of = |t: &TraceId| st.run_of(t);
        let known = st.known_traces.as_ref();
        extended = incremental::extend_runs(client, &mut new_spans, &st.stored, &run_of, &st.setup_pairs, known)?;
        if !extended.is_empty() {
            let fast: HashSet<TraceId> = extended.iter().copied().collect();
            let assignment = &st.assignment;
            let run_of = |t: &TraceId| assignment.get(t).copied().unwrap_or(*t);
            st.batch_traces.retain(|t| !fast.contains(&run_of(t)));
            st.stored_traces.retain(|t| !fast.contains(&run_of(t)));
        }
        if new_spans.is_empty() {
            return Ok(extended);
        }
    }
    // 2. Whole runs.
    let mut written = whole_runs(client, new_spans, st, normalize)?;
    written.extend(extended);
    Ok(written)
}

/// A batch's traces stitched into runs, with what is stored of them.
struct Stitched {
    /// The batch's traces (those of extended runs removed once extended).
    batch_traces: Vec<TraceId>,
    /// (trace, run or linked trace) pairs read from storage: both mean "same run".
    stored: Vec<(TraceId, TraceId)>,
    /// Every trace's run now.
    assignment: HashMap<TraceId, TraceId>,
    /// (set-up trace, run trace) pairs of the same process.
    setup_pairs: Vec<(TraceId, TraceId)>,
    /// Stored traces of the batch's runs.
    stored_traces: Vec<TraceId>,
    /// Stored runs merged into another run by this batch: they lose their derived rows.
    retired_runs: Vec<TraceId>,
    /// Citus: the stored `traces` rows of every trace asked by the stitching look-up (the batch's
    /// and their runs' traces), read under the locks; the trace upsert merges into them.
    known_traces: Option<HashMap<TraceId, StoredTrace>>,
}

impl Stitched {
    fn run_of(&self, t: &TraceId) -> TraceId {
        self.assignment.get(t).copied().unwrap_or(*t)
    }
}

/// Set-up traces pair with runs of the same process by time, possibly across concurrent
/// sessions: batches with set-up-only traces lock their process exclusively, others share the
/// lock, so a set-up trace and its run never miss each other's uncommitted rows.
fn lock_processes(client: &mut SpiClient<'_>, shapes: &[TraceShape]) -> SpiResult<()> {
    let mut shared: Vec<i32> = Vec::new();
    let mut exclusive: Vec<i32> = Vec::new();
    for t in shapes {
        let key = (t.resource_hash ^ (t.resource_hash >> 32)) as i32;
        if t.setup_only {
            exclusive.push(key)
        } else {
            shared.push(key)
        }
    }
    exclusive.sort_unstable();
    exclusive.dedup();
    shared.sort_unstable();
    shared.dedup();
    shared.retain(|k| exclusive.binary_search(k).is_err());
    execute_cached(
        client,
        "SELECT count(CASE WHEN x THEN pg_advisory_xact_lock(1635021938, k) ELSE pg_advisory_xact_lock_shared(1635021938, k) END)
           FROM (SELECT k, x FROM (SELECT unnest($1::int4[]) AS k, true AS x UNION ALL SELECT unnest($2::int4[]), false) AS u ORDER BY k) AS locks",
        &[exclusive.into(), shared.into()],
    )?;
    Ok(())
}

/// Stitches the batch's traces into runs: their span links, set-up traces (agent creation,
/// workflow build) joining the run that follows them, and the runs already stored for any of
/// them; takes the process, trace and run locks on the way.
fn stitch_batch(client: &mut SpiClient<'_>, new_spans: &[SpanRecord]) -> SpiResult<Stitched> {
    let mut batch_traces: Vec<TraceId> = new_spans.iter().map(|s| s.trace_id).collect();
    batch_traces.sort_unstable();
    batch_traces.dedup();
    let shapes = trace_shapes(new_spans);
    lock_processes(client, &shapes)?;
    // On Citus the stitching reads go through tables keyed by distribution column (route.rs).
    let citus = crate::columns::citus_present();
    let mut known = route::Known::default();
    if citus {
        route::read_setup_processes(client, &shapes, &mut known)?;
    }
    let mut setup_pairs = attach_setup_traces(&shapes);
    setup_pairs.extend(stored_setup_partners(client, &shapes, &setup_pairs, citus.then_some(&known.setup_processes))?);

    let mut lookup: Vec<TraceId> = batch_traces.clone();
    lookup.extend(new_spans.iter().flat_map(|s| s.links.iter().filter(|l| !is_replay_link(&l.attributes)).map(|l| l.trace_id)));
    lookup.extend(setup_pairs.iter().flat_map(|(a, b)| [*a, *b]));
    lookup.sort_unstable();
    lookup.dedup();
    let stitch = |stored: &[(TraceId, TraceId)]| {
        let mut stitcher = RunStitcher::new();
        for t in &batch_traces {
            stitcher.add(*t);
        }
        for s in new_spans {
            // A replay links to its original run but is a run of its own.
            for l in s.links.iter().filter(|l| !is_replay_link(&l.attributes)) {
                stitcher.join(s.trace_id, l.trace_id);
            }
        }
        for (t, run) in stored {
            stitcher.join(*t, *run);
        }
        for (setup, run_trace) in &setup_pairs {
            stitcher.join(*setup, *run_trace);
        }
        stitcher.assignments()
    };
    // Concurrent sessions (several ingress writers) may carry spans of the same run: each run
    // is serialised by a transaction-level advisory lock, taken in a global order (no
    // deadlocks), and the stored state is read again once the locks are held, so every
    // session analyses the run with everything committed before it.
    // Keys: every trace this batch touches or links to, and every run those belong to now —
    // two batches that share a trace or a run wait for each other.
    let closure = |client: &mut SpiClient<'_>, lookup: &mut Vec<TraceId>, known: &mut route::Known| {
        if citus {
            route::stored_closure(client, lookup, known)
        } else {
            stored_closure(client, lookup)
        }
    };
    let first = stitch(&closure(client, &mut lookup, &mut route::Known::default())?);
    crate::locks::lock_traces(client, first.values().chain(lookup.iter()))?;
    let stored = closure(client, &mut lookup, &mut known)?;
    let assignment = stitch(&stored);
    let run_of = |t: &TraceId| assignment.get(t).copied().unwrap_or(*t);

    let old_runs: HashSet<TraceId> = stored.iter().map(|(_, r)| *r).collect();
    let retired_runs: Vec<TraceId> = old_runs.iter().filter(|r| run_of(r) != **r).copied().collect();
    let mut stored_traces: Vec<TraceId> = stored.iter().map(|(t, _)| *t).collect();
    stored_traces.sort_unstable();
    stored_traces.dedup();
    if citus {
        let traces: Vec<TraceId> = batch_traces.iter().chain(&stored_traces).copied().collect();
        route::record(client, &traces, &run_of, new_spans, &shapes, &known)?;
    }
    let known_traces = citus.then_some(known.traces);
    Ok(Stitched { batch_traces, stored, assignment, setup_pairs, stored_traces, retired_runs, known_traces })
}

/// Whole runs: the new spans plus what is stored for their runs (deduplicated, new first),
/// analysed and written.
fn whole_runs(client: &mut SpiClient<'_>, new_spans: Vec<SpanRecord>, st: Stitched, normalize: bool) -> SpiResult<Vec<TraceId>> {
    let run_of = |t: &TraceId| st.run_of(t);
    let new_keys: HashSet<SpanKey> = new_spans.iter().map(|s| (s.trace_id, s.span_id)).collect();
    let (prior, stored_facts, stored_errors) = read_prior(client, &st, normalize)?;
    let prior_keys: HashSet<SpanKey> = prior.iter().map(|s| (s.trace_id, s.span_id)).collect();
    let mut by_run: HashMap<TraceId, Vec<SpanRecord>> = HashMap::new();
    let mut seen: HashSet<SpanKey> = HashSet::with_capacity(new_spans.len() + prior.len());
    for s in prior.into_iter().chain(new_spans) {
        if seen.insert((s.trace_id, s.span_id)) {
            by_run.entry(run_of(&s.trace_id)).or_default().push(s);
        }
    }
    let mut touched_traces: Vec<TraceId> = st.batch_traces.clone();
    touched_traces.extend(st.stored_traces.iter().copied());
    touched_traces.sort_unstable();
    touched_traces.dedup();
    let originals = if normalize { apply_overlays(client, &touched_traces, &prior_keys, &mut by_run)? } else { HashMap::new() };
    // Derived rows exist only for runs that had stored traces (or were merged away): only those
    // need clearing before the rewrite; brand-new runs skip the deletes.
    let mut clear_runs: Vec<TraceId> = st.stored_traces.iter().map(run_of).collect();
    clear_runs.extend(st.retired_runs.iter().copied());
    clear_runs.sort_unstable();
    clear_runs.dedup();
    write_runs(
        client,
        by_run,
        RunWrite {
            new_keys: &new_keys,
            prior_keys: &prior_keys,
            stored_facts: &stored_facts,
            touched_traces: &touched_traces,
            run_of: &run_of,
            clear_runs,
            normalize,
            originals: &originals,
            stored_errors: Some(&stored_errors),
            stored_traces: st.known_traces.as_ref(),
        },
    )
}

/// The stored spans of the batch's runs with their facts fingerprints and error flags. Raw mode
/// analyses nothing, so it does not read a run's earlier spans back (that made every request of
/// a long run cost as much as the run so far); it only moves the spans of traces whose run
/// changed (runs merged by a new link) to their new run.
#[allow(clippy::type_complexity)]
fn read_prior(
    client: &mut SpiClient<'_>,
    st: &Stitched,
    normalize: bool,
) -> SpiResult<(Vec<SpanRecord>, HashMap<SpanKey, i64>, HashMap<SpanKey, bool>)> {
    if st.stored_traces.is_empty() {
        return Ok((Vec::new(), HashMap::new(), HashMap::new()));
    }
    if normalize {
        let (spans, (hashes, errors)) = load_spans_and_facts_hashes(client, &st.stored_traces)?;
        return Ok((spans, hashes, errors));
    }
    let moved: HashMap<TraceId, TraceId> = st.stored.iter().filter(|(t, r)| st.run_of(t) != *r).map(|(t, _)| (*t, st.run_of(t))).collect();
    if !moved.is_empty() {
        let moved: Vec<(&TraceId, &TraceId)> = moved.iter().collect();
        Columns::new().map("trace_id", "uuid", &moved, |(t, _)| uuid(t)).map("run_id", "uuid", &moved, |(_, r)| uuid(r)).run(
            client,
            "UPDATE agenttrace.spans s SET run_id = u.run_id FROM {unnest}
                  WHERE s.trace_id = u.trace_id {route:s.trace_id} AND s.run_id IS DISTINCT FROM u.run_id",
        )?;
    }
    Ok((Vec::new(), HashMap::new(), HashMap::new()))
}

/// GenAI content that arrived as log events (before these spans, or for stored ones) joins the
/// analysis; new spans are stored with their own attributes, returned by key.
fn apply_overlays(
    client: &mut SpiClient<'_>,
    touched_traces: &[TraceId],
    prior_keys: &HashSet<SpanKey>,
    by_run: &mut HashMap<TraceId, Vec<SpanRecord>>,
) -> SpiResult<HashMap<SpanKey, Attributes>> {
    let mut originals: HashMap<SpanKey, Attributes> = HashMap::new();
    let overlays = overlay::genai_overlays(client, touched_traces)?;
    if overlays.is_empty() {
        return Ok(originals);
    }
    for s in by_run.values_mut().flatten() {
        let key = (s.trace_id, s.span_id);
        if let Some(o) = overlays.get(&key) {
            let before = (!prior_keys.contains(&key)).then(|| s.attributes.clone());
            if agenttrace_core::logs::apply_overlay(s, o) {
                if let Some(b) = before {
                    originals.insert(key, b);
                }
            }
        }
    }
    Ok(originals)
}

/// Re-analyses stored runs as they are (after a normalizer upgrade).
pub fn refresh_runs(client: &mut SpiClient<'_>, run_ids: &[TraceId]) -> SpiResult<Vec<TraceId>> {
    let _plan = IngestPlanning::start();
    let mut run_by_trace: HashMap<TraceId, TraceId> = HashMap::new();
    for row in client.select("SELECT trace_id, run_id FROM agenttrace.traces WHERE run_id = ANY($1)", None, &[uuids(run_ids).into()])? {
        if let (Some(t), Some(r)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) {
            run_by_trace.insert(trace_id(&t), trace_id(&r));
        }
    }
    let traces: Vec<TraceId> = run_by_trace.keys().copied().collect();
    let spans = load_spans(client, &traces)?;
    let prior_keys: HashSet<SpanKey> = spans.iter().map(|s| (s.trace_id, s.span_id)).collect();
    // Repairs too: every span's facts are compared column by column, whatever its fingerprint.
    let stored_facts = HashMap::new();
    let run_of = |t: &TraceId| run_by_trace.get(t).copied().unwrap_or(*t);
    let mut by_run: HashMap<TraceId, Vec<SpanRecord>> = HashMap::new();
    for s in spans {
        by_run.entry(run_of(&s.trace_id)).or_default().push(s);
    }
    let clear_runs = run_ids.to_vec();
    write_runs(
        client,
        by_run,
        RunWrite {
            new_keys: &HashSet::new(),
            prior_keys: &prior_keys,
            stored_facts: &stored_facts,
            touched_traces: &traces,
            run_of: &run_of,
            clear_runs,
            normalize: true,
            originals: &HashMap::new(),
            stored_errors: None,
            stored_traces: None,
        },
    )
}

/// What [`write_runs`] needs besides the runs: which spans are new and which stored, what is
/// stored about them, and how to write.
struct RunWrite<'a> {
    new_keys: &'a HashSet<SpanKey>,
    prior_keys: &'a HashSet<SpanKey>,
    stored_facts: &'a HashMap<SpanKey, i64>,
    touched_traces: &'a [TraceId],
    run_of: &'a dyn Fn(&TraceId) -> TraceId,
    clear_runs: Vec<TraceId>,
    normalize: bool,
    originals: &'a HashMap<SpanKey, Attributes>,
    stored_errors: Option<&'a HashMap<SpanKey, bool>>,
    /// Citus: the stored `traces` rows of `touched_traces` (see [`Stitched::known_traces`]).
    stored_traces: Option<&'a HashMap<TraceId, StoredTrace>>,
}

/// Analyses each run whole, inserts new spans, refreshes facts of stored ones, then rebuilds
/// traces and the derived tables of every run involved.
fn write_runs(client: &mut SpiClient<'_>, by_run: HashMap<TraceId, Vec<SpanRecord>>, w: RunWrite<'_>) -> SpiResult<Vec<TraceId>> {
    let RunWrite {
        new_keys,
        prior_keys,
        stored_facts,
        touched_traces,
        run_of,
        clear_runs,
        normalize,
        originals,
        stored_errors,
        stored_traces,
    } = w;
    let mut runs: Vec<(TraceId, Vec<SpanRecord>, RunAnalysis)> = Vec::with_capacity(by_run.len());
    for (run, spans) in by_run {
        pgrx::check_for_interrupts!();
        let analysis = if normalize {
            analyze_run(&spans)
        } else {
            RunAnalysis { facts: spans.iter().map(status_facts).collect(), ..Default::default() }
        };
        runs.push((run, spans, analysis));
    }

    let mut inserted_rows = Vec::new();
    let mut refreshed_rows = Vec::new();
    let mut totals: HashMap<TraceId, RunTotals> = HashMap::with_capacity(runs.len());
    for (run, spans, analysis) in &runs {
        let run_totals = totals.entry(*run).or_default();
        for (s, f) in spans.iter().zip(&analysis.facts) {
            let key = (s.trace_id, s.span_id);
            let stored = prior_keys.contains(&key);
            // Rows carry no attributes JSON: stored spans only get their facts refreshed, and a
            // new span's attributes travel beside its row (jsonb built from the map), the ones
            // it came with, not the content of its log events.
            let row = SpanRow::without_attributes(s, f, *run);
            run_totals.add(&row);
            if stored {
                // Only spans whose facts changed are rewritten (most keep theirs).
                if stored_facts.get(&key) != Some(&row.facts_hash()) {
                    refreshed_rows.push(row);
                }
            } else if new_keys.contains(&key) {
                inserted_rows.push((row, s, originals.get(&key).unwrap_or(&s.attributes)));
            }
        }
    }
    insert_resources(client, inserted_rows.iter().map(|(_, s, _)| &s.resource))?;
    // Normalized, every stored span of these traces was read (prior_keys): the rest are new.
    let inserted = insert_span_rows(client, inserted_rows.iter().map(|(r, _, a)| (r, *a)), normalize)?;
    // What the batch really added to each trace (re-delivered spans are not inserted again).
    let mut added: HashMap<TraceId, TraceAdd> = HashMap::new();
    if !inserted.is_empty() {
        let inserted: HashSet<(TraceId, i64)> = inserted.into_iter().collect();
        for (r, _, _) in &inserted_rows {
            if inserted.contains(&(r.trace_id, r.span_id)) {
                TraceAdd::add(&mut added, r);
            }
        }
    }
    insert_events_links(client, inserted_rows.iter().map(|(_, s, _)| *s))?;
    if !refreshed_rows.is_empty() {
        refresh_span_facts(client, &refreshed_rows)?;
    }
    drop(inserted_rows);
    let mut setup_only: HashMap<TraceId, bool> = HashMap::new();
    for (_, spans, _) in &runs {
        for s in spans {
            let only = setup_only.entry(s.trace_id).or_insert(true);
            if *only {
                *only = is_setup_span(s);
            }
        }
    }
    // Raw mode saw only this batch's spans of a trace: a trace stays set-up-only if it was and
    // these spans are too.
    // Stored spans whose facts changed may change their trace's error count: by what they
    // counted before (read with them) and count now. Traces recomputed from all their spans:
    // every trace on renormalize() (`stored_errors` None), and one whose stored span's error
    // flag was not read.
    let mut full: HashSet<TraceId> = HashSet::new();
    match stored_errors {
        None => full.extend(touched_traces.iter().copied()),
        Some(before) => {
            for r in &refreshed_rows {
                match before.get(&(r.trace_id, i64_to_span_id(r.span_id))) {
                    Some(&was) => {
                        let now = r.status_code == 2 || r.is_error;
                        if now != was {
                            TraceAdd::add_errors(&mut added, r.trace_id, now as i32 - was as i32);
                        }
                    }
                    None => {
                        full.insert(r.trace_id);
                    }
                }
            }
        }
    }
    upsert_traces_incremental(client, touched_traces, run_of, &setup_only, !normalize, &added, &full, stored_traces)?;

    if !normalize {
        // Raw mode: agenttrace.renormalize() derives agents, messages and outcomes later. The
        // runs' states no longer describe their spans: the next normalized batch analyses whole.
        let mut touched: Vec<TraceId> = runs.iter().map(|(r, _, _)| *r).collect();
        touched.extend(clear_runs.iter().copied());
        crate::columns::execute_keyed(client, "DELETE FROM agenttrace.run_state WHERE run_id = ANY($1)", uuids(&touched))?;
        return Ok(Vec::new());
    }
    let written: Vec<TraceId> = runs.iter().map(|(r, _, _)| *r).collect();
    write_derived(client, &clear_runs, &runs, &totals, &setup_only)?;
    Ok(written)
}
