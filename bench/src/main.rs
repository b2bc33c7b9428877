//! `agenttrace-bench`: agenttrace.ingest throughput against a plain COPY of the same span rows.
//!
//!   cargo run --release -p agenttrace-bench -- [--spans N] [--batch N] [--run-spans N] [--database-url URL] [--profile ROUNDS [--profile-raw]]
//!
//! Creates a scratch database `agenttrace_bench` (TimescaleDB + pg_agenttrace), generates N
//! realistic agent spans in export requests of `batch` spans, then measures on the same tables:
//!   1. COPY (text) of the exact span rows ingest would store: the physical limit here;
//!   2. agenttrace.ingest with `agenttrace.normalize = off` (decode + store only);
//!   3. agenttrace.ingest with the framework normalizers (the default);
//!   4. the same with two sessions in parallel (this machine has two cores).
//!
//! Prints spans/s; asserts nothing.
use std::collections::HashMap;
use std::time::Instant;

use agenttrace_bench::copy_text::{span_line, SPAN_COLUMNS};
use agenttrace_bench::workload::requests;
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::otlp::{request_to_records, Limits};
use agenttrace_core::rows::SpanRow;
use postgres::{Client, NoTls};
use prost::Message;

/// CPU seconds (user + system) the backend serving `db` has used so far: a measure that other
/// load on the machine does not distort the way wall time is.
fn backend_cpu(db: &mut Client) -> f64 {
    let pid: i32 = db.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(") ").map(|(_, r)| r.split(' ').collect()).unwrap_or_default();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0 // USER_HZ
}

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| default.to_string())
}

const TABLES: &str = "agenttrace.spans, agenttrace.span_events, agenttrace.span_links, agenttrace.traces, agenttrace.run_summaries, \
                      agenttrace.agents, agenttrace.agent_messages, agenttrace.tool_calls, agenttrace.resources";

fn main() {
    let spans: usize = arg("--spans", "100000").parse().expect("--spans");
    let batch: usize = arg("--batch", "512").parse().expect("--batch");
    let admin_url = arg("--database-url", "postgres://postgres@127.0.0.1:5433/postgres");
    let bench_url = admin_url.rsplit_once('/').map(|(a, _)| format!("{a}/agenttrace_bench")).expect("url");

    let mut admin = Client::connect(&admin_url, NoTls).expect("connect");
    admin.batch_execute("DROP DATABASE IF EXISTS agenttrace_bench WITH (FORCE)").expect("drop db");
    admin.batch_execute("CREATE DATABASE agenttrace_bench").expect("create db");
    let mut db = Client::connect(&bench_url, NoTls).expect("connect bench db");
    db.batch_execute("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS timescaledb; CREATE EXTENSION pg_agenttrace")
        .expect("extensions");
    let version: String = db.query_one("SELECT agenttrace.version()", &[]).unwrap().get(0);
    let hyper: i64 =
        db.query_one("SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = 'spans'", &[]).unwrap().get(0);

    println!("pg_agenttrace {version} ingest benchmark: {spans} spans in requests of {batch} spans (spans hypertable: {})", hyper == 1);
    let run_spans: usize = arg("--run-spans", "50").parse().expect("--run-spans");
    let reqs = requests(spans, batch, run_spans, 1);
    let bodies: Vec<Vec<u8>> = reqs.iter().map(|r| r.encode_to_vec()).collect();
    let body_bytes: usize = bodies.iter().map(Vec::len).sum();
    println!("  workload: {} requests, {:.1} MiB protobuf, ~{run_spans} spans per run", bodies.len(), body_bytes as f64 / (1 << 20) as f64);

    // 1. COPY baseline: the same rows (facts included), precomputed outside the timing.
    let mut records = Vec::new();
    for r in reqs.clone() {
        records.extend(request_to_records(r, &Limits::default()).expect("decode").spans);
    }
    let mut by_trace: HashMap<[u8; 16], Vec<_>> = HashMap::new();
    for s in records {
        by_trace.entry(s.trace_id).or_default().push(s);
    }
    let mut text = String::new();
    for (trace, run_spans) in &by_trace {
        let a = analyze_run(run_spans);
        for (s, f) in run_spans.iter().zip(&a.facts) {
            span_line(&mut text, &SpanRow::new(s, f, *trace));
        }
    }
    let cpu0 = backend_cpu(&mut db);
    let copy_rate = {
        let t = Instant::now();
        let mut w = db.copy_in(&format!("COPY agenttrace.spans ({SPAN_COLUMNS}) FROM STDIN")).expect("copy");
        std::io::Write::write_all(&mut w, text.as_bytes()).expect("copy write");
        let n = w.finish().expect("copy finish");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(n as usize, spans);
        spans as f64 / secs
    };
    let copy_cpu = (backend_cpu(&mut db) - cpu0) * 1e6 / spans as f64;
    println!(
        "  COPY span rows into agenttrace.spans        {:>9.0} spans/s  (physical limit)   backend CPU {copy_cpu:>5.1} µs/span",
        copy_rate
    );
    db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();

    let ingest_all = |db: &mut Client, bodies: &[Vec<u8>]| {
        for b in bodies {
            let r = db.query_one("SELECT accepted_spans, error_message FROM agenttrace.ingest($1)", &[b]).expect("ingest");
            let err: Option<String> = r.get(1);
            assert!(err.is_none(), "{err:?}");
        }
    };
    let stored = |db: &mut Client| -> i64 { db.query_one("SELECT count(*) FROM agenttrace.spans", &[]).unwrap().get(0) };

    // 2. Raw ingest.
    db.batch_execute("SET agenttrace.normalize = off").unwrap();
    let cpu0 = backend_cpu(&mut db);
    let t = Instant::now();
    ingest_all(&mut db, &bodies);
    let raw_rate = spans as f64 / t.elapsed().as_secs_f64();
    let raw_cpu = (backend_cpu(&mut db) - cpu0) * 1e6 / spans as f64;
    assert_eq!(stored(&mut db) as usize, spans);
    println!(
        "  agenttrace.ingest, normalize = off          {:>9.0} spans/s  ({:.0}% of COPY)      backend CPU {raw_cpu:>5.1} µs/span ({:.0}% of COPY's speed by CPU)",
        raw_rate,
        100.0 * raw_rate / copy_rate,
        100.0 * copy_cpu / raw_cpu
    );
    db.batch_execute(&format!("TRUNCATE {TABLES}; RESET agenttrace.normalize")).unwrap();

    // 3. Full ingest with normalizers.
    let cpu0 = backend_cpu(&mut db);
    let t = Instant::now();
    ingest_all(&mut db, &bodies);
    let full_rate = spans as f64 / t.elapsed().as_secs_f64();
    let full_cpu = (backend_cpu(&mut db) - cpu0) * 1e6 / spans as f64;
    assert_eq!(stored(&mut db) as usize, spans);
    let runs: i64 = db.query_one("SELECT count(*) FROM agenttrace.run_summaries", &[]).unwrap().get(0);
    let agents: i64 = db.query_one("SELECT count(*) FROM agenttrace.agents", &[]).unwrap().get(0);
    println!(
        "  agenttrace.ingest, normalized               {:>9.0} spans/s  ({:.0}% of COPY)      backend CPU {full_cpu:>5.1} µs/span ({:.0}% of COPY's speed by CPU, {:.0}% of raw's)",
        full_rate,
        100.0 * full_rate / copy_rate,
        100.0 * copy_cpu / full_cpu,
        100.0 * raw_cpu / full_cpu
    );
    println!("    ({runs} runs, {agents} agent rows derived)");
    println!(
        "  normalization cost: throughput {:.0}% of raw (cut {:.0}%), backend CPU +{:.1} µs/span (cut {:.0}%)",
        100.0 * full_rate / raw_rate,
        100.0 - 100.0 * full_rate / raw_rate,
        full_cpu - raw_cpu,
        100.0 - 100.0 * raw_cpu / full_cpu
    );
    db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();

    // --profile N: repeat the normalized phase N more times, for `perf record -a` or
    // pg_stat_statements to look at (the numbers above are unaffected).
    // --profile-raw: those rounds with `agenttrace.normalize = off`.
    let profile_rounds: usize = arg("--profile", "0").parse().expect("--profile");
    if std::env::args().any(|a| a == "--profile-raw") {
        db.batch_execute("SET agenttrace.normalize = off").unwrap();
    }
    for _ in 0..profile_rounds {
        ingest_all(&mut db, &bodies);
        db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();
    }
    db.batch_execute("RESET agenttrace.normalize").unwrap();

    // 4. Two sessions in parallel, each half of the requests.
    let t = Instant::now();
    let (a, b) = bodies.split_at(bodies.len() / 2);
    std::thread::scope(|scope| {
        for part in [a, b] {
            let url = bench_url.clone();
            scope.spawn(move || {
                let mut c = Client::connect(&url, NoTls).expect("connect");
                ingest_all(&mut c, part);
            });
        }
    });
    let par_rate = spans as f64 / t.elapsed().as_secs_f64();
    assert_eq!(stored(&mut db) as usize, spans);
    println!("  agenttrace.ingest, normalized, 2 sessions   {:>9.0} spans/s  ({:.0}% of COPY)", par_rate, 100.0 * par_rate / copy_rate);
}
