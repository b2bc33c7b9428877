//! Where the extension's CPU goes per span outside PostgreSQL: decode, redact, normalize, rows.
//!   cargo run --release -p agenttrace-bench --bin ingest_cpu
use std::time::Instant;

use agenttrace_bench::workload::requests;
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::otlp::{decode_body, Limits};
use agenttrace_core::redact::Redactor;
use agenttrace_core::rows::{status_facts, SpanRow};
use prost::Message;

fn main() {
    let n = 50_000;
    let bodies: Vec<Vec<u8>> = requests(n, 512, 50, 7).iter().map(|r| r.encode_to_vec()).collect();
    let limits = Limits::default();
    let per_span = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / n as f64;

    let t = Instant::now();
    let mut decoded: Vec<_> = bodies.iter().map(|b| decode_body(b, None, None, &limits).expect("decode")).collect();
    println!("decode (protobuf -> records)     {:>6.2} µs/span", per_span(t));

    let mut redactor = Redactor::with_defaults();
    let t = Instant::now();
    for d in &mut decoded {
        redactor.redact_request(d);
    }
    println!("redact                           {:>6.2} µs/span", per_span(t));

    let t = Instant::now();
    let mut rows = 0;
    for d in &decoded {
        for s in &d.spans {
            rows += SpanRow::new(s, &status_facts(s), s.trace_id).attributes_json.len();
        }
    }
    println!("rows, raw facts                  {:>6.2} µs/span ({rows} bytes of attributes)", per_span(t));

    let t = Instant::now();
    let mut agents = 0;
    for d in &decoded {
        let a = analyze_run(&d.spans);
        agents += a.agents.len();
        for (s, f) in d.spans.iter().zip(&a.facts) {
            std::hint::black_box(SpanRow::new(s, f, s.trace_id));
        }
    }
    println!("analyze_run + rows               {:>6.2} µs/span ({agents} agents)", per_span(t));
}
