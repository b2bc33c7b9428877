//! Hostile and broken bodies: each gets a clear error and a dead-letter row, the backend
//! survives (the same connection answers `SELECT 1`), and nothing else is lost.
use agenttrace_tests::*;
use flate2::{write::GzEncoder, Compression};
use std::io::Write;

/// Protobuf length-delimited field.
fn len_field(field: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = varint(((field as u64) << 3) | 2);
    out.extend(varint(payload.len() as u64));
    out.extend_from_slice(payload);
    out
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// request { resource_spans { scope_spans { spans { <span fields> } } } }
fn request_with_span(span_fields: &[u8]) -> Vec<u8> {
    let mut span = len_field(1, &[7u8; 16]); // trace_id
    span.extend(len_field(2, &[9u8; 8])); // span_id
    span.extend_from_slice(span_fields);
    len_field(1, &len_field(2, &len_field(2, &span)))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A bad body: what it is, the body, its content type and encoding, and the expected error.
type BadBody<'a> = (&'a str, Vec<u8>, &'a str, Option<&'a str>, &'a str);

#[test]
fn malformed_bodies_are_rejected_with_reasons_and_kept() {
    let mut db = connect();
    let corpus_body = std::fs::read(&capture("lg_oi_tool_error").bodies[0].bin).unwrap();

    // AnyValue nested 1000 deep through array_value { values { ... } }.
    let mut deep = len_field(1, b"leaf"); // AnyValue.string_value
    for _ in 0..1000 {
        deep = len_field(5, &len_field(1, &deep));
    }
    let deep_attr = len_field(9, &[len_field(1, b"k"), len_field(2, &deep)].concat());

    let mut deep_json = String::new();
    for _ in 0..50_000 {
        deep_json.push('[');
    }

    let cases: Vec<BadBody> = vec![
        ("truncated protobuf", corpus_body[..corpus_body.len() / 2].to_vec(), "application/x-protobuf", None, "invalid protobuf"),
        ("JSON sent as protobuf", br#"{"resourceSpans":[]}"#.to_vec(), "application/x-protobuf", None, "invalid protobuf"),
        ("protobuf sent as JSON", corpus_body.clone(), "application/json", None, "invalid OTLP/JSON"),
        ("invalid UTF-8 span name", request_with_span(&len_field(5, &[0xff, 0xfe, 0x41])), "application/x-protobuf", None, "UTF-8"),
        ("absurd length prefix", [vec![0x0a], varint(1 << 40), vec![1, 2, 3]].concat(), "application/x-protobuf", None, "invalid protobuf"),
        ("AnyValue nested 1000 deep", request_with_span(&deep_attr), "application/x-protobuf", None, "recursion limit"),
        ("JSON nested 50000 deep", deep_json.into_bytes(), "application/json", None, "recursion limit"),
        (
            "JSON with wrong types",
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":{}}]}]}]}"#.to_vec(),
            "application/json",
            None,
            "span kind",
        ),
        ("gzip bomb", gzip(&vec![0u8; 80 << 20]), "application/x-protobuf", Some("gzip"), "exceeds"),
        // 2-byte empty spans that would each become a ~250-byte record: refused before allocating.
        (
            "empty-span amplification",
            gzip(&len_field(1, &len_field(2, &[0x12, 0x00].repeat(16 << 20)))),
            "application/x-protobuf",
            Some("gzip"),
            "decod",
        ),
        ("corrupt gzip", [vec![0x1f, 0x8b, 8, 0], vec![0xaa; 64]].concat(), "application/x-protobuf", Some("gzip"), "invalid gzip"),
        ("unknown content type", b"hello".to_vec(), "text/plain", None, "unsupported content type"),
        ("unknown content encoding", b"hello".to_vec(), "application/x-protobuf", Some("br"), "unsupported content encoding"),
    ];
    for (what, body, ct, enc, expect) in cases {
        let before: i64 = db.query_one("SELECT count(*) FROM agenttrace.dead_letters", &[]).unwrap().get(0);
        let r = ingest(&mut db, &body, ct, enc);
        let err = r.error.unwrap_or_else(|| panic!("{what}: accepted"));
        assert!(err.contains(expect), "{what}: error {err:?} does not mention {expect:?}");
        assert_eq!((r.accepted, r.rejected), (0, 0), "{what}");
        let one: i32 = db.query_one("SELECT 1", &[]).unwrap().get(0);
        assert_eq!(one, 1, "{what}: backend gone");
        let row = db
            .query_one(
                "SELECT error_message, sqlstate, body_bytes FROM agenttrace.dead_letters WHERE error_message = $1 ORDER BY dead_letter_id DESC LIMIT 1",
                &[&err],
            )
            .unwrap_or_else(|e| panic!("{what}: no dead letter: {e}"));
        let sqlstate: String = row.get(1);
        assert_eq!(sqlstate.len(), 5, "{what}");
        let body_bytes: i32 = row.get(2);
        assert_eq!(body_bytes as usize, body.len(), "{what}");
        let after: i64 = db.query_one("SELECT count(*) FROM agenttrace.dead_letters", &[]).unwrap().get(0);
        assert!(after > before, "{what}: dead letter not written");
    }
}

#[test]
fn nul_bytes_and_bad_ids_do_not_fail_the_request() {
    let mut db = connect();
    let salt = fresh_salt();
    // A span whose name and attribute contain NUL (PostgreSQL text cannot) and one with a short id.
    let mut trace = vec![7u8; 16];
    trace[..8].copy_from_slice(&salt);
    let mut span = len_field(1, &trace);
    span.extend(len_field(2, &[3u8; 8]));
    span.extend(len_field(5, b"nul\0name"));
    span.extend(len_field(9, &[len_field(1, b"k\0"), len_field(2, &len_field(1, b"v\0v"))].concat()));
    let mut bad = len_field(1, &trace);
    bad.extend(len_field(2, &[1u8; 3]));
    let scope = [len_field(2, &span), len_field(2, &bad)].concat();
    let body = len_field(1, &len_field(2, &scope));
    let r = ingest(&mut db, &body, "application/x-protobuf", None);
    assert_eq!((r.accepted, r.rejected), (1, 1));
    assert!(r.error.unwrap().contains("span_id must be 8 bytes, got 3"));
    let name: String = db
        .query_one("SELECT name FROM agenttrace.spans WHERE trace_id = $1::text::uuid", &[&agenttrace_core::ids::to_hex(&trace)])
        .unwrap()
        .get(0);
    assert_eq!(name, "nul\u{FFFD}name");
}

#[test]
fn empty_requests_succeed() {
    let mut db = connect();
    assert_eq!(ingest(&mut db, b"", "application/x-protobuf", None), IngestResult { accepted: 0, rejected: 0, error: None });
    assert_eq!(ingest(&mut db, b"{}", "application/json", None), IngestResult { accepted: 0, rejected: 0, error: None });
}
