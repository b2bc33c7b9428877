//! OTLP/HTTP wire details: which format a request uses, and how success (ExportTraceServiceResponse)
//! and failure (google.rpc.Status) bodies are encoded in that same format, with the status codes
//! and Retry-After that tell exporters whether to retry.
use agenttrace_core::otlp::{format_of, DecodeError, Format};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
use prost::Message;

pub const CT_PROTOBUF: &str = "application/x-protobuf";
pub const CT_JSON: &str = "application/json";

/// google.rpc.Status (google/rpc/status.proto); `details` is never filled, so it is left out.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

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

fn content_type_value(format: Format) -> HeaderValue {
    HeaderValue::from_static(match format {
        Format::Protobuf => CT_PROTOBUF,
        Format::Json => CT_JSON,
    })
}

/// Encodes ExportTraceServiceResponse. `partial_success` is set only when spans were rejected
/// (the spec asks servers to leave it unset on full success).
pub fn encode_success(format: Format, rejected_spans: i64, error_message: Option<&str>) -> Vec<u8> {
    let partial = (rejected_spans > 0 || error_message.is_some_and(|m| !m.is_empty())).then(|| ExportTracePartialSuccess {
        rejected_spans,
        error_message: error_message.unwrap_or_default().to_string(),
    });
    match format {
        Format::Protobuf => ExportTraceServiceResponse { partial_success: partial }.encode_to_vec(),
        Format::Json => {
            // proto3 JSON mapping: lowerCamelCase names, int64 as a decimal string.
            let v = match partial {
                None => serde_json::json!({}),
                Some(p) => serde_json::json!({"partialSuccess": {
                    "rejectedSpans": p.rejected_spans.to_string(),
                    "errorMessage": p.error_message,
                }}),
            };
            serde_json::to_vec(&v).expect("json")
        }
    }
}

pub fn encode_status(format: Format, code: i32, message: &str) -> Vec<u8> {
    match format {
        Format::Protobuf => RpcStatus { code, message: message.to_string() }.encode_to_vec(),
        Format::Json => serde_json::to_vec(&serde_json::json!({"code": code, "message": message})).expect("json"),
    }
}

/// What a request of /v1/traces ends with; turned into an HTTP response in the request's format.
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
            Outcome::Overloaded(_) => StatusCode::TOO_MANY_REQUESTS,
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
            Outcome::Unavailable(_) => "unavailable",
            Outcome::Internal(_) => "internal",
        }
    }

    fn rpc(&self) -> (i32, &str) {
        match self {
            Outcome::Accepted { .. } => (0, ""),
            Outcome::BadRequest(m) | Outcome::UnsupportedMediaType(m) => (code::INVALID_ARGUMENT, m),
            Outcome::TooLarge(m) | Outcome::Overloaded(m) => (code::RESOURCE_EXHAUSTED, m),
            Outcome::Unauthorized => (code::UNAUTHENTICATED, "missing or invalid bearer token"),
            Outcome::Unavailable(m) => (code::UNAVAILABLE, m),
            Outcome::Internal(m) => (code::INTERNAL, m),
        }
    }

    /// Maps a body-handling error of agenttrace-core onto the HTTP outcome.
    pub fn from_decode_error(e: &DecodeError) -> Outcome {
        match e {
            DecodeError::UnsupportedContentType(_) | DecodeError::UnsupportedContentEncoding(_) => Outcome::UnsupportedMediaType(e.to_string()),
            DecodeError::TooLarge { .. } => Outcome::TooLarge(e.to_string()),
            _ => Outcome::BadRequest(e.to_string()),
        }
    }

    pub fn into_http(self, format: Format, retry_after_secs: u64) -> Response {
        let status = self.status();
        let body = match &self {
            Outcome::Accepted { rejected, message } => encode_success(format, *rejected, message.as_deref()),
            _ => {
                let (c, m) = self.rpc();
                encode_status(format, c, m)
            }
        };
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, content_type_value(format));
        if matches!(self, Outcome::Overloaded(_) | Outcome::Unavailable(_)) {
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
        }
        if matches!(self, Outcome::Unauthorized) {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
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
        let js: serde_json::Value = serde_json::from_slice(&encode_success(Format::Json, 3, Some("bad span id"))).unwrap();
        assert_eq!(js["partialSuccess"]["rejectedSpans"], "3");
        assert_eq!(js["partialSuccess"]["errorMessage"], "bad span id");
    }

    #[test]
    fn status_bodies() {
        let pb = encode_status(Format::Protobuf, code::INVALID_ARGUMENT, "truncated");
        assert_eq!(RpcStatus::decode(pb.as_slice()).unwrap(), RpcStatus { code: 3, message: "truncated".into() });
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
}
