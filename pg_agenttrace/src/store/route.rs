//! Stitching look-ups that Citus can route: every read and write here is keyed by its table's
//! distribution column, so a request touches only the shards of the traces it carries.
//!
//! On one server the stitching reads `traces` by run, `span_links` by linked trace and `traces`
//! by process and time (index look-ups). Distributed by `trace_id`, each of those is a query on
//! every shard. On Citus two small tables answer them by key instead, maintained in the same
//! transaction as the traces they describe (the trace and run locks are held):
//! - `trace_edges (trace_id, other_trace_id)`, distributed by trace, co-located with `traces`.
//!   A trace in a run of several traces has edges to and from the run's id (a star around the
//!   run); a span link (not a replay link) gives an edge in both directions. One keyed read of
//!   the traces' `traces` rows and their edges (the same shard, one command per shard) gives a
//!   trace's run, its stored row, its links and, read for the run's id, all the run's traces.
//!   A trace of a run of its own has no edge at all: its `traces` row says what an edge to
//!   itself would (databases distributed earlier keep such self edges; the read skips them).
//! - `setup_processes (resource_hash)`, a reference table: processes that sent set-up-only
//!   traces. A run trace looks for set-up partners only in those (the look-up by process and
//!   time still goes to every shard, for those processes only).
//!
//! `agenttrace.distribute()` fills them from the stored traces and links when it distributes;
//! without Citus they stay empty and nothing here runs.
use std::collections::{HashMap, HashSet};

use agenttrace_core::ids::TraceId;
use agenttrace_core::model::SpanRecord;
use agenttrace_core::replay::is_replay_link;
use agenttrace_core::runs::TraceShape;
use pgrx::spi::{SpiClient, SpiHeapTupleData, SpiResult};

use super::runs::StoredTrace;
use super::uuids;
use crate::columns::{execute_cached, select_cached, trace_id, uuid, Columns};

/// What the routed look-ups found stored, so that only what is new is written.
#[derive(Default)]
pub(super) struct Known {
    /// (trace, other trace) rows of `trace_edges` read.
    pub edges: HashSet<(TraceId, TraceId)>,
    /// The stored `traces` rows of the traces asked (with their root spans' order keys): what
    /// the trace upsert merges this batch into.
    pub traces: HashMap<TraceId, StoredTrace>,
    /// Processes in `setup_processes`.
    pub setup_processes: HashSet<i64>,
}

/// One round of [`stored_closure`]: the asked traces' stored `traces` rows (each naming itself
/// as its other trace, with its run and its root span's order key) and their edges to other
/// traces, as one statement over a `UNION ALL` that Citus sends to each shard of those keys as
/// one command (both branches are filtered by the distribution column).
const CLOSURE_ROUND: &str = "SELECT u.trace_id, u.other_trace_id, u.run_id, u.service_name, u.resource_hash, u.root_span_id,
        u.root_name, u.start_time, u.end_time, u.span_count, u.error_count, u.root_is_root, u.root_start, u.root_duration
   FROM (SELECT t.trace_id, t.trace_id AS other_trace_id, t.run_id, t.service_name, t.resource_hash, t.root_span_id,
                t.root_name, t.start_time, t.end_time, t.span_count, t.error_count,
                r.parent_span_id IS NULL AS root_is_root, r.start_time AS root_start, r.duration_ns AS root_duration
           FROM agenttrace.traces t
           LEFT JOIN agenttrace.spans r ON r.trace_id = t.trace_id AND r.span_id = t.root_span_id
          WHERE t.trace_id = ANY($1)
         UNION ALL
         SELECT e.trace_id, e.other_trace_id, NULL::uuid, NULL::text, NULL::int8, NULL::int8, NULL::text,
                NULL::timestamptz, NULL::timestamptz, NULL::int4, NULL::int4, NULL::bool, NULL::timestamptz, NULL::int8
           FROM agenttrace.trace_edges e
          WHERE e.trace_id = ANY($1) AND e.other_trace_id <> e.trace_id) u";

/// The stored `traces` row in a row of [`CLOSURE_ROUND`] (a root span stored twice gives two
/// rows: the one that comes first is kept).
fn stored_trace(row: &SpiHeapTupleData, t: &mut StoredTrace) -> SpiResult<()> {
    let micros = |v: Option<pgrx::datum::TimestampWithTimeZone>| v.map(|v| v.into_inner());
    t.service_name = row.get::<String>(4)?;
    t.resource_hash = row.get::<i64>(5)?;
    t.root_span_id = row.get::<i64>(6)?;
    t.root_name = row.get::<String>(7)?;
    t.start_time = micros(row.get(8)?);
    t.end_time = micros(row.get(9)?);
    t.span_count = row.get::<i32>(10)?.unwrap_or(0);
    t.error_count = row.get::<i32>(11)?.unwrap_or(0);
    if let (Some(root), Some(start)) = (row.get::<bool>(12)?, micros(row.get(13)?)) {
        t.offer_root((root, start, row.get::<i64>(14)?));
    }
    Ok(())
}

/// [`super::runs::stored_closure`] by key: for the traces of `lookup`, their `traces` rows and
/// edges, then the same for every trace those name, to a fixed point (the rows read go to
/// `known.traces`). A run of
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
        for row in execute_cached(client, CLOSURE_ROUND, &[uuids(&frontier).into()])? {
            let (Some(a), Some(b)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) else { continue };
            let (a, b) = (trace_id(&a), trace_id(&b));
            if let Some(run) = row.get::<pgrx::Uuid>(3)? {
                stored.insert(a);
                out.push((a, trace_id(&run)));
                stored_trace(&row, known.traces.entry(a).or_default())?;
            } else {
                known.edges.insert((a, b));
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
/// runs in a run of several traces, the edges to and from the run's id; both
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
