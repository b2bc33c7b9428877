//! Content-grounded failure analysis on the labelled semantic captures, and its speed.
//!
//! `cargo run --release -p agenttrace-bench --bin semantic_eval [-- <spans> <repeats>]`
//!
//! Prints, per `sem_*` capture (labels in `semantic-labels.json`), the labelled outcome, the
//! analysed verdict, the responsible agent and the modes found; per MAST mode and in total:
//! failed runs flagged, responsible agent right, expected modes found, forbidden modes reported,
//! clean runs with findings. Then the time to classify + attribute a synthetic run of 10,000 spans
//! (target: < 100 ms). Numbers only, never assertions.
use std::time::{Duration, Instant};

use agenttrace_core::analyze::analyze_run;
use agenttrace_core::mast::eval::synthetic_run;
use agenttrace_core::mast::semantic_eval::evaluate;
use agenttrace_core::mast::{classify, rules, MastConfig};

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

    println!("== Semantic failure analysis on the labelled captures");
    let rep = evaluate(&cfg);
    if rep.rows.is_empty() {
        println!("(semantic-labels.json not found: set AGENTTRACE_CORPUS)");
    } else {
        println!("{}", rep.table());
        if std::env::var_os("SEM_VERBOSE").is_some() {
            println!("{}", rep.details());
        }
    }

    println!("== Timing: synthetic run of {n} spans, analyse + classify + attribute, median of {repeats}");
    let spans = synthetic_run(n);
    let (mut t_an, mut t_cl, mut cpu_cl) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..repeats {
        let t = Instant::now();
        let a = analyze_run(&spans);
        t_an.push(t.elapsed());
        let c0 = thread_cpu();
        let t = Instant::now();
        let r = classify(&spans, &a, &cfg);
        t_cl.push(t.elapsed());
        if let (Some(c0), Some(c1)) = (c0, thread_cpu()) {
            cpu_cl.push(c1 - c0);
        }
        std::hint::black_box(r);
    }
    println!(
        "spans {}  analyze_run {:.1} ms  classify+attribute {:.1} ms wall{}",
        spans.len(),
        median(t_an).as_secs_f64() * 1e3,
        median(t_cl).as_secs_f64() * 1e3,
        if cpu_cl.is_empty() { String::new() } else { format!(", {:.1} ms CPU", median(cpu_cl).as_secs_f64() * 1e3) }
    );
    if std::env::var_os("SEM_PROFILE").is_some() {
        // CPU cost of each rule: classification with that rule disabled, subtracted.
        let a = analyze_run(&spans);
        let cpu = |c: &MastConfig| {
            median(
                (0..7)
                    .map(|_| {
                        let c0 = thread_cpu().unwrap_or_default();
                        std::hint::black_box(classify(&spans, &a, c));
                        thread_cpu().unwrap_or_default().saturating_sub(c0)
                    })
                    .collect(),
            )
        };
        let base = cpu(&cfg);
        for (name, mode, _) in rules::rules() {
            let c = MastConfig { disabled_rules: vec![name.to_string()], ..cfg.clone() };
            println!("{mode} {name:<40} {:>6.1} ms CPU", (base.as_secs_f64() - cpu(&c).as_secs_f64()) * 1e3);
        }
    }
}
