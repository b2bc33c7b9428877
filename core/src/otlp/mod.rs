//! OTLP trace (and, in `logs`, log) export requests: body handling (encoding, size limits) and decoding into
//! [`crate::model`] spans. Both wire formats decode into the same `opentelemetry-proto` message
//! first, so protobuf and OTLP/JSON share one conversion into the flat model.
mod budget;
mod convert;
mod json;
mod logs;

use std::io::Read;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

pub use convert::request_to_records;
pub use json::parse_json_request;
pub use logs::{decode_logs_body, logs_request_to_records, parse_json_logs_request, parse_logs_request};

use crate::model::DecodedRequest;

/// Limits applied before and while decoding; defaults suit a database backend.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body accepted after decompression (a gzip bomb stops here).
    pub max_body_bytes: usize,
    /// Deepest AnyValue/kvlist/JSON nesting accepted.
    pub max_nesting: usize,
    /// Most bytes a protobuf body may decode into (prost structs plus strings), estimated on the
    /// wire before decoding: two bytes of protobuf can be a whole `Span` (see `budget.rs`).
    pub max_decoded_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_body_bytes: 64 << 20, max_nesting: 64, max_decoded_bytes: 256 << 20 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Protobuf,
    Json,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("unsupported content type {0:?}: expected application/x-protobuf or application/json")]
    UnsupportedContentType(String),
    #[error("unsupported content encoding {0:?}: expected gzip or identity")]
    UnsupportedContentEncoding(String),
    #[error("body exceeds {limit} bytes after decompression")]
    TooLarge { limit: usize },
    #[error("invalid gzip body: {0}")]
    Gzip(String),
    #[error("invalid protobuf ExportTraceServiceRequest: {0}")]
    Protobuf(String),
    #[error("invalid OTLP/JSON ExportTraceServiceRequest: {0}")]
    Json(String),
    #[error("invalid protobuf ExportLogsServiceRequest: {0}")]
    LogsProtobuf(String),
    #[error("invalid OTLP/JSON ExportLogsServiceRequest: {0}")]
    LogsJson(String),
    #[error("attribute values nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("request would decode into more than {limit} bytes")]
    DecodedTooLarge { limit: usize },
}

impl DecodeError {
    /// SQLSTATE the extension reports for this error (all class 22: data exception).
    pub fn sqlstate(&self) -> &'static str {
        match self {
            DecodeError::UnsupportedContentType(_) | DecodeError::UnsupportedContentEncoding(_) => "22023", // invalid_parameter_value
            DecodeError::TooLarge { .. } | DecodeError::DecodedTooLarge { .. } => "54000",                  // program_limit_exceeded
            DecodeError::TooDeep { .. } => "54001",                                                         // statement_too_complex
            DecodeError::Gzip(_) | DecodeError::Protobuf(_) | DecodeError::LogsProtobuf(_) => "22P03",      // invalid_binary_representation
            DecodeError::Json(_) | DecodeError::LogsJson(_) => "22P02",                                     // invalid_text_representation
        }
    }
}

/// Maps an HTTP-style content type (parameters ignored) onto a wire format.
pub fn format_of(content_type: Option<&str>) -> Result<Format, DecodeError> {
    let raw = content_type.unwrap_or("application/x-protobuf");
    let mime = raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "" | "application/x-protobuf" | "application/protobuf" | "application/vnd.google.protobuf" => Ok(Format::Protobuf),
        "application/json" | "json" | "text/json" => Ok(Format::Json),
        "protobuf" => Ok(Format::Protobuf),
        _ => Err(DecodeError::UnsupportedContentType(raw.to_string())),
    }
}

/// Undoes the content encoding with the size limit applied to the *decompressed* bytes.
/// A body starting with the gzip magic is inflated even without a header: neither a protobuf
/// message (wire type 7 is invalid) nor JSON can start with 0x1f.
pub fn decompress<'a>(body: &'a [u8], content_encoding: Option<&str>, limits: &Limits) -> Result<std::borrow::Cow<'a, [u8]>, DecodeError> {
    let enc = content_encoding.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    let gzip = match enc.as_str() {
        "gzip" | "x-gzip" => true,
        "" | "identity" | "none" => body.starts_with(&[0x1f, 0x8b]),
        other => return Err(DecodeError::UnsupportedContentEncoding(other.to_string())),
    };
    if !gzip {
        if body.len() > limits.max_body_bytes {
            return Err(DecodeError::TooLarge { limit: limits.max_body_bytes });
        }
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limits.max_body_bytes));
    let mut reader = flate2::read::MultiGzDecoder::new(body).take(limits.max_body_bytes as u64 + 1);
    reader.read_to_end(&mut out).map_err(|e| DecodeError::Gzip(e.to_string()))?;
    if out.len() > limits.max_body_bytes {
        return Err(DecodeError::TooLarge { limit: limits.max_body_bytes });
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Decodes raw (already decompressed) bytes into the protobuf request message.
pub fn parse_request(bytes: &[u8], format: Format, limits: &Limits) -> Result<ExportTraceServiceRequest, DecodeError> {
    match format {
        // prost bounds message recursion (100 levels) so a deep kvlist cannot overflow the stack.
        Format::Protobuf => {
            // Memory amplification bound, checked before prost allocates (see budget.rs).
            if budget::within(bytes, limits.max_decoded_bytes).is_none() {
                return Err(DecodeError::DecodedTooLarge { limit: limits.max_decoded_bytes });
            }
            ExportTraceServiceRequest::decode(bytes).map_err(|e| DecodeError::Protobuf(e.to_string()))
        }
        Format::Json => parse_json_request(bytes, limits),
    }
}

/// The whole path: content encoding, size limit, wire format, conversion to flat spans.
pub fn decode_body(
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    limits: &Limits,
) -> Result<DecodedRequest, DecodeError> {
    let format = format_of(content_type)?;
    let bytes = decompress(body, content_encoding, limits)?;
    let request = parse_request(&bytes, format, limits)?;
    request_to_records(request, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(format_of(None), Ok(Format::Protobuf));
        assert_eq!(format_of(Some("application/json; charset=utf-8")), Ok(Format::Json));
        assert_eq!(format_of(Some("APPLICATION/X-PROTOBUF")), Ok(Format::Protobuf));
        assert!(matches!(format_of(Some("text/plain")), Err(DecodeError::UnsupportedContentType(_))));
    }

    #[test]
    fn empty_body_is_an_empty_request() {
        let d = decode_body(b"", None, None, &Limits::default()).unwrap();
        assert!(d.spans.is_empty());
        let d = decode_body(b"{}", Some("application/json"), None, &Limits::default()).unwrap();
        assert!(d.spans.is_empty());
    }

    #[test]
    fn gzip_bomb_is_stopped_at_the_limit() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&vec![0u8; 8 << 20]).unwrap();
        let bomb = enc.finish().unwrap();
        assert!(bomb.len() < 64 << 10);
        let limits = Limits { max_body_bytes: 1 << 20, ..Limits::default() };
        assert_eq!(decode_body(&bomb, None, Some("gzip"), &limits), Err(DecodeError::TooLarge { limit: 1 << 20 }));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let l = Limits::default();
        assert!(matches!(decode_body(b"\xff\xff\xff", None, None, &l), Err(DecodeError::Protobuf(_))));
        assert!(matches!(decode_body(b"{\"resourceSpans\":", Some("application/json"), None, &l), Err(DecodeError::Json(_))));
        assert!(matches!(decode_body(b"\x1f\x8b\x08\x00garbage", None, None, &l), Err(DecodeError::Gzip(_))));
        assert!(matches!(decode_body(b"x", None, Some("br"), &l), Err(DecodeError::UnsupportedContentEncoding(_))));
    }
}
