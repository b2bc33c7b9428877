//! HTTP routes: `POST /v1/traces` (OTLP/HTTP), `GET /health`, `GET /ready`, `GET /metrics`.
//!
//! Everything that can be refused without the database is refused here, before a body takes
//! room in the queue: auth (401), content type/encoding (415), size after decompression (413),
//! database down (503) and queue full (429).
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agenttrace_core::otlp::{decompress, format_of, Format, Limits};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::sync::oneshot;

use crate::auth;
use crate::db::{Health, Probe};
use crate::metrics::{CodeLabel, Metrics};
use crate::protocol::{self, Outcome, CT_JSON, CT_PROTOBUF};
use crate::queue::{Job, Original, Queue};

/// Bodies compressed to more than this are inflated on the blocking pool, so a large gzip body
/// does not stall the other requests of its runtime worker.
const INLINE_INFLATE_MAX: usize = 64 << 10;

pub struct AppState {
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
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/traces", post(export))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        // The export handler enforces its own limit (measured after decompression).
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

async fn export(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    app.metrics.traces_received.inc();
    let format = protocol::response_format(protocol::content_type(&headers));
    let outcome = app.handle_export(&headers, body).await;
    if !matches!(outcome, Outcome::Accepted { .. }) {
        app.metrics.error(outcome.reason());
        if matches!(outcome, Outcome::Internal(_)) {
            tracing::error!(?outcome, "export failed");
        } else {
            tracing::debug!(?outcome, "export refused");
        }
    }
    let resp = outcome.into_http(format, app.retry_after_secs);
    app.metrics.http_responses.get_or_create(&CodeLabel { code: resp.status().as_u16() }).inc();
    app.metrics.ingestion_duration.observe(start.elapsed().as_secs_f64());
    resp
}

/// Most compressed bytes read from the socket: a gzip body a little larger than its content is
/// possible (incompressible data), anything beyond that cannot inflate to within the limit anyway.
fn raw_limit(max_body: usize) -> usize {
    max_body.saturating_add(max_body / 64).saturating_add(4096)
}

impl AppState {
    async fn handle_export(&self, headers: &HeaderMap, body: Body) -> Outcome {
        if !auth::authorized(self.auth_token.as_deref(), headers) {
            return Outcome::Unauthorized;
        }
        let format = match format_of(protocol::content_type(headers)) {
            Ok(f) => f,
            Err(e) => return Outcome::from_decode_error(&e),
        };
        let encoding = protocol::content_encoding(headers).map(str::to_owned);
        let limit = raw_limit(self.limits.max_body_bytes);
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Outcome::TooLarge(format!("body exceeds {} bytes", self.limits.max_body_bytes));
        }
        let raw = match http_body_util::Limited::new(body, limit).collect().await {
            Ok(c) => c.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return Outcome::TooLarge(format!("body exceeds {} bytes", self.limits.max_body_bytes))
            }
            Err(e) => return Outcome::BadRequest(format!("reading the request body: {e}")),
        };
        self.metrics.bytes_received.inc_by(raw.len() as u64);

        // Inflate here, with the cap, so an oversized or bomb body never reaches the queue. The
        // inflated body is what gets queued (content_encoding NULL): the bytes are paid for
        // already, the queue's byte limit then measures real memory, and the database backend,
        // the bottleneck, does not inflate a second time.
        let (payload, payload_encoding) = match self.inflate(raw.clone(), encoding.clone()).await {
            Ok(Some(inflated)) => (inflated, None),
            Ok(None) => (raw.clone(), encoding.clone().filter(|e| !e.eq_ignore_ascii_case("identity"))),
            Err(o) => return o,
        };
        if payload.is_empty() {
            return Outcome::Accepted { rejected: 0, message: None }; // empty request: nothing to store
        }
        if !self.health.is_up() {
            return Outcome::Unavailable("database unavailable".into());
        }
        let reservation = match self.queue.state.try_reserve(payload.len()) {
            Ok(r) => r,
            Err(full) => return Outcome::Overloaded(full.to_string()),
        };
        let content_type = match format {
            Format::Protobuf => CT_PROTOBUF,
            Format::Json => CT_JSON,
        };
        let original = self.keep_original.then(|| Original {
            body: raw,
            content_type: Some(content_type.to_string()),
            content_encoding: encoding,
        });
        let (tx, rx) = oneshot::channel();
        let job = Job {
            body: payload,
            content_type: Some(content_type.to_string()),
            content_encoding: payload_encoding,
            original,
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

    /// Some(inflated) for a gzip body, None when the body is stored as sent.
    async fn inflate(&self, raw: Bytes, encoding: Option<String>) -> Result<Option<Bytes>, Outcome> {
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
}

async fn health() -> impl IntoResponse {
    Json(serde_json::json!({"status": "alive"}))
}

async fn ready(State(app): State<Arc<AppState>>) -> Response {
    match app.probe.version().await {
        Ok(version) => Json(serde_json::json!({
            "status": "healthy",
            "database": "connected",
            "version": version,
            "writers_connected": app.health.connected_writers(),
        }))
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "unhealthy", "database": "disconnected", "error": e})),
        )
            .into_response(),
    }
}

async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    app.metrics.queue_requests.set(app.queue.state.requests() as i64);
    app.metrics.queue_bytes.set(app.queue.state.bytes() as i64);
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        app.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    //! The refusals that need no database, through the real router.
    use super::*;
    use crate::queue::{channel, BatchLimits, QueueLimits};
    use axum::http::Request;
    use prost::Message;
    use tower::ServiceExt;

    fn app(token: Option<&str>, db_up: bool, queue_max_requests: usize) -> (Router, Arc<crate::queue::Batcher>) {
        let metrics = Arc::new(Metrics::new());
        let health = Arc::new(Health::default());
        if db_up {
            health.up(&metrics);
        }
        let (queue, batcher) = channel(
            QueueLimits { max_requests: queue_max_requests, max_bytes: 1 << 20 },
            BatchLimits { max_bodies: 8, max_bytes: 1 << 20, flush_interval: Duration::from_millis(1) },
        );
        let state = Arc::new(AppState {
            queue,
            health,
            metrics,
            probe: Arc::new(Probe::new("postgres://nobody@127.0.0.1:1/none".into())),
            auth_token: token.map(String::from),
            limits: Limits { max_body_bytes: 1 << 16, ..Limits::default() },
            request_timeout: Duration::from_millis(200),
            retry_after_secs: 3,
            keep_original: false,
        });
        (router(state), batcher)
    }

    fn post(ct: &str, ce: Option<&str>, body: Vec<u8>) -> Request<Body> {
        let mut b = Request::post("/v1/traces").header(header::CONTENT_TYPE, ct);
        if let Some(ce) = ce {
            b = b.header(header::CONTENT_ENCODING, ce);
        }
        b.body(Body::from(body)).unwrap()
    }

    async fn call(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        let resp = app.clone().oneshot(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        (parts.status, parts.headers, body.collect().await.unwrap().to_bytes())
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[tokio::test]
    async fn refusals_without_the_database() {
        let (app, _b) = app(None, false, 10);
        let (s, h, body) = call(&app, post("text/plain", None, b"hi".to_vec())).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(h[header::CONTENT_TYPE], CT_JSON);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["code"], 3);

        let (s, _, _) = call(&app, post(CT_PROTOBUF, Some("br"), b"x".to_vec())).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let (s, h, body) = call(&app, post(CT_PROTOBUF, None, vec![1u8; (1 << 16) + 1])).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(h[header::CONTENT_TYPE], CT_PROTOBUF);
        assert_eq!(protocol::RpcStatus::decode(body).unwrap().code, protocol::code::RESOURCE_EXHAUSTED);

        let bomb = gzip(&vec![b' '; 4 << 20]);
        let (s, _, _) = call(&app, post(CT_JSON, Some("gzip"), bomb)).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "gzip bomb stops at the limit");

        let (s, _, _) = call(&app, post(CT_PROTOBUF, Some("gzip"), b"\x1f\x8b\x08\x00garbage".to_vec())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // An empty request is a success, even with the database down.
        let (s, h, body) = call(&app, post(CT_PROTOBUF, None, vec![])).await;
        assert_eq!((s, body.len()), (StatusCode::OK, 0));
        assert_eq!(h[header::CONTENT_TYPE], CT_PROTOBUF);
        let (s, _, body) = call(&app, post(CT_JSON, Some("gzip"), gzip(b""))).await;
        assert_eq!((s, &body[..]), (StatusCode::OK, &b"{}"[..]));

        // Database down: retryable 503 with Retry-After, in the request's encoding.
        let (s, h, body) = call(&app, post(CT_JSON, None, b"{\"resourceSpans\":[]}".to_vec())).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(h[header::RETRY_AFTER], "3");
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["code"], protocol::code::UNAVAILABLE);

        let resp = app.clone().oneshot(Request::get("/health").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let resp = app.clone().oneshot(Request::get("/ready").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let (s, _, body) = call(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("agenttrace_ingestion_errors_total{reason=\"too_large\"} 2"), "{text}");
        assert!(text.contains("agenttrace_http_responses_total{code=\"503\"} 1"), "{text}");
    }

    #[tokio::test]
    async fn auth_when_enabled() {
        let (app, _b) = app(Some("s3cret"), false, 10);
        let (s, h, _) = call(&app, post(CT_PROTOBUF, None, vec![])).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(h[header::WWW_AUTHENTICATE], "Bearer");
        let mut req = post(CT_PROTOBUF, None, vec![]);
        req.headers_mut().insert(header::AUTHORIZATION, "Bearer wrong".parse().unwrap());
        assert_eq!(call(&app, req).await.0, StatusCode::UNAUTHORIZED);
        let mut req = post(CT_PROTOBUF, None, vec![]);
        req.headers_mut().insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert_eq!(call(&app, req).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn full_queue_answers_429_and_unanswered_jobs_503() {
        // Nobody drains the queue here: the first request times out (503, never a false 200),
        // the second finds the queue full while the first still holds its room.
        let (app, _b) = app(None, true, 1);
        let a = tokio::spawn({
            let app = app.clone();
            async move { call(&app, post(CT_PROTOBUF, None, vec![0x0a, 0x00])).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (s, h, _) = call(&app, post(CT_PROTOBUF, None, vec![0x0a, 0x00])).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(h[header::RETRY_AFTER], "3");
        let (s, _, _) = a.await.unwrap();
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    }
}
