//! OTLP logs: `ExportLogsServiceRequest` bodies (protobuf or OTLP/JSON, gzip optional) into flat
//! [`LogRecord`]s. Same content types, encodings, size/nesting limits and decoded-size budget as
//! trace requests (see [`super::decode_body`]).
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope};
use opentelemetry_proto::tonic::logs::v1::{LogRecord as PbLogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource as PbResource;
use prost::Message;
use serde_json::Value;

use super::convert::{any_value_to_json, clean, key_values_to_json};
use super::json::{any_value, as_array, as_object, enumeration, field, id_bytes, key_values, string, uint32, uint64};
use super::{decompress, format_of, DecodeError, Format, Limits};
use crate::ids::{SpanId, TraceId};
use crate::logs::{DecodedLogs, LogRecord, RejectedLog};
use crate::model::{fnv1a64, Attributes, Resource};

/// Decode errors of the shared helpers name the trace request; say logs instead.
fn as_logs_error(e: DecodeError) -> DecodeError {
    match e {
        DecodeError::Json(m) => DecodeError::LogsJson(m),
        DecodeError::Protobuf(m) => DecodeError::LogsProtobuf(m),
        other => other,
    }
}

/// Decodes raw (already decompressed) bytes into the protobuf logs request message.
pub fn parse_logs_request(bytes: &[u8], format: Format, limits: &Limits) -> Result<ExportLogsServiceRequest, DecodeError> {
    match format {
        Format::Protobuf => {
            if super::budget::logs_within(bytes, limits.max_decoded_bytes).is_none() {
                return Err(DecodeError::DecodedTooLarge { limit: limits.max_decoded_bytes });
            }
            ExportLogsServiceRequest::decode(bytes).map_err(|e| DecodeError::LogsProtobuf(e.to_string()))
        }
        Format::Json => parse_json_logs_request(bytes, limits).map_err(as_logs_error),
    }
}

/// The whole path for a logs body: content encoding, size limit, wire format, flat records.
pub fn decode_logs_body(
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    limits: &Limits,
) -> Result<DecodedLogs, DecodeError> {
    let format = format_of(content_type)?;
    let bytes = decompress(body, content_encoding, limits)?;
    let request = parse_logs_request(&bytes, format, limits)?;
    logs_request_to_records(request, limits)
}

const SEVERITIES: &[&str] = &[
    "SEVERITY_NUMBER_UNSPECIFIED",
    "SEVERITY_NUMBER_TRACE",
    "SEVERITY_NUMBER_TRACE2",
    "SEVERITY_NUMBER_TRACE3",
    "SEVERITY_NUMBER_TRACE4",
    "SEVERITY_NUMBER_DEBUG",
    "SEVERITY_NUMBER_DEBUG2",
    "SEVERITY_NUMBER_DEBUG3",
    "SEVERITY_NUMBER_DEBUG4",
    "SEVERITY_NUMBER_INFO",
    "SEVERITY_NUMBER_INFO2",
    "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4",
    "SEVERITY_NUMBER_WARN",
    "SEVERITY_NUMBER_WARN2",
    "SEVERITY_NUMBER_WARN3",
    "SEVERITY_NUMBER_WARN4",
    "SEVERITY_NUMBER_ERROR",
    "SEVERITY_NUMBER_ERROR2",
    "SEVERITY_NUMBER_ERROR3",
    "SEVERITY_NUMBER_ERROR4",
    "SEVERITY_NUMBER_FATAL",
    "SEVERITY_NUMBER_FATAL2",
    "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4",
];

type R<T> = Result<T, DecodeError>;

fn json_resource(v: Option<&Value>, limits: &Limits) -> R<Option<PbResource>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(r) => {
            let r = as_object(r, "Resource")?;
            Ok(Some(PbResource {
                attributes: key_values(r.get("attributes"), 0, limits)?,
                dropped_attributes_count: uint32(field(r, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")?,
                ..Default::default()
            }))
        }
    }
}

fn json_scope(v: Option<&Value>, limits: &Limits) -> R<Option<InstrumentationScope>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(s) => {
            let s = as_object(s, "InstrumentationScope")?;
            Ok(Some(InstrumentationScope {
                name: string(s.get("name"), "scope.name")?,
                version: string(s.get("version"), "scope.version")?,
                attributes: key_values(s.get("attributes"), 0, limits)?,
                dropped_attributes_count: uint32(field(s, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")?,
            }))
        }
    }
}

fn json_log_record(v: &Value, limits: &Limits) -> R<PbLogRecord> {
    let o = as_object(v, "LogRecord")?;
    let body = match o.get("body") {
        None | Some(Value::Null) => None,
        Some(b) => Some(any_value(b, 0, limits)?),
    };
    Ok(PbLogRecord {
        time_unix_nano: uint64(field(o, "timeUnixNano", "time_unix_nano"), "timeUnixNano")?,
        observed_time_unix_nano: uint64(field(o, "observedTimeUnixNano", "observed_time_unix_nano"), "observedTimeUnixNano")?,
        severity_number: enumeration(field(o, "severityNumber", "severity_number"), SEVERITIES, "severity number")?,
        severity_text: string(field(o, "severityText", "severity_text"), "severityText")?,
        body,
        attributes: key_values(o.get("attributes"), 0, limits)?,
        dropped_attributes_count: uint32(field(o, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")?,
        flags: uint32(o.get("flags"), "flags")?,
        trace_id: id_bytes(field(o, "traceId", "trace_id"), 16, "traceId")?,
        span_id: id_bytes(field(o, "spanId", "span_id"), 8, "spanId")?,
        event_name: string(field(o, "eventName", "event_name"), "eventName")?,
    })
}

/// OTLP/JSON logs request -> protobuf message (same leniency as traces: snake_case names, enum
/// names, base64 ids).
pub fn parse_json_logs_request(bytes: &[u8], limits: &Limits) -> R<ExportLogsServiceRequest> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ExportLogsServiceRequest::default());
    }
    let too_large = DecodeError::DecodedTooLarge { limit: limits.max_decoded_bytes };
    if super::budget::json_text_within(bytes, limits.max_decoded_bytes).is_none() {
        return Err(too_large);
    }
    let root: Value = serde_json::from_slice(bytes).map_err(|e| DecodeError::Json(e.to_string()))?;
    if super::budget::json_within(&root, limits.max_decoded_bytes, true).is_none() {
        return Err(too_large);
    }
    let root = as_object(&root, "request")?;
    let mut request = ExportLogsServiceRequest::default();
    for rl in as_array(field(root, "resourceLogs", "resource_logs"), "resourceLogs")? {
        let rl = as_object(rl, "ResourceLogs")?;
        let mut scope_logs = Vec::new();
        for sl in as_array(field(rl, "scopeLogs", "scope_logs"), "scopeLogs")? {
            let sl = as_object(sl, "ScopeLogs")?;
            let log_records = as_array(field(sl, "logRecords", "log_records"), "logRecords")?
                .iter()
                .map(|r| json_log_record(r, limits))
                .collect::<R<Vec<_>>>()?;
            scope_logs.push(ScopeLogs {
                scope: json_scope(sl.get("scope"), limits)?,
                log_records,
                schema_url: string(field(sl, "schemaUrl", "schema_url"), "schemaUrl")?,
            });
        }
        request.resource_logs.push(ResourceLogs {
            resource: json_resource(rl.get("resource"), limits)?,
            scope_logs,
            schema_url: string(field(rl, "schemaUrl", "schema_url"), "schemaUrl")?,
        });
    }
    Ok(request)
}

/// Trace context of a record: empty or all-zero means none; any other wrong length rejects the record.
fn context(trace: &[u8], span: &[u8]) -> Result<(Option<TraceId>, Option<SpanId>), String> {
    let trace_id = if trace.is_empty() || trace.iter().all(|b| *b == 0) {
        None
    } else {
        Some(TraceId::try_from(trace).map_err(|_| format!("trace_id must be 16 bytes, got {}", trace.len()))?)
    };
    let span_id = if span.is_empty() || span.iter().all(|b| *b == 0) {
        None
    } else {
        Some(SpanId::try_from(span).map_err(|_| format!("span_id must be 8 bytes, got {}", span.len()))?)
    };
    // A span id means nothing without its trace.
    Ok((trace_id, span_id.filter(|_| trace_id.is_some())))
}

/// Flattens a logs request. Records with malformed ids are rejected one by one (OTLP partial
/// success); nesting beyond the limit fails the request.
pub fn logs_request_to_records(request: ExportLogsServiceRequest, limits: &Limits) -> R<DecodedLogs> {
    let mut out = DecodedLogs::default();
    let mut index: u32 = 0;
    for rl in request.resource_logs {
        let attrs = match &rl.resource {
            Some(r) => key_values_to_json(&r.attributes, 0, limits)?,
            None => Attributes::new(),
        };
        let resource = Arc::new(Resource::new(attrs, clean(rl.schema_url)));
        out.resources.push(resource.clone());
        for sl in rl.scope_logs {
            let (scope_name, scope_version) = match sl.scope {
                Some(s) => (clean(s.name), clean(s.version)),
                None => (String::new(), String::new()),
            };
            for r in sl.log_records {
                let i = index;
                index = index.saturating_add(1);
                let (trace_id, span_id) = match context(&r.trace_id, &r.span_id) {
                    Ok(c) => c,
                    Err(reason) => {
                        out.rejected.push(RejectedLog { event_name: clean(r.event_name), reason });
                        continue;
                    }
                };
                let body = match &r.body {
                    Some(b) => any_value_to_json(b, 0, limits)?,
                    None => Value::Null,
                };
                let attributes = key_values_to_json(&r.attributes, 0, limits)?;
                let mut event_name = clean(r.event_name);
                if event_name.is_empty() {
                    // Before LogRecord.event_name (OTLP 1.5), events carried it as an attribute.
                    if let Some(Value::String(n)) = attributes.get("event.name") {
                        event_name = n.clone();
                    }
                }
                let mut rec = LogRecord {
                    trace_id,
                    span_id,
                    time_unix_nano: r.time_unix_nano,
                    observed_time_unix_nano: r.observed_time_unix_nano,
                    severity_number: r.severity_number,
                    severity_text: clean(r.severity_text),
                    body,
                    attributes,
                    dropped_attributes_count: r.dropped_attributes_count,
                    flags: r.flags,
                    event_name,
                    resource: resource.clone(),
                    scope_name: scope_name.clone(),
                    scope_version: scope_version.clone(),
                    record_hash: 0,
                    index: i,
                    genai_text: Vec::new(),
                };
                if rec.event_name == crate::logs::OPERATION_DETAILS {
                    for kv in &r.attributes {
                        let structured = matches!(
                            kv.value.as_ref().and_then(|v| v.value.as_ref()),
                            Some(any_value::Value::ArrayValue(_) | any_value::Value::KvlistValue(_))
                        );
                        if structured && crate::logs::is_content_key(&kv.key) {
                            if let Some(text) = kv.value.as_ref().and_then(python_json) {
                                rec.genai_text.push((kv.key.clone(), text));
                            }
                        }
                    }
                }
                rec.record_hash = record_hash(&rec);
                out.records.push(rec);
            }
        }
    }
    Ok(out)
}

/// `value` as Python's `json.dumps(value, separators=(",", ":"))` prints it (what GenAI
/// instrumentations write into span attributes): keys in the order sent, non-ASCII escaped.
/// `None` where the two could print a value differently (non-integral or huge floats).
pub fn python_json(value: &AnyValue) -> Option<String> {
    fn string(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    fn render(v: &AnyValue, out: &mut String, depth: usize) -> Option<()> {
        if depth > 64 {
            return None;
        }
        match &v.value {
            None => out.push_str("null"),
            Some(any_value::Value::StringValue(s)) => string(s, out),
            Some(any_value::Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
            Some(any_value::Value::IntValue(i)) => out.push_str(&i.to_string()),
            Some(any_value::Value::DoubleValue(d)) => {
                if d.is_finite() && d.fract() == 0.0 && d.abs() < 1e16 {
                    out.push_str(&format!("{d:.1}"));
                } else {
                    return None;
                }
            }
            Some(any_value::Value::BytesValue(b)) => {
                use base64::Engine;
                string(&base64::engine::general_purpose::STANDARD.encode(b), out)
            }
            Some(any_value::Value::ArrayValue(a)) => {
                out.push('[');
                for (i, x) in a.values.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    render(x, out, depth + 1)?;
                }
                out.push(']');
            }
            Some(any_value::Value::KvlistValue(kv)) => {
                out.push('{');
                for (i, x) in kv.values.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    string(&x.key, out);
                    out.push(':');
                    match &x.value {
                        Some(v) => render(v, out, depth + 1)?,
                        None => out.push_str("null"),
                    }
                }
                out.push('}');
            }
        }
        Some(())
    }
    let mut out = String::new();
    render(value, &mut out, 0)?;
    Some(clean(out))
}

/// Natural key of a record (with its time): FNV-1a over everything it says, so a re-delivered
/// record is recognised whatever batch or position it comes in.
fn record_hash(r: &LogRecord) -> i64 {
    let canonical = serde_json::json!([
        r.trace_id.map(|t| crate::ids::to_hex(&t)),
        r.span_id.map(|s| crate::ids::to_hex(&s)),
        r.time_unix_nano,
        r.observed_time_unix_nano,
        r.severity_number,
        r.severity_text,
        r.body,
        r.attributes,
        r.event_name,
        r.resource.hash,
        r.scope_name,
        r.scope_version,
        r.flags,
    ]);
    fnv1a64(canonical.to_string().as_bytes()) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::KeyValue;

    fn kv(k: &str, v: &str) -> KeyValue {
        KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }) }
    }

    fn request(records: Vec<PbLogRecord>) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(PbResource { attributes: vec![kv("service.name", "svc")], ..Default::default() }),
                scope_logs: vec![ScopeLogs {
                    scope: Some(InstrumentationScope { name: "scope".into(), version: "1".into(), ..Default::default() }),
                    log_records: records,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
    }

    #[test]
    fn protobuf_and_json_decode_the_same_records() {
        let rec = PbLogRecord {
            time_unix_nano: 1_700_000_000_000_000_001,
            observed_time_unix_nano: 1_700_000_000_000_000_002,
            severity_number: 9,
            severity_text: "INFO".into(),
            body: Some(AnyValue { value: Some(any_value::Value::StringValue("hello".into())) }),
            attributes: vec![kv("event.name", "gen_ai.user.message")],
            trace_id: (1..=16).collect(),
            span_id: (1..=8).collect(),
            ..Default::default()
        };
        let pb = request(vec![rec]).encode_to_vec();
        let a = decode_logs_body(&pb, None, None, &Limits::default()).unwrap();
        let json = br#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
          "scopeLogs":[{"scope":{"name":"scope","version":"1"},"logRecords":[{"timeUnixNano":"1700000000000000001",
          "observedTimeUnixNano":"1700000000000000002","severityNumber":"SEVERITY_NUMBER_INFO","severityText":"INFO",
          "body":{"stringValue":"hello"},"attributes":[{"key":"event.name","value":{"stringValue":"gen_ai.user.message"}}],
          "traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708"}]}]}]}"#;
        let b = decode_logs_body(json, Some("application/json"), None, &Limits::default()).unwrap();
        assert_eq!(a, b);
        let r = &a.records[0];
        assert_eq!(r.event_name, "gen_ai.user.message", "event.name attribute is the event name");
        assert_eq!(r.severity_number, 9);
        assert_eq!(r.body, Value::String("hello".into()));
        assert_eq!(r.resource.service_name, "svc");
        assert_eq!(r.trace_id.unwrap()[15], 16);
        assert_ne!(r.record_hash, 0);
    }

    #[test]
    fn context_is_optional_but_malformed_ids_reject_the_record() {
        let ok =
            PbLogRecord { body: Some(AnyValue { value: Some(any_value::Value::StringValue("no context".into())) }), ..Default::default() };
        let zero_span = PbLogRecord { trace_id: vec![1; 16], span_id: vec![0; 8], ..Default::default() };
        let bad = PbLogRecord { trace_id: vec![1; 3], event_name: "x".into(), ..Default::default() };
        let d = logs_request_to_records(request(vec![ok, zero_span, bad]), &Limits::default()).unwrap();
        assert_eq!(d.records.len(), 2);
        assert_eq!(d.records[0].trace_id, None);
        assert_eq!(d.records[1].span_id, None);
        assert_eq!(d.rejected.len(), 1);
        assert!(d.rejection_message().unwrap().starts_with("1 log record(s) rejected: trace_id must be 16 bytes"));
    }

    #[test]
    fn bad_bodies_are_errors_with_logs_in_the_message() {
        let l = Limits::default();
        let e = decode_logs_body(b"\xff\xff\xff", None, None, &l).unwrap_err();
        assert!(e.to_string().starts_with("invalid protobuf ExportLogsServiceRequest"), "{e}");
        assert_eq!(e.sqlstate(), "22P03");
        let e = decode_logs_body(b"{\"resourceLogs\":", Some("application/json"), None, &l).unwrap_err();
        assert!(e.to_string().starts_with("invalid OTLP/JSON ExportLogsServiceRequest"), "{e}");
        let e = decode_logs_body(br#"{"resourceLogs":{}}"#, Some("application/json"), None, &l).unwrap_err();
        assert_eq!(e, DecodeError::LogsJson("resourceLogs must be an array".into()));
        assert!(matches!(decode_logs_body(b"x", Some("text/plain"), None, &l), Err(DecodeError::UnsupportedContentType(_))));
        // deep bodies stop at the nesting limit
        let mut v = String::from(r#"{"stringValue":"x"}"#);
        for _ in 0..20 {
            v = format!(r#"{{"arrayValue":{{"values":[{v}]}}}}"#);
        }
        let body = format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"body":{v}}}]}}]}}]}}"#);
        let limits = Limits { max_nesting: 16, ..Limits::default() };
        assert_eq!(decode_logs_body(body.as_bytes(), Some("application/json"), None, &limits), Err(DecodeError::TooDeep { limit: 16 }));
        // empty bodies are empty requests
        assert!(decode_logs_body(b"", None, None, &l).unwrap().records.is_empty());
        assert!(decode_logs_body(b"{}", Some("application/json"), None, &l).unwrap().records.is_empty());
    }

    #[test]
    fn gzip_and_decoded_size_budget() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let pb = request(vec![PbLogRecord { trace_id: vec![7; 16], ..Default::default() }]).encode_to_vec();
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(&pb).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(decode_logs_body(&gz, None, Some("gzip"), &Limits::default()).unwrap().records.len(), 1);
        // 100k empty log records in a few hundred KiB: refused before prost allocates them.
        let mut scope = Vec::new();
        for _ in 0..100_000 {
            scope.extend_from_slice(&[0x12, 0x00]);
        }
        let mut body = vec![0x0a];
        let mut rl = vec![0x12];
        push_len(&mut rl, scope.len());
        rl.extend_from_slice(&scope);
        push_len(&mut body, rl.len());
        body.extend_from_slice(&rl);
        let limits = Limits { max_decoded_bytes: 1 << 20, ..Limits::default() };
        assert_eq!(decode_logs_body(&body, None, None, &limits), Err(DecodeError::DecodedTooLarge { limit: 1 << 20 }));
        assert_eq!(decode_logs_body(&body, None, None, &Limits::default()).unwrap().records.len(), 100_000);
    }

    #[test]
    fn content_text_keeps_the_order_sent_like_python_json_dumps() {
        use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};
        let kvl = |kvs: Vec<(&str, AnyValue)>| AnyValue {
            value: Some(any_value::Value::KvlistValue(KeyValueList {
                values: kvs.into_iter().map(|(k, v)| KeyValue { key: k.into(), value: Some(v) }).collect(),
            })),
        };
        let s = |t: &str| AnyValue { value: Some(any_value::Value::StringValue(t.into())) };
        let msg = kvl(vec![
            ("role", s("assistant")),
            (
                "parts",
                AnyValue {
                    value: Some(any_value::Value::ArrayValue(ArrayValue {
                        values: vec![kvl(vec![("type", s("text")), ("content", s("Grüße \"x\"\n"))])],
                    })),
                },
            ),
            ("finish_reason", s("stop")),
        ]);
        let list = AnyValue { value: Some(any_value::Value::ArrayValue(ArrayValue { values: vec![msg] })) };
        // python3 -c 'import json; print(json.dumps([{"role":"assistant","parts":[{"type":"text","content":"Grüße \"x\"\n"}],"finish_reason":"stop"}], separators=(",", ":")))'
        assert_eq!(
            python_json(&list).unwrap(),
            r#"[{"role":"assistant","parts":[{"type":"text","content":"Gr\u00fc\u00dfe \"x\"\n"}],"finish_reason":"stop"}]"#
        );
        let rec = PbLogRecord {
            event_name: crate::logs::OPERATION_DETAILS.into(),
            attributes: vec![KeyValue { key: "gen_ai.output.messages".into(), value: Some(list) }],
            ..Default::default()
        };
        let d = logs_request_to_records(request(vec![rec]), &Limits::default()).unwrap();
        let c = crate::logs::genai_content(&d.records[0]).unwrap();
        let overlay = crate::logs::span_overlay([&c]);
        assert!(overlay["gen_ai.output.messages"].as_str().unwrap().starts_with(r#"[{"role":"assistant","parts""#));
        // Redaction anywhere in the record drops the text (the sorted, redacted value is used).
        let mut d = d;
        d.records[0].attributes.insert("api_key".into(), Value::String("x".into()));
        d.redact(&mut crate::redact::Redactor::with_defaults());
        assert!(d.records[0].genai_text.is_empty());
    }

    fn push_len(o: &mut Vec<u8>, mut n: usize) {
        loop {
            let c = (n & 0x7f) as u8;
            n >>= 7;
            o.push(if n > 0 { c | 0x80 } else { c });
            if n == 0 {
                break;
            }
        }
    }
}
