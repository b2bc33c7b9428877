//! Property tests of the OTLP decoders, which run inside PostgreSQL backends on untrusted input.
//!
//! * Both wire formats agree: an arbitrary `ExportTraceServiceRequest` (prost types) encoded as
//!   protobuf decodes to exactly the same `SpanRecord`s as the same request rendered to spec
//!   OTLP/JSON by the renderer below (hex ids, 64-bit integers as strings, integer enums,
//!   lowerCamelCase names, non-finite doubles as "NaN"/"Infinity"/"-Infinity").
//! * `decode_body` never panics on arbitrary bytes, whatever the content type and encoding.
//! * Truncations of valid bodies (protobuf, OTLP/JSON, gzip) never panic.
//!
//! Regression tests for what fuzzing and these properties found are at the end of the file.
use agenttrace_core::model::DecodedRequest;
use agenttrace_core::otlp::{decode_body, DecodeError, Limits};
use base64::Engine;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use proptest::prelude::*;
use prost::Message;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// Strategies (prost types).

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_.]{0,12}",
        1 => any::<String>(),
        1 => Just("a\0b".to_string()),
        1 => Just("é\u{1F600}\"\\\n".to_string()),
    ]
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(f64::MAX),
        1 => Just(f64::MIN_POSITIVE),
        1 => Just(5e-324),
    ]
}

fn any_value() -> impl Strategy<Value = AnyValue> {
    let leaf = prop_oneof![
        Just(None),
        text().prop_map(|s| Some(any_value::Value::StringValue(s))),
        any::<bool>().prop_map(|b| Some(any_value::Value::BoolValue(b))),
        any::<i64>().prop_map(|i| Some(any_value::Value::IntValue(i))),
        double().prop_map(|d| Some(any_value::Value::DoubleValue(d))),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|b| Some(any_value::Value::BytesValue(b))),
    ]
    .prop_map(|value| AnyValue { value });
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|values| AnyValue { value: Some(any_value::Value::ArrayValue(ArrayValue { values })) }),
            proptest::collection::vec((text(), proptest::option::of(inner)), 0..4).prop_map(|kvs| AnyValue {
                value: Some(any_value::Value::KvlistValue(KeyValueList {
                    values: kvs.into_iter().map(|(key, value)| KeyValue { key, value }).collect(),
                })),
            }),
        ]
    })
}

fn attributes() -> impl Strategy<Value = Vec<KeyValue>> {
    proptest::collection::vec((text(), proptest::option::of(any_value())), 0..4)
        .prop_map(|kvs| kvs.into_iter().map(|(key, value)| KeyValue { key, value }).collect())
}

/// Ids: mostly valid, sometimes empty, all-zero or of a wrong length (span rejected).
fn id(len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => proptest::collection::vec(any::<u8>(), len..=len),
        1 => Just(Vec::new()),
        1 => Just(vec![0; len]),
        1 => proptest::collection::vec(any::<u8>(), 1..=len + 2),
    ]
}

fn span_strategy() -> impl Strategy<Value = Span> {
    let event =
        (any::<u64>(), text(), attributes(), any::<u32>()).prop_map(|(time_unix_nano, name, attributes, dropped_attributes_count)| {
            span::Event { time_unix_nano, name, attributes, dropped_attributes_count }
        });
    let link = (id(16), id(8), text(), attributes(), any::<u32>(), any::<u32>()).prop_map(
        |(trace_id, span_id, trace_state, attributes, dropped_attributes_count, flags)| span::Link {
            trace_id,
            span_id,
            trace_state,
            attributes,
            dropped_attributes_count,
            flags,
        },
    );
    let status = proptest::option::of((any::<i32>(), text()).prop_map(|(code, message)| Status { message, code }));
    (
        (id(16), id(8), id(8), text(), any::<u32>(), text(), any::<i32>(), any::<u64>(), any::<u64>()),
        (attributes(), any::<u32>(), proptest::collection::vec(event, 0..3), any::<u32>()),
        (proptest::collection::vec(link, 0..2), any::<u32>(), status),
    )
        .prop_map(
            |(
                (trace_id, span_id, parent_span_id, trace_state, flags, name, kind, start_time_unix_nano, end_time_unix_nano),
                (attributes, dropped_attributes_count, events, dropped_events_count),
                (links, dropped_links_count, status),
            )| Span {
                trace_id,
                span_id,
                trace_state,
                parent_span_id,
                flags,
                name,
                kind,
                start_time_unix_nano,
                end_time_unix_nano,
                attributes,
                dropped_attributes_count,
                events,
                dropped_events_count,
                links,
                dropped_links_count,
                status,
            },
        )
}

fn request_strategy() -> impl Strategy<Value = ExportTraceServiceRequest> {
    let scope = proptest::option::of((text(), text(), attributes(), any::<u32>()).prop_map(
        |(name, version, attributes, dropped_attributes_count)| InstrumentationScope {
            name,
            version,
            attributes,
            dropped_attributes_count,
        },
    ));
    let scope_spans = (scope, proptest::collection::vec(span_strategy(), 0..4), text()).prop_map(|(scope, spans, schema_url)| ScopeSpans {
        scope,
        spans,
        schema_url,
    });
    let resource = proptest::option::of((attributes(), any::<u32>()).prop_map(|(attributes, dropped_attributes_count)| Resource {
        attributes,
        dropped_attributes_count,
        ..Default::default()
    }));
    let rs = (resource, proptest::collection::vec(scope_spans, 0..3), text())
        .prop_map(|(resource, scope_spans, schema_url)| ResourceSpans { resource, scope_spans, schema_url });
    proptest::collection::vec(rs, 0..3).prop_map(|resource_spans| ExportTraceServiceRequest { resource_spans })
}

// ---------------------------------------------------------------------------------------------
// Spec OTLP/JSON renderer.

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Empty ids are omitted (proto3 JSON omits default values).
fn put_id(o: &mut Map<String, Value>, name: &str, b: &[u8]) {
    if !b.is_empty() {
        o.insert(name.into(), Value::String(hex(b)));
    }
}

fn any_value_json(v: &AnyValue) -> Value {
    match &v.value {
        None => json!({}),
        Some(any_value::Value::StringValue(s)) => json!({ "stringValue": s }),
        Some(any_value::Value::BoolValue(b)) => json!({ "boolValue": b }),
        Some(any_value::Value::IntValue(i)) => json!({ "intValue": i.to_string() }),
        Some(any_value::Value::DoubleValue(d)) => {
            let d = *d;
            if d.is_nan() {
                json!({ "doubleValue": "NaN" })
            } else if d == f64::INFINITY {
                json!({ "doubleValue": "Infinity" })
            } else if d == f64::NEG_INFINITY {
                json!({ "doubleValue": "-Infinity" })
            } else {
                json!({ "doubleValue": d })
            }
        }
        Some(any_value::Value::BytesValue(b)) => json!({ "bytesValue": base64::engine::general_purpose::STANDARD.encode(b) }),
        Some(any_value::Value::ArrayValue(a)) => {
            json!({ "arrayValue": { "values": a.values.iter().map(any_value_json).collect::<Vec<_>>() } })
        }
        Some(any_value::Value::KvlistValue(kv)) => json!({ "kvlistValue": { "values": attributes_json(&kv.values) } }),
    }
}

fn attributes_json(kvs: &[KeyValue]) -> Value {
    Value::Array(
        kvs.iter()
            .map(|kv| match &kv.value {
                Some(v) => json!({ "key": kv.key, "value": any_value_json(v) }),
                None => json!({ "key": kv.key }),
            })
            .collect(),
    )
}

fn span_json(s: &Span) -> Value {
    let mut o = Map::new();
    put_id(&mut o, "traceId", &s.trace_id);
    put_id(&mut o, "spanId", &s.span_id);
    put_id(&mut o, "parentSpanId", &s.parent_span_id);
    o.insert("traceState".into(), json!(s.trace_state));
    o.insert("flags".into(), json!(s.flags));
    o.insert("name".into(), json!(s.name));
    o.insert("kind".into(), json!(s.kind));
    o.insert("startTimeUnixNano".into(), json!(s.start_time_unix_nano.to_string()));
    o.insert("endTimeUnixNano".into(), json!(s.end_time_unix_nano.to_string()));
    o.insert("attributes".into(), attributes_json(&s.attributes));
    o.insert("droppedAttributesCount".into(), json!(s.dropped_attributes_count));
    o.insert(
        "events".into(),
        Value::Array(
            s.events
                .iter()
                .map(|e| {
                    json!({
                        "timeUnixNano": e.time_unix_nano.to_string(),
                        "name": e.name,
                        "attributes": attributes_json(&e.attributes),
                        "droppedAttributesCount": e.dropped_attributes_count,
                    })
                })
                .collect(),
        ),
    );
    o.insert("droppedEventsCount".into(), json!(s.dropped_events_count));
    o.insert(
        "links".into(),
        Value::Array(
            s.links
                .iter()
                .map(|l| {
                    let mut m = Map::new();
                    put_id(&mut m, "traceId", &l.trace_id);
                    put_id(&mut m, "spanId", &l.span_id);
                    m.insert("traceState".into(), json!(l.trace_state));
                    m.insert("attributes".into(), attributes_json(&l.attributes));
                    m.insert("droppedAttributesCount".into(), json!(l.dropped_attributes_count));
                    m.insert("flags".into(), json!(l.flags));
                    Value::Object(m)
                })
                .collect(),
        ),
    );
    o.insert("droppedLinksCount".into(), json!(s.dropped_links_count));
    if let Some(st) = &s.status {
        o.insert("status".into(), json!({ "message": st.message, "code": st.code }));
    }
    Value::Object(o)
}

fn request_json(r: &ExportTraceServiceRequest) -> String {
    let rs: Vec<Value> = r
        .resource_spans
        .iter()
        .map(|rs| {
            let mut o = Map::new();
            if let Some(res) = &rs.resource {
                o.insert(
                    "resource".into(),
                    json!({ "attributes": attributes_json(&res.attributes), "droppedAttributesCount": res.dropped_attributes_count }),
                );
            }
            let ss: Vec<Value> = rs
                .scope_spans
                .iter()
                .map(|ss| {
                    let mut m = Map::new();
                    if let Some(sc) = &ss.scope {
                        m.insert(
                            "scope".into(),
                            json!({
                                "name": sc.name, "version": sc.version,
                                "attributes": attributes_json(&sc.attributes),
                                "droppedAttributesCount": sc.dropped_attributes_count,
                            }),
                        );
                    }
                    m.insert("spans".into(), Value::Array(ss.spans.iter().map(span_json).collect()));
                    m.insert("schemaUrl".into(), json!(ss.schema_url));
                    Value::Object(m)
                })
                .collect();
            o.insert("scopeSpans".into(), Value::Array(ss));
            o.insert("schemaUrl".into(), json!(rs.schema_url));
            Value::Object(o)
        })
        .collect();
    json!({ "resourceSpans": rs }).to_string()
}

fn gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// Spans and rejected span names must agree. Rejection *reasons* may differ for malformed ids:
/// an invalid-length hex id whose text is also valid base64 (e.g. 24 hex digits for a trace id)
/// is read as base64 by the lenient JSON decoder, so "got 12 bytes" vs "got 18 bytes".
fn assert_same(pb: &DecodedRequest, js: &DecodedRequest) -> Result<(), TestCaseError> {
    prop_assert_eq!(pb.spans.len(), js.spans.len());
    for (a, b) in pb.spans.iter().zip(&js.spans) {
        prop_assert_eq!(a, b);
    }
    prop_assert_eq!(&pb.resources, &js.resources);
    let names = |d: &DecodedRequest| d.rejected.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    prop_assert_eq!(names(pb), names(js));
    Ok(())
}

fn limits() -> Limits {
    Limits::default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_shrink_iters: 4096, ..ProptestConfig::default() })]

    /// Protobuf and spec OTLP/JSON renderings of one request decode to the same records.
    #[test]
    fn protobuf_and_json_decoders_agree(req in request_strategy()) {
        let pb = req.encode_to_vec();
        let js = request_json(&req);
        let a = decode_body(&pb, Some("application/x-protobuf"), None, &limits());
        let b = decode_body(js.as_bytes(), Some("application/json"), None, &limits());
        match (a, b) {
            (Ok(a), Ok(b)) => assert_same(&a, &b)?,
            (a, b) => prop_assert!(false, "decoders disagree: protobuf {:?} / json {:?}\n{}", a.err(), b.err(), js),
        }
        // Same through gzip.
        let gz = decode_body(&gzip(&pb), Some("application/x-protobuf"), Some("gzip"), &limits()).unwrap();
        let gj = decode_body(&gzip(js.as_bytes()), Some("application/json"), Some("gzip"), &limits()).unwrap();
        assert_same(&gz, &gj)?;
    }

    /// Arbitrary bytes: an error or a request, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), ct in 0..3usize, enc in 0..3usize) {
        let ct = [Some("application/x-protobuf"), Some("application/json"), None][ct];
        let enc = [None, Some("gzip"), Some("identity")][enc];
        let _ = decode_body(&body, ct, enc, &limits());
    }

    /// Arbitrary text shaped like OTLP/JSON (random tokens of the format): never a panic.
    #[test]
    fn json_token_soup_never_panics(tokens in proptest::collection::vec(prop_oneof![
        Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"), Just("\"resourceSpans\""), Just("\"scopeSpans\""),
        Just("\"spans\""), Just("\"attributes\""), Just("\"key\""), Just("\"value\""), Just("\"kvlistValue\""),
        Just("\"arrayValue\""), Just("\"values\""), Just("\"intValue\""), Just("\"doubleValue\""), Just("\"bytesValue\""),
        Just("\"traceId\""), Just("\"spanId\""), Just("\"0102030405060708090a0b0c0d0e0f10\""), Just("\"0102030405060708\""),
        Just("\"AQIDBAUGBwg=\""), Just("\"NaN\""), Just("-1"), Just("1e999"), Just("18446744073709551616"), Just("null"),
        Just("true"), Just("\"kind\""), Just("\"status\""), Just("\"code\""), Just("\"startTimeUnixNano\""), Just("\"x\""),
    ], 0..64)) {
        let body = tokens.concat();
        let _ = decode_body(body.as_bytes(), Some("application/json"), None, &limits());
    }

    /// Every truncation of a valid body (protobuf, JSON, gzip of each): never a panic.
    #[test]
    fn truncations_never_panic(req in request_strategy(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 1..16)) {
        let pb = req.encode_to_vec();
        let js = request_json(&req).into_bytes();
        let gz = gzip(&pb);
        let gj = gzip(&js);
        for (body, ct) in [(&pb, "application/x-protobuf"), (&js, "application/json"), (&gz, "application/x-protobuf"), (&gj, "application/json")] {
            for cut in &cuts {
                let n = cut.index(body.len() + 1);
                let _ = decode_body(&body[..n], Some(ct), None, &limits());
            }
        }
    }
}

/// Every prefix of a real captured body (small enough to try them all): never a panic.
#[test]
fn every_prefix_of_small_bodies_never_panics() {
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue { value: Some(any_value::Value::StringValue("s".into())) }),
                }],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: None,
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: "invoke_agent a".into(),
                    attributes: vec![KeyValue {
                        key: "k".into(),
                        value: Some(AnyValue {
                            value: Some(any_value::Value::KvlistValue(KeyValueList {
                                values: vec![KeyValue {
                                    key: "d".into(),
                                    value: Some(AnyValue { value: Some(any_value::Value::DoubleValue(1.5)) }),
                                }],
                            })),
                        }),
                    }],
                    events: vec![span::Event { name: "exception".into(), ..Default::default() }],
                    links: vec![span::Link { trace_id: vec![3; 16], span_id: vec![4; 8], ..Default::default() }],
                    status: Some(Status { message: "boom".into(), code: 2 }),
                    ..Default::default()
                }],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    let pb = req.encode_to_vec();
    let js = request_json(&req).into_bytes();
    for body in [pb.clone(), js.clone(), gzip(&pb), gzip(&js)] {
        for n in 0..=body.len() {
            let _ = decode_body(&body[..n], Some("application/x-protobuf"), None, &limits());
            let _ = decode_body(&body[..n], Some("application/json"), None, &limits());
        }
    }
    // The full bodies decode to the same one span.
    let a = decode_body(&pb, None, None, &limits()).unwrap();
    let b = decode_body(&js, Some("application/json"), None, &limits()).unwrap();
    assert_eq!(a.spans.len(), 1);
    assert_eq!(a.spans, b.spans);
    // A truncated gzip stream is an error, never a silently shorter request.
    let g = gzip(&pb);
    assert!(matches!(decode_body(&g[..g.len() - 4], None, Some("gzip"), &limits()), Err(DecodeError::Gzip(_))));
}

// ---------------------------------------------------------------------------------------------
// Regressions (one per finding of the fuzzers / properties).

/// Finding 1 (property `protobuf_and_json_decoders_agree`): OTLP/JSON doubles were parsed with
/// serde_json's fast float path, which can be one ULP off, so the same request decoded to
/// different attribute values over protobuf and over JSON. Fixed by serde_json's
/// `float_roundtrip` feature (core/Cargo.toml).
#[test]
fn regression_json_doubles_decode_bit_exactly() {
    for d in [
        -1.0311157030452957e-290,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        0.1 + 0.2,
        1.7976931348623155e308,
        f64::from_bits(0x000f_ffff_ffff_ffff),
    ] {
        let req = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        trace_id: vec![1; 16],
                        span_id: vec![1; 8],
                        attributes: vec![KeyValue {
                            key: "d".into(),
                            value: Some(AnyValue { value: Some(any_value::Value::DoubleValue(d)) }),
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let pb = decode_body(&req.encode_to_vec(), None, None, &limits()).unwrap();
        let js = decode_body(request_json(&req).as_bytes(), Some("application/json"), None, &limits()).unwrap();
        assert_eq!(pb.spans[0].attributes["d"].as_f64().map(f64::to_bits), Some(d.to_bits()), "protobuf {d:e}");
        assert_eq!(js.spans[0].attributes["d"].as_f64().map(f64::to_bits), Some(d.to_bits()), "json {d:e}");
    }
}

fn record(id: u8, attrs: &[(&str, Value)]) -> agenttrace_core::model::SpanRecord {
    let mut a = agenttrace_core::model::Attributes::new();
    for (k, v) in attrs {
        a.insert((*k).to_string(), v.clone());
    }
    agenttrace_core::model::SpanRecord {
        kind: 3,
        start_time_unix_nano: id as u64,
        end_time_unix_nano: id as u64 + 1,
        ..agenttrace_core::model::SpanRecord::new([1; 16], [0, 0, 0, 0, 0, 0, 0, id], "chat", a)
    }
}

/// Finding 2 (fuzz target normalize_structured, crash-0499b0de...): per-agent token totals
/// were summed with `+=`; two model calls of one agent reporting `i64::MAX` tokens overflowed
/// (a panic with overflow checks on, a negative total without). Fixed: saturating sums in
/// `analyze::agent_accs`.
#[test]
fn regression_token_totals_saturate() {
    use agenttrace_core::analyze::analyze_run;
    let llm = |id| {
        record(
            id,
            &[
                ("gen_ai.operation.name", json!("chat")),
                ("gen_ai.agent.name", json!("A")),
                ("gen_ai.usage.input_tokens", json!(i64::MAX)),
                ("gen_ai.usage.output_tokens", json!(i64::MAX.to_string())),
            ],
        )
    };
    let agent = |id| {
        record(
            id,
            &[
                ("gen_ai.operation.name", json!("invoke_agent")),
                ("gen_ai.agent.name", json!("B")),
                ("gen_ai.usage.input_tokens", json!(i64::MAX)),
                ("gen_ai.usage.output_tokens", json!(i64::MAX)),
            ],
        )
    };
    let a = analyze_run(&[llm(1), llm(2), llm(3), agent(4), agent(5)]);
    for s in &a.agents {
        assert_eq!((s.input_tokens, s.output_tokens), (i64::MAX, i64::MAX), "{}", s.agent_name);
    }
}

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

/// Finding 3 (memory amplification, found reviewing what -malloc_limit_mb cannot see at fuzz
/// input sizes): 16 MiB of empty spans (`12 00` repeated) decoded into 8 M prost `Span`s, 3.2 GB
/// peak RSS; the same 16 MiB as `{"resourceSpans":[{"scopeSpans":[{"spans":[{},{},...]}]}]}`
/// took 2 GB. The 64 MiB body limit allowed 4x that, from a ~64 KiB gzip body. Fixed: a decoded
/// size budget (`Limits::max_decoded_bytes`, otlp/budget.rs) checked before allocating.
#[test]
fn regression_empty_elements_cannot_amplify_memory() {
    let l = Limits { max_decoded_bytes: 8 << 20, ..Limits::default() };
    let n = 1 << 20; // 2 MiB of 2-byte elements
    let bodies = [
        ld(1, &ld(2, &[0x12, 0x00].repeat(n))),         // spans
        ld(1, &ld(2, &ld(2, &[0x4a, 0x00].repeat(n)))), // attributes of one span
        ld(1, &ld(2, &ld(2, &[ld(1, &[1; 16]), ld(2, &[1; 8]), ld(9, &ld(2, &ld(5, &[0x0a, 0x00].repeat(n))))].concat()))), // array values
    ];
    for b in &bodies {
        assert_eq!(decode_body(b, None, None, &l), Err(DecodeError::DecodedTooLarge { limit: 8 << 20 }));
        assert_eq!(decode_body(&gzip(b), None, Some("gzip"), &l), Err(DecodeError::DecodedTooLarge { limit: 8 << 20 }));
    }
    let spans = format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#, vec!["{}"; n].join(","));
    let values = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"01010101010101010101010101010101","spanId":"0101010101010101","attributes":[{{"key":"k","value":{{"arrayValue":{{"values":[{}]}}}}}}]}}]}}]}}]}}"#,
        vec!["{}"; n].join(",")
    );
    for j in [spans, values] {
        assert_eq!(decode_body(j.as_bytes(), Some("application/json"), None, &l), Err(DecodeError::DecodedTooLarge { limit: 8 << 20 }));
    }
    assert_eq!(DecodeError::DecodedTooLarge { limit: 1 }.sqlstate(), "54000");
    // The same shapes at a sane size still decode.
    let small = ld(1, &ld(2, &[0x12, 0x00].repeat(1000)));
    assert_eq!(decode_body(&small, None, None, &l).unwrap().rejected.len(), 1000);
}

/// Real exporter output stays far below the budget: the captured corpus decodes with a budget of
/// 4x its (decompressed) size, protobuf and JSON, so the 256 MiB default admits any body under the
/// 64 MiB body limit.
#[test]
fn real_bodies_fit_the_decoded_budget() {
    let captures = agenttrace_core::corpus::captures();
    if captures.is_empty() {
        eprintln!("shared OTLP corpus not found: skipped");
        return;
    }
    assert!(Limits::default().max_decoded_bytes >= 4 * Limits::default().max_body_bytes);
    for c in &captures {
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            let body = agenttrace_core::otlp::decompress(&raw, b.content_encoding.as_deref(), &Limits::default()).unwrap();
            let l = Limits { max_decoded_bytes: 4 * body.len(), ..Limits::default() };
            decode_body(&body, Some(&b.content_type), None, &l).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            if let Some(j) = &b.otlp_json {
                let text = std::fs::read(j).unwrap();
                let l = Limits { max_decoded_bytes: 4 * text.len(), ..Limits::default() };
                decode_body(&text, Some("application/json"), None, &l).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            }
        }
    }
}
