//! OTLP/JSON (the OTLP specification's JSON mapping) -> protobuf request message.
//!
//! Spec rules: ids are hex strings, 64-bit integers may be strings or numbers, enums are
//! integers, field names are lowerCamelCase, unknown fields are ignored. Being lenient where
//! real senders differ costs nothing: snake_case names, enum names, and base64 ids (the plain
//! protobuf JSON mapping) are accepted too.
use base64::Engine;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use serde_json::Value;

use super::{DecodeError, Limits};

type R<T> = Result<T, DecodeError>;

fn err<T>(msg: impl Into<String>) -> R<T> {
    Err(DecodeError::Json(msg.into()))
}

/// Field lookup by the spec's camelCase name or the proto's snake_case name.
pub(super) fn field<'a>(obj: &'a serde_json::Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    obj.get(camel).or_else(|| obj.get(snake)).filter(|v| !v.is_null())
}

pub(super) fn as_object<'a>(v: &'a Value, what: &str) -> R<&'a serde_json::Map<String, Value>> {
    v.as_object().map_or_else(|| err(format!("{what} must be an object")), Ok)
}

pub(super) fn as_array<'a>(v: Option<&'a Value>, what: &str) -> R<&'a [Value]> {
    match v {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => err(format!("{what} must be an array")),
    }
}

pub(super) fn string(v: Option<&Value>, what: &str) -> R<String> {
    match v {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => err(format!("{what} must be a string")),
    }
}

pub(super) fn uint64(v: Option<&Value>, what: &str) -> R<u64> {
    match v {
        None => Ok(0),
        Some(Value::Number(n)) => n.as_u64().map_or_else(|| err(format!("{what} must be a non-negative integer")), Ok),
        Some(Value::String(s)) => s.trim().parse().or_else(|_| err(format!("{what} must be an integer, got {s:?}"))),
        Some(_) => err(format!("{what} must be an integer")),
    }
}

fn int64(v: &Value, what: &str) -> R<i64> {
    match v {
        Value::Number(n) => n.as_i64().map_or_else(|| err(format!("{what} must be a 64-bit integer")), Ok),
        Value::String(s) => s.trim().parse().or_else(|_| err(format!("{what} must be an integer, got {s:?}"))),
        _ => err(format!("{what} must be an integer")),
    }
}

pub(super) fn uint32(v: Option<&Value>, what: &str) -> R<u32> {
    let n = uint64(v, what)?;
    u32::try_from(n).or_else(|_| err(format!("{what} out of range")))
}

fn double(v: &Value, what: &str) -> R<f64> {
    match v {
        Value::Number(n) => n.as_f64().map_or_else(|| err(format!("{what} must be a number")), Ok),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s.parse().or_else(|_| err(format!("{what} must be a number, got {s:?}"))),
        },
        _ => err(format!("{what} must be a number")),
    }
}

/// Enums as integers (spec) or as their proto names (protobuf JSON mapping).
pub(super) fn enumeration(v: Option<&Value>, names: &[&str], what: &str) -> R<i32> {
    match v {
        None => Ok(0),
        Some(Value::Number(n)) => n.as_i64().and_then(|i| i32::try_from(i).ok()).map_or_else(|| err(format!("{what} out of range")), Ok),
        Some(Value::String(s)) => match names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            Some(i) => Ok(i as i32),
            None => s.parse().or_else(|_| err(format!("unknown {what} {s:?}"))),
        },
        Some(_) => err(format!("{what} must be an integer")),
    }
}

/// Ids: hex per the OTLP spec; base64 (protobuf JSON mapping) when the length says so.
/// Wrong lengths are passed through so the span-level check rejects just that span.
pub(super) fn id_bytes(v: Option<&Value>, len: usize, what: &str) -> R<Vec<u8>> {
    let s = match v {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => s.trim(),
        Some(_) => return err(format!("{what} must be a string")),
    };
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit()) && (s.len() == len * 2 || s.len() != base64_len(len)) {
        return Ok((0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0)).collect());
    }
    match base64::engine::general_purpose::STANDARD.decode(s) {
        Ok(b) => Ok(b),
        Err(_) => err(format!("{what} is neither hex nor base64: {s:?}")),
    }
}

fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

pub(super) fn any_value(v: &Value, depth: usize, limits: &Limits) -> R<AnyValue> {
    if depth > limits.max_nesting {
        return Err(DecodeError::TooDeep { limit: limits.max_nesting });
    }
    let o = as_object(v, "AnyValue")?;
    let value = if let Some(s) = field(o, "stringValue", "string_value") {
        Some(any_value::Value::StringValue(s.as_str().map_or_else(|| err("stringValue must be a string"), |s| Ok(s.to_string()))?))
    } else if let Some(b) = field(o, "boolValue", "bool_value") {
        Some(any_value::Value::BoolValue(b.as_bool().map_or_else(|| err("boolValue must be a boolean"), Ok)?))
    } else if let Some(i) = field(o, "intValue", "int_value") {
        Some(any_value::Value::IntValue(int64(i, "intValue")?))
    } else if let Some(d) = field(o, "doubleValue", "double_value") {
        Some(any_value::Value::DoubleValue(double(d, "doubleValue")?))
    } else if let Some(b) = field(o, "bytesValue", "bytes_value") {
        let s = b.as_str().map_or_else(|| err("bytesValue must be a string"), Ok)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(s))
            .or_else(|_| err("bytesValue must be base64"))?;
        Some(any_value::Value::BytesValue(bytes))
    } else if let Some(a) = field(o, "arrayValue", "array_value") {
        let a = as_object(a, "arrayValue")?;
        let values =
            as_array(a.get("values"), "arrayValue.values")?.iter().map(|x| any_value(x, depth + 1, limits)).collect::<R<Vec<_>>>()?;
        Some(any_value::Value::ArrayValue(ArrayValue { values }))
    } else if let Some(kv) = field(o, "kvlistValue", "kvlist_value") {
        let kv = as_object(kv, "kvlistValue")?;
        Some(any_value::Value::KvlistValue(KeyValueList { values: key_values(kv.get("values"), depth + 1, limits)? }))
    } else {
        None
    };
    Ok(AnyValue { value })
}

pub(super) fn key_values(v: Option<&Value>, depth: usize, limits: &Limits) -> R<Vec<KeyValue>> {
    as_array(v, "attributes")?
        .iter()
        .map(|kv| {
            let o = as_object(kv, "KeyValue")?;
            let key = string(o.get("key"), "KeyValue.key")?;
            let value = match o.get("value") {
                None | Some(Value::Null) => None,
                Some(v) => Some(any_value(v, depth, limits)?),
            };
            Ok(KeyValue { key, value })
        })
        .collect()
}

const SPAN_KINDS: &[&str] =
    &["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS_CODES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

fn parse_span(v: &Value, limits: &Limits) -> R<Span> {
    let o = as_object(v, "Span")?;
    let mut events = Vec::new();
    for e in as_array(o.get("events"), "events")? {
        let e = as_object(e, "Event")?;
        events.push(span::Event {
            time_unix_nano: uint64(field(e, "timeUnixNano", "time_unix_nano"), "timeUnixNano")?,
            name: string(e.get("name"), "Event.name")?,
            attributes: key_values(e.get("attributes"), 0, limits)?,
            dropped_attributes_count: uint32(field(e, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")?,
        });
    }
    let mut links = Vec::new();
    for l in as_array(o.get("links"), "links")? {
        let l = as_object(l, "Link")?;
        links.push(span::Link {
            trace_id: id_bytes(field(l, "traceId", "trace_id"), 16, "link traceId")?,
            span_id: id_bytes(field(l, "spanId", "span_id"), 8, "link spanId")?,
            trace_state: string(field(l, "traceState", "trace_state"), "traceState")?,
            attributes: key_values(l.get("attributes"), 0, limits)?,
            dropped_attributes_count: uint32(field(l, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")?,
            flags: uint32(l.get("flags"), "flags")?,
        });
    }
    let status = match o.get("status") {
        None | Some(Value::Null) => None,
        Some(s) => {
            let s = as_object(s, "Status")?;
            Some(Status {
                message: string(s.get("message"), "Status.message")?,
                code: enumeration(s.get("code"), STATUS_CODES, "status code")?,
            })
        }
    };
    Ok(Span {
        trace_id: id_bytes(field(o, "traceId", "trace_id"), 16, "traceId")?,
        span_id: id_bytes(field(o, "spanId", "span_id"), 8, "spanId")?,
        trace_state: string(field(o, "traceState", "trace_state"), "traceState")?,
        parent_span_id: id_bytes(field(o, "parentSpanId", "parent_span_id"), 8, "parentSpanId")?,
        flags: uint32(o.get("flags"), "flags")?,
        name: string(o.get("name"), "Span.name")?,
        kind: enumeration(o.get("kind"), SPAN_KINDS, "span kind")?,
        start_time_unix_nano: uint64(field(o, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano")?,
        end_time_unix_nano: uint64(field(o, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano")?,
        attributes: key_values(o.get("attributes"), 0, limits)?,
        dropped_attributes_count: uint32(field(o, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")?,
        events,
        dropped_events_count: uint32(field(o, "droppedEventsCount", "dropped_events_count"), "droppedEventsCount")?,
        links,
        dropped_links_count: uint32(field(o, "droppedLinksCount", "dropped_links_count"), "droppedLinksCount")?,
        status,
    })
}

pub fn parse_json_request(bytes: &[u8], limits: &Limits) -> R<ExportTraceServiceRequest> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ExportTraceServiceRequest::default());
    }
    // Memory amplification bounds (see budget.rs): of the `Value` tree, before parsing,
    // and of the prost request built from it, before converting.
    let too_large = DecodeError::DecodedTooLarge { limit: limits.max_decoded_bytes };
    if super::budget::json_text_within(bytes, limits.max_decoded_bytes).is_none() {
        return Err(too_large);
    }
    // serde_json stops at 128 levels of nesting, so parsing itself cannot overflow the stack.
    let root: Value = serde_json::from_slice(bytes).map_err(|e| DecodeError::Json(e.to_string()))?;
    if super::budget::json_within(&root, limits.max_decoded_bytes, false).is_none() {
        return Err(too_large);
    }
    let root = as_object(&root, "request")?;
    let mut request = ExportTraceServiceRequest::default();
    for rs in as_array(field(root, "resourceSpans", "resource_spans"), "resourceSpans")? {
        let rs = as_object(rs, "ResourceSpans")?;
        let resource = match rs.get("resource") {
            None | Some(Value::Null) => None,
            Some(r) => {
                let r = as_object(r, "Resource")?;
                Some(Resource {
                    attributes: key_values(r.get("attributes"), 0, limits)?,
                    dropped_attributes_count: uint32(
                        field(r, "droppedAttributesCount", "dropped_attributes_count"),
                        "droppedAttributesCount",
                    )?,
                    ..Default::default()
                })
            }
        };
        let mut scope_spans = Vec::new();
        for ss in as_array(field(rs, "scopeSpans", "scope_spans"), "scopeSpans")? {
            let ss = as_object(ss, "ScopeSpans")?;
            let scope = match ss.get("scope") {
                None | Some(Value::Null) => None,
                Some(s) => {
                    let s = as_object(s, "InstrumentationScope")?;
                    Some(InstrumentationScope {
                        name: string(s.get("name"), "scope.name")?,
                        version: string(s.get("version"), "scope.version")?,
                        attributes: key_values(s.get("attributes"), 0, limits)?,
                        dropped_attributes_count: uint32(
                            field(s, "droppedAttributesCount", "dropped_attributes_count"),
                            "droppedAttributesCount",
                        )?,
                    })
                }
            };
            let spans = as_array(ss.get("spans"), "spans")?.iter().map(|s| parse_span(s, limits)).collect::<R<Vec<_>>>()?;
            scope_spans.push(ScopeSpans { scope, spans, schema_url: string(field(ss, "schemaUrl", "schema_url"), "schemaUrl")? });
        }
        request.resource_spans.push(ResourceSpans {
            resource,
            scope_spans,
            schema_url: string(field(rs, "schemaUrl", "schema_url"), "schemaUrl")?,
        });
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::{decode_body, Limits};

    #[test]
    fn int64_as_string_or_number_and_enum_forms() {
        let body = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
          "scopeSpans":[{"scope":{"name":"s"},"spans":[
            {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a","kind":2,
             "startTimeUnixNano":"1700000000000000001","endTimeUnixNano":1700000000000000999,
             "attributes":[{"key":"n","value":{"intValue":"42"}},{"key":"d","value":{"doubleValue":1.5}},
                           {"key":"kv","value":{"kvlistValue":{"values":[{"key":"x","value":{"boolValue":true}}]}}}],
             "status":{"code":"STATUS_CODE_ERROR","message":"boom"},"someFutureField":{"ignored":true}},
            {"trace_id":"AQIDBAUGBwgJCgsMDQ4PEA==","span_id":"AQIDBAUGBwk=","name":"b","kind":"SPAN_KIND_CLIENT"}]}]}]}"#;
        let d = decode_body(body, Some("application/json"), None, &Limits::default()).unwrap();
        assert_eq!(d.spans.len(), 2);
        let a = &d.spans[0];
        assert_eq!(a.start_time_unix_nano, 1700000000000000001);
        assert_eq!(a.end_time_unix_nano, 1700000000000000999);
        assert_eq!(a.kind, 2);
        assert_eq!(a.status_code, 2);
        assert_eq!(a.attributes["n"], 42);
        assert_eq!(a.attributes["kv"]["x"], true);
        assert_eq!(a.resource.service_name, "svc");
        let b = &d.spans[1];
        assert_eq!(b.trace_id, a.trace_id);
        assert_eq!(b.kind, 3);
    }

    #[test]
    fn bad_ids_reject_only_that_span() {
        let body = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
            {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"ok"},
            {"traceId":"00000000000000000000000000000000","spanId":"0102030405060708","name":"zero"},
            {"traceId":"0102","spanId":"0102030405060708","name":"short"}]}]}]}"#;
        let d = decode_body(body, Some("application/json"), None, &Limits::default()).unwrap();
        assert_eq!(d.spans.len(), 1);
        assert_eq!(d.rejected.len(), 2);
        assert!(d.rejection_message().unwrap().starts_with("2 span(s) rejected"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut v = String::from(r#"{"stringValue":"x"}"#);
        for _ in 0..20 {
            v = format!(r#"{{"arrayValue":{{"values":[{v}]}}}}"#);
        }
        let body = format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","attributes":[{{"key":"k","value":{v}}}]}}]}}]}}]}}"#
        );
        let limits = Limits { max_nesting: 16, ..Limits::default() };
        assert_eq!(decode_body(body.as_bytes(), Some("application/json"), None, &limits), Err(DecodeError::TooDeep { limit: 16 }));
        // Beyond serde_json's own recursion limit it is still an error, not a crash.
        let mut deep = String::new();
        for _ in 0..100_000 {
            deep.push('[');
        }
        assert!(matches!(decode_body(deep.as_bytes(), Some("application/json"), None, &Limits::default()), Err(DecodeError::Json(_))));
    }

    #[test]
    fn wrong_types_are_clear_errors() {
        let l = Limits::default();
        let e = decode_body(br#"{"resourceSpans":{}}"#, Some("application/json"), None, &l).unwrap_err();
        assert_eq!(e, DecodeError::Json("resourceSpans must be an array".into()));
        let e = decode_body(
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]}"#,
            Some("application/json"),
            None,
            &l,
        )
        .unwrap_err();
        assert!(e.to_string().contains("startTimeUnixNano"), "{e}");
    }
}
