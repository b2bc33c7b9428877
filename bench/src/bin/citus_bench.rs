//! `citus_bench`: agenttrace.ingest on a Citus cluster beside a single node, in one run.
//!
//!   scripts/citus.sh start
//!   cargo run --release -p agenttrace-bench --bin citus_bench -- [--spans N] [--batch N] [--run-spans N]
//!         [--shards N] [--database-url postgres://postgres@127.0.0.1:5450/postgres] [--dump-bodies DIR]
//!
//! On the coordinator's server (scripts/citus.sh: coordinator + 2 workers, one machine) it
//! creates `agenttrace_bench_citus` (citus + pg_agenttrace, agenttrace.distribute(shards)) and
//! `agenttrace_bench_single` (pg_agenttrace only: plain tables, the single-node path), then
//! ingests the same generated agent spans into each: one session, then two in parallel.
//! One machine: this measures the distributed path and its overhead, not scale-out.
//! Prints spans/s; asserts nothing.
use std::time::Instant;

use agenttrace_bench::workload::requests;
use postgres::{Client, NoTls};
use prost::Message;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| default.to_string())
}

fn with_db(url: &str, db: &str) -> String {
    url.rsplit_once('/').map(|(a, _)| format!("{a}/{db}")).expect("url")
}

fn ingest_all(url: &str, bodies: &[Vec<u8>]) {
    let mut db = Client::connect(url, NoTls).expect("connect");
    for b in bodies {
        let row = db.query_one("SELECT * FROM agenttrace.ingest($1)", &[b]).expect("agenttrace.ingest");
        let err: Option<String> = row.get(2);
        assert!(err.is_none(), "{err:?}");
    }
}

/// spans/s of one session over all bodies, and of two sessions taking half each.
fn measure(url: &str, first: &[Vec<u8>], second: &[Vec<u8>], spans_each: usize) -> (f64, f64) {
    let t = Instant::now();
    ingest_all(url, first);
    let one = spans_each as f64 / t.elapsed().as_secs_f64();
    let half = second.len() / 2;
    let (a, b) = (second[..half].to_vec(), second[half..].to_vec());
    let (u1, u2) = (url.to_string(), url.to_string());
    let t = Instant::now();
    let h1 = std::thread::spawn(move || ingest_all(&u1, &a));
    let h2 = std::thread::spawn(move || ingest_all(&u2, &b));
    h1.join().unwrap();
    h2.join().unwrap();
    let two = spans_each as f64 / t.elapsed().as_secs_f64();
    (one, two)
}

fn main() {
    let spans: usize = arg("--spans", "20000").parse().expect("--spans");
    let batch: usize = arg("--batch", "256").parse().expect("--batch");
    let run_spans: usize = arg("--run-spans", "50").parse().expect("--run-spans");
    let shards: i32 = arg("--shards", "32").parse().expect("--shards");
    let admin_url = arg("--database-url", "postgres://postgres@127.0.0.1:5450/postgres");
    let mut admin = Client::connect(&admin_url, NoTls).expect("connect to the coordinator (scripts/citus.sh start)");
    for db in ["agenttrace_bench_citus", "agenttrace_bench_single"] {
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).expect("drop");
    }
    // Citus: the database on every node (CREATE DATABASE is not propagated), workers registered.
    let workers: Vec<(String, i32)> = {
        let mut probe = Client::connect(&with_db(&admin_url, "agenttrace"), NoTls)
            .expect("database agenttrace of scripts/citus.sh (lists the workers)");
        probe
            .query("SELECT nodename::text, nodeport FROM pg_dist_node WHERE groupid <> 0 ORDER BY nodeport", &[])
            .expect("pg_dist_node")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    let (host, port) = {
        let hp = admin_url.split('@').nth(1).unwrap().split('/').next().unwrap();
        let (h, p) = hp.rsplit_once(':').unwrap();
        (h.to_string(), p.parse::<i32>().unwrap())
    };
    for (h, p) in &workers {
        let url = format!("postgres://postgres@{h}:{p}/postgres");
        let mut w = Client::connect(&url, NoTls).expect("worker");
        w.batch_execute("DROP DATABASE IF EXISTS agenttrace_bench_citus WITH (FORCE)").unwrap();
        w.batch_execute("CREATE DATABASE agenttrace_bench_citus").unwrap();
        let mut wd = Client::connect(&with_db(&url, "agenttrace_bench_citus"), NoTls).unwrap();
        wd.batch_execute("SET client_min_messages = warning; CREATE EXTENSION citus").unwrap();
    }
    admin.batch_execute("CREATE DATABASE agenttrace_bench_citus").unwrap();
    admin.batch_execute("CREATE DATABASE agenttrace_bench_single").unwrap();
    let citus_url = with_db(&admin_url, "agenttrace_bench_citus");
    let single_url = with_db(&admin_url, "agenttrace_bench_single");
    {
        let mut c = Client::connect(&citus_url, NoTls).unwrap();
        c.batch_execute("SET client_min_messages = warning; CREATE EXTENSION citus").unwrap();
        c.execute("SELECT citus_set_coordinator_host($1, $2)", &[&host, &port]).unwrap();
        for (h, p) in &workers {
            c.execute("SELECT citus_add_node($1, $2)", &[h, p]).unwrap();
        }
        c.batch_execute("CREATE EXTENSION pg_agenttrace").unwrap();
        c.execute("SELECT count(*) FROM agenttrace.distribute($1)", &[&shards]).unwrap();
        let mut s = Client::connect(&single_url, NoTls).unwrap();
        s.batch_execute("SET client_min_messages = warning; CREATE EXTENSION pg_agenttrace").unwrap();
    }

    // Two disjoint halves of the workload: the first for one session, the second for two.
    let reqs = requests(2 * spans, batch, run_spans, 7);
    let bodies: Vec<Vec<u8>> = reqs.iter().map(|r| r.encode_to_vec()).collect();
    let (first, second) = bodies.split_at(bodies.len() / 2);
    // `--dump-bodies DIR`: also write the request bodies there (to replay one with psql, e.g.
    // under citus.log_remote_commands).
    let dump = arg("--dump-bodies", "");
    if !dump.is_empty() {
        std::fs::create_dir_all(&dump).expect("--dump-bodies");
        for (k, b) in bodies.iter().enumerate() {
            std::fs::write(format!("{dump}/{k:04}.bin"), b).expect("write body");
        }
    }
    println!(
        "pg_agenttrace ingest, Citus ({} workers, {shards} shards per table, one machine) beside a single node: \
         {spans} spans per measurement in requests of {batch} spans, ~{run_spans} spans per run",
        workers.len()
    );
    let (s1, s2) = measure(&single_url, first, second, spans);
    let (c1, c2) = measure(&citus_url, first, second, spans);
    println!("  single node, 1 session : {s1:>8.0} spans/s");
    println!("  citus,       1 session : {c1:>8.0} spans/s  ({:.1}x the single node's time per span)", s1 / c1);
    println!("  single node, 2 sessions: {s2:>8.0} spans/s");
    println!("  citus,       2 sessions: {c2:>8.0} spans/s  ({:.1}x the single node's time per span)", s2 / c2);
}
