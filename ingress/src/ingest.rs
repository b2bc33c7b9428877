//! The one ingest pipeline behind both front doors ([`crate::routes`] for OTLP/HTTP and
//! [`crate::grpc`] for OTLP/gRPC).
//!
//! A front door only speaks its protocol: it calls [`Ingest::admit`] (per-client rate limit, bearer
//! token) before it reads a body, turns the body into uncompressed OTLP bytes within the size limit,
//! hands them to [`Ingest::submit`] (database up? queue room? queue, wait for the commit) and
//! records the [`Outcome`] with [`Ingest::record`]. Everything that decides *whether* and *when* a
//! request is acknowledged lives here, once.
use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agenttrace_core::otlp::{decompress, Format, Limits};
use bytes::Bytes;
use tokio::sync::oneshot;

use crate::auth;
use crate::db::{Health, Probe};
use crate::metrics::{Metrics, ProtocolLabel, SignalLabel};
use crate::protocol::{Outcome, Signal};
use crate::queue::{Job, Original, Queue};
use crate::ratelimit::RateLimiter;

/// Bodies compressed to more than this are inflated on the blocking pool, so a large gzip body
/// does not stall the other requests of its runtime worker.
const INLINE_INFLATE_MAX: usize = 64 << 10;

/// Which front door a request came through (a metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Grpc,
}

impl Protocol {
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Grpc => "grpc",
        }
    }
}

/// The peer address of a connection, put into every request's extensions by [`crate::listen`].
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

pub struct Ingest {
    pub queue: Queue,
    pub health: Arc<Health>,
    pub metrics: Arc<Metrics>,
    pub probe: Arc<Probe>,
    pub auth_token: Option<String>,
    pub limits: Limits,
    pub request_timeout: Duration,
    pub retry_after_secs: u64,
    /// Keep the original bytes for dual export.
    pub keep_original: bool,
    /// Per-client-IP request rate limit (None: off).
    pub rate_limiter: Option<RateLimiter>,
    /// Durable spool (None: acknowledge after COMMIT). With it, acknowledge after fsync.
    pub spool: Option<crate::spool::Spool>,
}

impl Ingest {
    /// The checks that need neither the body nor the database, done before a body is read: the
    /// client's request rate (so a flood is refused before it costs a read or a token check),
    /// then the bearer token. `authorization` is the raw `Authorization` header / gRPC metadata.
    pub fn admit(&self, peer: Option<IpAddr>, authorization: Option<&[u8]>) -> Result<(), Outcome> {
        if let (Some(rl), Some(ip)) = (&self.rate_limiter, peer) {
            if let Err(wait) = rl.check(ip, Instant::now()) {
                return Err(Outcome::RateLimited(wait));
            }
        }
        if !auth::authorized(self.auth_token.as_deref(), authorization) {
            return Err(Outcome::Unauthorized);
        }
        Ok(())
    }

    /// Queues one uncompressed OTLP body (protobuf or JSON, as `format` says) and waits until the
    /// batch holding it committed. Never answers success for what was not committed.
    ///
    /// With the spool on, "committed" means fsync'd to the spool instead: the body is appended and
    /// acknowledged, and the spool's drainer delivers it to the database (the queue's room still
    /// bounds the bodies held in memory meanwhile).
    pub async fn submit(&self, signal: Signal, payload: Bytes, format: Format, original: Option<Original>) -> Outcome {
        if payload.is_empty() {
            return Outcome::Accepted { rejected: 0, message: None }; // empty request: nothing to store
        }
        if let Some(spool) = &self.spool {
            let _room = match self.queue.state.try_reserve(payload.len()) {
                Ok(r) => r,
                Err(full) => return Outcome::Overloaded(full.to_string()),
            };
            return match spool.append(signal, format, &payload).await {
                Ok(()) => Outcome::Accepted { rejected: 0, message: None },
                Err(o) => o,
            };
        }
        if !self.health.is_up() {
            return Outcome::Unavailable("database unavailable".into());
        }
        let reservation = match self.queue.state.try_reserve(payload.len()) {
            Ok(r) => r,
            Err(full) => return Outcome::Overloaded(full.to_string()),
        };
        let content_type = crate::protocol::content_type_of(format);
        let (tx, rx) = oneshot::channel();
        let job = Job {
            signal,
            body: payload,
            content_type: Some(content_type.to_string()),
            // Front doors queue inflated bodies: the bytes are paid for already, the queue's byte
            // limit then measures real memory, and the database backend does not inflate again.
            content_encoding: None,
            // Dual export forwards trace requests (its endpoint is a traces endpoint).
            original: if self.keep_original && signal == Signal::Traces { original } else { None },
            enqueued_at: Instant::now(),
            reply: tx,
            _reservation: reservation,
        };
        if !self.queue.push(job) {
            return Outcome::Unavailable("shutting down".into());
        }
        match tokio::time::timeout(self.request_timeout, rx).await {
            Ok(Ok(outcome)) => outcome,
            // Never acknowledge what was not committed: the retry is safe, the database dedupes.
            Ok(Err(_)) => Outcome::Unavailable("batch abandoned before commit".into()),
            Err(_) => Outcome::Unavailable("timed out waiting for the database".into()),
        }
    }

    /// Some(inflated) for a gzip body, None when the body is already plain; errors are outcomes
    /// (415 unknown encoding, 413 over the limit after inflating, 400 corrupt gzip).
    pub async fn inflate(&self, raw: Bytes, encoding: Option<String>) -> Result<Option<Bytes>, Outcome> {
        let limits = self.limits;
        let big = raw.len() > INLINE_INFLATE_MAX;
        let run = move || match decompress(&raw, encoding.as_deref(), &limits) {
            Ok(Cow::Borrowed(_)) => Ok(None),
            Ok(Cow::Owned(v)) => Ok(Some(Bytes::from(v))),
            Err(e) => Err(Outcome::from_decode_error(&e)),
        };
        if big {
            tokio::task::spawn_blocking(run).await.unwrap_or_else(|e| Err(Outcome::Internal(format!("inflate task: {e}"))))
        } else {
            run()
        }
    }

    /// Metrics and logs every export request ends with, whichever door it came through.
    pub fn record(&self, protocol: Protocol, signal: Signal, outcome: &Outcome, start: Instant) {
        let m = &self.metrics;
        m.signal_requests.get_or_create(&SignalLabel { signal: signal.label(), protocol: protocol.label() }).inc();
        match signal {
            Signal::Traces => {
                m.traces_received.inc();
                m.export_requests.get_or_create(&ProtocolLabel { protocol: protocol.label() }).inc();
            }
            Signal::Logs => {
                m.logs_received.inc();
            }
        }
        if !matches!(outcome, Outcome::Accepted { .. }) {
            m.error(outcome.reason());
            if matches!(outcome, Outcome::Internal(_)) {
                tracing::error!(protocol = protocol.label(), signal = signal.label(), ?outcome, "export failed");
            } else {
                tracing::debug!(protocol = protocol.label(), signal = signal.label(), ?outcome, "export refused");
            }
        }
        m.ingestion_duration.observe(start.elapsed().as_secs_f64());
    }
}
