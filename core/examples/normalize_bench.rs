//! Benchmark of the framework normalizers on the shared OTLP corpus.
//!
//! `cargo run --release --example normalize_bench [-- --dump FILE] [-- --iters N]`
//!
//! The corpus is replicated (trace ids altered per copy) until it has at least 10,000 spans.
//! Reports: per-span `span_facts` over all spans, `analyze_run` per run (each copy of each capture
//! separately) and `analyze_run` over all 10,000 spans as a single run. `--dump FILE` writes every
//! capture's full `RunAnalysis` as JSON (for before/after behaviour comparison).
use std::time::{Duration, Instant};

use agenttrace_core::analyze::analyze_run;
use agenttrace_core::corpus::captures;
use agenttrace_core::model::SpanRecord;
use agenttrace_core::normalize::span_facts;
use agenttrace_core::otlp::{decode_body, Limits};

const TARGET: usize = 10_000;

/// Nanoseconds this thread has run on a CPU (Linux schedstat), for measuring on a busy machine.
fn cpu_ns() -> Option<u64> {
    let t = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    t.split_whitespace().next()?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let iters: usize = arg("--iters").and_then(|v| v.parse().ok()).unwrap_or(30);
    // `--phase facts|runs|single|none`: run only that phase (for instruction counting).
    let phase = arg("--phase");
    let on = |p: &str| phase.as_deref().is_none_or(|x| x == p);

    let mut runs: Vec<(String, Vec<SpanRecord>)> = Vec::new();
    for c in captures() {
        let mut spans = Vec::new();
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).expect("read body");
            let d = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &Limits::default()).expect("decode");
            spans.extend(d.spans);
        }
        runs.push((c.name.clone(), spans));
    }
    assert!(!runs.is_empty(), "corpus not found");

    if let Some(path) = arg("--dump") {
        let mut out = serde_json::Map::new();
        for (name, spans) in &runs {
            out.insert(name.clone(), serde_json::to_value(analyze_run(spans)).unwrap());
        }
        std::fs::write(&path, serde_json::to_string_pretty(&out).unwrap()).unwrap();
        eprintln!("wrote {path}");
    }
    if let Some(path) = arg("--dump-mut") {
        // Differential check input: every corpus span with each attribute removed, each string
        // attribute that holds JSON replaced by the parsed value, and each object/array attribute
        // replaced by its JSON text.
        let mut out = Vec::new();
        for (_, spans) in &runs {
            for s in spans {
                out.push(serde_json::to_value(span_facts(s)).unwrap());
                for k in s.attributes.keys() {
                    let mut m = s.clone();
                    m.attributes.remove(k);
                    out.push(serde_json::to_value(span_facts(&m)).unwrap());
                    let mut m = s.clone();
                    let v = m.attributes.get_mut(k).unwrap();
                    let alt = match v {
                        serde_json::Value::String(t) => serde_json::from_str::<serde_json::Value>(t).ok(),
                        serde_json::Value::Array(_) | serde_json::Value::Object(_) => Some(serde_json::Value::String(v.to_string())),
                        serde_json::Value::Number(n) => Some(serde_json::Value::String(format!(" {n} "))),
                        _ => None,
                    };
                    if let Some(alt) = alt {
                        *v = alt;
                        out.push(serde_json::to_value(span_facts(&m)).unwrap());
                    }
                }
            }
        }
        std::fs::write(&path, serde_json::to_string(&out).unwrap()).unwrap();
        eprintln!("wrote {path} ({} facts)", out.len());
    }

    let corpus_spans: usize = runs.iter().map(|r| r.1.len()).sum();
    // Replicate until TARGET spans; copy k xors k into the trace ids (links too) so runs stay apart.
    let mut copies: Vec<Vec<SpanRecord>> = Vec::new();
    let mut total = 0usize;
    let mut k: u32 = 0;
    'outer: loop {
        for (_, spans) in &runs {
            let mut c = spans.clone();
            let tag = k.to_be_bytes();
            for s in &mut c {
                for (b, t) in s.trace_id[12..].iter_mut().zip(tag) {
                    *b ^= t;
                }
                for l in &mut s.links {
                    for (b, t) in l.trace_id[12..].iter_mut().zip(tag) {
                        *b ^= t;
                    }
                }
            }
            total += c.len();
            copies.push(c);
            if total >= TARGET {
                break 'outer;
            }
        }
        k += 1;
    }
    let all: Vec<SpanRecord> = copies.iter().flatten().cloned().collect();
    let all = &all[..TARGET.min(all.len())];
    println!(
        "corpus: {} captures, {} spans; bench input: {} runs, {} spans (using {} for per-span / single-run)",
        runs.len(),
        corpus_spans,
        copies.len(),
        total,
        all.len()
    );

    let scale = |d: Duration, n: usize| d.as_secs_f64() * 1e3 * (TARGET as f64) / (n as f64);
    let mut t_facts = Vec::new();
    let mut t_runs = Vec::new();
    let mut t_single = Vec::new();
    let mut sink = 0usize;
    let mut cpu = [0u64; 3];
    for _ in 0..iters {
        if on("facts") {
            let c = cpu_ns();
            let t = Instant::now();
            for s in all {
                let f = span_facts(s);
                sink += f.input_messages.len() + f.output_text.as_ref().map_or(0, String::len);
            }
            t_facts.push(scale(t.elapsed(), all.len()));
            cpu[0] += cpu_ns().zip(c).map_or(0, |(b, a)| b - a);
        }
        if on("runs") {
            let c = cpu_ns();
            let t = Instant::now();
            for c in &copies {
                let a = analyze_run(c);
                sink += a.messages.len() + a.agents.len();
            }
            t_runs.push(scale(t.elapsed(), total));
            cpu[1] += cpu_ns().zip(c).map_or(0, |(b, a)| b - a);
        }
        if on("single") {
            let c = cpu_ns();
            let t = Instant::now();
            let a = analyze_run(all);
            sink += a.messages.len() + a.agents.len();
            t_single.push(scale(t.elapsed(), all.len()));
            cpu[2] += cpu_ns().zip(c).map_or(0, |(b, a)| b - a);
        }
    }
    if phase.is_some() {
        return;
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        (v[0], v[v.len() / 2])
    };
    let (fmin, fmed) = stats(&mut t_facts);
    let (rmin, rmed) = stats(&mut t_runs);
    let (smin, smed) = stats(&mut t_single);
    let c = |i: usize, n: usize| cpu[i] as f64 / 1e6 / iters as f64 * (TARGET as f64) / (n as f64);
    println!("ms per {TARGET} spans: wall min / wall median / on-CPU mean, {iters} iterations:");
    println!("  span_facts (per span)          {fmin:8.2} / {fmed:8.2} / {:8.2}", c(0, all.len()));
    println!("  analyze_run (per run copies)   {rmin:8.2} / {rmed:8.2} / {:8.2}", c(1, total));
    println!("  analyze_run (single run)       {smin:8.2} / {smed:8.2} / {:8.2}", c(2, all.len()));
    if sink == 1 {
        println!();
    }
}
