//! Raw bytes as an OTLP/JSON (`application/json`) body.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let limits = common::limits();
    if let Ok(d) = agenttrace_core::otlp::decode_body(data, Some("application/json"), None, &limits) {
        common::check_decoded(&d);
    }
});
