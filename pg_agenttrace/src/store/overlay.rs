//! GenAI content that arrived as OTLP log events (stored in `agenttrace.log_records` by
//! `crate::logs`), read back per span so that analysis sees it as if the span had carried it.
use std::collections::HashMap;

use agenttrace_core::ids::{SpanId, TraceId};
use agenttrace_core::logs::span_overlay;
use agenttrace_core::model::Attributes;
use pgrx::spi::{SpiClient, SpiResult};

use crate::columns::{select_cached, trace_id, uuid};

/// Stored GenAI content of the spans of `traces`, folded into span attributes per span.
pub(crate) fn genai_overlays(client: &SpiClient<'_>, traces: &[TraceId]) -> SpiResult<HashMap<(TraceId, SpanId), Attributes>> {
    let mut out = HashMap::new();
    if traces.is_empty() {
        return Ok(out);
    }
    let mut ids: Vec<pgrx::Uuid> = traces.iter().map(uuid).collect();
    if crate::columns::citus_present() {
        // Only traces noted with GenAI events (a table on the coordinator) are read from the shards.
        ids = genai_event_traces(client, ids)?;
        if ids.is_empty() {
            return Ok(out);
        }
    }
    // route_id is the trace id of every record that has one: on Citus the read goes to the
    // traces' shards only.
    let t = select_cached(
        client,
        "SELECT trace_id, span_id, genai::text FROM agenttrace.log_records
          WHERE route_id = ANY($1) AND trace_id = ANY($1) AND span_id IS NOT NULL AND genai IS NOT NULL
          ORDER BY trace_id, span_id, time, record_index, record_hash",
        &[ids.into()],
    )?;
    let mut by_span: Vec<((TraceId, SpanId), Vec<serde_json::Value>)> = Vec::new();
    for row in t {
        let (Some(tr), Some(sid), Some(text)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?, row.get::<String>(3)?) else {
            continue;
        };
        let key = (trace_id(&tr), agenttrace_core::ids::i64_to_span_id(sid));
        let Ok(v) = serde_json::from_str(&text) else { continue };
        match by_span.last_mut() {
            Some((k, list)) if *k == key => list.push(v),
            _ => by_span.push((key, vec![v])),
        }
    }
    for (key, contents) in by_span {
        let overlay = span_overlay(&contents);
        if !overlay.is_empty() {
            out.insert(key, overlay);
        }
    }
    Ok(out)
}

/// Citus: those of `ids` noted in `agenttrace.genai_event_traces` (traces with GenAI content
/// events in `log_records`), read on the coordinator.
pub(crate) fn genai_event_traces(client: &SpiClient<'_>, ids: Vec<pgrx::Uuid>) -> SpiResult<Vec<pgrx::Uuid>> {
    let mut out = Vec::new();
    for row in select_cached(client, "SELECT trace_id FROM agenttrace.genai_event_traces WHERE trace_id = ANY($1)", &[ids.into()])? {
        if let Some(t) = row.get::<pgrx::Uuid>(1)? {
            out.push(t);
        }
    }
    Ok(out)
}
