//! Decoded-size budget for protobuf bodies, checked on the wire before prost allocates anything.
//!
//! The body size limit alone does not bound memory: protobuf repeated messages cost two bytes
//! each on the wire (`tag, len=0`) but a whole struct once decoded. A 16 MiB body of empty spans
//! made prost allocate 8 M `Span`s, 3.2 GB peak RSS (kept as a regression test in
//! core/tests/prop_roundtrip.rs); at the 64 MiB default limit, and from a ~64 KiB gzip body,
//! that is a backend killed by the OOM killer. So the request is
//! walked at the wire level along the OTLP trace schema, adding up what decoding will allocate
//! (struct sizes of the prost types plus string/bytes payloads), and refused above
//! [`super::Limits::max_decoded_bytes`]. The walk allocates nothing and is linear in the body.
//!
//! Malformed input is not diagnosed here: the walk stops counting at the first wire error and
//! lets prost report it (prost rejects the same bytes, so nothing is decoded past that point).
use std::mem::size_of;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};

/// The message types of the trace request tree (others are skipped without counting: prost
/// skips unknown fields without allocating).
#[derive(Clone, Copy)]
enum M {
    Request,
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    Status,
    KeyValue,
    AnyValue,
    ArrayValue,
    KvList,
    LogsRequest,
    ResourceLogs,
    ScopeLogs,
    LogRecord,
}

/// What one field of a message is: a sub-message, a string/bytes payload, or a scalar.
enum F {
    Msg(M),
    Bytes,
    Other,
}

fn field(m: M, num: u64) -> F {
    use F::{Bytes, Msg, Other};
    match (m, num) {
        (M::Request, 1) => Msg(M::ResourceSpans),
        (M::ResourceSpans, 1) => Msg(M::Resource),
        (M::ResourceSpans, 2) => Msg(M::ScopeSpans),
        (M::ResourceSpans, 3) => Bytes,
        (M::Resource, 1) => Msg(M::KeyValue),
        (M::ScopeSpans, 1) => Msg(M::Scope),
        (M::ScopeSpans, 2) => Msg(M::Span),
        (M::ScopeSpans, 3) => Bytes,
        (M::Scope, 1 | 2) => Bytes,
        (M::Scope, 3) => Msg(M::KeyValue),
        (M::Span, 1..=5) => Bytes,
        (M::Span, 9) => Msg(M::KeyValue),
        (M::Span, 11) => Msg(M::Event),
        (M::Span, 13) => Msg(M::Link),
        (M::Span, 15) => Msg(M::Status),
        (M::Event, 2) => Bytes,
        (M::Event, 3) => Msg(M::KeyValue),
        (M::Link, 1..=3) => Bytes,
        (M::Link, 4) => Msg(M::KeyValue),
        (M::Status, 2) => Bytes,
        (M::KeyValue, 1) => Bytes,
        (M::KeyValue, 2) => Msg(M::AnyValue),
        (M::AnyValue, 1 | 7) => Bytes,
        (M::AnyValue, 5) => Msg(M::ArrayValue),
        (M::AnyValue, 6) => Msg(M::KvList),
        (M::ArrayValue, 1) => Msg(M::AnyValue),
        (M::KvList, 1) => Msg(M::KeyValue),
        (M::LogsRequest, 1) => Msg(M::ResourceLogs),
        (M::ResourceLogs, 1) => Msg(M::Resource),
        (M::ResourceLogs, 2) => Msg(M::ScopeLogs),
        (M::ResourceLogs, 3) => Bytes,
        (M::ScopeLogs, 1) => Msg(M::Scope),
        (M::ScopeLogs, 2) => Msg(M::LogRecord),
        (M::ScopeLogs, 3) => Bytes,
        (M::LogRecord, 3 | 9 | 10 | 12) => Bytes,
        (M::LogRecord, 5) => Msg(M::AnyValue),
        (M::LogRecord, 6) => Msg(M::KeyValue),
        _ => Other,
    }
}

/// Heap bytes one decoded element of `m` costs in the repeated field (or box) holding it.
fn cost(m: M) -> usize {
    match m {
        M::Request => size_of::<ExportTraceServiceRequest>(),
        M::ResourceSpans => size_of::<ResourceSpans>(),
        M::Resource => size_of::<Resource>(),
        M::ScopeSpans => size_of::<ScopeSpans>(),
        M::Scope => size_of::<InstrumentationScope>(),
        M::Span => size_of::<Span>(),
        M::Event => size_of::<span::Event>(),
        M::Link => size_of::<span::Link>(),
        M::Status => size_of::<Status>(),
        M::KeyValue => size_of::<KeyValue>(),
        M::AnyValue => size_of::<AnyValue>(),
        M::ArrayValue => size_of::<ArrayValue>(),
        M::KvList => size_of::<KeyValueList>(),
        M::LogsRequest => size_of::<ExportLogsServiceRequest>(),
        M::ResourceLogs => size_of::<ResourceLogs>(),
        M::ScopeLogs => size_of::<ScopeLogs>(),
        M::LogRecord => size_of::<LogRecord>(),
    }
}

fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for k in 0..10 {
        let c = *b.get(*i)?;
        *i += 1;
        n |= u64::from(c & 0x7f) << (7 * k);
        if c < 0x80 {
            return Some(n);
        }
    }
    None
}

/// Deepest message nesting walked; prost itself stops at 100.
const MAX_DEPTH: usize = 100;

struct Walk {
    total: usize,
    limit: usize,
}

impl Walk {
    /// Adds the cost of the message `m` encoded in `b`; `false` when over the limit.
    /// Stops quietly at malformed input (prost will reject it).
    fn message(&mut self, m: M, b: &[u8], depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let mut i = 0;
        while i < b.len() {
            let Some(key) = varint(b, &mut i) else { return true };
            let (num, wt) = (key >> 3, key & 7);
            match wt {
                0 => {
                    if varint(b, &mut i).is_none() {
                        return true;
                    }
                }
                1 => i = i.saturating_add(8),
                5 => i = i.saturating_add(4),
                2 => {
                    let Some(len) = varint(b, &mut i) else { return true };
                    let Some(end) = usize::try_from(len).ok().and_then(|l| i.checked_add(l)).filter(|&e| e <= b.len()) else {
                        return true;
                    };
                    let payload = &b[i..end];
                    i = end;
                    match field(m, num) {
                        F::Msg(sub) => {
                            self.total = self.total.saturating_add(cost(sub));
                            if self.total > self.limit || !self.message(sub, payload, depth + 1) {
                                return false;
                            }
                        }
                        F::Bytes => self.total = self.total.saturating_add(payload.len()),
                        // Packed scalars or unknown fields: no allocation beyond the payload.
                        F::Other => self.total = self.total.saturating_add(payload.len()),
                    }
                    if self.total > self.limit {
                        return false;
                    }
                }
                // Groups (deprecated) are skipped by prost field by field, allocating nothing;
                // their contents are counted as unknown fields of this message, which over-
                // rather than under-estimates.
                3 | 4 => {}
                _ => return true,
            }
        }
        true
    }
}

/// Estimated bytes prost allocates decoding `body` as an `ExportTraceServiceRequest`, or `None`
/// as soon as it exceeds `limit`.
pub(crate) fn within(body: &[u8], limit: usize) -> Option<usize> {
    let mut w = Walk { total: cost(M::Request), limit };
    w.message(M::Request, body, 0).then_some(w.total)
}

/// [`within`] for an `ExportLogsServiceRequest` (same walk along the OTLP logs schema).
pub(crate) fn logs_within(body: &[u8], limit: usize) -> Option<usize> {
    let mut w = Walk { total: cost(M::LogsRequest), limit };
    w.message(M::LogsRequest, body, 0).then_some(w.total)
}

/// OTLP/JSON, first pass, on the raw text: serde_json builds a `Value` per JSON value, 2-3 bytes
/// of text each at worst (`{},`). Counts values (`{`, `[`, `,` and the first one, outside
/// strings) times the size of a `Value`; `None` above `limit`.
pub(crate) fn json_text_within(text: &[u8], limit: usize) -> Option<usize> {
    let mut values = 1usize;
    let (mut in_str, mut esc) = (false, false);
    for &c in text {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' | b',' => values += 1,
                _ => {}
            }
        }
    }
    // Each value: the `Value` itself plus, in an object, its key and map entry.
    let total = values.saturating_mul(2 * size_of::<serde_json::Value>()).saturating_add(text.len());
    (total <= limit).then_some(total)
}

/// OTLP/JSON, second pass, on the parsed tree: what converting it to the prost request will
/// allocate (an empty `{}` span is 3 bytes of text but a whole `Span`: 15 MiB of them took
/// 2 GB). Same schema and costs as the protobuf walk; `None` above `limit`.
pub(crate) fn json_within(root: &serde_json::Value, limit: usize, logs: bool) -> Option<usize> {
    use serde_json::Value;
    fn get<'a>(v: &'a Value, camel: &str, snake: &str) -> &'a [Value] {
        match v.get(camel).or_else(|| v.get(snake)) {
            Some(Value::Array(a)) => a,
            _ => &[],
        }
    }
    fn strs(v: &Value) -> usize {
        match v {
            Value::Object(o) => o.values().map(|x| if let Value::String(s) = x { s.len() } else { 0 }).sum(),
            _ => 0,
        }
    }
    struct W {
        total: usize,
        limit: usize,
    }
    impl W {
        fn add(&mut self, n: usize) -> bool {
            self.total = self.total.saturating_add(n);
            self.total <= self.limit
        }
        fn kvs(&mut self, list: &[Value], depth: usize) -> bool {
            for kv in list {
                if !self.add(cost(M::KeyValue) + strs(kv)) {
                    return false;
                }
                if let Some(v) = kv.get("value") {
                    if !self.any(v, depth) {
                        return false;
                    }
                }
            }
            true
        }
        fn any(&mut self, v: &Value, depth: usize) -> bool {
            // serde_json's own recursion limit (128) bounds this; stop counting deeper anyway.
            if depth > MAX_DEPTH {
                return true;
            }
            if !self.add(cost(M::AnyValue) + strs(v)) {
                return false;
            }
            if let Some(a) = v.get("arrayValue").or_else(|| v.get("array_value")) {
                for x in get(a, "values", "values") {
                    if !self.any(x, depth + 1) {
                        return false;
                    }
                }
            }
            if let Some(kv) = v.get("kvlistValue").or_else(|| v.get("kvlist_value")) {
                return self.kvs(get(kv, "values", "values"), depth + 1);
            }
            true
        }
    }
    if logs {
        let mut w = W { total: cost(M::LogsRequest), limit };
        for rl in get(root, "resourceLogs", "resource_logs") {
            if !w.add(cost(M::ResourceLogs)) {
                return None;
            }
            if let Some(r) = rl.get("resource") {
                if !w.kvs(get(r, "attributes", "attributes"), 0) {
                    return None;
                }
            }
            for sl in get(rl, "scopeLogs", "scope_logs") {
                if !w.add(cost(M::ScopeLogs) + cost(M::Scope)) {
                    return None;
                }
                if let Some(sc) = sl.get("scope") {
                    if !w.kvs(get(sc, "attributes", "attributes"), 0) {
                        return None;
                    }
                }
                for lr in get(sl, "logRecords", "log_records") {
                    if !w.add(cost(M::LogRecord) + strs(lr)) || !w.kvs(get(lr, "attributes", "attributes"), 0) {
                        return None;
                    }
                    if let Some(b) = lr.get("body") {
                        if !w.any(b, 0) {
                            return None;
                        }
                    }
                }
            }
        }
        return Some(w.total);
    }
    let mut w = W { total: cost(M::Request), limit };
    for rs in get(root, "resourceSpans", "resource_spans") {
        if !w.add(cost(M::ResourceSpans)) {
            return None;
        }
        if let Some(r) = rs.get("resource") {
            if !w.kvs(get(r, "attributes", "attributes"), 0) {
                return None;
            }
        }
        for ss in get(rs, "scopeSpans", "scope_spans") {
            if !w.add(cost(M::ScopeSpans) + cost(M::Scope)) {
                return None;
            }
            if let Some(sc) = ss.get("scope") {
                if !w.kvs(get(sc, "attributes", "attributes"), 0) {
                    return None;
                }
            }
            for sp in get(ss, "spans", "spans") {
                if !w.add(cost(M::Span) + cost(M::Status) + strs(sp)) || !w.kvs(get(sp, "attributes", "attributes"), 0) {
                    return None;
                }
                for e in get(sp, "events", "events") {
                    if !w.add(cost(M::Event) + strs(e)) || !w.kvs(get(e, "attributes", "attributes"), 0) {
                        return None;
                    }
                }
                for l in get(sp, "links", "links") {
                    if !w.add(cost(M::Link) + strs(l)) || !w.kvs(get(l, "attributes", "attributes"), 0) {
                        return None;
                    }
                }
            }
        }
    }
    Some(w.total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn ld(num: u32, p: &[u8]) -> Vec<u8> {
        let mut o = vec![(num << 3 | 2) as u8];
        let mut n = p.len();
        loop {
            let c = (n & 0x7f) as u8;
            n >>= 7;
            o.push(if n > 0 { c | 0x80 } else { c });
            if n == 0 {
                break;
            }
        }
        o.extend_from_slice(p);
        o
    }

    #[test]
    fn empty_spans_are_counted_as_spans() {
        let n = 10_000;
        let body = ld(1, &ld(2, &[0x12, 0x00].repeat(n)));
        let est = within(&body, usize::MAX).unwrap();
        assert!(est >= n * size_of::<Span>(), "{est}");
        assert!(within(&body, n * size_of::<Span>() / 2).is_none());
        // prost agrees on the shape.
        let r = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        assert_eq!(r.resource_spans[0].scope_spans[0].spans.len(), n);
    }

    #[test]
    fn estimate_covers_real_allocation_shapes() {
        // Nested empty AnyValues inside an array inside an attribute.
        let arr = ld(5, &[0x0a, 0x00].repeat(1000));
        let body = ld(1, &ld(2, &ld(2, &ld(9, &ld(2, &arr)))));
        assert!(within(&body, usize::MAX).unwrap() >= 1000 * size_of::<AnyValue>());
        // Malformed input is left to prost.
        assert!(within(&[0x0a, 0xff, 0xff], 10).is_some());
        assert!(within(&[0xff; 11], 10).is_some());
    }
}
