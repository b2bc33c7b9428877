//! Stitching look-ups that Citus can route: every read and write here is keyed by its table's
//! distribution column, so a request touches only the shards of the traces it carries.
//!
//! On one server the stitching reads `traces` by run, `span_links` by linked trace and `traces`
//! by process and time (index look-ups). Distributed by `trace_id`, each of those is a query on
//! every shard. On Citus two small tables answer them by key instead, maintained in the same
//! transaction as the traces they describe (the trace and run locks are held):
//! - `trace_edges (trace_id, other_trace_id)`, distributed by trace, co-located with `traces`.
//!   Every trace with spans has an edge to itself; a trace in a run of several traces has edges
//!   to and from the run's id (a star around the run); a span link (not a replay link) gives an
//!   edge in both directions. One keyed read of the edges joined to `traces` (the same shard)
//!   gives a trace's run, its links and, read for the run's id, all the run's traces.
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
    /// (trace, other trace) rows of `trace_edges` (self edges too).
    pub edges: HashSet<(TraceId, TraceId)>,
    /// Processes in `setup_processes`.
    pub setup_processes: HashSet<i64>,
}

/// [`super::runs::stored_closure`] by key: for the traces of `lookup`, their edges joined to
/// their `traces` rows, then the same for every trace those name, to a fixed point. A run of
/// several traces is reached in two rounds (trace -> run id -> its traces); links to other runs
/// add two more each. Returns "same run" pairs as the single-server closure does: (trace, its
/// stored run) and (trace, linked or member trace).
pub(super) fn stored_closure(
    client: &mut SpiClient<'_>,
    lookup: &mut Vec<TraceId>,
    known: &mut Known,
) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let mut out = Vec::new();
    let mut asked: HashSet<TraceId> = HashSet::new();
    let mut stored: HashSet<TraceId> = HashSet::new();
    let mut frontier: Vec<TraceId> = lookup.clone();
    for _round in 0..64 {
        frontier.retain(|t| asked.insert(*t));
        if frontier.is_empty() {
            break;
        }
        frontier.sort_unstable();
        let mut next: Vec<TraceId> = Vec::new();
        for row in execute_cached(
            client,
            "SELECT e.trace_id, e.other_trace_id, t.run_id FROM agenttrace.trace_edges e
               LEFT JOIN agenttrace.traces t ON t.trace_id = e.trace_id
              WHERE e.trace_id = ANY($1)",
            &[uuids(&frontier).into()],
        )? {
            let (Some(a), Some(b)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) else { continue };
            let (a, b) = (trace_id(&a), trace_id(&b));
            known.edges.insert((a, b));
            if let Some(run) = row.get::<pgrx::Uuid>(3)? {
                stored.insert(a);
                out.push((a, trace_id(&run)));
            }
            if a != b {
                out.push((a, b));
                if !asked.contains(&b) {
                    next.push(b);
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        frontier = next;
    }
    out.sort_unstable();
    out.dedup();
    // Traces reached that are not stored (linked, not arrived yet) are locked by their own id
    // like the batch's; stored ones through their run's lock (as on one server, where the
    // closure names their runs but not each of their traces).
    lookup.extend(asked.into_iter().filter(|t| !stored.contains(t)));
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

/// The batch's part of the two tables: for the batch's traces and the stored traces of their
/// runs, the edge to itself and, in a run of several traces, to and from the run's id; both
/// directions of the batch's links; the batch's new set-up processes. Only edges not read by
/// [`stored_closure`] are written. Edges to the id of a run that merged into another stay: they
/// join traces that are in one run still.
pub(super) fn record(
    client: &mut SpiClient<'_>,
    traces: &[TraceId],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    new_spans: &[SpanRecord],
    shapes: &[TraceShape],
    known: &Known,
) -> SpiResult<()> {
    let mut edges: Vec<(TraceId, TraceId)> = Vec::new();
    for t in traces {
        let run = run_of(t);
        edges.push((*t, *t));
        if run != *t {
            edges.push((*t, run));
            edges.push((run, *t));
        }
    }
    for s in new_spans {
        for l in s.links.iter().filter(|l| l.trace_id != s.trace_id && !is_replay_link(&l.attributes)) {
            edges.push((s.trace_id, l.trace_id));
            edges.push((l.trace_id, s.trace_id));
        }
    }
    edges.retain(|e| !known.edges.contains(e));
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
