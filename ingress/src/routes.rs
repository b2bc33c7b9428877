//! HTTP routes: `POST /v1/traces` and `POST /v1/logs` (OTLP/HTTP), `GET /health`, `GET /ready`,
//! `GET /metrics`. Other signals (`/v1/metrics`) are not served: 404, as for any unknown path
//! (OTLP/HTTP clients treat it as a permanent failure and drop the data without retrying).
//!
//! Everything that can be refused without the database is refused here, before a body takes
//! room in the queue: rate limit (429), auth (401), content type/encoding (415), size after
//! decompression (413); the rest (database down 503, queue full 429, the commit) is
//! [`Ingest::submit`], shared with the gRPC front door.
use std::sync::Arc;
use std::time::Instant;

use agenttrace_core::otlp::format_of;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http_body_util::BodyExt;

use crate::ingest::{Ingest, PeerAddr, Protocol};
use crate::metrics::CodeLabel;
use crate::protocol::{self, Outcome, Signal};
use crate::queue::Original;

/// The router state (kept under its old name for the HTTP side).
pub type AppState = Ingest;

pub fn router(state: Arc<Ingest>) -> Router {
    Router::new()
        .route("/v1/traces", post(export_traces))
        .route("/v1/logs", post(export_logs))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        // The export handler enforces its own limit (measured after decompression).
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

async fn export_traces(State(app): State<Arc<Ingest>>, peer: Option<Extension<PeerAddr>>, headers: HeaderMap, body: Body) -> Response {
    export(app, Signal::Traces, peer, headers, body).await
}

async fn export_logs(State(app): State<Arc<Ingest>>, peer: Option<Extension<PeerAddr>>, headers: HeaderMap, body: Body) -> Response {
    export(app, Signal::Logs, peer, headers, body).await
}

async fn export(app: Arc<Ingest>, signal: Signal, peer: Option<Extension<PeerAddr>>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let format = protocol::response_format(protocol::content_type(&headers));
    let outcome = handle_export(&app, signal, peer.map(|p| p.0 .0.ip()), &headers, body).await;
    app.record(Protocol::Http, signal, &outcome, start);
    let resp = outcome.into_http_for(signal, format, app.retry_after_secs);
    app.metrics.http_responses.get_or_create(&CodeLabel { code: resp.status().as_u16() }).inc();
    resp
}

/// Most compressed bytes read from the socket: a gzip body a little larger than its content is
/// possible (incompressible data), anything beyond that cannot inflate to within the limit anyway.
fn raw_limit(max_body: usize) -> usize {
    max_body.saturating_add(max_body / 64).saturating_add(4096)
}

async fn handle_export(app: &Ingest, signal: Signal, peer: Option<std::net::IpAddr>, headers: &HeaderMap, body: Body) -> Outcome {
    if let Err(o) = app.admit(peer, headers.get(header::AUTHORIZATION).map(|v| v.as_bytes())) {
        return o;
    }
    let format = match format_of(protocol::content_type(headers)) {
        Ok(f) => f,
        Err(e) => return Outcome::from_decode_error(&e),
    };
    let encoding = protocol::content_encoding(headers).map(str::to_owned);
    let limit = raw_limit(app.limits.max_body_bytes);
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Outcome::TooLarge(format!("body exceeds {} bytes", app.limits.max_body_bytes));
    }
    let raw = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Outcome::TooLarge(format!("body exceeds {} bytes", app.limits.max_body_bytes))
        }
        Err(e) => return Outcome::BadRequest(format!("reading the request body: {e}")),
    };
    app.metrics.bytes_received.inc_by(raw.len() as u64);

    // Inflate here, with the cap, so an oversized or bomb body never reaches the queue.
    let payload = match app.inflate(raw.clone(), encoding.clone()).await {
        Ok(Some(inflated)) => inflated,
        Ok(None) => raw.clone(),
        Err(o) => return o,
    };
    // Dual export forwards the request as it came (same bytes, type and encoding).
    let original = app.keep_original.then(|| Original {
        body: raw,
        content_type: Some(protocol::content_type_of(format).to_string()),
        content_encoding: encoding,
    });
    app.submit(signal, payload, format, original).await
}

async fn health() -> impl IntoResponse {
    Json(serde_json::json!({"status": "alive"}))
}

/// Ready: the database answers. With the spool on, also ready while the database is down
/// ("spooling": exports are acknowledged from disk), until the spool is full.
async fn ready(State(app): State<Arc<Ingest>>) -> Response {
    let spool = app.spool.as_ref().map(|s| &s.shared);
    match app.probe.version().await {
        Ok(version) => {
            let mut v = serde_json::json!({
                "status": "healthy",
                "database": "connected",
                "version": version,
                "writers_connected": app.health.connected_writers(),
            });
            if let Some(s) = spool {
                v["spool"] = s.status();
            }
            Json(v).into_response()
        }
        Err(e) if spool.is_some_and(|s| s.has_room(app.limits.max_body_bytes.min(1 << 20))) => Json(serde_json::json!({
            "status": "spooling",
            "database": "disconnected",
            "error": e,
            "writers_connected": app.health.connected_writers(),
            "spool": spool.map(|s| s.status()),
        }))
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "unhealthy", "database": "disconnected", "error": e, "spool": spool.map(|s| s.status())})),
        )
            .into_response(),
    }
}

async fn metrics(State(app): State<Arc<Ingest>>) -> Response {
    app.metrics.queue_requests.set(app.queue.state.requests() as i64);
    app.metrics.queue_bytes.set(app.queue.state.bytes() as i64);
    if let Some(s) = app.spool.as_ref().map(|s| &s.shared) {
        use std::sync::atomic::Ordering::Acquire;
        let m = &app.metrics;
        m.spool_unsent_bytes.set(s.unsent.load(Acquire) as i64);
        m.spool_disk_bytes.set(s.disk.load(Acquire) as i64);
        m.spool_segments.set(s.segments.load(Acquire) as i64);
        m.spool_oldest_unsent_age.set(s.oldest_unsent_age_secs());
        m.spooling.set(i64::from(s.spooling.load(Acquire)));
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], app.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    //! The refusals that need no database, through the real router.
    use super::*;
    use crate::db::{Health, Probe};
    use crate::metrics::Metrics;
    use crate::protocol::{CT_JSON, CT_PROTOBUF};
    use crate::queue::{channel, BatchLimits, QueueLimits};
    use agenttrace_core::otlp::Limits;
    use axum::http::Request;
    use bytes::Bytes;
    use prost::Message;
    use std::time::Duration;
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
            rate_limiter: None,
            spool: None,
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
    async fn logs_route_refuses_like_traces_and_metrics_is_not_served() {
        let (app, _b) = app(None, false, 10);
        let logs = |ct: &str, body: Vec<u8>| Request::post("/v1/logs").header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap();
        let (s, _, _) = call(&app, logs("text/plain", b"hi".to_vec())).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (s, _, _) = call(&app, logs(CT_PROTOBUF, vec![1u8; (1 << 16) + 1])).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        let (s, _, body) = call(&app, logs(CT_JSON, vec![])).await;
        assert_eq!((s, &body[..]), (StatusCode::OK, &b"{}"[..]), "an empty logs request is a success");
        let (s, h, _) = call(&app, logs(CT_JSON, b"{\"resourceLogs\":[]}".to_vec())).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "database down: retry later");
        assert_eq!(h[header::RETRY_AFTER], "3");
        let metrics = Request::post("/v1/metrics").header(header::CONTENT_TYPE, CT_PROTOBUF).body(Body::from(vec![])).unwrap();
        assert_eq!(call(&app, metrics).await.0, StatusCode::NOT_FOUND, "metrics: not a served signal");
        let (_, _, body) = call(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("agenttrace_logs_received_total 4"), "{text}");
        assert!(text.contains("agenttrace_signal_export_requests_total{signal=\"logs\",protocol=\"http\"} 4"), "{text}");
        assert!(text.contains("agenttrace_traces_received_total 0"), "{text}");
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
