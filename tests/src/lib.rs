//! Shared helpers for the end-to-end tests: connections to the real test databases (created by
//! `scripts/test.sh` with the installed extension), corpus bodies, and id salting so a test can
//! ingest a capture as fresh data without colliding with other tests.
use std::sync::atomic::{AtomicU64, Ordering};

use agenttrace_core::corpus::{captures, Capture, CapturedBody};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use postgres::{Client, NoTls};
use prost::Message;

/// The TimescaleDB test database (`timescaledb` + `pg_agenttrace`).
pub mod long_run;

pub fn database_url() -> String {
    std::env::var("AGENTTRACE_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5433/agenttrace_test".into())
}

/// A database with `pg_agenttrace` but without TimescaleDB (plain tables).
pub fn plain_database_url() -> String {
    std::env::var("AGENTTRACE_TEST_PLAIN_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5433/agenttrace_test_plain".into())
}

/// Whether this run tests TimescaleDB. `scripts/test.sh` sets `AGENTTRACE_TEST_TIMESCALEDB=0` for
/// a PostgreSQL version TimescaleDB does not support (18): its "TimescaleDB" test database is then
/// a plain one too, and the tests that need TimescaleDB say so and return. Unset (every other
/// run), they run and fail when TimescaleDB is missing.
pub fn timescaledb_tested() -> bool {
    std::env::var("AGENTTRACE_TEST_TIMESCALEDB").map(|v| v != "0").unwrap_or(true)
}

/// `true` (after saying why on stderr) when `test` needs TimescaleDB and this run has none.
pub fn skip_without_timescaledb(test: &str) -> bool {
    if timescaledb_tested() {
        return false;
    }
    eprintln!("{test}: skipped: no TimescaleDB for this PostgreSQL version (AGENTTRACE_TEST_TIMESCALEDB=0)");
    true
}

pub fn connect() -> Client {
    connect_to(&database_url())
}

pub fn connect_to(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|e| panic!("cannot connect to {url}: {e} (run scripts/test.sh)"))
}

pub fn capture(name: &str) -> Capture {
    captures().into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("capture {name} not in corpus"))
}

pub fn all_captures() -> Vec<Capture> {
    let c = captures();
    assert!(c.len() >= 15, "shared OTLP corpus not found (set AGENTTRACE_CORPUS)");
    c
}

/// The request of a captured body, decompressed and decoded.
pub fn request_of(body: &CapturedBody) -> ExportTraceServiceRequest {
    let raw = std::fs::read(&body.bin).expect("read capture");
    let bytes = agenttrace_core::otlp::decompress(&raw, body.content_encoding.as_deref(), &Default::default()).expect("inflate");
    ExportTraceServiceRequest::decode(bytes.as_ref()).expect("decode capture")
}

static SALT_COUNTER: AtomicU64 = AtomicU64::new(1);

/// A salt unique to this process and call, so salted data never collides across tests or runs.
pub fn fresh_salt() -> [u8; 8] {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let n = SALT_COUNTER.fetch_add(1, Ordering::Relaxed);
    (nanos ^ (n << 48) ^ (std::process::id() as u64) << 20).to_be_bytes()
}

/// XORs the salt into every trace id (spans and links) and tags the resource, so the request is
/// new data with the same shape.
pub fn salt_request(req: &mut ExportTraceServiceRequest, salt: [u8; 8]) {
    let apply = |id: &mut Vec<u8>| {
        if id.len() == 16 {
            for (i, b) in salt.iter().enumerate() {
                id[i] ^= b;
            }
        }
    };
    for rs in &mut req.resource_spans {
        // A distinct process too: run stitching pairs setup traces with runs of the same resource.
        if let Some(r) = rs.resource.as_mut() {
            r.attributes.push(opentelemetry_proto::tonic::common::v1::KeyValue {
                key: "test.salt".into(),
                value: Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                    value: Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(agenttrace_core::ids::to_hex(&salt))),
                }),
            });
        }
        for ss in &mut rs.scope_spans {
            for s in &mut ss.spans {
                apply(&mut s.trace_id);
                for l in &mut s.links {
                    apply(&mut l.trace_id);
                }
            }
        }
    }
}

pub fn salted_trace_id_hex(trace_id: &[u8], salt: [u8; 8]) -> String {
    let mut id = trace_id.to_vec();
    for (i, b) in salt.iter().enumerate() {
        id[i] ^= b;
    }
    agenttrace_core::ids::to_hex(&id)
}

pub fn encode(req: &ExportTraceServiceRequest) -> Vec<u8> {
    req.encode_to_vec()
}

/// Result row of `agenttrace.ingest`.
#[derive(Debug, PartialEq)]
pub struct IngestResult {
    pub accepted: i64,
    pub rejected: i64,
    pub error: Option<String>,
}

pub fn ingest(client: &mut Client, body: &[u8], content_type: &str, content_encoding: Option<&str>) -> IngestResult {
    let row = client
        .query_one("SELECT * FROM agenttrace.ingest($1, $2, $3)", &[&body, &content_type, &content_encoding])
        .expect("agenttrace.ingest");
    IngestResult { accepted: row.get(0), rejected: row.get(1), error: row.get(2) }
}

/// All spans of a request, flattened.
pub fn spans_of(req: &ExportTraceServiceRequest) -> Vec<&opentelemetry_proto::tonic::trace::v1::Span> {
    req.resource_spans.iter().flat_map(|rs| rs.scope_spans.iter().flat_map(|ss| ss.spans.iter())).collect()
}

/// Distinct trace ids (hex) of a request.
pub fn trace_ids_hex(req: &ExportTraceServiceRequest) -> Vec<String> {
    let mut v: Vec<String> = spans_of(req).iter().map(|s| agenttrace_core::ids::to_hex(&s.trace_id)).collect();
    v.sort();
    v.dedup();
    v
}

/// A new database `agenttrace_test_<tag>_<salt>` with pg_agenttrace (at `version`, default the
/// current one) and, if asked, TimescaleDB and pg_trgm. Returns its name, URL and a connection.
pub fn scratch_db(tag: &str, with_timescaledb: bool, version: Option<&str>) -> (String, String, Client) {
    let name = format!("agenttrace_test_{tag}_{}", agenttrace_core::ids::to_hex(&fresh_salt()));
    connect().batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url = database_url().rsplit_once('/').map(|(a, _)| format!("{a}/{name}")).unwrap();
    let mut db = connect_to(&url);
    let tsdb = if with_timescaledb { "CREATE EXTENSION timescaledb; CREATE EXTENSION pg_trgm;" } else { "" };
    let version = version.map(|v| format!(" VERSION '{v}'")).unwrap_or_default();
    db.batch_execute(&format!("SET client_min_messages = warning; {tsdb} CREATE EXTENSION pg_agenttrace{version}")).unwrap();
    (name, url, db)
}

pub fn drop_db(name: &str) {
    let _ = connect().batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// Every table of the schema with its columns at this point, so the same rows can be compared
/// after the update even where the update added columns.
pub fn tables_and_columns(db: &mut Client) -> Vec<(String, Vec<String>)> {
    db.query(
        "SELECT c.relname::text, array_agg(quote_ident(a.attname) ORDER BY a.attnum)
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind IN ('r', 'p')
          GROUP BY 1 ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// (table, row count, md5 of all rows' text in a stable order) over the given columns.
pub fn data_fingerprint(db: &mut Client, tables: &[(String, Vec<String>)]) -> Vec<(String, i64, String)> {
    tables
        .iter()
        .map(|(t, cols)| {
            let row = db
                .query_one(
                    &format!(
                        "SELECT count(*), coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') FROM (SELECT row({})::text AS r FROM agenttrace.{t}) x",
                        cols.join(", ")
                    ),
                    &[],
                )
                .unwrap();
            (t.clone(), row.get(0), row.get(1))
        })
        .collect()
}

/// Real data and user configuration in every kind of table: the whole corpus, MAST
/// classifications, a tuned rule setting, an extra redaction pattern, a retention setting and a
/// dead letter.
pub fn store_everything(db: &mut Client) {
    for c in all_captures() {
        for b in &c.bodies {
            let body = std::fs::read(&b.bin).unwrap();
            let r = ingest(db, &body, &b.content_type, b.content_encoding.as_deref());
            assert_eq!(r.error, None, "{}", c.name);
        }
    }
    assert!(ingest(db, b"not a protobuf body", "application/x-protobuf", None).error.is_some());
    db.batch_execute(
        "UPDATE agenttrace.mast_settings SET value = '0' WHERE key = 'pending_quiet_seconds';
         SELECT agenttrace.classify_pending();
         UPDATE agenttrace.mast_settings SET value = '4' WHERE key = 'repeat_min';
         INSERT INTO agenttrace.redaction_patterns (name, pattern, description) VALUES ('ticket', 'TICKET-[0-9]{6}', 'upgrade test');
         SELECT agenttrace.set_retention(interval '3650 days');",
    )
    .unwrap();
}
