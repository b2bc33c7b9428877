//! Both front doors over real sockets (no database: a fake writer answers the queue), through the
//! real accept loop: gRPC status mapping as an OTLP exporter sees it, and the listener limits.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agenttrace_core::otlp::Limits;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tonic::codec::CompressionEncoding;
use tonic::Code;

use crate::db::{Health, Probe};
use crate::ingest::Ingest;
use crate::listen::Listener;
use crate::metrics::Metrics;
use crate::protocol::{grpc_retry_delay, Outcome};
use crate::queue::{channel, BatchLimits, Batcher, QueueLimits};
use crate::ratelimit::RateLimiter;

struct Opts {
    token: Option<&'static str>,
    db_up: bool,
    queue_max_requests: usize,
    rate: Option<(f64, f64)>,
    max_connections: usize,
    max_header_bytes: usize,
    /// Answer every queued job with this (None: nobody drains the queue).
    writer: Option<Outcome>,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            token: None,
            db_up: true,
            queue_max_requests: 100,
            rate: None,
            max_connections: 64,
            max_header_bytes: 16 << 10,
            writer: Some(Outcome::Accepted { rejected: 0, message: None }),
        }
    }
}

struct Server {
    http: SocketAddr,
    grpc: SocketAddr,
    metrics: Arc<Metrics>,
    _stop: watch::Sender<bool>,
    _batcher: Arc<Batcher>,
}

async fn start(o: Opts) -> Server {
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    if o.db_up {
        health.up(&metrics);
    }
    let (queue, batcher) = channel(
        QueueLimits { max_requests: o.queue_max_requests, max_bytes: 8 << 20 },
        BatchLimits { max_bodies: 8, max_bytes: 8 << 20, flush_interval: Duration::from_millis(1) },
    );
    if let Some(answer) = o.writer.clone() {
        let b = batcher.clone();
        tokio::spawn(async move {
            while let Some(batch) = b.next_batch().await {
                for j in batch {
                    j.answer(answer.clone());
                }
            }
        });
    }
    let ingest = Arc::new(Ingest {
        queue,
        health,
        metrics: metrics.clone(),
        probe: Arc::new(Probe::new("postgres://nobody@127.0.0.1:1/none".into())),
        auth_token: o.token.map(String::from),
        limits: Limits { max_body_bytes: 64 << 10, ..Limits::default() },
        request_timeout: Duration::from_millis(300),
        retry_after_secs: 2,
        keep_original: false,
        rate_limiter: o.rate.map(|(r, b)| RateLimiter::new(r, b, 100)),
        spool: None,
    });
    let l = Listener {
        name: "http",
        max_header_bytes: o.max_header_bytes,
        header_read_timeout: Duration::from_secs(5),
        http2_only: false,
        tls: None,
        slots: Arc::new(Semaphore::new(o.max_connections)),
        metrics: metrics.clone(),
    };
    let (stop, rx) = watch::channel(false);
    let h = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let g = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http, grpc) = (h.local_addr().unwrap(), g.local_addr().unwrap());
    tokio::spawn(l.clone().serve(h, crate::routes::router(ingest.clone()), rx.clone()));
    tokio::spawn(Listener { name: "grpc", http2_only: true, ..l }.serve(g, crate::grpc::router(ingest), rx));
    Server { http, grpc, metrics, _stop: stop, _batcher: batcher }
}

fn request(n_spans: usize, name_len: usize) -> ExportTraceServiceRequest {
    let spans = (0..n_spans)
        .map(|i| Span {
            trace_id: vec![1; 16],
            span_id: (i as u64 + 1).to_be_bytes().to_vec(),
            name: "x".repeat(name_len),
            ..Default::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }],
    }
}

async fn client(addr: SocketAddr) -> TraceServiceClient<tonic::transport::Channel> {
    TraceServiceClient::connect(format!("http://{addr}")).await.unwrap().max_encoding_message_size(64 << 20)
}

fn with_token(msg: ExportTraceServiceRequest, token: &str) -> tonic::Request<ExportTraceServiceRequest> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

#[tokio::test]
async fn grpc_success_partial_success_and_gzip() {
    let s =
        start(Opts { writer: Some(Outcome::Accepted { rejected: 2, message: Some("invalid span id".into()) }), ..Opts::default() }).await;
    let mut c = client(s.grpc).await;
    let r = c.export(request(3, 10)).await.unwrap().into_inner();
    let p = r.partial_success.expect("partial_success for rejected spans");
    assert_eq!((p.rejected_spans, p.error_message.as_str()), (2, "invalid span id"));
    // gzip, and an empty request (nothing to store) is OK without partial_success
    let mut gz = client(s.grpc).await.send_compressed(CompressionEncoding::Gzip);
    assert!(gz.export(request(50, 100)).await.unwrap().into_inner().partial_success.is_some());
    assert_eq!(c.export(ExportTraceServiceRequest::default()).await.unwrap().into_inner().partial_success, None);
    let text = s.metrics.render();
    assert!(text.contains("agenttrace_grpc_responses_total{code=\"OK\"} 3"), "{text}");
    assert!(text.contains("agenttrace_export_requests_total{protocol=\"grpc\"} 3"), "{text}");
}

#[tokio::test]
async fn grpc_refusals_map_to_otlp_codes() {
    // auth
    let s = start(Opts { token: Some("s3cret"), ..Opts::default() }).await;
    let mut c = client(s.grpc).await;
    let e = c.export(request(1, 1)).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert_eq!(c.export(with_token(request(1, 1), "wrong")).await.unwrap_err().code(), Code::Unauthenticated);
    c.export(with_token(request(1, 1), "s3cret")).await.unwrap();

    // too large (after decompression too): RESOURCE_EXHAUSTED without RetryInfo = do not retry
    let e = c.export(with_token(request(1, 70 << 10), "s3cret")).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    assert_eq!(grpc_retry_delay(&e), None);
    let mut gz = client(s.grpc).await.send_compressed(CompressionEncoding::Gzip);
    let e = gz.export(with_token(request(1, 4 << 20), "s3cret")).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "gzip bomb stops at the limit: {e:?}");
    assert_eq!(grpc_retry_delay(&e), None);

    let text = s.metrics.render();
    assert!(text.contains("agenttrace_ingestion_errors_total{reason=\"too_large\"} 2"), "{text}");
    assert!(text.contains("agenttrace_grpc_responses_total{code=\"UNAUTHENTICATED\"} 2"), "{text}");

    // database down: UNAVAILABLE + RetryInfo
    let s = start(Opts { db_up: false, ..Opts::default() }).await;
    let e = client(s.grpc).await.export(request(1, 1)).await.unwrap_err();
    assert_eq!(e.code(), Code::Unavailable);
    assert_eq!(grpc_retry_delay(&e), Some(Duration::from_secs(2)));

    // queue full: RESOURCE_EXHAUSTED + RetryInfo; the unanswered one times out as UNAVAILABLE
    let s = start(Opts { queue_max_requests: 1, writer: None, ..Opts::default() }).await;
    let first = tokio::spawn({
        let mut c = client(s.grpc).await;
        async move { c.export(request(1, 1)).await }
    });
    tokio::time::sleep(Duration::from_millis(80)).await;
    let e = client(s.grpc).await.export(request(1, 1)).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert_eq!(grpc_retry_delay(&e), Some(Duration::from_secs(2)));
    let e = first.await.unwrap().unwrap_err();
    assert_eq!(e.code(), Code::Unavailable, "never a false OK: {e:?}");
}

#[tokio::test]
async fn per_client_rate_limit_on_both_doors() {
    // one token per 2 s, so none comes back between the calls below on a slow machine
    let s = start(Opts { rate: Some((0.5, 2.0)), ..Opts::default() }).await;
    let mut c = client(s.grpc).await;
    c.export(request(1, 1)).await.unwrap();
    c.export(request(1, 1)).await.unwrap();
    let e = c.export(request(1, 1)).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    let d = grpc_retry_delay(&e).expect("RetryInfo");
    assert!(d > Duration::ZERO && d <= Duration::from_secs(2), "{d:?}");
    // HTTP shares the client's bucket: 429 + Retry-After
    let r = raw_http(
        s.http,
        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 429"), "{r}");
    let lower = r.to_ascii_lowercase();
    assert!(lower.contains("retry-after: 1\r") || lower.contains("retry-after: 2\r"), "{r}");
    // and it refills: the server keeps serving
    tokio::time::sleep(Duration::from_millis(2050)).await;
    c.export(request(1, 1)).await.unwrap();
    let r = raw_http(s.http, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 200"), "health is not rate limited: {r}");
}

async fn raw_http(addr: SocketAddr, req: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn oversized_headers_get_431_and_server_keeps_serving() {
    let s = start(Opts { max_header_bytes: 8 << 10, ..Opts::default() }).await;
    let big = format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(20 << 10));
    let r = raw_http(s.http, &big).await;
    assert!(r.starts_with("HTTP/1.1 431"), "{r}");
    let r = raw_http(s.http, "GET /health HTTP/1.1\r\nHost: x\r\nX-Small: a\r\nConnection: close\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    // gRPC (HTTP/2): a header list over the limit is refused, a normal request still works
    let mut c = client(s.grpc).await;
    let mut req = tonic::Request::new(request(1, 1));
    req.metadata_mut().insert("x-big", "a".repeat(20 << 10).parse().unwrap());
    assert!(c.export(req).await.is_err());
    client(s.grpc).await.export(request(1, 1)).await.unwrap();
}

#[tokio::test]
async fn connection_limit_is_honoured() {
    let s = start(Opts { max_connections: 2, ..Opts::default() }).await;
    // two keep-alive connections hold both slots
    let mut a = TcpStream::connect(s.http).await.unwrap();
    let mut b = TcpStream::connect(s.http).await.unwrap();
    for c in [&mut a, &mut b] {
        c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 256];
        let n = c.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    }
    // a third connects (kernel backlog) but is not served while both are open
    let mut third = TcpStream::connect(s.http).await.unwrap();
    third.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let waited = tokio::time::timeout(Duration::from_millis(400), third.read_to_end(&mut buf)).await;
    assert!(waited.is_err() && buf.is_empty(), "served beyond the limit");
    let text = s.metrics.render();
    assert!(text.contains("agenttrace_connections_open 2"), "{text}");
    // closing one lets it in
    drop(a);
    tokio::time::timeout(Duration::from_secs(5), third.read_to_end(&mut buf)).await.unwrap().unwrap();
    assert!(buf.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf));
    assert!(s.metrics.render().contains("agenttrace_connection_limit_waits_total"));
}

/// Sends one hand-made gRPC frame over a raw HTTP/2 stream; returns the grpc-status (trailers-only
/// answers carry it in the headers, others in the trailers).
async fn raw_grpc(addr: SocketAddr, encoding: &str, compressed: bool, message: &[u8]) -> i32 {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut client, conn) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(conn);
    let req = axum::http::Request::post(format!("http://{addr}{}", crate::grpc::EXPORT_PATH))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-encoding", encoding)
        .body(())
        .unwrap();
    let (resp, mut send) = client.send_request(req, false).unwrap();
    let mut frame = vec![u8::from(compressed)];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    send.send_data(frame.into(), true).unwrap();
    let resp = resp.await.unwrap();
    let status = |h: &axum::http::HeaderMap| h.get("grpc-status").map(|v| v.to_str().unwrap().parse::<i32>().unwrap());
    if let Some(s) = status(resp.headers()) {
        return s;
    }
    let mut body = resp.into_body();
    while let Some(d) = body.data().await {
        let _ = d.unwrap();
    }
    status(&body.trailers().await.unwrap().unwrap()).unwrap()
}

#[tokio::test]
async fn grpc_corrupt_gzip_is_invalid_argument_and_unknown_encoding_unimplemented() {
    let s = start(Opts::default()).await;
    assert_eq!(raw_grpc(s.grpc, "gzip", true, b"\x1f\x8b\x08\x00 not gzip at all").await, Code::InvalidArgument as i32);
    assert_eq!(raw_grpc(s.grpc, "br", true, b"xyz").await, Code::Unimplemented as i32);
    assert_eq!(raw_grpc(s.grpc, "identity", false, b"").await, Code::Ok as i32);
    let text = s.metrics.render();
    assert!(text.contains("agenttrace_grpc_responses_total{code=\"INVALID_ARGUMENT\"} 1"), "{text}");
}

#[tokio::test]
async fn grpc_logs_service_shares_the_pipeline() {
    use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    let s = start(Opts {
        writer: Some(Outcome::Accepted { rejected: 1, message: Some("trace_id must be 16 bytes".into()) }),
        ..Opts::default()
    })
    .await;
    let mut c = LogsServiceClient::connect(format!("http://{}", s.grpc)).await.unwrap().send_compressed(CompressionEncoding::Gzip);
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord { event_name: "x".into(), ..Default::default() }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let p = c.export(req).await.unwrap().into_inner().partial_success.expect("partial_success for rejected records");
    assert_eq!((p.rejected_log_records, p.error_message.as_str()), (1, "trace_id must be 16 bytes"));
    // the auth and refusal path is the traces one: database down -> UNAVAILABLE with RetryInfo
    let down = start(Opts { db_up: false, ..Opts::default() }).await;
    let mut c = LogsServiceClient::connect(format!("http://{}", down.grpc)).await.unwrap();
    let e = c.export(ExportLogsServiceRequest { resource_logs: vec![ResourceLogs::default()] }).await.unwrap_err();
    assert_eq!(e.code(), Code::Unavailable);
    assert!(grpc_retry_delay(&e).is_some());
    // metrics: not served
    let raw = raw_http(s.http, "POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
    assert!(raw.starts_with("HTTP/1.1 404"), "{raw}");
    let text = s.metrics.render();
    assert!(text.contains("agenttrace_signal_export_requests_total{signal=\"logs\",protocol=\"grpc\"} 1"), "{text}");
    assert!(text.contains("agenttrace_logs_received_total 1"), "{text}");
}
