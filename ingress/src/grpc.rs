//! OTLP/gRPC front door: `opentelemetry.proto.collector.trace.v1.TraceService/Export` and
//! `opentelemetry.proto.collector.logs.v1.LogsService/Export` (same pipeline, signal `logs`).
//!
//! tonic does the gRPC framing, `grpc-encoding: gzip` and the message size limit (checked on the
//! frame *and* on the inflated message, so a gzip bomb stops at the limit); the request message is
//! taken as raw protobuf bytes (a pass-through codec instead of prost) and handed to the same
//! [`Ingest::submit`] as an OTLP/HTTP protobuf body. So both doors store byte-identical input, the
//! ingress never decodes spans, and malformed protobuf is judged by the database exactly as over
//! HTTP (INVALID_ARGUMENT, and the body kept in `agenttrace.dead_letters`).
//!
//! Rate limit and bearer token (`authorization` metadata) are checked from the request headers
//! before tonic reads the body.
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use agenttrace_core::otlp::Format;
use axum::body::Body;
use axum::http::{header, Request, Response};
use axum::Router;
use bytes::{Buf, Bytes};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::Status;

use crate::ingest::{Ingest, PeerAddr, Protocol};
use crate::metrics::GrpcCodeLabel;
use crate::protocol::{Outcome, Signal, CT_PROTOBUF};
use crate::queue::Original;

pub const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
pub const LOGS_EXPORT_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// The gRPC server: TraceService/Export and LogsService/Export; UNIMPLEMENTED for anything else
/// (MetricsService included: OTLP exporters treat UNIMPLEMENTED as not retryable).
pub fn router(app: Arc<Ingest>) -> Router {
    Router::new()
        .route_service(EXPORT_PATH, ExportService { app: app.clone(), signal: Signal::Traces })
        .route_service(LOGS_EXPORT_PATH, ExportService { app, signal: Signal::Logs })
        .fallback(|| async {
            Status::unimplemented(
                "only opentelemetry.proto.collector.trace.v1.TraceService/Export and opentelemetry.proto.collector.logs.v1.LogsService/Export are served here",
            )
            .into_http::<Body>()
        })
}

/// Request: the message bytes as received (after tonic inflated them). Response: prost.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

struct RawDecoder;
struct ResponseEncoder;

impl Codec for RawCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = Bytes;
    type Encoder = ResponseEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> ResponseEncoder {
        ResponseEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl Decoder for RawDecoder {
    type Item = Bytes;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        let n = src.remaining();
        Ok(Some(src.copy_to_bytes(n)))
    }
}

impl Encoder for ResponseEncoder {
    type Item = ExportTraceServiceResponse;
    type Error = Status;
    fn encode(&mut self, item: ExportTraceServiceResponse, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.reserve(item.encoded_len());
        item.encode(dst).map_err(|e| Status::internal(format!("encoding the response: {e}")))
    }
}

/// ExportLogsServiceResponse has ExportTraceServiceResponse's protobuf layout (see
/// `protocol::encode_success_for`), so one codec answers both services.
#[derive(Clone)]
pub struct ExportService {
    app: Arc<Ingest>,
    signal: Signal,
}

impl tower_service::Service<Request<Body>> for ExportService {
    type Response = Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let (app, signal) = (self.app.clone(), self.signal);
        Box::pin(async move { Ok(export(app, signal, req).await) })
    }
}

/// The per-request handler tonic calls once the message is decoded; it leaves its outcome in
/// `slot` so the caller can tell its statuses from tonic's own decoding failures.
struct Handler {
    app: Arc<Ingest>,
    signal: Signal,
    slot: Arc<Mutex<Option<Outcome>>>,
}

impl tonic::server::UnaryService<Bytes> for Handler {
    type Response = ExportTraceServiceResponse;
    type Future = Pin<Box<dyn Future<Output = Result<tonic::Response<ExportTraceServiceResponse>, Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let (app, slot, signal) = (self.app.clone(), self.slot.clone(), self.signal);
        Box::pin(async move {
            let payload = request.into_inner();
            app.metrics.bytes_received.inc_by(payload.len() as u64);
            let original = app.keep_original.then(|| Original {
                body: payload.clone(),
                content_type: Some(CT_PROTOBUF.to_string()),
                content_encoding: None,
            });
            let outcome = app.submit(signal, payload, Format::Protobuf, original).await;
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome.clone());
            outcome.into_grpc(Duration::from_secs(app.retry_after_secs)).map(tonic::Response::new)
        })
    }
}

async fn export(app: Arc<Ingest>, signal: Signal, req: Request<Body>) -> Response<tonic::body::Body> {
    let start = Instant::now();
    let retry = Duration::from_secs(app.retry_after_secs);
    let peer = req.extensions().get::<PeerAddr>().map(|p| p.0.ip());
    let authorization = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes());
    if let Err(outcome) = app.admit(peer, authorization) {
        let code = outcome.grpc_code();
        let resp = outcome.clone().into_grpc(retry).err().map(Status::into_http);
        return finish(&app, signal, &outcome, code, resp, start);
    }
    let slot = Arc::new(Mutex::new(None));
    let mut grpc = tonic::server::Grpc::new(RawCodec)
        .accept_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(app.limits.max_body_bytes);
    let resp = grpc.unary(Handler { app: app.clone(), signal, slot: slot.clone() }, req).await;
    let handled = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    match handled {
        Some(outcome) => finish(&app, signal, &outcome, outcome.grpc_code(), Some(resp), start),
        None => {
            // tonic refused the request before our handler ran: map its decoding failure onto
            // the OTLP codes (it says OUT_OF_RANGE for an oversized frame and INTERNAL for corrupt
            // gzip; OTLP wants RESOURCE_EXHAUSTED without RetryInfo and INVALID_ARGUMENT).
            let tonic_status = resp.extensions().get::<Status>().cloned().unwrap_or_else(|| Status::internal("request not decoded"));
            let outcome = Outcome::from_grpc_decode(&tonic_status);
            if tonic_status.code() == tonic::Code::Unimplemented {
                // unknown grpc-encoding: tonic's answer carries grpc-accept-encoding, keep it
                return finish(&app, signal, &outcome, tonic::Code::Unimplemented, Some(resp), start);
            }
            let resp = outcome.clone().into_grpc(retry).err().unwrap_or(tonic_status).into_http();
            finish(&app, signal, &outcome, outcome.grpc_code(), Some(resp), start)
        }
    }
}

fn finish(
    app: &Ingest,
    signal: Signal,
    outcome: &Outcome,
    code: tonic::Code,
    resp: Option<Response<tonic::body::Body>>,
    start: Instant,
) -> Response<tonic::body::Body> {
    app.record(Protocol::Grpc, signal, outcome, start);
    app.metrics.grpc_responses.get_or_create(&GrpcCodeLabel { code: code_name(code) }).inc();
    resp.unwrap_or_else(|| Status::internal("no response").into_http())
}

pub fn code_name(c: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match c {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}
