//! Shared by the fuzz targets: the checks every decoded request must pass, and the
//! normalizer pass over it.
#![allow(dead_code)]

use agenttrace_core::model::DecodedRequest;
use agenttrace_core::analyze::analyze_run;
use agenttrace_core::normalize::span_facts;
use agenttrace_core::otlp::Limits;

/// Limits as the extension uses them, but with a smaller body cap so a gzip bomb found by the
/// fuzzer is stopped well inside libFuzzer's -malloc_limit_mb.
pub fn limits() -> Limits {
    Limits { max_body_bytes: 8 << 20, ..Limits::default() }
}

/// Invariants of a successful decode (a violation is a bug, not just a panic).
pub fn check_decoded(d: &DecodedRequest) {
    for s in &d.spans {
        assert_ne!(s.trace_id, [0; 16], "all-zero trace id accepted");
        assert_ne!(s.span_id, [0; 8], "all-zero span id accepted");
        assert!(!s.name.contains('\0'), "NUL in span name");
        for k in s.attributes.keys() {
            assert!(!k.contains('\0'), "NUL in attribute key");
        }
    }
    let _ = d.rejection_message();
}

/// Everything the extension runs on a decoded request: per-span facts and the run analysis,
/// rendered to JSON as the extension stores it.
pub fn normalize(d: &DecodedRequest) {
    for s in &d.spans {
        let f = span_facts(s);
        let _ = serde_json::to_string(&f);
    }
    let a = analyze_run(&d.spans);
    assert_eq!(a.facts.len(), d.spans.len());
    let _ = serde_json::to_string(&a);
}
