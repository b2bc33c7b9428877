//! Decode (format sniffed: `{`/`[`/whitespace first means OTLP/JSON, else protobuf), then run
//! the normalizers the extension runs at ingest: `span_facts` per span and `analyze_run`.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let ct = match data.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => "application/json",
        _ => "application/x-protobuf",
    };
    let limits = common::limits();
    if let Ok(d) = agenttrace_core::otlp::decode_body(data, Some(ct), None, &limits) {
        common::check_decoded(&d);
        common::normalize(&d);
    }
});
