//! `ExportTraceServiceRequest` (protobuf types) -> flat [`SpanRecord`]s.
use std::sync::Arc;

use base64::Engine;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Number, Value};

use super::{DecodeError, Limits};
use crate::ids::{SpanId, TraceId};
use crate::model::{Attributes, DecodedRequest, RejectedSpan, Resource, SpanEvent, SpanLink, SpanRecord};

/// PostgreSQL text and jsonb cannot hold NUL; replace it rather than fail the whole batch.
pub(crate) fn clean(s: String) -> String {
    if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s
    }
}

pub(crate) fn any_value_to_json(v: &AnyValue, depth: usize, limits: &Limits) -> Result<Value, DecodeError> {
    any_value_into_json(v.clone(), depth, limits)
}

/// [`any_value_to_json`] taking the value: its strings move into the JSON instead of being copied.
pub(crate) fn any_value_into_json(v: AnyValue, depth: usize, limits: &Limits) -> Result<Value, DecodeError> {
    if depth > limits.max_nesting {
        return Err(DecodeError::TooDeep { limit: limits.max_nesting });
    }
    Ok(match v.value {
        None => Value::Null,
        Some(any_value::Value::StringValue(s)) => Value::String(clean(s)),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(b),
        Some(any_value::Value::IntValue(i)) => Value::Number(i.into()),
        Some(any_value::Value::DoubleValue(d)) => match Number::from_f64(d) {
            Some(n) => Value::Number(n),
            // JSON has no NaN/Infinity: keep them readable as strings.
            None => Value::String(d.to_string()),
        },
        Some(any_value::Value::BytesValue(b)) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Some(any_value::Value::ArrayValue(a)) => {
            Value::Array(a.values.into_iter().map(|x| any_value_into_json(x, depth + 1, limits)).collect::<Result<_, _>>()?)
        }
        Some(any_value::Value::KvlistValue(kv)) => Value::Object(key_values_into_json(kv.values, depth + 1, limits)?),
    })
}

pub(crate) fn key_values_to_json(kvs: &[KeyValue], depth: usize, limits: &Limits) -> Result<Attributes, DecodeError> {
    key_values_into_json(kvs.to_vec(), depth, limits)
}

/// [`key_values_to_json`] taking the list: keys and string values move into the map.
pub(crate) fn key_values_into_json(kvs: Vec<KeyValue>, depth: usize, limits: &Limits) -> Result<Attributes, DecodeError> {
    let mut map = Attributes::new();
    for kv in kvs {
        let value = match kv.value {
            Some(v) => any_value_into_json(v, depth, limits)?,
            None => Value::Null,
        };
        map.insert(clean(kv.key), value);
    }
    Ok(map)
}

fn trace_id(bytes: &[u8]) -> Result<TraceId, String> {
    let id: TraceId = bytes.try_into().map_err(|_| format!("trace_id must be 16 bytes, got {}", bytes.len()))?;
    if id == [0; 16] {
        return Err("trace_id is all zeroes".into());
    }
    Ok(id)
}

fn span_id(bytes: &[u8], what: &str) -> Result<SpanId, String> {
    let id: SpanId = bytes.try_into().map_err(|_| format!("{what} must be 8 bytes, got {}", bytes.len()))?;
    if id == [0; 8] {
        return Err(format!("{what} is all zeroes"));
    }
    Ok(id)
}

fn parent_id(bytes: &[u8]) -> Result<Option<SpanId>, String> {
    if bytes.is_empty() || bytes.iter().all(|b| *b == 0) {
        return Ok(None);
    }
    span_id(bytes, "parent_span_id").map(Some)
}

fn convert_span(
    span: Span,
    resource: &Arc<Resource>,
    scope_name: &str,
    scope_version: &str,
    limits: &Limits,
) -> Result<Result<SpanRecord, (String, String)>, DecodeError> {
    let ids = (|| Ok::<_, String>((trace_id(&span.trace_id)?, span_id(&span.span_id, "span_id")?, parent_id(&span.parent_span_id)?)))();
    let (tid, sid, parent) = match ids {
        Ok(v) => v,
        Err(reason) => return Ok(Err((clean(span.name), reason))),
    };
    let mut events = Vec::with_capacity(span.events.len());
    for e in span.events {
        events.push(SpanEvent {
            time_unix_nano: e.time_unix_nano,
            name: clean(e.name),
            attributes: key_values_into_json(e.attributes, 0, limits)?,
            dropped_attributes_count: e.dropped_attributes_count,
        });
    }
    let mut links = Vec::with_capacity(span.links.len());
    for l in span.links {
        // A link to an invalid span context carries no information; drop it, keep the span.
        let (Ok(lt), Ok(ls)) = (trace_id(&l.trace_id), span_id(&l.span_id, "link span_id")) else { continue };
        links.push(SpanLink {
            trace_id: lt,
            span_id: ls,
            trace_state: clean(l.trace_state),
            attributes: key_values_into_json(l.attributes, 0, limits)?,
            dropped_attributes_count: l.dropped_attributes_count,
            flags: l.flags,
        });
    }
    let (status_code, status_message) = match span.status {
        Some(s) => (s.code, clean(s.message)),
        None => (0, String::new()),
    };
    Ok(Ok(SpanRecord {
        trace_id: tid,
        span_id: sid,
        parent_span_id: parent,
        trace_state: clean(span.trace_state),
        flags: span.flags,
        name: clean(span.name),
        kind: span.kind,
        start_time_unix_nano: span.start_time_unix_nano,
        end_time_unix_nano: span.end_time_unix_nano,
        attributes: key_values_into_json(span.attributes, 0, limits)?,
        dropped_attributes_count: span.dropped_attributes_count,
        events,
        dropped_events_count: span.dropped_events_count,
        links,
        dropped_links_count: span.dropped_links_count,
        status_code,
        status_message,
        resource: resource.clone(),
        scope_name: scope_name.to_string(),
        scope_version: scope_version.to_string(),
    }))
}

/// Flattens a request. Spans with invalid ids are rejected one by one (OTLP partial success);
/// structural problems (nesting too deep) fail the whole request.
pub fn request_to_records(request: ExportTraceServiceRequest, limits: &Limits) -> Result<DecodedRequest, DecodeError> {
    let mut out = DecodedRequest::default();
    for rs in request.resource_spans {
        let attrs = match rs.resource {
            Some(r) => key_values_into_json(r.attributes, 0, limits)?,
            None => Attributes::new(),
        };
        let resource = Arc::new(Resource::new(attrs, clean(rs.schema_url)));
        out.resources.push(resource.clone());
        for ss in rs.scope_spans {
            let (scope_name, scope_version) = match ss.scope {
                Some(s) => (clean(s.name), clean(s.version)),
                None => (String::new(), String::new()),
            };
            for span in ss.spans {
                match convert_span(span, &resource, &scope_name, &scope_version, limits)? {
                    Ok(rec) => out.spans.push(rec),
                    Err((name, reason)) => out.rejected.push(RejectedSpan { name, reason }),
                }
            }
        }
    }
    Ok(out)
}
