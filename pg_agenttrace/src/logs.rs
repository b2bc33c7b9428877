//! SQL capability: ingest OTLP log export requests (`agenttrace.ingest_logs`), and the GenAI
//! content events among them joined to their spans.
//!
//! Records go to `agenttrace.log_records` (idempotent on their content hash). GenAI content
//! events (`agenttrace_core::logs::genai_content`) are stored with their normalized content;
//! whenever a span's run is analysed, the content of its stored events is laid over the span's
//! attributes for the analysis (`store::overlay::genai_overlays`), so the facts are those the span would have
//! had with the content in its attributes. Whichever arrives first:
//! * span first: ingesting its events re-derives the span's run here;
//! * events first: ingesting the span reads them (`store::store_spans`).
//!
//! Both sides take the same transaction-level advisory lock per trace as span ingest, so a span
//! and its events committed concurrently never miss each other.
use agenttrace_core::ids::{span_id_to_i64, TraceId};
use agenttrace_core::logs::{genai_content, DecodedLogs, LogRecord};
use agenttrace_core::model::fnv1a64;
use agenttrace_core::otlp::decode_logs_body;
use agenttrace_core::redact::Redactor;
use agenttrace_core::rows::{nanos_i64, pg_micros};
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

use crate::body::{decode_bodies, Body, BodyResult, Decoded};
use crate::columns::{execute_cached, timestamptz, trace_id, uuid, Columns};
use crate::settings::normalize_enabled;

impl Decoded for DecodedLogs {
    fn accepted(&self) -> i64 {
        self.records.len() as i64
    }
    fn rejected(&self) -> (i64, Option<String>) {
        (self.rejected.len() as i64, self.rejection_message())
    }
    fn redact(&mut self, redactor: &mut Redactor) {
        DecodedLogs::redact(self, redactor);
    }
}

/// Decodes every logs body, dead-letters the undecodable ones, stores all records in one pass,
/// then re-derives the runs whose stored spans gained GenAI content.
pub(crate) fn ingest_log_bodies(client: &mut SpiClient<'_>, bodies: Vec<Body>) -> SpiResult<Vec<BodyResult>> {
    let (decoded, results) = decode_bodies(client, bodies, "logs", |body, limits| {
        decode_logs_body(&body.bytes, body.content_type.as_deref(), body.content_encoding.as_deref(), limits)
    })?;
    let mut all = DecodedLogs::default();
    for d in decoded {
        all.resources.extend(d.resources);
        all.records.extend(d.records);
    }
    store_log_records(client, all)?;
    Ok(results)
}

fn store_log_records(client: &mut SpiClient<'_>, logs: DecodedLogs) -> SpiResult<()> {
    if logs.records.is_empty() {
        return Ok(());
    }
    let _plan = crate::columns::IngestPlanning::start();
    let contents: Vec<Option<serde_json::Value>> = logs.records.iter().map(genai_content).collect();
    // Traces whose spans gain content: lock them (and their runs) as span ingest does, before
    // the records become visible, so a concurrent span batch of the same trace waits for this
    // one or is waited for.
    let mut genai_traces: Vec<TraceId> =
        logs.records.iter().zip(&contents).filter(|(r, c)| c.is_some() && r.span_id.is_some()).filter_map(|(r, _)| r.trace_id).collect();
    genai_traces.sort_unstable();
    genai_traces.dedup();
    if !genai_traces.is_empty() {
        let runs = runs_of(client, &genai_traces)?;
        crate::locks::lock_traces(client, genai_traces.iter().chain(runs.iter()))?;
    }
    crate::store::insert_resources(client, logs.resources.iter())?;
    let recs = &logs.records;
    let inserted = Columns::new()
        .map("time", "timestamptz", recs, |r| timestamptz(pg_micros(r.time_ns())))
        .map("record_hash", "int8", recs, |r| r.record_hash)
        .map("route_id", "uuid", recs, |r| uuid(&route_id(r)))
        .map("trace_id", "uuid", recs, |r| r.trace_id.as_ref().map(uuid))
        .map("span_id", "int8", recs, |r| r.span_id.as_ref().map(span_id_to_i64))
        .map("time_unix_nano", "int8", recs, |r| nanos_i64(r.time_unix_nano))
        .map("observed_time_unix_nano", "int8", recs, |r| nanos_i64(r.observed_time_unix_nano))
        .map("severity_number", "int2", recs, |r| r.severity_number.clamp(i16::MIN.into(), i16::MAX.into()) as i16)
        .map("severity_text", "text", recs, |r| (!r.severity_text.is_empty()).then(|| r.severity_text.clone()))
        .map("event_name", "text", recs, |r| (!r.event_name.is_empty()).then(|| r.event_name.clone()))
        .cast("body", "text", "jsonb", recs.iter().map(|r| (!r.body.is_null()).then(|| r.body.to_string())).collect::<Vec<_>>())
        .cast(
            "attributes",
            "text",
            "jsonb",
            recs.iter().map(|r| serde_json::Value::Object(r.attributes.clone()).to_string()).collect::<Vec<_>>(),
        )
        .map("dropped_attributes_count", "int4", recs, |r| r.dropped_attributes_count as i32)
        .map("flags", "int4", recs, |r| r.flags as i32)
        .map("service_name", "text", recs, |r| r.resource.service_name.clone())
        .map("resource_hash", "int8", recs, |r| r.resource.hash)
        .map("scope_name", "text", recs, |r| (!r.scope_name.is_empty()).then(|| r.scope_name.clone()))
        .map("scope_version", "text", recs, |r| (!r.scope_version.is_empty()).then(|| r.scope_version.clone()))
        .map("record_index", "int4", recs, |r| r.index.min(i32::MAX as u32) as i32)
        .cast("genai", "text", "jsonb", contents.iter().map(|c| c.as_ref().map(|v| v.to_string())).collect::<Vec<_>>())
        .insert(client, "agenttrace.log_records", "ON CONFLICT DO NOTHING")?;
    if inserted > 0 && !genai_traces.is_empty() && crate::columns::citus_present() {
        // On Citus span ingest reads a trace's events from the shards only for traces noted
        // here (a table on the coordinator: no shard command).
        Columns::new().map("trace_id", "uuid", &genai_traces, uuid).insert(
            client,
            "agenttrace.genai_event_traces",
            "ON CONFLICT DO NOTHING",
        )?;
    }
    if inserted == 0 || genai_traces.is_empty() || !normalize_enabled(client)? {
        // Raw mode: agenttrace.renormalize() picks the content up later.
        return Ok(());
    }
    // Spans already stored: re-derive their runs with the new content.
    let runs = runs_of(client, &genai_traces)?;
    if runs.is_empty() {
        return Ok(());
    }
    let refreshed = crate::store::refresh_runs(client, &runs)?;
    if crate::mast::auto_classify_enabled(client)? {
        crate::mast::classify_runs(client, &refreshed)?;
    }
    Ok(())
}

/// Where a record is stored on Citus (`log_records.route_id`, its distribution column): its trace
/// id, so that a trace's records sit on the trace's shard; for a record without a trace context,
/// an id derived from its process (resource hash), scope and hour, so that the trace-less records
/// of one export request mostly go to one shard, and those of other processes, scopes and hours
/// spread over the others. Deterministic: a re-delivered record gets the same id (and every part
/// of it is in the record's content hash, so the key stays as unique as the hash and time).
pub(crate) fn route_id(r: &LogRecord) -> TraceId {
    if let Some(t) = r.trace_id {
        return t;
    }
    let hour = r.time_ns() / 3_600_000_000_000;
    let key = format!("{}\u{0}{}\u{0}{}\u{0}{}", r.resource.hash, r.scope_name, r.scope_version, hour);
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&fnv1a64(format!("agenttrace.log_route.1\u{0}{key}").as_bytes()).to_be_bytes());
    id[8..].copy_from_slice(&fnv1a64(format!("agenttrace.log_route.2\u{0}{key}").as_bytes()).to_be_bytes());
    id
}

/// Runs the given traces belong to (traces not stored yet have none).
fn runs_of(client: &mut SpiClient<'_>, traces: &[TraceId]) -> SpiResult<Vec<TraceId>> {
    let ids: Vec<pgrx::Uuid> = traces.iter().map(uuid).collect();
    let mut runs = Vec::new();
    for row in execute_cached(client, "SELECT DISTINCT run_id FROM agenttrace.traces WHERE trace_id = ANY($1)", &[ids.into()])? {
        if let Some(r) = row.get::<pgrx::Uuid>(1)? {
            runs.push(trace_id(&r));
        }
    }
    runs.sort_unstable();
    Ok(runs)
}

/// Ingests one OTLP `ExportLogsServiceRequest` body (protobuf or OTLP/JSON, gzip optional).
#[pg_extern(volatile, parallel_unsafe)]
fn ingest_logs(
    body: &[u8],
    content_type: default!(Option<&str>, "'application/x-protobuf'"),
    content_encoding: default!(Option<&str>, "NULL"),
) -> Result<
    TableIterator<'static, (name!(accepted_records, i64), name!(rejected_records, i64), name!(error_message, Option<String>))>,
    pgrx::spi::Error,
> {
    let body = Body {
        bytes: body.to_vec(),
        content_type: content_type.map(str::to_string),
        content_encoding: content_encoding.map(str::to_string),
    };
    let mut results = Spi::connect_mut(|client| ingest_log_bodies(client, vec![body]))?;
    let r = results.pop().map(|r| (r.accepted, r.rejected, r.error));
    Ok(TableIterator::new(r))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION ingest_logs(bytea, text, text) IS
'Decodes an OTLP ExportLogsServiceRequest (protobuf or OTLP/JSON; gzip optional or detected), redacts secrets and stores its log records in agenttrace.log_records (idempotent: a re-delivered record is not stored twice). GenAI content events (gen_ai.client.inference.operation.details, gen_ai.user/system/assistant/tool.message, gen_ai.choice) join their span whichever arrives first: the span''s run is re-derived with the content as if the span had carried it (messages, tool calls, search, MAST). Returns accepted and rejected record counts like OTLP partial success; an undecodable body returns its error and is kept in agenttrace.dead_letters (signal logs). Example: SELECT * FROM agenttrace.ingest_logs(pg_read_binary_file(''/tmp/logs.bin''));';
"#,
    name = "comment_ingest_logs",
    requires = [ingest_logs]
);
