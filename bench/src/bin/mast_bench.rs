//! MAST rule engine: quality on the labelled corpus and speed on a large run.
//!
//! `cargo run --release -p agenttrace-bench --bin mast_bench [-- <spans> <repeats>]`
//!
//! Prints, per corpus capture, the outcome / responsible agent / MAST modes expected by the
//! hand-written fixture (`core/tests/mast_fixtures`) next to what the engine found, per-mode
//! precision and recall, and the time to classify a synthetic run of 10,000 spans (target:
//! < 100 ms). Numbers only, never assertions.
use std::time::{Duration, Instant};

use agenttrace_core::analyze::analyze_run;
use agenttrace_core::mast::eval::{evaluate, synthetic_run};
use agenttrace_core::mast::{classify, MastConfig};

/// CPU time this thread has run (Linux `/proc/thread-self/schedstat`), to see through a loaded
/// machine; `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse::<u64>().ok().map(Duration::from_nanos)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let repeats: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(11).max(1);
    let cfg = MastConfig::default();

    println!("== MAST classification on the labelled corpus");
    let report = evaluate(&cfg);
    if report.rows.is_empty() {
        println!("(corpus not found: set AGENTTRACE_CORPUS)");
    } else {
        println!("{}", report.table());
        if !report.missing.is_empty() {
            println!("captures without a fixture: {:?}", report.missing);
        }
    }

    println!("== Timing: synthetic run of {n} spans (20 agents; agent turn + model call + tool call), median of {repeats}");
    let spans = synthetic_run(n);
    let mut t_an = Vec::new();
    let mut t_cl = Vec::new();
    let mut cpu_cl = Vec::new();
    let mut findings = 0;
    for _ in 0..repeats {
        let t = Instant::now();
        let a = analyze_run(&spans);
        t_an.push(t.elapsed());
        let c0 = thread_cpu();
        let t = Instant::now();
        let r = classify(&spans, &a, &cfg);
        t_cl.push(t.elapsed());
        if let (Some(c0), Some(c1)) = (c0, thread_cpu()) {
            cpu_cl.push(c1.saturating_sub(c0));
        }
        findings = r.findings.len();
    }
    let (an, cl) = (median(t_an), median(t_cl));
    if !cpu_cl.is_empty() {
        println!(
            "MAST classify CPU time:     {:>10.2?}  (median; wall time below includes waiting for a CPU on a loaded machine)",
            median(cpu_cl)
        );
    }
    println!("spans: {}", spans.len());
    println!("analyze_run (normalizer):   {:>10.2?}", an);
    println!(
        "MAST classify + attribution: {:>10.2?}  ({findings} findings)  target < 100 ms: {}",
        cl,
        if cl.as_millis() < 100 { "met" } else { "NOT met" }
    );
    println!("end to end:                 {:>10.2?}", an + cl);
}
