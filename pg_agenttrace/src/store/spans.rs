//! Span rows: `spans`, `span_events`, `span_links`, `resources`, written from decoded records,
//! read back as records, and the per-span facts the normalizers derive refreshed in place.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use agenttrace_core::ids::{i64_to_span_id, span_id_to_i64, TraceId};
use agenttrace_core::model::{Attributes, Resource, SpanEvent, SpanLink, SpanRecord};
use agenttrace_core::rows::{nanos_i64, pg_micros, SpanRow};
use pgrx::spi::{SpiClient, SpiResult};

use super::{uuids, SpanKey};
use crate::columns::{select_cached, timestamptz, trace_id, uuid, Columns};

/// Stored spans of the given traces, rebuilt as records so a grown run is analysed whole.
/// The GenAI content of their stored log events is laid over the spans' attributes (see
/// `crate::logs`): what analysis and MAST read.
pub(crate) fn load_spans(client: &SpiClient<'_>, traces: &[TraceId]) -> SpiResult<Vec<SpanRecord>> {
    let mut spans = load_spans_where(client, traces, None, None)?;
    let overlays = super::overlay::genai_overlays(client, traces)?;
    if !overlays.is_empty() {
        for s in &mut spans {
            if let Some(o) = overlays.get(&(s.trace_id, s.span_id)) {
                agenttrace_core::logs::apply_overlay(s, o);
            }
        }
    }
    Ok(spans)
}

/// Of stored spans: the facts fingerprint of each that has one, and whether each counts as an
/// error in its trace's `error_count`.
type StoredFacts = (HashMap<SpanKey, i64>, HashMap<SpanKey, bool>);

/// [`load_spans`], plus the stored facts fingerprint of each span that has one, and whether
/// each stored span counts as an error in its trace's `error_count`.
pub(super) fn load_spans_and_facts_hashes(client: &SpiClient<'_>, traces: &[TraceId]) -> SpiResult<(Vec<SpanRecord>, StoredFacts)> {
    let mut stored = (HashMap::new(), HashMap::new());
    let spans = load_spans_where(client, traces, None, Some(&mut stored))?;
    Ok((spans, stored))
}

/// One stored span, rebuilt (None when it does not exist).
pub(crate) fn load_span(client: &SpiClient<'_>, trace: TraceId, span_id: i64) -> SpiResult<Option<SpanRecord>> {
    Ok(load_spans_where(client, &[trace], Some(span_id), None)?.pop())
}

fn load_spans_where(
    client: &SpiClient<'_>,
    traces: &[TraceId],
    only_span: Option<i64>,
    mut stored: Option<&mut StoredFacts>,
) -> SpiResult<Vec<SpanRecord>> {
    let unknown = Arc::new(Resource::new(Attributes::new(), String::new()));

    // Events and links of these traces in one range scan each (a correlated sub-select per span
    // cost more than the span rows themselves), in their stored order.
    let mut events: HashMap<SpanKey, Vec<SpanEvent>> = HashMap::new();
    for row in select_cached(
        client,
        "SELECT e.trace_id, e.span_id, e.time_unix_nano, e.name, e.attributes::text, e.dropped_attributes_count
           FROM agenttrace.span_events e WHERE e.trace_id = ANY($1) AND ($2::bigint IS NULL OR e.span_id = $2)
          ORDER BY e.trace_id, e.span_id, e.event_index",
        &[uuids(traces).into(), only_span.into()],
    )? {
        let (Some(tr), Some(sid)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) else {
            continue;
        };
        events.entry((trace_id(&tr), i64_to_span_id(sid))).or_default().push(SpanEvent {
            time_unix_nano: row.get::<i64>(3)?.map_or(0, |t| t.max(0) as u64),
            name: row.get::<String>(4)?.unwrap_or_default(),
            attributes: row
                .get::<String>(5)?
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default(),
            dropped_attributes_count: row.get::<i32>(6)?.map_or(0, |d| d.max(0) as u32),
        });
    }
    let mut links: HashMap<SpanKey, Vec<SpanLink>> = HashMap::new();
    for row in select_cached(
        client,
        "SELECT l.trace_id, l.span_id, l.linked_trace_id, l.linked_span_id, l.trace_state, l.attributes::text, l.flags
           FROM agenttrace.span_links l WHERE l.trace_id = ANY($1) AND ($2::bigint IS NULL OR l.span_id = $2)
          ORDER BY l.trace_id, l.span_id, l.link_index",
        &[uuids(traces).into(), only_span.into()],
    )? {
        let (Some(tr), Some(sid), Some(lt), Some(ls)) =
            (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?, row.get::<pgrx::Uuid>(3)?, row.get::<i64>(4)?)
        else {
            continue;
        };
        links.entry((trace_id(&tr), i64_to_span_id(sid))).or_default().push(SpanLink {
            trace_id: trace_id(&lt),
            span_id: i64_to_span_id(ls),
            trace_state: row.get::<String>(5)?.unwrap_or_default(),
            attributes: row
                .get::<String>(6)?
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default(),
            dropped_attributes_count: 0,
            flags: row.get::<i32>(7)?.map_or(0, |f| f.max(0) as u32),
        });
    }

    let t = select_cached(
        client,
        "SELECT s.trace_id, s.span_id, s.parent_span_id, s.trace_state, s.flags, s.name, s.kind,
                s.start_time_unix_nano, s.end_time_unix_nano, s.attributes::text, s.dropped_attributes_count,
                s.dropped_events_count, s.dropped_links_count, s.status_code, s.status_message,
                s.resource_hash, s.scope_name, s.scope_version,
                NULL::text, NULL::text, s.facts_hash, s.status_code = 2 OR s.is_error
           FROM agenttrace.spans s WHERE s.trace_id = ANY($1) AND ($2::bigint IS NULL OR s.span_id = $2)",
        &[uuids(traces).into(), only_span.into()],
    )?;
    let mut out = Vec::with_capacity(t.len());
    let mut resource_hashes: Vec<i64> = Vec::with_capacity(t.len());
    for row in t {
        let (Some(tr), Some(sid)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) else {
            continue;
        };
        let key = (trace_id(&tr), i64_to_span_id(sid));
        let events = events.remove(&key).unwrap_or_default();
        let links = links.remove(&key).unwrap_or_default();
        let hash: i64 = row.get(16)?.unwrap_or_default();
        resource_hashes.push(hash);
        if let Some((hashes, errors)) = stored.as_deref_mut() {
            if let Some(h) = row.get::<i64>(21)? {
                hashes.insert(key, h);
            }
            if let Some(e) = row.get::<bool>(22)? {
                errors.insert(key, e);
            }
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
            attributes: row.get::<String>(10)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
            dropped_attributes_count: row.get::<i32>(11)?.unwrap_or(0) as u32,
            events,
            dropped_events_count: row.get::<i32>(12)?.unwrap_or(0) as u32,
            links,
            dropped_links_count: row.get::<i32>(13)?.unwrap_or(0) as u32,
            status_code: row.get::<i16>(14)?.unwrap_or(0) as i32,
            status_message: row.get::<String>(15)?.unwrap_or_default(),
            resource: unknown.clone(),
            scope_name: row.get::<String>(17)?.unwrap_or_default(),
            scope_version: row.get::<String>(18)?.unwrap_or_default(),
        });
    }
    // Their resources, by the keys the span rows name (not by another pass over the spans).
    let mut wanted = resource_hashes.clone();
    wanted.sort_unstable();
    wanted.dedup();
    let mut resources: HashMap<i64, Arc<Resource>> = HashMap::new();
    if !wanted.is_empty() {
        let t = select_cached(
            client,
            "SELECT r.resource_hash, r.attributes::text, r.schema_url FROM agenttrace.resources r
              WHERE r.resource_hash = ANY($1)",
            &[wanted.into()],
        )?;
        for row in t {
            let hash: i64 = row.get(1)?.unwrap_or_default();
            let attrs: Attributes = row.get::<String>(2)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
            let mut r = Resource::new(attrs, row.get::<String>(3)?.unwrap_or_default());
            r.hash = hash; // keep the stored key even if hashing ever changes
            resources.insert(hash, Arc::new(r));
        }
    }
    for (s, hash) in out.iter_mut().zip(resource_hashes) {
        if let Some(r) = resources.get(&hash) {
            s.resource = r.clone();
        }
    }
    Ok(out)
}

pub(crate) fn insert_resources<'a>(client: &mut SpiClient<'_>, resources: impl Iterator<Item = &'a Arc<Resource>>) -> SpiResult<()> {
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
    if crate::columns::citus_present() {
        // A reference table: a write goes to every node (and makes the commit two-phase) even
        // when the row is there. Read locally which are stored and write only the new ones.
        let mut stored: HashSet<i64> = HashSet::new();
        for row in
            select_cached(client, "SELECT resource_hash FROM agenttrace.resources WHERE resource_hash = ANY($1)", &[hash.clone().into()])?
        {
            if let Some(h) = row.get::<i64>(1)? {
                stored.insert(h);
            }
        }
        if !stored.is_empty() {
            let keep: Vec<bool> = hash.iter().map(|h| !stored.contains(h)).collect();
            fn pick<T>(v: Vec<T>, keep: &[bool]) -> Vec<T> {
                v.into_iter().zip(keep).filter(|(_, k)| **k).map(|(x, _)| x).collect()
            }
            hash = pick(hash, &keep);
            service = pick(service, &keep);
            attrs = pick(attrs, &keep);
            schema = pick(schema, &keep);
            if hash.is_empty() {
                return Ok(());
            }
        }
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
        .text("framework", rows, |r| r.framework.as_deref())
        .text("instrumentation", rows, |r| r.instrumentation.as_deref())
        .text("category", rows, |r| Some(r.category))
        .text("agent_name", rows, |r| r.agent_name.as_deref())
        .text("agent_id", rows, |r| r.agent_id.as_deref())
        .text("agent_role", rows, |r| r.agent_role.as_deref())
        .text("model", rows, |r| r.model.as_deref())
        .text("provider", rows, |r| r.provider.as_deref())
        .map("input_tokens", "int8", rows, |r| r.input_tokens)
        .map("output_tokens", "int8", rows, |r| r.output_tokens)
        .map("cached_tokens", "int8", rows, |r| r.cached_tokens)
        .map("reasoning_tokens", "int8", rows, |r| r.reasoning_tokens)
        .map("total_tokens", "int8", rows, |r| r.total_tokens)
        .text("tool_name", rows, |r| r.tool_name.as_deref())
        .text("tool_call_id", rows, |r| r.tool_call_id.as_deref())
        .map("is_error", "bool", rows, |r| r.is_error)
        .text("error_type", rows, |r| r.error_type.as_deref())
        .text("error_message", rows, |r| r.error_message.as_deref())
        .text("input_text", rows, |r| r.input_text.as_deref())
        .text("output_text", rows, |r| r.output_text.as_deref())
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

/// Inserts new span rows, each with the attributes it is stored with; returns the (trace, span
/// id) of those not stored before.
///
/// `known_new`: the caller read which of these spans are stored, with the traces' locks held
/// (so none of them is). Citus then inserts them without `ON CONFLICT ... RETURNING`, which it
/// can only run as a second command per shard after copying the rows into intermediate results.
pub(super) fn insert_span_rows<'a>(
    client: &mut SpiClient<'_>,
    rows: impl Iterator<Item = (&'a SpanRow, &'a Attributes)>,
    known_new: bool,
) -> SpiResult<Vec<(TraceId, i64)>> {
    let (rows, attributes): (Vec<&SpanRow>, Vec<&Attributes>) = rows.unzip();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let cols = Columns::new()
        .map("trace_id", "uuid", &rows, |r| uuid(&r.trace_id))
        .map("span_id", "int8", &rows, |r| r.span_id)
        .map("parent_span_id", "int8", &rows, |r| r.parent_span_id)
        .map("start_time", "timestamptz", &rows, |r| timestamptz(r.start_time_pg_micros))
        .map("end_time", "timestamptz", &rows, |r| timestamptz(r.end_time_pg_micros))
        .map("start_time_unix_nano", "int8", &rows, |r| r.start_time_unix_nano)
        .map("end_time_unix_nano", "int8", &rows, |r| r.end_time_unix_nano)
        .map("duration_ns", "int8", &rows, |r| r.duration_ns)
        .text("name", &rows, |r| Some(r.name.as_str()))
        .map("kind", "int2", &rows, |r| r.kind)
        .map("status_code", "int2", &rows, |r| r.status_code)
        .text("status_message", &rows, |r| r.status_message.as_deref())
        .text("service_name", &rows, |r| Some(r.service_name.as_str()))
        .map("resource_hash", "int8", &rows, |r| r.resource_hash)
        .text("scope_name", &rows, |r| r.scope_name.as_deref())
        .text("scope_version", &rows, |r| r.scope_version.as_deref())
        .text("trace_state", &rows, |r| r.trace_state.as_deref())
        .map("flags", "int4", &rows, |r| r.flags)
        .jsonb("attributes", &attributes, |a| Some(*a))
        .map("dropped_attributes_count", "int4", &rows, |r| r.dropped_attributes_count)
        .map("dropped_events_count", "int4", &rows, |r| r.dropped_events_count)
        .map("dropped_links_count", "int4", &rows, |r| r.dropped_links_count);
    // The rows really inserted (a re-delivered span is skipped): what the traces rows add up.
    // A plain INSERT is tried first (see crate::subxact), except with Citus, where a
    // subtransaction becomes a savepoint on every worker connection.
    let citus = crate::columns::citus_present();
    if citus && known_new {
        fact_columns(cols, &rows).insert(client, "agenttrace.spans", "")?;
        return Ok(rows.iter().map(|r| (r.trace_id, r.span_id)).collect());
    }
    fact_columns(cols, &rows).insert_span_keys(client, "agenttrace.spans", "ON CONFLICT DO NOTHING", !citus)
}

/// Spans stored earlier get the facts their grown run now implies (only rows that changed).
pub(super) fn refresh_span_facts(client: &mut SpiClient<'_>, rows: &[SpanRow]) -> SpiResult<()> {
    let rows: Vec<&SpanRow> = rows.iter().collect();
    let cols = Columns::new().map("trace_id", "uuid", &rows, |r| uuid(&r.trace_id)).map("span_id", "int8", &rows, |r| r.span_id).map(
        "start_time",
        "timestamptz",
        &rows,
        |r| timestamptz(r.start_time_pg_micros),
    );
    let cols = fact_columns(cols, &rows);
    let set: Vec<String> = FACT_COLUMNS.iter().map(|c| format!("{c} = u.{c}")).collect();
    let lhs: Vec<String> = FACT_COLUMNS.iter().map(|c| format!("s.{c}")).collect();
    let rhs: Vec<String> = FACT_COLUMNS.iter().map(|c| format!("u.{c}")).collect();
    let sql = format!(
        "UPDATE agenttrace.spans s SET {} FROM {{unnest}}
          WHERE s.trace_id = u.trace_id AND s.span_id = u.span_id AND s.start_time = u.start_time
            {{route:s.trace_id}}
            AND ({}) IS DISTINCT FROM ({})",
        set.join(", "),
        lhs.join(", "),
        rhs.join(", ")
    );
    cols.run(client, &sql)?;
    Ok(())
}

pub(super) fn insert_events_links<'a>(client: &mut SpiClient<'_>, spans: impl Iterator<Item = &'a SpanRecord>) -> SpiResult<()> {
    let (mut et, mut es, mut ei, mut etime, mut ens, mut ename, mut eattr, mut edrop) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut lt, mut ls, mut li, mut ltt, mut lts, mut lstate, mut lattr, mut lflags) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for s in spans {
        let sid = span_id_to_i64(&s.span_id);
        for (i, e) in s.events.iter().enumerate() {
            et.push(uuid(&s.trace_id));
            es.push(sid);
            ei.push(i as i32);
            etime.push(timestamptz(pg_micros(e.time_unix_nano)));
            ens.push(nanos_i64(e.time_unix_nano));
            ename.push(e.name.clone());
            eattr.push(&e.attributes);
            edrop.push(e.dropped_attributes_count as i32);
        }
        for (i, l) in s.links.iter().enumerate() {
            lt.push(uuid(&s.trace_id));
            ls.push(sid);
            li.push(i as i32);
            ltt.push(uuid(&l.trace_id));
            lts.push(span_id_to_i64(&l.span_id));
            lstate.push((!l.trace_state.is_empty()).then(|| l.trace_state.clone()));
            lattr.push(&l.attributes);
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
            .jsonb("attributes", &eattr, |a| Some(*a))
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
            .jsonb("attributes", &lattr, |a| Some(*a))
            .col("flags", "int4", lflags)
            .insert(client, "agenttrace.span_links", "ON CONFLICT DO NOTHING")?;
    }
    Ok(())
}
