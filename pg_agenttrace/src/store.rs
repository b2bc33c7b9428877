//! Writing decoded spans and what the normalizers derive from them, set-based.
//!
//! Per batch: stitch traces into runs (span links + runs already stored), load the stored spans
//! of runs that grew, analyse each touched run as a whole, then write every table with one
//! `unnest` statement each. Re-ingesting a span is a no-op (`ON CONFLICT DO NOTHING`).
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use agenttrace_core::ids::{i64_to_span_id, span_id_to_i64, SpanId, TraceId};
use agenttrace_core::model::{Attributes, Resource, SpanEvent, SpanLink, SpanRecord};
use agenttrace_core::normalize::{analyze_run, RunAnalysis};
use agenttrace_core::replay::{extract_checkpoints, is_replay_link, replay_origin};
use agenttrace_core::rows::{
    excerpt, nanos_i64, pg_micros, search_words, status_facts, RunTotals, SpanRow, EXCERPT_BYTES,
};
use agenttrace_core::runs::{
    attach_setup_traces, is_setup_span, RunStitcher, TraceShape, SETUP_ATTACH_WINDOW_NS,
};
use pgrx::spi::{SpiClient, SpiResult};

use crate::columns::{
    execute_cached, select_cached, timestamptz, trace_id, uuid, Columns, IngestPlanning, Writes,
};

type SpanKey = (TraceId, SpanId);

fn uuids<'a>(ids: impl IntoIterator<Item = &'a TraceId>) -> Vec<pgrx::Uuid> {
    ids.into_iter().map(uuid).collect()
}

/// Stored run membership of `lookup`, widened to a fixed point over stored span links (a link
/// whose two ends arrived in different requests joins their runs whichever side comes later).
/// Returns (trace, run) pairs and (trace, linked trace) pairs: both mean "same run".
fn stored_closure(
    client: &mut SpiClient<'_>,
    lookup: &mut Vec<TraceId>,
) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let mut pairs = Vec::new();
    for _round in 0..4 {
        pairs = stored_run_members(client, lookup)?;
        let members: Vec<TraceId> = pairs.iter().map(|(t, _)| *t).collect();
        let mut edges = Vec::new();
        let mut grew = false;
        let known: HashSet<TraceId> = lookup
            .iter()
            .copied()
            .chain(members.iter().copied())
            .collect();
        for row in execute_cached(
            client,
            "SELECT l.trace_id, l.linked_trace_id FROM agenttrace.span_links l
              WHERE (l.trace_id = ANY($1) OR l.linked_trace_id = ANY($1))
                AND NOT l.attributes @> '{\"agenttrace.link.type\": \"replay_of\"}'",
            &[uuids(&members).into()],
        )? {
            if let (Some(a), Some(b)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) {
                let (a, b) = (trace_id(&a), trace_id(&b));
                for t in [a, b] {
                    if !known.contains(&t) && !lookup.contains(&t) {
                        lookup.push(t);
                        grew = true;
                    }
                }
                edges.push((a, b));
            }
        }
        pairs.extend(edges);
        if !grew {
            break;
        }
    }
    lookup.sort_unstable();
    lookup.dedup();
    Ok(pairs)
}

/// trace -> run for stored traces whose trace id or run id is in `ids`, or that link to one of
/// them, plus all traces of those runs (a run can only grow, so its members follow a merge).
fn stored_run_members(
    client: &mut SpiClient<'_>,
    ids: &[TraceId],
) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let mut out = Vec::new();
    let t = execute_cached(
        client,
        "SELECT trace_id, run_id FROM agenttrace.traces
          WHERE run_id IN (SELECT run_id FROM agenttrace.traces WHERE trace_id = ANY($1) OR run_id = ANY($1)
                           UNION
                           -- stored spans that link to these traces (the link arrived before its target)
                           SELECT t.run_id FROM agenttrace.span_links l JOIN agenttrace.traces t ON t.trace_id = l.trace_id
                            WHERE l.linked_trace_id = ANY($1)
                              AND NOT l.attributes @> '{\"agenttrace.link.type\": \"replay_of\"}')",
        &[uuids(ids).into()],
    )?;
    for row in t {
        if let (Some(tr), Some(run)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) {
            out.push((trace_id(&tr), trace_id(&run)));
        }
    }
    Ok(out)
}

/// Stored spans of the given traces, rebuilt as records so a grown run is analysed whole.
/// The GenAI content of their stored log events is laid over the spans' attributes (see
/// `crate::logs`): what analysis and MAST read.
pub(crate) fn load_spans(client: &SpiClient<'_>, traces: &[TraceId]) -> SpiResult<Vec<SpanRecord>> {
    let mut spans = load_spans_where(client, traces, None, None)?;
    let overlays = crate::logs::genai_overlays(client, traces)?;
    if !overlays.is_empty() {
        for s in &mut spans {
            if let Some(o) = overlays.get(&(s.trace_id, s.span_id)) {
                agenttrace_core::logs::apply_overlay(s, o);
            }
        }
    }
    Ok(spans)
}

/// [`load_spans`], plus the stored facts fingerprint of each span that has one.
fn load_spans_and_facts_hashes(
    client: &SpiClient<'_>,
    traces: &[TraceId],
) -> SpiResult<(Vec<SpanRecord>, HashMap<SpanKey, i64>)> {
    let mut hashes = HashMap::new();
    let spans = load_spans_where(client, traces, None, Some(&mut hashes))?;
    Ok((spans, hashes))
}

/// One stored span, rebuilt (None when it does not exist).
pub(crate) fn load_span(
    client: &SpiClient<'_>,
    trace: TraceId,
    span_id: i64,
) -> SpiResult<Option<SpanRecord>> {
    Ok(load_spans_where(client, &[trace], Some(span_id), None)?.pop())
}

fn load_spans_where(
    client: &SpiClient<'_>,
    traces: &[TraceId],
    only_span: Option<i64>,
    mut facts_hashes: Option<&mut HashMap<SpanKey, i64>>,
) -> SpiResult<Vec<SpanRecord>> {
    let mut resources: HashMap<i64, Arc<Resource>> = HashMap::new();
    let t = select_cached(
        client,
        "SELECT r.resource_hash, r.attributes::text, r.schema_url FROM agenttrace.resources r
          WHERE r.resource_hash IN (SELECT DISTINCT resource_hash FROM agenttrace.spans
                                     WHERE trace_id = ANY($1) AND ($2::bigint IS NULL OR span_id = $2))",
        &[uuids(traces).into(), only_span.into()],
    )?;
    for row in t {
        let hash: i64 = row.get(1)?.unwrap_or_default();
        let attrs: Attributes = row
            .get::<String>(2)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let mut r = Resource::new(attrs, row.get::<String>(3)?.unwrap_or_default());
        r.hash = hash; // keep the stored key even if hashing ever changes
        resources.insert(hash, Arc::new(r));
    }
    let unknown = Arc::new(Resource::new(Attributes::new(), String::new()));

    let t = select_cached(
        client,
        "SELECT s.trace_id, s.span_id, s.parent_span_id, s.trace_state, s.flags, s.name, s.kind,
                s.start_time_unix_nano, s.end_time_unix_nano, s.attributes::text, s.dropped_attributes_count,
                s.dropped_events_count, s.dropped_links_count, s.status_code, s.status_message,
                s.resource_hash, s.scope_name, s.scope_version,
                (SELECT json_agg(json_build_array(e.time_unix_nano, e.name, e.attributes, e.dropped_attributes_count) ORDER BY e.event_index)
                   FROM agenttrace.span_events e WHERE e.trace_id = s.trace_id AND e.span_id = s.span_id)::text,
                (SELECT json_agg(json_build_array(l.linked_trace_id, l.linked_span_id, l.trace_state, l.attributes, l.flags) ORDER BY l.link_index)
                   FROM agenttrace.span_links l WHERE l.trace_id = s.trace_id AND l.span_id = s.span_id)::text,
                s.facts_hash
           FROM agenttrace.spans s WHERE s.trace_id = ANY($1) AND ($2::bigint IS NULL OR s.span_id = $2)",
        &[uuids(traces).into(), only_span.into()],
    )?;
    let mut out = Vec::with_capacity(t.len());
    for row in t {
        let (Some(tr), Some(sid)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) else {
            continue;
        };
        let events = row
            .get::<String>(19)?
            .and_then(|s| serde_json::from_str::<Vec<serde_json::Value>>(&s).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|e| SpanEvent {
                time_unix_nano: e[0].as_u64().unwrap_or(0),
                name: e[1].as_str().unwrap_or_default().to_string(),
                attributes: e[2].as_object().cloned().unwrap_or_default(),
                dropped_attributes_count: e[3].as_u64().unwrap_or(0) as u32,
            })
            .collect();
        let links = row
            .get::<String>(20)?
            .and_then(|s| serde_json::from_str::<Vec<serde_json::Value>>(&s).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| {
                let trace: pgrx::Uuid = l[0].as_str()?.parse::<uuid_text::UuidText>().ok()?.0;
                Some(SpanLink {
                    trace_id: trace_id(&trace),
                    span_id: i64_to_span_id(l[1].as_i64()?),
                    trace_state: l[2].as_str().unwrap_or_default().to_string(),
                    attributes: l[3].as_object().cloned().unwrap_or_default(),
                    dropped_attributes_count: 0,
                    flags: l[4].as_u64().unwrap_or(0) as u32,
                })
            })
            .collect();
        let hash: i64 = row.get(16)?.unwrap_or_default();
        if let (Some(map), Some(h)) = (facts_hashes.as_deref_mut(), row.get::<i64>(21)?) {
            map.insert((trace_id(&tr), i64_to_span_id(sid)), h);
        }
        out.push(SpanRecord {
            trace_id: trace_id(&tr),
            span_id: i64_to_span_id(sid),
            parent_span_id: row.get::<i64>(3)?.map(i64_to_span_id),
            trace_state: row.get::<String>(4)?.unwrap_or_default(),
            flags: row.get::<i32>(5)?.unwrap_or(0) as u32,
            name: row.get::<String>(6)?.unwrap_or_default(),
            kind: row.get::<i16>(7)?.unwrap_or(0) as i32,
            start_time_unix_nano: row.get::<i64>(8)?.unwrap_or(0).max(0) as u64,
            end_time_unix_nano: row.get::<i64>(9)?.unwrap_or(0).max(0) as u64,
            attributes: row
                .get::<String>(10)?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
            dropped_attributes_count: row.get::<i32>(11)?.unwrap_or(0) as u32,
            events,
            dropped_events_count: row.get::<i32>(12)?.unwrap_or(0) as u32,
            links,
            dropped_links_count: row.get::<i32>(13)?.unwrap_or(0) as u32,
            status_code: row.get::<i16>(14)?.unwrap_or(0) as i32,
            status_message: row.get::<String>(15)?.unwrap_or_default(),
            resource: resources
                .get(&hash)
                .cloned()
                .unwrap_or_else(|| unknown.clone()),
            scope_name: row.get::<String>(17)?.unwrap_or_default(),
            scope_version: row.get::<String>(18)?.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// `uuid` text (as json_build_array prints it) back to pgrx's Uuid.
mod uuid_text {
    pub struct UuidText(pub pgrx::Uuid);
    impl std::str::FromStr for UuidText {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            let hex: String = s.chars().filter(|c| *c != '-').collect();
            agenttrace_core::ids::from_hex::<16>(&hex)
                .map(|b| UuidText(pgrx::Uuid::from_bytes(b)))
                .ok_or(())
        }
    }
}

/// Per batch trace: its process (resource), start, and whether it holds only setup spans.
fn trace_shapes(spans: &[SpanRecord]) -> Vec<TraceShape> {
    let mut by_trace: HashMap<TraceId, TraceShape> = HashMap::new();
    for s in spans {
        let setup = is_setup_span(s);
        let e = by_trace.entry(s.trace_id).or_insert(TraceShape {
            trace_id: s.trace_id,
            resource_hash: s.resource.hash,
            start_ns: s.start_time_unix_nano,
            setup_only: setup,
        });
        e.start_ns = e.start_ns.min(s.start_time_unix_nano);
        e.setup_only &= setup;
    }
    by_trace.into_values().collect()
}

/// Setup partners already stored: for a setup trace, the first stored run trace of its process
/// after it; for a run trace, stored setup traces of its process before it that no run has yet.
fn stored_setup_partners(
    client: &mut SpiClient<'_>,
    shapes: &[TraceShape],
    paired_here: &[(TraceId, TraceId)],
) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let paired: HashSet<TraceId> = paired_here.iter().map(|(s, _)| *s).collect();
    let todo: Vec<&TraceShape> = shapes
        .iter()
        .filter(|t| !(t.setup_only && paired.contains(&t.trace_id)))
        .collect();
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let window = format!("{} microseconds", SETUP_ATTACH_WINDOW_NS / 1000);
    let sql = if crate::columns::citus_present() {
        // Citus cannot join a distributed table laterally to unnest(): the same look-ups over the
        // candidate traces of these processes and times, fetched first (intermediate results).
        format!(
            "WITH cand AS MATERIALIZED (
                SELECT t.trace_id, t.run_id, t.resource_hash, t.start_time, t.is_setup FROM agenttrace.traces t
                 WHERE t.resource_hash = ANY($2::int8[])
                   AND t.start_time >= (SELECT min(x) FROM unnest($3::timestamptz[]) AS x) - interval '{window}'
                   AND t.start_time <= (SELECT max(x) FROM unnest($3::timestamptz[]) AS x) + interval '{window}'),
                  busy AS MATERIALIZED (
                SELECT DISTINCT o.run_id FROM agenttrace.traces o
                 WHERE NOT o.is_setup AND o.run_id IN (SELECT c.run_id FROM cand c WHERE c.is_setup))
             SELECT u.trace_id, c.trace_id
               FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::bool[]) AS u(trace_id, resource_hash, start_time, setup_only)
               CROSS JOIN LATERAL (
                    SELECT t.trace_id FROM cand t
                     WHERE u.setup_only AND t.resource_hash = u.resource_hash AND NOT t.is_setup
                       AND t.start_time >= u.start_time AND t.start_time <= u.start_time + interval '{window}'
                     ORDER BY t.start_time LIMIT 1) c
             UNION ALL
             SELECT c.trace_id, u.trace_id
               FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::bool[]) AS u(trace_id, resource_hash, start_time, setup_only)
               CROSS JOIN LATERAL (
                    SELECT t.trace_id FROM cand t
                     WHERE NOT u.setup_only AND t.resource_hash = u.resource_hash AND t.is_setup
                       AND t.start_time <= u.start_time AND t.start_time >= u.start_time - interval '{window}'
                       AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.run_id = t.run_id)
                     LIMIT 64) c"
        )
    } else {
        format!(
        "SELECT u.trace_id, c.trace_id
           FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::bool[]) AS u(trace_id, resource_hash, start_time, setup_only)
           CROSS JOIN LATERAL (
                SELECT t.trace_id FROM agenttrace.traces t
                 WHERE u.setup_only AND t.resource_hash = u.resource_hash AND NOT t.is_setup
                   AND t.start_time >= u.start_time AND t.start_time <= u.start_time + interval '{window}'
                 ORDER BY t.start_time LIMIT 1) c
         UNION ALL
         SELECT c.trace_id, u.trace_id
           FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::bool[]) AS u(trace_id, resource_hash, start_time, setup_only)
           CROSS JOIN LATERAL (
                SELECT t.trace_id FROM agenttrace.traces t
                 WHERE NOT u.setup_only AND t.resource_hash = u.resource_hash AND t.is_setup
                   AND t.start_time <= u.start_time AND t.start_time >= u.start_time - interval '{window}'
                   AND NOT EXISTS (SELECT 1 FROM agenttrace.traces o WHERE o.run_id = t.run_id AND NOT o.is_setup)
                 LIMIT 64) c"
        )
    };
    let mut out = Vec::new();
    let t = execute_cached(
        client,
        sql.as_str(),
        &[
            todo.iter()
                .map(|t| uuid(&t.trace_id))
                .collect::<Vec<_>>()
                .into(),
            todo.iter()
                .map(|t| t.resource_hash)
                .collect::<Vec<_>>()
                .into(),
            todo.iter()
                .map(|t| timestamptz(pg_micros(t.start_ns)))
                .collect::<Vec<_>>()
                .into(),
            todo.iter().map(|t| t.setup_only).collect::<Vec<_>>().into(),
        ],
    )?;
    for row in t {
        if let (Some(a), Some(b)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) {
            out.push((trace_id(&a), trace_id(&b)));
        }
    }
    Ok(out)
}

/// Stores new spans (any mix of traces and runs) and refreshes everything derived from them.
/// Returns the ids of the runs whose derived rows were rebuilt.
pub fn store_spans(
    client: &mut SpiClient<'_>,
    new_spans: Vec<SpanRecord>,
    normalize: bool,
) -> SpiResult<Vec<TraceId>> {
    if new_spans.is_empty() {
        return Ok(Vec::new());
    }
    // Every statement below is a keyed look-up or write of this batch: plan them as such.
    let _plan = IngestPlanning::start();
    // 1. Stitch: batch traces, their links, and the runs already stored for any of them.
    let mut batch_traces: Vec<TraceId> = new_spans.iter().map(|s| s.trace_id).collect();
    batch_traces.sort_unstable();
    batch_traces.dedup();
    // Setup-only traces (agent creation, workflow build) join the run that follows them.
    let shapes = trace_shapes(&new_spans);
    // Set-up traces pair with runs of the same process by time, possibly across concurrent
    // sessions: batches with set-up-only traces lock their process exclusively, others share
    // the lock, so a set-up trace and its run never miss each other's uncommitted rows.
    let mut shared: Vec<i32> = Vec::new();
    let mut exclusive: Vec<i32> = Vec::new();
    for t in &shapes {
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
    let mut setup_pairs = attach_setup_traces(&shapes);
    setup_pairs.extend(stored_setup_partners(client, &shapes, &setup_pairs)?);

    let mut lookup: Vec<TraceId> = batch_traces.clone();
    lookup.extend(new_spans.iter().flat_map(|s| {
        s.links
            .iter()
            .filter(|l| !is_replay_link(&l.attributes))
            .map(|l| l.trace_id)
    }));
    lookup.extend(setup_pairs.iter().flat_map(|(a, b)| [*a, *b]));
    lookup.sort_unstable();
    lookup.dedup();
    let stitch = |stored: &[(TraceId, TraceId)]| {
        let mut stitcher = RunStitcher::new();
        for t in &batch_traces {
            stitcher.add(*t);
        }
        for s in &new_spans {
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
    let first = stitch(&stored_closure(client, &mut lookup)?);
    let key = |r: &TraceId| {
        i64::from_be_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]])
            ^ i64::from_be_bytes([r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]])
    };
    let mut lock_keys: Vec<i64> = first.values().chain(lookup.iter()).map(key).collect();
    lock_keys.sort_unstable();
    lock_keys.dedup();
    execute_cached(
        client,
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest($1::int8[]) AS k ORDER BY k) AS locks",
        &[lock_keys.into()],
    )?;
    let stored = stored_closure(client, &mut lookup)?;
    let assignment = stitch(&stored);
    let run_of = |t: &TraceId| assignment.get(t).copied().unwrap_or(*t);

    // Runs whose id changes (merged into another run) lose their derived rows.
    let old_runs: HashSet<TraceId> = stored.iter().map(|(_, r)| *r).collect();
    let retired_runs: Vec<TraceId> = old_runs
        .iter()
        .filter(|r| run_of(r) != **r)
        .copied()
        .collect();
    let stored_traces: Vec<TraceId> = {
        let mut v: Vec<TraceId> = stored.iter().map(|(t, _)| *t).collect();
        v.sort_unstable();
        v.dedup();
        v
    };

    // 2. Whole runs: new spans plus what is stored for their runs (deduplicated, new first).
    // Raw mode analyses nothing, so it does not read a run's earlier spans back (that made every
    // request of a long run cost as much as the run so far); it only moves the spans of traces
    // whose run changed (runs merged by a new link) to their new run.
    let new_keys: HashSet<SpanKey> = new_spans.iter().map(|s| (s.trace_id, s.span_id)).collect();
    let mut stored_facts: HashMap<SpanKey, i64> = HashMap::new();
    let prior = if stored_traces.is_empty() {
        Vec::new()
    } else if normalize {
        let (spans, hashes) = load_spans_and_facts_hashes(client, &stored_traces)?;
        stored_facts = hashes;
        spans
    } else {
        let moved: HashMap<TraceId, TraceId> = stored
            .iter()
            .filter(|(t, r)| run_of(t) != *r)
            .map(|(t, _)| (*t, run_of(t)))
            .collect();
        if !moved.is_empty() {
            let moved: Vec<(&TraceId, &TraceId)> = moved.iter().collect();
            Columns::new()
                .map("trace_id", "uuid", &moved, |(t, _)| uuid(t))
                .map("run_id", "uuid", &moved, |(_, r)| uuid(r))
                .run(
                    client,
                    "UPDATE agenttrace.spans s SET run_id = u.run_id FROM {unnest}
                      WHERE s.trace_id = u.trace_id AND s.run_id IS DISTINCT FROM u.run_id",
                )?;
        }
        Vec::new()
    };
    let prior_keys: HashSet<SpanKey> = prior.iter().map(|s| (s.trace_id, s.span_id)).collect();
    let mut by_run: HashMap<TraceId, Vec<SpanRecord>> = HashMap::new();
    let mut seen: HashSet<SpanKey> = HashSet::with_capacity(new_spans.len() + prior.len());
    for s in prior.into_iter().chain(new_spans) {
        if seen.insert((s.trace_id, s.span_id)) {
            by_run.entry(run_of(&s.trace_id)).or_default().push(s);
        }
    }

    let mut touched_traces: Vec<TraceId> = batch_traces;
    touched_traces.extend(stored_traces.iter().copied());
    touched_traces.sort_unstable();
    touched_traces.dedup();
    // GenAI content that arrived as log events (before these spans, or for stored ones) joins
    // the analysis; new spans are stored with their own attributes (kept in `originals`).
    let mut originals: HashMap<SpanKey, Attributes> = HashMap::new();
    if normalize {
        let overlays = crate::logs::genai_overlays(client, &touched_traces)?;
        if !overlays.is_empty() {
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
        }
    }
    // Derived rows exist only for runs that had stored traces (or were merged away): only those
    // need clearing before the rewrite; brand-new runs skip the deletes.
    let mut clear_runs: Vec<TraceId> = stored_traces.iter().map(|t| run_of(t)).collect();
    clear_runs.extend(retired_runs);
    clear_runs.sort_unstable();
    clear_runs.dedup();
    write_runs(
        client,
        by_run,
        &new_keys,
        &prior_keys,
        &stored_facts,
        &touched_traces,
        &run_of,
        clear_runs,
        normalize,
        &originals,
    )
}

/// Re-analyses stored runs as they are (after a normalizer upgrade).
pub fn refresh_runs(client: &mut SpiClient<'_>, run_ids: &[TraceId]) -> SpiResult<Vec<TraceId>> {
    let _plan = IngestPlanning::start();
    let mut run_by_trace: HashMap<TraceId, TraceId> = HashMap::new();
    for row in client.select(
        "SELECT trace_id, run_id FROM agenttrace.traces WHERE run_id = ANY($1)",
        None,
        &[uuids(run_ids).into()],
    )? {
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
        &HashSet::new(),
        &prior_keys,
        &stored_facts,
        &traces,
        &run_of,
        clear_runs,
        true,
        &HashMap::new(),
    )
}

/// Analyses each run whole, inserts new spans, refreshes facts of stored ones, then rebuilds
/// traces and the derived tables of every run involved.
fn write_runs(
    client: &mut SpiClient<'_>,
    by_run: HashMap<TraceId, Vec<SpanRecord>>,
    new_keys: &HashSet<SpanKey>,
    prior_keys: &HashSet<SpanKey>,
    stored_facts: &HashMap<SpanKey, i64>,
    touched_traces: &[TraceId],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    clear_runs: Vec<TraceId>,
    normalize: bool,
    originals: &HashMap<SpanKey, Attributes>,
) -> SpiResult<Vec<TraceId>> {
    let mut runs: Vec<(TraceId, Vec<SpanRecord>, RunAnalysis)> = Vec::with_capacity(by_run.len());
    for (run, spans) in by_run {
        pgrx::check_for_interrupts!();
        let analysis = if normalize {
            analyze_run(&spans)
        } else {
            RunAnalysis {
                facts: spans.iter().map(status_facts).collect(),
                ..Default::default()
            }
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
            // Stored spans only get their facts refreshed: no attributes JSON for them.
            let row = if stored {
                SpanRow::without_attributes(s, f, *run)
            } else if let Some(own) = originals.get(&key) {
                // Stored with the attributes it came with, not the content of its log events.
                let mut as_sent = s.clone();
                as_sent.attributes = own.clone();
                SpanRow::new(&as_sent, f, *run)
            } else {
                SpanRow::new(s, f, *run)
            };
            run_totals.add(&row);
            if stored {
                // Only spans whose facts changed are rewritten (most keep theirs).
                if stored_facts.get(&key) != Some(&row.facts_hash()) {
                    refreshed_rows.push(row);
                }
            } else if new_keys.contains(&key) {
                inserted_rows.push((row, s));
            }
        }
    }
    insert_resources(client, inserted_rows.iter().map(|(_, s)| &s.resource))?;
    insert_span_rows(client, inserted_rows.iter().map(|(r, _)| r))?;
    insert_events_links(client, inserted_rows.iter().map(|(_, s)| *s))?;
    if !refreshed_rows.is_empty() {
        refresh_span_facts(client, &refreshed_rows)?;
    }
    drop(inserted_rows);
    let mut setup_only: HashMap<TraceId, bool> = HashMap::new();
    for (_, spans, _) in &runs {
        for s in spans {
            *setup_only.entry(s.trace_id).or_insert(true) &= is_setup_span(s);
        }
    }
    // Raw mode saw only this batch's spans of a trace: a trace stays set-up-only if it was and
    // these spans are too.
    upsert_traces(client, touched_traces, run_of, &setup_only, !normalize)?;

    if !normalize {
        // Raw mode: agenttrace.renormalize() derives agents, messages and outcomes later.
        return Ok(Vec::new());
    }
    let written: Vec<TraceId> = runs.iter().map(|(r, _, _)| *r).collect();
    write_derived(client, &clear_runs, &runs, &totals, &setup_only)?;
    Ok(written)
}

pub(crate) fn insert_resources<'a>(
    client: &mut SpiClient<'_>,
    resources: impl Iterator<Item = &'a Arc<Resource>>,
) -> SpiResult<()> {
    let mut seen = HashSet::new();
    let (mut hash, mut service, mut attrs, mut schema) = (vec![], vec![], vec![], vec![]);
    for r in resources {
        if seen.insert(r.hash) {
            hash.push(r.hash);
            service.push(r.service_name.clone());
            attrs.push(serde_json::Value::Object(r.attributes.clone()).to_string());
            schema.push((!r.schema_url.is_empty()).then(|| r.schema_url.clone()));
        }
    }
    if hash.is_empty() {
        return Ok(());
    }
    Columns::new()
        .col("resource_hash", "int8", hash)
        .col("service_name", "text", service)
        .cast("attributes", "text", "jsonb", attrs)
        .col("schema_url", "text", schema)
        .insert(client, "agenttrace.resources", "ON CONFLICT DO NOTHING")?;
    Ok(())
}

fn fact_columns<'a>(cols: Columns<'a>, rows: &[&SpanRow]) -> Columns<'a> {
    cols.map("run_id", "uuid", rows, |r| uuid(&r.run_id))
        .map("framework", "text", rows, |r| r.framework.clone())
        .map("instrumentation", "text", rows, |r| {
            r.instrumentation.clone()
        })
        .map("category", "text", rows, |r| r.category.to_string())
        .map("agent_name", "text", rows, |r| r.agent_name.clone())
        .map("agent_id", "text", rows, |r| r.agent_id.clone())
        .map("agent_role", "text", rows, |r| r.agent_role.clone())
        .map("model", "text", rows, |r| r.model.clone())
        .map("provider", "text", rows, |r| r.provider.clone())
        .map("input_tokens", "int8", rows, |r| r.input_tokens)
        .map("output_tokens", "int8", rows, |r| r.output_tokens)
        .map("cached_tokens", "int8", rows, |r| r.cached_tokens)
        .map("reasoning_tokens", "int8", rows, |r| r.reasoning_tokens)
        .map("total_tokens", "int8", rows, |r| r.total_tokens)
        .map("tool_name", "text", rows, |r| r.tool_name.clone())
        .map("tool_call_id", "text", rows, |r| r.tool_call_id.clone())
        .map("is_error", "bool", rows, |r| r.is_error)
        .map("error_type", "text", rows, |r| r.error_type.clone())
        .map("error_message", "text", rows, |r| r.error_message.clone())
        .map("input_text", "text", rows, |r| r.input_text.clone())
        .map("output_text", "text", rows, |r| r.output_text.clone())
        .map("facts_hash", "int8", rows, |r| r.facts_hash())
}

const FACT_COLUMNS: &[&str] = &[
    "run_id",
    "framework",
    "instrumentation",
    "category",
    "agent_name",
    "agent_id",
    "agent_role",
    "model",
    "provider",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "total_tokens",
    "tool_name",
    "tool_call_id",
    "is_error",
    "error_type",
    "error_message",
    "input_text",
    "output_text",
    "facts_hash",
];

fn insert_span_rows<'a>(
    client: &mut SpiClient<'_>,
    rows: impl Iterator<Item = &'a SpanRow>,
) -> SpiResult<()> {
    let rows: Vec<&SpanRow> = rows.collect();
    if rows.is_empty() {
        return Ok(());
    }
    let cols = Columns::new()
        .map("trace_id", "uuid", &rows, |r| uuid(&r.trace_id))
        .map("span_id", "int8", &rows, |r| r.span_id)
        .map("parent_span_id", "int8", &rows, |r| r.parent_span_id)
        .map("start_time", "timestamptz", &rows, |r| {
            timestamptz(r.start_time_pg_micros)
        })
        .map("end_time", "timestamptz", &rows, |r| {
            timestamptz(r.end_time_pg_micros)
        })
        .map("start_time_unix_nano", "int8", &rows, |r| {
            r.start_time_unix_nano
        })
        .map("end_time_unix_nano", "int8", &rows, |r| {
            r.end_time_unix_nano
        })
        .map("duration_ns", "int8", &rows, |r| r.duration_ns)
        .map("name", "text", &rows, |r| r.name.clone())
        .map("kind", "int2", &rows, |r| r.kind)
        .map("status_code", "int2", &rows, |r| r.status_code)
        .map("status_message", "text", &rows, |r| {
            r.status_message.clone()
        })
        .map("service_name", "text", &rows, |r| r.service_name.clone())
        .map("resource_hash", "int8", &rows, |r| r.resource_hash)
        .map("scope_name", "text", &rows, |r| r.scope_name.clone())
        .map("scope_version", "text", &rows, |r| r.scope_version.clone())
        .map("trace_state", "text", &rows, |r| r.trace_state.clone())
        .map("flags", "int4", &rows, |r| r.flags)
        .cast(
            "attributes",
            "text",
            "jsonb",
            rows.iter()
                .map(|r| r.attributes_json.clone())
                .collect::<Vec<_>>(),
        )
        .map("dropped_attributes_count", "int4", &rows, |r| {
            r.dropped_attributes_count
        })
        .map("dropped_events_count", "int4", &rows, |r| {
            r.dropped_events_count
        })
        .map("dropped_links_count", "int4", &rows, |r| {
            r.dropped_links_count
        });
    fact_columns(cols, &rows).insert(client, "agenttrace.spans", "ON CONFLICT DO NOTHING")?;
    Ok(())
}

/// Spans stored earlier get the facts their grown run now implies (only rows that changed).
fn refresh_span_facts(client: &mut SpiClient<'_>, rows: &[SpanRow]) -> SpiResult<()> {
    let rows: Vec<&SpanRow> = rows.iter().collect();
    let cols = Columns::new()
        .map("trace_id", "uuid", &rows, |r| uuid(&r.trace_id))
        .map("span_id", "int8", &rows, |r| r.span_id)
        .map("start_time", "timestamptz", &rows, |r| {
            timestamptz(r.start_time_pg_micros)
        });
    let cols = fact_columns(cols, &rows);
    let set: Vec<String> = FACT_COLUMNS
        .iter()
        .map(|c| format!("{c} = u.{c}"))
        .collect();
    let lhs: Vec<String> = FACT_COLUMNS.iter().map(|c| format!("s.{c}")).collect();
    let rhs: Vec<String> = FACT_COLUMNS.iter().map(|c| format!("u.{c}")).collect();
    let sql = format!(
        "UPDATE agenttrace.spans s SET {} FROM {{unnest}}
          WHERE s.trace_id = u.trace_id AND s.span_id = u.span_id AND s.start_time = u.start_time
            AND ({}) IS DISTINCT FROM ({})",
        set.join(", "),
        lhs.join(", "),
        rhs.join(", ")
    );
    cols.run(client, &sql)?;
    Ok(())
}

fn insert_events_links<'a>(
    client: &mut SpiClient<'_>,
    spans: impl Iterator<Item = &'a SpanRecord>,
) -> SpiResult<()> {
    let (mut et, mut es, mut ei, mut etime, mut ens, mut ename, mut eattr, mut edrop) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    let (mut lt, mut ls, mut li, mut ltt, mut lts, mut lstate, mut lattr, mut lflags) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for s in spans {
        let sid = span_id_to_i64(&s.span_id);
        for (i, e) in s.events.iter().enumerate() {
            et.push(uuid(&s.trace_id));
            es.push(sid);
            ei.push(i as i32);
            etime.push(timestamptz(pg_micros(e.time_unix_nano)));
            ens.push(nanos_i64(e.time_unix_nano));
            ename.push(e.name.clone());
            eattr.push(serde_json::Value::Object(e.attributes.clone()).to_string());
            edrop.push(e.dropped_attributes_count as i32);
        }
        for (i, l) in s.links.iter().enumerate() {
            lt.push(uuid(&s.trace_id));
            ls.push(sid);
            li.push(i as i32);
            ltt.push(uuid(&l.trace_id));
            lts.push(span_id_to_i64(&l.span_id));
            lstate.push((!l.trace_state.is_empty()).then(|| l.trace_state.clone()));
            lattr.push(serde_json::Value::Object(l.attributes.clone()).to_string());
            lflags.push(l.flags as i32);
        }
    }
    if !et.is_empty() {
        Columns::new()
            .col("trace_id", "uuid", et)
            .col("span_id", "int8", es)
            .col("event_index", "int4", ei)
            .col("time", "timestamptz", etime)
            .col("time_unix_nano", "int8", ens)
            .col("name", "text", ename)
            .cast("attributes", "text", "jsonb", eattr)
            .col("dropped_attributes_count", "int4", edrop)
            .insert(client, "agenttrace.span_events", "ON CONFLICT DO NOTHING")?;
    }
    if !lt.is_empty() {
        Columns::new()
            .col("trace_id", "uuid", lt)
            .col("span_id", "int8", ls)
            .col("link_index", "int4", li)
            .col("linked_trace_id", "uuid", ltt)
            .col("linked_span_id", "int8", lts)
            .col("trace_state", "text", lstate)
            .cast("attributes", "text", "jsonb", lattr)
            .col("flags", "int4", lflags)
            .insert(client, "agenttrace.span_links", "ON CONFLICT DO NOTHING")?;
    }
    Ok(())
}

/// Trace rows recomputed from the stored spans (a root that arrives late becomes the root).
fn upsert_traces(
    client: &mut SpiClient<'_>,
    traces: &[TraceId],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    setup_only: &HashMap<TraceId, bool>,
    merge_setup: bool,
) -> SpiResult<()> {
    let runs: Vec<pgrx::Uuid> = traces.iter().map(|t| uuid(&run_of(t))).collect();
    let setup: Vec<bool> = traces
        .iter()
        .map(|t| setup_only.get(t).copied().unwrap_or(false))
        .collect();
    let setup_update = if merge_setup {
        "t.is_setup AND EXCLUDED.is_setup"
    } else {
        "EXCLUDED.is_setup"
    };
    let sql = if crate::columns::citus_present() {
        // Citus: no lateral joins of distributed tables to unnest(), and only immutable
        // functions in DO UPDATE SET (EXCLUDED.updated_at is the same now()). The per-trace
        // aggregates and roots are fetched first (intermediate results), then joined.
        format!(
            "WITH a AS MATERIALIZED (
                SELECT s.trace_id, min(s.start_time) AS start_time, max(s.end_time) AS end_time, count(*)::int AS n,
                       count(*) FILTER (WHERE s.status_code = 2 OR s.is_error)::int AS errors
                  FROM agenttrace.spans s WHERE s.trace_id = ANY($1::uuid[]) GROUP BY s.trace_id),
                  r AS MATERIALIZED (
                SELECT DISTINCT ON (s.trace_id) s.trace_id, s.span_id, s.name, s.service_name, s.resource_hash
                  FROM agenttrace.spans s WHERE s.trace_id = ANY($1::uuid[])
                 ORDER BY s.trace_id, (s.parent_span_id IS NULL) DESC, s.start_time, s.duration_ns DESC)
             INSERT INTO agenttrace.traces AS t
                  (trace_id, run_id, service_name, resource_hash, is_setup, root_span_id, root_name, start_time, end_time, span_count, error_count, updated_at)
             SELECT u.trace_id, u.run_id, r.service_name, r.resource_hash, u.is_setup, r.span_id, r.name, a.start_time, a.end_time, a.n, a.errors, now()
               FROM {{unnest}}
               JOIN a ON a.trace_id = u.trace_id
               LEFT JOIN r ON r.trace_id = u.trace_id
             ON CONFLICT (trace_id) DO UPDATE SET run_id = EXCLUDED.run_id, service_name = EXCLUDED.service_name,
                  resource_hash = EXCLUDED.resource_hash, is_setup = {setup_update},
                  root_span_id = EXCLUDED.root_span_id, root_name = EXCLUDED.root_name, start_time = EXCLUDED.start_time,
                  end_time = EXCLUDED.end_time, span_count = EXCLUDED.span_count, error_count = EXCLUDED.error_count,
                  updated_at = EXCLUDED.updated_at"
        )
    } else {
        format!(
        "INSERT INTO agenttrace.traces AS t
              (trace_id, run_id, service_name, resource_hash, is_setup, root_span_id, root_name, start_time, end_time, span_count, error_count, updated_at)
         SELECT u.trace_id, u.run_id, r.service_name, r.resource_hash, u.is_setup, r.span_id, r.name, a.start_time, a.end_time, a.n, a.errors, now()
           FROM {{unnest}}
           CROSS JOIN LATERAL (SELECT min(s.start_time) AS start_time, max(s.end_time) AS end_time, count(*)::int AS n,
                                      count(*) FILTER (WHERE s.status_code = 2 OR s.is_error)::int AS errors
                                 FROM agenttrace.spans s WHERE s.trace_id = u.trace_id) a
           LEFT JOIN LATERAL (SELECT s.span_id, s.name, s.service_name, s.resource_hash FROM agenttrace.spans s
                               WHERE s.trace_id = u.trace_id
                               ORDER BY (s.parent_span_id IS NULL) DESC, s.start_time, s.duration_ns DESC LIMIT 1) r ON true
          WHERE a.n > 0
         ON CONFLICT (trace_id) DO UPDATE SET run_id = EXCLUDED.run_id, service_name = EXCLUDED.service_name,
              resource_hash = EXCLUDED.resource_hash, is_setup = {setup_update},
              root_span_id = EXCLUDED.root_span_id, root_name = EXCLUDED.root_name, start_time = EXCLUDED.start_time,
              end_time = EXCLUDED.end_time, span_count = EXCLUDED.span_count, error_count = EXCLUDED.error_count,
              updated_at = now()"
        )
    };
    Columns::new()
        .col("trace_id", "uuid", uuids(traces))
        .col("run_id", "uuid", runs)
        .col("is_setup", "bool", setup)
        .run(client, &sql)?;
    Ok(())
}

/// Agents, messages, tool calls and run summaries of the given runs, replaced as a whole.
fn write_derived(
    client: &mut SpiClient<'_>,
    clear_runs: &[TraceId],
    runs: &[(TraceId, Vec<SpanRecord>, RunAnalysis)],
    totals: &HashMap<TraceId, RunTotals>,
    setup_only_traces: &HashMap<TraceId, bool>,
) -> SpiResult<()> {
    let ids: Vec<pgrx::Uuid> = uuids(clear_runs);
    // One statement (one parse and plan) clears every derived table of these runs. After it no
    // derived row of any run written below exists (brand-new runs never had any), and the
    // analysis gives one row per agent name, message seq and tool span: agents, messages and
    // tool calls are plain INSERTs, without the cost of ON CONFLICT checks.
    if !ids.is_empty() {
        execute_cached(
            client,
            "WITH a AS (DELETE FROM agenttrace.agents WHERE run_id = ANY($1)),
              m AS (DELETE FROM agenttrace.agent_messages WHERE run_id = ANY($1)),
              t AS (DELETE FROM agenttrace.tool_calls WHERE run_id = ANY($1)),
              c AS (DELETE FROM agenttrace.checkpoints WHERE run_id = ANY($1)),
              s AS (DELETE FROM agenttrace.run_search WHERE run_id = ANY($1))
         DELETE FROM agenttrace.run_summaries WHERE run_id = ANY($1)",
            &[ids.clone().into()],
        )?;
    }

    // agents
    let (mut a_run, mut a_name, mut a_id, mut a_role, mut a_fw) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (
        mut a_spans,
        mut a_llm,
        mut a_tools,
        mut a_in,
        mut a_out,
        mut a_err,
        mut a_first,
        mut a_last,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // messages
    let (
        mut m_run,
        mut m_seq,
        mut m_trace,
        mut m_span,
        mut m_time,
        mut m_from,
        mut m_to,
        mut m_kind,
        mut m_content,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // tool calls
    let (
        mut t_trace,
        mut t_span,
        mut t_run,
        mut t_agent,
        mut t_name,
        mut t_call,
        mut t_args,
        mut t_res,
        mut t_err,
        mut t_emsg,
        mut t_start,
        mut t_dur,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // checkpoints
    let (
        mut c_run,
        mut c_id,
        mut c_trace,
        mut c_span,
        mut c_time,
        mut c_agent,
        mut c_kind,
        mut c_step,
        mut c_state,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // search documents
    let (mut d_doc, mut d_keys) = (vec![], vec![]);
    let (mut r_replay_run, mut r_replay_cp) = (vec![], vec![]);
    // run summaries
    let (
        mut r_run,
        mut r_fw,
        mut r_status,
        mut r_reason,
        mut r_fagent,
        mut r_ftrace,
        mut r_fspan,
        mut r_agents,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );

    let no_totals = RunTotals::default();
    let mut run_totals: Vec<&RunTotals> = Vec::with_capacity(runs.len());
    for (run, spans, an) in runs {
        let run_uuid = uuid(run);
        // Setup traces still waiting for their run are not a run of their own.
        let setup_only = spans
            .iter()
            .all(|s| setup_only_traces.get(&s.trace_id).copied().unwrap_or(false));
        for a in &an.agents {
            a_run.push(run_uuid);
            a_name.push(a.agent_name.clone());
            a_id.push(a.agent_id.clone());
            a_role.push(a.role.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
            a_fw.push(a.framework.clone());
            a_spans.push(a.span_count as i32);
            a_llm.push(a.llm_calls as i32);
            a_tools.push(a.tool_calls as i32);
            a_in.push(a.input_tokens);
            a_out.push(a.output_tokens);
            a_err.push(a.errors as i32);
            a_first.push(timestamptz(pg_micros(a.first_seen_ns)));
            a_last.push(timestamptz(pg_micros(a.last_seen_ns)));
        }
        for m in &an.messages {
            m_run.push(run_uuid);
            m_seq.push(m.seq);
            m_trace.push(uuid(&m.trace_id));
            m_span.push(span_id_to_i64(&m.span_id));
            m_time.push(timestamptz(pg_micros(m.time_ns)));
            m_from.push(m.from_agent.clone());
            m_to.push(m.to_agent.clone());
            m_kind.push(m.kind.as_str().to_string());
            m_content.push(m.content.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
        }
        for t in &an.tool_calls {
            t_trace.push(uuid(&t.trace_id));
            t_span.push(span_id_to_i64(&t.span_id));
            t_run.push(run_uuid);
            t_agent.push(t.agent_name.clone());
            t_name.push(t.tool_name.clone());
            t_call.push(t.call_id.clone());
            t_args.push(t.arguments.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
            t_res.push(t.result.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
            t_err.push(t.is_error);
            t_emsg.push(
                t.error_message
                    .as_deref()
                    .map(|s| excerpt(s, EXCERPT_BYTES)),
            );
            t_start.push(timestamptz(pg_micros(t.start_ns)));
            t_dur.push(nanos_i64(t.duration_ns));
        }
        if setup_only {
            continue;
        }
        for c in extract_checkpoints(spans, &an.facts) {
            c_run.push(run_uuid);
            c_id.push(c.seq);
            c_trace.push(uuid(&c.trace_id));
            c_span.push(span_id_to_i64(&c.span_id));
            c_time.push(timestamptz(pg_micros(c.time_ns)));
            c_agent.push(c.agent_name);
            c_kind.push(c.kind.to_string());
            c_step.push(c.step.and_then(|s| i32::try_from(s).ok()));
            c_state.push((!c.state.is_null()).then(|| c.state.to_string()));
        }
        let (keywords, document) = search_document(spans, an);
        d_keys.push(keywords);
        d_doc.push(document);
        let origin = replay_origin(spans);
        r_replay_run.push(
            origin
                .as_ref()
                .and_then(|(run, _)| agenttrace_core::ids::from_hex::<16>(run))
                .map(|t| uuid(&t)),
        );
        r_replay_cp.push(origin.and_then(|(_, cp)| cp));
        r_run.push(run_uuid);
        run_totals.push(totals.get(run).unwrap_or(&no_totals));
        r_fw.push(an.framework.clone());
        r_status.push(an.outcome.status.as_str().to_string());
        r_reason.push(
            an.outcome
                .reason
                .as_deref()
                .map(|s| excerpt(s, EXCERPT_BYTES)),
        );
        r_fagent.push(an.outcome.failing_agent.clone());
        r_ftrace.push(an.outcome.failing_span.map(|(t, _)| uuid(&t)));
        r_fspan.push(an.outcome.failing_span.map(|(_, s)| span_id_to_i64(&s)));
        r_agents.push(an.agents.len() as i32);
    }
    // One statement for every table (they are independent; the deletes above ran first).
    let mut writes = Writes::new();
    {
        let n = a_run.len();
        let cols = Columns::new()
            .col("run_id", "uuid", a_run)
            .col("agent_name", "text", a_name)
            .col("agent_id", "text", a_id)
            .col("role", "text", a_role)
            .col("framework", "text", a_fw)
            .col("span_count", "int4", a_spans)
            .col("llm_calls", "int4", a_llm)
            .col("tool_calls", "int4", a_tools)
            .col("input_tokens", "int8", a_in)
            .col("output_tokens", "int8", a_out)
            .col("errors", "int4", a_err)
            .col("first_seen", "timestamptz", a_first)
            .col("last_seen", "timestamptz", a_last);
        writes.insert(cols, "agenttrace.agents", "", n);
    }
    {
        let n = m_run.len();
        let cols = Columns::new()
            .col("run_id", "uuid", m_run)
            .col("seq", "int4", m_seq)
            .col("trace_id", "uuid", m_trace)
            .col("span_id", "int8", m_span)
            .col("time", "timestamptz", m_time)
            .col("from_agent", "text", m_from)
            .col("to_agent", "text", m_to)
            .col("kind", "text", m_kind)
            .col("content", "text", m_content);
        writes.insert(cols, "agenttrace.agent_messages", "", n);
    }
    {
        let n = t_run.len();
        let cols = Columns::new()
            .col("trace_id", "uuid", t_trace)
            .col("span_id", "int8", t_span)
            .col("run_id", "uuid", t_run)
            .col("agent_name", "text", t_agent)
            .col("tool_name", "text", t_name)
            .col("call_id", "text", t_call)
            .col("arguments", "text", t_args)
            .col("result", "text", t_res)
            .col("is_error", "bool", t_err)
            .col("error_message", "text", t_emsg)
            .col("start_time", "timestamptz", t_start)
            .col("duration_ns", "int8", t_dur);
        writes.insert(cols, "agenttrace.tool_calls", "", n);
    }
    // run_search has one row per run_summaries row, same runs in the same order.
    let search_runs = r_run.clone();
    {
        let n = r_run.len();
        let time = |t: Option<i64>| t.map(timestamptz);
        let cols = Columns::new()
            .col("run_id", "uuid", r_run)
            .col("framework", "text", r_fw.clone())
            .map("service_name", "text", &run_totals, |t| {
                t.root_service.clone()
            })
            .map("root_name", "text", &run_totals, |t| t.root_name.clone())
            .map("start_time", "timestamptz", &run_totals, |t| {
                time(t.start_pg_micros)
            })
            .map("end_time", "timestamptz", &run_totals, |t| {
                time(t.end_pg_micros)
            })
            .map("trace_count", "int4", &run_totals, |t| t.trace_count)
            .map("span_count", "int4", &run_totals, |t| t.span_count)
            .col("agent_count", "int4", r_agents)
            .map("error_span_count", "int4", &run_totals, |t| t.error_spans)
            .map("llm_calls", "int4", &run_totals, |t| t.llm_calls)
            .map("tool_calls", "int4", &run_totals, |t| t.tool_calls)
            .map("input_tokens", "int8", &run_totals, |t| t.input_tokens)
            .map("output_tokens", "int8", &run_totals, |t| t.output_tokens)
            .col("status", "text", r_status)
            .col("status_reason", "text", r_reason)
            .col("failing_agent", "text", r_fagent)
            .col("failing_trace_id", "uuid", r_ftrace)
            .col("failing_span_id", "int8", r_fspan)
            .col("replay_of_run", "uuid", r_replay_run)
            .col("replay_of_checkpoint", "int8", r_replay_cp);
        writes.insert(
                cols,
                "agenttrace.run_summaries",
                "ON CONFLICT (run_id) DO UPDATE SET framework = EXCLUDED.framework, service_name = EXCLUDED.service_name,
                      root_name = EXCLUDED.root_name, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
                      trace_count = EXCLUDED.trace_count, span_count = EXCLUDED.span_count, agent_count = EXCLUDED.agent_count,
                      error_span_count = EXCLUDED.error_span_count, llm_calls = EXCLUDED.llm_calls, tool_calls = EXCLUDED.tool_calls,
                      input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, status = EXCLUDED.status,
                      status_reason = EXCLUDED.status_reason, failing_agent = EXCLUDED.failing_agent,
                      failing_trace_id = EXCLUDED.failing_trace_id, failing_span_id = EXCLUDED.failing_span_id,
                      replay_of_run = EXCLUDED.replay_of_run, replay_of_checkpoint = EXCLUDED.replay_of_checkpoint, updated_at = EXCLUDED.updated_at",
                n,
            );
    }
    {
        let n = c_run.len();
        let cols = Columns::new()
            .col("run_id", "uuid", c_run)
            .col("checkpoint_id", "int8", c_id)
            .col("trace_id", "uuid", c_trace)
            .col("span_id", "int8", c_span)
            .col("time", "timestamptz", c_time)
            .col("agent_name", "text", c_agent)
            .col("kind", "text", c_kind)
            .col("step", "int4", c_step)
            .cast("state", "text", "jsonb", c_state);
        writes.insert(cols, "agenttrace.checkpoints", "ON CONFLICT DO NOTHING", n);
    }
    {
        let n = d_doc.len();
        let time = |t: Option<i64>| t.map(timestamptz);
        let cols = Columns::new()
            .col("run_id", "uuid", search_runs)
            .map("service_name", "text", &run_totals, |t| {
                t.root_service.clone()
            })
            .col("framework", "text", r_fw)
            .map("start_time", "timestamptz", &run_totals, |t| {
                time(t.start_pg_micros)
            })
            .map("words", "text", &d_doc, |d| search_words(d))
            .col("keywords", "text", d_keys)
            .col("document", "text", d_doc);
        writes.run(
                cols,
                "INSERT INTO agenttrace.run_search (run_id, service_name, framework, start_time, keywords, document, tsv)
                 SELECT u.run_id, u.service_name, u.framework, u.start_time, u.keywords, u.document,
                        to_tsvector('english'::regconfig, u.words)
                   FROM {unnest}
                 ON CONFLICT (run_id) DO UPDATE SET keywords = EXCLUDED.keywords, document = EXCLUDED.document,
                      tsv = EXCLUDED.tsv, service_name = EXCLUDED.service_name, framework = EXCLUDED.framework,
                      start_time = EXCLUDED.start_time",
                n,
            );
    }
    writes.execute(client)
}

/// What a person would search a run by. `keywords` (names of the framework, agents, tools and
/// spans, errors, the outcome) is short and trigram-indexed for typo-tolerant matching;
/// `document` adds the agents' messages and the final output for full-text search. Both bounded, so a
/// huge run cannot make its index entries enormous (they are rebuilt whenever the run grows).
fn search_document(spans: &[SpanRecord], an: &RunAnalysis) -> (String, String) {
    const KEYWORDS_MAX: usize = 2 * 1024;
    const DOCUMENT_MAX: usize = 4 * 1024;
    let mut seen = HashSet::new();
    let mut keywords = String::new();
    let mut add = |out: &mut String, s: &str, max: usize| {
        if out.len() < max && !s.is_empty() && seen.insert(s.to_string()) {
            out.push_str(&excerpt(s, 256));
            out.push('\n');
        }
    };
    for v in an.framework.iter().chain(an.outcome.reason.iter()) {
        add(&mut keywords, v, KEYWORDS_MAX);
    }
    for a in &an.agents {
        add(&mut keywords, &a.agent_name, KEYWORDS_MAX);
    }
    for (s, f) in spans.iter().zip(&an.facts) {
        for v in [&f.tool_name, &f.error_type, &f.error_message, &f.model]
            .into_iter()
            .flatten()
        {
            add(&mut keywords, v, KEYWORDS_MAX);
        }
        add(&mut keywords, &s.name, KEYWORDS_MAX);
    }
    let keywords = excerpt(&keywords, KEYWORDS_MAX);
    // The document adds what agents said to each other and the run's final output (the last
    // output of a root or agent span); every prompt of every model call would cost more to
    // index than the rest of ingest together.
    let mut document = keywords.clone();
    let final_output = spans
        .iter()
        .zip(&an.facts)
        .filter(|(s, f)| {
            s.parent_span_id.is_none()
                || f.category == agenttrace_core::normalize::SpanCategory::Agent
        })
        .filter_map(|(s, f)| f.output_text.as_ref().map(|o| (s.end_time_unix_nano, o)))
        .max_by_key(|(end, _)| *end)
        .map(|(_, o)| o);
    for t in an
        .messages
        .iter()
        .filter_map(|m| m.content.as_ref())
        .chain(final_output)
    {
        add(&mut document, t, DOCUMENT_MAX);
    }
    (keywords, excerpt(&document, DOCUMENT_MAX))
}
