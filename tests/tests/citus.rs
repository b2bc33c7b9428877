//! pg_agenttrace on a Citus cluster, against `scripts/citus.sh`'s coordinator + 2
//! workers: the corpus ingested into distributed tables gives the same stored and derived rows
//! (runs, traces, spans, agents, messages, tool calls, checkpoints, MAST findings, graphs) as on
//! a single node, normalized and raw (+ renormalize), sequential and with concurrent writers.
//!
//! Runs when AGENTTRACE_CITUS_DATABASE_URL names the coordinator's database (scripts/test.sh sets
//! it after building Citus); the single-node reference is a database `<name>_single` on the
//! coordinator's server without the citus extension (plain PostgreSQL tables). Both are rebuilt
//! by the test. Without the variable the tests pass as skipped, saying so.
use std::sync::Mutex;

use agenttrace_tests::long_run::{long_run, long_run_request, whole_run_notices};
use agenttrace_tests::*;
use postgres::Client;

static CLUSTER: Mutex<()> = Mutex::new(());

fn citus_url() -> Option<String> {
    std::env::var("AGENTTRACE_CITUS_DATABASE_URL").ok().filter(|s| !s.is_empty())
}

fn with_db(url: &str, db: &str) -> String {
    url.rsplit_once('/').map(|(a, _)| format!("{a}/{db}")).unwrap()
}

/// Fresh pg_agenttrace in the Citus database (distributed, 4 shards per table) and in the
/// single-node reference database. Returns (citus, single).
fn fresh_pair(url: &str) -> (Client, Client) {
    let mut citus = fresh_citus(url);
    let n: i64 = citus.query_one("SELECT count(*) FROM agenttrace.distribute(shard_count => 4) WHERE changed", &[]).unwrap().get(0);
    assert_eq!(n, 23, "every table distributed");
    // idempotent: a second call changes nothing
    let again: i64 = citus.query_one("SELECT count(*) FROM agenttrace.distribute() WHERE changed", &[]).unwrap().get(0);
    assert_eq!(again, 0, "distribute() is idempotent");

    let name = url.rsplit_once('/').unwrap().1.split('?').next().unwrap().to_string() + "_single";
    let mut admin = connect_to(&with_db(url, "postgres"));
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let mut single = connect_to(&with_db(url, &name));
    single.batch_execute("SET client_min_messages = warning; CREATE EXTENSION pg_trgm; CREATE EXTENSION pg_agenttrace;").unwrap();
    (citus, single)
}

/// Fresh pg_agenttrace in the Citus database, not distributed yet.
fn fresh_citus(url: &str) -> Client {
    let mut citus = connect_to(url);
    citus
        .batch_execute(
            "SET client_min_messages = warning;
             DROP EXTENSION IF EXISTS pg_agenttrace CASCADE;
             CREATE EXTENSION IF NOT EXISTS pg_trgm;
             CREATE EXTENSION pg_agenttrace;",
        )
        .unwrap();
    citus
}

/// Every request body of the corpus, in order, as (body, content type, encoding).
fn corpus_bodies() -> Vec<(Vec<u8>, String, Option<String>)> {
    let mut out = Vec::new();
    for c in all_captures() {
        for b in &c.bodies {
            out.push((std::fs::read(&b.bin).unwrap(), b.content_type.clone(), b.content_encoding.clone()));
        }
    }
    out
}

fn ingest_all(db: &mut Client, bodies: &[(Vec<u8>, String, Option<String>)]) {
    for (body, ct, ce) in bodies {
        let r = ingest(db, body, ct, ce.as_deref());
        assert_eq!(r.error, None);
    }
}

/// (what, rows, md5 of the rows in a stable order) for the stored and derived tables. Columns that
/// hold the time of the write (ingested_at, updated_at, created_at, classified_at) and identity
/// numbers are left out. run_search compares its words and lexemes as sets: its text lists words
/// in the order the run's spans were read, and a multi-trace run's spans come back from several
/// shards in another order than from one table; for the same reason the words of keywords cut at
/// their 2 KiB bound are not compared (which words make the cut follows that order).
const FINGERPRINTS: &[(&str, &str)] = &[
    ("runs", "SELECT row(run_id, framework, service_name, root_name, status, status_reason, failing_agent, failing_trace_id, failing_span_id, start_time, end_time, trace_count, span_count, agent_count, error_span_count, llm_calls, tool_calls, input_tokens, output_tokens, agents)::text FROM agenttrace.runs"),
    ("traces", "SELECT row(trace_id, run_id, service_name, resource_hash, is_setup, root_span_id, root_name, start_time, end_time, span_count, error_count)::text FROM agenttrace.traces"),
    ("spans", "SELECT row(trace_id, span_id, parent_span_id, run_id, start_time_unix_nano, end_time_unix_nano, name, kind, status_code, service_name, resource_hash, attributes, framework, instrumentation, category, agent_name, agent_id, agent_role, model, provider, input_tokens, output_tokens, total_tokens, tool_name, tool_call_id, is_error, error_type, error_message, input_text, output_text, facts_hash)::text FROM agenttrace.spans"),
    ("span_events", "SELECT e::text FROM agenttrace.span_events e"),
    ("span_links", "SELECT l::text FROM agenttrace.span_links l"),
    ("resources", "SELECT row(resource_hash, service_name, attributes, schema_url)::text FROM agenttrace.resources"),
    ("agents", "SELECT a::text FROM agenttrace.agents a"),
    ("agent_messages", "SELECT m::text FROM agenttrace.agent_messages m"),
    ("tool_calls", "SELECT t::text FROM agenttrace.tool_calls t"),
    ("checkpoints", "SELECT c::text FROM agenttrace.checkpoints c"),
    ("run_search", "SELECT row(run_id, service_name, framework, start_time, length(keywords), length(document),
                           CASE WHEN length(keywords) < 2048 THEN (SELECT array_agg(w ORDER BY w) FROM regexp_split_to_table(keywords, '\\s+') w) END,
                           (SELECT array_agg(x ORDER BY x) FROM unnest(tsvector_to_array(tsv)) x))::text FROM agenttrace.run_search"),
    ("failure_annotations", "SELECT row(run_id, mode_id, category, severity, confidence, agent_name, trace_id, span_ids, explanation, source, rule, evidence)::text FROM agenttrace.failure_annotations"),
    ("mast_runs", "SELECT row(run_id, outcome, finding_count, responsible_agent, decisive_trace_id, decisive_span_id, report)::text FROM agenttrace.mast_runs"),
];

fn fingerprint(db: &mut Client) -> Vec<(String, i64, String)> {
    let mut out: Vec<(String, i64, String)> = FINGERPRINTS
        .iter()
        .map(|(what, q)| {
            let row = db
                .query_one(&format!("SELECT count(*), coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') FROM ({q}) AS x(r)"), &[])
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            (what.to_string(), row.get(0), row.get(1))
        })
        .collect();
    // Graphs, per run, called from the coordinator with each run id.
    let runs: Vec<uuid_text::U> = db
        .query("SELECT run_id::text FROM agenttrace.run_summaries ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| uuid_text::U(r.get(0)))
        .collect();
    let mut graphs = Vec::new();
    for r in &runs {
        for q in [
            "SELECT coalesce(string_agg(n::text, E'\\n' ORDER BY n::text), '') FROM agenttrace.graph_nodes($1::text::uuid, true) n",
            "SELECT coalesce(string_agg(e::text, E'\\n' ORDER BY e::text), '') FROM agenttrace.graph_edges($1::text::uuid, true) e",
            "SELECT coalesce(string_agg(a::text, E'\\n' ORDER BY a::text), '') FROM agenttrace.attribute_failure($1::text::uuid) a",
            "SELECT coalesce(string_agg(c::text, E'\\n' ORDER BY c.checkpoint_id), '') FROM agenttrace.checkpoints($1::text::uuid) c",
            "SELECT coalesce(agenttrace.state_at($1::text::uuid)::text, '')",
            "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM agenttrace.span_tree($1::text::uuid) t",
            "SELECT coalesce(agenttrace.transcript($1::text::uuid)::text, '') || coalesce(agenttrace.verdict($1::text::uuid)::text, '')",
        ] {
            let s: String = db.query_one(q, &[&r.0]).unwrap_or_else(|e| panic!("{q}: {e}")).get(0);
            graphs.push(format!("{}: {s}", r.0));
        }
    }
    out.push((
        "graphs, checkpoints, state, span trees, transcripts, verdicts".into(),
        runs.len() as i64,
        format!("{:x}", md5_like(&graphs.join("\n"))),
    ));
    // Search (a query whose matches do not depend on word order) and the judge's queue.
    for q in [
        "SELECT count(*), coalesce(md5(string_agg(run_id::text, ',' ORDER BY run_id)), '') FROM agenttrace.search_runs('tool error', 100)",
        "SELECT count(*), coalesce(md5(string_agg(run_id::text, ',' ORDER BY run_id)), '') FROM agenttrace.judge_pending(0, 1000)",
    ] {
        let row = db.query_one(q, &[]).unwrap_or_else(|e| panic!("{q}: {e}"));
        out.push((q.to_string(), row.get(0), row.get(1)));
    }
    out
}

/// A stable 64-bit FNV-1a digest (no md5 crate needed; both sides use the same).
fn md5_like(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

mod uuid_text {
    /// A run id as text (bound as text, cast in SQL).
    pub struct U(pub String);
}

fn classify(db: &mut Client) {
    db.batch_execute(
        "UPDATE agenttrace.mast_settings SET value = '0' WHERE key = 'pending_quiet_seconds';
         SELECT agenttrace.classify_pending();",
    )
    .unwrap();
}

fn assert_same(citus: &mut Client, single: &mut Client, what: &str) {
    assert_same_runs(citus, single, what, 51);
}

/// [`assert_same`] for a set of at least `min_runs` runs.
fn assert_same_runs(citus: &mut Client, single: &mut Client, what: &str, min_runs: i64) {
    let (c, s) = (fingerprint(citus), fingerprint(single));
    let mut diffs = Vec::new();
    for (a, b) in c.iter().zip(&s) {
        if a != b {
            diffs.push(format!("{}: citus {} rows {}, single node {} rows {}", a.0, a.1, a.2, b.1, b.2));
        }
    }
    assert!(diffs.is_empty(), "{what}: Citus differs from a single node:\n{}", diffs.join("\n"));
    assert!(c.iter().find(|x| x.0 == "runs").unwrap().1 >= min_runs, "{what}: the runs were stored");
}

#[test]
fn citus_corpus_gives_the_same_rows_as_a_single_node() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set (scripts/test.sh sets it when Citus is built)");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let bodies = corpus_bodies();

    // Normalized ingest, one request per captured body, then MAST classification.
    let (mut citus, mut single) = fresh_pair(&url);
    ingest_all(&mut citus, &bodies);
    ingest_all(&mut single, &bodies);
    classify(&mut citus);
    classify(&mut single);
    assert_same(&mut citus, &mut single, "normalized ingest");
    // Re-ingesting everything adds nothing, on both.
    ingest_all(&mut citus, &bodies[..10]);
    ingest_all(&mut single, &bodies[..10]);
    assert_same(&mut citus, &mut single, "re-ingest");

    // Raw ingest, then renormalize() derives the same.
    let (mut citus, mut single) = fresh_pair(&url);
    for db in [&mut citus, &mut single] {
        db.batch_execute("SET agenttrace.normalize = off").unwrap();
        ingest_all(db, &bodies);
        db.batch_execute("RESET agenttrace.normalize; SELECT agenttrace.renormalize();").unwrap();
        classify(db);
    }
    assert_same(&mut citus, &mut single, "raw ingest + renormalize");

    // Retention removes the same rows.
    // (trace_edges, a stitching table, is kept on Citus only.)
    let removed = |db: &mut Client| -> Vec<String> {
        db.query(
            "SELECT table_name || '=' || rows_removed FROM agenttrace.apply_retention(interval '1 second')
              WHERE table_name NOT IN ('trace_edges', 'log_records (partitions dropped)')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let (c, s) = (removed(&mut citus), removed(&mut single));
    assert_eq!(c, s, "apply_retention");
    let left: i64 = citus.query_one("SELECT count(*) FROM agenttrace.spans", &[]).unwrap().get(0);
    assert_eq!(left, 0);
}

/// Long runs on distributed tables: a succeeding and a failing run, exported span by
/// span in 16-span requests, are extended request by request on Citus too — no request
/// analyses a run whole once it keeps a state — and store exactly what a single node stores.
#[test]
fn citus_extends_long_runs_request_by_request() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set (scripts/test.sh sets it when Citus is built)");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let (citus, mut single) = fresh_pair(&url);
    drop(citus);
    let (mut citus, whole) = whole_run_notices(&url);
    let runs = [long_run([0x31; 16], 90, false), long_run([0x32; 16], 70, true)];
    for spans in &runs {
        for chunk in spans.chunks(16) {
            let body = long_run_request(chunk);
            for db in [&mut citus, &mut single] {
                assert_eq!(ingest(db, &body, "application/x-protobuf", None).error, None);
            }
        }
    }
    citus.batch_execute("SET client_min_messages = warning").unwrap();
    let whole = whole.lock().unwrap().clone();
    // Until a run has more than agenttrace.state_min_spans (64) spans it keeps no state: at most
    // its 2nd to 5th request is read back whole.
    assert!(whole.iter().all(|m| m.contains("no state")), "requests analysed whole on Citus: {whole:?}");
    assert!(!whole.is_empty() && whole.len() <= 8, "{whole:?}");
    let states: i64 = citus.query_one("SELECT count(*) FROM agenttrace.run_state", &[]).unwrap().get(0);
    assert_eq!(states, 2);
    let outcomes: Vec<(String, Option<String>)> = citus
        .query("SELECT status, failing_agent FROM agenttrace.run_summaries ORDER BY status DESC", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(outcomes, [("success".to_string(), None), ("failure".to_string(), Some("planner".to_string()))]);
    // Classified on both (no quiet period), so verdicts do not depend on when they are read.
    classify(&mut citus);
    classify(&mut single);
    assert_same_runs(&mut citus, &mut single, "long runs extended", 2);
}

/// A worker restarted while a writer ingests: every request that was acknowledged (ingest
/// returned without error) is stored; requests that failed meanwhile are retried, as an
/// exporter would.
#[test]
fn citus_worker_restart_mid_load_loses_no_acknowledged_span() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let (citus, _single) = fresh_pair(&url);
    // Salted copies of the corpus: several rounds of fresh data.
    let mut reqs = Vec::new();
    for _ in 0..3 {
        let salt = fresh_salt();
        for c in all_captures() {
            for b in &c.bodies {
                let mut req = request_of(b);
                salt_request(&mut req, salt);
                reqs.push((encode(&req), spans_of(&req).len() as i64));
            }
        }
    }
    let expected: i64 = reqs.iter().map(|(_, n)| n).sum();
    let writer = {
        let url = url.clone();
        std::thread::spawn(move || {
            let mut db = connect_to(&url);
            let (mut acknowledged, mut failures) = (0i64, 0usize);
            for (body, n) in &reqs {
                loop {
                    match db.query_one("SELECT * FROM agenttrace.ingest($1)", &[body]) {
                        Ok(row) if row.get::<_, Option<String>>(2).is_none() => {
                            acknowledged += n;
                            break;
                        }
                        _ => {
                            failures += 1;
                            assert!(failures < 500, "ingest keeps failing after the restart");
                            std::thread::sleep(std::time::Duration::from_millis(100));
                            if db.is_closed() {
                                db = connect_to(&url);
                            }
                        }
                    }
                }
            }
            (acknowledged, failures)
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/citus.sh");
    let st = std::process::Command::new(&script).arg("restart-worker").arg("1").status().expect("citus.sh restart-worker 1");
    assert!(st.success(), "restart-worker");
    let (acknowledged, failures) = writer.join().expect("writer");
    assert_eq!(acknowledged, expected);
    // Transactions a worker had prepared when it stopped are committed by Citus' recovery.
    // (a new session: this one's cached connection to the restarted worker is gone)
    drop(citus);
    let mut citus = connect_to(&url);
    for attempt in 0.. {
        match citus.batch_execute("SELECT recover_prepared_transactions()") {
            Ok(()) => break,
            Err(e) if attempt < 5 => {
                eprintln!("recover_prepared_transactions: {e}; again");
                std::thread::sleep(std::time::Duration::from_millis(500));
                citus = connect_to(&url);
            }
            Err(e) => panic!("recover_prepared_transactions: {e}"),
        }
    }
    let stored: i64 = citus.query_one("SELECT count(*) FROM agenttrace.spans", &[]).unwrap().get(0);
    assert_eq!(stored, expected, "every acknowledged span is stored ({failures} requests failed during the restart and were retried)");
    eprintln!("worker restart: {failures} requests failed during the restart and were retried; {stored} spans stored");
}

#[test]
fn citus_concurrent_writers_store_what_one_writer_stores() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let bodies = corpus_bodies();
    let (mut citus, mut single) = fresh_pair(&url);
    // 4 writers take the bodies round-robin: the bodies of one run (several requests, linked
    // traces) arrive through different sessions at the same time.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let url = url.clone();
            let mine: Vec<_> = bodies.iter().enumerate().filter(|(i, _)| i % 4 == w).map(|(_, b)| b.clone()).collect();
            std::thread::spawn(move || {
                let mut db = connect_to(&url);
                ingest_all(&mut db, &mine);
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    ingest_all(&mut single, &bodies);
    classify(&mut citus);
    classify(&mut single);
    assert_same(&mut citus, &mut single, "4 concurrent writers");
}

/// A session on `url` whose server notices (here: Citus's `citus.log_remote_commands`) are
/// collected in the returned list.
fn connect_noticed(url: &str) -> (Client, std::sync::Arc<Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut config: postgres::Config = url.parse().expect("url");
    config.notice_callback(move |n| sink.lock().unwrap_or_else(|e| e.into_inner()).push(n.message().to_string()));
    (config.connect(postgres::NoTls).expect("connect"), seen)
}

/// The shard-level commands Citus sent for one statement, and how many of them prepared a
/// two-phase commit.
fn remote_commands(
    db: &mut Client,
    seen: &Mutex<Vec<String>>,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> (usize, usize) {
    seen.lock().unwrap().clear();
    db.batch_execute("SET citus.log_remote_commands = on; SET client_min_messages = notice").unwrap();
    db.execute(sql, params).unwrap();
    db.batch_execute("RESET citus.log_remote_commands; RESET client_min_messages").unwrap();
    let seen = seen.lock().unwrap();
    let commands: Vec<&String> = seen.iter().filter(|m| m.starts_with("issuing ")).collect();
    (commands.len(), commands.iter().filter(|m| m.starts_with("issuing PREPARE TRANSACTION")).count())
}

/// Ingest is router-shaped: a request of one trace sends its statements to that trace's shards
/// (not one look-up per shard), and when all its rows live on one worker it commits there
/// without a two-phase commit.
#[test]
fn citus_one_trace_request_touches_only_its_shards() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let (citus, _single) = fresh_pair(&url);
    drop(citus);
    let c = capture("lg_oi_success");
    let body = &c.bodies[0];
    let bin = std::fs::read(&body.bin).unwrap();
    let (mut db, seen) = connect_noticed(&url);
    // 32 shards, as a cluster would have: 4 (fresh_pair) hides look-ups that go to every shard.
    db.batch_execute(
        "SET client_min_messages = warning;
         DROP EXTENSION pg_agenttrace CASCADE; CREATE EXTENSION pg_agenttrace;
         SELECT count(*) FROM agenttrace.distribute(shard_count => 32);",
    )
    .unwrap();
    let (commands, prepared) =
        remote_commands(&mut db, &seen, "SELECT * FROM agenttrace.ingest($1, $2, $3)", &[&bin, &body.content_type, &body.content_encoding]);
    let spans: i64 = db.query_one("SELECT count(*) FROM agenttrace.spans", &[]).unwrap().get(0);
    eprintln!("first request of a process ({spans} spans, one trace): {commands} shard-level commands, {prepared} prepared");
    assert!(spans >= 20, "the request's spans are stored ({spans})");
    assert!(commands <= 40, "one trace's request sent {commands} shard-level commands (at most 40)");

    // The same run again under another trace id, from the same process (its resource is known):
    // every row it writes lives on the trace's shard group, so one worker commits it alone.
    let json = std::fs::read_to_string(body.otlp_json.as_ref().expect("OTLP/JSON of the capture")).unwrap();
    let traces: Vec<String> =
        db.query("SELECT replace(trace_id::text, '-', '') FROM agenttrace.traces", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(traces.len(), 1, "one trace");
    let other = "0123456789abcdef0123456789abcdef";
    assert!(json.contains(&traces[0]), "the OTLP/JSON names the trace");
    let copy = json.replace(&traces[0], other);
    let (commands, prepared) =
        remote_commands(&mut db, &seen, "SELECT * FROM agenttrace.ingest($1, 'application/json')", &[&copy.into_bytes()]);
    let stored: i64 =
        db.query_one("SELECT count(*) FROM agenttrace.spans WHERE trace_id = '0123456789abcdef0123456789abcdef'", &[]).unwrap().get(0);
    eprintln!("next request of the process ({stored} spans, one trace): {commands} shard-level commands, {prepared} prepared");
    assert_eq!(stored, spans, "the copy is stored whole");
    assert!(commands <= 40, "one trace's request sent {commands} shard-level commands (at most 40)");
    assert_eq!(prepared, 0, "a request whose rows live on one worker commits without two-phase commit");
}

/// One OTLP/HTTP POST over a plain TCP connection; returns the status code.
fn post(addr: &str, body: &[u8], content_type: &str, content_encoding: Option<&str>) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the ingress");
    let enc = content_encoding.map(|e| format!("Content-Encoding: {e}\r\n")).unwrap_or_default();
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n{enc}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    let line = String::from_utf8_lossy(&resp);
    line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// The ingress, unchanged, against the coordinator: the corpus posted over OTLP/HTTP gives the
/// same rows as agenttrace.ingest on a single node. Needs AGENTTRACE_INGRESS_BIN too.
#[test]
fn citus_through_the_ingress_gives_the_same_rows() {
    let (Some(url), Some(bin)) = (citus_url(), std::env::var("AGENTTRACE_INGRESS_BIN").ok()) else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL and AGENTTRACE_INGRESS_BIN not both set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let (mut citus, mut single) = fresh_pair(&url);
    let port = 14000 + (std::process::id() % 1000) as u16 * 2;
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(bin)
        .args(["--http-addr", &addr, "--grpc-addr", &format!("127.0.0.1:{}", port + 1)])
        .env("DATABASE_URL", &url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the ingress");
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(&addr).is_ok()
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert!(up, "ingress did not listen on {addr}");
        for c in all_captures() {
            for b in &c.bodies {
                let body = std::fs::read(&b.bin).unwrap();
                assert_eq!(post(&addr, &body, &b.content_type, b.content_encoding.as_deref()), 200, "{}", c.name);
            }
        }
    }));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    ingest_all(&mut single, &corpus_bodies());
    classify(&mut citus);
    classify(&mut single);
    assert_same(&mut citus, &mut single, "through the ingress");
}

const HOUR_NS: u64 = 3_600_000_000_000;
const DAY_NS: u64 = 24 * HOUR_NS;

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// An OTLP logs request of one process (`service`): records (trace id or none, time, body).
fn logs_request(service: &str, records: &[(Option<[u8; 16]>, u64, String)]) -> Vec<u8> {
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope};
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use prost::Message;
    let log_records = records
        .iter()
        .map(|(trace, t, body)| LogRecord {
            time_unix_nano: *t,
            observed_time_unix_nano: *t,
            severity_number: 9,
            body: Some(AnyValue { value: Some(any_value::Value::StringValue(body.clone())) }),
            trace_id: trace.map(|t| t.to_vec()).unwrap_or_default(),
            span_id: trace.map(|_| 1u64.to_be_bytes().to_vec()).unwrap_or_default(),
            ..Default::default()
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource { attributes: vec![agenttrace_tests::long_run::kv("service.name", service)], ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope { name: "citus-logs".into(), ..Default::default() }),
                log_records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
    .encode_to_vec()
}

fn ingest_logs_ok(db: &mut Client, body: &[u8]) -> i64 {
    let row = db.query_one("SELECT * FROM agenttrace.ingest_logs($1)", &[&body]).unwrap();
    assert_eq!(row.get::<_, Option<String>>(2), None);
    row.get(0)
}

fn count(db: &mut Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).unwrap().get(0)
}

/// Traces with spans, log records of those traces and of none, at times from 40 days ago to 30
/// days ahead.
fn traces_and_logs(db: &mut Client, salt: u8, now: u64) -> Vec<[u8; 16]> {
    let traces: Vec<[u8; 16]> = (1..=6u8).map(|i| [salt, i, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i]).collect();
    for t in &traces {
        let r = ingest(db, &long_run_request(&long_run(*t, 3, false)), "application/x-protobuf", None);
        assert_eq!(r.error, None);
    }
    let mut records = Vec::new();
    for (i, t) in traces.iter().enumerate() {
        for k in 0..4u64 {
            records.push((Some(*t), now - (i as u64 % 3) * DAY_NS - k * HOUR_NS, format!("trace log {salt} {i} {k}")));
        }
    }
    for h in 0..48u64 {
        records.push((None, now - h * HOUR_NS, format!("plain log {salt} {h}")));
    }
    records.push((None, now - 40 * DAY_NS, format!("old log {salt}")));
    records.push((None, now + 30 * DAY_NS, format!("future log {salt}")));
    assert_eq!(ingest_logs_ok(db, &logs_request("citus-logs-a", &records)), records.len() as i64);
    let other: Vec<_> = (0..8u64).map(|h| (None, now - h * HOUR_NS, format!("other process {salt} {h}"))).collect();
    assert_eq!(ingest_logs_ok(db, &logs_request("citus-logs-b", &other)), other.len() as i64);
    traces
}

/// Log records whose shard is not their trace's (none when co-located).
const MISPLACED_LOGS: &str = "SELECT count(*) FROM agenttrace.log_records l
    JOIN pg_dist_shard a ON a.shardid = get_shard_id_for_distribution_column('agenttrace.log_records', l.route_id)
    JOIN pg_dist_shard b ON b.shardid = get_shard_id_for_distribution_column('agenttrace.traces', l.trace_id)
    JOIN citus_shards ca ON ca.shardid = a.shardid
    JOIN citus_shards cb ON cb.shardid = b.shardid
   WHERE l.trace_id IS NOT NULL AND (a.shardminvalue <> b.shardminvalue OR ca.nodeport <> cb.nodeport)";

/// log_records on Citus: distribute() keeps every row stored before it (moved into the day
/// partitions, the far past and future in the default one); a trace's records sit on the
/// trace's shard, trace-less ones spread; records ingested afterwards too, re-delivery adds
/// nothing; retention drops whole days.
#[test]
fn citus_log_records_live_with_their_trace_by_day() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let mut db = fresh_citus(&url);
    let kind: String =
        db.query_one("SELECT relkind::text FROM pg_class WHERE oid = 'agenttrace.log_records'::regclass", &[]).unwrap().get(0);
    assert_eq!(kind, "p", "partitioned at CREATE EXTENSION with Citus");
    traces_and_logs(&mut db, 1, now_ns());
    let tables = ["log_records", "spans", "traces", "span_events", "span_links"];
    let before: Vec<i64> = tables.iter().map(|t| count(&mut db, &format!("SELECT count(*) FROM agenttrace.{t}"))).collect();
    let logs_fp = "SELECT count(*), md5(string_agg(row(route_id, record_hash, time, trace_id, span_id, body, attributes, service_name)::text, ',' ORDER BY record_hash, time)) FROM agenttrace.log_records";
    let fp_before: (i64, String) = db.query_one(logs_fp, &[]).map(|r| (r.get(0), r.get(1))).unwrap();

    let rows = db
        .query("SELECT table_name, distribution, key FROM agenttrace.distribute(shard_count => 4) WHERE table_name = 'log_records'", &[])
        .unwrap();
    assert_eq!(
        (rows[0].get::<_, String>(1), rows[0].get::<_, String>(2)),
        ("distributed, partitioned by day".to_string(), "route_id".to_string())
    );
    let after: Vec<i64> = tables.iter().map(|t| count(&mut db, &format!("SELECT count(*) FROM agenttrace.{t}"))).collect();
    assert_eq!(before, after, "distribute() keeps every row of {tables:?}");
    let fp_after: (i64, String) = db.query_one(logs_fp, &[]).map(|r| (r.get(0), r.get(1))).unwrap();
    assert_eq!(fp_before, fp_after, "the same log records");
    let colocated: bool = db
        .query_one(
            "SELECT a.colocationid = b.colocationid FROM pg_dist_partition a, pg_dist_partition b
              WHERE a.logicalrelid = 'agenttrace.log_records'::regclass AND b.logicalrelid = 'agenttrace.traces'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(colocated, "log_records co-located with traces");
    assert_eq!(count(&mut db, MISPLACED_LOGS), 0, "a trace's log records on the trace's shard");
    assert!(count(&mut db, "SELECT count(*) FROM agenttrace.log_records WHERE trace_id IS NOT NULL") >= 24);
    let spread = count(
        &mut db,
        "SELECT count(DISTINCT get_shard_id_for_distribution_column('agenttrace.log_records', route_id)) FROM agenttrace.log_records WHERE trace_id IS NULL",
    );
    assert!(spread >= 2, "trace-less records spread over shards: {spread}");
    // Day partitions hold the recent days; the default one only the far past and future.
    let days =
        count(&mut db, "SELECT count(*) FROM time_partitions WHERE parent_table = 'agenttrace.log_records'::regclass AND to_value <> ''");
    assert!(days >= 9, "day partitions: {days}");
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.log_records_default"), 2);
    assert_eq!(
        count(&mut db, "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'agenttrace.log_records%' AND colocationid <> (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'agenttrace.traces'::regclass)"),
        0,
        "every partition co-located"
    );

    // Ingest after distribute(): routed by key, idempotent.
    let n = count(&mut db, "SELECT count(*) FROM agenttrace.log_records");
    let now = now_ns();
    let traces = traces_and_logs(&mut db, 2, now);
    let added = count(&mut db, "SELECT count(*) FROM agenttrace.log_records") - n;
    assert_eq!(added, 6 * 4 + 48 + 2 + 8);
    traces_and_logs(&mut db, 2, now);
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.log_records") - n, added, "re-delivery stores nothing twice");
    assert_eq!(count(&mut db, MISPLACED_LOGS), 0);
    let t = uuid_text(&traces[0]);
    assert_eq!(count(&mut db, &format!("SELECT count(*) FROM agenttrace.span_logs('{t}')")), 4);

    // Retention: days wholly older than the cutoff are dropped, the rest deleted by time.
    let total = count(&mut db, "SELECT count(*) FROM agenttrace.log_records");
    let old = count(&mut db, "SELECT count(*) FROM agenttrace.log_records WHERE time < now() - interval '36 hours'");
    let removed: Vec<(String, i64)> = db
        .query(
            "SELECT table_name, rows_removed FROM agenttrace.apply_retention(interval '36 hours') WHERE table_name LIKE 'log_records%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(removed.iter().any(|(t, n)| t == "log_records (partitions dropped)" && *n >= 1), "{removed:?}");
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.log_records"), total - old, "{removed:?}");
    assert_eq!(
        count(&mut db, "SELECT count(*) FROM time_partitions WHERE parent_table = 'agenttrace.log_records'::regclass AND to_value <> '' AND to_value::timestamptz <= now() - interval '36 hours'"),
        0
    );
    assert!(count(&mut db, "SELECT count(*) FROM time_partitions WHERE parent_table = 'agenttrace.log_records'::regclass AND from_value <> '' AND from_value::timestamptz > now() + interval '6 days'") >= 1, "days ahead created");
}

fn uuid_text(t: &[u8; 16]) -> String {
    agenttrace_core::ids::to_hex(t)
}

/// Concurrent writers of spans and log records of the same traces on the distributed,
/// partitioned tables: every record stored once, on its trace's shard.
#[test]
fn citus_concurrent_log_writers_store_every_record_once() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let (mut db, _single) = fresh_pair(&url);
    let now = now_ns();
    let traces: Vec<[u8; 16]> = (1..=8u8).map(|i| [9, i, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i]).collect();
    let writers: Vec<_> = (0..4u64)
        .map(|w| {
            let url = url.clone();
            let traces = traces.clone();
            std::thread::spawn(move || {
                let mut db = connect_to(&url);
                for round in 0..5u64 {
                    // every writer writes every trace's records (half of them the same records)
                    let records: Vec<_> = traces
                        .iter()
                        .enumerate()
                        .flat_map(|(i, t)| {
                            let mine = format!("w{w} r{round} t{i}");
                            let shared = format!("shared r{round} t{i}");
                            [(Some(*t), now - round * HOUR_NS, mine), (Some(*t), now - round * HOUR_NS, shared)]
                        })
                        .chain((0..4).map(|k| (None, now - k * HOUR_NS, format!("plain w{w} r{round} {k}"))))
                        .collect();
                    ingest_logs_ok(&mut db, &logs_request("citus-concurrent", &records));
                    if round == w {
                        for t in &traces[(w as usize * 2)..(w as usize * 2 + 2)] {
                            let r = ingest(&mut db, &long_run_request(&long_run(*t, 2, false)), "application/x-protobuf", None);
                            assert_eq!(r.error, None);
                        }
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    // per writer and round: 8 own + 4 plain; shared: 8 per round
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.log_records"), 4 * 5 * (8 + 4) + 5 * 8);
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.traces"), 8);
    assert_eq!(count(&mut db, MISPLACED_LOGS), 0);
}

/// pg_agenttrace created before Citus (log_records a plain table with rows), Citus added
/// afterwards: distribute() partitions log_records then (the rows become its default partition,
/// then move into their days), keeps every row, notes the traces of GenAI events; retention
/// runs; DROP EXTENSION works. In a scratch database created on every node and dropped after.
#[test]
fn citus_distribute_converts_log_records_stored_before_citus() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let mut citus = connect_to(&url);
    let coordinator: (String, i32) =
        citus.query_one("SELECT nodename, nodeport FROM pg_dist_node WHERE groupid = 0", &[]).map(|r| (r.get(0), r.get(1))).unwrap();
    let workers: Vec<(String, i32)> = citus
        .query("SELECT nodename, nodeport FROM pg_dist_node WHERE groupid > 0 ORDER BY 2", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let name = "agenttrace_citus_test_before";
    let node_url = |(h, p): &(String, i32), db: &str| format!("postgres://postgres@{h}:{p}/{db}");
    for node in std::iter::once(&coordinator).chain(&workers) {
        let mut admin = connect_to(&node_url(node, "postgres"));
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    }
    for w in &workers {
        connect_to(&node_url(w, name)).batch_execute("SET client_min_messages = warning; CREATE EXTENSION citus").unwrap();
    }
    let mut db = connect_to(&node_url(&coordinator, name));
    db.batch_execute("SET client_min_messages = warning; CREATE EXTENSION pg_trgm; CREATE EXTENSION pg_agenttrace").unwrap();
    traces_and_logs(&mut db, 3, now_ns());
    db.batch_execute("UPDATE agenttrace.log_records SET genai = '{}' WHERE trace_id IS NOT NULL AND body::text LIKE '%trace log 3 0 %'")
        .unwrap();
    let logs_fp = "SELECT count(*), md5(string_agg(row(route_id, record_hash, time, trace_id, span_id, body, genai)::text, ',' ORDER BY record_hash, time)) FROM agenttrace.log_records";
    let before: (i64, String) = db.query_one(logs_fp, &[]).map(|r| (r.get(0), r.get(1))).unwrap();
    let mut setup = format!(
        "SET client_min_messages = warning; CREATE EXTENSION citus; SELECT citus_set_coordinator_host('{}', {});",
        coordinator.0, coordinator.1
    );
    for (h, p) in &workers {
        setup += &format!("SELECT citus_add_node('{h}', {p});");
    }
    db.batch_execute(&setup).unwrap();
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.distribute(shard_count => 4) WHERE changed"), 23);
    let after: (i64, String) = db.query_one(logs_fp, &[]).map(|r| (r.get(0), r.get(1))).unwrap();
    assert_eq!(before, after, "every log record kept");
    assert_eq!(count(&mut db, MISPLACED_LOGS), 0);
    assert_eq!(count(&mut db, "SELECT count(*) FROM agenttrace.genai_event_traces"), 1);
    assert!(count(&mut db, "SELECT count(*) FROM agenttrace.apply_retention(interval '36 hours') WHERE table_name = 'log_records (partitions dropped)' AND rows_removed > 0") == 1);
    db.batch_execute("SET client_min_messages = warning; DROP EXTENSION pg_agenttrace CASCADE").unwrap();
    drop(db);
    for node in std::iter::once(&coordinator).chain(&workers) {
        connect_to(&node_url(node, "postgres")).batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    }
}

/// A session whose client encoding is not the database's (psql in a LATIN1 terminal) ingests
/// text that encoding cannot hold, and text it can, as a single node stores them: the shard
/// groups' arrays travel in the database's encoding, whatever the session's.
#[test]
fn citus_ingest_from_a_latin1_session_stores_the_same_text() {
    let Some(url) = citus_url() else {
        eprintln!("skipped: AGENTTRACE_CITUS_DATABASE_URL not set");
        return;
    };
    let _g = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let (mut citus, mut single) = fresh_pair(&url);
    let body = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"caf\u00e9"}}]},"scopeSpans":[{"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"say \u65e5\u672c","kind":1,
         "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000",
         "attributes":[{"key":"gen_ai.prompt","value":{"stringValue":"\u65e5\u672c\u8a9e cr\u00e8me"}}]},
        {"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175","name":"say caf\u00e9","kind":1,
         "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000",
         "attributes":[{"key":"gen_ai.prompt","value":{"stringValue":"cr\u00e8me"}}]}]}]}]}"#
        .as_bytes()
        .to_vec();
    for (db, encoding) in [(&mut citus, "LATIN1"), (&mut single, "UTF8")] {
        db.batch_execute(&format!("SET client_encoding = '{encoding}'")).unwrap();
        let accepted: i64 = db.query_one("SELECT accepted_spans FROM agenttrace.ingest($1, 'application/json')", &[&body]).unwrap().get(0);
        db.batch_execute("RESET client_encoding").unwrap();
        assert_eq!(accepted, 2, "both spans accepted ({encoding} session)");
    }
    let rows = |db: &mut Client| -> Vec<(String, String)> {
        db.query("SELECT name, attributes::text FROM agenttrace.spans ORDER BY name", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    let stored = rows(&mut citus);
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.iter().any(|(n, _)| n == "say 日本"), "{stored:?}");
    assert_eq!(stored, rows(&mut single), "the same text as on a single node");
    assert_same_runs(&mut citus, &mut single, "spans from a LATIN1 session", 2);
}
