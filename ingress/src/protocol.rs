//! OTLP wire details of both front doors: which format an HTTP request uses, how success
//! (ExportTraceServiceResponse) and failure (google.rpc.Status) bodies are encoded in that same
//! format with the status codes and Retry-After that tell exporters whether to retry, and the
//! same [`Outcome`]s as gRPC statuses (with `google.rpc.RetryInfo` where a retry is wanted).
use std::time::Duration;

use agenttrace_core::otlp::{format_of, DecodeError, Format};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
use prost::Message;

pub const CT_PROTOBUF: &str = "application/x-protobuf";

/// The OTLP signal of an export request: traces (`/v1/traces`, `TraceService`) or logs
/// (`/v1/logs`, `LogsService`). Both go through the same pipeline; the database decodes each as
/// its request type (`agenttrace.ingest_staging.signal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Traces,
    Logs,
}

impl Signal {
    pub fn label(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
        }
    }
}
pub const CT_JSON: &str = "application/json";

/// google.rpc.Status (google/rpc/status.proto).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

/// google.protobuf.Any
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// google.rpc.RetryInfo (google/rpc/error_details.proto)
#[derive(Clone, PartialEq, prost::Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// google.protobuf.Duration
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

pub const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// The google.rpc.Code values used here.
pub mod code {
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// Wire format of a request as far as the response is concerned. An unknown content type is
/// answered in JSON, which every client can at least display.
pub fn response_format(content_type: Option<&str>) -> Format {
    format_of(content_type).unwrap_or(Format::Json)
}

/// Request content type as sent (None when absent or not valid UTF-8).
pub fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

pub fn content_encoding(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok())
}

pub fn content_type_of(format: Format) -> &'static str {
    match format {
        Format::Protobuf => CT_PROTOBUF,
        Format::Json => CT_JSON,
    }
}

fn content_type_value(format: Format) -> HeaderValue {
    HeaderValue::from_static(content_type_of(format))
}

/// ExportTraceServiceResponse. `partial_success` is set only when spans were rejected (the spec
/// asks servers to leave it unset on full success).
pub fn export_response(rejected_spans: i64, error_message: Option<&str>) -> ExportTraceServiceResponse {
    let partial = (rejected_spans > 0 || error_message.is_some_and(|m| !m.is_empty()))
        .then(|| ExportTracePartialSuccess { rejected_spans, error_message: error_message.unwrap_or_default().to_string() });
    ExportTraceServiceResponse { partial_success: partial }
}

/// Encodes ExportTraceServiceResponse in the request's format.
pub fn encode_success(format: Format, rejected_spans: i64, error_message: Option<&str>) -> Vec<u8> {
    encode_success_for(Signal::Traces, format, rejected_spans, error_message)
}

/// Export response of either signal in the request's format. ExportLogsServiceResponse has the
/// same protobuf layout as ExportTraceServiceResponse (partial_success = 1 { int64 rejected = 1;
/// string error_message = 2 }), so the bytes are the same; the JSON names the rejected field
/// after the signal (`rejectedSpans`, `rejectedLogRecords`).
pub fn encode_success_for(signal: Signal, format: Format, rejected_spans: i64, error_message: Option<&str>) -> Vec<u8> {
    let resp = export_response(rejected_spans, error_message);
    let rejected_key = match signal {
        Signal::Traces => "rejectedSpans",
        Signal::Logs => "rejectedLogRecords",
    };
    match format {
        Format::Protobuf => resp.encode_to_vec(),
        Format::Json => {
            // proto3 JSON mapping: lowerCamelCase names, int64 as a decimal string.
            let v = match resp.partial_success {
                None => serde_json::json!({}),
                Some(p) => serde_json::json!({"partialSuccess": {
                    rejected_key: p.rejected_spans.to_string(),
                    "errorMessage": p.error_message,
                }}),
            };
            serde_json::to_vec(&v).expect("json")
        }
    }
}

pub fn encode_status(format: Format, code: i32, message: &str) -> Vec<u8> {
    match format {
        Format::Protobuf => RpcStatus { code, message: message.to_string(), details: vec![] }.encode_to_vec(),
        Format::Json => serde_json::to_vec(&serde_json::json!({"code": code, "message": message})).expect("json"),
    }
}

/// What an export request ends with; turned into an HTTP response in the request's format
/// ([`Outcome::into_http`]) or a gRPC answer ([`Outcome::into_grpc`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored; `rejected` spans were dropped for the reason in `message`.
    Accepted { rejected: i64, message: Option<String> },
    /// Permanently bad data (400, not retryable).
    BadRequest(String),
    /// Body over the limit after decompression (413).
    TooLarge(String),
    /// Unknown content type or content encoding (415).
    UnsupportedMediaType(String),
    /// Missing or wrong bearer token (401).
    Unauthorized,
    /// Queue full: retry later (429 + Retry-After).
    Overloaded(String),
    /// This client's request rate is over its limit: retry after the delay (429 + Retry-After).
    RateLimited(Duration),
    /// Database unreachable, batch not committed, shutting down: retry later (503 + Retry-After).
    Unavailable(String),
    /// A database error that retrying will not fix (500, not retryable by OTLP clients).
    Internal(String),
}

impl Outcome {
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Accepted { .. } => StatusCode::OK,
            Outcome::BadRequest(_) => StatusCode::BAD_REQUEST,
            Outcome::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Outcome::Unauthorized => StatusCode::UNAUTHORIZED,
            Outcome::Overloaded(_) | Outcome::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Outcome::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Outcome::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Outcome::Accepted { .. } => "ok",
            Outcome::BadRequest(_) => "bad_request",
            Outcome::TooLarge(_) => "too_large",
            Outcome::UnsupportedMediaType(_) => "unsupported_media_type",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Overloaded(_) => "overloaded",
            Outcome::RateLimited(_) => "rate_limited",
            Outcome::Unavailable(_) => "unavailable",
            Outcome::Internal(_) => "internal",
        }
    }

    fn rpc(&self) -> (i32, &str) {
        match self {
            Outcome::Accepted { .. } => (0, ""),
            Outcome::BadRequest(m) | Outcome::UnsupportedMediaType(m) => (code::INVALID_ARGUMENT, m),
            Outcome::TooLarge(m) | Outcome::Overloaded(m) => (code::RESOURCE_EXHAUSTED, m),
            Outcome::RateLimited(_) => (code::RESOURCE_EXHAUSTED, "request rate limit of this client exceeded"),
            Outcome::Unauthorized => (code::UNAUTHENTICATED, "missing or invalid bearer token"),
            Outcome::Unavailable(m) => (code::UNAVAILABLE, m),
            Outcome::Internal(m) => (code::INTERNAL, m),
        }
    }

    /// Maps a body-handling error of agenttrace-core onto the HTTP outcome.
    pub fn from_decode_error(e: &DecodeError) -> Outcome {
        match e {
            DecodeError::UnsupportedContentType(_) | DecodeError::UnsupportedContentEncoding(_) => {
                Outcome::UnsupportedMediaType(e.to_string())
            }
            DecodeError::TooLarge { .. } => Outcome::TooLarge(e.to_string()),
            _ => Outcome::BadRequest(e.to_string()),
        }
    }

    /// How long a client should wait before retrying; None when it should not retry at all.
    pub fn retry_after(&self, default: Duration) -> Option<Duration> {
        match self {
            Outcome::Overloaded(_) | Outcome::Unavailable(_) => Some(default.max(Duration::from_secs(1))),
            Outcome::RateLimited(d) => Some(*d),
            _ => None,
        }
    }

    pub fn into_http(self, format: Format, retry_after_secs: u64) -> Response {
        self.into_http_for(Signal::Traces, format, retry_after_secs)
    }

    pub fn into_http_for(self, signal: Signal, format: Format, retry_after_secs: u64) -> Response {
        let status = self.status();
        let body = match &self {
            Outcome::Accepted { rejected, message } => encode_success_for(signal, format, *rejected, message.as_deref()),
            _ => {
                let (c, m) = self.rpc();
                encode_status(format, c, m)
            }
        };
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, content_type_value(format));
        if let Some(d) = self.retry_after(Duration::from_secs(retry_after_secs)) {
            // Retry-After has whole seconds: round up, so a client never comes back too early.
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if matches!(self, Outcome::Unauthorized) {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// gRPC side of the outcomes (OTLP/gRPC spec, "Failures"): OK (with `partial_success` when spans
/// were rejected), INVALID_ARGUMENT for permanently bad data, UNAUTHENTICATED, and the retryable
/// UNAVAILABLE / RESOURCE_EXHAUSTED carrying `google.rpc.RetryInfo` (exporters retry
/// RESOURCE_EXHAUSTED only when RetryInfo is present, so a body over the size limit, also
/// RESOURCE_EXHAUSTED as gRPC has it, goes without and is not retried).
impl Outcome {
    pub fn grpc_code(&self) -> tonic::Code {
        use tonic::Code;
        match self {
            Outcome::Accepted { .. } => Code::Ok,
            Outcome::BadRequest(_) | Outcome::UnsupportedMediaType(_) => Code::InvalidArgument,
            Outcome::TooLarge(_) | Outcome::Overloaded(_) | Outcome::RateLimited(_) => Code::ResourceExhausted,
            Outcome::Unauthorized => Code::Unauthenticated,
            Outcome::Unavailable(_) => Code::Unavailable,
            Outcome::Internal(_) => Code::Internal,
        }
    }

    pub fn into_grpc(self, retry_after: Duration) -> Result<ExportTraceServiceResponse, tonic::Status> {
        if let Outcome::Accepted { rejected, message } = &self {
            return Ok(export_response(*rejected, message.as_deref()));
        }
        let code = self.grpc_code();
        let (_, message) = self.rpc();
        let message = message.to_string();
        Err(match self.retry_after(retry_after) {
            Some(delay) => {
                let info =
                    RetryInfo { retry_delay: Some(ProtoDuration { seconds: delay.as_secs() as i64, nanos: delay.subsec_nanos() as i32 }) };
                let info = info.encode_to_vec();
                // The standard place is the google.rpc.Status in grpc-status-details-bin (Go, Java,
                // the Collector); the Python exporter reads a bare `google.rpc.retryinfo-bin`
                // trailer instead, so both are sent.
                let mut md = tonic::metadata::MetadataMap::new();
                md.insert_bin("google.rpc.retryinfo-bin", tonic::metadata::MetadataValue::from_bytes(&info));
                let details = RpcStatus {
                    code: code as i32,
                    message: message.clone(),
                    details: vec![ProtoAny { type_url: RETRY_INFO_TYPE_URL.into(), value: info }],
                };
                tonic::Status::with_details_and_metadata(code, message, details.encode_to_vec().into(), md)
            }
            None => tonic::Status::new(code, message),
        })
    }

    /// Maps a failure of tonic's request decoding (before our handler ran) onto an outcome: frame
    /// or inflated message over the limit is TooLarge, an unknown `grpc-encoding` is
    /// UnsupportedMediaType, anything else (corrupt gzip, truncated frame, no message) BadRequest.
    pub fn from_grpc_decode(status: &tonic::Status) -> Outcome {
        use tonic::Code;
        let m = status.message().to_string();
        match status.code() {
            Code::OutOfRange | Code::ResourceExhausted => Outcome::TooLarge(m),
            Code::Unimplemented => Outcome::UnsupportedMediaType(m),
            _ => Outcome::BadRequest(m),
        }
    }
}

/// The RetryInfo delay carried by a gRPC status, if any (used by tests and the load generator).
pub fn grpc_retry_delay(status: &tonic::Status) -> Option<Duration> {
    let st = RpcStatus::decode(status.details()).ok()?;
    let any = st.details.into_iter().find(|a| a.type_url == RETRY_INFO_TYPE_URL)?;
    let d = RetryInfo::decode(any.value.as_slice()).ok()?.retry_delay?;
    Some(Duration::new(d.seconds.max(0) as u64, d.nanos.max(0) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_the_request() {
        assert_eq!(response_format(Some("application/json; charset=utf-8")), Format::Json);
        assert_eq!(response_format(Some("application/x-protobuf")), Format::Protobuf);
        assert_eq!(response_format(None), Format::Protobuf);
        assert_eq!(response_format(Some("text/plain")), Format::Json);
    }

    #[test]
    fn success_bodies() {
        assert!(encode_success(Format::Protobuf, 0, None).is_empty());
        assert_eq!(encode_success(Format::Json, 0, None), b"{}");
        let pb = encode_success(Format::Protobuf, 3, Some("bad span id"));
        let r = ExportTraceServiceResponse::decode(pb.as_slice()).unwrap();
        let p = r.partial_success.unwrap();
        assert_eq!((p.rejected_spans, p.error_message.as_str()), (3, "bad span id"));
        let logs: serde_json::Value = serde_json::from_slice(&encode_success_for(Signal::Logs, Format::Json, 2, Some("bad id"))).unwrap();
        assert_eq!(logs["partialSuccess"]["rejectedLogRecords"], "2");
        // protobuf: the logs response decodes as what it is
        let pb = encode_success_for(Signal::Logs, Format::Protobuf, 2, Some("bad id"));
        let r = opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse::decode(pb.as_slice()).unwrap();
        assert_eq!(r.partial_success.unwrap().rejected_log_records, 2);
        let js: serde_json::Value = serde_json::from_slice(&encode_success(Format::Json, 3, Some("bad span id"))).unwrap();
        assert_eq!(js["partialSuccess"]["rejectedSpans"], "3");
        assert_eq!(js["partialSuccess"]["errorMessage"], "bad span id");
    }

    #[test]
    fn status_bodies() {
        let pb = encode_status(Format::Protobuf, code::INVALID_ARGUMENT, "truncated");
        assert_eq!(RpcStatus::decode(pb.as_slice()).unwrap(), RpcStatus { code: 3, message: "truncated".into(), details: vec![] });
        let js: serde_json::Value = serde_json::from_slice(&encode_status(Format::Json, 14, "db down")).unwrap();
        assert_eq!(js, serde_json::json!({"code": 14, "message": "db down"}));
    }

    #[test]
    fn http_mapping() {
        let r = Outcome::Unavailable("db down".into()).into_http(Format::Json, 2);
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        assert_eq!(r.headers()[header::CONTENT_TYPE], CT_JSON);
        let r = Outcome::Overloaded("full".into()).into_http(Format::Protobuf, 0);
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        assert_eq!(r.headers()[header::CONTENT_TYPE], CT_PROTOBUF);
        let r = Outcome::BadRequest("x".into()).into_http(Format::Protobuf, 1);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.headers().get(header::RETRY_AFTER).is_none());
        assert_eq!(Outcome::Unauthorized.into_http(Format::Json, 1).status(), StatusCode::UNAUTHORIZED);
        let e = DecodeError::TooLarge { limit: 10 };
        assert_eq!(Outcome::from_decode_error(&e).status(), StatusCode::PAYLOAD_TOO_LARGE);
        let e = DecodeError::UnsupportedContentType("text/plain".into());
        assert_eq!(Outcome::from_decode_error(&e).status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let e = DecodeError::Gzip("bad".into());
        assert_eq!(Outcome::from_decode_error(&e).status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn rate_limited_retry_after_rounds_up() {
        let r = Outcome::RateLimited(Duration::from_millis(1200)).into_http(Format::Json, 7);
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        let r = Outcome::RateLimited(Duration::from_millis(10)).into_http(Format::Json, 7);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn grpc_mapping() {
        use tonic::Code;
        let d = Duration::from_secs(2);
        let ok = Outcome::Accepted { rejected: 0, message: None }.into_grpc(d).unwrap();
        assert_eq!(ok.partial_success, None, "no partial_success on full success");
        let ok = Outcome::Accepted { rejected: 4, message: Some("bad span id".into()) }.into_grpc(d).unwrap();
        let p = ok.partial_success.unwrap();
        assert_eq!((p.rejected_spans, p.error_message.as_str()), (4, "bad span id"));

        let cases: Vec<(Outcome, Code, Option<Duration>)> = vec![
            (Outcome::BadRequest("truncated".into()), Code::InvalidArgument, None),
            (Outcome::UnsupportedMediaType("br".into()), Code::InvalidArgument, None),
            (Outcome::TooLarge("big".into()), Code::ResourceExhausted, None),
            (Outcome::Unauthorized, Code::Unauthenticated, None),
            (Outcome::Overloaded("full".into()), Code::ResourceExhausted, Some(d)),
            (Outcome::RateLimited(Duration::from_millis(250)), Code::ResourceExhausted, Some(Duration::from_millis(250))),
            (Outcome::Unavailable("db down".into()), Code::Unavailable, Some(d)),
            (Outcome::Internal("boom".into()), Code::Internal, None),
        ];
        for (o, code, delay) in cases {
            let st = o.clone().into_grpc(d).unwrap_err();
            assert_eq!(st.code(), code, "{o:?}");
            assert_eq!(grpc_retry_delay(&st), delay, "{o:?}");
            assert!(!st.message().is_empty());
        }
        // zero configured delay still asks for a pause (never a hot retry loop)
        let st = Outcome::Unavailable("x".into()).into_grpc(Duration::ZERO).unwrap_err();
        assert_eq!(grpc_retry_delay(&st), Some(Duration::from_secs(1)));
        let st = Outcome::Unavailable("x".into()).into_grpc(Duration::from_millis(1500)).unwrap_err();
        let bare = st.metadata().get_bin("google.rpc.retryinfo-bin").unwrap().to_bytes().unwrap();
        let pd = RetryInfo::decode(bare).unwrap().retry_delay.unwrap();
        assert_eq!((pd.seconds, pd.nanos), (1, 500_000_000), "bare trailer for the Python exporter");
        // the details blob is a google.rpc.Status with the same code and message
        let st = Outcome::Overloaded("queue full".into()).into_grpc(d).unwrap_err();
        let blob = RpcStatus::decode(st.details()).unwrap();
        assert_eq!((blob.code, blob.message.as_str()), (code::RESOURCE_EXHAUSTED, "queue full"));
    }

    #[test]
    fn grpc_decode_failures() {
        use tonic::{Code, Status};
        assert!(matches!(Outcome::from_grpc_decode(&Status::out_of_range("too large")), Outcome::TooLarge(_)));
        assert!(matches!(Outcome::from_grpc_decode(&Status::resource_exhausted("limit")), Outcome::TooLarge(_)));
        assert!(matches!(Outcome::from_grpc_decode(&Status::unimplemented("br")), Outcome::UnsupportedMediaType(_)));
        let o = Outcome::from_grpc_decode(&Status::internal("Error decompressing: corrupt deflate stream"));
        assert_eq!(o.grpc_code(), Code::InvalidArgument);
    }
}
