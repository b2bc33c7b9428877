//! `run_length`: does ingest cost per span grow with the length of the run?
//!
//!   cargo run --release -p agenttrace-bench --bin run_length -- [--run-spans 50,2000,10000] [--batches 64,512]
//!       [--min-spans 10000] [--normalized-max-run N] [--repeat 3] [--database-url URL]
//!       [--citus-database URL]
//!
//! For every (spans per run, spans per request) pair, in one scratch database `agenttrace_bench_rl`
//! (TimescaleDB + pg_agenttrace), on the same tables: COPY of the exact span rows ingest stores,
//! `agenttrace.ingest` with `agenttrace.normalize = off` (raw) and with the normalizers. Each case
//! ingests whole runs, at least --min-spans spans (in export order: children before parents, each run's
//! root last; one session). Prints spans/s
//! and backend CPU µs/span, and the backend's peak memory (VmHWM, which includes the shared
//! buffers it touched, and its private anonymous memory from /proc/<pid>/smaps_rollup at the end of a
//! case) for every normalized case. `--normalized-max-run N` skips the normalized phase for runs
//! longer than N spans (while normalized cost still grows with the run, a 50,000-span run in
//! 64-span requests takes many minutes). Every case runs its three phases `--repeat` times
//! (alternating) and prints each phase's median. Asserts nothing.
//!
//! `--citus-database URL` runs the same sweep on a Citus coordinator's scratch database whose
//! pg_agenttrace tables are distributed (its tables are truncated between phases); µs/span is the
//! coordinator backend's CPU only, spans/s is the figure to compare.
use std::collections::HashMap;
use std::time::Instant;

use agenttrace_bench::copy_text::{span_line, SPAN_COLUMNS};
use agenttrace_bench::workload::whole_run_requests;
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::otlp::{request_to_records, Limits};
use agenttrace_core::rows::SpanRow;
use postgres::{Client, NoTls};
use prost::Message;

fn backend_pid(db: &mut Client) -> i32 {
    db.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0)
}

/// CPU seconds (user + system) the backend `pid` has used so far.
fn backend_cpu(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(") ").map(|(_, r)| r.split(' ').collect()).unwrap_or_default();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0 // USER_HZ
}

/// (peak RSS, private anonymous memory now) of backend `pid`, in MiB.
fn backend_mem(pid: i32) -> (f64, f64) {
    let kb = |file: &str, key: &str| -> f64 {
        std::fs::read_to_string(format!("/proc/{pid}/{file}"))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("status", "VmHWM:") / 1024.0, kb("smaps_rollup", "Anonymous:") / 1024.0)
}

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| default.to_string())
}

fn list(name: &str, default: &str) -> Vec<usize> {
    arg(name, default).split(',').map(|v| v.trim().replace('_', "").parse().expect(name)).collect()
}

const TABLES: &str = "agenttrace.spans, agenttrace.span_events, agenttrace.span_links, agenttrace.traces, agenttrace.run_summaries, \
                      agenttrace.agents, agenttrace.agent_messages, agenttrace.tool_calls, agenttrace.resources, \
                      agenttrace.checkpoints, agenttrace.run_search, agenttrace.run_state";

struct Phase {
    rate: f64,
    cpu_us: f64,
    mem: (f64, f64),
}

fn ingest_phase(url: &str, bodies: &[Vec<u8>], spans: usize, normalize: bool) -> Phase {
    let mut db = Client::connect(url, NoTls).expect("connect");
    if !normalize {
        db.batch_execute("SET agenttrace.normalize = off").unwrap();
    }
    let pid = backend_pid(&mut db);
    let cpu0 = backend_cpu(pid);
    let t = Instant::now();
    for b in bodies {
        let r = db.query_one("SELECT accepted_spans, error_message FROM agenttrace.ingest($1)", &[b]).expect("ingest");
        let err: Option<String> = r.get(1);
        assert!(err.is_none(), "{err:?}");
    }
    let rate = spans as f64 / t.elapsed().as_secs_f64();
    let cpu_us = (backend_cpu(pid) - cpu0) * 1e6 / spans as f64;
    let mem = backend_mem(pid);
    let n: i64 = db.query_one("SELECT count(*) FROM agenttrace.spans", &[]).unwrap().get(0);
    assert_eq!(n as usize, spans);
    Phase { rate, cpu_us, mem }
}

/// The median CPU per span and the median rate over the repeats (each on its own), and the
/// largest memory seen.
fn median(mut phases: Vec<Phase>) -> Phase {
    let mem = phases.iter().fold((0.0f64, 0.0f64), |m, p| (m.0.max(p.mem.0), m.1.max(p.mem.1)));
    phases.sort_by(|a, b| a.cpu_us.total_cmp(&b.cpu_us));
    let rates: Vec<f64> = {
        let mut r: Vec<f64> = phases.iter().map(|p| p.rate).collect();
        r.sort_by(f64::total_cmp);
        r
    };
    let mid = phases.len() / 2;
    Phase { rate: rates[mid], cpu_us: phases[mid].cpu_us, mem }
}

fn main() {
    let run_lengths = list("--run-spans", "50,2000,10000");
    let repeat: usize = arg("--repeat", "3").parse::<usize>().expect("--repeat").max(1);
    let batches = list("--batches", "64,512");
    let min_spans: usize = arg("--min-spans", "10000").parse().expect("--min-spans");
    let normalized_max: usize = arg("--normalized-max-run", &usize::MAX.to_string()).parse().expect("--normalized-max-run");
    let admin_url = arg("--database-url", "postgres://postgres@127.0.0.1:5433/postgres");
    // --citus-database URL: a Citus coordinator's database that has pg_agenttrace distributed
    // (agenttrace.distribute()); its pg_agenttrace tables are TRUNCATEd between phases, so use a
    // scratch one. µs/span is then the coordinator backend's CPU only (the workers' is not seen).
    let citus = std::env::args().any(|a| a == "--citus-database");
    let url = if citus {
        arg("--citus-database", "")
    } else {
        admin_url.rsplit_once('/').map(|(a, _)| format!("{a}/agenttrace_bench_rl")).expect("url")
    };
    if !citus {
        let mut admin = Client::connect(&admin_url, NoTls).expect("connect");
        admin.batch_execute("DROP DATABASE IF EXISTS agenttrace_bench_rl WITH (FORCE)").expect("drop db");
        admin.batch_execute("CREATE DATABASE agenttrace_bench_rl").expect("create db");
    }
    let mut db = Client::connect(&url, NoTls).expect("connect bench db");
    if citus {
        let n: i64 = db
            .query_one("SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = 'agenttrace.spans'::regclass", &[])
            .expect("a Citus database with pg_agenttrace")
            .get(0);
        assert_eq!(n, 1, "agenttrace.spans is not distributed: SELECT agenttrace.distribute() first");
    } else {
        db.batch_execute("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS timescaledb; CREATE EXTENSION pg_agenttrace")
            .expect("extensions");
    }
    let version: String = db.query_one("SELECT agenttrace.version()", &[]).unwrap().get(0);
    println!(
        "pg_agenttrace {version}: run-length sweep (one session, whole runs in order; µs = backend CPU per span{})",
        if citus { " of the Citus coordinator only" } else { "" }
    );
    println!(
        "{:>11} {:>6} {:>7} | {:>18} | {:>18} | {:>18} | {:>9} {:>9} | {:>12}",
        "spans/run", "batch", "spans", "COPY", "raw", "normalized", "raw/COPY", "norm/COPY", "peak MiB"
    );
    let mut largest = (0usize, 0usize, (0.0, 0.0));
    for &run_spans in &run_lengths {
        for &batch in &batches {
            // Whole runs: each ends with its root span (the late parent of every agent turn).
            let reqs = whole_run_requests(run_spans.max(min_spans).div_ceil(run_spans), batch, run_spans, 1);
            let spans: usize =
                reqs.iter().map(|r| r.resource_spans.iter().flat_map(|rs| &rs.scope_spans).map(|ss| ss.spans.len()).sum::<usize>()).sum();
            let bodies: Vec<Vec<u8>> = reqs.iter().map(|r| r.encode_to_vec()).collect();

            // COPY of the same rows (facts included), computed outside the timing.
            let mut by_trace: HashMap<[u8; 16], Vec<_>> = HashMap::new();
            for r in reqs {
                for s in request_to_records(r, &Limits::default()).expect("decode").spans {
                    by_trace.entry(s.trace_id).or_default().push(s);
                }
            }
            let mut text = String::new();
            for (trace, run) in &by_trace {
                let a = analyze_run(run);
                for (s, f) in run.iter().zip(&a.facts) {
                    span_line(&mut text, &SpanRow::new(s, f, *trace));
                }
            }
            drop(by_trace);
            // Each phase `repeat` times, alternating; the median of each is printed (on a shared
            // machine one measurement alone moved by a fifth from run to run).
            let (mut copies, mut raws, mut norms) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..repeat {
                db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();
                let pid = backend_pid(&mut db);
                let cpu0 = backend_cpu(pid);
                let t = Instant::now();
                let mut w = db.copy_in(&format!("COPY agenttrace.spans ({SPAN_COLUMNS}) FROM STDIN")).expect("copy");
                std::io::Write::write_all(&mut w, text.as_bytes()).expect("copy write");
                let n = w.finish().expect("copy finish");
                copies.push(Phase {
                    rate: spans as f64 / t.elapsed().as_secs_f64(),
                    cpu_us: (backend_cpu(pid) - cpu0) * 1e6 / spans as f64,
                    mem: (0.0, 0.0),
                });
                assert_eq!(n as usize, spans);
                db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();
                raws.push(ingest_phase(&url, &bodies, spans, false));
                db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();
                if run_spans <= normalized_max {
                    norms.push(ingest_phase(&url, &bodies, spans, true));
                }
            }
            drop(text);
            let copy = median(copies);
            let raw = median(raws);
            let norm = (!norms.is_empty()).then(|| median(norms));
            let cell = |p: &Phase| format!("{:>8.0}/s {:>6.1} µs", p.rate, p.cpu_us);
            let Some(norm) = norm else {
                println!(
                    "{:>11} {:>6} {:>7} | {} | {} | {:>18} | {:>8.0}% {:>9} |",
                    run_spans,
                    batch,
                    spans,
                    cell(&copy),
                    cell(&raw),
                    "(skipped)",
                    100.0 * raw.rate / copy.rate,
                    ""
                );
                continue;
            };
            println!(
                "{:>11} {:>6} {:>7} | {} | {} | {} | {:>8.0}% {:>8.0}% | {:>5.0} / {:>4.0}",
                run_spans,
                batch,
                spans,
                cell(&copy),
                cell(&raw),
                cell(&norm),
                100.0 * raw.rate / copy.rate,
                100.0 * norm.rate / copy.rate,
                norm.mem.0,
                norm.mem.1
            );
            if run_spans >= largest.0 {
                largest = (run_spans, batch, norm.mem);
            }
        }
    }
    db.batch_execute(&format!("TRUNCATE {TABLES}")).unwrap();
    if largest.0 == 0 {
        return;
    }
    println!(
        "peak backend memory, normalized, {}-span runs in {}-span requests: VmHWM {:.0} MiB (shared buffers touched included), private {:.0} MiB",
        largest.0, largest.1, largest.2 .0, largest.2 .1
    );
}
