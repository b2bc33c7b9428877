//! The flat span model every other part of pg_agenttrace works on.
//!
//! OTLP nests spans under resources and scopes; storage and analysis want one self-contained
//! record per span. Attribute values become JSON (`AnyValue` maps onto JSON one to one, bytes
//! become base64) so they can be stored as `jsonb` and read back without loss.
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::ids::{SpanId, TraceId};

pub type Attributes = Map<String, Value>;

/// OTLP `Span.SpanKind` numbers.
pub mod span_kind {
    pub const UNSPECIFIED: i32 = 0;
    pub const INTERNAL: i32 = 1;
    pub const SERVER: i32 = 2;
    pub const CLIENT: i32 = 3;
    pub const PRODUCER: i32 = 4;
    pub const CONSUMER: i32 = 5;
}

/// OTLP `Status.StatusCode` numbers.
pub mod status_code {
    pub const UNSET: i32 = 0;
    pub const OK: i32 = 1;
    pub const ERROR: i32 = 2;
}

/// A resource (the process that emitted spans). Shared by all spans it emitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Stable 64-bit hash of the canonical attribute JSON: the key of `agenttrace.resources`.
    pub hash: i64,
    pub service_name: String,
    pub attributes: Attributes,
    pub schema_url: String,
}

impl Resource {
    pub fn new(attributes: Attributes, schema_url: String) -> Self {
        let service_name = attributes.get("service.name").and_then(Value::as_str).unwrap_or("unknown_service").to_string();
        // serde_json's Map is a BTreeMap (no preserve_order feature), so this text is canonical.
        let canonical = Value::Object(attributes.clone()).to_string();
        let hash = fnv1a64(canonical.as_bytes()) as i64;
        Resource { hash, service_name, attributes, schema_url }
    }
}

/// FNV-1a: tiny, stable across versions and platforms (std's hasher is neither).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpanEvent {
    pub time_unix_nano: u64,
    pub name: String,
    pub attributes: Attributes,
    pub dropped_attributes_count: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpanLink {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub trace_state: String,
    pub attributes: Attributes,
    pub dropped_attributes_count: u32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpanRecord {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    /// `None` for a root span (OTLP sends an empty or all-zero parent id).
    pub parent_span_id: Option<SpanId>,
    pub trace_state: String,
    pub flags: u32,
    pub name: String,
    pub kind: i32,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    pub attributes: Attributes,
    pub dropped_attributes_count: u32,
    pub events: Vec<SpanEvent>,
    pub dropped_events_count: u32,
    pub links: Vec<SpanLink>,
    pub dropped_links_count: u32,
    pub status_code: i32,
    pub status_message: String,
    pub resource: Arc<Resource>,
    pub scope_name: String,
    pub scope_version: String,
}

impl SpanRecord {
    /// A span with these ids, name and attributes and nothing else: kind internal (1), times 0,
    /// no parent, events, links or status, an empty resource and scope. For spans built by hand
    /// (synthetic runs, tests): set the other fields with struct update syntax.
    pub fn new(trace_id: TraceId, span_id: SpanId, name: impl Into<String>, attributes: Attributes) -> SpanRecord {
        SpanRecord {
            trace_id,
            span_id,
            parent_span_id: None,
            trace_state: String::new(),
            flags: 0,
            name: name.into(),
            kind: 1,
            start_time_unix_nano: 0,
            end_time_unix_nano: 0,
            attributes,
            dropped_attributes_count: 0,
            events: Vec::new(),
            dropped_events_count: 0,
            links: Vec::new(),
            dropped_links_count: 0,
            status_code: 0,
            status_message: String::new(),
            resource: Arc::new(Resource::new(Attributes::new(), String::new())),
            scope_name: String::new(),
            scope_version: String::new(),
        }
    }

    pub fn duration_ns(&self) -> u64 {
        self.end_time_unix_nano.saturating_sub(self.start_time_unix_nano)
    }

    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }

    /// String attribute; numbers and booleans are rendered, other shapes give `None`.
    pub fn attr_str(&self, key: &str) -> Option<String> {
        match self.attributes.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// A span that could not be stored, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedSpan {
    pub name: String,
    pub reason: String,
}

/// One decoded export request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedRequest {
    pub resources: Vec<Arc<Resource>>,
    pub spans: Vec<SpanRecord>,
    pub rejected: Vec<RejectedSpan>,
}

impl DecodedRequest {
    /// Partial-success message in the OTLP style: count plus the first reasons.
    pub fn rejection_message(&self) -> Option<String> {
        if self.rejected.is_empty() {
            return None;
        }
        let mut reasons: Vec<&str> = self.rejected.iter().map(|r| r.reason.as_str()).collect();
        reasons.sort_unstable();
        reasons.dedup();
        reasons.truncate(3);
        Some(format!("{} span(s) rejected: {}", self.rejected.len(), reasons.join("; ")))
    }
}
