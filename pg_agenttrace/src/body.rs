//! Request bodies as trace and log ingest both receive them, their per-body results, and the
//! dead-letter table that keeps a body nothing could be decoded from.
//!
//! Shared by `ingest` (traces) and `logs` (log records), so neither imports the other's
//! internals: `ingest` dispatches staged log bodies to `logs`, and both depend on this module.
use agenttrace_core::otlp::{DecodeError, Limits};
use agenttrace_core::redact::Redactor;
use pgrx::spi::{SpiClient, SpiResult};

/// One request body as received.
pub struct Body {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
}

/// Per-body outcome, shaped like OTLP partial success.
pub struct BodyResult {
    pub accepted: i64,
    pub rejected: i64,
    pub error: Option<String>,
    /// `ok`, `partial` (some spans rejected) or `invalid` (nothing decodable; dead-lettered).
    pub status: &'static str,
}

/// What a decoded body holds, as the body loop reports it.
pub(crate) trait Decoded {
    /// Items kept (spans, log records).
    fn accepted(&self) -> i64;
    /// Items rejected, and why.
    fn rejected(&self) -> (i64, Option<String>);
    /// Removes secrets before anything is stored.
    fn redact(&mut self, redactor: &mut Redactor);
}

/// The one body loop of trace and log ingest: decodes every body, redacts what it holds,
/// dead-letters the undecodable ones (`signal`: `traces` or `logs`), and returns the decoded
/// bodies with a result per body. A bad body never fails the others: decoding errors are
/// results, not SQL errors.
pub(crate) fn decode_bodies<T: Decoded>(
    client: &mut SpiClient<'_>,
    bodies: Vec<Body>,
    signal: &str,
    decode: impl Fn(&Body, &Limits) -> Result<T, DecodeError>,
) -> SpiResult<(Vec<T>, Vec<BodyResult>)> {
    let limits = Limits::default();
    let mut redactor = crate::redact::current_redactor(client)?;
    let mut results = Vec::with_capacity(bodies.len());
    let mut decoded_bodies = Vec::with_capacity(bodies.len());
    for body in bodies {
        pgrx::check_for_interrupts!();
        match decode(&body, &limits) {
            Ok(mut decoded) => {
                decoded.redact(&mut redactor);
                let (rejected, error) = decoded.rejected();
                results.push(BodyResult {
                    accepted: decoded.accepted(),
                    rejected,
                    error,
                    status: if rejected > 0 { "partial" } else { "ok" },
                });
                decoded_bodies.push(decoded);
            }
            Err(e) => {
                dead_letter(client, &body, &e, &redactor, signal)?;
                results.push(BodyResult { accepted: 0, rejected: 0, error: Some(e.to_string()), status: "invalid" });
            }
        }
    }
    Ok((decoded_bodies, results))
}

/// Keeps an undecodable body in `agenttrace.dead_letters` (`signal`: `traces` or `logs`), with
/// its decoding error and SQLSTATE.
pub(crate) fn dead_letter(client: &mut SpiClient<'_>, body: &Body, e: &DecodeError, redactor: &Redactor, signal: &str) -> SpiResult<()> {
    // Keep at most the body limit; an oversized body is recorded truncated, with its real size.
    // Secrets are redacted here too: a rejected body must not leak what an accepted one would not.
    let keep = body.bytes.len().min(Limits::default().max_body_bytes);
    let kept = redactor.redact_bytes(&body.bytes[..keep]);
    client.update(
        "INSERT INTO agenttrace.dead_letters (content_type, content_encoding, body, body_bytes, error_message, sqlstate, signal)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        None,
        &[
            body.content_type.clone().into(),
            body.content_encoding.clone().into(),
            kept.into(),
            (body.bytes.len().min(i32::MAX as usize) as i32).into(),
            e.to_string().into(),
            e.sqlstate().to_string().into(),
            signal.into(),
        ],
    )?;
    Ok(())
}
