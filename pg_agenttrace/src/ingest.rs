//! SQL capability: ingest OTLP trace export requests.
//!
//! `agenttrace.ingest(body, content_type, content_encoding)` for one body,
//! `agenttrace.ingest_staged(batch_id)` for a batch COPied into `agenttrace.ingest_staging`,
//! `agenttrace.renormalize(run_id)` to re-run the normalizers over stored spans.
use agenttrace_core::ids::TraceId;
use agenttrace_core::model::{DecodedRequest, SpanRecord};
use agenttrace_core::otlp::decode_body;
use agenttrace_core::redact::Redactor;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

use crate::body::{decode_bodies, Body, BodyResult, Decoded};
use crate::settings::normalize_enabled;
use crate::store::store_spans;

impl Decoded for DecodedRequest {
    fn accepted(&self) -> i64 {
        self.spans.len() as i64
    }
    fn rejected(&self) -> (i64, Option<String>) {
        (self.rejected.len() as i64, self.rejection_message())
    }
    fn redact(&mut self, redactor: &mut Redactor) {
        redactor.redact_request(self);
    }
}

/// Decodes every body, dead-letters the undecodable ones, stores all spans in one pass.
/// A bad body never fails the others: decoding errors are results, not SQL errors.
fn ingest_bodies(client: &mut SpiClient<'_>, bodies: Vec<Body>) -> SpiResult<Vec<BodyResult>> {
    let (decoded, results) = decode_bodies(client, bodies, "traces", |body, limits| {
        decode_body(&body.bytes, body.content_type.as_deref(), body.content_encoding.as_deref(), limits)
    })?;
    let spans: Vec<SpanRecord> = decoded.into_iter().flat_map(|d| d.spans).collect();
    // `SET agenttrace.normalize = off` stores spans raw (fastest); agenttrace.renormalize() catches up.
    let normalize = normalize_enabled(client)?;
    let runs = store_spans(client, spans, normalize)?;
    // Optional: MAST classification right after ingest (mast_settings.auto_classify).
    if !runs.is_empty() && crate::mast::auto_classify_enabled(client)? {
        crate::mast::classify_runs(client, &runs)?;
    }
    Ok(results)
}

/// Ingests one OTLP `ExportTraceServiceRequest` body (protobuf or OTLP/JSON, gzip optional).
#[pg_extern(volatile, parallel_unsafe)]
fn ingest(
    body: &[u8],
    content_type: default!(Option<&str>, "'application/x-protobuf'"),
    content_encoding: default!(Option<&str>, "NULL"),
) -> Result<
    TableIterator<'static, (name!(accepted_spans, i64), name!(rejected_spans, i64), name!(error_message, Option<String>))>,
    pgrx::spi::Error,
> {
    let body = Body {
        bytes: body.to_vec(),
        content_type: content_type.map(str::to_string),
        content_encoding: content_encoding.map(str::to_string),
    };
    let mut results = Spi::connect_mut(|client| ingest_bodies(client, vec![body]))?;
    let r = results.pop().map(|r| (r.accepted, r.rejected, r.error));
    Ok(TableIterator::new(r))
}

/// Ingests every body staged under `batch_id` in `agenttrace.ingest_staging`, then removes them.
#[allow(clippy::type_complexity)] // pgrx wants the row tuple spelled out
#[pg_extern(volatile, parallel_unsafe)]
fn ingest_staged(
    batch_id: i64,
) -> Result<
    TableIterator<
        'static,
        (
            name!(seq, i32),
            name!(accepted_spans, i64),
            name!(rejected_spans, i64),
            name!(error_message, Option<String>),
            name!(status, String),
        ),
    >,
    pgrx::spi::Error,
> {
    let rows = Spi::connect_mut(|client| {
        let mut seqs = Vec::new();
        let mut bodies = Vec::new();
        let mut signals = Vec::new();
        let t = client.select(
            "DELETE FROM agenttrace.ingest_staging WHERE batch_id = $1 RETURNING seq, body, content_type, content_encoding, signal",
            None,
            &[batch_id.into()],
        )?;
        for row in t {
            seqs.push(row.get::<i32>(1)?.unwrap_or(0));
            bodies.push(Body {
                bytes: row.get::<Vec<u8>>(2)?.unwrap_or_default(),
                content_type: row.get::<String>(3)?,
                content_encoding: row.get::<String>(4)?,
            });
            signals.push(row.get::<String>(5)?.unwrap_or_default() == "logs");
        }
        // Answer in staging order whatever order DELETE returned; traces first, then logs (a
        // span and its content events in one batch: the events find the span stored).
        let mut order: Vec<usize> = (0..seqs.len()).collect();
        order.sort_by_key(|i| seqs[*i]);
        let mut sorted_bodies: Vec<Option<Body>> = bodies.into_iter().map(Some).collect();
        let (mut trace_idx, mut log_idx) = (Vec::new(), Vec::new());
        let (mut trace_bodies, mut log_bodies) = (Vec::new(), Vec::new());
        for i in &order {
            if let Some(b) = sorted_bodies[*i].take() {
                if signals[*i] {
                    log_idx.push(*i);
                    log_bodies.push(b);
                } else {
                    trace_idx.push(*i);
                    trace_bodies.push(b);
                }
            }
        }
        let mut by_index: std::collections::HashMap<usize, BodyResult> = std::collections::HashMap::new();
        if !trace_bodies.is_empty() {
            by_index.extend(trace_idx.into_iter().zip(ingest_bodies(client, trace_bodies)?));
        }
        if !log_bodies.is_empty() {
            by_index.extend(log_idx.into_iter().zip(crate::logs::ingest_log_bodies(client, log_bodies)?));
        }
        let results: Vec<(usize, BodyResult)> = order.into_iter().filter_map(|i| by_index.remove(&i).map(|r| (i, r))).collect();
        Ok::<_, pgrx::spi::Error>(
            results.into_iter().map(|(i, r)| (seqs[i], r.accepted, r.rejected, r.error, r.status.to_string())).collect::<Vec<_>>(),
        )
    })?;
    Ok(TableIterator::new(rows))
}

/// Re-runs the normalizers over stored spans of one run (or all runs when NULL).
#[pg_extern(volatile, parallel_unsafe)]
fn renormalize(run_id: default!(Option<pgrx::Uuid>, "NULL")) -> Result<i64, pgrx::spi::Error> {
    Spi::connect_mut(|client| {
        let runs: Vec<TraceId> = match run_id {
            Some(r) => vec![crate::columns::trace_id(&r)],
            None => {
                let mut v = Vec::new();
                for row in client.select("SELECT DISTINCT run_id FROM agenttrace.traces", None, &[])? {
                    if let Some(u) = row.get::<pgrx::Uuid>(1)? {
                        v.push(crate::columns::trace_id(&u));
                    }
                }
                v
            }
        };
        let n = runs.len() as i64;
        // Bounded chunks keep memory flat when renormalizing everything.
        for chunk in runs.chunks(256) {
            pgrx::check_for_interrupts!();
            let refreshed = crate::store::refresh_runs(client, chunk)?;
            if crate::mast::auto_classify_enabled(client)? {
                crate::mast::classify_runs(client, &refreshed)?;
            }
        }
        Ok(n)
    })
}

extension_sql!(
    r#"
COMMENT ON FUNCTION ingest(bytea, text, text) IS
'Decodes an OTLP ExportTraceServiceRequest (protobuf or OTLP/JSON; gzip optional or detected) and stores its spans, events, links and everything the framework normalizers derive (agents, messages, tool calls, run outcome). Idempotent on (trace_id, span_id). Returns accepted and rejected span counts like OTLP partial success; an undecodable body returns its error and is kept in agenttrace.dead_letters. Example: SELECT * FROM agenttrace.ingest(pg_read_binary_file(''/tmp/export.bin''));';
COMMENT ON FUNCTION ingest_staged(bigint) IS
'Batch ingest for receivers: COPY bodies into agenttrace.ingest_staging under one batch_id (nextval(''agenttrace.ingest_batch_id_seq'')), then call this in the same transaction. Bodies with signal ''logs'' are OTLP log export requests (as agenttrace.ingest_logs; their counts are log records), the others trace export requests. One result row per body (status ok, partial or invalid); a bad body never fails the batch.';
COMMENT ON FUNCTION renormalize(uuid) IS
'Re-runs the framework normalizers over the stored spans of one run, or of every run when called without an argument (after an upgrade). Returns the number of runs processed. Example: SELECT agenttrace.renormalize();';
"#,
    name = "comment_ingest",
    requires = [ingest, ingest_staged, renormalize]
);
