//! Run state: which run each trace belongs to (stitching over span links, set-up traces and
//! runs already stored) and the `traces` rows.
use std::collections::{HashMap, HashSet};

use agenttrace_core::ids::TraceId;
use agenttrace_core::model::SpanRecord;
use agenttrace_core::rows::pg_micros;
use agenttrace_core::runs::{is_setup_span, TraceShape, SETUP_ATTACH_WINDOW_NS};
use pgrx::datum::TimestampWithTimeZone;
use pgrx::spi::{SpiClient, SpiResult};

use super::uuids;
use crate::columns::{execute_cached, timestamptz, trace_id, uuid, Columns};

/// Stored run membership of `lookup`, widened to a fixed point over stored span links (a link
/// whose two ends arrived in different requests joins their runs whichever side comes later).
/// Returns (trace, run) pairs and (trace, linked trace) pairs: both mean "same run".
pub(super) fn stored_closure(client: &mut SpiClient<'_>, lookup: &mut Vec<TraceId>) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let mut pairs = Vec::new();
    for _round in 0..4 {
        pairs = stored_run_members(client, lookup)?;
        let members: Vec<TraceId> = pairs.iter().map(|(t, _)| *t).collect();
        let mut edges = Vec::new();
        let mut grew = false;
        let known: HashSet<TraceId> = lookup.iter().copied().chain(members.iter().copied()).collect();
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
fn stored_run_members(client: &mut SpiClient<'_>, ids: &[TraceId]) -> SpiResult<Vec<(TraceId, TraceId)>> {
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

/// Per batch trace: its process (resource), start, and whether it holds only setup spans.
pub(super) fn trace_shapes(spans: &[SpanRecord]) -> Vec<TraceShape> {
    let mut by_trace: HashMap<TraceId, TraceShape> = HashMap::new();
    for s in spans {
        let e = by_trace.entry(s.trace_id).or_insert(TraceShape {
            trace_id: s.trace_id,
            resource_hash: s.resource.hash,
            start_ns: s.start_time_unix_nano,
            setup_only: true,
        });
        e.start_ns = e.start_ns.min(s.start_time_unix_nano);
        // One span that is not setup work settles it for the trace.
        if e.setup_only {
            e.setup_only = is_setup_span(s);
        }
    }
    by_trace.into_values().collect()
}

/// Setup partners already stored: for a setup trace, the first stored run trace of its process
/// after it; for a run trace, stored setup traces of its process before it that no run has yet.
/// With `setup_processes` (Citus: the look-up goes to every shard), run traces look only in the
/// processes it lists, the ones that sent set-up-only traces.
pub(super) fn stored_setup_partners(
    client: &mut SpiClient<'_>,
    shapes: &[TraceShape],
    paired_here: &[(TraceId, TraceId)],
    setup_processes: Option<&HashSet<i64>>,
) -> SpiResult<Vec<(TraceId, TraceId)>> {
    let paired: HashSet<TraceId> = paired_here.iter().map(|(s, _)| *s).collect();
    let todo: Vec<&TraceShape> = shapes
        .iter()
        .filter(|t| !(t.setup_only && paired.contains(&t.trace_id)))
        .filter(|t| t.setup_only || setup_processes.is_none_or(|p| p.contains(&t.resource_hash)))
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
            todo.iter().map(|t| uuid(&t.trace_id)).collect::<Vec<_>>().into(),
            todo.iter().map(|t| t.resource_hash).collect::<Vec<_>>().into(),
            todo.iter().map(|t| timestamptz(pg_micros(t.start_ns))).collect::<Vec<_>>().into(),
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

/// Trace rows recomputed from the stored spans (a root that arrives late becomes the root).
pub(super) fn upsert_traces(
    client: &mut SpiClient<'_>,
    traces: &[TraceId],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    setup_only: &HashMap<TraceId, bool>,
    merge_setup: bool,
) -> SpiResult<()> {
    let runs: Vec<pgrx::Uuid> = traces.iter().map(|t| uuid(&run_of(t))).collect();
    let setup: Vec<bool> = traces.iter().map(|t| setup_only.get(t).copied().unwrap_or(false)).collect();
    let setup_update = if merge_setup { "t.is_setup AND EXCLUDED.is_setup" } else { "EXCLUDED.is_setup" };
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
    Columns::new().col("trace_id", "uuid", uuids(traces)).col("run_id", "uuid", runs).col("is_setup", "bool", setup).run(client, &sql)?;
    Ok(())
}

/// What a batch adds to one trace: its newly stored spans, summed up the way `traces` rows
/// sum all of a trace's spans.
#[derive(Clone, Debug)]
pub(super) struct TraceAdd {
    pub span_count: i32,
    pub error_count: i32,
    pub start_pg_micros: i64,
    pub end_pg_micros: i64,
    /// The best root candidate among the new spans: (is a root, start, duration), span id,
    /// name, service name, resource hash.
    pub root_key: (bool, i64, i64),
    pub root_span_id: i64,
    pub root_name: String,
    pub root_service: String,
    pub root_resource_hash: i64,
}

impl TraceAdd {
    /// Whether `(is_root, start, duration)` comes before `other` in the order the full
    /// recomputation picks a trace's root by: roots first, then earliest start, then longest.
    fn before(a: (bool, i64, i64), b: (bool, i64, i64)) -> bool {
        (!a.0, a.1, std::cmp::Reverse(a.2)) < (!b.0, b.1, std::cmp::Reverse(b.2))
    }

    /// A stored span of `trace` that now counts (+1) or no longer counts (-1) as an error.
    pub fn add_errors(map: &mut HashMap<TraceId, TraceAdd>, trace: TraceId, delta: i32) {
        map.entry(trace)
            .or_insert(TraceAdd {
                span_count: 0,
                error_count: 0,
                start_pg_micros: 0,
                end_pg_micros: 0,
                root_key: (false, i64::MAX, 0),
                root_span_id: 0,
                root_name: String::new(),
                root_service: String::new(),
                root_resource_hash: 0,
            })
            .error_count += delta;
    }

    pub fn add(map: &mut HashMap<TraceId, TraceAdd>, r: &agenttrace_core::rows::SpanRow) {
        let key = (r.parent_span_id.is_none(), r.start_time_pg_micros, r.duration_ns);
        let err = (r.status_code == 2 || r.is_error) as i32;
        match map.get_mut(&r.trace_id) {
            Some(t) => {
                if t.span_count == 0 {
                    // Only error changes so far (see add_errors): these are the first spans.
                    t.start_pg_micros = r.start_time_pg_micros;
                    t.end_pg_micros = r.end_time_pg_micros;
                }
                t.span_count += 1;
                t.error_count += err;
                t.start_pg_micros = t.start_pg_micros.min(r.start_time_pg_micros);
                t.end_pg_micros = t.end_pg_micros.max(r.end_time_pg_micros);
                if t.span_count == 1 || Self::before(key, t.root_key) {
                    t.root_key = key;
                    t.root_span_id = r.span_id;
                    t.root_name = r.name.clone();
                    t.root_service = r.service_name.clone();
                    t.root_resource_hash = r.resource_hash;
                }
            }
            None => {
                map.insert(
                    r.trace_id,
                    TraceAdd {
                        span_count: 1,
                        error_count: err,
                        start_pg_micros: r.start_time_pg_micros,
                        end_pg_micros: r.end_time_pg_micros,
                        root_key: key,
                        root_span_id: r.span_id,
                        root_name: r.name.clone(),
                        root_service: r.service_name.clone(),
                        root_resource_hash: r.resource_hash,
                    },
                );
            }
        }
    }
}

/// Trace rows updated from what this batch added (`added`), without reading the trace's other
/// spans: counts and times add up, and the stored root stays unless a new span comes before it
/// (looked up by key); error counts also take the stored spans whose error flag changed (in
/// `added` too). `full` traces (renormalize()) are recomputed from their spans by [`upsert_traces`].
///
/// `stored` (Citus): the stored rows of these traces, read by the stitching look-up under the
/// trace locks ([`super::route::stored_closure`]); the rows are then merged here instead of by a
/// `SELECT` on their shards. Every trace of `traces` must have been asked there (a trace
/// missing from `stored` is not stored).
#[allow(clippy::too_many_arguments)]
pub(super) fn upsert_traces_incremental(
    client: &mut SpiClient<'_>,
    traces: &[TraceId],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    setup_only: &HashMap<TraceId, bool>,
    merge_setup: bool,
    added: &HashMap<TraceId, TraceAdd>,
    full: &HashSet<TraceId>,
    stored: Option<&HashMap<TraceId, StoredTrace>>,
) -> SpiResult<()> {
    let citus = crate::columns::citus_present();
    let (full_traces, inc): (Vec<TraceId>, Vec<TraceId>) = traces.iter().copied().partition(|t| full.contains(t));
    if !full_traces.is_empty() {
        upsert_traces(client, &full_traces, run_of, setup_only, merge_setup)?;
    }
    if inc.is_empty() {
        return Ok(());
    }
    let setup_update = if merge_setup { "t.is_setup AND EXCLUDED.is_setup" } else { "EXCLUDED.is_setup" };
    let conflict = format!(
        "ON CONFLICT (trace_id) DO UPDATE SET run_id = EXCLUDED.run_id, service_name = EXCLUDED.service_name,
              resource_hash = EXCLUDED.resource_hash, is_setup = {setup_update},
              root_span_id = EXCLUDED.root_span_id, root_name = EXCLUDED.root_name, start_time = EXCLUDED.start_time,
              end_time = EXCLUDED.end_time, span_count = EXCLUDED.span_count, error_count = EXCLUDED.error_count,
              updated_at = {}",
        if citus { "EXCLUDED.updated_at" } else { "now()" }
    );
    if let (true, Some(stored)) = (citus, stored) {
        let mut out = TraceRows::default();
        for t in &inc {
            let is_setup = setup_only.get(t).copied().unwrap_or(false);
            out.push_merged(*t, run_of(t), is_setup, stored.get(t), added.get(t));
        }
        return out.insert(client, &conflict);
    }
    // The stored row `o` and its root `cr` are read by key (the trace's lock is held); a trace
    // this batch added nothing to (n = 0) keeps its sums and root, only its run and set-up flag
    // change; one not stored yet is inserted only if it has spans. On a tie the stored root stays.
    // Citus joins no distributed table laterally to unnest() and allows only immutable functions
    // in DO UPDATE SET: the stored rows and their roots are read first (an intermediate result;
    // $1 is the trace_id column), by key.
    let stored_rows = if citus {
        "(SELECT o.*, r.parent_span_id IS NULL AS r_root, r.start_time AS r_start, r.duration_ns AS r_duration
                FROM agenttrace.traces o LEFT JOIN agenttrace.spans r ON r.trace_id = o.trace_id AND r.span_id = o.root_span_id
               WHERE o.trace_id = ANY($1::uuid[])) o ON o.trace_id = u.trace_id
              CROSS JOIN LATERAL (SELECT o.r_root AS is_root, o.r_start AS start_time, o.r_duration AS duration_ns) cr"
    } else {
        "agenttrace.traces o ON o.trace_id = u.trace_id
           LEFT JOIN LATERAL (SELECT r.parent_span_id IS NULL AS is_root, r.start_time, r.duration_ns FROM agenttrace.spans r
                               WHERE r.trace_id = o.trace_id AND r.span_id = o.root_span_id
                               ORDER BY (r.parent_span_id IS NULL) DESC, r.start_time, r.duration_ns DESC LIMIT 1) cr ON true"
    };
    let select = format!(
        "SELECT u.trace_id, u.run_id,
                CASE WHEN k.keep THEN o.service_name ELSE u.service_name END,
                CASE WHEN k.keep THEN o.resource_hash ELSE u.resource_hash END,
                u.is_setup,
                CASE WHEN k.keep THEN o.root_span_id ELSE u.root_span_id END,
                CASE WHEN k.keep THEN o.root_name ELSE u.root_name END,
                CASE WHEN o.trace_id IS NULL THEN u.start_time WHEN u.n = 0 THEN o.start_time ELSE least(o.start_time, u.start_time) END,
                CASE WHEN o.trace_id IS NULL THEN u.end_time WHEN u.n = 0 THEN o.end_time ELSE greatest(o.end_time, u.end_time) END,
                coalesce(o.span_count, 0) + u.n, coalesce(o.error_count, 0) + u.errors, now()
           FROM {{unnest}}
           LEFT JOIN {stored_rows}
          CROSS JOIN LATERAL (SELECT o.trace_id IS NOT NULL AND (u.n = 0 OR (cr.start_time IS NOT NULL
                                 AND (NOT cr.is_root, cr.start_time, -cr.duration_ns) <= (NOT u.root_is_root, u.root_start, -u.root_duration)))
                              AS keep) k
          WHERE u.n > 0 OR o.trace_id IS NOT NULL"
    );
    let rows: Vec<(TraceId, Option<&TraceAdd>)> = inc.iter().map(|t| (*t, added.get(t))).collect();
    let time = |t: Option<i64>| t.map(timestamptz);
    let cols = Columns::new()
        .map("trace_id", "uuid", &rows, |(t, _)| uuid(t))
        .map("run_id", "uuid", &rows, |(t, _)| uuid(&run_of(t)))
        .map("is_setup", "bool", &rows, |(t, _)| setup_only.get(t).copied().unwrap_or(false))
        .map("n", "int4", &rows, |(_, a)| a.map_or(0, |a| a.span_count))
        .map("errors", "int4", &rows, |(_, a)| a.map_or(0, |a| a.error_count))
        .map("start_time", "timestamptz", &rows, |(_, a)| time(a.map(|a| a.start_pg_micros)))
        .map("end_time", "timestamptz", &rows, |(_, a)| time(a.map(|a| a.end_pg_micros)))
        .map("root_is_root", "bool", &rows, |(_, a)| a.map(|a| a.root_key.0))
        .map("root_start", "timestamptz", &rows, |(_, a)| time(a.map(|a| a.root_key.1)))
        .map("root_duration", "int8", &rows, |(_, a)| a.map(|a| a.root_key.2))
        .map("root_span_id", "int8", &rows, |(_, a)| a.map(|a| a.root_span_id))
        .map("root_name", "text", &rows, |(_, a)| a.map(|a| a.root_name.clone()))
        .map("service_name", "text", &rows, |(_, a)| a.map(|a| a.root_service.clone()))
        .map("resource_hash", "int8", &rows, |(_, a)| a.map(|a| a.root_resource_hash));
    if !citus {
        let sql = format!(
            "INSERT INTO agenttrace.traces AS t
                  (trace_id, run_id, service_name, resource_hash, is_setup, root_span_id, root_name, start_time, end_time, span_count, error_count, updated_at)
             {select} {conflict}"
        );
        cols.run(client, &sql)?;
        return Ok(());
    }
    // Citus: the rows are computed by the same SELECT (the stored rows read by key), then
    // written as a VALUES list (see crate::columns: one statement per shard, one-phase commit
    // when they share a worker; the trace locks are held in between).
    let mut out = TraceRows::default();
    for row in cols.select(client, &select)? {
        let (Some(t), Some(r)) = (row.get::<pgrx::Uuid>(1)?, row.get::<pgrx::Uuid>(2)?) else { continue };
        out.trace_id.push(t);
        out.run_id.push(r);
        out.service_name.push(row.get::<String>(3)?);
        out.resource_hash.push(row.get::<i64>(4)?);
        out.is_setup.push(row.get::<bool>(5)?.unwrap_or(false));
        out.root_span_id.push(row.get::<i64>(6)?);
        out.root_name.push(row.get::<String>(7)?);
        out.start_time.push(row.get::<TimestampWithTimeZone>(8)?);
        out.end_time.push(row.get::<TimestampWithTimeZone>(9)?);
        out.span_count.push(row.get::<i32>(10)?.unwrap_or(0));
        out.error_count.push(row.get::<i32>(11)?.unwrap_or(0));
    }
    out.insert(client, &conflict)
}

/// `traces` rows as columns (Citus: merged from the stored rows, written as VALUES).
#[derive(Default)]
struct TraceRows {
    trace_id: Vec<pgrx::Uuid>,
    run_id: Vec<pgrx::Uuid>,
    service_name: Vec<Option<String>>,
    resource_hash: Vec<Option<i64>>,
    is_setup: Vec<bool>,
    root_span_id: Vec<Option<i64>>,
    root_name: Vec<Option<String>>,
    start_time: Vec<Option<TimestampWithTimeZone>>,
    end_time: Vec<Option<TimestampWithTimeZone>>,
    span_count: Vec<i32>,
    error_count: Vec<i32>,
}

impl TraceRows {
    /// Adds the row of `trace` merged as the single-server statement of
    /// [`upsert_traces_incremental`] merges it: counts and times add up; the stored root (and
    /// its service and process) stays unless this batch brings a span that comes before it, or
    /// unless its span is not found; a trace this batch added no span to keeps its sums and
    /// root; one neither stored nor added to gets no row.
    fn push_merged(&mut self, trace: TraceId, run: TraceId, is_setup: bool, o: Option<&StoredTrace>, a: Option<&TraceAdd>) {
        let n = a.map_or(0, |a| a.span_count);
        if n == 0 && o.is_none() {
            return;
        }
        let keep = match o {
            None => false,
            Some(_) if n == 0 => true,
            Some(o) => match (o.root, a) {
                (Some(root), Some(a)) => root_comes_first(root, a.root_key),
                _ => false,
            },
        };
        let time = |t: Option<i64>| t.map(timestamptz);
        let (u_start, u_end) = (a.filter(|_| n > 0).map(|a| a.start_pg_micros), a.filter(|_| n > 0).map(|a| a.end_pg_micros));
        let (start, end) = match o {
            None => (u_start, u_end),
            Some(o) if n == 0 => (o.start_time, o.end_time),
            // least() and greatest() skip NULLs.
            Some(o) => (o.start_time.into_iter().chain(u_start).min(), o.end_time.into_iter().chain(u_end).max()),
        };
        self.trace_id.push(uuid(&trace));
        self.run_id.push(uuid(&run));
        self.is_setup.push(is_setup);
        match o.filter(|_| keep) {
            Some(o) => {
                self.service_name.push(o.service_name.clone());
                self.resource_hash.push(o.resource_hash);
                self.root_span_id.push(o.root_span_id);
                self.root_name.push(o.root_name.clone());
            }
            None => {
                self.service_name.push(a.map(|a| a.root_service.clone()));
                self.resource_hash.push(a.map(|a| a.root_resource_hash));
                self.root_span_id.push(a.map(|a| a.root_span_id));
                self.root_name.push(a.map(|a| a.root_name.clone()));
            }
        }
        self.start_time.push(time(start));
        self.end_time.push(time(end));
        self.span_count.push(o.map_or(0, |o| o.span_count) + n);
        self.error_count.push(o.map_or(0, |o| o.error_count) + a.map_or(0, |a| a.error_count));
    }

    /// Writes the rows (a `VALUES` list up to `crate::columns`' bound: one statement per shard).
    fn insert(self, client: &mut SpiClient<'_>, conflict: &str) -> SpiResult<()> {
        Columns::new()
            .col("trace_id", "uuid", self.trace_id)
            .col("run_id", "uuid", self.run_id)
            .col("service_name", "text", self.service_name)
            .col("resource_hash", "int8", self.resource_hash)
            .col("is_setup", "bool", self.is_setup)
            .col("root_span_id", "int8", self.root_span_id)
            .col("root_name", "text", self.root_name)
            .col("start_time", "timestamptz", self.start_time)
            .col("end_time", "timestamptz", self.end_time)
            .col("span_count", "int4", self.span_count)
            .col("error_count", "int4", self.error_count)
            .insert_exprs(
                client,
                "agenttrace.traces AS t",
                &[
                    ("trace_id", "{trace_id}"),
                    ("run_id", "{run_id}"),
                    ("service_name", "{service_name}"),
                    ("resource_hash", "{resource_hash}"),
                    ("is_setup", "{is_setup}"),
                    ("root_span_id", "{root_span_id}"),
                    ("root_name", "{root_name}"),
                    ("start_time", "{start_time}"),
                    ("end_time", "{end_time}"),
                    ("span_count", "{span_count}"),
                    ("error_count", "{error_count}"),
                    ("updated_at", "now()"),
                ],
                conflict,
            )?;
        Ok(())
    }
}

/// A stored `traces` row as a merge needs it, with the order key of its root span (Citus: read
/// by the stitching look-up, under the trace locks).
#[derive(Clone, Debug, Default)]
pub(super) struct StoredTrace {
    pub service_name: Option<String>,
    pub resource_hash: Option<i64>,
    pub root_span_id: Option<i64>,
    pub root_name: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub span_count: i32,
    pub error_count: i32,
    /// The stored root span's (is a root, start, duration), when that span is stored.
    pub root: Option<(bool, i64, Option<i64>)>,
}

impl StoredTrace {
    /// Keeps the root span that comes first when a trace's root span id is stored twice (same
    /// id, other start): the order the single-server statement picks by.
    pub fn offer_root(&mut self, root: (bool, i64, Option<i64>)) {
        let key = |r: (bool, i64, Option<i64>)| (!r.0, r.1, std::cmp::Reverse(r.2));
        if self.root.is_none_or(|have| key(root) < key(have)) {
            self.root = Some(root);
        }
    }
}

/// Whether the stored root `(is a root, start, duration)` comes before (or ties with) the
/// batch's best root candidate: SQL's row comparison `(NOT root, start, -duration) <= (...)`,
/// which is unknown (so false) when it reaches a NULL duration.
fn root_comes_first(stored: (bool, i64, Option<i64>), new: (bool, i64, i64)) -> bool {
    if stored.0 != new.0 {
        // NOT root: a root comes first.
        return stored.0;
    }
    if stored.1 != new.1 {
        return stored.1 < new.1;
    }
    match stored.2 {
        // -d <= -new: the longer comes first.
        Some(d) => d >= new.2,
        None => false,
    }
}
