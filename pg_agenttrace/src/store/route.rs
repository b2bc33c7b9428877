//! Stitching look-ups that Citus can route: every read and write here is keyed by its table's
//! distribution column, so a request touches only the shards of the traces and runs it carries.
//!
//! On one server the stitching reads `traces` by run, `span_links` by linked trace and `traces`
//! by process and time (index look-ups). Distributed by `trace_id`, each of those is a query on
//! every shard. On Citus three small tables answer them by key instead, maintained in the same
//! transaction as the traces they describe (the trace and run locks are held):
//! - `run_traces (run_id, trace_id)`, distributed by run: the traces of a run;
//! - `trace_edges (trace_id, other_trace_id)`, distributed by trace, both directions of every
//!   stored link (not replay links): who links to a trace, from the trace's own shard;
//! - `setup_processes (resource_hash)`, a reference table: processes that sent set-up-only
//!   traces. A run trace looks for set-up partners only in those (the look-up by process and
//!   time still goes to every shard, for those processes only).
//!
//! `agenttrace.distribute()` fills them from the stored traces and links when it distributes;
//! without Citus they stay empty and nothing here runs.
use std::collections::HashSet;

use agenttrace_core::ids::TraceId;
use agenttrace_core::model::SpanRecord;
use agenttrace_core::replay::is_replay_link;
use agenttrace_core::runs::TraceShape;
use pgrx::spi::{SpiClient, SpiResult};

use super::uuids;
use crate::columns::{execute_cached, select_cached, trace_id, uuid, Columns};

/// What the routed look-ups found stored, so that only what is new is written.
#[derive(Default)]
pub(super) struct Known {
    /// (run, trace) rows of `run_traces`.
    pub members: HashSet<(TraceId, TraceId)>,
    /// (trace, other trace) rows of `trace_edges`.
    pub edges: HashSet<(TraceId, TraceId)>,
    /// Processes in `setup_processes`.
    pub setup_processes: HashSet<i64>,
    /// Traces with a `traces` row (stored spans).
    pub stored_traces: HashSet<TraceId>,
}

fn pairs(client: &mut SpiClient<'_>, sql: &str, ids: &[TraceId]) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let mut out = Vec::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for row in execute_cached(client, sql, &[uuids(ids).into()])? {
        if let (Some(a), Some(b)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) {
            out.push((trace_id(&a), trace_id(&b)));
        }
    }
    Ok(out)
}

/// [`super::runs::stored_closure`] by key: the runs of `lookup`'s traces (`traces` by trace),
/// their members (`run_traces` by run) and the traces linked to any of them (`trace_edges` by
/// trace), to a fixed point. Returns "same run" pairs as the single-server closure does.
pub(super) fn stored_closure(
    client: &mut SpiClient<'_>,
    lookup: &mut Vec<TraceId>,
    known: &mut Known,
) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let mut out = Vec::new();
    let mut asked_runs: HashSet<TraceId> = HashSet::new();
    let mut asked_traces: HashSet<TraceId> = HashSet::new();
    let mut asked_edges: HashSet<TraceId> = HashSet::new();
    let mut frontier: Vec<TraceId> = lookup.clone();
    // Each round reads only what the previous one found; a run is read once however many of
    // its traces lead to it, so the rounds are bounded by the chain of links between runs.
    for _round in 0..64 {
        frontier.retain(|t| asked_traces.insert(*t));
        if frontier.is_empty() {
            break;
        }
        let stored = pairs(client, "SELECT trace_id, run_id FROM agenttrace.traces WHERE trace_id = ANY($1)", &frontier)?;
        let mut runs: Vec<TraceId> = stored.iter().map(|(_, r)| *r).filter(|r| asked_runs.insert(*r)).collect();
        runs.sort_unstable();
        runs.dedup();
        let members = pairs(client, "SELECT trace_id, run_id FROM agenttrace.run_traces WHERE run_id = ANY($1)", &runs)?;
        known.members.extend(members.iter().map(|(t, r)| (*r, *t)));
        known.stored_traces.extend(stored.iter().chain(&members).map(|(t, _)| *t));
        let mut edge_of: Vec<TraceId> =
            frontier.iter().copied().chain(members.iter().map(|(t, _)| *t)).filter(|t| asked_edges.insert(*t)).collect();
        edge_of.sort_unstable();
        let edges = pairs(client, "SELECT trace_id, other_trace_id FROM agenttrace.trace_edges WHERE trace_id = ANY($1)", &edge_of)?;
        known.edges.extend(edges.iter().copied());
        let mut next: Vec<TraceId> = Vec::new();
        for (t, _) in stored.iter().chain(&members) {
            if !asked_traces.contains(t) {
                next.push(*t);
            }
        }
        for (_, other) in &edges {
            if !asked_traces.contains(other) {
                next.push(*other);
            }
        }
        out.extend(stored);
        out.extend(members);
        out.extend(edges);
        next.sort_unstable();
        next.dedup();
        frontier = next;
    }
    lookup.extend(asked_traces);
    lookup.sort_unstable();
    lookup.dedup();
    Ok(out)
}

/// Which of these processes sent set-up-only traces before (a reference table: read locally).
pub(super) fn read_setup_processes(client: &SpiClient<'_>, shapes: &[TraceShape], known: &mut Known) -> SpiResult<()> {
    let mut hashes: Vec<i64> = shapes.iter().map(|s| s.resource_hash).collect();
    hashes.sort_unstable();
    hashes.dedup();
    for row in
        select_cached(client, "SELECT resource_hash FROM agenttrace.setup_processes WHERE resource_hash = ANY($1)", &[hashes.into()])?
    {
        if let Some(h) = row.get::<i64>(1)? {
            known.setup_processes.insert(h);
        }
    }
    Ok(())
}

/// The batch's part of the three tables: run membership of the batch's traces and of the stored
/// traces of its runs (moved from runs that merged into another), both directions of its new
/// links, its new set-up processes.
pub(super) fn record(
    client: &mut SpiClient<'_>,
    batch_traces: &[TraceId],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    retired_runs: &[TraceId],
    new_spans: &[SpanRecord],
    shapes: &[TraceShape],
    known: &Known,
) -> SpiResult<()> {
    if !retired_runs.is_empty() {
        execute_cached(client, "DELETE FROM agenttrace.run_traces WHERE run_id = ANY($1)", &[uuids(retired_runs).into()])?;
    }
    let mut members: Vec<(TraceId, TraceId)> =
        batch_traces.iter().chain(&known.stored_traces).map(|t| (run_of(t), *t)).filter(|m| !known.members.contains(m)).collect();
    members.sort_unstable();
    members.dedup();
    if !members.is_empty() {
        Columns::new().map("run_id", "uuid", &members, |(r, _)| uuid(r)).map("trace_id", "uuid", &members, |(_, t)| uuid(t)).insert(
            client,
            "agenttrace.run_traces",
            "ON CONFLICT DO NOTHING",
        )?;
    }
    let mut edges: Vec<(TraceId, TraceId)> = Vec::new();
    for s in new_spans {
        for l in s.links.iter().filter(|l| l.trace_id != s.trace_id && !is_replay_link(&l.attributes)) {
            for e in [(s.trace_id, l.trace_id), (l.trace_id, s.trace_id)] {
                if !known.edges.contains(&e) {
                    edges.push(e);
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    if !edges.is_empty() {
        Columns::new().map("trace_id", "uuid", &edges, |(a, _)| uuid(a)).map("other_trace_id", "uuid", &edges, |(_, b)| uuid(b)).insert(
            client,
            "agenttrace.trace_edges",
            "ON CONFLICT DO NOTHING",
        )?;
    }
    let mut setup: Vec<i64> =
        shapes.iter().filter(|s| s.setup_only && !known.setup_processes.contains(&s.resource_hash)).map(|s| s.resource_hash).collect();
    setup.sort_unstable();
    setup.dedup();
    if !setup.is_empty() {
        Columns::new().col("resource_hash", "int8", setup).insert(client, "agenttrace.setup_processes", "ON CONFLICT DO NOTHING")?;
    }
    Ok(())
}
