//! Raw bytes as an `application/x-protobuf` body (identity encoding; a body starting with the
//! gzip magic is still inflated, as in production).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let limits = common::limits();
    if let Ok(d) = agenttrace_core::otlp::decode_body(data, Some("application/x-protobuf"), None, &limits) {
        common::check_decoded(&d);
    }
});
